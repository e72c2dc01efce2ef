/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * See test_nvme_drv.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "drivers/nvme/nvme_priv.h"
#include "tests/unit/test_nvme_drv.h"

void *nvdrv_mem(struct nvdrv *d, uint64_t gpa)
{
    uint8_t *p = pvr_sim_guest_page(d->st->sim, gpa >> 12);

    return p ? p + (gpa & 0xfff) : NULL;
}

uint64_t nvdrv_alloc(struct nvdrv *d, unsigned int pages)
{
    uint64_t gfn = d->next_gfn;

    if ( gfn + pages > d->last_gfn )
        return 0;
    d->next_gfn += pages;
    memset(nvdrv_mem(d, gfn << 12), 0, (size_t)pages << 12);
    return gfn << 12;
}

static int cfg_io(struct nvdrv *d, unsigned int reg, unsigned int size,
                  uint32_t *val, bool read)
{
    pvr_ioreq_slot req = {
        .addr = ((uint64_t)NVDRV_SBDF << 32) | reg, .size = size,
        .count = 1, .data = read ? 0 : *val,
        .flags = read ? PVR_IOREQ_F_DIR_READ : 0,
        .type = PVR_IOREQ_TYPE_PCI_CONFIG,
    };
    uint64_t v = 0;
    int rc;

    if ( d->direct )
    {
        if ( !read )
            return nvme__cfg_write(d->direct, reg, size, *val);
        rc = nvme__cfg_read(d->direct, reg, size, &v);
        *val = rc ? 0xffffffffu : v;
        return rc;
    }
    rc = pvr_sim_io(d->st->sim, 0, &req);
    if ( read )
        *val = req.data;
    return rc < 0 ? rc : 0;
}

int nvdrv_cfg_read(struct nvdrv *d, unsigned int reg, unsigned int size,
                   uint32_t *val)
{
    return cfg_io(d, reg, size, val, true);
}

int nvdrv_cfg_write(struct nvdrv *d, unsigned int reg, unsigned int size,
                    uint32_t val)
{
    return cfg_io(d, reg, size, &val, false);
}

uint64_t nvdrv_rd(struct nvdrv *d, unsigned int off, unsigned int size)
{
    uint64_t v = ~0ULL;

    if ( d->direct )
        nvme__bar_read(d->direct, off, size, &v);
    else
        pvr_sim_mmio_read(d->st->sim, 0, d->bar + off, size, &v);
    return v;
}

void nvdrv_wr(struct nvdrv *d, unsigned int off, unsigned int size,
              uint64_t val)
{
    if ( d->direct )
        nvme__bar_write(d->direct, off, size, val);
    else
        pvr_sim_mmio_write(d->st->sim, 0, d->bar + off, size, val);
}

int nvdrv_pci_setup(struct nvdrv *d, struct simstack *st, bool msix)
{
    unsigned int v;

    memset(d, 0, sizeof(*d));
    d->st = st;
    d->next_gfn = 0x10;
    d->last_gfn = 1024;
    d->bar = NVDRV_BAR;
    if ( nvdrv_cfg_write(d, 0x10, 4, (uint32_t)NVDRV_BAR) ||
         nvdrv_cfg_write(d, 0x14, 4, NVDRV_BAR >> 32) ||
         nvdrv_cfg_write(d, 0x04, 2, 0x0006) )
        return -EIO;
    if ( !msix )
        return nvdrv_cfg_write(d, 0x3c, 1, 10);
    for ( v = 0; v < NVDRV_MAX_Q; v++ )
    {
        nvdrv_wr(d, 0x2000 + 16 * v, 4, (uint32_t)NVDRV_MSI_ADDR(v));
        nvdrv_wr(d, 0x2000 + 16 * v + 4, 4, NVDRV_MSI_ADDR(v) >> 32);
        nvdrv_wr(d, 0x2000 + 16 * v + 8, 4, NVDRV_MSI_DATA(v));
        nvdrv_wr(d, 0x2000 + 16 * v + 12, 4, 0);
    }
    return nvdrv_cfg_write(d, 0x42, 2, 0x8000 | (NVDRV_MAX_Q - 1));
}

static int wait_csts(struct nvdrv *d, uint32_t mask, uint32_t want)
{
    unsigned int i;

    for ( i = 0; i < 1000; i++ )
    {
        uint64_t v = nvdrv_rd(d, 0x1c, 4);

        if ( (v & mask) == want )
            return 0;
        /* Failed or gone: RDY will not come. */
        if ( (v & 2) && want )
            return -EIO;
    }
    return -EIO;
}

int nvdrv_enable(struct nvdrv *d, uint16_t qsize)
{
    struct nvdrv_q *q = &d->q[0];

    memset(q, 0, sizeof(*q));
    q->size = qsize;
    q->phase = true;
    q->sq = nvdrv_alloc(d, (qsize * 64 + 4095) / 4096);
    q->cq = nvdrv_alloc(d, (qsize * 16 + 4095) / 4096);
    nvdrv_wr(d, 0x24, 4, ((uint32_t)(qsize - 1) << 16) | (qsize - 1));
    nvdrv_wr(d, 0x28, 8, q->sq);
    nvdrv_wr(d, 0x30, 8, q->cq);
    nvdrv_wr(d, 0x14, 4, (6u << 16) | (4u << 20) | 1);
    return wait_csts(d, 3, 1);
}

int nvdrv_disable(struct nvdrv *d)
{
    /* A reset turns shadow doorbells off; Linux configures them again. */
    d->dbs = d->eis = 0;
    nvdrv_wr(d, 0x14, 4, 0);
    return wait_csts(d, 1, 0);
}

void nvdrv_sqe(uint32_t sqe[16], uint8_t opc, uint32_t nsid, uint64_t prp1,
               uint64_t prp2)
{
    memset(sqe, 0, 64);
    sqe[0] = opc;
    sqe[1] = nsid;
    sqe[6] = prp1;
    sqe[7] = prp1 >> 32;
    sqe[8] = prp2;
    sqe[9] = prp2 >> 32;
}

void nvdrv_rw(uint32_t sqe[16], bool write, uint64_t slba, uint32_t nlb,
              uint64_t prp1, uint64_t prp2)
{
    nvdrv_sqe(sqe, write ? 0x01 : 0x02, 1, prp1, prp2);
    sqe[10] = slba;
    sqe[11] = slba >> 32;
    sqe[12] = nlb - 1;
}

int nvdrv_create_pair(struct nvdrv *d, uint16_t qid, uint16_t qsize)
{
    struct nvdrv_q *q = &d->q[qid];
    uint32_t sqe[16];
    int st;

    memset(q, 0, sizeof(*q));
    q->size = qsize;
    q->phase = true;
    q->sq = nvdrv_alloc(d, (qsize * 64 + 4095) / 4096);
    q->cq = nvdrv_alloc(d, (qsize * 16 + 4095) / 4096);
    nvdrv_sqe(sqe, 0x05, 0, q->cq, 0);
    sqe[10] = ((uint32_t)(qsize - 1) << 16) | qid;
    sqe[11] = ((uint32_t)qid << 16) | 0x3;
    st = nvdrv_cmd(d, 0, sqe, NULL);
    if ( st )
        return st;
    nvdrv_sqe(sqe, 0x01, 0, q->sq, 0);
    sqe[10] = ((uint32_t)(qsize - 1) << 16) | qid;
    sqe[11] = ((uint32_t)qid << 16) | 0x1;
    return nvdrv_cmd(d, 0, sqe, NULL);
}

uint16_t nvdrv_put(struct nvdrv *d, uint16_t qid, uint32_t sqe[16])
{
    struct nvdrv_q *q = &d->q[qid];
    uint16_t cid = q->cid++;

    sqe[0] = (sqe[0] & 0xffff) | ((uint32_t)cid << 16);
    memcpy(nvdrv_mem(d, q->sq + 64 * q->sq_tail), sqe, 64);
    q->sq_tail = (q->sq_tail + 1) % q->size;
    return cid;
}

uint16_t nvdrv_submit(struct nvdrv *d, uint16_t qid, uint32_t sqe[16])
{
    uint16_t cid = nvdrv_put(d, qid, sqe);

    nvdrv_ring(d, 2 * qid, d->q[qid].sq_tail);
    return cid;
}

int nvdrv_take(struct nvdrv *d, uint16_t qid, struct nvcqe *out)
{
    struct nvdrv_q *q = &d->q[qid];
    const uint8_t *e = nvdrv_mem(d, q->cq + 16 * q->cq_head);
    uint16_t hi = e[14] | (e[15] << 8);

    if ( (hi & 1) != q->phase )
        return -EAGAIN;
    if ( out )
    {
        out->dw0 = e[0] | (e[1] << 8) | (e[2] << 16) |
                   ((uint32_t)e[3] << 24);
        out->sqhd = e[8] | (e[9] << 8);
        out->sqid = e[10] | (e[11] << 8);
        out->cid = e[12] | (e[13] << 8);
        out->status = hi >> 1;
    }
    if ( ++q->cq_head == q->size )
    {
        q->cq_head = 0;
        q->phase = !q->phase;
    }
    return 0;
}

int nvdrv_reap(struct nvdrv *d, uint16_t qid, struct nvcqe *out)
{
    int rc = nvdrv_take(d, qid, out);

    if ( rc == 0 )
        nvdrv_ring(d, 2 * qid + 1, d->q[qid].cq_head);
    return rc;
}

int nvdrv_dbbuf(struct nvdrv *d, uint64_t dbs, uint64_t eis)
{
    uint32_t sqe[16];
    int st;

    if ( !dbs )
        dbs = nvdrv_alloc(d, 1);
    if ( !eis )
        eis = nvdrv_alloc(d, 1);
    nvdrv_sqe(sqe, 0x7c, 0, dbs, eis);
    st = nvdrv_cmd(d, 0, sqe, NULL);
    if ( st == 0 )
    {
        d->dbs = dbs;
        d->eis = eis;
    }
    return st;
}

uint32_t *nvdrv_shadow(struct nvdrv *d, unsigned int idx)
{
    return nvdrv_mem(d, d->dbs + 4 * idx);
}

uint32_t *nvdrv_eventidx(struct nvdrv *d, unsigned int idx)
{
    return nvdrv_mem(d, d->eis + 4 * idx);
}

/* Linux's nvme_dbbuf_need_event(). */
static bool need_event(uint16_t ei, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - ei - 1) < (uint16_t)(new_idx - old);
}

void nvdrv_ring(struct nvdrv *d, unsigned int idx, uint32_t val)
{
    /* The admin queue keeps its MMIO doorbells, as in Linux. */
    if ( d->dbs && idx >= 2 )
    {
        uint32_t *db = nvdrv_shadow(d, idx), *ei = nvdrv_eventidx(d, idx);
        uint16_t old;

        /* The queue entries are written before the shadow value. */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        old = __atomic_load_n(db, __ATOMIC_RELAXED);
        __atomic_store_n(db, val, __ATOMIC_RELAXED);
        /* The shadow is written before EventIdx is read (Linux's mb()). */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if ( !need_event(__atomic_load_n(ei, __ATOMIC_RELAXED), val, old) )
            return;
    }
    d->mmio_doorbells++;
    nvdrv_wr(d, 0x1000 + 4 * idx, 4, val);
}

int nvdrv_cmd(struct nvdrv *d, uint16_t qid, uint32_t sqe[16],
              struct nvcqe *out)
{
    struct nvcqe c;
    uint16_t cid = nvdrv_submit(d, qid, sqe);

    if ( nvdrv_reap(d, qid, &c) || c.cid != cid )
        return -1;
    if ( out )
        *out = c;
    return c.status;
}
