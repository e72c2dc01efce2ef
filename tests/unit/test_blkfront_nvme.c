/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * End to end on the sim: a guest-side NVMe driver -> drivers/nvme (over
 * the IOREQ server) -> drivers/blkfront -> simblkback's image.  Writes
 * and reads of 512 bytes to 128 KiB (one segment to an indirect request
 * of 32), a flush, and a backend that closes while a write is held and
 * comes back: the guest's command still completes with its data on the
 * backend's disk.
 *
 * What it cannot prove: anything about dom0's real blkback or the
 * guest's real driver (the real-Xen jobs), or concurrency (one thread).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme.h"
#include "tests/common/check.h"
#include "tests/common/simblkback.h"
#include "tests/unit/test_nvme_drv.h"

#define SECTORS 8192
#define MAXLEN  (128 * 1024)

struct env {
    struct sbenv s;
    pvr_nvme *n;
    struct nvdrv d;
    uint64_t wbuf, rbuf, wlist, rlist;
};

static void open_env(struct env *e)
{
    static const struct simblkback_features f = {
        .sectors = SECTORS, .max_ring_order = 2, .max_indirect = 64,
        .persistent = true, .flush = true, .discard = true,
    };
    struct pvr_blkfront_config cfg = { .max_ring_order = 2 };
    struct pvr_nvme_config nc = { .sbdf = NVDRV_SBDF, .io_queues = 2 };
    unsigned int i;

    REQUIRE(sbenv_open(&e->s, 2, &f, &cfg) == 0);
    nc.port = e->s.st.port;
    nc.domid = e->s.st.domid;
    nc.blk = e->s.dev;
    REQUIRE(pvr_nvme_create(&nc, &e->n) == 0);
    REQUIRE(pvr_nvme_attach(e->n, e->s.st.srv) == 0);
    REQUIRE(pvr_ioreq_server_enable(e->s.st.srv) == 0);
    REQUIRE(nvdrv_pci_setup(&e->d, &e->s.st, true) == 0);
    REQUIRE(nvdrv_enable(&e->d, 32) == 0);
    REQUIRE(nvdrv_create_pair(&e->d, 1, 64) == 0);
    e->wbuf = nvdrv_alloc(&e->d, MAXLEN / 4096);
    e->rbuf = nvdrv_alloc(&e->d, MAXLEN / 4096);
    e->wlist = nvdrv_alloc(&e->d, 1);
    e->rlist = nvdrv_alloc(&e->d, 1);
    for ( i = 1; i < MAXLEN / 4096; i++ )
    {
        ((uint64_t *)nvdrv_mem(&e->d, e->wlist))[i - 1] = e->wbuf + i * 4096;
        ((uint64_t *)nvdrv_mem(&e->d, e->rlist))[i - 1] = e->rbuf + i * 4096;
    }
}

static void close_env(struct env *e)
{
    pvr_ioreq_server_destroy(e->s.st.srv);
    e->s.st.srv = NULL;
    pvr_nvme_destroy(e->n);
    pvr_blkfront_close(e->s.bf);
    e->s.bf = NULL;
    CHECK_EQ(pvr_sim_gnttab_shared(e->s.st.sim), 0);
    sbenv_close(&e->s);
}

/* Submit on queue 1 and pump everything until its completion. */
static int cmd(struct env *e, uint32_t sqe[16])
{
    uint16_t cid = nvdrv_submit(&e->d, 1, sqe);
    struct nvcqe c;
    unsigned int i;

    for ( i = 0; i < 200; i++ )
    {
        if ( nvdrv_reap(&e->d, 1, &c) == 0 )
            return c.cid == cid ? c.status : -1;
        sbenv_pump(&e->s);
    }
    return -1;
}

static uint64_t prp2(uint64_t buf, uint64_t list,
                     uint32_t len)
{
    return len <= 4096 ? 0 : len <= 8192 ? buf + 4096 : list;
}

static void round_trip(struct env *e, uint64_t slba, uint32_t len)
{
    uint8_t *w = nvdrv_mem(&e->d, e->wbuf), *r = nvdrv_mem(&e->d, e->rbuf);
    uint32_t sqe[16], i;

    for ( i = 0; i < len; i++ )
        w[i] = (uint8_t)(i * 7 + slba + len);
    memset(r, 0, len);
    nvdrv_rw(sqe, true, slba, len / 512, e->wbuf,
             prp2(e->wbuf, e->wlist, len));
    CHECK_EQ(cmd(e, sqe), 0);
    CHECK(!memcmp(e->s.sb.image + slba * 512, w, len));
    nvdrv_rw(sqe, false, slba, len / 512, e->rbuf,
             prp2(e->rbuf, e->rlist, len));
    CHECK_EQ(cmd(e, sqe), 0);
    CHECK(!memcmp(r, w, len));
}

static void test_data(void)
{
    struct env e;
    uint32_t sqe[16];

    open_env(&e);
    round_trip(&e, 3, 512);
    round_trip(&e, 8, 8192);
    round_trip(&e, 100, 44 * 1024);      /* 11 pages: direct */
    round_trip(&e, 1000, 64 * 1024);     /* 16: indirect */
    round_trip(&e, 4000, MAXLEN);        /* 32: indirect */
    CHECK(e.s.sb.st.indirects >= 4);
    CHECK_EQ(e.s.sb.st.max_segs_seen, 32);
    nvdrv_sqe(sqe, 0x00, 1, 0, 0);       /* flush */
    CHECK_EQ(cmd(&e, sqe), 0);
    CHECK_EQ(e.s.sb.st.flushes, 1);
    close_env(&e);
}

/* The backend closes with the write held, then comes back. */
static void test_reconnect(void)
{
    uint32_t sqe[16];
    struct env e;
    uint8_t *w;
    uint16_t cid;
    struct nvcqe c;
    unsigned int i;
    int st = -1;

    open_env(&e);
    w = nvdrv_mem(&e.d, e.wbuf);
    memset(w, 0x5c, 16384);
    e.s.sb.hold = true;
    nvdrv_rw(sqe, true, 64, 32, e.wbuf, e.wlist);
    cid = nvdrv_submit(&e.d, 1, sqe);
    sbenv_pump(&e.s);
    CHECK_EQ(nvdrv_reap(&e.d, 1, &c), -EAGAIN);
    simblkback_set_state(&e.s.sb, PVR_XB_CLOSING);
    e.s.sb.hold = false;
    for ( i = 0; i < 200 && st < 0; i++ )
    {
        sbenv_pump(&e.s);
        if ( nvdrv_reap(&e.d, 1, &c) == 0 )
            st = c.cid == cid ? c.status : 0x7fff;
    }
    CHECK_EQ(st, 0);
    CHECK(!memcmp(e.s.sb.image + 64 * 512, w, 16384));
    CHECK_EQ(e.s.sb.st.connects, 2);
    close_env(&e);
}

int main(void)
{
    pvr_log_open(PVR_LOG_NO_DOMID,
                 getenv("BF_DEBUG") ? PVR_LOG_DEBUG : PVR_LOG_ERROR, -1);
    test_data();
    test_reconnect();
    return check_result("test_blkfront_nvme");
}
