/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The "reboot" flavour: the guest reboots itself, and its paravisor must
 * follow (pvxl's monitor re-creates the pair, on_reboot = "restart") with
 * the TPM's persistent state.
 *
 * Which boot this is, the guest learns from the TPM itself: after
 * TPM2_Startup, an NV_Read of the test index that returns the pattern
 * means the first boot wrote it.
 * - First boot: GetRandom, PCR 16 extend and the NV pattern (phases 3-5),
 *   then "tpm: reboot: first boot done, rebooting" and
 *   SCHEDOP_shutdown(reboot).  It never reports a result.
 * - Second boot: TPM2_Startup(SU_CLEAR) has succeeded (a new paravisor,
 *   a TPM started afresh), NV_Read returns the first boot's pattern, PCR
 *   16 is zero (PCRs are volatile); then the cleanup undefines the index
 *   and the guest powers off with its result.
 *
 * The state disk must be new when the first boot starts (the job removes
 * it): an index left by an earlier run would make the first boot look
 * like a second one, and the test then fails on the missing
 * "rebooting" line in the job, not here.
 *
 * Cannot tell: whether the paravisor of the second boot is a new domain
 * (the job checks that from dom0), or whether anything but the NV index
 * survived.
 */
#include "tpm-test.h"

bool tpm_phase_reboot(void)
{
    uint8_t pcr[TPM2_SHA256_SIZE];
    uint32_t rc;

    tpm_nv_pattern_fill();
    if ( !tpm_nv_read_quiet(&rc) )
    {
        printk("tpm: reboot: no pattern in NV (%s): first boot\n",
               rc ? tpm2_rc_name(rc) : "other data, or no response");
        if ( !tpm_phase_random() || !tpm_phase_pcr() || !tpm_phase_nv() )
            return false;
        printk("tpm: reboot: first boot done, rebooting\n");
        gtf_reboot();
    }
    tpm_ok("reboot: second boot: NV_Read returns the first boot's pattern");
    if ( !tpm_read_pcr("reboot: PCR_Read", pcr) )
        return false;
    if ( !tpm_all_zero(pcr, sizeof(pcr)) )
    {
        gtf_failure("tpm: reboot: PCR 16 kept its value across the reboot");
        return false;
    }
    tpm_ok("reboot: PCR_Read: PCR 16 is zero after the reboot");
    return true;
}
