/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The block device the NVMe controller stores to: an asynchronous,
 * sector-addressed interface shaped after the Xen blkif protocol, so
 * that drivers/blkfront can implement it with one blkif request per
 * pvr_blk_req.
 *
 * Theory of operation.  A request is a read or write of whole 512-byte
 * sectors held in up to max_segs segments, each a run of sectors inside
 * one 4 KiB page-aligned page (blkif's first_sect/last_sect), or a flush
 * of the device's volatile cache, or a discard of a sector range.  The
 * submitter owns the request and its pages until done() is called;
 * done() is called exactly once per accepted request, on the loop
 * thread, possibly before submit() returns, with 0 or a negative errno
 * (-EIO media error, -EOPNOTSUPP not offered, -ECANCELED cancelled,
 * anything else a transport failure).  submit() never refuses for lack
 * of ring space: a backend queues what its ring cannot take (the NVMe
 * side bounds how much it submits).  submit() returning an error means
 * done() will not be called.
 *
 * This header is separate from nvme.h because backends (blkfront, the
 * memory device below) implement it without needing anything NVMe.
 *
 * Guest-controlled data: the pages carry guest data but no pointer or
 * length in a request comes from the guest unchecked; backends may trust
 * a request's shape (the NVMe side builds and checks it).
 */
#ifndef PVR_BLKDEV_H
#define PVR_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVR_BLK_SECTOR_SHIFT     9
#define PVR_BLK_SECTOR_SIZE      512u
#define PVR_BLK_PAGE_SIZE        4096u
#define PVR_BLK_SECTORS_PER_PAGE 8u
/* Segments a request may carry at most; blkif without indirect: 11. */
#define PVR_BLK_MAX_SEGS         32u

enum pvr_blk_op {
    PVR_BLK_READ,
    PVR_BLK_WRITE,
    PVR_BLK_FLUSH,
    PVR_BLK_DISCARD,
};

struct pvr_blk_seg {
    void *page;             /* 4 KiB, page-aligned */
    uint8_t first_sect;     /* 0-7 */
    uint8_t last_sect;      /* first_sect-7, inclusive, as blkif */
};

typedef struct pvr_blk_req pvr_blk_req;
typedef void pvr_blk_done_fn(pvr_blk_req *req, int status);

struct pvr_blk_req {
    enum pvr_blk_op op;
    uint64_t sector;            /* read, write, discard */
    uint64_t nr_sectors;        /* discard only */
    unsigned int nr_segs;       /* read, write: 1 to max_segs */
    struct pvr_blk_seg seg[PVR_BLK_MAX_SEGS];
    pvr_blk_done_fn *done;
    void *opaque;               /* the submitter's */
};

struct pvr_blk_info {
    uint64_t sectors;           /* capacity */
    unsigned int max_segs;      /* per request, 1 to PVR_BLK_MAX_SEGS */
    bool readonly;
    bool flush;                 /* a volatile cache that flush empties */
    bool discard;
};

struct pvr_blk_ops {
    void (*info)(void *be, struct pvr_blk_info *out);
    /* 0: accepted, done() follows; negative errno: refused, no done(). */
    int (*submit)(void *be, pvr_blk_req *req);
    /*
     * Complete every accepted request with -ECANCELED (or its real result
     * if it has one) before returning.  For teardown.
     */
    void (*cancel_all)(void *be);
};

typedef struct pvr_blkdev {
    const struct pvr_blk_ops *ops;
    void *be;
} pvr_blkdev;

/* ---- A memory-backed device, for tests, fuzzing and benchmarks ---- */

#define PVR_BLK_MEM_DEFER  0x1  /* complete only in pvr_blk_mem_complete() */
#define PVR_BLK_MEM_NULL   0x2  /* keep no data: reads return zeros, fast */

/*
 * A device of sectors sectors (zero-filled) accepting max_segs segments
 * per request, with flush and discard (discarded sectors read as zeros).
 * The caller owns *out and frees it with pvr_blk_mem_close(), which
 * cancels what is still queued.  -EINVAL, -ENOMEM.  Does not log.
 */
int pvr_blk_mem_open(uint64_t sectors, unsigned int max_segs,
                     unsigned int flags, pvr_blkdev **out);
void pvr_blk_mem_close(pvr_blkdev *d);

/* Deferred mode: complete up to max queued requests, oldest first. */
unsigned int pvr_blk_mem_complete(pvr_blkdev *d, unsigned int max);
unsigned int pvr_blk_mem_queued(const pvr_blkdev *d);
/* The next request (of any kind) fails with err (a negative errno). */
void pvr_blk_mem_fail_next(pvr_blkdev *d, int err);
/* The device's contents (NULL for PVR_BLK_MEM_NULL). */
uint8_t *pvr_blk_mem_data(pvr_blkdev *d);

struct pvr_blk_mem_stats {
    uint64_t reads, writes, flushes, discards;
    uint64_t sectors_read, sectors_written, sectors_discarded;
    unsigned int max_segs_seen;
};
void pvr_blk_mem_stats(const pvr_blkdev *d, struct pvr_blk_mem_stats *out);

/*
 * The checks a strict blkback makes, for backends: 0 and *nr_out (the
 * request's sectors; 0 for a flush), or -EINVAL for a request with no
 * or too many segments, a segment off its page or with first > last,
 * or a range beyond sectors.
 */
int pvr_blk_check_shape(uint64_t sectors, unsigned int max_segs,
                        const pvr_blk_req *r, uint64_t *nr_out);

/* A checked segment's bytes: where they start in its page, how many. */
static inline uint8_t *pvr_blk_seg_data(const struct pvr_blk_seg *s,
                                        size_t *len_out)
{
    *len_out = (size_t)(s->last_sect - s->first_sect + 1) <<
               PVR_BLK_SECTOR_SHIFT;
    return (uint8_t *)s->page +
           ((size_t)s->first_sect << PVR_BLK_SECTOR_SHIFT);
}

/* ---- A raw image file or host block device (blkfile.c) ---- */

/*
 * path opened read-write; its size, rounded down to whole sectors, is
 * the capacity.  Synchronous: done() is called inside submit().  Flush
 * is fdatasync; discard punches a hole (regular files; -EOPNOTSUPP on a
 * file system without holes).  -errno of open, -EINVAL for anything but
 * a regular file or block device of at least one sector, -ENOMEM.  Does
 * not log.
 */
int pvr_blk_file_open(const char *path, pvr_blkdev **out);
void pvr_blk_file_close(pvr_blkdev *d);

struct pvr_blk_file_stats {
    uint64_t reads, writes, flushes, discards;
    uint64_t sectors_read, sectors_written;
};
void pvr_blk_file_stats(const pvr_blkdev *d, struct pvr_blk_file_stats *out);

/*
 * The backing store pvdomaind's --nvme names, behind one function so
 * that drivers/blkfront plugs in here: "mem:SIZE" (zero-filled memory,
 * SIZE in bytes with an optional K, M or G suffix, a multiple of 512),
 * else a path for pvr_blk_file_open.  On error err holds one line
 * naming the argument and the fix.  Close with pvr_blk_backing_close
 * (accepts one that never opened).
 */
struct pvr_blk_backing {
    pvr_blkdev *dev;
    void (*close)(pvr_blkdev *d);
};
int pvr_blk_backing_open(const char *spec, struct pvr_blk_backing *out,
                         char *err, size_t errlen);
void pvr_blk_backing_close(struct pvr_blk_backing *b);

#endif /* PVR_BLKDEV_H */
