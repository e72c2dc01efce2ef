/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NVMe tests' common set-up: sim, IOREQ server, a memory-backed
 * block device, the controller at NVDRV_SBDF and the guest-side driver.
 */
#ifndef PVR_TEST_NVME_ENV_H
#define PVR_TEST_NVME_ENV_H

#include "drivers/nvme/nvme.h"
#include "tests/common/check.h"
#include "tests/unit/test_nvme_drv.h"

#define ENV_SECTORS   8192      /* 4 MiB */
#define ENV_MAX_SEGS  11        /* blkif without indirect descriptors */
#define ENV_IO_QUEUES 4

struct env {
    struct simstack st;
    pvr_blkdev *blk;
    pvr_nvme *n;
    struct nvdrv d;
};

/* Set: the next env_open() makes a controller without shadow doorbells. */
static bool env_no_shadow;

static inline void env_open(struct env *e, unsigned int blk_flags,
                            bool msix)
{
    struct pvr_nvme_config cfg = {
        .sbdf = NVDRV_SBDF, .serial = "PVRTEST01",
        .io_queues = ENV_IO_QUEUES, .no_shadow_doorbells = env_no_shadow,
    };

    REQUIRE(simstack_open(&e->st, 2, PVR_BUFIOREQ_OFF, true) == 0);
    REQUIRE(pvr_blk_mem_open(ENV_SECTORS, ENV_MAX_SEGS, blk_flags,
                             &e->blk) == 0);
    cfg.port = e->st.port;
    cfg.domid = e->st.domid;
    cfg.blk = e->blk;
    REQUIRE(pvr_nvme_create(&cfg, &e->n) == 0);
    REQUIRE(pvr_nvme_attach(e->n, e->st.srv) == 0);
    REQUIRE(pvr_ioreq_server_enable(e->st.srv) == 0);
    REQUIRE(nvdrv_pci_setup(&e->d, &e->st, msix) == 0);
}

/* Pages a failed unmap may leave mapped (fault injection only). */
static unsigned int env_leak_allowed;

static inline void env_close(struct env *e)
{
    /* Accesses stop first; the controller unmaps through the port. */
    pvr_ioreq_server_destroy(e->st.srv);
    e->st.srv = NULL;
    pvr_nvme_destroy(e->n);
    /* The controller's queue mappings went with it. */
    {
        struct pvr_sim_counts sc;

        pvr_sim_counts(e->st.sim, &sc);
        CHECK(sc.fmem_mapped_pages <= env_leak_allowed);
    }
    simstack_close(&e->st);
    pvr_blk_mem_close(e->blk);
}

#endif /* PVR_TEST_NVME_ENV_H */
