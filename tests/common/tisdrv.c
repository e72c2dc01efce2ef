/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-side TIS driver and TPM 2.0 command marshalling for tests.
 * The sequence follows what Linux's tpm_tis does: request the locality,
 * commandReady, write the command in burstCount chunks checking Expect,
 * tpmGo, wait for dataAvail, read the header then the rest,
 * commandReady again.
 */
#include <errno.h>
#include <string.h>

#include "tests/common/tisdrv.h"

#define ACCESS(l)   ((uint64_t)(l) << 12)
#define STS(l)      (((uint64_t)(l) << 12) + 0x18)
#define FIFO(l)     (((uint64_t)(l) << 12) + 0x24)

#define ACCESS_REQUEST_USE      0x02
#define ACCESS_ACTIVE_LOCALITY  0x20
#define ACCESS_VALID            0x80
#define STS_EXPECT              0x08
#define STS_DATA_AVAIL          0x10
#define STS_GO                  0x20
#define STS_COMMAND_READY       0x40
#define STS_VALID               0x80

static int rd(struct tisdrv *d, uint64_t off, unsigned int size,
              uint64_t *v)
{
    return d->read(d->opaque, off, size, v);
}

static int wr(struct tisdrv *d, uint64_t off, unsigned int size,
              uint64_t v)
{
    return d->write(d->opaque, off, size, v);
}

/* Poll STS until (sts & mask) == want; bounded by max_polls. */
static int wait_sts(struct tisdrv *d, uint32_t mask, uint32_t want,
                    uint32_t *sts_out)
{
    unsigned long i;
    uint64_t v;

    for ( i = 0; i < d->max_polls; i++ )
    {
        if ( rd(d, STS(d->locality), 4, &v) )
            return -EIO;
        if ( (v & STS_VALID) && ((uint32_t)v & mask) == want )
        {
            if ( sts_out )
                *sts_out = v;
            return 0;
        }
        if ( d->wait )
            d->wait(d->opaque);
    }
    return -ETIMEDOUT;
}

int tisdrv_request(struct tisdrv *d)
{
    unsigned long i;
    uint64_t v;

    if ( wr(d, ACCESS(d->locality), 1, ACCESS_REQUEST_USE) )
        return -EIO;
    for ( i = 0; i < d->max_polls; i++ )
    {
        if ( rd(d, ACCESS(d->locality), 1, &v) )
            return -EIO;
        if ( (v & (ACCESS_VALID | ACCESS_ACTIVE_LOCALITY)) ==
             (ACCESS_VALID | ACCESS_ACTIVE_LOCALITY) )
            return 0;
        if ( d->wait )
            d->wait(d->opaque);
    }
    return -ETIMEDOUT;
}

void tisdrv_relinquish(struct tisdrv *d)
{
    wr(d, ACCESS(d->locality), 1, ACCESS_ACTIVE_LOCALITY);
}

uint32_t tisdrv_rc(const uint8_t *rsp, size_t len)
{
    if ( len < 10 )
        return ~0u;
    return ((uint32_t)rsp[6] << 24) | ((uint32_t)rsp[7] << 16) |
           ((uint32_t)rsp[8] << 8) | rsp[9];
}

static int read_bytes(struct tisdrv *d, uint8_t *buf, size_t len)
{
    size_t got = 0;
    uint32_t sts;
    uint64_t v;
    int rc;

    while ( got < len )
    {
        size_t burst;

        rc = wait_sts(d, STS_DATA_AVAIL, STS_DATA_AVAIL, &sts);
        if ( rc )
            return rc;
        burst = (sts >> 8) & 0xffff;
        if ( burst == 0 )
            return -EIO;
        while ( burst-- > 0 && got < len )
        {
            if ( rd(d, FIFO(d->locality), 1, &v) )
                return -EIO;
            buf[got++] = v;
        }
    }
    return 0;
}

int tisdrv_transmit(struct tisdrv *d, const uint8_t *cmd, size_t len,
                    uint8_t *rsp, size_t *rsp_len)
{
    size_t sent = 0, size;
    uint32_t sts;
    int rc;

    if ( wr(d, STS(d->locality), 1, STS_COMMAND_READY) )
        return -EIO;
    rc = wait_sts(d, STS_COMMAND_READY, STS_COMMAND_READY, &sts);
    if ( rc )
        return rc;

    while ( sent < len )
    {
        size_t burst = (sts >> 8) & 0xffff;

        if ( burst == 0 )
            return -EIO;
        while ( burst-- > 0 && sent < len )
            if ( wr(d, FIFO(d->locality), 1, cmd[sent++]) )
                return -EIO;
        /* More to send: the TPM must still expect it. */
        rc = wait_sts(d, 0, 0, &sts);
        if ( rc )
            return rc;
        if ( sent < len && !(sts & STS_EXPECT) )
            return -EIO;
    }
    if ( sts & STS_EXPECT )
        return -EIO;
    if ( wr(d, STS(d->locality), 1, STS_GO) )
        return -EIO;

    if ( *rsp_len < 10 )
        return -ENOSPC;
    rc = read_bytes(d, rsp, 10);
    if ( rc )
        return rc;
    size = ((size_t)rsp[2] << 24) | ((size_t)rsp[3] << 16) |
           ((size_t)rsp[4] << 8) | rsp[5];
    if ( size < 10 || size > *rsp_len )
        return -EPROTO;
    rc = read_bytes(d, rsp + 10, size - 10);
    if ( rc )
        return rc;
    *rsp_len = size;
    wr(d, STS(d->locality), 1, STS_COMMAND_READY);
    return 0;
}

/* ---- marshalling ---- */

static size_t put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
    return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
    return 4;
}

#define TPM_ST_NO_SESSIONS  0x8001
#define TPM_ST_SESSIONS     0x8002
#define TPM_RH_OWNER        0x40000001
#define TPM_RS_PW           0x40000009
#define TPM_ALG_SHA256      0x000b

static size_t header(uint8_t *b, uint16_t tag, uint32_t cc)
{
    put16(b, tag);
    put32(b + 2, 0);            /* size, fixed by finish() */
    put32(b + 6, cc);
    return 10;
}

static size_t finish(uint8_t *b, size_t len)
{
    put32(b + 2, len);
    return len;
}

/* An authorisation area with one empty-password session. */
static size_t pw_session(uint8_t *b)
{
    size_t o = put32(b, 9);     /* authorizationSize */

    o += put32(b + o, TPM_RS_PW);
    o += put16(b + o, 0);       /* nonce */
    b[o++] = 0;                 /* sessionAttributes */
    o += put16(b + o, 0);       /* hmac (password) */
    return o;
}

size_t tpm2_cmd_startup(uint8_t *buf, uint16_t type)
{
    size_t o = header(buf, TPM_ST_NO_SESSIONS, 0x144);

    o += put16(buf + o, type);
    return finish(buf, o);
}

size_t tpm2_cmd_getrandom(uint8_t *buf, uint16_t bytes)
{
    size_t o = header(buf, TPM_ST_NO_SESSIONS, 0x17b);

    o += put16(buf + o, bytes);
    return finish(buf, o);
}

size_t tpm2_cmd_pcr_read(uint8_t *buf, unsigned int pcr)
{
    size_t o = header(buf, TPM_ST_NO_SESSIONS, 0x17e);

    o += put32(buf + o, 1);     /* one selection */
    o += put16(buf + o, TPM_ALG_SHA256);
    buf[o++] = 3;               /* sizeofSelect */
    buf[o++] = pcr < 8 ? 1u << pcr : 0;
    buf[o++] = pcr >= 8 && pcr < 16 ? 1u << (pcr - 8) : 0;
    buf[o++] = pcr >= 16 && pcr < 24 ? 1u << (pcr - 16) : 0;
    return finish(buf, o);
}

size_t tpm2_cmd_pcr_extend(uint8_t *buf, unsigned int pcr,
                           const uint8_t digest[32])
{
    size_t o = header(buf, TPM_ST_SESSIONS, 0x182);

    o += put32(buf + o, pcr);
    o += pw_session(buf + o);
    o += put32(buf + o, 1);     /* TPML_DIGEST_VALUES count */
    o += put16(buf + o, TPM_ALG_SHA256);
    memcpy(buf + o, digest, 32);
    return finish(buf, o + 32);
}

size_t tpm2_cmd_nv_define(uint8_t *buf, uint32_t index, uint16_t size)
{
    /* OWNERWRITE | AUTHWRITE | OWNERREAD | AUTHREAD | NO_DA */
    uint32_t attrs = (1u << 1) | (1u << 2) | (1u << 17) | (1u << 18) |
                     (1u << 25);
    size_t o = header(buf, TPM_ST_SESSIONS, 0x12a);

    o += put32(buf + o, TPM_RH_OWNER);
    o += pw_session(buf + o);
    o += put16(buf + o, 0);             /* auth: empty */
    o += put16(buf + o, 14);            /* TPM2B_NV_PUBLIC size */
    o += put32(buf + o, index);
    o += put16(buf + o, TPM_ALG_SHA256);
    o += put32(buf + o, attrs);
    o += put16(buf + o, 0);             /* authPolicy: empty */
    o += put16(buf + o, size);
    return finish(buf, o);
}

size_t tpm2_cmd_nv_write(uint8_t *buf, uint32_t index, const uint8_t *data,
                         uint16_t len)
{
    size_t o = header(buf, TPM_ST_SESSIONS, 0x137);

    o += put32(buf + o, index);         /* authHandle: the index */
    o += put32(buf + o, index);
    o += pw_session(buf + o);
    o += put16(buf + o, len);
    memcpy(buf + o, data, len);
    o += len;
    o += put16(buf + o, 0);             /* offset */
    return finish(buf, o);
}

size_t tpm2_cmd_nv_read(uint8_t *buf, uint32_t index, uint16_t len)
{
    size_t o = header(buf, TPM_ST_SESSIONS, 0x14e);

    o += put32(buf + o, index);
    o += put32(buf + o, index);
    o += pw_session(buf + o);
    o += put16(buf + o, len);
    o += put16(buf + o, 0);             /* offset */
    return finish(buf, o);
}
