/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * I/O commands: Flush, Write, Read, Write Zeroes, Dataset Management.
 *
 * A command becomes block requests on private pages: a write's data is
 * copied from the guest into a bounce buffer before any request goes
 * out, a read's is copied to the guest after the last one is back.
 * Requests carry at most the device's max_segs pages each, and at most
 * NVME_WINDOW are outstanding per command; the next one is issued as
 * one completes.  Write Zeroes writes a shared zero page (blkif has no
 * write-zeroes), Dataset Management deallocates with discards (or does
 * nothing when the device cannot discard: deallocation is advisory),
 * and FUA adds a flush after the writes.
 */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define IO_FLUSH        0x00
#define IO_WRITE        0x01
#define IO_READ         0x02
#define IO_WRITE_ZEROES 0x08
#define IO_DSM          0x09

#define BAD(sc) ((sc) | NVME_SC_DNR)
#define FUA     (1u << 30)

static void issue(pvr_nvme *n, struct nvme_cmd *c);

static uint16_t blk_status(const struct nvme_cmd *c)
{
    if ( c->blk_err == -EIO )
        return c->op == PVR_BLK_READ ? NVME_SC_READ_ERROR
                                     : NVME_SC_WRITE_FAULT;
    /* Transport trouble (a backend reconnecting): the host may retry. */
    return NVME_SC_INTERNAL;
}

/* A successful read's or write's phases into the stats. */
static void account(pvr_nvme *n, struct nvme_cmd *c)
{
    struct pvr_nvme_times *t = c->op == PVR_BLK_READ ? &n->stats.reads
                                                     : &n->stats.writes;

    t->n++;
    t->prep_ns += c->t_issue - c->t_fetch;
    t->device_ns += c->t_done - c->t_issue;
    t->finish_ns += nvme__now_ns() - c->t_done;
}

static void finish(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t st = NVME_SC_SUCCESS;
    bool timed = !c->zeroes && !c->flush_after &&
                 (c->op == PVR_BLK_READ || c->op == PVR_BLK_WRITE);

    c->t_done = nvme__now_ns();
    if ( c->blk_err )
        st = blk_status(c);
    else if ( c->op == PVR_BLK_READ )
        st = nvme__to_guest(n, c, c->bounce);
    else if ( c->flush_after )
    {
        c->flush_after = false;
        c->op = PVR_BLK_FLUSH;
        c->at = 0;
        c->end = 1;
        issue(n, c);
        return;
    }
    c->status = st;
    if ( timed && st == NVME_SC_SUCCESS )
        account(n, c);
    nvme__complete(n, c);
}

static void req_done(pvr_blk_req *req, int status)
{
    struct nvme_cmd *c = req->opaque;
    pvr_nvme *n = c->n;

    c->reqs_busy &= ~(1u << (req - c->req));
    if ( status && !c->blk_err )
        c->blk_err = status;
    if ( c->issuing )
        return;                 /* issue() goes on from where it is */
    if ( c->gen != n->gen )
    {
        /* Orphaned by a reset: free it once the device is done with it. */
        if ( c->reqs_busy == 0 )
        {
            n->stats.orphans++;
            nvme__cmd_free(n, c);
        }
        return;
    }
    issue(n, c);
    nvme__process(n);
}

/* Fill r with the next piece of c's work; false when there is none. */
static bool next_piece(pvr_nvme *n, struct nvme_cmd *c, pvr_blk_req *r)
{
    uint64_t left;
    unsigned int i;

    r->op = c->op;
    if ( c->op == PVR_BLK_DISCARD )
    {
        const uint8_t *rng;

        /* Bounded by nr_ranges; empty ranges were validated too. */
        for ( ; c->range < c->nr_ranges; c->range++ )
        {
            rng = c->bounce + 16 * c->range;
            if ( nvme__get32(rng + 4) == 0 )
                continue;
            r->sector = nvme__get64(rng + 8);
            r->nr_sectors = nvme__get32(rng + 4);
            c->range++;
            return true;
        }
        return false;
    }
    if ( c->at >= c->end )
        return false;
    if ( c->op == PVR_BLK_FLUSH )
    {
        c->at = c->end;
        return true;
    }
    r->sector = c->at;
    left = c->end - c->at;
    for ( i = 0; i < n->info.max_segs && left; i++ )
    {
        unsigned int k = left < PVR_BLK_SECTORS_PER_PAGE
                         ? left : PVR_BLK_SECTORS_PER_PAGE;
        uint64_t page = (c->at - c->slba) / PVR_BLK_SECTORS_PER_PAGE;

        r->seg[i] = (struct pvr_blk_seg){
            .page = c->zeroes ? n->zero_page
                              : c->bounce + page * NVME_PAGE,
            .first_sect = 0, .last_sect = k - 1,
        };
        c->at += k;
        left -= k;
    }
    r->nr_segs = i;
    return true;
}

static void issue(pvr_nvme *n, struct nvme_cmd *c)
{
    unsigned int slot;
    int rc;

    c->issuing = true;
    while ( !c->blk_err && c->reqs_busy != (1u << NVME_WINDOW) - 1 )
    {
        pvr_blk_req *r;

        for ( slot = 0; c->reqs_busy & (1u << slot); slot++ )
            ;
        r = &c->req[slot];
        memset(r, 0, offsetof(pvr_blk_req, seg));
        if ( !next_piece(n, c, r) )
            break;
        r->done = req_done;
        r->opaque = c;
        c->reqs_busy |= 1u << slot;
        n->stats.blk_reqs++;
        rc = n->blk->ops->submit(n->blk->be, r);
        if ( rc )
        {
            c->reqs_busy &= ~(1u << slot);
            c->blk_err = rc;
        }
    }
    c->issuing = false;
    if ( c->reqs_busy )
        return;
    if ( c->gen != n->gen )
    {
        n->stats.orphans++;
        nvme__cmd_free(n, c);
        return;
    }
    finish(n, c);
}

/* SLBA and NLB of a read, write or write zeroes; 0 or a status. */
static uint16_t lba_range(pvr_nvme *n, struct nvme_cmd *c)
{
    uint64_t nlb = (c->dw[12] & 0xffff) + 1;

    c->slba = c->dw[10] | ((uint64_t)c->dw[11] << 32);
    if ( c->slba > n->info.sectors || nlb > n->info.sectors - c->slba )
        return BAD(NVME_SC_LBA_RANGE);
    c->at = c->slba;
    c->end = c->slba + nlb;
    return 0;
}

static uint16_t rw(pvr_nvme *n, struct nvme_cmd *c, bool write)
{
    uint32_t len;
    uint16_t st = lba_range(n, c);

    if ( st )
        return st;
    len = (c->end - c->slba) << PVR_BLK_SECTOR_SHIFT;
    if ( len > PVR_NVME_MDTS_BYTES )
        return BAD(NVME_SC_INVALID_FIELD);
    st = nvme__prp_map(n, c, len);
    if ( st )
        return st;
    if ( nvme__bounce(c, len) )
        return NVME_SC_INTERNAL;
    if ( write && (st = nvme__from_guest(n, c, c->bounce)) != 0 )
        return st;
    c->op = write ? PVR_BLK_WRITE : PVR_BLK_READ;
    c->flush_after = write && (c->dw[12] & FUA) && n->info.flush;
    c->t_issue = nvme__now_ns();
    issue(n, c);
    return NVME_PENDING;
}

static uint16_t dsm(pvr_nvme *n, struct nvme_cmd *c)
{
    unsigned int nr = (c->dw[10] & 0xff) + 1, i;
    uint16_t st;

    st = nvme__prp_map(n, c, nr * 16);
    if ( st )
        return st;
    if ( nvme__bounce(c, nr * 16) )
        return NVME_SC_INTERNAL;
    if ( (st = nvme__from_guest(n, c, c->bounce)) != 0 )
        return st;
    /* Validate every range (copied once) before any goes out. */
    for ( i = 0; i < nr; i++ )
    {
        const uint8_t *rng = c->bounce + 16 * i;
        uint64_t slba = nvme__get64(rng + 8), nlb = nvme__get32(rng + 4);

        if ( slba > n->info.sectors || nlb > n->info.sectors - slba )
            return BAD(NVME_SC_LBA_RANGE);
    }
    if ( !(c->dw[11] & 0x4) || !n->info.discard )
        return NVME_SC_SUCCESS;                 /* AD clear: a hint */
    c->op = PVR_BLK_DISCARD;
    c->nr_ranges = nr;
    issue(n, c);
    return NVME_PENDING;
}

uint16_t nvme__io(pvr_nvme *n, struct nvme_cmd *c)
{
    uint8_t opc = c->dw[0] & 0xff;
    uint32_t nsid = c->dw[1];
    uint16_t st;

    if ( opc != IO_FLUSH && opc != IO_WRITE && opc != IO_READ &&
         opc != IO_WRITE_ZEROES && opc != IO_DSM )
        return BAD(NVME_SC_INVALID_OPCODE);
    if ( nsid != 1 && !(opc == IO_FLUSH && nsid == 0xffffffff) )
        return BAD(NVME_SC_INVALID_NS);
    if ( n->info.readonly && opc != IO_FLUSH && opc != IO_READ )
        return BAD(NVME_SC_READ_ONLY);
    switch ( opc )
    {
    case IO_FLUSH:
        if ( !n->info.flush )
            return NVME_SC_SUCCESS;
        c->op = PVR_BLK_FLUSH;
        c->end = 1;
        issue(n, c);
        return NVME_PENDING;
    case IO_WRITE:
        return rw(n, c, true);
    case IO_READ:
        return rw(n, c, false);
    case IO_WRITE_ZEROES:
        st = lba_range(n, c);
        if ( st )
            return st;
        c->op = PVR_BLK_WRITE;
        c->zeroes = true;
        c->flush_after = (c->dw[12] & FUA) && n->info.flush;
        issue(n, c);
        return NVME_PENDING;
    default:
        return dsm(n, c);
    }
}
