/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device model operations on libxendevicemodel (XEN_DMOP_*, allowed to
 * a domain with target privilege over the guest).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "port/xen/xen_priv.h"

/* After xen_priv.h: privcmd.h uses domid_t from Xen's headers. */
#include <xen/sys/privcmd.h>

/* xen-patches' range type; Debian's 4.17 headers do not have it. */
#ifndef XEN_DMOP_IO_RANGE_VSM
#define XEN_DMOP_IO_RANGE_VSM 3
#endif

static xendevicemodel_handle *dmod_of(pvr_port *p)
{
    return xen_of(p)->dmod;
}

static int xen_create_server(pvr_port *p, uint32_t domid,
                             enum pvr_bufioreq_mode mode, uint16_t *id_out)
{
    ioservid_t id;
    int rc;

    /* enum pvr_bufioreq_mode has HVM_IOREQSRV_BUFIOREQ_* values. */
    rc = xen__rc(xendevicemodel_create_ioreq_server(dmod_of(p), domid, mode,
                                                    &id));
    if ( rc == 0 )
        *id_out = id;
    return rc;
}

static int xen_get_info(pvr_port *p, uint32_t domid, uint16_t id,
                        uint32_t *bufioreq_port_out)
{
    evtchn_port_t port = 0;
    int rc;

    /* NULL gfn pointers: no legacy gfn mapping (XEN_DMOP_no_gfns). */
    rc = xen__rc(xendevicemodel_get_ioreq_server_info(dmod_of(p), domid, id,
                                                      NULL, NULL, &port));
    if ( rc == 0 )
        *bufioreq_port_out = port;
    return rc;
}

static int xen_map_io_range(pvr_port *p, uint32_t domid, uint16_t id,
                            bool mmio, uint64_t start, uint64_t end,
                            bool map)
{
    if ( map )
        return xen__rc(xendevicemodel_map_io_range_to_ioreq_server(
                           dmod_of(p), domid, id, mmio, start, end));
    return xen__rc(xendevicemodel_unmap_io_range_from_ioreq_server(
                       dmod_of(p), domid, id, mmio, start, end));
}

static int xen_map_pcidev(pvr_port *p, uint32_t domid, uint16_t id,
                          uint16_t segment, uint8_t bus, uint8_t device,
                          uint8_t function, bool map)
{
    if ( map )
        return xen__rc(xendevicemodel_map_pcidev_to_ioreq_server(
                           dmod_of(p), domid, id, segment, bus, device,
                           function));
    return xen__rc(xendevicemodel_unmap_pcidev_from_ioreq_server(
                       dmod_of(p), domid, id, segment, bus, device,
                       function));
}

/*
 * libxendevicemodel maps only port, MMIO and PCI ranges, so the VSM
 * kinds go as a raw XEN_DMOP_(un)map_io_range through a privcmd handle
 * of our own, restricted to the guest first (as the port's own are).
 * Opened per call: claims come before the worker drops root; a release
 * after it may fail to open, harmlessly, as destroying the server in
 * Xen drops its ranges.
 */
static int xen_map_vsm_range(pvr_port *p, uint32_t domid, uint16_t id,
                             uint64_t start, uint64_t end, bool map)
{
    struct xen_dm_op op;
    struct privcmd_dm_op_buf buf = { .uptr = &op, .size = sizeof(op) };
    struct privcmd_dm_op dmop = { .dom = domid, .num = 1, .ubufs = &buf };
    domid_t dom = domid;
    int fd, r, rc = 0;

    (void)p;
    memset(&op, 0, sizeof(op));
    op.op = map ? XEN_DMOP_map_io_range_to_ioreq_server
                : XEN_DMOP_unmap_io_range_from_ioreq_server;
    op.u.map_io_range_to_ioreq_server.id = id;
    op.u.map_io_range_to_ioreq_server.type = XEN_DMOP_IO_RANGE_VSM;
    op.u.map_io_range_to_ioreq_server.start = start;
    op.u.map_io_range_to_ioreq_server.end = end;

    fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if ( fd < 0 )
        return -errno;
    r = ioctl(fd, IOCTL_PRIVCMD_RESTRICT, &dom);
    if ( r == 0 )
        r = ioctl(fd, IOCTL_PRIVCMD_DM_OP, &dmop);
    if ( r < 0 )
        rc = -errno;
    close(fd);
    return rc;
}

static int xen_set_state(pvr_port *p, uint32_t domid, uint16_t id,
                         bool enabled)
{
    return xen__rc(xendevicemodel_set_ioreq_server_state(dmod_of(p), domid,
                                                         id, enabled));
}

static int xen_destroy_server(pvr_port *p, uint32_t domid, uint16_t id)
{
    return xen__rc(xendevicemodel_destroy_ioreq_server(dmod_of(p), domid,
                                                       id));
}

static int xen_inject_msi(pvr_port *p, uint32_t domid, uint64_t addr,
                          uint32_t data)
{
    return xen__rc(xendevicemodel_inject_msi(dmod_of(p), domid, addr,
                                             data));
}

static int xen_set_isa_irq_level(pvr_port *p, uint32_t domid, uint8_t irq,
                                 unsigned int level)
{
    return xen__rc(xendevicemodel_set_isa_irq_level(dmod_of(p), domid, irq,
                                                    level));
}

const struct pvr_dm_ops xen__dm_ops = {
    .create_ioreq_server = xen_create_server,
    .get_ioreq_server_info = xen_get_info,
    .map_io_range = xen_map_io_range,
    .map_pcidev = xen_map_pcidev,
    .map_vsm_range = xen_map_vsm_range,
    .set_ioreq_server_state = xen_set_state,
    .destroy_ioreq_server = xen_destroy_server,
    .inject_msi = xen_inject_msi,
    .set_isa_irq_level = xen_set_isa_irq_level,
};
