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
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int tpm__state_load(const char *path, struct tpm_state *out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
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
    rc = read_all(fd, &buf, &len);
    close(fd);
    if ( rc == 0 )
        rc = parse(buf, len, out);
    free(buf);
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
    buf = malloc(sizeof(state_magic) + 4 + 16 + st->permanent_len +
                 st->volatile_len + 4);
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
