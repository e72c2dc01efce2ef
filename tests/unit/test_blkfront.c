/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drivers/blkfront against simblkback on the sim: the handshake with
 * each feature offered or withheld, data integrity for every segment
 * shape (direct and indirect, pool and per-request grants), queueing
 * beyond the ring, every misbehaviour simblkback has, disconnects with
 * replay and with the deadline, and teardown leaving no grant, channel
 * or watch behind.
 *
 * What it cannot prove: that dom0's real blkback agrees with
 * simblkback's reading of the protocol (the real-Xen jobs do that), or
 * anything about timing between two domains (all here is one thread).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "tests/common/check.h"
#include "tests/common/simblkback.h"

#define SECTORS 4096
#define NPAGES  (2 * PVR_BLK_MAX_SEGS)
#define ROUNDS  64

struct treq {
    pvr_blk_req r;
    int status;
    unsigned int calls;
    bool done;
};

static uint8_t *pages;          /* NPAGES 4 KiB pages */
static uint32_t rnd = 12345;

static uint32_t next_rnd(void)
{
    rnd = rnd * 1103515245u + 12345u;
    return rnd >> 8;
}

static void tdone(pvr_blk_req *r, int status)
{
    struct treq *t = r->opaque;

    t->status = status;
    t->calls++;
    t->done = true;
}

static void treq_init(struct treq *t, enum pvr_blk_op op, uint64_t sector)
{
    memset(t, 0, sizeof(*t));
    t->r.op = op;
    t->r.sector = sector;
    t->r.done = tdone;
    t->r.opaque = t;
}

/* n segments on pages [base, base + n), random runs; total sectors. */
static unsigned int shape(struct treq *t, unsigned int n, unsigned int base)
{
    unsigned int i, total = 0;

    t->r.nr_segs = n;
    for ( i = 0; i < n; i++ )
    {
        uint8_t first = (uint8_t)(next_rnd() % 8);
        uint8_t last = (uint8_t)(first + next_rnd() % (8 - first));

        t->r.seg[i] = (struct pvr_blk_seg){
            .page = pages + (size_t)(base + i) * PVR_BLK_PAGE_SIZE,
            .first_sect = first, .last_sect = last,
        };
        total += last - first + 1u;
    }
    return total;
}

static int run(struct sbenv *e, struct treq *t)
{
    CHECK_EQ(e->dev->ops->submit(e->dev->be, &t->r), 0);
    CHECK(sbenv_pump_until(e, &t->done, ROUNDS));
    CHECK_EQ(t->calls, 1);
    return t->status;
}

static const struct simblkback_features plain = { .sectors = SECTORS };
static const struct simblkback_features full = {
    .sectors = SECTORS, .max_ring_order = 3, .max_indirect = 256,
    .persistent = true, .flush = true, .discard = true,
};

static void open_env(struct sbenv *e, const struct simblkback_features *f,
                     const struct pvr_blkfront_config *cfg)
{
    static const struct pvr_blkfront_config dflt = { .max_ring_order = 2 };

    REQUIRE(sbenv_open(e, 0, f, cfg ? cfg : &dflt) == 0);
}

static char *fe_node(struct sbenv *e, const char *node)
{
    char path[256], *val = NULL;

    snprintf(path, sizeof(path), "%s/%s", SBENV_FE, node);
    if ( pvr_port_xs_read(e->st.port, path, &val, NULL) )
        return NULL;
    return val;
}

static void close_env(struct sbenv *e)
{
    pvr_sim *sim = e->st.sim;
    struct pvr_sim_counts c;

    pvr_blkfront_close(e->bf);
    e->bf = NULL;
    /* Nothing the frontend shared or bound outlives it. */
    CHECK_EQ(pvr_sim_gnttab_shared(sim), 0);
    CHECK_EQ(pvr_sim_evtchn_bound(sim), 0);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.xs_watches, 0);
    sbenv_close(e);
}

static void test_handshake(void)
{
    struct sbenv e;
    struct pvr_blkfront_stats s;
    struct pvr_blk_info info;
    char *v;

    /* Nothing offered: one page, 11 segments, no flush or discard. */
    open_env(&e, &plain, NULL);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.ring_pages, 1);
    CHECK_EQ(s.ring_size, 32);
    CHECK_EQ(s.max_segs, 11);
    CHECK(!s.indirect && !s.persistent && !s.flush && !s.discard);
    CHECK((v = fe_node(&e, "ring-ref")) != NULL);
    free(v);
    CHECK((v = fe_node(&e, "ring-page-order")) == NULL);
    CHECK((v = fe_node(&e, "protocol")) && !strcmp(v, "x86_64-abi"));
    free(v);
    CHECK((v = fe_node(&e, "state")) && !strcmp(v, "4"));
    free(v);
    CHECK(!strcmp(e.sb.protocol, "x86_64-abi"));
    CHECK(e.sb.fe_persistent);      /* pool mode: it may keep them */
    e.dev->ops->info(e.dev->be, &info);
    CHECK_EQ(info.sectors, SECTORS);
    CHECK_EQ(info.max_segs, 11);
    CHECK(!info.flush && !info.discard && !info.readonly);
    close_env(&e);

    /* Everything offered; our order limit (2) below the backend's (3). */
    open_env(&e, &full, NULL);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.ring_pages, 4);
    CHECK_EQ(s.ring_size, 128);
    CHECK_EQ(s.max_segs, PVR_BLK_MAX_SEGS);
    CHECK(s.indirect && s.persistent && s.flush && s.discard);
    CHECK_EQ(s.discard_granularity, 4096);
    CHECK_EQ(s.discard_alignment, 0);
    CHECK((v = fe_node(&e, "ring-page-order")) && !strcmp(v, "2"));
    free(v);
    CHECK((v = fe_node(&e, "ring-ref3")) != NULL);
    free(v);
    e.dev->ops->info(e.dev->be, &info);
    CHECK_EQ(info.max_segs, PVR_BLK_MAX_SEGS);
    CHECK(info.flush && info.discard);
    close_env(&e);

    /* Barrier only, few indirect segments, read-only, per-request. */
    {
        struct simblkback_features f = {
            .sectors = SECTORS, .max_ring_order = 1, .max_indirect = 20,
            .barrier = true, .readonly = true, .persistent = true,
        };
        struct pvr_blkfront_config cfg = {
            .max_ring_order = 4, .grants = PVR_BLKFRONT_PER_REQUEST,
        };

        open_env(&e, &f, &cfg);
        pvr_blkfront_stats(e.bf, &s);
        CHECK_EQ(s.ring_pages, 2);
        CHECK_EQ(s.max_segs, 20);
        CHECK(s.barrier && !s.flush && !s.persistent);
        CHECK(!e.sb.fe_persistent);
        e.dev->ops->info(e.dev->be, &info);
        CHECK(info.readonly && info.flush);
        {
            struct treq t;

            /* A read-only disk: a write fails here, never sent. */
            treq_init(&t, PVR_BLK_WRITE, 0);
            shape(&t, 2, 0);
            CHECK_EQ(run(&e, &t), -EROFS);
            CHECK_EQ(e.sb.st.writes, 0);
        }
        close_env(&e);
    }
}

/* Writes then reads of every segment count, checked against the image. */
static void integrity(const struct simblkback_features *f,
                      enum pvr_blkfront_grants mode)
{
    struct pvr_blkfront_config cfg = { .max_ring_order = 2, .grants = mode };
    struct pvr_blk_info info;
    struct sbenv e;
    unsigned int n, i;

    open_env(&e, f, &cfg);
    e.dev->ops->info(e.dev->be, &info);
    for ( n = 1; n <= info.max_segs; n++ )
    {
        struct treq w, r;
        uint64_t sector = next_rnd() % (SECTORS - 8 * n);
        unsigned int total, at = 0;

        treq_init(&w, PVR_BLK_WRITE, sector);
        total = shape(&w, n, 0);
        for ( i = 0; i < NPAGES * PVR_BLK_PAGE_SIZE; i++ )
            pages[i] = (uint8_t)next_rnd();
        CHECK_EQ(run(&e, &w), 0);
        /* The image holds each segment's run, one after the other. */
        for ( i = 0; i < n; i++ )
        {
            size_t len = (w.r.seg[i].last_sect - w.r.seg[i].first_sect + 1u)
                         * 512u;

            CHECK(!memcmp(e.sb.image + (sector + at) * 512,
                          (uint8_t *)w.r.seg[i].page +
                          w.r.seg[i].first_sect * 512u, len));
            at += (unsigned int)(len / 512);
        }
        CHECK_EQ(at, total);
        /* Read the same runs back into the other pages, same shape. */
        treq_init(&r, PVR_BLK_READ, sector);
        r.r.nr_segs = n;
        for ( i = 0; i < n; i++ )
        {
            r.r.seg[i] = w.r.seg[i];
            r.r.seg[i].page = pages + (size_t)(PVR_BLK_MAX_SEGS + i) *
                                      PVR_BLK_PAGE_SIZE;
            memset(r.r.seg[i].page, 0, PVR_BLK_PAGE_SIZE);
        }
        CHECK_EQ(run(&e, &r), 0);
        for ( i = 0; i < n; i++ )
        {
            unsigned int o = r.r.seg[i].first_sect * 512u;

            CHECK(!memcmp((uint8_t *)r.r.seg[i].page + o,
                          (uint8_t *)w.r.seg[i].page + o,
                          (r.r.seg[i].last_sect + 1u) * 512u - o));
        }
    }
    CHECK_EQ(e.sb.st.max_segs_seen, info.max_segs);
    CHECK(info.max_segs <= 11 || e.sb.st.indirects > 0);
    if ( mode == PVR_BLKFRONT_PER_REQUEST )
    {
        /* Only the ring stays shared between requests. */
        struct pvr_blkfront_stats s;

        pvr_blkfront_stats(e.bf, &s);
        CHECK_EQ(pvr_sim_gnttab_shared(e.st.sim), s.ring_pages);
    }
    close_env(&e);
}

static void test_integrity(void)
{
    integrity(&plain, PVR_BLKFRONT_POOL);
    integrity(&plain, PVR_BLKFRONT_PER_REQUEST);
    integrity(&full, PVR_BLKFRONT_POOL);
    integrity(&full, PVR_BLKFRONT_PER_REQUEST);
}

static void test_flush_discard(void)
{
    struct simblkback_features bar = { .sectors = SECTORS, .barrier = true };
    struct sbenv e;
    struct treq t;

    open_env(&e, &full, NULL);
    treq_init(&t, PVR_BLK_FLUSH, 0);
    CHECK_EQ(run(&e, &t), 0);
    CHECK_EQ(e.sb.st.flushes, 1);
    memset(e.sb.image + 100 * 512, 0xaa, 16 * 512);
    treq_init(&t, PVR_BLK_DISCARD, 100);
    t.r.nr_sectors = 8;
    CHECK_EQ(run(&e, &t), 0);
    CHECK_EQ(e.sb.image[107 * 512 + 511], 0);
    CHECK_EQ(e.sb.image[108 * 512], 0xaa);
    close_env(&e);

    /* Without the features: refused here, nothing reaches the ring. */
    open_env(&e, &plain, NULL);
    treq_init(&t, PVR_BLK_FLUSH, 0);
    CHECK_EQ(run(&e, &t), -EOPNOTSUPP);
    treq_init(&t, PVR_BLK_DISCARD, 0);
    t.r.nr_sectors = 8;
    CHECK_EQ(run(&e, &t), -EOPNOTSUPP);
    CHECK_EQ(e.sb.st.flushes + e.sb.st.discards, 0);
    close_env(&e);

    /* A barrier-only backend gets WRITE_BARRIER for a flush. */
    open_env(&e, &bar, NULL);
    treq_init(&t, PVR_BLK_FLUSH, 0);
    CHECK_EQ(run(&e, &t), 0);
    CHECK_EQ(e.sb.st.barriers, 1);
    close_env(&e);
}

/* Pump until all n requests are done; each must succeed, once. */
static void pump_all(struct sbenv *e, struct treq *t, unsigned int n,
                     unsigned int rounds)
{
    unsigned int i, done = 0;

    while ( done < n && rounds-- )
    {
        sbenv_pump(e);
        for ( done = 0, i = 0; i < n; i++ )
            done += t[i].done;
    }
    CHECK_EQ(done, n);
    for ( i = 0; i < n; i++ )
        CHECK(t[i].calls == 1 && t[i].status == 0);
}

/* Many more requests than slots and ring entries; all complete. */
static void test_queueing(void)
{
    enum { N = 300 };
    struct treq *t = calloc(N, sizeof(*t));
    struct pvr_blkfront_stats s;
    struct sbenv e;
    unsigned int i;

    REQUIRE(t);
    open_env(&e, &plain, NULL);
    e.sb.hold = true;
    for ( i = 0; i < N; i++ )
    {
        treq_init(&t[i], PVR_BLK_WRITE, (i * 8) % SECTORS);
        t[i].r.nr_segs = 1;
        t[i].r.seg[0] = (struct pvr_blk_seg){
            .page = pages + (i % NPAGES) * PVR_BLK_PAGE_SIZE,
            .first_sect = 0, .last_sect = 7,
        };
        CHECK_EQ(e.dev->ops->submit(e.dev->be, &t[i].r), 0);
    }
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.inflight, s.slots);
    CHECK_EQ(s.queued, N - s.slots);
    e.sb.hold = false;
    pump_all(&e, t, N, 4 * N);
    CHECK_EQ(e.sb.st.writes, N);
    close_env(&e);
    free(t);
}

/*
 * A one-page write at sector whose answer names the wrong id: ignored,
 * counted (bad responses so far: bad), the request left waiting.
 */
static void answer_badly(struct sbenv *e, struct treq *t,
                         enum simblkback_fault fault, uint64_t sector,
                         unsigned int bad)
{
    struct pvr_blkfront_stats s;

    e->sb.fault = fault;
    treq_init(t, PVR_BLK_WRITE, sector);
    shape(t, 1, 0);
    CHECK_EQ(e->dev->ops->submit(e->dev->be, &t->r), 0);
    CHECK(!sbenv_pump_until(e, &t->done, 8));
    pvr_blkfront_stats(e->bf, &s);
    CHECK_EQ(s.bad_responses, bad);
    CHECK_EQ(s.state, PVR_BLKFRONT_CONNECTED);
}

/* Responses the backend botches in each way simblkback knows. */
static void test_misbehaviour(void)
{
    struct pvr_blkfront_stats s;
    struct sbenv e;
    struct treq a, b;

    open_env(&e, &full, NULL);
    /* EOPNOTSUPP and ERROR map to their errnos. */
    e.sb.fault = SBB_EOPNOTSUPP;
    treq_init(&a, PVR_BLK_WRITE, 0);
    shape(&a, 3, 0);
    CHECK_EQ(run(&e, &a), -EOPNOTSUPP);
    e.sb.fault = SBB_ERROR;
    treq_init(&a, PVR_BLK_READ, 0);
    shape(&a, 3, 0);
    CHECK_EQ(run(&e, &a), -EIO);

    /* An unknown id is ignored; the request waits, then is cancelled. */
    answer_badly(&e, &a, SBB_BAD_ID, 8, 1);

    /* A duplicate of a finished id completes nothing twice. */
    treq_init(&b, PVR_BLK_WRITE, 16);
    shape(&b, 1, 1);
    CHECK_EQ(run(&e, &b), 0);
    answer_badly(&e, &b, SBB_DUP_ID, 24, 2);

    /* cancel_all: each still-held request completes once, -ECANCELED. */
    e.dev->ops->cancel_all(e.dev->be);
    CHECK(a.calls == 1 && a.status == -ECANCELED);
    CHECK(b.calls == 1 && b.status == -ECANCELED);
    close_env(&e);

    /* A producer index two rings ahead: broken, torn down, replayed. */
    open_env(&e, &full, NULL);
    e.sb.fault = SBB_RSP_JUMP;
    e.sb.hold = true;
    treq_init(&a, PVR_BLK_WRITE, 40);
    shape(&a, 2, 0);
    CHECK_EQ(e.dev->ops->submit(e.dev->be, &a.r), 0);
    e.sb.hold = false;
    CHECK(sbenv_pump_until(&e, &a.done, ROUNDS));
    CHECK(a.calls == 1 && a.status == 0);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.broken_rings, 1);
    CHECK_EQ(s.replayed, 1);
    CHECK_EQ(s.connects, 2);
    CHECK_EQ(s.state, PVR_BLKFRONT_CONNECTED);
    CHECK_EQ(e.sb.st.writes, 2);    /* once lost, once replayed */

    /* Our channel is gone at the kick: torn down, replayed too. */
    CHECK_EQ(pvr_port_evtchn_unbind(e.st.port, pvr_blkfront_evtchn(e.bf)),
             0);
    treq_init(&a, PVR_BLK_WRITE, 48);
    shape(&a, 1, 0);
    CHECK_EQ(run(&e, &a), 0);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.disconnects, 2);
    CHECK_EQ(s.connects, 3);
    close_env(&e);
}

static void hold_writes(struct sbenv *e, struct treq *t, unsigned int n)
{
    unsigned int i;

    e->sb.hold = true;
    for ( i = 0; i < n; i++ )
    {
        treq_init(&t[i], PVR_BLK_WRITE, i * 8);
        shape(&t[i], 1, i % NPAGES);
        memset(t[i].r.seg[0].page, (int)(i + 1), PVR_BLK_PAGE_SIZE);
        CHECK_EQ(e->dev->ops->submit(e->dev->be, &t[i].r), 0);
    }
    sbenv_pump(e);
}

/* The backend goes away with requests in flight, and comes back. */
static void test_disconnect(void)
{
    enum { N = 24 };
    struct treq t[N];
    struct pvr_blkfront_stats s;
    struct pvr_blkfront_config cfg = { .max_ring_order = 1,
                                       .reconnect_ms = 30 };
    struct sbenv e;
    unsigned int i;

    open_env(&e, &full, &cfg);
    hold_writes(&e, t, N);
    simblkback_set_state(&e.sb, PVR_XB_CLOSING);
    e.sb.hold = false;
    pump_all(&e, t, N, 200);
    for ( i = 0; i < N; i++ )
    {
        struct pvr_blk_seg *g = &t[i].r.seg[0];

        CHECK(!memcmp(e.sb.image + i * 8 * 512u,
                      (uint8_t *)g->page + g->first_sect * 512u,
                      (g->last_sect - g->first_sect + 1u) * 512u));
    }
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.disconnects, 1);
    CHECK_EQ(s.connects, 2);
    CHECK_EQ(s.replayed, 16);       /* the slots held; 8 were queued */
    close_env(&e);

    /* It does not come back: after the deadline, -EIO, and so on. */
    open_env(&e, &full, &cfg);
    hold_writes(&e, t, N);
    e.sb.reconnect = false;
    simblkback_set_state(&e.sb, PVR_XB_CLOSING);
    for ( i = 0; i < 4; i++ )
        sbenv_pump(&e);
    for ( i = 0; i < N; i++ )
        CHECK(!t[i].done);
    {
        struct timespec ts = { 0, 40 * 1000000 };

        nanosleep(&ts, NULL);
    }
    sbenv_pump(&e);
    for ( i = 0; i < N; i++ )
        CHECK(t[i].calls == 1 && t[i].status == -EIO);
    treq_init(&t[0], PVR_BLK_READ, 0);
    shape(&t[0], 1, 0);
    CHECK_EQ(run(&e, &t[0]), -EIO);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.failed, N + 1);
    CHECK_EQ(pvr_sim_gnttab_shared(e.st.sim), 0);
    close_env(&e);
}

/* Open with bad arguments, and a backend's malformed nodes. */
static void test_bad_nodes(void)
{
    struct pvr_blkfront_config cfg = { .frontend_dir = "/local/domain/7/device/vbd/1" };
    struct simblkback_features f = { .sectors = SECTORS };
    struct sbenv e;
    pvr_blkfront *bf = NULL;

    REQUIRE(simstack_open(&e.st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    cfg.port = e.st.port;
    /* No backend nodes at all. */
    CHECK(pvr_blkfront_open(&cfg, &bf) < 0);
    cfg.max_ring_order = 9;
    CHECK_EQ(pvr_blkfront_open(&cfg, &bf), -EINVAL);
    simstack_close(&e.st);

    /* A garbage max-ring-page-order: no ring, no crash. */
    REQUIRE(simstack_open(&e.st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    REQUIRE(simblkback_open(&e.sb, e.st.port, SBENV_FE, SBENV_BE, &f) == 0);
    REQUIRE(pvr_port_xs_write_str(e.st.port,
                                  SBENV_BE "/max-ring-page-order",
                                  "1x") == 0);
    cfg = (struct pvr_blkfront_config){ .port = e.st.port,
                                        .frontend_dir = SBENV_FE,
                                        .mux = e.st.mux };
    REQUIRE(pvr_blkfront_open(&cfg, &e.bf) == 0);
    sbenv_pump(&e);
    CHECK_EQ(pvr_sim_gnttab_shared(e.st.sim), 0);
    close_env(&e);

    /* A sector size we cannot serve: never connected, nothing kept. */
    f.sector_size = 4096;
    REQUIRE(simstack_open(&e.st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    REQUIRE(simblkback_open(&e.sb, e.st.port, SBENV_FE, SBENV_BE, &f) == 0);
    cfg.port = e.st.port;
    cfg.mux = e.st.mux;
    REQUIRE(pvr_blkfront_open(&cfg, &e.bf) == 0);
    {
        struct pvr_blkfront_stats s;
        unsigned int i;

        for ( i = 0; i < 8; i++ )
            sbenv_pump(&e);
        pvr_blkfront_stats(e.bf, &s);
        CHECK_EQ(s.connects, 0);
        CHECK(s.state != PVR_BLKFRONT_CONNECTED);
    }
    close_env(&e);
}

/*
 * A backend that answers while we are still reading its answers: each
 * completion submits the next request and the backend serves it at
 * once.  Nothing may stall: what done() submits is posted after the
 * pass, and the backend's notification brings the next event.
 */
static struct sbenv *chain_env;
static unsigned int chain_left, chain_done;
static struct treq chain_req;

static void chain_next(pvr_blk_req *r, int status)
{
    CHECK_EQ(status, 0);
    chain_done++;
    if ( chain_left == 0 )
        return;
    chain_left--;
    r->sector = (r->sector + 8) % SECTORS;
    CHECK_EQ(chain_env->dev->ops->submit(chain_env->dev->be, r), 0);
    simblkback_poll(&chain_env->sb, 0);
}

static void test_chain(void)
{
    struct sbenv e;
    unsigned int r;

    open_env(&e, &plain, NULL);
    chain_env = &e;
    chain_left = 99;
    chain_done = 0;
    treq_init(&chain_req, PVR_BLK_WRITE, 0);
    shape(&chain_req, 1, 0);
    chain_req.r.done = chain_next;
    CHECK_EQ(e.dev->ops->submit(e.dev->be, &chain_req.r), 0);
    for ( r = 0; r < 400 && chain_done < 100; r++ )
        sbenv_pump(&e);
    CHECK_EQ(chain_done, 100);
    close_env(&e);
}

/*
 * Without an evmux: the caller drains the port itself and hands
 * blkfront its events, as a loop other than pvdomaind's would.
 */
static void manual_pump(struct sbenv *e)
{
    char *path, *token;
    uint32_t port;
    unsigned int i;

    simblkback_xenbus(&e->sb);
    simblkback_poll(&e->sb, 0);
    for ( i = 0; i < 64 && pvr_port_xs_read_watch(e->st.port, &path,
                                                  &token) == 0; i++ )
    {
        pvr_blkfront_handle_watch(e->bf, path, token);
        free(path);
        free(token);
    }
    for ( i = 0; i < 64 && pvr_port_evtchn_pending(e->st.port, &port) == 0;
          i++ )
    {
        CHECK_EQ(port, pvr_blkfront_evtchn(e->bf));
        CHECK_EQ(pvr_port_evtchn_unmask(e->st.port, port), 0);
        pvr_blkfront_handle_evtchn(e->bf);
    }
}

static void test_no_mux(void)
{
    struct pvr_blkfront_config cfg = { .frontend_dir = SBENV_FE };
    struct pvr_blkfront_stats s;
    struct sbenv e;
    struct treq t;
    unsigned int i;

    memset(&e, 0, sizeof(e));
    REQUIRE(simstack_open(&e.st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    REQUIRE(simblkback_open(&e.sb, e.st.port, SBENV_FE, SBENV_BE,
                            &plain) == 0);
    cfg.port = e.st.port;
    REQUIRE(pvr_blkfront_open(&cfg, &e.bf) == 0);
    e.dev = pvr_blkfront_dev(e.bf);
    for ( i = 0; i < 8; i++ )
        manual_pump(&e);
    pvr_blkfront_stats(e.bf, &s);
    CHECK_EQ(s.state, PVR_BLKFRONT_CONNECTED);
    treq_init(&t, PVR_BLK_WRITE, 64);
    shape(&t, 4, 0);
    CHECK_EQ(e.dev->ops->submit(e.dev->be, &t.r), 0);
    for ( i = 0; i < 8 && !t.done; i++ )
        manual_pump(&e);
    CHECK(t.calls == 1 && t.status == 0);
    CHECK_EQ(e.sb.st.kicks, 1);     /* the response came by the event */
    CHECK_EQ(pvr_evmux_stray(e.st.mux), 0);
    close_env(&e);
}

/*
 * Every port call blkfront makes, in the handshake, the data path and
 * teardown, fails in turn (-EIO): each request still completes exactly
 * once (with its result or an error), and nothing stays shared, bound
 * or watched.  The backend double's own calls may fail too.
 */
static void test_faults(void)
{
    struct pvr_blkfront_config cfg = { .max_ring_order = 2,
                                       .reconnect_ms = 1 };
    unsigned long n, calls = 0;
    struct sbenv e;

    for ( n = 1; n < 400; n++ )
    {
        struct treq t[3];
        struct timespec ts = { 0, 2 * 1000000 };
        unsigned int i, r;

        memset(&e, 0, sizeof(e));
        REQUIRE(simstack_open(&e.st, 0, PVR_BUFIOREQ_OFF, false) == 0);
        REQUIRE(simblkback_open(&e.sb, e.st.port, SBENV_FE, SBENV_BE,
                                &full) == 0);
        cfg.port = e.st.port;
        cfg.frontend_dir = SBENV_FE;
        cfg.mux = e.st.mux;
        calls = pvr_port_calls(e.st.port);
        pvr_port_fail_nth(e.st.port, n);
        if ( pvr_blkfront_open(&cfg, &e.bf) )
        {
            e.bf = NULL;
            close_env(&e);
            continue;
        }
        e.dev = pvr_blkfront_dev(e.bf);
        for ( r = 0; r < 8; r++ )
            sbenv_pump(&e);
        treq_init(&t[0], PVR_BLK_WRITE, 0);
        shape(&t[0], 20, 0);
        treq_init(&t[1], PVR_BLK_READ, 0);
        shape(&t[1], 3, 20);
        treq_init(&t[2], PVR_BLK_FLUSH, 0);
        for ( i = 0; i < 3; i++ )
            CHECK_EQ(e.dev->ops->submit(e.dev->be, &t[i].r), 0);
        for ( r = 0; r < 16; r++ )
            sbenv_pump(&e);
        nanosleep(&ts, NULL);
        sbenv_pump(&e);
        for ( i = 0; i < 3; i++ )
            CHECK_EQ(t[i].calls, 1);
        pvr_blkfront_close(e.bf);
        e.bf = NULL;
        calls = pvr_port_calls(e.st.port) - calls;
        pvr_port_fail_nth(e.st.port, 0);
        close_env(&e);
        if ( calls < n )
            break;      /* the whole run went by without a failure */
    }
    CHECK(n > 20 && n < 400);
    printf("test_blkfront: %lu port calls failed in turn\n", n - 1);
}

int main(void)
{
    pvr_log_open(PVR_LOG_NO_DOMID, getenv("BF_DEBUG") ? PVR_LOG_DEBUG : PVR_LOG_ERROR, -1);
    pages = aligned_alloc(PVR_BLK_PAGE_SIZE, NPAGES * PVR_BLK_PAGE_SIZE);
    REQUIRE(pages);
    test_handshake();
    test_integrity();
    test_flush_discard();
    test_queueing();
    test_misbehaviour();
    test_disconnect();
    test_bad_nodes();
    test_faults();
    test_chain();
    test_no_mux();
    free(pages);
    return check_result("test_blkfront");
}
