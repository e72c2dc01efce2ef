/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-facing NVMe controller: a PCI function an unmodified guest
 * drives with its inbox NVMe driver, storing to a pvr_blkdev.
 *
 * Theory of operation.  The controller is served through pvdomaind's
 * IOREQ server: its PCI configuration space by SBDF, and BAR0 (16 KiB:
 * controller registers, doorbells, MSI-X table and PBA) wherever the
 * guest's firmware or OS places it; a write to BAR0 or to the command
 * register moves the MMIO region through pvr_ioreq_server_move_region().
 * It implements NVMe 1.4 with one namespace of 512-byte LBAs, an admin
 * queue and up to PVR_NVME_MAX_IO_QUEUES I/O queue pairs, MSI-X with one
 * vector per completion queue and INTx as a fallback.
 *
 * A doorbell write makes the controller fetch submission queue entries
 * from guest memory (through pvr_port_guest_read, one copy each, then
 * validated), run admin commands at once and turn I/O commands into
 * pvr_blkdev requests on private bounce pages; completions are written
 * to the guest's completion queue and signalled per queue.  Everything
 * the guest controls is bounded: entries fetched per doorbell (by the
 * queue size and the commands in flight, PVR_NVME_MAX_INFLIGHT), PRP
 * lists (walked only as far as the transfer needs, MDTS 128 KiB),
 * dataset-management ranges (256) and held asynchronous event requests.
 * A malformed command completes with its NVMe status; a malformed queue
 * operation (doorbell beyond the queue, for a queue that does not
 * exist, a completion head the controller never reached, an entry it
 * cannot read or write) sets CSTS.CFS, after which the controller
 * ignores doorbells until the guest resets it (CC.EN 1 -> 0).
 * Guest-caused events are logged with PVR_LOG_GUEST.
 *
 * Shadow doorbells (NVMe 1.3 Doorbell Buffer Config, OACS bit 8, on
 * unless the config says no_shadow_doorbells): the guest keeps its I/O
 * queues' doorbell values in a page of its own memory and rings the
 * MMIO doorbell only when the controller's EventIdx page asks for it,
 * which saves most of the IOREQ round trips a command costs (dbbuf.c
 * has the protocol).
 *
 * Threads: everything runs on the loop thread of the pvdomaind worker
 * (IOREQ callbacks and block completions); nothing here is thread-safe.
 */
#ifndef PVR_NVME_H
#define PVR_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/blkdev.h"
#include "ioreq/ioreq.h"
#include "port/port.h"

/*
 * PCI identity: a PLACEHOLDER.  The project holds no PCI-SIG vendor ID;
 * 0xfff1 is one we know of no assignment for, chosen so that no driver
 * binds by ID (not QEMU's 1b36:0010, not XenSource's 5853, whose device
 * 0001 is the Xen platform device).  Guest drivers bind NVMe by class
 * code 01:08:02.  Replace it with an assigned ID before shipping.
 */
#define PVR_NVME_VENDOR_ID      0xfff1
#define PVR_NVME_DEVICE_ID      0x0001
#define PVR_NVME_BAR0_SIZE      0x4000u

#define PVR_NVME_MAX_IO_QUEUES  16
#define PVR_NVME_QUEUE_ENTRIES  1024    /* CAP.MQES + 1 */
#define PVR_NVME_MAX_INFLIGHT   128     /* commands held at once */
#define PVR_NVME_MDTS_BYTES     (128u * 1024)
#define PVR_NVME_AER_LIMIT      4       /* ID_CTRL.AERL + 1 */

typedef struct pvr_nvme pvr_nvme;

struct pvr_nvme_config {
    pvr_port *port;
    uint32_t domid;
    uint32_t sbdf;              /* PVR_PCI_SBDF(), e.g. 0:00:05.0 */
    pvr_blkdev *blk;            /* not owned; outlives the controller */
    const char *serial;         /* up to 20 characters; NULL: "PVR0001" */
    unsigned int io_queues;     /* 1 to PVR_NVME_MAX_IO_QUEUES; 0: max */
    bool no_shadow_doorbells;   /* true: no Doorbell Buffer Config */
};

struct pvr_nvme_stats {
    uint64_t admin_cmds;        /* admin commands completed */
    uint64_t io_cmds;           /* I/O commands completed */
    uint64_t errors;            /* completions with a non-zero status */
    uint64_t blk_reqs;          /* pvr_blkdev requests submitted */
    uint64_t msis;              /* MSI-X messages sent */
    uint64_t intx_raised;       /* INTx assertions */
    uint64_t pba_sets;          /* vectors left pending by a mask */
    uint64_t fatal;             /* times CSTS.CFS was set */
    uint64_t resets;            /* CC.EN 1 -> 0 */
    uint64_t bar_moves;         /* BAR0 placements */
    uint64_t orphans;           /* commands outliving a reset */
    uint64_t held;              /* commands held now (a gauge) */
    uint64_t doorbells;         /* MMIO doorbell writes */
    uint64_t dbbuf_configs;     /* Doorbell Buffer Configs accepted */
    uint64_t remaps;            /* queue mappings remade (INVALIDATE) */
    /*
     * Where a read's or write's time goes, summed over those that
     * succeeded (FUA writes left out: their flush is a second device
     * phase), in ns of CLOCK_MONOTONIC: prep from the fetch to the
     * first block request (PRP walk, bounce buffer, a write's copy from
     * the guest), device until the last block request is back, finish
     * until its completion entry is written (a read's copy to the guest).
     */
    struct pvr_nvme_times {
        uint64_t n, prep_ns, device_ns, finish_ns;
    } reads, writes;
};

/*
 * A controller in its power-on state (disabled, BAR0 unplaced).  The
 * caller owns *out and frees it with pvr_nvme_destroy().  -EINVAL for a
 * bad config (a device of zero sectors, too many queues), -ENOMEM.
 * Runs in the worker at start-up; does not log.
 */
int pvr_nvme_create(const struct pvr_nvme_config *cfg, pvr_nvme **out);

/*
 * Serve the PCI function and BAR0 on srv, before
 * pvr_ioreq_server_enable().  The server must outlive the controller.
 */
int pvr_nvme_attach(pvr_nvme *n, pvr_ioreq_server *srv);

/*
 * Cancel what the block device still holds (its cancel_all), unmap the
 * queues, free.  Call after the IOREQ server is destroyed (no access
 * can reach the controller any more) and before the port is closed.
 * Accepts NULL.  Does not touch guest memory.
 */
void pvr_nvme_destroy(pvr_nvme *n);

void pvr_nvme_stats(const pvr_nvme *n, struct pvr_nvme_stats *out);

/*
 * Where BAR0 is mapped now (0 when MMIO decoding is off or the BAR is
 * unplaced), and CSTS, for tests and pvdomainctl.
 */
uint64_t pvr_nvme_bar0(const pvr_nvme *n);
uint32_t pvr_nvme_csts(const pvr_nvme *n);

#endif /* PVR_NVME_H */
