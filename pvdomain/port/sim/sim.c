/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated hypervisor: lifecycle, guest memory, foreign mappings
 * and domain control.  See sim.h.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "port/sim/sim_priv.h"

static void sim_mem_dispose(pvr_sim *s)
{
    if ( s->guest_mem )
        munmap(s->guest_mem,
               (s->mem_pages + SIM_SPARE_FRAMES) * PVR_PAGE_SIZE);
    s->guest_mem = NULL;
    free(s->p2m);
    s->p2m = NULL;
    s->spare_used = 0;
    if ( s->memfd >= 0 )
        close(s->memfd);
    s->memfd = -1;
}

static int sim_mem_init(pvr_sim *s)
{
    size_t bytes = (s->mem_pages + SIM_SPARE_FRAMES) * PVR_PAGE_SIZE;
    size_t i;
    void *m;

    s->p2m = malloc(s->mem_pages * sizeof(*s->p2m));
    if ( !s->p2m )
        return -ENOMEM;
    for ( i = 0; i < s->mem_pages; i++ )
        s->p2m[i] = (uint32_t)i;
    s->memfd = memfd_create("pvr-sim-guest", MFD_CLOEXEC);
    if ( s->memfd < 0 )
        goto fail;
    if ( ftruncate(s->memfd, bytes) < 0 )
        goto fail;
    m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
    if ( m == MAP_FAILED )
        goto fail;
    s->guest_mem = m;
    return 0;

 fail:
    {
        int rc = -errno;

        sim_mem_dispose(s);
        return rc;
    }
}

int pvr_sim_set_domain(pvr_sim *s, uint32_t domid, unsigned int nr_vcpus,
                       size_t mem_pages)
{
    unsigned int i;
    int rc;

    if ( nr_vcpus == 0 || nr_vcpus > PVR_SIM_MAX_VCPUS ||
         mem_pages == 0 || mem_pages > (1u << 20) || domid >= 0x7ff0 )
        return -EINVAL;
    for ( i = 0; i < ARRAY_SIZE(s->server); i++ )
        if ( s->server[i].used )
            return -EBUSY;

    sim__altp2m_dispose(s);
    sim_mem_dispose(s);
    s->domid = domid;
    s->nr_vcpus = nr_vcpus;
    s->mem_pages = mem_pages;
    rc = sim_mem_init(s);
    if ( rc )
        return rc;
    return sim__altp2m_init(s);
}

static int sim_open(pvr_port *p)
{
    pvr_sim *s = calloc(1, sizeof(*s));
    int rc;

    if ( !s )
        return -ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->memfd = -1;
    s->evt_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
    s->xs_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
    if ( s->evt_fd < 0 || s->xs_fd < 0 )
    {
        rc = -errno;
        goto fail;
    }
    rc = pvr_sim_set_domain(s, 1, 2, 4096);
    if ( rc )
        goto fail;
    pvr_port_set_priv(p, s);
    return 0;

 fail:
    if ( s->evt_fd >= 0 )
        close(s->evt_fd);
    if ( s->xs_fd >= 0 )
        close(s->xs_fd);
    sim_mem_dispose(s);
    free(s);
    return rc;
}

static void sim_close(pvr_port *p)
{
    pvr_sim *s = sim_of(p);

    if ( !s )
        return;
    sim__dm_dispose(s);
    sim__gnttab_dispose(s);
    sim__xs_dispose(s);
    sim__altp2m_dispose(s);
    sim_mem_dispose(s);
    close(s->evt_fd);
    close(s->xs_fd);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    pvr_port_set_priv(p, NULL);
}

/*
 * The sim has one guest; restricting to it takes away only what Xen's
 * restriction takes from the altp2m table (libxenctrl), unless kept.
 */
static int sim_restrict(pvr_port *p, uint32_t domid)
{
    pvr_sim *s = sim_of(p);

    if ( domid != s->domid )
        return -ESRCH;
    s->restricted = true;
    return 0;
}

static int sim_keep_altp2m(pvr_port *p)
{
    pvr_sim *s = sim_of(p);

    if ( s->restricted )
        return -EINVAL;
    s->keep_altp2m = true;
    return 0;
}

pvr_sim *pvr_sim_from_port(pvr_port *p)
{
    if ( !p || strcmp(pvr_port_name(p), "sim") )
        return NULL;
    return sim_of(p);
}

void pvr_sim_set_pump(pvr_sim *s, void (*pump)(void *opaque), void *opaque)
{
    s->pump = pump;
    s->pump_opaque = opaque;
}

void *pvr_sim_guest_page(pvr_sim *s, uint64_t gfn)
{
    void *page;

    if ( gfn >= s->mem_pages )
        return NULL;
    pthread_mutex_lock(&s->lock);
    page = s->guest_mem + sim__frame_off(s, gfn);
    pthread_mutex_unlock(&s->lock);
    return page;
}

int pvr_sim_p2m_move(pvr_sim *s, uint64_t gfn)
{
    uint8_t *old, *new;
    int rc = 0;

    if ( gfn >= s->mem_pages )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    if ( s->spare_used == SIM_SPARE_FRAMES )
        rc = -ENOSPC;
    else
    {
        old = s->guest_mem + sim__frame_off(s, gfn);
        s->p2m[gfn] = (uint32_t)(s->mem_pages + s->spare_used++);
        new = s->guest_mem + sim__frame_off(s, gfn);
        memcpy(new, old, PVR_PAGE_SIZE);
        memset(old, SIM_STALE_BYTE, PVR_PAGE_SIZE);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void pvr_sim_kill_domain(pvr_sim *s)
{
    pthread_mutex_lock(&s->lock);
    s->dead = true;
    sim__xs_fire_locked(s, "@releaseDomain");
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void pvr_sim_counts(pvr_sim *s, struct pvr_sim_counts *out)
{
    unsigned int i;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < ARRAY_SIZE(s->server); i++ )
        out->ioreq_servers += s->server[i].used;
    out->evtchn_bound = 0;
    for ( i = 0; i < ARRAY_SIZE(s->local); i++ )
        out->evtchn_bound += s->local[i].used;
    out->fmem_mapped_pages = s->fmem_pages;
    out->resources_mapped = s->resources;
    for ( i = 0; i < ARRAY_SIZE(s->shared); i++ )
        out->grants_shared += s->shared[i].used;
    out->grants_mapped = s->grants_mapped;
    out->notifies = s->notifies;
    for ( i = 0; i < ARRAY_SIZE(s->watch); i++ )
        out->xs_watches += s->watch[i].path != NULL;
    for ( i = 1; i < ARRAY_SIZE(s->view); i++ )
        out->altp2m_views += s->view[i].used;
    pthread_mutex_unlock(&s->lock);
}

/* ---- domain control ---- */

static int sim_getinfo(pvr_port *p, uint32_t domid, pvr_dominfo *out)
{
    pvr_sim *s = sim_of(p);

    if ( domid == 0 )
    {
        out->domid = 0;
        out->max_vcpu_id = 0;
        return 0;
    }
    if ( domid != s->domid || s->dead )
        return -ESRCH;
    out->domid = domid;
    out->max_vcpu_id = s->nr_vcpus - 1;
    out->hvm = true;
    out->paused = s->pause_count > 0;
    return 0;
}

static int sim_pause(pvr_port *p, uint32_t domid)
{
    pvr_sim *s = sim_of(p);

    if ( domid != s->domid || s->dead )
        return -ESRCH;
    s->pause_count++;
    return 0;
}

static int sim_unpause(pvr_port *p, uint32_t domid)
{
    pvr_sim *s = sim_of(p);

    if ( domid != s->domid || s->dead )
        return -ESRCH;
    if ( s->pause_count == 0 )
        return -EINVAL;
    s->pause_count--;
    return 0;
}

const struct pvr_domctl_ops sim__domctl_ops = {
    .getinfo = sim_getinfo,
    .pause = sim_pause,
    .unpause = sim_unpause,
};

/* ---- foreign memory ---- */

static int sim_fmem_map(pvr_port *p, uint32_t domid, int prot, size_t nr,
                        const uint64_t gfns[], int errs_out[],
                        void **addr_out)
{
    pvr_sim *s = sim_of(p);
    uint8_t *area;
    size_t i;

    if ( domid != s->domid || s->dead )
        return -ESRCH;
    area = mmap(NULL, nr * PVR_PAGE_SIZE, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ( area == MAP_FAILED )
        return -errno;

    /* As privcmd: a bad frame fails on its own, the rest map. */
    for ( i = 0; i < nr; i++ )
    {
        void *m;

        if ( gfns[i] >= s->mem_pages )
        {
            errs_out[i] = -EINVAL;
            continue;
        }
        pthread_mutex_lock(&s->lock);
        m = mmap(area + i * PVR_PAGE_SIZE, PVR_PAGE_SIZE, prot,
                 MAP_SHARED | MAP_FIXED, s->memfd,
                 sim__frame_off(s, gfns[i]));
        pthread_mutex_unlock(&s->lock);
        errs_out[i] = m == MAP_FAILED ? -errno : 0;
    }
    pthread_mutex_lock(&s->lock);
    s->fmem_pages += nr;
    pthread_mutex_unlock(&s->lock);
    *addr_out = area;
    return 0;
}

static int sim_fmem_unmap(pvr_port *p, void *addr, size_t nr)
{
    pvr_sim *s = sim_of(p);

    if ( munmap(addr, nr * PVR_PAGE_SIZE) < 0 )
        return -errno;
    pthread_mutex_lock(&s->lock);
    s->fmem_pages -= nr;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int sim_map_resource(pvr_port *p, uint32_t domid, unsigned int type,
                            unsigned int id, unsigned long frame,
                            unsigned long nr, int prot, void **addr_out,
                            pvr_port_resource **res_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_server *srv;
    pvr_port_resource *res;

    (void)prot;
    if ( domid != s->domid || s->dead )
        return -ESRCH;
    if ( type != PVR_RES_IOREQ_SERVER || id >= ARRAY_SIZE(s->server) )
        return -EINVAL;
    srv = &s->server[id];
    if ( !srv->used )
        return -ENOENT;
    /* Frame 0 is the buffered page, frame 1 the ioreq page. */
    if ( frame + nr > 2 ||
         (frame == PVR_RES_IOREQ_FRAME_BUFIOREQ &&
          srv->mode == PVR_BUFIOREQ_OFF) )
        return -EINVAL;
    res = calloc(1, sizeof(*res));
    if ( !res )
        return -ENOMEM;
    res->addr = srv->pages + frame * PVR_PAGE_SIZE;
    pthread_mutex_lock(&s->lock);
    s->resources++;
    pthread_mutex_unlock(&s->lock);
    *addr_out = res->addr;
    *res_out = res;
    return 0;
}

static int sim_unmap_resource(pvr_port *p, pvr_port_resource *res)
{
    pvr_sim *s = sim_of(p);

    free(res);
    pthread_mutex_lock(&s->lock);
    s->resources--;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

const struct pvr_fmem_ops sim__fmem_ops = {
    .map = sim_fmem_map,
    .unmap = sim_fmem_unmap,
    .map_resource = sim_map_resource,
    .unmap_resource = sim_unmap_resource,
};

const struct pvr_port_backend pvr_port_sim_backend = {
    .name = "sim",
    .open = sim_open,
    .close = sim_close,
    .restrict_to = sim_restrict,
    .keep_altp2m = sim_keep_altp2m,
    .domctl = &sim__domctl_ops,
    .fmem = &sim__fmem_ops,
    .evtchn = &sim__evtchn_ops,
    .gnttab = &sim__gnttab_ops,
    .dm = &sim__dm_ops,
    .xs = &sim__xs_ops,
    .altp2m = &sim__altp2m_ops,
};
