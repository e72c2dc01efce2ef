/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The worker: serves the guest's devices.  Setup order matters:
 *   1. open the port and learn the guest's vCPU count (needs domctl);
 *   2. start the vTPM (reads the state file), open the NVMe backing
 *      store (for vbd:N, connect to dom0's blkback on a port of its own,
 *      which stays unrestricted) and the IOREQ server, register the TPM window and the NVMe
 *      function (config space by SBDF, BAR0 movable), and enable the
 *      server (with --vsm, the VTL engine first: enabling claims the
 *      VSM channel): all before the parent publishes readiness, since
 *      the guest's firmware enumerates PCI and sizes BARs at its first
 *      instructions;
 *   3. restrict every Xen handle to the guest, then drop root if asked;
 *   4. tell the parent we are ready, and serve until told to stop.
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/loop.h"
#include "core/msg.h"
#include "core/vbd.h"
#include "drivers/nvme/nvme.h"
#include "ioreq/ioreq.h"
#include "services/tpm/tpm.h"

#define COMP "worker"

/* 1 MiB buckets of guest memory kept mapped (port.h): 64 MiB, about
 * 128 KiB of page tables. */
#define MAPCACHE_BUCKETS 64

struct worker {
    const struct pvr_config *cfg;
    pvr_port *port;
    pvr_loop *loop;
    pvr_evmux *mux;
    pvr_ioreq_server *srv;
    pvr_tpm *tpm;
    struct pvr_blk_backing store;
    pvr_vbd *vbd;                       /* --nvme vbd:N */
    pvr_nvme *nvme;
    struct pvr_daemon_vsm *vsm;         /* --vsm */
    int parent_fd;
    int sig_fd;
    bool save_volatile;
};

static uint64_t rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    unsigned long kb = 0;

    if ( !f )
        return 0;
    while ( fgets(line, sizeof(line), f) )
        if ( sscanf(line, "VmRSS: %lu kB", &kb) == 1 )
            break;
    fclose(f);
    return kb;
}

static void send_stats(struct worker *w)
{
    struct pvr_msg_stats st;

    memset(&st, 0, sizeof(st));
    pvr_ioreq_server_stats(w->srv, &st.ioreq);
    pvr_tpm_stats(w->tpm, &st.tpm);
    st.worker_rss_kb = rss_kb();
    pvr_msg_send(w->parent_fd, PVR_MSG_STATS, &st);
}

static void parent_msg(void *opaque, uint32_t events)
{
    struct worker *w = opaque;
    uint8_t payload[PVR_MSG_MAX_PAYLOAD];
    enum pvr_msg_type type;
    int rc, n;

    (void)events;
    /* Bounded: a handful of messages per wake-up, the rest next turn. */
    for ( n = 0; n < 16; n++ )
    {
        rc = pvr_msg_recv(w->parent_fd, &type, payload);
        if ( rc == -EAGAIN )
            return;
        if ( rc == -EPIPE )
        {
            pvr_warn(COMP, "parent gone; stopping");
            pvr_loop_stop(w->loop, 1);
            return;
        }
        if ( rc )
        {
            pvr_err(COMP, "bad message from parent");
            continue;
        }
        if ( type == PVR_MSG_STATS_REQ )
            send_stats(w);
        else if ( type == PVR_MSG_STOP )
        {
            struct pvr_msg_stop stop;

            memcpy(&stop, payload, sizeof(stop));
            w->save_volatile = stop.reason == PVR_STOP_REQUESTED;
            pvr_info(COMP, "stop: %s", w->save_volatile ? "requested"
                                                        : "guest gone");
            pvr_loop_stop(w->loop, 0);
        }
    }
}

static void worker_signal(void *opaque, uint32_t events)
{
    struct worker *w = opaque;
    struct signalfd_siginfo si;

    (void)events;
    if ( read(w->sig_fd, &si, sizeof(si)) != sizeof(si) )
        return;
    /* SIGTERM from PR_SET_PDEATHSIG or an operator: stop and save. */
    if ( si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT )
    {
        w->save_volatile = true;
        pvr_loop_stop(w->loop, 0);
    }
}

static int drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if ( !pw )
    {
        pvr_err(COMP, "--runas %s: no such user", user);
        return -ENOENT;
    }
    if ( setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
         setuid(pw->pw_uid) < 0 )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, errno, "dropping to %s", user);
        return -errno;
    }
    pvr_info(COMP, "running as %s (uid %u)", user, (unsigned)pw->pw_uid);
    return 0;
}

/*
 * The state file is replaced by renaming a new one over it, so its
 * directory must stay writable after the worker gives up root.
 */
static int state_dir_writable(const char *state, const char *user)
{
    char *copy = strdup(state);
    int rc = 0;

    if ( !copy )
        return -ENOMEM;
    if ( access(dirname(copy), W_OK | X_OK) < 0 )
    {
        rc = -errno;
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "--runas %s: the TPM state "
                  "directory %s must be writable by that user", user, copy);
    }
    free(copy);
    return rc;
}

/* The NVMe controller on its backing store, served on w->srv. */
static int nvme_setup(struct worker *w)
{
    const struct pvr_config *cfg = w->cfg;
    struct pvr_nvme_config ncfg = {
        .port = w->port, .domid = cfg->domid, .sbdf = cfg->nvme_sbdf,
        .no_shadow_doorbells = cfg->nvme_mmio_doorbells,
    };
    struct pvr_blk_info bi;
    uint32_t devid;
    char err[256];
    int rc;

    rc = pvr_vbd_parse(cfg->nvme, &devid, err, sizeof(err));
    if ( rc == 0 )
    {
        /* dom0's blkback, through our own blkfront. */
        if ( (rc = pvr_vbd_open(cfg, w->loop, devid, &w->vbd)) )
            return rc;
        ncfg.blk = pvr_vbd_dev(w->vbd);
    }
    else if ( rc == -ENOENT &&
              !(rc = pvr_blk_backing_open(cfg->nvme, &w->store, err,
                                          sizeof(err))) )
        ncfg.blk = w->store.dev;
    if ( rc )
    {
        pvr_err(COMP, "--nvme %s", err);
        return rc;
    }
    ncfg.blk->ops->info(ncfg.blk->be, &bi);
    rc = pvr_nvme_create(&ncfg, &w->nvme);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "--nvme %s: creating the "
                  "controller", cfg->nvme);
        return rc;
    }
    rc = pvr_nvme_attach(w->nvme, w->srv);
    if ( rc )
        return rc;
    pvr_info(COMP, "nvme: %02x:%02x.%x, %llu sectors on %s",
             (cfg->nvme_sbdf >> 8) & 0xff, (cfg->nvme_sbdf >> 3) & 0x1f,
             cfg->nvme_sbdf & 7, (unsigned long long)bi.sectors, cfg->nvme);
    return 0;
}

/* Mean phases of the reads or writes, in microseconds. */
static void log_nvme_times(const char *what, const struct pvr_nvme_times *t)
{
    if ( !t->n )
        return;
    pvr_info(COMP, "nvme: %s %llu: mean us prep %llu device %llu finish "
             "%llu", what, (unsigned long long)t->n,
             (unsigned long long)(t->prep_ns / t->n / 1000),
             (unsigned long long)(t->device_ns / t->n / 1000),
             (unsigned long long)(t->finish_ns / t->n / 1000));
}

static void nvme_log_stats(const struct worker *w)
{
    struct pvr_port_mapcache_stats mc;
    struct pvr_nvme_stats st;

    if ( !w->nvme )
        return;
    pvr_nvme_stats(w->nvme, &st);
    pvr_port_mapcache_stats(w->port, &mc);
    pvr_info(COMP, "map cache: hits %llu misses %llu evictions %llu "
             "invalidations %llu", (unsigned long long)mc.hits,
             (unsigned long long)mc.misses,
             (unsigned long long)mc.evictions,
             (unsigned long long)mc.invalidations);
    pvr_info(COMP, "nvme: admin %llu io %llu errors %llu msis %llu "
             "intx %llu fatal %llu resets %llu bar-moves %llu bar0 %#llx "
             "doorbells %llu shadow-doorbells %s remaps %llu",
             (unsigned long long)st.admin_cmds,
             (unsigned long long)st.io_cmds,
             (unsigned long long)st.errors, (unsigned long long)st.msis,
             (unsigned long long)st.intx_raised,
             (unsigned long long)st.fatal, (unsigned long long)st.resets,
             (unsigned long long)st.bar_moves,
             (unsigned long long)pvr_nvme_bar0(w->nvme),
             (unsigned long long)st.doorbells,
             st.dbbuf_configs ? "used" : "unused",
             (unsigned long long)st.remaps);
    log_nvme_times("reads", &st.reads);
    log_nvme_times("writes", &st.writes);
}

static int setup(struct worker *w)
{
    const struct pvr_config *cfg = w->cfg;
    struct pvr_tpm_config tcfg = {
        .state_path = cfg->tpm_state, .resume = cfg->tpm_resume,
    };
    struct pvr_msg_ready ready;
    pvr_dominfo info;
    sigset_t mask;
    int rc;

    rc = pvr_daemon_open_port(cfg, &w->port);
    if ( rc )
        return rc;
    rc = pvr_port_domctl_getinfo(w->port, cfg->domid, &info);
    if ( rc || !info.hvm || info.dying || info.shutdown )
    {
        pvr_err(COMP, "domain %u is not a running HVM guest", cfg->domid);
        return rc ? rc : -EINVAL;
    }
    /* Devices that read guest memory (NVMe's PRPs and data) keep their
     * mappings; Xen's INVALIDATE requests drop them (ioreq/dispatch.c). */
    if ( (rc = pvr_port_mapcache_enable(w->port, MAPCACHE_BUCKETS)) )
        return rc;

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    w->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if ( w->sig_fd < 0 )
        return -errno;
    if ( (rc = pvr_loop_create(&w->loop)) ||
         (rc = pvr_loop_add_fd(w->loop, w->sig_fd, worker_signal, w)) ||
         (rc = pvr_loop_add_fd(w->loop, w->parent_fd, parent_msg, w)) ||
         (rc = pvr_evmux_create(w->loop, w->port, &w->mux)) )
        return rc;

    /* Without a vTPM the server has no ranges yet: later devices' home. */
    if ( cfg->tpm_state && (rc = pvr_tpm_create(w->loop, &tcfg, &w->tpm)) )
        return rc;
    rc = pvr_ioreq_server_create(w->port, w->mux, cfg->domid,
                                 info.max_vcpu_id + 1, PVR_BUFIOREQ_ATOMIC,
                                 &w->srv);
    if ( rc )
        return rc;
    if ( (w->tpm && (rc = pvr_tpm_attach(w->tpm, w->srv))) ||
         (cfg->nvme && (rc = nvme_setup(w))) ||
         (cfg->vsm &&
          (rc = pvr_daemon_vsm_create(w->port, w->srv, cfg,
                                      info.max_vcpu_id + 1, &w->vsm))) )
        return rc;
    rc = pvr_ioreq_server_enable(w->srv);
    if ( rc == -EOPNOTSUPP && cfg->vsm )
        pvr_err(COMP, "--vsm: this Xen has no VSM policy channel (it "
                "refuses the VSM range type): boot the hypervisor "
                "xen-patches/build makes (patches 0011-0017), or drop --vsm");
    if ( rc )
        return rc;

    /* From here on, every handle reaches this guest and nothing else. */
    rc = pvr_port_restrict(w->port, cfg->domid);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "restricting handles");
        return rc;
    }
    if ( cfg->runas && (rc = drop_privileges(cfg->runas)) )
        return rc;
    if ( cfg->runas && cfg->tpm_state &&
         (rc = state_dir_writable(cfg->tpm_state, cfg->runas)) )
        return rc;

    ready.ioreq_server = pvr_ioreq_server_id(w->srv);
    ready.nr_vcpus = info.max_vcpu_id + 1;
    return pvr_msg_send(w->parent_fd, PVR_MSG_READY, &ready);
}

int pvr_worker_main(const struct pvr_config *cfg, int parent_fd)
{
    struct worker w = {
        .cfg = cfg, .parent_fd = parent_fd, .sig_fd = -1,
    };
    int rc, status = 1;

    rc = setup(&w);
    if ( rc == 0 )
    {
        pvr_info(COMP, "serving guest %u", cfg->domid);
        status = pvr_loop_run(w.loop);
    }
    else
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "setup failed");

    /* Teardown in reverse; every step accepts what setup left NULL. */
    nvme_log_stats(&w);
    pvr_ioreq_server_destroy(w.srv);
    /* No request reaches the engine now (vtl/README's order). */
    pvr_daemon_vsm_destroy(w.vsm);
    /* No access can reach the controller now; then its store. */
    pvr_nvme_destroy(w.nvme);
    pvr_vbd_close(w.vbd);
    pvr_blk_backing_close(&w.store);
    pvr_tpm_destroy(w.tpm, rc == 0 && w.save_volatile);
    pvr_evmux_destroy(w.mux);
    pvr_loop_destroy(w.loop);
    if ( w.sig_fd >= 0 )
        close(w.sig_fd);
    pvr_port_close(w.port);
    close(parent_fd);
    return rc == 0 ? status : 1;
}
