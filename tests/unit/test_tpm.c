/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vTPM end to end over the sim: a guest-side TIS driver sends real
 * TPM 2.0 commands through IOREQ slots, pvdomaind's TIS and libtpms.
 *
 * Proves: Startup, GetRandom, PCR_Extend/PCR_Read (digest checked
 * against SHA-256 computed independently), NV define/write/read; that
 * the state file carries NV across a restart, and volatile state (PCRs,
 * started-ness) across a clean stop with resume, exactly once; that a
 * damaged state file is refused rather than replaced by a new TPM; that
 * malformed commands get TPM errors and leave the TPM usable.
 * Cannot prove: what a real guest kernel's driver does (tests/host).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/tpm/tpm.h"
#include "core/log.h"
#include "tests/common/check.h"
#include "tests/common/simstack.h"
#include "tests/common/tisdrv.h"

#define NV_INDEX 0x01500016

/* SHA-256(32 zero bytes || bytes 0..31), computed with Python hashlib. */
static const uint8_t extended[32] = {
    0xbb, 0x22, 0x75, 0xc4, 0x9f, 0x28, 0xad, 0x52, 0xca, 0xe6, 0xd5, 0x5e,
    0x34, 0xa9, 0x74, 0xa5, 0x8c, 0x7a, 0x3b, 0xa2, 0x6f, 0x97, 0x6e, 0x8e,
    0xcb, 0xbe, 0x7a, 0x53, 0x69, 0x18, 0xdc, 0x73,
};

struct env {
    struct simstack st;
    pvr_tpm *tpm;
    struct tisdrv drv;
    char path[256];
};

static void wait_turn(void *opaque)
{
    struct simstack *st = opaque;

    pvr_loop_run_once(st->loop, 2);
}

static int start(struct env *e, bool resume)
{
    struct pvr_tpm_config cfg = { .state_path = e->path, .resume = resume };
    int rc;

    REQUIRE(simstack_open(&e->st, 0, PVR_BUFIOREQ_OFF, true) == 0);
    rc = pvr_tpm_create(e->st.loop, &cfg, &e->tpm);
    if ( rc )
    {
        simstack_close(&e->st);
        return rc;
    }
    REQUIRE(simstack_server(&e->st, 2, PVR_BUFIOREQ_ATOMIC) == 0);
    REQUIRE(pvr_tpm_attach(e->tpm, e->st.srv) == 0);
    REQUIRE(pvr_ioreq_server_enable(e->st.srv) == 0);
    e->drv = (struct tisdrv){
        .read = simstack_tis_read, .write = simstack_tis_write,
        .opaque = &e->st, .wait = wait_turn, .max_polls = 20000,
    };
    REQUIRE(tisdrv_request(&e->drv) == 0);
    return 0;
}

static void stop(struct env *e, bool save)
{
    pvr_ioreq_server_destroy(e->st.srv);
    e->st.srv = NULL;
    pvr_tpm_destroy(e->tpm, save);
    e->tpm = NULL;
    simstack_close(&e->st);
}

/* Run a command; returns the TPM response code, or ~0 on a TIS error. */
static uint32_t run(struct env *e, const uint8_t *cmd, size_t len,
                    uint8_t *rsp, size_t *rsp_len)
{
    size_t cap = *rsp_len;

    if ( tisdrv_transmit(&e->drv, cmd, len, rsp, rsp_len) )
    {
        *rsp_len = cap;
        return ~0u;
    }
    return tisdrv_rc(rsp, *rsp_len);
}

static uint32_t simple(struct env *e, size_t (*build)(uint8_t *, uint16_t),
                       uint16_t arg)
{
    uint8_t cmd[64], rsp[256];
    size_t len = sizeof(rsp);

    return run(e, cmd, build(cmd, arg), rsp, &len);
}

static void read_pcr16(struct env *e, uint8_t out[32])
{
    uint8_t cmd[64], rsp[256];
    size_t len = sizeof(rsp);

    CHECK_EQ(run(e, cmd, tpm2_cmd_pcr_read(cmd, 16), rsp, &len), 0);
    CHECK_EQ(len, 62);
    memcpy(out, rsp + 30, 32);
}

static void nv_read(struct env *e, uint8_t out[32])
{
    uint8_t cmd[64], rsp[256];
    size_t len = sizeof(rsp);

    CHECK_EQ(run(e, cmd, tpm2_cmd_nv_read(cmd, NV_INDEX, 32), rsp, &len),
             0);
    CHECK(len >= 16 + 32);
    memcpy(out, rsp + 16, 32);
}

static void first_boot(struct env *e, const uint8_t pattern[32])
{
    uint8_t cmd[128], rsp[256], a[32], b[32], digest[32], zero[32] = { 0 };
    size_t len;
    unsigned int i;

    CHECK_EQ(simple(e, tpm2_cmd_startup, TPM2_SU_CLEAR), TPM2_RC_SUCCESS);
    CHECK_EQ(simple(e, tpm2_cmd_startup, TPM2_SU_CLEAR),
             TPM2_RC_INITIALIZE);

    len = sizeof(rsp);
    CHECK_EQ(run(e, cmd, tpm2_cmd_getrandom(cmd, 32), rsp, &len), 0);
    CHECK_EQ(len, 12 + 32);
    memcpy(a, rsp + 12, 32);
    len = sizeof(rsp);
    CHECK_EQ(run(e, cmd, tpm2_cmd_getrandom(cmd, 32), rsp, &len), 0);
    memcpy(b, rsp + 12, 32);
    CHECK(memcmp(a, b, 32) && memcmp(a, zero, 32));

    read_pcr16(e, a);
    CHECK(!memcmp(a, zero, 32));
    for ( i = 0; i < 32; i++ )
        digest[i] = i;
    len = sizeof(rsp);
    CHECK_EQ(run(e, cmd, tpm2_cmd_pcr_extend(cmd, 16, digest), rsp, &len),
             0);
    read_pcr16(e, a);
    CHECK(!memcmp(a, extended, 32));

    len = sizeof(rsp);
    CHECK_EQ(run(e, cmd, tpm2_cmd_nv_define(cmd, NV_INDEX, 32), rsp, &len),
             0);
    len = sizeof(rsp);
    CHECK_EQ(run(e, cmd, tpm2_cmd_nv_write(cmd, NV_INDEX, pattern, 32), rsp,
                 &len), 0);
    nv_read(e, a);
    CHECK(!memcmp(a, pattern, 32));
}

static void hostile_commands(struct env *e)
{
    uint8_t cmd[PVR_TPM_BUFSIZE + 16], rsp[64];
    size_t len;

    /* An unknown command code: libtpms answers TPM_RC_COMMAND_CODE. */
    len = tpm2_cmd_getrandom(cmd, 8);
    cmd[8] = 0x0f;
    cmd[9] = 0xff;
    len = run(e, cmd, len, rsp, &(size_t){ sizeof(rsp) });
    CHECK_EQ(len, 0x143);

    /* A command bigger than the buffer: the TIS answers, not libtpms. */
    memset(cmd, 0, sizeof(cmd));
    cmd[0] = 0x80;
    cmd[1] = 0x01;
    cmd[4] = 0x10;
    cmd[5] = 0x10;          /* 4112 bytes */
    CHECK_EQ(run(e, cmd, 4112, rsp, &(size_t){ sizeof(rsp) }), ~0u);
    /* The driver gave up when Expect dropped; tpmGo gets the answer. */
    {
        uint64_t v = 0;
        unsigned int i;

        CHECK_EQ(simstack_tis_write(&e->st, 0x18, 1, 0x20), 0);
        CHECK_EQ(simstack_tis_read(&e->st, 0x18, 4, &v), 0);
        CHECK_EQ(v & 0xffff10, (10 << 8) | 0x10);   /* 10 bytes ready */
        for ( i = 0; i < 10; i++ )
        {
            CHECK_EQ(simstack_tis_read(&e->st, 0x24, 1, &v), 0);
            rsp[i] = v;
        }
        CHECK_EQ(tisdrv_rc(rsp, 10), 0x142);        /* COMMAND_SIZE */
    }

    /* The TPM still works. */
    CHECK_EQ(simple(e, tpm2_cmd_getrandom, 16), TPM2_RC_SUCCESS);
}

static void corrupt(const char *path)
{
    int fd = open(path, O_RDWR);
    uint8_t b;

    REQUIRE(fd >= 0);
    REQUIRE(pread(fd, &b, 1, 100) == 1);
    b ^= 0x40;
    REQUIRE(pwrite(fd, &b, 1, 100) == 1);
    close(fd);
}

int main(void)
{
    char dir[] = "/tmp/pvr-test-tpm-XXXXXX";
    uint8_t pattern[32], a[32], zero[32] = { 0 };
    struct pvr_tpm_stats stats;
    struct env e;
    unsigned int i;

    pvr_log_open(7, PVR_LOG_WARN, 2);
    REQUIRE(mkdtemp(dir));
    memset(&e, 0, sizeof(e));
    snprintf(e.path, sizeof(e.path), "%s/tpm.state", dir);
    for ( i = 0; i < 32; i++ )
        pattern[i] = 0xa0 + i;

    REQUIRE(start(&e, false) == 0);
    first_boot(&e, pattern);
    hostile_commands(&e);
    pvr_tpm_stats(e.tpm, &stats);
    CHECK(stats.commands >= 10);
    CHECK(stats.state_writes >= 2);
    CHECK_EQ(stats.rejected, 1);
    stop(&e, true);
    CHECK_EQ(access(e.path, R_OK), 0);

    /* Resumed: volatile state back, so the TPM is already started. */
    REQUIRE(start(&e, true) == 0);
    CHECK_EQ(simple(&e, tpm2_cmd_startup, TPM2_SU_CLEAR),
             TPM2_RC_INITIALIZE);
    read_pcr16(&e, a);
    CHECK(!memcmp(a, extended, 32));
    nv_read(&e, a);
    CHECK(!memcmp(a, pattern, 32));
    stop(&e, false);

    /* Volatile state was consumed: a power-on start, NV still there. */
    REQUIRE(start(&e, true) == 0);
    CHECK_EQ(simple(&e, tpm2_cmd_startup, TPM2_SU_CLEAR), TPM2_RC_SUCCESS);
    read_pcr16(&e, a);
    CHECK(!memcmp(a, zero, 32));
    nv_read(&e, a);
    CHECK(!memcmp(a, pattern, 32));
    stop(&e, false);

    /* A damaged state file is refused. */
    corrupt(e.path);
    CHECK_EQ(start(&e, false), -EBADMSG);

    unlink(e.path);
    rmdir(dir);
    return check_result("test_tpm");
}
