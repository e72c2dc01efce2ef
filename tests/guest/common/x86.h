/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction wrappers for the 32-bit guest test framework.
 *
 * Every wrapper is a single instruction.  MMIO accessors use volatile
 * asm with an explicit operand size so that the compiler can neither
 * split, merge, widen nor elide a register access: a TIS register read
 * has side effects (reading the FIFO pops a byte), so the access width
 * the device sees must be exactly what the caller asked for.
 *
 * Ordering: the "memory" clobbers stop the compiler moving MMIO accesses
 * across each other or across ordinary memory accesses.  The CPU needs no
 * fence: every access to an emulated device traps to the hypervisor (or
 * to QEMU's TCG slow path) at the instruction that makes it, so program
 * order is the order the device model sees.
 */
#ifndef GUEST_COMMON_X86_H
#define GUEST_COMMON_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t val)
{
    asm volatile ( "outb %0, %1" :: "a" (val), "Nd" (port) : "memory" );
}

static inline void outw(uint16_t port, uint16_t val)
{
    asm volatile ( "outw %0, %1" :: "a" (val), "Nd" (port) : "memory" );
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
    uint8_t val;

    asm volatile ( "movb %1, %0"
                   : "=q" (val)
                   : "m" (*(const volatile uint8_t *)addr)
                   : "memory" );
    return val;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t val;

    asm volatile ( "movl %1, %0"
                   : "=r" (val)
                   : "m" (*(const volatile uint32_t *)addr)
                   : "memory" );
    return val;
}

static inline void mmio_write8(uintptr_t addr, uint8_t val)
{
    asm volatile ( "movb %1, %0"
                   : "=m" (*(volatile uint8_t *)addr)
                   : "q" (val)
                   : "memory" );
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
    asm volatile ( "movl %1, %0"
                   : "=m" (*(volatile uint32_t *)addr)
                   : "r" (val)
                   : "memory" );
}

static inline void cpuid_count(uint32_t leaf, uint32_t subleaf,
                               uint32_t *eax, uint32_t *ebx,
                               uint32_t *ecx, uint32_t *edx)
{
    asm volatile ( "cpuid"
                   : "=a" (*eax), "=b" (*ebx), "=c" (*ecx), "=d" (*edx)
                   : "0" (leaf), "2" (subleaf) );
}

static inline void cpuid(uint32_t leaf, uint32_t *eax, uint32_t *ebx,
                         uint32_t *ecx, uint32_t *edx)
{
    cpuid_count(leaf, 0, eax, ebx, ecx, edx);
}

static inline void wrmsr(uint32_t idx, uint64_t val)
{
    asm volatile ( "wrmsr"
                   :: "c" (idx), "a" ((uint32_t)val),
                      "d" ((uint32_t)(val >> 32))
                   : "memory" );
}

static inline void cpu_relax(void)
{
    asm volatile ( "pause" ::: "memory" );
}

/*
 * The TSC read is ordered behind all earlier instructions: lfence is
 * dispatch-serialising on Intel, and on AMD whenever the hypervisor (Xen
 * does) or firmware has set the LFENCE-serialising bit.  Without it an
 * out-of-order core could read the TSC before the MMIO access being
 * timed has retired.
 */
static inline uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;

    asm volatile ( "lfence; rdtsc" : "=a" (lo), "=d" (hi) :: "memory" );
    return ((uint64_t)hi << 32) | lo;
}

static inline void __attribute__((noreturn)) cpu_halt_forever(void)
{
    for ( ;; )
        asm volatile ( "cli; hlt" ::: "memory" );
}

#endif /* GUEST_COMMON_X86_H */
