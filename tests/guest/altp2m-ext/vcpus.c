/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two vCPUs, one view each: the monitor moves one vCPU by answering its
 * event, and the other must stay where it is.
 *
 * vCPU 1 is started with gtf_vcpu_up() and runs a script in lock step
 * with vCPU 0: vCPU 0 publishes "go N", vCPU 1 runs step N and
 * publishes "done N".  vCPU 1 never prints; it leaves its replies and
 * reads in struct v1 for vCPU 0 to check and report.  Every wait is
 * bounded by the TSC (or a spin count when its rate is unknown).
 *
 *   step 1: vCPU 0 is in view 1.  vCPU 1 queries (view 0 expected),
 *           reads R (R's marker), reads P (no violation) and queries.
 *   step 2: vCPU 0 has left view 1.  vCPU 1 enters view 1, reads R
 *           (S's marker now).
 *   step 3: vCPU 0 (view 0) has read R as R meanwhile.  vCPU 1 reads P:
 *           a violation for vCPU 1 in view 1, resumed in view 0.
 *   step 4: both vCPUs run CONCURRENT_ROUNDS of {enter view 1, read P}
 *           at the same time; vCPU 1 counts bad replies, then leaves.
 */
#include "altp2m-ext.h"

#define CONCURRENT_ROUNDS   1000
#define WAIT_SECONDS        300
#define NR_STEPS            5

static struct {
    volatile uint32_t go, done;
    struct ax_reply reply[NR_STEPS][2];
    uint32_t value[NR_STEPS];
    uint32_t bad_rounds, first_bad_round;
    struct ax_reply first_bad;
} v1;

static void publish(volatile uint32_t *flag, uint32_t n)
{
    gtf_vcpu_publish(flag, n);
}

static bool wait_for(volatile uint32_t *flag, uint32_t n)
{
    return gtf_vcpu_wait(flag, n, WAIT_SECONDS);
}

/* One round of the concurrent part: false when a reply is wrong. */
static bool round_trip(struct ax_reply *r)
{
    uint32_t v;

    ax_cpuid(AX_CMD_ENTER, 0, 0, r);
    if ( !ax_acked(AX_CMD_ENTER, r) || r->edx != AX_VIEW )
        return false;
    v = ax_read(AX_P, 0);
    ax_cpuid(AX_CMD_QUERY, 0, 0, r);
    return ax_acked(AX_CMD_QUERY, r) && v == AX_MARK_P && r->ebx == 0 &&
           r->ecx == 1 && r->esi == ax_gfn(AX_P);
}

static void v1_main(unsigned int vcpu)
{
    struct ax_reply r;
    unsigned int i;

    (void)vcpu;
    if ( !wait_for(&v1.go, 1) )
        return;
    ax_cpuid(AX_CMD_QUERY, 0, 0, &v1.reply[1][0]);
    v1.value[1] = ax_read(AX_R, 0);
    (void)ax_read(AX_P, 0);
    ax_cpuid(AX_CMD_QUERY, 0, 0, &v1.reply[1][1]);
    publish(&v1.done, 1);

    if ( !wait_for(&v1.go, 2) )
        return;
    ax_cpuid(AX_CMD_ENTER, 0, 0, &v1.reply[2][0]);
    v1.value[2] = ax_read(AX_R, 0);
    publish(&v1.done, 2);

    if ( !wait_for(&v1.go, 3) )
        return;
    v1.value[3] = ax_read(AX_P, 0);
    ax_cpuid(AX_CMD_QUERY, 0, 0, &v1.reply[3][0]);
    publish(&v1.done, 3);

    if ( !wait_for(&v1.go, 4) )
        return;
    for ( i = 0; i < CONCURRENT_ROUNDS; i++ )
        if ( !round_trip(&r) && !v1.bad_rounds++ )
        {
            v1.first_bad_round = i;
            v1.first_bad = r;
        }
    ax_cpuid(AX_CMD_LEAVE, 0, 0, &v1.reply[4][0]);
    publish(&v1.done, 4);
}

/* Waits for vCPU 1 to finish step N; false (an Error) if it does not. */
static bool step_done(uint32_t n)
{
    if ( wait_for(&v1.done, n) )
        return true;
    gtf_error("altp2m-ext: vCPU 1 did not finish step %u in %u s", n,
              WAIT_SECONDS);
    return false;
}

/* vCPU 1's replies and reads, checked once it is done. */
static bool check_v1(const char *c)
{
    const struct ax_reply *q = v1.reply[1];
    bool ok = true;

    ok &= ax_expect(c, ax_acked(AX_CMD_QUERY, &q[0]) &&
                    ax_acked(AX_CMD_QUERY, &q[1]) &&
                    ax_acked(AX_CMD_ENTER, &v1.reply[2][0]) &&
                    ax_acked(AX_CMD_QUERY, &v1.reply[3][0]) &&
                    ax_acked(AX_CMD_LEAVE, &v1.reply[4][0]),
                    "the monitor did not acknowledge vCPU 1's commands");
    ok &= ax_expect(c, q[0].ebx == 0, "step 1: vCPU 1 in view %u while "
                    "vCPU 0 was in view 1", q[0].ebx);
    ok &= ax_expect(c, v1.value[1] == AX_MARK_R, "step 1: vCPU 1 read "
                    "0x%x from R in view 0", v1.value[1]);
    ok &= ax_expect(c, q[1].ecx == 0 && q[1].ebx == 0, "step 1: vCPU 1 "
                    "saw %u violations in view %u", q[1].ecx, q[1].ebx);
    ok &= ax_expect(c, v1.reply[2][0].ebx == 0 &&
                    v1.reply[2][0].edx == AX_VIEW, "step 2: ENTER moved "
                    "vCPU 1 from view %u to %u", v1.reply[2][0].ebx,
                    v1.reply[2][0].edx);
    ok &= ax_expect(c, v1.value[2] == AX_MARK_S, "step 2: vCPU 1 read "
                    "0x%x from R in view 1", v1.value[2]);
    ok &= ax_expect_reply(c, &v1.reply[3][0], 0, 0, 1, AX_P, AX_ACC_R);
    ok &= ax_expect(c, v1.value[3] == AX_MARK_P, "step 3: vCPU 1 read "
                    "0x%x from P", v1.value[3]);
    ok &= ax_expect(c, !v1.bad_rounds, "%u of vCPU 1's %u concurrent "
                    "rounds were wrong, first %u (ebx %u ecx %u esi 0x%x)",
                    v1.bad_rounds, CONCURRENT_ROUNDS, v1.first_bad_round,
                    v1.first_bad.ebx, v1.first_bad.ecx, v1.first_bad.esi);
    return ok;
}

bool ax_phase_vcpus(void)
{
    const char *c = "two-vcpus";
    struct ax_reply r;
    unsigned int i, bad = 0;
    uint32_t v;
    int rc;
    bool ok = true;

    rc = gtf_vcpu_up(1, v1_main);
    if ( rc )
    {
        gtf_error("altp2m-ext: starting vCPU 1: %s", gtf_strerror(rc));
        return false;
    }
    printk("altp2m-ext: vCPU 1 started (VCPUOP_initialise, VCPUOP_up)\n");

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    publish(&v1.go, 1);
    if ( !step_done(1) )
        return false;
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, AX_VIEW, AX_VIEW, 0, AX_P, 0);
    v = ax_read(AX_R, 0);
    ok &= ax_expect(c, v == AX_MARK_S, "vCPU 0 read 0x%x from R in view 1",
                    v);
    if ( !ax_cmd(AX_CMD_LEAVE, 0, &r) )
        return false;

    publish(&v1.go, 2);
    if ( !step_done(2) )
        return false;
    v = ax_read(AX_R, 0);
    ok &= ax_expect(c, v == AX_MARK_R, "vCPU 0 read 0x%x from R in view 0 "
                    "while vCPU 1 was in view 1", v);
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, 0, 0, 0, AX_P, 0);

    publish(&v1.go, 3);
    if ( !step_done(3) )
        return false;
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect(c, r.ecx == 0, "vCPU 0 was charged %u violations of "
                    "vCPU 1", r.ecx);

    publish(&v1.go, 4);
    for ( i = 0; i < CONCURRENT_ROUNDS; i++ )
        bad += !round_trip(&r);
    if ( !step_done(4) )
        return false;
    ok &= ax_expect(c, !bad, "%u of vCPU 0's %u concurrent rounds were "
                    "wrong", bad, CONCURRENT_ROUNDS);
    ok &= check_v1(c);
    if ( ok )
        ax_pass(c);
    return true;
}
