/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to pvxl: the handles behind pvr_pvxl and the helpers the
 * library's files share (named pvxl__*).  The only place that includes
 * Xen's tool headers, with libxl's API pinned.
 */
#ifndef PVR_PVXL_PRIV_H
#define PVR_PVXL_PRIV_H

#define LIBXL_API_VERSION 0x041400

#include <stdarg.h>
#include <stdbool.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "toolstack/pvxl/libpvxl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct pvr_pvxl {
    xentoollog_logger_stdiostream *logger;
    libxl_ctx *ctx;
    xc_interface *xch;
    struct xs_handle *xsh;
};

/* Format err (never NULL here). */
void pvxl__seterr(pvr_pvxl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Paths of the run files of guest NAME: pidfile and saved cfg. */
void pvxl__pidfile(const char *name, char *buf, size_t len);
void pvxl__savedcfg(const char *name, char *buf, size_t len);

/* xenstore (xsnodes.c). */
int pvxl__xs_write_pairing(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                           uint32_t guest, uint32_t pv, pvr_pvxl_err *err);
void pvxl__xs_remove_pairing(pvr_pvxl *px, uint32_t guest, uint32_t pv);
/* Read a node into buf (NUL-terminated, truncated); -ENOENT if absent. */
int pvxl__xs_read(pvr_pvxl *px, const char *path, char *buf, size_t len);
/*
 * Wait for P's state=ready: 0; -EIO with err from P's error node or P's
 * death; -ETIMEDOUT.
 */
int pvxl__xs_wait_ready(pvr_pvxl *px, uint32_t pv, long timeout_s,
                        pvr_pvxl_err *err);

/* Domain state (pair.c): 1 running/paused, 0 gone or dying, shutdown. */
enum pvxl_dom_state {
    PVXL_DOM_GONE,
    PVXL_DOM_ALIVE,
    PVXL_DOM_SHUTDOWN,         /* with a reason */
};
enum pvxl_dom_state pvxl__dom_state(pvr_pvxl *px, uint32_t domid,
                                    int *reason_out, bool *paused_out);

/*
 * Write path = value (or mkdir path when value is NULL) in transaction t
 * and give it perms; and run fn(px, t, arg) in a transaction, retried
 * while xenstored says EAGAIN: 0 or -errno.
 */
bool pvxl__xs_put(pvr_pvxl *px, xs_transaction_t t, const char *path,
                  const char *value, struct xs_permissions *perms,
                  unsigned int nperms);
int pvxl__xs_transact(pvr_pvxl *px,
                      bool (*fn)(pvr_pvxl *, xs_transaction_t, const void *),
                      const void *arg);

/*
 * The NVMe disk's vbd of paravisor P (vbd.c): add it (loop device and
 * both xenstore directories; undone on failure); before destroying P,
 * give a closing frontend a moment; after, remove P's vbds and their
 * loop devices.
 */
#define PVXL_VBD_DEVID 51728u  /* xvdb's xenbus id; the state disk is xvda */
int pvxl__vbd_add(pvr_pvxl *px, const pvr_pvxl_config *cfg, uint32_t pv,
                  pvr_pvxl_err *err);
void pvxl__vbd_before_destroy(pvr_pvxl *px, uint32_t domid);
void pvxl__vbd_remove(pvr_pvxl *px, uint32_t domid);

/* Make sure dom0 has the loop driver; err says what needs it and fix. */
int pvxl__check_loop(const char *what, const char *fix, pvr_pvxl_err *err);

/* Run a program and wait for it; returns its exit status or -errno. */
int pvxl__run(char *const argv[]);

#endif /* PVR_PVXL_PRIV_H */
