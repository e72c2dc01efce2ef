/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small guest-side NVMe driver over the sim, for the NVMe tests, the
 * fuzzer's set-up and the benchmark: PCI config cycles and MMIO go
 * through the sim's IOREQ path exactly as a guest's would, queues and
 * buffers live in the sim's guest memory.
 */
#ifndef PVR_TEST_NVME_DRV_H
#define PVR_TEST_NVME_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme.h"
#include "tests/common/simstack.h"

#define NVDRV_SBDF     PVR_PCI_SBDF(0, 0, 5, 0)
#define NVDRV_BAR      0xe0000000ULL
#define NVDRV_MAX_Q    17
#define NVDRV_MSI_ADDR(v) (0xfee00000ULL | ((uint64_t)(v) << 12))
#define NVDRV_MSI_DATA(v) (0x40u + (v))

struct nvdrv_q {
    uint64_t sq, cq;            /* guest-physical */
    uint16_t size, sq_tail, cq_head, cid;
    bool phase;
};

struct nvdrv {
    struct simstack *st;
    /* Set: reach this controller's config and BAR0 ops directly, not
     * through the IOREQ path (fault injection into the model alone). */
    pvr_nvme *direct;
    uint64_t bar;
    uint64_t next_gfn, last_gfn;
    struct nvdrv_q q[NVDRV_MAX_Q];
    /* Shadow doorbells (nvdrv_dbbuf), 0: MMIO doorbells only. */
    uint64_t dbs, eis;
    unsigned long mmio_doorbells;       /* MMIO doorbell writes */
};

struct nvcqe {
    uint32_t dw0;
    uint16_t sqhd, sqid, cid, status;   /* status without the phase */
};

/* Guest memory: gpa's host address (contiguous RAM), page allocator. */
void *nvdrv_mem(struct nvdrv *d, uint64_t gpa);
uint64_t nvdrv_alloc(struct nvdrv *d, unsigned int pages);

int nvdrv_cfg_read(struct nvdrv *d, unsigned int reg, unsigned int size,
                   uint32_t *val);
int nvdrv_cfg_write(struct nvdrv *d, unsigned int reg, unsigned int size,
                    uint32_t val);
uint64_t nvdrv_rd(struct nvdrv *d, unsigned int off, unsigned int size);
void nvdrv_wr(struct nvdrv *d, unsigned int off, unsigned int size,
              uint64_t val);

/* Place BAR0, turn on memory decoding, bus mastering and MSI-X. */
int nvdrv_pci_setup(struct nvdrv *d, struct simstack *st, bool msix);
/* Admin queues of qsize entries, CC.EN, wait for RDY.  0 or -EIO. */
int nvdrv_enable(struct nvdrv *d, uint16_t qsize);
/* CC.EN = 0 and wait for RDY to drop. */
int nvdrv_disable(struct nvdrv *d);
/* Create I/O queue pair qid (CQ vector qid). Returns the NVMe status. */
int nvdrv_create_pair(struct nvdrv *d, uint16_t qid, uint16_t qsize);

/*
 * Doorbell Buffer Config with fresh pages (or dbs, eis when non-zero);
 * the NVMe status.  On success the I/O queues' doorbells go through the
 * shadow, as Linux's nvme_dbbuf_update_and_check_event does: shadow
 * value, a full barrier, the MMIO write only if EventIdx asks for it.
 */
int nvdrv_dbbuf(struct nvdrv *d, uint64_t dbs, uint64_t eis);
/* Tell the controller of doorbell idx's new value (2q: SQ, 2q + 1: CQ). */
void nvdrv_ring(struct nvdrv *d, unsigned int idx, uint32_t val);
/* The shadow value or EventIdx of doorbell idx. */
uint32_t *nvdrv_shadow(struct nvdrv *d, unsigned int idx);
uint32_t *nvdrv_eventidx(struct nvdrv *d, unsigned int idx);

/* Put sqe (cid filled in) on qid's SQ and ring; returns the cid. */
uint16_t nvdrv_submit(struct nvdrv *d, uint16_t qid, uint32_t sqe[16]);
/* Take one completion from qid's CQ and ring its head: 0, or -EAGAIN. */
int nvdrv_reap(struct nvdrv *d, uint16_t qid, struct nvcqe *out);
/* The same without ringing: batch, then nvdrv_ring() the queue once. */
uint16_t nvdrv_put(struct nvdrv *d, uint16_t qid, uint32_t sqe[16]);
int nvdrv_take(struct nvdrv *d, uint16_t qid, struct nvcqe *out);
/* Submit and reap; the status (0x7fff mask), or -1 if none came. */
int nvdrv_cmd(struct nvdrv *d, uint16_t qid, uint32_t sqe[16],
              struct nvcqe *out);

/* Build common commands. */
void nvdrv_sqe(uint32_t sqe[16], uint8_t opc, uint32_t nsid, uint64_t prp1,
               uint64_t prp2);
void nvdrv_rw(uint32_t sqe[16], bool write, uint64_t slba, uint32_t nlb,
              uint64_t prp1, uint64_t prp2);

#endif /* PVR_TEST_NVME_DRV_H */
