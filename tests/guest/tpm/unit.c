/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit test for the guest's SHA-256 and TPM 2.0 marshalling: the
 * same sha256.c and tpm2.c that go into the guest image, compiled for the
 * build machine.
 *
 * Proves: SHA-256 matches the FIPS 180-4 example vectors and, across
 * every padding boundary, digests made by an independent implementation
 * (Python's hashlib), also when the message is fed in pieces; each
 * command builder produces the bytes laid out by hand from TPM 2.0 Part 3
 * and returns 0 when the buffer is too small; the parsers accept
 * well-formed responses and reject each kind of malformation tested.
 *
 * Cannot prove: that the layouts written here by hand read the
 * specification correctly (the QEMU + swtpm boot test checks that against
 * a real TPM), or that the guest build compiles these files the same way.
 *
 * Exit status: 0 all passed, 1 any check failed (automake convention).
 */
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "tpm2.h"

static unsigned int failures, checks;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
    checks++;
    if ( !ok )
    {
        failures++;
        printf("FAIL line %d: %s\n", line, what);
    }
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        sprintf(out + 2 * i, "%02x", p[i]);
}

static int digest_is(const uint8_t d[SHA256_DIGEST_SIZE], const char *want)
{
    char got[2 * SHA256_DIGEST_SIZE + 1];

    hex(d, SHA256_DIGEST_SIZE, got);
    if ( strcmp(got, want) )
    {
        printf("  digest %s\n  wanted %s\n", got, want);
        return 0;
    }
    return 1;
}

static void test_sha256_fips(void)
{
    static const struct {
        const char *msg, *digest;
    } v[] = {
        { "",
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc",
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
          "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
    };
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE], a[1000];
    size_t i;

    for ( i = 0; i < sizeof(v) / sizeof(v[0]); i++ )
    {
        sha256(v[i].msg, strlen(v[i].msg), d);
        CHECK(digest_is(d, v[i].digest));
    }

    /* One million 'a's, fed 1000 at a time. */
    memset(a, 'a', sizeof(a));
    sha256_init(&ctx);
    for ( i = 0; i < 1000; i++ )
        sha256_update(&ctx, a, sizeof(a));
    sha256_final(&ctx, d);
    CHECK(digest_is(d, "cdc76e5c9914fb9281a1c7e284d73e67"
                       "f1809a48a497200e046d39ccc7112cd0"));
}

/* Messages of (i * 7 + 3) & 0xff around the 55/56/64-byte boundaries. */
static void test_sha256_boundaries(void)
{
    static const struct {
        size_t len;
        const char *digest;
    } v[] = {
        { 55,
          "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
        { 56,
          "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
        { 63,
          "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
        { 64,
          "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
        { 119,
          "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
        { 120,
          "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
        { 127,
          "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07" },
        { 128,
          "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
    };
    uint8_t msg[128], d[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    size_t i, split;

    for ( i = 0; i < sizeof(msg); i++ )
        msg[i] = (uint8_t)(i * 7 + 3);

    for ( i = 0; i < sizeof(v) / sizeof(v[0]); i++ )
    {
        sha256(msg, v[i].len, d);
        CHECK(digest_is(d, v[i].digest));

        /* Every two-piece split must give the same digest. */
        for ( split = 0; split <= v[i].len; split++ )
        {
            sha256_init(&ctx);
            sha256_update(&ctx, msg, split);
            sha256_update(&ctx, msg + split, v[i].len - split);
            sha256_final(&ctx, d);
            CHECK(digest_is(d, v[i].digest));
        }
    }
}

/* The PCR 16 value the guest expects after its extend (phase 4). */
static void test_extend_value(void)
{
    static const char label[] = "pvdomain TIS test extend";
    uint8_t buf[64], d[SHA256_DIGEST_SIZE];

    memset(buf, 0, 32);
    sha256(label, sizeof(label) - 1, buf + 32);
    sha256(buf, sizeof(buf), d);
    CHECK(digest_is(d, "fb8f364466b28ac7fa69ed5f9fa50252"
                       "1e67c8630c76f5d619baf5bdbcfb2c02"));
}

static int bytes_are(const uint8_t *got, size_t got_len,
                     const uint8_t *want, size_t want_len)
{
    size_t i;

    if ( got_len != want_len )
    {
        printf("  length %zu, wanted %zu\n", got_len, want_len);
        return 0;
    }
    for ( i = 0; i < want_len; i++ )
        if ( got[i] != want[i] )
        {
            printf("  byte %zu is 0x%02x, wanted 0x%02x\n", i, got[i],
                   want[i]);
            return 0;
        }
    return 1;
}

#define PW_SESSION 0x00, 0x00, 0x00, 0x09, 0x40, 0x00, 0x00, 0x09, \
                   0x00, 0x00, 0x01, 0x00, 0x00
#define IDX        0x01, 0x50, 0x00, 0x16

static void test_builders(void)
{
    static const uint8_t startup[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x44,
        0x00, 0x00,
    };
    static const uint8_t get_random[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b,
        0x00, 0x20,
    };
    static const uint8_t pcr_read[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x7e,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x01,
    };
    static const uint8_t nv_define[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x01, 0x2a,
        0x40, 0x00, 0x00, 0x01, PW_SESSION,
        0x00, 0x00,                                 /* auth */
        0x00, 0x0e, IDX, 0x00, 0x0b, 0x02, 0x06, 0x00, 0x06,
        0x00, 0x00, 0x00, 0x20,
    };
    static const uint8_t nv_undefine[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x22,
        0x40, 0x00, 0x00, 0x01, IDX, PW_SESSION,
    };
    static const uint8_t nv_read[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x01, 0x4e,
        IDX, IDX, PW_SESSION, 0x00, 0x20, 0x00, 0x00,
    };
    uint8_t buf[128];
    size_t len, i;

    len = tpm2_build_startup(buf, sizeof(buf), TPM2_SU_CLEAR);
    CHECK(bytes_are(buf, len, startup, sizeof(startup)));
    len = tpm2_build_get_random(buf, sizeof(buf), 32);
    CHECK(bytes_are(buf, len, get_random, sizeof(get_random)));
    len = tpm2_build_pcr_read(buf, sizeof(buf), 16);
    CHECK(bytes_are(buf, len, pcr_read, sizeof(pcr_read)));
    CHECK(tpm2_build_pcr_read(buf, sizeof(buf), 24) == 0);

    len = tpm2_build_nv_define(buf, sizeof(buf), 0x01500016,
                               TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE |
                               TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD |
                               TPMA_NV_NO_DA, 32);
    CHECK(bytes_are(buf, len, nv_define, sizeof(nv_define)));
    len = tpm2_build_nv_undefine(buf, sizeof(buf), 0x01500016);
    CHECK(bytes_are(buf, len, nv_undefine, sizeof(nv_undefine)));
    len = tpm2_build_nv_read(buf, sizeof(buf), 0x01500016, 32, 0);
    CHECK(bytes_are(buf, len, nv_read, sizeof(nv_read)));

    /* Too small a buffer gives 0, for every length short of the command. */
    for ( i = 0; i < sizeof(nv_define); i++ )
        CHECK(tpm2_build_nv_define(buf, i, 0x01500016, 0, 32) == 0);
    CHECK(tpm2_build_nv_define(buf, sizeof(nv_define), 0x01500016, 0, 32) ==
          sizeof(nv_define));
}

/* PCR_Extend: header, handle, session, TPML_DIGEST_VALUES. */
static void test_build_pcr_extend(void)
{
    static const uint8_t head[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x01, 0x82,
        0x00, 0x00, 0x00, 0x10, PW_SESSION,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x0b,
    };
    uint8_t buf[128], want[128], digest[32];
    size_t len, i;

    for ( i = 0; i < sizeof(digest); i++ )
        digest[i] = (uint8_t)(0xc0 + i);
    memcpy(want, head, sizeof(head));
    memcpy(want + sizeof(head), digest, sizeof(digest));
    len = tpm2_build_pcr_extend(buf, sizeof(buf), 16, digest);
    CHECK(bytes_are(buf, len, want, sizeof(head) + sizeof(digest)));
}

/* NV_Write: header, two handles, session, TPM2B data, offset. */
static void test_build_nv_write(void)
{
    static const uint8_t head[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x43, 0x00, 0x00, 0x01, 0x37,
        IDX, IDX, PW_SESSION, 0x00, 0x20,
    };
    uint8_t buf[128], want[128], data[32];
    size_t len, i;

    for ( i = 0; i < sizeof(data); i++ )
        data[i] = (uint8_t)(0x40 + i);
    memcpy(want, head, sizeof(head));
    memcpy(want + sizeof(head), data, sizeof(data));
    want[sizeof(head) + 32] = 0x00;             /* offset */
    want[sizeof(head) + 33] = 0x00;
    len = tpm2_build_nv_write(buf, sizeof(buf), 0x01500016, data, 32, 0);
    CHECK(bytes_are(buf, len, want, sizeof(head) + 34));
}

static void test_header(void)
{
    static const uint8_t err[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x43,
    };
    static const uint8_t err_sessions[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x43,
    };
    static const uint8_t bad_tag[] = {
        0x80, 0x03, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
    };
    struct tpm2_rsp_hdr hdr;

    CHECK(tpm2_parse_header(err, sizeof(err), &hdr));
    CHECK(hdr.tag == TPM2_ST_NO_SESSIONS && hdr.size == 10 &&
          hdr.rc == TPM2_RC_COMMAND_CODE);
    CHECK(!tpm2_parse_header(err, sizeof(err) - 1, &hdr));
    CHECK(!tpm2_parse_header(err_sessions, sizeof(err_sessions), &hdr));
    CHECK(!tpm2_parse_header(bad_tag, sizeof(bad_tag), &hdr));

    CHECK(tpm2_rc_base(0x1da) == TPM2_RC_INSUFFICIENT);
    CHECK(tpm2_rc_base(0x9a2) == 0x0a2);
    CHECK(tpm2_rc_base(TPM2_RC_NV_DEFINED) == TPM2_RC_NV_DEFINED);
    CHECK(!strcmp(tpm2_rc_name(0x1da), "TPM_RC_INSUFFICIENT"));
    CHECK(!strcmp(tpm2_rc_name(0x143), "TPM_RC_COMMAND_CODE"));
    CHECK(!strcmp(tpm2_rc_name(0x922), "other"));
}

static void test_parse_get_random(void)
{
    uint8_t rsp[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0xaa, 0xbb,
    };
    uint8_t out[4];
    size_t n = 0;

    CHECK(tpm2_parse_get_random(rsp, sizeof(rsp), out, sizeof(out), &n));
    CHECK(n == 2 && out[0] == 0xaa && out[1] == 0xbb);
    /* The TPM2B must fit the caller's buffer. */
    CHECK(!tpm2_parse_get_random(rsp, sizeof(rsp), out, 1, &n));
    /* TPM2B longer than the response. */
    rsp[11] = 0x03;
    CHECK(!tpm2_parse_get_random(rsp, sizeof(rsp), out, sizeof(out), &n));
    /* TPM2B shorter: a byte left over. */
    rsp[11] = 0x01;
    CHECK(!tpm2_parse_get_random(rsp, sizeof(rsp), out, sizeof(out), &n));
    /* Error responses are not a success. */
    rsp[11] = 0x02;
    rsp[9] = 0x01;
    CHECK(!tpm2_parse_get_random(rsp, sizeof(rsp), out, sizeof(out), &n));
}

static void test_parse_pcr_read(void)
{
    uint8_t rsp[62] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x05,                     /* pcrUpdateCounter */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x20,         /* one 32-byte digest */
    };
    uint8_t d[32];
    size_t i;

    for ( i = 30; i < sizeof(rsp); i++ )
        rsp[i] = (uint8_t)i;

    CHECK(tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    CHECK(d[0] == 30 && d[31] == 61);
    CHECK(!tpm2_parse_pcr_read(rsp, sizeof(rsp), 17, d));

    rsp[21] = 0x01;                 /* PCR 0 selected as well. */
    CHECK(!tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    rsp[21] = 0x00;
    rsp[19] = 0x04;                 /* SHA-1 bank. */
    CHECK(!tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    rsp[19] = 0x0b;
    rsp[27] = 0x02;                 /* Two digests claimed. */
    CHECK(!tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    rsp[27] = 0x01;
    rsp[29] = 0x14;                 /* 20-byte digest. */
    CHECK(!tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    rsp[29] = 0x20;
    CHECK(tpm2_parse_pcr_read(rsp, sizeof(rsp), 16, d));
    /* Truncated anywhere (with the size field adjusted): rejected. */
    for ( i = 10; i < sizeof(rsp); i++ )
    {
        rsp[5] = (uint8_t)i;
        CHECK(!tpm2_parse_pcr_read(rsp, i, 16, d));
    }
}

static void test_parse_sessions(void)
{
    uint8_t empty[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,                     /* parameterSize */
        0x00, 0x00, 0x01, 0x00, 0x00,               /* session */
    };
    uint8_t nv[] = {
        0x80, 0x02, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
        0x00, 0x00, 0x01, 0x00, 0x00,
    };
    static const uint8_t trailing[] = {         /* A byte after the session. */
        0x80, 0x02, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    };
    static const uint8_t startup_ok[] = {
        0x80, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t out[8];
    size_t n = 0;

    CHECK(tpm2_parse_empty(empty, sizeof(empty)));
    CHECK(tpm2_parse_empty(startup_ok, sizeof(startup_ok)));
    empty[15] = 0x01;               /* Non-empty nonce claimed. */
    CHECK(!tpm2_parse_empty(empty, sizeof(empty)));
    empty[15] = 0x00;
    empty[13] = 0x01;               /* Parameters where none belong. */
    CHECK(!tpm2_parse_empty(empty, sizeof(empty)));
    empty[13] = 0x00;
    CHECK(!tpm2_parse_empty(empty, sizeof(empty) - 1));
    CHECK(!tpm2_parse_empty(trailing, sizeof(trailing)));

    CHECK(tpm2_parse_nv_read(nv, sizeof(nv), out, sizeof(out), &n));
    CHECK(n == 4 && out[0] == 0xde && out[3] == 0xef);
    nv[13] = 0x40;                  /* parameterSize past the end. */
    CHECK(!tpm2_parse_nv_read(nv, sizeof(nv), out, sizeof(out), &n));
    nv[13] = 0x05;                  /* Cuts the TPM2B short. */
    CHECK(!tpm2_parse_nv_read(nv, sizeof(nv), out, sizeof(out), &n));
    nv[13] = 0x06;
    nv[24] = 0x01;                  /* Non-empty HMAC claimed. */
    CHECK(!tpm2_parse_nv_read(nv, sizeof(nv), out, sizeof(out), &n));
    nv[24] = 0x00;
    nv[1] = 0x01;                   /* NV_Read must carry sessions. */
    CHECK(!tpm2_parse_nv_read(nv, sizeof(nv), out, sizeof(out), &n));
}

int main(void)
{
    test_sha256_fips();
    test_sha256_boundaries();
    test_extend_value();
    test_builders();
    test_build_pcr_extend();
    test_build_nv_write();
    test_header();
    test_parse_get_random();
    test_parse_pcr_read();
    test_parse_sessions();

    printf("%u checks, %u failed\n", checks, failures);
    return failures ? 1 : 0;
}
