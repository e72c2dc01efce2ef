/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen port backend: opening the libraries, the logger they report
 * through, restriction, and the IOREQ ABI check.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "port/xen/xen_priv.h"

#include <xen/hvm/ioreq.h>

/* The mirrors in port.h must match the headers we build against. */
_Static_assert(sizeof(pvr_ioreq_slot) == sizeof(ioreq_t), "ioreq_t size");
_Static_assert(offsetof(pvr_ioreq_slot, addr) == offsetof(ioreq_t, addr),
               "ioreq_t.addr");
_Static_assert(offsetof(pvr_ioreq_slot, data) == offsetof(ioreq_t, data),
               "ioreq_t.data");
_Static_assert(offsetof(pvr_ioreq_slot, count) == offsetof(ioreq_t, count),
               "ioreq_t.count");
_Static_assert(offsetof(pvr_ioreq_slot, size) == offsetof(ioreq_t, size),
               "ioreq_t.size");
_Static_assert(offsetof(pvr_ioreq_slot, vp_eport) ==
               offsetof(ioreq_t, vp_eport), "ioreq_t.vp_eport");
_Static_assert(offsetof(pvr_ioreq_slot, type) == offsetof(ioreq_t, type),
               "ioreq_t.type");
_Static_assert(sizeof(pvr_bufioreq_slot) == sizeof(buf_ioreq_t),
               "buf_ioreq_t size");
_Static_assert(sizeof(pvr_bufioreq_page) == sizeof(buffered_iopage_t),
               "buffered_iopage_t size");
_Static_assert(PVR_BUFIOREQ_SLOTS == IOREQ_BUFFER_SLOT_NUM, "slots");
_Static_assert(PVR_IOREQ_TYPE_PIO == IOREQ_TYPE_PIO &&
               PVR_IOREQ_TYPE_COPY == IOREQ_TYPE_COPY &&
               PVR_IOREQ_TYPE_PCI_CONFIG == IOREQ_TYPE_PCI_CONFIG &&
               PVR_IOREQ_TYPE_TIMEOFFSET == IOREQ_TYPE_TIMEOFFSET &&
               PVR_IOREQ_TYPE_INVALIDATE == IOREQ_TYPE_INVALIDATE,
               "ioreq types");
_Static_assert(PVR_IOREQ_STATE_READY == STATE_IOREQ_READY &&
               PVR_IOREQ_STATE_INPROCESS == STATE_IOREQ_INPROCESS &&
               PVR_IOREQ_STATE_RESP_READY == STATE_IORESP_READY,
               "ioreq states");

_Static_assert(PVR_BUFIOREQ_OFF == HVM_IOREQSRV_BUFIOREQ_OFF &&
               PVR_BUFIOREQ_LEGACY == HVM_IOREQSRV_BUFIOREQ_LEGACY &&
               PVR_BUFIOREQ_ATOMIC == HVM_IOREQSRV_BUFIOREQ_ATOMIC,
               "bufioreq modes");
_Static_assert(PVR_RES_IOREQ_SERVER == XENMEM_resource_ioreq_server &&
               PVR_RES_IOREQ_FRAME_BUFIOREQ ==
               XENMEM_resource_ioreq_server_frame_bufioreq &&
               PVR_RES_IOREQ_FRAME_IOREQ(3) ==
               XENMEM_resource_ioreq_server_frame_ioreq(3),
               "resource frames");
_Static_assert(PVR_XS_PERM_READ == XS_PERM_READ &&
               PVR_XS_PERM_WRITE == XS_PERM_WRITE, "xenstore perms");
_Static_assert(PVR_ACCESS_RWX == (int)XENMEM_access_rwx &&
               PVR_ACCESS_RX == (int)XENMEM_access_rx, "access values");

/*
 * Bitfield positions cannot be checked at compile time: build an
 * ioreq_t and a buf_ioreq_t with the bitfields and decode the bytes.
 */
static int abi_check(void)
{
    ioreq_t r;
    buf_ioreq_t b;
    pvr_ioreq_slot s;
    pvr_bufioreq_slot bs;

    memset(&r, 0, sizeof(r));
    r.state = STATE_IORESP_READY;
    r.data_is_ptr = 1;
    r.dir = IOREQ_READ;
    r.df = 1;
    memcpy(&s, &r, sizeof(s));
    if ( s.flags != (PVR_IOREQ_STATE_RESP_READY | PVR_IOREQ_F_DATA_IS_PTR |
                     PVR_IOREQ_F_DIR_READ | PVR_IOREQ_F_DF) )
        return -EPROTO;

    memset(&b, 0, sizeof(b));
    b.type = IOREQ_TYPE_COPY;
    b.dir = IOREQ_READ;
    b.size = 2;
    b.addr = 0xabcde;
    b.data = 0x12345678;
    memcpy(&bs, &b, sizeof(bs));
    if ( PVR_BUFIOREQ_TYPE(bs.word0) != IOREQ_TYPE_COPY ||
         PVR_BUFIOREQ_DIR(bs.word0) != 1 ||
         PVR_BUFIOREQ_SIZE(bs.word0) != 4 ||
         PVR_BUFIOREQ_ADDR(bs.word0) != 0xabcde || bs.data != 0x12345678 )
        return -EPROTO;
    return 0;
}

/* ---- the xentoollog logger: Xen's library messages into our log ---- */

static void logger_vmessage(xentoollog_logger *logger, xentoollog_level level,
                         int errnoval, const char *context,
                         const char *format, va_list al)
{
    enum pvr_log_level lvl;
    char comp[48], msg[512];

    (void)logger;
    if ( level < XTL_INFO )
        lvl = PVR_LOG_DEBUG;
    else if ( level < XTL_WARN )
        lvl = PVR_LOG_INFO;
    else if ( level < XTL_ERROR )
        lvl = PVR_LOG_WARN;
    else
        lvl = PVR_LOG_ERROR;
    if ( !pvr_log_enabled(lvl) )
        return;
    snprintf(comp, sizeof(comp), "xen:%s", context ? context : "lib");
    vsnprintf(msg, sizeof(msg), format, al);
    if ( errnoval > 0 )
        pvr_log_e(lvl, comp, errnoval, "%s", msg);
    else
        pvr_log(lvl, comp, "%s", msg);
}

static void logger_progress(xentoollog_logger *logger, const char *context,
                         const char *doing_what, int percent,
                         unsigned long done, unsigned long total)
{
    (void)logger;
    (void)done;
    (void)total;
    pvr_debug("xen", "%s: %s %d%%", context ? context : "lib", doing_what,
              percent);
}

static void logger_destroy(xentoollog_logger *logger)
{
    (void)logger;
}

/* ---- lifecycle ---- */

static void xen_close(pvr_port *p)
{
    struct pvr_xen *x = xen_of(p);

    if ( !x )
        return;
    if ( x->xsh )
        xs_close(x->xsh);
    if ( x->xgs )
        xengntshr_close(x->xgs);
    if ( x->xgt )
        xengnttab_close(x->xgt);
    if ( x->dmod )
        xendevicemodel_close(x->dmod);
    if ( x->fmem )
        xenforeignmemory_close(x->fmem);
    if ( x->xce )
        xenevtchn_close(x->xce);
    if ( x->xch )
        xc_interface_close(x->xch);
    free(x);
    pvr_port_set_priv(p, NULL);
}

static int xen_open(pvr_port *p)
{
    struct pvr_xen *x;
    xentoollog_logger *l;
    int rc;

    rc = abi_check();
    if ( rc )
    {
        pvr_err("port", "IOREQ ABI mirror does not match the Xen headers");
        return rc;
    }

    x = calloc(1, sizeof(*x));
    if ( !x )
        return -ENOMEM;
    pvr_port_set_priv(p, x);
    x->logger.vmessage = logger_vmessage;
    x->logger.progress = logger_progress;
    x->logger.destroy = logger_destroy;
    l = &x->logger;

    x->xch = xc_interface_open(l, l, 0);
    if ( !x->xch )
        goto fail;
    x->xce = xenevtchn_open(l, 0);
    if ( !x->xce )
        goto fail;
    x->fmem = xenforeignmemory_open(l, 0);
    if ( !x->fmem )
        goto fail;
    x->dmod = xendevicemodel_open(l, 0);
    if ( !x->dmod )
        goto fail;
    x->xsh = xs_open(0);
    if ( !x->xsh )
        goto fail;

    /* Grant devices are optional until a driver needs them. */
    x->xgt = xengnttab_open(l, 0);
    if ( !x->xgt )
        pvr_debug("port", "no grant mapping device (gntdev)");
    x->xgs = xengntshr_open(l, 0);
    if ( !x->xgs )
        pvr_debug("port", "no grant sharing device (gntalloc)");
    return 0;

 fail:
    rc = errno ? -errno : -EIO;
    if ( rc == -ENOENT )
        pvr_err("port", "not running on Xen (no /dev/xen or xenstored)");
    else
        pvr_log_e(PVR_LOG_ERROR, "port", -rc, "cannot open Xen interfaces");
    xen_close(p);
    return rc;
}

/*
 * Restrict this port's handles, not every handle of the process as
 * xentoolcore_restrict_all() would: pvdomaind's worker also holds a
 * second port that must keep reaching dom0 (its blkif frontend's link to
 * blkback, core/vbd.h).  The event-channel, foreign-memory and
 * device-model handles are restricted to domid; libxenctrl (with the
 * handles it holds inside), xenstore and the grant handles have no
 * such mode and are closed, so later calls through them fail cleanly
 * (libxenctrl stays open for the altp2m table after
 * pvr_port_keep_altp2m()).
 */
static int xen_restrict(pvr_port *p, uint32_t domid)
{
    struct pvr_xen *x = xen_of(p);
    int rc;

    if ( (rc = xen__rc(xenevtchn_restrict(x->xce, domid))) ||
         (rc = xen__rc(xenforeignmemory_restrict(x->fmem, domid))) ||
         (rc = xen__rc(xendevicemodel_restrict(x->dmod, domid))) )
        return rc;
    x->restricted = true;
    xs_close(x->xsh);
    x->xsh = NULL;
    if ( x->xgs )
        xengntshr_close(x->xgs);
    if ( x->xgt )
        xengnttab_close(x->xgt);
    x->xgs = NULL;
    x->xgt = NULL;
    if ( !x->keep_altp2m )
    {
        xc_interface_close(x->xch);
        x->xch = NULL;
    }
    return 0;
}

/* libxenctrl stays open for altp2m.c; domctl.c loses it all the same. */
static int xen_keep_altp2m(pvr_port *p)
{
    struct pvr_xen *x = xen_of(p);

    if ( x->restricted )
        return -EINVAL;
    x->keep_altp2m = true;
    return 0;
}

const struct pvr_port_backend pvr_port_xen_backend = {
    .name = "xen",
    .open = xen_open,
    .close = xen_close,
    .restrict_to = xen_restrict,
    .keep_altp2m = xen_keep_altp2m,
    .domctl = &xen__domctl_ops,
    .fmem = &xen__fmem_ops,
    .evtchn = &xen__evtchn_ops,
    .gnttab = &xen__gnttab_ops,
    .dm = &xen__dm_ops,
    .xs = &xen__xs_ops,
    .altp2m = &xen__altp2m_ops,
};
