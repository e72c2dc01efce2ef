/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Phase 8: a fixed command mix, each command timed with the TSC.
 *
 * BENCH_ITERS rounds of {GetRandom(32), PCR_Read(16), PCR_Extend(16),
 * NV_Read(32)}.  A sample is one whole tis_transact(): commandReady to
 * the response read back and the TPM returned to idle.  Commands are
 * built before the clock starts and responses checked after it stops;
 * a bad response fails the test and no numbers are printed, so numbers
 * from a misbehaving TPM never reach the comparison.
 *
 * Output, one line for the mix and one per command type:
 *     bench: <name> n=<samples> total_cycles=<sum> p50=<cycles> p99=<cycles>
 * with names tpm-mix, tpm-getrandom, tpm-pcr-read, tpm-pcr-extend and
 * tpm-nv-read; p50/p99 are nearest-rank percentiles.  The TSC rate, when
 * the hypervisor says, is printed beforehand as "tpm: bench: tsc_khz=".
 * Nothing is asserted about the numbers: the harness compares ratios.
 *
 * Before the mix, two register-read loops put the numbers in scale:
 * mmio-tpm-reg reads DID_VID (one round trip to whatever serves the TPM:
 * on Xen, an exit, an ioreq to the device model and back) and
 * mmio-unclaimed reads an address nothing claims (on Xen, answered by
 * the hypervisor itself).  A command costs a few dozen register
 * accesses, so their ratio says where a command's time goes.
 */
#include "sha256.h"
#include "tis.h"
#include "tpm-test.h"

#define BENCH_ITERS     64
#define CMD_MAX         96

enum bench_cmd {
    B_GET_RANDOM,
    B_PCR_READ,
    B_PCR_EXTEND,
    B_NV_READ,
    B_NR
};

static const char *const bench_name[B_NR] = {
    [B_GET_RANDOM] = "tpm-getrandom",
    [B_PCR_READ]   = "tpm-pcr-read",
    [B_PCR_EXTEND] = "tpm-pcr-extend",
    [B_NV_READ]    = "tpm-nv-read",
};

static uint8_t bench_cmd[B_NR][CMD_MAX];
static size_t bench_len[B_NR];
static uint64_t samples[B_NR][BENCH_ITERS];
static uint64_t reg_samples[4 * BENCH_ITERS];
static uint64_t mix[B_NR * BENCH_ITERS];

/* Checks the response to bench command K; false is a reported Failure. */
static bool check(enum bench_cmd k)
{
    uint8_t buf[TPM2_SHA256_SIZE];
    size_t n = 0;
    bool good;

    switch ( k )
    {
    case B_GET_RANDOM:
        good = tpm2_parse_get_random(tpm_rsp, tpm_rsp_len, buf,
                                     sizeof(buf), &n) && n == sizeof(buf);
        break;
    case B_PCR_READ:
        good = tpm2_parse_pcr_read(tpm_rsp, tpm_rsp_len, TPM_PCR, buf);
        break;
    case B_PCR_EXTEND:
        good = tpm2_parse_empty(tpm_rsp, tpm_rsp_len);
        break;
    case B_NV_READ:
        good = tpm2_parse_nv_read(tpm_rsp, tpm_rsp_len, buf, sizeof(buf),
                                  &n) && n == TPM_NV_SIZE &&
               !memcmp(buf, tpm_nv_pattern, TPM_NV_SIZE);
        break;
    default:
        good = false;
        break;
    }

    if ( !good )
        gtf_failure("tpm: bench: %s: bad response (%zu bytes)",
                    bench_name[k], tpm_rsp_len);
    return good;
}

static bool build(void)
{
    uint8_t digest[TPM2_SHA256_SIZE];
    unsigned int k;

    sha256("bench", 5, digest);
    bench_len[B_GET_RANDOM] = tpm2_build_get_random(bench_cmd[B_GET_RANDOM],
                                                    CMD_MAX, 32);
    bench_len[B_PCR_READ] = tpm2_build_pcr_read(bench_cmd[B_PCR_READ],
                                                CMD_MAX, TPM_PCR);
    bench_len[B_PCR_EXTEND] = tpm2_build_pcr_extend(bench_cmd[B_PCR_EXTEND],
                                                    CMD_MAX, TPM_PCR,
                                                    digest);
    bench_len[B_NV_READ] = tpm2_build_nv_read(bench_cmd[B_NV_READ], CMD_MAX,
                                              TPM_NV_INDEX, TPM_NV_SIZE, 0);

    for ( k = 0; k < B_NR; k++ )
        if ( !bench_len[k] )
        {
            gtf_error("tpm: bench: %s does not fit", bench_name[k]);
            return false;
        }
    return true;
}

/* Runs one timed command; false once something was reported. */
static bool run_one(enum bench_cmd k, unsigned int iter)
{
    struct tpm2_rsp_hdr hdr;
    uint64_t t0, t1;
    int rc;

    t0 = rdtsc_ordered();
    rc = tis_transact(TPM_LOC, bench_cmd[k], bench_len[k], tpm_rsp,
                      sizeof(tpm_rsp), &tpm_rsp_len);
    t1 = rdtsc_ordered();

    if ( rc )
    {
        if ( rc == -ETIMEDOUT )
            gtf_error("tpm: bench: %s: TIS %s", bench_name[k],
                      gtf_strerror(rc));
        else
            gtf_failure("tpm: bench: %s: TIS %s", bench_name[k],
                        gtf_strerror(rc));
        return false;
    }
    if ( !tpm2_parse_header(tpm_rsp, tpm_rsp_len, &hdr) )
    {
        gtf_failure("tpm: bench: %s: malformed response header",
                    bench_name[k]);
        return false;
    }
    if ( hdr.rc != TPM2_RC_SUCCESS )
    {
        gtf_failure("tpm: bench: %s: rc 0x%x (%s)", bench_name[k], hdr.rc,
                    tpm2_rc_name(hdr.rc));
        return false;
    }
    if ( !check(k) )
        return false;

    samples[k][iter] = t1 - t0;
    mix[iter * B_NR + k] = t1 - t0;
    return true;
}

/* Just past the TPM's five localities: claimed by nobody. */
#define UNCLAIMED_MMIO  (TIS_BASE + 0x5000)

static void time_reads(const char *name, uintptr_t addr)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(reg_samples); i++ )
    {
        uint64_t t0 = rdtsc_ordered();

        (void)mmio_read32(addr);
        reg_samples[i] = rdtsc_ordered() - t0;
    }
    gtf_bench_report(name, reg_samples, ARRAY_SIZE(reg_samples));
}

bool tpm_phase_bench(void)
{
    unsigned int i, k;

    if ( !build() )
        return false;

    if ( gtf_tsc_khz() )
        printk("tpm: bench: tsc_khz=%u\n", gtf_tsc_khz());
    else
        printk("tpm: bench: tsc_khz=unknown\n");

    time_reads("mmio-tpm-reg", TIS_BASE + TIS_DID_VID);
    time_reads("mmio-unclaimed", UNCLAIMED_MMIO);

    for ( i = 0; i < BENCH_ITERS; i++ )
        for ( k = 0; k < B_NR; k++ )
            if ( !run_one(k, i) )
                return false;

    gtf_bench_report("tpm-mix", mix, ARRAY_SIZE(mix));
    for ( k = 0; k < B_NR; k++ )
        gtf_bench_report(bench_name[k], samples[k], BENCH_ITERS);
    tpm_ok("bench: %u commands, every response checked",
           (unsigned int)ARRAY_SIZE(mix));
    return true;
}
