/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the VTL engine, shared by its files.
 */
#ifndef PVR_VTL_PRIV_H
#define PVR_VTL_PRIV_H

#include <stdbool.h>

#include "vtl/vtl.h"

#define VTL_COMP        "vtl"
#define VTL_MAX         1           /* the highest VTL a guest may enable */
#define VTL_NR          (VTL_MAX + 1)
#define VTL_PAGE        4096u       /* one hypercall input/output page */

/* VsmPartitionConfig (vsm-in-xen.md 4.2, hvdef L3710): bits 12:0. */
#define VSM_CFG_ENABLE_VTL_PROTECTION   (1ULL << 0)
#define VSM_CFG_DEFAULT_MASK(v)         (((v) >> 1) & 0xf)
#define VSM_CFG_DENY_LOWER_VTL_STARTUP  (1ULL << 6)
#define VSM_CFG_VALID                   0x1fffULL

struct vtl_vp {
    unsigned int enabled;           /* VTL bit set; bit 0 always */
    unsigned int last_vtl;          /* the VTL of its last request */
    uint64_t simp[VTL_NR];          /* HV_X64_MSR_SIMP per VTL */
    uint64_t vina[VTL_NR];
    uint64_t secure_cfg_vtl0;       /* VsmVpSecureConfigVtl0 */
    uint64_t cr_ctl, cr0_mask, cr4_mask, misc_mask;
};

struct pvr_vtl {
    pvr_port *port;
    uint32_t domid;
    unsigned int nr_vps;
    unsigned int reps_per_request;
    uint64_t code_page_offsets;

    unsigned int enabled;           /* partition's VTL set; bit 0 always */
    uint64_t config[VTL_NR];        /* VsmPartitionConfig, VTL1 only */
    bool altp2m_on;                 /* we turned altp2m on */
    bool views;                     /* view[] exist */
    uint16_t view[VTL_NR];

    struct vtl_vp vp[PVR_VTL_MAX_VPS];
    struct pvr_vtl_stats stats;
    /*
     * The VTL of the hypercall being decided, whose rights in its view
     * vtl__read and vtl__write check; VTL_NR outside a hypercall.
     */
    unsigned int caller_vtl;
};

/* One decoded kind 0 request and what it answers. */
struct vtl_call {
    unsigned int vp;                /* the calling VP */
    const struct pvr_vsm_req *req;
    unsigned int done;              /* reps completed (absolute) */
    uint64_t extra;                 /* answer bits above the reps */
};

/* Handlers: return an HV_STATUS; set c->done for rep calls. */
uint16_t vtl__enable_partition(pvr_vtl *v, struct vtl_call *c);
uint16_t vtl__enable_vp(pvr_vtl *v, struct vtl_call *c);
uint16_t vtl__modify_protection(pvr_vtl *v, struct vtl_call *c);
uint16_t vtl__get_registers(pvr_vtl *v, struct vtl_call *c);
uint16_t vtl__set_registers(pvr_vtl *v, struct vtl_call *c);
uint64_t vtl__violation(pvr_vtl *v, unsigned int vp,
                        const struct pvr_vsm_req *req);
uint64_t vtl__intercept(pvr_vtl *v, unsigned int vp,
                        const struct pvr_vsm_req *req);


/*
 * Shared input checks.  vtl__read_input reads len bytes at the input
 * GPA after the TLFS alignment rules: 8-byte aligned, not crossing a
 * page (INVALID_ALIGNMENT); a GPA outside RAM is INVALID_PARAMETER.
 */
uint16_t vtl__block_ok(uint64_t gpa, uint64_t len);
uint16_t vtl__read(pvr_vtl *v, uint64_t gpa, void *buf, size_t len);
uint16_t vtl__write(pvr_vtl *v, uint64_t gpa, const void *buf, size_t len);
/*
 * A rep call's input: a header of hdr bytes and rep_count elements of
 * elem bytes must lie in one page; copies the header and the elements
 * up to rep_start + *n_out into page (same offsets), *n_out being what
 * this request does: at most reps_per_request, 0 when none are left.
 */
uint16_t vtl__read_input(pvr_vtl *v, const struct vtl_call *c, size_t hdr,
                         size_t elem, uint8_t page[VTL_PAGE],
                         unsigned int *n_out);
/* PartitionId, VpIndex (HV_VP_INDEX_SELF allowed) and HV_INPUT_VTL. */
uint16_t vtl__partition_ok(uint64_t id);
uint16_t vtl__vp_ok(const pvr_vtl *v, const struct vtl_call *c,
                    uint32_t index, unsigned int *vp_out);
uint16_t vtl__target_vtl(const struct vtl_call *c, uint8_t input_vtl,
                         unsigned int *vtl_out);

static inline uint64_t vtl__le64(const uint8_t *p)
{
    uint64_t x = 0;
    int i;

    for ( i = 7; i >= 0; i-- )
        x = (x << 8) | p[i];
    return x;
}

static inline uint32_t vtl__le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline void vtl__put64(uint8_t *p, uint64_t x)
{
    int i;

    for ( i = 0; i < 8; i++ )
        p[i] = x >> (8 * i);
}

static inline void vtl__put32(uint8_t *p, uint32_t x)
{
    int i;

    for ( i = 0; i < 4; i++ )
        p[i] = x >> (8 * i);
}

#endif /* PVR_VTL_PRIV_H */
