/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pair's monitor: one process per pair, pidfile in /run/pvdomain.
 * It watches @releaseDomain (fired when any domain shuts down or dies)
 * and looks at both domains each time:
 *  - guest shut down: on_poweroff / on_reboot / on_crash (destroy both;
 *    restart the pair from the saved cfg with the same state disk; or
 *    preserve the guest and destroy the paravisor);
 *  - guest gone: destroy the paravisor, end;
 *  - paravisor gone while the guest lives: pause the guest, start a new
 *    paravisor on the same state disk, wait for ready, resume the guest.
 * SIGTERM (from `pvxl destroy`) ends the monitor and nothing else.
 * Every action is logged with a timestamp (pvr_pvxl_logf, on stderr,
 * which the caller points at /var/log/pvdomain/<name>.log).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"

#define NO_DOMID UINT32_MAX

struct mon {
    pvr_pvxl *px;
    pvr_pvxl_config *cfg;
    uint32_t guest, pv;
};

static double since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void destroy_both(struct mon *m)
{
    pvxl__xs_remove_pairing(m->px, m->guest, m->pv);
    if ( m->pv != NO_DOMID )
        pvr_pvxl_domain_destroy(m->px, m->pv);
    if ( m->guest != NO_DOMID )
        pvr_pvxl_domain_destroy(m->px, m->guest);
}

/* The guest shut down for reason; 1: the monitor goes on, 0: it ends. */
static int guest_shutdown(struct mon *m, int reason)
{
    enum pvr_pvxl_action a = m->cfg->on_crash;
    const char *why = "crashed", *key = "crash";
    struct timespec t0;
    pvr_pvxl_err err;

    if ( reason == LIBXL_SHUTDOWN_REASON_POWEROFF )
    {
        a = m->cfg->on_poweroff;
        why = "powered off";
        key = "poweroff";
    }
    else if ( reason == LIBXL_SHUTDOWN_REASON_REBOOT )
    {
        a = m->cfg->on_reboot;
        why = "rebooted";
        key = "reboot";
    }
    pvr_pvxl_logf("guest %s (domid %u) %s (shutdown reason %d): on_%s=%s",
                  m->cfg->name, m->guest, why, reason, key,
                  pvr_pvxl_action_name(a));
    switch ( a )
    {
    case PVR_PVXL_ACTION_PRESERVE:
        pvxl__xs_remove_pairing(m->px, m->guest, m->pv);
        pvr_pvxl_domain_destroy(m->px, m->pv);
        pvr_pvxl_logf("paravisor %u destroyed; guest %u preserved", m->pv,
                      m->guest);
        return 0;
    case PVR_PVXL_ACTION_DESTROY:
        destroy_both(m);
        pvr_pvxl_logf("guest %u and paravisor %u destroyed", m->guest,
                      m->pv);
        return 0;
    case PVR_PVXL_ACTION_RESTART:
        break;
    }
    destroy_both(m);
    pvr_pvxl_logf("guest %u and paravisor %u destroyed; recreating the pair",
                  m->guest, m->pv);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    m->guest = m->pv = NO_DOMID;
    if ( pvr_pvxl_pair_create(m->px, m->cfg, PVR_PVXL_CREATE_REUSE,
                              &m->guest, &m->pv, &err) )
    {
        pvr_pvxl_logf("restart of %s failed: %s", m->cfg->name, err.msg);
        return 0;
    }
    pvr_pvxl_logf("pair %s restarted: guest %u, paravisor %u, in %.3f s",
                  m->cfg->name, m->guest, m->pv, since(&t0));
    return 1;
}

/* The paravisor died under a live guest; 1: go on, 0: end. */
static int paravisor_died(struct mon *m)
{
    struct timespec t0;
    pvr_pvxl_err err;
    bool paused = false;
    uint32_t old = m->pv;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pvr_pvxl_logf("paravisor of %s (domid %u) died; starting a new one",
                  m->cfg->name, old);
    /*
     * Stop the guest's vCPUs in Xen only (xc_domain_pause): libxl's pause
     * also stops the device model through QMP, and its unpause then asks
     * QMP to resume it, which failed here with the guest left paused.
     * The guest's QEMU has nothing to do with the paravisor.
     */
    pvxl__dom_state(m->px, m->guest, NULL, &paused);
    if ( !paused && xc_domain_pause(m->px->xch, m->guest) )
        pvr_pvxl_logf("could not pause guest %u: %s", m->guest,
                      strerror(errno));
    else
        pvr_pvxl_logf("guest %u %s", m->guest,
                      paused ? "was already paused" : "paused");
    pvxl__xs_remove_pairing(m->px, m->guest, old);
    pvr_pvxl_domain_destroy(m->px, old);
    m->pv = NO_DOMID;
    if ( pvr_pvxl_paravisor_start(m->px, m->cfg, m->guest, &m->pv, &err) )
    {
        pvr_pvxl_logf("no new paravisor for %s: %s; guest %u left paused",
                      m->cfg->name, err.msg, m->guest);
        return 0;
    }
    if ( !paused && xc_domain_unpause(m->px->xch, m->guest) )
    {
        pvr_pvxl_logf("new paravisor %u of %s ready after %.3f s, but "
                      "guest %u could not be unpaused: %s", m->pv,
                      m->cfg->name, since(&t0), m->guest, strerror(errno));
        return 1;
    }
    pvr_pvxl_logf("new paravisor %u of %s ready; guest %u %s after %.3f s",
                  m->pv, m->cfg->name, m->guest,
                  paused ? "stays paused" : "resumed", since(&t0));
    return 1;
}

/* Look at both domains; 1: the pair lives on, 0: the monitor ends. */
static int evaluate(struct mon *m)
{
    int reason = -1;
    enum pvxl_dom_state g = pvxl__dom_state(m->px, m->guest, &reason, NULL);

    if ( g == PVXL_DOM_GONE )
    {
        pvr_pvxl_logf("guest %s (domid %u) is gone; destroying paravisor %u",
                      m->cfg->name, m->guest, m->pv);
        m->guest = NO_DOMID;
        destroy_both(m);
        return 0;
    }
    if ( g == PVXL_DOM_SHUTDOWN )
    {
        if ( reason == LIBXL_SHUTDOWN_REASON_SUSPEND )
            return 1;
        return guest_shutdown(m, reason);
    }
    if ( pvxl__dom_state(m->px, m->pv, NULL, NULL) != PVXL_DOM_ALIVE )
        return paravisor_died(m);
    return 1;
}

static int write_pidfile(const char *name)
{
    char path[256];
    FILE *f;

    pvxl__pidfile(name, path, sizeof(path));
    f = fopen(path, "w");
    if ( !f )
        return -errno;
    fprintf(f, "%d\n", (int)getpid());
    return fclose(f) ? -errno : 0;
}

int pvr_pvxl_monitor_run(pvr_pvxl *px, pvr_pvxl_config *cfg,
                         uint32_t guest, uint32_t pv)
{
    struct mon m = { .px = px, .cfg = cfg, .guest = guest, .pv = pv };
    char path[256];
    sigset_t set;
    int sfd, live = 1, rc = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if ( sfd < 0 || write_pidfile(cfg->name) ||
         !xs_watch(px->xsh, "@releaseDomain", "pvxl-monitor") )
    {
        pvr_pvxl_logf("monitor of %s cannot start: %s", cfg->name,
                      strerror(errno));
        rc = -EIO;
        goto out;
    }
    pvr_pvxl_logf("monitoring %s: guest %u, paravisor %u", cfg->name,
                  guest, pv);
    while ( live )
    {
        struct pollfd pfd[2] = {
            { .fd = xs_fileno(px->xsh), .events = POLLIN },
            { .fd = sfd, .events = POLLIN },
        };

        live = evaluate(&m);
        if ( !live )
            break;
        if ( poll(pfd, 2, -1) < 0 && errno != EINTR )
            break;
        if ( pfd[1].revents & POLLIN )
        {
            pvr_pvxl_logf("monitor of %s stopped by a signal", cfg->name);
            goto out;
        }
        if ( pfd[0].revents & POLLIN )
            free(xs_read_watch(px->xsh, &(unsigned int){ 0 }));
    }
    pvr_pvxl_logf("pair %s ended; monitor exits", cfg->name);
    pvxl__savedcfg(cfg->name, path, sizeof(path));
    unlink(path);
 out:
    xs_unwatch(px->xsh, "@releaseDomain", "pvxl-monitor");
    pvxl__pidfile(cfg->name, path, sizeof(path));
    unlink(path);
    if ( sfd >= 0 )
        close(sfd);
    return rc;
}
