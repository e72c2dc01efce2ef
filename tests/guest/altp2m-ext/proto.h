/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The protocol between the altp2m-ext guest (tests/guest/altp2m-ext) and
 * its dom0 monitor (tests/host/progs/pvr-altp2m-mon).  Both include this
 * file; it holds constants only, so it builds freestanding (-m32) and
 * hosted alike.
 *
 * The guest knows nothing of altp2m.  It talks to the monitor by
 * executing CPUID with EAX = AX_LEAF and ECX = a command; the monitor
 * receives every CPUID as a synchronous vm_event (xc_monitor_cpuid),
 * with the guest's registers, and answers by setting registers
 * (VM_EVENT_FLAG_SET_REGISTERS, RIP past the instruction).  Arguments
 * travel in ESI and EDI: by the time Xen sends the event it has already
 * put its own CPUID answer in EAX-EDX (hvm_vmexit_cpuid()), and the
 * leaf and subleaf are in the event's cpuid fields.  Any other CPUID
 * leaf is passed through: the monitor only moves RIP past it, so the
 * guest sees Xen's answer.
 *
 * Reply registers, for every command:
 *   EAX  AX_ACK | command, or AX_NAK | command (then EDX = errno)
 *   EBX  the view this vCPU was in when it executed this CPUID, as Xen
 *        reported it in the event (altp2m_idx)
 *   ECX  access violations the monitor handled for this vCPU since its
 *        previous command
 *   EDX  the view this vCPU resumes in (HELLO: the number of vCPUs)
 *   ESI  gfn of this vCPU's last violation (low 32 bits), or 0
 *   EDI  MEM_ACCESS_R/W/X flags of that violation | its view << 16
 *
 * Commands (ECX):
 *   HELLO     ESI = gfn of page P, EDI = AX_NR_PAGES: the pages P, Q,
 *             R, S are consecutive from there (a fixed layout), each
 *             starting with its marker (AX_MARK_*).  The monitor checks
 *             the gfns and markers, then in view 1 sets P to n, Q to r,
 *             and remaps R to S's frame (change_gfn).  The vCPU stays in
 *             view 0.
 *   ENTER     resume in view 1.
 *   LEAVE     resume in view 0.
 *   QUERY     resume in the same view; only the report.
 *   LOGDIRTY  ESI = 1: enable log-dirty mode on the domain, 0: disable
 *             it (xc_shadow_control); EDX = 0 or -errno.
 *   DONE      the guest is finished: the monitor moves every vCPU to
 *             view 0, runs its end-of-run checks (views, HAP pool),
 *             turns CPUID events off and answers.  After a HELLO, a
 *             handshake in memory follows, in page P: the guest writes
 *             AX_BYE_GUEST to word AX_BYE_WORD once it has the answer;
 *             the monitor waits for that, disables the ring, and writes
 *             AX_BYE_MONITOR to word AX_BYE_WORD + 1; the guest waits
 *             for that before it powers off.  Xen applies a response's
 *             registers only when the vCPU next runs, and disabling the
 *             ring frees that state (vm_event_cleanup_domain()), so the
 *             ring must outlive the answer's delivery; and the domain
 *             must outlive the monitor's teardown.
 *
 * What the monitor does on an access violation (MEM_ACCESS event):
 *   P in view 1 (n):  resume in view 0, where the access completes.
 *   Q in view 1 (r), a write:  the write is denied.  The monitor reads
 *             the instruction at CS.base + RIP (the guest runs with
 *             paging off, so that is a guest-physical address), accepts
 *             only AX_STORE_INSN ("mov %eax, (%edx)"), and resumes the
 *             vCPU in view 1 with RIP past it.  Nothing is emulated, so
 *             nothing reaches memory: the guest then reads the old value
 *             in either view, which it could not if Xen had let the write
 *             through or the monitor had switched views.
 *   anything else is unexpected: counted as a failure, and the vCPU
 *             resumes in view 0, which carries no restriction.
 */
#ifndef ALTP2M_EXT_PROTO_H
#define ALTP2M_EXT_PROTO_H

/* "VTL" as a CPUID leaf: outside the ranges Xen and CPUs define. */
#define AX_LEAF             0x56544c00u

#define AX_CMD_HELLO        1u
#define AX_CMD_ENTER        2u
#define AX_CMD_LEAVE        3u
#define AX_CMD_QUERY        4u
#define AX_CMD_LOGDIRTY     5u
#define AX_CMD_DONE         6u

#define AX_ACK              0x61636b00u     /* "ack" << 8 */
#define AX_NAK              0x6e616b00u     /* "nak" << 8 */
#define AX_REPLY_MASK       0xffffff00u

/* The test pages P, Q, R, S, consecutive from P's gfn. */
#define AX_NR_PAGES         4u

/* First 32-bit word of each test page. */
#define AX_MARK_P           0x50505050u
#define AX_MARK_Q           0x51515151u
#define AX_MARK_R           0x52525252u
#define AX_MARK_S           0x53535353u

/* The DONE handshake: two words of page P, written after DONE. */
#define AX_BYE_WORD         8u
#define AX_BYE_GUEST        0x62796521u     /* "bye!" */
#define AX_BYE_MONITOR      0x646f6e65u     /* "done" */

/* The one store the monitor skips: mov %eax, (%edx) = 89 02. */
#define AX_STORE_INSN_0     0x89u
#define AX_STORE_INSN_1     0x02u
#define AX_STORE_INSN_LEN   2u

/* The restricted view.  View 0 is Xen's host p2m. */
#define AX_VIEW             1u

#endif /* ALTP2M_EXT_PROTO_H */
