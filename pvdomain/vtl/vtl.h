/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VTL policy engine: the paravisor's half of Hyper-V Virtual Secure
 * Mode for a Xen guest.
 *
 * Theory of operation.  Xen switches VTLs itself (register banks, altp2m
 * views) and forwards policy events over the VSM channel (channel.h):
 * the VSM hypercalls, VTL protection violations and register events.
 * This engine keeps the partition's and each VP's VTL state, decides
 * every request with the exact HV_STATUS of the TLFS and answers; Xen
 * applies the mechanics of a SUCCESS (loading VTL1's bank, switching the
 * view) and writes RAX.
 *
 *  - EnablePartitionVtl(1) creates two altp2m views through the port:
 *    VTL0's (restricted by ModifyVtlProtectionMask) and VTL1's (full),
 *    and answers their indices.
 *  - EnableVpVtl checks HV_INITIAL_VP_CONTEXT's shape; Xen loads it.
 *  - ModifyVtlProtectionMask turns MapFlags into per-page access in
 *    VTL0's view, at most cfg.reps_per_request pages per request; the
 *    answer's reps-completed tells Xen where to re-issue.
 *  - Get/SetVpRegisters serve the VSM registers.
 *  - A violation writes an HvX64MemoryInterceptMessage into VTL1's SIMP
 *    SINT0 slot (the SIMP address comes from kind 2 events) and answers
 *    "enter VTL1"; with the slot still busy, "enter VTL1" without a new
 *    message (VTL1 takes its old one, VTL0 faults again).
 *
 * Everything the guest supplies (and everything Xen relays) is hostile:
 * input and output blocks are copied once through pvr_port_guest_read /
 * write within one 4 KiB page, every field is checked, errors are logged
 * rate-limited (PVR_LOG_GUEST) and the engine never stops.  It runs on
 * the worker's loop thread; nothing in it blocks except the port calls.
 */
#ifndef PVR_VTL_H
#define PVR_VTL_H

#include <stdint.h>

#include "ioreq/ioreq.h"
#include "port/port.h"
#include "vtl/channel.h"

typedef struct pvr_vtl pvr_vtl;

#define PVR_VTL_MAX_VPS             128     /* HVM_MAX_VCPUS */
#define PVR_VTL_DEFAULT_REPS        64

struct pvr_vtl_config {
    uint32_t domid;
    unsigned int nr_vps;            /* 1 .. PVR_VTL_MAX_VPS */
    /*
     * HvRegisterVsmCodePageOffsets as Xen's hypercall page lays out the
     * VTL call (11:0) and return (23:12) sequences; must match Xen.
     */
    uint64_t code_page_offsets;
    /* Reps of a rep call done per request; 0: PVR_VTL_DEFAULT_REPS. */
    unsigned int reps_per_request;
};

struct pvr_vtl_stats {
    uint64_t hypercalls;            /* kind 0 requests answered */
    uint64_t hcall_errors;          /* ... with a status other than SUCCESS */
    uint64_t continuations;         /* SUCCESS with reps left (re-issue) */
    uint64_t pages_protected;       /* ModifyVtlProtectionMask reps done */
    uint64_t violations;            /* kind 1 requests */
    uint64_t delivered;             /* ... answered "enter VTL1" */
    uint64_t busy_slots;            /* ... "enter VTL1", slot still busy */
    uint64_t crashes;               /* ... answered "crash" */
    uint64_t reg_events;            /* kind 2 requests */
    uint64_t intercepts;            /* kind 3 requests */
    uint64_t icpt_delivered;        /* ... answered "enter VTL1" */
    uint64_t icpt_busy;             /* ... "enter VTL1", slot still busy */
    uint64_t icpt_executed;         /* ... answered "execute" */
    uint64_t icpt_crashes;          /* ... answered "crash" */
    uint64_t bad_requests;          /* malformed by Xen (kind 3, fields) */
    uint64_t access_denied;         /* VTL0's input/output GPA not its own */
    uint64_t port_errors;           /* hypervisor calls that failed */
};

/*
 * Make an engine for one guest.  -EINVAL on a bad config.  The caller
 * owns *out and frees it with pvr_vtl_destroy().  Makes no port call.
 */
int pvr_vtl_create(pvr_port *p, const struct pvr_vtl_config *cfg,
                   pvr_vtl **out);

/*
 * Accepts NULL.  Destroys the views it created (after moving every vCPU
 * back to the host p2m, as the guest can no longer have VTLs) and frees.
 */
void pvr_vtl_destroy(pvr_vtl *v);

/*
 * Decide one request from VP vp (its ioreq slot), fields as Xen posted
 * them; returns the data to answer with.  Never fails: bad input gets
 * its HV_STATUS, or the crash action for a violation it cannot deliver.
 * Logs guest errors rate-limited, port failures as errors.
 */
uint64_t pvr_vtl_request(pvr_vtl *v, unsigned int vp, uint64_t addr,
                         uint64_t data, uint32_t count, uint32_t size);

/* The same, in the shape pvr_ioreq_server_set_vsm() wants. */
uint64_t pvr_vtl_ioreq(void *opaque, unsigned int vcpu,
                       const pvr_ioreq_req *req);

/* The views answered by EnablePartitionVtl; -ENOENT before it. */
int pvr_vtl_views(const pvr_vtl *v, uint16_t *vtl0_out, uint16_t *vtl1_out);

void pvr_vtl_stats(const pvr_vtl *v, struct pvr_vtl_stats *out);

#endif /* PVR_VTL_H */
