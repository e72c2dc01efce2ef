/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stress: many view switches, many relaxed violations, and many view
 * lifecycles in a row.  What each proves and cannot is in main.c's
 * header.  Nothing is printed inside a loop: every console byte is an
 * exit to Xen.
 */
#include "altp2m-test.h"

#define SWITCHES        10000u
#define VIOLATIONS      10000u
#define VIOL_CHECK      100u    /* get_mem_access after every 100th. */
#define LIFECYCLES      1000u

/* Milliseconds since T0, or 0 when the TSC rate is unknown. */
static uint32_t ms_since(uint64_t t0)
{
    uint64_t d = rdtsc_ordered() - t0;

    if ( !gtf_tsc_khz() )
        return 0;
    gtf_div64_32(&d, gtf_tsc_khz());
    return (uint32_t)d;
}

static bool switches(uint16_t view)
{
    uint64_t t0 = rdtsc_ordered();
    uint32_t want, got;
    uint16_t target;
    unsigned int i;
    int rc;

    for ( i = 0; i < SWITCHES; i++ )
    {
        /* Odd rounds go back to view 0, so the loop ends there. */
        target = (i & 1) ? 0 : view;
        rc = ap_switch_view(target);
        if ( rc )
        {
            gtf_failure("altp2m: stress: switch %u to view %u: %s", i,
                        target, ap_errname(rc));
            return false;
        }
        want = target ? ap_marker(PG_ST_B) : ap_marker(PG_ST_A);
        got = ap_peek(PG_ST_A);
        if ( got != want )
        {
            gtf_failure("altp2m: stress: after switch %u to view %u, A "
                        "holds 0x%08x, want 0x%08x", i, target, got, want);
            return false;
        }
    }
    ap_ok("stress: %u view switches, A checked after each (%u ms)",
          SWITCHES, ms_since(t0));
    return true;
}

static bool violations(uint16_t view)
{
    uint64_t t0 = rdtsc_ordered();
    uint32_t gfn = ap_gfn(PG_VIOL), v;
    unsigned int i;
    uint16_t a;
    int rc;

    for ( i = 0; i < VIOLATIONS; i++ )
    {
        rc = ap_set_access(view, gfn, AP_ACCESS_R);
        if ( rc )
        {
            gtf_failure("altp2m: stress: violation %u: set r: %s", i,
                        ap_errname(rc));
            return false;
        }
        v = 0x55000000u | i;
        ap_poke(PG_VIOL, v);
        if ( ap_peek(PG_VIOL) != v )
        {
            gtf_failure("altp2m: stress: violation %u: the write did not "
                        "land", i);
            return false;
        }
        if ( (i + 1) % VIOL_CHECK )
            continue;
        rc = ap_get_access(view, gfn, &a);
        if ( rc || a != AP_ACCESS_RWX )
        {
            gtf_failure("altp2m: stress: violation %u: get_mem_access %s, "
                        "%s; want rwx", i, ap_errname(rc),
                        rc ? "-" : ap_access_name(a));
            return false;
        }
    }
    ap_ok("stress: %u writes to an r page relaxed, every %uth checked "
          "(%u ms)", VIOLATIONS, VIOL_CHECK, ms_since(t0));
    return true;
}

/* A failure in cycle I; -ENOMEM says the HAP pool ran dry. */
static bool lifecycle_failed(unsigned int i, const char *what, int rc)
{
    if ( rc == -ENOMEM )
        gtf_failure("altp2m: stress: %s -ENOMEM after %u view "
                    "create/destroy cycles: view pages leak", what, i);
    else
        gtf_failure("altp2m: stress: cycle %u: %s: %s", i, what,
                    ap_errname(rc));
    return false;
}

static bool lifecycles(void)
{
    uint64_t t0 = rdtsc_ordered();
    unsigned int i;
    uint16_t view;
    int rc;

    for ( i = 0; i < LIFECYCLES; i++ )
    {
        if ( (rc = ap_create_view(AP_ACCESS_RWX, &view)) )
            return lifecycle_failed(i, "create_p2m", rc);
        /* Makes the view allocate its own intermediate tables. */
        rc = ap_change_gfn(view, ap_gfn(PG_ST_A), ap_gfn(PG_ST_B));
        if ( rc )
        {
            ap_drop_view("stress", view);
            return lifecycle_failed(i, "change_gfn", rc);
        }
        if ( (rc = ap_switch_view(view)) )
        {
            ap_drop_view("stress", view);
            return lifecycle_failed(i, "switch_p2m(view)", rc);
        }
        if ( ap_peek(PG_ST_A) != ap_marker(PG_ST_B) )
        {
            ap_drop_view("stress", view);
            gtf_failure("altp2m: stress: cycle %u: view %u does not remap",
                        i, view);
            return false;
        }
        if ( (rc = ap_switch_view(0)) )
            return lifecycle_failed(i, "switch_p2m(0)", rc);
        if ( (rc = ap_destroy_view(view)) )
            return lifecycle_failed(i, "destroy_p2m", rc);
    }
    ap_ok("stress: %u views created, used and destroyed (%u ms)", LIFECYCLES,
          ms_since(t0));
    return true;
}

bool ap_phase_stress(void)
{
    uint16_t view;
    bool ok;
    int rc;

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc("stress", "create_p2m(rwx)", rc, 0) )
        return false;
    ok = ap_expect_rc("stress", "change_gfn(A -> B)",
                      ap_change_gfn(view, ap_gfn(PG_ST_A), ap_gfn(PG_ST_B)),
                      0) &&
         switches(view) &&
         ap_expect_rc("stress", "switch_p2m(view)", ap_switch_view(view),
                      0) &&
         violations(view);
    ap_drop_view("stress", view);
    return ok && lifecycles();
}
