/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the IOREQ server, shared by server.c and dispatch.c.
 */
#ifndef PVR_IOREQ_PRIV_H
#define PVR_IOREQ_PRIV_H

#include "ioreq/ioreq.h"

#define PVR_IOREQ_MAX_VCPUS 128  /* HVM_MAX_VCPUS */

struct ioreq_region {
    enum pvr_io_space space;
    uint64_t base, last;         /* inclusive */
    const pvr_io_ops *ops;
    void *opaque;
    const char *name;
    bool claimed;
    bool present;                /* false: a movable region not placed */
    bool movable;
};

struct ioreq_pci {
    uint32_t sbdf;
    const pvr_io_ops *ops;
    void *opaque;
    const char *name;
    bool claimed;
};

struct pvr_ioreq_server {
    pvr_port *port;
    pvr_evmux *mux;
    uint32_t domid;
    uint16_t id;
    bool created;
    bool enabled;                /* turned on in Xen */
    bool claimed;                /* regions claimed: accesses arrive */
    enum pvr_bufioreq_mode mode;
    unsigned int nr_vcpus;

    pvr_port_resource *res;
    pvr_ioreq_slot *iopage;      /* shared with Xen */
    pvr_bufioreq_page *bufpage;  /* shared with Xen; NULL if off/broken */
    uint32_t vcpu_port[PVR_IOREQ_MAX_VCPUS];
    uint32_t buf_port;

    struct ioreq_region region[PVR_IOREQ_MAX_REGIONS];
    unsigned int nr_regions;
    struct ioreq_pci pci[PVR_IOREQ_MAX_PCI];
    unsigned int nr_pci;

    pvr_ioreq_vsm_fn *vsm_fn;    /* NULL: VSM events refused */
    void *vsm_opaque;
    bool vsm_claimed;

    struct pvr_ioreq_stats stats;
};

/* Carry out a validated request; returns the data for the slot. */
uint64_t ioreq__dispatch(pvr_ioreq_server *s, const pvr_ioreq_req *req);

#endif /* PVR_IOREQ_PRIV_H */
