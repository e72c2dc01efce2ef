/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * altp2m and mem_access on AMD SVM/NPT, driven from inside the guest.
 *
 * The guest runs with altp2m = "mixed" in its xl.cfg, which lets it issue
 * HVMOP_altp2m on itself (DOMID_SELF), and no vm_event listener exists,
 * so every access violation is resolved by Xen itself:
 * p2m_mem_access_check() promotes rx2rw to rw and everything else to rwx
 * in the vCPU's active view, and the access is retried.  Xen must be
 * booted with altp2m=1.  One vCPU, interrupts off throughout.
 *
 * What it proves, one "altp2m: <phase>: ...: ok" line per check:
 * state  get_domain_state says off, set_domain_state(1) succeeds, then
 *        it says on.  -EOPNOTSUPP here (stock Xen on AMD, or Xen without
 *        altp2m=1) ends the test as SKIP "needs xen-patches".
 * t1     mem_access.  Through view 0 (the host p2m): each access NPT can
 *        express (n r rw rx rwx rx2rw n2rwx) is stored and read back;
 *        w, x and wx are refused with -EINVAL and leave the entry alone;
 *        a write to an r page lands; over 32 rounds the restricted write
 *        costs an exit and the write right after it does not, while the
 *        host still says r.  So the host restriction reached the vCPU's
 *        copy of view 0 (propagation) and the fault relaxed that copy,
 *        not the host.  In a created view, where get_mem_access shows
 *        the view itself: a read of an r page leaves r (no spurious
 *        fault), a write to r, a read of n and a write to rx each leave
 *        rwx, a write to rx2rw leaves rw, a read of n2rwx leaves rwx.
 * t2     exec: a page of code set to rw (no x) still runs when called,
 *        through view 0 (exit on the first call, none on the second,
 *        host keeps rw) and in a view (get_mem_access says rwx after the
 *        call): NX is enforced through NPT and the fetch fault relaxed.
 * t3     views: create_p2m, change_gfn(A -> B) in the view, switch_p2m;
 *        get_p2m_idx follows; in the view A reads B's marker and a write
 *        to A lands in B; back in view 0 A reads A's marker.  So a switch
 *        really changes the nested page table the vCPU walks.
 *        destroy_p2m of the active view is -EBUSY and leaves it intact;
 *        after switching back it succeeds, and switching to the destroyed
 *        view is -EINVAL.  change_gfn(A, INVALID_GFN) undoes a remap.
 * t4     default access: in a view created with default r, a page that
 *        is only read still says r afterwards (the lazy copy from the
 *        host took the view's default, not the host's rwx: upstream
 *        7e5b662b28), a written page says rwx, the host is untouched.
 *        Before the vCPU ran on the view, get_mem_access finds no entry
 *        (-ESRCH): views are filled lazily, on the first fault.
 * t5     reset: the view remaps A to B, then the guest gives B back with
 *        XENMEM_decrease_reservation.  B is in the view's remapped range,
 *        so Xen must reset the whole view: A reads A's marker again.  Done
 *        once with view 0 active and once with the resetting view active
 *        (the vCPU keeps running on it); B is then repopulated.
 * t7     refusals: vcpu_enable_notify, vcpu_disable_notify and
 *        set_suppress_ve(clear) are -EOPNOTSUPP (#VE is VMX-only);
 *        get_suppress_ve says set; create_p2m with default w or an
 *        unknown access is -EINVAL; switch to view 10 or an unused view
 *        -EINVAL; destroy of view 0, 10 or an unused view -EBUSY;
 *        set/get_mem_access and change_gfn on a bad view -EINVAL; a gfn
 *        without memory -ESRCH; a wrong version or padding -EINVAL, an
 *        unknown command -EOPNOTSUPP, an unknown domain -ESRCH; nine
 *        views can be created and the tenth create is -EINVAL.
 * stress 10,000 switches with A checked after every one; 10,000 writes to
 *        a page set to r just before, every 100th checked with
 *        get_mem_access; 1,000 cycles of create, change_gfn, switch in,
 *        check, switch out, destroy.  No hang, no drift, no crash.
 * bench  null hypercall, view switch, relaxed write violation and plain
 *        write, p50/p99 in TSC cycles (see bench.c).
 * end    set_domain_state(0) succeeds, the state reads off, A reads A's
 *        marker, and create_p2m is -EOPNOTSUPP again.
 *
 * What it cannot tell:
 * - ASID/TLB correctness.  QEMU TCG flushes its nested TLB on every VMRUN,
 *   so a view switch or a view reset that forgets hvm_asid_flush_vcpu()
 *   or the flush before freeing a view's tables still passes here.  That
 *   needs real AMD hardware (or review).
 * - Anything about vm_event: with no listener there is no request to
 *   look at (flags, gfn, the missing GLA on SVM); the host-side
 *   xen-access style job covers that.
 * - Multi-vCPU effects: the pause of other vCPUs on a domain-wide switch,
 *   or a view reset while another vCPU runs on it.
 * - Through view 0, the fault is seen by its cost only (ap_took_exit():
 *   the access must exceed a plain store by at least half of what a null
 *   hypercall exceeds it by, medians of the same 32 rounds).  A vCPU
 *   descheduled during most rounds could make a missing fault look like
 *   one.  The job runs the guest with tsc_mode = "native": under TCG Xen
 *   would otherwise trap every rdtsc, and the exits of the clock itself
 *   blur both this check and the bench.
 * - How many faults an access took: a relaxed entry looks the same after
 *   one NPF or after several, and t4 cannot separate the lazy-copy NPF
 *   from the violation NPF.
 * - Leaks smaller than the stress can reveal: with the HAP pool the job
 *   gives this guest (shadow_memory = 2 MiB, 512 pages, libxl's own
 *   choice for 128 MiB and one vCPU), one leaked pool page per view
 *   lifecycle runs the pool dry within about 500 cycles, which shows as
 *   -ENOMEM from create_p2m or change_gfn, or as a domain crashed by a
 *   failed lazy copy (no result line).  A leak of under half a page per
 *   cycle, of Xen heap rather than pool pages (the per-view log-dirty
 *   rangeset), or on paths not taken here, stays invisible.
 * - Bench numbers under TCG compare paths with each other; they say
 *   nothing about the cost on hardware.
 */
#include "altp2m-test.h"

const char test_title[] = "altp2m and mem_access from inside the guest "
                          "(altp2m=\"mixed\")";

static bool cpu_is_amd(char vendor[13])
{
    uint32_t eax, regs[3];

    cpuid(0, &eax, &regs[0], &regs[2], &regs[1]);
    memcpy(vendor, regs, 12);
    vendor[12] = '\0';
    return !memcmp(vendor, "AuthenticAMD", 12);
}

bool ap_phase_state(void)
{
    const char *tag = "state";
    char vendor[13];
    bool on = true;
    int rc;

    if ( !gtf_on_xen() )
    {
        gtf_skip("altp2m: needs Xen");
        return false;
    }
    if ( !cpu_is_amd(vendor) )
    {
        gtf_skip("altp2m: the expectations are AMD SVM/NPT's; CPU is %s",
                 vendor);
        return false;
    }

    rc = ap_get_domain_state(&on);
    if ( rc == -EOPNOTSUPP )
    {
        gtf_skip("needs xen-patches: HVMOP_altp2m get_domain_state is "
                 "-EOPNOTSUPP (no altp2m on AMD, or no altp2m=1)");
        return false;
    }
    if ( rc == -EINVAL )
    {
        gtf_error("altp2m: state: get_domain_state -EINVAL: the domain "
                  "has no altp2m mode (altp2m=\"mixed\" missing?)");
        return false;
    }
    if ( !ap_expect_rc(tag, "get_domain_state", rc, 0) )
        return false;
    if ( on )
    {
        gtf_failure("altp2m: state: altp2m already on before the test");
        return false;
    }
    ap_ok("%s: altp2m off at boot", tag);

    rc = ap_set_domain_state(true);
    if ( rc == -EOPNOTSUPP )
    {
        gtf_skip("needs xen-patches: HVMOP_altp2m set_domain_state(1) is "
                 "-EOPNOTSUPP");
        return false;
    }
    if ( !ap_expect_rc(tag, "set_domain_state(1)", rc, 0) )
        return false;
    rc = ap_get_domain_state(&on);
    if ( rc || !on )
    {
        gtf_failure("altp2m: state: after set_domain_state(1): %s, state "
                    "%u", ap_errname(rc), on);
        return false;
    }
    ap_ok("%s: altp2m on", tag);

    ap_mark_all();
    return ap_calibrate();
}

bool ap_phase_teardown(void)
{
    const char *tag = "end";
    uint16_t view;
    bool on = true, ok;
    int rc;

    if ( !ap_expect_rc(tag, "set_domain_state(0)", ap_set_domain_state(false),
                       0) )
        return false;
    rc = ap_get_domain_state(&on);
    if ( rc || on )
    {
        gtf_failure("altp2m: end: after set_domain_state(0): %s, state %u",
                    ap_errname(rc), on);
        return false;
    }
    ap_ok("%s: altp2m off", tag);
    ok = ap_expect_word(tag, "A reads A's marker", PG_T3_A,
                        ap_marker(PG_T3_A));
    return ap_expect_rc(tag, "create_p2m with altp2m off",
                        ap_create_view(AP_ACCESS_RWX, &view), -EOPNOTSUPP) &&
           ok;
}

void test_main(void)
{
    printk("altp2m: phases: state t1 t2 t3 t4 t5 t7 stress bench end\n");
    if ( !ap_phase_state() )
        return;

    /*
     * Each functional phase returns to view 0 and destroys its views even
     * when a check fails, so the next one starts clean.
     */
    (void)ap_phase_access();
    (void)ap_phase_exec();
    (void)ap_phase_views();
    (void)ap_phase_default();
    (void)ap_phase_reset();
    (void)ap_phase_negative();

    /* Loads and numbers mean something only on a hypervisor that passed. */
    if ( gtf_ok() && ap_phase_stress() )
        (void)ap_phase_bench();

    (void)ap_phase_teardown();
    gtf_success();
}
