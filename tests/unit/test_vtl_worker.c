/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind's worker with --vsm (core/worker.c, core/vsm.c) on the sim,
 * run whole in a thread of this test, which plays the parent over the
 * message socket and the guest and Xen through the sim.
 *
 * Proves: the worker makes the VTL engine before enabling its server,
 * so the server claims the VSM channel; a VSM request posted as Xen
 * posts it reaches the engine through the IOREQ path and is answered
 * (GetVpRegisters' value lands in guest memory; EnablePartitionVtl's
 * views are made although the worker restricted its port, since
 * --vsm keeps the altp2m table, and access_required is set); each
 * answer is one log line in the responder's form, and the summary
 * counts them; on stop the server goes first and then the engine takes
 * its views away.  A Xen without the VSM range type (the sim told so)
 * fails the worker with a message naming --vsm and xen-patches.  The
 * port: restriction takes altp2m away unless kept, and keeping it after
 * restricting is refused.
 * Cannot prove: anything about Xen (tests/host/jobs/vsm-xtf.sh does).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/msg.h"
#include "port/sim/sim.h"
#include "tests/common/check.h"
#include "vtl/channel.h"

#define DOMID       9
#define IN_GPA      0x10000ULL
#define OUT_GPA     0x11000ULL

/* What the worker's port is, for the test to act as guest and Xen. */
static pvr_sim *sim;
static bool sim_patched = true;

/* pvdomaind's main.c opens the worker's port; here, a sim we keep. */
int pvr_daemon_open_port(const struct pvr_config *cfg, pvr_port **out)
{
    int rc = pvr_port_open("sim", out);

    if ( rc )
        return rc;
    sim = pvr_sim_from_port(*out);
    REQUIRE(pvr_sim_set_domain(sim, cfg->domid, 2, 1024) == 0);
    pvr_sim_set_vsm(sim, sim_patched);
    return 0;
}

struct run {
    struct pvr_config cfg;
    int sv[2];
    pthread_t thread;
    int status;
};

static void *worker_thread(void *opaque)
{
    struct run *r = opaque;

    r->status = pvr_worker_main(&r->cfg, r->sv[1]);
    return NULL;
}

/* The worker's first message, within 10 s: READY, or -EPIPE if it quit. */
static int wait_ready(struct run *r)
{
    struct pollfd pfd = { .fd = r->sv[0], .events = POLLIN };
    uint8_t payload[PVR_MSG_MAX_PAYLOAD];
    enum pvr_msg_type type;

    if ( poll(&pfd, 1, 10000) != 1 )
        return -ETIMEDOUT;
    if ( pvr_msg_recv(r->sv[0], &type, payload) )
        return -EPIPE;
    return type == PVR_MSG_READY ? 0 : -EPROTO;
}

static void start(struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->cfg.domid = DOMID;
    r->cfg.backend = "sim";
    r->cfg.vsm = true;
    r->cfg.vsm_reps = 2;
    r->cfg.log_level = PVR_LOG_INFO;
    sim = NULL;
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
                       r->sv) == 0);
    REQUIRE(pthread_create(&r->thread, NULL, worker_thread, r) == 0);
}

static int finish(struct run *r)
{
    struct pvr_msg_stop stop = { .reason = PVR_STOP_REQUESTED };

    pvr_msg_send(r->sv[0], PVR_MSG_STOP, &stop);
    pthread_join(r->thread, NULL);
    close(r->sv[0]);
    return r->status;
}

static uint8_t *gmem(uint64_t gpa)
{
    uint8_t *page = pvr_sim_guest_page(sim, gpa >> 12);

    REQUIRE(page);
    return page + (gpa & 0xfff);
}

/* A kind 0 request from VP 0 in VTL0, as Xen posts it; its answer. */
static uint64_t hcall(uint16_t code, unsigned int reps, uint64_t in,
                      uint64_t out)
{
    uint64_t data = out;

    REQUIRE(pvr_sim_vsm(sim, 0, pvr_vsm_addr(PVR_VSM_KIND_HYPERCALL, in),
                        &data, pvr_vsm_hcall_count(code, reps, 0),
                        pvr_vsm_hcall_size(0, false, false)) == 0);
    return data;
}

/* The log so far (the worker writes it through pvr_log, into fd). */
static bool log_has(int fd, const char *want)
{
    static char buf[65536];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if ( n < 0 )
        return false;
    buf[n] = '\0';
    if ( !strstr(buf, want) )
    {
        fprintf(stderr, "log lacks: %s\n", want);
        return false;
    }
    return true;
}

static void test_serves(int logfd)
{
    struct pvr_sim_counts c;
    struct run r;
    uint64_t a, val;
    uint32_t name = HV_REG_VSM_PARTITION_STATUS;

    start(&r);
    REQUIRE(wait_ready(&r) == 0);
    REQUIRE(sim);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.ioreq_servers, 1);

    /* GetVpRegisters(VsmPartitionStatus): the value in guest memory. */
    memset(gmem(IN_GPA), 0, 32);
    memcpy(gmem(IN_GPA), &(uint64_t){ HV_PARTITION_ID_SELF }, 8);
    memcpy(gmem(IN_GPA + 16), &name, 4);
    a = hcall(HVCALL_GET_VP_REGISTERS, 1, IN_GPA, OUT_GPA);
    CHECK_EQ(pvr_vsm_answer_status(a), HV_STATUS_SUCCESS);
    CHECK_EQ(pvr_vsm_answer_reps(a), 1);
    memcpy(&val, gmem(OUT_GPA), 8);
    CHECK_EQ(val, 0x10001);             /* VTL0 enabled, maximum VTL 1 */

    /* EnablePartitionVtl(1): views made after restriction. */
    memset(gmem(IN_GPA), 0, 16);
    memcpy(gmem(IN_GPA), &(uint64_t){ HV_PARTITION_ID_SELF }, 8);
    gmem(IN_GPA)[8] = 1;
    a = hcall(HVCALL_ENABLE_PARTITION_VTL, 0, IN_GPA, 0);
    CHECK_EQ(pvr_vsm_answer_status(a), HV_STATUS_SUCCESS);
    CHECK((a >> 48) != 0);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.altp2m_views, 2);
    CHECK(pvr_sim_access_required(sim));

    /* An unknown call: its status, and one more line. */
    a = hcall(0x0099, 0, IN_GPA, 0);
    CHECK_EQ(pvr_vsm_answer_status(a), HV_STATUS_INVALID_HYPERCALL_CODE);

    CHECK_EQ(finish(&r), 0);
    CHECK(log_has(logfd, "VTL engine for 2 vCPUs, 2 reps a request"));
    CHECK(log_has(logfd, "VSM events: kinds 0-3"));
    CHECK(log_has(logfd, "d9 vsm: info: vp0: hypercall 0x0050 reps 1 "
                  "start 0 vtl 0 fast 0 32bit 0 in 0x10000 out 0x11000 -> "
                  "status 0x0000 reps 1"));
    CHECK(log_has(logfd, "vp0: hypercall 0x000d reps 0 start 0 vtl 0 "
                  "fast 0 32bit 0 in 0x10000 out 0x0 -> status 0x0000 "
                  "reps 0"));
    CHECK(log_has(logfd, "vp0: hypercall 0x0099 reps 0 start 0 vtl 0 "
                  "fast 0 32bit 0 in 0x10000 out 0x0 -> status 0x0002 "
                  "reps 0"));
    CHECK(log_has(logfd, "summary: 3 hypercalls (1 failed, 0 continued, "
                  "0 GPAs VTL0 may not access)"));
    CHECK(log_has(logfd, "; 0 lines held back"));
}

static void test_unpatched_xen(int logfd)
{
    struct run r;

    sim_patched = false;
    start(&r);
    CHECK(wait_ready(&r) != 0);
    pthread_join(r.thread, NULL);
    close(r.sv[0]);
    CHECK_EQ(r.status, 1);
    CHECK(log_has(logfd, "--vsm: this Xen has no VSM policy channel"));
    CHECK(log_has(logfd, "xen-patches/build"));
    sim_patched = true;
}

/* Restriction takes the altp2m table away, unless it is kept first. */
static void test_port_keep(void)
{
    pvr_port *p, *q;

    REQUIRE(pvr_port_open("sim", &p) == 0);
    REQUIRE(pvr_port_open("sim", &q) == 0);
    REQUIRE(pvr_sim_set_domain(pvr_sim_from_port(p), DOMID, 1, 64) == 0);
    REQUIRE(pvr_sim_set_domain(pvr_sim_from_port(q), DOMID, 1, 64) == 0);
    CHECK_EQ(pvr_port_restrict(p, DOMID), 0);
    CHECK_EQ(pvr_port_altp2m_set_domain_state(p, DOMID, true), -EPERM);
    CHECK_EQ(pvr_port_altp2m_set_access_required(p, DOMID, true), -EPERM);
    CHECK_EQ(pvr_port_keep_altp2m(p), -EINVAL);
    CHECK_EQ(pvr_port_keep_altp2m(q), 0);
    CHECK_EQ(pvr_port_restrict(q, DOMID), 0);
    CHECK_EQ(pvr_port_altp2m_set_domain_state(q, DOMID, true), 0);
    CHECK_EQ(pvr_port_altp2m_set_access_required(q, DOMID, true), 0);
    CHECK(pvr_sim_access_required(pvr_sim_from_port(q)));
    pvr_port_close(p);
    pvr_port_close(q);
}

int main(void)
{
    char path[] = "/tmp/pvr-test-vtl-worker-XXXXXX";
    int logfd = mkstemp(path);

    REQUIRE(logfd >= 0);
    unlink(path);
    pvr_log_open(DOMID, PVR_LOG_INFO, logfd);
    test_port_keep();
    test_serves(logfd);
    test_unpatched_xen(logfd);
    close(logfd);
    return check_result("test_vtl_worker");
}
