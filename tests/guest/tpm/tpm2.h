/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPM 2.0 command marshalling and response parsing for the commands the
 * TIS test sends (TPM 2.0 Library specification, Part 3 for the command
 * layouts, Part 2 for the types).  All integers are big-endian.
 *
 * Builders write one complete command into a caller's buffer and return
 * its length, or 0 when it does not fit.  Parsers take a whole response,
 * as received, and return true only if it is well-formed: the header's
 * size field equals the bytes received, every length field stays inside
 * the response, and nothing is left over.  A parser never reads outside
 * [rsp, rsp + len), so a hostile or broken TPM cannot make it overrun.
 *
 * Like sha256.c this file uses no libc, so the host unit test compiles
 * the very same code.
 */
#ifndef GUEST_TPM_TPM2_H
#define GUEST_TPM_TPM2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPM2_HEADER_SIZE        10
#define TPM2_MAX_COMMAND_SIZE   4096
#define TPM2_SHA256_SIZE        32

#define TPM2_ST_NO_SESSIONS     0x8001
#define TPM2_ST_SESSIONS        0x8002

#define TPM2_CC_NV_UNDEFINE_SPACE   0x00000122
#define TPM2_CC_NV_DEFINE_SPACE     0x0000012a
#define TPM2_CC_NV_WRITE            0x00000137
#define TPM2_CC_STARTUP             0x00000144
#define TPM2_CC_NV_READ             0x0000014e
#define TPM2_CC_GET_RANDOM          0x0000017b
#define TPM2_CC_PCR_READ            0x0000017e
#define TPM2_CC_PCR_EXTEND          0x00000182

#define TPM2_SU_CLEAR           0x0000
#define TPM2_ALG_SHA256         0x000b
#define TPM2_RH_OWNER           0x40000001
#define TPM2_RS_PW              0x40000009

#define TPM2_RC_SUCCESS         0x000
#define TPM2_RC_BAD_TAG         0x01e
#define TPM2_RC_SIZE            0x095
#define TPM2_RC_INSUFFICIENT    0x09a
#define TPM2_RC_INITIALIZE      0x100
#define TPM2_RC_COMMAND_SIZE    0x142
#define TPM2_RC_COMMAND_CODE    0x143
#define TPM2_RC_NV_DEFINED      0x14c

/* TPMA_NV bits (Part 2, 13.4). */
#define TPMA_NV_OWNERWRITE      (1u << 1)
#define TPMA_NV_AUTHWRITE       (1u << 2)
#define TPMA_NV_OWNERREAD       (1u << 17)
#define TPMA_NV_AUTHREAD        (1u << 18)
#define TPMA_NV_NO_DA           (1u << 25)

/* Response header fields. */
struct tpm2_rsp_hdr {
    uint16_t tag;
    uint32_t size;
    uint32_t rc;
};

size_t tpm2_build_startup(uint8_t *buf, size_t cap, uint16_t su);
size_t tpm2_build_get_random(uint8_t *buf, size_t cap, uint16_t bytes);
/* PCR_Read of a single SHA-256 PCR. */
size_t tpm2_build_pcr_read(uint8_t *buf, size_t cap, uint32_t pcr);
/* PCR_Extend of one SHA-256 digest, authorised by an empty password. */
size_t tpm2_build_pcr_extend(uint8_t *buf, size_t cap, uint32_t pcr,
                             const uint8_t digest[TPM2_SHA256_SIZE]);
/* NV_DefineSpace under the owner hierarchy: empty auth and policy. */
size_t tpm2_build_nv_define(uint8_t *buf, size_t cap, uint32_t index,
                            uint32_t attrs, uint16_t size);
size_t tpm2_build_nv_undefine(uint8_t *buf, size_t cap, uint32_t index);
/* NV_Write and NV_Read authorised by the index's own (empty) auth. */
size_t tpm2_build_nv_write(uint8_t *buf, size_t cap, uint32_t index,
                           const uint8_t *data, uint16_t len,
                           uint16_t offset);
size_t tpm2_build_nv_read(uint8_t *buf, size_t cap, uint32_t index,
                          uint16_t len, uint16_t offset);

/*
 * Checks the header: at least 10 bytes, size field == LEN, tag
 * ST_NO_SESSIONS or ST_SESSIONS, and ST_NO_SESSIONS if rc != 0 (Part 1,
 * 18.6: an error response carries no sessions).
 */
bool tpm2_parse_header(const uint8_t *rsp, size_t len,
                       struct tpm2_rsp_hdr *hdr);
/* A successful response with no parameters: Startup, NV_Write, ... */
bool tpm2_parse_empty(const uint8_t *rsp, size_t len);
/* GetRandom: copies the random bytes to OUT (at most CAP). */
bool tpm2_parse_get_random(const uint8_t *rsp, size_t len, uint8_t *out,
                           size_t cap, size_t *n_out);
/* PCR_Read: the response must select exactly PCR in the SHA-256 bank. */
bool tpm2_parse_pcr_read(const uint8_t *rsp, size_t len, uint32_t pcr,
                         uint8_t digest[TPM2_SHA256_SIZE]);
/* NV_Read: copies the data to OUT (at most CAP). */
bool tpm2_parse_nv_read(const uint8_t *rsp, size_t len, uint8_t *out,
                        size_t cap, size_t *n_out);

/*
 * A response code without the handle, session or parameter number that
 * format-one codes carry in bits 6 and 8-11.
 */
uint32_t tpm2_rc_base(uint32_t rc);
/* A short name for the codes the test expects, else "other". */
const char *tpm2_rc_name(uint32_t rc);

#endif /* GUEST_TPM_TPM2_H */
