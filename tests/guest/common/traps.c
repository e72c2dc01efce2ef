/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exception handling: every CPU exception is fatal to a test.  The IDT
 * points the 32 architectural vectors at head.S's trap_stubs, which build
 * a struct gtf_trap_frame and call gtf_trap().  gtf_trap() prints the
 * vector and registers, then panics, which crashes the domain (Xen) or
 * exits QEMU with the crash code.  Without this an exception would
 * triple-fault silently and the log would simply stop.
 *
 * Interrupts stay disabled throughout, so only exceptions and NMIs can
 * arrive, and no vector above 31 is populated.
 */
#include "guest.h"

#define NR_VECTORS      32
#define TRAP_STUB_SIZE  16
#define GDT_CS          0x08
#define GATE_INTR32     0x8e    /* Present, DPL 0, 32-bit interrupt gate. */

/* Pushed by the stubs and pusha, lowest address first. */
struct gtf_trap_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
};

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t zero, type;
    uint16_t offset_hi;
} __attribute__((packed));

struct idt_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

extern const uint8_t trap_stubs[];
void __noreturn gtf_trap(const struct gtf_trap_frame *f);

static struct idt_gate idt[NR_VECTORS];

static const char *const vector_name[NR_VECTORS] = {
    [0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
    [5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS",
    [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF",
    [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
    [20] = "#VE", [21] = "#CP",
};

void gtf_traps_init(void)
{
    struct idt_ptr ptr = { .limit = sizeof(idt) - 1,
                           .base = (uintptr_t)idt };
    unsigned int v;

    for ( v = 0; v < NR_VECTORS; v++ )
    {
        uintptr_t stub = (uintptr_t)trap_stubs + v * TRAP_STUB_SIZE;

        idt[v] = (struct idt_gate){
            .offset_lo = stub & 0xffff,
            .selector = GDT_CS,
            .type = GATE_INTR32,
            .offset_hi = stub >> 16,
        };
    }
    asm volatile ( "lidt %0" :: "m" (ptr) : "memory" );
}

void gtf_trap(const struct gtf_trap_frame *f)
{
    const char *name = f->vector < NR_VECTORS ? vector_name[f->vector] : 0;

    printk("gtf: exception %u (%s) error 0x%x at %04x:%08x eflags %08x\n",
           f->vector, name ? name : "reserved", f->error, f->cs, f->eip,
           f->eflags);
    printk("gtf: eax %08x ebx %08x ecx %08x edx %08x\n",
           f->eax, f->ebx, f->ecx, f->edx);
    printk("gtf: esi %08x edi %08x ebp %08x esp %08x\n",
           f->esi, f->edi, f->ebp, f->esp);
    panic("unhandled exception %u at %08x", f->vector, f->eip);
}
