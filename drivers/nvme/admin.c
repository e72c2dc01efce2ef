/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Admin commands: queue creation and deletion, log pages, abort and
 * asynchronous event requests; identify and features are in
 * identify.c, Doorbell Buffer Config in dbbuf.c.  Each returns the
 * NVMe status, from a command already copied into private memory.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define ADM_DELETE_SQ   0x00
#define ADM_CREATE_SQ   0x01
#define ADM_GET_LOG     0x02
#define ADM_DELETE_CQ   0x04
#define ADM_CREATE_CQ   0x05
#define ADM_IDENTIFY    0x06
#define ADM_ABORT       0x08
#define ADM_SET_FEAT    0x09
#define ADM_GET_FEAT    0x0a
#define ADM_AER         0x0c
#define ADM_DBBUF       0x7c

#define BAD(sc) ((sc) | NVME_SC_DNR)

/* Checks shared by both creates; 0 or a status. */
static uint16_t create_common(pvr_nvme *n, const struct nvme_cmd *c,
                              bool in_use, unsigned int entry_shift,
                              uint32_t *size_out)
{
    uint16_t qid = c->dw[10] & 0xffff;
    uint32_t size = (c->dw[10] >> 16) + 1;
    uint64_t base = c->dw[6] | ((uint64_t)c->dw[7] << 32);

    if ( qid == 0 || qid > n->io_queues || in_use )
        return BAD(NVME_SC_INVALID_QID);
    if ( size < 2 || size > PVR_NVME_QUEUE_ENTRIES )
        return BAD(NVME_SC_INVALID_QSIZE);
    if ( !(c->dw[11] & 1) )
        return BAD(NVME_SC_INVALID_FIELD);      /* CAP.CQR: contiguous */
    if ( base & (NVME_PAGE - 1) )
        return BAD(NVME_SC_PRP_OFFSET);
    /* CC.IOSQES / IOCQES must say the entry sizes we use. */
    if ( ((n->cc >> entry_shift) & 0xf) != (entry_shift == 16 ? 6 : 4) )
        return BAD(NVME_SC_INVALID_FIELD);
    *size_out = size;
    return 0;
}

static uint16_t create_cq(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t qid = c->dw[10] & 0xffff;
    uint16_t iv = c->dw[11] >> 16;
    uint32_t size;
    uint16_t st;

    st = create_common(n, c, qid < NVME_NR_QUEUES && n->cq[qid].used, 20,
                       &size);
    if ( st )
        return st;
    if ( iv >= NVME_NR_VECTORS )
        return BAD(NVME_SC_INVALID_VECTOR);
    n->cq[qid] = (struct nvme_cq){
        .used = true, .phase = true, .ien = c->dw[11] & 2, .iv = iv,
        .size = size, .base = c->dw[6] | ((uint64_t)c->dw[7] << 32),
    };
    nvme__cq_map(n, &n->cq[qid]);
    nvme__dbbuf_attach(n, qid);
    return NVME_SC_SUCCESS;
}

static uint16_t create_sq(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t qid = c->dw[10] & 0xffff;
    uint16_t cqid = c->dw[11] >> 16;
    uint32_t size;
    uint16_t st;

    st = create_common(n, c, qid < NVME_NR_QUEUES && n->sq[qid].used, 16,
                       &size);
    if ( st )
        return st;
    if ( cqid == 0 || cqid > n->io_queues || !n->cq[cqid].used )
        return BAD(NVME_SC_CQ_INVALID);
    n->sq[qid] = (struct nvme_sq){
        .used = true, .cqid = cqid, .size = size,
        .base = c->dw[6] | ((uint64_t)c->dw[7] << 32),
        .gen = ++n->next_sq_gen,
    };
    nvme__sq_map(n, &n->sq[qid]);
    nvme__dbbuf_attach(n, qid);
    n->cq[cqid].nr_sqs++;
    return NVME_SC_SUCCESS;
}

/*
 * Commands of the SQ still at the block device finish unseen (their SQ
 * generation no longer matches); those waiting for CQ room are dropped
 * here.  The host learns nothing of them, which the spec allows for
 * commands it cannot abort.
 */
static uint16_t delete_sq(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t qid = c->dw[10] & 0xffff;
    struct nvme_cq *cq;
    struct nvme_cmd **pp, *w;

    if ( qid == 0 || qid >= NVME_NR_QUEUES || !n->sq[qid].used )
        return BAD(NVME_SC_INVALID_QID);
    cq = &n->cq[n->sq[qid].cqid];
    cq->wait_tail = NULL;
    for ( pp = &cq->wait; (w = *pp) != NULL; )
    {
        if ( w->sqid == qid )
        {
            *pp = w->next;
            nvme__cmd_free(n, w);
            continue;
        }
        cq->wait_tail = w;
        pp = &w->next;
    }
    cq->nr_sqs--;
    nvme__sq_free(n, &n->sq[qid]);
    return NVME_SC_SUCCESS;
}

static uint16_t delete_cq(pvr_nvme *n, struct nvme_cmd *c)
{
    uint16_t qid = c->dw[10] & 0xffff;

    if ( qid == 0 || qid >= NVME_NR_QUEUES || !n->cq[qid].used )
        return BAD(NVME_SC_INVALID_QID);
    if ( n->cq[qid].nr_sqs )
        return BAD(NVME_SC_INVALID_DELETE);
    nvme__cq_free(n, &n->cq[qid]);
    nvme__intx_update(n);
    return NVME_SC_SUCCESS;
}

/*
 * Error information (ELPE + 1 entries of 64 bytes), SMART / health and
 * firmware slot information (512 bytes each).  Nothing is recorded: the
 * error log is empty and SMART counts nothing, which the spec allows.
 */
static uint16_t get_log(pvr_nvme *n, struct nvme_cmd *c)
{
    uint8_t lid = c->dw[10] & 0xff;
    uint64_t numd = ((c->dw[10] >> 16) | ((uint64_t)(c->dw[11] & 0xffff)
                                          << 16)) + 1;
    uint64_t lpo = c->dw[12] | ((uint64_t)c->dw[13] << 32);
    uint32_t size, xfer;
    uint16_t st;

    switch ( lid )
    {
    case 0x01:
        size = 64 * (NVME_ELPE + 1);
        break;
    case 0x02:
    case 0x03:
        if ( c->dw[1] != 0 && c->dw[1] != 1 && c->dw[1] != 0xffffffff )
            return BAD(NVME_SC_INVALID_NS);
        size = 512;
        break;
    default:
        return BAD(NVME_SC_INVALID_LOG);
    }
    if ( (lpo & 3) || lpo > size )
        return BAD(NVME_SC_INVALID_FIELD);
    xfer = size - lpo;
    if ( numd * 4 < xfer )
        xfer = numd * 4;
    memset(n->page, 0, NVME_PAGE);
    if ( lid == 0x03 )
    {
        n->page[0] = 1;                         /* slot 1 active */
        memcpy(n->page + 8, "1.0     ", 8);     /* FRS1 */
    }
    st = nvme__prp_map(n, c, xfer);
    if ( st == 0 )
        st = nvme__to_guest(n, c, n->page + lpo);
    return st;
}

static uint16_t aer(pvr_nvme *n, struct nvme_cmd *c)
{
    /* Held for an event that never comes: no event is ever reported. */
    if ( n->nr_aer >= PVR_NVME_AER_LIMIT )
        return BAD(NVME_SC_AER_LIMIT);
    n->aer_cid[n->nr_aer++] = c->dw[0] >> 16;
    nvme__cmd_free(n, c);
    return NVME_PENDING;
}

uint16_t nvme__admin(pvr_nvme *n, struct nvme_cmd *c)
{
    switch ( c->dw[0] & 0xff )
    {
    case ADM_DELETE_SQ:  return delete_sq(n, c);
    case ADM_CREATE_SQ:  return create_sq(n, c);
    case ADM_GET_LOG:    return get_log(n, c);
    case ADM_DELETE_CQ:  return delete_cq(n, c);
    case ADM_CREATE_CQ:  return create_cq(n, c);
    case ADM_IDENTIFY:   return nvme__identify(n, c);
    case ADM_ABORT:
        /* Commands run to completion here: "not aborted" (dword 0 bit 0). */
        c->result = 1;
        return NVME_SC_SUCCESS;
    case ADM_SET_FEAT:   return nvme__set_features(n, c);
    case ADM_GET_FEAT:   return nvme__get_features(n, c);
    case ADM_AER:        return aer(n, c);
    case ADM_DBBUF:      return nvme__dbbuf_config(n, c);
    default:             return BAD(NVME_SC_INVALID_OPCODE);
    }
}
