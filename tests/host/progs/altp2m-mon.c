/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvr-altp2m-mon: main(), setup, the run loop and teardown.  The theory
 * of operation is in altp2m-mon.h.
 *
 *   pvr-altp2m-mon --domid N [--timeout S] [--idle-timeout S]
 *                  [--log-events N]
 *
 * --timeout bounds the whole run (default 1800 s), --idle-timeout the
 * wait for any event (default 300 s); either one expiring ends the run
 * with status 2 after a full teardown.  --log-events logs the first N
 * events in full (default 64).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "altp2m-mon.h"

#define EXIT_CHECK_FAILED   1
#define EXIT_ERROR          2
#define EXIT_SKIP           77

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void vlog(const struct mon *m, const char *part, int err,
                 const char *fmt, va_list ap)
{
    char msg[512];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    printf("pvr-altp2m-mon: d%u: %s: %s%s%s\n", m->domid, part, msg,
           err ? ": " : "", err ? strerror(err) : "");
    fflush(stdout);
}

void mon_log(const struct mon *m, const char *part, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(m, part, 0, fmt, ap);
    va_end(ap);
}

void mon_log_e(const struct mon *m, const char *part, const char *fmt, ...)
{
    int err = errno ? errno : EIO;
    va_list ap;

    va_start(ap, fmt);
    vlog(m, part, err, fmt, ap);
    va_end(ap);
}

void mon_check(struct mon *m, const char *name, bool ok, const char *fmt,
               ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if ( !ok )
        m->checks_failed++;
    mon_log(m, "check", "%s: %s (%s)", name, ok ? "ok" : "FAIL", msg);
}

void mon_figure(const struct mon *m, const char *name, long value,
                const char *unit)
{
    mon_log(m, "figure", "%s: %ld%s%s", name, value, *unit ? " " : "",
            unit);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens the handles and learns the domain's shape. */
static int open_domain(struct mon *m)
{
    xc_domaininfo_t info;

    m->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR,
                                             XTL_STDIOSTREAM_HIDE_PROGRESS);
    m->xch = xc_interface_open((xentoollog_logger *)m->logger, NULL, 0);
    m->fmem = xenforeignmemory_open((xentoollog_logger *)m->logger, 0);
    if ( !m->logger || !m->xch || !m->fmem )
    {
        mon_log_e(m, "setup", "opening the Xen libraries");
        return -EIO;
    }
    if ( xc_domain_getinfolist(m->xch, m->domid, 1, &info) != 1 ||
         info.domain != m->domid )
    {
        mon_log(m, "setup", "no domain %u", m->domid);
        return -ESRCH;
    }
    if ( !(info.flags & XEN_DOMINF_hvm_guest) )
    {
        mon_log(m, "setup", "domain %u is not an HVM guest", m->domid);
        return -EINVAL;
    }
    if ( info.max_vcpu_id >= MON_MAX_VCPUS )
    {
        mon_log(m, "setup", "%u vCPUs; at most %u are supported",
                info.max_vcpu_id + 1, MON_MAX_VCPUS);
        return -ERANGE;
    }
    m->nr_vcpus = info.max_vcpu_id + 1;
    if ( xc_domain_maximum_gpfn(m->xch, m->domid, &m->max_gpfn) )
    {
        mon_log_e(m, "setup", "xc_domain_maximum_gpfn");
        return -errno;
    }
    mon_log(m, "setup", "HVM guest, %u vCPUs, max gpfn %#lx", m->nr_vcpus,
            (unsigned long)m->max_gpfn);
    return 0;
}

/*
 * Everything up to "ready", with the domain paused.  Returns 0, 1 when
 * Xen has no altp2m for it (skip), or -errno.
 */
static int setup(struct mon *m)
{
    uint16_t view;
    unsigned long used;
    int rc;

    if ( xc_domain_pause(m->xch, m->domid) )
    {
        mon_log_e(m, "setup", "xc_domain_pause");
        return -errno;
    }
    m->paused = true;

    /* Not fatal: the run can go on without the figures. */
    if ( mon_pool_used(m, &m->pool_start) )
    {
        mon_log(m, "setup", "the HAP pool cannot be measured");
        m->pool_start = ULONG_MAX;
    }

    if ( xc_altp2m_set_domain_state(m->xch, m->domid, true) )
    {
        if ( errno == EOPNOTSUPP )
            return 1;
        mon_log_e(m, "setup", "xc_altp2m_set_domain_state(1) (is altp2m "
                  "= \"external\" in the guest's xl.cfg?)");
        return -errno;
    }
    m->altp2m_on = true;

    if ( xc_altp2m_create_view(m->xch, m->domid, XENMEM_access_rwx, &view) )
    {
        mon_log_e(m, "setup", "xc_altp2m_create_view");
        return -errno;
    }
    if ( view < MON_MAX_VIEWS )
        m->view_live[view] = true;
    if ( view != AX_VIEW )
    {
        mon_log(m, "setup", "Xen created view %u, the protocol needs %u",
                view, AX_VIEW);
        return -ERANGE;
    }
    if ( m->pool_start != ULONG_MAX && !mon_pool_used(m, &used) )
    {
        mon_figure(m, "pool-pages-used-at-start", (long)m->pool_start,
                   "pages");
        mon_figure(m, "pool-pages-empty-view", (long)(used - m->pool_start),
                   "pages");
    }

    rc = mon_ring_open(m);
    if ( rc )
        return rc;
    /* From now on a violation with no listener crashes the guest. */
    if ( xc_domain_set_access_required(m->xch, m->domid, 1) )
    {
        mon_log_e(m, "setup", "xc_domain_set_access_required(1)");
        return -errno;
    }
    m->access_required = true;
    if ( xc_monitor_cpuid(m->xch, m->domid, true) )
    {
        mon_log_e(m, "setup", "xc_monitor_cpuid(1)");
        return -errno;
    }
    m->cpuid_on = true;
    return 0;
}

/* Logs a failed teardown call R (a libxenctrl result); true if it worked. */
static bool td_ok(const struct mon *m, int r, const char *what)
{
    if ( r )
        mon_log_e(m, "teardown", "%s", what);
    return !r;
}

/* Undoes what setup and the run switched on; safe at any point. */
static bool teardown(struct mon *m)
{
    bool ok = true;
    unsigned int i;

    if ( !m->xch )
        return true;
    if ( !m->paused )
    {
        m->paused = td_ok(m, xc_domain_pause(m->xch, m->domid), "pause");
        ok &= m->paused;
    }
    if ( m->cpuid_on )
    {
        ok &= td_ok(m, xc_monitor_cpuid(m->xch, m->domid, false),
                    "xc_monitor_cpuid(0)");
        m->cpuid_on = false;
    }
    /* Answer what is still on the ring: nobody else will. */
    if ( m->ring_page && m->local_port >= 0 )
        ok &= mon_ring_process(m, true) >= 0;
    if ( m->altp2m_on )
    {
        ok &= td_ok(m, xc_altp2m_switch_to_view(m->xch, m->domid, 0),
                    "xc_altp2m_switch_to_view(0)");
        for ( i = 1; i < MON_MAX_VIEWS; i++ )
            if ( m->view_live[i] )
            {
                ok &= td_ok(m, xc_altp2m_destroy_view(m->xch, m->domid, i),
                            "xc_altp2m_destroy_view");
                m->view_live[i] = false;
            }
        ok &= td_ok(m, xc_altp2m_set_domain_state(m->xch, m->domid, false),
                    "xc_altp2m_set_domain_state(0)");
        m->altp2m_on = false;
    }
    if ( m->logdirty_on )
    {
        ok &= td_ok(m, xc_shadow_control(m->xch, m->domid,
                                         XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0),
                    "log-dirty off");
        m->logdirty_on = false;
    }
    if ( m->access_required )
    {
        ok &= td_ok(m, xc_domain_set_access_required(m->xch, m->domid, 0),
                    "xc_domain_set_access_required(0)");
        m->access_required = false;
    }
    mon_ring_close(m);
    if ( m->paused )
    {
        ok &= td_ok(m, xc_domain_unpause(m->xch, m->domid), "unpause");
        m->paused = false;
    }
    return ok;
}

static void close_all(struct mon *m)
{
    if ( m->fmem )
        xenforeignmemory_close(m->fmem);
    if ( m->xch )
        xc_interface_close(m->xch);
    if ( m->logger )
        xtl_logger_destroy((xentoollog_logger *)m->logger);
}

/* False once the domain is gone, dying or shut down. */
static bool domain_alive(const struct mon *m)
{
    xc_domaininfo_t info;

    return xc_domain_getinfolist(m->xch, m->domid, 1, &info) == 1 &&
           info.domain == m->domid &&
           !(info.flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown));
}

/* Serves events until DONE, a fatal error, a signal or a timeout. */
static int run(struct mon *m, unsigned int timeout, unsigned int idle)
{
    double start = now_s(), last = start, checked = start, t;
    int r;

    while ( !m->done && !m->fatal && !stop_signal )
    {
        r = mon_ring_wait(m, 200);
        if ( r < 0 )
        {
            errno = -r;
            mon_log_e(m, "run", "waiting for the event channel");
            return r;
        }
        r = mon_ring_process(m, false);
        if ( r < 0 )
            return r;
        t = now_s();
        if ( r > 0 )
            last = t;
        if ( t - checked > 5 )
        {
            checked = t;
            if ( !domain_alive(m) )
            {
                mon_log(m, "run", "the guest shut down or went away before "
                        "DONE");
                return -ESRCH;
            }
        }
        if ( t - last > idle )
        {
            mon_log(m, "run", "no event for %u s", idle);
            return -ETIMEDOUT;
        }
        if ( t - start > timeout )
        {
            mon_log(m, "run", "still running after %u s", timeout);
            return -ETIMEDOUT;
        }
    }
    if ( stop_signal )
    {
        mon_log(m, "run", "stopping on signal %d", (int)stop_signal);
        return -EINTR;
    }
    return m->fatal ? -EPROTO : 0;
}

/*
 * After DONE: let the guest run until it confirms that it has the
 * answer (its registers are applied only when the vCPU runs), then tear
 * down and tell the guest.  False, logged, when the guest never
 * confirms; teardown runs all the same.
 */
static bool finish_after_done(struct mon *m)
{
    uint64_t word = m->gfn[MON_P] * XC_PAGE_SIZE + 4 * AX_BYE_WORD;
    uint32_t val = 0, bye = AX_BYE_MONITOR;
    double start;
    bool ok = false, clean;

    if ( m->paused && xc_domain_unpause(m->xch, m->domid) )
        mon_log_e(m, "done", "xc_domain_unpause");
    else
    {
        m->paused = false;
        for ( start = now_s(); now_s() - start < 60; )
        {
            if ( !mon_read_guest(m, word, &val, sizeof(val)) &&
                 val == AX_BYE_GUEST )
            {
                ok = true;
                break;
            }
            usleep(10000);
        }
    }
    clean = teardown(m);
    if ( ok && mon_write_guest(m, word + 4, &bye, sizeof(bye)) )
        ok = false;
    mon_check(m, "done-handshake", ok, "guest word 0x%x after DONE, our "
              "answer %s", val, ok ? "written" : "not written");
    return clean;
}

static unsigned int parse_uint(const char *s, const char *what)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 0);
    if ( errno || !*s || *end || v > UINT_MAX )
    {
        fprintf(stderr, "pvr-altp2m-mon: bad %s '%s'\n", what, s);
        exit(EXIT_ERROR);
    }
    return (unsigned int)v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "domid", required_argument, NULL, 'd' },
        { "timeout", required_argument, NULL, 't' },
        { "idle-timeout", required_argument, NULL, 'i' },
        { "log-events", required_argument, NULL, 'l' },
        { NULL, 0, NULL, 0 },
    };
    struct mon m = { .local_port = -1, .log_events = 64,
                     .skips_at_ld_off = -1 };
    unsigned int timeout = 1800, idle = 300;
    bool have_domid = false, clean;
    struct sigaction sa = { .sa_handler = on_signal };
    int c, rc, status;

    while ( (c = getopt_long(argc, argv, "", opts, NULL)) != -1 )
    {
        switch ( c )
        {
        case 'd':
            m.domid = parse_uint(optarg, "domid");
            have_domid = true;
            break;
        case 't': timeout = parse_uint(optarg, "timeout"); break;
        case 'i': idle = parse_uint(optarg, "idle timeout"); break;
        case 'l': m.log_events = parse_uint(optarg, "event count"); break;
        default:
            fprintf(stderr, "usage: %s --domid N [--timeout S] "
                    "[--idle-timeout S] [--log-events N]\n", argv[0]);
            return EXIT_ERROR;
        }
    }
    if ( !have_domid || optind != argc || !m.domid )
    {
        fprintf(stderr, "pvr-altp2m-mon: --domid N (N > 0) is required\n");
        return EXIT_ERROR;
    }

    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    rc = open_domain(&m);
    if ( !rc )
        rc = setup(&m);
    if ( rc == 1 )
    {
        teardown(&m);
        close_all(&m);
        printf("skip: needs xen-patches (altp2m not supported by this "
               "Xen)\n");
        return EXIT_SKIP;
    }
    if ( !rc )
    {
        mon_log(&m, "setup", "ready");
        if ( xc_domain_unpause(m.xch, m.domid) )
        {
            mon_log_e(&m, "setup", "xc_domain_unpause");
            rc = -errno;
        }
        else
            m.paused = false;
    }
    if ( !rc )
        rc = run(&m, timeout, idle);

    if ( m.n.events )
        mon_event_summary(&m);
    if ( !rc && m.done && m.hello )
        clean = finish_after_done(&m);
    else
        clean = teardown(&m);
    mon_check(&m, "teardown", clean, "monitor ring, views, altp2m, "
              "log-dirty and access_required undone");
    close_all(&m);

    if ( rc || !m.done )
        status = EXIT_ERROR;
    else
        status = m.checks_failed ? EXIT_CHECK_FAILED : EXIT_SUCCESS;
    printf("pvr-altp2m-mon: d%u: exit %d (%u checks failed%s)\n", m.domid,
           status, m.checks_failed, rc ? ", run incomplete" : "");
    return status;
}
