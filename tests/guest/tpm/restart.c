/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Phase 7: the TPM goes away and comes back with its persistent state.
 *
 * The guest prints "tpm: waiting for TPM restart" and polls DID_VID.  The
 * harness then stops the daemon: with no IOREQ server claiming the range
 * Xen completes reads with all-ones, so DID_VID turns invalid.  The
 * harness starts the daemon again on the same state file, resuming the
 * volatile state the daemon saved when it stopped cleanly (pvdomaind
 * --tpm-resume), and DID_VID reads the old value again.  For the guest
 * the TPM must then be exactly as it left it, although a new process
 * serves it:
 * - TPM2_Startup(SU_CLEAR) must answer TPM_RC_INITIALIZE: the TPM is
 *   still started (a TPM that came back from scratch would succeed);
 * - PCR 16 must still hold the value phase 4 extended it to (volatile
 *   state carried across the restart);
 * - NV_Read must return the pattern written in phase 5 (NV persisted).
 *
 * Both waits are bounded: RESTART_POLLS reads of DID_VID, RESTART_GAP_US
 * apart, i.e. at least 300 s each (longer when the TSC rate is unknown,
 * see gtf_udelay()), which covers a daemon restart under full emulation.
 * A progress line is printed every ~15 s.  The gap is short enough that
 * a daemon restart taking a few milliseconds is still seen as a gap.
 *
 * Cannot tell: what happened while the TPM was away, or whether the
 * daemon that came back is the one the harness started.
 */
#include "tis.h"
#include "tpm-test.h"

#define RESTART_GAP_US      200u
#define RESTART_POLLS       1500000u
#define RESTART_PROGRESS    75000u

/* Describes the time since START: "~N ms", or why it cannot. */
static const char *elapsed(uint64_t start, char *buf, size_t size)
{
    uint64_t ticks = rdtsc_ordered() - start;

    if ( !gtf_tsc_khz() )
        return "TSC rate unknown";
    gtf_div64_32(&ticks, gtf_tsc_khz());
    snprintf(buf, size, "~%llu ms", (unsigned long long)ticks);
    return buf;
}

bool tpm_wait_did_vid(const char *phase, bool want_valid,
                      const char *state, uint32_t *did_vid_out)
{
    uint64_t start = rdtsc_ordered();
    uint32_t i, v = 0;
    char buf[24];

    for ( i = 1; i <= RESTART_POLLS; i++ )
    {
        v = tis_read_did_vid();
        if ( tis_did_vid_valid(v) == want_valid )
        {
            *did_vid_out = v;
            tpm_ok("%s: TPM %s (DID_VID 0x%08x) after %u polls, %s",
                   phase, state, v, i, elapsed(start, buf, sizeof(buf)));
            return true;
        }
        if ( i % RESTART_PROGRESS == 0 )
            printk("tpm: %s: still waiting for the TPM to be %s "
                   "(DID_VID 0x%08x, %u polls, %s)\n", phase, state, v, i,
                   elapsed(start, buf, sizeof(buf)));
        gtf_udelay(RESTART_GAP_US);
    }

    gtf_error("tpm: %s: TPM not %s after %u polls, %s (DID_VID "
              "0x%08x)", phase, state, RESTART_POLLS,
              elapsed(start, buf, sizeof(buf)), v);
    return false;
}

bool tpm_phase_restart(uint32_t did_vid)
{
    struct tpm2_rsp_hdr hdr;
    uint8_t pcr[TPM2_SHA256_SIZE];
    uint32_t v;
    int rc;

    printk("tpm: waiting for TPM restart\n");
    if ( !tpm_wait_did_vid("restart", false, "gone", &v) ||
         !tpm_wait_did_vid("restart", true, "back", &v) )
        return false;
    if ( v != did_vid )
    {
        gtf_failure("tpm: restart: DID_VID 0x%08x, was 0x%08x", v, did_vid);
        return false;
    }

    rc = tis_request_locality(TPM_LOC);
    if ( rc )
    {
        gtf_error("tpm: restart: locality %u: %s", TPM_LOC,
                  gtf_strerror(rc));
        return false;
    }

    if ( !tpm_exec("restart: TPM2_Startup", tpm_cmd,
                   tpm2_build_startup(tpm_cmd, sizeof(tpm_cmd),
                                      TPM2_SU_CLEAR), &hdr) )
        return false;
    if ( hdr.rc != TPM2_RC_INITIALIZE )
    {
        gtf_failure("tpm: restart: TPM2_Startup(SU_CLEAR) rc 0x%x (%s): "
                    "the TPM's volatile state was not resumed", hdr.rc,
                    tpm2_rc_name(hdr.rc));
        return false;
    }
    tpm_ok("restart: TPM2_Startup(SU_CLEAR) says TPM_RC_INITIALIZE: "
           "still started");

    if ( !tpm_read_pcr("restart: PCR_Read", pcr) )
        return false;
    if ( memcmp(pcr, tpm_pcr16_value, sizeof(pcr)) )
        gtf_failure("tpm: restart: PCR 16 lost its value");
    else
        tpm_ok("restart: PCR_Read: PCR 16 kept its extended value");

    if ( tpm_nv_read_matches("restart: NV_Read") )
        tpm_ok("restart: NV_Read: the pattern written before the restart");
    return true;
}
