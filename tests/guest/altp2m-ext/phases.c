/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single-vCPU checks on vCPU 0: a fault in view 1 and the switch
 * back (T6), a denied write, change_gfn in one view only, and log-dirty
 * mode against a view's restrictions.  What each proves is in main.c.
 */
#include "altp2m-ext.h"

/* What the guest writes where the monitor must deny it. */
#define DENIED_VALUE    0xdead0001u
#define REMAP_VALUE     0x5e1f0002u

bool ax_phase_fault(void)
{
    const char *c1 = "fault-in-view1", *c2 = "cpuid-switches-back";
    struct ax_reply r;
    uint32_t v;
    bool ok = true;

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    ok &= ax_expect_reply(c1, &r, 0, AX_VIEW, 0, AX_P, 0);

    v = ax_read(AX_P, 0);       /* Faults; completes in view 0. */
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c1, &r, 0, 0, 1, AX_P, AX_ACC_R);
    ok &= ax_expect(c1, v == AX_MARK_P, "read 0x%x from P, expected its "
                    "marker", v);
    if ( ok )
        ax_pass(c1);

    ok = true;
    v = ax_read(AX_P, 0);       /* View 0: no restriction. */
    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    ok &= ax_expect_reply(c2, &r, 0, AX_VIEW, 0, AX_P, 0);
    v ^= ax_read(AX_P, 0);      /* View 1 again: faults again. */
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c2, &r, 0, 0, 1, AX_P, AX_ACC_R);
    ok &= ax_expect(c2, v == 0, "P read differently in the two views");
    if ( ok )
        ax_pass(c2);
    return true;
}

bool ax_phase_write_denied(void)
{
    const char *c = "write-denied";
    struct ax_reply r;
    uint32_t v0, v1, v2;
    bool ok = true;

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    v0 = ax_read(AX_Q, 0);      /* r in view 1: reading is allowed. */
    ax_store(AX_Q, 0, DENIED_VALUE);
    v1 = ax_read(AX_Q, 0);
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, AX_VIEW, AX_VIEW, 1, AX_Q, AX_ACC_W);
    ok &= ax_expect(c, v0 == AX_MARK_Q, "read 0x%x from Q in view 1", v0);
    ok &= ax_expect(c, v1 == AX_MARK_Q, "Q holds 0x%x in view 1 after the "
                    "denied write", v1);

    if ( !ax_cmd(AX_CMD_LEAVE, 0, &r) )
        return false;
    v2 = ax_read(AX_Q, 0);
    ok &= ax_expect(c, v2 == AX_MARK_Q, "Q holds 0x%x in view 0 after the "
                    "denied write", v2);

    /* The same store in view 0 is an ordinary write. */
    ax_store(AX_Q, 1, DENIED_VALUE);
    v2 = ax_read(AX_Q, 1);
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, 0, 0, 0, AX_Q, 0);
    ok &= ax_expect(c, v2 == DENIED_VALUE, "a write to Q in view 0 left "
                    "0x%x", v2);
    *ax_word(AX_Q, 1) = 0;
    if ( ok )
        ax_pass(c);
    return true;
}

bool ax_phase_change_gfn(void)
{
    const char *c = "change-gfn";
    struct ax_reply r;
    uint32_t r0, s0, r1, s1, r2, s2;
    bool ok = true;

    r0 = ax_read(AX_R, 0);
    s0 = ax_read(AX_S, 0);
    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    r1 = ax_read(AX_R, 0);
    s1 = ax_read(AX_S, 0);
    *ax_word(AX_R, 1) = REMAP_VALUE;   /* Lands in S's frame. */
    if ( !ax_cmd(AX_CMD_LEAVE, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, AX_VIEW, 0, 0, AX_R, 0);
    r2 = ax_read(AX_R, 0);
    s2 = ax_read(AX_S, 1);

    ok &= ax_expect(c, r0 == AX_MARK_R && s0 == AX_MARK_S, "view 0 "
                    "before: R 0x%x, S 0x%x", r0, s0);
    ok &= ax_expect(c, r1 == AX_MARK_S && s1 == AX_MARK_S, "view 1: R "
                    "0x%x, S 0x%x, expected S's marker in both", r1, s1);
    ok &= ax_expect(c, r2 == AX_MARK_R, "view 0 after: R 0x%x", r2);
    ok &= ax_expect(c, s2 == REMAP_VALUE && ax_read(AX_R, 1) == 0,
                    "a write to R in view 1 left S 0x%x, R 0x%x", s2,
                    ax_read(AX_R, 1));
    *ax_word(AX_S, 1) = 0;
    if ( ok )
        ax_pass(c);
    return true;
}

/*
 * Log-dirty mode changes the host p2m under the views twice (the global
 * type change on and off), and every first write to a page while it is
 * on changes that page's host entry; Xen propagates host changes into
 * the views.  P and Q are written in view 0 meanwhile, so both of their
 * host entries change.  View 1 must keep n on P and r on Q.
 */
bool ax_phase_logdirty(void)
{
    const char *c = "logdirty-keeps-restriction";
    struct ax_reply r;
    uint32_t v;
    bool ok = true;

    if ( !ax_cmd(AX_CMD_LOGDIRTY, 1, &r) )
        return false;
    if ( !ax_expect(c, r.edx == 0, "enabling log-dirty failed: %s",
                    gtf_strerror((int)r.edx)) )
        return true;
    *ax_word(AX_P, 2) = 1;
    *ax_word(AX_Q, 2) = 1;
    if ( !ax_cmd(AX_CMD_LOGDIRTY, 0, &r) )
        return false;
    if ( !ax_expect(c, r.edx == 0, "disabling log-dirty failed: %s",
                    gtf_strerror((int)r.edx)) )
        return true;

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    v = ax_read(AX_P, 0);
    if ( !ax_cmd(AX_CMD_QUERY, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, 0, 0, 1, AX_P, AX_ACC_R);
    ok &= ax_expect(c, v == AX_MARK_P, "read 0x%x from P", v);

    if ( !ax_cmd(AX_CMD_ENTER, 0, &r) )
        return false;
    ax_store(AX_Q, 0, DENIED_VALUE);
    v = ax_read(AX_Q, 0);
    if ( !ax_cmd(AX_CMD_LEAVE, 0, &r) )
        return false;
    ok &= ax_expect_reply(c, &r, AX_VIEW, 0, 1, AX_Q, AX_ACC_W);
    ok &= ax_expect(c, v == AX_MARK_Q, "Q holds 0x%x after a write in view "
                    "1", v);
    *ax_word(AX_Q, 0) = AX_MARK_Q;
    if ( ok )
        ax_pass(c);
    return true;
}
