/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront's state, shared by xenbus.c (handshake, lifecycle) and
 * ring.c (requests, responses, the queue).
 */
#ifndef PVR_BLKFRONT_PRIV_H
#define PVR_BLKFRONT_PRIV_H

#include "drivers/blkfront/blkfront.h"
#include "drivers/blkfront/blkif.h"

#define BF_COMP "blkfront"
#define BF_MAX_RING_PAGES (1u << PVR_BLKIF_MAX_RING_ORDER)
#define BF_MAX_SLOTS 64u

/* One request the backend holds (busy), or a free slot. */
struct bf_slot {
    bool busy;              /* on the ring, until its response */
    uint32_t gen;           /* in the id; bumped at every release */
    pvr_blk_req *req;       /* NULL once cancelled */
    uint64_t seq;           /* submission order, for replay */
    uint8_t *pages;         /* segment pages, then the indirect page */
    uint32_t *refs;
    uint32_t own_refs[PVR_BLK_MAX_SEGS + 1];  /* per-request mode */
    unsigned int shared;    /* per-request mode: pages shared now */
};

struct pvr_blkfront {
    pvr_blkdev dev;
    pvr_port *port;
    pvr_evmux *mux;
    char *fe, *be, *token;
    uint32_t be_domid;
    enum pvr_blkfront_grants mode;
    unsigned int max_order, reconnect_ms;

    enum pvr_blkfront_state state;
    int fe_state;           /* the state we last wrote */
    uint64_t since_ms;      /* when we last lost (or started) */
    bool failing;           /* deadline passed: fail, do not queue */
    bool refused;           /* its disk is unusable: do not ask back */

    /* The ring, while INITIALISED or CONNECTED. */
    struct pvr_blkif_sring *sring;
    unsigned int ring_order, ring_size;
    uint32_t ring_refs[BF_MAX_RING_PAGES];
    uint32_t req_prod_pvt, rsp_cons;
    bool in_poll;           /* reading responses: post nothing new */
    uint32_t evtchn;

    /* The disk, from the backend, at Connected. */
    uint64_t sectors;
    bool readonly, flush, barrier, discard, persistent, indirect;
    unsigned int max_segs;      /* this connection's */
    unsigned int info_segs;     /* what info() promised (first connect) */

    /* Slots, and in pool mode their pages shared at connect. */
    struct bf_slot slot[BF_MAX_SLOTS];
    unsigned int nr_slots, slots_cap, pages_per_slot;
    uint8_t *pool;
    uint32_t *pool_refs;

    /* Requests waiting for a slot: a FIFO of pointers that grows. */
    pvr_blk_req **q;
    uint64_t *q_seq;
    unsigned int q_head, q_len, q_cap;
    uint64_t seq;

    struct pvr_blkfront_stats st;
};

/* ring.c */
int bf_submit(void *be, pvr_blk_req *req);
void bf_cancel_all(void *be);
void bf_kick_queue(pvr_blkfront *bf);
void bf_poll(pvr_blkfront *bf);
/* Put requests on busy slots back at the queue's head; free slots. */
void bf_requeue_inflight(pvr_blkfront *bf);
/* Fail everything queued with err. */
void bf_fail_queue(pvr_blkfront *bf, int err);
int bf_pool_share(pvr_blkfront *bf);
/* Revoke n pages shared at addr (tried twice; logs a failure). */
void bf_unshare(pvr_blkfront *bf, void *addr, unsigned int n);
void bf_pool_unshare(pvr_blkfront *bf);

/* xenbus.c */
/* The ring broke: tear it down and wait for the backend's return. */
void bf_lost(pvr_blkfront *bf, const char *why);
uint64_t bf_now_ms(void);

#endif /* PVR_BLKFRONT_PRIV_H */
