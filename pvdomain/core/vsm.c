/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind --vsm: the worker's VTL engine (pvdomain/vtl) on the VSM
 * channel of its IOREQ server, and one log line per decision.
 *
 * The engine is made before the server is enabled (enabling claims the
 * channel, which pairs the guest with us in Xen) and destroyed after the
 * server, which may hand it requests until then (vtl/README).
 *
 * Each request the engine answers is logged at info level in the form a
 * job counts (as tests/host/progs/vsm-responder.c prints):
 *
 *   vsm: info: vpV: hypercall 0xCODE reps N start S vtl L fast F 32bit B
 *              in 0xIN out 0xOUT -> status 0xST reps R
 *   vsm: info: vpV: violation gpa 0xG access rwx/g vtl L -> action A
 *   vsm: info: vpV: register 0xNAME vtl L = 0xVALUE
 *
 * The guest decides how many there are, so the lines are rate-limited:
 * those of failed requests as every guest-caused message is (10 per 5 s,
 * PVR_LOG_GUEST's limit), the others at VSM_LOG_OK_BURST per 5 s.  The
 * summary at the end gives the exact counts and how many lines the
 * limits held back.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/daemon.h"
#include "vtl/vtl.h"

#define COMP "vsm"

#define VSM_LOG_OK_BURST    256

/*
 * Xen answers HvRegisterVsmCodePageOffsets itself (xen-patches 0016:
 * 0x20010 to a 32-bit caller, this to a 64-bit one); the engine's copy
 * is only for a Xen that would forward it.
 */
#define XEN_CODE_PAGE_OFFSETS_64    0x40030ULL

struct pvr_daemon_vsm {
    pvr_vtl *vtl;
    struct pvr_ratelimit rl_err;
    time_t ok_window;
    unsigned int ok_lines;
    unsigned long held_back;        /* lines neither limit let through */
};

/* May the line of a request that ended well (ok) or not be printed? */
static bool line_ok(struct pvr_daemon_vsm *d, bool ok)
{
    struct timespec now;

    if ( !pvr_log_enabled(PVR_LOG_INFO) )
        return false;
    if ( !ok )
    {
        if ( pvr_ratelimit_ok(&d->rl_err, COMP) )
            return true;
        d->held_back++;
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ( now.tv_sec - d->ok_window >= PVR_RATELIMIT_INTERVAL )
    {
        d->ok_window = now.tv_sec;
        d->ok_lines = 0;
    }
    if ( d->ok_lines < VSM_LOG_OK_BURST )
    {
        d->ok_lines++;
        return true;
    }
    d->held_back++;
    return false;
}

static void log_decision(struct pvr_daemon_vsm *d, unsigned int vcpu,
                         const pvr_ioreq_req *r, uint64_t answer)
{
    struct pvr_vsm_req q;
    uint16_t st;

    pvr_vsm_decode(r->addr, r->data, r->count, r->size, &q);
    switch ( q.kind )
    {
    case PVR_VSM_KIND_HYPERCALL:
        st = pvr_vsm_answer_status(answer);
        if ( line_ok(d, st == HV_STATUS_SUCCESS) )
            pvr_info(COMP, "vp%u: hypercall 0x%04x reps %u start %u vtl %u "
                     "fast %u 32bit %u in 0x%llx out 0x%llx -> status "
                     "0x%04x reps %u", vcpu, q.code, q.rep_count,
                     q.rep_start, q.src_vtl, q.fast, q.caller32,
                     (unsigned long long)q.arg,
                     (unsigned long long)q.data, st,
                     pvr_vsm_answer_reps(answer));
        break;
    case PVR_VSM_KIND_VIOLATION:
        if ( line_ok(d, answer != PVR_VSM_ACT_CRASH) )
            pvr_info(COMP, "vp%u: violation gpa 0x%llx access %c%c%c%s "
                     "vtl %u -> action %llu", vcpu,
                     (unsigned long long)(q.arg & PVR_VSM_ADDR_MASK),
                     q.access & PVR_VSM_ACC_R ? 'r' : '-',
                     q.access & PVR_VSM_ACC_W ? 'w' : '-',
                     q.access & PVR_VSM_ACC_X ? 'x' : '-',
                     q.access & PVR_VSM_GLA_VALID ? " gla" : "",
                     q.src_vtl, (unsigned long long)answer);
        break;
    case PVR_VSM_KIND_INTERCEPT:
        if ( line_ok(d, answer != PVR_VSM_ACT_CRASH) )
            pvr_info(COMP, "vp%u: intercept %s 0x%llx value 0x%llx vtl %u "
                     "-> action %llu", vcpu,
                     q.access & PVR_VSM_ICPT_MSR ? "msr" : "register",
                     (unsigned long long)q.arg, (unsigned long long)q.data,
                     q.src_vtl, (unsigned long long)answer);
        break;
    default:
        if ( line_ok(d, q.kind == PVR_VSM_KIND_REGISTER) )
            pvr_info(COMP, "vp%u: kind %u 0x%llx vtl %u = 0x%llx", vcpu,
                     q.kind, (unsigned long long)q.arg, q.src_vtl,
                     (unsigned long long)q.data);
        break;
    }
}

/* pvr_ioreq_vsm_fn: the engine decides, we log. */
static uint64_t vsm_request(void *opaque, unsigned int vcpu,
                            const pvr_ioreq_req *req)
{
    struct pvr_daemon_vsm *d = opaque;
    uint64_t answer = pvr_vtl_ioreq(d->vtl, vcpu, req);

    log_decision(d, vcpu, req, answer);
    return answer;
}

int pvr_daemon_vsm_create(pvr_port *p, pvr_ioreq_server *srv,
                          const struct pvr_config *cfg, unsigned int nr_vcpus,
                          struct pvr_daemon_vsm **out)
{
    struct pvr_vtl_config vcfg = {
        .domid = cfg->domid, .nr_vps = nr_vcpus,
        .code_page_offsets = XEN_CODE_PAGE_OFFSETS_64,
        .reps_per_request = cfg->vsm_reps,
    };
    struct pvr_daemon_vsm *d;
    int rc;

    if ( nr_vcpus == 0 || nr_vcpus > PVR_VTL_MAX_VPS )
    {
        pvr_err(COMP, "--vsm: the guest has %u vCPUs; the VTL engine "
                "serves 1 to %u", nr_vcpus, PVR_VTL_MAX_VPS);
        return -EINVAL;
    }
    d = calloc(1, sizeof(*d));
    if ( !d )
        return -ENOMEM;
    /*
     * The engine changes altp2m views and access while the guest runs;
     * the worker's restriction must leave it that (port.h).
     */
    if ( (rc = pvr_port_keep_altp2m(p)) ||
         (rc = pvr_vtl_create(p, &vcfg, &d->vtl)) ||
         (rc = pvr_ioreq_server_set_vsm(srv, vsm_request, d)) )
    {
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "--vsm: setting up the VTL "
                  "engine");
        pvr_vtl_destroy(d->vtl);
        free(d);
        return rc;
    }
    pvr_info(COMP, "VTL engine for %u vCPUs, %u reps a request", nr_vcpus,
             cfg->vsm_reps ? cfg->vsm_reps : PVR_VTL_DEFAULT_REPS);
    *out = d;
    return 0;
}

void pvr_daemon_vsm_destroy(struct pvr_daemon_vsm *d)
{
    struct pvr_vtl_stats s;

    if ( !d )
        return;
    pvr_vtl_stats(d->vtl, &s);
    pvr_info(COMP, "summary: %llu hypercalls (%llu failed, %llu continued, "
             "%llu GPAs VTL0 may not access), "
             "%llu violations (%llu delivered, %llu on a busy slot, %llu crashed), "
             "%llu register events, %llu intercepts (%llu delivered, "
             "%llu on a busy slot, %llu executed, %llu crashed), "
             "%llu malformed, %llu port errors; "
             "%lu lines held back",
             (unsigned long long)s.hypercalls,
             (unsigned long long)s.hcall_errors,
             (unsigned long long)s.continuations,
             (unsigned long long)s.access_denied,
             (unsigned long long)s.violations,
             (unsigned long long)s.delivered,
             (unsigned long long)s.busy_slots,
             (unsigned long long)s.crashes,
             (unsigned long long)s.reg_events,
             (unsigned long long)s.intercepts,
             (unsigned long long)s.icpt_delivered,
             (unsigned long long)s.icpt_busy,
             (unsigned long long)s.icpt_executed,
             (unsigned long long)s.icpt_crashes,
             (unsigned long long)s.bad_requests,
             (unsigned long long)s.port_errors, d->held_back);
    pvr_vtl_destroy(d->vtl);
    free(d);
}
