/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VSM policy channel between Xen and the paravisor, and the Hyper-V
 * TLFS constants the VTL engine needs.
 *
 * The channel (fixed by the lead; ../shared/reference/vsm-in-xen.md
 * section 3.2 with the decisions in the issue 7 brief "vsm-channel"):
 * Xen posts an ioreq of type IOREQ_TYPE_VSM (9) to the paravisor's IOREQ
 * server, which claims the range [0, 3] of range type
 * XEN_DMOP_IO_RANGE_VSM (3).  One request per vCPU in its ordinary slot
 * (slot index = vCPU = VP index), dir = read, data_is_ptr = 0, df = 0.
 * addr bits 63:56 are the kind; the other fields depend on the kind, as
 * the decoders below say.  The answer goes back in data.
 *
 * Everything here is pure: encode/decode helpers over integers.
 */
#ifndef PVR_VTL_CHANNEL_H
#define PVR_VTL_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

/* ---- The channel (vsm-channel) ---- */

#define PVR_IOREQ_TYPE_VSM          9   /* public/hvm/ioreq.h, new */
#define PVR_DMOP_IO_RANGE_VSM       3   /* public/hvm/dm_op.h, new */

/* addr bits 63:56 */
enum pvr_vsm_kind {
    PVR_VSM_KIND_HYPERCALL = 0,
    PVR_VSM_KIND_VIOLATION = 1,
    PVR_VSM_KIND_REGISTER = 2,
    PVR_VSM_KIND_INTERCEPT = 3,
};
#define PVR_VSM_KIND_LAST           3   /* the range a server claims */

#define PVR_VSM_ADDR_MASK           ((1ULL << 52) - 1)  /* addr 51:0 */

/* Kind 1 count bits. */
#define PVR_VSM_ACC_R               (1u << 0)
#define PVR_VSM_ACC_W               (1u << 1)
#define PVR_VSM_ACC_X               (1u << 2)
#define PVR_VSM_GLA_VALID           (1u << 3)

/*
 * Kind 3 (secure intercepts, xen-patches 0022): addr the register's name
 * (HV_X64_REG_CR0/CR4) or, with count bit 0, the MSR index; data the
 * value written.  The same answers as kind 1, 0 meaning "execute".
 */
#define PVR_VSM_ICPT_MSR            (1u << 0)

/* Kind 1 and 3 answers (data 15:0). */
enum pvr_vsm_action {
    PVR_VSM_ACT_RETRY = 0,      /* rights changed: re-execute in VTL0 */
    PVR_VSM_ACT_EXECUTE = 0,    /* kind 3: let the write execute, once */
    PVR_VSM_ACT_ENTER_VTL1 = 1, /* message written: enter VTL1 (Interrupt) */
    PVR_VSM_ACT_CRASH = 2,      /* crash the domain */
};

/* One request, decoded (no validation beyond field extraction). */
struct pvr_vsm_req {
    unsigned int kind;
    uint64_t arg;           /* addr 55:0: GPA, RDX, or MSR/register name */
    uint64_t data;          /* output GPA / R8, GLA, or new value */
    unsigned int src_vtl;   /* count 31:28 */
    /* kind 0 */
    uint16_t code;          /* count 15:0 */
    unsigned int rep_count; /* count 27:16 */
    unsigned int rep_start; /* size 11:0 */
    bool fast;              /* size 12 */
    bool caller32;          /* size 13 */
    /* kind 1; kind 3: bit 0 MSR */
    unsigned int access;    /* count 3:0: R, W, X, GLA valid */
};

static inline void pvr_vsm_decode(uint64_t addr, uint64_t data,
                                  uint32_t count, uint32_t size,
                                  struct pvr_vsm_req *out)
{
    out->kind = addr >> 56;
    out->arg = addr & ((1ULL << 56) - 1);
    out->data = data;
    out->src_vtl = count >> 28;
    out->code = count & 0xffff;
    out->rep_count = (count >> 16) & 0xfff;
    out->rep_start = size & 0xfff;
    out->fast = (size >> 12) & 1;
    out->caller32 = (size >> 13) & 1;
    out->access = count & 0xf;
}

/* The inverse, for tests and fuzzers (what Xen sends). */
static inline uint64_t pvr_vsm_addr(unsigned int kind, uint64_t arg)
{
    return ((uint64_t)kind << 56) | (arg & ((1ULL << 56) - 1));
}

static inline uint32_t pvr_vsm_hcall_count(uint16_t code,
                                           unsigned int rep_count,
                                           unsigned int src_vtl)
{
    return code | ((uint32_t)(rep_count & 0xfff) << 16) |
           ((uint32_t)(src_vtl & 0xf) << 28);
}

static inline uint32_t pvr_vsm_hcall_size(unsigned int rep_start, bool fast,
                                          bool caller32)
{
    return (rep_start & 0xfff) | ((uint32_t)fast << 12) |
           ((uint32_t)caller32 << 13);
}

/* Kind 0 answer: HV_STATUS 15:0, reps completed 43:32. */
static inline uint64_t pvr_vsm_hcall_answer(uint16_t status,
                                            unsigned int reps_done)
{
    return status | ((uint64_t)(reps_done & 0xfff) << 32);
}

/* EnablePartitionVtl answered SUCCESS: VTL0's view 55:48, VTL1's 63:56. */
static inline uint64_t pvr_vsm_views_answer(uint16_t vtl0_view,
                                            uint16_t vtl1_view)
{
    return ((uint64_t)(vtl0_view & 0xff) << 48) |
           ((uint64_t)(vtl1_view & 0xff) << 56);
}

static inline uint16_t pvr_vsm_answer_status(uint64_t data)
{
    return data & 0xffff;
}

static inline unsigned int pvr_vsm_answer_reps(uint64_t data)
{
    return (data >> 32) & 0xfff;
}

/* ---- TLFS constants ---- */

/* Call codes: OpenVMM hvdef lib.rs L727-761 (vsm-in-xen.md 4.1). */
#define HVCALL_MODIFY_VTL_PROTECTION_MASK   0x000c
#define HVCALL_ENABLE_PARTITION_VTL         0x000d
#define HVCALL_ENABLE_VP_VTL                0x000f
#define HVCALL_VTL_CALL                     0x0011
#define HVCALL_VTL_RETURN                   0x0012
#define HVCALL_GET_VP_REGISTERS             0x0050
#define HVCALL_SET_VP_REGISTERS             0x0051

/*
 * HV_STATUS: hvdef L950-1033 (vsm-in-xen.md 4.1).  Xen's hyperv-tlfs.h
 * has only 0, 2, 3, 4, 5, 11, 17, 18, 19; the rest are new there.
 */
#define HV_STATUS_SUCCESS                   0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE    0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT   0x0003
#define HV_STATUS_INVALID_ALIGNMENT         0x0004
#define HV_STATUS_INVALID_PARAMETER         0x0005
#define HV_STATUS_ACCESS_DENIED             0x0006
#define HV_STATUS_INVALID_PARTITION_STATE   0x0007
#define HV_STATUS_OPERATION_DENIED          0x0008
#define HV_STATUS_INSUFFICIENT_MEMORY       0x000b
#define HV_STATUS_INVALID_PARTITION_ID      0x000d
#define HV_STATUS_INVALID_VP_INDEX          0x000e
#define HV_STATUS_INVALID_VP_STATE          0x0015
#define HV_STATUS_INVALID_REGISTER_VALUE    0x0050
#define HV_STATUS_INVALID_VTL_STATE         0x0051

/* TLFS "Partition properties": HV_PARTITION_ID_SELF; HV_VP_INDEX_SELF. */
#define HV_PARTITION_ID_SELF                0xffffffffffffffffULL
#define HV_VP_INDEX_SELF                    0xfffffffeu

/* HV_INPUT_VTL (TLFS datatypes/hv_input_vtl.md): TargetVtl 3:0, Use 4. */
#define HV_INPUT_VTL_TARGET(b)              ((b) & 0xf)
#define HV_INPUT_VTL_USE                    0x10
#define HV_INPUT_VTL_RSVD                   0xe0

/* HvMapGpaFlags: hvdef L4144 (R 0, W 1, kernel X 2, user X 3). */
#define HV_MAP_GPA_READABLE                 (1u << 0)
#define HV_MAP_GPA_WRITABLE                 (1u << 1)
#define HV_MAP_GPA_KERNEL_EXECUTABLE        (1u << 2)
#define HV_MAP_GPA_USER_EXECUTABLE          (1u << 3)
#define HV_MAP_GPA_PERMISSIONS_ALL          0xfu

/* VSM registers: hvdef ~L2593 (vsm-in-xen.md 4.2). */
#define HV_REG_VSM_VP_VTL_CONTROL           0x000d0000u
#define HV_REG_VSM_CODE_PAGE_OFFSETS        0x000d0002u
#define HV_REG_VSM_VP_STATUS                0x000d0003u
#define HV_REG_VSM_PARTITION_STATUS         0x000d0004u
#define HV_REG_VSM_VINA                     0x000d0005u
#define HV_REG_VSM_CAPABILITIES             0x000d0006u
#define HV_REG_VSM_PARTITION_CONFIG         0x000d0007u
#define HV_REG_VSM_VP_SECURE_CONFIG_VTL0    0x000d0010u   /* + n */
#define HV_REG_VSM_VP_WAIT_FOR_TLB_LOCK     0x000d0020u
#define HV_X64_REG_CR_INTERCEPT_CONTROL     0x000e0000u
#define HV_X64_REG_CR_INTERCEPT_CR0_MASK    0x000e0001u
#define HV_X64_REG_CR_INTERCEPT_CR4_MASK    0x000e0002u
#define HV_X64_REG_CR_INTERCEPT_MISC_MASK   0x000e0003u
/* Register names in kind 3 requests (hvdef HvX64RegisterCr0, Cr4). */
#define HV_X64_REG_CR0                      0x00040000u
#define HV_X64_REG_CR4                      0x00040003u

/*
 * HvX64RegisterCrInterceptControl (vsm-in-xen.md 4.2): the write
 * intercepts Xen enforces (xen-patches 0022); other bits are refused.
 */
#define PVR_VTL_ICPT_CR0            (1u << 0)
#define PVR_VTL_ICPT_CR4            (1u << 1)
#define PVR_VTL_ICPT_LSTAR          (1u << 6)
#define PVR_VTL_ICPT_STAR           (1u << 8)
#define PVR_VTL_ICPT_CSTAR          (1u << 10)
#define PVR_VTL_ICPT_EFER           (1u << 14)
#define PVR_VTL_ICPT_SYSENTER_CS    (1u << 19)
#define PVR_VTL_ICPT_SYSENTER_EIP   (1u << 20)
#define PVR_VTL_ICPT_SYSENTER_ESP   (1u << 21)
#define PVR_VTL_ICPT_SFMASK         (1u << 22)
#define PVR_VTL_ICPT_SUPPORTED      0x00784543u

/* Which first register names Xen forwards (vsm-channel). */
static inline bool pvr_vsm_is_vsm_register(uint32_t name)
{
    return (name >= 0x000d0000u && name <= 0x000d00ffu) ||
           (name >= 0x000e0000u && name <= 0x000e00ffu);
}

/* Synthetic MSRs seen in kind 2 events (TLFS "SynIC MSRs"). */
#define HV_X64_MSR_SIMP                     0x40000083u
#define HV_SIMP_ENABLE                      1ULL

/* Message types: hvdef L1176-1215 (vsm-in-xen.md 4.4). */
#define HVMSG_NONE                          0x00000000u
#define HVMSG_UNMAPPED_GPA                  0x80000000u
#define HVMSG_GPA_INTERCEPT                 0x80000001u
#define HVMSG_ENABLE_PARTITION_VTL_INTERCEPT 0x80000005u
#define HVMSG_UNRECOVERABLE_EXCEPTION       0x80000021u
#define HVMSG_X64_MSR_INTERCEPT             0x80010001u
#define HVMSG_X64_REGISTER_INTERCEPT        0x80010006u

/* HV_MESSAGE (Xen synic.c L24: HV_MESSAGE_SIZE) and its header. */
#define HV_MESSAGE_SIZE                     256u
#define HV_MESSAGE_HEADER_SIZE              16u
#define HV_MESSAGE_PAYLOAD_MAX              240u
/* HvX64MemoryInterceptMessage: hvdef L3336-3349, 0x50 bytes. */
#define HV_X64_MEMORY_INTERCEPT_SIZE        0x50u

#endif /* PVR_VTL_CHANNEL_H */
