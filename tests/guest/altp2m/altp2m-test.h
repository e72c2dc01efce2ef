/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface between the parts of the altp2m guest test: main.c
 * (the flow), hvmop.c (the hypercall ABI and thin wrappers), checks.c
 * (the helpers every phase uses), access.c (T1, T2, T4), views.c (T3,
 * T5, T7), stress.c and bench.c.
 *
 * Conventions, as in the TPM test: a check that passes prints
 * "altp2m: <phase>: <what>: ok"; one that fails reports through
 * gtf_failure() (the hypervisor did something wrong) or gtf_error() (the
 * test or its environment is broken) with the same "altp2m: <phase>:"
 * prefix, so that the host job can name the phase.  A phase returns
 * false only when later phases cannot be trusted to run (the view state
 * is unknown); a failed check that leaves the views as expected is
 * reported and the phase carries on.
 *
 * The guest runs with paging off, so a guest-physical address is the
 * linear address and a gfn is the address shifted right by 12.  The pages
 * the tests play with are ap_pages[]: page-aligned, in .bss, one per role
 * (enum ap_page), each holding its marker ap_marker(page) in its first
 * word unless a test says otherwise.
 */
#ifndef GUEST_ALTP2M_ALTP2M_TEST_H
#define GUEST_ALTP2M_ALTP2M_TEST_H

#include "guest.h"

#define AP_PAGE_SIZE    4096u
#define AP_PAGE_SHIFT   12

/* xenmem_access_t (xen/include/public/memory.h). */
enum ap_access {
    AP_ACCESS_N,
    AP_ACCESS_R,
    AP_ACCESS_W,
    AP_ACCESS_RW,
    AP_ACCESS_X,
    AP_ACCESS_RX,
    AP_ACCESS_WX,
    AP_ACCESS_RWX,
    AP_ACCESS_RX2RW,
    AP_ACCESS_N2RWX,
    AP_ACCESS_DEFAULT,
};

/* Xen's MAX_ALTP2M: views 0-9; view 0 exists while altp2m is active. */
#define AP_MAX_VIEWS    10
#define AP_INVALID_GFN  (~0ull)

enum ap_page {
    PG_T1_HOST,     /* T1: restricted through view 0 (the host p2m). */
    PG_T1_VIEW,     /* T1: restricted in a created view. */
    PG_T2_CODE,     /* T2: code written at run time, then called. */
    PG_T3_A,        /* T3: remapped to B in a view. */
    PG_T3_B,
    PG_T4_R,        /* T4: only read in a default-r view. */
    PG_T4_W,        /* T4: written in a default-r view. */
    PG_T5_A,        /* T5: remapped to B1, then to B2. */
    PG_T5_B1,       /* T5: given back while view 0 is active. */
    PG_T5_B2,       /* T5: given back while the remapping view is active. */
    PG_T7,          /* T7: target of the negative calls. */
    PG_ST_A,        /* Stress and bench: remapped to ST_B in a view. */
    PG_ST_B,
    PG_VIOL,        /* Stress and bench: restricted and written. */
    PG_NR
};

extern uint8_t ap_pages[PG_NR][AP_PAGE_SIZE];

static inline uint32_t ap_gfn(enum ap_page p)
{
    return (uint32_t)(uintptr_t)ap_pages[p] >> AP_PAGE_SHIFT;
}

static inline uint32_t ap_marker(enum ap_page p)
{
    return 0xa1700000u | ((uint32_t)p << 8) | 0x5au;
}

/* One 32-bit load or store of the page's first word, never elided. */
static inline uint32_t ap_peek(enum ap_page p)
{
    return mmio_read32((uintptr_t)ap_pages[p]);
}

static inline void ap_poke(enum ap_page p, uint32_t v)
{
    mmio_write32((uintptr_t)ap_pages[p], v);
}

/*
 * hvmop.c: HVMOP_altp2m sub-ops on DOMID_SELF, and the memory ops T5
 * needs.  Each returns 0 or Xen's negative errno; the decrease and
 * populate calls return the number of pages done (1) or a negative errno.
 */
int ap_get_domain_state(bool *on_out);
int ap_set_domain_state(bool on);
int ap_create_view(uint16_t default_access, uint16_t *view_out);
int ap_destroy_view(uint16_t view);
int ap_switch_view(uint16_t view);
int ap_set_access(uint16_t view, uint32_t gfn, uint16_t access);
int ap_get_access(uint16_t view, uint32_t gfn, uint16_t *access_out);
int ap_change_gfn(uint16_t view, uint64_t old_gfn, uint64_t new_gfn);
int ap_get_vcpu_view(uint32_t vcpu, uint16_t *view_out);
int ap_enable_notify(uint32_t vcpu, uint64_t gfn);
int ap_disable_notify(uint32_t vcpu);
int ap_set_suppress_ve(uint16_t view, uint64_t gfn, bool suppress);
int ap_get_suppress_ve(uint16_t view, uint64_t gfn, bool *suppress_out);
/* Malformed requests for T7: FIELD names what is made invalid. */
enum ap_malformed {
    AP_BAD_VERSION,
    AP_BAD_PAD,
    AP_BAD_CMD,
    AP_BAD_DOMAIN,
    AP_BAD_MEM_ACCESS_PAD,
};
int ap_malformed_op(enum ap_malformed what);
long ap_decrease_reservation(uint32_t gfn);
long ap_populate_physmap(uint32_t gfn);
/* XENVER_version: the cheapest hypercall there is, for calibration. */
long ap_null_hypercall(void);

/* checks.c */
void ap_ok(const char *fmt, ...) __printf(1, 2);
const char *ap_access_name(unsigned int access);
const char *ap_errname(int rc);
/* RC must be WANT (0 or a negative errno); else a Failure. */
bool ap_expect_rc(const char *tag, const char *what, int rc, int want);
/* get_mem_access(VIEW, page P) must succeed and say WANT. */
bool ap_expect_access(const char *tag, const char *what, uint16_t view,
                      enum ap_page p, unsigned int want);
/* The page's first word must be WANT. */
bool ap_expect_word(const char *tag, const char *what, enum ap_page p,
                    uint32_t want);
/* Best-effort return to view 0 and destruction of VIEW (if not 0). */
void ap_drop_view(const char *tag, uint16_t view);
void ap_mark_all(void);
/* Stores V in page P's first word and returns the cycles it took. */
uint64_t ap_timed_write(enum ap_page p, uint32_t v);
/*
 * Checks that the TSC can tell a hypercall from a store (an Error if
 * not) and prints both costs.
 */
bool ap_calibrate(void);
/* Median costs, in TSC cycles, measured in the same rounds. */
struct ap_exit_cost {
    uint64_t plain;     /* A store that cannot fault. */
    uint64_t null;      /* A null hypercall round trip. */
};
/*
 * True when CYCLES, the median cost of an access, includes a trip
 * through the hypervisor: it exceeds a plain store by at least half
 * of what a null hypercall exceeds it by.
 */
bool ap_took_exit(const struct ap_exit_cost *cost, uint64_t cycles);

/* The phases, in order (main.c). */
bool ap_phase_state(void);
bool ap_phase_access(void);
bool ap_phase_exec(void);
bool ap_phase_views(void);
bool ap_phase_default(void);
bool ap_phase_reset(void);
bool ap_phase_negative(void);
bool ap_phase_stress(void);
bool ap_phase_bench(void);
bool ap_phase_teardown(void);

#endif /* GUEST_ALTP2M_ALTP2M_TEST_H */
