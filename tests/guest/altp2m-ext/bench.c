/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stress and benchmark on vCPU 0 (vCPU 1 is offline by now), one run:
 *
 *   STRESS_ROUNDS times: read P in view 1 (a violation round trip: the
 *   exit, the event to dom0, the monitor's response moving the vCPU to
 *   view 0, the access retried there), then ENTER (a CPUID event whose
 *   response switches the vCPU back to view 1).  Each is timed with the
 *   TSC and every reply is checked: 10,000 of each, no hang allowed.
 *
 * For scale, with the same clock: QUERY (a CPUID event round trip with
 * no view switch) and xen_version (a hypercall Xen answers itself, the
 * "null hypercall").  Output, as the TPM test's:
 *     bench: <name> n=<samples> total_cycles=<sum> p50=<c> p99=<c>
 * with nearest-rank percentiles, and "altp2m-ext: bench: tsc_khz=N".
 * The harness turns them into figures and ratios; nothing is asserted
 * about speed.
 */
#include "altp2m-ext.h"

#define STRESS_ROUNDS   10000
#define SCALE_ROUNDS    1000

#define HYPERVISOR_xen_version  17
#define XENVER_version          0

static uint64_t viol_cycles[STRESS_ROUNDS];
static uint64_t enter_cycles[STRESS_ROUNDS];
static uint64_t query_cycles[SCALE_ROUNDS];
static uint64_t null_cycles[SCALE_ROUNDS];

static void time_scale(void)
{
    struct ax_reply r;
    uint64_t t0;
    unsigned int i;

    for ( i = 0; i < SCALE_ROUNDS; i++ )
    {
        t0 = rdtsc_ordered();
        gtf_hypercall2(HYPERVISOR_xen_version, XENVER_version, 0);
        null_cycles[i] = rdtsc_ordered() - t0;
    }
    for ( i = 0; i < SCALE_ROUNDS; i++ )
    {
        t0 = rdtsc_ordered();
        ax_cpuid(AX_CMD_QUERY, 0, 0, &r);
        query_cycles[i] = rdtsc_ordered() - t0;
    }
}

bool ax_phase_bench(void)
{
    const char *c = "stress";
    struct ax_reply r;
    uint64_t t0, t1, t2;
    unsigned int i;
    uint32_t v;

    printk("altp2m-ext: bench: tsc_khz=%u\n", gtf_tsc_khz());
    time_scale();

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    for ( i = 0; i < STRESS_ROUNDS; i++ )
    {
        t0 = rdtsc_ordered();
        v = ax_read(AX_P, 0);
        t1 = rdtsc_ordered();
        ax_cpuid(AX_CMD_ENTER, 0, 0, &r);
        t2 = rdtsc_ordered();
        viol_cycles[i] = t1 - t0;
        enter_cycles[i] = t2 - t1;

        if ( !ax_expect(c, ax_acked(AX_CMD_ENTER, &r) && v == AX_MARK_P &&
                        r.ebx == 0 && r.ecx == 1 && r.edx == AX_VIEW &&
                        r.esi == ax_gfn(AX_P), "round %u: read 0x%x, reply "
                        "eax %08x ebx %u ecx %u edx %u esi 0x%x", i, v,
                        r.eax, r.ebx, r.ecx, r.edx, r.esi) )
            break;
    }
    if ( !ax_cmd(AX_CMD_LEAVE, 0, &r) )
        return false;
    if ( i < STRESS_ROUNDS )
        return true;
    printk("altp2m-ext: stress: %u violation round trips and %u view "
           "switches by CPUID, every reply as expected\n", STRESS_ROUNDS,
           STRESS_ROUNDS);
    ax_pass(c);

    gtf_bench_report("violation-roundtrip", viol_cycles, STRESS_ROUNDS);
    gtf_bench_report("cpuid-switch-roundtrip", enter_cycles, STRESS_ROUNDS);
    gtf_bench_report("cpuid-roundtrip", query_cycles, SCALE_ROUNDS);
    gtf_bench_report("null-hypercall", null_cycles, SCALE_ROUNDS);
    return true;
}
