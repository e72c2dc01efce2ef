/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The epoll loop and the event-channel demultiplexer.  See loop.h.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"

#define LOOP_MAX_FDS     64
#define LOOP_MAX_EVENTS  16

struct loop_entry {
    int fd;                 /* -1: free slot */
    pvr_loop_fn *fn;
    void *opaque;
    unsigned int gen;       /* bumped when the slot is reused */
};

struct pvr_loop {
    int epfd;
    bool stop;
    int status;
    struct loop_entry entry[LOOP_MAX_FDS];
};

int pvr_loop_create(pvr_loop **out)
{
    pvr_loop *l = calloc(1, sizeof(*l));
    unsigned int i;

    *out = NULL;
    if ( !l )
        return -ENOMEM;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if ( l->epfd < 0 )
    {
        int rc = -errno;

        free(l);
        return rc;
    }
    for ( i = 0; i < LOOP_MAX_FDS; i++ )
        l->entry[i].fd = -1;
    *out = l;
    return 0;
}

void pvr_loop_destroy(pvr_loop *l)
{
    if ( !l )
        return;
    close(l->epfd);
    free(l);
}

static struct loop_entry *entry_of(pvr_loop *l, int fd)
{
    unsigned int i;

    for ( i = 0; i < LOOP_MAX_FDS; i++ )
        if ( l->entry[i].fd == fd )
            return &l->entry[i];
    return NULL;
}

int pvr_loop_add_fd(pvr_loop *l, int fd, pvr_loop_fn *fn, void *opaque)
{
    struct epoll_event ev = { .events = EPOLLIN };
    struct loop_entry *e;

    if ( fd < 0 )
        return -EBADF;
    if ( entry_of(l, fd) )
        return -EEXIST;
    e = entry_of(l, -1);
    if ( !e )
        return -ENOSPC;
    /* The slot index travels in the event; the generation guards reuse. */
    ev.data.u64 = ((uint64_t)(e->gen + 1) << 32) | (uint64_t)(e - l->entry);
    if ( epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 )
        return -errno;
    e->fd = fd;
    e->fn = fn;
    e->opaque = opaque;
    e->gen++;
    return 0;
}

void pvr_loop_del_fd(pvr_loop *l, int fd)
{
    struct loop_entry *e = fd >= 0 ? entry_of(l, fd) : NULL;

    if ( !e )
        return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    e->fd = -1;
    e->fn = NULL;
    e->opaque = NULL;
}

int pvr_loop_run_once(pvr_loop *l, int timeout_ms)
{
    struct epoll_event ev[LOOP_MAX_EVENTS];
    int n, i, ran = 0;

    n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, timeout_ms);
    if ( n < 0 )
        return errno == EINTR ? 0 : -errno;
    for ( i = 0; i < n; i++ )
    {
        unsigned int idx = (uint32_t)ev[i].data.u64;
        unsigned int gen = ev[i].data.u64 >> 32;
        struct loop_entry *e;

        if ( idx >= LOOP_MAX_FDS )
            continue;
        e = &l->entry[idx];
        /* An earlier callback in this batch may have removed this fd. */
        if ( e->fd < 0 || e->gen != gen )
            continue;
        e->fn(e->opaque, ev[i].events);
        ran++;
    }
    return ran;
}

int pvr_loop_run(pvr_loop *l)
{
    while ( !l->stop )
    {
        int rc = pvr_loop_run_once(l, -1);

        if ( rc < 0 )
        {
            pvr_log_e(PVR_LOG_ERROR, "loop", -rc, "epoll_wait");
            return rc;
        }
    }
    return l->status;
}

void pvr_loop_stop(pvr_loop *l, int status)
{
    l->stop = true;
    l->status = status;
}

int pvr_loop_stopped(const pvr_loop *l)
{
    return l->stop;
}

/* ---- event-channel demultiplexer ---- */

#define EVMUX_MAX_PORTS    256
/* Per wake-up, at most this many ports are taken: others wait a turn. */
#define EVMUX_BATCH        256

struct evmux_route {
    uint32_t port;
    pvr_evtchn_fn *fn;
    void *opaque;
};

struct pvr_evmux {
    pvr_loop *loop;
    pvr_port *port;
    int fd;
    unsigned long stray;
    struct evmux_route route[EVMUX_MAX_PORTS];
    unsigned int nr;
};

static struct evmux_route *route_of(pvr_evmux *m, uint32_t port)
{
    unsigned int i;

    for ( i = 0; i < m->nr; i++ )
        if ( m->route[i].port == port )
            return &m->route[i];
    return NULL;
}

static void evmux_ready(void *opaque, uint32_t events)
{
    pvr_evmux *m = opaque;
    unsigned int n;

    (void)events;
    for ( n = 0; n < EVMUX_BATCH; n++ )
    {
        struct evmux_route *r;
        uint32_t port;
        int rc = pvr_port_evtchn_pending(m->port, &port);

        if ( rc == -EAGAIN )
            break;
        if ( rc )
        {
            pvr_log_e(PVR_LOG_ERROR, "evtchn", -rc, "reading pending port");
            break;
        }
        /* Unmask first: an event raised while we handle this one stays. */
        rc = pvr_port_evtchn_unmask(m->port, port);
        if ( rc )
            pvr_log_e(PVR_LOG_ERROR, "evtchn", -rc, "unmask port %u", port);
        r = route_of(m, port);
        if ( !r )
        {
            m->stray++;
            continue;
        }
        r->fn(r->opaque, port);
    }
}

int pvr_evmux_create(pvr_loop *l, pvr_port *p, pvr_evmux **out)
{
    pvr_evmux *m;
    int rc;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if ( !m )
        return -ENOMEM;
    m->loop = l;
    m->port = p;
    m->fd = pvr_port_evtchn_fd(p);
    if ( m->fd < 0 )
    {
        rc = m->fd;
        goto fail;
    }
    rc = pvr_loop_add_fd(l, m->fd, evmux_ready, m);
    if ( rc )
        goto fail;
    *out = m;
    return 0;

 fail:
    free(m);
    return rc;
}

void pvr_evmux_destroy(pvr_evmux *m)
{
    if ( !m )
        return;
    pvr_loop_del_fd(m->loop, m->fd);
    free(m);
}

int pvr_evmux_bind(pvr_evmux *m, uint32_t port, pvr_evtchn_fn *fn,
                   void *opaque)
{
    if ( route_of(m, port) )
        return -EEXIST;
    if ( m->nr == EVMUX_MAX_PORTS )
        return -ENOSPC;
    m->route[m->nr++] = (struct evmux_route){ port, fn, opaque };
    return 0;
}

void pvr_evmux_unbind(pvr_evmux *m, uint32_t port)
{
    struct evmux_route *r = route_of(m, port);

    if ( r )
        *r = m->route[--m->nr];
}

unsigned long pvr_evmux_stray(const pvr_evmux *m)
{
    return m->stray;
}
