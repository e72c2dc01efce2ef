/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parent: publishes readiness, watches for the guest's death, serves
 * the control socket, and cleans up whatever the worker leaves behind.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/loop.h"
#include "core/msg.h"
#include "ioreq/ioreq.h"
#include "port/port.h"

#define COMP "parent"
#define MAX_CLIENTS 8
#define STOP_TIMEOUT_S 10
#define GUEST_POLL_S 3
#define WATCH_TOKEN "pvdomaind-release"

struct parent;

struct client {
    struct parent *pa;
    int fd;                         /* -1: free */
    bool waiting;                   /* wants a STATUS reply */
};

struct parent {
    const struct pvr_config *cfg;
    pvr_port *port;
    pvr_loop *loop;
    pid_t worker;
    int worker_fd;
    int sig_fd;
    int xs_fd;
    int listen_fd;
    int timer_fd;
    int poll_fd;                    /* paravisor domain: guest polling */
    struct client client[MAX_CLIENTS];
    bool ready;
    bool stopping;
    bool watching;
    bool published;
    uint32_t ioreq_server;
    uint32_t nr_vcpus;
    struct timespec start;
    char xs_dir[64];
    char guest_dir[40];             /* /local/domain/<guest> */
    const char *watch_path;         /* what tells us the guest died */
    const char *step;               /* setup's current step, for errors */
};

/* ---- readiness in xenstore ---- */

/* What the paravisor domain's kernel and processes use, in KiB. */
static long mem_used_kb(void)
{
    long total = -1, avail = -1, v;
    char line[128];
    FILE *f = fopen("/proc/meminfo", "re");

    if ( !f )
        return -1;
    /* Bounded: /proc/meminfo has about fifty lines. */
    while ( fgets(line, sizeof(line), f) )
    {
        if ( sscanf(line, "MemTotal: %ld kB", &v) == 1 )
            total = v;
        else if ( sscanf(line, "MemAvailable: %ld kB", &v) == 1 )
            avail = v;
    }
    fclose(f);
    return total >= 0 && avail >= 0 ? total - avail : -1;
}

static int write_node(struct parent *pa, const char *name, const char *val)
{
    char path[96];

    snprintf(path, sizeof(path), "%s/%s", pa->xs_dir, name);
    return pvr_port_xs_write_str(pa->port, path, val);
}

static void publish(struct parent *pa)
{
    char val[24];
    long kb;
    int rc;

    snprintf(val, sizeof(val), "%d", (int)getpid());
    rc = write_node(pa, "pid", val);
    if ( rc == 0 && pa->cfg->xs_config && (kb = mem_used_kb()) >= 0 )
    {
        snprintf(val, sizeof(val), "%ld", kb);
        rc = write_node(pa, "mem-used-kb", val);
    }
    if ( rc == 0 )
        rc = write_node(pa, "state", "ready");
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "publishing readiness");
    else
    {
        pa->published = true;
        pvr_info(COMP, "ready: %s/state = ready", pa->xs_dir);
    }
}

/* In a paravisor domain, the toolstack shows why we did not start. */
static void publish_error(struct parent *pa, const char *what, int rc)
{
    char msg[160];

    if ( !pa->cfg->xs_config || pa->published || !pa->port )
        return;
    snprintf(msg, sizeof(msg), "%s: %s", what,
             rc > 0 ? "see the paravisor's console" : strerror(-rc));
    pvr_config_publish_error(pa->port, pa->xs_dir, msg);
}

/* Take back what publish() wrote. */
static void unpublish(struct parent *pa)
{
    static const char *const nodes[] = { "state", "pid", "mem-used-kb" };
    char path[96];
    unsigned int i;

    if ( !pa->cfg->xs_config )
    {
        pvr_port_xs_rm(pa->port, pa->xs_dir);   /* all ours */
        return;
    }
    /* The directory and its configuration belong to the toolstack. */
    for ( i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++ )
    {
        snprintf(path, sizeof(path), "%s/%s", pa->xs_dir, nodes[i]);
        pvr_port_xs_rm(pa->port, path);
    }
}

/* ---- stopping ---- */

static void begin_stop(struct parent *pa, enum pvr_stop_reason why)
{
    struct pvr_msg_stop stop = { .reason = why };
    struct itimerspec its = { .it_value.tv_sec = STOP_TIMEOUT_S };

    if ( pa->stopping )
        return;
    pa->stopping = true;
    pvr_info(COMP, "stopping (%s)", why == PVR_STOP_GUEST_GONE
                                    ? "guest gone" : "requested");
    if ( pvr_msg_send(pa->worker_fd, PVR_MSG_STOP, &stop) )
        kill(pa->worker, SIGTERM);
    timerfd_settime(pa->timer_fd, 0, &its, NULL);
}

static void stop_timeout(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    uint64_t v;

    (void)events;
    if ( read(pa->timer_fd, &v, sizeof(v)) < 0 )
        return;
    pvr_err(COMP, "worker did not stop in %d s; killing it", STOP_TIMEOUT_S);
    kill(pa->worker, SIGKILL);
}

/* ---- the guest's death ---- */

static void guest_check(struct parent *pa)
{
    pvr_dominfo info;
    int rc = pvr_port_domctl_getinfo(pa->port, pa->cfg->domid, &info);

    if ( rc == -ESRCH || (rc == 0 && (info.dying || info.shutdown)) )
        begin_stop(pa, PVR_STOP_GUEST_GONE);
    else if ( rc )
        pvr_log_e(PVR_LOG_WARN, COMP, -rc, "domain info");
}

/* In a paravisor domain, xenstore may not tell us: ask Xen now and then. */
static void guest_poll(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    uint64_t v;

    (void)events;
    if ( read(pa->poll_fd, &v, sizeof(v)) > 0 && !pa->stopping )
        guest_check(pa);
}

static void xs_event(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    char *path, *token;
    unsigned int n;

    (void)events;
    /* Drain until EAGAIN, bounded per wake-up. */
    for ( n = 0; n < 64; n++ )
    {
        if ( pvr_port_xs_read_watch(pa->port, &path, &token) )
            break;
        if ( !strcmp(token, WATCH_TOKEN) )
            guest_check(pa);
        free(path);
        free(token);
    }
}

/* ---- worker messages ---- */

static void reply_status(struct parent *pa, const struct pvr_msg_stats *st)
{
    struct pvr_msg_status s;
    struct timespec now;
    unsigned int i;

    memset(&s, 0, sizeof(s));
    clock_gettime(CLOCK_MONOTONIC, &now);
    s.domid = pa->cfg->domid;
    s.ready = pa->ready;
    s.parent_pid = getpid();
    s.worker_pid = pa->worker;
    s.uptime_ms = (now.tv_sec - pa->start.tv_sec) * 1000 +
                  (now.tv_nsec - pa->start.tv_nsec) / 1000000;
    snprintf(s.backend, sizeof(s.backend), "%s", pa->cfg->backend);
    if ( st )
        s.stats = *st;
    for ( i = 0; i < MAX_CLIENTS; i++ )
    {
        struct client *c = &pa->client[i];

        if ( c->fd < 0 || !c->waiting )
            continue;
        c->waiting = false;
        pvr_msg_send(c->fd, PVR_MSG_STATUS, &s);
    }
}

static void worker_msg(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    uint8_t payload[PVR_MSG_MAX_PAYLOAD];
    enum pvr_msg_type type;
    int rc, n;

    for ( n = 0; n < 16; n++ )
    {
        rc = pvr_msg_recv(pa->worker_fd, &type, payload);
        if ( rc == -EAGAIN )
            return;
        if ( rc == -EPIPE || (events & EPOLLHUP) )
        {
            /* The worker is exiting; SIGCHLD tells us how. */
            pvr_loop_del_fd(pa->loop, pa->worker_fd);
            return;
        }
        if ( rc )
        {
            pvr_err(COMP, "bad message from worker");
            continue;
        }
        if ( type == PVR_MSG_READY )
        {
            struct pvr_msg_ready r;

            memcpy(&r, payload, sizeof(r));
            pa->ready = true;
            pa->ioreq_server = r.ioreq_server;
            pa->nr_vcpus = r.nr_vcpus;
            publish(pa);
        }
        else if ( type == PVR_MSG_STATS )
        {
            struct pvr_msg_stats st;

            memcpy(&st, payload, sizeof(st));
            reply_status(pa, &st);
        }
    }
}

/* ---- the control socket ---- */

static void client_close(struct client *c)
{
    pvr_loop_del_fd(c->pa->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    c->waiting = false;
}

static void client_msg(void *opaque, uint32_t events)
{
    struct client *c = opaque;
    struct parent *pa = c->pa;
    uint8_t payload[PVR_MSG_MAX_PAYLOAD];
    enum pvr_msg_type type;
    int rc = pvr_msg_recv(c->fd, &type, payload);

    (void)events;
    if ( rc == -EAGAIN )
        return;
    if ( rc )
    {
        client_close(c);
        return;
    }
    if ( type == PVR_MSG_STATUS_REQ )
    {
        c->waiting = true;
        if ( !pa->ready || pa->stopping ||
             pvr_msg_send(pa->worker_fd, PVR_MSG_STATS_REQ, NULL) )
            reply_status(pa, NULL);
    }
    else if ( type == PVR_MSG_STOP )
    {
        begin_stop(pa, PVR_STOP_REQUESTED);
        client_close(c);
    }
    else
        client_close(c);
}

static void client_accept(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    unsigned int i;
    int fd;

    (void)events;
    fd = accept4(pa->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if ( fd < 0 )
        return;
    for ( i = 0; i < MAX_CLIENTS; i++ )
    {
        struct client *c = &pa->client[i];

        if ( c->fd >= 0 )
            continue;
        c->fd = fd;
        if ( pvr_loop_add_fd(pa->loop, fd, client_msg, c) == 0 )
            return;
        c->fd = -1;
        break;
    }
    close(fd);      /* too many clients */
}

static int listen_control(struct parent *pa)
{
    const char *path = pa->cfg->control_path;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char dir[sizeof(sa.sun_path)], *slash;
    int fd;

    if ( strlen(path) >= sizeof(sa.sun_path) )
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if ( slash && slash != dir )
    {
        char *p = dir;

        *slash = '\0';
        /* mkdir -p: a paravisor domain's initramfs may have no /run. */
        while ( (p = strchr(p + 1, '/')) )
        {
            *p = '\0';
            if ( mkdir(dir, 0755) < 0 && errno != EEXIST )
                return -errno;
            *p = '/';
        }
        if ( mkdir(dir, 0700) < 0 && errno != EEXIST )
            return -errno;
    }
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if ( fd < 0 )
        return -errno;
    unlink(path);   /* a socket left by a killed instance */
    if ( bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
         chmod(path, 0600) < 0 || listen(fd, 4) < 0 )
    {
        int rc = -errno;

        close(fd);
        return rc;
    }
    pa->listen_fd = fd;
    return pvr_loop_add_fd(pa->loop, fd, client_accept, pa);
}

/* ---- signals, and the worker's end ---- */

static void worker_exited(struct parent *pa, int wstatus)
{
    int status = 1;

    if ( WIFEXITED(wstatus) )
        status = WEXITSTATUS(wstatus);
    else
        pvr_err(COMP, "worker killed by signal %d", WTERMSIG(wstatus));
    if ( !pa->stopping && status == 0 )
        status = 1;         /* it may only leave when told to */
    if ( !pa->ready )
        publish_error(pa, "the device worker failed during setup", status);
    /*
     * A worker that died without tearing down leaves its IOREQ server in
     * Xen, perhaps with a vCPU waiting on it: answer and remove it.
     */
    if ( pa->ready && status != 0 )
    {
        int rc = pvr_ioreq_server_abandon(pa->port, pa->cfg->domid,
                                          pa->ioreq_server, pa->nr_vcpus);

        pvr_info(COMP, "removing the worker's IOREQ server %u: %s",
                 pa->ioreq_server, rc ? strerror(-rc) : "done");
    }
    pvr_loop_stop(pa->loop, status);
}

static void parent_signal(void *opaque, uint32_t events)
{
    struct parent *pa = opaque;
    struct signalfd_siginfo si;
    int wstatus;

    (void)events;
    if ( read(pa->sig_fd, &si, sizeof(si)) != sizeof(si) )
        return;
    switch ( si.ssi_signo )
    {
    case SIGTERM:
    case SIGINT:
    case SIGHUP:
        begin_stop(pa, PVR_STOP_REQUESTED);
        break;
    case SIGCHLD:
        if ( waitpid(pa->worker, &wstatus, WNOHANG) == pa->worker )
            worker_exited(pa, wstatus);
        break;
    }
}

static int setup(struct parent *pa)
{
    pvr_dominfo info;
    sigset_t mask;
    int rc;

    snprintf(pa->xs_dir, sizeof(pa->xs_dir), "%s", pa->cfg->xs_dir);
    snprintf(pa->guest_dir, sizeof(pa->guest_dir), "/local/domain/%u",
             pa->cfg->domid);
    pa->watch_path = "@releaseDomain";
    clock_gettime(CLOCK_MONOTONIC, &pa->start);
    pa->step = "opening the hypervisor interfaces";
    rc = pvr_daemon_open_port(pa->cfg, &pa->port);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "opening the %s backend",
                  pa->cfg->backend);
        return rc;
    }
    pa->step = "the guest's domain info";
    rc = pvr_port_domctl_getinfo(pa->port, pa->cfg->domid, &info);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "domain %u: domain info",
                  pa->cfg->domid);
        return rc;
    }
    pa->step = "the event loop";
    if ( (rc = pvr_loop_create(&pa->loop)) )
        return rc;

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    pa->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    pa->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC |
                                  TFD_NONBLOCK);
    if ( pa->sig_fd < 0 || pa->timer_fd < 0 )
        return -errno;
    if ( (rc = pvr_loop_add_fd(pa->loop, pa->sig_fd, parent_signal, pa)) ||
         (rc = pvr_loop_add_fd(pa->loop, pa->timer_fd, stop_timeout, pa)) ||
         (rc = pvr_loop_add_fd(pa->loop, pa->worker_fd, worker_msg, pa)) )
        return rc;

    pa->step = "a xenstore watch for the guest's death";
    /*
     * xenstored fires @releaseDomain only for domains allowed to read
     * it, dom0 by default: a paravisor domain may register the watch and
     * never hear from it.  There, watch the guest's own directory, which
     * the toolstack removes when it destroys the guest and which our
     * target privilege lets us read.
     */
    if ( pa->cfg->xs_config )
    {
        struct itimerspec its = {
            .it_value.tv_sec = GUEST_POLL_S,
            .it_interval.tv_sec = GUEST_POLL_S,
        };

        pa->watch_path = pa->guest_dir;
        /*
         * Whether the watch fires for a domain that is gone depends on
         * xenstored's view of our target privilege (oxenstored and C
         * xenstored differ): poll Xen as well, one getdomaininfo a few
         * seconds.  The toolstack destroys us with the guest anyway.
         */
        pa->poll_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC |
                                     TFD_NONBLOCK);
        if ( pa->poll_fd < 0 ||
             timerfd_settime(pa->poll_fd, 0, &its, NULL) < 0 )
            return -errno;
        if ( (rc = pvr_loop_add_fd(pa->loop, pa->poll_fd, guest_poll, pa)) )
            return rc;
    }
    rc = pvr_port_xs_watch(pa->port, pa->watch_path, WATCH_TOKEN);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "watching %s", pa->watch_path);
        return rc;
    }
    pa->watching = true;
    pa->xs_fd = pvr_port_xs_fd(pa->port);
    if ( pa->xs_fd < 0 )
        return pa->xs_fd;
    if ( (rc = pvr_loop_add_fd(pa->loop, pa->xs_fd, xs_event, pa)) )
        return rc;
    pa->step = "the control socket";
    rc = listen_control(pa);
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "control socket %s",
                  pa->cfg->control_path);
    return rc;
}

int pvr_parent_main(const struct pvr_config *cfg, int worker_fd,
                    pid_t worker)
{
    struct parent pa = {
        .cfg = cfg, .worker = worker, .worker_fd = worker_fd,
        .sig_fd = -1, .xs_fd = -1, .listen_fd = -1, .timer_fd = -1,
        .poll_fd = -1,
    };
    unsigned int i;
    int rc, status;

    for ( i = 0; i < MAX_CLIENTS; i++ )
        pa.client[i] = (struct client){ .pa = &pa, .fd = -1 };

    rc = setup(&pa);
    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "setup failed");
        publish_error(&pa, pa.step ? pa.step : "setup", rc);
        kill(worker, SIGTERM);
        waitpid(worker, NULL, 0);
        status = 1;
    }
    else
        status = pvr_loop_run(pa.loop);

    for ( i = 0; i < MAX_CLIENTS; i++ )
        if ( pa.client[i].fd >= 0 )
            client_close(&pa.client[i]);
    if ( pa.listen_fd >= 0 )
    {
        close(pa.listen_fd);
        unlink(cfg->control_path);
    }
    if ( pa.published )
        unpublish(&pa);
    if ( pa.watching )
        pvr_port_xs_unwatch(pa.port, pa.watch_path, WATCH_TOKEN);
    if ( pa.sig_fd >= 0 )
        close(pa.sig_fd);
    if ( pa.timer_fd >= 0 )
        close(pa.timer_fd);
    if ( pa.poll_fd >= 0 )
        close(pa.poll_fd);
    pvr_loop_destroy(pa.loop);
    pvr_port_close(pa.port);
    close(worker_fd);
    pvr_info(COMP, "exit %d", status);
    return status;
}
