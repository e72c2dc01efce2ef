/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A block device on a raw image file (or a host block device), behind
 * the interface of blkdev.h, and the one place that turns pvdomaind's
 * --nvme argument into a pvr_blkdev (pvr_blk_backing_open).
 *
 * Theory of operation.  Requests are served synchronously with
 * pread/pwrite on the loop thread, done() being called before submit()
 * returns (blkdev.h allows it); flush is fdatasync, discard punches a
 * hole (regular files only).  This blocks the loop for the length of
 * one request, at most MDTS (128 KiB): good enough for tests and for a
 * backing file in dom0's page cache, not for throughput; drivers/blkfront
 * is the asynchronous backend, and plugs in through the same function.
 * Every request's shape is checked (pvr_blk_check_shape) before any byte
 * moves.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "drivers/nvme/blkdev.h"

struct blkfile {
    pvr_blkdev dev;
    int fd;
    uint64_t sectors;
    bool discard;
    struct pvr_blk_file_stats stats;
};

static void file_info(void *be, struct pvr_blk_info *out)
{
    struct blkfile *f = be;

    *out = (struct pvr_blk_info){
        .sectors = f->sectors, .max_segs = PVR_BLK_MAX_SEGS,
        .flush = true, .discard = f->discard,
    };
}

static int serve(struct blkfile *f, const pvr_blk_req *r)
{
    uint64_t nr = 0;
    off_t at;
    unsigned int i;
    int rc = pvr_blk_check_shape(f->sectors, PVR_BLK_MAX_SEGS, r, &nr);

    if ( rc )
        return rc;
    at = (off_t)(r->sector << PVR_BLK_SECTOR_SHIFT);
    switch ( r->op )
    {
    case PVR_BLK_FLUSH:
        f->stats.flushes++;
        return fdatasync(f->fd) < 0 ? -errno : 0;
    case PVR_BLK_DISCARD:
        if ( !f->discard )
            return -EOPNOTSUPP;
        f->stats.discards++;
        if ( nr && fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                             at, (off_t)(nr << PVR_BLK_SECTOR_SHIFT)) < 0 )
            return errno == EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
        return 0;
    case PVR_BLK_READ:
    case PVR_BLK_WRITE:
        break;
    }
    for ( i = 0; i < r->nr_segs; i++ )
    {
        size_t len;
        uint8_t *page = pvr_blk_seg_data(&r->seg[i], &len);

        rc = r->op == PVR_BLK_WRITE ? pvr_pwrite_all(f->fd, page, len, at)
                                     : pvr_pread_all(f->fd, page, len, at);
        if ( rc )
            /* A short file (truncated under us) or an I/O error. */
            return rc == -ENOSPC || rc == -EIO ? -EIO : rc;
        at += len;
    }
    if ( r->op == PVR_BLK_READ )
        f->stats.reads++, f->stats.sectors_read += nr;
    else
        f->stats.writes++, f->stats.sectors_written += nr;
    return 0;
}

static int file_submit(void *be, pvr_blk_req *r)
{
    if ( !r->done )
        return -EINVAL;
    r->done(r, serve(be, r));
    return 0;
}

/* Nothing is ever held: every request completed inside submit(). */
static void file_cancel_all(void *be)
{
    (void)be;
}

static const struct pvr_blk_ops file_ops = {
    .info = file_info,
    .submit = file_submit,
    .cancel_all = file_cancel_all,
};

int pvr_blk_file_open(const char *path, pvr_blkdev **out)
{
    struct blkfile *f;
    struct stat st;
    uint64_t bytes;
    int fd, rc;

    *out = NULL;
    fd = open(path, O_RDWR | O_CLOEXEC);
    if ( fd < 0 )
        return errno == EISDIR ? -EINVAL : -errno;
    if ( fstat(fd, &st) < 0 )
        goto fail_errno;
    if ( S_ISBLK(st.st_mode) )
    {
        if ( ioctl(fd, BLKGETSIZE64, &bytes) < 0 )
            goto fail_errno;
    }
    else if ( S_ISREG(st.st_mode) )
        bytes = (uint64_t)st.st_size;
    else
    {
        rc = -EINVAL;
        goto fail;
    }
    /* A trailing partial sector is not addressable; none at all: -EINVAL. */
    if ( bytes < PVR_BLK_SECTOR_SIZE )
    {
        rc = -EINVAL;
        goto fail;
    }
    f = calloc(1, sizeof(*f));
    if ( !f )
    {
        rc = -ENOMEM;
        goto fail;
    }
    f->fd = fd;
    f->sectors = bytes >> PVR_BLK_SECTOR_SHIFT;
    f->discard = S_ISREG(st.st_mode);
    f->dev = (pvr_blkdev){ &file_ops, f };
    *out = &f->dev;
    return 0;

fail_errno:
    rc = -errno;
fail:
    close(fd);
    return rc;
}

void pvr_blk_file_close(pvr_blkdev *d)
{
    struct blkfile *f;

    if ( !d )
        return;
    f = d->be;
    close(f->fd);
    free(f);
}

void pvr_blk_file_stats(const pvr_blkdev *d, struct pvr_blk_file_stats *out)
{
    *out = ((const struct blkfile *)d->be)->stats;
}

/* "512", "64K", "16M", "1G": bytes, a whole number of sectors. */
static int parse_size(const char *s, uint64_t *out)
{
    unsigned long long v;
    char *end;
    unsigned int shift = 0;

    errno = 0;
    if ( s[0] < '0' || s[0] > '9' )
        return -EINVAL;
    v = strtoull(s, &end, 10);
    if ( errno )
        return -EINVAL;
    switch ( *end )
    {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    default: break;
    }
    if ( *end || v == 0 || v > (UINT64_MAX >> shift) )
        return -EINVAL;
    v <<= shift;
    if ( v % PVR_BLK_SECTOR_SIZE )
        return -EINVAL;
    *out = v;
    return 0;
}

int pvr_blk_backing_open(const char *spec, struct pvr_blk_backing *out,
                         char *err, size_t errlen)
{
    uint64_t bytes;
    int rc;

    memset(out, 0, sizeof(*out));
    if ( !strncmp(spec, "mem:", 4) )
    {
        if ( parse_size(spec + 4, &bytes) )
        {
            snprintf(err, errlen, "'%s': give mem:SIZE, SIZE a multiple of "
                     "512 bytes with an optional K, M or G suffix", spec);
            return -EINVAL;
        }
        rc = pvr_blk_mem_open(bytes >> PVR_BLK_SECTOR_SHIFT, PVR_BLK_MAX_SEGS,
                              0, &out->dev);
        if ( rc )
            snprintf(err, errlen, "'%s': %s (at most 1 TiB, and it must fit "
                     "in memory)", spec, strerror(-rc));
        else
            out->close = pvr_blk_mem_close;
        return rc;
    }
    if ( !spec[0] )
    {
        snprintf(err, errlen, "give a raw image file, a block device or "
                 "mem:SIZE");
        return -EINVAL;
    }
    rc = pvr_blk_file_open(spec, &out->dev);
    if ( rc == -EINVAL )
        snprintf(err, errlen, "%s: not a regular file or block device of "
                 "at least 512 bytes", spec);
    else if ( rc )
        snprintf(err, errlen, "%s: %s", spec, strerror(-rc));
    else
        out->close = pvr_blk_file_close;
    return rc;
}

void pvr_blk_backing_close(struct pvr_blk_backing *b)
{
    if ( b->dev && b->close )
        b->close(b->dev);
    b->dev = NULL;
    b->close = NULL;
}
