/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Phases 1-5 of the TPM guest test (probe, startup, getrandom, pcr16, nv),
 * the final clean-up, and the helpers all phases share.  What each phase
 * proves is listed in main.c.
 */
#include "sha256.h"
#include "tis.h"
#include "tpm-test.h"

#define NV_ATTRS    (TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE | \
                     TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA)

uint8_t tpm_cmd[TPM2_MAX_COMMAND_SIZE];
uint8_t tpm_rsp[TPM2_MAX_COMMAND_SIZE];
size_t tpm_rsp_len;
uint8_t tpm_nv_pattern[TPM_NV_SIZE];

void tpm_ok(const char *fmt, ...)
{
    va_list args;
    char line[160];

    va_start(args, fmt);
    vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    printk("tpm: %s: ok\n", line);
}

bool tpm_all_zero(const uint8_t *p, size_t n)
{
    while ( n-- )
        if ( *p++ )
            return false;
    return true;
}

bool tpm_exec(const char *what, const uint8_t *c, size_t len,
              struct tpm2_rsp_hdr *hdr)
{
    int rc;

    if ( !len )
    {
        gtf_error("tpm: %s: command does not fit the buffer", what);
        return false;
    }

    rc = tis_transact(TPM_LOC, c, len, tpm_rsp, sizeof(tpm_rsp),
                      &tpm_rsp_len);
    if ( rc )
    {
        if ( rc == -ETIMEDOUT )
            gtf_error("tpm: %s: TIS %s", what, gtf_strerror(rc));
        else
            gtf_failure("tpm: %s: TIS %s", what, gtf_strerror(rc));
        return false;
    }
    if ( !tpm2_parse_header(tpm_rsp, tpm_rsp_len, hdr) )
    {
        gtf_failure("tpm: %s: malformed response header (%zu bytes)",
                    what, tpm_rsp_len);
        return false;
    }
    return true;
}

bool tpm_exec_ok(const char *what, const uint8_t *c, size_t len)
{
    struct tpm2_rsp_hdr hdr;

    if ( !tpm_exec(what, c, len, &hdr) )
        return false;
    if ( hdr.rc != TPM2_RC_SUCCESS )
    {
        gtf_failure("tpm: %s: rc 0x%x (%s)", what, hdr.rc,
                    tpm2_rc_name(hdr.rc));
        return false;
    }
    return true;
}

bool tpm_read_pcr(const char *what, uint8_t digest[TPM2_SHA256_SIZE])
{
    size_t len = tpm2_build_pcr_read(tpm_cmd, sizeof(tpm_cmd), TPM_PCR);

    if ( !tpm_exec_ok(what, tpm_cmd, len) )
        return false;
    if ( !tpm2_parse_pcr_read(tpm_rsp, tpm_rsp_len, TPM_PCR, digest) )
    {
        gtf_failure("tpm: %s: malformed PCR_Read response", what);
        return false;
    }
    return true;
}

bool tpm_nv_read_matches(const char *what)
{
    uint8_t data[TPM_NV_SIZE];
    size_t len = tpm2_build_nv_read(tpm_cmd, sizeof(tpm_cmd), TPM_NV_INDEX,
                                    TPM_NV_SIZE, 0);
    size_t n;

    if ( !tpm_exec_ok(what, tpm_cmd, len) )
        return false;
    if ( !tpm2_parse_nv_read(tpm_rsp, tpm_rsp_len, data, sizeof(data), &n) )
    {
        gtf_failure("tpm: %s: malformed NV_Read response", what);
        return false;
    }
    if ( n != TPM_NV_SIZE || memcmp(data, tpm_nv_pattern, TPM_NV_SIZE) )
    {
        gtf_failure("tpm: %s: %zu bytes read, not the pattern written",
                    what, n);
        return false;
    }
    return true;
}

/* Issues a command whose success response carries no parameters. */
static bool exec_empty(const char *what, size_t len)
{
    if ( !tpm_exec_ok(what, tpm_cmd, len) )
        return false;
    if ( !tpm2_parse_empty(tpm_rsp, tpm_rsp_len) )
    {
        gtf_failure("tpm: %s: malformed response", what);
        return false;
    }
    return true;
}

bool tpm_phase_probe(uint32_t *did_vid_out)
{
    struct tis_info info;
    int rc;

    if ( tis_probe(&info) )
    {
        gtf_skip("no TPM at 0xFED40000 (DID_VID 0x%08x)", info.did_vid);
        return false;
    }
    *did_vid_out = info.did_vid;
    tpm_ok("probe: DID_VID 0x%08x RID 0x%02x INTERFACE_ID 0x%08x "
           "INTF_CAPABILITY 0x%08x", info.did_vid, info.rid,
           info.interface_id, info.intf_capability);

    rc = tis_request_locality(TPM_LOC);
    if ( rc )
    {
        gtf_error("tpm: probe: locality %u: %s", TPM_LOC, gtf_strerror(rc));
        return false;
    }
    tpm_ok("probe: locality %u granted", TPM_LOC);
    return true;
}

bool tpm_phase_startup(void)
{
    struct tpm2_rsp_hdr hdr;
    size_t len = tpm2_build_startup(tpm_cmd, sizeof(tpm_cmd),
                                    TPM2_SU_CLEAR);

    if ( !tpm_exec("startup: TPM2_Startup", tpm_cmd, len, &hdr) )
        return false;

    if ( hdr.rc == TPM2_RC_INITIALIZE && gtf_multiboot() )
    {
        tpm_ok("startup: TPM2_Startup(SU_CLEAR) says TPM_RC_INITIALIZE: "
               "the firmware that loaded us started the TPM");
        return true;
    }
    if ( hdr.rc != TPM2_RC_SUCCESS ||
         !tpm2_parse_empty(tpm_rsp, tpm_rsp_len) )
    {
        gtf_failure("tpm: startup: TPM2_Startup(SU_CLEAR) rc 0x%x (%s)",
                    hdr.rc, tpm2_rc_name(hdr.rc));
        return false;
    }
    tpm_ok("startup: TPM2_Startup(SU_CLEAR)");
    return true;
}

static bool get_random(const char *what, uint8_t out[32])
{
    size_t len = tpm2_build_get_random(tpm_cmd, sizeof(tpm_cmd), 32);
    size_t n;

    if ( !tpm_exec_ok(what, tpm_cmd, len) )
        return false;
    if ( !tpm2_parse_get_random(tpm_rsp, tpm_rsp_len, out, 32, &n) ||
         n != 32 )
    {
        gtf_failure("tpm: %s: malformed response or not 32 bytes", what);
        return false;
    }
    tpm_ok("%s: 32 bytes", what);
    return true;
}

bool tpm_phase_random(void)
{
    uint8_t a[32], b[32];

    if ( !get_random("getrandom: GetRandom(32) #1", a) ||
         !get_random("getrandom: GetRandom(32) #2", b) )
        return false;

    if ( tpm_all_zero(a, sizeof(a)) || tpm_all_zero(b, sizeof(b)) )
        gtf_failure("tpm: getrandom: all-zero random bytes");
    else if ( !memcmp(a, b, sizeof(a)) )
        gtf_failure("tpm: getrandom: two calls returned the same bytes");
    else
        tpm_ok("getrandom: not all zero, and the two differ");
    return true;
}

uint8_t tpm_pcr16_value[TPM2_SHA256_SIZE];

bool tpm_phase_pcr(void)
{
    static const char label[] = "pvdomain TIS test extend";
    uint8_t before[32], after[32], d[32], expect[32];
    struct sha256_ctx ctx;

    if ( !tpm_read_pcr("pcr16: PCR_Read", before) )
        return false;
    if ( !tpm_all_zero(before, sizeof(before)) )
        gtf_failure("tpm: pcr16: not all zero after Startup(SU_CLEAR)");
    else
        tpm_ok("pcr16: PCR_Read: all zero");

    sha256(label, sizeof(label) - 1, d);
    if ( !exec_empty("pcr16: PCR_Extend",
                     tpm2_build_pcr_extend(tpm_cmd, sizeof(tpm_cmd),
                                           TPM_PCR, d)) )
        return false;
    tpm_ok("pcr16: PCR_Extend(sha256) with an empty password session");

    if ( !tpm_read_pcr("pcr16: PCR_Read", after) )
        return false;
    sha256_init(&ctx);
    sha256_update(&ctx, before, sizeof(before));
    sha256_update(&ctx, d, sizeof(d));
    sha256_final(&ctx, expect);
    memcpy(tpm_pcr16_value, expect, sizeof(expect));
    if ( memcmp(after, expect, sizeof(expect)) )
        gtf_failure("tpm: pcr16: value is not SHA-256(old || digest)");
    else
        tpm_ok("pcr16: PCR_Read: equals SHA-256(old || digest) "
               "computed by the guest");
    return true;
}

static bool nv_define(void)
{
    struct tpm2_rsp_hdr hdr;
    size_t len = tpm2_build_nv_define(tpm_cmd, sizeof(tpm_cmd),
                                      TPM_NV_INDEX, NV_ATTRS, TPM_NV_SIZE);

    if ( !tpm_exec("nv: NV_DefineSpace", tpm_cmd, len, &hdr) )
        return false;
    if ( hdr.rc == TPM2_RC_NV_DEFINED )
    {
        tpm_ok("nv: index 0x%08x exists (TPM_RC_NV_DEFINED), undefining",
               TPM_NV_INDEX);
        if ( !exec_empty("nv: NV_UndefineSpace",
                         tpm2_build_nv_undefine(tpm_cmd, sizeof(tpm_cmd),
                                                TPM_NV_INDEX)) )
            return false;
        len = tpm2_build_nv_define(tpm_cmd, sizeof(tpm_cmd), TPM_NV_INDEX,
                                   NV_ATTRS, TPM_NV_SIZE);
        if ( !tpm_exec("nv: NV_DefineSpace", tpm_cmd, len, &hdr) )
            return false;
    }
    if ( hdr.rc != TPM2_RC_SUCCESS ||
         !tpm2_parse_empty(tpm_rsp, tpm_rsp_len) )
    {
        gtf_failure("tpm: nv: NV_DefineSpace rc 0x%x (%s)", hdr.rc,
                    tpm2_rc_name(hdr.rc));
        return false;
    }
    tpm_ok("nv: NV_DefineSpace(0x%08x, %u bytes, attributes 0x%08x)",
           TPM_NV_INDEX, TPM_NV_SIZE, NV_ATTRS);
    return true;
}

void tpm_nv_pattern_fill(void)
{
    unsigned int i;

    for ( i = 0; i < TPM_NV_SIZE; i++ )
        tpm_nv_pattern[i] = (uint8_t)(0xa5 ^ (i * 0x1d));
}

bool tpm_phase_nv(void)
{
    tpm_nv_pattern_fill();
    if ( !nv_define() )
        return false;

    if ( !exec_empty("nv: NV_Write",
                     tpm2_build_nv_write(tpm_cmd, sizeof(tpm_cmd),
                                         TPM_NV_INDEX, tpm_nv_pattern,
                                         TPM_NV_SIZE, 0)) )
        return false;
    tpm_ok("nv: NV_Write of %u bytes", TPM_NV_SIZE);

    if ( tpm_nv_read_matches("nv: NV_Read") )
        tpm_ok("nv: NV_Read: returns the pattern written");
    return true;
}

bool tpm_phase_cleanup(void)
{
    if ( !exec_empty("cleanup: NV_UndefineSpace",
                     tpm2_build_nv_undefine(tpm_cmd, sizeof(tpm_cmd),
                                            TPM_NV_INDEX)) )
        return false;
    tpm_ok("cleanup: NV_UndefineSpace(0x%08x)", TPM_NV_INDEX);
    tis_relinquish_locality(TPM_LOC);
    return true;
}
