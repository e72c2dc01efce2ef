/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall ABI the altp2m test uses, declared here rather than taken
 * from /usr/include/xen so that the image builds without Xen's headers.
 *
 * HVMOP_altp2m (hvm_op 25, xen/include/public/hvm/hvm_op.h): one
 * struct xen_hvm_altp2m_op per call, version HVMOP_ALTP2M_INTERFACE_VERSION,
 * domain DOMID_SELF, and a union of per-command structs.  A 32-bit guest
 * reaches Xen's compat_altp2m_op(), which hands every command but
 * set_mem_access_multi (not used here) straight to do_altp2m_op(): the
 * layout must therefore be the native one, and it is, because every
 * 64-bit field already sits at a multiple of 8 (checked below).
 *
 * XENMEM_decrease_reservation and XENMEM_populate_physmap (memory_op 12,
 * public/memory.h) are compat calls too: in struct xen_memory_reservation
 * the handle and nr_extents are 32 bits wide, and the extent list holds
 * 32-bit frame numbers.
 */
#include "altp2m-test.h"

#define HYPERVISOR_memory_op    12
#define HYPERVISOR_xen_version  17
#define HYPERVISOR_hvm_op       34

#define XENVER_version          0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap     6
#define HVMOP_altp2m            25
#define HVMOP_ALTP2M_INTERFACE_VERSION 0x00000001u
#define DOMID_SELF              0x7ff0u
/* The last ordinary domid: never reached by a test host's counter. */
#define DOMID_UNUSED            0x7fefu

enum {
    HVMOP_altp2m_get_domain_state    = 1,
    HVMOP_altp2m_set_domain_state    = 2,
    HVMOP_altp2m_vcpu_enable_notify  = 3,
    HVMOP_altp2m_create_p2m          = 4,
    HVMOP_altp2m_destroy_p2m         = 5,
    HVMOP_altp2m_switch_p2m          = 6,
    HVMOP_altp2m_set_mem_access      = 7,
    HVMOP_altp2m_change_gfn          = 8,
    HVMOP_altp2m_set_suppress_ve     = 10,
    HVMOP_altp2m_get_suppress_ve     = 11,
    HVMOP_altp2m_get_mem_access      = 12,
    HVMOP_altp2m_vcpu_disable_notify = 13,
    HVMOP_altp2m_get_p2m_idx         = 14,
    /* Beyond the last command Xen knows (16). */
    HVMOP_altp2m_unknown             = 200,
};

struct altp2m_op {
    uint32_t version;
    uint32_t cmd;
    uint16_t domain;
    uint16_t pad1;
    uint32_t pad2;
    union {
        struct {
            uint8_t state;
        } domain_state;
        struct {
            uint32_t vcpu_id;
            uint32_t pad;
            uint64_t gfn;
        } enable_notify;
        struct {
            uint32_t vcpu_id;
        } disable_notify;
        struct {
            uint16_t view;
            uint16_t hvmmem_default_access;
        } view;
        struct {
            uint16_t view;
            uint16_t access;
            uint32_t pad;
            uint64_t gfn;
        } mem_access;
        struct {
            uint16_t view;
            uint16_t pad1;
            uint32_t pad2;
            uint64_t old_gfn;
            uint64_t new_gfn;
        } change_gfn;
        struct {
            uint16_t view;
            uint8_t suppress_ve;
            uint8_t pad1;
            uint32_t pad2;
            uint64_t gfn;
        } suppress_ve;
        struct {
            uint32_t vcpu_id;
            uint16_t altp2m_idx;
        } get_vcpu_p2m_idx;
        uint8_t pad[64];
    } u;
};

_Static_assert(sizeof(struct altp2m_op) == 80, "xen_hvm_altp2m_op size");
_Static_assert(offsetof(struct altp2m_op, u) == 16, "union offset");
_Static_assert(offsetof(struct altp2m_op, u.mem_access.gfn) == 24,
               "mem_access.gfn offset");
_Static_assert(offsetof(struct altp2m_op, u.change_gfn.new_gfn) == 32,
               "change_gfn.new_gfn offset");
_Static_assert(offsetof(struct altp2m_op, u.suppress_ve.gfn) == 24,
               "suppress_ve.gfn offset");
_Static_assert(offsetof(struct altp2m_op, u.get_vcpu_p2m_idx.altp2m_idx) ==
               20, "get_vcpu_p2m_idx.altp2m_idx offset");

/* struct compat_memory_reservation. */
struct memory_reservation {
    uint32_t extent_start;      /* Guest address of a uint32_t array. */
    uint32_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
};

_Static_assert(sizeof(struct memory_reservation) == 20,
               "compat_memory_reservation size");

/* One request at a time: Xen reads and writes it back in place. */
static struct altp2m_op op;

static void op_init(uint32_t cmd)
{
    memset(&op, 0, sizeof(op));
    op.version = HVMOP_ALTP2M_INTERFACE_VERSION;
    op.cmd = cmd;
    op.domain = DOMID_SELF;
}

static int op_call(void)
{
    return (int)gtf_hypercall2(HYPERVISOR_hvm_op, HVMOP_altp2m,
                               (uintptr_t)&op);
}

int ap_get_domain_state(bool *on_out)
{
    int rc;

    op_init(HVMOP_altp2m_get_domain_state);
    rc = op_call();
    if ( !rc )
        *on_out = op.u.domain_state.state;
    return rc;
}

int ap_set_domain_state(bool on)
{
    op_init(HVMOP_altp2m_set_domain_state);
    op.u.domain_state.state = on;
    return op_call();
}

int ap_create_view(uint16_t default_access, uint16_t *view_out)
{
    int rc;

    op_init(HVMOP_altp2m_create_p2m);
    op.u.view.hvmmem_default_access = default_access;
    rc = op_call();
    if ( !rc )
        *view_out = op.u.view.view;
    return rc;
}

int ap_destroy_view(uint16_t view)
{
    op_init(HVMOP_altp2m_destroy_p2m);
    op.u.view.view = view;
    return op_call();
}

int ap_switch_view(uint16_t view)
{
    op_init(HVMOP_altp2m_switch_p2m);
    op.u.view.view = view;
    return op_call();
}

int ap_set_access(uint16_t view, uint32_t gfn, uint16_t access)
{
    op_init(HVMOP_altp2m_set_mem_access);
    op.u.mem_access.view = view;
    op.u.mem_access.access = access;
    op.u.mem_access.gfn = gfn;
    return op_call();
}

int ap_get_access(uint16_t view, uint32_t gfn, uint16_t *access_out)
{
    int rc;

    op_init(HVMOP_altp2m_get_mem_access);
    op.u.mem_access.view = view;
    op.u.mem_access.gfn = gfn;
    rc = op_call();
    if ( !rc )
        *access_out = op.u.mem_access.access;
    return rc;
}

int ap_change_gfn(uint16_t view, uint64_t old_gfn, uint64_t new_gfn)
{
    op_init(HVMOP_altp2m_change_gfn);
    op.u.change_gfn.view = view;
    op.u.change_gfn.old_gfn = old_gfn;
    op.u.change_gfn.new_gfn = new_gfn;
    return op_call();
}

int ap_get_vcpu_view(uint32_t vcpu, uint16_t *view_out)
{
    int rc;

    op_init(HVMOP_altp2m_get_p2m_idx);
    op.u.get_vcpu_p2m_idx.vcpu_id = vcpu;
    rc = op_call();
    if ( !rc )
        *view_out = op.u.get_vcpu_p2m_idx.altp2m_idx;
    return rc;
}

int ap_enable_notify(uint32_t vcpu, uint64_t gfn)
{
    op_init(HVMOP_altp2m_vcpu_enable_notify);
    op.u.enable_notify.vcpu_id = vcpu;
    op.u.enable_notify.gfn = gfn;
    return op_call();
}

int ap_disable_notify(uint32_t vcpu)
{
    op_init(HVMOP_altp2m_vcpu_disable_notify);
    op.u.disable_notify.vcpu_id = vcpu;
    return op_call();
}

int ap_set_suppress_ve(uint16_t view, uint64_t gfn, bool suppress)
{
    op_init(HVMOP_altp2m_set_suppress_ve);
    op.u.suppress_ve.view = view;
    op.u.suppress_ve.suppress_ve = suppress;
    op.u.suppress_ve.gfn = gfn;
    return op_call();
}

int ap_get_suppress_ve(uint16_t view, uint64_t gfn, bool *suppress_out)
{
    int rc;

    op_init(HVMOP_altp2m_get_suppress_ve);
    op.u.suppress_ve.view = view;
    op.u.suppress_ve.gfn = gfn;
    rc = op_call();
    if ( !rc )
        *suppress_out = op.u.suppress_ve.suppress_ve;
    return rc;
}

int ap_malformed_op(enum ap_malformed what)
{
    op_init(HVMOP_altp2m_get_domain_state);
    switch ( what )
    {
    case AP_BAD_VERSION:
        op.version = HVMOP_ALTP2M_INTERFACE_VERSION + 1;
        break;
    case AP_BAD_PAD:
        op.pad1 = 1;
        break;
    case AP_BAD_CMD:
        op.cmd = HVMOP_altp2m_unknown;
        break;
    case AP_BAD_DOMAIN:
        op.domain = DOMID_UNUSED;
        break;
    case AP_BAD_MEM_ACCESS_PAD:
        op.cmd = HVMOP_altp2m_get_mem_access;
        op.u.mem_access.pad = 1;
        op.u.mem_access.gfn = ap_gfn(PG_T7);
        break;
    }
    return op_call();
}

static long reservation_op(unsigned int cmd, uint32_t gfn)
{
    static uint32_t extent;
    static struct memory_reservation r;

    extent = gfn;
    r = (struct memory_reservation){
        .extent_start = (uintptr_t)&extent,
        .nr_extents = 1,
        .extent_order = 0,
        .domid = DOMID_SELF,
    };
    return gtf_hypercall2(HYPERVISOR_memory_op, cmd, (uintptr_t)&r);
}

long ap_decrease_reservation(uint32_t gfn)
{
    return reservation_op(XENMEM_decrease_reservation, gfn);
}

long ap_populate_physmap(uint32_t gfn)
{
    return reservation_op(XENMEM_populate_physmap, gfn);
}

long ap_null_hypercall(void)
{
    return gtf_hypercall2(HYPERVISOR_xen_version, XENVER_version, 0);
}
