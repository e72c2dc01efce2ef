/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain control on libxenctrl.  Unusable after restriction.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "port/xen/xen_priv.h"

/*
 * In a domain other than dom0, Linux restricts privcmd to the domain's
 * xenstore "target" from the start (so that root cannot reach other
 * domains through it): general hypercalls, domctls included, fail with
 * EPERM and only device-model operations on the target remain.  Ask
 * those what they can tell: the vCPU count of an HVM domain that exists
 * (XEN_DMOP_nr_vcpus; a DMOP on a domain that is gone fails with ESRCH).
 * Whether it is shutting down is not known there; the toolstack, which
 * owns that question, destroys the paravisor domain with its guest.
 */
static int getinfo_via_dm(pvr_port *p, uint32_t domid, pvr_dominfo *out)
{
    unsigned int nr = 0;

    errno = 0;
    if ( xendevicemodel_nr_vcpus(xen_of(p)->dmod, domid, &nr) )
        return xen__rc(-1);
    if ( nr == 0 )
        return -EPROTO;
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    out->max_vcpu_id = nr - 1;
    out->hvm = true;            /* DMOPs exist for HVM domains only */
    return 0;
}

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
    if ( r < 0 && errno == EPERM )
        return getinfo_via_dm(p, domid, out);
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
