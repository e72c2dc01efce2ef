/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vTPM service: ties the TIS registers, the IOREQ region, the
 * engine and the loop together.  See tpm.h.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "services/tpm/tpm_priv.h"

#define COMP "tpm"

struct pvr_tpm {
    pvr_loop *loop;
    tis tis;
    tpm_engine *engine;
    int done_fd;
    struct pvr_tpm_stats stats;
};

static const pvr_io_ops tis_io_ops = {
    .read = tis__read,
    .write = tis__write,
};

static void tpm_done(void *opaque, uint32_t events)
{
    pvr_tpm *t = opaque;
    const uint8_t *rsp;
    size_t len;

    (void)events;
    if ( tpm__engine_collect(t->engine, &rsp, &len) )
        tis__complete(&t->tis, rsp, len);
}

int pvr_tpm_create(pvr_loop *loop, const struct pvr_tpm_config *cfg,
                   pvr_tpm **out)
{
    struct tpm_state st;
    pvr_tpm *t;
    int rc;

    *out = NULL;
    if ( !cfg->state_path || !cfg->state_path[0] )
        return -EINVAL;
    t = calloc(1, sizeof(*t));
    if ( !t )
        return -ENOMEM;
    t->loop = loop;
    t->done_fd = -1;

    rc = tpm__state_load(cfg->state_path, &st);
    if ( rc == -ENOENT )
    {
        pvr_info(COMP, "no state at %s: manufacturing a new TPM",
                 cfg->state_path);
        memset(&st, 0, sizeof(st));
        rc = 0;
    }
    if ( rc )
        goto fail;

    rc = tpm__engine_start(cfg->state_path, &st, cfg, &t->stats,
                           &t->engine, &t->done_fd);
    tpm__state_dispose(&st);
    if ( rc )
        goto fail;
    tis__init(&t->tis, &tpm__engine_ops, t->engine, &t->stats);
    rc = pvr_loop_add_fd(loop, t->done_fd, tpm_done, t);
    if ( rc )
        goto fail;
    *out = t;
    return 0;

 fail:
    pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "cannot start the vTPM");
    if ( t->engine )
        tpm__engine_stop(t->engine, false);
    free(t);
    return rc;
}

int pvr_tpm_attach(pvr_tpm *t, pvr_ioreq_server *srv)
{
    return pvr_ioreq_server_add_region(srv, PVR_IO_MMIO, PVR_TPM_MMIO_BASE,
                                       PVR_TPM_MMIO_SIZE, &tis_io_ops,
                                       &t->tis, "tpm-tis");
}

void pvr_tpm_destroy(pvr_tpm *t, bool save_volatile)
{
    if ( !t )
        return;
    pvr_loop_del_fd(t->loop, t->done_fd);
    tpm__engine_stop(t->engine, save_volatile);
    pvr_info(COMP, "stopped after %lu commands (%lu rejected, %lu aborted)",
             (unsigned long)t->stats.commands,
             (unsigned long)t->stats.rejected,
             (unsigned long)t->stats.aborts);
    free(t);
}

void pvr_tpm_stats(const pvr_tpm *t, struct pvr_tpm_stats *out)
{
    if ( t )
        *out = t->stats;
    else
        memset(out, 0, sizeof(*out));
}
