/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * altp2m views on libxenctrl (HVMOP_altp2m).  Xen 4.17 supports them on
 * Intel VMX only; on AMD every call fails with EOPNOTSUPP until the
 * project's xen-patches series is applied.  The hypercall buffers come
 * from libxencall, so these calls also die with restriction, unless the
 * port keeps libxenctrl for them (pvr_port_keep_altp2m()).
 */
#include <config.h>

#include <errno.h>

#include "port/xen/xen_priv.h"

static xenmem_access_t to_xen(enum pvr_access a)
{
    static const xenmem_access_t map[] = {
        [PVR_ACCESS_N] = XENMEM_access_n,
        [PVR_ACCESS_R] = XENMEM_access_r,
        [PVR_ACCESS_W] = XENMEM_access_w,
        [PVR_ACCESS_RW] = XENMEM_access_rw,
        [PVR_ACCESS_X] = XENMEM_access_x,
        [PVR_ACCESS_RX] = XENMEM_access_rx,
        [PVR_ACCESS_WX] = XENMEM_access_wx,
        [PVR_ACCESS_RWX] = XENMEM_access_rwx,
        [PVR_ACCESS_DEFAULT] = XENMEM_access_default,
    };

    /* port.c has range-checked a. */
    return map[a];
}

static int from_xen(xenmem_access_t a, enum pvr_access *out)
{
    if ( a > XENMEM_access_rwx )
        return -EPROTO;     /* rx2rw, n2rwx: not used by pvdomaind */
    *out = (enum pvr_access)a;
    return 0;
}

#define XCH_OR_EPERM(p, xch)            \
    xc_interface *xch = xen__altp2m_xch(p); \
    if ( !xch )                         \
        return -EPERM

static int xen_set_domain_state(pvr_port *p, uint32_t domid, bool enabled)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_set_domain_state(xch, domid, enabled));
}

static int xen_create_view(pvr_port *p, uint32_t domid,
                           enum pvr_access dflt, uint16_t *view_out)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_create_view(xch, domid, to_xen(dflt),
                                         view_out));
}

static int xen_destroy_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_destroy_view(xch, domid, view));
}

static int xen_switch_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_switch_to_view(xch, domid, view));
}

static int xen_set_mem_access(pvr_port *p, uint32_t domid, uint16_t view,
                              uint64_t gfn, enum pvr_access access)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_set_mem_access(xch, domid, view, gfn,
                                            to_xen(access)));
}

static int xen_get_mem_access(pvr_port *p, uint32_t domid, uint16_t view,
                              uint64_t gfn, enum pvr_access *access_out)
{
    xenmem_access_t a;
    int rc;

    XCH_OR_EPERM(p, xch);
    rc = xen__rc(xc_altp2m_get_mem_access(xch, domid, view, gfn, &a));
    return rc ? rc : from_xen(a, access_out);
}

static int xen_change_gfn(pvr_port *p, uint32_t domid, uint16_t view,
                          uint64_t old_gfn, uint64_t new_gfn)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_change_gfn(xch, domid, view, old_gfn,
                                        new_gfn));
}

static int xen_set_visibility(pvr_port *p, uint32_t domid, uint16_t view,
                              bool visible)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_altp2m_set_visibility(xch, domid, view, visible));
}

static int xen_set_access_required(pvr_port *p, uint32_t domid,
                                   bool required)
{
    XCH_OR_EPERM(p, xch);
    return xen__rc(xc_domain_set_access_required(xch, domid, required));
}

const struct pvr_altp2m_ops xen__altp2m_ops = {
    .set_domain_state = xen_set_domain_state,
    .create_view = xen_create_view,
    .destroy_view = xen_destroy_view,
    .switch_view = xen_switch_view,
    .set_mem_access = xen_set_mem_access,
    .get_mem_access = xen_get_mem_access,
    .change_gfn = xen_change_gfn,
    .set_visibility = xen_set_visibility,
    .set_access_required = xen_set_access_required,
};
