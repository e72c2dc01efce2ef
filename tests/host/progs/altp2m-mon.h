/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvr-altp2m-mon: a dom0 vm_event monitor that owns a guest's altp2m
 * views (altp2m="external") and moves single vCPUs between them through
 * vm_event responses, the way the paravisor's Virtual Trust Levels will.
 * It is the host side of tests/guest/altp2m-ext; the protocol with that
 * guest is in tests/guest/altp2m-ext/proto.h.
 *
 * Theory of operation:
 * - Setup (domain paused): altp2m on, view 1 created (default rwx), the
 *   monitor ring enabled and bound, access_required set (a violation with
 *   no listener crashes the guest instead of relaxing the page), CPUID
 *   events on.  Then "ready" is printed and the domain unpaused.
 * - Run: one thread polls the ring's event channel with a bounded wait.
 *   Every request is copied out of the shared page before it is looked
 *   at and checked (interface version, vCPU id, reason, flags) before it
 *   is acted on; the ring indices are read once and bounded by the ring
 *   size.  Every request gets exactly one response.
 * - Each event's altp2m_idx is compared with the view the monitor last
 *   put that vCPU in: that is the proof that a response moved one vCPU
 *   and left the other alone.
 * - DONE (from the guest) or SIGTERM/SIGINT or a timeout ends the run:
 *   teardown pauses the domain, answers what is still on the ring, moves
 *   every vCPU to view 0, destroys the views, turns altp2m and log-dirty
 *   off, disables the monitor ring, unbinds and unmaps, and unpauses.
 *   After DONE the ring stays up until the guest confirms, in memory,
 *   that it got the answer, and the guest waits for our "done" word
 *   before it powers off (proto.h).
 *
 * Output: one line per fact on stdout, "pvr-altp2m-mon: dN: <part>:
 * text"; "check NAME: ok|FAIL ..." lines are the results a job asserts,
 * "figure NAME: VALUE UNIT" lines are measurements.
 * Exit status: 0 every check passed, 1 a check failed, 2 the run could
 * not be carried out (setup error, timeout, protocol error), 77 Xen has
 * no altp2m for this domain (stock Xen on AMD: "needs xen-patches").
 *
 * libxenctrl is used directly, not through pvdomain/port: this program
 * tests Xen's altp2m and vm_event interfaces themselves.
 */
#ifndef TESTS_HOST_PROGS_ALTP2M_MON_H
#define TESTS_HOST_PROGS_ALTP2M_MON_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>
#include <xen/vm_event.h>

#include "tests/guest/altp2m-ext/proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MON_MAX_VCPUS   8
#define MON_MAX_VIEWS   10      /* MAX_ALTP2M in Xen 4.17. */

/* The guest's test pages, consecutive from P (proto.h, HELLO). */
enum mon_page { MON_P, MON_Q, MON_R, MON_S, MON_NR_PAGES };
_Static_assert(MON_NR_PAGES == AX_NR_PAGES, "proto.h page count");

struct mon_vcpu {
    unsigned int view;          /* Where our last response put it. */
    unsigned long events;
    unsigned long viol_since_cmd;
    uint64_t last_gfn;
    uint32_t last_flags;        /* MEM_ACCESS_* | view << 16. */
};

struct mon_counts {
    unsigned long events, cpuid, cpuid_cmds, mem_access;
    unsigned long viol_p, skips_q;      /* Handled as designed. */
    unsigned long switch_viol;          /* View changes by response to */
    unsigned long switch_cpuid;         /* a violation, to a CPUID. */
    unsigned long split_views;          /* Events while vCPUs differed. */
    unsigned long bad_events;           /* Failed validation. */
    unsigned long view_mismatch;        /* altp2m_idx != our record. */
    unsigned long unexpected;           /* Violations outside the design. */
    unsigned long naks;
};

struct mon {
    uint32_t domid;
    unsigned int nr_vcpus;
    xen_pfn_t max_gpfn;
    unsigned int log_events;    /* Log this many events in full. */

    xentoollog_logger_stdiostream *logger;
    xc_interface *xch;
    xenevtchn_handle *xce;
    xenforeignmemory_handle *fmem;

    /* The ring (altp2m-mon-ring.c). */
    void *ring_page;
    vm_event_back_ring_t back;
    uint32_t remote_port;
    int local_port;             /* -1 until bound. */

    /* What is switched on, so that teardown undoes exactly that. */
    bool paused, altp2m_on, monitor_on, cpuid_on, access_required;
    bool logdirty_on;
    bool view_live[MON_MAX_VIEWS];

    bool hello;
    uint64_t gfn[MON_NR_PAGES];

    struct mon_vcpu vcpu[MON_MAX_VCPUS];
    struct mon_counts n;

    unsigned long pool_start;   /* Pool pages in use before altp2m, or */
                                /* ULONG_MAX when not measured. */
    long skips_at_ld_off;       /* skips_q when log-dirty went off, or -1. */
    bool done;                  /* DONE handled: end the run. */
    bool fatal;                 /* Protocol or Xen error: end the run. */
    unsigned int checks_failed;
};

/* Logging (altp2m-mon.c).  Every line carries the domid and a part. */
void mon_log(const struct mon *m, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends ": strerror(errno)". */
void mon_log_e(const struct mon *m, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "check NAME: ok|FAIL (...)"; a FAIL is counted in checks_failed. */
void mon_check(struct mon *m, const char *name, bool ok, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));
void mon_figure(const struct mon *m, const char *name, long value,
                const char *unit);

/*
 * The vm_event ring (altp2m-mon-ring.c).  mon_ring_open() enables the
 * monitor ring and binds its event channel; mon_ring_close() undoes
 * whatever part of that was done and may be called twice.
 * mon_ring_wait() waits up to MS milliseconds for a notification: 1
 * notified, 0 timed out, -errno.  mon_ring_process() answers every
 * request on the ring through mon_event() and notifies Xen; -EPROTO
 * when the ring is corrupt.  All run in the main thread.
 */
int mon_ring_open(struct mon *m);
void mon_ring_close(struct mon *m);
int mon_ring_wait(struct mon *m, int ms);
int mon_ring_process(struct mon *m, bool teardown);

/*
 * Event handling (altp2m-mon-events.c).  REQ is a private copy that has
 * passed the ring's generic checks (version, vCPU id); RSP is zeroed and
 * has version, vcpu_id, reason and the pause flag set.  In teardown every
 * event is answered so that the vCPU can run on in view 0.
 */
void mon_event(struct mon *m, const vm_event_request_t *req,
               vm_event_response_t *rsp, bool teardown);
/* Prints the run's counters and the checks that only the end can judge. */
void mon_event_summary(struct mon *m);

/*
 * Views and guest memory (altp2m-mon-views.c).  mon_views_configure()
 * applies the HELLO layout to VIEW; mon_read_guest() copies LEN bytes at
 * guest-physical GPA (within one page) out of the guest; both return 0
 * or -errno; mon_write_guest() is its converse.  mon_pool_used() measures the HAP pool pages in use (the
 * domain must be paused; see the comment there).  mon_pool_checks() runs
 * the end-of-run pool and leak checks with the domain paused.
 */
int mon_views_configure(struct mon *m, uint16_t view);
int mon_read_guest(struct mon *m, uint64_t gpa, void *buf, size_t len);
int mon_write_guest(struct mon *m, uint64_t gpa, const void *buf,
                    size_t len);
int mon_pool_used(struct mon *m, unsigned long *pages_out);
void mon_pool_checks(struct mon *m);

#endif /* TESTS_HOST_PROGS_ALTP2M_MON_H */
