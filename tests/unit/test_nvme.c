/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NVMe controller end to end over the sim: a guest-side driver
 * (test_nvme_drv.c) reaches it only through PCI config ioreqs, MMIO
 * ioreqs and guest memory, as a guest would.
 *
 * Proves: the PCI function (IDs, class, read-only bits, BAR sizing and
 * relocation, memory decoding on and off, the MSI-X capability), the
 * registers (CAP, VS, enable and reset), identify, features, two and
 * more I/O queue pairs carrying patterns with PRP1-only, PRP1+PRP2,
 * PRP-list and chained PRP-list transfers (checked against the block
 * device's own bytes), flush and FUA, deallocate, write zeroes, MSI-X
 * per queue with masking and the PBA, INTx as the fallback, shutdown.
 * Cannot prove: that Linux or Windows drivers agree (tests/host).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tests/unit/test_nvme_env.h"

static uint32_t cfg32(struct env *e, unsigned int reg)
{
    uint32_t v = 0;

    CHECK_EQ(nvdrv_cfg_read(&e->d, reg, 4, &v), 0);
    return v;
}

static void test_pci(void)
{
    struct env e;
    unsigned int ranges;
    uint32_t v, cap;

    env_open(&e, 0, true);
    CHECK_EQ(cfg32(&e, 0x00), (PVR_NVME_DEVICE_ID << 16) |
             PVR_NVME_VENDOR_ID);
    CHECK_EQ(cfg32(&e, 0x08) >> 8, 0x010802);
    /* Read-only: IDs, class, header type, status. */
    nvdrv_cfg_write(&e.d, 0x00, 4, 0x12345678);
    nvdrv_cfg_write(&e.d, 0x08, 4, 0);
    CHECK_EQ(cfg32(&e, 0x00), (PVR_NVME_DEVICE_ID << 16) |
             PVR_NVME_VENDOR_ID);
    CHECK_EQ(cfg32(&e, 0x08) >> 8, 0x010802);
    CHECK(cfg32(&e, 0x04) & (0x10 << 16));         /* capability list */
    /* Capability list: MSI-X at 0x40, 17 vectors, table and PBA in BAR0. */
    cap = cfg32(&e, 0x34) & 0xff;
    CHECK_EQ(cap, 0x40);
    v = cfg32(&e, cap);
    CHECK_EQ(v & 0xff, 0x11);
    CHECK_EQ((v >> 8) & 0xff, 0);
    CHECK_EQ((v >> 16) & 0x7ff, 16);
    CHECK_EQ(cfg32(&e, cap + 4), 0x2000);
    CHECK_EQ(cfg32(&e, cap + 8), 0x3000);
    /* Unaligned and byte accesses; extended space reads zero. */
    CHECK_EQ(nvdrv_cfg_read(&e.d, 0x0b, 1, &v), 0);
    CHECK_EQ(v, 0x01);
    CHECK_EQ(nvdrv_cfg_read(&e.d, 0x0a, 2, &v), 0);
    CHECK_EQ(v, 0x0108);
    CHECK_EQ(cfg32(&e, 0x100), 0);
    CHECK_EQ(cfg32(&e, 0xffc), 0);
    CHECK_EQ(cfg32(&e, 0x3c) >> 8 & 0xff, 1);       /* INTA# */

    /* BAR sizing with decoding off: 16 KiB, 64-bit, non-prefetchable. */
    nvdrv_cfg_write(&e.d, 0x04, 2, 0x0004);
    CHECK_EQ(pvr_nvme_bar0(e.n), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x08, 4), 0xffffffffULL);   /* unmapped */
    nvdrv_cfg_write(&e.d, 0x10, 4, 0xffffffff);
    nvdrv_cfg_write(&e.d, 0x14, 4, 0xffffffff);
    CHECK_EQ(cfg32(&e, 0x10), 0xffffc004);
    CHECK_EQ(cfg32(&e, 0x14), 0xffffffff);
    /* Relocate to 0x1_2340_0000 and turn decoding on. */
    nvdrv_cfg_write(&e.d, 0x10, 4, 0x23400000);
    nvdrv_cfg_write(&e.d, 0x14, 4, 0x1);
    nvdrv_cfg_write(&e.d, 0x04, 2, 0x0006);
    CHECK_EQ(pvr_nvme_bar0(e.n), 0x123400000ULL);
    e.d.bar = 0x123400000ULL;
    CHECK_EQ(nvdrv_rd(&e.d, 0x08, 4), 0x00010400);     /* VS */
    pvr_sim_ioreq_servers(e.st.sim, &ranges);
    CHECK_EQ(ranges, 2);                                /* BAR + SBDF */
    e.d.bar = NVDRV_BAR;
    CHECK_EQ(nvdrv_rd(&e.d, 0x08, 4), 0xffffffffULL);  /* old place */
    /* Decoding off releases the range; on again claims it. */
    nvdrv_cfg_write(&e.d, 0x04, 2, 0x0004);
    pvr_sim_ioreq_servers(e.st.sim, &ranges);
    CHECK_EQ(ranges, 1);
    CHECK_EQ(pvr_nvme_bar0(e.n), 0);
    nvdrv_cfg_write(&e.d, 0x04, 2, 0x0006);
    CHECK_EQ(pvr_nvme_bar0(e.n), 0x123400000ULL);
    {
        struct pvr_nvme_stats s;

        pvr_nvme_stats(e.n, &s);
        CHECK_EQ(s.bar_moves, 3);       /* setup, relocation, re-enable */
    }
    /* A function nobody serves reads all-ones. */
    {
        pvr_ioreq_slot req = {
            .addr = ((uint64_t)PVR_PCI_SBDF(0, 0, 6, 0) << 32),
            .size = 4, .count = 1, .flags = PVR_IOREQ_F_DIR_READ,
            .type = PVR_IOREQ_TYPE_PCI_CONFIG,
        };

        pvr_sim_io(e.st.sim, 0, &req);
        CHECK_EQ(req.data, 0xffffffffULL);
    }
    env_close(&e);
}

static void test_registers(void)
{
    struct env e;
    uint64_t cap;

    env_open(&e, 0, true);
    cap = nvdrv_rd(&e.d, 0x00, 8);
    CHECK_EQ(cap & 0xffff, PVR_NVME_QUEUE_ENTRIES - 1);    /* MQES */
    CHECK((cap >> 16) & 1);                                 /* CQR */
    CHECK_EQ((cap >> 32) & 0xf, 0);                         /* DSTRD */
    CHECK_EQ((cap >> 37) & 0xff, 1);                        /* CSS: NVM */
    CHECK_EQ((cap >> 48) & 0xff, 0);                        /* MPS 4K */
    CHECK_EQ(nvdrv_rd(&e.d, 0x00, 4) | (nvdrv_rd(&e.d, 0x04, 4) << 32),
             cap);
    CHECK_EQ(nvdrv_rd(&e.d, 0x08, 4), 0x00010400);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
    /* Read-only registers ignore writes. */
    nvdrv_wr(&e.d, 0x00, 4, 0);
    nvdrv_wr(&e.d, 0x1c, 4, 1);
    CHECK_EQ(nvdrv_rd(&e.d, 0x00, 8), cap);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
    /* An enable with a page size we do not offer fails the controller. */
    nvdrv_wr(&e.d, 0x24, 4, 0x000f000f);
    nvdrv_wr(&e.d, 0x14, 4, (1u << 7) | 1);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 2);                   /* CFS */
    CHECK_EQ(nvdrv_disable(&e.d), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
    /* And so does an admin queue of one entry. */
    nvdrv_wr(&e.d, 0x24, 4, 0);
    nvdrv_wr(&e.d, 0x14, 4, 1);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 2);
    CHECK_EQ(nvdrv_disable(&e.d), 0);
    CHECK_EQ(nvdrv_enable(&e.d, 16), 0);
    {
        struct pvr_sim_counts sc;

        /* One mapping per admin queue, held while enabled. */
        pvr_sim_counts(e.st.sim, &sc);
        CHECK_EQ(sc.fmem_mapped_pages, 2);
    }
    CHECK_EQ(nvdrv_rd(&e.d, 0x24, 4), 0x000f000f);
    CHECK_EQ(nvdrv_rd(&e.d, 0x28, 8), e.d.q[0].sq);
    /* Normal shutdown: the device is flushed, SHST says complete. */
    {
        struct pvr_blk_mem_stats bs;

        nvdrv_wr(&e.d, 0x14, 4, nvdrv_rd(&e.d, 0x14, 4) | (1u << 14));
        CHECK_EQ((nvdrv_rd(&e.d, 0x1c, 4) >> 2) & 3, 2);
        pvr_blk_mem_stats(e.blk, &bs);
        CHECK_EQ(bs.flushes, 1);
    }
    CHECK_EQ(nvdrv_disable(&e.d), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x1c, 4), 0);
    /* The admin queues were mapped while enabled, and are no more. */
    {
        struct pvr_sim_counts sc;

        pvr_sim_counts(e.st.sim, &sc);
        CHECK_EQ(sc.fmem_mapped_pages, 0);
    }
    env_close(&e);
}

static void test_identify(void)
{
    struct env e;
    struct nvcqe c;
    uint32_t sqe[16];
    uint64_t buf;
    const uint8_t *p;

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 32) == 0);
    buf = nvdrv_alloc(&e.d, 1);
    p = nvdrv_mem(&e.d, buf);

    nvdrv_sqe(sqe, 0x06, 0, buf, 0);
    sqe[10] = 1;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.sqid, 0);
    CHECK_EQ(p[0] | p[1] << 8, PVR_NVME_VENDOR_ID);
    CHECK(memcmp(p + 4, "PVRTEST01           ", 20) == 0);
    CHECK_EQ(p[77], 5);                                 /* MDTS 128K */
    CHECK_EQ(p[80] | p[81] << 8 | p[82] << 16, 0x010400);
    CHECK_EQ(p[512], 0x66);
    CHECK_EQ(p[513], 0x44);
    CHECK_EQ(p[516], 1);                                /* NN */
    CHECK_EQ(p[520] & 0x0c, 0x0c);                      /* DSM, WZ */
    CHECK_EQ(p[525], 1);                                /* VWC */
    CHECK(memcmp(p + 768, "nqn.2014-08.org.nvmexpress:uuid:", 32) == 0);

    nvdrv_sqe(sqe, 0x06, 1, buf, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0] | p[1] << 8 | p[2] << 16, ENV_SECTORS);   /* NSZE */
    CHECK_EQ(p[130], 9);                                 /* LBADS */

    nvdrv_sqe(sqe, 0x06, 0, buf, 0);
    sqe[10] = 2;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0], 1);
    CHECK_EQ(p[4], 0);
    nvdrv_sqe(sqe, 0x06, 1, buf, 0);
    sqe[10] = 2;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0], 0);                                  /* none above 1 */

    nvdrv_sqe(sqe, 0x06, 1, buf, 0);
    sqe[10] = 3;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0], 3);
    CHECK_EQ(p[1], 16);
    CHECK_EQ(p[20], 0);                                 /* list ends */

    /* The NVM command set's limits: none reported. */
    memset(nvdrv_mem(&e.d, buf), 0xa5, 4096);
    nvdrv_sqe(sqe, 0x06, 0, buf, 0);
    sqe[10] = 6;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0] | p[1] | p[2] | p[3] | p[4095], 0);

    /* Features. */
    nvdrv_sqe(sqe, 0x09, 0, 0, 0);
    sqe[10] = 0x07;
    sqe[11] = 0x00030003;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, ((ENV_IO_QUEUES - 1) << 16) | (ENV_IO_QUEUES - 1));
    nvdrv_sqe(sqe, 0x0a, 0, 0, 0);
    sqe[10] = 0x04;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, 343);
    nvdrv_sqe(sqe, 0x09, 0, 0, 0);
    sqe[10] = 0x04;
    sqe[11] = 350;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    nvdrv_sqe(sqe, 0x0a, 0, 0, 0);
    sqe[10] = 0x04;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, 350);
    sqe[10] = 0x04 | (1u << 8);                         /* default */
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, 343);
    sqe[10] = 0x06;
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, 1);                                 /* VWC on */
    sqe[10] = 0x08 | (3u << 8);                         /* capabilities */
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0, 4);
    /* Logs: SMART and firmware slot, with the sizes the spec gives. */
    nvdrv_sqe(sqe, 0x02, 0xffffffff, buf, 0);
    memset(nvdrv_mem(&e.d, buf), 0xaa, 4096);
    sqe[10] = 0x03 | ((512 / 4 - 1) << 16);
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[0], 1);
    CHECK(memcmp(p + 8, "1.0", 3) == 0);
    CHECK_EQ(p[511], 0);
    CHECK_EQ(p[512], 0xaa);                             /* no more */
    memset(nvdrv_mem(&e.d, buf), 0xaa, 4096);
    sqe[10] = 0x01 | ((4096 / 4 - 1) << 16);            /* error log */
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, NULL), 0);
    CHECK_EQ(p[255], 0);
    CHECK_EQ(p[256], 0xaa);                             /* 4 entries */
    /* Abort: the command is not aborted, as the spec allows. */
    nvdrv_sqe(sqe, 0x08, 0, 0, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 0, sqe, &c), 0);
    CHECK_EQ(c.dw0 & 1, 1);
    env_close(&e);
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    size_t i;

    for ( i = 0; i < len; i++ )
        p[i] = (uint8_t)((seed * 2654435761u) >> (i % 24)) ^ (uint8_t)i;
}

/*
 * Where byte off of a len-byte transfer lies in guest memory, given its
 * PRP1/PRP2 (a one-page PRP list when more than two pages), and how
 * many bytes from there are in the same page.
 */
static uint64_t prp_at(struct env *e, uint64_t prp1, uint64_t prp2,
                       uint32_t len, uint32_t off, uint32_t *chunk)
{
    uint32_t first = 4096 - (prp1 & 0xfff);
    uint64_t gpa;

    if ( off < first )
    {
        *chunk = first - off;
        gpa = prp1 + off;
    }
    else
    {
        uint32_t idx = (off - first) / 4096;

        gpa = len - first <= 4096 ? prp2
              : ((uint64_t *)nvdrv_mem(&e->d, prp2))[idx];
        gpa += (off - first) % 4096;
        *chunk = 4096 - (off - first) % 4096;
    }
    if ( *chunk > len - off )
        *chunk = len - off;
    return gpa;
}

static void scatter(struct env *e, uint64_t p1, uint64_t p2, uint32_t len,
                    const uint8_t *src)
{
    uint32_t off, chunk;
    uint64_t gpa;

    for ( off = 0; off < len; off += chunk )
    {
        gpa = prp_at(e, p1, p2, len, off, &chunk);
        memcpy(nvdrv_mem(&e->d, gpa), src + off, chunk);
    }
}

static bool gathered(struct env *e, uint64_t p1, uint64_t p2, uint32_t len,
                     const uint8_t *want)
{
    uint32_t off, chunk;
    uint64_t gpa;

    for ( off = 0; off < len; off += chunk )
    {
        gpa = prp_at(e, p1, p2, len, off, &chunk);
        if ( chunk == 0 || memcmp(nvdrv_mem(&e->d, gpa), want + off, chunk) )
            return false;
    }
    return true;
}

/*
 * Write len bytes through qid from the guest pages (w1, w2) at slba,
 * check the disk's bytes, read them back into (r1, r2) and compare.
 */
static void round_trip(struct env *e, uint16_t qid, uint64_t slba,
                       uint32_t len, uint64_t w1, uint64_t w2, uint64_t r1,
                       uint64_t r2, uint32_t seed)
{
    uint8_t *src = malloc(len);
    uint8_t *disk = pvr_blk_mem_data(e->blk);
    uint32_t sqe[16];
    struct nvcqe c;

    REQUIRE(src);
    fill(src, len, seed);
    scatter(e, w1, w2, len, src);
    nvdrv_rw(sqe, true, slba, len / 512, w1, w2);
    CHECK_EQ(nvdrv_cmd(&e->d, qid, sqe, &c), 0);
    CHECK_EQ(c.sqid, qid);
    CHECK(memcmp(disk + slba * 512, src, len) == 0);
    nvdrv_rw(sqe, false, slba, len / 512, r1, r2);
    CHECK_EQ(nvdrv_cmd(&e->d, qid, sqe, &c), 0);
    CHECK(gathered(e, r1, r2, len, src));
    free(src);
}

/* A PRP list in a fresh page naming npages fresh, scattered pages. */
static uint64_t prp_list(struct env *e, unsigned int npages)
{
    uint64_t list = nvdrv_alloc(&e->d, 1);
    uint64_t *ent = nvdrv_mem(&e->d, list);
    unsigned int i;

    for ( i = 0; i < npages; i++ )
    {
        /* Every other page, so that nothing is contiguous. */
        ent[i] = nvdrv_alloc(&e->d, 2);
    }
    return list;
}

static void test_data_path(void)
{
    struct env e;
    struct pvr_blk_mem_stats bs;
    struct pvr_nvme_stats ns;
    uint32_t sqe[16];
    uint64_t a, b, la, lb;
    uint8_t *disk;
    unsigned int q;

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 32) == 0);
    for ( q = 1; q <= ENV_IO_QUEUES; q++ )
        CHECK_EQ(nvdrv_create_pair(&e.d, q, 64), 0);
    disk = pvr_blk_mem_data(e.blk);

    /* PRP1 only: a whole page, and 1 KiB at an offset inside one. */
    a = nvdrv_alloc(&e.d, 1);
    b = nvdrv_alloc(&e.d, 1);
    round_trip(&e, 1, 0, 4096, a, 0, b, 0, 1);
    round_trip(&e, 2, 100, 1024, a + 0x200, 0, b + 0xc00, 0, 2);
    /* PRP1 + PRP2: two pages, and 6 KiB starting half-way into one. */
    a = nvdrv_alloc(&e.d, 2);
    b = nvdrv_alloc(&e.d, 2);
    round_trip(&e, 3, 200, 8192, a, a + 4096 * 3, b, b + 4096 * 5, 3);
    round_trip(&e, 4, 300, 6144, a + 0x800, a + 4096 * 3, b + 0x800,
               b + 4096 * 5, 4);
    /* PRP lists: 128 KiB (MDTS) on scattered pages, and 20 KiB at 0x40. */
    la = prp_list(&e, 32);
    lb = prp_list(&e, 32);
    a = nvdrv_alloc(&e.d, 1);
    b = nvdrv_alloc(&e.d, 1);
    round_trip(&e, 1, 1000, 128 * 1024 - 4096, a, la, b, lb, 5);
    round_trip(&e, 2, 2000, 20 * 1024, a + 0x40, la, b + 0x200, lb, 6);
    pvr_blk_mem_stats(e.blk, &bs);
    CHECK_EQ(bs.max_segs_seen, ENV_MAX_SEGS);  /* 124 KiB split by 11 */

    /* A chained list: the pointer at 0xff8 holds one entry, then chains. */
    {
        uint64_t list = nvdrv_alloc(&e.d, 2), page2 = list + 4096;
        uint64_t *l1 = nvdrv_mem(&e.d, list), *l2 = nvdrv_mem(&e.d, page2);
        uint64_t data = nvdrv_alloc(&e.d, 4);
        uint8_t pat[4 * 4096];

        /*
         * Four pages: PRP1, then a list pointer at offset 0xff0 with room
         * for two entries, a data page and a chain to two more.
         */
        l1[510] = data + 4096;
        l1[511] = page2;
        l2[0] = data + 2 * 4096;
        l2[1] = data + 3 * 4096;
        fill(pat, sizeof(pat), 7);
        memcpy(nvdrv_mem(&e.d, data), pat, sizeof(pat));
        nvdrv_rw(sqe, true, 4000, 32, data, list + 510 * 8);
        CHECK_EQ(nvdrv_cmd(&e.d, 3, sqe, NULL), 0);
        CHECK(memcmp(disk + 4000 * 512, pat, sizeof(pat)) == 0);
        memset(nvdrv_mem(&e.d, data), 0, sizeof(pat));
        nvdrv_rw(sqe, false, 4000, 32, data, list + 510 * 8);
        CHECK_EQ(nvdrv_cmd(&e.d, 3, sqe, NULL), 0);
        CHECK(memcmp(nvdrv_mem(&e.d, data), pat, sizeof(pat)) == 0);
    }

    /* Flush, and FUA as a write followed by a flush. */
    pvr_blk_mem_stats(e.blk, &bs);
    nvdrv_sqe(sqe, 0x00, 1, 0, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
    nvdrv_sqe(sqe, 0x00, 0xffffffff, 0, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 2, sqe, NULL), 0);
    a = nvdrv_alloc(&e.d, 1);
    nvdrv_rw(sqe, true, 10, 8, a, 0);
    sqe[12] |= 1u << 30;
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
    {
        struct pvr_blk_mem_stats after;

        pvr_blk_mem_stats(e.blk, &after);
        CHECK_EQ(after.flushes, bs.flushes + 3);
        CHECK_EQ(after.writes, bs.writes + 1);
    }

    /* Deallocate two ranges (one empty), then check they read zero. */
    memset(disk + 5000 * 512, 0x5a, 64 * 512);
    {
        uint64_t r = nvdrv_alloc(&e.d, 1);
        uint8_t *rng = nvdrv_mem(&e.d, r);

        memset(rng, 0, 48);
        rng[4] = 16;                            /* 16 LBAs at 5000 */
        rng[8] = 5000 & 0xff;
        rng[9] = 5000 >> 8;
        rng[16 + 8] = 1;                        /* empty range */
        rng[32 + 4] = 8;                        /* 8 LBAs at 5040 */
        rng[32 + 8] = 5040 & 0xff;
        rng[32 + 9] = 5040 >> 8;
        nvdrv_sqe(sqe, 0x09, 1, r, 0);
        sqe[10] = 2;
        sqe[11] = 0x4;
        CHECK_EQ(nvdrv_cmd(&e.d, 2, sqe, NULL), 0);
        pvr_blk_mem_stats(e.blk, &bs);
        CHECK_EQ(bs.discards, 2);
        CHECK_EQ(bs.sectors_discarded, 24);
        CHECK_EQ(disk[5000 * 512], 0);
        CHECK_EQ(disk[5016 * 512], 0x5a);
        CHECK_EQ(disk[5047 * 512 + 511], 0);
        CHECK_EQ(disk[5048 * 512], 0x5a);
    }

    /* Write Zeroes over 200 LBAs: more than one request's worth. */
    memset(disk + 6000 * 512, 0x77, 202 * 512);
    nvdrv_sqe(sqe, 0x08, 1, 0, 0);
    sqe[10] = 6001;
    sqe[12] = 199;
    CHECK_EQ(nvdrv_cmd(&e.d, 4, sqe, NULL), 0);
    CHECK_EQ(disk[6000 * 512 + 511], 0x77);
    CHECK_EQ(disk[6001 * 512], 0);
    CHECK_EQ(disk[6200 * 512 + 511], 0);
    CHECK_EQ(disk[6201 * 512], 0x77);

    /* Every queue's completions went out on its own vector. */
    for ( q = 1; q <= ENV_IO_QUEUES; q++ )
        CHECK(pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(q),
                                NVDRV_MSI_DATA(q)) >= 3);
    pvr_nvme_stats(e.n, &ns);
    CHECK_EQ(ns.errors, 0);
    CHECK_EQ(ns.fatal, 0);
    CHECK(ns.io_cmds >= 17);
    env_close(&e);
}

static void test_msix_mask(void)
{
    struct env e;
    uint32_t sqe[16];
    uint64_t a;
    unsigned long before;

    env_open(&e, 0, true);
    REQUIRE(nvdrv_enable(&e.d, 8) == 0);
    CHECK_EQ(nvdrv_create_pair(&e.d, 1, 8), 0);
    a = nvdrv_alloc(&e.d, 1);
    before = pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(1),
                               NVDRV_MSI_DATA(1));
    /* Vector 1 masked: the completion is posted, the message pends. */
    nvdrv_wr(&e.d, 0x2000 + 16 + 12, 4, 1);
    nvdrv_rw(sqe, false, 0, 1, a, 0);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
    CHECK_EQ(pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(1),
                               NVDRV_MSI_DATA(1)), before);
    CHECK_EQ(nvdrv_rd(&e.d, 0x3000, 8), 0x2);
    /* Unmask: it fires, the PBA clears. */
    nvdrv_wr(&e.d, 0x2000 + 16 + 12, 4, 0);
    CHECK_EQ(pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(1),
                               NVDRV_MSI_DATA(1)), before + 1);
    CHECK_EQ(nvdrv_rd(&e.d, 0x3000, 8), 0);
    /* The function mask holds every vector the same way. */
    nvdrv_cfg_write(&e.d, 0x42, 2, 0xc000 | 16);
    CHECK_EQ(nvdrv_cmd(&e.d, 1, sqe, NULL), 0);
    CHECK_EQ(pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(1),
                               NVDRV_MSI_DATA(1)), before + 1);
    nvdrv_cfg_write(&e.d, 0x42, 2, 0x8000 | 16);
    CHECK_EQ(pvr_sim_msi_count(e.st.sim, NVDRV_MSI_ADDR(1),
                               NVDRV_MSI_DATA(1)), before + 2);
    /* The table reads back; the vector control keeps only its mask. */
    nvdrv_wr(&e.d, 0x2000 + 16 * 3 + 12, 4, 0xfffffffe);
    CHECK_EQ(nvdrv_rd(&e.d, 0x2000 + 16 * 3 + 12, 4), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x2000 + 16 * 2, 8), NVDRV_MSI_ADDR(2));
    env_close(&e);
}

static void test_intx(void)
{
    struct env e;
    uint32_t sqe[16];
    unsigned long raised;
    uint64_t a;

    env_open(&e, 0, false);
    REQUIRE(nvdrv_enable(&e.d, 8) == 0);
    CHECK_EQ(nvdrv_create_pair(&e.d, 1, 8), 0);
    /* The admin completions were reaped: the line is low again. */
    CHECK_EQ(pvr_sim_isa_irq_level(e.st.sim, 10, &raised), 0);
    CHECK(raised >= 2);
    a = nvdrv_alloc(&e.d, 1);
    nvdrv_rw(sqe, false, 0, 1, a, 0);
    nvdrv_submit(&e.d, 1, sqe);
    CHECK_EQ(pvr_sim_isa_irq_level(e.st.sim, 10, NULL), 1);
    {
        uint32_t st = 0;

        nvdrv_cfg_read(&e.d, 0x06, 2, &st);
        CHECK(st & 0x08);                       /* interrupt status */
    }
    /* INTMS masks it, INTMC unmasks. */
    nvdrv_wr(&e.d, 0x0c, 4, 1);
    CHECK_EQ(pvr_sim_isa_irq_level(e.st.sim, 10, NULL), 0);
    CHECK_EQ(nvdrv_rd(&e.d, 0x0c, 4), 1);
    nvdrv_wr(&e.d, 0x10, 4, 1);
    CHECK_EQ(pvr_sim_isa_irq_level(e.st.sim, 10, NULL), 1);
    CHECK_EQ(nvdrv_reap(&e.d, 1, NULL), 0);
    CHECK_EQ(pvr_sim_isa_irq_level(e.st.sim, 10, NULL), 0);
    CHECK_EQ(pvr_sim_msis(e.st.sim, NULL, 0, NULL), 0);
    env_close(&e);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR, 2);
    test_pci();
    test_registers();
    test_identify();
    test_data_path();
    test_msix_mask();
    test_intx();
    return check_result("test_nvme");
}
