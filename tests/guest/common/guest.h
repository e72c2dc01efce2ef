/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest test framework: freestanding 32-bit x86 test kernels in the style
 * of XTF (the Xen Test Framework).
 *
 * Theory of operation:
 *
 * - One image per test flavour, linked at 1 MiB as a 32-bit ELF.  Under Xen
 *   it is an HVM guest's firmware (xl.cfg type="hvm" plus
 *   firmware_override=IMAGE): libxenguest's "HVM-generic" loader places the
 *   PT_LOAD segment at its physical address and starts vCPU0 at e_entry in
 *   32-bit flat protected mode with paging off (CR0 = PE|ET).  The image
 *   must therefore carry no Xen ELF notes, or a PV/PVH loader claims it.
 *   The same image carries a Multiboot (v1) header, so plain
 *   "qemu-system-x86_64 -kernel IMAGE" boots it in the same CPU state,
 *   with EAX = 0x2BADB002 and EBX = the Multiboot information.
 * - head.S loads a flat GDT, clears .bss, moves onto the boot stack and
 *   calls gtf_main(), which installs exception handlers, detects the
 *   hypervisor, prints a banner, and runs the test's test_main().
 * - The console is the debug port 0xE9: Xen prints a guest's bytes as
 *   "(dN) ..." lines in "xl dmesg" (with guest_loglvl=all), QEMU writes
 *   them to "-debugcon file:LOG".
 * - Results follow XTF's model: a test reports Success, Skip, Error (the
 *   test or its environment is broken) or Failure (the thing under test is
 *   broken); the most severe report wins, and a test that reports nothing
 *   ends in Error.  Exactly one final line is printed:
 *       Test result: SUCCESS
 *       Test result: SKIP: <first skip reason>
 *       Test result: ERROR: <first error reason>
 *       Test result: FAILURE: <first failure reason>
 *   A panic() prints "PANIC: ..." and no result line; runners treat a
 *   missing result line as a crash, as xtf-runner does.
 * - Shutdown: under Xen, SCHEDOP_shutdown (poweroff after a result, crash
 *   after a panic).  Elsewhere the result is written to QEMU's
 *   isa-debug-exit port 0xF4, so QEMU exits with status 2 * code + 1
 *   (see enum gtf_result); failing that, ACPI S5; failing that, halt.
 *
 * Everything here runs on the boot vCPU with interrupts disabled; a test
 * may start more vCPUs with gtf_vcpu_up() (Xen only, see common/smp.c).
 */
#ifndef GUEST_COMMON_GUEST_H
#define GUEST_COMMON_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define __noreturn   __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))

/*
 * The errno values the framework and its tests use: Linux's, which are
 * also Xen's (xen/include/public/errno.h) for every value listed here.
 */
#define EPERM        1
#define ESRCH        3
#define ENOMEM      12
#define EFAULT      14
#define EBUSY       16
#define ENODEV      19
#define EINVAL      22
#define ERANGE      34
#define ENOSYS      38
#define EPROTO      71
#define EMSGSIZE    90
#define EOPNOTSUPP  95
#define ETIMEDOUT  110

/* Each test provides these two. */
extern const char test_title[];
void test_main(void);

/* Console (common/console.c).  Lines go to port 0xE9 as they are built. */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list args);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);
const char *gtf_strerror(int err);
/* Divides *N by BASE in place and returns the remainder (no libgcc). */
uint32_t gtf_div64_32(uint64_t *n, uint32_t base);

/*
 * Results (common/report.c).  The numeric values are the exit code
 * written to isa-debug-exit; do not reorder.
 */
enum gtf_result {
    GTF_SUCCESS = 0,
    GTF_SKIP    = 1,
    GTF_ERROR   = 2,
    GTF_FAILURE = 3,
    GTF_CRASH   = 4,    /* panic(): never printed as a result. */
};

void gtf_success(void);
void gtf_skip(const char *fmt, ...) __printf(1, 2);
void gtf_error(const char *fmt, ...) __printf(1, 2);
void gtf_failure(const char *fmt, ...) __printf(1, 2);
/* True while nothing worse than Success or Skip has been reported. */
bool gtf_ok(void);
/* Prints the result line and shuts the guest down. */
void __noreturn gtf_exit(void);

/* Environment (common/setup.c, common/hypervisor.c). */
bool gtf_on_xen(void);
/*
 * True when a Multiboot loader started the image, i.e. plain QEMU, where
 * SeaBIOS ran before us; false when the image is the HVM firmware itself.
 */
bool gtf_multiboot(void);
/* The Multiboot command line, or "" when booted without one. */
const char *gtf_cmdline(void);
/* True when WORD is one of the blank-separated words of the command line. */
bool gtf_cmdline_has(const char *word);
/*
 * Xen hypercall OP with two arguments through the hypercall page; returns
 * Xen's result (a negative errno on failure).  Only when gtf_on_xen().
 * A 32-bit guest gets Xen's compat ABI: pointers, handles and longs in
 * argument structures are 32 bits wide.
 */
long gtf_hypercall2(unsigned int op, uint32_t a1, uint32_t a2);
/* The same with three arguments. */
long gtf_hypercall3(unsigned int op, uint32_t a1, uint32_t a2, uint32_t a3);
/* TSC frequency in kHz when the hypervisor says, else 0. */
uint32_t gtf_tsc_khz(void);

/* Benchmark samples (stats.c): sort V in place (ascending). */
void gtf_sort(uint64_t *v, unsigned int n);
/* Nearest-rank percentile PCT of the N sorted values in V. */
uint64_t gtf_percentile(const uint64_t *v, unsigned int n, unsigned int pct);
/* Prints "bench: NAME n= total_cycles= p50= p99=" and leaves V sorted. */
void gtf_bench_report(const char *name, uint64_t *v, unsigned int n);
/* Busy-waits at least US microseconds (longer if the TSC rate is unknown). */
void gtf_udelay(uint32_t us);

/*
 * Secondary vCPUs (common/smp.c), Xen HVM only.  gtf_vcpu_up() starts
 * vCPU VCPU (1 .. GTF_MAX_VCPUS - 1) at FN(VCPU), in the boot vCPU's CPU
 * state, on its own stack; when FN returns the vCPU goes offline.
 * Returns 0 or Xen's negative errno (-ENODEV when not on Xen).  FN must
 * not use the console or report results: see smp.c.
 * gtf_vcpu_yield() gives the physical CPU away once (SCHEDOP_yield), for
 * spin-waits that would otherwise steal time from other vCPUs.
 */
#define GTF_MAX_VCPUS   4
int gtf_vcpu_up(unsigned int vcpu, void (*fn)(unsigned int vcpu));
void gtf_vcpu_yield(void);
/*
 * Flags between vCPUs: gtf_vcpu_publish() sets *FLAG to N after every
 * store before it; gtf_vcpu_wait() spins (yielding) until *FLAG >= N,
 * false after SECONDS (by the TSC, or a spin count when its rate is
 * unknown).
 */
void gtf_vcpu_publish(volatile uint32_t *flag, uint32_t n);
bool gtf_vcpu_wait(const volatile uint32_t *flag, uint32_t n,
                   unsigned int seconds);

/* Platform hooks for setup.c (common/hypervisor.c, common/traps.c). */
void gtf_hypervisor_init(void);
const char *gtf_hypervisor_name(void);
void __noreturn gtf_shutdown(enum gtf_result result);
/* SCHEDOP_shutdown(reboot) on Xen; elsewhere it halts.  Prints no result. */
void __noreturn gtf_reboot(void);
void gtf_traps_init(void);

/* Freestanding string functions (common/string.c). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif /* GUEST_COMMON_GUEST_H */
