/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A block device in memory, behind the interface of blkdev.h, for
 * tests, fuzzing and benchmarks.  It checks every request's shape as a
 * strict blkback would, so a malformed request from the NVMe side is
 * caught here (-EINVAL) rather than silently served.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/blkdev.h"

struct blkmem {
    pvr_blkdev dev;
    uint64_t sectors;
    unsigned int max_segs;
    unsigned int flags;
    uint8_t *data;
    pvr_blk_req **queue;        /* deferred requests, FIFO */
    unsigned int q_head, q_len, q_cap;
    int fail_next;
    struct pvr_blk_mem_stats stats;
};

static struct blkmem *of(const pvr_blkdev *d)
{
    return d->be;
}

static void mem_info(void *be, struct pvr_blk_info *out)
{
    struct blkmem *m = be;

    *out = (struct pvr_blk_info){
        .sectors = m->sectors, .max_segs = m->max_segs,
        .flush = true, .discard = true,
    };
}

/* Also blkfile.c's check (blkdev.h). */
int pvr_blk_check_shape(uint64_t sectors, unsigned int max_segs,
                        const pvr_blk_req *r, uint64_t *nr_out)
{
    uint64_t nr = 0;
    unsigned int i;

    switch ( r->op )
    {
    case PVR_BLK_FLUSH:
        *nr_out = 0;
        return 0;
    case PVR_BLK_DISCARD:
        nr = r->nr_sectors;
        break;
    case PVR_BLK_READ:
    case PVR_BLK_WRITE:
        if ( r->nr_segs == 0 || r->nr_segs > max_segs )
            return -EINVAL;
        for ( i = 0; i < r->nr_segs; i++ )
        {
            const struct pvr_blk_seg *s = &r->seg[i];

            if ( !s->page || ((uintptr_t)s->page & (PVR_BLK_PAGE_SIZE - 1)) ||
                 s->first_sect > s->last_sect ||
                 s->last_sect >= PVR_BLK_SECTORS_PER_PAGE )
                return -EINVAL;
            nr += s->last_sect - s->first_sect + 1;
        }
        break;
    default:
        return -EINVAL;
    }
    if ( r->sector > sectors || nr > sectors - r->sector )
        return -EINVAL;
    *nr_out = nr;
    return 0;
}


/* Carry out a request whose shape was checked. */
static int serve(struct blkmem *m, pvr_blk_req *r)
{
    uint64_t nr = 0, at;
    unsigned int i;
    int rc = pvr_blk_check_shape(m->sectors, m->max_segs, r, &nr);

    if ( rc )
        return rc;
    if ( m->fail_next )
    {
        rc = m->fail_next;
        m->fail_next = 0;
        return rc;
    }
    at = r->sector << PVR_BLK_SECTOR_SHIFT;
    switch ( r->op )
    {
    case PVR_BLK_FLUSH:
        m->stats.flushes++;
        break;
    case PVR_BLK_DISCARD:
        m->stats.discards++;
        m->stats.sectors_discarded += nr;
        if ( m->data )
            memset(m->data + at, 0, nr << PVR_BLK_SECTOR_SHIFT);
        break;
    case PVR_BLK_READ:
    case PVR_BLK_WRITE:
        if ( r->op == PVR_BLK_READ )
            m->stats.reads++, m->stats.sectors_read += nr;
        else
            m->stats.writes++, m->stats.sectors_written += nr;
        if ( r->nr_segs > m->stats.max_segs_seen )
            m->stats.max_segs_seen = r->nr_segs;
        for ( i = 0; i < r->nr_segs; i++ )
        {
            size_t len;
            uint8_t *page = pvr_blk_seg_data(&r->seg[i], &len);

            if ( !m->data && r->op == PVR_BLK_READ )
                memset(page, 0, len);
            else if ( m->data && r->op == PVR_BLK_READ )
                memcpy(page, m->data + at, len);
            else if ( m->data )
                memcpy(m->data + at, page, len);
            at += len;
        }
        break;
    }
    return 0;
}

static int mem_submit(void *be, pvr_blk_req *r)
{
    struct blkmem *m = be;

    if ( !r->done )
        return -EINVAL;
    if ( !(m->flags & PVR_BLK_MEM_DEFER) )
    {
        r->done(r, serve(m, r));
        return 0;
    }
    if ( m->q_len == m->q_cap )
    {
        unsigned int cap = m->q_cap ? 2 * m->q_cap : 64, i;
        pvr_blk_req **q = malloc(cap * sizeof(*q));

        if ( !q )
            return -ENOMEM;
        for ( i = 0; i < m->q_len; i++ )
            q[i] = m->queue[(m->q_head + i) % m->q_cap];
        free(m->queue);
        m->queue = q;
        m->q_cap = cap;
        m->q_head = 0;
    }
    m->queue[(m->q_head + m->q_len) % m->q_cap] = r;
    m->q_len++;
    return 0;
}

static pvr_blk_req *dequeue(struct blkmem *m)
{
    pvr_blk_req *r;

    if ( m->q_len == 0 )
        return NULL;
    r = m->queue[m->q_head];
    m->q_head = (m->q_head + 1) % m->q_cap;
    m->q_len--;
    return r;
}

static void mem_cancel_all(void *be)
{
    struct blkmem *m = be;
    pvr_blk_req *r;

    /* Bounded: done() may queue more, but never more than it completes. */
    while ( (r = dequeue(m)) != NULL )
        r->done(r, -ECANCELED);
}

static const struct pvr_blk_ops mem_ops = {
    .info = mem_info,
    .submit = mem_submit,
    .cancel_all = mem_cancel_all,
};

int pvr_blk_mem_open(uint64_t sectors, unsigned int max_segs,
                     unsigned int flags, pvr_blkdev **out)
{
    struct blkmem *m;

    *out = NULL;
    if ( sectors == 0 || sectors > (1ULL << 31) || max_segs == 0 ||
         max_segs > PVR_BLK_MAX_SEGS )
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if ( !m )
        return -ENOMEM;
    if ( !(flags & PVR_BLK_MEM_NULL) )
    {
        m->data = calloc(sectors, PVR_BLK_SECTOR_SIZE);
        if ( !m->data )
        {
            free(m);
            return -ENOMEM;
        }
    }
    m->sectors = sectors;
    m->max_segs = max_segs;
    m->flags = flags;
    m->dev = (pvr_blkdev){ &mem_ops, m };
    *out = &m->dev;
    return 0;
}

void pvr_blk_mem_close(pvr_blkdev *d)
{
    struct blkmem *m;

    if ( !d )
        return;
    m = of(d);
    mem_cancel_all(m);
    free(m->queue);
    free(m->data);
    free(m);
}

unsigned int pvr_blk_mem_complete(pvr_blkdev *d, unsigned int max)
{
    struct blkmem *m = of(d);
    unsigned int n = 0;
    pvr_blk_req *r;

    while ( n < max && (r = dequeue(m)) != NULL )
    {
        r->done(r, serve(m, r));
        n++;
    }
    return n;
}

unsigned int pvr_blk_mem_queued(const pvr_blkdev *d)
{
    return of(d)->q_len;
}

void pvr_blk_mem_fail_next(pvr_blkdev *d, int err)
{
    of(d)->fail_next = err;
}

uint8_t *pvr_blk_mem_data(pvr_blkdev *d)
{
    return of(d)->data;
}

void pvr_blk_mem_stats(const pvr_blkdev *d, struct pvr_blk_mem_stats *out)
{
    *out = of(d)->stats;
}
