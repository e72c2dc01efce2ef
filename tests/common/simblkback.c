/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * See simblkback.h.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/sim/sim_priv.h"
#include "tests/common/simblkback.h"

static int wr(struct simblkback *sb, const char *dir, const char *node,
              unsigned long long v)
{
    char path[PVR_XS_PATH_BUF], val[32];

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    snprintf(val, sizeof(val), "%llu", v);
    return pvr_port_xs_write_str(sb->port, path, val);
}

/* A number the frontend wrote, or -1. */
static long long rd(struct simblkback *sb, const char *node)
{
    char path[PVR_XS_PATH_BUF], *val = NULL, *end;
    long long v = -1;

    snprintf(path, sizeof(path), "%s/%s", sb->fe, node);
    if ( pvr_port_xs_read(sb->port, path, &val, NULL) == 0 )
    {
        v = strtoll(val, &end, 10);
        if ( end == val || *end )
            v = -1;
    }
    free(val);
    return v;
}

void simblkback_set_state(struct simblkback *sb, int state)
{
    if ( state == PVR_XB_CLOSING || state == PVR_XB_CLOSED )
    {
        sb->sring = NULL;
        sb->remote = 0;
    }
    sb->state = state;
    wr(sb, sb->be, "state", (unsigned long long)state);
}

int simblkback_open(struct simblkback *sb, pvr_port *port, const char *fe,
                    const char *be, const struct simblkback_features *f)
{
    char path[PVR_XS_PATH_BUF];
    int rc = 0;

    memset(sb, 0, sizeof(*sb));
    sb->port = port;
    sb->sim = pvr_sim_from_port(port);
    sb->domid = sb->sim->domid;
    sb->f = *f;
    sb->reconnect = true;
    snprintf(sb->fe, sizeof(sb->fe), "%s", fe);
    snprintf(sb->be, sizeof(sb->be), "%s", be);
    sb->image = calloc(f->sectors ? f->sectors : 1, 512);
    if ( !sb->image )
        return -ENOMEM;
    /* The toolstack's part. */
    snprintf(path, sizeof(path), "%s/backend", fe);
    rc |= pvr_port_xs_write_str(port, path, be);
    rc |= wr(sb, fe, "backend-id", sb->domid);
    rc |= wr(sb, fe, "state", PVR_XB_INITIALISING);
    snprintf(path, sizeof(path), "%s/frontend", be);
    rc |= pvr_port_xs_write_str(port, path, fe);
    rc |= wr(sb, be, "frontend-id", 0);
    /* blkback's probe. */
    if ( f->max_ring_order )
        rc |= wr(sb, be, "max-ring-page-order", f->max_ring_order);
    if ( f->max_indirect )
        rc |= wr(sb, be, "feature-max-indirect-segments", f->max_indirect);
    simblkback_set_state(sb, PVR_XB_INITWAIT);
    return rc ? -EIO : 0;
}

void simblkback_close(struct simblkback *sb)
{
    free(sb->image);
    sb->image = NULL;
    sb->sring = NULL;
}

/* The remote end the sim made for the frontend's unbound port. */
static uint32_t remote_of(struct simblkback *sb, long long local)
{
    pvr_sim *s = sb->sim;
    uint32_t r = 0;

    pthread_mutex_lock(&s->lock);
    if ( local > 0 && local < SIM_MAX_PORTS && s->local[local].used &&
         s->local[local].bound )
        r = s->local[local].peer;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int map_ring(struct simblkback *sb)
{
    long long order = rd(sb, "ring-page-order"), evt, i;
    uint8_t *first = NULL;
    char *proto = NULL, path[PVR_XS_PATH_BUF];

    if ( order < 0 )
        order = 0;
    if ( order > sb->f.max_ring_order )
        return -EINVAL;
    for ( i = 0; i < (1ll << order); i++ )
    {
        char node[32];
        long long ref;
        uint8_t *page;

        snprintf(node, sizeof(node), order ? "ring-ref%lld" : "ring-ref", i);
        ref = rd(sb, node);
        page = ref >= 0 ? pvr_sim_gnttab_peer_map(sb->sim, (uint32_t)ref)
                        : NULL;
        if ( !page || (first && page != first + i * PVR_PAGE_SIZE) )
            return -EINVAL;
        if ( !first )
        {
            first = page;
            sb->ring_ref0 = (uint32_t)ref;
        }
    }
    evt = rd(sb, "event-channel");
    snprintf(path, sizeof(path), "%s/protocol", sb->fe);
    if ( pvr_port_xs_read(sb->port, path, &proto, NULL) == 0 )
        snprintf(sb->protocol, sizeof(sb->protocol), "%s", proto);
    free(proto);
    sb->remote = remote_of(sb, evt);
    if ( !sb->remote )
        return -EINVAL;
    sb->fe_persistent = rd(sb, "feature-persistent") == 1;
    sb->sring = (struct pvr_blkif_sring *)first;
    sb->ring_size = pvr_blkif_ring_size((unsigned int)order);
    sb->req_cons = sb->rsp_prod_pvt = 0;
    return 0;
}

struct pvr_blkif_sring *simblkback_ring(struct simblkback *sb)
{
    if ( sb->sring &&
         pvr_sim_gnttab_peer_map(sb->sim, sb->ring_ref0) != (void *)sb->sring )
        sb->sring = NULL;
    return sb->sring;
}

static void write_disk_nodes(struct simblkback *sb)
{
    wr(sb, sb->be, "sectors", sb->f.sectors);
    wr(sb, sb->be, "sector-size", sb->f.sector_size ? sb->f.sector_size
                                                     : 512);
    wr(sb, sb->be, "info", sb->f.readonly ? PVR_VDISK_READONLY : 0);
    wr(sb, sb->be, "feature-flush-cache", sb->f.flush);
    wr(sb, sb->be, "feature-barrier", sb->f.barrier);
    wr(sb, sb->be, "feature-discard", sb->f.discard);
    wr(sb, sb->be, "feature-persistent", sb->f.persistent);
    if ( sb->f.discard )
    {
        wr(sb, sb->be, "discard-granularity", 4096);
        wr(sb, sb->be, "discard-alignment", 0);
    }
}

int simblkback_xenbus(struct simblkback *sb)
{
    long long fe = rd(sb, "state");

    if ( fe == PVR_XB_INITIALISED && sb->state == PVR_XB_INITWAIT )
    {
        if ( map_ring(sb) == 0 )
        {
            write_disk_nodes(sb);
            sb->st.connects++;
            simblkback_set_state(sb, PVR_XB_CONNECTED);
        }
        else
            simblkback_set_state(sb, PVR_XB_CLOSING);
    }
    else if ( (fe == PVR_XB_CLOSING || fe == PVR_XB_CLOSED) &&
              sb->state != PVR_XB_CLOSED )
        simblkback_set_state(sb, PVR_XB_CLOSED);
    else if ( fe == PVR_XB_INITIALISING && sb->state == PVR_XB_CLOSED &&
              sb->reconnect )
        simblkback_set_state(sb, PVR_XB_INITWAIT);
    return sb->state;
}

/* ---- Requests ---- */

/* Map the data page of a grant; NULL when the frontend gave none. */
static uint8_t *data_page(struct simblkback *sb, uint32_t gref)
{
    sb->st.data_maps++;
    return pvr_sim_gnttab_peer_map(sb->sim, gref);
}

static int rw(struct simblkback *sb, bool write, uint64_t sector,
              const struct pvr_blkif_seg *segs, unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        struct pvr_blkif_seg g = segs[i];
        uint8_t *page = data_page(sb, g.gref);
        size_t off = (size_t)g.first_sect * 512, len;

        if ( !page || g.first_sect > g.last_sect || g.last_sect > 7 )
            return PVR_BLKIF_RSP_ERROR;
        len = (size_t)(g.last_sect - g.first_sect + 1) * 512;
        if ( sector > sb->f.sectors || len / 512 > sb->f.sectors - sector )
            return PVR_BLKIF_RSP_ERROR;
        if ( write )
            memcpy(sb->image + sector * 512, page + off, len);
        else
            memcpy(page + off, sb->image + sector * 512, len);
        sector += len / 512;
    }
    if ( n > sb->st.max_segs_seen )
        sb->st.max_segs_seen = n;
    return PVR_BLKIF_RSP_OKAY;
}

static int indirect(struct simblkback *sb,
                    const struct pvr_blkif_req_indirect *r)
{
    struct pvr_blkif_seg segs[PVR_BLKIF_SEGS_PER_INDIRECT];
    uint8_t *page;
    unsigned int n = r->nr_segments;

    sb->st.indirects++;
    if ( n == 0 || n > sb->f.max_indirect || n > ARRAY_SIZE(segs) ||
         (r->indirect_op != PVR_BLKIF_OP_READ &&
          r->indirect_op != PVR_BLKIF_OP_WRITE) ||
         !(page = data_page(sb, r->indirect_grefs[0])) )
        return PVR_BLKIF_RSP_ERROR;
    memcpy(segs, page, n * sizeof(segs[0]));
    if ( r->indirect_op == PVR_BLKIF_OP_WRITE )
        sb->st.writes++;
    else
        sb->st.reads++;
    return rw(sb, r->indirect_op == PVR_BLKIF_OP_WRITE, r->sector_number,
              segs, n);
}

static int serve(struct simblkback *sb, const union pvr_blkif_entry *e)
{
    const struct pvr_blkif_req *r = &e->req;

    switch ( r->operation )
    {
    case PVR_BLKIF_OP_READ:
    case PVR_BLKIF_OP_WRITE:
        if ( r->nr_segments == 0 || r->nr_segments > PVR_BLKIF_MAX_SEGS )
            return PVR_BLKIF_RSP_ERROR;
        if ( r->operation == PVR_BLKIF_OP_WRITE )
            sb->st.writes++;
        else
            sb->st.reads++;
        return rw(sb, r->operation == PVR_BLKIF_OP_WRITE, r->sector_number,
                  r->seg, r->nr_segments);
    case PVR_BLKIF_OP_INDIRECT:
        return sb->f.max_indirect ? indirect(sb, &e->indirect)
                                  : PVR_BLKIF_RSP_EOPNOTSUPP;
    case PVR_BLKIF_OP_FLUSH_DISKCACHE:
        sb->st.flushes++;
        return sb->f.flush ? PVR_BLKIF_RSP_OKAY : PVR_BLKIF_RSP_EOPNOTSUPP;
    case PVR_BLKIF_OP_WRITE_BARRIER:
        sb->st.barriers++;
        return sb->f.barrier ? PVR_BLKIF_RSP_OKAY : PVR_BLKIF_RSP_EOPNOTSUPP;
    case PVR_BLKIF_OP_DISCARD:
        sb->st.discards++;
        if ( !sb->f.discard )
            return PVR_BLKIF_RSP_EOPNOTSUPP;
        if ( e->discard.sector_number > sb->f.sectors ||
             e->discard.nr_sectors > sb->f.sectors -
                                     e->discard.sector_number )
            return PVR_BLKIF_RSP_ERROR;
        memset(sb->image + e->discard.sector_number * 512, 0,
               e->discard.nr_sectors * 512);
        return PVR_BLKIF_RSP_OKAY;
    default:
        return PVR_BLKIF_RSP_ERROR;
    }
}

static void respond(struct simblkback *sb, uint64_t id, uint8_t op,
                    int16_t status)
{
    struct pvr_blkif_rsp rsp = { .id = id, .operation = op,
                                 .status = status };

    switch ( sb->fault )
    {
    case SBB_BAD_ID:
        rsp.id = id ^ 0x5a5a000000000000ull;
        break;
    case SBB_DUP_ID:
        rsp.id = sb->last_id;
        break;
    case SBB_EOPNOTSUPP:
        rsp.status = PVR_BLKIF_RSP_EOPNOTSUPP;
        break;
    case SBB_ERROR:
        rsp.status = PVR_BLKIF_RSP_ERROR;
        break;
    default:
        break;
    }
    if ( sb->fault != SBB_RSP_JUMP )
        sb->fault = SBB_OK;
    sb->last_id = rsp.id;
    memcpy(&sb->sring->ring[sb->rsp_prod_pvt++ & (sb->ring_size - 1)].rsp,
           &rsp, sizeof(rsp));
}

static void push_responses(struct simblkback *sb)
{
    uint32_t old = sb->sring->rsp_prod, prod = sb->rsp_prod_pvt;

    if ( sb->fault == SBB_RSP_JUMP )
    {
        prod += 2 * sb->ring_size;
        sb->fault = SBB_OK;
    }
    __atomic_store_n(&sb->sring->rsp_prod, prod, __ATOMIC_RELEASE);
    /* rsp_prod is visible before we read the frontend's rsp_event. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ( (uint32_t)(prod - sb->sring->rsp_event) < (uint32_t)(prod - old) )
    {
        sb->st.kicks++;
        pvr_sim_evtchn_kick(sb->sim, sb->remote);
    }
}

unsigned int simblkback_poll(struct simblkback *sb, unsigned int max)
{
    unsigned int n = 0;
    uint32_t rp;

    if ( !simblkback_ring(sb) || sb->state != PVR_XB_CONNECTED || sb->hold )
        return 0;
    rp = __atomic_load_n(&sb->sring->req_prod, __ATOMIC_ACQUIRE);
    while ( sb->req_cons != rp && (max == 0 || n < max) &&
            n < sb->ring_size )
    {
        union pvr_blkif_entry e;
        int status;

        memcpy(&e, &sb->sring->ring[sb->req_cons++ & (sb->ring_size - 1)],
               sizeof(e));
        status = serve(sb, &e);
        if ( status == PVR_BLKIF_RSP_ERROR )
            sb->st.bad_requests++;
        respond(sb, e.req.id, e.req.operation, (int16_t)status);
        n++;
    }
    if ( n || sb->fault == SBB_RSP_JUMP )
        push_responses(sb);
    /* As RING_FINAL_CHECK_FOR_REQUESTS: an event for the next one. */
    sb->sring->req_event = sb->req_cons + 1;
    return n;
}

/* ---- The environment ---- */

void sbenv_pump(struct sbenv *e)
{
    char *path, *token;
    unsigned int i;

    simblkback_xenbus(&e->sb);
    simblkback_poll(&e->sb, 0);
    pvr_loop_run_once(e->st.loop, 0);
    /* Bounded: the sim's queue holds SIM_MAX_EVENTS at most. */
    for ( i = 0; i < SIM_MAX_EVENTS &&
                 pvr_port_xs_read_watch(e->st.port, &path, &token) == 0; i++ )
    {
        if ( e->bf )
            pvr_blkfront_handle_watch(e->bf, path, token);
        free(path);
        free(token);
    }
    if ( e->bf )
        pvr_blkfront_tick(e->bf);
}

bool sbenv_pump_until(struct sbenv *e, const bool *flag, unsigned int rounds)
{
    while ( !*flag && rounds-- )
        sbenv_pump(e);
    return *flag;
}

int sbenv_open(struct sbenv *e, unsigned int nr_vcpus,
               const struct simblkback_features *f,
               const struct pvr_blkfront_config *cfg)
{
    struct pvr_blkfront_config c = *cfg;
    struct pvr_blkfront_stats s;
    unsigned int i;
    int rc;

    memset(e, 0, sizeof(*e));
    rc = simstack_open(&e->st, nr_vcpus, PVR_BUFIOREQ_OFF, nr_vcpus > 0);
    if ( rc )
        return rc;
    rc = simblkback_open(&e->sb, e->st.port, SBENV_FE, SBENV_BE, f);
    c.port = e->st.port;
    c.frontend_dir = SBENV_FE;
    c.mux = e->st.mux;
    if ( rc == 0 )
        rc = pvr_blkfront_open(&c, &e->bf);
    for ( i = 0; rc == 0 && i < 16; i++ )
    {
        sbenv_pump(e);
        pvr_blkfront_stats(e->bf, &s);
        if ( s.state == PVR_BLKFRONT_CONNECTED )
            break;
    }
    if ( rc == 0 && s.state != PVR_BLKFRONT_CONNECTED )
        rc = -ETIMEDOUT;
    if ( rc )
    {
        sbenv_close(e);
        return rc;
    }
    e->dev = pvr_blkfront_dev(e->bf);
    return 0;
}

void sbenv_close(struct sbenv *e)
{
    pvr_blkfront_close(e->bf);
    e->bf = NULL;
    simblkback_close(&e->sb);
    simstack_close(&e->st);
}
