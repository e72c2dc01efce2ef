/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated event channels.
 *
 * Two port tables: "local" ports belong to the port user (pvdomaind),
 * "remote" ports to the simulated guest.  A kick on a remote port marks
 * its bound local port pending; a pending, unmasked port is queued once
 * and counted in a semaphore eventfd, which is the fd the user polls.
 * pending() pops one port and leaves it masked, as Linux's evtchn driver
 * does, until unmask().  notify() on a local port counts a kick on the
 * remote end and wakes any guest-side waiter.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "port/sim/sim_priv.h"

static int port_ok(uint32_t port)
{
    return port > 0 && port < SIM_MAX_PORTS;
}

/* Our bound port, or NULL when port is not one of ours. */
static struct sim_port *local_of(pvr_sim *s, uint32_t port)
{
    return port_ok(port) && s->local[port].used ? &s->local[port] : NULL;
}

static int alloc_port(struct sim_port *table, uint32_t *out)
{
    uint32_t i;

    /* Port 0 is never valid, as on Xen. */
    for ( i = 1; i < SIM_MAX_PORTS; i++ )
    {
        if ( !table[i].used )
        {
            table[i] = (struct sim_port){ .used = true };
            *out = i;
            return 0;
        }
    }
    return -ENOSPC;
}

static void queue_locked(pvr_sim *s, uint32_t local)
{
    uint64_t one = 1;

    if ( s->q_len == SIM_MAX_PORTS )
        return;     /* only stale entries can fill it; see sim_pending() */
    s->queue[(s->q_head + s->q_len) % SIM_MAX_PORTS] = local;
    s->q_len++;
    /* A semaphore eventfd cannot overflow with SIM_MAX_PORTS entries. */
    if ( write(s->evt_fd, &one, sizeof(one)) < 0 )
        (void)0;
}

int sim__evtchn_alloc_remote_locked(pvr_sim *s, uint32_t *remote_out)
{
    return alloc_port(s->remote, remote_out);
}

void sim__evtchn_free_remote_locked(pvr_sim *s, uint32_t remote)
{
    if ( !port_ok(remote) || !s->remote[remote].used )
        return;
    if ( s->remote[remote].bound )
        s->local[s->remote[remote].peer].bound = false;
    s->remote[remote] = (struct sim_port){ 0 };
}

int sim__evtchn_kick_locked(pvr_sim *s, uint32_t remote)
{
    struct sim_port *l;

    if ( !port_ok(remote) || !s->remote[remote].used )
        return -EINVAL;
    if ( !s->remote[remote].bound )
        return 0;   /* nobody listening: the event is lost, as on Xen */
    l = &s->local[s->remote[remote].peer];
    if ( l->pending )
        return 0;
    l->pending = true;
    if ( !l->masked )
        queue_locked(s, s->remote[remote].peer);
    return 0;
}

int pvr_sim_evtchn_alloc_remote(pvr_sim *s, uint32_t *remote_out)
{
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = sim__evtchn_alloc_remote_locked(s, remote_out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int pvr_sim_evtchn_kick(pvr_sim *s, uint32_t remote)
{
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = sim__evtchn_kick_locked(s, remote);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

unsigned long pvr_sim_evtchn_notified(pvr_sim *s, uint32_t remote)
{
    unsigned long n = 0;

    pthread_mutex_lock(&s->lock);
    if ( port_ok(remote) )
        n = s->remote[remote].kicks;
    pthread_mutex_unlock(&s->lock);
    return n;
}

unsigned int pvr_sim_evtchn_bound(pvr_sim *s)
{
    unsigned int i, n = 0;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_PORTS; i++ )
        n += s->local[i].used;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static int sim_evtchn_fd(pvr_port *p)
{
    return sim_of(p)->evt_fd;
}

static int sim_bind_interdomain(pvr_port *p, uint32_t domid,
                                uint32_t remote, uint32_t *local_out)
{
    pvr_sim *s = sim_of(p);
    uint32_t local;
    int rc;

    pthread_mutex_lock(&s->lock);
    if ( domid != s->domid || s->dead )
        rc = -ESRCH;
    else if ( !port_ok(remote) || !s->remote[remote].used ||
              s->remote[remote].bound )
        rc = -EINVAL;
    else
        rc = alloc_port(s->local, &local);
    if ( rc == 0 )
    {
        s->local[local].bound = true;
        s->local[local].peer = remote;
        s->remote[remote].bound = true;
        s->remote[remote].peer = local;
        *local_out = local;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_bind_unbound(pvr_port *p, uint32_t domid, uint32_t *local_out)
{
    pvr_sim *s = sim_of(p);
    uint32_t local, remote;
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = domid == s->domid && !s->dead ? 0 : -ESRCH;
    if ( rc == 0 )
        rc = alloc_port(s->local, &local);
    if ( rc == 0 )
    {
        /* The guest binds its end at once: model it connected. */
        rc = alloc_port(s->remote, &remote);
        if ( rc )
            s->local[local].used = false;
    }
    if ( rc == 0 )
    {
        s->local[local].bound = s->remote[remote].bound = true;
        s->local[local].peer = remote;
        s->remote[remote].peer = local;
        *local_out = local;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_unbind(pvr_port *p, uint32_t port)
{
    pvr_sim *s = sim_of(p);
    struct sim_port *l;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    l = local_of(s, port);
    if ( !l )
        rc = -EINVAL;
    else
    {
        if ( l->bound )
            s->remote[l->peer].bound = false;
        *l = (struct sim_port){ 0 };
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_notify(pvr_port *p, uint32_t port)
{
    pvr_sim *s = sim_of(p);
    struct sim_port *l;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    l = local_of(s, port);
    if ( !l )
        rc = -EINVAL;
    else if ( l->bound )
    {
        s->remote[l->peer].kicks++;
        s->notifies++;
    }
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_pending(pvr_port *p, uint32_t *port_out)
{
    pvr_sim *s = sim_of(p);
    uint64_t v;
    int rc = -EAGAIN;

    pthread_mutex_lock(&s->lock);
    /* Ports unbound while queued are skipped: bounded by the queue. */
    while ( s->q_len > 0 )
    {
        uint32_t port = s->queue[s->q_head];

        s->q_head = (s->q_head + 1) % SIM_MAX_PORTS;
        s->q_len--;
        if ( read(s->evt_fd, &v, sizeof(v)) < 0 )
            (void)0;
        if ( !s->local[port].used || !s->local[port].pending )
            continue;
        s->local[port].pending = false;
        s->local[port].masked = true;
        *port_out = port;
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_unmask(pvr_port *p, uint32_t port)
{
    pvr_sim *s = sim_of(p);
    struct sim_port *l;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    l = local_of(s, port);
    if ( !l )
        rc = -EINVAL;
    else
    {
        l->masked = false;
        if ( l->pending )
            queue_locked(s, port);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

const struct pvr_evtchn_ops sim__evtchn_ops = {
    .fd = sim_evtchn_fd,
    .bind_interdomain = sim_bind_interdomain,
    .bind_unbound = sim_bind_unbound,
    .unbind = sim_unbind,
    .notify = sim_notify,
    .pending = sim_pending,
    .unmask = sim_unmask,
};
