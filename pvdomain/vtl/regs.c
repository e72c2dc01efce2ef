/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HvCallGetVpRegisters (0x50) and HvCallSetVpRegisters (0x51) for the
 * VSM registers (vsm-in-xen.md 4.2).  Xen forwards a call whose first
 * register name is a VSM one; a later name we do not serve fails that
 * rep with INVALID_PARAMETER, as an unknown name does.
 *
 * Input header (both): PartitionId 0:8, VpIndex 8:4, TargetVtl 12:1
 * (HV_INPUT_VTL), RsvdZ 13:3.  Get: a list of u32 names from offset 16,
 * 16-byte HV_REGISTER_VALUEs out.  Set: 32-byte elements from offset 16:
 * Name u32, RsvdZ 12 bytes, Value 16 bytes.
 */
#include <config.h>

#include <string.h>

#include "core/log.h"
#include "vtl/vtl_priv.h"

#define REG_HEADER          16u
#define GET_ELEM            4u
#define GET_OUT_ELEM        16u
#define SET_ELEM            32u

/* Layouts and reserved bits: vsm-in-xen.md 4.2. */
#define VINA_VALID          0x7ffULL        /* Vector, Enabled, AutoReset,
                                               AutoEoi */
#define CR_CTL_VALID        0x1ffffffULL    /* bits 24:0 */
#define CR0_MASK_VALID      0xffffffffULL   /* CR0 63:32 are reserved */

struct reg_ctx {
    pvr_vtl *v;
    const struct vtl_call *c;
    unsigned int vp;                /* the target VP */
    unsigned int vtl;               /* the target VTL */
};

/* Per-VTL instances exist only above VTL0 (VsmPartitionConfig etc.). */
static uint64_t *reg_slot(struct reg_ctx *r, uint32_t name)
{
    struct vtl_vp *p = &r->v->vp[r->vp];

    if ( r->vtl == 0 )
        return NULL;
    switch ( name )
    {
    case HV_REG_VSM_VINA:
        return &p->vina[r->vtl];
    case HV_REG_VSM_PARTITION_CONFIG:
        return &r->v->config[r->vtl];
    case HV_REG_VSM_VP_SECURE_CONFIG_VTL0:
        /* Set by a higher VTL for VTL n < it; only n = 0 exists here. */
        return &p->secure_cfg_vtl0;
    case HV_X64_REG_CR_INTERCEPT_CONTROL:
        return &p->cr_ctl;
    case HV_X64_REG_CR_INTERCEPT_CR0_MASK:
        return &p->cr0_mask;
    case HV_X64_REG_CR_INTERCEPT_CR4_MASK:
        return &p->cr4_mask;
    case HV_X64_REG_CR_INTERCEPT_MISC_MASK:
        return &p->misc_mask;
    default:
        return NULL;
    }
}

/* Unknown names, and instances that do not exist: INVALID_PARAMETER. */
static uint16_t reg_get(struct reg_ctx *r, uint32_t name, uint64_t *val)
{
    const struct vtl_vp *p = &r->v->vp[r->vp];
    uint64_t *slot;

    switch ( name )
    {
    case HV_REG_VSM_CODE_PAGE_OFFSETS:
        *val = r->v->code_page_offsets;
        return HV_STATUS_SUCCESS;
    case HV_REG_VSM_VP_STATUS:
        /* ActiveVtl 3:0, ActiveMbecEnabled 4 (never), EnabledVtlSet 31:16. */
        *val = (r->vp == r->c->vp ? r->c->req->src_vtl : p->last_vtl) |
               ((uint64_t)p->enabled << 16);
        return HV_STATUS_SUCCESS;
    case HV_REG_VSM_PARTITION_STATUS:
        /* EnabledVtlSet 15:0, MaximumVtl 19:16, MbecEnabledVtlSet 0. */
        *val = r->v->enabled | ((uint64_t)VTL_MAX << 16);
        return HV_STATUS_SUCCESS;
    case HV_REG_VSM_CAPABILITIES:
        /* No MBEC, DR6 private, no DenyLowerVtlStartup support bits. */
        *val = 0;
        return HV_STATUS_SUCCESS;
    default:
        slot = reg_slot(r, name);
        if ( !slot )
            return HV_STATUS_INVALID_PARAMETER;
        *val = *slot;
        return HV_STATUS_SUCCESS;
    }
}

/*
 * VsmPartitionConfig: EnableVtlProtection is write-once; the default
 * mask must let VTL0 keep every right it has (our views start rwx, and
 * OpenHCL's guest VSM accepts only that as well) [inf]; both fixed once
 * protection is on.  Reserved bits: INVALID_REGISTER_VALUE.
 */
static uint16_t config_ok(uint64_t old, uint64_t val)
{
    unsigned int mask = VSM_CFG_DEFAULT_MASK(val);

    if ( val & ~VSM_CFG_VALID )
        return HV_STATUS_INVALID_REGISTER_VALUE;
    if ( (old & VSM_CFG_ENABLE_VTL_PROTECTION) &&
         (!(val & VSM_CFG_ENABLE_VTL_PROTECTION) ||
          VSM_CFG_DEFAULT_MASK(old) != mask) )
        return HV_STATUS_INVALID_REGISTER_VALUE;
    if ( (val & VSM_CFG_ENABLE_VTL_PROTECTION) &&
         (mask & 0x7) != (HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE |
                          HV_MAP_GPA_KERNEL_EXECUTABLE) )
        return HV_STATUS_INVALID_REGISTER_VALUE;
    return HV_STATUS_SUCCESS;
}

static uint16_t reg_set(struct reg_ctx *r, uint32_t name, uint64_t val,
                        uint64_t hi)
{
    uint64_t *slot;
    uint16_t st = HV_STATUS_SUCCESS;

    switch ( name )
    {
    case HV_REG_VSM_CODE_PAGE_OFFSETS:
    case HV_REG_VSM_VP_STATUS:
    case HV_REG_VSM_PARTITION_STATUS:
    case HV_REG_VSM_CAPABILITIES:
        /*
         * Read-only (vsm-in-xen.md 4.2).  The TLFS names no status
         * ("cannot be used to modify the value of a read-only
         * register"): ACCESS_DENIED, as tests/guest/vsm expects [inf].
         */
        return HV_STATUS_ACCESS_DENIED;
    }
    slot = reg_slot(r, name);
    if ( !slot )
        return HV_STATUS_INVALID_PARAMETER;
    /* All of these are 64-bit: the upper half is reserved. */
    if ( hi )
        return HV_STATUS_INVALID_REGISTER_VALUE;
    switch ( name )
    {
    case HV_REG_VSM_VINA:
        if ( val & ~VINA_VALID )
            st = HV_STATUS_INVALID_REGISTER_VALUE;
        break;
    case HV_REG_VSM_PARTITION_CONFIG:
        st = config_ok(*slot, val);
        break;
    case HV_REG_VSM_VP_SECURE_CONFIG_VTL0:
        /* MbecEnabled: no MBEC; TlbLocked: refused (vsm-in-xen.md 4.5). */
        if ( val )
            st = HV_STATUS_INVALID_REGISTER_VALUE;
        break;
    case HV_X64_REG_CR_INTERCEPT_CONTROL:
        /*
         * Reserved bits, and intercepts Xen does not enforce (XCR0, the
         * reads, APIC base, descriptor tables, TSC_AUX, SGX): refused
         * rather than accepted and never delivered [inf].
         */
        if ( val & ~(CR_CTL_VALID & PVR_VTL_ICPT_SUPPORTED) )
            st = HV_STATUS_INVALID_REGISTER_VALUE;
        break;
    case HV_X64_REG_CR_INTERCEPT_CR0_MASK:
        if ( val & ~CR0_MASK_VALID )
            st = HV_STATUS_INVALID_REGISTER_VALUE;
        break;
    default:
        break;      /* the CR4 and misc masks: any value */
    }
    if ( st == HV_STATUS_SUCCESS )
        *slot = val;
    return st;
}

/*
 * Both calls' input (elements of elem bytes) into in, and the checks of
 * its header; out_len: the output list's size, to be in one page too.
 */
static uint16_t reg_input(pvr_vtl *v, const struct vtl_call *c, size_t elem,
                          uint64_t out_len, uint8_t in[VTL_PAGE],
                          unsigned int *n_out, struct reg_ctx *r)
{
    uint16_t st;

    if ( (st = vtl__read_input(v, c, REG_HEADER, elem, in, n_out)) )
        return st;
    if ( out_len && (st = vtl__block_ok(c->req->data, out_len)) )
        return st;
    if ( (st = vtl__partition_ok(vtl__le64(in))) )
        return st;
    if ( (st = vtl__vp_ok(v, c, vtl__le32(in + 8), &r->vp)) )
        return st;
    if ( in[13] || in[14] || in[15] )
        return HV_STATUS_INVALID_PARAMETER;
    if ( (st = vtl__target_vtl(c, in[12], &r->vtl)) )
        return st;
    r->v = v;
    r->c = c;
    return HV_STATUS_SUCCESS;
}

uint16_t vtl__get_registers(pvr_vtl *v, struct vtl_call *c)
{
    const struct pvr_vsm_req *req = c->req;
    uint8_t in[VTL_PAGE], out[VTL_PAGE];
    const uint8_t *names;
    struct reg_ctx r;
    unsigned int n, i;
    uint16_t st, wst;

    /* 16 output bytes a rep: at most 256 reps fit the output page. */
    if ( (st = reg_input(v, c, GET_ELEM, GET_OUT_ELEM * req->rep_count, in,
                         &n, &r)) || n == 0 )
        return st;
    names = in + REG_HEADER + GET_ELEM * req->rep_start;
    memset(out, 0, sizeof(out));
    for ( i = 0; i < n && st == HV_STATUS_SUCCESS; i++ )
    {
        uint64_t val;

        st = reg_get(&r, vtl__le32(names + GET_ELEM * i), &val);
        if ( st == HV_STATUS_SUCCESS )
            vtl__put64(out + GET_OUT_ELEM * i, val);
    }
    /* The values of the reps that completed, at their indices. */
    if ( st != HV_STATUS_SUCCESS )
        i--;
    if ( i )
    {
        wst = vtl__write(v, req->data + GET_OUT_ELEM * req->rep_start, out,
                         GET_OUT_ELEM * i);
        if ( wst )
            return wst;
    }
    c->done += i;
    return st;
}

uint16_t vtl__set_registers(pvr_vtl *v, struct vtl_call *c)
{
    uint8_t in[VTL_PAGE];
    const uint8_t *elems;
    struct reg_ctx r;
    unsigned int n, i;
    uint16_t st;

    if ( (st = reg_input(v, c, SET_ELEM, 0, in, &n, &r)) || n == 0 )
        return st;
    elems = in + REG_HEADER + SET_ELEM * c->req->rep_start;
    for ( i = 0; i < n; i++ )
    {
        const uint8_t *e = elems + SET_ELEM * i;

        /* RsvdZ after the name: INVALID_PARAMETER. */
        if ( vtl__le32(e + 4) || vtl__le64(e + 8) )
            return HV_STATUS_INVALID_PARAMETER;
        st = reg_set(&r, vtl__le32(e), vtl__le64(e + 16),
                     vtl__le64(e + 24));
        if ( st )
            return st;
        c->done++;
    }
    return HV_STATUS_SUCCESS;
}
