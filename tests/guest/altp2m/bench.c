/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark: what a view switch and a relaxed violation cost the guest,
 * against a null hypercall, timed with the TSC.
 *
 * Four loops of BENCH_SAMPLES, each sample one TSC interval around:
 *   altp2m-null-hypercall  xen_version(XENVER_version): the cheapest round
 *                          trip into Xen and back;
 *   altp2m-switch          HVMOP_altp2m_switch_p2m, alternating between a
 *                          view that remaps a page and view 0; the page is
 *                          read after each switch (untimed) to prove that
 *                          the switch happened;
 *   altp2m-violation       one store to a page set to r in the active
 *                          view just before (untimed): the NPF, Xen's
 *                          relaxation to rwx, and the retried store;
 *                          get_mem_access after each (untimed) must say
 *                          rwx, or the sample was no violation and the
 *                          bench fails;
 *   altp2m-plain-write     the same store once relaxed: the floor.
 * Output, as the TPM bench:
 *   bench: <name> n=<samples> total_cycles=<sum> p50=<cycles> p99=<cycles>
 * then "altp2m: bench: <name>/null p50=<ratio> p99=<ratio>" for the
 * switch and the violation.  Nothing is asserted about the numbers; the
 * host job records them as figures.  Under QEMU TCG they say how the
 * paths compare with each other, not what they cost on hardware.
 */
#include "altp2m-test.h"

#define BENCH_SAMPLES   1000u

static uint64_t s_null[BENCH_SAMPLES], s_switch[BENCH_SAMPLES];
static uint64_t s_viol[BENCH_SAMPLES], s_plain[BENCH_SAMPLES];

/* A / B with two decimals into BUF. */
static const char *ratio(char *buf, size_t size, uint64_t a, uint64_t b)
{
    uint64_t q = a * 100;
    uint32_t hundredths;

    if ( !b || b > 0xffffffffu )
        return "?";
    (void)gtf_div64_32(&q, (uint32_t)b);
    hundredths = gtf_div64_32(&q, 100);
    snprintf(buf, size, "%llu.%02u", (unsigned long long)q, hundredths);
    return buf;
}

static void print_ratio(const char *name, const uint64_t *v)
{
    char r50[24], r99[24];
    unsigned int n = BENCH_SAMPLES;

    printk("altp2m: bench: %s/null p50=%s p99=%s\n", name,
           ratio(r50, sizeof(r50), gtf_percentile(v, n, 50),
                 gtf_percentile(s_null, n, 50)),
           ratio(r99, sizeof(r99), gtf_percentile(v, n, 99),
                 gtf_percentile(s_null, n, 99)));
}

static bool bench_switch(uint16_t view)
{
    uint16_t target;
    unsigned int i;
    uint64_t t0;
    int rc;

    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        target = (i & 1) ? 0 : view;
        t0 = rdtsc_ordered();
        rc = ap_switch_view(target);
        s_switch[i] = rdtsc_ordered() - t0;
        if ( rc || ap_peek(PG_ST_A) !=
                   ap_marker(target ? PG_ST_B : PG_ST_A) )
        {
            gtf_failure("altp2m: bench: switch %u to view %u: %s, or the "
                        "view did not change", i, target, ap_errname(rc));
            return false;
        }
    }
    return true;
}

static bool bench_violation(uint16_t view)
{
    uint32_t gfn = ap_gfn(PG_VIOL);
    unsigned int i;
    uint16_t a;
    int rc;

    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        rc = ap_set_access(view, gfn, AP_ACCESS_R);
        if ( rc )
        {
            gtf_failure("altp2m: bench: set r: %s", ap_errname(rc));
            return false;
        }
        s_viol[i] = ap_timed_write(PG_VIOL, 0x66000000u | i);
        rc = ap_get_access(view, gfn, &a);
        if ( rc || a != AP_ACCESS_RWX ||
             ap_peek(PG_VIOL) != (0x66000000u | i) )
        {
            gtf_failure("altp2m: bench: violation %u was not relaxed (%s)",
                        i, ap_errname(rc));
            return false;
        }
    }
    for ( i = 0; i < BENCH_SAMPLES; i++ )
        s_plain[i] = ap_timed_write(PG_VIOL, 0x67000000u | i);
    return true;
}

bool ap_phase_bench(void)
{
    unsigned int i;
    uint16_t view;
    uint64_t t0;
    bool ok;
    int rc;

    if ( gtf_tsc_khz() )
        printk("altp2m: bench: tsc_khz=%u\n", gtf_tsc_khz());
    else
        printk("altp2m: bench: tsc_khz=unknown\n");

    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        t0 = rdtsc_ordered();
        (void)ap_null_hypercall();
        s_null[i] = rdtsc_ordered() - t0;
    }

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc("bench", "create_p2m(rwx)", rc, 0) )
        return false;
    ok = ap_expect_rc("bench", "change_gfn(A -> B)",
                      ap_change_gfn(view, ap_gfn(PG_ST_A), ap_gfn(PG_ST_B)),
                      0) &&
         bench_switch(view) &&
         ap_expect_rc("bench", "switch_p2m(view)", ap_switch_view(view),
                      0) &&
         bench_violation(view);
    ap_drop_view("bench", view);
    if ( !ok )
        return false;

    gtf_bench_report("altp2m-null-hypercall", s_null, BENCH_SAMPLES);
    gtf_bench_report("altp2m-switch", s_switch, BENCH_SAMPLES);
    gtf_bench_report("altp2m-violation", s_viol, BENCH_SAMPLES);
    gtf_bench_report("altp2m-plain-write", s_plain, BENCH_SAMPLES);
    print_ratio("altp2m-switch", s_switch);
    print_ratio("altp2m-violation", s_viol);
    ap_ok("bench: %u samples each, every switch and violation checked",
          BENCH_SAMPLES);
    return true;
}
