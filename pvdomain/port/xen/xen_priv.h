/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the Xen port backend, shared by its files.  This
 * directory is the only code that includes Xen's headers; libxenctrl,
 * the one unstable ABI, is used only in domctl.c and altp2m.c.
 */
#ifndef PVR_XEN_PRIV_H
#define PVR_XEN_PRIV_H

/* xenctrl.h first: it defines __XEN_TOOLS__ for the public headers. */
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "port/backend.h"

struct pvr_xen {
    xentoollog_logger logger;
    xc_interface *xch;              /* domctl.c, altp2m.c */
    xenevtchn_handle *xce;
    xenforeignmemory_handle *fmem;
    xendevicemodel_handle *dmod;
    xengnttab_handle *xgt;          /* optional: needs gntdev */
    xengntshr_handle *xgs;          /* optional: needs gntalloc */
    struct xs_handle *xsh;
    bool restricted;                /* xch, xsh, xgt, xgs closed */
    bool keep_altp2m;               /* ... except xch, for altp2m.c */
};

struct pvr_port_resource {
    xenforeignmemory_resource_handle *fres;
};

static inline struct pvr_xen *xen_of(pvr_port *p)
{
    return pvr_port_priv(p);
}

/* libxenctrl, or NULL once restriction has replaced it. */
static inline xc_interface *xen__xch(pvr_port *p)
{
    return xen_of(p)->restricted ? NULL : xen_of(p)->xch;
}

/* libxenctrl for altp2m.c: also after restriction with keep_altp2m. */
static inline xc_interface *xen__altp2m_xch(pvr_port *p)
{
    return xen_of(p)->restricted && !xen_of(p)->keep_altp2m
           ? NULL : xen_of(p)->xch;
}

/* A library call's result (r < 0 with errno) as a negative errno. */
static inline int xen__rc(int r)
{
    return r < 0 ? (errno ? -errno : -EIO) : 0;
}

extern const struct pvr_domctl_ops xen__domctl_ops;
extern const struct pvr_altp2m_ops xen__altp2m_ops;
extern const struct pvr_fmem_ops xen__fmem_ops;
extern const struct pvr_evtchn_ops xen__evtchn_ops;
extern const struct pvr_gnttab_ops xen__gnttab_ops;
extern const struct pvr_dm_ops xen__dm_ops;
extern const struct pvr_xs_ops xen__xs_ops;

#endif /* PVR_XEN_PRIV_H */
