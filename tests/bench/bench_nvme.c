/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NVMe commands per second through the controller model on the sim, one
 * core: a guest-side driver puts 4 KiB reads on its submission queues,
 * rings each queue's doorbell once per batch, takes the completions
 * from guest memory and rings the CQ head once per batch, as Linux's
 * driver does under load.  Every doorbell is a full IOREQ round trip;
 * every command is fetched, its PRP mapped, its data bounced and copied
 * to the guest, its completion written and an MSI sent per CQ per batch.
 *
 * Run against the memory device and against a device that does nothing
 * (PVR_BLK_MEM_NULL: no copy, no storage), so that the ratio shows how
 * much of the time is the model's own; and against the memory device
 * again with the port's map cache on (as pvdomaind runs it), against
 * a map and an unmap per page; and with the map cache and shadow
 * doorbells (Doorbell Buffer Config: the driver rings the MMIO doorbell
 * only when the controller's EventIdx asks, as Linux does), against
 * MMIO doorbells only.  Each run counts the MMIO doorbell writes the
 * driver made per command.  Queue depth 1 (a doorbell pair per command
 * without shadow doorbells) and 32, one queue and four; and depth 32
 * on a device that completes later, as blkfront does, kept full: the
 * driver submits while commands are in flight.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "drivers/nvme/nvme.h"
#include "tests/unit/test_nvme_drv.h"

#define SECTORS  (64 * 1024 * 2)        /* 64 MiB */
#define MAPCACHE 0x80000000u            /* run() flag: enable the cache */
#define SHADOW   0x40000000u            /* run() flag: shadow doorbells */
#define RUN_FLAGS (MAPCACHE | SHADOW)
#define QSIZE    256

struct bench {
    struct simstack st;
    pvr_blkdev *blk;
    pvr_nvme *n;
    struct nvdrv d;
    uint64_t buf[4][32];                /* a 4 KiB page per slot */
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_bench(struct bench *b, unsigned int flags,
                      unsigned int queues)
{
    struct pvr_nvme_config cfg = {
        .sbdf = NVDRV_SBDF, .io_queues = 4, .serial = "BENCH",
    };
    unsigned int q, i;

    memset(b, 0, sizeof(*b));
    cfg.no_shadow_doorbells = !(flags & SHADOW);
    if ( simstack_open(&b->st, 1, PVR_BUFIOREQ_OFF, true) ||
         pvr_blk_mem_open(SECTORS, 11, flags & ~RUN_FLAGS, &b->blk) ||
         ((flags & MAPCACHE) && pvr_port_mapcache_enable(b->st.port, 64)) )
        return -1;
    cfg.port = b->st.port;
    cfg.domid = b->st.domid;
    cfg.blk = b->blk;
    if ( pvr_nvme_create(&cfg, &b->n) ||
         pvr_nvme_attach(b->n, b->st.srv) ||
         pvr_ioreq_server_enable(b->st.srv) ||
         nvdrv_pci_setup(&b->d, &b->st, true) ||
         nvdrv_enable(&b->d, 16) )
        return -1;
    for ( q = 1; q <= queues; q++ )
    {
        if ( nvdrv_create_pair(&b->d, q, QSIZE) )
            return -1;
        for ( i = 0; i < 32; i++ )
            b->buf[q - 1][i] = nvdrv_alloc(&b->d, 1);
    }
    /* Linux's order: the I/O queues first, then the shadow buffers. */
    if ( (flags & SHADOW) && nvdrv_dbbuf(&b->d, 0, 0) )
        return -1;
    return 0;
}

static void close_bench(struct bench *b)
{
    pvr_ioreq_server_destroy(b->st.srv);
    b->st.srv = NULL;
    pvr_nvme_destroy(b->n);
    simstack_close(&b->st);
    pvr_blk_mem_close(b->blk);
}

/* Put depth reads on queue q and ring its doorbell once. */
static void submit_batch(struct bench *b, unsigned int q, unsigned int depth,
                         unsigned long *seq)
{
    struct nvdrv_q *nq = &b->d.q[q];
    uint32_t sqe[16];
    unsigned int i;

    for ( i = 0; i < depth; i++ )
    {
        /* 4 KiB-aligned LBAs spread over the device. */
        uint64_t lba = ((*seq)++ * 2654435761u % (SECTORS / 8)) * 8;

        nvdrv_rw(sqe, false, lba, 8, b->buf[q - 1][i], 0);
        nvdrv_put(&b->d, q, sqe);
    }
    nvdrv_ring(&b->d, 2 * q, nq->sq_tail);
}

/* Take every completion on q and ring the head once; how many, bad. */
static unsigned int reap_batch(struct bench *b, unsigned int q,
                               unsigned int *bad)
{
    struct nvdrv_q *nq = &b->d.q[q];
    unsigned int got = 0;
    struct nvcqe c;

    while ( got < nq->size && nvdrv_take(&b->d, q, &c) == 0 )
    {
        *bad += c.status != 0;
        got++;
    }
    if ( got )
        nvdrv_ring(&b->d, 2 * q + 1, nq->cq_head);
    return got;
}

/*
 * A device that completes later (as blkfront does): keep depth commands
 * in flight on each queue, the device finishing half of them at a
 * time, each queue reaped and refilled by what came back.
 */
static unsigned long steady(struct bench *b, unsigned int queues,
                            unsigned int depth, unsigned long n,
                            unsigned int *bad)
{
    unsigned long done = 0, seq = 0, rounds;
    unsigned int q, got;

    for ( q = 1; q <= queues; q++ )
        submit_batch(b, q, depth, &seq);
    for ( rounds = 0; done < n && rounds < 4 * n; rounds++ )
    {
        pvr_blk_mem_complete(b->blk, (queues * depth + 1) / 2);
        for ( q = 1; q <= queues; q++ )
        {
            got = reap_batch(b, q, bad);
            done += got;
            if ( got )
                submit_batch(b, q, got, &seq);
        }
    }
    return done;
}

struct result {
    double rate;                        /* commands per second */
    double doorbells;                   /* MMIO doorbell writes per command */
};

static struct result run(unsigned int flags, unsigned int queues,
                         unsigned int depth, unsigned long n,
                         const char *what)
{
    struct bench b;
    unsigned long done = 0, seq = 0, rings;
    unsigned int q, bad = 0;
    double t0, secs;
    struct result r;

    if ( open_bench(&b, flags, queues) )
    {
        fprintf(stderr, "bench nvme: set-up failed\n");
        exit(1);
    }
    rings = b.d.mmio_doorbells;
    t0 = now();
    if ( flags & PVR_BLK_MEM_DEFER )
        done = steady(&b, queues, depth, n, &bad);
    while ( done < n )
    {
        for ( q = 1; q <= queues; q++ )
            submit_batch(&b, q, depth, &seq);
        for ( q = 1; q <= queues; q++ )
            done += reap_batch(&b, q, &bad);
    }
    secs = now() - t0;
    r.rate = done / secs;
    r.doorbells = (double)(b.d.mmio_doorbells - rings) / done;
    close_bench(&b);
    if ( bad || done < n )
    {
        fprintf(stderr, "bench nvme: %u commands failed\n", bad);
        exit(1);
    }
    printf("bench nvme %-34s %9.0f cmds/s  (%lu in %.2f s, %.2f us each,"
           " %.0f MB/s, %.3f MMIO doorbells/cmd)\n", what, r.rate, done,
           secs, secs * 1e6 / done, done * 4096.0 / secs / 1e6,
           r.doorbells);
    return r;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
    static const struct {
        unsigned int queues, depth;
        const char *name;
        unsigned int flags;             /* PVR_BLK_MEM_DEFER: completes later */
    } shape[] = {
        { 1, 1, "4K read, 1 queue, depth 1", 0 },
        { 1, 32, "4K read, 1 queue, depth 32", 0 },
        { 4, 32, "4K read, 4 queues, depth 32 each", 0 },
        { 1, 32, "4K read, 1 queue, depth 32, later", PVR_BLK_MEM_DEFER },
    };
    unsigned int i;

    pvr_log_open(1, PVR_LOG_ERROR, 2);
    for ( i = 0; i < sizeof(shape) / sizeof(shape[0]); i++ )
    {
        unsigned int qs = shape[i].queues, dp = shape[i].depth;
        unsigned int fl = shape[i].flags;
        char name[96];
        struct result mem, cached, null, shadow;

        snprintf(name, sizeof(name), "%s, memory:", shape[i].name);
        mem = run(fl, qs, dp, n, name);
        snprintf(name, sizeof(name), "%s, memory, map cache:", shape[i].name);
        cached = run(fl | MAPCACHE, qs, dp, n, name);
        snprintf(name, sizeof(name), "%s, no-op:", shape[i].name);
        null = run(fl | PVR_BLK_MEM_NULL, qs, dp, n, name);
        snprintf(name, sizeof(name), "%s, map cache, shadow:", shape[i].name);
        shadow = run(fl | MAPCACHE | SHADOW, qs, dp, n, name);
        printf("bench nvme %-34s %9.2f (no-op / memory)\n",
               shape[i].name, null.rate / mem.rate);
        printf("bench nvme %-34s %9.2f (map cache / per-page maps)\n",
               shape[i].name, cached.rate / mem.rate);
        printf("bench nvme %-34s %9.2f (shadow / MMIO doorbells, cmds/s)\n",
               shape[i].name, shadow.rate / cached.rate);
        printf("bench nvme %-34s %9.3f (shadow / MMIO doorbells, MMIO "
               "doorbells per command: %.3f / %.3f)\n", shape[i].name,
               shadow.doorbells / cached.doorbells, shadow.doorbells,
               cached.doorbells);
    }
    return 0;
}
