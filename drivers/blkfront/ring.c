/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront's data path: pvr_blk_req -> one blkif request on the shared
 * ring, responses -> done().  The backend writes the responses and the
 * producer index: each is read once, into private memory, and checked
 * (an id must name a slot we gave out with its generation; the producer
 * may not run past what we posted) before anything is done with it.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "drivers/blkfront/blkfront_priv.h"

static uint64_t make_id(unsigned int idx, uint32_t gen)
{
    return ((uint64_t)gen << 32) | idx;
}

/* ---- The queue ---- */

static int q_grow(pvr_blkfront *bf)
{
    unsigned int cap = bf->q_cap ? bf->q_cap * 2 : 64, i;
    pvr_blk_req **q;
    uint64_t *seq;

    if ( cap > (1u << 24) )
        return -ENOMEM;
    q = malloc(cap * sizeof(*q));
    seq = malloc(cap * sizeof(*seq));
    if ( !q || !seq )
    {
        free(q);
        free(seq);
        return -ENOMEM;
    }
    for ( i = 0; i < bf->q_len; i++ )
    {
        q[i] = bf->q[(bf->q_head + i) % bf->q_cap];
        seq[i] = bf->q_seq[(bf->q_head + i) % bf->q_cap];
    }
    free(bf->q);
    free(bf->q_seq);
    bf->q = q;
    bf->q_seq = seq;
    bf->q_cap = cap;
    bf->q_head = 0;
    return 0;
}

static int q_push(pvr_blkfront *bf, pvr_blk_req *req, uint64_t seq,
                  bool head)
{
    unsigned int at;
    int rc;

    if ( bf->q_len == bf->q_cap && (rc = q_grow(bf)) )
        return rc;
    if ( head )
        at = bf->q_head = (bf->q_head + bf->q_cap - 1) % bf->q_cap;
    else
        at = (bf->q_head + bf->q_len) % bf->q_cap;
    bf->q[at] = req;
    bf->q_seq[at] = seq;
    bf->q_len++;
    return 0;
}

static pvr_blk_req *q_pop(pvr_blkfront *bf, uint64_t *seq_out)
{
    pvr_blk_req *req = bf->q[bf->q_head];

    *seq_out = bf->q_seq[bf->q_head];
    bf->q_head = (bf->q_head + 1) % bf->q_cap;
    bf->q_len--;
    return req;
}

void bf_fail_queue(pvr_blkfront *bf, int err)
{
    uint64_t seq;

    /* done() may submit more: those are failed too, until empty. */
    while ( bf->q_len )
    {
        pvr_blk_req *req = q_pop(bf, &seq);

        if ( err == -EIO )
            bf->st.failed++;
        req->done(req, err);
    }
}

/* ---- Grants ---- */

int bf_pool_share(pvr_blkfront *bf)
{
    unsigned int n = bf->nr_slots * bf->pages_per_slot, i;
    void *addr;
    int rc;

    if ( bf->mode != PVR_BLKFRONT_POOL )
        return 0;
    bf->pool_refs = calloc(n, sizeof(*bf->pool_refs));
    if ( !bf->pool_refs )
        return -ENOMEM;
    bf->st.grant_calls++;
    rc = pvr_port_gnttab_share(bf->port, bf->be_domid, n, bf->pool_refs,
                               true, &addr);
    if ( rc )
    {
        free(bf->pool_refs);
        bf->pool_refs = NULL;
        return rc;
    }
    bf->pool = addr;
    for ( i = 0; i < bf->nr_slots; i++ )
    {
        bf->slot[i].pages = bf->pool + (size_t)i * bf->pages_per_slot *
                                       PVR_BLK_PAGE_SIZE;
        bf->slot[i].refs = bf->pool_refs + i * bf->pages_per_slot;
    }
    return 0;
}

void bf_unshare(pvr_blkfront *bf, void *addr, unsigned int n)
{
    int rc;

    bf->st.grant_calls++;
    /* Once more if it fails: a page left shared is a leak for good. */
    if ( (rc = pvr_port_gnttab_unshare(bf->port, addr, n)) &&
         (rc = pvr_port_gnttab_unshare(bf->port, addr, n)) )
        pvr_log_e(PVR_LOG_ERROR, BF_COMP, -rc, "%s: cannot revoke %u "
                  "grants", bf->fe, n);
}

void bf_pool_unshare(pvr_blkfront *bf)
{
    if ( bf->pool )
        bf_unshare(bf, bf->pool, bf->nr_slots * bf->pages_per_slot);
    free(bf->pool_refs);
    bf->pool = NULL;
    bf->pool_refs = NULL;
}

static void slot_release(pvr_blkfront *bf, struct bf_slot *s)
{
    if ( s->shared )
    {
        bf_unshare(bf, s->pages, s->shared);
        s->pages = NULL;
        s->refs = NULL;
        s->shared = 0;
    }
    s->busy = false;
    s->req = NULL;
    s->gen++;
    bf->st.inflight--;
}

/* ---- Requests ---- */

static void copy_segs(pvr_blk_req *req, uint8_t *pages, bool to_pool)
{
    unsigned int i;

    for ( i = 0; i < req->nr_segs; i++ )
    {
        const struct pvr_blk_seg *g = &req->seg[i];
        size_t off = (size_t)g->first_sect * PVR_BLK_SECTOR_SIZE;
        size_t len = (size_t)(g->last_sect - g->first_sect + 1) *
                     PVR_BLK_SECTOR_SIZE;
        uint8_t *pool = pages + (size_t)i * PVR_BLK_PAGE_SIZE + off;

        if ( to_pool )
            memcpy(pool, (uint8_t *)g->page + off, len);
        else
            memcpy((uint8_t *)g->page + off, pool, len);
    }
}

/* The ring entry for req in slot idx, built privately. */
static void build(pvr_blkfront *bf, unsigned int idx, pvr_blk_req *req,
                  union pvr_blkif_entry *e)
{
    struct bf_slot *s = &bf->slot[idx];
    struct pvr_blkif_seg *segs = e->req.seg;
    uint64_t id = make_id(idx, s->gen);
    unsigned int i;

    memset(e, 0, sizeof(*e));
    switch ( req->op )
    {
    case PVR_BLK_FLUSH:
        e->req.operation = bf->flush ? PVR_BLKIF_OP_FLUSH_DISKCACHE
                                     : PVR_BLKIF_OP_WRITE_BARRIER;
        e->req.id = id;
        return;
    case PVR_BLK_DISCARD:
        e->discard.operation = PVR_BLKIF_OP_DISCARD;
        e->discard.id = id;
        e->discard.sector_number = req->sector;
        e->discard.nr_sectors = req->nr_sectors;
        return;
    case PVR_BLK_READ:
    case PVR_BLK_WRITE:
        break;
    }
    if ( req->op == PVR_BLK_WRITE )
        copy_segs(req, s->pages, true);
    if ( req->nr_segs > PVR_BLKIF_MAX_SEGS )
    {
        /* The segments go on the slot's last page, granted read-only
         * in spirit: the backend has no reason to write it. */
        segs = (struct pvr_blkif_seg *)(s->pages + (size_t)req->nr_segs *
                                        PVR_BLK_PAGE_SIZE);
        e->indirect.operation = PVR_BLKIF_OP_INDIRECT;
        e->indirect.indirect_op = req->op == PVR_BLK_WRITE ?
            PVR_BLKIF_OP_WRITE : PVR_BLKIF_OP_READ;
        e->indirect.nr_segments = (uint16_t)req->nr_segs;
        e->indirect.id = id;
        e->indirect.sector_number = req->sector;
        e->indirect.indirect_grefs[0] = s->refs[req->nr_segs];
    }
    else
    {
        e->req.operation = req->op == PVR_BLK_WRITE ? PVR_BLKIF_OP_WRITE
                                                    : PVR_BLKIF_OP_READ;
        e->req.nr_segments = (uint8_t)req->nr_segs;
        e->req.id = id;
        e->req.sector_number = req->sector;
    }
    for ( i = 0; i < req->nr_segs; i++ )
        segs[i] = (struct pvr_blkif_seg){
            .gref = s->refs[i],
            .first_sect = req->seg[i].first_sect,
            .last_sect = req->seg[i].last_sect,
        };
}

/* Per-request mode: share the pages this request needs. */
static int share_for(pvr_blkfront *bf, struct bf_slot *s,
                     const pvr_blk_req *req)
{
    unsigned int n = 0;
    void *addr;
    int rc;

    if ( bf->mode == PVR_BLKFRONT_POOL )
        return 0;
    if ( req->op == PVR_BLK_READ || req->op == PVR_BLK_WRITE )
        n = req->nr_segs + (req->nr_segs > PVR_BLKIF_MAX_SEGS);
    if ( n == 0 )
        return 0;
    bf->st.grant_calls++;
    rc = pvr_port_gnttab_share(bf->port, bf->be_domid, n, s->own_refs,
                               true, &addr);
    if ( rc )
        return rc;
    s->pages = addr;
    s->refs = s->own_refs;
    s->shared = n;
    return 0;
}

/* Why req cannot go on this connection's ring, or 0. */
static int unfit(const pvr_blkfront *bf, const pvr_blk_req *req)
{
    switch ( req->op )
    {
    case PVR_BLK_FLUSH:
        return bf->flush || bf->barrier ? 0 : -EOPNOTSUPP;
    case PVR_BLK_DISCARD:
        return bf->discard ? 0 : -EOPNOTSUPP;
    case PVR_BLK_WRITE:
        if ( bf->readonly )
            return -EROFS;
        /* The segment checks are the same as a read's. */
        /* fall through */
    case PVR_BLK_READ:
        return req->nr_segs >= 1 && req->nr_segs <= bf->max_segs ? 0 : -EIO;
    }
    return -EINVAL;
}

static void push(pvr_blkfront *bf, uint32_t old)
{
    uint32_t prod = bf->req_prod_pvt, event;

    /* The entries are visible before the index that publishes them. */
    __atomic_store_n(&bf->sring->req_prod, prod, __ATOMIC_RELEASE);
    /* The index is visible before we read the backend's req_event. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    event = __atomic_load_n(&bf->sring->req_event, __ATOMIC_RELAXED);
    if ( (uint32_t)(prod - event) < (uint32_t)(prod - old) &&
         pvr_port_evtchn_notify(bf->port, bf->evtchn) )
        bf_lost(bf, "event channel failed");  /* replayed when it is back */
}

static unsigned int free_slot(const pvr_blkfront *bf)
{
    unsigned int i;

    for ( i = 0; i < bf->nr_slots; i++ )
        if ( !bf->slot[i].busy )
            return i;
    return bf->nr_slots;
}

void bf_kick_queue(pvr_blkfront *bf)
{
    uint32_t old = bf->req_prod_pvt;
    unsigned int idx, budget = bf->ring_size;

    while ( !bf->in_poll && bf->state == PVR_BLKFRONT_CONNECTED &&
            bf->q_len && budget-- &&
            bf->req_prod_pvt - bf->rsp_cons < bf->ring_size &&
            (idx = free_slot(bf)) < bf->nr_slots )
    {
        struct bf_slot *s = &bf->slot[idx];
        uint64_t seq;
        pvr_blk_req *req = q_pop(bf, &seq);
        union pvr_blkif_entry e;
        int rc = unfit(bf, req);

        if ( rc == 0 )
            rc = share_for(bf, s, req);
        if ( rc )
        {
            req->done(req, rc);
            continue;
        }
        build(bf, idx, req, &e);
        memcpy(&bf->sring->ring[bf->req_prod_pvt & (bf->ring_size - 1)], &e,
               sizeof(e));
        bf->req_prod_pvt++;
        s->busy = true;
        s->req = req;
        s->seq = seq;
        bf->st.requests++;
        bf->st.inflight++;
    }
    bf->st.queued = bf->q_len;
    if ( bf->req_prod_pvt != old )
        push(bf, old);
}

int bf_submit(void *be, pvr_blk_req *req)
{
    pvr_blkfront *bf = be;
    int rc;

    if ( !req || !req->done ||
         ((req->op == PVR_BLK_READ || req->op == PVR_BLK_WRITE) &&
          (req->nr_segs == 0 || req->nr_segs > PVR_BLK_MAX_SEGS)) )
        return -EINVAL;
    if ( bf->failing )
    {
        bf->st.failed++;
        req->done(req, -EIO);
        return 0;
    }
    if ( (rc = q_push(bf, req, bf->seq++, false)) )
        return rc;
    bf_kick_queue(bf);
    return 0;
}

/* ---- Responses ---- */

static void complete(pvr_blkfront *bf, const struct pvr_blkif_rsp *rsp)
{
    unsigned int idx = (unsigned int)(rsp->id & 0xffffffffu);
    struct bf_slot *s = idx < bf->nr_slots ? &bf->slot[idx] : NULL;
    pvr_blk_req *req;
    int status;

    if ( !s || !s->busy || s->gen != (uint32_t)(rsp->id >> 32) )
    {
        bf->st.bad_responses++;
        PVR_LOG_GUEST(BF_COMP, "%s: response for id %#llx, not in flight "
                      "(unknown or duplicate): ignored", bf->fe,
                      (unsigned long long)rsp->id);
        return;
    }
    req = s->req;
    status = rsp->status == PVR_BLKIF_RSP_OKAY ? 0
           : rsp->status == PVR_BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
    if ( status == 0 && req && req->op == PVR_BLK_READ )
        copy_segs(req, s->pages, false);
    bf->st.responses++;
    slot_release(bf, s);
    if ( req )
        req->done(req, status);
}

/* Consume what the backend produced; false if the ring is broken. */
static bool consume(pvr_blkfront *bf)
{
    uint32_t rp = __atomic_load_n(&bf->sring->rsp_prod, __ATOMIC_ACQUIRE);
    unsigned int n;

    /* It may answer only what we posted: more is a broken producer. */
    if ( (uint32_t)(rp - bf->rsp_cons) >
         (uint32_t)(bf->req_prod_pvt - bf->rsp_cons) )
        return false;
    for ( n = 0; bf->rsp_cons != rp && n < bf->ring_size; n++ )
    {
        struct pvr_blkif_rsp rsp;

        memcpy(&rsp, &bf->sring->ring[bf->rsp_cons & (bf->ring_size - 1)],
               sizeof(rsp));
        bf->rsp_cons++;
        complete(bf, &rsp);
        /* done() may have torn the connection down. */
        if ( bf->state != PVR_BLKFRONT_CONNECTED )
            return true;
    }
    return true;
}

/*
 * Passes over the responses until the producer stands still after
 * rsp_event is armed (RING_FINAL_CHECK_FOR_RESPONSES).  Requests that
 * done() submits meanwhile wait in the queue until the end (bf->in_poll),
 * so the backend can answer no more than was in flight at the start, at
 * most a ring: every pass but the last takes at least one response, and
 * the bound below is never reached by any backend, honest or not.
 */
static void poll_rounds(pvr_blkfront *bf)
{
    unsigned int round;

    for ( round = 0; round <= bf->ring_size &&
                     bf->state == PVR_BLKFRONT_CONNECTED; round++ )
    {
        if ( !consume(bf) )
        {
            bf->st.broken_rings++;
            PVR_LOG_GUEST(BF_COMP, "%s: response producer beyond the "
                          "requests posted: ring broken", bf->fe);
            bf_lost(bf, "broken ring");
            return;
        }
        if ( bf->state != PVR_BLKFRONT_CONNECTED )
            return;
        /* Ask for an event at the next response, then look again. */
        __atomic_store_n(&bf->sring->rsp_event, bf->rsp_cons + 1,
                         __ATOMIC_RELAXED);
        /* rsp_event is visible before we read rsp_prod again. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if ( __atomic_load_n(&bf->sring->rsp_prod, __ATOMIC_ACQUIRE) ==
             bf->rsp_cons )
            return;
    }
}

void bf_poll(pvr_blkfront *bf)
{
    bf->in_poll = true;
    poll_rounds(bf);
    bf->in_poll = false;
    bf_kick_queue(bf);
}

void bf_requeue_inflight(pvr_blkfront *bf)
{
    unsigned int i, n = 0;
    struct bf_slot *order[BF_MAX_SLOTS];

    for ( i = 0; i < bf->nr_slots; i++ )
    {
        struct bf_slot *s = &bf->slot[i];
        unsigned int j;

        if ( !s->busy )
            continue;
        if ( !s->req )
        {
            slot_release(bf, s);
            continue;
        }
        /* Newest first, so that pushing each at the head keeps order. */
        for ( j = n++; j > 0 && order[j - 1]->seq < s->seq; j-- )
            order[j] = order[j - 1];
        order[j] = s;
    }
    for ( i = 0; i < n; i++ )
    {
        pvr_blk_req *req = order[i]->req;
        uint64_t seq = order[i]->seq;

        slot_release(bf, order[i]);
        bf->st.replayed++;
        if ( q_push(bf, req, seq, true) )
            req->done(req, -ENOMEM);    /* said, not lost */
    }
    bf->st.queued = bf->q_len;
}

void bf_cancel_all(void *be)
{
    pvr_blkfront *bf = be;
    unsigned int i;

    bf_fail_queue(bf, -ECANCELED);
    for ( i = 0; i < bf->nr_slots; i++ )
    {
        pvr_blk_req *req = bf->slot[i].req;

        /* The slot stays busy: the backend may still use its pages. */
        bf->slot[i].req = NULL;
        if ( req )
            req->done(req, -ECANCELED);
    }
    bf->st.queued = bf->q_len;
}
