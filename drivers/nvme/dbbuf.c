/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shadow doorbells: NVMe 1.3's Doorbell Buffer Config (admin opcode
 * 7Ch, advertised by OACS bit 8), meant for emulated controllers, where
 * each MMIO doorbell write is an exit to Xen and an IOREQ round trip.
 *
 * The command gives two guest pages, PRP1 the shadow doorbells and PRP2
 * the EventIdx buffer, both page aligned and in guest memory (else
 * Invalid Field, and nothing changes).  Each is mapped once, one bounded
 * foreign mapping of one page, as queues are, or reached through the
 * port per access when it cannot be mapped; both are dropped at a reset
 * (CC.EN 1 -> 0), which turns shadow doorbells off until the guest
 * configures them again.  Layout, as for the MMIO doorbells (CAP.DSTRD
 * 0): SQ y's tail at byte 2y * 4, CQ y's head at (2y + 1) * 4, in both.
 * Like Linux (nvme_dbbuf_init) the admin queue keeps MMIO doorbells;
 * every I/O queue uses the shadow, whether it existed when the command
 * ran (its current tail or head is written to the shadow page then) or
 * is created later (the shadow starts at 0).
 *
 * The protocol.  The guest writes its SQ entry, a write barrier, the new
 * tail to the shadow page, a full barrier, then reads the EventIdx and
 * rings the MMIO doorbell only if its update went past it (Linux's
 * nvme_dbbuf_need_event: (u16)(new - ei - 1) < (u16)(new - old)).  The
 * controller, whenever it processes (after every doorbell and every
 * completion, nvme__process), reads each shadow value once, a single
 * 32-bit acquire load, so that the entries the guest wrote before it
 * are seen, and validates it like an MMIO doorbell value (beyond the
 * queue, or a CQ head beyond what was posted: CSTS.CFS).  When it is
 * idle it publishes, for each SQ with none of its commands in the pool,
 * the tail it consumed up to as the SQ's EventIdx (a release store),
 * then a full barrier, then reads the shadow tail again: a guest that
 * moved the tail between our read and our EventIdx write saw the old
 * EventIdx and did not ring, so if the tail moved we process again
 * (bounded: NVME_DBBUF_ROUNDS rounds per call).  An SQ that has
 * commands in the pool leaves its EventIdx behind, so the guest does
 * not ring at all: their completions run nvme__process, which reads the
 * shadow tail.  A CQ's EventIdx normally says size - 1, which no head
 * update reaches except the one that wraps: the controller reads the
 * shadow heads anyway.  It asks for every head update (EventIdx = the
 * head it saw, then a full barrier and a re-read, as for SQs) while a
 * completion waits for room in the CQ, and while MSI-X is off, since
 * the INTx level follows the heads.
 */
#include <config.h>

#include <endian.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define ADM_DBBUF_BAD (NVME_SC_INVALID_FIELD | NVME_SC_DNR)

/* Byte offset of doorbell idx (2y: SQ y, 2y + 1: CQ y), DSTRD 0. */
static uint32_t db_off(unsigned int idx)
{
    return idx * 4;
}

/* One 32-bit load of entry idx of a page; 0 or -errno. */
static int page_load(pvr_nvme *n, const uint8_t *map, uint64_t gpa,
                     unsigned int idx, uint32_t *val_out)
{
    uint32_t v;
    int rc;

    if ( map )
    {
        /* Acquire: the SQ entries written before the tail are seen. */
        v = __atomic_load_n((const uint32_t *)(map + db_off(idx)),
                            __ATOMIC_ACQUIRE);
        *val_out = le32toh(v);
        return 0;
    }
    rc = pvr_port_guest_read(n->port, n->domid, gpa + db_off(idx), &v,
                             sizeof(v));
    if ( rc == 0 )
        *val_out = le32toh(v);
    return rc;
}

static int page_store(pvr_nvme *n, uint8_t *map, uint64_t gpa,
                      unsigned int idx, uint32_t val)
{
    uint32_t v = htole32(val);

    if ( map )
    {
        /* Release: what we consumed is done before the guest sees it. */
        __atomic_store_n((uint32_t *)(map + db_off(idx)), v,
                         __ATOMIC_RELEASE);
        return 0;
    }
    return pvr_port_guest_write(n->port, n->domid, gpa + db_off(idx), &v,
                                sizeof(v));
}

static int shadow_load(pvr_nvme *n, unsigned int idx, uint32_t *val_out)
{
    return page_load(n, n->dbbuf.dbs_map, n->dbbuf.dbs, idx, val_out);
}

static int ei_store(pvr_nvme *n, unsigned int idx, uint32_t val)
{
    return page_store(n, n->dbbuf.eis_map, n->dbbuf.eis, idx, val);
}

/* The CQ EventIdx we want: "every update" or "only the wrap". */
static uint32_t cq_want(const pvr_nvme *n, const struct nvme_cq *cq)
{
    if ( cq->wait || !nvme__msix_enabled(n) )
        return cq->head;
    return cq->size - 1;
}

/* Put I/O queue qid's doorbells under the shadow buffer. */
void nvme__dbbuf_attach(pvr_nvme *n, uint16_t qid)
{
    struct nvme_sq *sq = &n->sq[qid];
    struct nvme_cq *cq = &n->cq[qid];
    int rc = 0;

    if ( !n->dbbuf.on || qid == 0 )
        return;
    if ( sq->used && !sq->shadow )
    {
        rc |= page_store(n, n->dbbuf.dbs_map, n->dbbuf.dbs, 2 * qid,
                         sq->tail);
        rc |= ei_store(n, 2 * qid, sq->tail);
        sq->ei = sq->tail;
        sq->shadow = true;
    }
    if ( cq->used && !cq->shadow )
    {
        rc |= page_store(n, n->dbbuf.dbs_map, n->dbbuf.dbs, 2 * qid + 1,
                         cq->head);
        cq->ei = cq_want(n, cq);
        rc |= ei_store(n, 2 * qid + 1, cq->ei);
        cq->shadow = true;
    }
    if ( rc )
        nvme__fatal(n, "shadow doorbell buffers not writable");
}

/* Map both pages; one that cannot be mapped goes through the port. */
static void dbbuf_map(pvr_nvme *n)
{
    struct nvme_dbbuf *b = &n->dbbuf;
    unsigned int pages;

    nvme__map(n, b->dbs, NVME_PAGE, PROT_READ | PROT_WRITE, &b->dbs_map,
              &pages);
    nvme__map(n, b->eis, NVME_PAGE, PROT_READ | PROT_WRITE, &b->eis_map,
              &pages);
}

static void dbbuf_unmap(pvr_nvme *n)
{
    struct nvme_dbbuf *b = &n->dbbuf;

    nvme__unmap(n, b->dbs_map, 1);
    nvme__unmap(n, b->eis_map, 1);
    b->dbs_map = b->eis_map = NULL;
}

void nvme__dbbuf_remap(pvr_nvme *n)
{
    if ( !n->dbbuf.on )
        return;
    dbbuf_unmap(n);
    dbbuf_map(n);
}

void nvme__dbbuf_off(pvr_nvme *n)
{
    struct nvme_dbbuf *b = &n->dbbuf;
    unsigned int q;

    dbbuf_unmap(n);
    b->dbs = b->eis = 0;
    b->on = false;
    for ( q = 0; q < NVME_NR_QUEUES; q++ )
        n->sq[q].shadow = n->cq[q].shadow = false;
}

uint16_t nvme__dbbuf_config(pvr_nvme *n, struct nvme_cmd *c)
{
    uint64_t dbs = c->dw[6] | ((uint64_t)c->dw[7] << 32);
    uint64_t eis = c->dw[8] | ((uint64_t)c->dw[9] << 32);
    uint32_t probe;
    uint16_t q;

    if ( !n->dbbuf.allowed )
        return NVME_SC_INVALID_OPCODE | NVME_SC_DNR;
    /* Page aligned and guest memory, or nothing changes. */
    if ( (dbs | eis) & (NVME_PAGE - 1) ||
         pvr_port_guest_read(n->port, n->domid, dbs, &probe,
                             sizeof(probe)) ||
         pvr_port_guest_read(n->port, n->domid, eis, &probe,
                             sizeof(probe)) )
        return ADM_DBBUF_BAD;
    nvme__dbbuf_off(n);
    n->dbbuf.dbs = dbs;
    n->dbbuf.eis = eis;
    dbbuf_map(n);
    n->dbbuf.on = true;
    n->stats.dbbuf_configs++;
    /* The spec's "existing when the command ran", too. */
    for ( q = 1; q < NVME_NR_QUEUES; q++ )
        nvme__dbbuf_attach(n, q);
    return NVME_SC_SUCCESS;
}

/* Read SQ qid's shadow tail; NULL, or why the queue is broken. */
static const char *sq_read(pvr_nvme *n, uint16_t qid)
{
    struct nvme_sq *sq = &n->sq[qid];
    uint32_t v;

    if ( shadow_load(n, 2 * qid, &v) )
        return "shadow doorbell page not readable";
    if ( v >= sq->size )
        return "shadow SQ tail beyond the queue size";
    sq->tail = v;
    return NULL;
}

/* Read CQ qid's shadow head and take it as a doorbell would. */
static const char *cq_read(pvr_nvme *n, uint16_t qid)
{
    uint32_t v;

    if ( shadow_load(n, 2 * qid + 1, &v) )
        return "shadow doorbell page not readable";
    if ( v == n->cq[qid].head )
        return NULL;                    /* nothing new, nothing to check */
    return nvme__cq_head(n, &n->cq[qid], v);
}

void nvme__dbbuf_read(pvr_nvme *n)
{
    const char *bad = NULL;
    uint16_t q;

    for ( q = 1; q < NVME_NR_QUEUES && !bad && nvme__alive(n); q++ )
    {
        if ( n->cq[q].shadow )
            bad = cq_read(n, q);
        if ( !bad && n->sq[q].shadow )
            bad = sq_read(n, q);
    }
    if ( bad )
        nvme__fatal(n, bad);
}

/*
 * Write SQ qid's EventIdx if it changes, then look again at its shadow
 * tail; true if the guest moved it meanwhile.
 */
static bool sq_publish(pvr_nvme *n, uint16_t qid, const char **bad)
{
    struct nvme_sq *sq = &n->sq[qid];
    uint32_t seen = sq->tail;

    /* Commands in the pool: their completions will read the shadow. */
    if ( sq->held || sq->ei == seen )
        return false;
    if ( ei_store(n, 2 * qid, seen) )
    {
        *bad = "EventIdx page not writable";
        return false;
    }
    sq->ei = seen;
    if ( n->dbbuf.race_hook )
        n->dbbuf.race_hook(n->dbbuf.race_opaque, qid);
    /*
     * Full barrier, the pair of the guest's between its shadow write
     * and its EventIdx read: either it sees our EventIdx and rings, or
     * we see its tail here.
     */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *bad = sq_read(n, qid);
    return !*bad && sq->tail != seen;
}

/* The same for CQ qid, when a wake-up at the next head is wanted. */
static bool cq_publish(pvr_nvme *n, uint16_t qid, const char **bad)
{
    struct nvme_cq *cq = &n->cq[qid];
    uint32_t want = cq_want(n, cq), seen = cq->head;

    if ( cq->ei == want )
        return false;
    if ( ei_store(n, 2 * qid + 1, want) )
    {
        *bad = "EventIdx page not writable";
        return false;
    }
    cq->ei = want;
    if ( want != seen )
        return false;
    /* Full barrier: as for SQs. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *bad = cq_read(n, qid);
    return !*bad && cq->head != seen;
}

bool nvme__dbbuf_publish(pvr_nvme *n)
{
    const char *bad = NULL;
    bool moved = false;
    uint16_t q;

    for ( q = 1; q < NVME_NR_QUEUES && !bad; q++ )
    {
        if ( n->sq[q].shadow )
            moved |= sq_publish(n, q, &bad);
        if ( !bad && n->cq[q].shadow )
            moved |= cq_publish(n, q, &bad);
    }
    if ( bad )
        nvme__fatal(n, bad);
    return moved && !bad;
}
