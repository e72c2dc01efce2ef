/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers every phase uses: reporting, expectations on return codes,
 * access values and page contents, the test pages, and the calibration
 * that lets a check tell a store that went through Xen from one that did
 * not.
 */
#include "altp2m-test.h"

#define CALIBRATION_SAMPLES 32

uint8_t ap_pages[PG_NR][AP_PAGE_SIZE] __attribute__((aligned(AP_PAGE_SIZE)));


void ap_ok(const char *fmt, ...)
{
    va_list args;

    printk("altp2m: ");
    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
    printk(": ok\n");
}

const char *ap_access_name(unsigned int access)
{
    static const char *const name[] = {
        [AP_ACCESS_N] = "n", [AP_ACCESS_R] = "r", [AP_ACCESS_W] = "w",
        [AP_ACCESS_RW] = "rw", [AP_ACCESS_X] = "x", [AP_ACCESS_RX] = "rx",
        [AP_ACCESS_WX] = "wx", [AP_ACCESS_RWX] = "rwx",
        [AP_ACCESS_RX2RW] = "rx2rw", [AP_ACCESS_N2RWX] = "n2rwx",
        [AP_ACCESS_DEFAULT] = "default",
    };

    return access < ARRAY_SIZE(name) ? name[access] : "?";
}

/* "-EINVAL" and so on, for the few values Xen gives here. */
const char *ap_errname(int rc)
{
    switch ( rc )
    {
    case 0:             return "0";
    case -EPERM:        return "-EPERM";
    case -ESRCH:        return "-ESRCH";
    case -ENOMEM:       return "-ENOMEM";
    case -EFAULT:       return "-EFAULT";
    case -EBUSY:        return "-EBUSY";
    case -EINVAL:       return "-EINVAL";
    case -ERANGE:       return "-ERANGE";
    case -ENOSYS:       return "-ENOSYS";
    case -EOPNOTSUPP:   return "-EOPNOTSUPP";
    default:            return "another error";
    }
}

bool ap_expect_rc(const char *tag, const char *what, int rc, int want)
{
    if ( rc != want )
    {
        gtf_failure("altp2m: %s: %s: got %s (%d), want %s", tag, what,
                    ap_errname(rc), rc, ap_errname(want));
        return false;
    }
    ap_ok("%s: %s: %s", tag, what, ap_errname(rc));
    return true;
}

bool ap_expect_access(const char *tag, const char *what, uint16_t view,
                      enum ap_page p, unsigned int want)
{
    uint16_t a = 0xffff;
    int rc = ap_get_access(view, ap_gfn(p), &a);

    if ( rc )
    {
        gtf_failure("altp2m: %s: %s: get_mem_access(view %u) %s (%d)",
                    tag, what, view, ap_errname(rc), rc);
        return false;
    }
    if ( a != want )
    {
        gtf_failure("altp2m: %s: %s: view %u says %s (%u), want %s", tag,
                    what, view, ap_access_name(a), a, ap_access_name(want));
        return false;
    }
    ap_ok("%s: %s: view %u says %s", tag, what, view, ap_access_name(a));
    return true;
}

bool ap_expect_word(const char *tag, const char *what, enum ap_page p,
                    uint32_t want)
{
    uint32_t got = ap_peek(p);

    if ( got != want )
    {
        gtf_failure("altp2m: %s: %s: gfn 0x%x holds 0x%08x, want 0x%08x",
                    tag, what, ap_gfn(p), got, want);
        return false;
    }
    ap_ok("%s: %s: 0x%08x", tag, what, got);
    return true;
}

void ap_drop_view(const char *tag, uint16_t view)
{
    int rc = ap_switch_view(0);

    if ( rc )
        gtf_failure("altp2m: %s: cleanup: switch_p2m(0) %s", tag,
                    ap_errname(rc));
    if ( view && (rc = ap_destroy_view(view)) )
        gtf_failure("altp2m: %s: cleanup: destroy_p2m(%u) %s", tag, view,
                    ap_errname(rc));
}

void ap_mark_all(void)
{
    unsigned int p;

    for ( p = 0; p < PG_NR; p++ )
        ap_poke(p, ap_marker(p));
}

uint64_t ap_timed_write(enum ap_page p, uint32_t v)
{
    uint64_t t0 = rdtsc_ordered();

    ap_poke(p, v);
    return rdtsc_ordered() - t0;
}

bool ap_calibrate(void)
{
    static uint64_t s[CALIBRATION_SAMPLES];
    uint64_t null_p50, plain_p50;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(s); i++ )
    {
        uint64_t t0 = rdtsc_ordered();

        (void)ap_null_hypercall();
        s[i] = rdtsc_ordered() - t0;
    }
    gtf_sort(s, ARRAY_SIZE(s));
    null_p50 = gtf_percentile(s, ARRAY_SIZE(s), 50);

    for ( i = 0; i < ARRAY_SIZE(s); i++ )
        s[i] = ap_timed_write(PG_T7, ap_marker(PG_T7));
    gtf_sort(s, ARRAY_SIZE(s));
    plain_p50 = gtf_percentile(s, ARRAY_SIZE(s), 50);

    printk("altp2m: calibration: null hypercall p50 %llu cycles, "
           "plain store p50 %llu cycles\n", (unsigned long long)null_p50,
           (unsigned long long)plain_p50);
    /* A hypercall that costs no more than a store means no clock. */
    if ( null_p50 < 2 * plain_p50 + 16 )
    {
        gtf_error("altp2m: calibration: a hypercall (%llu cycles) is not "
                  "dearer than a store (%llu): no usable TSC",
                  (unsigned long long)null_p50,
                  (unsigned long long)plain_p50);
        return false;
    }
    return true;
}

bool ap_took_exit(const struct ap_exit_cost *cost, uint64_t cycles)
{
    return cost->null > cost->plain && cycles > cost->plain &&
           2 * (cycles - cost->plain) >= cost->null - cost->plain;
}
