/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOREQ dispatch rate on the sim, one core: the guest side posts an
 * ioreq, the loop decodes and dispatches it to a trivial device and
 * answers, all on one thread, so the figure is pvdomaind's own cost per
 * request (decode, dispatch, event channel, completion) with no thread
 * hand-off.  Prints ioreqs/s for synchronous MMIO writes and reads, rep
 * data_is_ptr requests, and buffered writes.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "tests/common/simstack.h"

#define BASE 0xfe000000ULL

static uint64_t reg;

static int dev_read(void *opaque, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    (void)opaque;
    (void)off;
    (void)size;
    *val = reg;
    return 0;
}

static int dev_write(void *opaque, uint64_t off, unsigned int size,
                     uint64_t val)
{
    (void)opaque;
    (void)off;
    (void)size;
    reg = val;
    return 0;
}

static const pvr_io_ops ops = { dev_read, dev_write };

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long n, double secs)
{
    printf("bench ioreq %-18s %9.0f ioreqs/s  (%lu in %.2f s, "
           "%.2f us each)\n", what, n / secs, n, secs, secs * 1e6 / n);
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000, i;
    struct simstack st;
    pvr_ioreq_slot req;
    uint64_t v;
    double t0;

    pvr_log_open(1, PVR_LOG_ERROR, 2);
    if ( simstack_open(&st, 1, PVR_BUFIOREQ_ATOMIC, true) ||
         pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 4096, &ops,
                                     NULL, "bench") ||
         pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, 0xa0000, 4096,
                                     &ops, NULL, "bench-low") ||
         pvr_ioreq_server_enable(st.srv) )
        return 1;

    t0 = now();
    for ( i = 0; i < n; i++ )
        if ( pvr_sim_mmio_write(st.sim, 0, BASE + 8, 4, i) )
            return 1;
    report("mmio write 4B", n, now() - t0);

    t0 = now();
    for ( i = 0; i < n; i++ )
        if ( pvr_sim_mmio_read(st.sim, 0, BASE + 8, 4, &v) )
            return 1;
    report("mmio read 4B", n, now() - t0);

    t0 = now();
    for ( i = 0; i < n / 4; i++ )
    {
        req = (pvr_ioreq_slot){ .addr = BASE, .data = 4096, .count = 64,
                                .size = 4, .flags = PVR_IOREQ_F_DATA_IS_PTR,
                                .type = PVR_IOREQ_TYPE_COPY };
        if ( pvr_sim_io(st.sim, 0, &req) )
            return 1;
    }
    report("rep movsd x64", n / 4, now() - t0);

    t0 = now();
    for ( i = 0; i < n; i++ )
    {
        /* Drain when the ring is full, as Xen's fallback would. */
        while ( pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0008, 4,
                                    i) == -EAGAIN )
            pvr_loop_run_once(st.loop, 0);
        if ( (i & 63) == 63 )
            pvr_loop_run_once(st.loop, 0);
    }
    pvr_loop_run_once(st.loop, 0);
    report("buffered write 4B", n, now() - t0);

    simstack_close(&st);
    return 0;
}
