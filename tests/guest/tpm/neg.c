/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Phase 6: malformed commands.  Each must be refused without wedging the
 * TPM; after each one a GetRandom(8) must succeed.
 *
 * - size-short: GetRandom(8) is 12 bytes but its size field says 10, and
 *   all 12 are written.  The TIS frames commands by the size field, so
 *   Expect must be clear after 10 bytes; the last 2 are written anyway
 *   (without waiting for a burstCount the TPM need not offer) and must be
 *   dropped, and after tpmGo the TPM must answer with an error: the 10
 *   bytes it took lack the bytesRequested parameter.
 * - size-long: the size field says 14 but only the 12 bytes are written.
 *   Expect must still be set: the TIS is waiting for 2 more bytes.  No
 *   tpmGo is sent, as TIS models differ on tpmGo while Expect is set
 *   (QEMU ignores it); the command is aborted with commandReady.
 * - partial-header: only 4 bytes, not even the whole size field, are
 *   written.  Expect must be set; the command is aborted as above.
 * - bad-cc: a well-formed header with command code 0x00000fff, which no
 *   TPM 2.0 defines, must get TPM_RC_COMMAND_CODE.
 * - short-header: an 8-byte command (its size field says 8), too short
 *   to hold a command code, must get an error response.  Not sent to
 *   QEMU's own TIS (DID_VID 0x00011014): its usual backend, swtpm, reads
 *   a whole 10-byte header before anything else, so it never answers
 *   such a command and the TPM is wedged from then on.  This holds under
 *   plain QEMU and under Xen with a qemu-xen TIS alike.
 *
 * Cannot tell: which error code a TPM should give for size-short and
 * short-header (the TPM library leaves that to the implementation), so
 * any error is accepted there.
 */
#include "tis.h"
#include "tpm-test.h"

/* The TPM must still run a plain command after a malformed one. */
static bool still_usable(const char *what)
{
    uint8_t buf[8];
    size_t n;
    size_t len = tpm2_build_get_random(tpm_cmd, sizeof(tpm_cmd), 8);

    if ( !tpm_exec_ok(what, tpm_cmd, len) )
        return false;
    if ( !tpm2_parse_get_random(tpm_rsp, tpm_rsp_len, buf, sizeof(buf),
                                &n) || n != 8 )
    {
        gtf_failure("tpm: %s: GetRandom(8) after it: malformed response",
                    what);
        return false;
    }
    return true;
}

/*
 * Checks the response to a refused command: an error, and WANT exactly
 * when WANT is not 0.  Anything else is a Failure; returns whether the
 * TPM is still usable.
 */
static bool check_error(const char *what, uint32_t want)
{
    struct tpm2_rsp_hdr hdr;

    if ( !tpm2_parse_header(tpm_rsp, tpm_rsp_len, &hdr) )
    {
        gtf_failure("tpm: %s: malformed response header", what);
        return false;
    }
    if ( hdr.rc == TPM2_RC_SUCCESS ||
         (want && tpm2_rc_base(hdr.rc) != want) )
    {
        gtf_failure("tpm: %s: rc 0x%x (%s), expected %s", what, hdr.rc,
                    tpm2_rc_name(hdr.rc),
                    want ? tpm2_rc_name(want) : "an error");
        return still_usable(what);
    }
    if ( !still_usable(what) )
        return false;
    tpm_ok("%s: rc 0x%x (%s), TPM still usable", what, hdr.rc,
           tpm2_rc_name(hdr.rc));
    return true;
}

/*
 * Reports a failed TIS step and aborts the command.  A timeout is an
 * Error, except while waiting for a response the TPM owes us.
 */
static bool tis_step(const char *what, const char *step, int rc,
                     bool response_owed)
{
    if ( !rc )
        return true;
    tis_abort(TPM_LOC);
    if ( rc == -ETIMEDOUT && !response_owed )
        gtf_error("tpm: %s: %s: %s", what, step, gtf_strerror(rc));
    else
        gtf_failure("tpm: %s: %s: %s", what, step, gtf_strerror(rc));
    return false;
}

/* Writes CMD after commandReady; returns STS after it in *STS. */
static bool write_raw(const char *what, const uint8_t *cmd, size_t len,
                      uint32_t *sts)
{
    return tis_step(what, "commandReady", tis_command_ready(TPM_LOC),
                    false) &&
           tis_step(what, "write", tis_write(TPM_LOC, cmd, len), false) &&
           tis_step(what, "stsValid", tis_wait_valid(TPM_LOC, sts), false);
}

static bool neg_size_short(void)
{
    static const char what[] = "neg: size field 10 < 12 bytes written";
    static const uint8_t cmd[] = {
        0x80, 0x01,                 /* TPM_ST_NO_SESSIONS */
        0x00, 0x00, 0x00, 0x0a,     /* size: 10, but 12 follow */
        0x00, 0x00, 0x01, 0x7b,     /* TPM_CC_GetRandom */
        0x00, 0x08,                 /* bytesRequested */
    };
    uint32_t sts;

    if ( !write_raw(what, cmd, 10, &sts) )
        return false;
    if ( sts & TIS_STS_EXPECT )
    {
        tis_abort(TPM_LOC);
        gtf_failure("tpm: %s: Expect still set (STS 0x%08x)", what, sts);
        return still_usable(what);
    }
    tis_write_excess(TPM_LOC, cmd + 10, sizeof(cmd) - 10);

    tis_go(TPM_LOC);
    if ( !tis_step(what, "response",
                   tis_recv(TPM_LOC, tpm_rsp, sizeof(tpm_rsp),
                            &tpm_rsp_len), true) )
        return still_usable(what);
    tis_abort(TPM_LOC);
    return check_error(what, 0);
}

/*
 * Writes CMD, which stops short of the length its size field announces
 * (or of the size field itself), checks that the TIS still expects more,
 * and aborts the command.
 */
static bool expect_more(const char *what, const uint8_t *cmd, size_t len)
{
    uint32_t sts;

    if ( !write_raw(what, cmd, len, &sts) )
        return false;
    tis_abort(TPM_LOC);
    if ( !(sts & TIS_STS_EXPECT) )
    {
        gtf_failure("tpm: %s: Expect not set (STS 0x%08x)", what, sts);
        return still_usable(what);
    }
    if ( !still_usable(what) )
        return false;
    tpm_ok("%s: Expect stays set, commandReady aborts, TPM still usable",
           what);
    return true;
}

static bool neg_size_long(void)
{
    static const uint8_t cmd[] = {
        0x80, 0x01,                 /* TPM_ST_NO_SESSIONS */
        0x00, 0x00, 0x00, 0x0e,     /* size: 14, but only 12 follow */
        0x00, 0x00, 0x01, 0x7b,     /* TPM_CC_GetRandom */
        0x00, 0x08,                 /* bytesRequested */
    };

    return expect_more("neg: size field 14 > 12 bytes written", cmd,
                       sizeof(cmd));
}

static bool neg_partial_header(void)
{
    static const uint8_t cmd[] = {
        0x80, 0x01,                 /* TPM_ST_NO_SESSIONS */
        0x00, 0x00,                 /* half a size field */
    };

    return expect_more("neg: 4-byte partial header", cmd, sizeof(cmd));
}

static bool neg_bad_cc(void)
{
    static const char what[] = "neg: unknown command code 0x00000fff";
    static const uint8_t bad_cc[] = {
        0x80, 0x01,                 /* TPM_ST_NO_SESSIONS */
        0x00, 0x00, 0x00, 0x0a,     /* size: 10 */
        0x00, 0x00, 0x0f, 0xff,     /* commandCode: none such */
    };
    struct tpm2_rsp_hdr hdr;

    if ( !tpm_exec(what, bad_cc, sizeof(bad_cc), &hdr) )
        return false;
    return check_error(what, TPM2_RC_COMMAND_CODE);
}

static bool neg_short_header(uint32_t did_vid)
{
    static const char what[] = "neg: 8-byte command (truncated header)";
    static const uint8_t short_header[] = {
        0x80, 0x01,                 /* TPM_ST_NO_SESSIONS */
        0x00, 0x00, 0x00, 0x08,     /* size: 8 */
        0x00, 0x00,                 /* half a commandCode */
    };
    struct tpm2_rsp_hdr hdr;

    if ( did_vid == TIS_DID_VID_QEMU )
    {
        printk("tpm: %s: not sent: QEMU's TIS (swtpm) never answers a "
               "command shorter than 10 bytes\n", what);
        return true;
    }
    if ( !tpm_exec(what, short_header, sizeof(short_header), &hdr) )
        return false;
    return check_error(what, 0);
}

bool tpm_phase_negative(uint32_t did_vid)
{
    return neg_size_short() && neg_size_long() && neg_partial_header() &&
           neg_bad_cc() && neg_short_header(did_vid);
}
