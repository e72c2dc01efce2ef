/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests per second through drivers/blkfront on the sim, one core
 * (one thread: frontend, simblkback and the guest-side NVMe driver take
 * turns, so the figure is their summed cost per request):
 *
 *  - blkfront alone: 4 KiB reads at depth 1 and 16, and 128 KiB reads
 *    (32 segments, one indirect request) at depth 16, with the pool of
 *    persistently shared pages and with grants made per request;
 *  - nvme -> blkfront -> simblkback: 4 KiB NVMe reads at depth 1 and
 *    32 on one queue, against nvme -> the memory device for scale.
 *
 * Rates are per core: requests over the process's CPU time (the
 * machine is shared, so wall time is printed too but not divided by).
 * Every request is checked (status 0); nothing asserts a threshold.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "drivers/nvme/nvme.h"
#include "tests/common/simblkback.h"
#include "tests/unit/test_nvme_drv.h"

#define SECTORS  (16 * 1024 * 2)        /* 16 MiB */
#define MAXQD    32

static double now(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct simblkback_features feat = {
    .sectors = SECTORS, .max_ring_order = 2, .max_indirect = 32,
    .persistent = true, .flush = true, .discard = true,
};

/* ---- blkfront alone ---- */

static unsigned long b_done, b_bad;

static void bdone(pvr_blk_req *r, int status)
{
    *(bool *)r->opaque = false;
    b_done++;
    b_bad += status != 0;
}

static double run_blkfront(enum pvr_blkfront_grants mode, unsigned int segs,
                           unsigned int depth, unsigned long n,
                           const char *what)
{
    struct pvr_blkfront_config cfg = { .max_ring_order = 2, .grants = mode };
    static pvr_blk_req req[MAXQD];
    static bool busy[MAXQD];
    uint8_t *pages = aligned_alloc(4096, (size_t)MAXQD * segs * 4096);
    unsigned long sent = 0, seq = 0;
    double t0, c0, secs, cpu;
    struct sbenv e;
    unsigned int i, s;

    if ( !pages || sbenv_open(&e, 0, &feat, &cfg) )
    {
        fprintf(stderr, "bench blkfront: set-up failed\n");
        exit(1);
    }
    b_done = b_bad = 0;
    t0 = now(CLOCK_MONOTONIC);
    c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    while ( b_done < n )
    {
        for ( i = 0; i < depth && sent < n; i++ )
        {
            if ( busy[i] )
                continue;
            req[i] = (pvr_blk_req){
                .op = PVR_BLK_READ, .nr_segs = segs, .done = bdone,
                .opaque = &busy[i],
                .sector = (seq++ * 2654435761u % (SECTORS / 8 / segs)) * 8 *
                          segs,
            };
            for ( s = 0; s < segs; s++ )
                req[i].seg[s] = (struct pvr_blk_seg){
                    .page = pages + ((size_t)i * segs + s) * 4096,
                    .first_sect = 0, .last_sect = 7,
                };
            busy[i] = true;
            sent++;
            if ( e.dev->ops->submit(e.dev->be, &req[i]) )
                exit(1);
        }
        simblkback_poll(&e.sb, 0);
        pvr_loop_run_once(e.st.loop, 0);
    }
    secs = now(CLOCK_MONOTONIC) - t0;
    cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    sbenv_close(&e);
    free(pages);
    if ( b_bad )
    {
        fprintf(stderr, "bench blkfront: %lu requests failed\n", b_bad);
        exit(1);
    }
    printf("bench blkfront %-40s %9.0f req/s per core  (%lu in %.2f s "
           "CPU, %.2f s wall, %.0f MB/s per core)\n", what, b_done / cpu,
           b_done, cpu, secs, b_done * 4096.0 * segs / cpu / 1e6);
    return b_done / cpu;
}

/* ---- nvme on top ---- */

struct nbench {
    struct sbenv s;             /* s.st is the stack either way */
    pvr_blkdev *mem;
    pvr_nvme *n;
    struct nvdrv d;
    uint64_t buf[MAXQD];
};

static void open_nvme(struct nbench *b, bool blkfront)
{
    struct pvr_nvme_config cfg = { .sbdf = NVDRV_SBDF, .io_queues = 1 };
    struct pvr_blkfront_config bcfg = { .max_ring_order = 2 };
    unsigned int i;
    int rc;

    memset(b, 0, sizeof(*b));
    if ( blkfront )
        rc = sbenv_open(&b->s, 1, &feat, &bcfg);
    else
        rc = simstack_open(&b->s.st, 1, PVR_BUFIOREQ_OFF, true) ||
             pvr_blk_mem_open(SECTORS, 11, 0, &b->mem);
    cfg.port = b->s.st.port;
    cfg.domid = b->s.st.domid;
    cfg.blk = blkfront ? b->s.dev : b->mem;
    if ( rc || pvr_nvme_create(&cfg, &b->n) ||
         pvr_nvme_attach(b->n, b->s.st.srv) ||
         pvr_ioreq_server_enable(b->s.st.srv) ||
         nvdrv_pci_setup(&b->d, &b->s.st, true) || nvdrv_enable(&b->d, 16) ||
         nvdrv_create_pair(&b->d, 1, 256) )
    {
        fprintf(stderr, "bench blkfront: nvme set-up failed\n");
        exit(1);
    }
    for ( i = 0; i < MAXQD; i++ )
        b->buf[i] = nvdrv_alloc(&b->d, 1);
}

static void close_nvme(struct nbench *b)
{
    pvr_ioreq_server_destroy(b->s.st.srv);
    b->s.st.srv = NULL;
    pvr_nvme_destroy(b->n);
    if ( b->mem )
    {
        simstack_close(&b->s.st);
        pvr_blk_mem_close(b->mem);
    }
    else
        sbenv_close(&b->s);
}

static double run_nvme(bool blkfront, unsigned int depth, unsigned long n,
                       const char *what)
{
    struct nbench b;
    struct nvdrv_q *q;
    unsigned long done = 0, seq = 0, bad = 0;
    double t0, c0, secs, cpu;
    uint32_t sqe[16];
    unsigned int i;

    open_nvme(&b, blkfront);
    q = &b.d.q[1];
    t0 = now(CLOCK_MONOTONIC);
    c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    while ( done < n )
    {
        unsigned int got = 0, spins = 0;

        for ( i = 0; i < depth; i++ )
        {
            nvdrv_rw(sqe, false, (seq++ * 2654435761u % (SECTORS / 8)) * 8,
                     8, b.buf[i], 0);
            sqe[0] |= (uint32_t)(q->cid++) << 16;
            memcpy(nvdrv_mem(&b.d, q->sq + 64 * q->sq_tail), sqe, 64);
            q->sq_tail = (q->sq_tail + 1) % q->size;
        }
        nvdrv_wr(&b.d, 0x1000 + 8, 4, q->sq_tail);
        while ( got < depth && spins++ < 1000 )
        {
            struct nvcqe c;

            while ( nvdrv_reap(&b.d, 1, &c) == 0 )
            {
                got++;
                bad += c.status != 0;
            }
            if ( got < depth && blkfront )
            {
                simblkback_poll(&b.s.sb, 0);
                pvr_loop_run_once(b.s.st.loop, 0);
            }
        }
        if ( got < depth )
            exit(1);
        done += got;
    }
    secs = now(CLOCK_MONOTONIC) - t0;
    cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    close_nvme(&b);
    if ( bad )
    {
        fprintf(stderr, "bench blkfront: %lu NVMe commands failed\n", bad);
        exit(1);
    }
    printf("bench blkfront %-40s %9.0f cmds/s per core (%lu in %.2f s "
           "CPU, %.2f s wall)\n", what, done / cpu, done, cpu, secs);
    return done / cpu;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
    static const struct {
        unsigned int segs, depth;
        const char *name;
    } shape[] = {
        { 1, 1, "4K read, depth 1" },
        { 1, 16, "4K read, depth 16" },
        { 32, 16, "128K read (indirect), depth 16" },
    };
    unsigned int i;
    double a, b;

    pvr_log_open(1, PVR_LOG_ERROR, 2);
    for ( i = 0; i < sizeof(shape) / sizeof(shape[0]); i++ )
    {
        char name[96];
        unsigned long k = shape[i].segs > 1 ? n / 8 : n;

        snprintf(name, sizeof(name), "%s, pool:", shape[i].name);
        a = run_blkfront(PVR_BLKFRONT_POOL, shape[i].segs, shape[i].depth,
                         k, name);
        snprintf(name, sizeof(name), "%s, per-request:", shape[i].name);
        b = run_blkfront(PVR_BLKFRONT_PER_REQUEST, shape[i].segs,
                         shape[i].depth, k, name);
        printf("bench blkfront %-40s %9.2f (pool / per-request)\n",
               shape[i].name, a / b);
    }
    for ( i = 1; i <= 32; i += 31 )
    {
        char name[96];

        snprintf(name, sizeof(name), "nvme 4K read, depth %u, blkfront:", i);
        a = run_nvme(true, i, n, name);
        snprintf(name, sizeof(name), "nvme 4K read, depth %u, memory:", i);
        b = run_nvme(false, i, n, name);
        snprintf(name, sizeof(name), "nvme 4K read, depth %u", i);
        printf("bench blkfront %-40s %9.2f (blkfront / memory)\n", name,
               a / b);
    }
    return 0;
}
