/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host-side TIS (PTP FIFO) driver for tests, fuzzers and benchmarks:
 * it plays the guest's tpm_tis driver against pvdomaind's TIS, through
 * any MMIO accessor (the sim's guest side, or the registers directly).
 * Every wait is bounded; a timeout is an error, never a hang.
 */
#ifndef PVR_TEST_TISDRV_H
#define PVR_TEST_TISDRV_H

#include <stddef.h>
#include <stdint.h>

struct tisdrv {
    /* Accessors: offsets relative to 0xFED40000. */
    int (*read)(void *opaque, uint64_t off, unsigned int size,
                uint64_t *val);
    int (*write)(void *opaque, uint64_t off, unsigned int size,
                 uint64_t val);
    void *opaque;
    /* Called while waiting for the TPM (e.g. a loop turn); may be NULL. */
    void (*wait)(void *opaque);
    unsigned int locality;
    unsigned long max_polls;
};

/* Claim the locality; 0 or -ETIMEDOUT/-EIO. */
int tisdrv_request(struct tisdrv *d);
void tisdrv_relinquish(struct tisdrv *d);

/*
 * Send cmd (its header's size must match len) and read the response
 * into rsp (capacity *rsp_len, updated).  0, or a negative errno.
 */
int tisdrv_transmit(struct tisdrv *d, const uint8_t *cmd, size_t len,
                    uint8_t *rsp, size_t *rsp_len);

/* The TPM response code of a response (bytes 6-9). */
uint32_t tisdrv_rc(const uint8_t *rsp, size_t len);

/* ---- a few TPM 2.0 commands, marshalled (tests only) ---- */

/* Each fills buf and returns the command length. */
size_t tpm2_cmd_startup(uint8_t *buf, uint16_t type);
size_t tpm2_cmd_getrandom(uint8_t *buf, uint16_t bytes);
size_t tpm2_cmd_pcr_read(uint8_t *buf, unsigned int pcr);
size_t tpm2_cmd_pcr_extend(uint8_t *buf, unsigned int pcr,
                           const uint8_t digest[32]);
size_t tpm2_cmd_nv_define(uint8_t *buf, uint32_t index, uint16_t size);
size_t tpm2_cmd_nv_write(uint8_t *buf, uint32_t index, const uint8_t *data,
                         uint16_t len);
size_t tpm2_cmd_nv_read(uint8_t *buf, uint32_t index, uint16_t len);

#define TPM2_SU_CLEAR       0x0000
#define TPM2_SU_STATE       0x0001
#define TPM2_RC_SUCCESS     0x000
#define TPM2_RC_INITIALIZE  0x100

#endif /* PVR_TEST_TISDRV_H */
