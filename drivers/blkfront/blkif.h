/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The blkif ring ABI (xen/include/public/io/blkif.h and io/ring.h, a
 * stable interface), x86_64 layout, mirrored here so that the sim-only
 * build needs no Xen headers; the offsets are checked below against
 * the public header's x86_64 layout.  Shared with tests/common's
 * simblkback and the fuzzer, which play the backend.
 */
#ifndef PVR_BLKIF_H
#define PVR_BLKIF_H

#include <stddef.h>
#include <stdint.h>

#define PVR_BLKIF_OP_READ             0
#define PVR_BLKIF_OP_WRITE            1
#define PVR_BLKIF_OP_WRITE_BARRIER    2
#define PVR_BLKIF_OP_FLUSH_DISKCACHE  3
#define PVR_BLKIF_OP_DISCARD          5
#define PVR_BLKIF_OP_INDIRECT         6

#define PVR_BLKIF_RSP_EOPNOTSUPP  (-2)
#define PVR_BLKIF_RSP_ERROR       (-1)
#define PVR_BLKIF_RSP_OKAY        0

#define PVR_BLKIF_MAX_SEGS            11
#define PVR_BLKIF_MAX_INDIRECT_PAGES  8
#define PVR_BLKIF_SEGS_PER_INDIRECT   512     /* 4096 / 8 */
#define PVR_BLKIF_MAX_RING_ORDER      4

#define PVR_VDISK_READONLY 0x4

/* xenbus states (xen/include/public/io/xenbus.h). */
enum pvr_xenbus_state {
    PVR_XB_UNKNOWN = 0,
    PVR_XB_INITIALISING = 1,
    PVR_XB_INITWAIT = 2,
    PVR_XB_INITIALISED = 3,
    PVR_XB_CONNECTED = 4,
    PVR_XB_CLOSING = 5,
    PVR_XB_CLOSED = 6,
    PVR_XB_RECONFIGURING = 7,
    PVR_XB_RECONFIGURED = 8,
};

struct pvr_blkif_seg {
    uint32_t gref;
    uint8_t first_sect, last_sect;
    uint16_t pad;
};

struct pvr_blkif_req {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    uint32_t pad;
    uint64_t id;
    uint64_t sector_number;
    struct pvr_blkif_seg seg[PVR_BLKIF_MAX_SEGS];
};

struct pvr_blkif_req_discard {
    uint8_t operation;
    uint8_t flag;
    uint16_t handle;
    uint32_t pad;
    uint64_t id;
    uint64_t sector_number;
    uint64_t nr_sectors;
};

struct pvr_blkif_req_indirect {
    uint8_t operation;
    uint8_t indirect_op;
    uint16_t nr_segments;
    uint32_t pad;
    uint64_t id;
    uint64_t sector_number;
    uint16_t handle;
    uint16_t pad2;
    uint32_t indirect_grefs[PVR_BLKIF_MAX_INDIRECT_PAGES];
};

struct pvr_blkif_rsp {
    uint64_t id;
    uint8_t operation;
    uint8_t pad;
    int16_t status;
    uint32_t pad2;
};

union pvr_blkif_entry {
    struct pvr_blkif_req req;
    struct pvr_blkif_req_discard discard;
    struct pvr_blkif_req_indirect indirect;
    struct pvr_blkif_rsp rsp;
};

/* The shared ring's header; entries follow at offset 64. */
struct pvr_blkif_sring {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    uint8_t pad[48];
    union pvr_blkif_entry ring[];
};

_Static_assert(sizeof(struct pvr_blkif_req) == 112, "blkif_request");
_Static_assert(offsetof(struct pvr_blkif_req, seg) == 24, "blkif seg");
_Static_assert(sizeof(struct pvr_blkif_req_discard) == 32, "discard");
_Static_assert(offsetof(struct pvr_blkif_req_indirect, indirect_grefs) ==
               28, "indirect grefs");
_Static_assert(sizeof(struct pvr_blkif_req_indirect) <= 112, "indirect");
_Static_assert(sizeof(struct pvr_blkif_rsp) == 16, "blkif_response");
_Static_assert(sizeof(union pvr_blkif_entry) == 112, "ring entry");
_Static_assert(offsetof(struct pvr_blkif_sring, ring) == 64, "sring");

/* Entries in a ring of 2^order pages: a power of two, as __RING_SIZE. */
static inline unsigned int pvr_blkif_ring_size(unsigned int order)
{
    unsigned int n = (unsigned int)((4096u << order) -
                                    offsetof(struct pvr_blkif_sring, ring)) /
                     sizeof(union pvr_blkif_entry);
    unsigned int p = 1;

    while ( p * 2 <= n )
        p *= 2;
    return p;
}

#endif /* PVR_BLKIF_H */
