/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: drivers/blkfront's response path and state machine, with
 * the fuzzer playing a hostile backend: it writes arbitrary responses
 * (plausible ids, stale ones, raw ones), producer indices, ring bytes
 * and backend states, between honest service from simblkback.
 *
 * The input is a sequence of operations, each an opcode byte and its
 * operands (bytes past the end read as zeros):
 *   0 submit  op (1), sector (2), segments (1), shape seed (1)
 *   1 serve   count (1): simblkback answers that many honestly
 *   2 respond selector (1), [raw id (8)], op (1), status (2): one
 *             response at the backend's private producer; a selector
 *             below 0x80 takes the id of ring entry (selector)
 *   3 produce delta (4): rsp_prod = the backend's private producer +
 *             delta (any value), then an event
 *   4 push    publish the backend's responses, then an event
 *   5 poke    entry (1), offset (1), 8 bytes: into the shared ring
 *   6 state   state (1): the backend's xenbus state
 *   7 pump    the loop, the backend's state machine, watches, tick
 *   8 cancel  cancel_all
 * Each input starts from a fresh sim, backend and connected frontend.
 * At its end every request must have completed exactly once (after
 * cancel_all) and nothing may stay shared or bound after close: the
 * target aborts otherwise.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tests/common/simblkback.h"
#include "tests/fuzz/fuzz.h"

#define NREQ   24
#define NPAGES 32

struct freq {
    pvr_blk_req r;
    unsigned int calls;
};

static struct sbenv env;
static struct freq reqs[NREQ];
static uint8_t *pages;

static void fdone(pvr_blk_req *r, int status)
{
    struct freq *f = r->opaque;

    (void)status;
    if ( f->calls++ )
        abort();        /* done() twice for one request */
}

static void op_submit(const uint8_t **data, size_t *size)
{
    uint8_t op, nsegs, seed;
    uint16_t sector;
    struct freq *f = NULL;
    unsigned int i;

    fuzz_take(data, size, &op, 1);
    fuzz_take(data, size, &sector, 2);
    fuzz_take(data, size, &nsegs, 1);
    fuzz_take(data, size, &seed, 1);
    for ( i = 0; i < NREQ && !f; i++ )
        if ( reqs[i].r.done == NULL || reqs[i].calls )
            f = &reqs[i];
    if ( !f )
        return;
    memset(f, 0, sizeof(*f));
    f->r.op = (enum pvr_blk_op)(op % 4);
    f->r.sector = sector % 2048;
    f->r.nr_sectors = 1 + seed % 16;
    f->r.nr_segs = 1 + nsegs % PVR_BLK_MAX_SEGS;
    for ( i = 0; i < f->r.nr_segs; i++ )
    {
        uint8_t first = (uint8_t)((seed + i) % 8);

        f->r.seg[i] = (struct pvr_blk_seg){
            .page = pages + (size_t)(i % NPAGES) * PVR_BLK_PAGE_SIZE,
            .first_sect = first,
            .last_sect = (uint8_t)(first + (seed >> 3) % (8 - first)),
        };
    }
    f->r.done = fdone;
    f->r.opaque = f;
    if ( env.dev->ops->submit(env.dev->be, &f->r) )
        f->r.done = NULL;
}

static void event(void)
{
    if ( env.sb.remote )
        pvr_sim_evtchn_kick(env.sb.sim, env.sb.remote);
    pvr_loop_run_once(env.st.loop, 0);
}

static void op_respond(const uint8_t **data, size_t *size)
{
    struct simblkback *sb = &env.sb;
    struct pvr_blkif_rsp rsp = { 0 };
    uint8_t sel;

    fuzz_take(data, size, &sel, 1);
    if ( sel >= 0x80 )
        fuzz_take(data, size, &rsp.id, 8);
    fuzz_take(data, size, &rsp.operation, 1);
    fuzz_take(data, size, &rsp.status, 2);
    if ( !simblkback_ring(sb) )
        return;
    if ( sel < 0x80 )
        memcpy(&rsp.id, &sb->sring->ring[sel % sb->ring_size].req.id, 8);
    memcpy(&sb->sring->ring[sb->rsp_prod_pvt++ & (sb->ring_size - 1)].rsp,
           &rsp, sizeof(rsp));
}

static void op_produce(const uint8_t **data, size_t *size)
{
    uint32_t delta;

    fuzz_take(data, size, &delta, 4);
    if ( !simblkback_ring(&env.sb) )
        return;
    env.sb.sring->rsp_prod = env.sb.rsp_prod_pvt + delta;
    event();
}

static void op_poke(const uint8_t **data, size_t *size)
{
    uint8_t entry, off, bytes[8];

    fuzz_take(data, size, &entry, 1);
    fuzz_take(data, size, &off, 1);
    fuzz_take(data, size, bytes, 8);
    if ( simblkback_ring(&env.sb) )
        memcpy((uint8_t *)&env.sb.sring->ring[entry % env.sb.ring_size] +
               off % (sizeof(union pvr_blkif_entry) - 8), bytes, 8);
}

static void run_ops(const uint8_t *data, size_t size)
{
    unsigned int steps;
    uint8_t op, arg;

    for ( steps = 0; size > 0 && steps < 512; steps++ )
    {
        fuzz_take(&data, &size, &op, 1);
        switch ( op % 9 )
        {
        case 0: op_submit(&data, &size); break;
        case 1:
            fuzz_take(&data, &size, &arg, 1);
            simblkback_poll(&env.sb, 1 + arg % 64);
            pvr_loop_run_once(env.st.loop, 0);
            break;
        case 2: op_respond(&data, &size); break;
        case 3: op_produce(&data, &size); break;
        case 4:
            if ( simblkback_ring(&env.sb) )
                env.sb.sring->rsp_prod = env.sb.rsp_prod_pvt;
            event();
            break;
        case 5: op_poke(&data, &size); break;
        case 6:
            fuzz_take(&data, &size, &arg, 1);
            simblkback_set_state(&env.sb, arg % 9);
            break;
        case 7: sbenv_pump(&env); break;
        case 8: env.dev->ops->cancel_all(env.dev->be); break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct simblkback_features f = {
        .sectors = 2048, .max_ring_order = 1, .max_indirect = 32,
        .persistent = true, .flush = true, .discard = true,
    };
    static const struct pvr_blkfront_config cfg = { .max_ring_order = 1 };
    unsigned int i;

    if ( !pages )
    {
        pvr_log_open(9, PVR_LOG_ERROR + 1, 2);
        pages = aligned_alloc(PVR_BLK_PAGE_SIZE,
                              NPAGES * PVR_BLK_PAGE_SIZE);
        if ( !pages )
            abort();
    }
    memset(reqs, 0, sizeof(reqs));
    if ( sbenv_open(&env, 0, &f, &cfg) )
        abort();
    run_ops(data, size);
    env.dev->ops->cancel_all(env.dev->be);
    for ( i = 0; i < NREQ; i++ )
        if ( reqs[i].r.done && reqs[i].calls != 1 )
            abort();
    pvr_blkfront_close(env.bf);
    env.bf = NULL;
    if ( pvr_sim_gnttab_shared(env.st.sim) ||
         pvr_sim_evtchn_bound(env.st.sim) )
        abort();
    sbenv_close(&env);
    return 0;
}
