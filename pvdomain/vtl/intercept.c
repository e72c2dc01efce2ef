/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Secure intercepts (kind 3): a VTL0 write of CR0, CR4 or an MSR that
 * VTL1 intercepts with HvX64RegisterCrInterceptControl (and the CR0/CR4
 * masks) is reflected into VTL1 as an HvX64RegisterInterceptMessage or
 * an HvX64MsrInterceptMessage in its SIMP SINT0 slot (vsm-in-xen.md 4.2
 * and 4.4), like a violation's GpaIntercept message.
 *
 * Xen sends the write before executing it (VTL0's RIP on the
 * instruction); VTL1 completes it as the TLFS says, by setting VTL0's
 * registers with HvCallSetVpRegisters (RIP past the instruction, and the
 * new value if it allows the write), which Xen does itself.
 */
#include <config.h>

#include <string.h>

#include "core/log.h"
#include "vtl/vtl_priv.h"

/* HV_MESSAGE, HvX64InterceptMessageHeader, then the body at 0x28. */
#define MSG_TYPE            0
#define MSG_PAYLOAD_SIZE    4
#define MSG_PAYLOAD         HV_MESSAGE_HEADER_SIZE
#define IM_VP_INDEX         (MSG_PAYLOAD + 0)
#define IM_ACCESS_TYPE      (MSG_PAYLOAD + 5)   /* 1: write */
#define IM_BODY             (MSG_PAYLOAD + 0x28)
#define IM_SIZE             0x40u               /* both messages */
/* HvX64RegisterInterceptMessage: flags 0x28 (IsMemoryOp 0), name 0x2c,
 * access info 0x30 (the source value, 128 bits). */
#define RI_NAME             (MSG_PAYLOAD + 0x2c)
#define RI_VALUE            (MSG_PAYLOAD + 0x30)
/* HvX64MsrInterceptMessage: MSR 0x28, RDX 0x30, RAX 0x38. */
#define MI_MSR              (MSG_PAYLOAD + 0x28)
#define MI_RDX              (MSG_PAYLOAD + 0x30)
#define MI_RAX              (MSG_PAYLOAD + 0x38)
#define ACCESS_WRITE        1

static const struct {
    uint32_t msr;
    uint32_t bit;               /* in CrInterceptControl */
} msrs[] = {
    { 0xc0000082u, PVR_VTL_ICPT_LSTAR },
    { 0xc0000081u, PVR_VTL_ICPT_STAR },
    { 0xc0000083u, PVR_VTL_ICPT_CSTAR },
    { 0xc0000080u, PVR_VTL_ICPT_EFER },
    { 0x00000174u, PVR_VTL_ICPT_SYSENTER_CS },
    { 0x00000176u, PVR_VTL_ICPT_SYSENTER_EIP },
    { 0x00000175u, PVR_VTL_ICPT_SYSENTER_ESP },
    { 0xc0000084u, PVR_VTL_ICPT_SFMASK },
};

/* Does VTL1 (still) intercept this write?  Xen's copy may be older. */
static bool wanted(const struct vtl_vp *p, const struct pvr_vsm_req *req)
{
    unsigned int i;

    if ( !(req->access & PVR_VSM_ICPT_MSR) )
        return req->arg == HV_X64_REG_CR0
               ? (p->cr_ctl & PVR_VTL_ICPT_CR0) && p->cr0_mask
               : req->arg == HV_X64_REG_CR4 &&
                 (p->cr_ctl & PVR_VTL_ICPT_CR4) && p->cr4_mask;
    for ( i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++ )
        if ( msrs[i].msr == req->arg )
            return p->cr_ctl & msrs[i].bit;
    return false;
}

static void build_message(uint8_t *m, unsigned int vp,
                          const struct pvr_vsm_req *req)
{
    bool msr = req->access & PVR_VSM_ICPT_MSR;

    memset(m, 0, HV_MESSAGE_SIZE);
    vtl__put32(m + MSG_TYPE, msr ? HVMSG_X64_MSR_INTERCEPT
                                 : HVMSG_X64_REGISTER_INTERCEPT);
    m[MSG_PAYLOAD_SIZE] = IM_SIZE;
    vtl__put32(m + IM_VP_INDEX, vp);
    m[IM_ACCESS_TYPE] = ACCESS_WRITE;
    /*
     * Instruction length, CS, RIP, RFLAGS and the execution state are not
     * in the channel: Xen fills them in when it enters VTL1.
     */
    if ( msr )
    {
        vtl__put32(m + MI_MSR, req->arg);
        vtl__put64(m + MI_RDX, req->data >> 32);
        vtl__put64(m + MI_RAX, req->data & 0xffffffffu);
    }
    else
    {
        vtl__put32(m + RI_NAME, req->arg);
        vtl__put64(m + RI_VALUE, req->data);
    }
}

uint64_t vtl__intercept(pvr_vtl *v, unsigned int vp,
                        const struct pvr_vsm_req *req)
{
    struct vtl_vp *p = &v->vp[vp];
    uint8_t msg[HV_MESSAGE_SIZE];
    uint64_t slot;
    uint32_t busy;

    v->stats.intercepts++;
    if ( !(p->enabled & (1u << 1)) || req->src_vtl != 0 ||
         req->arg > 0xffffffffu )
    {
        /* Xen sends intercepts only from VTL0 with VTL1 enabled. */
        v->stats.icpt_crashes++;
        PVR_LOG_GUEST(VTL_COMP, "vp%u: intercept of %#llx from vtl %u, VTL1 "
                      "%s: crashing the domain", vp,
                      (unsigned long long)req->arg, req->src_vtl,
                      p->enabled & 2 ? "enabled" : "not enabled");
        return PVR_VSM_ACT_CRASH;
    }
    /*
     * Not (or no longer) intercepted, or VTL1 has no SIMP to take the
     * message: the write executes, as VTL1 asked for nothing it can see.
     */
    if ( !wanted(p, req) || !(p->simp[1] & HV_SIMP_ENABLE) )
    {
        v->stats.icpt_executed++;
        PVR_LOG_GUEST(VTL_COMP, "vp%u: intercept of %#llx executed: %s", vp,
                      (unsigned long long)req->arg,
                      wanted(p, req) ? "VTL1 has no SIMP" : "not intercepted");
        return PVR_VSM_ACT_EXECUTE;
    }
    slot = p->simp[1] & ~(uint64_t)(PVR_PAGE_SIZE - 1);
    if ( pvr_port_guest_read(v->port, v->domid, slot, &busy, sizeof(busy)) )
    {
        v->stats.icpt_crashes++;
        PVR_LOG_GUEST(VTL_COMP, "vp%u: VTL1's SIMP %#llx is not RAM", vp,
                      (unsigned long long)slot);
        return PVR_VSM_ACT_CRASH;
    }
    if ( busy != HVMSG_NONE )
    {
        /* As for violations: VTL1 takes its old message, VTL0 retries. */
        v->stats.icpt_busy++;
        return PVR_VSM_ACT_ENTER_VTL1;
    }
    build_message(msg, vp, req);
    if ( pvr_port_guest_write(v->port, v->domid, slot, msg, sizeof(msg)) )
    {
        v->stats.port_errors++;
        v->stats.icpt_crashes++;
        pvr_err(VTL_COMP, "vp%u: cannot write VTL1's SIMP", vp);
        return PVR_VSM_ACT_CRASH;
    }
    v->stats.icpt_delivered++;
    return PVR_VSM_ACT_ENTER_VTL1;
}
