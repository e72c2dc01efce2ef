/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypervisor detection, timing and shutdown.
 *
 * Xen: the CPUID leaves 0x40000000 + 0x100 * n (n > 0 when Viridian
 * leaves come first) carry the signature "XenVMMXenVMM".  Leaf base+2
 * gives the MSR that makes Xen write its hypercall page into guest
 * memory; leaf base+3 gives the guest TSC rate.  The shutdown is
 * SCHEDOP_shutdown, the only way for an HVM guest without firmware or a
 * device model of its own to end itself cleanly.
 *
 * Plain QEMU: the exit code goes to isa-debug-exit (port 0xF4, present
 * only when the command line adds the device), then ACPI S5 through the
 * FADT's PM1a control block, then a halt loop.  S5's SLP_TYP value comes
 * from AML (\_S5) that we do not parse: QEMU's DSDT declares it as 0.
 */
#include "guest.h"

#define XEN_CPUID_FIRST     0x40000000u
#define XEN_CPUID_LAST      0x40010000u

#define HYPERVISOR_sched_op     29
#define HYPERVISOR_xen_version  17
#define SCHEDOP_shutdown        2
#define SHUTDOWN_poweroff       0
#define SHUTDOWN_reboot         1
#define SHUTDOWN_crash          3
#define XENVER_version          0

#define DEBUG_EXIT_PORT     0xf4
#define ACPI_SLP_EN         (1u << 13)

static uint32_t xen_base;   /* CPUID base of Xen's leaves, 0 if not Xen. */
static uint32_t tsc_khz;
static char hv_name[48] = "none";

/* Xen writes one 32-byte stub per hypercall into this page. */
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/*
 * Debug builds of Xen scribble on the argument registers a hypercall does
 * not use, so they are all listed as clobbered.
 */
long gtf_hypercall3(unsigned int op, uint32_t a1, uint32_t a2, uint32_t a3)
{
    long ret;
    uint32_t b = a1, c = a2, d = a3, S = 0, D = 0;

    asm volatile ( "call *%[stub]"
                   : "=a" (ret), "+b" (b), "+c" (c), "+d" (d),
                     "+S" (S), "+D" (D)
                   : [stub] "r" (hypercall_page + op * 32)
                   : "memory" );
    return ret;
}

long gtf_hypercall2(unsigned int op, uint32_t a1, uint32_t a2)
{
    return gtf_hypercall3(op, a1, a2, 0);
}

static bool xen_detect(void)
{
    uint32_t base, eax, ebx, ecx, edx;

    for ( base = XEN_CPUID_FIRST; base < XEN_CPUID_LAST; base += 0x100 )
    {
        cpuid(base, &eax, &ebx, &ecx, &edx);
        /* "XenV" "MMXe" "nVMM" in EBX, ECX, EDX. */
        if ( ebx == 0x566e6558u && ecx == 0x65584d4du &&
             edx == 0x4d4d566eu && eax >= base + 3 )
        {
            xen_base = base;
            return true;
        }
    }
    return false;
}

static void generic_detect(void)
{
    uint32_t eax, ebx, ecx, edx, sig[3];

    cpuid(1, &eax, &ebx, &ecx, &edx);
    if ( !(ecx & (1u << 31)) )
        return;

    cpuid(XEN_CPUID_FIRST, &eax, &sig[0], &sig[1], &sig[2]);
    snprintf(hv_name, sizeof(hv_name), "%.12s (not Xen)", (char *)sig);

    /* KVM and VMware publish the TSC rate here when asked to. */
    if ( eax >= XEN_CPUID_FIRST + 0x10 )
    {
        cpuid(XEN_CPUID_FIRST + 0x10, &eax, &ebx, &ecx, &edx);
        tsc_khz = eax;
    }
}

void gtf_hypervisor_init(void)
{
    uint32_t eax, ebx, ecx, edx;
    long ver;

    if ( !xen_detect() )
    {
        generic_detect();
        return;
    }

    cpuid(xen_base + 2, &eax, &ebx, &ecx, &edx);
    wrmsr(ebx, (uintptr_t)hypercall_page);

    cpuid_count(xen_base + 3, 0, &eax, &ebx, &ecx, &edx);
    tsc_khz = ecx;

    ver = gtf_hypercall2(HYPERVISOR_xen_version, XENVER_version, 0);
    snprintf(hv_name, sizeof(hv_name), "Xen %ld.%ld",
             (ver >> 16) & 0xffff, ver & 0xffff);
}

bool gtf_on_xen(void)
{
    return xen_base != 0;
}

const char *gtf_hypervisor_name(void)
{
    return hv_name;
}

uint32_t gtf_tsc_khz(void)
{
    return tsc_khz;
}

void gtf_udelay(uint32_t us)
{
    /*
     * With no known rate, assume 5 GHz: faster than any real TSC, so the
     * wait is never shorter than asked.
     */
    uint32_t mhz = tsc_khz ? (tsc_khz + 999) / 1000 : 5000;
    uint64_t ticks = (uint64_t)mhz * us;
    uint64_t start = rdtsc_ordered();
    /* Bounded even if the TSC stands still (1000 pauses per us). */
    uint64_t spins = (uint64_t)us * 1000;

    while ( rdtsc_ordered() - start < ticks && spins-- )
        cpu_relax();
}

struct acpi_header {
    char sig[4];
    uint32_t length;
    uint8_t rev, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static bool acpi_checksum_ok(const void *p, uint32_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    while ( len-- )
        sum += *b++;
    return sum == 0;
}

/* Returns the PM1a control port from the FADT, or 0. */
static uint16_t acpi_pm1a_cnt(void)
{
    const struct acpi_header *rsdt, *t;
    uintptr_t p;
    uint32_t i, n;

    /* The RSDP is 16-byte aligned in the BIOS area (QEMU: SeaBIOS). */
    for ( p = 0xe0000; p < 0x100000; p += 16 )
        if ( !memcmp((const void *)p, "RSD PTR ", 8) &&
             acpi_checksum_ok((const void *)p, 20) )
            break;
    if ( p >= 0x100000 )
        return 0;

    rsdt = (const struct acpi_header *)*(const uint32_t *)(p + 16);
    if ( memcmp(rsdt->sig, "RSDT", 4) || rsdt->length < sizeof(*rsdt) )
        return 0;

    n = (rsdt->length - sizeof(*rsdt)) / 4;
    for ( i = 0; i < n; i++ )
    {
        t = (const struct acpi_header *)
            ((const uint32_t *)(rsdt + 1))[i];
        /* PM1a_CNT_BLK is the 32-bit field at offset 64 of the FADT. */
        if ( !memcmp(t->sig, "FACP", 4) && t->length >= 68 )
            return (uint16_t)*(const uint32_t *)((uintptr_t)t + 64);
    }
    return 0;
}

void gtf_reboot(void)
{
    uint32_t reason = SHUTDOWN_reboot;

    if ( gtf_on_xen() )
        gtf_hypercall2(HYPERVISOR_sched_op, SCHEDOP_shutdown,
                       (uintptr_t)&reason);
    printk("gtf: cannot reboot (not on Xen, or Xen refused); halting\n");
    cpu_halt_forever();
}

void gtf_shutdown(enum gtf_result result)
{
    uint16_t pm1a;
    uint32_t reason;

    if ( gtf_on_xen() )
    {
        reason = result == GTF_CRASH ? SHUTDOWN_crash : SHUTDOWN_poweroff;
        gtf_hypercall2(HYPERVISOR_sched_op, SCHEDOP_shutdown,
                   (uintptr_t)&reason);
        /* Not reached unless Xen refused. */
        cpu_halt_forever();
    }

    outb(DEBUG_EXIT_PORT, (uint8_t)result);

    pm1a = acpi_pm1a_cnt();
    if ( pm1a )
        outw(pm1a, ACPI_SLP_EN);

    printk("gtf: no way to power off; halting\n");
    cpu_halt_forever();
}
