/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fetching commands from submission queues and posting completions.
 *
 * nvme__process() runs after every doorbell and every completion.  It
 * walks the submission queues round-robin and fetches while a queue has
 * entries and the pool has a free command (PVR_NVME_MAX_INFLIGHT), so
 * one call does at most that many fetches per round, and rounds repeat
 * only while they make progress against a tail the guest cannot move
 * meanwhile.  A completion that finishes inside a fetch (a synchronous
 * device) only asks for another round: calls never nest.  With shadow
 * doorbells (dbbuf.c) each round starts by reading the shadow tails and
 * heads, and ends, when idle, by writing the EventIdx buffer and
 * reading the shadow again: at most NVME_DBBUF_ROUNDS rounds a call.
 *
 * A completion goes to its CQ if there is room, else waits on the CQ
 * (holding its pool slot) until the guest moves the head.  Interrupts
 * are raised once per CQ per call, after all completions are posted.
 *
 * Queues are mapped once, when created, with one bounded foreign
 * mapping each (at most 64 KiB for an I/O queue, 256 KiB for the admin
 * SQ): a mapping per entry costs more than the command.  A queue whose
 * memory cannot be mapped falls back to a copy through the port per
 * entry, so that a bad address still fails where it is used (CFS).
 * Entries are copied out of the mapping once, as from the port.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define QUEUE_MAX_PAGES ((4096 * NVME_SQE_SIZE) / NVME_PAGE)

/* Map bytes at base; *map_out stays NULL on failure. */
void nvme__map(pvr_nvme *n, uint64_t base, uint32_t bytes, int prot,
               uint8_t **map_out, unsigned int *pages_out)
{
    uint64_t gfns[QUEUE_MAX_PAGES] = { 0 };
    int errs[QUEUE_MAX_PAGES];
    unsigned int i, pages = (bytes + NVME_PAGE - 1) / NVME_PAGE;
    void *addr = NULL;

    *map_out = NULL;
    *pages_out = 0;
    if ( pages == 0 || pages > QUEUE_MAX_PAGES )
        return;
    for ( i = 0; i < pages; i++ )
        gfns[i] = (base / NVME_PAGE) + i;
    if ( pvr_port_fmem_map(n->port, n->domid, prot, pages, gfns, errs,
                           &addr) )
        return;
    for ( i = 0; i < pages; i++ )
        if ( errs[i] )
        {
            pvr_port_fmem_unmap(n->port, addr, pages);
            return;
        }
    *map_out = addr;
    *pages_out = pages;
}

void nvme__sq_map(pvr_nvme *n, struct nvme_sq *sq)
{
    nvme__map(n, sq->base, sq->size * NVME_SQE_SIZE, PROT_READ, &sq->map,
              &sq->map_pages);
}

void nvme__cq_map(pvr_nvme *n, struct nvme_cq *cq)
{
    nvme__map(n, cq->base, cq->size * NVME_CQE_SIZE,
              PROT_READ | PROT_WRITE, &cq->map, &cq->map_pages);
}

/* Tried twice: a transient failure must not leave the memory mapped. */
void nvme__unmap(pvr_nvme *n, uint8_t *map, unsigned int pages)
{
    if ( map && pvr_port_fmem_unmap(n->port, map, pages) &&
         pvr_port_fmem_unmap(n->port, map, pages) )
        pvr_err(COMP, "a mapping of %u guest pages could not be released",
                pages);
}

/*
 * Xen changed the guest's memory map (IOREQ_TYPE_INVALIDATE, e.g. a
 * balloon gave frames back): a foreign mapping keeps the frame it was
 * made with, so every queue and shadow doorbell mapping is dropped and
 * made again from the same guest address, as QEMU drops its mapcache.
 * One that cannot be mapped now goes through the port per access, as
 * at creation.  Runs from the port's invalidate hook, between requests.
 */
void nvme__remap(void *opaque)
{
    pvr_nvme *n = opaque;
    unsigned int q;

    for ( q = 0; q < NVME_NR_QUEUES; q++ )
    {
        struct nvme_sq *sq = &n->sq[q];
        struct nvme_cq *cq = &n->cq[q];

        if ( sq->used )
        {
            nvme__unmap(n, sq->map, sq->map_pages);
            nvme__sq_map(n, sq);
        }
        if ( cq->used )
        {
            nvme__unmap(n, cq->map, cq->map_pages);
            nvme__cq_map(n, cq);
        }
    }
    nvme__dbbuf_remap(n);
    n->stats.remaps++;
}

void nvme__sq_free(pvr_nvme *n, struct nvme_sq *sq)
{
    nvme__unmap(n, sq->map, sq->map_pages);
    memset(sq, 0, sizeof(*sq));
}

void nvme__cq_free(pvr_nvme *n, struct nvme_cq *cq)
{
    nvme__unmap(n, cq->map, cq->map_pages);
    memset(cq, 0, sizeof(*cq));
}

bool nvme__alive(const pvr_nvme *n)
{
    return (n->csts & (NVME_CSTS_RDY | NVME_CSTS_CFS)) == NVME_CSTS_RDY;
}

/* Write one CQE; dword 3, which holds the phase, lands last. */
static int post(pvr_nvme *n, struct nvme_cq *cq, struct nvme_cmd *c)
{
    uint8_t e[NVME_CQE_SIZE];
    uint64_t gpa = cq->base + (uint64_t)cq->tail * NVME_CQE_SIZE;
    uint16_t status = c->status;
    int rc;

    nvme__put32(e, c->result);
    nvme__put32(e + 4, 0);
    nvme__put16(e + 8, c->sqhd);
    nvme__put16(e + 10, c->sqid);
    nvme__put16(e + 12, c->dw[0] >> 16);
    nvme__put16(e + 14, (uint16_t)(status << 1) | cq->phase);
    if ( cq->map )
    {
        uint8_t *slot = cq->map + (size_t)cq->tail * NVME_CQE_SIZE;

        memcpy(slot, e, 12);
        /* The entry is complete before its phase bit says so. */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        memcpy(slot + 12, e + 12, 4);
    }
    else
    {
        rc = pvr_port_guest_write(n->port, n->domid, gpa, e, 12);
        if ( rc == 0 )
            rc = pvr_port_guest_write(n->port, n->domid, gpa + 12, e + 12,
                                      4);
        if ( rc )
            return rc;
    }
    if ( ++cq->tail == cq->size )
    {
        cq->tail = 0;
        cq->phase = !cq->phase;
    }
    cq->irq_pending = true;
    if ( c->sqid == 0 )
        n->stats.admin_cmds++;
    else
        n->stats.io_cmds++;
    if ( status )
    {
        n->stats.errors++;
        /* What the guest asked for and was refused, for its owner. */
        PVR_LOG_GUEST(COMP, "queue %u: opcode %#x (cdw10 %#x) cid %u: "
                      "status %#x", c->sqid, c->dw[0] & 0xff, c->dw[10],
                      c->dw[0] >> 16, status);
    }
    return 0;
}

static bool cq_full(const struct nvme_cq *cq)
{
    return (cq->tail + 1) % cq->size == cq->head;
}

void nvme__complete(pvr_nvme *n, struct nvme_cmd *c)
{
    struct nvme_sq *sq = &n->sq[c->sqid];
    struct nvme_cq *cq;

    /* Its controller was reset or its SQ deleted: nobody to tell. */
    if ( c->gen != n->gen || !sq->used || sq->gen != c->sq_gen ||
         !nvme__alive(n) )
    {
        nvme__cmd_free(n, c);
        return;
    }
    cq = &n->cq[sq->cqid];
    if ( cq->wait || cq_full(cq) )
    {
        c->next = NULL;
        if ( cq->wait_tail )
            cq->wait_tail->next = c;
        else
            cq->wait = c;
        cq->wait_tail = c;
        return;
    }
    if ( post(n, cq, c) )
        nvme__fatal(n, "completion queue entry not writable");
    nvme__cmd_free(n, c);
    n->kick = true;
}

void nvme__cq_drain(pvr_nvme *n, struct nvme_cq *cq)
{
    struct nvme_cmd *c;

    /* Bounded by the pool: every waiting command holds a slot. */
    while ( (c = cq->wait) != NULL && !cq_full(cq) && nvme__alive(n) )
    {
        cq->wait = c->next;
        if ( !cq->wait )
            cq->wait_tail = NULL;
        if ( post(n, cq, c) )
            nvme__fatal(n, "completion queue entry not writable");
        nvme__cmd_free(n, c);
    }
}

static void execute(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t status;

    if ( (c->dw[0] >> 8) & 0x3 )
        status = NVME_SC_INVALID_FIELD | NVME_SC_DNR;   /* fused */
    else if ( (c->dw[0] >> 14) & 0x3 )
        status = NVME_SC_INVALID_FIELD | NVME_SC_DNR;   /* SGLs */
    else if ( c->sqid == 0 )
        status = nvme__admin(n, c);
    else
        status = nvme__io(n, c);
    if ( status == NVME_PENDING )
        return;
    c->status = status;
    nvme__complete(n, c);
}

/* Fetch and start what sq holds; false once nothing more can be taken. */
static bool fetch_one(pvr_nvme *n, uint16_t qid)
{
    struct nvme_sq *sq = &n->sq[qid];
    uint8_t raw[NVME_SQE_SIZE];
    struct nvme_cmd *c;
    unsigned int i;

    if ( !sq->used || sq->head == sq->tail || !nvme__alive(n) )
        return false;
    c = nvme__cmd_alloc(n);
    if ( !c )
        return false;
    if ( sq->map )
        memcpy(raw, sq->map + (size_t)sq->head * NVME_SQE_SIZE, sizeof(raw));
    else if ( pvr_port_guest_read(n->port, n->domid, sq->base +
                                  (uint64_t)sq->head * NVME_SQE_SIZE,
                                  raw, sizeof(raw)) )
    {
        nvme__cmd_free(n, c);
        nvme__fatal(n, "submission queue entry not readable");
        return false;
    }
    /* The one copy: everything after this reads c->dw. */
    for ( i = 0; i < ARRAY_SIZE(c->dw); i++ )
        c->dw[i] = nvme__get32(raw + 4 * i);
    sq->head = (sq->head + 1) % sq->size;
    c->sqid = qid;
    c->sqhd = sq->head;
    c->gen = n->gen;
    c->sq_gen = sq->gen;
    c->t_fetch = nvme__now_ns();
    sq->held++;
    execute(n, c);
    return true;
}

void nvme__flush_irqs(pvr_nvme *n)
{
    unsigned int q;

    for ( q = 0; q < NVME_NR_QUEUES; q++ )
    {
        struct nvme_cq *cq = &n->cq[q];

        if ( !cq->used || !cq->irq_pending )
            continue;
        cq->irq_pending = false;
        if ( cq->ien )
            nvme__signal(n, cq->iv);
    }
}

/* One command per queue per pass, round-robin; how many were fetched. */
static unsigned int fetch_passes(pvr_nvme *n)
{
    unsigned int q, i, fetched = 0;

    /*
     * The passes end when no queue gives one: each pass fetches at least
     * one, and the tails are fixed while we run (a shadow tail is read
     * only between rounds, in nvme__process()).
     */
    for ( ;; )
    {
        unsigned int got = 0;

        for ( i = 0; i < NVME_NR_QUEUES; i++ )
        {
            q = (n->rr + i) % NVME_NR_QUEUES;
            got += fetch_one(n, q);
        }
        n->rr = (n->rr + 1) % NVME_NR_QUEUES;
        fetched += got;
        if ( !got )
            return fetched;
    }
}

void nvme__process(pvr_nvme *n)
{
    unsigned int fetched, rounds = 0;
    bool again;

    if ( n->depth )
    {
        n->kick = true;
        return;
    }
    n->depth++;
    do
    {
        n->kick = false;
        if ( n->dbbuf.on )
            nvme__dbbuf_read(n);
        fetched = fetch_passes(n);
        again = n->kick && fetched;
        /*
         * Idle: tell the guest through the EventIdx buffer where we
         * stopped, then look again at what it wrote meanwhile (dbbuf.c).
         */
        if ( !again && n->dbbuf.on && nvme__alive(n) )
            again = nvme__dbbuf_publish(n);
        /*
         * Shadow tails can move while we run: a guest that keeps them
         * moving gets this many rounds per call.
         */
        if ( again && n->dbbuf.on && ++rounds >= NVME_DBBUF_ROUNDS )
        {
            PVR_LOG_GUEST(COMP, "shadow doorbells kept moving through %u "
                          "rounds: the rest waits for the next doorbell "
                          "or completion", rounds);
            break;
        }
    } while ( again && nvme__alive(n) );
    n->depth--;
    nvme__flush_irqs(n);
}
