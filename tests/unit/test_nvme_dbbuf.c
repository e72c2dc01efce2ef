/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shadow doorbells (Doorbell Buffer Config, drivers/nvme/dbbuf.c) over
 * the sim, driven by test_nvme_drv.c in its shadow mode, which follows
 * Linux's algorithm: shadow value, full barrier, MMIO only when the
 * EventIdx says so.
 *
 * Proves: OACS bit 8 and opcode 7Ch follow the configuration switch;
 * unaligned and unmapped pages are refused with Invalid Field and
 * change nothing; the command works before any I/O queue and after
 * them (Linux's order); data is right at depth 1 and 32 with fewer MMIO
 * doorbells per command than without, none at all while the SQ has
 * commands at the device (while another SQ, idle, still rings); the controller's EventIdx write then re-read
 * catches a tail the guest moved in between (a wakeup that would be
 * lost); a CQ full of completions asks for the next head update; a
 * shadow tail or head beyond the queue sets CSTS.CFS and a reset clears
 * it and turns shadow doorbells off; pages that cannot be mapped are
 * reached through the port; pages Xen gives new frames (INVALIDATE) are
 * mapped again.
 * Cannot prove: real concurrency between a vCPU and pvdomaind (the race
 * is staged at the one point where it matters), that Linux agrees
 * (tests/host).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"
#include "tests/unit/test_nvme_env.h"

#define DNR         0x4000
#define BAD_FIELD   (DNR | 0x002)
#define NO_MEMORY   0x40000000ULL       /* beyond the sim's 4 MiB */
#define SQ_DB(q)    (2 * (q))
#define CQ_DB(q)    (2 * (q) + 1)

static unsigned long mapped_pages(struct env *e)
{
    struct pvr_sim_counts sc;

    pvr_sim_counts(e->st.sim, &sc);
    return sc.fmem_mapped_pages;
}

static struct pvr_nvme_stats stats(struct env *e)
{
    struct pvr_nvme_stats s;

    pvr_nvme_stats(e->n, &s);
    return s;
}

static uint16_t oacs(struct env *e)
{
    uint64_t buf = nvdrv_alloc(&e->d, 1);
    const uint8_t *p = nvdrv_mem(&e->d, buf);
    uint32_t sqe[16];

    nvdrv_sqe(sqe, 0x06, 0, buf, 0);
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e->d, 0, sqe, NULL), 0);
    return p[256] | p[257] << 8;
}

/* A write of a pattern to lba and a read back through qid, checked. */
static void round_trip(struct env *e, uint16_t qid, uint64_t lba,
                       uint64_t page, uint8_t seed)
{
    uint8_t *mem = nvdrv_mem(&e->d, page);
    uint32_t sqe[16];
    unsigned int i;

    for ( i = 0; i < 4096; i++ )
        mem[i] = (uint8_t)(seed + i * 7);
    nvdrv_rw(sqe, true, lba, 8, page, 0);
    CHECK_EQ(nvdrv_cmd(&e->d, qid, sqe, NULL), 0);
    memset(mem, 0, 4096);
    nvdrv_rw(sqe, false, lba, 8, page, 0);
    CHECK_EQ(nvdrv_cmd(&e->d, qid, sqe, NULL), 0);
    for ( i = 0; i < 4096 && mem[i] == (uint8_t)(seed + i * 7); i++ )
        continue;
    CHECK_EQ(i, 4096);
}

/* Queue pair 1 of qsize entries, then shadow doorbells (Linux's order). */
static void open_shadow(struct env *e, unsigned int blk_flags,
                        uint16_t qsize)
{
    env_open(e, blk_flags, true);
    REQUIRE(nvdrv_enable(&e->d, 16) == 0);
    REQUIRE(nvdrv_create_pair(&e->d, 1, qsize) == 0);
    CHECK_EQ(nvdrv_dbbuf(&e->d, 0, 0), 0);
}

static void test_config(void)
{
    struct env e;
    uint64_t pg, pg2;
    uint32_t sqe[16];

    /* Switched off: neither advertised nor accepted. */
    env_no_shadow = true;
    env_open(&e, 0, true);
    env_no_shadow = false;
    REQUIRE(nvdrv_enable(&e.d, 16) == 0);
    CHECK_EQ(oacs(&e) & 0x100, 0);
    CHECK_EQ(nvdrv_dbbuf(&e.d, 0, 0), DNR | 0x001);
    env_close(&e);

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 16) == 0);
    CHECK_EQ(oacs(&e) & 0x100, 0x100);
    pg = nvdrv_alloc(&e.d, 1);
    pg2 = nvdrv_alloc(&e.d, 1);
    CHECK_EQ(nvdrv_dbbuf(&e.d, pg + 0x100, pg2), BAD_FIELD);
    CHECK_EQ(nvdrv_dbbuf(&e.d, pg, pg2 + 8), BAD_FIELD);
    CHECK_EQ(nvdrv_dbbuf(&e.d, NO_MEMORY, pg2), BAD_FIELD);
    CHECK_EQ(nvdrv_dbbuf(&e.d, pg, NO_MEMORY), BAD_FIELD);
    /* Nothing changed: no pages kept, queues made now use MMIO. */
    CHECK_EQ(stats(&e).dbbuf_configs, 0);
    CHECK_EQ(mapped_pages(&e), 2);
    CHECK_EQ(nvdrv_create_pair(&e.d, 1, 16), 0);
    CHECK(!e.n->sq[1].shadow && !e.n->cq[1].shadow);
    nvdrv_sqe(sqe, 0x00, 0, 0, 0);              /* delete SQ 1 */
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    nvdrv_sqe(sqe, 0x04, 0, 0, 0);              /* and CQ 1 */
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);

    /* Before any I/O queue: accepted, and queues made later use it. */
    CHECK_EQ(nvdrv_dbbuf(&e.d, pg, pg2), 0);
    CHECK_EQ(mapped_pages(&e), 4);
    CHECK_EQ(nvdrv_create_pair(&e.d, 1, 16), 0);
    CHECK(e.n->sq[1].shadow && e.n->cq[1].shadow);
    round_trip(&e, 1, 64, nvdrv_alloc(&e.d, 1), 3);
    CHECK_EQ(*nvdrv_shadow(&e.d, SQ_DB(1)), 2);
    CHECK_EQ(*nvdrv_eventidx(&e.d, SQ_DB(1)), 2);  /* idle: "ring me" */
    CHECK_EQ(*nvdrv_eventidx(&e.d, CQ_DB(1)), 15); /* only the wrap */
    /* The admin queue keeps its MMIO doorbells. */
    CHECK_EQ(*nvdrv_shadow(&e.d, SQ_DB(0)), 0);
    CHECK_EQ(stats(&e).dbbuf_configs, 1);
    env_close(&e);
}

/*
 * depth commands per batch on queue 1, writes then reads of distinct
 * patterns, one SQ doorbell and one CQ head update per batch, as Linux
 * does under load; checked against the disk.  MMIO doorbells written.
 */
static unsigned long batches(struct env *e, unsigned int depth,
                             unsigned int nbatch, bool shadow)
{
    uint64_t page = nvdrv_alloc(&e->d, depth);
    uint8_t *mem = nvdrv_mem(&e->d, page), *disk = pvr_blk_mem_data(e->blk);
    unsigned long before;
    unsigned int b, i, got;
    uint32_t sqe[16];
    struct nvcqe c;

    REQUIRE(page);
    if ( shadow )
        CHECK_EQ(nvdrv_dbbuf(&e->d, 0, 0), 0);
    before = e->d.mmio_doorbells;
    for ( b = 0; b < 2 * nbatch; b++ )
    {
        bool write = b % 2 == 0;

        if ( write )
            for ( i = 0; i < depth * 4096; i++ )
                mem[i] = (uint8_t)(b * 31 + i * 13);
        else
            memset(mem, 0, (size_t)depth * 4096);
        for ( i = 0; i < depth; i++ )
        {
            nvdrv_rw(sqe, write, (uint64_t)((b / 2) * depth + i) * 8, 8,
                     page + 4096 * i, 0);
            nvdrv_put(&e->d, 1, sqe);
        }
        nvdrv_ring(&e->d, SQ_DB(1), e->d.q[1].sq_tail);
        for ( got = 0; got < depth && nvdrv_take(&e->d, 1, &c) == 0; got++ )
            CHECK_EQ(c.status, 0);
        CHECK_EQ(got, depth);
        nvdrv_ring(&e->d, CQ_DB(1), e->d.q[1].cq_head);
        CHECK(memcmp(disk + (size_t)(b / 2) * depth * 4096, mem,
                     (size_t)depth * 4096) == 0);
    }
    return e->d.mmio_doorbells - before;
}

static void test_depths(void)
{
    static const unsigned int depth[] = { 1, 32 };
    unsigned int i, nbatch = 20;

    for ( i = 0; i < ARRAY_SIZE(depth); i++ )
    {
        unsigned long plain, shadow;
        struct env e;

        env_open(&e, 0, true);
        REQUIRE(nvdrv_enable(&e.d, 16) == 0);
        REQUIRE(nvdrv_create_pair(&e.d, 1, 64) == 0);
        plain = batches(&e, depth[i], nbatch, false);
        env_close(&e);
        env_open(&e, 0, true);
        REQUIRE(nvdrv_enable(&e.d, 16) == 0);
        REQUIRE(nvdrv_create_pair(&e.d, 1, 64) == 0);
        shadow = batches(&e, depth[i], nbatch, true);
        /* The controller saw exactly the MMIO doorbells the driver rang. */
        CHECK_EQ(stats(&e).doorbells, e.d.mmio_doorbells);
        CHECK_EQ(stats(&e).fatal, 0);
        env_close(&e);
        printf("test_nvme_dbbuf: depth %u: %.3f MMIO doorbells per "
               "command without shadow, %.3f with\n", depth[i],
               plain / (2.0 * nbatch * depth[i]),
               shadow / (2.0 * nbatch * depth[i]));
        /* Without: one SQ and one CQ doorbell per batch. */
        CHECK_EQ(plain, 4 * nbatch);
        /* With: the SQ rings (the controller went idle), the CQ only
         * when its head wraps. */
        CHECK(shadow >= 2 * nbatch);
        CHECK(shadow < plain);
    }
}

/*
 * While the SQ has a command at the device, the guest's submissions
 * and head updates need no MMIO at all: the completions run the
 * controller, which reads the shadow.
 */
static void test_no_mmio(void)
{
    struct env e;
    uint64_t page;
    unsigned long before;
    unsigned int i, got = 0, rounds;
    uint32_t sqe[16];
    struct nvcqe c;
    bool seen[8] = { false };

    open_shadow(&e, PVR_BLK_MEM_DEFER, 64);
    REQUIRE(nvdrv_create_pair(&e.d, 2, 64) == 0);   /* after: shadow too */
    page = nvdrv_alloc(&e.d, 8);
    nvdrv_rw(sqe, false, 0, 8, page, 0);
    before = e.d.mmio_doorbells;
    nvdrv_submit(&e.d, 1, sqe);                 /* idle: this one rings */
    CHECK_EQ(e.d.mmio_doorbells, before + 1);
    CHECK_EQ(pvr_blk_mem_queued(e.blk), 1);
    before = e.d.mmio_doorbells;
    for ( i = 1; i < 8; i++ )
    {
        nvdrv_rw(sqe, false, 8 * i, 8, page + 4096 * i, 0);
        nvdrv_submit(&e.d, 1, sqe);
    }
    CHECK_EQ(e.d.mmio_doorbells, before);
    CHECK_EQ(pvr_blk_mem_queued(e.blk), 1);     /* not fetched yet */
    /*
     * Another SQ, with nothing in the pool, still asks for its ring;
     * processing then reads every shadow tail, queue 1's seven too.
     */
    nvdrv_rw(sqe, false, 64, 8, page, 0);
    nvdrv_submit(&e.d, 2, sqe);
    CHECK_EQ(e.d.mmio_doorbells, before + 1);
    CHECK_EQ(pvr_blk_mem_queued(e.blk), 9);
    before++;
    for ( rounds = 0; rounds < 64 && got < 8; rounds++ )
    {
        pvr_blk_mem_complete(e.blk, ~0u);
        while ( nvdrv_reap(&e.d, 1, &c) == 0 )
        {
            CHECK_EQ(c.status, 0);
            if ( c.cid < 8 )
                seen[c.cid] = true;
            got++;
        }
    }
    CHECK_EQ(got, 8);
    for ( i = 0; i < 8; i++ )
        CHECK(seen[i]);
    CHECK_EQ(nvdrv_reap(&e.d, 2, &c), 0);
    CHECK_EQ(c.status, 0);
    CHECK_EQ(e.d.mmio_doorbells, before);
    CHECK_EQ(stats(&e).doorbells, e.d.mmio_doorbells);
    /* Idle again: the SQ's EventIdx says where the next ring is due. */
    CHECK_EQ(*nvdrv_eventidx(&e.d, SQ_DB(1)), 8);
    env_close(&e);
}

struct race {
    struct env *e;
    uint64_t page;
    unsigned int calls, limit;          /* limit: entries the hook adds */
    bool would_ring;
};

/*
 * The guest on another vCPU: it wrote its entry and shadow tail after
 * the controller read the tail and saw the EventIdx from before the
 * controller's write, so it did not ring.
 */
static void race_hook(void *opaque, uint16_t qid)
{
    struct race *r = opaque;
    struct nvdrv *d = &r->e->d;
    uint16_t old = d->q[qid].sq_tail;
    uint32_t sqe[16];

    if ( r->calls++ >= r->limit )
        return;
    nvdrv_rw(sqe, false, 0, 8, r->page, 0);
    nvdrv_put(d, qid, sqe);
    /* Linux's need_event with the EventIdx the guest read (old one). */
    r->would_ring = (uint16_t)(d->q[qid].sq_tail - 0 - 1) <
                    (uint16_t)(d->q[qid].sq_tail - old);
    __atomic_store_n(nvdrv_shadow(d, SQ_DB(qid)), d->q[qid].sq_tail,
                     __ATOMIC_RELEASE);
}

static void race_arm(struct env *e, struct race *r)
{
    r->page = nvdrv_alloc(&e->d, 1);
    e->n->dbbuf.race_hook = race_hook;
    e->n->dbbuf.race_opaque = r;
}

static void test_lost_wakeup(void)
{
    struct env e;
    struct race r = { .e = &e, .limit = 1 };
    uint32_t sqe[16];
    struct nvcqe c;
    unsigned int got = 0;
    unsigned long rings;

    open_shadow(&e, 0, 16);
    race_arm(&e, &r);
    rings = e.d.mmio_doorbells;
    /* EventIdx 0 (a new queue): 0 -> 1 rings; the hook adds 1 -> 2. */
    nvdrv_rw(sqe, false, 8, 8, r.page, 0);
    nvdrv_submit(&e.d, 1, sqe);
    CHECK_EQ(r.calls, 2);           /* EventIdx 1, then 2 after re-read */
    CHECK(!r.would_ring);
    CHECK_EQ(e.d.mmio_doorbells, rings + 1);
    while ( nvdrv_take(&e.d, 1, &c) == 0 )
    {
        CHECK_EQ(c.status, 0);
        got++;
    }
    CHECK_EQ(got, 2);               /* both served, one doorbell */
    CHECK_EQ(*nvdrv_eventidx(&e.d, SQ_DB(1)), 2);
    e.n->dbbuf.race_hook = NULL;
    env_close(&e);
}

/*
 * A guest whose shadow tail moves every time the controller looks (the
 * hook again, each time) has a bounded number of rounds per call; what
 * is left is served at its next doorbell.
 */
static void test_bounded(void)
{
    struct env e;
    struct race r = { .e = &e, .limit = 1000 };
    uint32_t sqe[16];
    struct nvcqe c;
    unsigned int got = 0, added;

    open_shadow(&e, 0, 64);
    race_arm(&e, &r);
    nvdrv_rw(sqe, false, 8, 8, r.page, 0);
    nvdrv_submit(&e.d, 1, sqe);
    e.n->dbbuf.race_hook = NULL;
    added = r.calls;
    /* Two rounds per entry (fetch, then EventIdx and re-read). */
    CHECK(added >= NVME_DBBUF_ROUNDS / 2 - 1);
    CHECK(added <= NVME_DBBUF_ROUNDS / 2 + 1);
    CHECK_EQ(stats(&e).fatal, 0);
    while ( got < 64 && nvdrv_reap(&e.d, 1, &c) == 0 )
        got++;
    CHECK(got < added + 1);                     /* some were left */
    /* The next doorbell (any) serves the rest. */
    nvdrv_wr(&e.d, 0x1000 + 4 * SQ_DB(1), 4, e.d.q[1].sq_tail);
    while ( got < 64 && nvdrv_reap(&e.d, 1, &c) == 0 )
        got++;
    CHECK_EQ(got, added + 1);
    env_close(&e);
}

/* Completions waiting for CQ room ask for every head update. */
static void test_cq_full(void)
{
    struct env e;
    uint64_t page;
    uint32_t sqe[16];
    struct nvcqe c;
    unsigned int i, got = 0;
    unsigned long rings;

    open_shadow(&e, 0, 4);
    page = nvdrv_alloc(&e.d, 1);
    for ( i = 0; i < 6; i++ )
    {
        nvdrv_rw(sqe, false, 0, 1, page, 0);
        nvdrv_put(&e.d, 1, sqe);
        if ( i % 3 == 2 )
            nvdrv_ring(&e.d, SQ_DB(1), e.d.q[1].sq_tail);
    }
    /* Three posted (a CQ of 4 is full), three waiting. */
    CHECK_EQ(stats(&e).held, 3);
    CHECK_EQ(*nvdrv_eventidx(&e.d, CQ_DB(1)), 0);
    rings = e.d.mmio_doorbells;
    while ( got < 6 && nvdrv_reap(&e.d, 1, &c) == 0 )
    {
        CHECK_EQ(c.status, 0);
        got++;
    }
    CHECK_EQ(got, 6);
    /*
     * The three head updates made while completions waited rang, and
     * the one that wrapped (Linux's u16 arithmetic), no other.
     */
    CHECK_EQ(e.d.mmio_doorbells - rings, 4);
    CHECK_EQ(stats(&e).held, 0);
    CHECK_EQ(*nvdrv_eventidx(&e.d, CQ_DB(1)), 3);
    env_close(&e);
}

static void test_hostile(void)
{
    struct env e;
    uint64_t page;
    uint32_t sqe[16];

    open_shadow(&e, 0, 16);
    page = nvdrv_alloc(&e.d, 1);
    round_trip(&e, 1, 0, page, 1);
    /* A shadow tail beyond the queue, seen at the next processing. */
    *nvdrv_shadow(&e.d, SQ_DB(1)) = 16;
    nvdrv_wr(&e.d, 0x1000 + 4 * SQ_DB(1), 4, 2);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4) & 2, 2);
    CHECK_EQ(stats(&e).fatal, 1);
    /* A reset clears CFS, drops the pages and the shadow. */
    CHECK_EQ(nvdrv_disable(&e.d), 0);
    CHECK_EQ(mapped_pages(&e), 0);
    REQUIRE(nvdrv_enable(&e.d, 16) == 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 1);
    REQUIRE(nvdrv_create_pair(&e.d, 1, 16) == 0);
    CHECK(!e.n->sq[1].shadow);
    round_trip(&e, 1, 0, page, 2);      /* MMIO: the 16 is not read */
    CHECK_EQ(stats(&e).fatal, 1);

    /* A shadow CQ head beyond what was posted. */
    CHECK_EQ(nvdrv_dbbuf(&e.d, 0, 0), 0);
    round_trip(&e, 1, 0, page, 3);
    *nvdrv_shadow(&e.d, CQ_DB(1)) = 9;
    nvdrv_sqe(sqe, 0x0a, 0, 0, 0);      /* any doorbell processes */
    sqe[10] = 0x07;
    nvdrv_submit(&e.d, 0, sqe);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4) & 2, 2);
    CHECK_EQ(stats(&e).fatal, 2);
    CHECK_EQ(nvdrv_disable(&e.d), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
    env_close(&e);
}

/*
 * Each of the controller's port calls for the command fails in turn: a
 * failed probe is Invalid Field, a failed mapping leaves that page to
 * port copies, a failed MSI only loses the interrupt, and I/O is right
 * in every case.
 */
static void test_unmappable(void)
{
    unsigned int nth, copied = 0;

    /* A failed unmap inside a port copy leaves its page (port.c). */
    env_leak_allowed = 1;
    for ( nth = 1; nth <= 12; nth++ )
    {
        struct env e;
        int st;

        env_open(&e, 0, true);
        REQUIRE(nvdrv_enable(&e.d, 16) == 0);
        REQUIRE(nvdrv_create_pair(&e.d, 1, 16) == 0);
        /* The controller's own port calls only, not the IOREQ path's. */
        e.d.direct = e.n;
        pvr_port_fail_nth(e.st.port, nth);
        st = nvdrv_dbbuf(&e.d, 0, 0);
        pvr_port_fail_nth(e.st.port, 0);
        if ( st )
        {
            CHECK_EQ(st, BAD_FIELD);
            CHECK_EQ(nvdrv_dbbuf(&e.d, 0, 0), 0);
        }
        copied += !e.n->dbbuf.dbs_map || !e.n->dbbuf.eis_map;
        round_trip(&e, 1, 8 * nth, nvdrv_alloc(&e.d, 1), nth);
        CHECK_EQ(stats(&e).fatal, 0);
        env_close(&e);
    }
    env_leak_allowed = 0;
    printf("test_nvme_dbbuf: %u of 12 lives reached a page by copies\n",
           copied);
    CHECK(copied >= 2);
}

/*
 * Xen gives the admin and I/O queues' pages and both shadow doorbell
 * pages new frames and says so with IOREQ_TYPE_INVALIDATE: the
 * controller maps them again (no mapping leaked), and admin and I/O
 * commands through the moved pages are right.  Without the remap it
 * would fetch the old frames, now SIM_STALE_BYTE: every SQE opcode
 * 0xdb, an Invalid Opcode completion at best.
 */
static void test_invalidate(void)
{
    struct env e;
    pvr_ioreq_slot inv = { .type = PVR_IOREQ_TYPE_INVALIDATE,
                           .count = 1, .size = 4 };
    uint64_t moved[6];
    unsigned long before;
    unsigned int i;

    open_shadow(&e, 0, 16);
    round_trip(&e, 1, 0, nvdrv_alloc(&e.d, 1), 1);
    moved[0] = e.d.q[0].sq;
    moved[1] = e.d.q[0].cq;
    moved[2] = e.d.q[1].sq;
    moved[3] = e.d.q[1].cq;
    moved[4] = e.d.dbs;
    moved[5] = e.d.eis;
    for ( i = 0; i < 6; i++ )
        REQUIRE(pvr_sim_p2m_move(e.st.sim, moved[i] >> 12) == 0);
    before = mapped_pages(&e);
    CHECK_EQ(pvr_sim_io_raw(e.st.sim, pvr_ioreq_server_id(e.st.srv), 0,
                            &inv), 0);
    CHECK_EQ(stats(&e).remaps, 1);
    CHECK_EQ(mapped_pages(&e), before);
    round_trip(&e, 1, 8, nvdrv_alloc(&e.d, 1), 2);
    CHECK_EQ(oacs(&e) & 0x100, 0x100);
    round_trip(&e, 1, 16, nvdrv_alloc(&e.d, 1), 3);
    CHECK_EQ(stats(&e).fatal, 0);
    CHECK_EQ(stats(&e).errors, 0);
    env_close(&e);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR, 2);
    test_config();
    test_depths();
    test_no_mmio();
    test_lost_wakeup();
    test_bounded();
    test_cq_full();
    test_hostile();
    test_unmappable();
    test_invalidate();
    return check_result("test_nvme_dbbuf");
}
