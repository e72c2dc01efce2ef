/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Views, guest memory, and the HAP pool.
 *
 * Measuring the HAP pool from dom0.  Xen 4.17 exposes the pool's size
 * (XEN_DOMCTL_get_paging_mempool_size) but not how much of it is in use.
 * Setting the size to 0 makes hap_set_allocation() free every free page
 * and then fail with -ENOMEM at the first page in use (p2m tables of the
 * host and of every view, and the vCPUs' monitor tables); reading the
 * size then gives exactly the pages in use.  The old size is set again
 * at once.  While the pool is empty any p2m allocation would fail, so
 * this is only done with the domain paused by us and nothing else
 * changing its p2m.  Those are the conditions of both calls here: at
 * start, before the guest has run, and at DONE.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "altp2m-mon.h"

/* Create/destroy cycles of the leak check (after one warm-up cycle). */
#define POOL_CYCLES     32

int mon_views_configure(struct mon *m, uint16_t view)
{
    if ( xc_altp2m_set_mem_access(m->xch, m->domid, view, m->gfn[MON_P],
                                  XENMEM_access_n) )
    {
        mon_log_e(m, "views", "view %u: set_mem_access(P, n)", view);
        return -errno;
    }
    if ( xc_altp2m_set_mem_access(m->xch, m->domid, view, m->gfn[MON_Q],
                                  XENMEM_access_r) )
    {
        mon_log_e(m, "views", "view %u: set_mem_access(Q, r)", view);
        return -errno;
    }
    if ( xc_altp2m_change_gfn(m->xch, m->domid, view, m->gfn[MON_R],
                              m->gfn[MON_S]) )
    {
        mon_log_e(m, "views", "view %u: change_gfn(R -> S)", view);
        return -errno;
    }
    return 0;
}

int mon_read_guest(struct mon *m, uint64_t gpa, void *buf, size_t len)
{
    xen_pfn_t gfn = gpa >> XC_PAGE_SHIFT;
    size_t off = gpa & (XC_PAGE_SIZE - 1);
    uint8_t *page;
    int err = 0, rc = 0;

    if ( len > XC_PAGE_SIZE - off || gfn > m->max_gpfn )
        return -EINVAL;
    page = xenforeignmemory_map(m->fmem, m->domid, PROT_READ, 1, &gfn,
                                &err);
    if ( !page )
        return errno ? -errno : -EIO;
    if ( err )
        rc = err < 0 ? err : -err;
    else
        memcpy(buf, page + off, len);
    xenforeignmemory_unmap(m->fmem, page, 1);
    return rc;
}

int mon_write_guest(struct mon *m, uint64_t gpa, const void *buf,
                    size_t len)
{
    xen_pfn_t gfn = gpa >> XC_PAGE_SHIFT;
    size_t off = gpa & (XC_PAGE_SIZE - 1);
    uint8_t *page;
    int err = 0, rc = 0;

    if ( len > XC_PAGE_SIZE - off || gfn > m->max_gpfn )
        return -EINVAL;
    page = xenforeignmemory_map(m->fmem, m->domid, PROT_READ | PROT_WRITE,
                                1, &gfn, &err);
    if ( !page )
        return errno ? -errno : -EIO;
    if ( err )
        rc = err < 0 ? err : -err;
    else
        memcpy(page + off, buf, len);
    xenforeignmemory_unmap(m->fmem, page, 1);
    return rc;
}

int mon_pool_used(struct mon *m, unsigned long *pages_out)
{
    uint64_t size, used, again;
    int rc = 0;

    if ( xc_get_paging_mempool_size(m->xch, m->domid, &size) )
    {
        mon_log_e(m, "pool", "xc_get_paging_mempool_size");
        return -errno;
    }
    if ( !xc_set_paging_mempool_size(m->xch, m->domid, 0) )
        used = 0;
    else if ( errno != ENOMEM )
    {
        rc = -errno;
        mon_log_e(m, "pool", "xc_set_paging_mempool_size(0)");
    }
    else if ( xc_get_paging_mempool_size(m->xch, m->domid, &used) )
    {
        rc = -errno;
        mon_log_e(m, "pool", "xc_get_paging_mempool_size");
    }

    /* Always give the pool back, whatever happened above. */
    if ( xc_set_paging_mempool_size(m->xch, m->domid, size) ||
         xc_get_paging_mempool_size(m->xch, m->domid, &again) ||
         again != size )
    {
        mon_log_e(m, "pool", "restoring the HAP pool to %" PRIu64 " bytes",
                  size);
        return -EIO;
    }
    if ( !rc )
        *pages_out = used >> XC_PAGE_SHIFT;
    return rc;
}

/* Creates a view laid out as view 1, optionally measures, destroys it. */
static int view_cycle(struct mon *m, unsigned long *used_out)
{
    uint16_t id;
    int rc;

    if ( xc_altp2m_create_view(m->xch, m->domid, XENMEM_access_rwx, &id) )
    {
        mon_log_e(m, "pool", "xc_altp2m_create_view");
        return -errno;
    }
    if ( id >= MON_MAX_VIEWS )
    {
        mon_log(m, "pool", "Xen created view %u", id);
        return -ERANGE;
    }
    m->view_live[id] = true;
    rc = mon_views_configure(m, id);
    if ( !rc && used_out )
        rc = mon_pool_used(m, used_out);
    if ( xc_altp2m_destroy_view(m->xch, m->domid, id) )
    {
        mon_log_e(m, "pool", "xc_altp2m_destroy_view(%u)", id);
        return rc ? rc : -errno;
    }
    m->view_live[id] = false;
    return rc;
}

/*
 * The end-of-run pool checks; the domain is paused and every vCPU is in
 * view 0.  Destroying view 1 must give pages back.  A fresh view laid
 * out like view 1 must cost pages (else the probe sees nothing), and
 * POOL_CYCLES create/destroy cycles must end where they started: one
 * page leaked per cycle would show as POOL_CYCLES pages.  A warm-up
 * cycle comes first because a destroyed view may keep its root table
 * for the next view in its slot (p2m_flush_table keeps the top level);
 * what it keeps is reported, not counted as a leak.
 */
void mon_pool_checks(struct mon *m)
{
    unsigned long live = 0, freed = 0, base = 0, with = 0, after = 0;
    unsigned int i;
    int rc;

    rc = mon_pool_used(m, &live);
    if ( !rc )
    {
        if ( xc_altp2m_destroy_view(m->xch, m->domid, AX_VIEW) )
            rc = -errno;
        else
            m->view_live[AX_VIEW] = false;
    }
    if ( !rc )
        rc = mon_pool_used(m, &freed);
    mon_check(m, "pool-view1-returned", !rc && freed < live,
              "%lu pages in use with view 1, %lu after destroying it%s%s",
              live, freed, rc ? ": " : "", rc ? strerror(-rc) : "");
    if ( rc )
        return;
    mon_figure(m, "pool-pages-view1-at-end", (long)(live - freed), "pages");

    rc = view_cycle(m, NULL);
    if ( !rc )
        rc = mon_pool_used(m, &base);
    for ( i = 0; !rc && i < POOL_CYCLES; i++ )
        rc = view_cycle(m, i ? NULL : &with);
    if ( !rc )
        rc = mon_pool_used(m, &after);
    mon_check(m, "pool-view-costs-pages", !rc && with > base,
              "a view laid out like view 1 holds %ld pages",
              rc ? 0 : (long)(with - base));
    mon_check(m, "pool-no-leak", !rc && after == base, "%lu pages in use "
              "before %u create/destroy cycles, %lu after", base,
              POOL_CYCLES, after);
    if ( rc )
        return;
    mon_figure(m, "pool-pages-per-view", (long)(with - base), "pages");
    mon_figure(m, "pool-pages-kept-by-a-destroyed-slot",
               (long)(base - freed), "pages");

    if ( xc_altp2m_set_domain_state(m->xch, m->domid, false) )
    {
        mon_log_e(m, "pool", "xc_altp2m_set_domain_state(0)");
        return;
    }
    m->altp2m_on = false;
    if ( !mon_pool_used(m, &after) )
        mon_figure(m, "pool-pages-used-altp2m-off", (long)after, "pages");
}
