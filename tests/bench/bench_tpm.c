/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPM command round trips, in one run: the same command mix through
 * pvdomaind's stack and through Debian's swtpm (the same libtpms).
 *
 * pvdomaind: a guest thread drives the TIS byte by byte, as Linux's
 * tpm_tis does, through sim IOREQ slots; the main thread runs the event
 * loop; libtpms runs on the engine thread.  So each command pays one
 * ioreq round trip per register access, as it would on Xen, with the
 * hypervisor's exit cost replaced by the sim's thread hand-off.
 * swtpm: the command bytes over its unix socket, as QEMU's emulator
 * backend sends them.  Prints p50/p99 per command and the ratio of the
 * means; skips (77) when swtpm is not installed.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "services/tpm/tpm.h"
#include "tests/common/simstack.h"
#include "tests/common/tisdrv.h"

#define NV_INDEX 0x01500016
#define KINDS 4

static const char *const kind_name[KINDS] = {
    "GetRandom(32)", "PCR_Read(16)", "PCR_Extend(16)", "NV_Read(32)",
};

/* A transport: send cmd, get the response; 0 on success. */
typedef int xfer_fn(void *ctx, const uint8_t *cmd, size_t len,
                    uint8_t *rsp, size_t *rsp_len);

struct result {
    double *lat[KINDS];
    unsigned int n;
};

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static size_t build(unsigned int kind, uint8_t *cmd)
{
    static const uint8_t digest[32] = { 1, 2, 3 };

    switch ( kind )
    {
    case 0: return tpm2_cmd_getrandom(cmd, 32);
    case 1: return tpm2_cmd_pcr_read(cmd, 16);
    case 2: return tpm2_cmd_pcr_extend(cmd, 16, digest);
    default: return tpm2_cmd_nv_read(cmd, NV_INDEX, 32);
    }
}

/* Provision (untimed), then time the mix. */
static int run_mix(xfer_fn *xfer, void *ctx, bool startup,
                   struct result *res)
{
    uint8_t cmd[256], rsp[512], pattern[32] = { 7 };
    size_t len;
    unsigned int i, k;

    if ( startup )
    {
        len = sizeof(rsp);
        if ( xfer(ctx, cmd, tpm2_cmd_startup(cmd, TPM2_SU_CLEAR), rsp, &len) )
            return -1;
    }
    len = sizeof(rsp);
    if ( xfer(ctx, cmd, tpm2_cmd_nv_define(cmd, NV_INDEX, 32), rsp, &len) )
        return -1;
    len = sizeof(rsp);
    if ( xfer(ctx, cmd, tpm2_cmd_nv_write(cmd, NV_INDEX, pattern, 32), rsp,
              &len) || tisdrv_rc(rsp, len) )
        return -1;

    for ( i = 0; i < res->n; i++ )
        for ( k = 0; k < KINDS; k++ )
        {
            double t0;

            len = build(k, cmd);
            t0 = now_us();
            if ( xfer(ctx, cmd, len, rsp, &(size_t){ sizeof(rsp) }) )
                return -1;
            res->lat[k][i] = now_us() - t0;
        }
    return 0;
}

/* ---- pvdomaind over the sim ---- */

struct pvr_side {
    struct simstack st;
    pvr_tpm *tpm;
    struct tisdrv drv;
    struct result *res;
    int done_fd;
    int rc;
    unsigned long accesses;
};

/* Count register accesses: each is one ioreq round trip (one exit). */
static int count_read(void *opaque, uint64_t off, unsigned int size,
                      uint64_t *val)
{
    struct pvr_side *p = opaque;

    p->accesses++;
    return simstack_tis_read(&p->st, off, size, val);
}

static int count_write(void *opaque, uint64_t off, unsigned int size,
                       uint64_t val)
{
    struct pvr_side *p = opaque;

    p->accesses++;
    return simstack_tis_write(&p->st, off, size, val);
}

static void inline_wait(void *opaque)
{
    struct pvr_side *p = opaque;

    pvr_loop_run_once(p->st.loop, 1);
}

static int pvr_xfer(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp,
                    size_t *rsp_len)
{
    struct pvr_side *p = ctx;

    return tisdrv_transmit(&p->drv, cmd, len, rsp, rsp_len);
}

static void *guest_thread(void *arg)
{
    struct pvr_side *p = arg;
    uint64_t one = 1;

    p->rc = tisdrv_request(&p->drv);
    if ( p->rc == 0 )
        p->rc = run_mix(pvr_xfer, p, true, p->res);
    if ( write(p->done_fd, &one, sizeof(one)) < 0 )
        p->rc = -errno;
    return NULL;
}

static void guest_done(void *opaque, uint32_t events)
{
    (void)events;
    pvr_loop_stop(opaque, 0);
}

/*
 * threaded: a guest thread and the loop thread, a hand-off per access
 * (as a vCPU exit and the device model's wake-up are).  Otherwise
 * inline: one thread, the guest side runs the loop itself, so the time
 * is pvdomaind's own work.  *per_cmd_out: register accesses per command.
 */
static int bench_pvr(const char *dir, bool threaded, struct result *res,
                     double *per_cmd_out)
{
    struct pvr_side p = { .res = res };
    struct pvr_tpm_config cfg;
    char path[256];
    pthread_t th;
    unsigned long before;

    snprintf(path, sizeof(path), "%s/pvr-%d.state", dir, threaded);
    cfg = (struct pvr_tpm_config){ .state_path = path };
    p.done_fd = eventfd(0, EFD_CLOEXEC);
    if ( simstack_open(&p.st, 0, PVR_BUFIOREQ_OFF, !threaded) ||
         pvr_tpm_create(p.st.loop, &cfg, &p.tpm) ||
         simstack_server(&p.st, 1, PVR_BUFIOREQ_ATOMIC) ||
         pvr_tpm_attach(p.tpm, p.st.srv) ||
         pvr_ioreq_server_enable(p.st.srv) ||
         pvr_loop_add_fd(p.st.loop, p.done_fd, guest_done, p.st.loop) )
        return -1;
    p.drv = (struct tisdrv){
        .read = count_read, .write = count_write, .opaque = &p,
        .wait = threaded ? NULL : inline_wait, .max_polls = 10000000,
    };
    if ( threaded )
    {
        if ( pthread_create(&th, NULL, guest_thread, &p) )
            return -1;
        pvr_loop_run(p.st.loop);
        pthread_join(th, NULL);
    }
    else
        guest_thread(&p);
    before = p.accesses;
    pvr_ioreq_server_destroy(p.st.srv);
    p.st.srv = NULL;
    pvr_tpm_destroy(p.tpm, false);
    simstack_close(&p.st);
    close(p.done_fd);
    /* Provisioning was 3 commands; the mix is n * KINDS. */
    *per_cmd_out = (double)before / (res->n * KINDS + 3);
    unlink(path);
    return p.rc;
}

/* ---- swtpm ---- */

static int read_full(int fd, uint8_t *buf, size_t len)
{
    while ( len > 0 )
    {
        ssize_t r = read(fd, buf, len);

        if ( r <= 0 )
            return -1;
        buf += r;
        len -= r;
    }
    return 0;
}

static int sw_xfer(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp,
                   size_t *rsp_len)
{
    int fd = *(int *)ctx;
    size_t size;

    if ( write(fd, cmd, len) != (ssize_t)len || read_full(fd, rsp, 10) )
        return -1;
    size = ((size_t)rsp[2] << 24) | ((size_t)rsp[3] << 16) |
           ((size_t)rsp[4] << 8) | rsp[5];
    if ( size < 10 || size > *rsp_len || read_full(fd, rsp + 10, size - 10) )
        return -1;
    *rsp_len = size;
    return 0;
}

static int bench_swtpm(const char *dir, struct result *res, int *skip)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char srv[200], ctrl[200], state[200];
    int fd = -1, rc = -1, tries;
    pid_t pid;

    snprintf(srv, sizeof(srv), "%s/swtpm.sock", dir);
    /* swtpm keeps its state in dir: tpm2-00.permall, removed below. */
    snprintf(ctrl, sizeof(ctrl), "%s/swtpm.ctrl", dir);
    snprintf(state, sizeof(state), "dir=%s", dir);
    if ( access("/usr/bin/swtpm", X_OK) )
    {
        *skip = 1;
        return -1;
    }
    pid = fork();
    if ( pid == 0 )
    {
        char srvarg[256], ctlarg[256];

        snprintf(srvarg, sizeof(srvarg), "type=unixio,path=%s", srv);
        snprintf(ctlarg, sizeof(ctlarg), "type=unixio,path=%s", ctrl);
        execl("/usr/bin/swtpm", "swtpm", "socket", "--tpm2", "--tpmstate",
              state, "--server", srvarg, "--ctrl", ctlarg, "--flags",
              "not-need-init,startup-clear", (char *)NULL);
        _exit(127);
    }
    strcpy(sa.sun_path, srv);
    for ( tries = 0; tries < 100 && fd < 0; tries++ )
    {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if ( connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 )
        {
            close(fd);
            fd = -1;
            usleep(50000);
        }
    }
    if ( fd >= 0 )
        rc = run_mix(sw_xfer, &fd, false, res);
    if ( fd >= 0 )
        close(fd);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(state, sizeof(state), "%s/tpm2-00.permall", dir);
    unlink(state);
    unlink(srv);
    unlink(ctrl);
    return rc;
}

/* ---- figures ---- */

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double stats(struct result *r, unsigned int k, double *p50,
                    double *p99)
{
    double sum = 0;
    unsigned int i;

    qsort(r->lat[k], r->n, sizeof(double), cmp);
    for ( i = 0; i < r->n; i++ )
        sum += r->lat[k][i];
    *p50 = r->lat[k][r->n / 2];
    *p99 = r->lat[k][(r->n * 99) / 100];
    return sum / r->n;
}

static double report(const char *name, struct result *r)
{
    double mean = 0, p50, p99;
    unsigned int k;

    for ( k = 0; k < KINDS; k++ )
    {
        mean += stats(r, k, &p50, &p99);
        printf("bench tpm %-9s %-16s p50 %8.1f us  p99 %8.1f us\n", name,
               kind_name[k], p50, p99);
    }
    return mean / KINDS;
}

int main(int argc, char **argv)
{
    unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100, k;
    char dir[] = "/tmp/pvr-bench-tpm-XXXXXX";
    struct result inl = { .n = n }, thr = { .n = n }, sw = { .n = n };
    double m_inl, m_thr, m_sw, acc_inl, acc_thr;
    int skip = 0;

    pvr_log_open(1, PVR_LOG_ERROR, 2);
    if ( !mkdtemp(dir) || n < 2 )
        return 99;
    for ( k = 0; k < KINDS; k++ )
    {
        inl.lat[k] = calloc(n, sizeof(double));
        thr.lat[k] = calloc(n, sizeof(double));
        sw.lat[k] = calloc(n, sizeof(double));
    }
    if ( bench_pvr(dir, false, &inl, &acc_inl) ||
         bench_pvr(dir, true, &thr, &acc_thr) )
    {
        fprintf(stderr, "bench tpm: pvdomaind path failed\n");
        return 1;
    }
    if ( bench_swtpm(dir, &sw, &skip) )
    {
        fprintf(stderr, "bench tpm: %s\n", skip ? "skip: no swtpm"
                                                 : "swtpm path failed");
        return skip ? 77 : 1;
    }
    printf("bench tpm: %u iterations of the mix\n", n);
    m_inl = report("inline", &inl);
    m_thr = report("threaded", &thr);
    m_sw = report("swtpm", &sw);
    printf("bench tpm register accesses per command: %.1f (TIS, byte "
           "FIFO as Linux's tpm_tis)\n", (acc_inl + acc_thr) / 2);
    printf("bench tpm mean per command: pvdomaind inline %.1f us "
           "(%.2f us per access), threaded %.1f us (%.2f us per access), "
           "swtpm socket %.1f us\n", m_inl, m_inl / acc_inl, m_thr,
           m_thr / acc_thr, m_sw);
    printf("bench tpm ratio pvdomaind/swtpm: inline %.2f, threaded %.2f "
           "(the TIS's per-byte exits are the difference; on Xen the "
           "comparison is against QEMU's tpm-tis + swtpm, job tpm-bench)\n",
           m_inl / m_sw, m_thr / m_sw);
    rmdir(dir);
    return 0;
}
