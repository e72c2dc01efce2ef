/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VTL protections: HvCallModifyVtlProtectionMask (0x0C) sets per-page
 * access in VTL0's view, and a violation of it (kind 1) is reflected
 * into VTL1 as an HvX64MemoryInterceptMessage in its SIMP SINT0 slot.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "vtl/vtl_priv.h"

/* Input: PartitionId 0:8, MapFlags 8:4, TargetVtl 12:1, RsvdZ 13:3,
 * then one GPA page number (8 bytes) per rep (vsm-in-xen.md 4.1). */
#define MVP_HEADER          16u
#define MVP_ELEM            8u
#define GFN_LIMIT           (1ULL << 40)    /* 52-bit GPAs */

/*
 * MapFlags to altp2m rights.  Without MBEC the kernel-execute bit
 * decides execution and user-execute is ignored [inf: vsm.md's MBEC
 * section].  Our altp2m cannot express write or execute without read
 * (xen-patches refuse w, x, wx): such masks are INVALID_PARAMETER [inf].
 */
static int map_flags_access(uint32_t flags, enum pvr_access *out)
{
    unsigned int a = 0;

    if ( flags & ~HV_MAP_GPA_PERMISSIONS_ALL )
        return -EINVAL;
    if ( flags & HV_MAP_GPA_READABLE )
        a |= PVR_ACCESS_R;
    if ( flags & HV_MAP_GPA_WRITABLE )
        a |= PVR_ACCESS_W;
    if ( flags & HV_MAP_GPA_KERNEL_EXECUTABLE )
        a |= PVR_ACCESS_X;
    if ( a && !(a & PVR_ACCESS_R) )
        return -EINVAL;
    *out = a;
    return 0;
}

/* Checks of the header (in: its copy). */
static uint16_t mvp_header(pvr_vtl *v, struct vtl_call *c, const uint8_t *in,
                           enum pvr_access *acc_out)
{
    unsigned int target;
    uint16_t st;

    if ( (st = vtl__partition_ok(vtl__le64(in))) )
        return st;
    if ( in[13] || in[14] || in[15] )
        return HV_STATUS_INVALID_PARAMETER;
    /*
     * The target is the VTL whose protections change, which apply to
     * the VTLs below it: the caller's own by default (HV_INPUT_VTL
     * "current", as VTL1 kernels on Hyper-V pass), never a higher one
     * (ACCESS_DENIED); VTL0 imposes none (INVALID_PARAMETER, as OpenVMM).
     */
    if ( (st = vtl__target_vtl(c, in[12], &target)) )
        return st;
    if ( target == 0 )
        return HV_STATUS_INVALID_PARAMETER;
    /*
     * EnableVtlProtection must be set in the caller's VsmPartitionConfig
     * first (vsm-in-xen.md 4.1) [inf: INVALID_PARTITION_STATE].
     */
    if ( !(v->config[target] & VSM_CFG_ENABLE_VTL_PROTECTION) ||
         !v->views )
        return HV_STATUS_INVALID_PARTITION_STATE;
    if ( map_flags_access(vtl__le32(in + 8), acc_out) )
        return HV_STATUS_INVALID_PARAMETER;
    return HV_STATUS_SUCCESS;
}

uint16_t vtl__modify_protection(pvr_vtl *v, struct vtl_call *c)
{
    const uint8_t *list;
    uint8_t in[VTL_PAGE];
    enum pvr_access acc;
    unsigned int n, i;
    uint16_t st;
    int rc;

    /* The page holds at most (4096 - 16) / 8 = 510 elements. */
    if ( (st = vtl__read_input(v, c, MVP_HEADER, MVP_ELEM, in, &n)) ||
         (st = mvp_header(v, c, in, &acc)) )
        return st;
    list = in + MVP_HEADER + MVP_ELEM * c->req->rep_start;
    for ( i = 0; i < n; i++ )
    {
        uint64_t gfn = vtl__le64(list + MVP_ELEM * i);

        /* TLFS: a GPA that is not RAM is INVALID_PARAMETER. */
        if ( gfn >= GFN_LIMIT )
            return HV_STATUS_INVALID_PARAMETER;
        rc = pvr_port_altp2m_set_mem_access(v->port, v->domid, v->view[0],
                                            gfn, acc);
        if ( rc == -EINVAL || rc == -ESRCH || rc == -ENOENT )
        {
            PVR_LOG_GUEST(VTL_COMP, "protect gfn %#llx: not RAM",
                          (unsigned long long)gfn);
            return HV_STATUS_INVALID_PARAMETER;
        }
        if ( rc )
        {
            v->stats.port_errors++;
            pvr_log_e(PVR_LOG_ERROR, VTL_COMP, -rc, "protect gfn %#llx",
                      (unsigned long long)gfn);
            return HV_STATUS_INSUFFICIENT_MEMORY;
        }
        c->done++;
        v->stats.pages_protected++;
    }
    return HV_STATUS_SUCCESS;
}

/* ---- violations (kind 1) ---- */

/* HV_MESSAGE header, then HvX64MemoryInterceptMessage (vsm-in-xen.md 3.4). */
#define MSG_TYPE            0
#define MSG_PAYLOAD_SIZE    4
#define MSG_PAYLOAD         HV_MESSAGE_HEADER_SIZE
#define MI_VP_INDEX         (MSG_PAYLOAD + 0)
#define MI_ACCESS_TYPE      (MSG_PAYLOAD + 5)   /* 0 read 1 write 2 exec */
#define MI_EXEC_STATE       (MSG_PAYLOAD + 6)   /* vtl in bits 10:7 */
#define MI_CACHE_TYPE       (MSG_PAYLOAD + 40)
#define MI_ACCESS_INFO      (MSG_PAYLOAD + 45)  /* bit 0: gva valid */
#define MI_GVA              (MSG_PAYLOAD + 48)
#define MI_GPA              (MSG_PAYLOAD + 56)
#define MEM_TYPE_WB         6

static void build_message(uint8_t *m, unsigned int vp,
                          const struct pvr_vsm_req *req, uint64_t gpa)
{
    memset(m, 0, HV_MESSAGE_SIZE);
    m[MSG_PAYLOAD_SIZE] = HV_X64_MEMORY_INTERCEPT_SIZE;
    vtl__put32(m + MI_VP_INDEX, vp);
    vtl__put32(m + MSG_TYPE, HVMSG_GPA_INTERCEPT);
    m[MI_ACCESS_TYPE] = req->access & PVR_VSM_ACC_X ? 2
                      : req->access & PVR_VSM_ACC_W ? 1 : 0;
    /* execution_state.vtl = 0: violations happen in VTL0. */
    m[MI_EXEC_STATE] = 0;
    /*
     * Not in the channel: RIP, RFLAGS, CS, CPL, instruction bytes.  Left
     * zero here; Xen fills in all but the bytes when it enters VTL1
     * (xen-patches 0018).  Cache type: WB [inf].
     */
    m[MI_CACHE_TYPE] = MEM_TYPE_WB;
    if ( req->access & PVR_VSM_GLA_VALID )
    {
        m[MI_ACCESS_INFO] = 1;
        vtl__put64(m + MI_GVA, req->data);
    }
    vtl__put64(m + MI_GPA, gpa);
}

static uint64_t crash(pvr_vtl *v, unsigned int vp, uint64_t gpa,
                      const char *why)
{
    static struct pvr_ratelimit rl;

    v->stats.crashes++;
    /* An error, but one a guest causes: limited all the same. */
    if ( pvr_ratelimit_ok(&rl, VTL_COMP) )
        pvr_err(VTL_COMP, "vp%u: VTL violation at %#llx: %s: crashing the "
                "domain", vp, (unsigned long long)gpa, why);
    return PVR_VSM_ACT_CRASH;
}

/* Does VTL0's view (already) allow the access?  Then just retry. */
static bool now_allowed(pvr_vtl *v, uint64_t gpa, unsigned int access)
{
    enum pvr_access have;
    unsigned int want = access & (PVR_VSM_ACC_R | PVR_VSM_ACC_W |
                                  PVR_VSM_ACC_X);

    /* PVR_VSM_ACC_* and enum pvr_access share R 1, W 2, X 4. */
    if ( !want || pvr_port_altp2m_get_mem_access(v->port, v->domid,
                                                 v->view[0],
                                                 gpa >> PVR_PAGE_SHIFT,
                                                 &have) )
        return false;
    return ((unsigned int)have & want) == want;
}

uint64_t vtl__violation(pvr_vtl *v, unsigned int vp,
                        const struct pvr_vsm_req *req)
{
    struct vtl_vp *p = &v->vp[vp];
    uint8_t msg[HV_MESSAGE_SIZE];
    uint64_t gpa = req->arg & PVR_VSM_ADDR_MASK, slot;
    uint32_t busy;
    int rc;

    v->stats.violations++;
    if ( !(p->enabled & (1u << 1)) || !v->views )
        return crash(v, vp, gpa, "VTL1 is not enabled on this VP");
    if ( req->src_vtl != 0 )
        return crash(v, vp, gpa, "violation reported from VTL1");
    if ( now_allowed(v, gpa, req->access) )
        return PVR_VSM_ACT_RETRY;
    if ( !(p->simp[1] & HV_SIMP_ENABLE) )
        return crash(v, vp, gpa, "VTL1 has no SIMP page");
    /* SINT0's slot is the first HV_MESSAGE of the page (TLFS SynIC). */
    slot = p->simp[1] & ~(uint64_t)(PVR_PAGE_SIZE - 1);
    rc = pvr_port_guest_read(v->port, v->domid, slot, &busy, sizeof(busy));
    if ( rc )
        return crash(v, vp, gpa, "VTL1's SIMP page is not RAM");
    if ( busy != HVMSG_NONE )
    {
        /*
         * VTL1 has not taken its last message.  Retry would spin: VTL0
         * faults again at once, and VTL1, which alone frees the slot,
         * never runs.  Hyper-V queues the new message until VTL1's EOM;
         * with no queue here, enter VTL1 with the slot as it is: VTL1
         * handles the message it left, and when it returns VTL0 faults
         * again and gets its own (OpenVMM too relies on VTL0 faulting
         * again, vsm-in-xen.md 3.4).
         */
        v->stats.busy_slots++;
        return PVR_VSM_ACT_ENTER_VTL1;
    }
    build_message(msg, vp, req, gpa);
    rc = pvr_port_guest_write(v->port, v->domid, slot, msg, sizeof(msg));
    if ( rc )
    {
        v->stats.port_errors++;
        return crash(v, vp, gpa, "cannot write VTL1's SIMP page");
    }
    v->stats.delivered++;
    return PVR_VSM_ACT_ENTER_VTL1;
}
