/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPM 2.0 marshalling for the TIS test; see tpm2.h for the contract.
 *
 * The writer and the reader both latch an error flag instead of failing
 * each call: a builder or parser makes all its calls and checks the flag
 * once at the end, which keeps the command layouts readable as a list of
 * fields in specification order.
 */
#include "tpm2.h"

struct writer {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;
};

struct reader {
    const uint8_t *buf;
    size_t len, off;
    bool bad;
};

static void put_u8(struct writer *w, uint8_t v)
{
    if ( w->len < w->cap )
        w->buf[w->len++] = v;
    else
        w->overflow = true;
}

static void put_u16(struct writer *w, uint16_t v)
{
    put_u8(w, (uint8_t)(v >> 8));
    put_u8(w, (uint8_t)v);
}

static void put_u32(struct writer *w, uint32_t v)
{
    put_u16(w, (uint16_t)(v >> 16));
    put_u16(w, (uint16_t)v);
}

static void put_bytes(struct writer *w, const uint8_t *p, size_t n)
{
    while ( n-- )
        put_u8(w, *p++);
}

/* Starts a command; cmd_end() fills in the size field. */
static void cmd_begin(struct writer *w, uint8_t *buf, size_t cap,
                      uint16_t tag, uint32_t cc)
{
    *w = (struct writer){ .buf = buf, .cap = cap };
    put_u16(w, tag);
    put_u32(w, 0);
    put_u32(w, cc);
}

static size_t cmd_end(struct writer *w)
{
    if ( w->overflow )
        return 0;
    w->buf[2] = (uint8_t)(w->len >> 24);
    w->buf[3] = (uint8_t)(w->len >> 16);
    w->buf[4] = (uint8_t)(w->len >> 8);
    w->buf[5] = (uint8_t)w->len;
    return w->len;
}

/*
 * The authorisation area with one password session and an empty password
 * (Part 1, 19.8.4): its size, then handle, empty nonce, attributes
 * (continueSession, ignored for passwords) and an empty HMAC field.
 */
static void put_pw_session(struct writer *w)
{
    put_u32(w, 9);
    put_u32(w, TPM2_RS_PW);
    put_u16(w, 0);
    put_u8(w, 0x01);
    put_u16(w, 0);
}

size_t tpm2_build_startup(uint8_t *buf, size_t cap, uint16_t su)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_STARTUP);
    put_u16(&w, su);
    return cmd_end(&w);
}

size_t tpm2_build_get_random(uint8_t *buf, size_t cap, uint16_t bytes)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_RANDOM);
    put_u16(&w, bytes);
    return cmd_end(&w);
}

/* TPML_PCR_SELECTION with one SHA-256 selection of PCR (0..23). */
static void put_pcr_selection(struct writer *w, uint32_t pcr)
{
    unsigned int i;

    put_u32(w, 1);
    put_u16(w, TPM2_ALG_SHA256);
    put_u8(w, 3);
    for ( i = 0; i < 3; i++ )
        put_u8(w, pcr / 8 == i ? (uint8_t)(1u << (pcr % 8)) : 0);
}

size_t tpm2_build_pcr_read(uint8_t *buf, size_t cap, uint32_t pcr)
{
    struct writer w;

    if ( pcr >= 24 )
        return 0;
    cmd_begin(&w, buf, cap, TPM2_ST_NO_SESSIONS, TPM2_CC_PCR_READ);
    put_pcr_selection(&w, pcr);
    return cmd_end(&w);
}

size_t tpm2_build_pcr_extend(uint8_t *buf, size_t cap, uint32_t pcr,
                             const uint8_t digest[TPM2_SHA256_SIZE])
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
    put_u32(&w, pcr);                   /* pcrHandle */
    put_pw_session(&w);
    put_u32(&w, 1);                     /* TPML_DIGEST_VALUES.count */
    put_u16(&w, TPM2_ALG_SHA256);
    put_bytes(&w, digest, TPM2_SHA256_SIZE);
    return cmd_end(&w);
}

size_t tpm2_build_nv_define(uint8_t *buf, size_t cap, uint32_t index,
                            uint32_t attrs, uint16_t size)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_DEFINE_SPACE);
    put_u32(&w, TPM2_RH_OWNER);         /* authHandle */
    put_pw_session(&w);
    put_u16(&w, 0);                     /* auth: empty TPM2B_AUTH */
    put_u16(&w, 14);                    /* TPM2B_NV_PUBLIC.size */
    put_u32(&w, index);                 /* nvIndex */
    put_u16(&w, TPM2_ALG_SHA256);       /* nameAlg */
    put_u32(&w, attrs);
    put_u16(&w, 0);                     /* authPolicy: empty */
    put_u16(&w, size);                  /* dataSize */
    return cmd_end(&w);
}

size_t tpm2_build_nv_undefine(uint8_t *buf, size_t cap, uint32_t index)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_UNDEFINE_SPACE);
    put_u32(&w, TPM2_RH_OWNER);         /* authHandle */
    put_u32(&w, index);                 /* nvIndex */
    put_pw_session(&w);
    return cmd_end(&w);
}

size_t tpm2_build_nv_write(uint8_t *buf, size_t cap, uint32_t index,
                           const uint8_t *data, uint16_t len,
                           uint16_t offset)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_WRITE);
    put_u32(&w, index);                 /* authHandle: the index itself */
    put_u32(&w, index);                 /* nvIndex */
    put_pw_session(&w);
    put_u16(&w, len);                   /* TPM2B_MAX_NV_BUFFER */
    put_bytes(&w, data, len);
    put_u16(&w, offset);
    return cmd_end(&w);
}

size_t tpm2_build_nv_read(uint8_t *buf, size_t cap, uint32_t index,
                          uint16_t len, uint16_t offset)
{
    struct writer w;

    cmd_begin(&w, buf, cap, TPM2_ST_SESSIONS, TPM2_CC_NV_READ);
    put_u32(&w, index);                 /* authHandle: the index itself */
    put_u32(&w, index);                 /* nvIndex */
    put_pw_session(&w);
    put_u16(&w, len);
    put_u16(&w, offset);
    return cmd_end(&w);
}

static uint8_t get_u8(struct reader *r)
{
    if ( r->off < r->len )
        return r->buf[r->off++];
    r->bad = true;
    return 0;
}

static uint16_t get_u16(struct reader *r)
{
    uint16_t hi = get_u8(r);

    return (uint16_t)((hi << 8) | get_u8(r));
}

static uint32_t get_u32(struct reader *r)
{
    uint32_t hi = get_u16(r);

    return (hi << 16) | get_u16(r);
}

/*
 * Reads a TPM2B: its size, then that many bytes into OUT (NULL: skip
 * them).  A size above CAP, or running past the end, marks R bad.
 */
static size_t get_tpm2b(struct reader *r, uint8_t *out, size_t cap)
{
    size_t n = get_u16(r), i;

    if ( r->bad || n > cap || n > r->len - r->off )
    {
        r->bad = true;
        return 0;
    }
    for ( i = 0; i < n; i++ )
    {
        uint8_t b = get_u8(r);

        if ( out )
            out[i] = b;
    }
    return n;
}

bool tpm2_parse_header(const uint8_t *rsp, size_t len,
                       struct tpm2_rsp_hdr *hdr)
{
    struct reader r = { .buf = rsp, .len = len };

    hdr->tag = get_u16(&r);
    hdr->size = get_u32(&r);
    hdr->rc = get_u32(&r);

    if ( r.bad || hdr->size != len )
        return false;
    if ( hdr->tag == TPM2_ST_SESSIONS )
        return hdr->rc == TPM2_RC_SUCCESS;
    return hdr->tag == TPM2_ST_NO_SESSIONS;
}

/*
 * Opens a successful response.  For ST_SESSIONS responses the parameter
 * area is cut out of the whole: R is limited to the parameterSize bytes
 * that follow it, and the single password-session response behind them
 * (empty nonce, attributes, empty HMAC: Part 1, 19.8.5) is checked to
 * fill the rest exactly.
 */
static bool open_success(const uint8_t *rsp, size_t len, uint16_t tag,
                         struct reader *r)
{
    struct tpm2_rsp_hdr hdr;
    struct reader s;
    uint32_t psize;

    if ( !tpm2_parse_header(rsp, len, &hdr) ||
         hdr.rc != TPM2_RC_SUCCESS || hdr.tag != tag )
        return false;

    *r = (struct reader){ .buf = rsp, .len = len, .off = TPM2_HEADER_SIZE };
    if ( tag == TPM2_ST_NO_SESSIONS )
        return true;

    psize = get_u32(r);
    if ( r->bad || psize > r->len - r->off )
        return false;

    s = (struct reader){ .buf = rsp, .len = len, .off = r->off + psize };
    r->len = s.off;
    if ( get_tpm2b(&s, NULL, 0) != 0 )      /* nonceTPM: must be empty */
        return false;
    get_u8(&s);                             /* sessionAttributes */
    get_tpm2b(&s, NULL, 0);                 /* hmac: must be empty */
    return !s.bad && s.off == s.len;
}

bool tpm2_parse_empty(const uint8_t *rsp, size_t len)
{
    struct tpm2_rsp_hdr hdr;
    struct reader r;

    if ( !tpm2_parse_header(rsp, len, &hdr) )
        return false;
    return open_success(rsp, len, hdr.tag, &r) && r.off == r.len;
}

bool tpm2_parse_get_random(const uint8_t *rsp, size_t len, uint8_t *out,
                           size_t cap, size_t *n_out)
{
    struct reader r;

    if ( !open_success(rsp, len, TPM2_ST_NO_SESSIONS, &r) )
        return false;
    *n_out = get_tpm2b(&r, out, cap);
    return !r.bad && r.off == r.len;
}

bool tpm2_parse_pcr_read(const uint8_t *rsp, size_t len, uint32_t pcr,
                         uint8_t digest[TPM2_SHA256_SIZE])
{
    struct reader r;
    unsigned int i, nsel;
    bool selected = false, others = false;

    if ( pcr >= 24 || !open_success(rsp, len, TPM2_ST_NO_SESSIONS, &r) )
        return false;

    get_u32(&r);                            /* pcrUpdateCounter */
    if ( get_u32(&r) != 1 || get_u16(&r) != TPM2_ALG_SHA256 )
        return false;
    nsel = get_u8(&r);                      /* sizeofSelect */
    for ( i = 0; i < nsel; i++ )
    {
        uint8_t bits = get_u8(&r);

        if ( i == pcr / 8 )
        {
            selected = bits & (1u << (pcr % 8));
            bits &= (uint8_t)~(1u << (pcr % 8));
        }
        others |= bits != 0;
    }
    if ( r.bad || !selected || others )
        return false;

    if ( get_u32(&r) != 1 )                 /* TPML_DIGEST.count */
        return false;
    if ( get_tpm2b(&r, digest, TPM2_SHA256_SIZE) != TPM2_SHA256_SIZE )
        return false;
    return !r.bad && r.off == r.len;
}

bool tpm2_parse_nv_read(const uint8_t *rsp, size_t len, uint8_t *out,
                        size_t cap, size_t *n_out)
{
    struct reader r;

    if ( !open_success(rsp, len, TPM2_ST_SESSIONS, &r) )
        return false;
    *n_out = get_tpm2b(&r, out, cap);
    return !r.bad && r.off == r.len;
}

uint32_t tpm2_rc_base(uint32_t rc)
{
    /* Format one (bit 7): keep the format bit and the error number. */
    return (rc & 0x80) ? (rc & 0xbf) : rc;
}

const char *tpm2_rc_name(uint32_t rc)
{
    switch ( tpm2_rc_base(rc) )
    {
    case TPM2_RC_SUCCESS:       return "TPM_RC_SUCCESS";
    case TPM2_RC_INITIALIZE:    return "TPM_RC_INITIALIZE";
    case TPM2_RC_COMMAND_CODE:  return "TPM_RC_COMMAND_CODE";
    case TPM2_RC_NV_DEFINED:    return "TPM_RC_NV_DEFINED";
    case TPM2_RC_SIZE:          return "TPM_RC_SIZE";
    case TPM2_RC_INSUFFICIENT:  return "TPM_RC_INSUFFICIENT";
    case TPM2_RC_COMMAND_SIZE:  return "TPM_RC_COMMAND_SIZE";
    case TPM2_RC_BAD_TAG:       return "TPM_RC_BAD_TAG";
    default:                    return "other";
    }
}
