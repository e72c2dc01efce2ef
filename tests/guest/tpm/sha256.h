/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SHA-256 (FIPS 180-4), small and portable: it uses only <stdint.h> and
 * <stddef.h>, so the same file builds into the freestanding guest and
 * into the host unit test that checks it against the FIPS test vectors.
 * The guest uses it to predict PCR values; nothing here is constant-time
 * or meant for secrets.
 */
#ifndef GUEST_TPM_SHA256_H
#define GUEST_TPM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE  32
#define SHA256_BLOCK_SIZE   64

struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;                 /* Total message length so far. */
    uint8_t block[SHA256_BLOCK_SIZE];
    size_t fill;                    /* Bytes buffered in block[]. */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest to OUT; CTX must be re-initialised before reuse. */
void sha256_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_SIZE]);
/* One-shot convenience wrapper. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

#endif /* GUEST_TPM_SHA256_H */
