/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Phase 7 of the "crash" flavour: the paravisor dies in the middle of
 * TPM traffic and a new one takes over with the persisted state.
 *
 * The guest prints "tpm: crash: traffic" and reads the NV index over and
 * over (each response checked against the pattern of phase 5).  The
 * harness destroys the paravisor domain meanwhile; the toolstack pauses
 * the guest, starts a new paravisor on the same state disk and unpauses
 * the guest.  What the guest sees is one command that fails (a register
 * read completed with all-ones when the IOREQ server died, or a TIS
 * timeout), or, when the paravisor died between two commands, a TPM
 * that answers TPM_RC_INITIALIZE: not started.  Either way the guest
 * then expects a TPM that was reset, as after a power loss:
 * - DID_VID is valid again, with the same value;
 * - TPM2_Startup(SU_CLEAR) succeeds (volatile state is gone);
 * - PCR 16 reads all zero again (PCRs are volatile);
 * - NV_Read returns the pattern written before the crash (NV persisted
 *   on the state disk);
 * - CRASH_AFTER more NV reads succeed.
 * If no command fails within CRASH_MAX_CMDS, the paravisor was never
 * lost: a Failure.
 *
 * Cannot tell: which paravisor domain serves it, or whether the failed
 * command reached the old TPM before it died (NV_Read changes nothing).
 */
#include "tis.h"
#include "tpm-test.h"

#define CRASH_MAX_CMDS  4000u
#define CRASH_AFTER     20u

bool tpm_nv_read_quiet(uint32_t *rc_out)
{
    uint8_t data[TPM_NV_SIZE];
    size_t len = tpm2_build_nv_read(tpm_cmd, sizeof(tpm_cmd), TPM_NV_INDEX,
                                    TPM_NV_SIZE, 0);
    struct tpm2_rsp_hdr hdr;
    size_t n;
    int rc;

    *rc_out = 0;
    rc = tis_transact(TPM_LOC, tpm_cmd, len, tpm_rsp, sizeof(tpm_rsp),
                      &tpm_rsp_len);
    if ( rc )
        return false;
    if ( !tpm2_parse_header(tpm_rsp, tpm_rsp_len, &hdr) )
        return false;
    *rc_out = hdr.rc;
    return hdr.rc == TPM2_RC_SUCCESS &&
           tpm2_parse_nv_read(tpm_rsp, tpm_rsp_len, data, sizeof(data),
                              &n) &&
           n == TPM_NV_SIZE && !memcmp(data, tpm_nv_pattern, TPM_NV_SIZE);
}

bool tpm_phase_crash(uint32_t did_vid)
{
    uint8_t pcr[TPM2_SHA256_SIZE];
    uint32_t i, v, rc = 0;
    int lrc;

    printk("tpm: crash: traffic\n");
    for ( i = 0; i < CRASH_MAX_CMDS; i++ )
        if ( !tpm_nv_read_quiet(&rc) )
            break;
    if ( i == CRASH_MAX_CMDS )
    {
        gtf_failure("tpm: crash: %u NV reads, and the TPM was never lost",
                    i);
        return false;
    }
    printk("tpm: crash: NV read %u failed (%s) after %u good ones\n", i + 1,
           rc ? tpm2_rc_name(rc) : "transport", i);

    if ( !tpm_wait_did_vid("crash", true, "back", &v) )
        return false;
    if ( v != did_vid )
    {
        gtf_failure("tpm: crash: DID_VID 0x%08x, was 0x%08x", v, did_vid);
        return false;
    }
    lrc = tis_request_locality(TPM_LOC);
    if ( lrc )
    {
        gtf_error("tpm: crash: locality %u: %s", TPM_LOC, gtf_strerror(lrc));
        return false;
    }

    if ( !tpm_exec_ok("crash: TPM2_Startup(SU_CLEAR)", tpm_cmd,
                      tpm2_build_startup(tpm_cmd, sizeof(tpm_cmd),
                                         TPM2_SU_CLEAR)) )
        return false;
    tpm_ok("crash: TPM2_Startup(SU_CLEAR) succeeds: the TPM was reset");

    if ( !tpm_read_pcr("crash: PCR_Read", pcr) )
        return false;
    if ( !tpm_all_zero(pcr, sizeof(pcr)) )
        gtf_failure("tpm: crash: PCR 16 kept a value across a reset");
    else
        tpm_ok("crash: PCR_Read: PCR 16 is zero again");

    if ( !tpm_nv_read_matches("crash: NV_Read") )
        return false;
    tpm_ok("crash: NV_Read: the pattern written before the crash");

    for ( i = 0; i < CRASH_AFTER; i++ )
        if ( !tpm_nv_read_quiet(&rc) )
        {
            gtf_failure("tpm: crash: NV read %u after recovery failed (%s)",
                        i + 1, rc ? tpm2_rc_name(rc) : "transport");
            return false;
        }
    tpm_ok("crash: %u more NV reads after recovery", CRASH_AFTER);
    return true;
}
