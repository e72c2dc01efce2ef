/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for pvdomaind and its libraries.
 *
 * Theory of operation: every line goes to one stream (stderr unless
 * pvr_log_open() names another) in the form
 *
 *     pvdomaind[<pid>]: d<domid> <component>: <level>: <message>
 *
 * so that a line can always be traced back to its guest and component.
 * The Xen port backend wraps this in a xentoollog logger, so errors that
 * Xen's libraries report land in the same stream.
 *
 * Messages caused by a guest (a malformed request, a protocol violation)
 * must go through PVR_LOG_GUEST(), which rate-limits per call site: a
 * hostile guest cannot flood the log, and the number of suppressed
 * messages is reported when the limit lifts.
 *
 * All functions are safe to call from any thread; a line is written with
 * a single write(2).  None of them allocates memory.
 */
#ifndef PVR_LOG_H
#define PVR_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

enum pvr_log_level {
    PVR_LOG_DEBUG,
    PVR_LOG_INFO,
    PVR_LOG_WARN,
    PVR_LOG_ERROR,
};

/* A domid that is not known (yet). */
#define PVR_LOG_NO_DOMID UINT32_MAX

/*
 * Set the guest domid shown on every line, the lowest level printed, and
 * the file descriptor written to (-1 keeps the current one, 2 at start).
 * Called from main() before any thread exists.
 */
void pvr_log_open(uint32_t domid, enum pvr_log_level min, int fd);

/* Parse "debug", "info", "warn" or "error".  Returns 0 or -EINVAL. */
int pvr_log_parse_level(const char *s, enum pvr_log_level *out);

/* Is a message at this level printed at all?  For expensive formatting. */
int pvr_log_enabled(enum pvr_log_level lvl);

void pvr_log(enum pvr_log_level lvl, const char *comp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pvr_vlog(enum pvr_log_level lvl, const char *comp, const char *fmt,
              va_list ap)
    __attribute__((format(printf, 3, 0)));

/* As pvr_log(), with ": " and strerror(errnum) appended (errnum > 0). */
void pvr_log_e(enum pvr_log_level lvl, const char *comp, int errnum,
               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define pvr_debug(comp, ...) pvr_log(PVR_LOG_DEBUG, comp, __VA_ARGS__)
#define pvr_info(comp, ...)  pvr_log(PVR_LOG_INFO, comp, __VA_ARGS__)
#define pvr_warn(comp, ...)  pvr_log(PVR_LOG_WARN, comp, __VA_ARGS__)
#define pvr_err(comp, ...)   pvr_log(PVR_LOG_ERROR, comp, __VA_ARGS__)

/*
 * Rate limiting: at most PVR_RATELIMIT_BURST messages per
 * PVR_RATELIMIT_INTERVAL seconds per call site.
 */
#define PVR_RATELIMIT_BURST    10
#define PVR_RATELIMIT_INTERVAL 5

struct pvr_ratelimit {
    time_t window_start;
    unsigned int printed;
    unsigned int suppressed;
};

/*
 * Returns non-zero when a message may be printed now.  When a new window
 * opens after messages were suppressed, says how many were dropped.
 */
int pvr_ratelimit_ok(struct pvr_ratelimit *rl, const char *comp);

/* Log a guest-caused event at WARN level, rate-limited per call site. */
#define PVR_LOG_GUEST(comp, ...)                                  \
    do {                                                          \
        static struct pvr_ratelimit rl_;                          \
        if ( pvr_ratelimit_ok(&rl_, comp) )                       \
            pvr_log(PVR_LOG_WARN, comp, "guest: " __VA_ARGS__);   \
    } while ( 0 )

#endif /* PVR_LOG_H */
