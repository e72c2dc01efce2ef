/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NVMe controller against a broken or hostile guest, over the sim.
 *
 * Proves: every malformed command gets its exact NVMe status (generic,
 * command-specific or media, with Do Not Retry where retrying cannot
 * help) and the controller goes on serving; every broken queue
 * operation sets CSTS.CFS, after which doorbells are ignored until a
 * reset, and the reset brings a working controller back; completions
 * wait for room in a full CQ; commands in flight at the block device
 * survive a reset or a queue deletion without touching guest memory
 * afterwards; the commands in flight are bounded; a failure of any
 * hypervisor call, in turn, neither crashes nor wedges the controller.
 * Cannot prove: the timing of a real device's completions.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "tests/unit/test_nvme_env.h"

#define DNR 0x4000

struct bad {
    const char *what;
    uint16_t qid;
    uint8_t opc;
    uint32_t nsid;
    uint32_t dw0_extra;         /* fused, PSDT bits */
    uint64_t prp1, prp2;        /* 1: a good page, 2: a good list */
    uint32_t cdw10, cdw11, cdw12;
    int status;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Stand-ins, replaced by real guest addresses (plus their offset). */
#define GOOD_PAGE  0x10000000ULL
#define GOOD_LIST  0x20000000ULL
#define NO_MEMORY  0x40000000ULL        /* beyond the sim's 4 MiB */

static const struct bad table[] = {
    { "admin opcode 0xc0", 0, 0xc0, 0, 0, 0, 0, 0, 0, 0, DNR | 0x001 },
    { "I/O opcode 0x7f", 1, 0x7f, 1, 0, 0, 0, 0, 0, 0, DNR | 0x001 },
    { "I/O opcode 0x05 (compare)", 1, 0x05, 1, 0, 0, 0, 0, 0, 0,
      DNR | 0x001 },
    { "fused", 0, 0x06, 0, 1u << 8, GOOD_PAGE, 0, 1, 0, 0, DNR | 0x002 },
    { "SGL (PSDT 1)", 1, 0x02, 1, 1u << 14, GOOD_PAGE, 0, 0, 0, 0,
      DNR | 0x002 },
    { "identify CNS 0x10", 0, 0x06, 0, 0, GOOD_PAGE, 0, 0x10, 0, 0,
      DNR | 0x002 },
    { "identify CNS 6, CSI 2 (zoned)", 0, 0x06, 0, 0, GOOD_PAGE, 0, 6,
      2u << 24, 0, DNR | 0x002 },
    { "identify namespace 2", 0, 0x06, 2, 0, GOOD_PAGE, 0, 0, 0, 0,
      DNR | 0x00b },
    { "identify namespace 0", 0, 0x06, 0, 0, GOOD_PAGE, 0, 0, 0, 0,
      DNR | 0x00b },
    { "identify list from FFFFFFFF", 0, 0x06, 0xffffffff, 0, GOOD_PAGE, 0,
      2, 0, 0, DNR | 0x00b },
    { "identify into no memory", 0, 0x06, 0, 0, NO_MEMORY, 0, 1, 0, 0,
      0x004 },
    { "create CQ 0", 0, 0x05, 0, 0, GOOD_PAGE, 0, (7u << 16) | 0, 1, 0,
      DNR | 0x101 },
    { "create CQ 5 (4 allowed)", 0, 0x05, 0, 0, GOOD_PAGE, 0,
      (7u << 16) | 5, 1, 0, DNR | 0x101 },
    { "create CQ 1, in use", 0, 0x05, 0, 0, GOOD_PAGE, 0, (7u << 16) | 1,
      1, 0, DNR | 0x101 },
    { "create CQ of 1 entry", 0, 0x05, 0, 0, GOOD_PAGE, 0, 3, 1, 0,
      DNR | 0x102 },
    { "create CQ of 1025 entries", 0, 0x05, 0, 0, GOOD_PAGE, 0,
      (1024u << 16) | 3, 1, 0, DNR | 0x102 },
    { "create CQ not contiguous", 0, 0x05, 0, 0, GOOD_PAGE, 0,
      (7u << 16) | 3, 0, 0, DNR | 0x002 },
    { "create CQ unaligned", 0, 0x05, 0, 0, GOOD_PAGE + 0x100, 0,
      (7u << 16) | 3, 1, 0, DNR | 0x013 },
    { "create CQ vector 17", 0, 0x05, 0, 0, GOOD_PAGE, 0, (7u << 16) | 3,
      (17u << 16) | 3, 0, DNR | 0x108 },
    { "create SQ on CQ 0", 0, 0x01, 0, 0, GOOD_PAGE, 0, (7u << 16) | 3, 1,
      0, DNR | 0x100 },
    { "create SQ on missing CQ 4", 0, 0x01, 0, 0, GOOD_PAGE, 0,
      (7u << 16) | 3, (4u << 16) | 1, 0, DNR | 0x100 },
    { "create SQ 1, in use", 0, 0x01, 0, 0, GOOD_PAGE, 0, (7u << 16) | 1,
      (1u << 16) | 1, 0, DNR | 0x101 },
    { "delete SQ 0", 0, 0x00, 0, 0, 0, 0, 0, 0, 0, DNR | 0x101 },
    { "delete SQ 3 (none)", 0, 0x00, 0, 0, 0, 0, 3, 0, 0, DNR | 0x101 },
    { "delete CQ 0", 0, 0x04, 0, 0, 0, 0, 0, 0, 0, DNR | 0x101 },
    { "delete CQ 1 with its SQ", 0, 0x04, 0, 0, 0, 0, 1, 0, 0,
      DNR | 0x10c },
    { "log page 0x80", 0, 0x02, 0, 0, GOOD_PAGE, 0, 0x80 | (127u << 16), 0,
      0, DNR | 0x109 },
    { "log page offset unaligned", 0, 0x02, 0, 0, GOOD_PAGE, 0,
      0x02 | (127u << 16), 0, 2, DNR | 0x002 },
    { "log page offset beyond", 0, 0x02, 0, 0, GOOD_PAGE, 0,
      0x02 | (127u << 16), 0, 516, DNR | 0x002 },
    { "SMART of namespace 2", 0, 0x02, 2, 0, GOOD_PAGE, 0,
      0x02 | (127u << 16), 0, 0, DNR | 0x00b },
    { "set feature 0x7f", 0, 0x09, 0, 0, 0, 0, 0x7f, 0, 0, DNR | 0x002 },
    { "set feature, save", 0, 0x09, 0, 0, 0, 0, 0x01 | (1u << 31), 0, 0,
      DNR | 0x10d },
    { "set queues 65536", 0, 0x09, 0, 0, 0, 0, 0x07, 0xffff0000, 0,
      DNR | 0x002 },
    { "set power state 1", 0, 0x09, 0, 0, 0, 0, 0x02, 1, 0, DNR | 0x002 },
    { "set temperature sensor 3", 0, 0x09, 0, 0, 0, 0, 0x04, 3u << 16, 0,
      DNR | 0x002 },
    { "get features select 4", 0, 0x0a, 0, 0, 0, 0, 0x01 | (4u << 8), 0,
      0, DNR | 0x002 },
    { "get vector config 17", 0, 0x0a, 0, 0, 0, 0, 0x09, 17, 0,
      DNR | 0x002 },
    { "read namespace 2", 1, 0x02, 2, 0, GOOD_PAGE, 0, 0, 0, 0,
      DNR | 0x00b },
    { "read LBA beyond", 1, 0x02, 1, 0, GOOD_PAGE, 0, ENV_SECTORS, 0, 0,
      DNR | 0x080 },
    { "read across the end", 1, 0x02, 1, 0, GOOD_PAGE, 0,
      ENV_SECTORS - 4, 0, 7, DNR | 0x080 },
    { "read beyond MDTS", 1, 0x02, 1, 0, GOOD_PAGE, GOOD_LIST, 0, 0, 256,
      DNR | 0x002 },
    { "read, PRP1 not dword aligned", 1, 0x02, 1, 0, GOOD_PAGE + 2, 0, 0,
      0, 0, DNR | 0x013 },
    { "read, PRP2 not page aligned", 1, 0x02, 1, 0, GOOD_PAGE + 0x800,
      GOOD_PAGE + 8, 0, 0, 7, DNR | 0x013 },
    { "read, list not qword aligned", 1, 0x02, 1, 0, GOOD_PAGE, GOOD_LIST
      + 4, 0, 0, 23, DNR | 0x013 },
    { "read, list in no memory", 1, 0x02, 1, 0, GOOD_PAGE, NO_MEMORY, 0, 0,
      23, 0x004 },
    { "read into no memory", 1, 0x02, 1, 0, NO_MEMORY, 0, 0, 0, 0, 0x004 },
    { "write from no memory", 1, 0x01, 1, 0, NO_MEMORY, 0, 0, 0, 0,
      0x004 },
    { "write zeroes beyond", 1, 0x08, 1, 0, 0, 0, ENV_SECTORS - 1, 0, 1,
      DNR | 0x080 },
    { "flush namespace 3", 1, 0x00, 3, 0, 0, 0, 0, 0, 0, DNR | 0x00b },
};

static uint64_t page, list;

static uint64_t resolve(uint64_t v)
{
    if ( v >= GOOD_PAGE && v < GOOD_PAGE + 0x1000 )
        return page + (v - GOOD_PAGE);
    if ( v >= GOOD_LIST && v < GOOD_LIST + 0x1000 )
        return list + (v - GOOD_LIST);
    return v;
}

static void test_table(void)
{
    struct env e;
    struct pvr_nvme_stats s;
    uint32_t sqe[16];
    unsigned int i, k;
    uint64_t *ent;

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 64) == 0);
    REQUIRE(nvdrv_create_pair(&e.d, 1, 64) == 0);
    page = nvdrv_alloc(&e.d, 1);
    list = nvdrv_alloc(&e.d, 1);
    ent = nvdrv_mem(&e.d, list);
    for ( k = 0; k < 40; k++ )
        ent[k] = nvdrv_alloc(&e.d, 1);
    ent[5] |= 0x200;          /* an entry that is not page-aligned */
    for ( i = 0; i < ARRAY_SIZE(table); i++ )
    {
        const struct bad *b = &table[i];
        int st;

        nvdrv_sqe(sqe, b->opc, b->nsid, resolve(b->prp1), resolve(b->prp2));
        sqe[0] |= b->dw0_extra;
        sqe[10] = b->cdw10;
        sqe[11] = b->cdw11;
        sqe[12] = b->cdw12;
        st = nvdrv_cmd(&e.d, b->qid, sqe, NULL);
        if ( st != (int)b->status )
            fprintf(stderr, "%s: status %#x, want %#x\n", b->what, st,
                    b->status);
        CHECK_EQ(st, b->status);
    }
    /* A list entry that is not page-aligned (entry 5 of the list). */
    nvdrv_rw(sqe, false, 0, 64, page, list);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), DNR | 0x013);
    /* Abort is always "not aborted"; AERs are held, four at most. */
    for ( i = 0; i < PVR_NVME_AER_LIMIT; i++ )
    {
        nvdrv_sqe(sqe, 0x0c, 0, 0, 0);
        nvdrv_submit(&e.d, 0, sqe);
        CHECK_EQ(nvdrv_reap(&e.d, 0, NULL), -EAGAIN);
    }
    nvdrv_sqe(sqe, 0x0c, 0, 0, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), DNR | 0x105);
    /* Media errors from the device: not DNR. */
    pvr_blk_mem_fail_next(e.blk, -EIO);
    nvdrv_rw(sqe, false, 0, 8, page, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0x281);
    pvr_blk_mem_fail_next(e.blk, -EIO);
    nvdrv_rw(sqe, true, 0, 8, page, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0x280);
    pvr_blk_mem_fail_next(e.blk, -ENOTCONN);
    nvdrv_sqe(sqe, 0x00, 1, 0, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0x006);
    /* And after all that, the controller still works. */
    nvdrv_rw(sqe, false, 0, 8, page, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 1);
    pvr_nvme_stats(e.n, &s);
    CHECK_EQ(s.fatal, 0);
    CHECK_EQ(s.errors, ARRAY_SIZE(table) + 5);
    env_close(&e);
}

enum breakage {
    SQ_TAIL_BEYOND,
    SQ_DOORBELL_NO_QUEUE,
    CQ_HEAD_BEYOND,
    CQ_HEAD_PAST_POSTED,
    CQ_DOORBELL_NO_QUEUE,
    SQ_IN_NO_MEMORY,
    CQ_IN_NO_MEMORY,
    NR_BREAKAGES
};

static void do_break(struct env *e, enum breakage b)
{
    uint32_t sqe[16];

    switch ( b )
    {
    case SQ_TAIL_BEYOND:
        nvdrv_wr(&e->d, 0x1000 + 8, 4, 16);         /* SQ 1 has 16 */
        break;
    case SQ_DOORBELL_NO_QUEUE:
        nvdrv_wr(&e->d, 0x1000 + 8 * 3, 4, 1);
        break;
    case CQ_HEAD_BEYOND:
        nvdrv_wr(&e->d, 0x1000 + 8 + 4, 4, 16);
        break;
    case CQ_HEAD_PAST_POSTED:
        nvdrv_wr(&e->d, 0x1000 + 8 + 4, 4, 3);      /* nothing posted */
        break;
    case CQ_DOORBELL_NO_QUEUE:
        nvdrv_wr(&e->d, 0x1000 + 8 * 200 + 4, 4, 0);
        break;
    case SQ_IN_NO_MEMORY:
    case CQ_IN_NO_MEMORY:
        /* Creation cannot know; the first use finds out. */
        nvdrv_sqe(sqe, 0x05, 0, b == CQ_IN_NO_MEMORY ? NO_MEMORY
                                                     : nvdrv_alloc(&e->d, 1),
                  0);
        sqe[10] = (15u << 16) | 2;
        sqe[11] = (2u << 16) | 3;
        CHECK_EQ(nvdrv_cmd(&e->d, 0, sqe, NULL), 0);
        nvdrv_sqe(sqe, 0x01, 0, b == SQ_IN_NO_MEMORY ? NO_MEMORY
                                                     : nvdrv_alloc(&e->d, 1),
                  0);
        sqe[10] = (15u << 16) | 2;
        sqe[11] = (2u << 16) | 1;
        CHECK_EQ(nvdrv_cmd(&e->d, 0, sqe, NULL), 0);
        e->d.q[2] = (struct nvdrv_q){ .size = 16, .phase = true };
        nvdrv_rw(sqe, false, 0, 1, nvdrv_alloc(&e->d, 1), 0);
        nvdrv_submit(&e->d, 2, sqe);
        break;
    default:
        break;
    }
}

static void test_broken_queues(void)
{
    struct env e;
    struct pvr_nvme_stats s;
    uint32_t sqe[16];
    uint64_t buf;
    unsigned int b;

    env_open(&e, 0, true);
    for ( b = 0; b < NR_BREAKAGES; b++ )
    {
        uint8_t cq_copy[256];

        REQUIRE(nvdrv_enable(&e.d, 8) == 0);
        REQUIRE(nvdrv_create_pair(&e.d, 1, 16) == 0);
        do_break(&e, b);
        CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 3);       /* RDY | CFS */
        /* Doorbells are ignored now: the CQ does not change. */
        memcpy(cq_copy, nvdrv_mem(&e.d, e.d.q[1].cq), sizeof(cq_copy));
        buf = nvdrv_alloc(&e.d, 1);
        nvdrv_rw(sqe, false, 0, 1, buf, 0);
        nvdrv_submit(&e.d, 1, sqe);
        CHECK(memcmp(cq_copy, nvdrv_mem(&e.d, e.d.q[1].cq),
                     sizeof(cq_copy)) == 0);
        /* A reset clears it, and the controller works again. */
        CHECK_EQ(nvdrv_disable(&e.d), 0);
        CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
        CHECK_EQ(nvdrv_enable(&e.d, 8), 0);
        CHECK_EQ(nvdrv_create_pair(&e.d, 1, 16), 0);
        nvdrv_rw(sqe, false, 0, 1, buf, 0);
        CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
        CHECK_EQ(nvdrv_disable(&e.d), 0);
    }
    pvr_nvme_stats(e.n, &s);
    CHECK_EQ(s.fatal, NR_BREAKAGES);
    env_close(&e);
}

/* Completions wait for CQ room, in order, and arrive when it frees. */
static void test_cq_full(void)
{
    struct env e;
    struct nvcqe c;
    uint32_t sqe[16];
    uint64_t buf;
    unsigned int i;

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 8) == 0);
    /* CQ of 4 entries (3 usable), SQ of 16. */
    {
        struct nvdrv_q *q = &e.d.q[1];
        uint32_t s[16];

        *q = (struct nvdrv_q){ .size = 4, .phase = true };
        q->cq = nvdrv_alloc(&e.d, 1);
        q->sq = nvdrv_alloc(&e.d, 1);
        nvdrv_sqe(s, 0x05, 0, q->cq, 0);
        s[10] = (3u << 16) | 1;
        s[11] = (1u << 16) | 3;
        REQUIRE(nvdrv_cmd(&e.d, 0, s, NULL) == 0);
        nvdrv_sqe(s, 0x01, 0, q->sq, 0);
        s[10] = (15u << 16) | 1;
        s[11] = (1u << 16) | 1;
        REQUIRE(nvdrv_cmd(&e.d, 0, s, NULL) == 0);
    }
    buf = nvdrv_alloc(&e.d, 1);
    /* Post 6 commands without reaping: the SQ's size is 4... of the CQ. */
    {
        struct nvdrv_q *q = &e.d.q[1];

        for ( i = 0; i < 6; i++ )
        {
            nvdrv_rw(sqe, false, i, 1, buf, 0);
            sqe[0] |= (uint32_t)(100 + i) << 16;
            memcpy(nvdrv_mem(&e.d, q->sq + 64 * i), sqe, 64);
        }
        q->sq_tail = 6;
        nvdrv_wr(&e.d, 0x1008, 4, 6);
    }
    /* Three posted, three waiting; reaping lets them through in order. */
    for ( i = 0; i < 6; i++ )
    {
        int rc = nvdrv_reap(&e.d, 1, &c);

        CHECK_EQ(rc, 0);
        if ( rc )
            break;
        CHECK_EQ(c.cid, 100 + i);
        CHECK_EQ(c.status, 0);
    }
    CHECK_EQ(nvdrv_reap(&e.d, 1, NULL), -EAGAIN);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 1);
    env_close(&e);
}

/* With a device that answers later: in flight, reset, delete, bounds. */
static void test_deferred(void)
{
    struct env e;
    struct pvr_nvme_stats s;
    uint32_t sqe[16];
    uint8_t cq_copy[4096];
    uint64_t buf;
    unsigned int i, queued;

    env_open(&e, PVR_BLK_MEM_DEFER, true);
    REQUIRE(nvdrv_enable(&e.d, 8) == 0);
    REQUIRE(nvdrv_create_pair(&e.d, 1, 256) == 0);
    REQUIRE(nvdrv_create_pair(&e.d, 2, 256) == 0);
    buf = nvdrv_alloc(&e.d, 32);

    /* 2 x 200 reads of 128 KiB: at most PVR_NVME_MAX_INFLIGHT taken. */
    for ( i = 0; i < 200; i++ )
    {
        struct nvdrv_q *q;
        unsigned int qid;

        for ( qid = 1; qid <= 2; qid++ )
        {
            q = &e.d.q[qid];
            nvdrv_rw(sqe, false, 0, 8, buf, 0);
            sqe[0] |= (uint32_t)i << 16;
            memcpy(nvdrv_mem(&e.d, q->sq + 64 * q->sq_tail), sqe, 64);
            q->sq_tail++;
        }
    }
    nvdrv_wr(&e.d, 0x1008, 4, 200);
    nvdrv_wr(&e.d, 0x1010, 4, 200);
    queued = pvr_blk_mem_queued(e.blk);
    CHECK_EQ(queued, PVR_NVME_MAX_INFLIGHT);
    /* Nothing completes before the device answers. */
    CHECK(nvdrv_reap(&e.d, 1, NULL) == -EAGAIN);
    /* Completing some lets more in; all 400 finish in the end. */
    for ( i = 0; i < 10 && pvr_blk_mem_queued(e.blk); i++ )
        pvr_blk_mem_complete(e.blk, 1000);
    pvr_nvme_stats(e.n, &s);
    CHECK_EQ(s.io_cmds, 400);
    CHECK_EQ(s.errors, 0);

    /* A reset with reads in flight: their data never reaches the guest. */
    {
        struct nvdrv_q *q = &e.d.q[1];
        uint8_t *g = nvdrv_mem(&e.d, buf);

        memset(pvr_blk_mem_data(e.blk), 0x11, 4096);
        memset(g, 0xee, 4096);
        nvdrv_rw(sqe, false, 0, 8, buf, 0);
        memcpy(nvdrv_mem(&e.d, q->sq + 64 * (q->sq_tail % 256)), sqe, 64);
        q->sq_tail = (q->sq_tail + 1) % 256;
        nvdrv_wr(&e.d, 0x1008, 4, q->sq_tail);
        CHECK_EQ(pvr_blk_mem_queued(e.blk), 1);
        memcpy(cq_copy, nvdrv_mem(&e.d, q->cq), sizeof(cq_copy));
        CHECK_EQ(nvdrv_disable(&e.d), 0);
        CHECK_EQ(pvr_blk_mem_complete(e.blk, 10), 1);
        CHECK_EQ(g[0], 0xee);
        CHECK(memcmp(cq_copy, nvdrv_mem(&e.d, q->cq), sizeof(cq_copy)) == 0);
        pvr_nvme_stats(e.n, &s);
        CHECK_EQ(s.orphans, 1);
    }

    /* Deleting an SQ with a command in flight: it finishes unseen. */
    REQUIRE(nvdrv_enable(&e.d, 8) == 0);
    REQUIRE(nvdrv_create_pair(&e.d, 1, 16) == 0);
    nvdrv_rw(sqe, false, 0, 8, buf, 0);
    nvdrv_submit(&e.d, 1, sqe);
    nvdrv_sqe(sqe, 0x00, 0, 0, 0);
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    memcpy(cq_copy, nvdrv_mem(&e.d, e.d.q[1].cq), 256);
    CHECK_EQ(pvr_blk_mem_complete(e.blk, 10), 1);
    CHECK(memcmp(cq_copy, nvdrv_mem(&e.d, e.d.q[1].cq), 256) == 0);
    nvdrv_sqe(sqe, 0x04, 0, 0, 0);
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);

    /* Teardown with a command in flight: cancelled, nothing leaks. */
    REQUIRE(nvdrv_create_pair(&e.d, 1, 16) == 0);
    nvdrv_rw(sqe, true, 0, 8, buf, 0);
    nvdrv_submit(&e.d, 1, sqe);
    CHECK_EQ(pvr_blk_mem_queued(e.blk), 1);
    env_close(&e);
}

/*
 * Fail the nth port call of a short life (BAR move, enable, queue pair,
 * write, read, flush) for every n until the life runs clean: no crash,
 * the guest sees errors or CFS rather than a hang, and once the fault
 * is gone a reset brings back a working controller.  The driver calls
 * the controller's ops directly, so that every call counted is the
 * controller's own (the IOREQ path has its own fault test).  A failed
 * unmap inside the port's guest copy leaves that one page mapped (the
 * port does not retry); nothing else may leak.
 */
static void test_faults(void)
{
    unsigned long nth, calls = 0, start;
    unsigned int hit = 0;

    env_leak_allowed = 1;
    for ( nth = 1; nth < 400; nth++ )
    {
        struct env e;
        uint32_t sqe[16];
        uint64_t buf;

        env_open(&e, 0, true);
        e.d.direct = e.n;
        start = pvr_port_calls(e.st.port);
        pvr_port_fail_nth(e.st.port, nth);
        nvdrv_cfg_write(&e.d, 0x10, 4, 0xd0000000);
        e.d.bar = 0xd0000000;
        if ( nvdrv_enable(&e.d, 8) == 0 && nvdrv_create_pair(&e.d, 1, 8) == 0 )
        {
            buf = nvdrv_alloc(&e.d, 2);
            nvdrv_rw(sqe, true, 0, 16, buf, buf + 4096);
            nvdrv_cmd(&e.d, 1, sqe, NULL);
            nvdrv_rw(sqe, false, 0, 16, buf, buf + 4096);
            nvdrv_cmd(&e.d, 1, sqe, NULL);
            nvdrv_sqe(sqe, 0x00, 1, 0, 0);
            nvdrv_cmd(&e.d, 1, sqe, NULL);
        }
        calls = pvr_port_calls(e.st.port) - start;
        pvr_port_fail_nth(e.st.port, 0);
        hit += calls >= nth;
        /* Recovery: BAR placed again, reset, a read that succeeds. */
        nvdrv_cfg_write(&e.d, 0x04, 2, 0);
        nvdrv_cfg_write(&e.d, 0x10, 4, (uint32_t)NVDRV_BAR);
        nvdrv_cfg_write(&e.d, 0x04, 2, 0x6);
        e.d.bar = NVDRV_BAR;
        e.d.next_gfn = 0x10;
        CHECK_EQ(pvr_nvme_bar0(e.n), NVDRV_BAR);
        nvdrv_disable(&e.d);
        CHECK_EQ(nvdrv_enable(&e.d, 8), 0);
        CHECK_EQ(nvdrv_create_pair(&e.d, 1, 8), 0);
        buf = nvdrv_alloc(&e.d, 2);
        nvdrv_rw(sqe, false, 0, 16, buf, buf + 4096);
        CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
        env_close(&e);
        if ( calls < nth )
            break;          /* this life never reached the nth call */
    }
    env_leak_allowed = 0;
    printf("test_nvme_errors: faults: %u lives hit, %lu port calls in a "
           "clean one\n", hit, calls);
    CHECK(hit > 10);
    CHECK(nth < 400);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR, 2);
    test_table();
    test_broken_queues();
    test_cq_full();
    test_deferred();
    test_faults();
    return check_result("test_nvme_errors");
}
