/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the NVMe controller's register, queue, command and PRP
 * paths, driven through the sim's IOREQ path and guest memory as a
 * hostile guest would, against a block device that completes only when
 * the input says so.
 *
 * The input is a sequence of operations, each an opcode byte and its
 * operands (bytes past the end read as zeros):
 *   0 mem     page (1), offset (2), length n (1), n bytes: guest memory
 *             (queue entries, PRP lists, DSM ranges, data)
 *   1 mmio    offset (2), size code (1), value (8): a BAR0 write
 *   2 read    offset (2), size code (1): a BAR0 read
 *   3 cfg     register (2), size code (1), value (4): a config write
 *   4 setup   queue pairs (1), size (1): enable, create I/O queues
 *   5 submit  queue (1), 64-byte SQE: put it at the tail and ring
 *   6 reap    queue (1): consume what the CQ holds
 *   7 done    count (1): the device completes that many requests
 *   8 fail    errno choice (1): the next device request fails
 *   9 dbbuf   page (1), page (1): Doorbell Buffer Config with the two
 *             pages (bit 7 of the first: PRP1 8 bytes in, refused); once
 *             accepted, the driver rings through the shadow page as
 *             Linux does, and mem ops can write any shadow value
 * Each input starts from a reset controller, BAR0 and MSI-X where the
 * set-up put them and zeroed queue memory: at its end the device
 * completes everything and all that is restored, so inputs do not
 * depend on each other, and the target aborts if a queue mapping, a
 * command or a device request outlived it.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/test_nvme_drv.h"

#define FIRST_PAGE 16
#define NR_PAGES   64

static struct simstack st;
static pvr_blkdev *blk;
static pvr_nvme *nvme;
static struct nvdrv drv;

static void teardown(void)
{
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_nvme_destroy(nvme);
    simstack_close(&st);
    pvr_blk_mem_close(blk);
}

static void setup(void)
{
    struct pvr_nvme_config cfg = {
        .sbdf = NVDRV_SBDF, .io_queues = 4, .serial = "FUZZ",
    };

    pvr_log_open(9, PVR_LOG_ERROR + 1, 2);
    if ( simstack_open(&st, 1, PVR_BUFIOREQ_OFF, true) ||
         pvr_blk_mem_open(2048, 11, PVR_BLK_MEM_DEFER, &blk) )
        abort();
    cfg.port = st.port;
    cfg.domid = st.domid;
    cfg.blk = blk;
    if ( pvr_nvme_create(&cfg, &nvme) || pvr_nvme_attach(nvme, st.srv) ||
         pvr_ioreq_server_enable(st.srv) )
        abort();
    atexit(teardown);
}

static void drain(void)
{
    unsigned int rounds;

    /*
     * Completions let queued commands in, and a long write zeroes goes
     * NVME_WINDOW requests at a time: bounded rounds, enough for both.
     */
    for ( rounds = 0; rounds < 4096 && pvr_blk_mem_queued(blk); rounds++ )
        pvr_blk_mem_complete(blk, ~0u);
}

/* The same starting point for every input. */
static void reset(void)
{
    drain();
    if ( nvdrv_pci_setup(&drv, &st, true) )
        abort();
    nvdrv_wr(&drv, 0x14, 4, 0);
    memset(nvdrv_mem(&drv, (uint64_t)FIRST_PAGE << 12), 0,
           (size_t)NR_PAGES << 12);
    drv.next_gfn = FIRST_PAGE;
    drv.last_gfn = FIRST_PAGE + NR_PAGES;
}

static unsigned int size_of(uint8_t code, unsigned int max)
{
    unsigned int s = 1u << (code & 3);

    return s > max ? max : s;
}

static void op_mem(const uint8_t **data, size_t *size)
{
    uint8_t page, len, buf[255];
    uint16_t off;

    fuzz_take(data, size, &page, 1);
    fuzz_take(data, size, &off, 2);
    fuzz_take(data, size, &len, 1);
    fuzz_take(data, size, buf, len);
    off %= 4096;
    if ( off + len > 4096 )
        len = 4096 - off;
    memcpy(nvdrv_mem(&drv, ((uint64_t)(FIRST_PAGE + page % NR_PAGES) << 12)
                     + off), buf, len);
}

static void op_setup(const uint8_t **data, size_t *size)
{
    uint8_t pairs, qsize;
    unsigned int q;

    fuzz_take(data, size, &pairs, 1);
    fuzz_take(data, size, &qsize, 1);
    drv.next_gfn = FIRST_PAGE;
    memset(drv.q, 0, sizeof(drv.q));
    drv.dbs = drv.eis = 0;
    nvdrv_wr(&drv, 0x14, 4, 0);
    if ( nvdrv_enable(&drv, 16) )
        return;
    for ( q = 1; q <= pairs % 5; q++ )
        if ( nvdrv_create_pair(&drv, q, 2 + qsize % 63) )
            memset(&drv.q[q], 0, sizeof(drv.q[q]));
}

static void op_submit(const uint8_t **data, size_t *size)
{
    uint32_t sqe[16];
    uint8_t q;

    fuzz_take(data, size, &q, 1);
    fuzz_take(data, size, sqe, sizeof(sqe));
    q %= 5;
    if ( drv.q[q].size )
        nvdrv_submit(&drv, q, sqe);
    else
        nvdrv_wr(&drv, 0x1000 + 8 * q, 4, sqe[0] & 0xff);
}

static void op_reap(const uint8_t **data, size_t *size)
{
    unsigned int i;
    uint8_t q;

    fuzz_take(data, size, &q, 1);
    q %= 5;
    for ( i = 0; drv.q[q].size && i < drv.q[q].size; i++ )
        if ( nvdrv_reap(&drv, q, NULL) )
            break;
}

static void op_dbbuf(const uint8_t **data, size_t *size)
{
    uint8_t a = 0, b = 0;

    fuzz_take(data, size, &a, 1);
    fuzz_take(data, size, &b, 1);
    if ( !drv.q[0].size )
        return;                 /* no admin queue yet */
    nvdrv_dbbuf(&drv, ((uint64_t)(FIRST_PAGE + (a & 0x7f) % NR_PAGES) << 12)
                + (a & 0x80 ? 8 : 0),
                (uint64_t)(FIRST_PAGE + b % NR_PAGES) << 12);
}

static void one_op(const uint8_t **data, size_t *size)
{
    uint8_t opc, code, b;
    uint16_t off;
    uint64_t v = 0;
    uint32_t w = 0;

    fuzz_take(data, size, &opc, 1);
    switch ( opc % 10 )
    {
    case 0: op_mem(data, size); break;
    case 1:
        fuzz_take(data, size, &off, 2);
        fuzz_take(data, size, &code, 1);
        fuzz_take(data, size, &v, 8);
        off %= PVR_NVME_BAR0_SIZE - 8;
        nvdrv_wr(&drv, off, size_of(code, 8), v);
        break;
    case 2:
        fuzz_take(data, size, &off, 2);
        fuzz_take(data, size, &code, 1);
        nvdrv_rd(&drv, off % (PVR_NVME_BAR0_SIZE - 8), size_of(code, 8));
        break;
    case 3:
        fuzz_take(data, size, &off, 2);
        fuzz_take(data, size, &code, 1);
        fuzz_take(data, size, &w, 4);
        nvdrv_cfg_write(&drv, off % (PVR_PCI_CFG_SIZE - 4),
                        size_of(code, 4), w);
        break;
    case 4: op_setup(data, size); break;
    case 5: op_submit(data, size); break;
    case 6: op_reap(data, size); break;
    case 7:
        fuzz_take(data, size, &b, 1);
        pvr_blk_mem_complete(blk, b);
        break;
    case 8:
        fuzz_take(data, size, &b, 1);
        pvr_blk_mem_fail_next(blk, b & 1 ? -EIO : -ENOTCONN);
        break;
    default: op_dbbuf(data, size); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pvr_sim_counts sc;
    struct pvr_nvme_stats ns;
    unsigned int ops;

    if ( !nvme )
    {
        setup();
        reset();
    }
    /* Bounded: at most 256 operations. */
    for ( ops = 0; size > 0 && ops < 256; ops++ )
        one_op(&data, &size);
    /* The next input starts from here; nothing may outlive the reset. */
    reset();
    pvr_sim_counts(st.sim, &sc);
    pvr_nvme_stats(nvme, &ns);
    if ( sc.fmem_mapped_pages || ns.held || pvr_blk_mem_queued(blk) )
        abort();
    return 0;
}
