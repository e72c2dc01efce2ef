/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables on libxengnttab (mapping a peer's grants, gntdev) and
 * libxengntshr (granting our pages to a peer, gntalloc).  Both devices
 * are optional: without them these calls answer -ENODEV.
 */
#include <config.h>

#include <errno.h>
#include <sys/mman.h>

#include "port/xen/xen_priv.h"

static int xen_share(pvr_port *p, uint32_t domid, unsigned int count,
                     uint32_t refs_out[], bool writable, void **addr_out)
{
    struct pvr_xen *x = xen_of(p);
    void *addr;

    if ( !x->xgs || x->restricted )
        return -ENODEV;
    errno = 0;
    addr = xengntshr_share_pages(x->xgs, domid, count, refs_out, writable);
    if ( !addr )
        return errno ? -errno : -ENOMEM;
    *addr_out = addr;
    return 0;
}

static int xen_unshare(pvr_port *p, void *addr, unsigned int count)
{
    struct pvr_xen *x = xen_of(p);

    if ( !x->xgs || x->restricted )
        return -ENODEV;
    return xen__rc(xengntshr_unshare(x->xgs, addr, count));
}

static int xen_map(pvr_port *p, uint32_t domid, unsigned int count,
                   const uint32_t refs[], bool writable, void **addr_out)
{
    struct pvr_xen *x = xen_of(p);
    uint32_t copy[PVR_PORT_GNTTAB_MAX];
    unsigned int i;
    void *addr;

    if ( !x->xgt || x->restricted )
        return -ENODEV;
    /* The library takes a non-const array; port.c bounded count. */
    for ( i = 0; i < count; i++ )
        copy[i] = refs[i];
    errno = 0;
    addr = xengnttab_map_domain_grant_refs(x->xgt, count, domid, copy,
                                           PROT_READ |
                                           (writable ? PROT_WRITE : 0));
    if ( !addr )
        return errno ? -errno : -EFAULT;
    *addr_out = addr;
    return 0;
}

static int xen_unmap(pvr_port *p, void *addr, unsigned int count)
{
    struct pvr_xen *x = xen_of(p);

    if ( !x->xgt || x->restricted )
        return -ENODEV;
    return xen__rc(xengnttab_unmap(x->xgt, addr, count));
}

const struct pvr_gnttab_ops xen__gnttab_ops = {
    .share = xen_share,
    .unshare = xen_unshare,
    .map = xen_map,
    .unmap = xen_unmap,
};
