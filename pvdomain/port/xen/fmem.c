/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Foreign memory on libxenforeignmemory: guest frames and resources
 * (IOREQ server pages).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "port/xen/xen_priv.h"

static int xen_fmem_map(pvr_port *p, uint32_t domid, int prot, size_t nr,
                        const uint64_t gfns[], int errs_out[],
                        void **addr_out)
{
    struct pvr_xen *x = xen_of(p);
    xen_pfn_t *pfns;
    size_t i;
    void *addr;

    /* xen_pfn_t is unsigned long; copy rather than assume the width. */
    pfns = malloc(nr * sizeof(*pfns));
    if ( !pfns )
        return -ENOMEM;
    for ( i = 0; i < nr; i++ )
        pfns[i] = gfns[i];
    errno = 0;
    addr = xenforeignmemory_map(x->fmem, domid, prot, nr, pfns, errs_out);
    free(pfns);
    if ( !addr )
        return errno ? -errno : -EFAULT;
    *addr_out = addr;
    return 0;
}

static int xen_fmem_unmap(pvr_port *p, void *addr, size_t nr)
{
    return xen__rc(xenforeignmemory_unmap(xen_of(p)->fmem, addr, nr));
}

static int xen_map_resource(pvr_port *p, uint32_t domid, unsigned int type,
                            unsigned int id, unsigned long frame,
                            unsigned long nr, int prot, void **addr_out,
                            pvr_port_resource **res_out)
{
    struct pvr_xen *x = xen_of(p);
    pvr_port_resource *res;
    void *addr = NULL;

    res = malloc(sizeof(*res));
    if ( !res )
        return -ENOMEM;
    errno = 0;
    res->fres = xenforeignmemory_map_resource(x->fmem, domid, type, id,
                                              frame, nr, &addr, prot, 0);
    if ( !res->fres )
    {
        int rc = errno ? -errno : -EIO;

        free(res);
        return rc;
    }
    *addr_out = addr;
    *res_out = res;
    return 0;
}

/* On failure res stays valid, so that the caller may try again. */
static int xen_unmap_resource(pvr_port *p, pvr_port_resource *res)
{
    int rc = xen__rc(xenforeignmemory_unmap_resource(xen_of(p)->fmem,
                                                     res->fres));

    if ( rc == 0 )
        free(res);
    return rc;
}

const struct pvr_fmem_ops xen__fmem_ops = {
    .map = xen_fmem_map,
    .unmap = xen_fmem_unmap,
    .map_resource = xen_map_resource,
    .unmap_resource = xen_unmap_resource,
};
