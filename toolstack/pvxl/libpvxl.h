/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libpvxl: guest + paravisor pairs from an ordinary xl.cfg.
 *
 * Theory of operation.  A pair is an HVM guest G, created by `xl create
 * -p -e CFG` so that every standard key means what it means to xl, and a
 * PV paravisor domain P named "<name>-paravisor", created here with
 * libxl from the project's image.  P gets target privilege over G in Xen
 * (xc_domain_set_target) and in xenstored (xs_set_target), and its
 * configuration in xenstore:
 *
 *     /local/domain/G/paravisor/domid      = P     (n0 rG rP)
 *     /local/domain/P/paravisor/           (dir)   (n0 bP)
 *                   .../target = G, tpm = 1|0, tpm-state, log-level,
 *                   nvme = vbd:N and nvme-slot (with paravisor_nvme,
 *                   whose vbd pvxl makes for P: vbd.c)
 *
 * pvdomaind inside P answers with .../state = ready (or .../error).  Only
 * then is G unpaused.  A monitor process per pair (pidfile in
 * /run/pvdomain/<name>.pid) watches @releaseDomain and applies on_poweroff,
 * on_reboot and on_crash to the pair, and replaces a paravisor that died
 * under a running guest.
 *
 * The library has three layers:
 *  - the key table and value checks (cfg.c): pure C, no Xen header, so
 *    unit tests link it without Xen;
 *  - the configuration as read with libxlutil (config.c);
 *  - the pair itself on libxl, libxenctrl and libxenstore (pair.c,
 *    xsnodes.c, monitor.c, admin.c).
 *
 * Errors: functions return 0 or a negative errno value, and put one
 * human-readable line (no newline) into the caller's pvr_pvxl_err.  None
 * of them exits.  All run in the pvxl process or its monitor child; none
 * touches memory the guest controls (xenstore nodes P writes are read as
 * untrusted strings of bounded length).
 */
#ifndef PVR_LIBPVXL_H
#define PVR_LIBPVXL_H

#include <stddef.h>
#include <stdint.h>

/* One line of error text for the user. */
#define PVR_PVXL_ERRLEN 512
typedef struct pvr_pvxl_err {
    char msg[PVR_PVXL_ERRLEN];
} pvr_pvxl_err;

/* --- the key table (cfg.c, pure) ------------------------------------ */

enum pvr_pvxl_key {
    PVR_PVXL_KEY_PARAVISOR,
    PVR_PVXL_KEY_MEMORY,
    PVR_PVXL_KEY_VCPUS,
    PVR_PVXL_KEY_KERNEL,
    PVR_PVXL_KEY_RAMDISK,
    PVR_PVXL_KEY_CMDLINE,
    PVR_PVXL_KEY_VTPM,
    PVR_PVXL_KEY_STATE_DISK,
    PVR_PVXL_KEY_LOG_LEVEL,
    PVR_PVXL_KEY_TIMEOUT,
    PVR_PVXL_KEY_NVME,
    PVR_PVXL_KEY_NVME_SLOT,
    PVR_PVXL_KEY_COUNT,
};

/* What xl.cfg's on_poweroff/on_reboot/on_crash may say with a paravisor. */
enum pvr_pvxl_action {
    PVR_PVXL_ACTION_DESTROY,
    PVR_PVXL_ACTION_RESTART,
    PVR_PVXL_ACTION_PRESERVE,
};

/* The paravisor's settings.  Strings are owned (freed by _dispose). */
typedef struct pvr_pvxl_opts {
    int enabled;               /* paravisor */
    long memory_mib;           /* paravisor_memory */
    long vcpus;                /* paravisor_vcpus */
    char *kernel;              /* paravisor_kernel */
    char *ramdisk;             /* paravisor_ramdisk */
    char *cmdline;             /* paravisor_cmdline (NULL: none) */
    int vtpm;                  /* paravisor_vtpm */
    char *state_disk;          /* paravisor_state_disk (NULL: default) */
    char *log_level;           /* paravisor_log_level */
    long timeout_s;            /* paravisor_timeout */
    char *nvme;                /* paravisor_nvme (NULL: no NVMe disk) */
    char *nvme_slot;           /* paravisor_nvme_slot (NULL: default) */
    unsigned int given;        /* bit (1u << key) per key set by the cfg */
} pvr_pvxl_opts;

#define PVR_PVXL_MEMORY_DEFAULT 96
#define PVR_PVXL_TIMEOUT_DEFAULT 120
#define PVR_PVXL_STATE_DIR "/var/lib/pvdomain"
#define PVR_PVXL_RUN_DIR "/run/pvdomain"
#define PVR_PVXL_LOG_DIR "/var/log/pvdomain"
#define PVR_PVXL_STATE_DISK_BYTES (4u << 20)

/*
 * Fill opts with the defaults; kernel and ramdisk are in image_dir.
 * Returns 0 or -ENOMEM.  pvr_pvxl_opts_dispose() frees the strings and
 * may be called twice.
 */
int pvr_pvxl_opts_init(pvr_pvxl_opts *opts, const char *image_dir);
void pvr_pvxl_opts_dispose(pvr_pvxl_opts *opts);

/*
 * Checks between keys, after every key was set: paravisor_nvme_slot
 * needs paravisor_nvme.  -EINVAL with err naming the key and the fix.
 */
int pvr_pvxl_opts_check(const pvr_pvxl_opts *opts, pvr_pvxl_err *err);

/*
 * Parse a PCI function "BB:DD.F" (hex; bus 00, device 02 to 1f, function
 * 0 to 7), as pvdomaind's --nvme-slot takes it: 0 or -EINVAL.
 */
int pvr_pvxl_slot_parse(const char *s, unsigned int *dev, unsigned int *fn);

/* The key's name, or NULL; and its index by name, or -1. */
const char *pvr_pvxl_key_name(enum pvr_pvxl_key key);
int pvr_pvxl_key_lookup(const char *name);

/* "paravisor, paravisor_memory, ...": every key, for error messages. */
const char *pvr_pvxl_key_list(void);

/*
 * Check value and store it in opts under key name.  -ENOENT: no such
 * key (err names it and lists the keys); -EINVAL: value not allowed (err
 * says what was given and what is allowed); -ENOMEM.
 */
int pvr_pvxl_opt_set(pvr_pvxl_opts *opts, const char *name,
                     const char *value, pvr_pvxl_err *err);

/*
 * Parse an on_* action (key is the name for the message).  Only destroy,
 * restart and preserve are supported; other xl actions get -ENOTSUP, a
 * word that is not an xl action -EINVAL.
 */
int pvr_pvxl_action_parse(const char *key, const char *value,
                          enum pvr_pvxl_action *out, pvr_pvxl_err *err);
const char *pvr_pvxl_action_name(enum pvr_pvxl_action a);

/*
 * Scan xl.cfg text for statements whose key starts with "paravisor" and
 * call fn(key, line, arg) for each, in order (key is NUL-terminated and
 * only valid during the call).  Comments, quoted strings and multi-line
 * lists are skipped as libxlutil's lexer does.  Returns 0, or the first
 * non-zero value fn returned.
 */
typedef int pvr_pvxl_scan_fn(const char *key, int line, void *arg);
int pvr_pvxl_scan(const char *text, size_t len, pvr_pvxl_scan_fn *fn,
                  void *arg);

/* The key of a KEY=VALUE / KEY+=VALUE override (copied into buf). */
int pvr_pvxl_override_key(const char *override, char *buf, size_t len);

/* --- the whole configuration (config.c, libxlutil) ------------------ */

enum pvr_pvxl_type {
    PVR_PVXL_TYPE_HVM,
    PVR_PVXL_TYPE_PV,
    PVR_PVXL_TYPE_PVH,
};

typedef struct pvr_pvxl_config {
    char *path;                /* the cfg file as given */
    char **overrides;          /* all KEY=VALUE, NULL-terminated */
    char *text;                /* file text + overrides, as xl reads it */
    size_t text_len;
    char *name;
    enum pvr_pvxl_type type;
    enum pvr_pvxl_action on_poweroff, on_reboot, on_crash;
    pvr_pvxl_opts opts;
} pvr_pvxl_config;

/*
 * Read path (and overrides, n of them) as xl would, and check every key
 * pvxl reads.  On error err says which key and what is allowed; returns
 * -EINVAL (bad config), -ENOENT (file), -ENOMEM.  Prints nothing itself
 * except libxlutil's parse errors, which it reports on stderr.
 * pvr_pvxl_config_dispose() may be called twice.
 */
int pvr_pvxl_config_load(pvr_pvxl_config *cfg, const char *path,
                         char *const *overrides, int n,
                         const char *image_dir, pvr_pvxl_err *err);
void pvr_pvxl_config_dispose(pvr_pvxl_config *cfg);

/* --- pairs (pair.c, monitor.c, admin.c; libxl) ---------------------- */

typedef struct pvr_pvxl pvr_pvxl;     /* libxl, xc and xs handles */

/* Open handles to libxl, libxenctrl and xenstore; logs go to stderr. */
int pvr_pvxl_open(pvr_pvxl **out, pvr_pvxl_err *err);
void pvr_pvxl_close(pvr_pvxl *px);

/* Flags for pvr_pvxl_pair_create. */
#define PVR_PVXL_CREATE_PAUSED 1u  /* leave the guest paused */
#define PVR_PVXL_CREATE_REUSE  2u  /* a restart: the guest cfg is saved */

/*
 * Create the pair (steps: checks, state disk, xl create, the paravisor
 * domain, set_target, xenstore, ready) and report its domids.  On any
 * failure everything this call made is undone and err names the step.
 * Logs progress through pvr_pvxl_logf.
 */
int pvr_pvxl_pair_create(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                         unsigned int flags, uint32_t *guest_out,
                         uint32_t *pv_out, pvr_pvxl_err *err);

/*
 * Create a paravisor for the existing guest (paused), wait until it is
 * ready.  Used by pair_create and by the monitor when P died.
 */
int pvr_pvxl_paravisor_start(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                             uint32_t guest, uint32_t *pv_out,
                             pvr_pvxl_err *err);

/* Destroy the domain if it exists (0 if it did not). */
int pvr_pvxl_domain_destroy(pvr_pvxl *px, uint32_t domid);

/* The state disk path for cfg (the default, or paravisor_state_disk). */
int pvr_pvxl_state_disk_path(const pvr_pvxl_config *cfg, char *buf,
                             size_t len);

/*
 * Run the pair's monitor in this process until the pair is gone (or
 * SIGTERM).  Returns 0 when the pair ended by its own actions.
 */
int pvr_pvxl_monitor_run(pvr_pvxl *px, pvr_pvxl_config *cfg,
                         uint32_t guest, uint32_t pv);

/* A pair as seen in xenstore (admin.c). */
typedef struct pvr_pvxl_pair {
    uint32_t guest, pv;        /* pv: UINT32_MAX when none is recorded */
    char name[128];
    char state[32];            /* starting, ready, failed, gone, ... */
    long monitor_pid;          /* 0: none running */
} pvr_pvxl_pair;

/*
 * Find the pair of NAME or DOMID (a guest's, or its paravisor's).
 * -ESRCH: no such domain; -ENOENT: the domain is not part of a pair.
 */
int pvr_pvxl_pair_find(pvr_pvxl *px, const char *what, pvr_pvxl_pair *out,
                       pvr_pvxl_err *err);

/* Every pair; *out is malloc()ed, the caller frees it. */
int pvr_pvxl_pair_list(pvr_pvxl *px, pvr_pvxl_pair **out, size_t *n_out);

/*
 * Stop the monitor of pair NAME, if one runs, with anything it runs (an
 * `xl create` while it restarts the pair).  1 if there was one, else 0.
 */
int pvr_pvxl_monitor_stop(const char *name);

/*
 * Destroy the domains named NAME and NAME-paravisor, if they exist, and
 * NAME's run files: what a pair restart cut short leaves.  For a caller
 * that has just stopped NAME's monitor: the names alone do not prove the
 * domains belong to a pair.  Returns how many were destroyed.
 */
int pvr_pvxl_leftovers_destroy(pvr_pvxl *px, const char *name);

/* Stop the monitor, destroy both domains, remove nodes and run files. */
int pvr_pvxl_pair_destroy(pvr_pvxl *px, const pvr_pvxl_pair *pair,
                          pvr_pvxl_err *err);

/* Log one line with a timestamp to stderr (the monitor's log file). */
void pvr_pvxl_logf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* PVR_LIBPVXL_H */
