/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging: one formatted line, one write(2).  See log.h.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"

static uint32_t log_domid = PVR_LOG_NO_DOMID;
static enum pvr_log_level log_min = PVR_LOG_INFO;
static int log_fd = 2;
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
    [PVR_LOG_DEBUG] = "debug",
    [PVR_LOG_INFO] = "info",
    [PVR_LOG_WARN] = "warn",
    [PVR_LOG_ERROR] = "error",
};

void pvr_log_open(uint32_t domid, enum pvr_log_level min, int fd)
{
    log_domid = domid;
    log_min = min;
    if ( fd >= 0 )
        log_fd = fd;
}

int pvr_log_parse_level(const char *s, enum pvr_log_level *out)
{
    unsigned int i;

    for ( i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++ )
    {
        if ( !strcasecmp(s, level_names[i]) )
        {
            *out = i;
            return 0;
        }
    }
    return -EINVAL;
}

int pvr_log_enabled(enum pvr_log_level lvl)
{
    return lvl >= log_min;
}

static void log_line(enum pvr_log_level lvl, const char *comp, int errnum,
                     const char *fmt, va_list ap)
{
    char buf[1024], dom[16];
    size_t len;
    int n, saved_errno = errno;

    if ( lvl < log_min )
        return;

    if ( log_domid == PVR_LOG_NO_DOMID )
        snprintf(dom, sizeof(dom), "d-");
    else
        snprintf(dom, sizeof(dom), "d%u", log_domid);

    n = snprintf(buf, sizeof(buf), "pvdomaind[%d]: %s %s: %s: ",
                 (int)getpid(), dom, comp ? comp : "-",
                 level_names[lvl]);
    len = n < 0 ? 0 : (size_t)n;
    if ( len < sizeof(buf) )
    {
        n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
        len += n < 0 ? 0 : (size_t)n;
    }
    if ( errnum > 0 && len < sizeof(buf) )
    {
        char ebuf[128];
        const char *e = strerror_r(errnum, ebuf, sizeof(ebuf));

        n = snprintf(buf + len, sizeof(buf) - len, ": %s", e);
        len += n < 0 ? 0 : (size_t)n;
    }
    if ( len >= sizeof(buf) - 1 )
    {
        /* Truncated: keep the line a line. */
        len = sizeof(buf) - 1;
        buf[len - 1] = '~';
    }
    /* Drop a trailing newline the caller gave; we add exactly one. */
    while ( len > 0 && buf[len - 1] == '\n' )
        len--;
    buf[len++] = '\n';

    /* Logging is best effort; a short write to a dead stderr is ignored. */
    if ( write(log_fd, buf, len) < 0 )
        (void)0;
    errno = saved_errno;
}

void pvr_vlog(enum pvr_log_level lvl, const char *comp, const char *fmt,
              va_list ap)
{
    log_line(lvl, comp, 0, fmt, ap);
}

void pvr_log(enum pvr_log_level lvl, const char *comp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(lvl, comp, 0, fmt, ap);
    va_end(ap);
}

void pvr_log_e(enum pvr_log_level lvl, const char *comp, int errnum,
               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(lvl, comp, errnum, fmt, ap);
    va_end(ap);
}

int pvr_ratelimit_ok(struct pvr_ratelimit *rl, const char *comp)
{
    struct timespec now;
    unsigned int dropped = 0;
    int ok;

    clock_gettime(CLOCK_MONOTONIC, &now);

    pthread_mutex_lock(&rl_lock);
    if ( now.tv_sec - rl->window_start >= PVR_RATELIMIT_INTERVAL )
    {
        dropped = rl->suppressed;
        rl->window_start = now.tv_sec;
        rl->printed = 0;
        rl->suppressed = 0;
    }
    ok = rl->printed < PVR_RATELIMIT_BURST;
    if ( ok )
        rl->printed++;
    else
        rl->suppressed++;
    pthread_mutex_unlock(&rl_lock);

    if ( dropped )
        pvr_log(PVR_LOG_WARN, comp, "%u similar guest messages suppressed",
                dropped);
    return ok;
}
