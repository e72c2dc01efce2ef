/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the NVMe controller, shared by its files:
 * nvme.c (lifecycle, command pool), pci.c (configuration space, BAR0
 * placement, MSI-X capability), regs.c (BAR0: registers, doorbells,
 * MSI-X table, interrupts), queue.c (fetching and completing commands),
 * prp.c (guest data), admin.c, identify.c and io.c (the commands),
 * dbbuf.c (shadow doorbells), blkmem.c (the memory-backed pvr_blkdev).
 */
#ifndef PVR_NVME_PRIV_H
#define PVR_NVME_PRIV_H

#include "drivers/nvme/nvme.h"

#define COMP "nvme"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define NVME_NR_QUEUES   (PVR_NVME_MAX_IO_QUEUES + 1)
#define NVME_NR_VECTORS  NVME_NR_QUEUES
#define NVME_PAGE        4096u
#define NVME_SQE_SIZE    64u
#define NVME_CQE_SIZE    16u
#define NVME_MDTS        5          /* 2^5 pages of 4 KiB */
#define NVME_MAX_SEGS    (PVR_NVME_MDTS_BYTES / NVME_PAGE + 1)
#define NVME_WINDOW      4          /* block requests in flight per command */
#define NVME_DSM_RANGES  256
#define NVME_ELPE        3          /* error log entries, 0's based */
#define NVME_DBBUF_ROUNDS 64        /* shadow rounds per nvme__process */
#define NVME_BOUNCE_SMALL 4         /* bounce pages malloc gives (nvme.c) */
#define NVME_BOUNCE_BIG  (PVR_NVME_MDTS_BYTES / NVME_PAGE)
#define NVME_BOUNCE_KEEP 8          /* freed big bounce buffers kept */

/* BAR0 layout. */
#define NVME_REG_CAP     0x00
#define NVME_REG_VS      0x08
#define NVME_REG_INTMS   0x0c
#define NVME_REG_INTMC   0x10
#define NVME_REG_CC      0x14
#define NVME_REG_CSTS    0x1c
#define NVME_REG_NSSR    0x20
#define NVME_REG_AQA     0x24
#define NVME_REG_ASQ     0x28
#define NVME_REG_ACQ     0x30
#define NVME_DOORBELLS   0x1000
#define NVME_MSIX_TABLE  0x2000
#define NVME_MSIX_PBA    0x3000

#define NVME_CC_EN       0x1u
#define NVME_CC_SHN(cc)  (((cc) >> 14) & 3)
#define NVME_CC_MASK     0x00fffff1u
#define NVME_CSTS_RDY    0x1u
#define NVME_CSTS_CFS    0x2u
#define NVME_CSTS_SHST_BUSY  (1u << 2)
#define NVME_CSTS_SHST_DONE  (2u << 2)

/* Status field values: SCT << 8 | SC, and Do Not Retry. */
#define NVME_SC_SUCCESS          0x000
#define NVME_SC_INVALID_OPCODE   0x001
#define NVME_SC_INVALID_FIELD    0x002
#define NVME_SC_DATA_XFER        0x004
#define NVME_SC_INTERNAL         0x006
#define NVME_SC_INVALID_NS       0x00b
#define NVME_SC_PRP_OFFSET       0x013
#define NVME_SC_LBA_RANGE        0x080
#define NVME_SC_CQ_INVALID       0x100
#define NVME_SC_INVALID_QID      0x101
#define NVME_SC_INVALID_QSIZE    0x102
#define NVME_SC_AER_LIMIT        0x105
#define NVME_SC_INVALID_VECTOR   0x108
#define NVME_SC_INVALID_LOG      0x109
#define NVME_SC_INVALID_DELETE   0x10c
#define NVME_SC_NOT_SAVEABLE     0x10d
#define NVME_SC_READ_ONLY        0x182
#define NVME_SC_WRITE_FAULT      0x280
#define NVME_SC_READ_ERROR       0x281
#define NVME_SC_DNR              0x4000
/* Not a status: the command is still running (or held, for an AER). */
#define NVME_PENDING             0xffff

/* A guest-physical run of a transfer. */
struct nvme_seg {
    uint64_t gpa;
    uint32_t len;
};

struct nvme_cmd {
    pvr_nvme *n;
    struct nvme_cmd *next;          /* free list, or its CQ's wait list */
    uint32_t dw[16];                /* the SQE, copied once */
    uint16_t sqid;
    uint16_t sqhd;                  /* SQ head after this fetch */
    uint32_t gen;                   /* controller generation at fetch */
    uint32_t sq_gen;                /* its SQ's generation at fetch */
    uint16_t status;
    uint32_t result;                /* CQE dword 0 */

    struct nvme_seg seg[NVME_MAX_SEGS];
    unsigned int nr_seg;
    uint32_t xfer_len;
    uint8_t *bounce;                /* page-aligned, bounce_pages pages */
    unsigned int bounce_pages;

    /* Block requests: sectors [next, end) or DSM ranges, then a flush. */
    enum pvr_blk_op op;
    uint64_t slba, at, end;         /* sectors: first, next to issue, end */
    unsigned int range, nr_ranges;  /* DSM: next range, ranges */
    bool zeroes;                    /* write the zero page */
    bool flush_after;               /* FUA: a flush once the writes land */
    bool issuing;
    unsigned int reqs_busy;         /* bitmap over req[] */
    int blk_err;
    pvr_blk_req req[NVME_WINDOW];
    uint64_t t_fetch, t_issue, t_done; /* ns, for pvr_nvme_times */
};

struct nvme_sq {
    bool used;
    uint16_t cqid;
    uint32_t size, head, tail;
    uint32_t gen;
    uint64_t base;
    uint8_t *map;                   /* the queue mapped, or NULL */
    unsigned int map_pages;
    unsigned int held;              /* its commands in the pool now */
    bool shadow;                    /* tail from the shadow doorbell */
    uint32_t ei;                    /* EventIdx last written */
};

struct nvme_cq {
    bool used;
    bool phase;
    bool ien;
    bool irq_pending;               /* entries posted since last signal */
    uint16_t iv;
    uint32_t size, head, tail;
    unsigned int nr_sqs;
    uint64_t base;
    uint8_t *map;                   /* the queue mapped, or NULL */
    unsigned int map_pages;
    struct nvme_cmd *wait, *wait_tail;  /* completions waiting for room */
    bool shadow;                    /* head from the shadow doorbell */
    uint32_t ei;                    /* EventIdx last written */
};

/* Doorbell Buffer Config (dbbuf.c): both pages, mapped or copied. */
struct nvme_dbbuf {
    bool allowed;                   /* offered (OACS bit 8) */
    bool on;                        /* configured since the last reset */
    uint64_t dbs, eis;              /* shadow doorbell, EventIdx pages */
    uint8_t *dbs_map, *eis_map;     /* NULL: through the port per access */
    /* Tests only: runs between an SQ's EventIdx write and its re-read. */
    void (*race_hook)(void *opaque, uint16_t qid);
    void *race_opaque;
};

struct nvme_features {
    uint32_t arb, pm, temp_over, temp_under, err_rec, vwc, coalesce;
    uint32_t atomicity, aec;
    uint32_t ivc[NVME_NR_VECTORS];
};

struct pvr_nvme {
    pvr_port *port;
    bool hooked;                    /* its port invalidate hook is added */
    uint32_t domid;
    uint32_t sbdf;
    pvr_blkdev *blk;
    struct pvr_blk_info info;
    unsigned int io_queues;
    char serial[21];
    uint8_t uuid[16];

    /* PCI function */
    pvr_ioreq_server *srv;
    unsigned int bar_handle;
    uint64_t bar_mapped;            /* 0: not decoding */
    uint8_t cfg[256];
    uint8_t wmask[256];
    bool intx_level;

    /* MSI-X */
    uint32_t msix[NVME_NR_VECTORS][4];
    uint64_t pba;

    /* Controller registers */
    uint32_t cc, csts, aqa, intms;
    uint64_t asq, acq;

    struct nvme_sq sq[NVME_NR_QUEUES];
    struct nvme_cq cq[NVME_NR_QUEUES];
    struct nvme_features feat;
    struct nvme_dbbuf dbbuf;
    uint16_t aer_cid[PVR_NVME_AER_LIMIT];
    unsigned int nr_aer;

    struct nvme_cmd *cmds;          /* PVR_NVME_MAX_INFLIGHT of them */
    uint8_t *bounces[NVME_BOUNCE_KEEP]; /* MDTS-long, free */
    unsigned int nr_bounces;
    struct nvme_cmd *free;
    unsigned int inflight;
    uint32_t gen;                   /* bumped by every reset */
    uint32_t next_sq_gen;
    unsigned int depth;             /* nesting of nvme__process() */
    bool kick;
    unsigned int rr;                /* round-robin start */

    pvr_blk_req shn_req;            /* the flush of a normal shutdown */
    bool shn_busy;

    uint8_t *page;                  /* 4 KiB scratch: identify, logs */
    uint8_t *zero_page;

    struct pvr_nvme_stats stats;
};

/* nvme.c */
uint64_t nvme__now_ns(void);
struct nvme_cmd *nvme__cmd_alloc(pvr_nvme *n);
void nvme__cmd_free(pvr_nvme *n, struct nvme_cmd *c);
int nvme__bounce(struct nvme_cmd *c, uint32_t len);
void nvme__fatal(pvr_nvme *n, const char *why);

/* pci.c */
void nvme__pci_init(pvr_nvme *n);
int nvme__cfg_read(void *opaque, uint64_t off, unsigned int size,
                   uint64_t *val_out);
int nvme__cfg_write(void *opaque, uint64_t off, unsigned int size,
                    uint64_t val);
bool nvme__msix_enabled(const pvr_nvme *n);
bool nvme__msix_fn_masked(const pvr_nvme *n);

/* regs.c */
int nvme__bar_read(void *opaque, uint64_t off, unsigned int size,
                   uint64_t *val_out);
int nvme__bar_write(void *opaque, uint64_t off, unsigned int size,
                    uint64_t val);
void nvme__reset(pvr_nvme *n);
const char *nvme__cq_head(pvr_nvme *n, struct nvme_cq *cq, uint32_t val);
void nvme__signal(pvr_nvme *n, unsigned int vector);
void nvme__msix_unmasked(pvr_nvme *n);
void nvme__intx_update(pvr_nvme *n);

/* queue.c */
void nvme__map(pvr_nvme *n, uint64_t base, uint32_t bytes, int prot,
               uint8_t **map_out, unsigned int *pages_out);
void nvme__unmap(pvr_nvme *n, uint8_t *map, unsigned int pages);
bool nvme__alive(const pvr_nvme *n);
void nvme__sq_map(pvr_nvme *n, struct nvme_sq *sq);
void nvme__cq_map(pvr_nvme *n, struct nvme_cq *cq);
void nvme__remap(void *opaque);
void nvme__sq_free(pvr_nvme *n, struct nvme_sq *sq);
void nvme__cq_free(pvr_nvme *n, struct nvme_cq *cq);
void nvme__process(pvr_nvme *n);
void nvme__complete(pvr_nvme *n, struct nvme_cmd *c);
void nvme__cq_drain(pvr_nvme *n, struct nvme_cq *cq);
void nvme__flush_irqs(pvr_nvme *n);

/* dbbuf.c */
uint16_t nvme__dbbuf_config(pvr_nvme *n, struct nvme_cmd *c);
void nvme__dbbuf_attach(pvr_nvme *n, uint16_t qid);
void nvme__dbbuf_off(pvr_nvme *n);
void nvme__dbbuf_remap(pvr_nvme *n);
void nvme__dbbuf_read(pvr_nvme *n);
bool nvme__dbbuf_publish(pvr_nvme *n);

/* prp.c: NVMe status of mapping or copying a command's data. */
uint16_t nvme__prp_map(pvr_nvme *n, struct nvme_cmd *c, uint32_t len);
uint16_t nvme__from_guest(pvr_nvme *n, struct nvme_cmd *c, void *buf);
uint16_t nvme__to_guest(pvr_nvme *n, struct nvme_cmd *c, const void *buf);

/* admin.c, io.c */
uint16_t nvme__admin(pvr_nvme *n, struct nvme_cmd *c);
uint16_t nvme__io(pvr_nvme *n, struct nvme_cmd *c);
/* identify.c */
uint16_t nvme__identify(pvr_nvme *n, struct nvme_cmd *c);
uint16_t nvme__set_features(pvr_nvme *n, struct nvme_cmd *c);
uint16_t nvme__get_features(pvr_nvme *n, struct nvme_cmd *c);
void nvme__features_reset(pvr_nvme *n);

static inline void nvme__put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void nvme__put32(uint8_t *p, uint32_t v)
{
    nvme__put16(p, v);
    nvme__put16(p + 2, v >> 16);
}

static inline void nvme__put64(uint8_t *p, uint64_t v)
{
    nvme__put32(p, v);
    nvme__put32(p + 4, v >> 32);
}

static inline uint32_t nvme__get32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t nvme__get64(const uint8_t *p)
{
    return nvme__get32(p) | ((uint64_t)nvme__get32(p + 4) << 32);
}

#endif /* PVR_NVME_PRIV_H */
