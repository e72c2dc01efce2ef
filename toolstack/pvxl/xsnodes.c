/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pairing in xenstore (the contract in libpvxl.h): written by pvxl as
 * dom0 in one transaction before P runs, removed when the pair goes, and
 * the wait for P's answer (state=ready or error), driven by watches.
 *
 * Nodes P writes (state, error) are untrusted: read with a bounded
 * length and shown only after replacing unprintable bytes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "toolstack/pvxl/pvxl_priv.h"

#define XS_PATH_LEN 128

int pvxl__xs_read(pvr_pvxl *px, const char *path, char *buf, size_t len)
{
    unsigned int n = 0;
    char *v = xs_read(px->xsh, XBT_NULL, path, &n);
    size_t i;

    if ( !v )
        return -ENOENT;
    if ( n >= len )
        n = (unsigned int)len - 1;
    for ( i = 0; i < n; i++ )
        buf[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
    buf[n] = '\0';
    free(v);
    return 0;
}

bool pvxl__xs_put(pvr_pvxl *px, xs_transaction_t t, const char *path,
                  const char *value, struct xs_permissions *perms,
                  unsigned int nperms)
{
    bool ok = value ? xs_write(px->xsh, t, path, value, strlen(value))
                    : xs_mkdir(px->xsh, t, path);

    return ok && xs_set_permissions(px->xsh, t, path, perms, nperms);
}

#define put pvxl__xs_put

struct pairing {
    const pvr_pvxl_config *cfg;
    uint32_t g, p;
};

static bool write_nodes(pvr_pvxl *px, xs_transaction_t t, const void *arg)
{
    const struct pairing *pr = arg;
    const pvr_pvxl_config *cfg = pr->cfg;
    uint32_t g = pr->g, p = pr->p;
    struct xs_permissions gperm[] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = g, .perms = XS_PERM_READ },
        { .id = p, .perms = XS_PERM_READ },
    };
    struct xs_permissions pdir[] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = p, .perms = XS_PERM_READ | XS_PERM_WRITE },
    };
    struct xs_permissions pro[] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = p, .perms = XS_PERM_READ },
    };
    char path[XS_PATH_LEN], val[16];
    bool ok;

    snprintf(val, sizeof(val), "%u", p);
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor", g);
    ok = put(px, t, path, NULL, gperm, ARRAY_SIZE(gperm));
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/domid", g);
    ok = ok && put(px, t, path, val, gperm, ARRAY_SIZE(gperm));

    /*
     * What libxl writes for a device-model stub domain: a domU's Linux
     * reads it to restrict privcmd to that domain (with no target node,
     * privcmd refuses even the device-model operations on the guest).
     */
    snprintf(val, sizeof(val), "%u", g);
    snprintf(path, sizeof(path), "/local/domain/%u/target", p);
    ok = ok && put(px, t, path, val, pro, ARRAY_SIZE(pro));

    snprintf(path, sizeof(path), "/local/domain/%u/paravisor", p);
    ok = ok && put(px, t, path, NULL, pdir, ARRAY_SIZE(pdir));
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/target", p);
    ok = ok && put(px, t, path, val, pro, ARRAY_SIZE(pro));
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/tpm", p);
    ok = ok && put(px, t, path, cfg->opts.vtpm ? "1" : "0", pro,
                   ARRAY_SIZE(pro));
    if ( cfg->opts.vtpm )
    {
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor/tpm-state",
                 p);
        ok = ok && put(px, t, path, "/dev/xvda", pro, ARRAY_SIZE(pro));
    }
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/log-level", p);
    ok = ok && put(px, t, path, cfg->opts.log_level, pro, ARRAY_SIZE(pro));
    if ( cfg->opts.nvme )
    {
        /* The vbd pvxl__vbd_add() made, and where the guest sees it. */
        snprintf(val, sizeof(val), "vbd:%u", PVXL_VBD_DEVID);
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor/nvme", p);
        ok = ok && put(px, t, path, val, pro, ARRAY_SIZE(pro));
    }
    if ( cfg->opts.nvme && cfg->opts.nvme_slot )
    {
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor/nvme-slot",
                 p);
        ok = ok && put(px, t, path, cfg->opts.nvme_slot, pro,
                       ARRAY_SIZE(pro));
    }
    return ok;
}
#undef put

int pvxl__xs_transact(pvr_pvxl *px,
                      bool (*fn)(pvr_pvxl *, xs_transaction_t, const void *),
                      const void *arg)
{
    int tries;

    for ( tries = 0; tries < 16; tries++ )
    {
        xs_transaction_t t = xs_transaction_start(px->xsh);

        if ( t == XBT_NULL )
            break;
        if ( !fn(px, t, arg) )
        {
            int e = errno;

            xs_transaction_end(px->xsh, t, true);
            return e ? -e : -EIO;
        }
        if ( xs_transaction_end(px->xsh, t, false) )
            return 0;
        if ( errno != EAGAIN )
            break;
    }
    return errno ? -errno : -EIO;
}

int pvxl__xs_write_pairing(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                           uint32_t guest, uint32_t pv, pvr_pvxl_err *err)
{
    struct pairing pr = { .cfg = cfg, .g = guest, .p = pv };
    int rc = pvxl__xs_transact(px, write_nodes, &pr);

    if ( !rc )
        return 0;
    pvxl__seterr(err, "writing the pairing to xenstore: %s", strerror(-rc));
    return -EIO;
}

void pvxl__xs_remove_pairing(pvr_pvxl *px, uint32_t guest, uint32_t pv)
{
    char path[XS_PATH_LEN];

    if ( guest != UINT32_MAX )
    {
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor", guest);
        xs_rm(px->xsh, XBT_NULL, path);
    }
    if ( pv != UINT32_MAX )
    {
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor", pv);
        xs_rm(px->xsh, XBT_NULL, path);
        snprintf(path, sizeof(path), "/local/domain/%u/target", pv);
        xs_rm(px->xsh, XBT_NULL, path);
    }
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* 1: ready; 0: not yet; -EIO: failed (err set). */
static int check_ready(pvr_pvxl *px, uint32_t pv, pvr_pvxl_err *err)
{
    char path[XS_PATH_LEN], v[256];

    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/state", pv);
    if ( !pvxl__xs_read(px, path, v, sizeof(v)) && !strcmp(v, "ready") )
        return 1;
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/error", pv);
    if ( !pvxl__xs_read(px, path, v, sizeof(v)) )
    {
        pvxl__seterr(err, "the paravisor (domain %u) failed to start: %s",
                     pv, v);
        return -EIO;
    }
    if ( pvxl__dom_state(px, pv, NULL, NULL) != PVXL_DOM_ALIVE )
    {
        pvxl__seterr(err, "the paravisor (domain %u) died before it was "
                     "ready (its console: xl console, or the Xen log)", pv);
        return -EIO;
    }
    return 0;
}

int pvxl__xs_wait_ready(pvr_pvxl *px, uint32_t pv, long timeout_s,
                        pvr_pvxl_err *err)
{
    char path[XS_PATH_LEN];
    long deadline = now_ms() + timeout_s * 1000L;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/paravisor", pv);
    if ( !xs_watch(px->xsh, path, "pvxl-ready") ||
         !xs_watch(px->xsh, "@releaseDomain", "pvxl-ready") )
    {
        pvxl__seterr(err, "cannot watch xenstore: %s", strerror(errno));
        rc = -EIO;
        goto out;
    }
    for ( ;; )
    {
        struct pollfd pfd = { .fd = xs_fileno(px->xsh), .events = POLLIN };
        long left;

        rc = check_ready(px, pv, err);
        if ( rc )
            break;
        left = deadline - now_ms();
        if ( left <= 0 )
        {
            pvxl__seterr(err, "the paravisor (domain %u) was not ready "
                         "within %ld s (paravisor_timeout)", pv, timeout_s);
            rc = -ETIMEDOUT;
            goto out;
        }
        if ( poll(&pfd, 1, (int)left) > 0 )
        {
            unsigned int n;
            char **w = xs_read_watch(px->xsh, &n);

            free(w);
        }
    }
    rc = rc > 0 ? 0 : rc;
 out:
    xs_unwatch(px->xsh, path, "pvxl-ready");
    xs_unwatch(px->xsh, "@releaseDomain", "pvxl-ready");
    return rc;
}
