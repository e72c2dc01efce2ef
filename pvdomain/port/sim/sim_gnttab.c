/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated grant tables.
 *
 * "shared" holds the grants we give a peer (gntshr): each share call
 * gets contiguous pages, one grant reference per page.  "peer" holds the
 * grants the guest gives us (a frontend's ring and buffers): map()
 * aliases the granted guest frame, as a real grant mapping does.  Either table can be corrupted on purpose, to prove that the
 * code above the port survives a peer that revokes or downgrades grants.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "port/sim/sim_priv.h"

/* Grant ref 0..7 are reserved on Xen; start allocations above them. */
#define FIRST_REF 8

static int alloc_ref(struct sim_grant *table, uint32_t *out)
{
    uint32_t r;

    for ( r = FIRST_REF; r < SIM_MAX_GRANTS; r++ )
    {
        if ( !table[r].used )
        {
            *out = r;
            return 0;
        }
    }
    return -ENOSPC;
}

static int sim_share(pvr_port *p, uint32_t domid, unsigned int count,
                     uint32_t refs_out[], bool writable, void **addr_out)
{
    pvr_sim *s = sim_of(p);
    uint8_t *pages;
    unsigned int i;
    int rc = 0;

    pages = mmap(NULL, count * PVR_PAGE_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if ( pages == MAP_FAILED )
        return -errno;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < count && rc == 0; i++ )
    {
        rc = alloc_ref(s->shared, &refs_out[i]);
        if ( rc == 0 )
            s->shared[refs_out[i]] = (struct sim_grant){
                .used = true, .domid = domid, .writable = writable,
                .page = pages + i * PVR_PAGE_SIZE,
            };
    }
    if ( rc )
    {
        while ( i-- > 1 )
            s->shared[refs_out[i - 1]] = (struct sim_grant){ 0 };
    }
    pthread_mutex_unlock(&s->lock);
    if ( rc )
        munmap(pages, count * PVR_PAGE_SIZE);
    else
        *addr_out = pages;
    return rc;
}

static int sim_unshare(pvr_port *p, void *addr, unsigned int count)
{
    pvr_sim *s = sim_of(p);
    uint8_t *base = addr;
    unsigned int r, found = 0;

    pthread_mutex_lock(&s->lock);
    for ( r = FIRST_REF; r < SIM_MAX_GRANTS; r++ )
    {
        struct sim_grant *g = &s->shared[r];

        if ( g->page >= base && g->page < base + count * PVR_PAGE_SIZE )
        {
            *g = (struct sim_grant){ 0 };
            found++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if ( found != count )
        return -EINVAL;
    return munmap(addr, count * PVR_PAGE_SIZE) < 0 ? -errno : 0;
}

static int sim_map(pvr_port *p, uint32_t domid, unsigned int count,
                   const uint32_t refs[], bool writable, void **addr_out)
{
    pvr_sim *s = sim_of(p);
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    uint8_t *area;
    unsigned int i;
    int rc = 0;

    area = mmap(NULL, count * PVR_PAGE_SIZE, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ( area == MAP_FAILED )
        return -errno;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < count && rc == 0; i++ )
    {
        struct sim_grant *g = refs[i] < SIM_MAX_GRANTS ? &s->peer[refs[i]]
                                                       : NULL;

        if ( !g || !g->used || g->domid != domid )
            rc = -EINVAL;
        else if ( writable && !g->writable )
            rc = -EPERM;
        /* Alias the granting guest's frame, as a grant mapping does. */
        else if ( mmap(area + i * PVR_PAGE_SIZE, PVR_PAGE_SIZE, prot,
                       MAP_SHARED | MAP_FIXED, s->memfd,
                       sim__frame_off(s, g->gfn)) == MAP_FAILED )
            rc = -errno;
    }
    if ( rc == 0 )
        s->grants_mapped += count;
    pthread_mutex_unlock(&s->lock);
    if ( rc )
        munmap(area, count * PVR_PAGE_SIZE);
    else
        *addr_out = area;
    return rc;
}

static int sim_unmap(pvr_port *p, void *addr, unsigned int count)
{
    pvr_sim *s = sim_of(p);

    pthread_mutex_lock(&s->lock);
    s->grants_mapped -= count < s->grants_mapped ? count : s->grants_mapped;
    pthread_mutex_unlock(&s->lock);
    return munmap(addr, count * PVR_PAGE_SIZE) < 0 ? -errno : 0;
}

int pvr_sim_gnttab_peer_grant(pvr_sim *s, uint64_t gfn, bool writable,
                              uint32_t *ref_out)
{
    int rc;

    if ( gfn >= s->mem_pages )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    rc = alloc_ref(s->peer, ref_out);
    if ( rc == 0 )
        s->peer[*ref_out] = (struct sim_grant){
            .used = true, .domid = s->domid, .writable = writable,
            .gfn = gfn,
        };
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int pvr_sim_gnttab_corrupt(pvr_sim *s, bool peer_table, uint32_t ref,
                           enum pvr_sim_grant_fault how)
{
    struct sim_grant *g;
    int rc = 0;

    if ( ref >= SIM_MAX_GRANTS )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    g = peer_table ? &s->peer[ref] : &s->shared[ref];
    if ( !g->used )
        rc = -ENOENT;
    else if ( how == PVR_SIM_GRANT_REVOKE )
        g->used = false;
    else if ( how == PVR_SIM_GRANT_READONLY )
        g->writable = false;
    else
        g->domid ^= 0x7;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void *pvr_sim_gnttab_peer_map(pvr_sim *s, uint32_t ref)
{
    void *page = NULL;

    pthread_mutex_lock(&s->lock);
    if ( ref < SIM_MAX_GRANTS && s->shared[ref].used )
        page = s->shared[ref].page;
    pthread_mutex_unlock(&s->lock);
    return page;
}

unsigned int pvr_sim_gnttab_shared(pvr_sim *s)
{
    unsigned int r, n = 0;

    pthread_mutex_lock(&s->lock);
    for ( r = 0; r < SIM_MAX_GRANTS; r++ )
        n += s->shared[r].used;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void sim__gnttab_dispose(pvr_sim *s)
{
    memset(s->shared, 0, sizeof(s->shared));
    memset(s->peer, 0, sizeof(s->peer));
}

const struct pvr_gnttab_ops sim__gnttab_ops = {
    .share = sim_share,
    .unshare = sim_unshare,
    .map = sim_map,
    .unmap = sim_unmap,
};
