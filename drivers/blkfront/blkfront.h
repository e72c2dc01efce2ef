/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace blkif frontend: the paravisor's way to dom0's blkback.
 *
 * Theory of operation.  pvr_blkfront_open() plays a Linux blkfront's
 * part of the xenbus handshake through the port, from userspace: it
 * watches the backend's state node and, at InitWait, shares the ring
 * (2^ring-page-order pages, as many as the backend's
 * max-ring-page-order and cfg->max_ring_order allow), allocates an
 * unbound event channel for the backend, writes its nodes and switches
 * to Initialised; at the backend's Connected it reads the disk's
 * features and switches to Connected.  The device it gives
 * (pvr_blkfront_dev()) implements drivers/nvme/blkdev.h: one blkif
 * request per pvr_blk_req (READ/WRITE with up to 11 segments, INDIRECT
 * up to PVR_BLK_MAX_SEGS when the backend offers that many,
 * FLUSH_DISKCACHE or WRITE_BARRIER, DISCARD).
 *
 * Data moves through pages we share: the port can only grant pages it
 * allocates (gntshr), never the submitter's, so data is copied.  In
 * PVR_BLKFRONT_POOL mode (the default) every in-flight slot has its
 * pages shared once at connect time (we write feature-persistent 1, so
 * a backend that offers it too may keep them mapped); in
 * PVR_BLKFRONT_PER_REQUEST mode each request shares fresh pages and
 * unshares them at its response.  tests/bench/bench_blkfront compares.
 *
 * Nodes.  The caller (pvdomaind, or the toolstack for it) makes both
 * directories, as libxl does for a vbd.  Read from the frontend
 * directory F: F/backend and F/backend-id (unless the config names the
 * backend).  Read from the backend directory B: B/state,
 * B/max-ring-page-order, B/feature-max-indirect-segments,
 * B/feature-persistent (at InitWait); B/sectors, B/sector-size (512
 * only), B/info, B/mode, B/feature-flush-cache, B/feature-barrier,
 * B/feature-discard, B/discard-granularity, B/discard-alignment (at
 * Connected).  Written in F: ring-ref, or ring-page-order and
 * ring-ref0..N-1; event-channel; protocol (x86_64-abi);
 * feature-persistent; state.  Every value read is the backend's, so
 * hostile: parsed strictly, bounded.
 *
 * Events.  The caller's loop gives us its xenstore watch events
 * (pvr_blkfront_handle_watch(), which says whether the token was ours)
 * and, unless cfg->mux is given (then blkfront binds its port there),
 * our event channel's (pvr_blkfront_handle_evtchn()), and calls
 * pvr_blkfront_tick() now and then for the reconnect deadline.
 *
 * Disconnects.  A backend at Closing or Closed, a state node gone, or a
 * ring whose producer index jumps beyond what we posted: the ring is
 * torn down (grants revoked, channel closed), requests in flight go back
 * to the head of the queue, and we go to Closed, waiting for the
 * backend to come back through InitWait, when the handshake is redone
 * and the queue replayed.  If it has not reconnected within
 * cfg->reconnect_ms, every queued request fails with -EIO, and so do
 * later ones until it reconnects.  Nothing is dropped silently.
 *
 * Threads: everything runs on the caller's loop thread.  Logs failures
 * and, rate-limited, the backend's misbehaviour (PVR_LOG_GUEST).
 */
#ifndef PVR_BLKFRONT_H
#define PVR_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loop.h"
#include "drivers/nvme/blkdev.h"
#include "port/port.h"

typedef struct pvr_blkfront pvr_blkfront;

enum pvr_blkfront_grants {
    PVR_BLKFRONT_POOL = 0,      /* shared once per slot, data copied */
    PVR_BLKFRONT_PER_REQUEST,   /* shared and unshared per request */
};

struct pvr_blkfront_config {
    pvr_port *port;
    const char *frontend_dir;   /* absolute: /local/domain/D/device/vbd/N */
    const char *backend_dir;    /* NULL: read F/backend, F/backend-id */
    uint32_t backend_domid;     /* with backend_dir */
    pvr_evmux *mux;             /* NULL: the caller calls handle_evtchn */
    enum pvr_blkfront_grants grants;
    unsigned int max_ring_order;    /* 0 to 4; the backend may lower it */
    unsigned int max_inflight;      /* slots; 0: 16; at most the ring */
    unsigned int reconnect_ms;      /* 0: 10000 */
};

/*
 * Start the handshake.  The caller owns *out and frees it with
 * pvr_blkfront_close().  -EINVAL bad config or backend nodes, -ENOMEM,
 * or the port's error.  Logs failures.
 */
int pvr_blkfront_open(const struct pvr_blkfront_config *cfg,
                      pvr_blkfront **out);

/*
 * Cancel every request (-ECANCELED), write state Closed, revoke every
 * grant, close the channel and the watch, free.  Accepts NULL.
 */
void pvr_blkfront_close(pvr_blkfront *bf);

/* The block device; valid until close.  info() is complete once
 * connected (before, sectors is 0). */
pvr_blkdev *pvr_blkfront_dev(pvr_blkfront *bf);

/* A xenstore watch event: true if token was ours (then it is handled). */
bool pvr_blkfront_handle_watch(pvr_blkfront *bf, const char *path,
                               const char *token);
/* An event on our channel (possibly spurious); the caller unmasks. */
void pvr_blkfront_handle_evtchn(pvr_blkfront *bf);
/* Our local port, 0 when none. */
uint32_t pvr_blkfront_evtchn(const pvr_blkfront *bf);
/* Fail queued requests once the reconnect deadline has passed. */
void pvr_blkfront_tick(pvr_blkfront *bf);

enum pvr_blkfront_state {
    PVR_BLKFRONT_WAITING,       /* for the backend's InitWait */
    PVR_BLKFRONT_INITIALISED,   /* ring shared, for its Connected */
    PVR_BLKFRONT_CONNECTED,
    PVR_BLKFRONT_DISCONNECTED,  /* torn down, for its return */
};

struct pvr_blkfront_stats {
    enum pvr_blkfront_state state;
    unsigned int ring_pages, ring_size, slots, max_segs;
    bool indirect, persistent, flush, barrier, discard;
    uint64_t discard_granularity, discard_alignment;    /* bytes */
    uint64_t requests;          /* put on the ring */
    uint64_t responses;         /* accepted from the ring */
    uint64_t bad_responses;     /* unknown, duplicate or malformed id */
    uint64_t queued;            /* waiting for a slot now (a gauge) */
    uint64_t inflight;          /* on the ring now (a gauge) */
    uint64_t replayed;          /* requests put back after a disconnect */
    uint64_t failed;            /* failed with -EIO after the deadline */
    uint64_t connects, disconnects, broken_rings;
    uint64_t grant_calls;       /* share + unshare calls, ever */
};
void pvr_blkfront_stats(const pvr_blkfront *bf,
                        struct pvr_blkfront_stats *out);

#endif /* PVR_BLKFRONT_H */
