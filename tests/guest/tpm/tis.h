/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A polled driver for the TPM's FIFO (TIS) interface, as in the TCG PC
 * Client Platform TPM Profile (PTP) specification, section 6.
 *
 * The interface is 5 localities of 4 KiB registers from 0xFED40000.  One
 * command is: request the locality (ACCESS.requestUse until
 * activeLocality), STS.commandReady, write the command to DATA_FIFO no
 * more than burstCount bytes at a time while STS.Expect says the TPM
 * wants more, STS.tpmGo, wait for STS.dataAvail, read the 10-byte header
 * and then as many bytes as its size field says, check that dataAvail
 * dropped, and write commandReady to return the TPM to idle.
 *
 * Access widths are the ones every TIS model must support: DATA_FIFO
 * and ACCESS one byte at a time, STS written as one byte and read as 32
 * bits (burstCount is bits 8-23), the identity registers read as 32 bits
 * (RID as 8).  Every wait is a bounded number of status reads; a wait that
 * runs out returns -ETIMEDOUT.  A TPM that breaks the protocol (Expect or
 * dataAvail disagreeing with the size field, a response too large for
 * the caller's buffer) gives -EPROTO or -EMSGSIZE.  On any error the
 * command is aborted with commandReady.
 *
 * Guest-only: it touches MMIO, so it is not part of the host unit test.
 */
#ifndef GUEST_TPM_TIS_H
#define GUEST_TPM_TIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIS_BASE                0xfed40000u
#define TIS_LOCALITY_STRIDE     0x1000u

#define TIS_ACCESS              0x00
#define TIS_INT_ENABLE          0x08
#define TIS_INT_VECTOR          0x0c
#define TIS_INT_STATUS          0x10
#define TIS_INTF_CAPABILITY     0x14
#define TIS_STS                 0x18
#define TIS_DATA_FIFO           0x24
#define TIS_INTERFACE_ID        0x30
#define TIS_DID_VID             0xf00
#define TIS_RID                 0xf04

#define TIS_ACCESS_VALID        0x80    /* tpmRegValidSts */
#define TIS_ACCESS_ACTIVE       0x20    /* activeLocality */
#define TIS_ACCESS_REQUEST_USE  0x02

#define TIS_STS_VALID           0x80
#define TIS_STS_COMMAND_READY   0x40
#define TIS_STS_GO              0x20
#define TIS_STS_DATA_AVAIL      0x10
#define TIS_STS_EXPECT          0x08
#define TIS_STS_BURST(sts)      (((sts) >> 8) & 0xffff)

/* QEMU's tpm-tis device: vendor 0x1014 (IBM), device 0x0001. */
#define TIS_DID_VID_QEMU        0x00011014u

struct tis_info {
    uint32_t did_vid;
    uint32_t interface_id;
    uint32_t intf_capability;
    uint8_t rid;
};

/* True for a DID_VID that a TPM can have: not 0, vendor not 0xFFFF. */
bool tis_did_vid_valid(uint32_t did_vid);
uint32_t tis_read_did_vid(void);
/* Reads the identity registers of locality 0; -ENODEV if DID_VID is bad. */
int tis_probe(struct tis_info *info);

int tis_request_locality(unsigned int loc);
void tis_relinquish_locality(unsigned int loc);

/* The whole protocol: COMMAND in, response into RSP (at most CAP). */
int tis_transact(unsigned int loc, const uint8_t *cmd, size_t len,
                 uint8_t *rsp, size_t cap, size_t *rsp_len);

/*
 * The steps of tis_transact(), for tests that break the protocol on
 * purpose.  tis_write() honours burstCount but ignores Expect.
 */
uint32_t tis_sts(unsigned int loc);
/* Waits for stsValid and returns STS in *STS_OUT. */
int tis_wait_valid(unsigned int loc, uint32_t *sts_out);
int tis_command_ready(unsigned int loc);
int tis_write(unsigned int loc, const uint8_t *buf, size_t len);
/* Writes to DATA_FIFO without looking at burstCount or Expect. */
void tis_write_excess(unsigned int loc, const uint8_t *buf, size_t len);
void tis_go(unsigned int loc);
int tis_recv(unsigned int loc, uint8_t *rsp, size_t cap, size_t *rsp_len);
/* Aborts any command in progress (commandReady) and returns to idle. */
void tis_abort(unsigned int loc);

#endif /* GUEST_TPM_TIS_H */
