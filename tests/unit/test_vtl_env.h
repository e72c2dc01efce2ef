/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VTL engine's test bench: a sim guest whose paravisor runs the
 * engine behind its IOREQ server, and a "Xen" that posts VSM requests
 * through the server exactly as the channel says, re-issuing rep calls
 * while the engine answers SUCCESS with reps left.
 */
#ifndef PVR_TEST_VTL_ENV_H
#define PVR_TEST_VTL_ENV_H

#include <string.h>

#include "tests/common/check.h"
#include "tests/common/simstack.h"
#include "vtl/vtl.h"

#define IN_GPA      0x10000ULL      /* the guest's hypercall input page */
#define OUT_GPA     0x11000ULL      /* ... and output page */
#define SIMP_GPA    0x20000ULL      /* VTL1's SIMP on vp0 */
#define NOT_RAM     0x5000000ULL    /* beyond the sim's 4 MiB */
#define CODE_PAGE_OFFSETS 0x40020ULL /* call at 0x20, return at 0x40 */

struct env {
    struct simstack st;
    pvr_vtl *vtl;
    unsigned int requests;          /* kind 0 requests the last call made */
};

static inline void env_open(struct env *e, unsigned int nr_vcpus,
                            unsigned int reps)
{
    struct pvr_vtl_config cfg = {
        .nr_vps = nr_vcpus, .code_page_offsets = CODE_PAGE_OFFSETS,
        .reps_per_request = reps,
    };

    memset(e, 0, sizeof(*e));
    REQUIRE(simstack_open(&e->st, nr_vcpus, PVR_BUFIOREQ_OFF, true) == 0);
    cfg.domid = e->st.domid;
    REQUIRE(pvr_vtl_create(e->st.port, &cfg, &e->vtl) == 0);
    REQUIRE(pvr_ioreq_server_set_vsm(e->st.srv, pvr_vtl_ioreq, e->vtl) == 0);
    REQUIRE(pvr_ioreq_server_enable(e->st.srv) == 0);
}

static inline void env_close(struct env *e)
{
    /* The server first: it may still hand requests to the engine. */
    pvr_ioreq_server_destroy(e->st.srv);
    e->st.srv = NULL;
    pvr_vtl_destroy(e->vtl);
    simstack_close(&e->st);
}

/* The guest's view of a guest-physical address. */
static inline uint8_t *gmem(struct env *e, uint64_t gpa)
{
    uint8_t *page = pvr_sim_guest_page(e->st.sim, gpa >> 12);

    REQUIRE(page);
    return page + (gpa & 0xfff);
}

static inline void put64(struct env *e, uint64_t gpa, uint64_t v)
{
    memcpy(gmem(e, gpa), &v, 8);
}

static inline void put32(struct env *e, uint64_t gpa, uint32_t v)
{
    memcpy(gmem(e, gpa), &v, 4);
}

static inline uint64_t get64(struct env *e, uint64_t gpa)
{
    uint64_t v;

    memcpy(&v, gmem(e, gpa), 8);
    return v;
}

/* One VSM request through the IOREQ server, as Xen posts it. */
static inline uint64_t vsm_post(struct env *e, unsigned int vp,
                                uint64_t addr, uint64_t data,
                                uint32_t count, uint32_t size)
{
    REQUIRE(pvr_sim_vsm(e->st.sim, vp, addr, &data, count, size) == 0);
    return data;
}

/*
 * A slow hypercall from vp at VTL vtl from rep start, re-issued as Xen
 * does while the answer is SUCCESS with reps left.  Returns the last
 * answer; e->requests says how many requests it took.
 */
static inline uint64_t hcall_at(struct env *e, unsigned int vp,
                                unsigned int vtl, uint16_t code,
                                unsigned int reps, unsigned int start,
                                uint64_t in, uint64_t out)
{
    uint64_t a;

    e->requests = 0;
    for ( ;; )
    {
        a = vsm_post(e, vp, pvr_vsm_addr(PVR_VSM_KIND_HYPERCALL, in), out,
                     pvr_vsm_hcall_count(code, reps, vtl),
                     pvr_vsm_hcall_size(start, false, false));
        e->requests++;
        if ( pvr_vsm_answer_status(a) != HV_STATUS_SUCCESS ||
             pvr_vsm_answer_reps(a) >= reps || e->requests > 4096 )
            return a;
        REQUIRE(pvr_vsm_answer_reps(a) > start);
        start = pvr_vsm_answer_reps(a);
    }
}

static inline uint64_t hcall(struct env *e, unsigned int vp,
                             unsigned int vtl, uint16_t code,
                             unsigned int reps, uint64_t in, uint64_t out)
{
    return hcall_at(e, vp, vtl, code, reps, 0, in, out);
}

static inline uint16_t st_of(uint64_t a)
{
    return pvr_vsm_answer_status(a);
}

/* The 16-byte header shared by the VSM calls' inputs. */
static inline void header(struct env *e, uint64_t partition, uint32_t w8,
                          uint8_t b12, uint32_t rsvd)
{
    memset(gmem(e, IN_GPA), 0, 4096);
    put64(e, IN_GPA, partition);
    put32(e, IN_GPA + 8, w8);
    put32(e, IN_GPA + 12, b12 | (rsvd << 8));
}

/* EnablePartitionVtl(1) from vp0 in VTL0. */
static inline uint64_t enable_partition(struct env *e)
{
    header(e, HV_PARTITION_ID_SELF, 1, 0, 0);
    return hcall(e, 0, 0, HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA, 0);
}

/* An HV_INITIAL_VP_CONTEXT in long mode, after the header. */
static inline void vp_context(struct env *e, uint64_t cr0)
{
    put64(e, IN_GPA + 16 + 192, cr0);               /* Cr0 */
    put64(e, IN_GPA + 16 + 208, 0x20);              /* Cr4: PAE */
    put64(e, IN_GPA + 16 + 184, 0x500);             /* Efer: LME LMA */
    put64(e, IN_GPA + 16 + 0, 0xfffff80000001000ULL);   /* Rip */
}

static inline uint64_t enable_vp(struct env *e, unsigned int caller,
                                 unsigned int vtl, uint32_t vp)
{
    header(e, HV_PARTITION_ID_SELF, vp, 1, 0);
    vp_context(e, 0x80000011);
    return hcall(e, caller, vtl, HVCALL_ENABLE_VP_VTL, 0, IN_GPA, 0);
}

/* SetVpRegisters of one register of vp0 from vp0 at VTL vtl. */
static inline uint16_t set_reg(struct env *e, unsigned int vtl,
                               uint32_t name, uint64_t val)
{
    header(e, HV_PARTITION_ID_SELF, 0, 0, 0);
    put32(e, IN_GPA + 16, name);
    put64(e, IN_GPA + 32, val);
    return st_of(hcall(e, 0, vtl, HVCALL_SET_VP_REGISTERS, 1, IN_GPA, 0));
}

static inline uint16_t get_reg(struct env *e, unsigned int vtl,
                               uint32_t name, uint64_t *val)
{
    uint16_t st;

    header(e, HV_PARTITION_ID_SELF, 0, 0, 0);
    put32(e, IN_GPA + 16, name);
    put64(e, OUT_GPA, 0xdeadbeef);
    st = st_of(hcall(e, 0, vtl, HVCALL_GET_VP_REGISTERS, 1, IN_GPA,
                     OUT_GPA));
    *val = get64(e, OUT_GPA);
    return st;
}

#endif /* PVR_TEST_VTL_ENV_H */
