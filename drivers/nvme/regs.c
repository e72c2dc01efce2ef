/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BAR0: the controller registers, the doorbells, the MSI-X table and
 * PBA, and the interrupts they drive.
 *
 * Registers answer reads of any size and alignment (byte by byte from
 * their 32-bit values); writes must be 4 bytes, or 8 bytes to a 64-bit
 * aligned offset (split low half first, as lo_hi_writeq), anything else
 * is dropped and logged.  Enabling (CC.EN 0 -> 1) checks CC and the
 * admin queue attributes: a setting we cannot honour sets CSTS.CFS
 * instead of RDY.  Disabling is a controller reset: every queue goes,
 * commands still at the block device are orphaned (they finish there,
 * unseen), held AERs are dropped, features return to their defaults,
 * shadow doorbells are off until the guest configures them again.  With
 * shadow doorbells an MMIO doorbell is still checked and taken, then
 * the shadow value, read as the controller processes, wins.
 * A normal shutdown (CC.SHN) flushes the device before reporting
 * shutdown complete.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

/*
 * CAP: MQES, CQR (contiguous queues required), TO 2 s (in 500 ms
 * units), DSTRD 0, CSS bit 37 (NVM), MPSMIN = MPSMAX = 0 (4 KiB).
 */
#define NVME_CAP ((uint64_t)(PVR_NVME_QUEUE_ENTRIES - 1) | (1ULL << 16) | \
                  (4ULL << 24) | (1ULL << 37))
#define NVME_VS  0x00010400u

static uint32_t reg_read32(const pvr_nvme *n, unsigned int off)
{
    switch ( off )
    {
    case NVME_REG_CAP:      return (uint32_t)NVME_CAP;
    case NVME_REG_CAP + 4:  return NVME_CAP >> 32;
    case NVME_REG_VS:       return NVME_VS;
    case NVME_REG_INTMS:
    case NVME_REG_INTMC:    return n->intms;
    case NVME_REG_CC:       return n->cc;
    case NVME_REG_CSTS:     return n->csts;
    case NVME_REG_AQA:      return n->aqa;
    case NVME_REG_ASQ:      return (uint32_t)n->asq;
    case NVME_REG_ASQ + 4:  return n->asq >> 32;
    case NVME_REG_ACQ:      return (uint32_t)n->acq;
    case NVME_REG_ACQ + 4:  return n->acq >> 32;
    default:                return 0;
    }
}

/* The 32-bit word of BAR0 at off (4-aligned) as a read returns it. */
static uint32_t word_read(const pvr_nvme *n, uint64_t off)
{
    uint64_t t;

    if ( off < NVME_DOORBELLS )
        return reg_read32(n, off);
    if ( off >= NVME_MSIX_TABLE &&
         off < NVME_MSIX_TABLE + sizeof(n->msix) )
    {
        t = (off - NVME_MSIX_TABLE) / 4;
        return n->msix[t / 4][t % 4];
    }
    if ( off >= NVME_MSIX_PBA && off < NVME_MSIX_PBA + 8 )
        return off == NVME_MSIX_PBA ? (uint32_t)n->pba : n->pba >> 32;
    /* Doorbells read as zero, as does everything unimplemented. */
    return 0;
}

int nvme__bar_read(void *opaque, uint64_t off, unsigned int size,
                   uint64_t *val_out)
{
    pvr_nvme *n = opaque;
    uint64_t v = 0;
    unsigned int i;

    if ( size > 8 || off + size > PVR_NVME_BAR0_SIZE )
        return -EINVAL;
    for ( i = 0; i < size; i++ )
    {
        uint64_t at = off + i;

        v |= (uint64_t)((word_read(n, at & ~3ULL) >> (8 * (at & 3))) &
                        0xff) << (8 * i);
    }
    *val_out = v;
    return 0;
}

/* ---- interrupts ---- */

void nvme__intx_update(pvr_nvme *n)
{
    bool level = false;
    unsigned int q;
    uint8_t line = n->cfg[0x3c];

    if ( !nvme__msix_enabled(n) && !(n->cfg[0x05] & 0x04) &&
         !(n->intms & 1) )
        for ( q = 0; q < NVME_NR_QUEUES && !level; q++ )
            level = n->cq[q].used && n->cq[q].ien &&
                    n->cq[q].head != n->cq[q].tail;
    if ( level == n->intx_level )
        return;
    n->intx_level = level;
    n->cfg[0x06] = level ? n->cfg[0x06] | 0x08 : n->cfg[0x06] & ~0x08;
    /*
     * The port can only drive ISA IRQ lines: the line firmware wrote to
     * the interrupt line register, when it names one.  A PCI INTx would
     * need the port to reach XEN_DMOP_set_pci_intx_level.
     */
    if ( line == 0 || line > 15 )
        return;
    n->stats.intx_raised += level;
    pvr_port_dm_set_isa_irq_level(n->port, n->domid, line, level);
}

static void msix_send(pvr_nvme *n, unsigned int v)
{
    uint64_t addr = n->msix[v][0] | ((uint64_t)n->msix[v][1] << 32);
    int rc;

    rc = pvr_port_dm_inject_msi(n->port, n->domid, addr, n->msix[v][2]);
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "inject MSI vector %u", v);
    else
        n->stats.msis++;
}

void nvme__signal(pvr_nvme *n, unsigned int v)
{
    if ( !nvme__msix_enabled(n) )
    {
        nvme__intx_update(n);
        return;
    }
    if ( v >= NVME_NR_VECTORS )
        return;
    if ( nvme__msix_fn_masked(n) || (n->msix[v][3] & 1) )
    {
        n->pba |= 1ULL << v;
        n->stats.pba_sets++;
        return;
    }
    msix_send(n, v);
}

/* Send what is pending on vectors that are no longer masked. */
void nvme__msix_unmasked(pvr_nvme *n)
{
    unsigned int v;

    if ( !nvme__msix_enabled(n) || nvme__msix_fn_masked(n) )
        return;
    for ( v = 0; v < NVME_NR_VECTORS; v++ )
        if ( (n->pba & (1ULL << v)) && !(n->msix[v][3] & 1) )
        {
            n->pba &= ~(1ULL << v);
            msix_send(n, v);
        }
}

static void msix_write(pvr_nvme *n, uint64_t off, uint32_t val)
{
    uint64_t t = (off - NVME_MSIX_TABLE) / 4;

    if ( t % 4 == 3 )
    {
        /* Vector control: only the mask bit is writable. */
        n->msix[t / 4][3] = val & 1;
        nvme__msix_unmasked(n);
    }
    else
        n->msix[t / 4][t % 4] = val;
}

/* ---- enable, reset, shutdown ---- */

static void enable(pvr_nvme *n)
{
    uint32_t sqs = (n->aqa & 0xfff) + 1, cqs = ((n->aqa >> 16) & 0xfff) + 1;
    const char *bad = NULL;

    if ( (n->cc >> 4) & 7 )
        bad = "CC.CSS is not the NVM command set";
    else if ( (n->cc >> 7) & 0xf )
        bad = "CC.MPS is not 4 KiB";
    else if ( (n->cc >> 11) & 7 )
        bad = "CC.AMS is not round robin";
    else if ( sqs < 2 || cqs < 2 )
        bad = "AQA gives an admin queue of one entry";
    if ( bad )
    {
        nvme__fatal(n, bad);
        return;
    }
    n->cq[0] = (struct nvme_cq){
        .used = true, .phase = true, .ien = true, .size = cqs,
        .base = n->acq, .nr_sqs = 1,
    };
    n->sq[0] = (struct nvme_sq){
        .used = true, .size = sqs, .base = n->asq, .gen = ++n->next_sq_gen,
    };
    nvme__cq_map(n, &n->cq[0]);
    nvme__sq_map(n, &n->sq[0]);
    n->csts = NVME_CSTS_RDY;
}

void nvme__reset(pvr_nvme *n)
{
    unsigned int i;

    n->gen++;
    n->stats.resets++;
    /*
     * A command in use either waits for room in its CQ, freed here, or
     * is at the block device: the new generation orphans it, and its
     * last completion frees it (io.c).
     */
    for ( i = 0; i < NVME_NR_QUEUES; i++ )
    {
        struct nvme_cmd *c = n->cq[i].wait, *next;

        /* Completions that had no room: nothing else holds them. */
        for ( ; c; c = next )
        {
            next = c->next;
            nvme__cmd_free(n, c);
        }
    }
    for ( i = 0; i < NVME_NR_QUEUES; i++ )
    {
        nvme__sq_free(n, &n->sq[i]);
        nvme__cq_free(n, &n->cq[i]);
    }
    nvme__dbbuf_off(n);
    n->nr_aer = 0;
    n->intms = 0;
    n->csts = 0;
    nvme__features_reset(n);
    nvme__intx_update(n);
}

static void shutdown_done(pvr_blk_req *req, int status)
{
    pvr_nvme *n = req->opaque;

    n->shn_busy = false;
    if ( status && status != -ECANCELED )
        PVR_LOG_GUEST(COMP, "flush at shutdown failed: %s",
                      strerror(-status));
    if ( (n->csts & 0xc) == NVME_CSTS_SHST_BUSY )
        n->csts = (n->csts & ~0xcu) | NVME_CSTS_SHST_DONE;
}

static void shutdown(pvr_nvme *n)
{
    int rc;

    if ( n->shn_busy )
        return;
    n->csts = (n->csts & ~0xcu) | NVME_CSTS_SHST_BUSY;
    if ( !n->info.flush )
    {
        n->csts = (n->csts & ~0xcu) | NVME_CSTS_SHST_DONE;
        return;
    }
    n->shn_req = (pvr_blk_req){
        .op = PVR_BLK_FLUSH, .done = shutdown_done, .opaque = n,
    };
    n->shn_busy = true;
    n->stats.blk_reqs++;
    rc = n->blk->ops->submit(n->blk->be, &n->shn_req);
    if ( rc )
        shutdown_done(&n->shn_req, rc);
}

static void cc_write(pvr_nvme *n, uint32_t val)
{
    uint32_t old = n->cc;

    n->cc = val & NVME_CC_MASK;
    if ( !(old & NVME_CC_EN) && (n->cc & NVME_CC_EN) )
        enable(n);
    else if ( (old & NVME_CC_EN) && !(n->cc & NVME_CC_EN) )
        nvme__reset(n);
    if ( NVME_CC_SHN(n->cc) && !NVME_CC_SHN(old) )
        shutdown(n);
    else if ( !NVME_CC_SHN(n->cc) && !(n->cc & NVME_CC_EN) )
        n->csts &= ~0xcu;
}

static void reg_write32(pvr_nvme *n, unsigned int off, uint32_t val)
{
    switch ( off )
    {
    case NVME_REG_INTMS:
        n->intms |= val;
        nvme__intx_update(n);
        break;
    case NVME_REG_INTMC:
        n->intms &= ~val;
        nvme__intx_update(n);
        break;
    case NVME_REG_CC:
        cc_write(n, val);
        break;
    case NVME_REG_AQA:
        n->aqa = val & 0x0fff0fff;
        break;
    case NVME_REG_ASQ:
        n->asq = (n->asq & ~0xffffffffULL) | (val & ~0xfffu);
        break;
    case NVME_REG_ASQ + 4:
        n->asq = (n->asq & 0xffffffffULL) | ((uint64_t)val << 32);
        break;
    case NVME_REG_ACQ:
        n->acq = (n->acq & ~0xffffffffULL) | (val & ~0xfffu);
        break;
    case NVME_REG_ACQ + 4:
        n->acq = (n->acq & 0xffffffffULL) | ((uint64_t)val << 32);
        break;
    default:
        /* CAP, VS, CSTS, NSSR (no subsystem reset) and reserved: RO. */
        break;
    }
}

/* ---- doorbells ---- */

/*
 * A new CQ head, from the doorbell or its shadow.  The guest broke the
 * queue: NULL, or why, for nvme__fatal().
 */
const char *nvme__cq_head(pvr_nvme *n, struct nvme_cq *cq, uint32_t val)
{
    uint32_t posted, advance;

    if ( val >= cq->size )
        return "CQ head beyond the queue size";
    posted = (cq->tail + cq->size - cq->head) % cq->size;
    advance = (val + cq->size - cq->head) % cq->size;
    if ( advance > posted )
        return "CQ head beyond the entries posted";
    cq->head = val;
    nvme__cq_drain(n, cq);
    nvme__intx_update(n);
    return NULL;
}

static void doorbell(pvr_nvme *n, unsigned int idx, uint32_t val)
{
    unsigned int qid = idx / 2;
    const char *bad = NULL;

    n->stats.doorbells++;
    if ( !(n->csts & NVME_CSTS_RDY) || (n->csts & NVME_CSTS_CFS) )
    {
        PVR_LOG_GUEST(COMP, "doorbell %u written while the controller is "
                      "%s", idx, n->csts & NVME_CSTS_CFS ? "failed"
                                                         : "not ready");
        return;
    }
    if ( qid >= NVME_NR_QUEUES ||
         !((idx & 1) ? n->cq[qid].used : n->sq[qid].used) )
        bad = "doorbell of a queue that does not exist";
    else if ( idx & 1 )
        bad = nvme__cq_head(n, &n->cq[qid], val);
    else if ( val >= n->sq[qid].size )
        bad = "SQ tail beyond the queue size";
    else
        n->sq[qid].tail = val;
    if ( bad )
        nvme__fatal(n, bad);
    else
        nvme__process(n);
}

static void write32(pvr_nvme *n, uint64_t off, uint32_t val)
{
    if ( off < NVME_DOORBELLS )
        reg_write32(n, off, val);
    else if ( off < NVME_MSIX_TABLE )
        doorbell(n, (off - NVME_DOORBELLS) / 4, val);
    else if ( off < NVME_MSIX_TABLE + sizeof(n->msix) )
        msix_write(n, off, val);
    /* The PBA and everything else are read-only. */
}

int nvme__bar_write(void *opaque, uint64_t off, unsigned int size,
                    uint64_t val)
{
    pvr_nvme *n = opaque;

    if ( off + size > PVR_NVME_BAR0_SIZE ||
         !((size == 4 && !(off & 3)) || (size == 8 && !(off & 7))) )
    {
        PVR_LOG_GUEST(COMP, "BAR0 write of %u bytes at %#lx dropped", size,
                      (unsigned long)off);
        return -EINVAL;
    }
    write32(n, off, (uint32_t)val);
    if ( size == 8 )
        write32(n, off + 4, val >> 32);
    nvme__flush_irqs(n);
    return 0;
}
