/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated altp2m: views as per-gfn access arrays.
 *
 * View 0 is the host p2m (rwx unless restricted).  A new view starts
 * with its default access on every gfn, as Xen fills a view lazily from
 * the host p2m with the view's default access.  change_gfn records a
 * per-view redirection; an access through a redirected gfn is checked
 * against the target gfn's rights in that view.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/sim/sim_priv.h"

static void view_free(struct sim_view *v)
{
    free(v->access);
    free(v->remap);
    *v = (struct sim_view){ 0 };
}

static int view_alloc(pvr_sim *s, struct sim_view *v, enum pvr_access dflt)
{
    v->access = malloc(s->mem_pages);
    v->remap = calloc(s->mem_pages, sizeof(*v->remap));
    if ( !v->access || !v->remap )
    {
        view_free(v);
        return -ENOMEM;
    }
    memset(v->access, dflt == PVR_ACCESS_DEFAULT ? PVR_ACCESS_RWX : dflt,
           s->mem_pages);
    v->used = true;
    v->visible = true;
    return 0;
}

int sim__altp2m_init(pvr_sim *s)
{
    return view_alloc(s, &s->view[0], PVR_ACCESS_RWX);
}

void sim__altp2m_dispose(pvr_sim *s)
{
    unsigned int i;

    for ( i = 0; i < SIM_MAX_VIEWS; i++ )
        view_free(&s->view[i]);
    memset(s->vcpu_view, 0, sizeof(s->vcpu_view));
    s->altp2m_enabled = false;
}

/* Xen's restriction closes libxenctrl, which HVMOP_altp2m needs. */
static bool sim_altp2m_reach(const pvr_sim *s)
{
    return !s->restricted || s->keep_altp2m;
}

static struct sim_view *view_get(pvr_sim *s, uint32_t domid, uint16_t view)
{
    if ( domid != s->domid || s->dead || view >= SIM_MAX_VIEWS ||
         !s->view[view].used )
        return NULL;
    return &s->view[view];
}

static int sim_set_domain_state(pvr_port *p, uint32_t domid, bool enabled)
{
    pvr_sim *s = sim_of(p);
    unsigned int i;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    if ( domid != s->domid || s->dead )
        return -ESRCH;
    pthread_mutex_lock(&s->lock);
    s->altp2m_enabled = enabled;
    /* As Xen: every vCPU starts in (or returns to) view 0. */
    memset(s->vcpu_view, 0, sizeof(s->vcpu_view));
    if ( !enabled )
        for ( i = 1; i < SIM_MAX_VIEWS; i++ )
            view_free(&s->view[i]);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int sim_create_view(pvr_port *p, uint32_t domid,
                           enum pvr_access dflt, uint16_t *view_out)
{
    pvr_sim *s = sim_of(p);
    uint16_t i;
    int rc = -EBUSY;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    if ( domid != s->domid || s->dead )
        return -ESRCH;
    if ( !s->altp2m_enabled )
        return -EOPNOTSUPP;
    pthread_mutex_lock(&s->lock);
    for ( i = 1; i < SIM_MAX_VIEWS; i++ )
    {
        if ( !s->view[i].used )
        {
            rc = view_alloc(s, &s->view[i], dflt);
            if ( rc == 0 )
                *view_out = i;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_destroy_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    pvr_sim *s = sim_of(p);
    unsigned int v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    if ( !s->altp2m_enabled || !view_get(s, domid, view) )
        rc = -EINVAL;
    for ( v = 0; rc == 0 && v < s->nr_vcpus; v++ )
        if ( s->vcpu_view[v] == view )
            rc = -EBUSY;
    if ( rc == 0 )
        view_free(&s->view[view]);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_switch_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    pvr_sim *s = sim_of(p);
    unsigned int v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    if ( !s->altp2m_enabled || !view_get(s, domid, view) )
        rc = -EINVAL;
    for ( v = 0; rc == 0 && v < s->nr_vcpus; v++ )
        s->vcpu_view[v] = view;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_set_mem_access(pvr_port *p, uint32_t domid, uint16_t view,
                              uint64_t gfn, enum pvr_access access)
{
    pvr_sim *s = sim_of(p);
    struct sim_view *v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    v = view_get(s, domid, view);
    if ( !v || gfn >= s->mem_pages || (view && !s->altp2m_enabled) )
        rc = -EINVAL;
    else
        v->access[gfn] = access == PVR_ACCESS_DEFAULT ? PVR_ACCESS_RWX
                                                      : access;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_get_mem_access(pvr_port *p, uint32_t domid, uint16_t view,
                              uint64_t gfn, enum pvr_access *access_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_view *v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    v = view_get(s, domid, view);
    if ( !v || gfn >= s->mem_pages )
        rc = -EINVAL;
    else
        *access_out = v->access[gfn];
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_change_gfn(pvr_port *p, uint32_t domid, uint16_t view,
                          uint64_t old_gfn, uint64_t new_gfn)
{
    pvr_sim *s = sim_of(p);
    struct sim_view *v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    v = view_get(s, domid, view);
    if ( !v || !s->altp2m_enabled || old_gfn >= s->mem_pages )
        rc = -EINVAL;
    else if ( new_gfn == ~0ULL )
        v->remap[old_gfn] = 0;      /* INVALID_GFN reverts */
    else if ( new_gfn >= s->mem_pages )
        rc = -EINVAL;
    else
        v->remap[old_gfn] = new_gfn + 1;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_set_visibility(pvr_port *p, uint32_t domid, uint16_t view,
                              bool visible)
{
    pvr_sim *s = sim_of(p);
    struct sim_view *v;
    int rc = 0;

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    pthread_mutex_lock(&s->lock);
    v = view_get(s, domid, view);
    if ( !v || !s->altp2m_enabled )
        rc = -EINVAL;
    else
        v->visible = visible;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_set_access_required(pvr_port *p, uint32_t domid,
                                   bool required)
{
    pvr_sim *s = sim_of(p);

    if ( !sim_altp2m_reach(s) )
        return -EPERM;
    if ( domid != s->domid || s->dead )
        return -ESRCH;
    s->access_required = required;
    return 0;
}

bool pvr_sim_access_required(pvr_sim *s)
{
    return s->access_required;
}

int pvr_sim_altp2m_access(pvr_sim *s, unsigned int vcpu, uint64_t gfn,
                          enum pvr_access want)
{
    struct sim_view *v;
    unsigned int have;
    int rc = 0;

    if ( vcpu >= s->nr_vcpus || gfn >= s->mem_pages ||
         want == PVR_ACCESS_N || want >= PVR_ACCESS_DEFAULT )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    v = &s->view[s->altp2m_enabled ? s->vcpu_view[vcpu] : 0];
    if ( v->remap[gfn] )
        gfn = v->remap[gfn] - 1;
    /* enum pvr_access is a bitmask: R = 1, W = 2, X = 4. */
    have = v->access[gfn];
    if ( (have & want) != (unsigned int)want )
    {
        s->violations++;
        rc = -EACCES;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int pvr_sim_altp2m_vcpu_view(pvr_sim *s, unsigned int vcpu,
                             uint16_t *view_out)
{
    if ( vcpu >= s->nr_vcpus )
        return -EINVAL;
    *view_out = s->vcpu_view[vcpu];
    return 0;
}

unsigned long pvr_sim_altp2m_violations(pvr_sim *s)
{
    return s->violations;
}

const struct pvr_altp2m_ops sim__altp2m_ops = {
    .set_domain_state = sim_set_domain_state,
    .create_view = sim_create_view,
    .destroy_view = sim_destroy_view,
    .switch_view = sim_switch_view,
    .set_mem_access = sim_set_mem_access,
    .get_mem_access = sim_get_mem_access,
    .change_gfn = sim_change_gfn,
    .set_visibility = sim_set_visibility,
    .set_access_required = sim_set_access_required,
};
