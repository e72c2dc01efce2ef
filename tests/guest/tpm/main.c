/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPM 2.0 over the TIS (FIFO) MMIO interface at 0xFED40000.
 *
 * Built three times: test-hvm32-tpm (TPM_TEST_RESTART=1) runs every
 * phase; test-hvm32-tpm-norestart (TPM_TEST_RESTART=0) leaves out phase
 * 7, so that the same mix can run against QEMU's own TIS and swtpm (the
 * word "norestart" on a Multiboot command line also leaves it out);
 * test-hvm32-tpm-crash (TPM_TEST_RESTART=2) runs phases 1-5, then
 * crash.c's phase 7 (the paravisor dies mid-traffic and the TPM comes
 * back reset, with its NV), then the cleanup; test-hvm32-tpm-reboot
 * (TPM_TEST_RESTART=3) runs phases 1-5 and reboots itself, and on its
 * second boot checks the NV pattern and cleans up (reboot.c).
 *
 * What it proves, one console line per check ("tpm: ...: ok"):
 * 1. probe: a TPM answers at 0xFED40000 (else SKIP), locality 0 is
 *    granted.
 * 2. startup: TPM2_Startup(SU_CLEAR) succeeds.  Under plain QEMU SeaBIOS
 *    may have sent it already, so there (Multiboot boot only)
 *    TPM_RC_INITIALIZE is accepted; as Xen HVM firmware nothing ran
 *    before us, so it must succeed.
 * 3. getrandom: two GetRandom(32) give 32 bytes each, not all zero, and
 *    different from each other.
 * 4. pcr16: PCR 16 reads all zero, PCR_Extend with a password session
 *    succeeds, and PCR 16 then equals SHA-256(zeros || D), computed here.
 * 5. nv: NV_DefineSpace (redefining if the index exists), NV_Write of a
 *    known pattern, NV_Read returns it.
 * 6. neg: malformed commands get an error response or, where the TIS
 *    must wait for more bytes, no response; the TPM works after each.
 *    QEMU's own TIS is spared the one command that swtpm cannot answer
 *    (see neg.c).
 * 7. restart: the TPM disappears (DID_VID invalid: Xen reads all-ones
 *    when no IOREQ server claims the range) and comes back with the same
 *    DID_VID; then Startup must succeed (a TPM that kept running answers
 *    TPM_RC_INITIALIZE), PCR 16 is zero again and the NV index still
 *    holds the pattern.
 * 8. bench: a fixed mix of commands timed with the TSC, every response
 *    checked; "bench: <name> n=N total_cycles=C p50=P p99=Q" lines.
 * Then the NV index is undefined and the locality given up.
 *
 * What it cannot tell: whether random bytes are random (only that they
 * are not constant), whether the TPM's crypto is right beyond SHA-256
 * extends, or anything about localities 1-4, interrupts, or register
 * access widths other than those listed in tis.h.  Phase 7 sees
 * the restart only through DID_VID and TPM state; it cannot tell a
 * restarted daemon from a TPM reset by other means.  Bench numbers are
 * comparable only between runs on the same host.
 */
#include "tpm-test.h"

#ifndef TPM_TEST_RESTART
#error "build with -DTPM_TEST_RESTART=0 or 1"
#endif

#if TPM_TEST_RESTART == 3
const char test_title[] = "TPM 2.0 TIS over MMIO (flavour: reboot)";
#elif TPM_TEST_RESTART == 2
const char test_title[] = "TPM 2.0 TIS over MMIO (flavour: crash)";
#elif TPM_TEST_RESTART
const char test_title[] = "TPM 2.0 TIS over MMIO (flavour: restart)";
#else
const char test_title[] = "TPM 2.0 TIS over MMIO (flavour: norestart)";
#endif

void test_main(void)
{
    bool restart = TPM_TEST_RESTART == 1 && !gtf_cmdline_has("norestart");
    uint32_t did_vid;

    if ( TPM_TEST_RESTART == 3 )
    {
        printk("tpm: phases: probe startup reboot (getrandom pcr16 nv) "
               "cleanup\n");
        if ( tpm_phase_probe(&did_vid) && tpm_phase_startup() &&
             tpm_phase_reboot() && tpm_phase_cleanup() )
            gtf_success();
        return;
    }
    if ( TPM_TEST_RESTART == 2 )
    {
        printk("tpm: phases: probe startup getrandom pcr16 nv crash\n");
        if ( tpm_phase_probe(&did_vid) && tpm_phase_startup() &&
             tpm_phase_random() && tpm_phase_pcr() && tpm_phase_nv() &&
             tpm_phase_crash(did_vid) && tpm_phase_cleanup() )
            gtf_success();
        return;
    }
    printk("tpm: phases: probe startup getrandom pcr16 nv neg%s bench\n",
           restart ? " restart" : "");

    if ( !tpm_phase_probe(&did_vid) )
        return;

    if ( !tpm_phase_startup() || !tpm_phase_random() || !tpm_phase_pcr() ||
         !tpm_phase_nv() || !tpm_phase_negative(did_vid) )
        return;
    if ( restart && !tpm_phase_restart(did_vid) )
        return;
    if ( !tpm_phase_bench() || !tpm_phase_cleanup() )
        return;

    gtf_success();
}
