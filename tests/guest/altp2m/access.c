/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * T1 (mem_access relax), T2 (exec) and T4 (a view's default access).
 * What each proves and cannot is in main.c's header.
 *
 * Two ways to see that an access faulted and Xen relaxed the entry:
 * - in a created view (index > 0), get_mem_access on that view reports
 *   the relaxed value (p2m_mem_access_check() resets the active view's
 *   entry to rwx when no vm_event listener is present);
 * - through view 0 the ABI shows the *host* p2m, while the vCPU runs on
 *   its altp2m copy of it: the relaxation lands in the copy and the host
 *   keeps the restriction.  There the fault is seen by its cost only: the
 *   restricted access must take a trip through Xen (ap_took_exit()) and
 *   the same access right after it must not.
 */
#include "altp2m-test.h"

#define ROUNDS      32
#define CODE_MAGIC  0x600d0000u

static const uint8_t settable[] = {
    AP_ACCESS_N, AP_ACCESS_R, AP_ACCESS_RW, AP_ACCESS_RX, AP_ACCESS_RWX,
    AP_ACCESS_RX2RW, AP_ACCESS_N2RWX,
};
/* What NPT cannot express: no "write without read", no "exec only". */
static const uint8_t refused[] = { AP_ACCESS_W, AP_ACCESS_X, AP_ACCESS_WX };

/* Every value NPT can hold is stored and read back unchanged. */
static bool round_trip(const char *tag, uint16_t view, enum ap_page p)
{
    unsigned int i;
    uint16_t a;
    int rc;

    for ( i = 0; i < ARRAY_SIZE(settable); i++ )
    {
        rc = ap_set_access(view, ap_gfn(p), settable[i]);
        if ( !rc )
            rc = ap_get_access(view, ap_gfn(p), &a);
        if ( rc || a != settable[i] )
        {
            gtf_failure("altp2m: %s: view %u: set %s, read back %s (%s)",
                        tag, view, ap_access_name(settable[i]),
                        rc ? "nothing" : ap_access_name(a), ap_errname(rc));
            return false;
        }
    }
    ap_ok("%s: view %u: n r rw rx rwx rx2rw n2rwx stored and read back",
          tag, view);
    return ap_expect_rc(tag, "back to rwx",
                        ap_set_access(view, ap_gfn(p), AP_ACCESS_RWX), 0);
}

/* w, x and wx are refused with -EINVAL and leave the entry alone. */
static bool refuse(const char *tag, uint16_t view, enum ap_page p)
{
    char what[48];
    unsigned int i;
    bool ok = true;

    if ( !ap_expect_rc(tag, "set r", ap_set_access(view, ap_gfn(p),
                                                   AP_ACCESS_R), 0) )
        return false;
    for ( i = 0; i < ARRAY_SIZE(refused); i++ )
    {
        snprintf(what, sizeof(what), "view %u: set %s", view,
                 ap_access_name(refused[i]));
        ok &= ap_expect_rc(tag, what,
                           ap_set_access(view, ap_gfn(p), refused[i]),
                           -EINVAL);
    }
    return ap_expect_access(tag, "still r after the refused sets", view, p,
                            AP_ACCESS_R) && ok;
}

/* Median of the N samples in V (sorts V). */
static uint64_t median(uint64_t *v, unsigned int n)
{
    gtf_sort(v, n);
    return gtf_percentile(v, n, 50);
}

/*
 * Through view 0, ROUNDS times: restrict page P to LIMIT, then time
 * ACCESS twice, a store to a page never restricted and a null hypercall.
 * The first access must cost an exit and the second must not (the vCPU's
 * view was relaxed), judged against the store and the hypercall of the
 * same rounds, and the host must keep LIMIT.
 */
static bool host_rounds(const char *tag, enum ap_page p, uint16_t limit,
                        uint64_t (*access)(unsigned int round))
{
    static uint64_t first[ROUNDS], again[ROUNDS], plain[ROUNDS];
    static uint64_t null[ROUNDS];
    struct ap_exit_cost cost;
    uint64_t f50, a50, t0;
    unsigned int i;
    int rc;

    for ( i = 0; i < ROUNDS; i++ )
    {
        rc = ap_set_access(0, ap_gfn(p), limit);
        if ( rc )
            return ap_expect_rc(tag, "set again", rc, 0);
        first[i] = access(i);
        again[i] = access(i);
        plain[i] = ap_timed_write(PG_T7, ap_marker(PG_T7));
        t0 = rdtsc_ordered();
        (void)ap_null_hypercall();
        null[i] = rdtsc_ordered() - t0;
    }
    f50 = median(first, ROUNDS);
    a50 = median(again, ROUNDS);
    cost.plain = median(plain, ROUNDS);
    cost.null = median(null, ROUNDS);
    printk("altp2m: %s: p50 cycles: restricted %llu, next %llu, store %llu, "
           "hypercall %llu\n", tag, (unsigned long long)f50,
           (unsigned long long)a50, (unsigned long long)cost.plain,
           (unsigned long long)cost.null);

    if ( !ap_took_exit(&cost, f50) )
    {
        gtf_failure("altp2m: %s: the restricted access took no exit: the "
                    "host restriction did not reach the vCPU's view", tag);
        return false;
    }
    ap_ok("%s: %u restricted accesses each took an exit", tag, ROUNDS);
    if ( ap_took_exit(&cost, a50) )
    {
        gtf_failure("altp2m: %s: the access after the relaxed one still "
                    "took an exit: not relaxed", tag);
        return false;
    }
    ap_ok("%s: the accesses right after them took none (relaxed)", tag);
    return ap_expect_access(tag, "the host keeps the restriction", 0, p,
                            limit);
}

static uint64_t write_round(unsigned int round)
{
    uint32_t v = 0x11110000u | round;
    uint64_t t = ap_timed_write(PG_T1_HOST, v);

    if ( ap_peek(PG_T1_HOST) != v )
    {
        gtf_failure("altp2m: t1: round %u: the write did not land", round);
        return 0;
    }
    return t;
}

static bool t1_host(void)
{
    const char *tag = "t1";
    bool ok;

    /* The vCPU's copy of view 0 must hold the gfn before it is restricted. */
    ap_poke(PG_T1_HOST, ap_marker(PG_T1_HOST));
    ok = round_trip(tag, 0, PG_T1_HOST) && refuse(tag, 0, PG_T1_HOST);
    if ( !ok )
        return false;

    ap_poke(PG_T1_HOST, 0x1111ffffu);
    ok = ap_expect_word(tag, "view 0: write to an r page landed",
                        PG_T1_HOST, 0x1111ffffu) &&
         host_rounds(tag, PG_T1_HOST, AP_ACCESS_R, write_round);
    return ap_expect_rc(tag, "view 0: back to rwx",
                        ap_set_access(0, ap_gfn(PG_T1_HOST), AP_ACCESS_RWX),
                        0) && ok;
}

/*
 * Restricts PG_T1_VIEW to ACCESS in VIEW (the active one), reads or
 * writes it, and checks the value and what get_mem_access(VIEW) says.
 */
static bool relax_one(uint16_t view, uint16_t access, bool write,
                      unsigned int want)
{
    static uint32_t last;
    const char *tag = "t1";
    char what[64];
    int rc;

    if ( !last )
        last = ap_marker(PG_T1_VIEW);
    rc = ap_set_access(view, ap_gfn(PG_T1_VIEW), access);
    if ( rc )
        return ap_expect_rc(tag, "set", rc, 0);
    if ( write )
    {
        last = 0x22220000u | access;
        ap_poke(PG_T1_VIEW, last);
    }
    snprintf(what, sizeof(what), "%s on %s: %s", write ? "write" : "read",
             ap_access_name(access), write ? "landed" : "value");
    if ( !ap_expect_word(tag, what, PG_T1_VIEW, last) )
        return false;
    snprintf(what, sizeof(what), "after a %s on %s",
             write ? "write" : "read", ap_access_name(access));
    return ap_expect_access(tag, what, view, PG_T1_VIEW, want);
}

static bool t1_view(void)
{
    const char *tag = "t1";
    uint16_t view;
    bool ok;
    int rc;

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc(tag, "create_p2m(rwx)", rc, 0) )
        return false;
    ok = round_trip(tag, view, PG_T1_VIEW) && refuse(tag, view, PG_T1_VIEW);
    ok = ok && ap_expect_access(tag, "host untouched", 0, PG_T1_VIEW,
                                AP_ACCESS_RWX);
    if ( ok && !ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view),
                             0) )
        ok = false;
    if ( ok )
    {
        /* A read of an r page is no violation; a write is one. */
        ok = relax_one(view, AP_ACCESS_R, false, AP_ACCESS_R) &&
             relax_one(view, AP_ACCESS_R, true, AP_ACCESS_RWX) &&
             relax_one(view, AP_ACCESS_N, false, AP_ACCESS_RWX) &&
             relax_one(view, AP_ACCESS_RX, true, AP_ACCESS_RWX) &&
             relax_one(view, AP_ACCESS_RX2RW, true, AP_ACCESS_RW) &&
             relax_one(view, AP_ACCESS_N2RWX, false, AP_ACCESS_RWX);
    }
    ap_drop_view(tag, view);
    return ok;
}

bool ap_phase_access(void)
{
    bool ok = t1_host();

    /* t1_host() leaves view 0 as it found it, even when a check failed. */
    return t1_view() && ok;
}

/* T2: "mov $imm, %eax; ret" written at run time into PG_T2_CODE. */
typedef uint32_t (*code_fn)(void);

static void write_code(uint32_t imm)
{
    uint8_t *c = ap_pages[PG_T2_CODE];

    c[0] = 0xb8;
    memcpy(&c[1], &imm, 4);
    c[5] = 0xc3;
}

static uint64_t call_round(unsigned int round)
{
    code_fn fn = (code_fn)(uintptr_t)ap_pages[PG_T2_CODE];
    uint64_t t0 = rdtsc_ordered();
    uint32_t got = fn();
    uint64_t t = rdtsc_ordered() - t0;

    if ( got != CODE_MAGIC )
    {
        gtf_failure("altp2m: t2: round %u: the code returned 0x%x", round,
                    got);
        return 0;
    }
    return t;
}

bool ap_phase_exec(void)
{
    const char *tag = "t2";
    code_fn fn = (code_fn)(uintptr_t)ap_pages[PG_T2_CODE];
    uint16_t view;
    bool ok;
    int rc;

    write_code(CODE_MAGIC);
    /* Checks the code once, and leaves its gfn in the vCPU's view. */
    if ( !call_round(0) )
        return false;
    ok = ap_expect_rc(tag, "view 0: set rw",
                      ap_set_access(0, ap_gfn(PG_T2_CODE), AP_ACCESS_RW), 0);
    ok = ok && host_rounds(tag, PG_T2_CODE, AP_ACCESS_RW, call_round);
    if ( !ap_expect_rc(tag, "view 0: back to rwx",
                       ap_set_access(0, ap_gfn(PG_T2_CODE), AP_ACCESS_RWX),
                       0) || !ok )
        return false;

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc(tag, "create_p2m(rwx)", rc, 0) )
        return false;
    ok = ap_expect_rc(tag, "set rw in the view",
                      ap_set_access(view, ap_gfn(PG_T2_CODE), AP_ACCESS_RW),
                      0) &&
         ap_expect_access(tag, "before the call", view, PG_T2_CODE,
                          AP_ACCESS_RW) &&
         ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view), 0);
    if ( ok )
    {
        uint32_t got = fn();

        if ( got == CODE_MAGIC )
            ap_ok("%s: call into an rw page returned 0x%x", tag, got);
        else
        {
            gtf_failure("altp2m: t2: the call returned 0x%x", got);
            ok = false;
        }
        ok = ap_expect_access(tag, "after the call", view, PG_T2_CODE,
                              AP_ACCESS_RWX) && ok;
    }
    ap_drop_view(tag, view);
    return ok;
}

/*
 * T4: before the vCPU ever ran on the view, nothing has been copied into
 * it: get_mem_access finds no entry.
 */
static bool untouched(const char *tag, uint16_t view, enum ap_page p)
{
    uint16_t a = 0xffff;
    int rc = ap_get_access(view, ap_gfn(p), &a);

    if ( rc == -ESRCH )
    {
        ap_ok("%s: gfn 0x%x before: no entry in the new view (-ESRCH)", tag,
              ap_gfn(p));
        return true;
    }
    gtf_failure("altp2m: %s: gfn 0x%x in a view never used: %s, access %s; "
                "want -ESRCH", tag, ap_gfn(p), ap_errname(rc),
                rc ? "-" : ap_access_name(a));
    return false;
}

bool ap_phase_default(void)
{
    const char *tag = "t4";
    uint32_t w = 0x44440001u;
    uint16_t view;
    bool ok;
    int rc;

    rc = ap_create_view(AP_ACCESS_R, &view);
    if ( !ap_expect_rc(tag, "create_p2m(default r)", rc, 0) )
        return false;
    ok = untouched(tag, view, PG_T4_R) && untouched(tag, view, PG_T4_W) &&
         ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view), 0);
    if ( ok )
    {
        ok = ap_expect_word(tag, "read in the view", PG_T4_R,
                            ap_marker(PG_T4_R));
        ap_poke(PG_T4_W, w);
        ok = ap_expect_word(tag, "write in the view landed", PG_T4_W, w) &&
             ok;
        ok = ap_expect_rc(tag, "switch_p2m(0)", ap_switch_view(0), 0) && ok;
        ok = ap_expect_access(tag, "read page keeps the default", view,
                              PG_T4_R, AP_ACCESS_R) && ok;
        ok = ap_expect_access(tag, "written page was relaxed", view,
                              PG_T4_W, AP_ACCESS_RWX) && ok;
        ok = ap_expect_access(tag, "host untouched", 0, PG_T4_R,
                              AP_ACCESS_RWX) && ok;
        ok = ap_expect_word(tag, "view 0 sees the write", PG_T4_W, w) && ok;
    }
    ap_drop_view(tag, view);
    ap_poke(PG_T4_W, ap_marker(PG_T4_W));
    return ok;
}
