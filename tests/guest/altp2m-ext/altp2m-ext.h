/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface of the altp2m-ext guest test (see main.c for what
 * it proves, proto.h for the protocol with the dom0 monitor).
 */
#ifndef ALTP2M_EXT_H
#define ALTP2M_EXT_H

#include "guest.h"
#include "proto.h"

#define AX_PAGE_SIZE    4096u

/* MEM_ACCESS_R/W/X as the monitor reports them (public/vm_event.h). */
#define AX_ACC_R        0x1u
#define AX_ACC_W        0x2u
#define AX_ACC_X        0x4u

/* The test pages, consecutive in this order (proto.h, HELLO). */
enum ax_page { AX_P, AX_Q, AX_R, AX_S };

extern uint8_t ax_pages[AX_NR_PAGES][AX_PAGE_SIZE];

/* A monitor's answer (proto.h: "Reply registers"). */
struct ax_reply {
    uint32_t eax, ebx, ecx, edx, esi, edi;
};

static inline uint32_t ax_gfn(enum ax_page p)
{
    return (uint32_t)((uintptr_t)ax_pages[p] / AX_PAGE_SIZE);
}

static inline volatile uint32_t *ax_word(enum ax_page p, unsigned int i)
{
    return (volatile uint32_t *)ax_pages[p] + i;
}

/* A read of word I of page P: the access the monitor may see. */
static inline uint32_t ax_read(enum ax_page p, unsigned int i)
{
    return *ax_word(p, i);
}

/*
 * The one store the monitor skips when it denies a write: exactly
 * "mov %eax, (%edx)" (89 02), see proto.h.
 */
static inline void ax_store(enum ax_page p, unsigned int i, uint32_t val)
{
    asm volatile ( "mov %%eax, (%%edx)"
                   :: "a" (val), "d" (ax_word(p, i)) : "memory" );
}

/*
 * Sends command CMD with arguments in ESI and EDI through CPUID; the
 * monitor's answer lands in R.  Any vCPU may call it.
 */
static inline void ax_cpuid(uint32_t cmd, uint32_t s, uint32_t di,
                            struct ax_reply *r)
{
    uint32_t a = AX_LEAF, b = 0, c = cmd, d = 0;

    asm volatile ( "cpuid"
                   : "+a" (a), "+b" (b), "+c" (c), "+d" (d), "+S" (s),
                     "+D" (di)
                   :: "memory" );
    *r = (struct ax_reply){ a, b, c, d, s, di };
}

static inline bool ax_acked(uint32_t cmd, const struct ax_reply *r)
{
    return r->eax == (AX_ACK | cmd);
}

/* Helpers for vCPU 0 (main.c): they report, vCPU 1 must not use them. */
void ax_pass(const char *check);
bool ax_expect(const char *check, bool cond, const char *fmt, ...)
    __printf(3, 4);
/* Sends CMD (ARG in ESI); false and an Error unless the monitor acked. */
bool ax_cmd(uint32_t cmd, uint32_t arg, struct ax_reply *r);
/*
 * Checks a reply against what should have happened: the view the vCPU
 * was in (WAS), the violations since its last command (VIOL) and, when
 * VIOL is 1, their gfn (page P) and access flags (ACC, in view 1).
 */
bool ax_expect_reply(const char *check, const struct ax_reply *r,
                     unsigned int was, unsigned int now, unsigned int viol,
                     enum ax_page p, uint32_t acc);

/* The phases (each returns false when the run cannot go on). */
bool ax_phase_hello(void);
bool ax_phase_fault(void);
bool ax_phase_write_denied(void);
bool ax_phase_change_gfn(void);
bool ax_phase_vcpus(void);
bool ax_phase_bench(void);
bool ax_phase_logdirty(void);
bool ax_phase_done(bool after_hello);

#endif /* ALTP2M_EXT_H */
