/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pvdomaind worker's stack over the sim, in one process, for tests,
 * fuzzers and benchmarks: port, loop, event-channel mux and an IOREQ
 * server.  In single-threaded use the sim pumps the loop while a guest
 * access waits; a benchmark with a guest thread runs the loop itself.
 */
#ifndef PVR_TEST_SIMSTACK_H
#define PVR_TEST_SIMSTACK_H

#include "core/loop.h"
#include "ioreq/ioreq.h"
#include "port/sim/sim.h"

struct simstack {
    pvr_port *port;
    pvr_sim *sim;
    pvr_loop *loop;
    pvr_evmux *mux;
    pvr_ioreq_server *srv;
    uint32_t domid;
};

/* 0, or a negative errno (with everything created so far torn down). */
int simstack_open(struct simstack *st, unsigned int nr_vcpus,
                  enum pvr_bufioreq_mode mode, bool pump);
/* Create the IOREQ server (done by open unless nr_vcpus was 0). */
int simstack_server(struct simstack *st, unsigned int nr_vcpus,
                    enum pvr_bufioreq_mode mode);
void simstack_close(struct simstack *st);

/* The MMIO accessors tisdrv wants, relative to the TPM window. */
int simstack_tis_read(void *opaque, uint64_t off, unsigned int size,
                      uint64_t *val);
int simstack_tis_write(void *opaque, uint64_t off, unsigned int size,
                       uint64_t val);
void simstack_pump(void *opaque);

#endif /* PVR_TEST_SIMSTACK_H */
