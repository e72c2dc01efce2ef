/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event channels on libxenevtchn.  The fd is switched to non-blocking
 * mode so that pending() can drain it until EAGAIN.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>

#include "port/xen/xen_priv.h"

static int xen_evtchn_fd(pvr_port *p)
{
    int fd = xenevtchn_fd(xen_of(p)->xce);
    int fl = fcntl(fd, F_GETFL);

    if ( fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 )
        return -errno;
    return fd;
}

static int xen_bind_interdomain(pvr_port *p, uint32_t domid,
                                uint32_t remote_port, uint32_t *local_out)
{
    xenevtchn_port_or_error_t r;

    errno = 0;
    r = xenevtchn_bind_interdomain(xen_of(p)->xce, domid, remote_port);
    if ( r < 0 )
        return xen__rc(r);
    *local_out = r;
    return 0;
}

static int xen_bind_unbound(pvr_port *p, uint32_t domid, uint32_t *local_out)
{
    xenevtchn_port_or_error_t r;

    errno = 0;
    r = xenevtchn_bind_unbound_port(xen_of(p)->xce, domid);
    if ( r < 0 )
        return xen__rc(r);
    *local_out = r;
    return 0;
}

static int xen_unbind(pvr_port *p, uint32_t port)
{
    return xen__rc(xenevtchn_unbind(xen_of(p)->xce, port));
}

static int xen_notify(pvr_port *p, uint32_t port)
{
    return xen__rc(xenevtchn_notify(xen_of(p)->xce, port));
}

static int xen_pending(pvr_port *p, uint32_t *port_out)
{
    xenevtchn_port_or_error_t r;

    errno = 0;
    r = xenevtchn_pending(xen_of(p)->xce);
    if ( r < 0 )
        return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
                                                       : xen__rc(r);
    *port_out = r;
    return 0;
}

static int xen_unmask(pvr_port *p, uint32_t port)
{
    return xen__rc(xenevtchn_unmask(xen_of(p)->xce, port));
}

const struct pvr_evtchn_ops xen__evtchn_ops = {
    .fd = xen_evtchn_fd,
    .bind_interdomain = xen_bind_interdomain,
    .bind_unbound = xen_bind_unbound,
    .unbind = xen_unbind,
    .notify = xen_notify,
    .pending = xen_pending,
    .unmask = xen_unmask,
};
