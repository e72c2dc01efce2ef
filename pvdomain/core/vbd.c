/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --nvme vbd:N: drivers/blkfront on a port of its own, in the worker's
 * loop.  See vbd.h.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/vbd.h"
#include "drivers/blkfront/blkfront.h"

#define COMP "vbd"
#define MAX_DEVID ((1u << 28) - 1)     /* xenbus ids of extended vdevs */
#define WATCH_BATCH 32                 /* events read per wake-up */

struct pvr_vbd {
    pvr_port *port;                     /* never restricted */
    pvr_loop *loop;
    pvr_evmux *mux;
    pvr_blkfront *bf;
    int xs_fd, tick_fd;
    char fe[80];
};

int pvr_vbd_parse(const char *spec, uint32_t *devid, char *err,
                  size_t errlen)
{
    unsigned long long v = 0;
    const char *s;

    if ( strncmp(spec, "vbd:", 4) )
        return -ENOENT;
    for ( s = spec + 4; *s >= '0' && *s <= '9' && v <= MAX_DEVID; s++ )
        v = v * 10 + (unsigned)(*s - '0');
    if ( s == spec + 4 || *s || v == 0 || v > MAX_DEVID )
    {
        snprintf(err, errlen, "'%s': give vbd:N, N the decimal xenbus id "
                 "(1 to %u) of the device the toolstack made in "
                 "/local/domain/SELF/device/pvr-vbd/N", spec, MAX_DEVID);
        return -EINVAL;
    }
    *devid = (uint32_t)v;
    return 0;
}

/* Bounded: a batch of events per wake-up, the rest on the next. */
static void vbd_watch(void *opaque, uint32_t events)
{
    pvr_vbd *v = opaque;
    char *path, *token;
    int n;

    (void)events;
    for ( n = 0; n < WATCH_BATCH; n++ )
    {
        if ( pvr_port_xs_read_watch(v->port, &path, &token) )
            return;
        if ( !pvr_blkfront_handle_watch(v->bf, path, token) )
            pvr_debug(COMP, "watch %s (%s) is not blkfront's", path, token);
        free(path);
        free(token);
    }
}

static void vbd_tick(void *opaque, uint32_t events)
{
    pvr_vbd *v = opaque;
    uint64_t ticks;

    (void)events;
    if ( read(v->tick_fd, &ticks, sizeof(ticks)) == sizeof(ticks) )
        pvr_blkfront_tick(v->bf);
}

static const char *state_name(enum pvr_blkfront_state s)
{
    switch ( s )
    {
    case PVR_BLKFRONT_WAITING:      return "waiting for the backend's InitWait";
    case PVR_BLKFRONT_INITIALISED:  return "initialised, waiting for Connected";
    case PVR_BLKFRONT_CONNECTED:    return "connected";
    case PVR_BLKFRONT_DISCONNECTED: return "disconnected";
    }
    return "?";
}

/* Run the loop until blkfront is connected, the loop is stopped or the
 * deadline passes. */
static int wait_connected(pvr_vbd *v)
{
    struct pvr_blkfront_stats st;
    struct pvr_blk_info bi;
    pvr_blkdev *d;
    struct timespec t0, t;
    long ms = 0;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for ( ;; )
    {
        pvr_blkfront_stats(v->bf, &st);
        if ( st.state == PVR_BLKFRONT_CONNECTED )
        {
            d = pvr_blkfront_dev(v->bf);
            d->ops->info(d->be, &bi);
            pvr_info(COMP, "%s: connected after %ld ms: %llu sectors, ring "
                     "%u pages (%u slots), %u segments%s%s%s%s",
                     v->fe, ms, (unsigned long long)bi.sectors, st.ring_pages,
                     st.slots, st.max_segs,
                     st.indirect ? ", indirect" : "",
                     st.persistent ? ", persistent grants" : "",
                     st.flush ? ", flush" : st.barrier ? ", barrier" : "",
                     st.discard ? ", discard" : "");
            return 0;
        }
        if ( pvr_loop_stopped(v->loop) )
            return -ECANCELED;
        if ( ms >= PVR_VBD_CONNECT_MS )
        {
            pvr_err(COMP, "%s: not connected after %d s: %s (is dom0's "
                    "backend directory there, with physical-device?)",
                    v->fe, PVR_VBD_CONNECT_MS / 1000, state_name(st.state));
            return -ETIMEDOUT;
        }
        rc = pvr_loop_run_once(v->loop, 200);
        if ( rc < 0 && rc != -EINTR )
            return rc;
        clock_gettime(CLOCK_MONOTONIC, &t);
        ms = (t.tv_sec - t0.tv_sec) * 1000 +
             (t.tv_nsec - t0.tv_nsec) / 1000000;
    }
}

int pvr_vbd_open(const struct pvr_config *cfg, pvr_loop *l, uint32_t devid,
                 pvr_vbd **out)
{
    const struct itimerspec second = {
        .it_interval = { .tv_sec = 1 }, .it_value = { .tv_sec = 1 },
    };
    struct pvr_blkfront_config bc = { 0 };
    pvr_vbd *v = calloc(1, sizeof(*v));
    uint32_t self;
    int rc;

    *out = NULL;
    if ( !v )
        return -ENOMEM;
    v->loop = l;
    v->xs_fd = v->tick_fd = -1;
    rc = pvr_daemon_open_port(cfg, &v->port);
    if ( rc )
        goto fail;
    rc = pvr_port_xs_self_domid(v->port, &self);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "our own domain id");
        goto fail;
    }
    snprintf(v->fe, sizeof(v->fe), PVR_VBD_FRONTEND_FMT, self, devid);
    v->xs_fd = pvr_port_xs_fd(v->port);
    v->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if ( v->xs_fd < 0 || v->tick_fd < 0 ||
         timerfd_settime(v->tick_fd, 0, &second, NULL) < 0 )
    {
        rc = v->xs_fd < 0 ? v->xs_fd : -errno;
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "xenstore or timer fd");
        goto fail;
    }
    if ( (rc = pvr_evmux_create(l, v->port, &v->mux)) )
        goto fail;
    bc.port = v->port;
    bc.frontend_dir = v->fe;
    bc.mux = v->mux;
    bc.grants = PVR_BLKFRONT_POOL;
    bc.max_ring_order = 2;
    bc.reconnect_ms = PVR_VBD_RECONNECT_MS;
    rc = pvr_blkfront_open(&bc, &v->bf);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "%s: starting the frontend "
                  "(does %s/backend name dom0's backend directory?)",
                  v->fe, v->fe);
        goto fail;
    }
    if ( (rc = pvr_loop_add_fd(l, v->xs_fd, vbd_watch, v)) ||
         (rc = pvr_loop_add_fd(l, v->tick_fd, vbd_tick, v)) ||
         (rc = wait_connected(v)) )
        goto fail;
    *out = v;
    return 0;

 fail:
    pvr_vbd_close(v);
    return rc;
}

pvr_blkdev *pvr_vbd_dev(pvr_vbd *v)
{
    return pvr_blkfront_dev(v->bf);
}

void pvr_vbd_close(pvr_vbd *v)
{
    struct pvr_blkfront_stats st;

    if ( !v )
        return;
    if ( v->bf )
    {
        pvr_blkfront_stats(v->bf, &st);
        pvr_info(COMP, "%s: blkfront: requests %" PRIu64 " responses %"
                 PRIu64 " bad %" PRIu64 " replayed %" PRIu64 " failed %"
                 PRIu64 " connects %" PRIu64 " disconnects %" PRIu64
                 " broken-rings %" PRIu64 " grant-calls %" PRIu64, v->fe,
                 st.requests, st.responses, st.bad_responses, st.replayed,
                 st.failed, st.connects, st.disconnects, st.broken_rings,
                 st.grant_calls);
    }
    pvr_loop_del_fd(v->loop, v->xs_fd);
    if ( v->tick_fd >= 0 )
    {
        pvr_loop_del_fd(v->loop, v->tick_fd);
        close(v->tick_fd);
    }
    pvr_blkfront_close(v->bf);
    pvr_evmux_destroy(v->mux);
    pvr_port_close(v->port);
    free(v);
}
