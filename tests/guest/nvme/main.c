/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny NVMe driver against the controller pvdomaind serves
 * (drivers/nvme), found the way firmware finds it: on PCI.
 *
 * What it proves, one console line per check ("nvme: ...: ok"):
 * 1. pci: a function of class 01:08:02 answers on bus 0 through ports
 *    0xCF8/0xCFC (Xen routes those config cycles to the IOREQ server
 *    that claimed the SBDF); BAR0 is a 64-bit memory BAR of 16 KiB.  If
 *    firmware placed it (hvmloader) the guest uses that address, else
 *    (booted as the firmware itself, as here) it places BAR0 in the PCI
 *    hole at 0xF0000000 and turns decoding on, moving pvdomaind's MMIO
 *    region.  The "BAR0 ..." line says which happened.
 * 2. enable: CAP and VS are sane, CC.EN brings CSTS.RDY with the admin
 *    queue at our pages.
 * 3. identify: controller (VID, serial, model, MDTS, SQES/CQES) and
 *    namespace 1 (size, 512-byte LBAs).
 * 4. queues: Set Features (number of queues) grants 2 pairs; two I/O
 *    CQ/SQ pairs are created (interrupts off: completions are polled).
 * 5. write: five regions written with distinct patterns, interleaved
 *    over both queues with several commands outstanding: PRP1 only
 *    (4 KiB), PRP1+PRP2 (8 KiB, page-aligned), PRP1 at an offset plus
 *    PRP2 (4 KiB across two pages), and two PRP lists (64 KiB, 128 KiB
 *    = MDTS); the last LBA of the namespace too.  Every record says
 *    which queue wrote it, so dom0 can check the image file byte for
 *    byte (tests/host/jobs/nvme-xtf.sh regenerates the same records).
 * 6. read: each region read back through the other queue, compared.
 *    A region dom0 wrote into the image before boot reads as dom0 wrote
 *    it (reads reach the backing file).
 * 7. flush on both queues.
 * 8. errors: LBA out of range, namespace 0xfffffff0, an unknown I/O opcode, an
 *    unknown admin opcode, creating a queue with a too-large id,
 *    deleting a queue never created: each gets its NVMe status, and the
 *    controller still works afterwards (a read after them succeeds).
 * 9. shutdown: CC.SHN gets SHST complete; the queues are deleted first.
 *
 * What it cannot tell: interrupts (MSI-X or INTx are not used: polling,
 * v1), anything with more than one namespace, Linux's or Windows'
 * drivers (tests/host/jobs/nvme-linux.sh).  The records are ASCII so a
 * shell in dom0 can produce them; they prove placement and content, not
 * randomness.
 */
#include "guest.h"

const char test_title[] = "NVMe controller over PCI and MMIO";

/* ---- PCI configuration space through CF8/CFC ---- */

static inline void outl(uint16_t port, uint32_t val)
{
    asm volatile ( "outl %0, %1" :: "a" (val), "Nd" (port) : "memory" );
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t val;

    asm volatile ( "inl %1, %0" : "=a" (val) : "Nd" (port) : "memory" );
    return val;
}

static uint32_t cfg_addr(unsigned int devfn, unsigned int reg)
{
    return 0x80000000u | (devfn << 8) | (reg & 0xfc);
}

static uint32_t pci_read32(unsigned int devfn, unsigned int reg)
{
    outl(0xcf8, cfg_addr(devfn, reg));
    return inl(0xcfc);
}

static void pci_write32(unsigned int devfn, unsigned int reg, uint32_t v)
{
    outl(0xcf8, cfg_addr(devfn, reg));
    outl(0xcfc, v);
}

/* ---- Registers ---- */

#define REG_CAP     0x00
#define REG_VS      0x08
#define REG_CC      0x14
#define REG_CSTS    0x1c
#define REG_AQA     0x24
#define REG_ASQ     0x28
#define REG_ACQ     0x30
#define REG_DBL     0x1000

#define CC_EN       0x1u
#define CC_SHN_NORM (1u << 14)
#define CC_IOQES    ((6u << 16) | (4u << 20))   /* SQE 64, CQE 16 bytes */
#define CSTS_RDY    0x1u
#define CSTS_CFS    0x2u
#define CSTS_SHST   (3u << 2)
#define CSTS_SHST_DONE (2u << 2)

#define PAGE        4096u
#define QDEPTH      16u
#define NR_IOQ      2u
#define BAR_FALLBACK 0xf0000000u

static uintptr_t bar;

static uint32_t rd(unsigned int reg)
{
    return mmio_read32(bar + reg);
}

static void wr(unsigned int reg, uint32_t v)
{
    mmio_write32(bar + reg, v);
}

static void wr64(unsigned int reg, uint64_t v)
{
    wr(reg, (uint32_t)v);
    wr(reg + 4, (uint32_t)(v >> 32));
}

/* Milliseconds to a TSC deadline (a generous count without a TSC rate). */
static uint64_t deadline(uint32_t ms)
{
    uint32_t khz = gtf_tsc_khz();

    return rdtsc_ordered() + (uint64_t)ms * (khz ? khz : 3000000u);
}

static bool wait_csts(uint32_t mask, uint32_t want, uint32_t ms)
{
    uint64_t end = deadline(ms);

    while ( (rd(REG_CSTS) & mask) != want )
    {
        if ( rdtsc_ordered() > end )
            return false;
        gtf_udelay(100);
    }
    return true;
}

/* ---- Queues ---- */

struct sqe {
    uint32_t dw0, nsid, rsvd[2];
    uint64_t mptr, prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
    uint32_t result, rsvd;
    uint16_t sqhd, sqid;
    uint16_t cid, status;       /* status bit 0 is the phase */
};

struct queue {
    unsigned int qid;
    struct sqe *sq;
    volatile struct cqe *cq;
    unsigned int tail, head;
    uint16_t phase;
    uint16_t next_cid;
    unsigned int outstanding;
};

static uint8_t qmem[2 * (NR_IOQ + 1)][PAGE] __attribute__((aligned(4096)));
static uint8_t idbuf[PAGE] __attribute__((aligned(4096)));
/* Writes: every region at once (53 pages); reads: one, 32 pages + 1. */
static uint8_t wbuf[64 * PAGE] __attribute__((aligned(4096)));
static uint8_t rbuf[33 * PAGE] __attribute__((aligned(4096)));
static uint64_t prplist[2][PAGE / 8] __attribute__((aligned(4096)));

static struct queue q[NR_IOQ + 1];

/* Status of each completion, by cid (cids are unique per queue). */
#define MAX_CID 64u
static uint16_t done_status[NR_IOQ + 1][MAX_CID];
static bool done_seen[NR_IOQ + 1][MAX_CID];

static void queue_init(struct queue *qq, unsigned int qid)
{
    memset(qmem[2 * qid], 0, PAGE);
    memset(qmem[2 * qid + 1], 0, PAGE);
    qq->qid = qid;
    qq->sq = (struct sqe *)qmem[2 * qid];
    qq->cq = (volatile struct cqe *)qmem[2 * qid + 1];
    qq->tail = qq->head = 0;
    qq->phase = 1;
    qq->next_cid = 1;
    qq->outstanding = 0;
}

static uint16_t submit(struct queue *qq, struct sqe *e)
{
    uint16_t cid = qq->next_cid++ % MAX_CID;

    if ( cid == 0 )
        cid = qq->next_cid++ % MAX_CID;
    e->dw0 = (e->dw0 & 0xffff) | ((uint32_t)cid << 16);
    done_seen[qq->qid][cid] = false;
    memcpy(&qq->sq[qq->tail], e, sizeof(*e));
    qq->tail = (qq->tail + 1) % QDEPTH;
    qq->outstanding++;
    wr(REG_DBL + 8 * qq->qid, qq->tail);
    return cid;
}

/* Take every completion on qq until none is outstanding; false on timeout. */
static bool reap(struct queue *qq, uint32_t ms)
{
    uint64_t end = deadline(ms);
    unsigned int polls = 0;

    while ( qq->outstanding )
    {
        volatile struct cqe *c = &qq->cq[qq->head];
        uint16_t st = c->status;

        if ( (st & 1) != qq->phase )
        {
            /* CSTS is an exit to pvdomaind: look now and then. */
            if ( rdtsc_ordered() > end ||
                 (++polls % 256 == 0 && (rd(REG_CSTS) & CSTS_CFS)) )
                return false;
            gtf_udelay(20);
            continue;
        }
        if ( c->cid < MAX_CID )
        {
            done_status[qq->qid][c->cid] = st >> 1;
            done_seen[qq->qid][c->cid] = true;
        }
        qq->head = (qq->head + 1) % QDEPTH;
        if ( qq->head == 0 )
            qq->phase ^= 1;
        qq->outstanding--;
        wr(REG_DBL + 8 * qq->qid + 4, qq->head);
    }
    return true;
}

/* The command's status (SCT << 8 | SC, DNR and More left out), or -1. */
static int status_of(struct queue *qq, uint16_t cid)
{
    if ( !done_seen[qq->qid][cid] )
        return -1;
    return done_status[qq->qid][cid] & 0x7ff;
}

static int run(struct queue *qq, struct sqe *e)
{
    uint16_t cid = submit(qq, e);

    if ( !reap(qq, 5000) )
        return -1;
    return status_of(qq, cid);
}

static int admin(struct sqe *e)
{
    return run(&q[0], e);
}

/* ---- Steps ---- */

static unsigned int devfn;
static uint64_t nsze;

static bool find_controller(void)
{
    unsigned int d, f;

    for ( d = 0; d < 32; d++ )
        for ( f = 0; f < 8; f++ )
        {
            uint32_t id = pci_read32(d << 3 | f, 0x00);

            if ( id == 0xffffffffu || id == 0 )
            {
                if ( f == 0 )
                    break;
                continue;
            }
            printk("nvme: pci %02x.%x: %04x:%04x class %06x\n", d, f,
                   id & 0xffff, id >> 16, pci_read32(d << 3 | f, 0x08) >> 8);
            if ( (pci_read32(d << 3 | f, 0x08) >> 8) == 0x010802 )
            {
                devfn = d << 3 | f;
                return true;
            }
            if ( f == 0 && !(pci_read32(d << 3, 0x0c) & 0x00800000) )
                break;
        }
    return false;
}

static bool setup_bar(void)
{
    uint32_t lo = pci_read32(devfn, 0x10), hi = pci_read32(devfn, 0x14);
    uint32_t size_lo;

    if ( (lo & 0x7) != 0x4 )
    {
        gtf_failure("nvme: BAR0 is not a 64-bit memory BAR: 0x%x", lo);
        return false;
    }
    /* Sizing, decoding off, as firmware does. */
    pci_write32(devfn, 0x04, pci_read32(devfn, 0x04) & ~0x7u);
    pci_write32(devfn, 0x10, 0xffffffffu);
    size_lo = pci_read32(devfn, 0x10);
    pci_write32(devfn, 0x10, lo);
    printk("nvme: BAR0 size mask 0x%x: %u KiB\n", size_lo,
           (~(size_lo & ~0xfu) + 1) / 1024);
    if ( hi )
    {
        gtf_failure("nvme: BAR0 above 4 GiB (0x%x%08x): unreachable here",
                    hi, lo);
        return false;
    }
    if ( lo & ~0xfu )
        printk("nvme: BAR0 assigned by firmware at 0x%x\n", lo & ~0xfu);
    else
    {
        printk("nvme: BAR0 was unassigned (no firmware ran): placing it "
               "at 0x%x\n", BAR_FALLBACK);
        pci_write32(devfn, 0x10, BAR_FALLBACK);
        pci_write32(devfn, 0x14, 0);
        lo = pci_read32(devfn, 0x10);
    }
    bar = lo & ~0xfu;
    /* Memory space and bus master on, INTx off (we poll). */
    pci_write32(devfn, 0x04, (pci_read32(devfn, 0x04) & 0xffff) | 0x406);
    return true;
}

static bool enable(void)
{
    uint32_t cap_lo = rd(REG_CAP), cap_hi = rd(REG_CAP + 4);
    uint32_t to_ms = ((cap_lo >> 24) & 0xff) * 500 + 500;

    printk("nvme: CAP 0x%x%08x VS 0x%x\n", cap_hi, cap_lo, rd(REG_VS));
    if ( cap_lo == 0xffffffffu || !(cap_hi & (1u << (37 - 32))) )
    {
        gtf_failure("nvme: CAP unreadable or without the NVM command set");
        return false;
    }
    if ( rd(REG_CC) & CC_EN )
    {
        wr(REG_CC, 0);
        if ( !wait_csts(CSTS_RDY, 0, to_ms) )
        {
            gtf_failure("nvme: RDY stays set after CC.EN = 0");
            return false;
        }
    }
    queue_init(&q[0], 0);
    wr(REG_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
    wr64(REG_ASQ, (uintptr_t)q[0].sq);
    wr64(REG_ACQ, (uintptr_t)q[0].cq);
    wr(REG_CC, CC_IOQES | CC_EN);
    if ( !wait_csts(CSTS_RDY | CSTS_CFS, CSTS_RDY, to_ms) )
    {
        gtf_failure("nvme: CSTS 0x%x after CC.EN = 1", rd(REG_CSTS));
        return false;
    }
    printk("nvme: enable: CSTS.RDY: ok\n");
    return true;
}

static void copy_ascii(char *dst, const uint8_t *src, unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    dst[n] = 0;
    while ( n && dst[n - 1] == ' ' )
        dst[--n] = 0;
}

static bool identify(void)
{
    struct sqe e = { .dw0 = 0x06, .prp1 = (uintptr_t)idbuf, .cdw10 = 1 };
    char sn[21], mn[41];
    int st;

    memset(idbuf, 0, PAGE);
    if ( (st = admin(&e)) != 0 )
    {
        gtf_failure("nvme: identify controller: status 0x%x", st);
        return false;
    }
    copy_ascii(sn, idbuf + 4, 20);
    copy_ascii(mn, idbuf + 24, 40);
    printk("nvme: identify controller: vid %04x sn '%s' mn '%s' mdts %u "
           "sqes 0x%x cqes 0x%x nn %u: ok\n", idbuf[0] | idbuf[1] << 8, sn,
           mn, idbuf[77], idbuf[512], idbuf[513],
           idbuf[516] | idbuf[517] << 8);
    if ( idbuf[512] != 0x66 || idbuf[513] != 0x44 )
    {
        gtf_failure("nvme: SQES/CQES not 64/16 bytes");
        return false;
    }

    e = (struct sqe){ .dw0 = 0x06, .nsid = 1, .prp1 = (uintptr_t)idbuf };
    memset(idbuf, 0, PAGE);
    if ( (st = admin(&e)) != 0 )
    {
        gtf_failure("nvme: identify namespace 1: status 0x%x", st);
        return false;
    }
    memcpy(&nsze, idbuf, 8);
    {
        uint32_t lbaf;
        unsigned int fmt = idbuf[26] & 0xf;

        memcpy(&lbaf, idbuf + 128 + 4 * fmt, 4);
        printk("nvme: identify namespace: nsze %u lba format %u, %u-byte "
               "LBAs: ok\n", (unsigned int)nsze, fmt,
               1u << ((lbaf >> 16) & 0xff));
        if ( ((lbaf >> 16) & 0xff) != 9 )
        {
            gtf_failure("nvme: namespace LBAs are not 512 bytes");
            return false;
        }
    }
    if ( nsze < 2048 )
    {
        gtf_error("nvme: namespace of %u sectors: need 1 MiB at least",
                  (unsigned int)nsze);
        return false;
    }
    return true;
}

static bool create_queues(void)
{
    struct sqe e = { .dw0 = 0x09, .cdw10 = 7,
                     .cdw11 = (NR_IOQ - 1) | (NR_IOQ - 1) << 16 };
    unsigned int i;
    uint16_t cid;
    int st;

    cid = submit(&q[0], &e);
    if ( !reap(&q[0], 5000) || (st = status_of(&q[0], cid)) != 0 )
    {
        gtf_failure("nvme: set features (number of queues) failed");
        return false;
    }
    /* The result holds what was granted (0-based); read it from the CQ. */
    printk("nvme: set features: number of queues: %u SQ, %u CQ granted\n",
           (q[0].cq[(q[0].head + QDEPTH - 1) % QDEPTH].result & 0xffff) + 1,
           (q[0].cq[(q[0].head + QDEPTH - 1) % QDEPTH].result >> 16) + 1);
    for ( i = 1; i <= NR_IOQ; i++ )
    {
        queue_init(&q[i], i);
        e = (struct sqe){ .dw0 = 0x05, .prp1 = (uintptr_t)q[i].cq,
                          .cdw10 = (QDEPTH - 1) << 16 | i, .cdw11 = 1 };
        if ( (st = admin(&e)) != 0 )
        {
            gtf_failure("nvme: create I/O CQ %u: status 0x%x", i, st);
            return false;
        }
        e = (struct sqe){ .dw0 = 0x01, .prp1 = (uintptr_t)q[i].sq,
                          .cdw10 = (QDEPTH - 1) << 16 | i,
                          .cdw11 = i << 16 | 1 };
        if ( (st = admin(&e)) != 0 )
        {
            gtf_failure("nvme: create I/O SQ %u: status 0x%x", i, st);
            return false;
        }
    }
    printk("nvme: queues: %u I/O queue pairs created: ok\n", NR_IOQ);
    return true;
}

/*
 * One 32-byte ASCII record per 32 bytes of a sector:
 * "pvr-nvme q<Q> lba <LBA, 8 hex> #<slot, 2 digits> ok\n".
 */
#define RECORD 32u

/* 32-byte records naming the queue (or the soak's round) and the LBA. */
static void records(uint8_t *buf, uint32_t lba, unsigned int nsect,
                    bool soak, unsigned int tag)
{
    char rec[RECORD + 1];
    unsigned int s, k;

    for ( s = 0; s < nsect; s++ )
        for ( k = 0; k < 512 / RECORD; k++ )
        {
            if ( soak )
                snprintf(rec, sizeof(rec), "soak %06u lba %08x #%02u ok\n",
                         tag % 1000000, lba + s, k);
            else
                snprintf(rec, sizeof(rec), "pvr-nvme q%u lba %08x #%02u ok\n",
                         tag, lba + s, k);
            memcpy(buf + s * 512 + k * RECORD, rec, RECORD);
        }
}

static void fill(uint8_t *buf, uint32_t lba, unsigned int nsect,
                 unsigned int qn)
{
    records(buf, lba, nsect, false, qn);
}

struct region {
    const char *how;
    uint32_t lba;
    unsigned int nsect;
    unsigned int offset;        /* of the data in its first page */
    unsigned int wq;            /* queue that writes; the other reads */
};

static const struct region regions[] = {
    { "PRP1 only, 4 KiB", 0, 8, 0, 1 },
    { "PRP1+PRP2, 8 KiB", 16, 16, 0, 2 },
    { "PRP1 at +1024 and PRP2, 4 KiB", 40, 8, 1024, 2 },
    { "PRP list, 64 KiB", 128, 128, 0, 1 },
    { "PRP list, 128 KiB (MDTS)", 512, 256, 0, 2 },
};

/* The PRPs for a transfer of len bytes at buf + offset. */
static void set_prps(struct sqe *e, uint8_t *buf, unsigned int offset,
                     unsigned int len, uint64_t *list)
{
    unsigned int first = PAGE - offset, pages, i;

    e->prp1 = (uintptr_t)buf + offset;
    e->prp2 = 0;
    if ( len <= first )
        return;
    pages = (len - first + PAGE - 1) / PAGE;
    if ( pages == 1 )
    {
        e->prp2 = (uintptr_t)buf + PAGE;
        return;
    }
    for ( i = 0; i < pages; i++ )
        list[i] = (uintptr_t)buf + (i + 1) * PAGE;
    e->prp2 = (uintptr_t)list;
}

static uint16_t io(struct queue *qq, uint8_t opc, uint32_t nsid, uint32_t lba,
                   unsigned int nsect, uint8_t *buf, unsigned int offset,
                   uint64_t *list)
{
    struct sqe e = { .dw0 = opc, .nsid = nsid, .cdw10 = lba,
                     .cdw12 = nsect - 1 };

    if ( opc != 0x00 )
        set_prps(&e, buf, offset, nsect * 512, list);
    return submit(qq, &e);
}

static bool write_all(void)
{
    uint16_t cid[ARRAY_SIZE(regions)];
    unsigned int i, off = 0;
    bool ok;
    int st;

    /* Every region in its own slice of wbuf, all outstanding at once. */
    for ( i = 0; i < ARRAY_SIZE(regions); i++ )
    {
        const struct region *r = &regions[i];

        fill(wbuf + off + r->offset, r->lba, r->nsect, r->wq);
        cid[i] = io(&q[r->wq], 0x01, 1, r->lba, r->nsect, wbuf + off,
                    r->offset, prplist[i & 1]);
        off += (r->offset + r->nsect * 512 + PAGE - 1) / PAGE * PAGE;
    }
    ok = reap(&q[1], 10000) && reap(&q[2], 10000);
    for ( i = 0; i < ARRAY_SIZE(regions); i++ )
    {
        st = status_of(&q[regions[i].wq], cid[i]);
        printk("nvme: write: q%u lba %u+%u, %s: status 0x%x%s\n",
               regions[i].wq, regions[i].lba, regions[i].nsect,
               regions[i].how, st, st == 0 ? ": ok" : "");
        ok = ok && st == 0;
    }
    /* The namespace's last LBA, on queue 2. */
    fill(wbuf, (uint32_t)nsze - 1, 1, 2);
    cid[0] = io(&q[2], 0x01, 1, (uint32_t)nsze - 1, 1, wbuf, 0, NULL);
    st = reap(&q[2], 5000) ? status_of(&q[2], cid[0]) : -1;
    printk("nvme: write: q2 last lba %u: status 0x%x%s\n",
           (unsigned int)nsze - 1, st, st == 0 ? ": ok" : "");
    ok = ok && st == 0;
    if ( !ok )
        gtf_failure("nvme: writes failed");
    return ok;
}

/* Read lba+nsect through qq at rbuf + offset and compare with records. */
static bool read_check(struct queue *qq, const char *what, uint32_t lba,
                       unsigned int nsect, unsigned int offset,
                       unsigned int wq)
{
    uint16_t c;
    int st;

    memset(rbuf, 0xa5, sizeof(rbuf));
    c = io(qq, 0x02, 1, lba, nsect, rbuf, offset, prplist[0]);
    st = reap(qq, 5000) ? status_of(qq, c) : -1;
    fill(wbuf, lba, nsect, wq);
    if ( st != 0 || memcmp(rbuf + offset, wbuf, nsect * 512) )
    {
        gtf_failure("nvme: read q%u lba %u+%u (%s): status 0x%x, %s", qq->qid,
                    lba, nsect, what, st, st ? "failed" : "wrong data");
        return false;
    }
    if ( offset && rbuf[offset - 1] != 0xa5 )
    {
        gtf_failure("nvme: read q%u lba %u: wrote before its buffer",
                    qq->qid, lba);
        return false;
    }
    printk("nvme: read: q%u lba %u+%u, %s: matches what q%u wrote: ok\n",
           qq->qid, lba, nsect, what, wq);
    return true;
}

static bool read_all(void)
{
    unsigned int i;
    bool ok = true;

    for ( i = 0; i < ARRAY_SIZE(regions); i++ )
    {
        const struct region *r = &regions[i];

        ok = read_check(&q[3 - r->wq], r->how, r->lba, r->nsect,
                        /* a different offset from the write's */
                        r->offset ? 0 : (r->nsect <= 8 ? 512 : 0),
                        r->wq) && ok;
    }
    ok = read_check(&q[1], "last LBA", (uint32_t)nsze - 1, 1, 0, 2) && ok;
    /* Written by dom0 into the image before the guest started. */
    ok = read_check(&q[1], "dom0's records", 1024, 8, 0, 0) && ok;
    return ok;
}

static bool flush_all(void)
{
    unsigned int i;

    for ( i = 1; i <= NR_IOQ; i++ )
    {
        uint16_t c = io(&q[i], 0x00, 1, 0, 1, NULL, 0, NULL);
        int st = reap(&q[i], 10000) ? status_of(&q[i], c) : -1;

        if ( st != 0 )
        {
            gtf_failure("nvme: flush on q%u: status 0x%x", i, st);
            return false;
        }
        printk("nvme: flush: q%u: ok\n", i);
    }
    return true;
}

static bool expect(const char *what, int st, int want)
{
    if ( st != want )
    {
        gtf_failure("nvme: error: %s: status 0x%x, expected 0x%x", what, st,
                    want);
        return false;
    }
    printk("nvme: error: %s: status 0x%x as expected: ok\n", what, st);
    return true;
}

static bool errors(void)
{
    struct sqe e;
    uint16_t c;
    bool ok = true;

    c = io(&q[1], 0x02, 1, (uint32_t)nsze - 1, 2, rbuf, 0, NULL);
    ok = expect("read across the namespace's end (LBA out of range)",
                reap(&q[1], 5000) ? status_of(&q[1], c) : -1, 0x080) && ok;
    c = io(&q[2], 0x02, 0xfffffff0u, 0, 1, rbuf, 0, NULL);
    ok = expect("read of namespace 0xfffffff0 (invalid namespace)",
                reap(&q[2], 5000) ? status_of(&q[2], c) : -1, 0x00b) && ok;
    e = (struct sqe){ .dw0 = 0x7e, .nsid = 1 };
    ok = expect("I/O opcode 0x7e (invalid opcode)", run(&q[1], &e), 0x001) &&
         ok;
    e = (struct sqe){ .dw0 = 0xc1 };
    ok = expect("admin opcode 0xc1 (invalid opcode)", admin(&e), 0x001) && ok;
    e = (struct sqe){ .dw0 = 0x05, .prp1 = (uintptr_t)qmem[0],
                      .cdw10 = (QDEPTH - 1) << 16 | 0xffff, .cdw11 = 1 };
    ok = expect("create I/O CQ 65535 (invalid queue identifier)", admin(&e),
                0x101) && ok;
    e = (struct sqe){ .dw0 = 0x00, .cdw10 = 9 };
    ok = expect("delete I/O SQ 9, never created (invalid queue identifier)",
                admin(&e), 0x101) && ok;
    ok = read_check(&q[2], "after the errors", 0, 8, 0, 1) && ok;
    return ok;
}

/*
 * The soak, when dom0 asks for it with "pvr-nvme-soak SECONDS" at
 * SOAK_ASK_LBA: for that long, 64 KiB writes on queue 1 round the slots
 * from SOAK_LBA, each read back on queue 2 and compared, with deadlines
 * long enough for a store that goes away and comes back meanwhile (the
 * nvme-blkback job tears dom0's backend down during it).  The last
 * round of each slot stays on the disk, for dom0 to check.
 */
#define SOAK_ASK_LBA 1040u
#define SOAK_LBA     4096u
#define SOAK_SECT    128u
#define SOAK_SLOTS   31u
#define SOAK_WAIT_MS 120000u

static bool soak(void)
{
    static const char ask[] = "pvr-nvme-soak ";
    unsigned int secs = 0, i, rounds = 0;
    uint64_t end, t0, worst = 0;
    uint32_t khz;
    uint16_t c;
    int st;

    memset(rbuf, 0, 512);
    c = io(&q[1], 0x02, 1, SOAK_ASK_LBA, 1, rbuf, 0, NULL);
    st = reap(&q[1], 5000) ? status_of(&q[1], c) : -1;
    if ( st != 0 )
        return expect("read the soak request", st, 0);
    if ( memcmp(rbuf, ask, sizeof(ask) - 1) )
    {
        printk("nvme: soak: not asked\n");
        return true;
    }
    for ( i = sizeof(ask) - 1; rbuf[i] >= '0' && rbuf[i] <= '9' && secs < 3600;
          i++ )
        secs = secs * 10 + (rbuf[i] - '0');
    if ( !secs || secs >= 3600 || nsze < SOAK_LBA + SOAK_SLOTS * SOAK_SECT + 1 )
    {
        gtf_failure("nvme: soak: bad request or namespace too small");
        return false;
    }
    printk("nvme: soak: %u s, %u slots of %u KiB from lba %u\n", secs,
           SOAK_SLOTS, SOAK_SECT / 2, SOAK_LBA);
    end = deadline(secs * 1000);
    while ( rdtsc_ordered() < end )
    {
        uint32_t lba = SOAK_LBA + (rounds % SOAK_SLOTS) * SOAK_SECT;

        t0 = rdtsc_ordered();
        records(wbuf, lba, SOAK_SECT, true, rounds);
        c = io(&q[1], 0x01, 1, lba, SOAK_SECT, wbuf, 0, prplist[0]);
        st = reap(&q[1], SOAK_WAIT_MS) ? status_of(&q[1], c) : -1;
        if ( st != 0 )
        {
            gtf_failure("nvme: soak: round %u: write lba %u: status 0x%x",
                        rounds, lba, st);
            return false;
        }
        memset(rbuf, 0xa5, SOAK_SECT * 512);
        c = io(&q[2], 0x02, 1, lba, SOAK_SECT, rbuf, 0, prplist[1]);
        st = reap(&q[2], SOAK_WAIT_MS) ? status_of(&q[2], c) : -1;
        if ( st != 0 || memcmp(rbuf, wbuf, SOAK_SECT * 512) )
        {
            gtf_failure("nvme: soak: round %u: read lba %u: status 0x%x, %s",
                        rounds, lba, st, st ? "failed" : "wrong data");
            return false;
        }
        if ( rdtsc_ordered() - t0 > worst )
            worst = rdtsc_ordered() - t0;
        rounds++;
    }
    /* In 4096-cycle units: no 64-bit division in a 32-bit guest. */
    khz = (gtf_tsc_khz() ? gtf_tsc_khz() : 3000000u) >> 12;
    printk("nvme: soak: %u rounds, slowest %u ms, every read matched: ok\n",
           rounds, (uint32_t)(worst >> 12) / (khz ? khz : 1));
    return true;
}

static bool shutdown(void)
{
    unsigned int i;
    struct sqe e;
    int st;

    for ( i = NR_IOQ; i >= 1; i-- )
    {
        e = (struct sqe){ .dw0 = 0x00, .cdw10 = i };
        if ( (st = admin(&e)) != 0 )
            return expect("delete I/O SQ", st, 0);
        e = (struct sqe){ .dw0 = 0x04, .cdw10 = i };
        if ( (st = admin(&e)) != 0 )
            return expect("delete I/O CQ", st, 0);
    }
    wr(REG_CC, rd(REG_CC) | CC_SHN_NORM);
    if ( !wait_csts(CSTS_SHST, CSTS_SHST_DONE, 5000) )
    {
        gtf_failure("nvme: shutdown: CSTS 0x%x", rd(REG_CSTS));
        return false;
    }
    printk("nvme: shutdown: queues deleted, SHST complete: ok\n");
    return true;
}

void test_main(void)
{
    if ( !find_controller() )
    {
        gtf_skip("nvme: no NVMe controller on PCI bus 0");
        return;
    }
    printk("nvme: pci: controller at 00:%02x.%x\n", devfn >> 3, devfn & 7);
    if ( !setup_bar() || !enable() || !identify() || !create_queues() ||
         !write_all() || !read_all() || !flush_all() || !errors() ||
         !soak() || !shutdown() )
    {
        if ( gtf_ok() )
            gtf_failure("nvme: CSTS 0x%x", rd(REG_CSTS));
        return;
    }
    gtf_success();
}
