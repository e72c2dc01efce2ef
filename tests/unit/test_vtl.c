/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VTL engine over the sim, through the IOREQ server: the VSM
 * channel's pairing, EnablePartitionVtl, EnableVpVtl and
 * Get/SetVpRegisters, each with its success and every error status.
 *
 * Proves: the server claims the VSM kinds only with a handler; each
 * call's answer (status, reps completed, view indices) for valid input
 * and for every check the engine makes; the views exist in the sim;
 * a failing hypervisor call leaves no view behind; register values
 * read back as written, read-only and reserved bits are refused.
 * test_guest_calls: every call tests/guest/vsm makes the paravisor
 * answer, in its order, gets the status, reps and output that guest
 * expects, in as many requests as it counts (2 reps a request, as
 * vsm-xtf runs pvdomaind --vsm-reps 2).
 * Cannot prove: that Xen (xen-patches) decodes the same answers; the
 * host job tests/guest/vsm does that on real Xen.
 */
#include <config.h>

#include <errno.h>

#include "core/log.h"
#include "tests/unit/test_vtl_env.h"

static void test_pairing(void)
{
    struct simstack st;
    pvr_ioreq_slot req = {
        .addr = pvr_vsm_addr(PVR_VSM_KIND_HYPERCALL, IN_GPA),
        .count = pvr_vsm_hcall_count(HVCALL_ENABLE_PARTITION_VTL, 0, 0),
        .flags = PVR_IOREQ_F_DIR_READ, .type = PVR_IOREQ_TYPE_VSM,
    };
    struct env e;
    uint64_t data = 0;
    unsigned int ranges;

    /* A server without a handler claims no kind: the guest is unpaired. */
    REQUIRE(simstack_open(&st, 2, PVR_BUFIOREQ_OFF, true) == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);
    CHECK_EQ(pvr_sim_vsm(st.sim, 0, req.addr, &data, req.count, 0), 1);
    /* Forced onto it anyway, it is refused like any unknown type. */
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(req.data, ~0ULL);
    CHECK_EQ(pvr_ioreq_server_set_vsm(st.srv, pvr_vtl_ioreq, NULL),
             -EINVAL);                  /* too late: already claimed */
    simstack_close(&st);

    env_open(&e, 2, 0);
    pvr_sim_ioreq_servers(e.st.sim, &ranges);
    CHECK_EQ(ranges, 1);
    /* Each kind reaches it, also as pvr_sim_io() posts it. */
    CHECK_EQ(vsm_post(&e, 1, pvr_vsm_addr(3, 0), 0, 0, 0),
             PVR_VSM_ACT_CRASH);        /* an intercept without VTL1 */
    CHECK_EQ(pvr_sim_io(e.st.sim, 0, &req), 0);
    CHECK_EQ(req.data, HV_STATUS_INVALID_PARTITION_ID); /* a zero page */
    /* A bad shape (by pointer) does not reach it. */
    req.flags = PVR_IOREQ_F_DATA_IS_PTR | PVR_IOREQ_F_DIR_READ;
    CHECK_EQ(pvr_sim_io_raw(e.st.sim, pvr_ioreq_server_id(e.st.srv), 0,
                            &req), 0);
    CHECK_EQ(req.data, ~0ULL);
    env_close(&e);
}

static void test_enable_partition(void)
{
    struct pvr_sim_counts c;
    uint16_t v0, v1;
    unsigned int n;
    struct env e;
    uint64_t a;

    env_open(&e, 2, 0);

    /* Each check, before anything changes. */
    header(&e, 1, 1, 0, 0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARTITION_ID);
    header(&e, HV_PARTITION_ID_SELF, 1 | 0x01 << 8, 0, 0);   /* MBEC */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 1 | 0x02 << 8, 0, 0);   /* flag */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 1, 0, 0x01);           /* RsvdZ */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 0, 0, 0);              /* VTL0 */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 2, 0, 0);              /* > max */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                         0)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 1, 0, 0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0,
                         IN_GPA + 4, 0)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0,
                         IN_GPA + 0xff8, 0)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, NOT_RAM,
                         0)), HV_STATUS_INVALID_PARAMETER);
    /* A rep count on a simple call, a fast call, bits 55:52, VtlCall. */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 1, IN_GPA,
                         0)), HV_STATUS_INVALID_HYPERCALL_INPUT);
    a = vsm_post(&e, 0, pvr_vsm_addr(0, PVR_VSM_ADDR_MASK), 1,
                 pvr_vsm_hcall_count(HVCALL_ENABLE_PARTITION_VTL, 0, 0),
                 pvr_vsm_hcall_size(0, true, false));
    CHECK_EQ(st_of(a), HV_STATUS_INVALID_PARTITION_ID);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0,
                         IN_GPA | 1ULL << 52, 0)),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_VTL_CALL, 0, 0, 0)),
             HV_STATUS_INVALID_HYPERCALL_CODE);
    CHECK_EQ(pvr_vtl_views(e.vtl, &v0, &v1), -ENOENT);
    pvr_sim_counts(e.st.sim, &c);
    CHECK_EQ(c.altp2m_views, 0);

    /*
     * Each hypervisor call it makes fails in turn (called directly: the
     * server's own calls are test_faults' business): nothing is left.
     */
    header(&e, HV_PARTITION_ID_SELF, 1, 0, 0);
    for ( n = 1; n < 20; n++ )
    {
        pvr_port_fail_nth(e.st.port, n);
        a = pvr_vtl_request(e.vtl, 0, pvr_vsm_addr(0, IN_GPA), 0,
                            pvr_vsm_hcall_count(HVCALL_ENABLE_PARTITION_VTL,
                                                0, 0), 0);
        pvr_port_fail_nth(e.st.port, 0);
        if ( st_of(a) == HV_STATUS_SUCCESS )
            break;
        CHECK_EQ(st_of(a), HV_STATUS_INSUFFICIENT_MEMORY);
        pvr_sim_counts(e.st.sim, &c);
        CHECK_EQ(c.altp2m_views, 0);
        CHECK_EQ(pvr_vtl_views(e.vtl, &v0, &v1), -ENOENT);
    }
    CHECK(n >= 5);      /* read, altp2m on, two views, access_required */
    CHECK_EQ(st_of(a), HV_STATUS_SUCCESS);
    /* Again from scratch, through the server. */
    env_close(&e);
    env_open(&e, 2, 0);

    a = enable_partition(&e);
    CHECK_EQ(st_of(a), HV_STATUS_SUCCESS);
    REQUIRE(pvr_vtl_views(e.vtl, &v0, &v1) == 0);
    CHECK(v0 != v1 && v0 != 0 && v1 != 0);
    CHECK_EQ((a >> 48) & 0xff, v0);
    CHECK_EQ(a >> 56, v1);
    pvr_sim_counts(e.st.sim, &c);
    CHECK_EQ(c.altp2m_views, 2);
    /* A violation nobody hears crashes the guest, never relaxes. */
    CHECK(pvr_sim_access_required(e.st.sim));
    CHECK_EQ(st_of(enable_partition(&e)), HV_STATUS_INVALID_VTL_STATE);
    env_close(&e);
}

static void test_enable_vp(void)
{
    struct pvr_vtl_stats s;
    struct env e;

    env_open(&e, 2, 0);
    CHECK_EQ(st_of(enable_vp(&e, 0, 0, 0)), HV_STATUS_INVALID_VTL_STATE);
    REQUIRE(st_of(enable_partition(&e)) == HV_STATUS_SUCCESS);

    CHECK_EQ(st_of(enable_vp(&e, 0, 0, 2)), HV_STATUS_INVALID_VP_INDEX);
    header(&e, 0, 0, 1, 0);
    vp_context(&e, 0x80000011);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0)),
             HV_STATUS_INVALID_PARTITION_ID);
    header(&e, HV_PARTITION_ID_SELF, 0, 1, 0x0100);         /* RsvdZ */
    vp_context(&e, 0x80000011);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0)),
             HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 0, 0, 0);              /* VTL0 */
    vp_context(&e, 0x80000011);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0)),
             HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 0, 1, 0);
    vp_context(&e, 0x10);                   /* real mode */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0)),
             HV_STATUS_INVALID_PARAMETER);
    /* The context reaches past a page end. */
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA + 0xf80,
                         0)), HV_STATUS_INVALID_ALIGNMENT);
    /* Fast: its 240 bytes cannot be in registers. */
    CHECK_EQ(st_of(vsm_post(&e, 0, pvr_vsm_addr(0, 0), 0,
                            pvr_vsm_hcall_count(HVCALL_ENABLE_VP_VTL, 0, 0),
                            pvr_vsm_hcall_size(0, true, false))),
             HV_STATUS_INVALID_HYPERCALL_INPUT);

    /* VTL0 enables the boot VP (HV_VP_INDEX_SELF); once only. */
    CHECK_EQ(st_of(enable_vp(&e, 0, 0, HV_VP_INDEX_SELF)),
             HV_STATUS_SUCCESS);
    CHECK_EQ(st_of(enable_vp(&e, 0, 1, 0)), HV_STATUS_INVALID_VTL_STATE);
    /* VTL0 again on its own VP: already enabled, before "not yours". */
    CHECK_EQ(st_of(enable_vp(&e, 0, 0, 0)), HV_STATUS_INVALID_VTL_STATE);
    /* Now VTL0 may not start VTL1 elsewhere; VTL1 may. */
    CHECK_EQ(st_of(enable_vp(&e, 1, 0, 1)), HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(st_of(enable_vp(&e, 0, 1, 1)), HV_STATUS_SUCCESS);

    /* A request Xen could not send: VTL1 on a VP without it. */
    env_close(&e);
    env_open(&e, 2, 0);
    REQUIRE(st_of(enable_partition(&e)) == HV_STATUS_SUCCESS);
    CHECK_EQ(st_of(enable_vp(&e, 1, 1, 1)), HV_STATUS_INVALID_PARAMETER);
    pvr_vtl_stats(e.vtl, &s);
    CHECK_EQ(s.bad_requests, 1);
    env_close(&e);
}

static void test_registers(void)
{
    struct env e;
    uint64_t v, a;

    env_open(&e, 2, 0);
    /* What VTL0 reads before VSM is on. */
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_PARTITION_STATUS, &v), 0);
    CHECK_EQ(v, 0x10001);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_VP_STATUS, &v), 0);
    CHECK_EQ(v, 0x10000);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_CAPABILITIES, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_CODE_PAGE_OFFSETS, &v), 0);
    CHECK_EQ(v, CODE_PAGE_OFFSETS);
    /* VTL0 has no VsmPartitionConfig, nor unknown names. */
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_PARTITION_CONFIG, &v),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_VP_VTL_CONTROL, &v),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(v, 0xdeadbeef);                /* nothing written */

    REQUIRE(st_of(enable_partition(&e)) == HV_STATUS_SUCCESS);
    REQUIRE(st_of(enable_vp(&e, 0, 0, 0)) == HV_STATUS_SUCCESS);
    CHECK_EQ(get_reg(&e, 1, HV_REG_VSM_VP_STATUS, &v), 0);
    CHECK_EQ(v, 0x30001);                   /* active VTL1, set {0, 1} */
    CHECK_EQ(get_reg(&e, 0, HV_REG_VSM_PARTITION_STATUS, &v), 0);
    CHECK_EQ(v, 0x10003);

    /* HV_INPUT_VTL: higher than the caller, reserved bits. */
    header(&e, HV_PARTITION_ID_SELF, 0, HV_INPUT_VTL_USE | 1, 0);
    put32(&e, IN_GPA + 16, HV_REG_VSM_VP_STATUS);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                         OUT_GPA)), HV_STATUS_ACCESS_DENIED);
    header(&e, HV_PARTITION_ID_SELF, 0, 0x20, 0);
    put32(&e, IN_GPA + 16, HV_REG_VSM_VP_STATUS);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                         OUT_GPA)), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 7, 0, 0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                         OUT_GPA)), HV_STATUS_INVALID_VP_INDEX);
    header(&e, HV_PARTITION_ID_SELF, 0, 0, 0);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                         OUT_GPA + 0xff8)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                         OUT_GPA + 8 + 2)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 257, IN_GPA,
                         OUT_GPA)), HV_STATUS_INVALID_ALIGNMENT);
    CHECK_EQ(st_of(hcall(&e, 0, 0, HVCALL_SET_VP_REGISTERS, 128, IN_GPA,
                         0)), HV_STATUS_INVALID_ALIGNMENT);

    /* A list that turns to a name we do not serve: one rep completes. */
    header(&e, HV_PARTITION_ID_SELF, 0, 0, 0);
    put32(&e, IN_GPA + 16, HV_REG_VSM_PARTITION_STATUS);
    put32(&e, IN_GPA + 20, 0x00020000);     /* HvX64RegisterRip */
    memset(gmem(&e, OUT_GPA), 0xcc, 32);
    a = hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 2, IN_GPA, OUT_GPA);
    CHECK_EQ(st_of(a), HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(pvr_vsm_answer_reps(a), 1);
    CHECK_EQ(get64(&e, OUT_GPA), 0x10003);
    CHECK_EQ(get64(&e, OUT_GPA + 8), 0);
    CHECK_EQ(get64(&e, OUT_GPA + 16), 0xccccccccccccccccULL);

    /* Read-only registers, reserved fields and bits. */
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_STATUS, 0),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(set_reg(&e, 0, HV_REG_VSM_PARTITION_STATUS, 0),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_CODE_PAGE_OFFSETS, 0),
             HV_STATUS_ACCESS_DENIED);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 1ULL << 13),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 1),
             HV_STATUS_INVALID_REGISTER_VALUE);     /* default mask: none */
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_VINA, 1 << 11),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_VP_SECURE_CONFIG_VTL0, 2),
             HV_STATUS_INVALID_REGISTER_VALUE);     /* TlbLocked */
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_VP_SECURE_CONFIG_VTL0 + 1, 0),
             HV_STATUS_INVALID_PARAMETER);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, 1 << 25),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 0, HV_X64_REG_CR_INTERCEPT_CONTROL, 1),
             HV_STATUS_INVALID_PARAMETER);          /* VTL0 has none */
    header(&e, HV_PARTITION_ID_SELF, 0, 0, 0);
    put32(&e, IN_GPA + 16, HV_REG_VSM_VINA);
    put32(&e, IN_GPA + 20, 1);                      /* RsvdZ */
    CHECK_EQ(st_of(hcall(&e, 0, 1, HVCALL_SET_VP_REGISTERS, 1, IN_GPA, 0)),
             HV_STATUS_INVALID_PARAMETER);
    put32(&e, IN_GPA + 20, 0);
    put64(&e, IN_GPA + 40, 1);                      /* Value bits 127:64 */
    CHECK_EQ(st_of(hcall(&e, 0, 1, HVCALL_SET_VP_REGISTERS, 1, IN_GPA, 0)),
             HV_STATUS_INVALID_REGISTER_VALUE);

    /* Values read back; EnableVtlProtection is write-once. */
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_VINA, 0x1f2), 0);
    CHECK_EQ(get_reg(&e, 1, HV_REG_VSM_VINA, &v), 0);
    CHECK_EQ(v, 0x1f2);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, 0x784543), 0);
    CHECK_EQ(get_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, &v), 0);
    CHECK_EQ(v, 0x784543);
    /* XCr0Write and LSTAR read are valid bits Xen does not enforce. */
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, 1 << 2),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, 1 << 5),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(get_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CONTROL, &v), 0);
    CHECK_EQ(v, 0x784543);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CR0_MASK, 1ULL << 32),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CR4_MASK, ~0ULL), 0);
    CHECK_EQ(get_reg(&e, 1, HV_X64_REG_CR_INTERCEPT_CR4_MASK, &v), 0);
    CHECK_EQ(v, ~0ULL);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x1f), 0);
    CHECK_EQ(get_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, &v), 0);
    CHECK_EQ(v, 0x1f);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x1e),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x0f),
             HV_STATUS_INVALID_REGISTER_VALUE);
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0x5f), 0);
    CHECK_EQ(get_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, &v), 0);
    CHECK_EQ(v, 0x5f);
    env_close(&e);
}

/* A guest call's answer, and the requests it took, as the guest checks. */
static void expect_call(struct env *e, uint64_t a, uint16_t status,
                        unsigned int reps, unsigned int requests)
{
    CHECK_EQ(st_of(a), status);
    CHECK_EQ(pvr_vsm_answer_reps(a), reps);
    CHECK_EQ(e->requests, requests);
}

/* Names from offset 16, output poisoned as the guest does. */
static void names(struct env *e, const uint32_t *n, unsigned int count)
{
    unsigned int i;

    header(e, HV_PARTITION_ID_SELF, 0, 0, 0);
    for ( i = 0; i < count; i++ )
        put32(e, IN_GPA + 16 + 4 * i, n[i]);
    for ( i = 0; i < 2 * count; i++ )
        put64(e, OUT_GPA + 8 * i, 0x5a5a5a5a5a5a5a5aULL);
}

static void test_guest_calls(void)
{
    static const uint32_t part[] = { HV_REG_VSM_PARTITION_STATUS };
    static const uint32_t vp_part[] = { HV_REG_VSM_VP_STATUS,
                                        HV_REG_VSM_PARTITION_STATUS };
    static const uint32_t part_bad[] = { HV_REG_VSM_PARTITION_STATUS,
                                         0x00040000 };
    static const uint32_t config[] = { HV_REG_VSM_PARTITION_CONFIG };
    static const uint32_t offs_part[] = { HV_REG_VSM_CODE_PAGE_OFFSETS,
                                          HV_REG_VSM_PARTITION_STATUS };
    const uint64_t gfn = OUT_GPA >> 12;
    enum pvr_access acc;
    uint16_t v0, v1;
    struct env e;
    uint64_t a;
    unsigned int i;

    env_open(&e, 1, 2);
    /* paired */
    header(&e, 5, 1, 0, 0);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                          0), HV_STATUS_INVALID_PARTITION_ID, 0, 1);
    header(&e, HV_PARTITION_ID_SELF, 2, 0, 0);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA,
                          0), HV_STATUS_INVALID_PARAMETER, 0, 1);
    a = vsm_post(&e, 0, pvr_vsm_addr(0, 0), 2,
                 pvr_vsm_hcall_count(HVCALL_ENABLE_PARTITION_VTL, 0, 0),
                 pvr_vsm_hcall_size(0, true, true));
    CHECK_EQ(st_of(a), HV_STATUS_INVALID_PARAMETER);
    header(&e, HV_PARTITION_ID_SELF, 0, 1, 0);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0),
                HV_STATUS_INVALID_VTL_STATE, 0, 1);
    header(&e, HV_PARTITION_ID_SELF, 7, 1, 0);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0),
                HV_STATUS_INVALID_VP_INDEX, 0, 1);
    names(&e, part, 1);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                          OUT_GPA), HV_STATUS_SUCCESS, 1, 1);
    CHECK_EQ(get64(&e, OUT_GPA), 0x10001);
    expect_call(&e, enable_partition(&e), HV_STATUS_SUCCESS, 0, 1);
    expect_call(&e, enable_partition(&e), HV_STATUS_INVALID_VTL_STATE, 0,
                1);
    names(&e, vp_part, 2);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 2, IN_GPA,
                          OUT_GPA), HV_STATUS_SUCCESS, 2, 1);
    CHECK_EQ(get64(&e, OUT_GPA), 0x10000);
    CHECK_EQ(get64(&e, OUT_GPA + 16), 0x10003);
    CHECK_EQ(get64(&e, OUT_GPA + 24), 0);
    names(&e, vp_part, 2);
    expect_call(&e, hcall_at(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 2, 1,
                             IN_GPA, OUT_GPA), HV_STATUS_SUCCESS, 2, 1);
    CHECK_EQ(get64(&e, OUT_GPA), 0x5a5a5a5a5a5a5a5aULL);
    CHECK_EQ(get64(&e, OUT_GPA + 16), 0x10003);
    names(&e, part_bad, 2);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 2, IN_GPA,
                          OUT_GPA), HV_STATUS_INVALID_PARAMETER, 1, 1);
    CHECK_EQ(set_reg(&e, 0, HV_REG_VSM_PARTITION_CONFIG, 0xf),
             HV_STATUS_INVALID_PARAMETER);          /* VTL0 has none */
    names(&e, config, 1);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                          OUT_GPA), HV_STATUS_INVALID_PARAMETER, 0, 1);
    CHECK_EQ(set_reg(&e, 0, HV_REG_VSM_PARTITION_STATUS, 0),
             HV_STATUS_ACCESS_DENIED);
    names(&e, part, 1);
    put32(&e, IN_GPA + 12, 0x11);                   /* use VTL1 */
    expect_call(&e, hcall(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                          OUT_GPA), HV_STATUS_ACCESS_DENIED, 0, 1);
    header(&e, HV_PARTITION_ID_SELF, 0x7, 0, 0);
    put64(&e, IN_GPA + 16, gfn);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                          IN_GPA, 0), HV_STATUS_INVALID_PARAMETER, 0, 1);
    /* The guest's context: 32-bit protected mode, no paging. */
    header(&e, HV_PARTITION_ID_SELF, 0, 1, 0);
    put64(&e, IN_GPA + 16 + 192, 0x11);             /* Cr0: PE, ET */
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0),
                HV_STATUS_SUCCESS, 0, 1);
    expect_call(&e, hcall(&e, 0, 0, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0),
                HV_STATUS_INVALID_VTL_STATE, 0, 1);

    /* vtl: Xen answered slot 0 and sends the rest from rep start 1. */
    names(&e, offs_part, 2);
    expect_call(&e, hcall_at(&e, 0, 0, HVCALL_GET_VP_REGISTERS, 2, 1,
                             IN_GPA, OUT_GPA), HV_STATUS_SUCCESS, 2, 1);
    CHECK_EQ(get64(&e, OUT_GPA + 16), 0x10003);
    /* In VTL1: its config, then rep calls Xen continues. */
    CHECK_EQ(set_reg(&e, 1, HV_REG_VSM_PARTITION_CONFIG, 0xf), 0);
    names(&e, config, 1);
    expect_call(&e, hcall(&e, 0, 1, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                          OUT_GPA), HV_STATUS_SUCCESS, 1, 1);
    CHECK_EQ(get64(&e, OUT_GPA), 0xf);
    header(&e, HV_PARTITION_ID_SELF, 0x7, 0, 0);
    for ( i = 0; i < 5; i++ )
        put64(&e, IN_GPA + 16 + 8 * i, i == 2 ? 1ULL << 40 : gfn + i);
    expect_call(&e, hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 3,
                          IN_GPA, 0), HV_STATUS_INVALID_PARAMETER, 2, 2);
    expect_call(&e, hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 2,
                          IN_GPA, 0), HV_STATUS_SUCCESS, 2, 1);
    put64(&e, IN_GPA + 16 + 16, gfn + 2);
    expect_call(&e, hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 5,
                          IN_GPA, 0), HV_STATUS_SUCCESS, 5, 3);
    expect_call(&e, hcall_at(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 5,
                             1, IN_GPA, 0), HV_STATUS_SUCCESS, 5, 2);
    /* prot_page read-only for VTL0, then every right again. */
    header(&e, HV_PARTITION_ID_SELF, 0x1, 0, 0);
    put64(&e, IN_GPA + 16, gfn + 8);
    expect_call(&e, hcall(&e, 0, 1, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1,
                          IN_GPA, 0), HV_STATUS_SUCCESS, 1, 1);
    REQUIRE(pvr_vtl_views(e.vtl, &v0, &v1) == 0);
    CHECK_EQ(pvr_port_altp2m_get_mem_access(e.st.port, e.st.domid, v0,
                                            gfn + 8, &acc), 0);
    CHECK_EQ(acc, PVR_ACCESS_R);
    env_close(&e);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR + 1, 2);
    test_pairing();
    test_enable_partition();
    test_enable_vp();
    test_registers();
    test_guest_calls();
    return check_result("test_vtl");
}
