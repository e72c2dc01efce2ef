/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VTL protections over the sim: HvCallModifyVtlProtectionMask turned
 * into per-page rights in VTL0's view (with rep continuation), the
 * violation message in VTL1's SIMP, and hostile requests.
 *
 * Proves: rights land in VTL0's view only, as pvr_sim_altp2m_access
 * sees them from a vCPU in each view; a long list is done in bounded
 * batches that Xen re-issues; a bad page stops the list at its index;
 * a violation becomes an HvX64MemoryInterceptMessage byte for byte in
 * the SINT0 slot, a busy slot enters VTL1 with the old message left as it
 * is (a retry would spin), and no VTL1, no SIMP or a
 * bad SIMP crash the domain; with two VPs, VTL1 on vp1 enabled from
 * vp0's VTL1 and each VP's violation in its own VTL1's SIMP; a VTL0
 * caller's input or output GPA in a page VTL1 took R or W from is
 * ACCESS_DENIED, the page untouched; thousands of random requests neither crash
 * the engine nor get an answer outside the channel's values.
 * Cannot prove: that Xen fills in VTL0's CS, RIP, RFLAGS and CPL, which
 * the channel does not carry (xen-patches 0018; the vsm-xtf job checks
 * the RIP on real Xen).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "core/log.h"
#include "tests/unit/test_vtl_env.h"

#define PAGE0       0x100           /* first page protected */

/* VSM on with VTL1 on vp0 and protection enabled, from vp0. */
static void vsm_on(struct env *e, unsigned int reps)
{
    env_open(e, 2, reps);
    REQUIRE(st_of(enable_partition(e)) == HV_STATUS_SUCCESS);
    REQUIRE(st_of(enable_vp(e, 0, 0, 0)) == HV_STATUS_SUCCESS);
    REQUIRE(set_reg(e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x1f) == 0);
}

/* ModifyVtlProtectionMask from vp0 in VTL1 over n pages from gfn. */
static uint64_t protect(struct env *e, uint32_t flags, uint8_t input_vtl,
                        uint64_t gfn, unsigned int n)
{
    unsigned int i;

    header(e, HV_PARTITION_ID_SELF, flags, input_vtl, 0);
    for ( i = 0; i < n && 16 + 8 * i < 4096; i++ )
        put64(e, IN_GPA + 16 + 8 * i, gfn + i);
    return hcall(e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, n, IN_GPA, 0);
}

/* Switch every vCPU to VTL vtl's view, as Xen does on a VTL switch. */
static void in_view(struct env *e, unsigned int vtl)
{
    uint16_t v[2];

    REQUIRE(pvr_vtl_views(e->vtl, &v[0], &v[1]) == 0);
    REQUIRE(pvr_port_altp2m_switch_view(e->st.port, e->st.domid,
                                        v[vtl]) == 0);
}

static int may(struct env *e, uint64_t gfn, enum pvr_access want)
{
    return pvr_sim_altp2m_access(e->st.sim, 0, gfn, want);
}

static void test_modify(void)
{
    unsigned int n, i, changed, mid = 0;
    struct pvr_vtl_stats s;
    struct env e;
    uint64_t a;

    env_open(&e, 2, 4);
    REQUIRE(st_of(enable_partition(&e)) == HV_STATUS_SUCCESS);
    REQUIRE(st_of(enable_vp(&e, 0, 0, 0)) == HV_STATUS_SUCCESS);
    /* Before EnableVtlProtection. */
    CHECK_EQ(st_of(protect(&e, 1, 0, PAGE0, 1)),
             HV_STATUS_INVALID_PARTITION_STATE);
    REQUIRE(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x1f) == 0);

    /* 18 pages read-only in batches of 4: five requests. */
    a = protect(&e, HV_MAP_GPA_READABLE, 0, PAGE0, 18);
    CHECK_EQ(st_of(a), HV_STATUS_SUCCESS);
    CHECK_EQ(pvr_vsm_answer_reps(a), 18);
    CHECK_EQ(e.requests, 5);
    in_view(&e, 0);
    CHECK_EQ(may(&e, PAGE0, PVR_ACCESS_R), 0);
    CHECK_EQ(may(&e, PAGE0, PVR_ACCESS_W), -EACCES);
    CHECK_EQ(may(&e, PAGE0 + 17, PVR_ACCESS_X), -EACCES);
    CHECK_EQ(may(&e, PAGE0 + 18, PVR_ACCESS_W), 0);
    CHECK_EQ(may(&e, PAGE0 - 1, PVR_ACCESS_X), 0);
    in_view(&e, 1);
    CHECK_EQ(may(&e, PAGE0, PVR_ACCESS_RWX), 0);     /* VTL1 keeps all */

    /* Execute without write; none; back to all. */
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE |
                           HV_MAP_GPA_KERNEL_EXECUTABLE |
                           HV_MAP_GPA_USER_EXECUTABLE, 0, PAGE0, 1)), 0);
    CHECK_EQ(st_of(protect(&e, 0, 0, PAGE0 + 1, 1)), 0);
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_PERMISSIONS_ALL, 0, PAGE0 + 2, 1)),
             0);
    in_view(&e, 0);
    CHECK_EQ(may(&e, PAGE0, PVR_ACCESS_RX), 0);
    CHECK_EQ(may(&e, PAGE0, PVR_ACCESS_W), -EACCES);
    CHECK_EQ(may(&e, PAGE0 + 1, PVR_ACCESS_R), -EACCES);
    CHECK_EQ(may(&e, PAGE0 + 2, PVR_ACCESS_RWX), 0);

    /* Flags: write or execute without read, undefined bits. */
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_WRITABLE, 0, PAGE0, 1)),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_KERNEL_EXECUTABLE, 0, PAGE0, 1)),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(st_of(protect(&e, 0x11, 0, PAGE0, 1)),
             HV_STATUS_INVALID_PARAMETER);
    /*
     * VTLs: its own named explicitly works; VTL0's protections and a
     * higher VTL's do not; reserved bits; VTL0 calling.
     */
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_PERMISSIONS_ALL,
                           HV_INPUT_VTL_USE | 1, PAGE0 + 3, 1)), 0);
    CHECK_EQ(st_of(protect(&e, 1, HV_INPUT_VTL_USE | 0, PAGE0, 1)),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(st_of(protect(&e, 1, HV_INPUT_VTL_USE | 2, PAGE0, 1)),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(st_of(protect(&e, 1, 0x40, PAGE0, 1)),
             HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 1, 0, 0);
    put64(&e, IN_GPA + 16, PAGE0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                         IN_GPA, 0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 1, HV_INPUT_VTL_USE | 1, 0);
    put64(&e, IN_GPA + 16, PAGE0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                         IN_GPA, 0)), HV_STATUS_ACCESS_DENIED);
    header(&e, 0, 1, 0, 0);
    CHECK_EQ(st_of(hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                         IN_GPA, 0)), HV_STATUS_INVALID_PARTITION_ID);
    header(&e, HV_PARTITION_ID_SELF, 1, 0, 1);
    CHECK_EQ(st_of(hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                         IN_GPA, 0)), HV_STATUS_INVALID_PARAMETER);

    /* Lists: past the page, a start beyond the count. */
    CHECK_EQ(st_of(protect(&e, 1, 0, PAGE0, 511)),
             HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(vsm_post(&e, 0, pvr_vsm_addr(0, IN_GPA), 0,
                            pvr_vsm_hcall_count(
                                HVCALL_MODIFY_VTL_PROTECTION_MASK, 2, 1),
                            pvr_vsm_hcall_size(3, false, false))),
             HV_STATUS_INVALID_HYPERCALL_INPUT);

    /* A page outside RAM stops the list at its index. */
    header(&e, HV_PARTITION_ID_SELF, HV_MAP_GPA_READABLE, 0, 0);
    put64(&e, IN_GPA + 16, PAGE0 + 40);
    put64(&e, IN_GPA + 24, PAGE0 + 41);
    put64(&e, IN_GPA + 32, NOT_RAM >> 12);
    put64(&e, IN_GPA + 40, PAGE0 + 42);
    a = hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 4, IN_GPA, 0);
    CHECK_EQ(st_of(a), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(pvr_vsm_answer_reps(a), 2);
    CHECK_EQ(may(&e, PAGE0 + 41, PVR_ACCESS_W), -EACCES);
    CHECK_EQ(may(&e, PAGE0 + 42, PVR_ACCESS_W), 0);
    put64(&e, IN_GPA + 32, 1ULL << 40);
    CHECK_EQ(st_of(hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 4,
                         IN_GPA, 0)), HV_STATUS_INVALID_PARAMETER);

    /*
     * Each hypervisor call fails in turn: reps completed is exactly the
     * number of pages whose rights changed.
     */
    for ( n = 1; n < 40; n++ )
    {
        CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_PERMISSIONS_ALL, 0,
                               PAGE0 + 50, 4)), 0);
        header(&e, HV_PARTITION_ID_SELF, HV_MAP_GPA_READABLE, 0, 0);
        for ( i = 0; i < 4; i++ )
            put64(&e, IN_GPA + 16 + 8 * i, PAGE0 + 50 + i);
        pvr_port_fail_nth(e.st.port, n);
        a = pvr_vtl_request(e.vtl, 0, pvr_vsm_addr(0, IN_GPA), 0,
                            pvr_vsm_hcall_count(
                                HVCALL_MODIFY_VTL_PROTECTION_MASK, 4, 1), 0);
        pvr_port_fail_nth(e.st.port, 0);
        for ( i = 0, changed = 0; i < 4; i++ )
            changed += may(&e, PAGE0 + 50 + i, PVR_ACCESS_W) == -EACCES;
        CHECK_EQ(pvr_vsm_answer_reps(a), changed);
        if ( st_of(a) == HV_STATUS_SUCCESS )
            break;
        CHECK_EQ(st_of(a), HV_STATUS_INSUFFICIENT_MEMORY);
        mid += changed > 0 && changed < 4;
    }
    CHECK_EQ(st_of(a), HV_STATUS_SUCCESS);
    CHECK_EQ(mid, 3);                   /* failed at pages 2, 3 and 4 */
    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.port_errors, n - 1);
    env_close(&e);
}

/* A violation from vp, as Xen reports it. */
static uint64_t violate(struct env *e, unsigned int vp, unsigned int vtl,
                        uint64_t gpa, unsigned int access, uint64_t gla)
{
    return vsm_post(e, vp, pvr_vsm_addr(PVR_VSM_KIND_VIOLATION, gpa), gla,
                    access | (uint32_t)vtl << 28, 0);
}

static void simp(struct env *e, unsigned int vp, unsigned int vtl,
                 uint64_t val)
{
    CHECK_EQ(vsm_post(e, vp, pvr_vsm_addr(PVR_VSM_KIND_REGISTER,
                                          HV_X64_MSR_SIMP), val,
                      (uint32_t)vtl << 28, 0), 0);
}

static void test_violation(void)
{
    const uint64_t gpa = (PAGE0 << 12) + 0x123;
    const uint64_t gla = 0xfffff80000100123ULL;
    struct pvr_vtl_stats s;
    uint8_t *m, want[256];
    struct env e;
    unsigned int i;

    vsm_on(&e, 0);
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE, 0, PAGE0, 1)), 0);

    /* No SIMP yet, then only VTL0's: nowhere to post. */
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);
    simp(&e, 0, 0, SIMP_GPA | 1);
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);
    simp(&e, 0, 1, SIMP_GPA);                   /* not enabled */
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);
    simp(&e, 0, 1, NOT_RAM | 1);
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);

    simp(&e, 0, 1, SIMP_GPA | 1);
    m = gmem(&e, SIMP_GPA);
    memset(m, 0, 4096);
    memset(m + 256, 0xee, 256);                 /* SINT1's slot */
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W | PVR_VSM_GLA_VALID, gla),
             PVR_VSM_ACT_ENTER_VTL1);
    /* HV_MESSAGE + HvX64MemoryInterceptMessage, byte by byte. */
    memset(want, 0, sizeof(want));
    want[0] = 0x01; want[3] = 0x80;             /* GpaIntercept */
    want[4] = 0x50;                             /* payload size */
    want[16 + 5] = 1;                           /* write */
    want[16 + 40] = 6;                          /* cache type WB */
    want[16 + 45] = 1;                          /* gva valid */
    for ( i = 0; i < 8; i++ )
    {
        want[16 + 48 + i] = gla >> (8 * i);
        want[16 + 56 + i] = gpa >> (8 * i);
    }
    for ( i = 0; i < 256; i++ )
        if ( m[i] != want[i] )
        {
            fprintf(stderr, "message byte %u: %#x, want %#x\n", i, m[i],
                    want[i]);
            CHECK(m[i] == want[i]);
        }
    CHECK_EQ(m[256], 0xee);                     /* nothing beyond */

    /* The slot is busy until VTL1 takes the message: VTL1 gets it again. */
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_X, 0),
             PVR_VSM_ACT_ENTER_VTL1);
    CHECK_EQ(m[16 + 5], 1);
    memset(m, 0, 4);                            /* message type NONE */
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_X, 0),
             PVR_VSM_ACT_ENTER_VTL1);
    CHECK_EQ(m[16 + 5], 2);                     /* execute */
    CHECK_EQ(m[16 + 45], 0);
    CHECK_EQ(get64(&e, SIMP_GPA + 16 + 48), 0);
    /* A read the page allows by now: just retry. */
    memset(m, 0, 4);
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_R, 0), PVR_VSM_ACT_RETRY);
    CHECK_EQ(m[0], 0);

    /* vp1 has no VTL1; a violation "from VTL1" is nonsense. */
    CHECK_EQ(violate(&e, 1, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);
    CHECK_EQ(violate(&e, 0, 1, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);

    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.violations, 10);
    CHECK_EQ(s.delivered, 2);
    CHECK_EQ(s.busy_slots, 1);
    CHECK_EQ(s.crashes, 6);
    env_close(&e);

    /* A violation before VTL1 exists at all. */
    env_open(&e, 2, 0);
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0), PVR_VSM_ACT_CRASH);
    env_close(&e);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/*
 * Two VPs in different VTLs (the guest's phase smp): vp0's VTL1 enables
 * VTL1 on vp1, each VTL1 has its own SIMP, and while vp0 is in VTL1
 * (its 0x0C requests carry source VTL 1) vp1's VTL0 violation is posted
 * to vp1's SIMP only, with vp1's index in the message.
 */
static void test_two_vps(void)
{
    const uint64_t gpa = (PAGE0 << 12) + 0x40;
    const uint64_t simp1 = SIMP_GPA + 0x1000;
    struct pvr_vtl_stats s;
    uint8_t *m0, *m1;
    struct env e;

    vsm_on(&e, 0);
    /* vp1's VTL0 cannot ask (VTL1 exists on vp0 by now); vp0's VTL1 can. */
    CHECK_EQ(st_of(enable_vp(&e, 1, 0, 1)), HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(st_of(enable_vp(&e, 0, 1, 1)), HV_STATUS_SUCCESS);
    CHECK_EQ(st_of(enable_vp(&e, 0, 1, 1)), HV_STATUS_INVALID_VTL_STATE);
    simp(&e, 0, 1, SIMP_GPA | 1);
    simp(&e, 1, 1, simp1 | 1);
    m0 = gmem(&e, SIMP_GPA);
    m1 = gmem(&e, simp1);
    memset(m0, 0, 4096);
    memset(m1, 0, 4096);

    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE, 0, PAGE0, 1)), 0);
    CHECK_EQ(violate(&e, 1, 0, gpa, PVR_VSM_ACC_W, 0),
             PVR_VSM_ACT_ENTER_VTL1);
    CHECK_EQ(get32(m1), 0x80000001u);
    CHECK_EQ(get64(&e, simp1 + 16 + 56), gpa);
    CHECK_EQ(get32(m1 + 16), 1);                  /* VpIndex */
    CHECK_EQ(get32(m0), 0);             /* vp0's slot untouched */
    /* vp0's VTL1 gives W back while vp1's VTL1 holds its message. */
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE |
                           HV_MAP_GPA_KERNEL_EXECUTABLE, 0, PAGE0, 1)), 0);
    /* vp0's own violation goes to vp0's SIMP, vp1's slot stays busy. */
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE, 0, PAGE0, 1)), 0);
    CHECK_EQ(violate(&e, 0, 0, gpa, PVR_VSM_ACC_W, 0),
             PVR_VSM_ACT_ENTER_VTL1);
    CHECK_EQ(get32(m0), 0x80000001u);
    CHECK_EQ(get32(m0 + 16), 0);
    CHECK_EQ(get32(m1 + 16), 1);
    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.delivered, 2);
    CHECK_EQ(s.busy_slots, 0);
    CHECK_EQ(s.reg_events, 2);
    env_close(&e);
}

/* A secure intercept from vp at VTL vtl, as Xen sends it (kind 3). */
static uint64_t icpt(struct env *e, unsigned int vp, unsigned int vtl,
                     bool msr, uint64_t name, uint64_t val)
{
    return vsm_post(e, vp, pvr_vsm_addr(PVR_VSM_KIND_INTERCEPT, name), val,
                    (msr ? PVR_VSM_ICPT_MSR : 0) | (uint32_t)vtl << 28, 0);
}

static void test_intercept(void)
{
    const uint64_t cr0 = 0x80000011ULL;         /* PG, ET, PE: WP cleared */
    struct pvr_vtl_stats s;
    uint8_t *m, want[256];
    struct env e;
    unsigned int i;

    vsm_on(&e, 0);
    /* Not intercepted (yet): Xen's copy was stale, the write executes. */
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR0, cr0),
             PVR_VSM_ACT_EXECUTE);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL,
                     PVR_VTL_ICPT_CR0 | PVR_VTL_ICPT_SYSENTER_EIP), 0);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CR0_MASK, 1u << 16), 0);
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR4, 0x20), PVR_VSM_ACT_EXECUTE);
    CHECK_EQ(icpt(&e, 0, 0, true, 0xc0000082u, 1), PVR_VSM_ACT_EXECUTE);
    /* Intercepted, but VTL1 has no SIMP: nowhere to post, it executes. */
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR0, cr0), PVR_VSM_ACT_EXECUTE);
    simp(&e, 0, 1, NOT_RAM | 1);
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR0, cr0), PVR_VSM_ACT_CRASH);

    simp(&e, 0, 1, SIMP_GPA | 1);
    m = gmem(&e, SIMP_GPA);
    memset(m, 0, 4096);
    memset(m + 256, 0xee, 256);                 /* SINT1's slot */
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR0, cr0),
             PVR_VSM_ACT_ENTER_VTL1);
    /* HV_MESSAGE + HvX64RegisterInterceptMessage, byte by byte. */
    memset(want, 0, sizeof(want));
    want[0] = 0x06; want[1] = 0x00; want[2] = 0x01; want[3] = 0x80;
    want[4] = 0x40;                             /* payload size */
    want[16 + 5] = 1;                           /* write */
    want[16 + 0x2e] = 0x04;                     /* name 0x00040000 */
    for ( i = 0; i < 8; i++ )
        want[16 + 0x30 + i] = cr0 >> (8 * i);
    for ( i = 0; i < 256; i++ )
        if ( m[i] != want[i] )
        {
            fprintf(stderr, "message byte %u: %#x, want %#x\n", i, m[i],
                    want[i]);
            CHECK(m[i] == want[i]);
        }
    CHECK_EQ(m[256], 0xee);
    /* Busy slot: VTL1 takes its old message first. */
    CHECK_EQ(icpt(&e, 0, 0, true, 0x176, 0x1234567890ULL),
             PVR_VSM_ACT_ENTER_VTL1);
    CHECK_EQ(m[0], 0x06);
    memset(m, 0, 4);
    CHECK_EQ(icpt(&e, 0, 0, true, 0x176, 0x1234567890ULL),
             PVR_VSM_ACT_ENTER_VTL1);
    /* HvX64MsrInterceptMessage: MSR, RDX, RAX. */
    CHECK_EQ(get32(m), 0x80010001u);
    CHECK_EQ(m[4], 0x40);
    CHECK_EQ(m[16 + 5], 1);
    CHECK_EQ(get32(m + 16 + 0x28), 0x176);
    CHECK_EQ(get64(&e, SIMP_GPA + 16 + 0x30), 0x12);
    CHECK_EQ(get64(&e, SIMP_GPA + 16 + 0x38), 0x34567890);

    /* From VTL1, on a VP without VTL1, or a name beyond 32 bits: Xen's
     * bug or a forger's, crash. */
    memset(m, 0, 4);
    CHECK_EQ(icpt(&e, 0, 1, false, HV_X64_REG_CR0, cr0), PVR_VSM_ACT_CRASH);
    CHECK_EQ(icpt(&e, 1, 0, false, HV_X64_REG_CR0, cr0), PVR_VSM_ACT_CRASH);
    CHECK_EQ(icpt(&e, 0, 0, true, 0x100000176ULL, 0), PVR_VSM_ACT_CRASH);
    CHECK_EQ(m[0], 0);

    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.intercepts, 11);
    CHECK_EQ(s.icpt_executed, 4);
    CHECK_EQ(s.icpt_delivered, 2);
    CHECK_EQ(s.icpt_busy, 1);
    CHECK_EQ(s.icpt_crashes, 4);
    CHECK_EQ(s.delivered + s.busy_slots + s.crashes, 0);
    env_close(&e);

    /* Before VTL1 exists. */
    env_open(&e, 2, 0);
    CHECK_EQ(icpt(&e, 0, 0, false, HV_X64_REG_CR0, cr0), PVR_VSM_ACT_CRASH);
    env_close(&e);
}

/* A known answer for what was asked. */
static bool answer_ok(unsigned int kind, uint64_t a)
{
    static const uint16_t statuses[] = {
        0x0, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xd, 0xe, 0x50, 0x51,
    };
    unsigned int i;

    if ( kind == PVR_VSM_KIND_VIOLATION || kind == PVR_VSM_KIND_INTERCEPT )
        return a <= PVR_VSM_ACT_CRASH;
    if ( kind != PVR_VSM_KIND_HYPERCALL )
        return a == 0;
    for ( i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++ )
        if ( st_of(a) == statuses[i] )
            return (a & 0xffff0000ULL) == 0 &&
                   (a >> 44 & 0xf) == 0 &&
                   (st_of(a) == 0 || (a >> 48) == 0);
    return false;
}

static void test_hostile(void)
{
    static const uint16_t codes[] = { 0x0c, 0x0d, 0x0f, 0x50, 0x51, 0x11 };
    struct pvr_vtl_stats s;
    unsigned int i, bad = 0;
    struct env e;

    vsm_on(&e, 8);
    srand(7);
    for ( i = 0; i < 20000; i++ )
    {
        unsigned int kind = rand() % 4, j;
        uint64_t addr, data, a;
        uint32_t count, size;

        /* Mostly plausible fields, sometimes anything. */
        addr = rand() % 3 ? IN_GPA + (rand() % 4 ? 0 : rand() % 4096)
                          : (uint64_t)rand() << 33 ^ rand();
        data = rand() % 2 ? OUT_GPA : (uint64_t)rand() << 31 ^ rand();
        count = codes[rand() % 6] | (rand() % 3 ? (uint32_t)(rand() % 16) << 16
                                               : (uint32_t)rand() << 16) |
                (rand() % 4 ? (uint32_t)(rand() % 2) << 28 : 0);
        if ( kind == PVR_VSM_KIND_REGISTER )
            addr = rand() % 2 ? HV_X64_MSR_SIMP : (uint64_t)rand();
        size = rand() % 4 ? (uint32_t)(rand() % 8) : (uint32_t)rand();
        for ( j = 0; j < 64; j++ )
            gmem(&e, IN_GPA)[rand() % 4096] = rand();
        if ( rand() % 2 )
            put64(&e, IN_GPA, HV_PARTITION_ID_SELF);
        a = pvr_vtl_request(e.vtl, rand() % 3, pvr_vsm_addr(kind, addr), data,
                            count, size);
        if ( !answer_ok(kind, a) )
        {
            if ( bad++ < 5 )
                fprintf(stderr, "kind %u addr %#llx count %#x size %#x: "
                        "answer %#llx\n", kind, (unsigned long long)addr,
                        count, size, (unsigned long long)a);
        }
    }
    CHECK_EQ(bad, 0);
    pvr_vtl_stats(e.vtl, &s);
    CHECK(s.hypercalls > 1000 && s.violations > 1000 && s.reg_events > 1000);
    CHECK(s.bad_requests > 1000);               /* vp2, VTL 1 on vp1 */
    CHECK(s.hypercalls > s.hcall_errors);       /* some succeeded */
    env_close(&e);
}

/*
 * A VTL0 caller's output GPA in a page VTL1 took W from, or its input GPA
 * in one it took R from: ACCESS_DENIED with the output left as it was,
 * since the engine writes through its own mapping, which VTL0's view does
 * not govern.  VTL1's calls with the same GPAs are not checked; with the
 * rights back, VTL0's calls succeed.
 */
static void test_vtl0_gpas(void)
{
    const uint64_t vp_status_vtl0 = 0 | 3u << 16, vp_status_vtl1 = 1 | 3u << 16;
    struct pvr_vtl_stats s;
    struct env e;
    uint64_t val;

    vsm_on(&e, 64);
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_READABLE |
                           HV_MAP_GPA_KERNEL_EXECUTABLE, 0,
                           OUT_GPA >> PVR_PAGE_SHIFT, 1)), 0);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_VP_STATUS, &val),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(val, 0xdeadbeef);
    CHECK_EQ(get_reg(&e, 1, HV_REG_VSM_VP_STATUS, &val), 0);
    CHECK_EQ(val, vp_status_vtl1);

    /* No right at all on the input page: VTL0's input is not read. */
    CHECK_EQ(st_of(protect(&e, 0, 0, IN_GPA >> PVR_PAGE_SHIFT, 1)), 0);
    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_PERMISSIONS_ALL, 0,
                           OUT_GPA >> PVR_PAGE_SHIFT, 1)), 0);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_VP_STATUS, &val),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(val, 0xdeadbeef);
    CHECK_EQ(set_reg(&e, 0, HV_REG_VSM_VINA, 0), HV_STATUS_ACCESS_DENIED);

    CHECK_EQ(st_of(protect(&e, HV_MAP_GPA_PERMISSIONS_ALL, 0,
                           IN_GPA >> PVR_PAGE_SHIFT, 1)), 0);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_VP_STATUS, &val), 0);
    CHECK_EQ(val, vp_status_vtl0);
    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.access_denied, 3);
    env_close(&e);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR + 1, 2);
    test_modify();
    test_violation();
    test_two_vps();
    test_intercept();
    test_vtl0_gpas();
    test_hostile();
    return check_result("test_vtl_protect");
}
