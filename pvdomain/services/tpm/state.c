/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vTPM state file.
 *
 * Layout (all integers little-endian):
 *   8 bytes  magic "PVRTPM\0\1"
 *   4 bytes  number of records (1 or 2)
 *   records: 4 bytes type (1 permanent, 2 volatile), 4 bytes length,
 *            then the bytes libtpms gave us
 *   4 bytes  CRC-32 of everything before it
 *
 * The file is replaced atomically: written to "<path>.tmp", fsync()ed,
 * renamed over the old one, then the directory is fsync()ed, so a crash
 * at any point leaves either the old or the new state, never a mix.
 *
 * On a block device (the paravisor domain's state disk) there is no
 * rename, so the same bytes go into one of two slots, each half of the
 * device: a 512-byte header, then the bytes.
 *   8 bytes  magic "PVRSLOT\1"
 *   8 bytes  generation (the newest valid slot wins)
 *   4 bytes  length of the bytes, 4 bytes their CRC-32
 *   4 bytes  CRC-32 of the 24 bytes before it
 * A save overwrites the older slot and syncs, so a crash in the middle
 * leaves the newer one intact.  A device of zeroes holds no state yet.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/log.h"
#include "services/tpm/tpm_priv.h"

#define COMP "tpm-state"

static const uint8_t state_magic[8] = { 'P', 'V', 'R', 'T', 'P', 'M', 0, 1 };

#define REC_PERMANENT  1
#define REC_VOLATILE   2
/* libtpms' largest blobs are well under this; anything bigger is junk. */
#define STATE_MAX      (4u << 20)

uint32_t tpm__crc32(const uint8_t *p, size_t len)
{
    uint32_t crc = ~0u;
    size_t i;
    int b;

    for ( i = 0; i < len; i++ )
    {
        crc ^= p[i];
        for ( b = 0; b < 8; b++ )
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

void tpm__state_dispose(struct tpm_state *st)
{
    free(st->permanent);
    free(st->volatile_);
    memset(st, 0, sizeof(*st));
}

static int read_all(int fd, uint8_t **buf_out, size_t *len_out)
{
    struct stat sb;
    uint8_t *buf;
    size_t off = 0;

    if ( fstat(fd, &sb) < 0 )
        return -errno;
    if ( sb.st_size < 0 || (uint64_t)sb.st_size > STATE_MAX )
        return -EFBIG;
    buf = malloc(sb.st_size ? sb.st_size : 1);
    if ( !buf )
        return -ENOMEM;
    /* Bounded by the file size taken above. */
    while ( off < (size_t)sb.st_size )
    {
        ssize_t r = read(fd, buf + off, sb.st_size - off);

        if ( r < 0 && errno == EINTR )
            continue;
        if ( r <= 0 )
        {
            free(buf);
            return r < 0 ? -errno : -EIO;
        }
        off += r;
    }
    *buf_out = buf;
    *len_out = off;
    return 0;
}

static int parse(const uint8_t *buf, size_t len, struct tpm_state *out)
{
    size_t off = sizeof(state_magic) + 4;
    uint32_t n, i;

    if ( len < off + 4 || memcmp(buf, state_magic, sizeof(state_magic)) )
        return -EBADMSG;
    if ( tpm__crc32(buf, len - 4) != get32(buf + len - 4) )
        return -EBADMSG;
    n = get32(buf + sizeof(state_magic));
    if ( n == 0 || n > 2 )
        return -EBADMSG;
    len -= 4;
    for ( i = 0; i < n; i++ )
    {
        uint32_t type, rlen;
        uint8_t **dst;
        size_t *dlen;

        if ( len - off < 8 )
            return -EBADMSG;
        type = get32(buf + off);
        rlen = get32(buf + off + 4);
        off += 8;
        if ( rlen == 0 || rlen > len - off )
            return -EBADMSG;
        if ( type == REC_PERMANENT )
        {
            dst = &out->permanent;
            dlen = &out->permanent_len;
        }
        else if ( type == REC_VOLATILE )
        {
            dst = &out->volatile_;
            dlen = &out->volatile_len;
        }
        else
            return -EBADMSG;
        if ( *dst )
            return -EBADMSG;    /* a record twice */
        *dst = malloc(rlen);
        if ( !*dst )
            return -ENOMEM;
        memcpy(*dst, buf + off, rlen);
        *dlen = rlen;
        off += rlen;
    }
    if ( off != len || !out->permanent )
        return -EBADMSG;
    return 0;
}

/* ---- slots on a block device ---- */

static const uint8_t slot_magic[8] = { 'P', 'V', 'R', 'S', 'L', 'O', 'T', 1 };

#define SLOT_HDR      512u
#define SLOT_HDR_USED 28u

struct slot {
    bool valid;
    bool blank;             /* all zeroes: never written */
    uint64_t gen;
    uint32_t len;
    uint32_t crc;
};

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v);
    put32(p + 4, v >> 32);
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | ((uint64_t)get32(p + 4) << 32);
}


/* Half the device, in whole sectors; 0 if the device is too small. */
static uint64_t slot_size(uint64_t dev_size)
{
    uint64_t half = (dev_size / 2) & ~(uint64_t)(SLOT_HDR - 1);

    return half >= 2 * SLOT_HDR ? half : 0;
}

static int slot_header(int fd, uint64_t ssize, unsigned int i,
                       struct slot *sl)
{
    uint8_t h[SLOT_HDR_USED];
    unsigned int k;
    int rc = pvr_pread_all(fd, h, sizeof(h), i * ssize);

    memset(sl, 0, sizeof(*sl));
    if ( rc )
        return rc;
    sl->blank = true;
    for ( k = 0; k < sizeof(h); k++ )
        if ( h[k] )
            sl->blank = false;
    if ( memcmp(h, slot_magic, sizeof(slot_magic)) ||
         tpm__crc32(h, 24) != get32(h + 24) )
        return 0;
    sl->gen = get64(h + 8);
    sl->len = get32(h + 16);
    sl->crc = get32(h + 20);
    sl->valid = sl->len > 0 && sl->len <= ssize - SLOT_HDR;
    return 0;
}

/* The slot's bytes, if they match its header; NULL otherwise. */
static uint8_t *slot_bytes(int fd, uint64_t ssize, unsigned int i,
                           const struct slot *sl)
{
    uint8_t *buf = malloc(sl->len);

    if ( buf && (pvr_pread_all(fd, buf, sl->len, i * ssize + SLOT_HDR) ||
                 tpm__crc32(buf, sl->len) != sl->crc) )
    {
        free(buf);
        buf = NULL;
    }
    return buf;
}

int tpm__slots_load(int fd, uint64_t dev_size, struct tpm_state *out)
{
    uint64_t ssize = slot_size(dev_size);
    struct slot sl[2];
    unsigned int i, tries;
    int rc;

    memset(out, 0, sizeof(*out));
    if ( !ssize )
        return -ENOSPC;
    for ( i = 0; i < 2; i++ )
        if ( (rc = slot_header(fd, ssize, i, &sl[i])) )
            return rc;
    if ( sl[0].blank && sl[1].blank )
        return -ENOENT;
    /* The newer slot first; if its bytes are torn, the older one. */
    i = sl[1].valid && (!sl[0].valid || sl[1].gen > sl[0].gen);
    for ( tries = 0; tries < 2; tries++, i ^= 1 )
    {
        uint8_t *buf;

        if ( !sl[i].valid || !(buf = slot_bytes(fd, ssize, i, &sl[i])) )
            continue;
        rc = parse(buf, sl[i].len, out);
        free(buf);
        if ( rc == 0 )
        {
            if ( tries )
                pvr_warn(COMP, "the newer slot is torn; using slot %u "
                         "(generation %lu)", i, (unsigned long)sl[i].gen);
            return 0;
        }
        tpm__state_dispose(out);
    }
    return -EBADMSG;
}

static int slots_write(int fd, uint64_t dev_size, const uint8_t *bytes,
                       size_t len)
{
    uint64_t ssize = slot_size(dev_size), gen;
    uint8_t h[SLOT_HDR] = { 0 };
    struct slot sl[2];
    unsigned int i;
    int rc;

    if ( !ssize || len == 0 || len > ssize - SLOT_HDR )
        return -ENOSPC;
    for ( i = 0; i < 2; i++ )
    {
        if ( (rc = slot_header(fd, ssize, i, &sl[i])) )
            return rc;
        /* A torn slot is no slot: never overwrite the good one for it. */
        if ( sl[i].valid )
        {
            uint8_t *b = slot_bytes(fd, ssize, i, &sl[i]);

            sl[i].valid = b != NULL;
            free(b);
        }
    }
    /* Overwrite the slot that does not hold the newest valid state. */
    if ( sl[0].valid && sl[1].valid )
        i = sl[0].gen > sl[1].gen;
    else
        i = sl[0].valid;
    gen = (sl[i ^ 1].valid ? sl[i ^ 1].gen : 0) + 1;

    memcpy(h, slot_magic, sizeof(slot_magic));
    put64(h + 8, gen);
    put32(h + 16, len);
    put32(h + 20, tpm__crc32(bytes, len));
    put32(h + 24, tpm__crc32(h, 24));
    rc = pvr_pwrite_all(fd, bytes, len, i * ssize + SLOT_HDR);
    if ( rc == 0 )
        rc = pvr_pwrite_all(fd, h, sizeof(h), i * ssize);
    if ( rc == 0 && fsync(fd) < 0 )
        rc = -errno;
    return rc;
}

static int dev_size(int fd, uint64_t *out)
{
    return ioctl(fd, BLKGETSIZE64, out) < 0 ? -errno : 0;
}

static bool is_blockdev(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISBLK(sb.st_mode);
}

int tpm__state_load(const char *path, struct tpm_state *out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t size;
    int fd, rc;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if ( fd < 0 )
    {
        rc = -errno;
        if ( rc != -ENOENT )
            pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "open %s", path);
        return rc;
    }
    if ( is_blockdev(path) )
    {
        rc = dev_size(fd, &size);
        if ( rc == 0 )
            rc = tpm__slots_load(fd, size, out);
        close(fd);
        if ( rc == -ENOENT )
            return rc;          /* a fresh state disk */
    }
    else
    {
        rc = read_all(fd, &buf, &len);
        close(fd);
        if ( rc == 0 )
            rc = parse(buf, len, out);
        free(buf);
    }
    if ( rc )
    {
        tpm__state_dispose(out);
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "state file %s is unusable",
                  path);
        return rc;
    }
    pvr_info(COMP, "loaded %s: permanent %zu bytes, volatile %zu bytes",
             path, out->permanent_len, out->volatile_len);
    return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    /* Bounded: every pass writes at least one byte or fails. */
    while ( len > 0 )
    {
        ssize_t r = write(fd, buf, len);

        if ( r < 0 && errno == EINTR )
            continue;
        if ( r <= 0 )
            return r < 0 ? -errno : -EIO;
        buf += r;
        len -= r;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = 0;

    if ( !copy )
        return -ENOMEM;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if ( fd < 0 || fsync(fd) < 0 )
        rc = -errno;
    if ( fd >= 0 )
        close(fd);
    free(copy);
    return rc;
}

static size_t serialise(const struct tpm_state *st, uint8_t *buf)
{
    size_t off = sizeof(state_magic) + 4;
    uint32_t n = 0;

    memcpy(buf, state_magic, sizeof(state_magic));
    if ( st->permanent )
    {
        put32(buf + off, REC_PERMANENT);
        put32(buf + off + 4, st->permanent_len);
        memcpy(buf + off + 8, st->permanent, st->permanent_len);
        off += 8 + st->permanent_len;
        n++;
    }
    if ( st->volatile_ )
    {
        put32(buf + off, REC_VOLATILE);
        put32(buf + off + 4, st->volatile_len);
        memcpy(buf + off + 8, st->volatile_, st->volatile_len);
        off += 8 + st->volatile_len;
        n++;
    }
    put32(buf + sizeof(state_magic), n);
    put32(buf + off, tpm__crc32(buf, off));
    return off + 4;
}

static size_t serialised_max(const struct tpm_state *st)
{
    return sizeof(state_magic) + 4 + 16 + st->permanent_len +
           st->volatile_len + 4;
}

int tpm__slots_save(int fd, uint64_t dev_size, const struct tpm_state *st)
{
    uint8_t *buf;
    int rc;

    if ( !st->permanent ||
         st->permanent_len + st->volatile_len > STATE_MAX - 64 )
        return -EINVAL;
    buf = malloc(serialised_max(st));
    if ( !buf )
        return -ENOMEM;
    rc = slots_write(fd, dev_size, buf, serialise(st, buf));
    free(buf);
    return rc;
}

int tpm__state_save(const char *path, const struct tpm_state *st)
{
    char tmp[4096];
    uint8_t *buf;
    size_t len;
    int fd = -1, rc;

    if ( !st->permanent ||
         st->permanent_len + st->volatile_len > STATE_MAX - 64 )
        return -EINVAL;
    if ( snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) )
        return -ENAMETOOLONG;
    if ( is_blockdev(path) )
    {
        uint64_t size;

        fd = open(path, O_RDWR | O_CLOEXEC);
        if ( fd < 0 )
            rc = -errno;
        else
        {
            rc = dev_size(fd, &size);
            if ( rc == 0 )
                rc = tpm__slots_save(fd, size, st);
            close(fd);
        }
        if ( rc )
            pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "writing %s", path);
        return rc;
    }
    buf = malloc(serialised_max(st));
    if ( !buf )
        return -ENOMEM;
    len = serialise(st, buf);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if ( fd < 0 )
    {
        rc = -errno;
        goto out;
    }
    rc = write_all(fd, buf, len);
    if ( rc == 0 && fsync(fd) < 0 )
        rc = -errno;
    if ( close(fd) < 0 && rc == 0 )
        rc = -errno;
    if ( rc == 0 && rename(tmp, path) < 0 )
        rc = -errno;
    if ( rc == 0 )
        rc = fsync_dir(path);
 out:
    if ( rc )
    {
        unlink(tmp);
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "writing %s", path);
    }
    free(buf);
    return rc;
}
