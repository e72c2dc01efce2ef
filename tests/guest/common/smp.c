/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Secondary vCPUs, on Xen HVM only.
 *
 * gtf_vcpu_up(N, FN) starts vCPU N at FN(N) in the CPU state the boot
 * vCPU runs in: 32-bit flat protected mode, paging and interrupts off,
 * the same GDT and IDT.  It uses VCPUOP_initialise with a
 * vcpu_hvm_context in VCPU_HVM_MODE_32B, which sets the registers and
 * the cached segment state directly, then VCPUOP_up: no real-mode
 * trampoline below 1 MiB and no LAPIC INIT-SIPI-SIPI (hvmloader's way)
 * are needed.  Xen accepts this for an HVM vCPU that has never run
 * (xen/arch/x86/hvm/domain.c, arch_set_info_hvm_guest()).
 *
 * The vCPU enters gtf_ap_entry with EBX pointing at its boot block and
 * ESP at the top of its own stack.  It loads the boot vCPU's GDTR and
 * IDTR (taken with sgdt/sidt), reloads its segment registers from that
 * GDT and calls FN.  When FN returns it halts with interrupts off, which
 * Xen treats as the vCPU going offline (hvm_hlt() -> hvm_vcpu_down()).
 *
 * The console and the result functions are not safe on two vCPUs at
 * once (Xen assembles port 0xE9 bytes into lines per domain, so lines
 * would interleave): a secondary vCPU should leave what it found in
 * memory for the boot vCPU to report.  An exception on it still panics
 * the guest, which is the outcome wanted.
 */
#include "guest.h"

#define HYPERVISOR_vcpu_op      24
#define HYPERVISOR_sched_op     29
#define VCPUOP_initialise       0
#define VCPUOP_up               1
#define SCHEDOP_yield           0
#define VCPU_HVM_MODE_32B       0

/* Segment attributes in Xen's _ar layout (public/hvm/hvm_vcpu.h). */
#define AR_CODE32       0xc9b   /* G, D, P, S, type 0xb (exec/read). */
#define AR_DATA32       0xc93   /* G, B, P, S, type 3 (read/write). */
#define AR_TSS32_BUSY   0x08b   /* P, type 0xb (busy 32-bit TSS). */
#define CR0_PE          0x01u
#define CR0_ET          0x10u

#define AP_STACK_SIZE   8192

/* The operand of lgdt/lidt and sgdt/sidt. */
struct dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* gtf_ap_entry reads gdtr at offset 0 and idtr at offset 8. */
struct ap_boot {
    struct dtr gdtr;
    uint16_t pad0;
    struct dtr idtr;
    uint16_t pad1;
    void (*fn)(unsigned int vcpu);
    unsigned int vcpu;
};
_Static_assert(offsetof(struct ap_boot, idtr) == 8, "gtf_ap_entry offsets");

/* Xen's struct vcpu_hvm_x86_32 and vcpu_hvm_context (hvm_vcpu.h). */
struct vcpu_hvm_x86_32 {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t eip, eflags;
    uint32_t cr0, cr3, cr4;
    uint32_t pad1;
    uint64_t efer;
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
    uint16_t pad2[3];
};

struct vcpu_hvm_context {
    uint32_t mode;
    uint32_t pad;
    /* A union with the 64-bit layout, which is no larger. */
    struct vcpu_hvm_x86_32 x86_32;
};
_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "Xen ABI");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, efer) == 56, "Xen ABI");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "Xen ABI");

extern const char gtf_ap_entry[];
void __noreturn gtf_ap_main(const struct ap_boot *b);

static struct ap_boot ap_boot[GTF_MAX_VCPUS];
static uint8_t ap_stack[GTF_MAX_VCPUS][AP_STACK_SIZE]
    __attribute__((aligned(16)));

/* 0x08 and 0x10 are head.S's flat code and data selectors. */
asm (
    "        .pushsection .text, \"ax\", @progbits\n"
    "        .code32\n"
    "        .global gtf_ap_entry\n"
    "gtf_ap_entry:\n"
    "        lgdt    0(%ebx)\n"
    "        lidt    8(%ebx)\n"
    "        ljmp    $0x08, $1f\n"
    "1:      mov     $0x10, %eax\n"
    "        mov     %eax, %ds\n"
    "        mov     %eax, %es\n"
    "        mov     %eax, %fs\n"
    "        mov     %eax, %gs\n"
    "        mov     %eax, %ss\n"
    "        push    %ebx\n"
    "        call    gtf_ap_main\n"
    "        ud2\n"
    "        .popsection\n"
);

void gtf_ap_main(const struct ap_boot *b)
{
    b->fn(b->vcpu);
    /* Interrupts are off: Xen takes this vCPU offline. */
    cpu_halt_forever();
}

int gtf_vcpu_up(unsigned int vcpu, void (*fn)(unsigned int vcpu))
{
    struct vcpu_hvm_context ctx;
    struct vcpu_hvm_x86_32 *r = &ctx.x86_32;
    struct ap_boot *b;
    long rc;

    if ( !gtf_on_xen() )
        return -ENODEV;
    if ( vcpu == 0 || vcpu >= GTF_MAX_VCPUS || !fn )
        return -EINVAL;

    b = &ap_boot[vcpu];
    asm volatile ( "sgdt %0" : "=m" (b->gdtr) );
    asm volatile ( "sidt %0" : "=m" (b->idtr) );
    b->fn = fn;
    b->vcpu = vcpu;

    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = VCPU_HVM_MODE_32B;
    r->eip = (uintptr_t)gtf_ap_entry;
    r->esp = (uintptr_t)(ap_stack[vcpu] + AP_STACK_SIZE);
    r->ebx = (uintptr_t)b;
    r->eflags = 0x2;
    r->cr0 = CR0_PE | CR0_ET;
    r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = ~0u;
    r->cs_ar = AR_CODE32;
    r->ds_ar = r->ss_ar = r->es_ar = AR_DATA32;
    r->tr_limit = 0x67;
    r->tr_ar = AR_TSS32_BUSY;

    /* The hypercall is a full barrier: the boot block is in memory. */
    rc = gtf_hypercall3(HYPERVISOR_vcpu_op, VCPUOP_initialise, vcpu,
                        (uintptr_t)&ctx);
    if ( !rc )
        rc = gtf_hypercall3(HYPERVISOR_vcpu_op, VCPUOP_up, vcpu, 0);
    return (int)rc;
}

void gtf_vcpu_yield(void)
{
    if ( gtf_on_xen() )
        gtf_hypercall2(HYPERVISOR_sched_op, SCHEDOP_yield, 0);
    else
        cpu_relax();
}

void gtf_vcpu_publish(volatile uint32_t *flag, uint32_t n)
{
    /* Every store before it stays ahead of the flag (x86 keeps stores in
     * order for the other vCPU; this keeps the compiler from moving). */
    asm volatile ( "" ::: "memory" );
    *flag = n;
}

bool gtf_vcpu_wait(const volatile uint32_t *flag, uint32_t n,
                   unsigned int seconds)
{
    uint64_t khz = gtf_tsc_khz(), start = rdtsc_ordered();
    uint64_t limit = khz ? khz * 1000 * seconds : 0;
    uint64_t spins = 0;

    while ( *flag < n )
    {
        if ( limit ? rdtsc_ordered() - start > limit
                   : ++spins > 100000000ull )
            return false;
        gtf_vcpu_yield();
    }
    /* Nothing the other vCPU published is read before the flag. */
    asm volatile ( "" ::: "memory" );
    return true;
}
