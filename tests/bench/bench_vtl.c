/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VTL engine's cost per VSM request on the sim, one thread: the
 * guest side posts the request, the loop decodes it, the engine decides
 * and answers.  For scale, an MMIO read of a trivial register through
 * the same IOREQ server.  Prints p50 and p99 per request and their
 * ratio to the MMIO read's; the Xen-side cost (exits, the vCPU's wait,
 * domain switches) is not in these figures.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "tests/common/simstack.h"
#include "vtl/vtl.h"

#define MMIO        0xfe000000ULL
#define IN_GPA      0x10000ULL
#define OUT_GPA     0x11000ULL
#define SIMP_GPA    0x20000ULL
#define RUNS        20000

static int dev_read(void *opaque, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    (void)opaque;
    (void)off;
    (void)size;
    *val = 0;
    return 0;
}

static const pvr_io_ops ops = { dev_read, NULL };

struct bench {
    struct simstack st;
    pvr_vtl *vtl;
    uint8_t *in, *simp;
    double ns[RUNS];
};

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static uint64_t vsm(struct bench *b, unsigned int kind, uint64_t arg,
                    uint64_t data, uint32_t count)
{
    if ( pvr_sim_vsm(b->st.sim, 0, pvr_vsm_addr(kind, arg), &data, count,
                     0) )
        abort();
    return data;
}

static uint64_t hcall(struct bench *b, uint16_t code, unsigned int reps,
                      unsigned int vtl)
{
    uint64_t a = vsm(b, 0, IN_GPA, OUT_GPA,
                     pvr_vsm_hcall_count(code, reps, vtl));

    if ( pvr_vsm_answer_status(a) )
    {
        fprintf(stderr, "bench vtl: call %#x: status %#x\n", code,
                pvr_vsm_answer_status(a));
        exit(1);
    }
    return a;
}

static void header(struct bench *b, uint32_t w8, uint32_t w12)
{
    memset(b->in, 0, 4096);
    memset(b->in, 0xff, 8);
    memcpy(b->in + 8, &w8, 4);
    memcpy(b->in + 12, &w12, 4);
}

static void setup(struct bench *b)
{
    struct pvr_vtl_config cfg = { .nr_vps = 1, .reps_per_request = 64 };
    uint64_t cr0 = 0x11, val = 0x1f;
    uint32_t name = HV_REG_VSM_PARTITION_CONFIG;

    if ( simstack_open(&b->st, 1, PVR_BUFIOREQ_OFF, true) ||
         pvr_ioreq_server_add_region(b->st.srv, PVR_IO_MMIO, MMIO, 0x100,
                                     &ops, NULL, "reg") )
        abort();
    cfg.domid = b->st.domid;
    if ( pvr_vtl_create(b->st.port, &cfg, &b->vtl) ||
         pvr_ioreq_server_set_vsm(b->st.srv, pvr_vtl_ioreq, b->vtl) ||
         pvr_ioreq_server_enable(b->st.srv) )
        abort();
    b->in = pvr_sim_guest_page(b->st.sim, IN_GPA >> 12);
    b->simp = pvr_sim_guest_page(b->st.sim, SIMP_GPA >> 12);

    header(b, 1, 0);
    hcall(b, HVCALL_ENABLE_PARTITION_VTL, 0, 0);
    header(b, 0, 1);
    memcpy(b->in + 16 + 184, &cr0, 8);
    hcall(b, HVCALL_ENABLE_VP_VTL, 0, 0);
    header(b, 0, 0);
    memcpy(b->in + 16, &name, 4);
    memcpy(b->in + 32, &val, 8);
    hcall(b, HVCALL_SET_VP_REGISTERS, 1, 1);
    vsm(b, PVR_VSM_KIND_REGISTER, HV_X64_MSR_SIMP, SIMP_GPA | 1, 1u << 28);
}

enum op { OP_MMIO, OP_GET, OP_PROTECT1, OP_PROTECT64, OP_VIOLATION };

/* Prepare the input page for op (outside the timing). */
static void prepare(struct bench *b, enum op op, unsigned int i)
{
    uint32_t name = HV_REG_VSM_VP_STATUS;
    uint64_t gfn;
    unsigned int k;

    switch ( op )
    {
    case OP_GET:
        header(b, 0, 0);
        memcpy(b->in + 16, &name, 4);
        break;
    case OP_PROTECT1:
    case OP_PROTECT64:
        /* Alternate rights so every page really changes. */
        header(b, i & 1 ? HV_MAP_GPA_PERMISSIONS_ALL : HV_MAP_GPA_READABLE,
               0);
        for ( k = 0; k < 64; k++ )
        {
            gfn = 0x100 + k;
            memcpy(b->in + 16 + 8 * k, &gfn, 8);
        }
        break;
    case OP_VIOLATION:
        memset(b->simp, 0, 4);              /* VTL1 took the last one */
        break;
    default:
        break;
    }
}

static void run(struct bench *b, enum op op, unsigned int i)
{
    uint64_t v;

    switch ( op )
    {
    case OP_MMIO:
        if ( pvr_sim_mmio_read(b->st.sim, 0, MMIO, 4, &v) )
            abort();
        break;
    case OP_GET:
        hcall(b, HVCALL_GET_VP_REGISTERS, 1, 1);
        break;
    case OP_PROTECT1:
        hcall(b, HVCALL_MODIFY_VTL_PROTECTION_MASK, 1, 1);
        break;
    case OP_PROTECT64:
        hcall(b, HVCALL_MODIFY_VTL_PROTECTION_MASK, 64, 1);
        break;
    case OP_VIOLATION:
        /* Page 0x100 is read-only in VTL0's view: a write violates. */
        if ( vsm(b, PVR_VSM_KIND_VIOLATION, 0x100000 + i % 4096,
                 0, PVR_VSM_ACC_W) != PVR_VSM_ACT_ENTER_VTL1 )
            abort();
        break;
    }
}

struct pct {
    double p50, p99;
};

/* Time RUNS ops; prints p50 and p99, and their ratios to base's. */
static struct pct measure(struct bench *b, enum op op, const char *what,
                          const struct pct *base)
{
    struct pct r;
    unsigned int i;
    double t;

    for ( i = 0; i < RUNS; i++ )
    {
        prepare(b, op, i);
        t = now_ns();
        run(b, op, i);
        b->ns[i] = now_ns() - t;
    }
    qsort(b->ns, RUNS, sizeof(b->ns[0]), cmp);
    r.p50 = b->ns[RUNS / 2];
    r.p99 = b->ns[RUNS * 99 / 100];
    printf("bench vtl %-30s p50 %7.0f ns  p99 %7.0f ns", what, r.p50,
           r.p99);
    if ( base )
        printf("  (x%.2f, x%.2f of the MMIO read)", r.p50 / base->p50,
               r.p99 / base->p99);
    printf("\n");
    return r;
}

int main(void)
{
    static struct bench b;
    struct pct base;

    pvr_log_open(7, PVR_LOG_ERROR, 2);
    setup(&b);
    base = measure(&b, OP_MMIO, "MMIO read (for scale)", NULL);
    measure(&b, OP_GET, "GetVpRegisters, 1 register", &base);
    measure(&b, OP_PROTECT1, "ModifyVtlProtectionMask, 1 page", &base);
    measure(&b, OP_PROTECT64, "ModifyVtlProtectionMask, 64", &base);
    /* Leave page 0x100 read-only for the violations. */
    prepare(&b, OP_PROTECT1, 0);
    run(&b, OP_PROTECT1, 0);
    measure(&b, OP_VIOLATION, "violation delivered", &base);
    pvr_ioreq_server_destroy(b.st.srv);
    b.st.srv = NULL;
    pvr_vtl_destroy(b.vtl);
    simstack_close(&b.st);
    return 0;
}
