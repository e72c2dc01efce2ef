/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvr-vsm-responder: a dom0 stand-in for the paravisor's side of the VSM
 * policy channel (IOREQ_TYPE_VSM, ../../../xen-patches and
 * shared/reference/vsm-in-xen.md 3.2), for tests/guest/vsm on the patched
 * Xen.  It is a test double with a small, fixed policy, not pvdomain/vtl.
 *
 *   pvr-vsm-responder viridian DOMID [--vsm [--synic]]
 *       Sets HVM_PARAM_VIRIDIAN of the paused guest: the base set, plus
 *       HVMPV_vsm (bit 13) with --vsm, plus Xen's SynIC (HVMPV_synic,
 *       bit 7: the SIMP MSR that violation messages need; the guest runs
 *       its violation phase only then, which this test double does not
 *       answer: kinds 1 and 2 are pvdomaind's), and then HVM_PARAM_ALTP2M to
 *       external (the paravisor's views; a Xen without altp2m on refuses
 *       it, and 0x0D then answers views 0 and 0).  Exit 77 when Xen
 *       refuses bit 13 (a Xen without the VSM patches), 1 on another
 *       error.
 *   pvr-vsm-responder serve DOMID
 *       Creates an ioreq server on DOMID, claims the VSM kinds [0, 3]
 *       (XEN_DMOP_IO_RANGE_VSM, through a raw dm_op: libxendevicemodel has
 *       no call for the new range type), prints "ready", and answers each
 *       request until SIGTERM/SIGINT or the guest's death; then destroys
 *       the server (Xen regards the guest as unpaired again) and prints a
 *       summary.  Exit 0, 1 when a request broke the ABI, 2 on a setup
 *       error.
 *
 * The policy (what the guest test expects), for hypercall requests:
 *   every call: a partition ID other than HV_PARTITION_ID_SELF gives
 *     INVALID_PARTITION_ID; a VP index past the guest's vCPUs gives
 *     INVALID_VP_INDEX.
 *   0x0D EnablePartitionVtl: target VTL 1 with zero flags and reserved
 *     bytes enables it once, then INVALID_VTL_STATE; another VTL or
 *     flags: INVALID_PARAMETER.  On SUCCESS, if the guest has altp2m,
 *     altp2m is turned on, two views are made (VTL0's, VTL1's; rwx) and
 *     named in the answer, and the guest's access_required is set, so a
 *     violation with no listener crashes it instead of relaxing the page;
 *     without altp2m the answer names views 0 and 0.  Fast form: Xen
 *     checked the partition ID and sends 0 for "self".
 *   0x0F EnableVpVtl: INVALID_VTL_STATE before 0x0D or for a VP that has
 *     VTL1 already; a target VTL other than 1 or a context without
 *     CR0.PE: INVALID_PARAMETER; else SUCCESS (Xen loads the context).
 *   0x0C ModifyVtlProtectionMask: the target VTL (HV_INPUT_VTL, the
 *     caller's by default) must be 1: VTL0 has no lower VTL to protect
 *     pages from (INVALID_PARAMETER, as the TLFS and pvdomain/vtl).  Each
 *     page number from rep start must be below the guest's highest GFN,
 *     else INVALID_PARAMETER with the reps done so far.  With the views
 *     made, the MapFlags (R, W, kernel X) become the page's access in
 *     VTL0's view; W without R is INVALID_PARAMETER.  At most
 *     REPS_PER_REQUEST pages a request: SUCCESS with fewer reps done than
 *     asked makes Xen continue the call.
 *   0x50 GetVpRegisters: VsmVpStatus, VsmPartitionStatus,
 *     VsmCodePageOffsets, VsmCapabilities and VsmPartitionConfig are
 *     written to the output list from rep start; another name stops with
 *     INVALID_PARAMETER, as does VsmPartitionConfig of VTL0 (it exists
 *     for VTLs above 0 only).
 *   0x51 SetVpRegisters: VTL1's VsmPartitionConfig is stored; the
 *     read-only VSM registers stop with ACCESS_DENIED; another name, or
 *     VTL0's VsmPartitionConfig, with INVALID_PARAMETER.
 * Guest memory is read and written through foreign mappings, one page at
 * a time, and every field is checked before use: the request is hostile.
 *
 * Output: "pvr-vsm-responder: dN vV: hypercall 0xCODE ... -> status 0xS
 * reps R" per request, then "summary: N requests, M bad".
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xencall.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/params.h>

#include "domid.h"

#define PROG "pvr-vsm-responder"

/* The channel's ABI (xen-patches 0011; not in Debian's headers). */
#define IOREQ_TYPE_VSM          9
#define XEN_DMOP_IO_RANGE_VSM   3
#define VSM_KIND_SHIFT          56
#define VSM_KIND_MAX            3
#define VSM_ADDR_MASK           ((1ULL << 52) - 1)
#define VSM_SIZE_FAST           (1u << 12)
#define VSM_SIZE_32BIT          (1u << 13)
#define HVMPV_BASE_FREQ         (1u << 0)
#define HVMPV_SYNIC             (1u << 7)
#define HVMPV_VSM               (1u << 13)

#define HV_STATUS_SUCCESS                0x00
#define HV_STATUS_INVALID_PARAMETER      0x05
#define HV_STATUS_ACCESS_DENIED          0x06
#define HV_STATUS_INSUFFICIENT_MEMORY    0x0b
#define HV_STATUS_OPERATION_DENIED       0x08
#define HV_STATUS_INVALID_PARTITION_ID   0x0d
#define HV_STATUS_INVALID_VP_INDEX       0x0e
#define HV_STATUS_INVALID_VTL_STATE      0x51
#define HV_PARTITION_ID_SELF             UINT64_MAX

#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL       0x000d
#define HVCALL_ENABLE_VP_VTL              0x000f
#define HVCALL_GET_VP_REGISTERS           0x0050
#define HVCALL_SET_VP_REGISTERS           0x0051

#define REG_VSM_CODE_PAGE_OFFSETS   0x000d0002u
#define REG_VSM_VP_STATUS           0x000d0003u
#define REG_VSM_PARTITION_STATUS    0x000d0004u
#define REG_VSM_CAPABILITIES        0x000d0006u
#define REG_VSM_PARTITION_CONFIG    0x000d0007u

#define MAX_VCPUS   64
#define REPS_PER_REQUEST 2
/* HvCallEnableVpVtl's input: CR0 of the HV_INITIAL_VP_CONTEXT at 16. */
#define EVV_CONTEXT_CR0  (16 + 192)
#define PAGE_SIZE   4096u

struct responder {
    uint32_t domid;
    unsigned int nr_vcpus;
    xc_interface *xch;
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
    xenforeignmemory_resource_handle *res;
    xenevtchn_handle *xce;
    xencall_handle *xcall;
    ioservid_t id;
    bool created;
    shared_iopage_t *iopage;
    evtchn_port_t local[MAX_VCPUS];
    uint64_t max_gfn;
    /* Policy state. */
    bool vtl1_enabled;
    bool views;                 /* view[] made: altp2m is on */
    uint16_t view[2];           /* VTL0's and VTL1's altp2m views */
    bool vp_vtl1[MAX_VCPUS];
    uint64_t partition_config;
    unsigned long requests, bad;
};

/* One request as read from its slot, decoded (kind 0). */
struct hcall {
    unsigned int vcpu, code, reps, start, vtl;
    bool fast, bit32;
    uint64_t in, out;
};

/* An answer: status and reps done; extra goes into data's bits 48-63. */
struct answer {
    uint16_t status;
    unsigned int done;
    uint64_t extra;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Copies LEN bytes at guest GPA to or from BUF, a page at a time. */
static int guest_copy(struct responder *r, uint64_t gpa, void *buf,
                      size_t len, bool write)
{
    uint8_t *b = buf;

    while ( len )
    {
        xen_pfn_t gfn = gpa / PAGE_SIZE;
        size_t off = gpa % PAGE_SIZE;
        size_t n = len < PAGE_SIZE - off ? len : PAGE_SIZE - off;
        int err = 0;
        uint8_t *p;

        if ( gfn > r->max_gfn )
            return -EFAULT;
        p = xenforeignmemory_map(r->fmem, r->domid,
                                 write ? PROT_READ | PROT_WRITE : PROT_READ,
                                 1, &gfn, &err);
        if ( !p || err )
        {
            if ( p )
                xenforeignmemory_unmap(r->fmem, p, 1);
            return -EFAULT;
        }
        if ( write )
            memcpy(p + off, b, n);
        else
            memcpy(b, p + off, n);
        xenforeignmemory_unmap(r->fmem, p, 1);
        gpa += n;
        b += n;
        len -= n;
    }
    return 0;
}

/*
 * The 16-byte header of the VSM calls: partition ID, then (0x0C, 0x0F,
 * 0x50, 0x51) a u32 and a byte, or (0x0D) two bytes.
 */
struct hdr {
    uint64_t partition;
    uint8_t rest[8];
};

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int read_hdr(struct responder *r, const struct hcall *h,
                    struct hdr *hdr)
{
    if ( h->fast )
    {
        /*
         * Fast: Xen checked the partition ID in RDX (it cannot send ~0 in
         * 52 bits) and sends 0 for "self"; R8 is the rest.
         */
        hdr->partition = h->in ? h->in : HV_PARTITION_ID_SELF;
        for ( unsigned int i = 0; i < 8; i++ )
            hdr->rest[i] = h->out >> (8 * i);
        return 0;
    }
    return guest_copy(r, h->in, hdr, sizeof(*hdr), false);
}

/* HV_INPUT_VTL: the caller's VTL unless UseTargetVtl (bit 4) names one. */
static unsigned int target_vtl(const struct hcall *h, uint8_t input_vtl)
{
    return input_vtl & 0x10 ? input_vtl & 0xf : h->vtl;
}

static bool vsm_reg_value(const struct responder *r, uint32_t name,
                          uint64_t *val)
{
    switch ( name )
    {
    case REG_VSM_VP_STATUS:
        /* ActiveVtl 0; EnabledVtlSet (31:16): VTL0 only (no VP VTL1). */
        *val = 1u << 16;
        return true;
    case REG_VSM_PARTITION_STATUS:
        /* EnabledVtlSet 15:0, MaximumVtl 19:16 = 1. */
        *val = 1u | (r->vtl1_enabled ? 2u : 0u) | (1u << 16);
        return true;
    case REG_VSM_CODE_PAGE_OFFSETS:
    case REG_VSM_CAPABILITIES:
        *val = 0;
        return true;
    case REG_VSM_PARTITION_CONFIG:
        *val = r->partition_config;
        return true;
    }
    return false;
}

static struct answer get_vp_registers(struct responder *r,
                                      const struct hcall *h, unsigned int vtl)
{
    struct answer a = { HV_STATUS_SUCCESS, h->start, 0 };

    for ( ; a.done < h->reps; a.done++ )
    {
        uint32_t name;
        uint64_t val[2] = { 0, 0 };

        if ( guest_copy(r, h->in + 16 + 4 * a.done, &name, 4, false) ||
             (name == REG_VSM_PARTITION_CONFIG && vtl == 0) ||
             !vsm_reg_value(r, name, &val[0]) ||
             guest_copy(r, h->out + 16 * a.done, val, sizeof(val), true) )
        {
            a.status = HV_STATUS_INVALID_PARAMETER;
            break;
        }
    }
    return a;
}

static struct answer set_vp_registers(struct responder *r,
                                      const struct hcall *h, unsigned int vtl)
{
    struct answer a = { HV_STATUS_SUCCESS, h->start, 0 };

    for ( ; a.done < h->reps; a.done++ )
    {
        uint8_t elem[32];
        uint32_t name;
        uint64_t ignored;

        if ( guest_copy(r, h->in + 16 + 32 * a.done, elem, sizeof(elem),
                        false) )
        {
            a.status = HV_STATUS_INVALID_PARAMETER;
            break;
        }
        name = le32(elem);
        if ( name == REG_VSM_PARTITION_CONFIG && vtl == 0 )
        {
            a.status = HV_STATUS_INVALID_PARAMETER;
            break;
        }
        if ( name == REG_VSM_PARTITION_CONFIG )
        {
            memcpy(&r->partition_config, elem + 16, 8);
            continue;
        }
        a.status = vsm_reg_value(r, name, &ignored) ?
                   HV_STATUS_ACCESS_DENIED : HV_STATUS_INVALID_PARAMETER;
        break;
    }
    return a;
}

/*
 * HvMapGpaFlags (R 0, W 1, kernel X 2) as a p2m access; false for W
 * without R, which x86 paging cannot express.
 */
static bool map_flags_access(uint32_t flags, xenmem_access_t *out)
{
    static const xenmem_access_t access[8] = {
        XENMEM_access_n, XENMEM_access_r, XENMEM_access_n, XENMEM_access_rw,
        XENMEM_access_x, XENMEM_access_rx, XENMEM_access_n,
        XENMEM_access_rwx,
    };
    unsigned int rwx = flags & 7;

    if ( (rwx & 2) && !(rwx & 1) )
        return false;
    *out = access[rwx];
    return true;
}

/* Sets GFN's access in VTL0's view and prints what Xen reads back. */
static bool set_access(struct responder *r, uint64_t gfn,
                       xenmem_access_t access)
{
    xenmem_access_t back;

    if ( xc_altp2m_set_mem_access(r->xch, r->domid, r->view[0], gfn,
                                  access) ||
         xc_altp2m_get_mem_access(r->xch, r->domid, r->view[0], gfn,
                                  &back) )
    {
        fprintf(stderr, PROG ": d%u: view %u gfn %#" PRIx64 ": %s\n",
                r->domid, r->view[0], gfn, strerror(errno));
        return false;
    }
    printf(PROG ": d%u: VTL0 view %u gfn %#" PRIx64 ": access %d\n",
           r->domid, r->view[0], gfn, (int)back);
    return true;
}

static struct answer modify_protection(struct responder *r,
                                       const struct hcall *h,
                                       const struct hdr *hdr)
{
    struct answer a = { HV_STATUS_SUCCESS, h->start, 0 };
    unsigned int end = h->reps - h->start > REPS_PER_REQUEST ?
                       h->start + REPS_PER_REQUEST : h->reps;
    bool apply = r->views;
    xenmem_access_t access = XENMEM_access_rwx;

    if ( target_vtl(h, hdr->rest[4]) > h->vtl )
        return (struct answer){ HV_STATUS_ACCESS_DENIED, h->start, 0 };
    if ( target_vtl(h, hdr->rest[4]) != 1 )
        return (struct answer){ HV_STATUS_INVALID_PARAMETER, h->start, 0 };
    if ( apply && !map_flags_access(le32(hdr->rest), &access) )
        return (struct answer){ HV_STATUS_INVALID_PARAMETER, h->start, 0 };
    for ( ; a.done < end; a.done++ )
    {
        uint64_t gfn;

        if ( guest_copy(r, h->in + 16 + 8 * a.done, &gfn, 8, false) ||
             gfn > r->max_gfn )
        {
            a.status = HV_STATUS_INVALID_PARAMETER;
            break;
        }
        if ( apply && !set_access(r, gfn, access) )
        {
            a.status = HV_STATUS_INSUFFICIENT_MEMORY;
            break;
        }
    }
    return a;
}

/*
 * VTL1 enabled: with altp2m available (HVM_PARAM_ALTP2M set), turn it on
 * and make VTL0's and VTL1's views.  Views 0 and 0 otherwise.
 */
static uint16_t make_views(struct responder *r)
{
    uint64_t mode = 0;
    unsigned int i;

    if ( xc_hvm_param_get(r->xch, r->domid, HVM_PARAM_ALTP2M, &mode) ||
         !mode )
    {
        printf(PROG ": d%u: no altp2m: views 0 and 0\n", r->domid);
        return HV_STATUS_SUCCESS;
    }
    if ( xc_altp2m_set_domain_state(r->xch, r->domid, true) ||
         xc_domain_set_access_required(r->xch, r->domid, 1) )
        goto fail;
    for ( i = 0; i < 2; i++ )
        if ( xc_altp2m_create_view(r->xch, r->domid, XENMEM_access_rwx,
                                   &r->view[i]) )
            goto fail;
    r->views = true;
    printf(PROG ": d%u: views: VTL0 %u, VTL1 %u\n", r->domid, r->view[0],
           r->view[1]);
    return HV_STATUS_SUCCESS;

 fail:
    fprintf(stderr, PROG ": d%u: altp2m views: %s\n", r->domid,
            strerror(errno));
    return HV_STATUS_INSUFFICIENT_MEMORY;
}

static struct answer enable_vp_vtl(struct responder *r,
                                   const struct hcall *h,
                                   const struct hdr *hdr)
{
    uint32_t vp = le32(hdr->rest);
    uint64_t cr0;

    if ( vp == 0xfffffffeu )            /* HV_VP_INDEX_SELF */
        vp = h->vcpu;
    if ( vp >= r->nr_vcpus )
        return (struct answer){ HV_STATUS_INVALID_VP_INDEX, 0, 0 };
    if ( !r->vtl1_enabled || r->vp_vtl1[vp] )
        return (struct answer){ HV_STATUS_INVALID_VTL_STATE, 0, 0 };
    if ( hdr->rest[4] != 1 ||
         guest_copy(r, h->in + EVV_CONTEXT_CR0, &cr0, sizeof(cr0), false) ||
         !(cr0 & 1) )
        return (struct answer){ HV_STATUS_INVALID_PARAMETER, 0, 0 };
    r->vp_vtl1[vp] = true;
    return (struct answer){ HV_STATUS_SUCCESS, 0, 0 };
}

static struct answer hypercall(struct responder *r, const struct hcall *h)
{
    struct answer a = { HV_STATUS_SUCCESS, 0, 0 };
    struct hdr hdr;

    if ( read_hdr(r, h, &hdr) )
        return (struct answer){ HV_STATUS_INVALID_PARAMETER, 0, 0 };
    if ( hdr.partition != HV_PARTITION_ID_SELF )
        return (struct answer){ HV_STATUS_INVALID_PARTITION_ID, 0, 0 };

    switch ( h->code )
    {
    case HVCALL_ENABLE_PARTITION_VTL:
        if ( hdr.rest[0] != 1 || hdr.rest[1] ||
             memcmp(hdr.rest + 2, "\0\0\0\0\0\0", 6) )
            a.status = HV_STATUS_INVALID_PARAMETER;
        else if ( r->vtl1_enabled )
            a.status = HV_STATUS_INVALID_VTL_STATE;
        else if ( (a.status = make_views(r)) == HV_STATUS_SUCCESS )
        {
            r->vtl1_enabled = true;
            a.extra = (uint64_t)r->view[0] << 48 | (uint64_t)r->view[1] << 56;
        }
        return a;

    case HVCALL_ENABLE_VP_VTL:
        return enable_vp_vtl(r, h, &hdr);

    case HVCALL_MODIFY_VTL_PROTECTION_MASK:
        return modify_protection(r, h, &hdr);

    case HVCALL_GET_VP_REGISTERS:
    case HVCALL_SET_VP_REGISTERS:
        if ( le32(hdr.rest) >= r->nr_vcpus )
            return (struct answer){ HV_STATUS_INVALID_VP_INDEX, 0, 0 };
        /* HV_INPUT_VTL: no VTL above the caller's. */
        if ( target_vtl(h, hdr.rest[4]) > h->vtl )
            return (struct answer){ HV_STATUS_ACCESS_DENIED, 0, 0 };
        return h->code == HVCALL_GET_VP_REGISTERS
               ? get_vp_registers(r, h, target_vtl(h, hdr.rest[4]))
               : set_vp_registers(r, h, target_vtl(h, hdr.rest[4]));
    }
    return (struct answer){ HV_STATUS_INVALID_PARAMETER, 0, 0 };
}

/* Answers the request in vCPU V's slot, if there is one. */
static void handle_slot(struct responder *r, unsigned int v)
{
    ioreq_t *slot = &r->iopage->vcpu_ioreq[v];
    ioreq_t req;
    struct hcall h;
    struct answer a = { HV_STATUS_INVALID_PARAMETER, 0, 0 };
    unsigned int kind;

    /* state is a bit-field: a volatile read, then an acquire fence. */
    if ( ((volatile ioreq_t *)slot)->state != STATE_IOREQ_READY )
        return;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    memcpy(&req, slot, sizeof(req));
    r->requests++;
    kind = req.addr >> VSM_KIND_SHIFT;
    if ( req.type != IOREQ_TYPE_VSM || req.dir != IOREQ_READ ||
         req.data_is_ptr || req.df || kind != 0 )
    {
        r->bad++;
        printf(PROG ": d%u v%u: unexpected request type %u kind %u dir %u "
               "ptr %u df %u\n", r->domid, v, req.type, kind, req.dir,
               req.data_is_ptr, req.df);
    }
    else
    {
        h = (struct hcall){
            .vcpu = v, .code = req.count & 0xffff,
            .reps = (req.count >> 16) & 0xfff, .vtl = req.count >> 28,
            .start = req.size & 0xfff, .fast = req.size & VSM_SIZE_FAST,
            .bit32 = req.size & VSM_SIZE_32BIT,
            .in = req.addr & VSM_ADDR_MASK, .out = req.data,
        };
        a = hypercall(r, &h);
        printf(PROG ": d%u v%u: hypercall 0x%04x reps %u start %u vtl %u "
               "fast %u 32bit %u in 0x%" PRIx64 " out 0x%" PRIx64
               " -> status 0x%04x reps %u\n", r->domid, v, h.code, h.reps,
               h.start, h.vtl, h.fast, h.bit32, h.in, h.out, a.status,
               a.done);
    }
    fflush(stdout);
    slot->data = a.status | (uint64_t)a.done << 32 | a.extra;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ((volatile ioreq_t *)slot)->state = STATE_IORESP_READY;
    xenevtchn_notify(r->xce, r->local[v]);
}

/* XEN_DMOP_map_io_range_to_ioreq_server with range type 3, raw. */
static int claim_vsm(struct responder *r)
{
    struct xen_dm_op *op;
    xen_dm_op_buf_t *buf;
    int rc = -ENOMEM;

    op = xencall_alloc_buffer(r->xcall, sizeof(*op));
    buf = xencall_alloc_buffer(r->xcall, sizeof(*buf));
    if ( op && buf )
    {
        memset(op, 0, sizeof(*op));
        op->op = XEN_DMOP_map_io_range_to_ioreq_server;
        op->u.map_io_range_to_ioreq_server.id = r->id;
        op->u.map_io_range_to_ioreq_server.type = XEN_DMOP_IO_RANGE_VSM;
        op->u.map_io_range_to_ioreq_server.start = 0;
        op->u.map_io_range_to_ioreq_server.end = VSM_KIND_MAX;
        set_xen_guest_handle_raw(buf->h, (void *)op);
        buf->size = sizeof(*op);
        rc = xencall3(r->xcall, __HYPERVISOR_dm_op, r->domid, 1,
                      (uintptr_t)buf) ? -errno : 0;
    }
    if ( op )
        xencall_free_buffer(r->xcall, op);
    if ( buf )
        xencall_free_buffer(r->xcall, buf);
    return rc;
}

static int setup(struct responder *r)
{
    xc_domaininfo_t info;
    xen_pfn_t max;
    const char *what;
    void *addr = NULL;

    what = "open the Xen libraries";
    r->xch = xc_interface_open(NULL, NULL, 0);
    r->dmod = xendevicemodel_open(NULL, 0);
    r->fmem = xenforeignmemory_open(NULL, 0);
    r->xce = xenevtchn_open(NULL, 0);
    r->xcall = xencall_open(NULL, 0);
    if ( !r->xch || !r->dmod || !r->fmem || !r->xce || !r->xcall )
        goto fail;
    what = "xc_domain_getinfolist";
    if ( xc_domain_getinfolist(r->xch, r->domid, 1, &info) != 1 ||
         info.domain != r->domid )
        goto fail;
    r->nr_vcpus = info.max_vcpu_id + 1;
    what = "more vCPUs than " PROG " handles";
    if ( r->nr_vcpus > MAX_VCPUS )
        goto fail;
    what = "xc_domain_maximum_gpfn";
    if ( xc_domain_maximum_gpfn(r->xch, r->domid, &max) )
        goto fail;
    r->max_gfn = max;
    what = "xendevicemodel_create_ioreq_server";
    if ( xendevicemodel_create_ioreq_server(r->dmod, r->domid,
                                            HVM_IOREQSRV_BUFIOREQ_OFF,
                                            &r->id) )
        goto fail;
    r->created = true;
    what = "map the ioreq page";
    r->res = xenforeignmemory_map_resource(
        r->fmem, r->domid, XENMEM_resource_ioreq_server, r->id,
        XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &addr,
        PROT_READ | PROT_WRITE, 0);
    if ( !r->res )
        goto fail;
    r->iopage = addr;
    /* Xen writes the vCPUs' ports into the page when the server is on. */
    what = "enable the server";
    if ( xendevicemodel_set_ioreq_server_state(r->dmod, r->domid, r->id,
                                               1) )
        goto fail;
    what = "bind a vCPU's event channel";
    for ( unsigned int v = 0; v < r->nr_vcpus; v++ )
    {
        xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(
            r->xce, r->domid, r->iopage->vcpu_ioreq[v].vp_eport);

        if ( p < 0 )
            goto fail;
        r->local[v] = p;
    }
    what = "claim XEN_DMOP_IO_RANGE_VSM (a Xen without the VSM patches "
           "refuses it)";
    errno = -claim_vsm(r);
    if ( errno )
        goto fail;
    return 0;

 fail:
    fprintf(stderr, PROG ": d%u: %s: %s\n", r->domid, what, strerror(errno));
    return -1;
}

static void teardown(struct responder *r)
{
    if ( r->created &&
         xendevicemodel_destroy_ioreq_server(r->dmod, r->domid, r->id) )
        fprintf(stderr, PROG ": d%u: destroy server %u: %s\n", r->domid,
                r->id, strerror(errno));
    if ( r->res )
        xenforeignmemory_unmap_resource(r->fmem, r->res);
    if ( r->xcall )
        xencall_close(r->xcall);
    if ( r->xce )
        xenevtchn_close(r->xce);
    if ( r->fmem )
        xenforeignmemory_close(r->fmem);
    if ( r->dmod )
        xendevicemodel_close(r->dmod);
    if ( r->xch )
        xc_interface_close(r->xch);
}

static bool guest_alive(struct responder *r)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(r->xch, r->domid, 1, &info) == 1 &&
           info.domain == r->domid &&
           !(info.flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown));
}

static int serve(uint32_t domid)
{
    struct responder r = { .domid = domid };
    struct pollfd pfd;
    int rc = 2;

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if ( setup(&r) )
        goto out;
    printf(PROG ": d%u: ready: server %u, %u vCPUs, VSM kinds 0-%u\n",
           domid, r.id, r.nr_vcpus, VSM_KIND_MAX);
    fflush(stdout);
    pfd = (struct pollfd){ .fd = xenevtchn_fd(r.xce), .events = POLLIN };
    while ( !stop )
    {
        int n = poll(&pfd, 1, 1000);

        if ( n < 0 && errno != EINTR )
            break;
        if ( n > 0 )
        {
            xenevtchn_port_or_error_t p = xenevtchn_pending(r.xce);

            if ( p >= 0 )
                xenevtchn_unmask(r.xce, p);
        }
        /* Every slot, also after a timeout: a lost event costs 1 s. */
        for ( unsigned int v = 0; v < r.nr_vcpus; v++ )
            handle_slot(&r, v);
        if ( n == 0 && !guest_alive(&r) )
        {
            printf(PROG ": d%u: the guest is gone\n", domid);
            break;
        }
    }
    rc = r.bad ? 1 : 0;
    printf(PROG ": d%u: summary: %lu requests, %lu bad\n", domid,
           r.requests, r.bad);
 out:
    teardown(&r);
    return rc;
}

static int set_viridian(uint32_t domid, bool vsm, bool synic)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    uint64_t val = HVMPV_BASE_FREQ | (vsm ? HVMPV_VSM : 0) |
                   (synic ? HVMPV_SYNIC : 0);
    int rc = 0;

    if ( !xch )
    {
        fprintf(stderr, PROG ": xc_interface_open: %s\n", strerror(errno));
        return 1;
    }
    if ( xc_hvm_param_set(xch, domid, HVM_PARAM_VIRIDIAN, val) )
    {
        rc = vsm && errno == EINVAL ? 77 : 1;
        fprintf(stderr, PROG ": d%u: HVM_PARAM_VIRIDIAN = %#" PRIx64
                ": %s%s\n", domid, val, strerror(errno),
                rc == 77 ? " (Xen has no HVMPV_vsm)" : "");
    }
    else
    {
        printf(PROG ": d%u: HVM_PARAM_VIRIDIAN = %#" PRIx64 "\n", domid,
               val);
        /* The paravisor's views need altp2m; without it, none are made. */
        if ( vsm && xc_hvm_param_set(xch, domid, HVM_PARAM_ALTP2M,
                                     XEN_ALTP2M_external) )
            printf(PROG ": d%u: HVM_PARAM_ALTP2M: %s (no views)\n", domid,
                   strerror(errno));
        else if ( vsm )
            printf(PROG ": d%u: HVM_PARAM_ALTP2M = external\n", domid);
    }
    xc_interface_close(xch);
    return rc;
}

int main(int argc, char **argv)
{
    uint32_t domid;

    if ( argc >= 3 && !strcmp(argv[1], "viridian") &&
         !parse_domid(argv[2], &domid) &&
         (argc == 3 || (argc >= 4 && !strcmp(argv[3], "--vsm"))) &&
         (argc <= 4 || (argc == 5 && !strcmp(argv[4], "--synic"))) )
        return set_viridian(domid, argc >= 4, argc == 5);
    if ( argc == 3 && !strcmp(argv[1], "serve") &&
         !parse_domid(argv[2], &domid) )
        return serve(domid);
    fprintf(stderr, "usage: " PROG " viridian DOMID [--vsm [--synic]]\n"
            "       " PROG " serve DOMID\n"
            "(DOMID: a guest's domain id, 1 to 32751)\n");
    return 2;
}
