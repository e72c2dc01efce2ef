/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HvCallEnablePartitionVtl (0x0D) and HvCallEnableVpVtl (0x0F).
 *
 * Enabling VTL1 for the partition creates the two altp2m views Xen
 * switches between: VTL0's, which ModifyVtlProtectionMask restricts, and
 * VTL1's, which keeps full access.  Both start with every page rwx (the
 * DefaultVtlProtectionMask we accept is "all", see regs.c).
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "vtl/vtl_priv.h"

/* Input layouts: vsm-in-xen.md 4.1 (offset:size). */
#define EPV_SIZE            16      /* PartitionId 0:8 TargetVtl 8:1
                                       Flags 9:1 RsvdZ 10:6 */
#define EPV_FLAG_MBEC       0x01
#define EVV_SIZE            240     /* PartitionId 0:8 VpIndex 8:4
                                       TargetVtl 12:1 RsvdZ 13:3
                                       VpVtlContext 16:224 */

static bool all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        if ( p[i] )
            return false;
    return true;
}

/* Create both views (undone on failure).  0 or a negative errno. */
static int make_views(pvr_vtl *v)
{
    bool turned_on = false;
    int rc, i;

    if ( !v->altp2m_on )
    {
        rc = pvr_port_altp2m_set_domain_state(v->port, v->domid, true);
        if ( rc )
            return rc;
        turned_on = true;
    }
    for ( i = 0; i < VTL_NR; i++ )
    {
        rc = pvr_port_altp2m_create_view(v->port, v->domid, PVR_ACCESS_RWX,
                                         &v->view[i]);
        if ( rc )
            break;
    }
    /*
     * A violation of VTL0's view that no one hears must crash the guest,
     * never let Xen relax the page to rwx (issue 7): access_required.
     * Left set when the views go, as nothing can violate them then.
     */
    if ( rc == 0 &&
         (rc = pvr_port_altp2m_set_access_required(v->port, v->domid,
                                                   true)) )
        i = VTL_NR;
    if ( rc == 0 )
    {
        v->altp2m_on = true;
        v->views = true;
        return 0;
    }
    while ( --i >= 0 )
        pvr_port_altp2m_destroy_view(v->port, v->domid, v->view[i]);
    if ( turned_on )
        pvr_port_altp2m_set_domain_state(v->port, v->domid, false);
    return rc;
}

uint16_t vtl__enable_partition(pvr_vtl *v, struct vtl_call *c)
{
    const struct pvr_vsm_req *req = c->req;
    uint8_t in[EPV_SIZE];
    unsigned int target;
    uint16_t st;
    int rc;

    if ( req->fast )
    {
        /*
         * Fast form: the partition ID was in RDX, where HV_PARTITION_ID_SELF
         * does not fit the channel's 52 bits.  Xen checks it and sends 0
         * for "self" (vsm-channel); anything else it sends is taken as the
         * ID of another partition.  R8 holds the rest of the input.
         */
        vtl__put64(in, req->arg ? req->arg : HV_PARTITION_ID_SELF);
        vtl__put64(in + 8, req->data);
    }
    else if ( (st = vtl__read(v, req->arg, in, sizeof(in))) )
        return st;

    if ( (st = vtl__partition_ok(vtl__le64(in))) )
        return st;
    /* RsvdZ and undefined Flags bits: INVALID_PARAMETER. */
    if ( (in[9] & ~EPV_FLAG_MBEC) || !all_zero(in + 10, 6) )
        return HV_STATUS_INVALID_PARAMETER;
    /* We advertise no MBEC (vsm-in-xen.md 4.6 item 8). */
    if ( in[9] & EPV_FLAG_MBEC )
        return HV_STATUS_INVALID_PARAMETER;
    target = in[8];
    /* vsm-in-xen.md 4.1: a VTL above the maximum is INVALID_PARAMETER. */
    if ( target == 0 || target > VTL_MAX )
        return HV_STATUS_INVALID_PARAMETER;
    /* Already enabled: INVALID_VTL_STATE (as OpenVMM). */
    if ( v->enabled & (1u << target) )
        return HV_STATUS_INVALID_VTL_STATE;
    /*
     * TLFS: a VTL may enable lower VTLs, or the next higher one if it is
     * the highest enabled.  Only VTL0 reaches here (VTL1 is off).
     */
    if ( target > req->src_vtl + 1 )
        return HV_STATUS_ACCESS_DENIED;

    rc = make_views(v);
    if ( rc )
    {
        v->stats.port_errors++;
        pvr_log_e(PVR_LOG_ERROR, VTL_COMP, -rc, "altp2m views for VTL%u",
                  target);
        return HV_STATUS_INSUFFICIENT_MEMORY;
    }
    v->enabled |= 1u << target;
    c->extra = pvr_vsm_views_answer(v->view[0], v->view[1]);
    pvr_info(VTL_COMP, "VTL%u enabled: VTL0 view %u, VTL1 view %u", target,
             v->view[0], v->view[1]);
    return HV_STATUS_SUCCESS;
}

/*
 * HV_INITIAL_VP_CONTEXT (TLFS datatypes/hv_initial_vp_context.md):
 * Rip, Rsp, Rflags (0-23); Cs Ds Es Fs Gs Ss Tr Ldtr (16 bytes each,
 * 24-151); Idtr, Gdtr (16 each: 3 pads, limit, base; 152-183); Efer,
 * Cr0, Cr3, Cr4, MsrCrPat (184-223).  Offsets in the context.
 */
#define CTX_EFER            184
#define CTX_CR0             192
#define CTX_CR4             208
_Static_assert(CTX_EFER == 3 * 8 + 8 * 16 + 2 * 16, "HV_INITIAL_VP_CONTEXT");
#define CR0_PE              (1ULL << 0)
#define CR0_PG              (1ULL << 31)
#define CR4_PAE             (1ULL << 5)
#define EFER_LME            (1ULL << 8)

/*
 * The shape only: Xen loads the context and checks it in full
 * (arch_set_info_hvm_guest).  VTLs above 0 cannot run in real mode
 * (TLFS vsm.md), and paging modes must be ones the CPU has.
 */
static bool context_shape_ok(const uint8_t *ctx)
{
    uint64_t cr0 = vtl__le64(ctx + CTX_CR0);
    uint64_t cr4 = vtl__le64(ctx + CTX_CR4);
    uint64_t efer = vtl__le64(ctx + CTX_EFER);

    if ( !(cr0 & CR0_PE) )
        return false;
    if ( (efer & EFER_LME) && (cr0 & CR0_PG) && !(cr4 & CR4_PAE) )
        return false;
    return true;
}

static bool any_vp_has(const pvr_vtl *v, unsigned int vtl)
{
    unsigned int i;

    for ( i = 0; i < v->nr_vps; i++ )
        if ( v->vp[i].enabled & (1u << vtl) )
            return true;
    return false;
}

uint16_t vtl__enable_vp(pvr_vtl *v, struct vtl_call *c)
{
    const struct pvr_vsm_req *req = c->req;
    uint8_t in[EVV_SIZE];
    unsigned int target, vp;
    uint16_t st;

    if ( (st = vtl__read(v, req->arg, in, sizeof(in))) )
        return st;
    if ( (st = vtl__partition_ok(vtl__le64(in))) )
        return st;
    if ( (st = vtl__vp_ok(v, c, vtl__le32(in + 8), &vp)) )
        return st;
    if ( !all_zero(in + 13, 3) )
        return HV_STATUS_INVALID_PARAMETER;
    target = in[12];
    if ( target == 0 || target > VTL_MAX )
        return HV_STATUS_INVALID_PARAMETER;
    /* vsm-in-xen.md 4.1: the VTL must be enabled for the partition. */
    if ( !(v->enabled & (1u << target)) )
        return HV_STATUS_INVALID_VTL_STATE;
    /*
     * "Fails if already enabled on the VP" (TLFS HvCallEnableVpVtl):
     * checked first, so that VTL0 enabling its VP again hears why.
     */
    if ( v->vp[vp].enabled & (1u << target) )
        return HV_STATUS_INVALID_VTL_STATE;
    /*
     * Only a VTL at or above the target may enable it, except that VTL0
     * may enable VTL1 while it is still the highest VTL on every VP
     * (the boot VP's first enable); DenyLowerVtlStartup forbids that.
     */
    if ( req->src_vtl < target &&
         (any_vp_has(v, target) ||
          (v->config[target] & VSM_CFG_DENY_LOWER_VTL_STARTUP)) )
        return HV_STATUS_ACCESS_DENIED;
    if ( !context_shape_ok(in + 16) )
        return HV_STATUS_INVALID_PARAMETER;

    v->vp[vp].enabled |= 1u << target;
    pvr_info(VTL_COMP, "VTL%u enabled on vp%u", target, vp);
    return HV_STATUS_SUCCESS;
}
