/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hyper-V Virtual Secure Mode (VTLs) on the patched Xen: the VSM policy
 * hypercalls, checked by Xen and answered by a paravisor over the VSM
 * channel (xen-patches 0011-0013; the answers come from
 * tests/host/progs/pvr-vsm-responder, whose fixed policy the expected
 * statuses below follow).  Run by tests/host/jobs/vsm-xtf.sh, which sets
 * HVM_PARAM_VIRIDIAN (with HVMPV_vsm, or without it for the "unchanged"
 * run) before the guest runs, and starts and stops the responder when
 * the guest asks on its console.
 *
 * Viridian hypercalls go through the Viridian hypercall page, from 32-bit
 * protected mode: control in EDX:EAX, input GPA (or fast input) in
 * EBX:ECX, output GPA in EDI:ESI, result in EDX:EAX.  Paging is off, so
 * a GPA is the address of a static buffer.  One vCPU, interrupts off.
 *
 * Phases, one "vsm: <phase>: <check>: ok" line per check:
 * probe    Viridian leaves present; HvCallEnablePartitionVtl (0x0D).
 *          INVALID_HYPERCALL_CODE (a Xen without VSM, or a guest that did
 *          not ask for it: Xen's behaviour unchanged) ends in SKIP
 *          "no VSM", after checking that CPUID offers no VSM privilege.
 * alone    VSM asked, no paravisor: CPUID 0x40000003 has neither
 *          AccessVsm, AccessVpRegisters nor AccessSynicRegs; Xen's cheap
 *          checks (reserved control bits, rep count of a simple call, rep
 *          start past the count, alignment, a fast call's RDX above bit
 *          51, fast Get/SetVpRegisters, a non-VSM register) give their
 *          statuses; every well-formed VSM call is ACCESS_DENIED; an
 *          unknown call code is still INVALID_HYPERCALL_CODE.
 * paired   After "vsm: waiting for the paravisor" the job starts the
 *          responder; CPUID then offers the three privileges, and each
 *          forwarded call gets the responder's status and rep count, with
 *          the output it wrote into guest memory (register values at the
 *          rep start's slot only).  The number of forwarded calls is
 *          printed for the job to compare with the responder's log.
 * gone     After "vsm: release the paravisor" the job stops it; CPUID
 *          drops the privileges and the calls are ACCESS_DENIED again.
 * Not covered yet (Xen has no VTL banks): VTL call/return, EnableVpVtl's
 * context, protection violations.
 */
#include "guest.h"

const char test_title[] = "VSM policy hypercalls (paravisor channel)";

#define HV_MSR_GUEST_OS_ID  0x40000000u
#define HV_MSR_HYPERCALL    0x40000001u

#define HV_CPUID_VENDOR     0x40000000u
#define HV_CPUID_INTERFACE  0x40000001u
#define HV_CPUID_FEATURES   0x40000003u
/* CPUID 0x40000003: EAX bit 2 AccessSynicRegs; EBX 16 AccessVsm, 17 VpRegs. */
#define HV_EAX_SYNIC        (1u << 2)
#define HV_EBX_VSM          (1u << 16)
#define HV_EBX_VP_REGISTERS (1u << 17)

#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL       0x000d
#define HVCALL_UNKNOWN                    0x000e
#define HVCALL_ENABLE_VP_VTL              0x000f
#define HVCALL_GET_VP_REGISTERS           0x0050
#define HVCALL_SET_VP_REGISTERS           0x0051

#define CTL_FAST            (1ull << 16)
#define CTL_REPS(n)         ((uint64_t)(n) << 32)
#define CTL_START(n)        ((uint64_t)(n) << 48)

#define ST_SUCCESS          0x00
#define ST_INVALID_CODE     0x02
#define ST_INVALID_INPUT    0x03
#define ST_INVALID_ALIGN    0x04
#define ST_INVALID_PARAM    0x05
#define ST_ACCESS_DENIED    0x06
#define ST_OPERATION_DENIED 0x08
#define ST_INVALID_PART_ID  0x0d
#define ST_INVALID_VP_INDEX 0x0e
#define ST_INVALID_VTL      0x51

#define PARTITION_SELF      0xffffffffffffffffull
#define REG_VP_STATUS       0x000d0003u
#define REG_PART_STATUS     0x000d0004u
#define REG_PART_CONFIG     0x000d0007u
#define REG_NOT_VSM         0x00040000u     /* An architectural register. */
#define POISON              0x5a5a5a5a5a5a5a5aull

/* Seconds the job has to start or stop the responder (TCG is slow). */
#define PAIR_TIMEOUT_S      600

static uint8_t hv_page[4096] __attribute__((aligned(4096)));
static uint8_t in_page[4096] __attribute__((aligned(4096)));
static uint64_t out_page[512] __attribute__((aligned(4096)));
static void *hv_entry = hv_page;
static unsigned int forwarded;

struct hv_result {
    unsigned int status, reps;
};

static struct hv_result hv_call(uint64_t control, uint64_t in, uint64_t out)
{
    uint32_t a = control, d = control >> 32;
    uint32_t b = in >> 32, c = in, D = out >> 32, S = out;

    asm volatile ( "call *%[entry]"
                   : "+a" (a), "+d" (d), "+b" (b), "+c" (c), "+D" (D),
                     "+S" (S)
                   : [entry] "m" (hv_entry)
                   : "memory" );
    return (struct hv_result){ a & 0xffff, d & 0xfff };
}

/* Builds the 16-byte header: partition ID, then up to 8 more bytes. */
static void set_hdr(uint64_t partition, uint32_t word, uint8_t byte)
{
    memset(in_page, 0, sizeof(in_page));
    memcpy(in_page, &partition, 8);
    memcpy(in_page + 8, &word, 4);
    in_page[12] = byte;
}

/* EnablePartitionVtl's header: partition ID, target VTL, flags. */
static void set_enable_hdr(uint64_t partition, uint8_t vtl)
{
    memset(in_page, 0, sizeof(in_page));
    memcpy(in_page, &partition, 8);
    in_page[8] = vtl;
}

static void set_names(const uint32_t *names, unsigned int n)
{
    set_hdr(PARTITION_SELF, 0, 0);
    memcpy(in_page + 16, names, 4 * n);
}

static void expect(const char *phase, const char *what, struct hv_result r,
                   unsigned int status, unsigned int reps)
{
    if ( r.status == status && r.reps == reps )
        printk("vsm: %s: %s: status 0x%x reps %u: ok\n", phase, what,
               status, reps);
    else
        gtf_failure("vsm: %s: %s: status 0x%x reps %u, expected 0x%x reps %u",
                    phase, what, r.status, r.reps, status, reps);
}

/* The same for a call the paravisor answers: counted for the job. */
static void expect_pv(const char *what, struct hv_result r,
                      unsigned int status, unsigned int reps)
{
    forwarded++;
    expect("paired", what, r, status, reps);
}

static void expect_value(const char *phase, const char *what, uint64_t got,
                         uint64_t want)
{
    if ( got == want )
        printk("vsm: %s: %s = 0x%llx: ok\n", phase, what,
               (unsigned long long)got);
    else
        gtf_failure("vsm: %s: %s = 0x%llx, expected 0x%llx", phase, what,
                    (unsigned long long)got, (unsigned long long)want);
}

static void privileges(uint32_t *eax, uint32_t *ebx)
{
    uint32_t ecx, edx;

    cpuid(HV_CPUID_FEATURES, eax, ebx, &ecx, &edx);
}

static bool vsm_offered(void)
{
    uint32_t a, b;

    privileges(&a, &b);
    return (b & HV_EBX_VSM) != 0;
}

static void expect_privileges(const char *phase, bool on)
{
    uint32_t a, b;
    uint32_t bits;

    privileges(&a, &b);
    bits = (b & (HV_EBX_VSM | HV_EBX_VP_REGISTERS)) |
           (a & HV_EAX_SYNIC ? 1u : 0u);
    if ( bits == (on ? HV_EBX_VSM | HV_EBX_VP_REGISTERS | 1u : 0u) )
        printk("vsm: %s: CPUID 0x40000003 eax 0x%x ebx 0x%x: VSM privileges "
               "%s: ok\n", phase, a, b, on ? "offered" : "absent");
    else
        gtf_failure("vsm: %s: CPUID 0x40000003 eax 0x%x ebx 0x%x: VSM "
                    "privileges expected %s", phase, a, b,
                    on ? "offered" : "absent");
}

/* Waits until CPUID says the paravisor is there (ON) or gone. */
static bool wait_for_pairing(bool on)
{
    unsigned int i;

    for ( i = 0; i < PAIR_TIMEOUT_S * 10; i++ )
    {
        if ( vsm_offered() == on )
            return true;
        gtf_udelay(100000);
    }
    return false;
}

static bool viridian_setup(void)
{
    uint32_t a, b, c, d;

    cpuid(HV_CPUID_VENDOR, &a, &b, &c, &d);
    /* "Microsoft Hv" */
    if ( b != 0x7263694du || c != 0x666f736fu || d != 0x76482074u )
        return false;
    cpuid(HV_CPUID_INTERFACE, &a, &b, &c, &d);
    if ( a != 0x31237648u )         /* "Hv#1" */
        return false;
    /* An open-source OS id (bit 63), then the hypercall page. */
    wrmsr(HV_MSR_GUEST_OS_ID, (1ull << 63) | 0x1000);
    wrmsr(HV_MSR_HYPERCALL, (uintptr_t)hv_page | 1);
    return hv_page[0] != 0 && hv_page[0] != 0xcc;
}

/* Xen's own answers, the same whether a paravisor is there or not. */
static void cheap_checks(const char *phase)
{
    static const uint32_t not_vsm[] = { REG_NOT_VSM };
    static const uint32_t part[] = { REG_PART_STATUS, REG_PART_STATUS };

    set_enable_hdr(PARTITION_SELF, 1);
    expect(phase, "0x0D with reserved control bit 20",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | (1ull << 20),
                   (uintptr_t)in_page, 0), ST_INVALID_INPUT, 0);
    expect(phase, "0x0D with reserved control bit 62",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | (1ull << 62),
                   (uintptr_t)in_page, 0), ST_INVALID_INPUT, 0);
    expect(phase, "0x0D with a rep count",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_REPS(1),
                   (uintptr_t)in_page, 0), ST_INVALID_INPUT, 0);
    expect(phase, "0x0D with an unaligned input GPA",
           hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page + 4, 0),
           ST_INVALID_ALIGN, 0);
    expect(phase, "0x0D fast with RDX bits 55:52 set",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_FAST, PARTITION_SELF,
                   1), ST_INVALID_PARAM, 0);
    set_names(part, 2);
    expect(phase, "0x50 with rep start 2 of 2",
           hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(2) | CTL_START(2),
                   (uintptr_t)in_page, (uintptr_t)out_page),
           ST_INVALID_INPUT, 0);
    expect(phase, "0x50 fast (no XMM fast calls)",
           hv_call(HVCALL_GET_VP_REGISTERS | CTL_FAST | CTL_REPS(1), 0, 0),
           ST_INVALID_INPUT, 0);
    set_names(not_vsm, 1);
    expect(phase, "0x50 of a non-VSM register",
           hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                   (uintptr_t)in_page, (uintptr_t)out_page),
           ST_INVALID_PARAM, 0);
    expect(phase, "unknown call code 0x0E",
           hv_call(HVCALL_UNKNOWN, 0, 0), ST_INVALID_CODE, 0);
}

/* Every well-formed VSM call, denied: no paravisor. */
static void denied_checks(const char *phase)
{
    static const uint32_t part[] = { REG_PART_STATUS };

    set_enable_hdr(PARTITION_SELF, 1);
    expect(phase, "0x0D EnablePartitionVtl(1)",
           hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
           ST_ACCESS_DENIED, 0);
    set_hdr(PARTITION_SELF, 0, 1);
    expect(phase, "0x0F EnableVpVtl(0, 1)",
           hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
           ST_ACCESS_DENIED, 0);
    set_names(part, 1);
    expect(phase, "0x50 VsmPartitionStatus",
           hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                   (uintptr_t)in_page, (uintptr_t)out_page),
           ST_ACCESS_DENIED, 0);
    set_hdr(PARTITION_SELF, 0, 0);
    expect(phase, "0x0C ModifyVtlProtectionMask, 1 page",
           hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(1),
                   (uintptr_t)in_page, 0), ST_ACCESS_DENIED, 0);
}

static struct hv_result get_regs(const uint32_t *names, unsigned int n,
                                 unsigned int start)
{
    unsigned int i;

    set_names(names, n);
    for ( i = 0; i < 2 * n; i++ )
        out_page[i] = POISON;
    return hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(n) | CTL_START(start),
                   (uintptr_t)in_page, (uintptr_t)out_page);
}

static void paired_checks(void)
{
    static const uint32_t part[] = { REG_PART_STATUS };
    static const uint32_t vp_part[] = { REG_VP_STATUS, REG_PART_STATUS };
    static const uint32_t part_bad[] = { REG_PART_STATUS, REG_NOT_VSM };
    static const uint32_t config[] = { REG_PART_CONFIG };
    uint64_t gfns[3];
    uint32_t set[8];

    set_enable_hdr(5, 1);
    expect_pv("0x0D for partition 5",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_PART_ID, 0);
    set_enable_hdr(PARTITION_SELF, 2);
    expect_pv("0x0D for VTL 2",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_PARAM, 0);
    expect_pv("0x0D fast, partition 0x1234 in RDX",
              hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_FAST, 0x1234, 1),
              ST_INVALID_PART_ID, 0);
    set_hdr(PARTITION_SELF, 0, 1);
    expect_pv("0x0F before VTL1 is enabled",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_VTL, 0);
    set_hdr(PARTITION_SELF, 7, 1);
    expect_pv("0x0F for VP 7",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_VP_INDEX, 0);

    expect_pv("0x50 VsmPartitionStatus", get_regs(part, 1, 0),
              ST_SUCCESS, 1);
    expect_value("paired", "VsmPartitionStatus before 0x0D", out_page[0],
                 0x10001);

    set_enable_hdr(PARTITION_SELF, 1);
    expect_pv("0x0D EnablePartitionVtl(1)",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_SUCCESS, 0);
    expect_pv("0x0D again",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_VTL, 0);

    expect_pv("0x50 VsmVpStatus, VsmPartitionStatus",
              get_regs(vp_part, 2, 0), ST_SUCCESS, 2);
    expect_value("paired", "VsmVpStatus", out_page[0], 0x10000);
    expect_value("paired", "VsmPartitionStatus after 0x0D", out_page[2],
                 0x10003);
    expect_value("paired", "VsmPartitionStatus high half", out_page[3], 0);

    expect_pv("0x50 from rep start 1 of 2", get_regs(vp_part, 2, 1),
              ST_SUCCESS, 2);
    expect_value("paired", "slot 0 (before rep start) untouched",
                 out_page[0], POISON);
    expect_value("paired", "slot 1", out_page[2], 0x10003);

    expect_pv("0x50 VsmPartitionStatus then a non-VSM name",
              get_regs(part_bad, 2, 0), ST_INVALID_PARAM, 1);

    set_hdr(PARTITION_SELF, 0, 0);
    memset(set, 0, sizeof(set));
    set[0] = REG_PART_CONFIG;
    set[4] = 0x3;      /* EnableVtlProtection, DefaultVtlProtectionMask R. */
    memcpy(in_page + 16, set, sizeof(set));
    expect_pv("0x51 VsmPartitionConfig = 3",
              hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_SUCCESS, 1);
    expect_pv("0x50 VsmPartitionConfig", get_regs(config, 1, 0),
              ST_SUCCESS, 1);
    expect_value("paired", "VsmPartitionConfig read back", out_page[0], 3);

    set_hdr(PARTITION_SELF, 0, 0);
    set[0] = REG_PART_STATUS;
    memcpy(in_page + 16, set, sizeof(set));
    expect_pv("0x51 of read-only VsmPartitionStatus",
              hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_ACCESS_DENIED, 0);

    set_names(part, 1);
    in_page[12] = 0x10 | 1;         /* HV_INPUT_VTL: use target VTL 1. */
    expect_pv("0x50 of VTL1's registers from VTL0",
              hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, (uintptr_t)out_page),
              ST_ACCESS_DENIED, 0);

    set_hdr(PARTITION_SELF, 0x2, 0);  /* MapFlags W: VTL0 loses R and X. */
    gfns[0] = (uintptr_t)out_page >> 12;
    gfns[1] = gfns[0] + 1;
    gfns[2] = 1ull << 40;           /* Far past the guest's memory. */
    memcpy(in_page + 16, gfns, sizeof(gfns));
    expect_pv("0x0C with a page outside the guest",
              hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(3),
                      (uintptr_t)in_page, 0), ST_INVALID_PARAM, 2);
    expect_pv("0x0C of 2 pages",
              hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(2),
                      (uintptr_t)in_page, 0), ST_SUCCESS, 2);

    set_hdr(PARTITION_SELF, 0, 1);
    expect_pv("0x0F after VTL1 is enabled (no VTL banks yet)",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
              ST_OPERATION_DENIED, 0);
}

void test_main(void)
{
    struct hv_result r;

    if ( !gtf_on_xen() || !viridian_setup() )
    {
        gtf_skip("no VSM: no Viridian interface");
        return;
    }
    printk("vsm: probe: Viridian hypercall page at %p: ok\n", hv_page);

    set_enable_hdr(PARTITION_SELF, 1);
    r = hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0);
    if ( r.status == ST_INVALID_CODE )
    {
        expect_privileges("probe", false);
        expect("probe", "0x0D without VSM", r, ST_INVALID_CODE, 0);
        gtf_skip("no VSM (HvCallEnablePartitionVtl: invalid hypercall "
                 "code)");
        return;
    }
    expect("alone", "0x0D with VSM asked, no paravisor", r,
           ST_ACCESS_DENIED, 0);
    expect_privileges("alone", false);
    cheap_checks("alone");
    denied_checks("alone");
    if ( !gtf_ok() )
        return;

    printk("vsm: waiting for the paravisor\n");
    if ( !wait_for_pairing(true) )
    {
        gtf_error("vsm: paired: no paravisor after %u s", PAIR_TIMEOUT_S);
        return;
    }
    expect_privileges("paired", true);
    cheap_checks("paired");
    paired_checks();
    printk("vsm: paired: %u calls answered by the paravisor\n", forwarded);

    printk("vsm: release the paravisor\n");
    if ( !wait_for_pairing(false) )
    {
        gtf_error("vsm: gone: the paravisor still there after %u s",
                  PAIR_TIMEOUT_S);
        return;
    }
    expect_privileges("gone", false);
    denied_checks("gone");
    printk("vsm: gone: end\n");
    gtf_success();
}
