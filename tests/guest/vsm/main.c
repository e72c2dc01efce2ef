/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hyper-V Virtual Secure Mode (VTLs) on the patched Xen: the VSM policy
 * hypercalls, checked by Xen and answered by a paravisor over the VSM
 * channel (xen-patches 0011-0013).  The answers come from pvdomaind
 * --vsm (its VTL engine, pvdomain/vtl) or from the test double
 * tests/host/progs/pvr-vsm-responder; the statuses expected below are
 * the TLFS's, which both give (where the TLFS names none, the engine's
 * choice, noted "[inf]" there).  Run by tests/host/jobs/vsm-xtf.sh,
 * which sets HVM_PARAM_VIRIDIAN (with HVMPV_vsm, or without it for the
 * "unchanged" run) before the guest runs, and starts and stops the
 * paravisor when the guest asks on its console.
 *
 * Viridian hypercalls go through the Viridian hypercall page, from 32-bit
 * protected mode: control in EDX:EAX, input GPA (or fast input) in
 * EBX:ECX, output GPA in EDI:ESI, result in EDX:EAX.  Paging is off, so
 * a GPA is the address of a static buffer.  Interrupts off; one vCPU
 * until phase smp starts a second (only where the job gives 2).
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
 *          paravisor; CPUID then offers the three privileges, and each
 *          forwarded call gets the paravisor's status and rep count, with
 *          the output it wrote into guest memory (register values at the
 *          rep start's slot only).  The number of forwarded calls is
 *          printed for the job to compare with the paravisor's log.
 *          VTL0 has no VsmPartitionConfig and no lower VTL to protect
 *          (INVALID_PARAMETER).  HvCallEnableVpVtl then gives VP 0 a VTL1
 *          context (xen-patches 0016 loads it into VP 0's VTL1 bank).
 * vtl      VTL call and return inside Xen: HvRegisterVsmCodePageOffsets
 *          (Xen's own answer, alone or before names it forwards, which
 *          then reach the paravisor as a continuation from rep start 1),
 *          the stubs at those offsets; a VtlCall lands in vtl1_entry
 *          below on VTL1's own stack with VTL1's IDTR and CR4 from the
 *          context and its own SYSENTER_CS (0: not in the context), sees
 *          VTL0's ESI (GPRs are shared), writes a marker and its
 *          SYSENTER_CS, and VtlReturns; VTL0 continues after its call
 *          with its ESP, IDTR, CR4, SYSENTER_CS and the registers VTL1
 *          left alone intact (EAX and EDX are the call sequence's).
 *          VTL1's PAT is banked too but not visible here: under QEMU TCG
 *          a guest's RDMSR of PAT returns Xen's own PAT (no g_PAT).  The next VtlCall
 *          resumes VTL1 after its VtlReturn.  A VtlCall from VTL1 and a
 *          VtlReturn from VTL0 raise #UD on the VMMCALL (TLFS "VTL
 *          Call"/"VTL Return"; caught here by a #UD handler that steps
 *          over it).  Before EnableVpVtl (in every phase with VSM asked)
 *          a VtlCall is #UD too.  In VTL1: VTL1 sets its
 *          VsmPartitionConfig (EnableVtlProtection) and reads it back,
 *          and makes rep calls of 0x0C that the paravisor answers at most
 *          2 reps a request: Xen continues such a call (new rep start in
 *          EDX, the call executed again) and the guest sees only the
 *          final answer.  The views: the paravisor makes VTL0's and
 *          VTL1's altp2m views at 0x0D and sets access_required;
 *          VTL1 makes prot_page read-only for VTL0 with 0x0C (the request
 *          carries source VTL 1) and writes it, which the guest survives
 *          only if VTL1 runs in its own view; VTL0 reads VTL1's marker,
 *          VTL1 gives the page back, VTL0 writes it.
 * violation  Only where the guest has the SynIC (HVMPV_synic, seen as
 *          SINT polling in CPUID 0x40000003 EDX; the job gives it to the
 *          run against pvdomaind --vsm, whose engine writes the intercept
 *          message): VTL1 sets its SIMP (Xen tells the paravisor: a
 *          register event) and its VP assist page, and takes W from
 *          viol_wpage and X from viol_xpage for VTL0 (0x0C).  A VtlCall
 *          then shows EntryReason 1 (VtlCall).  VTL0 writes viol_wpage:
 *          Xen sends the violation to the paravisor, which posts a
 *          GpaIntercept message in SINT0's slot of VTL1's SIMP, and Xen
 *          enters VTL1 with EntryReason 2 (Interrupt); VTL1 finds the
 *          message (the GPA, access type write, VTL0's RIP on the
 *          faulting instruction, which Xen fills in), the old bytes still
 *          in the page, reads and writes the page itself, gives W back,
 *          clears the slot and returns; VTL0's write then lands.  The
 *          same for a call into viol_xpage (access type execute).  Then
 *          VTL1 leaves an old message in the slot: the write enters VTL1
 *          with that message (a retry would spin: only VTL1 frees the
 *          slot), VTL1 takes it and returns, and VTL0's write faults
 *          again and is delivered.  Where the SynIC is absent the phase
 *          says so and is skipped.
 * intercept  Also only with the SynIC (xen-patches 0022): VTL1 sets
 *          CrInterceptControl (Cr0Write, SYSENTER_EIP write) and the CR0
 *          mask WP after bad values the paravisor refuses (reserved bit
 *          25, XCr0Write it does not enforce: INVALID_REGISTER_VALUE;
 *          from VTL0: INVALID_PARAMETER) and a CR0 for VTL0 with PG that
 *          Xen refuses.  VTL0 clears CR0.WP: VTL1 is entered (EntryReason
 *          Interrupt) with a RegisterIntercept message (CR0, the value,
 *          VTL0's RIP on the MOV, its length 3), refuses by setting
 *          only VTL0's RIP past it (HvCallSetVpRegisters for VTL0, which
 *          Xen answers), and VTL0 finds WP still set and goes on; the
 *          same write again, VTL1 allows it (RIP and CR0) and WP is
 *          clear.  CR0.AM, outside the mask, does not intercept.  A
 *          WRMSR of SYSENTER_EIP: an MsrIntercept message (RAX, RDX,
 *          length 2), refused, then allowed (RIP and SysenterEip).
 *          VTL1 then clears the control and WP goes back on freely.
 * emul     Only with the SynIC, after phase violation (xen-patches
 *          0020): VTL1 takes W from emul_wpage and every right from
 *          emul_rpage.  VTL0's xen_version(XENVER_extraversion) into
 *          emul_wpage fails with -EFAULT, the page unchanged (Xen's copy
 *          is refused).  Its "rep insb" from port 0 (the device model's,
 *          or all ones from Xen) into emul_wpage is a violation VTL1 sees
 *          (access write, VTL0's RIP on the instruction) before any byte
 *          landed; VTL1 gives the rights back, and VTL0's instruction,
 *          made again, reads what the port gave a free buffer before,
 *          and xen_version then succeeds.  With W taken again,
 *          GetVpRegisters of VsmVpStatus (the paravisor's) and of
 *          VsmCodePageOffsets (Xen's) with the output there are
 *          ACCESS_DENIED, the bytes unchanged; GetVpRegisters with its
 *          input in emul_rpage (Xen reads it) and EnableVpVtl with its
 *          input there (the paravisor reads it) are ACCESS_DENIED; "rep
 *          outsb" from emul_rpage is a read violation, and completes
 *          after VTL1 gives R back.
 * smp      Only with the SynIC (the run against pvdomaind --vsm, which
 *          gives the guest 2 vCPUs): vCPU 1 (VP1) is started in VTL0, and
 *          VP0's VTL1 enables VTL1 on it while it runs (0x0F, VP index 1,
 *          an initial context with VP1's own VTL1 stack); VP1's first
 *          VtlCall sets its VTL1's SIMP and VP assist page and its own
 *          SYSENTER_CS.  Then VP0 enters VTL1, takes W of smp_page from
 *          VTL0, writes it and keeps counting in it, and stays in VTL1
 *          (a flag in shared memory says so) while VP1, in VTL0, sees the
 *          count move, reads VTL1's marker and writes the page: the
 *          violation enters VP1's VTL1 with the message in VP1's SIMP
 *          (VP0's untouched), the write not landed and VP0 still in VTL1;
 *          VP0's VTL1 gives W back while VP1's VTL1 waits, VP1's VTL1
 *          returns and its VTL0 write lands, seen by VP0 still in VTL1.
 *          SYSENTER_CS shows each bank stays its own: 0x1234 VP0's VTL0,
 *          0x77 VP0's VTL1, 0x1111 VP1's VTL0, 0x2222 VP1's VTL1.  VP1
 *          never prints: VP0 reports what it left in memory.
 * bench    1000 VtlCall + VtlReturn round trips and 1000 null Viridian
 *          hypercalls (HvCallFlushVirtualAddressSpace as a fast call,
 *          which Xen refuses at once with INVALID_PARAMETER), TSC cycles;
 *          with the violation phase, VIOL_SAMPLES violation round trips
 *          (VTL0's write to a page VTL1 protected again before each, to
 *          VTL0's next instruction: delivery, VTL1's handler with its
 *          0x0C giving W back, the write made again).
 * gone     After "vsm: release the paravisor" the job stops it; CPUID
 *          drops the privileges and the calls are ACCESS_DENIED again.
 * Not covered yet: RAX/RCX restored from the VP assist page on a
 * non-fast VtlReturn, the paravisor answering a violation "retry", 64-bit
 * callers, more than two vCPUs.
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
/* CPUID 0x40000003 EDX bit 17: SINT polling, which Xen offers with its
 * SynIC (HVMPV_synic) only. */
#define HV_EDX_SINT_POLLING (1u << 17)
#define HV_EBX_VSM          (1u << 16)
#define HV_EBX_VP_REGISTERS (1u << 17)

#define HVCALL_FLUSH_VA_SPACE             0x0002
#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL       0x000d
#define HVCALL_UNKNOWN                    0x000e
#define HVCALL_ENABLE_VP_VTL              0x000f
#define HVCALL_VTL_CALL                   0x0011
#define HVCALL_VTL_RETURN                 0x0012
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
#define REG_CODE_PAGE_OFFS  0x000d0002u
#define REG_VP_STATUS       0x000d0003u
#define REG_PART_STATUS     0x000d0004u
#define REG_PART_CONFIG     0x000d0007u
#define REG_NOT_VSM         0x00040000u     /* An architectural register. */
/* VTL1's VsmPartitionConfig: EnableVtlProtection, DefaultVtlProtectionMask
 * R, W, kernel X (every right, which VTL0 keeps until a page is protected). */
#define VTL1_CONFIG         0xfull
#define POISON              0x5a5a5a5a5a5a5a5aull

/* Seconds the job has to start or stop the paravisor (TCG is slow). */
#define PAIR_TIMEOUT_S      600

/* Xen's 32-bit VTL call and return sequences (xen-patches 0016). */
#define CODE_PAGE_OFFS_32   (0x10u | 0x20u << 12)
/* The VMMCALL in them: after "mov $imm32, %eax; xor %edx, %edx". */
#define STUB_VMMCALL        7
/* The VMMCALL of Xen's ordinary hypercall sequence. */
#define HCALL_VMMCALL       5

#define BENCH_SAMPLES       1000
/* Each violation round trip costs two paravisor requests more (0x0C). */
#define VIOL_SAMPLES        200

#define HV_MSR_SIMP         0x40000083u
#define HV_MSR_VP_ASSIST    0x40000073u
#define HVMSG_GPA_INTERCEPT 0x80000001u
/* HV_MESSAGE: header (type 0, payload size 4), then from 16 the
 * HvX64MemoryInterceptMessage: access type +5, RIP +24, GPA +56. */
#define MSG_PAYLOAD_SIZE    4
#define MSG_ACCESS_TYPE     (16 + 5)
#define MSG_RIP             (16 + 24)
#define MSG_GPA             (16 + 56)
#define MEMORY_INTERCEPT_SZ 0x50
#define ACCESS_READ         0
#define ACCESS_WRITE        1
#define ACCESS_EXECUTE      2
/* HV_VP_VTL_CONTROL.EntryReason, at 8 in the VP assist page. */
#define VP_ASSIST_ENTRY     8
#define ENTRY_VTL_CALL      1
#define ENTRY_INTERRUPT     2
/* MapFlags: VTL0 keeps R and X of viol_wpage, R and W of viol_xpage. */
#define MAP_RX              0x5
#define MAP_RW              0x3
#define MAP_RWX             0x7
#define VIOL_OLD            0x01d01d01u
#define VIOL_NEW            0x0e110e11u
#define XPAGE_RESULT        0x600d600du
/* The GPA of a message VTL1 "did not take" (the busy-slot case). */
#define STALE_GPA           0xdead000ull

/* VTL1's registers, made different from VTL0's where the test can see. */
#define VTL1_IDT_LIMIT      0x3f            /* 8 vectors: #UD included */
#define VTL1_PAT            0x0007010600070106ull   /* WC in entries 2, 6 */
#define CR4_OSFXSR          (1u << 9)
#define MSR_SYSENTER_CS     0x174u
#define VTL0_SYSENTER_CS    0x1234u
#define VTL1_SYSENTER_CS    0x77u           /* VTL1 writes it to its own */
#define VTL1_MARKER         0x314c5456u     /* "VTL1" */

/* HV_INITIAL_VP_CONTEXT (TLFS datatypes). */
struct hv_segment {
    uint64_t base;
    uint32_t limit;
    uint16_t selector, attributes;
} __attribute__((packed));

struct hv_table {
    uint16_t pad[3], limit;
    uint64_t base;
} __attribute__((packed));

struct hv_vp_context {
    uint64_t rip, rsp, rflags;
    struct hv_segment cs, ds, es, fs, gs, ss, tr, ldtr;
    struct hv_table idtr, gdtr;
    uint64_t efer, cr0, cr3, cr4, pat;
} __attribute__((packed));

struct desc_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/*
 * Shared with the assembly below (VTL1's entry, the #UD handler and the
 * register check), so not static.
 */
void *vtl_call_entry, *vtl_return_entry;
void (*vtl1_hook)(void);                /* C code VTL1 runs first */
uint32_t vtl1_probe, vtl1_try_call, vtl1_entries, vtl1_resumed;
uint32_t vtl1_esp, vtl1_esi, vtl1_cr4, vtl1_marker;
uint32_t vtl1_sysenter_cs;
struct desc_ptr vtl1_idtr;
uint32_t ud_count, ud_eip, ud_orig;
uint32_t regs_after[6];                 /* ebx ecx esi edi ebp esp */
uint32_t esp_before;
uint8_t vtl1_stack[4096] __attribute__((aligned(16)));

/*
 * vtl1_entry: VTL1's code, entered by each VtlCall (the first time at
 * the context's RIP, then after its own VtlReturn).  With vtl1_probe set
 * it records what VTL1 sees; with vtl1_try_call it makes a VtlCall from
 * VTL1 first (#UD).  ECX is kept for VTL0; EAX and EDX are the call
 * sequence's.
 *
 * vsm_ud: the #UD handler.  On a VMCALL/VMMCALL (0f 01) it counts, keeps
 * the EIP and steps over the 3 bytes; anything else goes to the
 * framework's handler (a crash report).
 */
asm ( ".pushsection .text\n"
      ".global vtl1_entry\n"
      "vtl1_entry:\n\t"
      "incl vtl1_entries\n\t"
      "cmpl $0, vtl1_hook\n\t"
      "je 3f\n\t"
      "push %ecx\n\t"
      "call *vtl1_hook\n\t"
      "pop %ecx\n"
      "3:\n\t"
      "cmpl $0, vtl1_probe\n\t"
      "je 2f\n\t"
      "mov %esp, vtl1_esp\n\t"
      "mov %esi, vtl1_esi\n\t"
      "sidt vtl1_idtr\n\t"
      "mov %cr4, %eax\n\t"
      "mov %eax, vtl1_cr4\n\t"
      "push %ecx\n\t"
      "mov $0x174, %ecx\n\t"
      "rdmsr\n\t"
      "mov %eax, vtl1_sysenter_cs\n\t"
      "mov $0x77, %eax\n\t"
      "xor %edx, %edx\n\t"
      "wrmsr\n\t"
      "pop %ecx\n\t"
      "movl $0x314c5456, vtl1_marker\n\t"
      "cmpl $0, vtl1_try_call\n\t"
      "je 2f\n\t"
      "call *vtl_call_entry\n"
      "2:\n\t"
      "call *vtl_return_entry\n\t"
      "incl vtl1_resumed\n\t"
      "jmp vtl1_entry\n"
      ".global vsm_ud\n"
      "vsm_ud:\n\t"
      "push %eax\n\t"
      "mov 4(%esp), %eax\n\t"
      "cmpw $0x010f, (%eax)\n\t"
      "jne 1f\n\t"
      "mov %eax, ud_eip\n\t"
      "incl ud_count\n\t"
      "addl $3, 4(%esp)\n\t"
      "pop %eax\n\t"
      "iret\n"
      "1:\n\t"
      "pop %eax\n\t"
      "jmp *ud_orig\n"
      ".popsection\n" );

void vtl1_entry(void);
void vsm_ud(void);

/*
 * viol_write: VTL0's write of viol_value to viol_wpage[0] at the global
 * label viol_write_insn, through EBX and EDI: VTL1 keeps those (its entry
 * code and its C hook do), while EAX and EDX are its call sequence's, so
 * the write made again after VTL1 returns stores the same value.
 */
asm ( ".pushsection .text\n"
      ".global viol_write\n"
      "viol_write:\n\t"
      "push %ebx\n\t"
      "push %edi\n\t"
      "mov viol_value, %ebx\n\t"
      "mov $viol_wpage, %edi\n"
      ".global viol_write_insn\n"
      "viol_write_insn:\n\t"
      "mov %ebx, (%edi)\n\t"
      "pop %edi\n\t"
      "pop %ebx\n\t"
      "ret\n"
      ".popsection\n" );

void viol_write(void);
extern const uint8_t viol_write_insn[];
uint32_t viol_value;
volatile uint32_t viol_wpage[1024] __attribute__((aligned(4096)));
uint8_t viol_xpage[4096] __attribute__((aligned(4096)));

static uint8_t hv_page[4096] __attribute__((aligned(4096)));
static uint64_t s_null[BENCH_SAMPLES], s_vtl[BENCH_SAMPLES];
/* The page VTL1 makes read-only for VTL0, and what VTL1 saw. */
static volatile uint32_t prot_page[1024] __attribute__((aligned(4096)));
static struct hv_result vtl1_result;
static uint8_t in_page[4096] __attribute__((aligned(4096)));
static uint64_t out_page[512] __attribute__((aligned(4096)));
static void *hv_entry = hv_page;
static unsigned int forwarded;

struct hv_result {
    unsigned int status, reps;
};

/* What VTL1's rep calls got (rep_checks), and its config read back. */
static struct hv_result vtl1_rep[6];
static uint64_t vtl1_config;

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

/* HvCallSetVpRegisters' input: one register of VP 0, the caller's VTL. */
static void set_one_reg(uint32_t name, uint64_t value)
{
    set_hdr(PARTITION_SELF, 0, 0);
    memcpy(in_page + 16, &name, 4);
    memcpy(in_page + 32, &value, 8);
}

/*
 * HvCallModifyVtlProtectionMask's header: MapFlags, HV_INPUT_VTL (0: the
 * caller's own VTL, whose protections of the VTLs below it change).
 */
static void set_protect(uint32_t map_flags, uint8_t input_vtl)
{
    set_hdr(PARTITION_SELF, map_flags, input_vtl);
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

/*
 * The same for a call the paravisor answers in NREQ requests (more than
 * one when Xen continues a rep call): counted for the job.
 */
static void expect_pv_n(const char *what, struct hv_result r,
                        unsigned int status, unsigned int reps,
                        unsigned int nreq)
{
    forwarded += nreq;
    expect("paired", what, r, status, reps);
}

static void expect_pv(const char *what, struct hv_result r,
                      unsigned int status, unsigned int reps)
{
    expect_pv_n(what, r, status, reps, 1);
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

/* The SynIC of HVMPV_synic (which offers AccessSynicRegs by itself). */
static bool synic_given(void)
{
    uint32_t a, b, c, d;

    cpuid(HV_CPUID_FEATURES, &a, &b, &c, &d);
    return (d & HV_EDX_SINT_POLLING) != 0;
}

static void expect_privileges(const char *phase, bool on)
{
    uint32_t a, b;
    uint32_t bits;

    privileges(&a, &b);
    bits = (b & (HV_EBX_VSM | HV_EBX_VP_REGISTERS)) |
           (a & HV_EAX_SYNIC ? 1u : 0u);
    if ( bits == (on ? HV_EBX_VSM | HV_EBX_VP_REGISTERS | 1u :
                  synic_given() ? 1u : 0u) )
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

static uint64_t rdmsr(uint32_t idx)
{
    uint32_t lo, hi;

    asm volatile ( "rdmsr" : "=a" (lo), "=d" (hi) : "c" (idx) );
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t read_cr0(void)
{
    uint32_t v;

    asm volatile ( "mov %%cr0, %0" : "=r" (v) );
    return v;
}

static uint32_t read_cr4(void)
{
    uint32_t v;

    asm volatile ( "mov %%cr4, %0" : "=r" (v) );
    return v;
}

static struct desc_ptr read_idtr(void)
{
    struct desc_ptr p;

    asm volatile ( "sidt %0" : "=m" (p) );
    return p;
}

static struct desc_ptr read_gdtr(void)
{
    struct desc_ptr p;

    asm volatile ( "sgdt %0" : "=m" (p) );
    return p;
}

/* Points vector 6 (#UD) of the IDT at vsm_ud, keeping the old handler. */
static void install_ud_handler(void)
{
    struct desc_ptr idtr = read_idtr();
    uint16_t *gate = (uint16_t *)(uintptr_t)(idtr.base + 6 * 8);

    ud_orig = gate[0] | (uint32_t)gate[3] << 16;
    gate[0] = (uintptr_t)vsm_ud & 0xffff;
    gate[3] = (uintptr_t)vsm_ud >> 16;
}

/* A call of CODE through the hypercall page must raise #UD at AT. */
static void expect_ud(const char *phase, const char *what, unsigned int code,
                      const void *at)
{
    uint32_t before = ud_count;
    struct hv_result r = hv_call(code, 0, 0);

    if ( ud_count == before + 1 && ud_eip == (uintptr_t)at )
        printk("vsm: %s: %s: #UD at %p: ok\n", phase, what, at);
    else
        gtf_failure("vsm: %s: %s: %u #UD (at 0x%x, status 0x%x), expected "
                    "one at %p", phase, what, ud_count - before, ud_eip,
                    r.status, at);
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
    expect(phase, "0x0F fast with RDX bits 55:52 set",
           hv_call(HVCALL_ENABLE_VP_VTL | CTL_FAST, 1ull << 52, 0),
           ST_INVALID_PARAM, 0);
    expect(phase, "0x0D fast for partition 5 (Xen checks the ID)",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_FAST, 5, 1),
           ST_INVALID_PART_ID, 0);
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
    expect_ud(phase, "VtlCall before EnableVpVtl", HVCALL_VTL_CALL,
              hv_page + HCALL_VMMCALL);
    expect_ud(phase, "VtlReturn from VTL0", HVCALL_VTL_RETURN,
              hv_page + HCALL_VMMCALL);
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

/* Flat 4 GiB segments: descriptor attributes (type, S, DPL, P, D, G). */
static struct hv_segment flat(uint16_t selector, uint16_t attributes)
{
    return (struct hv_segment){ .base = 0, .limit = 0xffffffffu,
                                .selector = selector,
                                .attributes = attributes };
}

/*
 * HvCallEnableVpVtl(VP, VTL1) with VTL1's initial context: ENTRY on the
 * stack ending at STACK_TOP, interrupts off, the framework's flat
 * segments and GDT, the IDT with limit IDT_LIMIT, CR4 with OSFXSR added,
 * another PAT.
 */
static void set_vp_context(uint32_t vp, void (*entry)(void),
                           const uint8_t *stack_top, uint16_t idt_limit)
{
    struct desc_ptr gdtr = read_gdtr(), idtr = read_idtr();
    struct hv_vp_context ctx = {
        .rip = (uintptr_t)entry,
        .rsp = (uintptr_t)stack_top,
        .rflags = 0x2,
        .cs = flat(0x08, 0xc09b),
        .ds = flat(0x10, 0xc093),
        .es = flat(0x10, 0xc093),
        .fs = flat(0x10, 0xc093),
        .gs = flat(0x10, 0xc093),
        .ss = flat(0x10, 0xc093),
        .tr = { .base = 0, .limit = 0x67, .selector = 0,
                .attributes = 0x8b },
        .idtr = { .limit = idt_limit, .base = idtr.base },
        .gdtr = { .limit = gdtr.limit, .base = gdtr.base },
        .efer = 0,
        .cr0 = read_cr0(),
        .cr3 = 0,
        .cr4 = read_cr4() | CR4_OSFXSR,
        .pat = VTL1_PAT,
    };

    set_hdr(PARTITION_SELF, vp, 1);
    memcpy(in_page + 16, &ctx, sizeof(ctx));
}

static void paired_checks(void)
{
    static const uint32_t part[] = { REG_PART_STATUS };
    static const uint32_t vp_part[] = { REG_VP_STATUS, REG_PART_STATUS };
    static const uint32_t part_bad[] = { REG_PART_STATUS, REG_NOT_VSM };
    static const uint32_t config[] = { REG_PART_CONFIG };

    set_enable_hdr(5, 1);
    expect_pv("0x0D for partition 5",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_PART_ID, 0);
    set_enable_hdr(PARTITION_SELF, 2);
    expect_pv("0x0D for VTL 2",
              hv_call(HVCALL_ENABLE_PARTITION_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_PARAM, 0);
    expect("paired", "0x0D fast, partition 0x1234 in RDX (Xen's answer)",
           hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_FAST, 0x1234, 1),
           ST_INVALID_PART_ID, 0);
    /* Self, sent as input 0; R8 = TargetVtl 2: the paravisor refuses. */
    expect_pv("0x0D fast for self, VTL 2",
              hv_call(HVCALL_ENABLE_PARTITION_VTL | CTL_FAST, PARTITION_SELF,
                      2), ST_INVALID_PARAM, 0);
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

    /*
     * VsmPartitionConfig has one instance per VTL above 0 (TLFS, vsm.md):
     * VTL0 has none to read or write.  VTL1 sets its own in phase vtl.
     */
    set_one_reg(REG_PART_CONFIG, VTL1_CONFIG);
    expect_pv("0x51 VsmPartitionConfig from VTL0 (VTL0 has none)",
              hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_INVALID_PARAM, 0);
    expect_pv("0x50 VsmPartitionConfig from VTL0", get_regs(config, 1, 0),
              ST_INVALID_PARAM, 0);

    set_one_reg(REG_PART_STATUS, 0);
    expect_pv("0x51 of read-only VsmPartitionStatus",
              hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_ACCESS_DENIED, 0);

    set_names(part, 1);
    in_page[12] = 0x10 | 1;         /* HV_INPUT_VTL: use target VTL 1. */
    expect_pv("0x50 of VTL1's registers from VTL0",
              hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, (uintptr_t)out_page),
              ST_ACCESS_DENIED, 0);

    /* VTL0 has no lower VTL to protect pages from (TLFS, as OpenVMM). */
    set_protect(0x7, 0);
    expect_pv("0x0C from VTL0",
              hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_INVALID_PARAM, 0);

    set_vp_context(0, vtl1_entry, vtl1_stack + sizeof(vtl1_stack),
                   VTL1_IDT_LIMIT);
    expect_pv("0x0F EnableVpVtl(0, 1) with a VTL1 context",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
              ST_SUCCESS, 0);
    expect_pv("0x0F again",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0),
              ST_INVALID_VTL, 0);
}

/*
 * A VtlCall through Xen's stub with known values in the registers VTL1
 * leaves alone; what they hold afterwards goes to regs_after[].
 */
static void vtl_call_checked(void)
{
    asm volatile ( "push %%ebp\n\t"
                   "mov $0xb0b0b0b0, %%ebx\n\t"
                   "mov $0xc0c0c0c0, %%ecx\n\t"
                   "mov $0x51515151, %%esi\n\t"
                   "mov $0xd1d1d1d1, %%edi\n\t"
                   "mov $0xebebebeb, %%ebp\n\t"
                   "mov %%esp, esp_before\n\t"
                   "call *vtl_call_entry\n\t"
                   "mov %%ebx, regs_after\n\t"
                   "mov %%ecx, regs_after + 4\n\t"
                   "mov %%esi, regs_after + 8\n\t"
                   "mov %%edi, regs_after + 12\n\t"
                   "mov %%ebp, regs_after + 16\n\t"
                   "mov %%esp, regs_after + 20\n\t"
                   "pop %%ebp"
                   ::: "eax", "ebx", "ecx", "edx", "esi", "edi", "memory",
                       "cc" );
}

static void vtl_call_plain(void)
{
    asm volatile ( "call *vtl_call_entry"
                   ::: "eax", "edx", "memory", "cc" );
}

/* The stub at OFFSET of the hypercall page is Xen's, not int3 filler. */
static void expect_stub(const char *what, unsigned int offset)
{
    const uint8_t *p = hv_page + offset;

    if ( p[0] == 0xb8 && p[5] == 0x31 && p[7] == 0x0f && p[8] == 0x01 &&
         p[10] == 0xc3 )
        printk("vsm: vtl: %s stub at +0x%x: ok\n", what, offset);
    else
        gtf_failure("vsm: vtl: %s stub at +0x%x: %02x %02x %02x ...", what,
                    offset, p[0], p[1], p[2]);
}

/*
 * Run in VTL1 (vtl1_hook): HvCallModifyVtlProtectionMask of prot_page for
 * VTL0 with MAP_FLAGS (HV_INPUT_VTL "current": VTL1's protections).
 */
static struct hv_result vtl1_protect_page(const volatile void *page,
                                          uint32_t map_flags)
{
    uint64_t gfn = (uintptr_t)page >> 12;

    set_protect(map_flags, 0);
    memcpy(in_page + 16, &gfn, sizeof(gfn));
    return hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(1),
                   (uintptr_t)in_page, 0);
}

static void vtl1_protect(uint32_t map_flags)
{
    vtl1_result = vtl1_protect_page(prot_page, map_flags);
}

/*
 * Run in VTL1 (vtl1_hook): VTL1 sets its VsmPartitionConfig, which
 * ModifyVtlProtectionMask needs first, and reads it back; then rep calls
 * of 0x0C, which the paravisor answers 2 reps a request, so that Xen
 * continues them (new rep start, the call executed again), with MapFlags
 * R, W and X: nothing is taken from VTL0.  VTL0 checks the results.
 */
static void vtl1_rep_calls(void)
{
    static const uint32_t config[] = { REG_PART_CONFIG };
    uint64_t gfns[5];
    unsigned int i;

    set_one_reg(REG_PART_CONFIG, VTL1_CONFIG);
    vtl1_rep[0] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
    vtl1_rep[1] = get_regs(config, 1, 0);
    vtl1_config = out_page[0];
    for ( i = 0; i < ARRAY_SIZE(gfns); i++ )
        gfns[i] = ((uintptr_t)out_page >> 12) + i;
    gfns[2] = 1ull << 40;           /* Far past the guest's memory. */
    set_protect(0x7, 0);
    memcpy(in_page + 16, gfns, sizeof(gfns));
    vtl1_rep[2] = hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(3),
                          (uintptr_t)in_page, 0);
    vtl1_rep[3] = hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(2),
                          (uintptr_t)in_page, 0);
    gfns[2] = gfns[1] + 1;
    memcpy(in_page + 16, gfns, sizeof(gfns));
    vtl1_rep[4] = hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(5),
                          (uintptr_t)in_page, 0);
    vtl1_rep[5] = hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(5) |
                          CTL_START(1), (uintptr_t)in_page, 0);
}

static void rep_checks(void)
{
    vtl1_hook = vtl1_rep_calls;
    vtl_call_plain();
    vtl1_hook = NULL;
    expect_pv("0x51 VsmPartitionConfig from VTL1", vtl1_rep[0],
              ST_SUCCESS, 1);
    expect_pv("0x50 VsmPartitionConfig from VTL1", vtl1_rep[1],
              ST_SUCCESS, 1);
    expect_value("vtl", "VTL1's VsmPartitionConfig read back", vtl1_config,
                 VTL1_CONFIG);
    expect_pv_n("0x0C from VTL1 with a page outside the guest (continued "
                "once)", vtl1_rep[2], ST_INVALID_PARAM, 2, 2);
    expect_pv("0x0C from VTL1 of 2 pages", vtl1_rep[3], ST_SUCCESS, 2);
    expect_pv_n("0x0C from VTL1 of 5 pages (continued twice)", vtl1_rep[4],
                ST_SUCCESS, 5, 3);
    expect_pv_n("0x0C from VTL1 of 5 pages from rep start 1 (continued "
                "once)", vtl1_rep[5], ST_SUCCESS, 5, 2);
}

/* VTL1: VTL0 may only read prot_page; VTL1 writes it (its own view). */
static void vtl1_make_read_only(void)
{
    vtl1_protect(0x1);
    prot_page[0] = VTL1_MARKER;
}

static void vtl1_make_rwx(void)
{
    vtl1_protect(0x7);
}

/*
 * The views: VTL1 takes VTL0's write access to prot_page away through the
 * paravisor and writes the page itself, which the guest survives only if
 * Xen runs VTL1 in VTL1's view (the paravisor set access_required, so a
 * violation crashes the guest).  VTL0 reads VTL1's marker; VTL1 gives
 * the page back and VTL0 writes it again.
 */
static void view_checks(void)
{
    vtl1_hook = vtl1_make_read_only;
    vtl_call_plain();
    vtl1_hook = NULL;
    expect_pv_n("0x0C from VTL1: prot_page read-only for VTL0",
                vtl1_result, ST_SUCCESS, 1, 1);
    expect_value("vtl", "VTL1's write to prot_page, read in VTL0",
                 prot_page[0], VTL1_MARKER);
    vtl1_hook = vtl1_make_rwx;
    vtl_call_plain();
    vtl1_hook = NULL;
    expect_pv_n("0x0C from VTL1: prot_page rwx for VTL0 again",
                vtl1_result, ST_SUCCESS, 1, 1);
    prot_page[0] = 0;
    expect_value("vtl", "VTL0's write to prot_page after", prot_page[0], 0);
}

static void vtl_checks(void)
{
    static const uint32_t offs[] = { REG_CODE_PAGE_OFFS };
    static const uint32_t offs_part[] = { REG_CODE_PAGE_OFFS,
                                          REG_PART_STATUS };
    static const char *const reg_name[] = { "EBX", "ECX", "ESI", "EDI",
                                            "EBP" };
    static const uint32_t reg_want[] = { 0xb0b0b0b0, 0xc0c0c0c0,
                                         0x51515151, 0xd1d1d1d1,
                                         0xebebebeb };
    struct desc_ptr idtr = read_idtr();
    uint32_t cr4 = read_cr4(), ud, offsets;
    unsigned int i;

    expect("vtl", "0x50 VsmCodePageOffsets (Xen's answer)",
           get_regs(offs, 1, 0), ST_SUCCESS, 1);
    expect_value("vtl", "VsmCodePageOffsets", out_page[0], CODE_PAGE_OFFS_32);
    offsets = out_page[0];
    expect_pv("0x50 VsmCodePageOffsets, VsmPartitionStatus",
              get_regs(offs_part, 2, 0), ST_SUCCESS, 2);
    expect_value("vtl", "slot 0 (Xen)", out_page[0], CODE_PAGE_OFFS_32);
    expect_value("vtl", "slot 1 (the paravisor)", out_page[2], 0x10003);
    vtl_call_entry = hv_page + (offsets & 0xfff);
    vtl_return_entry = hv_page + ((offsets >> 12) & 0xfff);
    expect_stub("VtlCall", offsets & 0xfff);
    expect_stub("VtlReturn", (offsets >> 12) & 0xfff);
    if ( !gtf_ok() )
        return;

    wrmsr(MSR_SYSENTER_CS, VTL0_SYSENTER_CS);
    vtl1_probe = 1;
    vtl_call_checked();
    expect_value("vtl", "VTL1 entries after a VtlCall", vtl1_entries, 1);
    expect_value("vtl", "VTL1's marker", vtl1_marker, VTL1_MARKER);
    if ( vtl1_esp > (uintptr_t)vtl1_stack &&
         vtl1_esp <= (uintptr_t)vtl1_stack + sizeof(vtl1_stack) )
        printk("vsm: vtl: VTL1 ran on its own stack (ESP 0x%x, VTL0's "
               "0x%x): ok\n", vtl1_esp, esp_before);
    else
        gtf_failure("vsm: vtl: VTL1's ESP 0x%x is not on its stack",
                    vtl1_esp);
    expect_value("vtl", "ESI seen by VTL1 (shared)", vtl1_esi, 0x51515151);
    expect_value("vtl", "VTL1's IDTR limit", vtl1_idtr.limit,
                 VTL1_IDT_LIMIT);
    /* Not in HV_INITIAL_VP_CONTEXT: VTL1's bank starts with 0. */
    expect_value("vtl", "VTL1's SYSENTER_CS", vtl1_sysenter_cs, 0);
    expect_value("vtl", "VTL1's CR4", vtl1_cr4, cr4 | CR4_OSFXSR);
    expect_value("vtl", "VTL0's ESP after the call", regs_after[5],
                 esp_before);
    for ( i = 0; i < ARRAY_SIZE(reg_name); i++ )
        expect_value("vtl", reg_name[i], regs_after[i], reg_want[i]);
    expect_value("vtl", "VTL0's IDTR limit", read_idtr().limit,
                 idtr.limit);
    expect_value("vtl", "VTL0's SYSENTER_CS", rdmsr(MSR_SYSENTER_CS),
                 VTL0_SYSENTER_CS);
    expect_value("vtl", "VTL0's CR4", read_cr4(), cr4);

    vtl1_marker = 0;
    vtl_call_plain();
    expect_value("vtl", "VTL1 resumed after its VtlReturn", vtl1_resumed,
                 1);
    expect_value("vtl", "VTL1 entries", vtl1_entries, 2);
    expect_value("vtl", "VTL1's marker again", vtl1_marker, VTL1_MARKER);

    ud = ud_count;
    vtl1_try_call = 1;
    vtl_call_plain();
    vtl1_try_call = 0;
    if ( ud_count == ud + 1 &&
         ud_eip == (uintptr_t)vtl_call_entry + STUB_VMMCALL &&
         vtl1_entries == 3 )
        printk("vsm: vtl: VtlCall from VTL1: #UD at 0x%x: ok\n", ud_eip);
    else
        gtf_failure("vsm: vtl: VtlCall from VTL1: %u #UD at 0x%x, %u "
                    "entries", ud_count - ud, ud_eip, vtl1_entries);

    ud = ud_count;
    asm volatile ( "call *vtl_return_entry" ::: "eax", "edx", "memory",
                   "cc" );
    if ( ud_count == ud + 1 &&
         ud_eip == (uintptr_t)vtl_return_entry + STUB_VMMCALL )
        printk("vsm: vtl: VtlReturn from VTL0 via its stub: #UD at 0x%x: "
               "ok\n", ud_eip);
    else
        gtf_failure("vsm: vtl: VtlReturn from VTL0: %u #UD at 0x%x",
                    ud_count - ud, ud_eip);
    vtl1_probe = 0;
    rep_checks();
    view_checks();
    printk("vsm: vtl: end\n");
}

/* ---- phase violation ---- */

static uint8_t vtl1_simp[4096] __attribute__((aligned(4096)));
static uint8_t vp_assist[4096] __attribute__((aligned(4096)));
static uint64_t s_viol[VIOL_SAMPLES];
static unsigned int viol_delivered;     /* VTL1's entries for violations */
static unsigned int viol_busy;          /* ... that found its old message */
static uint32_t busy_reason;

/* What VTL1 saw and did on its last violation entry. */
static struct {
    uint32_t reason, type, size, access, old, readback;
    uint64_t rip, gpa;
    struct hv_result give_back;
} seen;
static struct hv_result vtl1_setup[3];
static uint32_t vtl1_reason;

/* Little-endian fields of pages Xen or the paravisor write behind us. */
static uint64_t get_le(const volatile uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    while ( n-- )
        v = v << 8 | p[n];
    return v;
}

static uint32_t get32(const volatile uint8_t *p)
{
    return get_le(p, 4);
}

static uint64_t get64(const volatile uint8_t *p)
{
    return get_le(p, 8);
}

/* VTL1: its SIMP and VP assist page, then W and X taken from VTL0. */
static void vtl1_violation_setup(void)
{
    wrmsr(HV_MSR_SIMP, (uintptr_t)vtl1_simp | 1);
    wrmsr(HV_MSR_VP_ASSIST, (uintptr_t)vp_assist | 1);
    vtl1_setup[0] = vtl1_protect_page(viol_wpage, MAP_RX);
    vtl1_setup[1] = vtl1_protect_page(viol_xpage, MAP_RW);
}

static void vtl1_read_reason(void)
{
    vtl1_reason = get32(vp_assist + VP_ASSIST_ENTRY);
}

/*
 * VTL1, entered for a violation: read the message in SINT0's slot, look
 * at the page (the write must not have landed), use it, give the right
 * back, clear the slot.
 */
static void vtl1_read_message(void)
{
    const volatile uint8_t *m = vtl1_simp;

    viol_delivered++;
    seen.reason = get32(vp_assist + VP_ASSIST_ENTRY);
    seen.type = get32(m);
    seen.size = m[MSG_PAYLOAD_SIZE];
    seen.access = m[MSG_ACCESS_TYPE];
    seen.rip = get64(m + MSG_RIP);
    seen.gpa = get64(m + MSG_GPA);
}

static void vtl1_on_violation(void)
{
    bool exec = get64(vtl1_simp + MSG_GPA) == (uintptr_t)viol_xpage;

    vtl1_read_message();
    if ( exec )
    {
        seen.old = get32(viol_xpage);
        seen.give_back = vtl1_protect_page(viol_xpage, MAP_RWX);
    }
    else
    {
        seen.old = viol_wpage[0];
        viol_wpage[1] = VTL1_MARKER;
        seen.readback = viol_wpage[1];
        seen.give_back = vtl1_protect_page(viol_wpage, MAP_RWX);
    }
    *(volatile uint32_t *)vtl1_simp = 0;     /* HVMSG_NONE: slot free */
}

/*
 * VTL1 left a message in its slot: the violation enters it with that
 * message (the engine cannot post a new one); it takes it and returns,
 * VTL0 faults again and the next entry has the new message.
 */
static void vtl1_on_busy(void)
{
    if ( get64(vtl1_simp + MSG_GPA) != STALE_GPA )
    {
        vtl1_on_violation();
        return;
    }
    viol_busy++;
    busy_reason = get32(vp_assist + VP_ASSIST_ENTRY);
    *(volatile uint32_t *)vtl1_simp = 0;
}

static void vtl1_leave_busy(void)
{
    uint64_t gpa = STALE_GPA;
    uint32_t type = HVMSG_GPA_INTERCEPT;

    vtl1_setup[2] = vtl1_protect_page(viol_wpage, MAP_RX);
    memset(vtl1_simp, 0, 256);
    memcpy(vtl1_simp + MSG_GPA, &gpa, sizeof(gpa));
    memcpy(vtl1_simp, &type, sizeof(type));
}

/* VTL1, in the bench: only what must be done for VTL0 to go on. */
static void vtl1_bench_handler(void)
{
    viol_delivered++;
    seen.give_back = vtl1_protect_page(viol_wpage, MAP_RWX);
    *(volatile uint32_t *)vtl1_simp = 0;
}

static void vtl1_protect_again(void)
{
    vtl1_setup[2] = vtl1_protect_page(viol_wpage, MAP_RX);
}

static void vtl_call_hook(void (*hook)(void))
{
    vtl1_hook = hook;
    vtl_call_plain();
    vtl1_hook = NULL;
}

static void expect_seen(const char *what, uint32_t access, uint64_t gpa,
                        uintptr_t rip, uint32_t old, unsigned int entries)
{
    char buf[96];

    expect_value("violation", what, viol_delivered, entries);
    expect_value("violation", "VTL1's EntryReason (Interrupt)", seen.reason,
                 ENTRY_INTERRUPT);
    expect_value("violation", "message type (GpaIntercept)", seen.type,
                 HVMSG_GPA_INTERCEPT);
    expect_value("violation", "message payload size", seen.size,
                 MEMORY_INTERCEPT_SZ);
    expect_value("violation", "message GPA", seen.gpa, gpa);
    expect_value("violation", "message access type", seen.access, access);
    expect_value("violation", "message RIP (VTL0's faulting instruction)",
                 seen.rip, rip);
    snprintf(buf, sizeof(buf), "page as VTL1 found it (%s)",
             access == ACCESS_WRITE ? "the write did not land" :
             "read by VTL1");
    expect_value("violation", buf, seen.old, old);
    expect_pv("0x0C from VTL1 in its handler: the right back",
              seen.give_back, ST_SUCCESS, 1);
    expect_value("violation", "SINT0's slot after VTL1 cleared it",
                 get32(vtl1_simp), 0);
}

static void violation_checks(void)
{
    static const uint8_t code[] = { 0xb8, 0x0d, 0x60, 0x0d, 0x60, 0xc3 };
    uint32_t (*xfn)(void) = (uint32_t (*)(void))(uintptr_t)viol_xpage;
    uint32_t got;

    if ( !synic_given() )
    {
        printk("vsm: violation: skipped: no SynIC (HVMPV_synic not set)\n");
        return;
    }
    viol_wpage[0] = VIOL_OLD;
    memcpy(viol_xpage, code, sizeof(code));
    vtl_call_hook(vtl1_violation_setup);
    expect_pv("0x0C from VTL1: W taken from viol_wpage", vtl1_setup[0],
              ST_SUCCESS, 1);
    expect_pv("0x0C from VTL1: X taken from viol_xpage", vtl1_setup[1],
              ST_SUCCESS, 1);
    vtl_call_hook(vtl1_read_reason);
    expect_value("violation", "VTL1's EntryReason after a VtlCall",
                 vtl1_reason, ENTRY_VTL_CALL);
    if ( !gtf_ok() )
        return;

    viol_value = VIOL_NEW;
    vtl1_hook = vtl1_on_violation;
    viol_write();
    vtl1_hook = NULL;
    expect_seen("VTL1 entries for VTL0's write", ACCESS_WRITE,
                (uintptr_t)viol_wpage, (uintptr_t)viol_write_insn, VIOL_OLD,
                1);
    expect_value("violation", "VTL1's write to viol_wpage read in VTL1",
                 seen.readback, VTL1_MARKER);
    expect_value("violation", "VTL1's write to viol_wpage, read in VTL0",
                 viol_wpage[1], VTL1_MARKER);
    expect_value("violation", "VTL0's write after VTL1 returned",
                 viol_wpage[0], VIOL_NEW);

    vtl1_hook = vtl1_on_violation;
    got = xfn();
    vtl1_hook = NULL;
    expect_seen("VTL1 entries after VTL0's call into viol_xpage",
                ACCESS_EXECUTE, (uintptr_t)viol_xpage, (uintptr_t)viol_xpage,
                get32(code), 2);
    expect_value("violation", "viol_xpage's code ran after VTL1 returned",
                 got, XPAGE_RESULT);

    /* VTL1 left SINT0's slot busy: no spin, VTL1 runs to free it. */
    vtl_call_hook(vtl1_leave_busy);
    expect_pv("0x0C from VTL1: W taken again, its slot left busy",
              vtl1_setup[2], ST_SUCCESS, 1);
    viol_value = VIOL_OLD;
    vtl1_hook = vtl1_on_busy;
    viol_write();
    vtl1_hook = NULL;
    expect_value("violation", "busy slot: VTL1 entries with its old message",
                 viol_busy, 1);
    expect_value("violation", "busy slot: EntryReason", busy_reason,
                 ENTRY_INTERRUPT);
    expect_seen("busy slot: VTL1 entries with the new message",
                ACCESS_WRITE, (uintptr_t)viol_wpage,
                (uintptr_t)viol_write_insn, VIOL_NEW, 3);
    expect_value("violation", "busy slot: VTL0's write after VTL1 returned",
                 viol_wpage[0], VIOL_OLD);
    printk("vsm: violation: end\n");
}

/* ---- phase intercept: secure register intercepts (xen-patches 0022) ---- */

#define REG_CR_ICPT_CTL     0x000e0000u
#define REG_CR_ICPT_CR0     0x000e0001u
#define REG_RIP             0x00020010u
#define REG_CR0             0x00040000u
#define REG_SYSENTER_EIP    0x00080006u
/* CrInterceptControl: Cr0Write 0, XCr0Write 2, SYSENTER_EIP write 20. */
#define ICPT_CR0_WRITE      (1u << 0)
#define ICPT_XCR0_WRITE     (1u << 2)
#define ICPT_SYSENTER_EIP   (1u << 20)
#define ICPT_RESERVED       (1u << 25)
#define CR0_PG              (1u << 31)
#define CR0_AM              (1u << 18)
#define CR0_WP              (1u << 16)
#define MSR_SYSENTER_EIP    0x176u
#define ICPT_EIP_OLD        0x00101000u
#define ICPT_EIP_NEW        0x00102000u
#define HVMSG_MSR_INTERCEPT 0x80010001u
#define HVMSG_REG_INTERCEPT 0x80010006u
#define INTERCEPT_SZ        0x40
/* HvX64InterceptMessageHeader: InstructionLength 3:0 at +4; then the
 * register's name at +0x2c and value at +0x30, or the MSR at +0x28 and
 * RDX, RAX at +0x30, +0x38. */
#define MSG_INSN_LEN        (16 + 4)
#define MSG_REG_NAME        (16 + 0x2c)
#define MSG_REG_VALUE       (16 + 0x30)
#define MSG_MSR             (16 + 0x28)
#define MSG_MSR_RDX         (16 + 0x30)
#define MSG_MSR_RAX         (16 + 0x38)
#define ST_INVALID_REG_VAL  0x50
#define HV_INPUT_VTL0       0x10            /* UseTargetVtl, VTL0 */

/*
 * VTL0's intercepted writes, at global labels: CR0 from EBX (3 bytes,
 * 0f 22 c3), SYSENTER_EIP from EAX (wrmsr, 2 bytes).
 */
asm ( ".pushsection .text\n"
      ".global icpt_cr0_write\n"
      "icpt_cr0_write:\n\t"
      "push %ebx\n\t"
      "mov icpt_cr0, %ebx\n"
      ".global icpt_cr0_insn\n"
      "icpt_cr0_insn:\n\t"
      "mov %ebx, %cr0\n\t"
      "pop %ebx\n\t"
      "ret\n"
      ".global icpt_msr_write\n"
      "icpt_msr_write:\n\t"
      "mov $0x176, %ecx\n\t"
      "mov icpt_eip, %eax\n\t"
      "xor %edx, %edx\n"
      ".global icpt_msr_insn\n"
      "icpt_msr_insn:\n\t"
      "wrmsr\n\t"
      "ret\n"
      ".popsection\n" );

void icpt_cr0_write(void);
void icpt_msr_write(void);
extern const uint8_t icpt_cr0_insn[], icpt_msr_insn[];
uint32_t icpt_cr0, icpt_eip;

/* What VTL1 saw on its last intercept entry, and how it completed it. */
static struct {
    uint32_t entries, allow, reason, type, size, access, len, name;
    uint64_t rip, value;
    struct hv_result done;
} icpt;
static struct hv_result icpt_set[6];

static void write_cr0(uint32_t v)
{
    asm volatile ( "mov %0, %%cr0" :: "r" (v) : "memory" );
}

/* HvCallSetVpRegisters' element i: a name and its value. */
static void set_elem(unsigned int i, uint32_t name, uint64_t value)
{
    memcpy(in_page + 16 + 32 * i, &name, 4);
    memcpy(in_page + 16 + 32 * i + 16, &value, 8);
}

/* VTL1 sets VTL0's registers (HV_INPUT_VTL 0 for its own VP). */
static struct hv_result set_vtl0(uint32_t name, uint64_t value,
                                 uint32_t name2, uint64_t value2)
{
    set_hdr(PARTITION_SELF, 0, HV_INPUT_VTL0);
    set_elem(0, name, value);
    if ( name2 )
        set_elem(1, name2, value2);
    return hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(name2 ? 2 : 1),
                   (uintptr_t)in_page, 0);
}

/* VTL1: bad intercept registers first, then CR0.WP and SYSENTER_EIP. */
static void vtl1_intercept_setup(void)
{
    set_one_reg(REG_CR_ICPT_CTL, ICPT_RESERVED);
    icpt_set[0] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
    set_one_reg(REG_CR_ICPT_CTL, ICPT_XCR0_WRITE);
    icpt_set[1] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
    icpt_set[2] = set_vtl0(REG_CR0, read_cr0() | CR0_PG, 0, 0);
    set_one_reg(REG_CR_ICPT_CR0, CR0_WP);
    icpt_set[3] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
    set_one_reg(REG_CR_ICPT_CTL, ICPT_CR0_WRITE | ICPT_SYSENTER_EIP);
    icpt_set[4] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
}

static void vtl1_intercept_off(void)
{
    set_one_reg(REG_CR_ICPT_CTL, 0);
    icpt_set[5] = hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                          (uintptr_t)in_page, 0);
}

/*
 * VTL1, entered for an intercept: read the message, then complete the
 * write as the TLFS has it: VTL0's RIP past the instruction, and the
 * value too when icpt.allow says so.
 */
static void vtl1_on_intercept(void)
{
    const volatile uint8_t *m = vtl1_simp;
    bool msr;

    icpt.entries++;
    icpt.reason = get32(vp_assist + VP_ASSIST_ENTRY);
    icpt.type = get32(m);
    msr = icpt.type == HVMSG_MSR_INTERCEPT;
    icpt.size = m[MSG_PAYLOAD_SIZE];
    icpt.access = m[MSG_ACCESS_TYPE];
    icpt.len = m[MSG_INSN_LEN] & 0xf;
    icpt.rip = get64(m + MSG_RIP);
    icpt.name = get32(m + (msr ? MSG_MSR : MSG_REG_NAME));
    icpt.value = msr ? get64(m + MSG_MSR_RAX) | get64(m + MSG_MSR_RDX) << 32
                     : get64(m + MSG_REG_VALUE);
    *(volatile uint32_t *)vtl1_simp = 0;
    icpt.done = set_vtl0(REG_RIP, icpt.rip + icpt.len,
                         icpt.allow ? (msr ? REG_SYSENTER_EIP : REG_CR0) : 0,
                         icpt.value);
}

static void expect_icpt(const char *what, uint32_t type, uint32_t name,
                        uint64_t value, uintptr_t rip, unsigned int len,
                        unsigned int entries)
{
    expect_value("intercept", what, icpt.entries, entries);
    expect_value("intercept", "VTL1's EntryReason (Interrupt)", icpt.reason,
                 ENTRY_INTERRUPT);
    expect_value("intercept", "message type", icpt.type, type);
    expect_value("intercept", "message payload size", icpt.size,
                 INTERCEPT_SZ);
    expect_value("intercept", "message access type (write)", icpt.access,
                 ACCESS_WRITE);
    expect_value("intercept", "message register or MSR", icpt.name, name);
    expect_value("intercept", "message value", icpt.value, value);
    expect_value("intercept", "message RIP (VTL0's instruction)", icpt.rip,
                 rip);
    expect_value("intercept", "message instruction length", icpt.len, len);
    expect("intercept", "0x51 from VTL1: VTL0's registers (Xen)", icpt.done,
           ST_SUCCESS, icpt.allow ? 2 : 1);
}

/* VTL0's write through FN, which VTL1 refuses or allows (ALLOW). */
static void icpt_round(void (*fn)(void), uint32_t allow, const char *what,
                       bool msr, uint64_t value, const uint8_t *insn)
{
    static unsigned int rounds;

    icpt.allow = allow;
    fn();
    expect_icpt(what, msr ? HVMSG_MSR_INTERCEPT : HVMSG_REG_INTERCEPT,
                msr ? MSR_SYSENTER_EIP : REG_CR0, value, (uintptr_t)insn,
                msr ? 2 : 3, ++rounds);
}

static void intercept_checks(void)
{
    uint32_t cr0;

    if ( !synic_given() )
    {
        printk("vsm: intercept: skipped: no SynIC (HVMPV_synic not set)\n");
        return;
    }
    /* WP on and SYSENTER_EIP set before VTL1 intercepts them. */
    write_cr0(read_cr0() | CR0_WP);
    wrmsr(MSR_SYSENTER_EIP, ICPT_EIP_OLD);
    vtl_call_hook(vtl1_intercept_setup);
    expect_pv("0x51 from VTL1: CrInterceptControl, reserved bit 25",
              icpt_set[0], ST_INVALID_REG_VAL, 0);
    expect_pv("0x51 from VTL1: CrInterceptControl, XCr0Write (not enforced)",
              icpt_set[1], ST_INVALID_REG_VAL, 0);
    expect("intercept", "0x51 from VTL1: VTL0's CR0 with PG (Xen)",
           icpt_set[2], ST_INVALID_REG_VAL, 0);
    expect_pv("0x51 from VTL1: CrInterceptCr0Mask WP", icpt_set[3],
              ST_SUCCESS, 1);
    expect_pv("0x51 from VTL1: CrInterceptControl Cr0Write, SYSENTER_EIP",
              icpt_set[4], ST_SUCCESS, 1);
    set_one_reg(REG_CR_ICPT_CTL, ICPT_CR0_WRITE);
    expect_pv("0x51 from VTL0: CrInterceptControl (VTL0 has none)",
              hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                      (uintptr_t)in_page, 0), ST_INVALID_PARAM, 0);
    set_hdr(PARTITION_SELF, 0, HV_INPUT_VTL0);
    set_elem(0, REG_RIP, 0);
    expect("intercept", "0x51 from VTL0: its own RIP (Xen)",
           hv_call(HVCALL_SET_VP_REGISTERS | CTL_REPS(1),
                   (uintptr_t)in_page, 0), ST_ACCESS_DENIED, 0);
    if ( !gtf_ok() )
        return;

    /* VTL0 clears WP: VTL1 refuses (RIP past the instruction only). */
    vtl1_hook = vtl1_on_intercept;
    icpt_cr0 = read_cr0() & ~CR0_WP;
    icpt_round(icpt_cr0_write, 0, "VTL1 entries for VTL0's CR0 write", false,
               icpt_cr0, icpt_cr0_insn);
    expect_value("intercept", "VTL0's CR0.WP after VTL1 refused",
                 read_cr0() & CR0_WP, CR0_WP);
    /* Again: VTL1 allows it (RIP and CR0). */
    icpt_round(icpt_cr0_write, 1, "VTL1 entries for the CR0 write it allows",
               false, icpt_cr0, icpt_cr0_insn);
    expect_value("intercept", "VTL0's CR0 after VTL1 allowed it", read_cr0(),
                 icpt_cr0);
    /* A CR0 bit outside the mask: no intercept. */
    cr0 = read_cr0();
    write_cr0(cr0 | CR0_AM);
    expect_value("intercept", "CR0.AM set (unmasked)", read_cr0(),
                 cr0 | CR0_AM);
    write_cr0(cr0);
    expect_value("intercept", "VTL1 entries after unmasked CR0 writes",
                 icpt.entries, 2);

    /* SYSENTER_EIP: refused, then allowed. */
    icpt_eip = ICPT_EIP_NEW;
    icpt_round(icpt_msr_write, 0, "VTL1 entries for VTL0's WRMSR", true,
               ICPT_EIP_NEW, icpt_msr_insn);
    expect_value("intercept", "SYSENTER_EIP after VTL1 refused",
                 rdmsr(MSR_SYSENTER_EIP), ICPT_EIP_OLD);
    icpt_round(icpt_msr_write, 1, "VTL1 entries for the WRMSR it allows", true,
               ICPT_EIP_NEW, icpt_msr_insn);
    expect_value("intercept", "SYSENTER_EIP after VTL1 allowed it",
                 rdmsr(MSR_SYSENTER_EIP), ICPT_EIP_NEW);
    vtl1_hook = NULL;

    /* VTL1 stops intercepting: WP back on without an entry. */
    vtl_call_hook(vtl1_intercept_off);
    expect_pv("0x51 from VTL1: CrInterceptControl 0", icpt_set[5],
              ST_SUCCESS, 1);
    write_cr0(read_cr0() | CR0_WP);
    expect_value("intercept", "VTL1 entries after it stopped", icpt.entries,
                 4);
    printk("vsm: intercept: %u intercepts delivered to VTL1\n",
           icpt.entries);
    printk("vsm: intercept: end\n");
}

/* ---- phase emul: what Xen does or emulates for VTL0 ---- */

/*
 * emul_ins(dst): "rep insb" of EMUL_BYTES bytes from port 0 to dst;
 * emul_outs(src): "rep outsb" of 2 bytes from src to port 0.  Both
 * return the ECX left (0: every byte moved).  Port 0 because VTL1's
 * return sequence zeroes EDX (the high half of a 32-bit caller's
 * control), so the instruction made again after VTL1 returns must not
 * need another port in DX; ECX and EDI/ESI survive VTL1 (vtl1_entry).
 */
asm ( ".pushsection .text\n"
      ".global emul_ins\n"
      "emul_ins:\n\t"
      "push %edi\n\t"
      "mov 8(%esp), %edi\n\t"
      "mov $16, %ecx\n\t"
      "xor %edx, %edx\n\t"
      "cld\n"
      ".global emul_ins_insn\n"
      "emul_ins_insn:\n\t"
      "rep insb\n\t"
      "mov %ecx, %eax\n\t"
      "pop %edi\n\t"
      "ret\n"
      ".global emul_outs\n"
      "emul_outs:\n\t"
      "push %esi\n\t"
      "mov 8(%esp), %esi\n\t"
      "mov $2, %ecx\n\t"
      "xor %edx, %edx\n\t"
      "cld\n"
      ".global emul_outs_insn\n"
      "emul_outs_insn:\n\t"
      "rep outsb\n\t"
      "mov %ecx, %eax\n\t"
      "pop %esi\n\t"
      "ret\n"
      ".popsection\n" );

uint32_t emul_ins(void *dst);
uint32_t emul_outs(const void *src);
extern const uint8_t emul_ins_insn[], emul_outs_insn[];

#define EMUL_BYTES          16
#define EMUL_POISON         0xa5
#define EMUL_POISON32       0xa5a5a5a5u
#define HYPERVISOR_xen_version 17
#define XENVER_extraversion 1
#define XEN_EFAULT          (-14)
#define MAP_NONE            0x0
/* Offsets in emul_wpage and emul_rpage of each case's buffer. */
#define EMUL_INS_AT         64
#define EMUL_OUT_AT         128
#define EMUL_IN_AT          512
#define EMUL_OUTS_AT        256

/* VTL1 takes W (emul_wpage) and R and W (emul_rpage) from VTL0. */
static uint8_t emul_wpage[4096] __attribute__((aligned(4096)));
static uint8_t emul_rpage[4096] __attribute__((aligned(4096)));
static struct hv_result emul_setup[2];
static unsigned int emul_violations;

static void vtl1_emul_take(void)
{
    emul_setup[0] = vtl1_protect_page(emul_wpage, MAP_RX);
    emul_setup[1] = vtl1_protect_page(emul_rpage, MAP_NONE);
}

static void vtl1_emul_take_w(void)
{
    emul_setup[0] = vtl1_protect_page(emul_wpage, MAP_RX);
}

static void vtl1_emul_give_w(void)
{
    emul_setup[0] = vtl1_protect_page(emul_wpage, MAP_RWX);
}

/*
 * VTL1, entered for a violation of an emulated access: the message, the
 * 4 bytes at its GPA as VTL1 finds them, every right of that page back.
 */
static void vtl1_on_emul(void)
{
    vtl1_read_message();
    emul_violations++;
    seen.old = get32((const volatile uint8_t *)(uintptr_t)seen.gpa);
    seen.give_back = vtl1_protect_page(
        (const void *)(uintptr_t)(seen.gpa & ~0xfffull), MAP_RWX);
    *(volatile uint32_t *)vtl1_simp = 0;
}

static bool emul_poisoned(const uint8_t *p, unsigned int n)
{
    while ( n-- )
        if ( p[n] != EMUL_POISON )
            return false;
    return true;
}

static void expect_emul_seen(const char *what, unsigned int entries,
                             uint32_t access, const void *at,
                             const uint8_t *insn, uint32_t old)
{
    char buf[96];

    snprintf(buf, sizeof(buf), "%s: VTL1 entries so far", what);
    expect_value("emul", buf, emul_violations, entries);
    expect_value("emul", "VTL1's EntryReason (Interrupt)", seen.reason,
                 ENTRY_INTERRUPT);
    expect_value("emul", "message type (GpaIntercept)", seen.type,
                 HVMSG_GPA_INTERCEPT);
    expect_value("emul", "message GPA", seen.gpa, (uintptr_t)at);
    expect_value("emul", "message access type", seen.access, access);
    expect_value("emul", "message RIP (VTL0's string instruction)", seen.rip,
                 (uintptr_t)insn);
    expect_value("emul", "bytes at the GPA as VTL1 found them", seen.old, old);
    expect_pv("0x0C from VTL1 in its handler: the rights back",
              seen.give_back, ST_SUCCESS, 1);
}

/* One GetVpRegisters of NAME from VTL0, its output at OUT. */
static struct hv_result emul_get_reg(uint32_t name, const void *out)
{
    set_names(&name, 1);
    return hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                   (uintptr_t)in_page, (uintptr_t)out);
}

/*
 * VTL1 takes W from emul_wpage and every right from emul_rpage; VTL0
 * then has Xen, the emulator and the paravisor touch them for it.  A
 * copy Xen makes (xen_version's output) fails (-EFAULT) with the page
 * unchanged; an emulated string instruction ("rep insb" into emul_wpage,
 * "rep outsb" from emul_rpage, made by Xen's emulator and the device
 * model) is a violation VTL1 sees before any byte moved, and after VTL1
 * gives the rights back the instruction is made again and completes; a
 * VSM hypercall's output (engine or Xen) or input (Xen's read, the
 * engine's read) there is ACCESS_DENIED, the output unchanged.
 */
static void emul_checks(void)
{
    uint8_t ref[EMUL_BYTES], ver[EMUL_BYTES];
    const uint32_t vp_status = REG_VP_STATUS;
    unsigned int before = viol_delivered;
    long rc;

    if ( !synic_given() )
    {
        printk("vsm: emul: skipped: no SynIC (HVMPV_synic not set)\n");
        return;
    }
    expect_value("emul", "ECX left by rep insb into a free buffer",
                 emul_ins(ref), 0);
    expect_value("emul", "xen_version(extraversion) into a free buffer",
                 gtf_hypercall2(HYPERVISOR_xen_version, XENVER_extraversion,
                                (uintptr_t)ver), 0);
    memset(emul_wpage, EMUL_POISON, sizeof(emul_wpage));
    memset(emul_rpage, EMUL_POISON, sizeof(emul_rpage));
    memset(emul_rpage + EMUL_OUTS_AT, 0, 2);
    set_names(&vp_status, 1);
    memcpy(emul_rpage, in_page, 32);
    set_hdr(PARTITION_SELF, 1, 1);
    memcpy(emul_rpage + EMUL_IN_AT, in_page, 32);
    printk("vsm: emul: pages W-less at gfn 0x%lx, R-less at gfn 0x%lx\n",
           (unsigned long)((uintptr_t)emul_wpage >> 12),
           (unsigned long)((uintptr_t)emul_rpage >> 12));
    vtl_call_hook(vtl1_emul_take);
    expect_pv("0x0C from VTL1: W taken from emul_wpage", emul_setup[0],
              ST_SUCCESS, 1);
    expect_pv("0x0C from VTL1: R and W taken from emul_rpage", emul_setup[1],
              ST_SUCCESS, 1);
    if ( !gtf_ok() )
        return;

    /* (a) A hypercall whose output Xen copies: refused, page unchanged. */
    rc = gtf_hypercall2(HYPERVISOR_xen_version, XENVER_extraversion,
                        (uintptr_t)emul_wpage);
    expect_value("emul", "xen_version(extraversion) into emul_wpage",
                 (uint64_t)rc, (uint64_t)XEN_EFAULT);
    expect_value("emul", "emul_wpage after it (poison kept)",
                 emul_poisoned(emul_wpage, EMUL_BYTES), 1);

    /* (b) rep insb: a violation, then the instruction completes. */
    vtl1_hook = vtl1_on_emul;
    expect_value("emul", "ECX left by rep insb into emul_wpage",
                 emul_ins(emul_wpage + EMUL_INS_AT), 0);
    vtl1_hook = NULL;
    expect_emul_seen("rep insb", 1, ACCESS_WRITE, emul_wpage + EMUL_INS_AT,
                     emul_ins_insn, EMUL_POISON32);
    expect_value("emul", "rep insb's bytes after VTL1 returned",
                 memcmp(emul_wpage + EMUL_INS_AT, ref, EMUL_BYTES) == 0, 1);
    rc = gtf_hypercall2(HYPERVISOR_xen_version, XENVER_extraversion,
                        (uintptr_t)emul_wpage);
    expect_value("emul", "xen_version(extraversion) with W given back",
                 (uint64_t)rc, 0);
    expect_value("emul", "its bytes in emul_wpage",
                 memcmp(emul_wpage, ver, EMUL_BYTES) == 0, 1);

    /* (c) VSM hypercalls' outputs: the engine's, and Xen's own. */
    vtl_call_hook(vtl1_emul_take_w);
    expect_pv("0x0C from VTL1: W taken from emul_wpage again", emul_setup[0],
              ST_SUCCESS, 1);
    expect_pv("0x50 VsmVpStatus, output in emul_wpage",
              emul_get_reg(REG_VP_STATUS, emul_wpage + EMUL_OUT_AT),
              ST_ACCESS_DENIED, 0);
    expect_pv("0x50 VsmCodePageOffsets (Xen's), output in emul_wpage",
              emul_get_reg(REG_CODE_PAGE_OFFS, emul_wpage + EMUL_OUT_AT),
              ST_ACCESS_DENIED, 0);
    expect_value("emul", "emul_wpage after them (poison kept)",
                 emul_poisoned(emul_wpage + EMUL_OUT_AT, 16), 1);

    /* (d) Inputs in emul_rpage: Xen's read (0x50), the engine's (0x0F). */
    expect("emul", "0x50 with its input in emul_rpage (Xen reads it)",
           hv_call(HVCALL_GET_VP_REGISTERS | CTL_REPS(1),
                   (uintptr_t)emul_rpage, (uintptr_t)out_page),
           ST_ACCESS_DENIED, 0);
    expect_pv("0x0F with its input in emul_rpage",
              hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)(emul_rpage + EMUL_IN_AT),
                      0),
              ST_ACCESS_DENIED, 0);

    /* (e) rep outsb reads emul_rpage: a read violation. */
    vtl1_hook = vtl1_on_emul;
    expect_value("emul", "ECX left by rep outsb from emul_rpage",
                 emul_outs(emul_rpage + EMUL_OUTS_AT), 0);
    vtl1_hook = NULL;
    expect_emul_seen("rep outsb", 2, ACCESS_READ, emul_rpage + EMUL_OUTS_AT,
                     emul_outs_insn, EMUL_POISON32 << 16);

    vtl_call_hook(vtl1_emul_give_w);
    expect_pv("0x0C from VTL1: W given back to emul_wpage", emul_setup[0],
              ST_SUCCESS, 1);
    expect_value("emul", "violations delivered for emulated accesses",
                 viol_delivered - before, 2);
    printk("vsm: emul: %u violations of emulated accesses delivered to "
           "VTL1\n", viol_delivered - before);
    printk("vsm: emul: end\n");
}

/* ---- phase smp: two vCPUs in different VTLs at the same time ---- */

/* SYSENTER_CS of VP1's VTL0 and VTL1: with VP0's (VTL0_SYSENTER_CS and
 * VTL1_SYSENTER_CS), a value that only one VTL of one vCPU holds. */
#define VP1_VTL0_SYSENTER_CS    0x1111u
#define VP1_VTL1_SYSENTER_CS    0x2222u
#define SMP_VTL1_MARKER         0x31505653u     /* "SVP1" */
#define SMP_VP1_VALUE           0x0e1f0e1fu
#define SMP_WAIT_S              120

/* Flags in shared memory: each is set once, by the vCPU named. */
static struct {
    volatile uint32_t vp1_up;       /* VP1: running in VTL0 */
    volatile uint32_t enabled;      /* VP0's VTL1: VP1's VTL1 is enabled */
    volatile uint32_t ready;        /* VP1: its VTL1 set its pages */
    volatile uint32_t in_vtl1;      /* VP0: 1 inside VTL1, 2 left it */
    volatile uint32_t fault_seen;   /* VP1's VTL1: its violation arrived */
    volatile uint32_t gave_back;    /* VP0's VTL1: W of smp_page back */
    volatile uint32_t done;         /* VP1: its write landed */
} smp_flag;

/* What VP0's VTL1 did and saw while VP1 acted. */
static struct {
    struct hv_result enable, protect, give_back;
    uint32_t reason, cs, cs_after, readback, page1, ticks, timeouts;
} smp0;

/* What VP1 saw, in VTL0 and in VTL1, for VP0 to report. */
static struct {
    uint32_t vtl1_entries, vtl1_cs_first, vtl1_cs, vtl1_esp;
    uint32_t vtl0_cs_after_call, vtl0_cs_end, vtl0_esp;
    uint32_t tick_a, tick_b, page0, page1_end;
    uint32_t in_vtl1_write, in_vtl1_handler, in_vtl1_end;
    uint32_t reason, type, access, old;
    uint64_t gpa, rip;
    uint32_t timeouts, simp_writes;
} smp1;

/* Not static: smp_write names them. */
volatile uint32_t smp_page[1024] __attribute__((aligned(4096)));
uint32_t smp_value = SMP_VP1_VALUE;
static uint8_t vp1_simp[4096] __attribute__((aligned(4096)));
static uint8_t vp1_assist[4096] __attribute__((aligned(4096)));
static uint8_t vp1_in[4096] __attribute__((aligned(4096)));
static uint8_t vp1_vtl1_stack[4096] __attribute__((aligned(16)));

/*
 * vp1_vtl1_entry: VP1's VTL1 code, entered at the context's RIP by its
 * first VtlCall and then after each VtlReturn: vp1_vtl1_main() and back.
 * smp_write: VP1's VTL0 write of smp_value to smp_page[1], at
 * smp_write_insn, through EBX and EDI, which VTL1 keeps (GPRs are
 * shared), so that the write made again after VTL1 returns is the same.
 */
asm ( ".pushsection .text\n"
      ".global vp1_vtl1_entry\n"
      "vp1_vtl1_entry:\n\t"
      "call vp1_vtl1_main\n\t"
      "call *vtl_return_entry\n\t"
      "jmp vp1_vtl1_entry\n"
      ".global smp_write\n"
      "smp_write:\n\t"
      "push %ebx\n\t"
      "push %edi\n\t"
      "mov smp_value, %ebx\n\t"
      "mov $smp_page + 4, %edi\n"
      ".global smp_write_insn\n"
      "smp_write_insn:\n\t"
      "mov %ebx, (%edi)\n\t"
      "pop %edi\n\t"
      "pop %ebx\n\t"
      "ret\n"
      ".popsection\n" );

void vp1_vtl1_entry(void);
void vp1_vtl1_main(void);
void smp_write(void);
extern const uint8_t smp_write_insn[];

static uint32_t stack_pointer(void)
{
    uint32_t sp;

    asm volatile ( "mov %%esp, %0" : "=r" (sp) );
    return sp;
}

/*
 * VP1's VTL1, should VP0 never give smp_page back: it does so itself,
 * with its own input page (in_page is VP0's).
 */
static void vp1_give_back(void)
{
    uint64_t part = PARTITION_SELF, gfn = (uintptr_t)smp_page >> 12;
    uint32_t flags = MAP_RWX;

    memset(vp1_in, 0, 32);
    memcpy(vp1_in, &part, 8);
    memcpy(vp1_in + 8, &flags, 4);
    memcpy(vp1_in + 16, &gfn, 8);
    hv_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | CTL_REPS(1),
            (uintptr_t)vp1_in, 0);
}

/*
 * VP1's VTL1.  First entry (VtlCall): its own SIMP and VP assist page
 * (the SIMP reaches the paravisor as VP1's register event) and its own
 * SYSENTER_CS.  Second (VP1's VTL0 wrote smp_page): what the message
 * and the page say, with VP0 still in its VTL1; then it waits for VP0's
 * VTL1 to give W back, frees SINT0's slot and returns.
 */
void vp1_vtl1_main(void)
{
    const volatile uint8_t *m = vp1_simp;

    smp1.vtl1_esp = stack_pointer();
    if ( ++smp1.vtl1_entries == 1 )
    {
        smp1.vtl1_cs_first = rdmsr(MSR_SYSENTER_CS);
        wrmsr(MSR_SYSENTER_CS, VP1_VTL1_SYSENTER_CS);
        wrmsr(HV_MSR_SIMP, (uintptr_t)vp1_simp | 1);
        smp1.simp_writes++;
        wrmsr(HV_MSR_VP_ASSIST, (uintptr_t)vp1_assist | 1);
        return;
    }
    smp1.in_vtl1_handler = smp_flag.in_vtl1;
    smp1.vtl1_cs = rdmsr(MSR_SYSENTER_CS);
    smp1.reason = get32(vp1_assist + VP_ASSIST_ENTRY);
    smp1.type = get32(m);
    smp1.access = m[MSG_ACCESS_TYPE];
    smp1.gpa = get64(m + MSG_GPA);
    smp1.rip = get64(m + MSG_RIP);
    smp1.old = smp_page[1];
    gtf_vcpu_publish(&smp_flag.fault_seen, 1);
    if ( !gtf_vcpu_wait(&smp_flag.gave_back, 1, SMP_WAIT_S) )
    {
        smp1.timeouts++;
        vp1_give_back();
    }
    *(volatile uint32_t *)vp1_simp = 0;     /* HVMSG_NONE: slot free */
}

/*
 * VP1 in VTL0 (gtf_vcpu_up): its SYSENTER_CS; once VP0's VTL1 enabled
 * its VTL1, a VtlCall for VTL1's setup; then, with VP0 inside VTL1, it
 * watches VP0's VTL1 write smp_page and writes the page itself.
 */
static void vp1_main(unsigned int vcpu)
{
    unsigned int spins;

    (void)vcpu;
    wrmsr(MSR_SYSENTER_CS, VP1_VTL0_SYSENTER_CS);
    gtf_vcpu_publish(&smp_flag.vp1_up, 1);
    if ( !gtf_vcpu_wait(&smp_flag.enabled, 1, SMP_WAIT_S) )
        goto out;
    asm volatile ( "call *vtl_call_entry"
                   ::: "eax", "ecx", "edx", "memory", "cc" );
    smp1.vtl0_cs_after_call = rdmsr(MSR_SYSENTER_CS);
    gtf_vcpu_publish(&smp_flag.ready, 1);
    if ( !gtf_vcpu_wait(&smp_flag.in_vtl1, 1, SMP_WAIT_S) )
        goto out;
    /* VP0's VTL1 keeps counting in smp_page[2]: see it move. */
    smp1.tick_a = smp_page[2];
    smp1.tick_b = smp1.tick_a;
    for ( spins = 0; smp1.tick_b == smp1.tick_a && spins < 10000000;
          spins++ )
    {
        cpu_relax();
        smp1.tick_b = smp_page[2];
    }
    smp1.page0 = smp_page[0];
    smp1.in_vtl1_write = smp_flag.in_vtl1;
    smp_write();
    smp1.in_vtl1_end = smp_flag.in_vtl1;
    smp1.page1_end = smp_page[1];
    smp1.vtl0_esp = stack_pointer();
    smp1.vtl0_cs_end = rdmsr(MSR_SYSENTER_CS);
 out:
    gtf_vcpu_publish(&smp_flag.done, 1);
}

/* VP0's VTL1: HvCallEnableVpVtl(VP 1) with VP1's VTL1 context. */
static void vp0_vtl1_enable_vp1(void)
{
    set_vp_context(1, vp1_vtl1_entry,
                   vp1_vtl1_stack + sizeof(vp1_vtl1_stack),
                   read_idtr().limit);
    smp0.enable = hv_call(HVCALL_ENABLE_VP_VTL, (uintptr_t)in_page, 0);
}

/*
 * VP0's VTL1 while VP1 runs in VTL0: takes W of smp_page from VTL0,
 * writes the page and counts in it until VP1's VTL1 has its violation,
 * gives W back and stays until VP1's write has landed.
 */
static void vp0_vtl1_hold(void)
{
    uint64_t khz = gtf_tsc_khz(), start = rdtsc_ordered();
    uint64_t limit = khz ? khz * 1000 * SMP_WAIT_S : 0;

    smp0.reason = get32(vp_assist + VP_ASSIST_ENTRY);
    smp0.cs = rdmsr(MSR_SYSENTER_CS);
    smp0.protect = vtl1_protect_page(smp_page, MAP_RX);
    smp_page[0] = SMP_VTL1_MARKER;
    smp0.readback = smp_page[0];
    gtf_vcpu_publish(&smp_flag.in_vtl1, 1);
    while ( !smp_flag.fault_seen && !smp_flag.done )
    {
        smp_page[2] = ++smp0.ticks;
        if ( limit ? rdtsc_ordered() - start > limit
                   : smp0.ticks > 100000000u )
        {
            smp0.timeouts++;
            break;
        }
        gtf_vcpu_yield();
    }
    smp0.give_back = vtl1_protect_page(smp_page, MAP_RWX);
    gtf_vcpu_publish(&smp_flag.gave_back, 1);
    if ( !gtf_vcpu_wait(&smp_flag.done, 1, SMP_WAIT_S) )
        smp0.timeouts++;
    smp0.page1 = smp_page[1];
    smp0.cs_after = rdmsr(MSR_SYSENTER_CS);
    gtf_vcpu_publish(&smp_flag.in_vtl1, 2);
}

static void smp_checks(void)
{
    int rc;

    if ( !synic_given() )
    {
        printk("vsm: smp: skipped: no SynIC (HVMPV_synic not set)\n");
        return;
    }
    rc = gtf_vcpu_up(1, vp1_main);
    if ( rc )
    {
        gtf_failure("vsm: smp: VCPUOP_up of vCPU 1: %d (the guest needs 2 "
                    "vCPUs)", rc);
        return;
    }
    if ( !gtf_vcpu_wait(&smp_flag.vp1_up, 1, SMP_WAIT_S) )
    {
        gtf_error("vsm: smp: vCPU 1 did not start in %u s", SMP_WAIT_S);
        return;
    }
    printk("vsm: smp: vCPU 1 runs in VTL0: ok\n");

    /* VP1 runs (VTL0) while VP0's VTL1 enables VTL1 on it. */
    vtl_call_hook(vp0_vtl1_enable_vp1);
    expect_pv("0x0F from VP0's VTL1: EnableVpVtl(VP 1) while VP1 runs",
              smp0.enable, ST_SUCCESS, 0);
    if ( !gtf_ok() )
        return;
    gtf_vcpu_publish(&smp_flag.enabled, 1);
    if ( !gtf_vcpu_wait(&smp_flag.ready, 1, SMP_WAIT_S) )
    {
        gtf_error("vsm: smp: VP1's VTL1 did not set up in %u s", SMP_WAIT_S);
        return;
    }
    expect_value("smp", "VP1's VTL1 entries after its VtlCall",
                 smp1.vtl1_entries, 1);
    expect_value("smp", "VP1's VTL1 SYSENTER_CS at entry (its own bank)",
                 smp1.vtl1_cs_first, 0);
    expect_value("smp", "VP1's VTL0 SYSENTER_CS after the VtlCall",
                 smp1.vtl0_cs_after_call, VP1_VTL0_SYSENTER_CS);

    /* VP0 stays in VTL1 until VP1 is done. */
    vtl_call_hook(vp0_vtl1_hold);
    if ( !gtf_vcpu_wait(&smp_flag.done, 1, SMP_WAIT_S) )
    {
        gtf_error("vsm: smp: VP1 not done in %u s", SMP_WAIT_S);
        return;
    }
    expect_value("smp", "waits that timed out (VP0's VTL1, VP1)",
                 smp0.timeouts + smp1.timeouts, 0);
    expect_value("smp", "VP0's VTL1 EntryReason (VtlCall)", smp0.reason,
                 ENTRY_VTL_CALL);
    expect_value("smp", "VP0's VTL1 SYSENTER_CS (VP0 VTL1's)", smp0.cs,
                 VTL1_SYSENTER_CS);
    expect_pv("0x0C from VP0's VTL1: W of smp_page taken from VTL0",
              smp0.protect, ST_SUCCESS, 1);
    expect_value("smp", "VP0's VTL1 reads its write to smp_page",
                 smp0.readback, SMP_VTL1_MARKER);
    if ( smp1.tick_b != smp1.tick_a && smp0.ticks > 1 )
        printk("vsm: smp: VP1 in VTL0 saw VP0's VTL1 count in smp_page "
               "(0x%x then 0x%x of %u): ok\n", smp1.tick_a, smp1.tick_b,
               smp0.ticks);
    else
        gtf_failure("vsm: smp: VP1 saw smp_page[2] 0x%x then 0x%x, VP0's "
                    "VTL1 counted %u", smp1.tick_a, smp1.tick_b,
                    smp0.ticks);
    expect_value("smp", "VP1 in VTL0 reads VP0's VTL1 marker", smp1.page0,
                 SMP_VTL1_MARKER);
    expect_value("smp", "VP0 inside VTL1 when VP1 wrote", smp1.in_vtl1_write,
                 1);
    expect_value("smp", "VP0 inside VTL1 while VP1's VTL1 ran",
                 smp1.in_vtl1_handler, 1);
    expect_value("smp", "VP1's VTL1 entries (its violation)",
                 smp1.vtl1_entries, 2);
    expect_value("smp", "VP1's VTL1 EntryReason (Interrupt)", smp1.reason,
                 ENTRY_INTERRUPT);
    expect_value("smp", "message type in VP1's SIMP (GpaIntercept)",
                 smp1.type, HVMSG_GPA_INTERCEPT);
    expect_value("smp", "message GPA", smp1.gpa, (uintptr_t)&smp_page[1]);
    expect_value("smp", "message access type", smp1.access, ACCESS_WRITE);
    expect_value("smp", "message RIP (VP1 VTL0's write)", smp1.rip,
                 (uintptr_t)smp_write_insn);
    expect_value("smp", "smp_page[1] as VP1's VTL1 found it (not written)",
                 smp1.old, 0);
    expect_value("smp", "VP1's VTL1 SYSENTER_CS (VP1 VTL1's)",
                 smp1.vtl1_cs, VP1_VTL1_SYSENTER_CS);
    if ( smp1.vtl1_esp > (uintptr_t)vp1_vtl1_stack &&
         smp1.vtl1_esp <= (uintptr_t)vp1_vtl1_stack + sizeof(vp1_vtl1_stack) )
        printk("vsm: smp: VP1's VTL1 ran on its own stack (ESP 0x%x, VP1 "
               "VTL0's 0x%x): ok\n", smp1.vtl1_esp, smp1.vtl0_esp);
    else
        gtf_failure("vsm: smp: VP1's VTL1 ESP 0x%x is not on its stack",
                    smp1.vtl1_esp);
    expect_value("smp", "SINT0's slot of VP0's SIMP (untouched)",
                 get32(vtl1_simp), 0);
    expect_pv("0x0C from VP0's VTL1 while VP1's VTL1 waits: W back",
              smp0.give_back, ST_SUCCESS, 1);
    expect_value("smp", "VP1's write after its VTL1 returned",
                 smp1.page1_end, SMP_VP1_VALUE);
    expect_value("smp", "VP1's write read in VP0's VTL1", smp0.page1,
                 SMP_VP1_VALUE);
    expect_value("smp", "VP0 still inside VTL1 after VP1's write",
                 smp1.in_vtl1_end, 1);
    expect_value("smp", "VP1's VTL0 SYSENTER_CS (VP1 VTL0's)",
                 smp1.vtl0_cs_end, VP1_VTL0_SYSENTER_CS);
    expect_value("smp", "VP0's VTL1 SYSENTER_CS after VP1's switches",
                 smp0.cs_after, VTL1_SYSENTER_CS);
    expect_value("smp", "VP0's VTL0 SYSENTER_CS",
                 rdmsr(MSR_SYSENTER_CS), VTL0_SYSENTER_CS);
    expect_value("smp", "VP0 left VTL1", smp_flag.in_vtl1, 2);
    /* For the job to add to the engine's counts: VP1's VTL1 entries
     * after its first (the VtlCall) were violations. */
    printk("vsm: smp: %u violation delivered to VP1's VTL1, %u SIMP write\n",
           smp1.vtl1_entries ? smp1.vtl1_entries - 1 : 0, smp1.simp_writes);
    printk("vsm: smp: end\n");
}

/* Violation round trips: VTL0's write to VTL0's next instruction. */
static bool bench_violations(void)
{
    unsigned int i, before = viol_delivered;
    uint64_t t0;

    if ( !synic_given() )
        return false;
    for ( i = 0; i < VIOL_SAMPLES; i++ )
    {
        vtl_call_hook(vtl1_protect_again);
        viol_value = i;
        vtl1_hook = vtl1_bench_handler;
        t0 = rdtsc_ordered();
        viol_write();
        s_viol[i] = rdtsc_ordered() - t0;
        vtl1_hook = NULL;
        forwarded += 2;             /* 0x0C taking W, and giving it back */
        if ( vtl1_setup[2].status != ST_SUCCESS ||
             seen.give_back.status != ST_SUCCESS || viol_wpage[0] != i )
            break;
    }
    expect_value("bench", "violations delivered in the round trips",
                 viol_delivered - before, VIOL_SAMPLES);
    return i == VIOL_SAMPLES;
}

static void bench(void)
{
    unsigned int i, entries = vtl1_entries;
    struct hv_result r = { 0, 0 };
    uint64_t t0;

    if ( gtf_tsc_khz() )
        printk("bench: tsc_khz=%u\n", gtf_tsc_khz());
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        t0 = rdtsc_ordered();
        r = hv_call(HVCALL_FLUSH_VA_SPACE | CTL_FAST, 0, 0);
        s_null[i] = rdtsc_ordered() - t0;
    }
    expect("bench", "null hypercall's status", r, ST_INVALID_PARAM, 0);
    for ( i = 0; i < BENCH_SAMPLES; i++ )
    {
        t0 = rdtsc_ordered();
        vtl_call_plain();
        s_vtl[i] = rdtsc_ordered() - t0;
    }
    expect_value("bench", "VTL1 entries in the round trips",
                 vtl1_entries - entries, BENCH_SAMPLES);
    gtf_bench_report("vsm-null-hypercall", s_null, BENCH_SAMPLES);
    gtf_bench_report("vsm-vtl-roundtrip", s_vtl, BENCH_SAMPLES);
    if ( bench_violations() )
        gtf_bench_report("vsm-violation-roundtrip", s_viol, VIOL_SAMPLES);
    printk("vsm: bench: %u samples each\n", BENCH_SAMPLES);
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
    install_ud_handler();

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
    if ( gtf_ok() )
    {
        vtl_checks();
        if ( gtf_ok() )
            violation_checks();
        if ( gtf_ok() )
            emul_checks();
        if ( gtf_ok() )
            intercept_checks();
        if ( gtf_ok() )
            smp_checks();
        if ( gtf_ok() )
            bench();
    }
    printk("vsm: paired: %u calls answered by the paravisor\n", forwarded);
    printk("vsm: violation: %u violations delivered to VTL1, %u on a busy "
           "slot\n", viol_delivered, viol_busy);

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
