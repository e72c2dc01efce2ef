/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain control on libxenctrl.  Unusable after restriction.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "port/xen/xen_priv.h"

static int xen_getinfo(pvr_port *p, uint32_t domid, pvr_dominfo *out)
{
    xc_interface *xch = xen__xch(p);
    xc_dominfo_t info;
    int r;

    if ( !xch )
        return -EPERM;
    memset(&info, 0, sizeof(info));
    errno = 0;
    r = xc_domain_getinfo(xch, domid, 1, &info);
    if ( r < 0 )
        return xen__rc(r);
    /* getinfo returns the next domain at or after domid. */
    if ( r == 0 || info.domid != domid )
        return -ESRCH;
    out->domid = info.domid;
    out->max_vcpu_id = info.max_vcpu_id;
    out->hvm = info.hvm;
    out->dying = info.dying;
    out->shutdown = info.shutdown;
    out->paused = info.paused;
    out->shutdown_reason = info.shutdown_reason;
    return 0;
}

static int xen_pause(pvr_port *p, uint32_t domid)
{
    xc_interface *xch = xen__xch(p);

    return xch ? xen__rc(xc_domain_pause(xch, domid)) : -EPERM;
}

static int xen_unpause(pvr_port *p, uint32_t domid)
{
    xc_interface *xch = xen__xch(p);

    return xch ? xen__rc(xc_domain_unpause(xch, domid)) : -EPERM;
}

const struct pvr_domctl_ops xen__domctl_ops = {
    .getinfo = xen_getinfo,
    .pause = xen_pause,
    .unpause = xen_unpause,
};
