/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vm_event monitor ring: one shared page that Xen writes requests
 * into and we write responses into, plus an interdomain event channel
 * in each direction.  The protocol is the one Xen's
 * tools/misc/xen-access.c uses; this file only reads it.
 *
 * The page is shared with the hypervisor, not the guest, but it is
 * still treated as untrusted: req_prod is read once per pass, the
 * number of new requests is bounded by the ring size, and each request
 * is copied out before any field of it is looked at.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include "altp2m-mon.h"

int mon_ring_open(struct mon *m)
{
    int r;

    m->ring_page = xc_monitor_enable(m->xch, m->domid, &m->remote_port);
    if ( !m->ring_page )
    {
        r = -errno;
        mon_log_e(m, "ring", "xc_monitor_enable");
        return r ? r : -EIO;
    }
    m->monitor_on = true;

    m->xce = xenevtchn_open((xentoollog_logger *)m->logger, 0);
    if ( !m->xce )
    {
        r = -errno;
        mon_log_e(m, "ring", "xenevtchn_open");
        return r ? r : -EIO;
    }

    r = xenevtchn_bind_interdomain(m->xce, m->domid, m->remote_port);
    if ( r < 0 )
    {
        r = -errno;
        mon_log_e(m, "ring", "xenevtchn_bind_interdomain(port %u)",
                  m->remote_port);
        return r ? r : -EIO;
    }
    m->local_port = r;

    /* The domain is paused: nothing can be on the ring yet. */
    SHARED_RING_INIT((vm_event_sring_t *)m->ring_page);
    BACK_RING_INIT(&m->back, (vm_event_sring_t *)m->ring_page,
                   XC_PAGE_SIZE);
    mon_log(m, "ring", "monitor ring up: remote port %u, local port %d, "
            "%u slots", m->remote_port, m->local_port,
            (unsigned int)RING_SIZE(&m->back));
    return 0;
}

void mon_ring_close(struct mon *m)
{
    if ( m->monitor_on )
    {
        if ( xc_monitor_disable(m->xch, m->domid) && errno != ESRCH )
            mon_log_e(m, "ring", "xc_monitor_disable");
        else
            mon_log(m, "ring", "monitor ring disabled");
        m->monitor_on = false;
    }
    if ( m->local_port >= 0 )
    {
        if ( xenevtchn_unbind(m->xce, m->local_port) )
            mon_log_e(m, "ring", "xenevtchn_unbind(%d)", m->local_port);
        m->local_port = -1;
    }
    if ( m->xce )
    {
        xenevtchn_close(m->xce);
        m->xce = NULL;
    }
    if ( m->ring_page )
    {
        munmap(m->ring_page, XC_PAGE_SIZE);
        m->ring_page = NULL;
    }
}

int mon_ring_wait(struct mon *m, int ms)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(m->xce), .events = POLLIN };
    xenevtchn_port_or_error_t port;
    int r;

    r = poll(&pfd, 1, ms);
    if ( r < 0 )
        return errno == EINTR ? 0 : -errno;
    if ( r == 0 )
        return 0;

    port = xenevtchn_pending(m->xce);
    if ( port < 0 )
        return -errno;
    if ( port != m->local_port )
    {
        mon_log(m, "ring", "notification on unknown port %d", port);
        return 0;
    }
    if ( xenevtchn_unmask(m->xce, port) )
        return -errno;
    return 1;
}

/* Fills in the part of a response every event shares. */
static void response_init(vm_event_response_t *rsp,
                          const vm_event_request_t *req)
{
    memset(rsp, 0, sizeof(*rsp));
    rsp->version = VM_EVENT_INTERFACE_VERSION;
    rsp->vcpu_id = req->vcpu_id;
    rsp->reason = req->reason;
    rsp->flags = req->flags & VM_EVENT_FLAG_VCPU_PAUSED;
}

/*
 * Answers every request on the ring.  A request that fails the generic
 * checks is counted and answered only if its vCPU id is valid (there is
 * no other vCPU to unpause); a bad interface version makes every field
 * meaningless, so it ends the run.
 */
int mon_ring_process(struct mon *m, bool teardown)
{
    vm_event_sring_t *sring = m->back.sring;
    vm_event_request_t req;
    vm_event_response_t rsp;
    RING_IDX prod, cons, n;
    unsigned int answered = 0;

    prod = __atomic_load_n(&sring->req_prod, __ATOMIC_ACQUIRE);
    cons = m->back.req_cons;
    n = prod - cons;
    if ( n > RING_SIZE(&m->back) )
    {
        mon_log(m, "ring", "corrupt ring: req_prod %u, req_cons %u",
                prod, cons);
        m->fatal = true;
        return -EPROTO;
    }

    for ( ; n; n-- )
    {
        memcpy(&req, RING_GET_REQUEST(&m->back, cons), sizeof(req));
        cons++;
        m->back.req_cons = cons;
        m->n.events++;

        if ( req.version != VM_EVENT_INTERFACE_VERSION )
        {
            mon_log(m, "ring", "request with interface version %#x, "
                    "expected %#x", req.version, VM_EVENT_INTERFACE_VERSION);
            m->n.bad_events++;
            m->fatal = true;
            continue;
        }
        if ( req.vcpu_id >= m->nr_vcpus )
        {
            mon_log(m, "ring", "request from vCPU %u of %u", req.vcpu_id,
                    m->nr_vcpus);
            m->n.bad_events++;
            continue;
        }

        response_init(&rsp, &req);
        mon_event(m, &req, &rsp, teardown);
        memcpy(RING_GET_RESPONSE(&m->back, m->back.rsp_prod_pvt), &rsp,
               sizeof(rsp));
        m->back.rsp_prod_pvt++;
        answered++;
    }

    /* Ask for a notification as soon as the next request arrives. */
    sring->req_event = cons + 1;
    if ( answered )
    {
        /* RING_PUSH_RESPONSES orders the responses before rsp_prod. */
        RING_PUSH_RESPONSES(&m->back);
        if ( xenevtchn_notify(m->xce, m->local_port) )
        {
            mon_log_e(m, "ring", "xenevtchn_notify");
            m->fatal = true;
            return -EIO;
        }
    }
    return (int)answered;
}
