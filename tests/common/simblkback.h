/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A blkback test double on the sim: the toolstack's and dom0 blkback's
 * part of a vbd, for drivers/blkfront's tests, fuzzer and benchmark.
 *
 * simblkback_open() writes what the toolstack and blkback's probe
 * write (both directories, the backend's features, state InitWait).
 * simblkback_xenbus() follows the frontend's state node as blkback's
 * frontend_changed() does: at Initialised it reads ring-ref(s),
 * event-channel and protocol, maps the ring through
 * pvr_sim_gnttab_peer_map (the pages must be one share: the sim gives
 * them contiguously), writes the disk's nodes and goes Connected; at
 * the frontend's Closing/Closed it drops the ring and goes Closed; at
 * its Initialising after that, back to InitWait (when reconnect is
 * allowed).  simblkback_poll() serves requests from a memory image,
 * mapping every data page by its grant, and answers with blkback's
 * notify check.  It can offer or withhold each feature and misbehave
 * on purpose.
 *
 * It finds the backend end of the frontend's unbound channel in the
 * sim's private port table (port/sim/sim_priv.h): the sim has no call
 * for "the remote end of my local port", and a test double may look.
 * Single-threaded; logs nothing.
 */
#ifndef PVR_TEST_SIMBLKBACK_H
#define PVR_TEST_SIMBLKBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/blkfront/blkif.h"
#include "port/sim/sim.h"

struct simblkback_features {
    uint64_t sectors;
    unsigned int max_ring_order;    /* 0: node not written */
    unsigned int max_indirect;      /* 0: node not written */
    unsigned int sector_size;       /* 0: 512 */
    bool persistent, flush, barrier, discard, readonly;
};

enum simblkback_fault {
    SBB_OK = 0,
    SBB_BAD_ID,         /* the next response names an id never sent */
    SBB_DUP_ID,         /* the next response repeats the previous id */
    SBB_RSP_JUMP,       /* rsp_prod jumps two rings ahead */
    SBB_EOPNOTSUPP,     /* the next response says EOPNOTSUPP */
    SBB_ERROR,          /* the next response says ERROR */
};

struct simblkback_stats {
    unsigned long reads, writes, flushes, barriers, discards, indirects;
    unsigned long bad_requests, max_segs_seen, connects, kicks;
    unsigned long data_maps;    /* grant pages looked up for data */
};

struct simblkback {
    pvr_port *port;
    pvr_sim *sim;
    uint32_t domid;
    char fe[128], be[128];
    struct simblkback_features f;
    uint8_t *image;
    int state;                  /* the backend's state node */
    bool reconnect;             /* Closed -> InitWait when asked */
    bool hold;                  /* leave requests unanswered */
    enum simblkback_fault fault;
    struct pvr_blkif_sring *sring;
    unsigned int ring_size;
    uint32_t req_cons, rsp_prod_pvt, remote, ring_ref0;
    uint64_t last_id;
    char protocol[32];
    bool fe_persistent;
    struct simblkback_stats st;
};

/*
 * Write the vbd's nodes under fe and be (absolute or relative), domid
 * being the backend's (the sim's one domain).  0 or -errno.
 */
int simblkback_open(struct simblkback *sb, pvr_port *port, const char *fe,
                    const char *be, const struct simblkback_features *f);
void simblkback_close(struct simblkback *sb);

/*
 * The mapped ring, or NULL (and dropped) once the frontend has revoked
 * it: on Xen the backend's mapping would keep the page; on the sim an
 * unshare unmaps it, so look before touching it.
 */
struct pvr_blkif_sring *simblkback_ring(struct simblkback *sb);

/* One step of the state machine; returns the backend's state. */
int simblkback_xenbus(struct simblkback *sb);
/* Serve up to max requests (0: all there are); returns how many. */
unsigned int simblkback_poll(struct simblkback *sb, unsigned int max);
/* Write the backend's state; Closing and Closed drop the ring. */
void simblkback_set_state(struct simblkback *sb, int state);

/* ---- A whole environment: sim stack, simblkback, blkfront ---- */

#include "drivers/blkfront/blkfront.h"
#include "tests/common/simstack.h"

#define SBENV_FE "/local/domain/7/device/vbd/51712"
#define SBENV_BE "/local/domain/0/backend/vbd/7/51712"

struct sbenv {
    struct simstack st;
    struct simblkback sb;
    pvr_blkfront *bf;
    pvr_blkdev *dev;
};

/*
 * Sim stack (with an IOREQ server of nr_vcpus if non-zero, pumping the
 * loop while a guest access waits), backend with features f, frontend
 * with cfg (port, directories and mux filled in here), pumped until
 * connected.  0, -ETIMEDOUT when it does not connect, or -errno.
 */
int sbenv_open(struct sbenv *e, unsigned int nr_vcpus,
               const struct simblkback_features *f,
               const struct pvr_blkfront_config *cfg);
void sbenv_close(struct sbenv *e);
/*
 * One turn: the backend's state machine and requests, the loop (our
 * event channel), xenstore watch events to blkfront, its tick.
 */
void sbenv_pump(struct sbenv *e);
/* Pump until *flag is true or rounds run out; the flag's value. */
bool sbenv_pump_until(struct sbenv *e, const bool *flag,
                      unsigned int rounds);

#endif /* PVR_TEST_SIMBLKBACK_H */
