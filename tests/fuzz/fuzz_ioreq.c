/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the IOREQ server fed hostile slots and buffered rings.
 *
 * The input is a sequence of records.  Each starts with a selector
 * byte: even values post a raw 32-byte ioreq slot to a vCPU (no range
 * check, as a broken hypervisor might), odd values write the buffered
 * ring's pointers and a few slots and kick its port.  Guest memory that
 * data_is_ptr requests read comes from the input too.  The server owns
 * an MMIO and a PIO region backed by a scratch device.  Whatever the
 * input, every posted request must complete and nothing may crash.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tests/common/simstack.h"
#include "tests/fuzz/fuzz.h"

static uint8_t scratch[512];

static int dev_read(void *opaque, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    (void)opaque;
    *val = 0;
    memcpy(val, &scratch[off % (sizeof(scratch) - 8)], size);
    return (off & 0xff) == 0xff ? -1 : 0;
}

static int dev_write(void *opaque, uint64_t off, unsigned int size,
                     uint64_t val)
{
    (void)opaque;
    memcpy(&scratch[off % (sizeof(scratch) - 8)], &val, size);
    return 0;
}

static const pvr_io_ops ops = { dev_read, dev_write };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool logs_off;
    struct simstack st;
    unsigned int records;
    uint16_t id;

    if ( !logs_off )
    {
        pvr_log_open(9, PVR_LOG_ERROR + 1, 2);
        logs_off = true;
    }
    if ( simstack_open(&st, 2, PVR_BUFIOREQ_ATOMIC, true) ||
         pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, 0xfed40000, 0x400,
                                     &ops, NULL, "mmio") ||
         pvr_ioreq_server_add_region(st.srv, PVR_IO_PIO, 0x400, 0x10, &ops,
                                     NULL, "pio") ||
         pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, 0xa0000, 0x100,
                                     &ops, NULL, "low") ||
         pvr_ioreq_server_enable(st.srv) )
        abort();
    id = pvr_ioreq_server_id(st.srv);

    /* Guest memory page 1 and 2, for data_is_ptr requests. */
    fuzz_take(&data, &size, pvr_sim_guest_page(st.sim, 1), 64);

    /* Bounded: each record consumes at least one byte, at most 64. */
    for ( records = 0; size > 0 && records < 64; records++ )
    {
        uint8_t sel;

        fuzz_take(&data, &size, &sel, 1);
        if ( !(sel & 1) )
        {
            pvr_ioreq_slot req;

            fuzz_take(&data, &size, &req, sizeof(req));
            /* Keep pointers inside the sim's RAM most of the time. */
            if ( sel & 2 )
                req.data &= 0x3fff;
            if ( pvr_sim_io_raw(st.sim, id, (sel >> 2) & 1, &req) )
                abort();    /* the vCPU was never answered */
        }
        else
        {
            pvr_bufioreq_page *pg = pvr_sim_bufio_page(st.sim, id);
            uint8_t n, i;
            uint32_t ptrs[2];

            fuzz_take(&data, &size, ptrs, sizeof(ptrs));
            fuzz_take(&data, &size, &n, 1);
            for ( i = 0; i < n % 8; i++ )
                fuzz_take(&data, &size,
                          &pg->slot[(ptrs[0] + i) % PVR_BUFIOREQ_SLOTS],
                          sizeof(pvr_bufioreq_slot));
            if ( sel & 2 )
                ptrs[1] = ptrs[0] + n % 8;      /* a consistent ring */
            pg->read_pointer = ptrs[0];
            pg->write_pointer = ptrs[1];
            /* Kick the ring's port (if it has room for one more). */
            pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0000, 1, 0);
            pvr_loop_run_once(st.loop, 0);
        }
    }
    simstack_close(&st);
    return 0;
}
