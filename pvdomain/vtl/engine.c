/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VTL engine: lifecycle, the request dispatcher, the input rules
 * every hypercall shares, and register events (kind 2).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "vtl/vtl_priv.h"

int pvr_vtl_create(pvr_port *p, const struct pvr_vtl_config *cfg,
                   pvr_vtl **out)
{
    pvr_vtl *v;
    unsigned int i;

    if ( !p || !cfg || !out || cfg->nr_vps == 0 ||
         cfg->nr_vps > PVR_VTL_MAX_VPS ||
         cfg->reps_per_request > 4095 || (cfg->code_page_offsets >> 24) )
        return -EINVAL;
    v = calloc(1, sizeof(*v));
    if ( !v )
        return -ENOMEM;
    v->port = p;
    v->domid = cfg->domid;
    v->nr_vps = cfg->nr_vps;
    v->reps_per_request = cfg->reps_per_request ? cfg->reps_per_request
                                                : PVR_VTL_DEFAULT_REPS;
    v->code_page_offsets = cfg->code_page_offsets;
    v->caller_vtl = VTL_NR;
    /* TLFS vsm.md: a partition starts in VTL0, every other VTL off. */
    v->enabled = 1;
    for ( i = 0; i < v->nr_vps; i++ )
        v->vp[i].enabled = 1;
    *out = v;
    return 0;
}

void pvr_vtl_destroy(pvr_vtl *v)
{
    unsigned int i;
    int rc;

    if ( !v )
        return;
    if ( v->views )
    {
        /* A view in use cannot be destroyed: back to the host p2m. */
        rc = pvr_port_altp2m_switch_view(v->port, v->domid, 0);
        for ( i = 0; rc == 0 && i < VTL_NR; i++ )
            rc = pvr_port_altp2m_destroy_view(v->port, v->domid, v->view[i]);
        if ( rc )
            pvr_log_e(PVR_LOG_WARN, VTL_COMP, -rc, "destroy views");
    }
    if ( v->altp2m_on )
    {
        rc = pvr_port_altp2m_set_domain_state(v->port, v->domid, false);
        if ( rc )
            pvr_log_e(PVR_LOG_WARN, VTL_COMP, -rc, "altp2m off");
    }
    free(v);
}

int pvr_vtl_views(const pvr_vtl *v, uint16_t *vtl0_out, uint16_t *vtl1_out)
{
    if ( !v->views )
        return -ENOENT;
    *vtl0_out = v->view[0];
    *vtl1_out = v->view[1];
    return 0;
}

void pvr_vtl_stats(const pvr_vtl *v, struct pvr_vtl_stats *out)
{
    *out = v->stats;
}

/* ---- input rules shared by the handlers ---- */

/*
 * TLFS "Hypercall Interface", HV_STATUS_INVALID_ALIGNMENT: an input or
 * output GPA not 8-byte aligned, or a parameter list spanning pages.
 */
uint16_t vtl__block_ok(uint64_t gpa, uint64_t len)
{
    if ( gpa & 7 )
        return HV_STATUS_INVALID_ALIGNMENT;
    if ( len > VTL_PAGE || (gpa & (VTL_PAGE - 1)) + len > VTL_PAGE )
        return HV_STATUS_INVALID_ALIGNMENT;
    return HV_STATUS_SUCCESS;
}

/* A port copy's error as a status: no RAM there, or our own failure. */
static uint16_t copy_status(pvr_vtl *v, int rc, const char *what,
                            uint64_t gpa)
{
    if ( rc == 0 )
        return HV_STATUS_SUCCESS;
    if ( rc == -EFAULT || rc == -EINVAL )
    {
        /* TLFS: a parameter GPA that is not RAM is INVALID_PARAMETER. */
        PVR_LOG_GUEST(VTL_COMP, "%s GPA %#llx not in RAM", what,
                      (unsigned long long)gpa);
        return HV_STATUS_INVALID_PARAMETER;
    }
    v->stats.port_errors++;
    pvr_log_e(PVR_LOG_ERROR, VTL_COMP, -rc, "%s GPA %#llx", what,
              (unsigned long long)gpa);
    return HV_STATUS_INSUFFICIENT_MEMORY;
}

/*
 * May a VTL0 caller have its input read (WANT PVR_ACCESS_R) or its output
 * written (PVR_ACCESS_W) at GPA?  The engine copies through its own
 * mappings, which VTL0's view does not govern, so without this a VTL0
 * kernel could have the engine write where VTL1 took W from it.  The
 * TLFS's status for a GPA the caller may not access: ACCESS_DENIED ("Access
 * to the requested operation or object is denied") [inf: the TLFS names
 * no status for this case].  The block lies in one page (vtl__block_ok).
 */
static uint16_t vtl0_may(pvr_vtl *v, uint64_t gpa, enum pvr_access want,
                         const char *what)
{
    enum pvr_access have;
    int rc;

    if ( v->caller_vtl != 0 || !v->views )
        return HV_STATUS_SUCCESS;
    rc = pvr_port_altp2m_get_mem_access(v->port, v->domid, v->view[0],
                                        gpa >> PVR_PAGE_SHIFT, &have);
    /* Not in the view yet: the view's default, every right. */
    if ( rc == -ESRCH || (rc == 0 && (have & want)) )
        return HV_STATUS_SUCCESS;
    /* Not RAM: the copy says so (INVALID_PARAMETER). */
    if ( rc == -EINVAL )
        return HV_STATUS_SUCCESS;
    if ( rc )
    {
        v->stats.port_errors++;
        pvr_log_e(PVR_LOG_ERROR, VTL_COMP, -rc, "rights of %s GPA %#llx",
                  what, (unsigned long long)gpa);
        return HV_STATUS_INSUFFICIENT_MEMORY;
    }
    v->stats.access_denied++;
    PVR_LOG_GUEST(VTL_COMP, "%s GPA %#llx: VTL0 may not %s it", what,
                  (unsigned long long)gpa,
                  want == PVR_ACCESS_W ? "write" : "read");
    return HV_STATUS_ACCESS_DENIED;
}

uint16_t vtl__read(pvr_vtl *v, uint64_t gpa, void *buf, size_t len)
{
    uint16_t st = vtl__block_ok(gpa, len);

    if ( st == HV_STATUS_SUCCESS )
        st = vtl0_may(v, gpa, PVR_ACCESS_R, "input");
    if ( st == HV_STATUS_SUCCESS )
        st = copy_status(v, pvr_port_guest_read(v->port, v->domid, gpa, buf,
                                                len), "input", gpa);
    return st;
}

uint16_t vtl__write(pvr_vtl *v, uint64_t gpa, const void *buf, size_t len)
{
    uint16_t st = vtl__block_ok(gpa, len);

    if ( st == HV_STATUS_SUCCESS )
        st = vtl0_may(v, gpa, PVR_ACCESS_W, "output");
    if ( st == HV_STATUS_SUCCESS )
        st = copy_status(v, pvr_port_guest_write(v->port, v->domid, gpa, buf,
                                                 len), "output", gpa);
    return st;
}

uint16_t vtl__read_input(pvr_vtl *v, const struct vtl_call *c, size_t hdr,
                         size_t elem, uint8_t page[VTL_PAGE],
                         unsigned int *n_out)
{
    const struct pvr_vsm_req *req = c->req;
    unsigned int n = req->rep_count - req->rep_start;
    uint16_t st;

    /* The whole list lies in the input page (INVALID_ALIGNMENT). */
    if ( (st = vtl__block_ok(req->arg, hdr + elem * req->rep_count)) )
        return st;
    /* Rep continuation: at most reps_per_request now. */
    if ( n > v->reps_per_request )
        n = v->reps_per_request;
    *n_out = n;
    /* One copy (one mapping) for the header and this batch. */
    return vtl__read(v, req->arg, page,
                     hdr + elem * (req->rep_start + n));
}

/* vsm-in-xen.md 4.1: any partition but self is INVALID_PARTITION_ID. */
uint16_t vtl__partition_ok(uint64_t id)
{
    return id == HV_PARTITION_ID_SELF ? HV_STATUS_SUCCESS
                                      : HV_STATUS_INVALID_PARTITION_ID;
}

/* vsm-in-xen.md 4.1: a bad VP index is INVALID_VP_INDEX. */
uint16_t vtl__vp_ok(const pvr_vtl *v, const struct vtl_call *c,
                    uint32_t index, unsigned int *vp_out)
{
    if ( index == HV_VP_INDEX_SELF )
        index = c->vp;
    if ( index >= v->nr_vps )
        return HV_STATUS_INVALID_VP_INDEX;
    *vp_out = index;
    return HV_STATUS_SUCCESS;
}

/*
 * HV_INPUT_VTL (TLFS datatypes/hv_input_vtl.md): the target is the
 * caller's own VTL unless UseTargetVtl; reserved bits are
 * INVALID_PARAMETER; a VTL above the caller's is ACCESS_DENIED
 * (vsm-in-xen.md 4.1, GetVpRegisters row).
 */
uint16_t vtl__target_vtl(const struct vtl_call *c, uint8_t input_vtl,
                         unsigned int *vtl_out)
{
    unsigned int t = c->req->src_vtl;

    if ( input_vtl & HV_INPUT_VTL_RSVD )
        return HV_STATUS_INVALID_PARAMETER;
    if ( input_vtl & HV_INPUT_VTL_USE )
        t = HV_INPUT_VTL_TARGET(input_vtl);
    if ( t > c->req->src_vtl )
        return HV_STATUS_ACCESS_DENIED;
    *vtl_out = t;
    return HV_STATUS_SUCCESS;
}

/* ---- kind 0: hypercalls ---- */

static const struct {
    uint16_t code;
    bool rep;
    bool fast_ok;
    uint16_t (*fn)(pvr_vtl *v, struct vtl_call *c);
    const char *name;
} calls[] = {
    { HVCALL_MODIFY_VTL_PROTECTION_MASK, true, false,
      vtl__modify_protection, "ModifyVtlProtectionMask" },
    { HVCALL_ENABLE_PARTITION_VTL, false, true, vtl__enable_partition,
      "EnablePartitionVtl" },
    { HVCALL_ENABLE_VP_VTL, false, false, vtl__enable_vp, "EnableVpVtl" },
    { HVCALL_GET_VP_REGISTERS, true, false, vtl__get_registers,
      "GetVpRegisters" },
    { HVCALL_SET_VP_REGISTERS, true, false, vtl__set_registers,
      "SetVpRegisters" },
};

static uint64_t hypercall(pvr_vtl *v, unsigned int vp,
                          const struct pvr_vsm_req *req)
{
    struct vtl_call c = { .vp = vp, .req = req, .done = 0, .extra = 0 };
    uint16_t st = HV_STATUS_INVALID_HYPERCALL_CODE;
    unsigned int i;

    for ( i = 0; i < sizeof(calls) / sizeof(calls[0]); i++ )
    {
        if ( calls[i].code != req->code )
            continue;
        /*
         * TLFS "Hypercall Inputs": rep count and rep start index must be
         * zero for a simple call and start <= count for a rep call; a
         * fast call with an input that does not fit the registers we get
         * (RDX, R8) is an invalid input value too.
         */
        if ( (!calls[i].rep && (req->rep_count || req->rep_start)) ||
             (calls[i].rep && req->rep_start > req->rep_count) ||
             (req->fast && !calls[i].fast_ok) )
            st = HV_STATUS_INVALID_HYPERCALL_INPUT;
        /* vsm-channel: Xen fails a GPA or RDX with bits 55:52 set. */
        else if ( req->arg & ~PVR_VSM_ADDR_MASK )
            st = HV_STATUS_INVALID_PARAMETER;
        else
        {
            c.done = req->rep_start;
            v->caller_vtl = req->src_vtl;
            st = calls[i].fn(v, &c);
            v->caller_vtl = VTL_NR;
        }
        if ( st != HV_STATUS_SUCCESS )
            PVR_LOG_GUEST(VTL_COMP, "vp%u vtl%u %s reps %u-%u: status %#x",
                          vp, req->src_vtl, calls[i].name, req->rep_start,
                          req->rep_count, st);
        break;
    }
    if ( st == HV_STATUS_INVALID_HYPERCALL_CODE )
        PVR_LOG_GUEST(VTL_COMP, "vp%u: hypercall %#x is not ours", vp,
                      req->code);

    v->stats.hypercalls++;
    if ( st != HV_STATUS_SUCCESS )
    {
        v->stats.hcall_errors++;
        c.extra = 0;
    }
    else if ( c.done < req->rep_count )
        v->stats.continuations++;
    return pvr_vsm_hcall_answer(st, c.done) | c.extra;
}

/* ---- kind 2: register events ---- */

static uint64_t reg_event(pvr_vtl *v, unsigned int vp,
                          const struct pvr_vsm_req *req)
{
    v->stats.reg_events++;
    /* VTL1's SIMP: where violations are posted (vsm-in-xen.md 4.4). */
    if ( req->arg == HV_X64_MSR_SIMP )
        v->vp[vp].simp[req->src_vtl] = req->data;
    return 0;
}

uint64_t pvr_vtl_request(pvr_vtl *v, unsigned int vp, uint64_t addr,
                         uint64_t data, uint32_t count, uint32_t size)
{
    struct pvr_vsm_req req;

    pvr_vsm_decode(addr, data, count, size, &req);
    /* Fields only Xen writes: a bad one is Xen's (or a forger's) fault. */
    if ( vp >= v->nr_vps || req.src_vtl > VTL_MAX ||
         !(v->vp[vp].enabled & (1u << req.src_vtl)) ||
         req.kind > PVR_VSM_KIND_INTERCEPT )
    {
        v->stats.bad_requests++;
        PVR_LOG_GUEST(VTL_COMP, "vp%u: malformed VSM request kind %u "
                      "vtl %u", vp, req.kind, req.src_vtl);
        switch ( req.kind )
        {
        case PVR_VSM_KIND_HYPERCALL:
            return pvr_vsm_hcall_answer(HV_STATUS_INVALID_PARAMETER, 0);
        case PVR_VSM_KIND_VIOLATION:
            v->stats.crashes++;
            return PVR_VSM_ACT_CRASH;
        case PVR_VSM_KIND_INTERCEPT:
            v->stats.icpt_crashes++;
            return PVR_VSM_ACT_CRASH;
        default:
            return 0;
        }
    }
    v->vp[vp].last_vtl = req.src_vtl;
    switch ( req.kind )
    {
    case PVR_VSM_KIND_HYPERCALL:
        return hypercall(v, vp, &req);
    case PVR_VSM_KIND_VIOLATION:
        return vtl__violation(v, vp, &req);
    case PVR_VSM_KIND_INTERCEPT:
        return vtl__intercept(v, vp, &req);
    default:
        return reg_event(v, vp, &req);
    }
}

uint64_t pvr_vtl_ioreq(void *opaque, unsigned int vcpu,
                       const pvr_ioreq_req *req)
{
    return pvr_vtl_request(opaque, vcpu, req->addr, req->data, req->count,
                           req->size);
}
