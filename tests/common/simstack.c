/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * See simstack.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "services/tpm/tpm.h"
#include "tests/common/simstack.h"

void simstack_pump(void *opaque)
{
    struct simstack *st = opaque;

    pvr_loop_run_once(st->loop, 0);
}

int simstack_server(struct simstack *st, unsigned int nr_vcpus,
                    enum pvr_bufioreq_mode mode)
{
    return pvr_ioreq_server_create(st->port, st->mux, st->domid, nr_vcpus,
                                   mode, &st->srv);
}

int simstack_open(struct simstack *st, unsigned int nr_vcpus,
                  enum pvr_bufioreq_mode mode, bool pump)
{
    int rc;

    memset(st, 0, sizeof(*st));
    st->domid = 7;
    rc = pvr_port_open("sim", &st->port);
    if ( rc )
        return rc;
    st->sim = pvr_sim_from_port(st->port);
    rc = pvr_sim_set_domain(st->sim, st->domid,
                            nr_vcpus ? nr_vcpus : 2, 1024);
    if ( rc == 0 )
        rc = pvr_loop_create(&st->loop);
    if ( rc == 0 )
        rc = pvr_evmux_create(st->loop, st->port, &st->mux);
    if ( rc == 0 && nr_vcpus )
        rc = simstack_server(st, nr_vcpus, mode);
    if ( rc )
    {
        simstack_close(st);
        return rc;
    }
    if ( pump )
        pvr_sim_set_pump(st->sim, simstack_pump, st);
    return 0;
}

void simstack_close(struct simstack *st)
{
    pvr_ioreq_server_destroy(st->srv);
    pvr_evmux_destroy(st->mux);
    pvr_loop_destroy(st->loop);
    pvr_port_close(st->port);
    memset(st, 0, sizeof(*st));
}

int simstack_tis_read(void *opaque, uint64_t off, unsigned int size,
                      uint64_t *val)
{
    struct simstack *st = opaque;

    return pvr_sim_mmio_read(st->sim, 0, PVR_TPM_MMIO_BASE + off, size, val);
}

int simstack_tis_write(void *opaque, uint64_t off, unsigned int size,
                       uint64_t val)
{
    struct simstack *st = opaque;

    return pvr_sim_mmio_write(st->sim, 0, PVR_TPM_MMIO_BASE + off, size,
                              val);
}
