/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the VTL engine's parsing of VSM requests and of the
 * hypercall input page.
 *
 * Input: one setup byte (bit 0 enable VTL1 for the partition, bit 1 on
 * vp0, bit 2 VTL protection on, bit 3 a SIMP for VTL1 on vp0: each
 * step done with a valid request, so that deep states are reachable),
 * then 512 bytes for the start of the input page (gfn 0x10; the rest of
 * it and the output page at gfn 0x11 are left as the records make
 * them), then records of 25 bytes: a route byte (bits 1:0 the VP, 0-3
 * with 2 vCPUs, bit 7: through the IOREQ server, else a direct call),
 * then addr, data (u64), count, size (u32) as Xen would post them,
 * all little-endian.  Every answer must be one the channel defines;
 * anything else, a hang or a crash is a finding.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tests/common/simstack.h"
#include "tests/fuzz/fuzz.h"
#include "vtl/vtl.h"

#define IN_GPA      0x10000ULL
#define MAX_RECORDS 64

struct rec {
    uint8_t route;
    uint64_t addr, data;
    uint32_t count, size;
};

static uint64_t call(struct simstack *st, pvr_vtl *v, const struct rec *r)
{
    unsigned int vp = r->route & 3;
    uint64_t data = r->data;

    if ( !(r->route & 0x80) || vp >= 2 || (r->addr >> 56) > 3 )
        return pvr_vtl_request(v, vp, r->addr, r->data, r->count, r->size);
    /* Kinds 0-3 are claimed: the server must answer. */
    if ( pvr_sim_vsm(st->sim, vp, r->addr, &data, r->count, r->size) )
        abort();
    return data;
}

/* The channel's answers: kind 0 status, reps, views on success only;
 * kind 1 an action 0-2; anything else 0. */
static void check_answer(const struct rec *r, uint64_t a)
{
    unsigned int kind = r->addr >> 56;

    if ( (kind == PVR_VSM_KIND_VIOLATION ||
          kind == PVR_VSM_KIND_INTERCEPT) && a > PVR_VSM_ACT_CRASH )
        abort();
    if ( (kind == PVR_VSM_KIND_REGISTER || kind > PVR_VSM_KIND_INTERCEPT) &&
         a != 0 )
        abort();
    if ( kind == PVR_VSM_KIND_HYPERCALL &&
         ((a & 0xffff0000ULL) || (a >> 44 & 0xf) ||
          (pvr_vsm_answer_status(a) && a >> 48)) )
        abort();
}

/* A valid request for a setup step, from vp0. */
static void step(pvr_vtl *v, unsigned int vtl, uint16_t code,
                 unsigned int reps, uint8_t *page, const void *in,
                 size_t len)
{
    memcpy(page, in, len);
    if ( pvr_vsm_answer_status(pvr_vtl_request(
             v, 0, pvr_vsm_addr(0, IN_GPA), 0,
             pvr_vsm_hcall_count(code, reps, vtl), 0)) )
        abort();
}

static void setup(struct simstack *st, pvr_vtl *v, uint8_t flags)
{
    uint8_t *page = pvr_sim_guest_page(st->sim, IN_GPA >> 12);
    uint8_t in[240];

    memset(in, 0, sizeof(in));
    memset(in, 0xff, 8);                        /* HV_PARTITION_ID_SELF */
    if ( !(flags & 1) )
        return;
    in[8] = 1;
    step(v, 0, HVCALL_ENABLE_PARTITION_VTL, 0, page, in, 16);
    if ( !(flags & 2) )
        return;
    in[8] = 0;
    in[12] = 1;
    in[16 + 192] = 0x11;                        /* CR0: PE, ET */
    step(v, 0, HVCALL_ENABLE_VP_VTL, 0, page, in, 240);
    if ( flags & 4 )
    {
        memset(in + 8, 0, 8);
        in[16] = HV_REG_VSM_PARTITION_CONFIG & 0xff;
        in[18] = HV_REG_VSM_PARTITION_CONFIG >> 16;
        in[32] = 0x1f;                          /* on, mask all */
        step(v, 1, HVCALL_SET_VP_REGISTERS, 1, page, in, 48);
    }
    if ( flags & 8 )
        pvr_vtl_request(v, 0, pvr_vsm_addr(PVR_VSM_KIND_REGISTER,
                                           HV_X64_MSR_SIMP),
                        0x20001, 1u << 28, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool logs_off;
    struct pvr_vtl_config cfg = { .nr_vps = 2, .reps_per_request = 8 };
    struct simstack st;
    unsigned int records;
    pvr_vtl *v;
    uint8_t flags;

    if ( !logs_off )
    {
        pvr_log_open(9, PVR_LOG_ERROR + 1, 2);
        logs_off = true;
    }
    if ( simstack_open(&st, 2, PVR_BUFIOREQ_OFF, true) )
        abort();
    cfg.domid = st.domid;
    if ( pvr_vtl_create(st.port, &cfg, &v) ||
         pvr_ioreq_server_set_vsm(st.srv, pvr_vtl_ioreq, v) ||
         pvr_ioreq_server_enable(st.srv) )
        abort();

    fuzz_take(&data, &size, &flags, 1);
    setup(&st, v, flags);
    fuzz_take(&data, &size, pvr_sim_guest_page(st.sim, IN_GPA >> 12), 512);

    /* Bounded: at most MAX_RECORDS records of 25 bytes. */
    for ( records = 0; size > 0 && records < MAX_RECORDS; records++ )
    {
        struct rec r;

        fuzz_take(&data, &size, &r.route, 1);
        fuzz_take(&data, &size, &r.addr, 8);
        fuzz_take(&data, &size, &r.data, 8);
        fuzz_take(&data, &size, &r.count, 4);
        fuzz_take(&data, &size, &r.size, 4);
        check_answer(&r, call(&st, v, &r));
    }
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_vtl_destroy(v);
    simstack_close(&st);
    return 0;
}
