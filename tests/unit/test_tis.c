/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TIS register state machine, against a fake engine.
 *
 * Proves: locality arbitration (request, pending, relinquish, seize),
 * STS bits and burstCount in every state, Expect exactly until the
 * header's commandSize, the bounds on commands (too short, too long,
 * bytes beyond commandSize) answered with TPM_RC_COMMAND_SIZE without
 * reaching the engine, tpmGo ignored while Expect, abort and cancel
 * while executing, responseRetry, and that inactive localities cannot
 * touch the FIFO.
 * Cannot prove: agreement with a real guest driver (tests/host does).
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "services/tpm/tpm_priv.h"
#include "core/log.h"
#include "tests/common/check.h"

struct fake {
    unsigned int submits, cancels;
    uint8_t cmd[PVR_TPM_BUFSIZE];
    size_t len;
    unsigned int locality;
};

static int fake_submit(void *opaque, const uint8_t *cmd, size_t len,
                       unsigned int locality)
{
    struct fake *f = opaque;

    f->submits++;
    memcpy(f->cmd, cmd, len);
    f->len = len;
    f->locality = locality;
    return 0;
}

static void fake_cancel(void *opaque)
{
    ((struct fake *)opaque)->cancels++;
}

static const struct tis_engine_ops fake_ops = { fake_submit, fake_cancel };

static struct fake fk;
static struct pvr_tpm_stats stats;
static tis t;

static uint64_t rd(unsigned int loc, unsigned int reg, unsigned int size)
{
    uint64_t v = 0;

    CHECK_EQ(tis__read(&t, ((uint64_t)loc << 12) | reg, size, &v), 0);
    return v;
}

static void wr(unsigned int loc, unsigned int reg, unsigned int size,
               uint64_t v)
{
    CHECK_EQ(tis__write(&t, ((uint64_t)loc << 12) | reg, size, v), 0);
}

static void reset(void)
{
    memset(&fk, 0, sizeof(fk));
    memset(&stats, 0, sizeof(stats));
    tis__init(&t, &fake_ops, &fk, &stats);
}

static void send(unsigned int loc, const uint8_t *b, size_t n)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        wr(loc, 0x24, 1, b[i]);
}

/* A minimal valid command: TPM2_GetRandom(8), 12 bytes. */
static const uint8_t getrandom[12] = {
    0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8,
};

static void test_identity(void)
{
    reset();
    /* Firmware reads DID_VID with no locality claimed. */
    CHECK_EQ(rd(0, 0xf00, 4), PVR_TPM_DID_VID);
    CHECK_EQ(rd(3, 0xf00, 2), PVR_TPM_DID_VID & 0xffff);
    CHECK_EQ(rd(0, 0xf04, 1), PVR_TPM_RID);
    CHECK_EQ(rd(0, 0x30, 4) & 0xf, 0);          /* FIFO interface */
    CHECK_EQ(rd(0, 0x14, 4) >> 28 & 7, 3);      /* TPM 2.0 FIFO */
    CHECK_EQ(rd(0, 0x00, 1), 0x81);             /* valid, not active */
    CHECK_EQ(rd(0, 0x18, 4), 0xffffffffULL);    /* STS: not active */
    CHECK_EQ(rd(5 - 1, 0x18, 1), 0xff);
    CHECK_EQ(tis__read(&t, 5 << 12, 1, &(uint64_t){ 0 }), -EINVAL);
    /* Found by fuzz_tpm: an access running off the page (was UB). */
    CHECK_EQ(rd(0, 0xffc, 8), ~0ULL);
    CHECK_EQ(rd(0, 0xf04, 8), 0xffffffff00000000ULL | PVR_TPM_RID);
}

static void test_localities(void)
{
    reset();
    wr(0, 0x00, 1, 0x02);                       /* request use */
    CHECK_EQ(rd(0, 0x00, 1), 0xa1);             /* active */
    wr(2, 0x00, 1, 0x02);
    CHECK_EQ(rd(2, 0x00, 1), 0x83);             /* requested, waiting */
    CHECK_EQ(rd(0, 0x00, 1) & 0x04, 0x04);      /* pendingRequest */
    wr(0, 0x00, 1, 0x20);                       /* relinquish */
    CHECK_EQ(rd(2, 0x00, 1) & 0x20, 0x20);      /* 2 got it */
    CHECK_EQ(rd(0, 0x00, 1) & 0x20, 0);
    /* Locality 4 seizes from 2; 2 sees beenSeized until it clears it. */
    wr(4, 0x00, 1, 0x08);
    CHECK_EQ(rd(4, 0x00, 1) & 0x20, 0x20);
    CHECK_EQ(rd(2, 0x00, 1) & 0x10, 0x10);
    wr(2, 0x00, 1, 0x10);
    CHECK_EQ(rd(2, 0x00, 1) & 0x10, 0);
    /* A lower locality cannot seize. */
    wr(1, 0x00, 1, 0x08);
    CHECK_EQ(rd(4, 0x00, 1) & 0x20, 0x20);
    /* An inactive locality's FIFO writes go nowhere. */
    wr(1, 0x18, 1, 0x40);
    wr(1, 0x24, 1, 0x80);
    CHECK_EQ(stats.protocol_errors, 2);
    CHECK_EQ(t.cmd_len, 0);
}

static void test_command(void)
{
    uint8_t rsp[16];
    unsigned int i;

    reset();
    wr(0, 0x00, 1, 0x02);
    CHECK_EQ(rd(0, 0x18, 1), 0x80);             /* idle: just valid */
    wr(0, 0x18, 1, 0x40);                       /* commandReady */
    CHECK_EQ(rd(0, 0x18, 1), 0xc0);
    CHECK_EQ(rd(0, 0x19, 2), PVR_TPM_BUFSIZE);  /* burstCount */
    CHECK_EQ(rd(0, 0x1b, 1) & 0x0c, 0x04);      /* family TPM 2.0 */
    send(0, getrandom, 11);
    CHECK_EQ(rd(0, 0x18, 1) & 0x08, 0x08);      /* Expect: one to go */
    wr(0, 0x18, 1, 0x20);                       /* tpmGo too early */
    CHECK_EQ(fk.submits, 0);
    send(0, getrandom + 11, 1);
    CHECK_EQ(rd(0, 0x18, 1) & 0x08, 0);         /* complete */
    wr(0, 0x18, 1, 0x20);
    CHECK_EQ(fk.submits, 1);
    CHECK_EQ(fk.len, 12);
    CHECK(!memcmp(fk.cmd, getrandom, 12));
    CHECK_EQ(rd(0, 0x18, 1) & 0x10, 0);         /* executing */

    /* The engine answers: 14 bytes. */
    memset(rsp, 0, sizeof(rsp));
    rsp[0] = 0x80;
    rsp[1] = 0x01;
    rsp[5] = 14;
    rsp[13] = 0x99;
    tis__complete(&t, rsp, 14);
    CHECK_EQ(rd(0, 0x18, 1), 0x90);             /* valid | dataAvail */
    CHECK_EQ(rd(0, 0x19, 2), 14);
    CHECK_EQ(rd(0, 0x24, 4), 0x00000180);       /* four FIFO bytes */
    for ( i = 4; i < 13; i++ )
        rd(0, 0x24, 1);
    CHECK_EQ(rd(0, 0x80, 1), 0x99);             /* XDATA_FIFO, last */
    CHECK_EQ(rd(0, 0x18, 1) & 0x10, 0);
    wr(0, 0x18, 1, 0x02);                       /* responseRetry */
    CHECK_EQ(rd(0, 0x19, 2), 14);
    CHECK_EQ(rd(0, 0x24, 1), 0x80);
    wr(0, 0x18, 1, 0x40);                       /* back to ready */
    CHECK_EQ(rd(0, 0x18, 1), 0xc0);
}

static void expect_size_error(void)
{
    CHECK_EQ(rd(0, 0x18, 1) & 0x08, 0);         /* Expect dropped */
    wr(0, 0x18, 1, 0x20);
    CHECK_EQ(fk.submits, 0);
    CHECK_EQ(rd(0, 0x19, 2), 10);
    CHECK_EQ(rd(0, 0x24, 4), 0x00000180);
    CHECK_EQ(rd(0, 0x24, 4), 0x00000a00);
    CHECK_EQ(rd(0, 0x24, 2), 0x4201);           /* TPM_RC_COMMAND_SIZE */
    wr(0, 0x18, 1, 0x40);
}

static void test_bounds(void)
{
    static const uint8_t tiny[6] = { 0x80, 0x01, 0, 0, 0, 6 };
    static const uint8_t huge[6] = { 0x80, 0x01, 0, 0, 0x20, 0 };

    reset();
    wr(0, 0x00, 1, 0x02);
    wr(0, 0x18, 1, 0x40);
    send(0, tiny, sizeof(tiny));
    expect_size_error();
    send(0, huge, sizeof(huge));
    send(0, getrandom, 12);                     /* discarded */
    expect_size_error();
    send(0, getrandom, 12);
    wr(0, 0x24, 1, 0x00);                       /* one byte too many */
    expect_size_error();
    CHECK_EQ(stats.rejected, 3);
    CHECK_EQ(fk.submits, 0);
    /* The TIS works normally afterwards. */
    send(0, getrandom, 12);
    wr(0, 0x18, 1, 0x20);
    CHECK_EQ(fk.submits, 1);
}

static void test_abort_cancel(void)
{
    uint8_t rsp[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0 };

    reset();
    wr(0, 0x00, 1, 0x02);
    wr(0, 0x18, 1, 0x40);
    send(0, getrandom, 12);
    wr(0, 0x18, 1, 0x20);
    wr(0, 0x1b, 1, 0x01);                       /* commandCancel */
    CHECK_EQ(fk.cancels, 1);
    CHECK_EQ(stats.cancels, 1);
    wr(0, 0x18, 1, 0x40);                       /* abort while running */
    CHECK_EQ(fk.cancels, 2);
    CHECK_EQ(rd(0, 0x18, 1) & 0x40, 0);         /* not ready until done */
    tis__complete(&t, rsp, 10);
    CHECK_EQ(rd(0, 0x18, 1), 0xc0);             /* ready, no data */
    CHECK_EQ(stats.aborts, 1);

    /* Relinquishing mid-command drops the result too. */
    send(0, getrandom, 12);
    wr(0, 0x18, 1, 0x20);
    wr(0, 0x00, 1, 0x20);
    tis__complete(&t, rsp, 10);
    wr(0, 0x00, 1, 0x02);
    CHECK_EQ(rd(0, 0x18, 1), 0x80);             /* idle */
    /* A response of impossible length becomes TPM_RC_FAILURE. */
    wr(0, 0x18, 1, 0x40);
    send(0, getrandom, 12);
    wr(0, 0x18, 1, 0x20);
    tis__complete(&t, rsp, 4);
    CHECK_EQ(rd(0, 0x19, 2), 10);
}

int main(void)
{
    pvr_log_open(1, PVR_LOG_ERROR, 2);
    test_identity();
    test_localities();
    test_command();
    test_bounds();
    test_abort_cancel();
    return check_result("test_tis");
}
