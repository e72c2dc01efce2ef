/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * altp2m views owned by a dom0 monitor (xl.cfg altp2m = "external"),
 * with single vCPUs moved between views by vm_event responses: the
 * pattern of the paravisor's Virtual Trust Levels.  The monitor is
 * tests/host/progs/pvr-altp2m-mon; the protocol is in proto.h.  This
 * guest knows nothing of altp2m: it touches pages, runs CPUID at agreed
 * points and checks what the monitor's CPUID answers and its own memory
 * say.  The monitor checks its side and prints its own results.
 *
 * Pages (in .bss, gfn = address / 4096 with paging off): P is n in view
 * 1, Q is r in view 1, R is remapped to S's frame in view 1 only.
 *
 * What it proves, one "altp2m-ext: check NAME: ok" line per check:
 * - hello: the monitor answers, with the vCPU count.
 * - fault-in-view1: a read of P in view 1 is a violation the monitor
 *   sees with P's gfn, an R access and view 1; it resumes the vCPU in
 *   view 0 where the read completes with P's marker.
 * - cpuid-switches-back: a CPUID answered with "view 1" puts the vCPU
 *   back: the next read of P faults again; in view 0 it does not.
 * - write-denied: a write to Q in view 1 is a W violation on Q; the
 *   monitor skips the store, and the guest reads the old value in view 1
 *   and in view 0: the write never reached memory.
 * - change-gfn: in view 1, R reads (and writes) S's frame; in view 0 R
 *   is R.  The monitor checks that the host p2m still maps R to R.
 * - two-vcpus: with vCPU 0 in view 1, vCPU 1 reports view 0, reads R as
 *   R and touches P without a violation; then vCPU 1 alone is moved to
 *   view 1 and reads R as S while vCPU 0 reads R as R; vCPU 1's fault
 *   on P is counted for vCPU 1 only.  Then both vCPUs run 1000
 *   fault/switch round trips at once.
 * - stress: 10,000 violation round trips and 10,000 CPUID view switches
 *   on vCPU 0, every reply checked.
 * - logdirty-keeps-restriction: after log-dirty mode was enabled, P and
 *   Q written in view 0 (host p2m changes), and log-dirty disabled, P
 *   still faults and a write to Q is still denied in view 1.
 * - done, monitor-teardown: the monitor ran its end-of-run checks,
 *   answered DONE, and finished its teardown while the guest waited.
 * And bench lines ("bench: <name> n= total_cycles= p50= p99="): a
 * violation round trip, a CPUID round trip with and without a view
 * switch, and a null hypercall (xen_version), all timed with the TSC.
 *
 * What it cannot tell: whether Xen flushes the TLB correctly on a view
 * switch (QEMU's TCG flushes its nested TLB on every VMRUN, which hides
 * a missing ASID flush); anything with paging on in the guest; the
 * execute right (only r and w restrictions are used); more than two
 * vCPUs.  A hang of the monitor leaves a vCPU paused for ever: the
 * harness's timeouts catch it, not this guest.
 */
#include "altp2m-ext.h"

const char test_title[] = "altp2m views owned by a dom0 vm_event monitor";

uint8_t ax_pages[AX_NR_PAGES][AX_PAGE_SIZE]
    __attribute__((aligned(AX_PAGE_SIZE)));

void ax_pass(const char *check)
{
    printk("altp2m-ext: check %s: ok\n", check);
}

bool ax_expect(const char *check, bool cond, const char *fmt, ...)
{
    char msg[96];
    va_list args;

    if ( cond )
        return true;
    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);
    gtf_failure("altp2m-ext: check %s: %s", check, msg);
    return false;
}

bool ax_cmd(uint32_t cmd, uint32_t arg, struct ax_reply *r)
{
    ax_cpuid(cmd, arg, 0, r);
    if ( ax_acked(cmd, r) )
        return true;
    if ( (r->eax & AX_REPLY_MASK) == AX_NAK )
        gtf_error("altp2m-ext: monitor refused command %u: %s", cmd,
                  gtf_strerror((int)r->edx));
    else
        gtf_error("altp2m-ext: no monitor answer to command %u "
                  "(eax %08x)", cmd, r->eax);
    return false;
}

bool ax_expect_reply(const char *check, const struct ax_reply *r,
                     unsigned int was, unsigned int now, unsigned int viol,
                     enum ax_page p, uint32_t acc)
{
    bool ok = true;

    ok &= ax_expect(check, r->ebx == was, "vCPU was in view %u, expected "
                    "%u", r->ebx, was);
    ok &= ax_expect(check, r->edx == now, "vCPU resumes in view %u, "
                    "expected %u", r->edx, now);
    ok &= ax_expect(check, r->ecx == viol, "%u violations reported, "
                    "expected %u", r->ecx, viol);
    if ( viol == 1 && r->ecx == 1 )
    {
        ok &= ax_expect(check, r->esi == ax_gfn(p), "violation on gfn "
                        "0x%x, expected 0x%x", r->esi, ax_gfn(p));
        ok &= ax_expect(check, (r->edi & acc) == acc &&
                        (r->edi >> 16) == AX_VIEW, "violation flags 0x%x, "
                        "expected access 0x%x in view %u", r->edi, acc,
                        AX_VIEW);
    }
    return ok;
}

bool ax_phase_hello(void)
{
    static const uint32_t mark[AX_NR_PAGES] = {
        AX_MARK_P, AX_MARK_Q, AX_MARK_R, AX_MARK_S,
    };
    struct ax_reply r;
    unsigned int i;

    for ( i = 0; i < AX_NR_PAGES; i++ )
        *ax_word(i, 0) = mark[i];

    ax_cpuid(AX_CMD_HELLO, ax_gfn(AX_P), AX_NR_PAGES, &r);
    if ( !ax_acked(AX_CMD_HELLO, &r) )
    {
        gtf_error("altp2m-ext: the monitor did not accept HELLO (eax %08x "
                  "edx %08x)", r.eax, r.edx);
        return false;
    }
    printk("altp2m-ext: monitor: %u vCPUs; pages P 0x%x Q 0x%x R 0x%x "
           "S 0x%x\n", r.edx, ax_gfn(AX_P), ax_gfn(AX_Q), ax_gfn(AX_R),
           ax_gfn(AX_S));
    if ( !ax_expect("hello", r.ebx == 0 && r.ecx == 0, "started in view "
                    "%u with %u violations", r.ebx, r.ecx) )
        return false;
    ax_pass("hello");
    return true;
}

/* Spins until *WORD == VAL; false after SECONDS. */
static bool wait_word(volatile uint32_t *word, uint32_t val,
                      unsigned int seconds)
{
    uint64_t khz = gtf_tsc_khz(), start = rdtsc_ordered();
    uint64_t limit = (uint64_t)khz * 1000 * seconds, spins = 0;

    while ( *word != val )
    {
        if ( khz ? rdtsc_ordered() - start > limit
                 : ++spins > 100000000ull )
            return false;
        gtf_vcpu_yield();
    }
    return true;
}

/*
 * DONE and, after a HELLO, the handshake of proto.h: the guest stays
 * alive until the monitor has torn down.
 */
bool ax_phase_done(bool after_hello)
{
    struct ax_reply r;

    if ( !ax_cmd(AX_CMD_DONE, 0, &r) )
        return false;
    if ( ax_expect("done", r.edx == 0, "resumed in view %u", r.edx) )
        ax_pass("done");
    if ( !after_hello )
        return true;

    *ax_word(AX_P, AX_BYE_WORD) = AX_BYE_GUEST;
    if ( !wait_word(ax_word(AX_P, AX_BYE_WORD + 1), AX_BYE_MONITOR, 120) )
    {
        gtf_error("altp2m-ext: the monitor did not finish its teardown");
        return false;
    }
    ax_pass("monitor-teardown");
    return true;
}

void test_main(void)
{
    struct ax_reply r;

    if ( !gtf_on_xen() )
    {
        gtf_skip("needs Xen and the dom0 monitor pvr-altp2m-mon");
        return;
    }
    /* Without a monitor, leaf AX_LEAF is an ordinary (unknown) leaf. */
    ax_cpuid(AX_CMD_QUERY, 0, 0, &r);
    if ( !ax_acked(AX_CMD_QUERY, &r) )
    {
        gtf_error("altp2m-ext: no monitor answers CPUID leaf 0x%x (eax "
                  "%08x)", AX_LEAF, r.eax);
        return;
    }

    if ( !ax_phase_hello() )
    {
        ax_phase_done(false);
        return;
    }
    /* After a failed phase, DONE still lets the monitor end cleanly. */
    if ( ax_phase_fault() && ax_phase_write_denied() &&
         ax_phase_change_gfn() && ax_phase_vcpus() && ax_phase_bench() )
        ax_phase_logdirty();
    if ( ax_phase_done(true) && gtf_ok() )
        gtf_success();
}
