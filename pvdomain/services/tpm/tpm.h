/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vTPM service: a TPM 2.0 at 0xFED40000 that an unmodified guest
 * finds with its own driver.
 *
 * Theory of operation.  Xen 4.17's hvmloader reads the TIS DID_VID
 * register at 0xFED40F00 while it builds ACPI tables; when something
 * answers it adds a PNP0C31 device at 0xFED40000 (length 0x5000) and a
 * TCPA table, and Linux's tpm_tis driver binds to that device and finds
 * a TPM 2.0 on its own.  So the service claims that window on the IOREQ
 * server before the guest runs and serves the TCG PC Client PTP FIFO
 * (TIS) interface there: five localities of 4 KiB, each with ACCESS,
 * INT_*, INTF_CAPABILITY, STS, DATA_FIFO, INTERFACE_ID, XDATA_FIFO,
 * DID_VID and RID.
 *
 * Layers: tis.c is the register state machine (pure; it owns command
 * and response buffers and their bounds); engine.c runs libtpms on its
 * own thread, so that a long command neither stalls other vCPUs' I/O
 * nor prevents a cancel; state.c persists libtpms' permanent state (NV,
 * seeds) in one file per guest, rewritten atomically whenever libtpms
 * commits NV, and libtpms' volatile state at a clean shutdown, consumed
 * by the next start when resuming.
 *
 * Guest-controlled data: every register access and every command byte.
 * Commands are bounded by PVR_TPM_BUFSIZE; a malformed or oversized
 * command gets a TPM error response, never reaches libtpms unbounded.
 *
 * libtpms is a process-wide singleton: one vTPM per process.
 */
#ifndef PVR_TPM_H
#define PVR_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "ioreq/ioreq.h"

#define PVR_TPM_MMIO_BASE   0xfed40000ULL
#define PVR_TPM_MMIO_SIZE   0x5000ULL
#define PVR_TPM_LOCALITIES  5
#define PVR_TPM_BUFSIZE     4096

/* DID_VID: vendor 0x5853 (XenSource's PCI vendor ID), device 0x0001. */
#define PVR_TPM_DID_VID     0x00015853u
#define PVR_TPM_RID         0x01

typedef struct pvr_tpm pvr_tpm;

struct pvr_tpm_config {
    const char *state_path;     /* the state file; created if absent */
    bool resume;                /* restore volatile state saved at stop */
    bool synchronous;           /* tests, fuzzing: no engine thread */
};

struct pvr_tpm_stats {
    uint64_t commands;          /* commands executed by libtpms */
    uint64_t rejected;          /* answered with an error by the TIS */
    uint64_t cancels;
    uint64_t aborts;            /* commandReady or locality loss mid-run */
    uint64_t state_writes;      /* state file rewrites */
    uint64_t protocol_errors;   /* TIS misuse by the guest */
};

/*
 * Start libtpms from the state file (a fresh TPM when there is none) and
 * its thread.  A state file that exists but is damaged is an error
 * (-EBADMSG): a new TPM would silently destroy the guest's keys.  The
 * caller owns *out; pvr_tpm_destroy() frees it.  Runs in the worker at
 * start-up; logs.
 */
int pvr_tpm_create(pvr_loop *loop, const struct pvr_tpm_config *cfg,
                   pvr_tpm **out);

/* Serve the TIS window on srv (before pvr_ioreq_server_enable()). */
int pvr_tpm_attach(pvr_tpm *t, pvr_ioreq_server *srv);

/*
 * Stop: wait for a running command, then, if save_volatile, store the
 * volatile state so that a --resume start continues where this one
 * stopped.  Frees everything.  Accepts NULL.
 */
void pvr_tpm_destroy(pvr_tpm *t, bool save_volatile);

void pvr_tpm_stats(const pvr_tpm *t, struct pvr_tpm_stats *out);

#endif /* PVR_TPM_H */
