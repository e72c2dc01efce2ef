/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * T3 (view switch and change_gfn), T5 (a view reset by the host dropping
 * a remapped page) and T7 (what AMD and the ABI refuse).  What each
 * proves and cannot is in main.c's header.
 */
#include "altp2m-test.h"

static bool expect_vcpu_view(const char *tag, uint16_t want)
{
    uint16_t view = 0xffff;
    int rc = ap_get_vcpu_view(0, &view);

    if ( rc || view != want )
    {
        gtf_failure("altp2m: %s: get_p2m_idx(vCPU 0): %s, view %u, want %u",
                    tag, ap_errname(rc), view, want);
        return false;
    }
    ap_ok("%s: vCPU 0 is on view %u", tag, view);
    return true;
}

/* In the remapping view: A shows B, B shows B, a write to A lands in B. */
static bool t3_in_view(const char *tag, uint16_t view)
{
    bool ok;

    ok = expect_vcpu_view(tag, view);
    ok = ap_expect_word(tag, "view: A reads B's marker", PG_T3_A,
                        ap_marker(PG_T3_B)) && ok;
    ok = ap_expect_word(tag, "view: B reads B's marker", PG_T3_B,
                        ap_marker(PG_T3_B)) && ok;
    ap_poke(PG_T3_A, 0x33330001u);
    return ap_expect_word(tag, "view: B sees the write to A", PG_T3_B,
                          0x33330001u) && ok;
}

static bool t3_switch(uint16_t view)
{
    const char *tag = "t3";
    bool ok;

    ok = ap_expect_rc(tag, "change_gfn(A -> B)",
                      ap_change_gfn(view, ap_gfn(PG_T3_A), ap_gfn(PG_T3_B)),
                      0) &&
         expect_vcpu_view(tag, 0) &&
         ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view), 0);
    if ( !ok )
        return false;
    ok = t3_in_view(tag, view);
    ok = ap_expect_rc(tag, "destroy_p2m(active view)",
                      ap_destroy_view(view), -EBUSY) && ok;
    ok = ap_expect_word(tag, "view intact after the refused destroy",
                        PG_T3_A, 0x33330001u) && ok;
    if ( !ap_expect_rc(tag, "switch_p2m(0)", ap_switch_view(0), 0) )
        return false;
    ok = expect_vcpu_view(tag, 0) && ok;
    ok = ap_expect_word(tag, "view 0: A reads A's marker", PG_T3_A,
                        ap_marker(PG_T3_A)) && ok;
    ok = ap_expect_word(tag, "view 0: B holds the write made through A",
                        PG_T3_B, 0x33330001u) && ok;
    ap_poke(PG_T3_B, ap_marker(PG_T3_B));
    return ok;
}

/* change_gfn(A, INVALID_GFN) drops the remapping: A shows A again. */
static bool t3_revert(uint16_t view)
{
    const char *tag = "t3";
    bool ok;

    ok = ap_expect_rc(tag, "change_gfn(A -> B) again",
                      ap_change_gfn(view, ap_gfn(PG_T3_A), ap_gfn(PG_T3_B)),
                      0) &&
         ap_expect_rc(tag, "change_gfn(A -> INVALID_GFN)",
                      ap_change_gfn(view, ap_gfn(PG_T3_A), AP_INVALID_GFN),
                      0) &&
         ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view), 0);
    if ( ok )
        ok = ap_expect_word(tag, "reverted: A reads A's marker", PG_T3_A,
                            ap_marker(PG_T3_A));
    return ap_expect_rc(tag, "switch_p2m(0)", ap_switch_view(0), 0) && ok;
}

bool ap_phase_views(void)
{
    const char *tag = "t3";
    uint16_t view;
    bool ok;
    int rc;

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc(tag, "create_p2m(rwx)", rc, 0) )
        return false;
    printk("altp2m: t3: created view %u\n", view);
    if ( !view || view >= AP_MAX_VIEWS )
    {
        gtf_failure("altp2m: t3: create_p2m gave view %u", view);
        return false;
    }
    ok = t3_switch(view);
    ok = ok && t3_revert(view);
    ok = ap_expect_rc(tag, "destroy_p2m(view) from view 0",
                      ap_destroy_view(view), 0) && ok;
    /* A write meant for B lands in A if the remap failed: undo it. */
    ap_poke(PG_T3_A, ap_marker(PG_T3_A));
    ap_poke(PG_T3_B, ap_marker(PG_T3_B));
    return ap_expect_rc(tag, "switch_p2m(destroyed view)",
                        ap_switch_view(view), -EINVAL) && ok;
}

/*
 * T5: the view remaps A to B; the host then drops B.  B lies in the
 * view's remapped range, so Xen must reset the whole view: A maps A
 * again.  ACTIVE says whether the view is the vCPU's while B goes.
 */
static bool t5_drop(uint16_t view, enum ap_page b, bool active)
{
    const char *tag = active ? "t5b" : "t5a";
    long r;
    bool ok;

    ok = ap_expect_rc(tag, "change_gfn(A -> B)",
                      ap_change_gfn(view, ap_gfn(PG_T5_A), ap_gfn(b)), 0) &&
         ap_expect_rc(tag, "switch_p2m(view)", ap_switch_view(view), 0) &&
         ap_expect_word(tag, "A reads B's marker", PG_T5_A, ap_marker(b));
    if ( !ok )
        return false;
    if ( !active && !ap_expect_rc(tag, "switch_p2m(0)", ap_switch_view(0),
                                  0) )
        return false;

    r = ap_decrease_reservation(ap_gfn(b));
    if ( r != 1 )
    {
        gtf_failure("altp2m: %s: decrease_reservation(B) gave %ld", tag, r);
        return false;
    }
    ap_ok("%s: B (gfn 0x%x) given back", tag, ap_gfn(b));

    if ( !active && !ap_expect_rc(tag, "switch_p2m(view) after the drop",
                                  ap_switch_view(view), 0) )
        return false;
    ok = expect_vcpu_view(tag, view);
    ok = ap_expect_word(tag, "view reset: A reads A's marker", PG_T5_A,
                        ap_marker(PG_T5_A)) && ok;
    ok = ap_expect_rc(tag, "switch_p2m(0)", ap_switch_view(0), 0) && ok;

    r = ap_populate_physmap(ap_gfn(b));
    if ( r != 1 )
    {
        gtf_failure("altp2m: %s: populate_physmap(B) gave %ld", tag, r);
        return false;
    }
    ap_poke(b, ap_marker(b));
    return ap_expect_word(tag, "B repopulated and writable", b,
                          ap_marker(b)) && ok;
}

bool ap_phase_reset(void)
{
    uint16_t view;
    bool ok;
    int rc;

    rc = ap_create_view(AP_ACCESS_RWX, &view);
    if ( !ap_expect_rc("t5", "create_p2m(rwx)", rc, 0) )
        return false;
    ok = t5_drop(view, PG_T5_B1, false) && t5_drop(view, PG_T5_B2, true);
    ap_drop_view("t5", view);
    ap_poke(PG_T5_A, ap_marker(PG_T5_A));
    return ok;
}

/* Every free slot can be taken, and one more create is refused. */
static bool t7_all_slots(void)
{
    const char *tag = "t7";
    uint16_t views[AP_MAX_VIEWS], v;
    unsigned int n = 0, i;
    bool ok = true;
    int rc = 0;

    while ( n < AP_MAX_VIEWS && !(rc = ap_create_view(AP_ACCESS_RWX, &v)) )
        views[n++] = v;
    if ( n != AP_MAX_VIEWS - 1 || rc != -EINVAL )
    {
        gtf_failure("altp2m: %s: %u views created, then %s; want %u, "
                    "then -EINVAL", tag, n, ap_errname(rc),
                    AP_MAX_VIEWS - 1);
        ok = false;
    }
    else
        ap_ok("%s: views 1-%u created, the next create -EINVAL", tag, n);
    for ( i = 0; i < n; i++ )
        if ( (rc = ap_destroy_view(views[i])) )
        {
            gtf_failure("altp2m: %s: destroy_p2m(%u): %s", tag, views[i],
                        ap_errname(rc));
            ok = false;
        }
    return ok;
}

/* create_p2m(DEFAULT_ACCESS) must fail; a view made anyway is dropped. */
static bool create_refused(const char *what, uint16_t default_access)
{
    uint16_t view = 0;
    int rc = ap_create_view(default_access, &view);

    if ( !rc )
        ap_drop_view("t7", view);
    return ap_expect_rc("t7", what, rc, -EINVAL);
}

bool ap_phase_negative(void)
{
    const char *tag = "t7";
    uint32_t gfn = ap_gfn(PG_T7);
    uint16_t a;
    bool ok = true, sve = false;
    int rc;

    /* #VE and suppress-#VE are VMX features. */
    ok &= ap_expect_rc(tag, "vcpu_enable_notify",
                       ap_enable_notify(0, gfn), -EOPNOTSUPP);
    ok &= ap_expect_rc(tag, "vcpu_disable_notify", ap_disable_notify(0),
                       -EOPNOTSUPP);
    ok &= ap_expect_rc(tag, "set_suppress_ve(view 0, clear)",
                       ap_set_suppress_ve(0, gfn, false), -EOPNOTSUPP);
    rc = ap_get_suppress_ve(0, gfn, &sve);
    if ( rc || !sve )
    {
        gtf_failure("altp2m: %s: get_suppress_ve(view 0): %s, %u; want 0, 1",
                    tag, ap_errname(rc), sve);
        ok = false;
    }
    else
        ap_ok("%s: get_suppress_ve(view 0): always set on NPT", tag);

    /* A view whose default NPT cannot enforce, and no access at all. */
    ok &= create_refused("create_p2m(default w)", AP_ACCESS_W);
    ok &= create_refused("create_p2m(default 11)", AP_ACCESS_DEFAULT + 1);

    /* Views that cannot exist, or must not go. */
    ok &= ap_expect_rc(tag, "switch_p2m(10)", ap_switch_view(AP_MAX_VIEWS),
                       -EINVAL);
    ok &= ap_expect_rc(tag, "switch_p2m(unused 9)", ap_switch_view(9),
                       -EINVAL);
    ok &= ap_expect_rc(tag, "destroy_p2m(0)", ap_destroy_view(0), -EBUSY);
    ok &= ap_expect_rc(tag, "destroy_p2m(10)",
                       ap_destroy_view(AP_MAX_VIEWS), -EBUSY);
    ok &= ap_expect_rc(tag, "destroy_p2m(unused 9)", ap_destroy_view(9),
                       -EBUSY);
    ok &= ap_expect_rc(tag, "set_mem_access(view 10)",
                       ap_set_access(AP_MAX_VIEWS, gfn, AP_ACCESS_R),
                       -EINVAL);
    ok &= ap_expect_rc(tag, "get_mem_access(unused 9)",
                       ap_get_access(9, gfn, &a), -EINVAL);
    ok &= ap_expect_rc(tag, "change_gfn(view 10)",
                       ap_change_gfn(AP_MAX_VIEWS, gfn, ap_gfn(PG_T3_B)),
                       -EINVAL);
    ok &= ap_expect_rc(tag, "get_mem_access(gfn without memory)",
                       ap_get_access(0, 0x80000, &a), -ESRCH);

    /* The request itself. */
    ok &= ap_expect_rc(tag, "wrong interface version",
                       ap_malformed_op(AP_BAD_VERSION), -EINVAL);
    ok &= ap_expect_rc(tag, "pad1 set", ap_malformed_op(AP_BAD_PAD),
                       -EINVAL);
    ok &= ap_expect_rc(tag, "unknown command", ap_malformed_op(AP_BAD_CMD),
                       -EOPNOTSUPP);
    ok &= ap_expect_rc(tag, "domain that does not exist",
                       ap_malformed_op(AP_BAD_DOMAIN), -ESRCH);
    ok &= ap_expect_rc(tag, "mem_access.pad set",
                       ap_malformed_op(AP_BAD_MEM_ACCESS_PAD), -EINVAL);

    ok &= t7_all_slots();
    /* After all of it, the guest is still on view 0. */
    return expect_vcpu_view(tag, 0) && ok;
}
