/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront's xenbus side: the handshake with the backend through
 * xenstore, following its state node, and the lifecycle.  See
 * blkfront.h for the nodes and the states.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "drivers/blkfront/blkfront_priv.h"

#define DEFAULT_SLOTS     16u
#define DEFAULT_RECONNECT 10000u
#define DIR_MAX           256u

uint64_t bf_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- xenstore helpers ---- */

static int xs_write_node(pvr_blkfront *bf, const char *node, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static int xs_write_node(pvr_blkfront *bf, const char *node, const char *fmt,
                         ...)
{
    char path[PVR_XS_PATH_BUF], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", bf->fe, node);
    return pvr_port_xs_write_str(bf->port, path, val);
}

/*
 * A number the backend wrote in dir/node: *out, or dflt when the node
 * does not exist.  Decimal digits only, at most max: else -EINVAL and a
 * rate-limited line.
 */
static int xs_read_u64(pvr_blkfront *bf, const char *dir, const char *node,
                       uint64_t dflt, uint64_t max, uint64_t *out)
{
    char path[PVR_XS_PATH_BUF], *val = NULL;
    size_t len = 0, i;
    uint64_t v = 0;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    rc = pvr_port_xs_read(bf->port, path, &val, &len);
    if ( rc == -ENOENT )
    {
        *out = dflt;
        return 0;
    }
    if ( rc )
        return rc;
    for ( i = 0; i < len && rc == 0; i++ )
    {
        if ( val[i] < '0' || val[i] > '9' ||
             v > (UINT64_MAX - (uint64_t)(val[i] - '0')) / 10 )
            rc = -EINVAL;
        else
            v = v * 10 + (uint64_t)(val[i] - '0');
    }
    if ( len == 0 || v > max )
        rc = -EINVAL;
    if ( rc )
        PVR_LOG_GUEST(BF_COMP, "%s: malformed %.64s", path,
                      len < 64 ? val : "(long value)");
    else
        *out = v;
    free(val);
    return rc;
}

static bool xs_flag(pvr_blkfront *bf, const char *node)
{
    uint64_t v = 0;

    return xs_read_u64(bf, bf->be, node, 0, 1, &v) == 0 && v == 1;
}

static int set_state(pvr_blkfront *bf, int state)
{
    int rc = xs_write_node(bf, "state", "%d", state);

    if ( rc == 0 )
        bf->fe_state = state;
    else
        pvr_log_e(PVR_LOG_ERROR, BF_COMP, -rc, "%s: cannot write state %d",
                  bf->fe, state);
    return rc;
}

/* ---- The ring's lifecycle ---- */

static void evtchn_cb(void *opaque, uint32_t port)
{
    (void)port;
    pvr_blkfront_handle_evtchn(opaque);
}

static void unbind(pvr_blkfront *bf)
{
    int rc;

    /* Once more if it fails, as bf_unshare. */
    if ( (rc = pvr_port_evtchn_unbind(bf->port, bf->evtchn)) &&
         (rc = pvr_port_evtchn_unbind(bf->port, bf->evtchn)) )
        pvr_log_e(PVR_LOG_ERROR, BF_COMP, -rc, "%s: cannot close port %u",
                  bf->fe, bf->evtchn);
    bf->evtchn = 0;
}

/* Revoke everything the backend was given; keep the requests. */
static void teardown(pvr_blkfront *bf)
{
    bf_requeue_inflight(bf);
    bf_pool_unshare(bf);
    if ( bf->evtchn )
    {
        if ( bf->mux )
            pvr_evmux_unbind(bf->mux, bf->evtchn);
        unbind(bf);
    }
    if ( bf->sring )
    {
        bf_unshare(bf, bf->sring, 1u << bf->ring_order);
        bf->sring = NULL;
    }
    bf->ring_size = 0;
}

void bf_lost(pvr_blkfront *bf, const char *why)
{
    if ( bf->state == PVR_BLKFRONT_CONNECTED )
        bf->st.disconnects++;
    pvr_warn(BF_COMP, "%s: backend lost (%s), %u requests held for replay",
             bf->fe, why, (unsigned int)(bf->st.inflight + bf->q_len));
    teardown(bf);
    bf->state = PVR_BLKFRONT_DISCONNECTED;
    bf->since_ms = bf_now_ms();
    /* Closed tells blkback to let go; Initialising then asks it back. */
    set_state(bf, PVR_XB_CLOSED);
}

static int write_ring_nodes(pvr_blkfront *bf)
{
    unsigned int i;
    int rc = 0;

    if ( bf->ring_order == 0 )
        rc = xs_write_node(bf, "ring-ref", "%u", bf->ring_refs[0]);
    else
    {
        rc = xs_write_node(bf, "ring-page-order", "%u", bf->ring_order);
        for ( i = 0; rc == 0 && i < (1u << bf->ring_order); i++ )
        {
            char node[32];

            snprintf(node, sizeof(node), "ring-ref%u", i);
            rc = xs_write_node(bf, node, "%u", bf->ring_refs[i]);
        }
    }
    if ( rc == 0 )
        rc = xs_write_node(bf, "event-channel", "%u", bf->evtchn);
    if ( rc == 0 )
        rc = xs_write_node(bf, "protocol", "%s", "x86_64-abi");
    if ( rc == 0 )
        rc = xs_write_node(bf, "feature-persistent", "%d",
                           bf->mode == PVR_BLKFRONT_POOL);
    return rc;
}

/* At the backend's InitWait: share the ring, make the channel. */
static int setup_ring(pvr_blkfront *bf)
{
    uint64_t order;
    void *addr;
    int rc;

    rc = xs_read_u64(bf, bf->be, "max-ring-page-order", 0, 64, &order);
    if ( rc )
        return rc;
    bf->ring_order = order < bf->max_order ? (unsigned int)order
                                           : bf->max_order;
    bf->st.grant_calls++;
    rc = pvr_port_gnttab_share(bf->port, bf->be_domid, 1u << bf->ring_order,
                               bf->ring_refs, true, &addr);
    if ( rc )
        return rc;
    bf->sring = addr;
    memset(bf->sring, 0, PVR_BLK_PAGE_SIZE << bf->ring_order);
    bf->sring->req_event = bf->sring->rsp_event = 1;
    bf->ring_size = pvr_blkif_ring_size(bf->ring_order);
    bf->req_prod_pvt = bf->rsp_cons = 0;
    rc = pvr_port_evtchn_bind_unbound(bf->port, bf->be_domid, &bf->evtchn);
    if ( rc == 0 && bf->mux &&
         (rc = pvr_evmux_bind(bf->mux, bf->evtchn, evtchn_cb, bf)) )
        unbind(bf);
    if ( rc == 0 )
        rc = write_ring_nodes(bf);
    if ( rc == 0 )
        rc = set_state(bf, PVR_XB_INITIALISED);
    if ( rc )
    {
        teardown(bf);
        return rc;
    }
    bf->state = PVR_BLKFRONT_INITIALISED;
    return 0;
}

/* At the backend's Connected: the disk's features, the pool, go. */
static int finish_connect(pvr_blkfront *bf)
{
    uint64_t sectors, ssize, info, indirect;
    char path[PVR_XS_PATH_BUF], *mode = NULL;
    int rc;

    if ( (rc = xs_read_u64(bf, bf->be, "sectors", UINT64_MAX,
                           UINT64_MAX >> PVR_BLK_SECTOR_SHIFT, &sectors)) ||
         (rc = xs_read_u64(bf, bf->be, "sector-size", 512, 1u << 16,
                           &ssize)) ||
         (rc = xs_read_u64(bf, bf->be, "info", 0, UINT32_MAX, &info)) ||
         (rc = xs_read_u64(bf, bf->be, "feature-max-indirect-segments", 0,
                           UINT32_MAX, &indirect)) )
        return rc;
    if ( sectors == UINT64_MAX || ssize != 512 )
    {
        PVR_LOG_GUEST(BF_COMP, "%s: no sectors, or a sector-size of %" PRIu64
                      " (512 only)", bf->be, ssize);
        return -EINVAL;
    }
    snprintf(path, sizeof(path), "%s/mode", bf->be);
    bf->readonly = (info & PVR_VDISK_READONLY) != 0;
    if ( pvr_port_xs_read(bf->port, path, &mode, NULL) == 0 )
        bf->readonly |= !strcmp(mode, "r");
    free(mode);
    bf->sectors = sectors;
    bf->flush = xs_flag(bf, "feature-flush-cache");
    bf->barrier = xs_flag(bf, "feature-barrier");
    bf->discard = xs_flag(bf, "feature-discard");
    /* Advice only (blkback splits nothing by them); bad ones read 0. */
    if ( bf->discard &&
         (xs_read_u64(bf, bf->be, "discard-granularity", 0, UINT32_MAX,
                      &bf->st.discard_granularity) ||
          xs_read_u64(bf, bf->be, "discard-alignment", 0, UINT32_MAX,
                      &bf->st.discard_alignment)) )
        bf->st.discard_granularity = bf->st.discard_alignment = 0;
    bf->persistent = bf->mode == PVR_BLKFRONT_POOL &&
                     xs_flag(bf, "feature-persistent");
    bf->indirect = indirect > PVR_BLKIF_MAX_SEGS;
    bf->max_segs = !bf->indirect ? PVR_BLKIF_MAX_SEGS
                 : indirect < PVR_BLK_MAX_SEGS ? (unsigned int)indirect
                 : PVR_BLK_MAX_SEGS;
    if ( !bf->info_segs )
        bf->info_segs = bf->max_segs;
    bf->nr_slots = bf->slots_cap < bf->ring_size ? bf->slots_cap
                                                  : bf->ring_size;
    bf->pages_per_slot = bf->max_segs + bf->indirect;
    if ( (rc = bf_pool_share(bf)) )
        return rc;
    if ( (rc = set_state(bf, PVR_XB_CONNECTED)) )
        return rc;
    bf->state = PVR_BLKFRONT_CONNECTED;
    bf->failing = false;
    bf->st.connects++;
    pvr_info(BF_COMP, "%s: connected to %s: %" PRIu64 " sectors, ring %u "
             "pages, %u segments%s%s%s%s%s", bf->fe, bf->be, sectors,
             1u << bf->ring_order, bf->max_segs,
             bf->indirect ? " (indirect)" : "",
             bf->persistent ? ", persistent" : "",
             bf->flush ? ", flush" : bf->barrier ? ", barrier" : "",
             bf->discard ? ", discard" : "", bf->readonly ? ", ro" : "");
    bf_kick_queue(bf);
    return 0;
}

static void backend_changed(pvr_blkfront *bf)
{
    uint64_t be_state;
    bool ours = bf->state == PVR_BLKFRONT_INITIALISED ||
                bf->state == PVR_BLKFRONT_CONNECTED;
    int rc;

    if ( xs_read_u64(bf, bf->be, "state", PVR_XB_UNKNOWN, PVR_XB_RECONFIGURED,
                     &be_state) )
        return;
    switch ( be_state )
    {
    case PVR_XB_INITWAIT:
        if ( ours )
            break;
        if ( bf->fe_state != PVR_XB_INITIALISING )
            set_state(bf, PVR_XB_INITIALISING);
        if ( (rc = setup_ring(bf)) )
            pvr_log_e(PVR_LOG_ERROR, BF_COMP, -rc, "%s: cannot set up the "
                      "ring", bf->fe);
        break;
    case PVR_XB_CONNECTED:
        if ( bf->state == PVR_BLKFRONT_INITIALISED &&
             (rc = finish_connect(bf)) )
        {
            /* A disk we cannot use stays unused until reopened. */
            bf->refused = rc == -EINVAL;
            bf_lost(bf, "cannot connect");
        }
        else if ( !ours && bf->fe_state != PVR_XB_CLOSED )
            set_state(bf, PVR_XB_CLOSED);  /* a stale connection: reset */
        break;
    case PVR_XB_CLOSING:
    case PVR_XB_CLOSED:
    case PVR_XB_UNKNOWN:
        if ( ours )
            bf_lost(bf, be_state == PVR_XB_UNKNOWN ? "state node gone"
                                                    : "backend closing");
        /* Once it is Closed, ask it back, as blkback expects. */
        if ( be_state == PVR_XB_CLOSED && bf->fe_state == PVR_XB_CLOSED &&
             !bf->refused )
            set_state(bf, PVR_XB_INITIALISING);
        break;
    default:
        break;
    }
}

/* ---- The public side ---- */

static void bf_info(void *be, struct pvr_blk_info *out)
{
    pvr_blkfront *bf = be;

    *out = (struct pvr_blk_info){
        .sectors = bf->sectors,
        .max_segs = bf->info_segs ? bf->info_segs : PVR_BLKIF_MAX_SEGS,
        .readonly = bf->readonly,
        .flush = bf->flush || bf->barrier,
        .discard = bf->discard,
    };
}

static const struct pvr_blk_ops bf_ops = {
    .info = bf_info,
    .submit = bf_submit,
    .cancel_all = bf_cancel_all,
};

static int read_backend(pvr_blkfront *bf, const struct pvr_blkfront_config *c)
{
    char path[PVR_XS_PATH_BUF], *val = NULL;
    uint64_t domid;
    int rc;

    if ( c->backend_dir )
    {
        bf->be = strdup(c->backend_dir);
        bf->be_domid = c->backend_domid;
        return bf->be ? 0 : -ENOMEM;
    }
    snprintf(path, sizeof(path), "%s/backend", bf->fe);
    if ( (rc = pvr_port_xs_read(bf->port, path, &val, NULL)) )
        return rc;
    if ( val[0] != '/' || strlen(val) >= DIR_MAX )
        rc = -EINVAL;
    else
        rc = xs_read_u64(bf, bf->fe, "backend-id", UINT64_MAX,
                         UINT32_MAX - 1, &domid);
    if ( rc == 0 && domid == UINT64_MAX )
        rc = -EINVAL;
    if ( rc == 0 )
    {
        bf->be = val;
        bf->be_domid = (uint32_t)domid;
        return 0;
    }
    free(val);
    pvr_err(BF_COMP, "%s: backend or backend-id missing or malformed",
            bf->fe);
    return rc;
}

int pvr_blkfront_open(const struct pvr_blkfront_config *c,
                      pvr_blkfront **out)
{
    pvr_blkfront *bf = NULL;
    size_t n;
    int rc;

    if ( !c || !c->port || !c->frontend_dir || !out ||
         c->frontend_dir[0] != '/' || strlen(c->frontend_dir) >= DIR_MAX ||
         (c->backend_dir && (c->backend_dir[0] != '/' ||
                             strlen(c->backend_dir) >= DIR_MAX)) ||
         c->max_ring_order > PVR_BLKIF_MAX_RING_ORDER ||
         c->max_inflight > BF_MAX_SLOTS )
        return -EINVAL;
    if ( !(bf = calloc(1, sizeof(*bf))) )
        return -ENOMEM;
    bf->dev = (pvr_blkdev){ .ops = &bf_ops, .be = bf };
    bf->port = c->port;
    bf->mux = c->mux;
    bf->mode = c->grants;
    bf->max_order = c->max_ring_order;
    bf->slots_cap = c->max_inflight ? c->max_inflight : DEFAULT_SLOTS;
    bf->reconnect_ms = c->reconnect_ms ? c->reconnect_ms : DEFAULT_RECONNECT;
    bf->since_ms = bf_now_ms();
    bf->fe = strdup(c->frontend_dir);
    n = strlen(c->frontend_dir) + sizeof("pvr-blkfront:");
    bf->token = malloc(n);
    rc = bf->fe && bf->token ? read_backend(bf, c) : -ENOMEM;
    if ( rc )
        goto out;
    snprintf(bf->token, n, "pvr-blkfront:%s", bf->fe);
    if ( (rc = set_state(bf, PVR_XB_INITIALISING)) )
        goto out;
    {
        char path[PVR_XS_PATH_BUF];

        snprintf(path, sizeof(path), "%s/state", bf->be);
        rc = pvr_port_xs_watch(bf->port, path, bf->token);
    }
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, BF_COMP, -rc, "%s: cannot watch %s/state",
                  bf->fe, bf->be);
        goto out;
    }
    /* The watch fires once by itself; look now too. */
    backend_changed(bf);
    *out = bf;
    return 0;
 out:
    free(bf->fe);
    free(bf->be);
    free(bf->token);
    free(bf);
    return rc;
}

void pvr_blkfront_close(pvr_blkfront *bf)
{
    char path[PVR_XS_PATH_BUF];

    if ( !bf )
        return;
    bf_cancel_all(bf);
    set_state(bf, PVR_XB_CLOSED);
    teardown(bf);       /* cancelled slots are simply released */
    snprintf(path, sizeof(path), "%s/state", bf->be);
    /* Once more if it fails, as bf_unshare. */
    if ( pvr_port_xs_unwatch(bf->port, path, bf->token) &&
         pvr_port_xs_unwatch(bf->port, path, bf->token) )
        pvr_err(BF_COMP, "%s: cannot remove the watch on %s", bf->fe, path);
    free(bf->q);
    free(bf->q_seq);
    free(bf->fe);
    free(bf->be);
    free(bf->token);
    free(bf);
}

pvr_blkdev *pvr_blkfront_dev(pvr_blkfront *bf)
{
    return &bf->dev;
}

bool pvr_blkfront_handle_watch(pvr_blkfront *bf, const char *path,
                               const char *token)
{
    (void)path;
    if ( !token || strcmp(token, bf->token) )
        return false;
    backend_changed(bf);
    return true;
}

void pvr_blkfront_handle_evtchn(pvr_blkfront *bf)
{
    if ( bf->state == PVR_BLKFRONT_CONNECTED )
        bf_poll(bf);
}

uint32_t pvr_blkfront_evtchn(const pvr_blkfront *bf)
{
    return bf->evtchn;
}

void pvr_blkfront_tick(pvr_blkfront *bf)
{
    if ( bf->state == PVR_BLKFRONT_CONNECTED || bf->failing ||
         bf_now_ms() - bf->since_ms < bf->reconnect_ms )
        return;
    if ( bf->q_len )
        pvr_warn(BF_COMP, "%s: backend not back within %u ms: failing %u "
                 "requests", bf->fe, bf->reconnect_ms, bf->q_len);
    bf->failing = true;
    bf_fail_queue(bf, -EIO);
    bf->st.queued = 0;
}

void pvr_blkfront_stats(const pvr_blkfront *bf,
                        struct pvr_blkfront_stats *out)
{
    *out = bf->st;
    out->state = bf->state;
    out->ring_pages = bf->sring ? 1u << bf->ring_order : 0;
    out->ring_size = bf->ring_size;
    out->slots = bf->nr_slots;
    out->max_segs = bf->max_segs;
    out->indirect = bf->indirect;
    out->persistent = bf->persistent;
    out->flush = bf->flush;
    out->barrier = bf->barrier;
    out->discard = bf->discard;
    out->queued = bf->q_len;
}
