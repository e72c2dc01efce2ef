/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the monitor does with each event: the guest's CPUID commands
 * (proto.h) and access violations in view 1.
 *
 * Every event is checked against the monitor's own record of where it
 * put each vCPU: Xen reports the vCPU's view in altp2m_idx, and that must
 * equal the view of our last response to that vCPU (or 0, where every
 * vCPU starts, or where DONE and teardown move them).  A response that
 * moved the wrong vCPU, or none, shows up as a mismatch on the next event
 * of either vCPU.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "altp2m-mon.h"

/* More violations outside the design than this end the run. */
#define MAX_UNEXPECTED      64
#define CR0_PG              0x80000000u

static const char *reason_name(uint32_t reason)
{
    switch ( reason )
    {
    case VM_EVENT_REASON_MEM_ACCESS:    return "mem_access";
    case VM_EVENT_REASON_CPUID:         return "cpuid";
    default:                            return "other";
    }
}

static const char *cmd_name(uint32_t cmd)
{
    switch ( cmd )
    {
    case AX_CMD_HELLO:      return "HELLO";
    case AX_CMD_ENTER:      return "ENTER";
    case AX_CMD_LEAVE:      return "LEAVE";
    case AX_CMD_QUERY:      return "QUERY";
    case AX_CMD_LOGDIRTY:   return "LOGDIRTY";
    case AX_CMD_DONE:       return "DONE";
    default:                return "unknown";
    }
}

/* The view Xen says the vCPU was in; 0 when altp2m is off. */
static unsigned int event_view(const vm_event_request_t *req)
{
    return (req->flags & VM_EVENT_FLAG_ALTERNATE_P2M) ? req->altp2m_idx : 0;
}

/* Compares the reported view with our record, and counts split views. */
static void track_view(struct mon *m, const vm_event_request_t *req)
{
    struct mon_vcpu *v = &m->vcpu[req->vcpu_id];
    unsigned int i, view = event_view(req);

    if ( m->altp2m_on && !(req->flags & VM_EVENT_FLAG_ALTERNATE_P2M) )
    {
        if ( m->n.view_mismatch++ < 8 )
            mon_log(m, "event", "vCPU %u: no altp2m_idx while altp2m is on",
                    req->vcpu_id);
    }
    else if ( view != v->view )
    {
        if ( m->n.view_mismatch++ < 8 )
            mon_log(m, "event", "vCPU %u: event in view %u, but our last "
                    "response put it in view %u", req->vcpu_id, view,
                    v->view);
    }

    for ( i = 0; i < m->nr_vcpus; i++ )
        if ( i != req->vcpu_id && m->vcpu[i].view != view )
        {
            m->n.split_views++;
            break;
        }
}

/*
 * Makes the response resume the vCPU in VIEW; true when that is a switch
 * from the view the event came from.
 */
static bool resume_in(struct mon *m, const vm_event_request_t *req,
                      vm_event_response_t *rsp, unsigned int view)
{
    if ( !m->altp2m_on )
        return false;
    rsp->flags |= VM_EVENT_FLAG_ALTERNATE_P2M;
    rsp->altp2m_idx = view;
    m->vcpu[req->vcpu_id].view = view;
    return view != event_view(req);
}

static bool valid_hello(struct mon *m, const uint64_t *gfn)
{
    static const uint32_t mark[MON_NR_PAGES] = {
        AX_MARK_P, AX_MARK_Q, AX_MARK_R, AX_MARK_S,
    };
    unsigned int i, j;
    uint32_t word;
    int rc;

    for ( i = 0; i < MON_NR_PAGES; i++ )
    {
        if ( !gfn[i] || gfn[i] > m->max_gpfn )
        {
            mon_log(m, "hello", "page %u: gfn %#" PRIx64 " outside the "
                    "guest (max gpfn %#lx)", i, gfn[i],
                    (unsigned long)m->max_gpfn);
            return false;
        }
        for ( j = 0; j < i; j++ )
            if ( gfn[j] == gfn[i] )
            {
                mon_log(m, "hello", "pages %u and %u share gfn %#" PRIx64,
                        j, i, gfn[i]);
                return false;
            }
        rc = mon_read_guest(m, gfn[i] << XC_PAGE_SHIFT, &word,
                            sizeof(word));
        if ( rc || word != mark[i] )
        {
            mon_log(m, "hello", "page %u (gfn %#" PRIx64 "): marker %#x, "
                    "expected %#x%s", i, gfn[i], rc ? 0 : word, mark[i],
                    rc ? " (unreadable)" : "");
            return false;
        }
    }
    return true;
}

/* HELLO: ESI = P's gfn, EDI = the page count; P Q R S are consecutive. */
static int cmd_hello(struct mon *m, const vm_event_request_t *req)
{
    const struct vm_event_regs_x86 *r = &req->data.regs.x86;
    uint64_t gfn[MON_NR_PAGES];
    unsigned int i;
    int rc;

    if ( m->hello )
        return -EALREADY;
    if ( r->rdi != MON_NR_PAGES )
    {
        mon_check(m, "hello", false, "the guest offers %" PRIu64 " pages, "
                  "the protocol has %u", r->rdi, MON_NR_PAGES);
        return -EINVAL;
    }
    for ( i = 0; i < MON_NR_PAGES; i++ )
        gfn[i] = r->rsi + i;
    if ( !valid_hello(m, gfn) )
    {
        mon_check(m, "hello", false, "bad page layout from the guest");
        return -EINVAL;
    }
    memcpy(m->gfn, gfn, sizeof(m->gfn));
    rc = mon_views_configure(m, AX_VIEW);
    mon_check(m, "hello", !rc, "P %#" PRIx64 " n, Q %#" PRIx64 " r, R %#"
              PRIx64 " -> S %#" PRIx64 " in view %u", gfn[MON_P],
              gfn[MON_Q], gfn[MON_R], gfn[MON_S], AX_VIEW);
    if ( rc )
        return rc;
    m->hello = true;
    return 0;
}

static int cmd_logdirty(struct mon *m, const vm_event_request_t *req)
{
    bool on = req->data.regs.x86.rsi == 1;
    unsigned int op = on ? XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY
                         : XEN_DOMCTL_SHADOW_OP_OFF;
    int rc = 0;

    if ( xc_shadow_control(m->xch, m->domid, op, NULL, 0) )
        rc = -errno;
    else
        m->logdirty_on = on;
    if ( !on && !rc )
        m->skips_at_ld_off = (long)m->n.skips_q;
    mon_check(m, on ? "logdirty-enable" : "logdirty-disable", !rc, "%s",
              rc ? strerror(-rc) : "xc_shadow_control");
    return rc;
}

/* DONE: every vCPU to view 0, then the end-of-run checks. */
static int cmd_done(struct mon *m)
{
    uint32_t word[2];
    unsigned int i;
    int rc;

    if ( xc_domain_pause(m->xch, m->domid) )
        return -errno;
    m->paused = true;
    m->done = true;
    if ( !m->hello )
    {
        mon_log(m, "done", "DONE before HELLO: nothing to check");
        return 0;
    }
    if ( xc_altp2m_switch_to_view(m->xch, m->domid, 0) )
    {
        rc = -errno;
        mon_log_e(m, "done", "xc_altp2m_switch_to_view(0)");
        return rc;
    }
    for ( i = 0; i < m->nr_vcpus; i++ )
        m->vcpu[i].view = 0;

    /* change_gfn touched view 1 only: the host still maps R to R. */
    rc = mon_read_guest(m, m->gfn[MON_R] << XC_PAGE_SHIFT, &word[0], 4);
    if ( !rc )
        rc = mon_read_guest(m, m->gfn[MON_S] << XC_PAGE_SHIFT, &word[1], 4);
    mon_check(m, "host-p2m-unchanged", !rc && word[0] == AX_MARK_R &&
              word[1] == AX_MARK_S, "host R holds %#x, S holds %#x",
              rc ? 0 : word[0], rc ? 0 : word[1]);

    mon_pool_checks(m);

    /* No event may follow the answer: see the handshake in proto.h. */
    if ( xc_monitor_cpuid(m->xch, m->domid, false) )
    {
        rc = -errno;
        mon_log_e(m, "done", "xc_monitor_cpuid(0)");
        return rc;
    }
    m->cpuid_on = false;
    return 0;
}

static void on_cpuid(struct mon *m, const vm_event_request_t *req,
                     vm_event_response_t *rsp, bool teardown)
{
    struct mon_vcpu *v = &m->vcpu[req->vcpu_id];
    struct vm_event_regs_x86 *out = &rsp->data.regs.x86;
    uint32_t cmd = req->u.cpuid.subleaf, len = req->u.cpuid.insn_length;
    unsigned int before = event_view(req), view = v->view;
    int rc = 0;

    m->n.cpuid++;
    if ( len < 1 || len > 15 )
    {
        /* Resuming at the same RIP would loop: end the run instead. */
        mon_log(m, "cpuid", "vCPU %u: instruction length %u", req->vcpu_id,
                len);
        m->n.bad_events++;
        m->fatal = true;
        return;
    }
    rsp->flags |= VM_EVENT_FLAG_SET_REGISTERS;
    *out = req->data.regs.x86;
    out->rip += len;
    if ( req->u.cpuid.leaf != AX_LEAF )
        return;     /* Not ours: Xen's answer is already in the registers. */

    m->n.cpuid_cmds++;
    if ( teardown )
        rc = -ECANCELED;
    else if ( !m->hello && cmd != AX_CMD_HELLO && cmd != AX_CMD_QUERY &&
              cmd != AX_CMD_DONE )
        rc = -EPROTO;
    else
    {
        switch ( cmd )
        {
        case AX_CMD_HELLO:      rc = cmd_hello(m, req); break;
        case AX_CMD_ENTER:      view = AX_VIEW; break;
        case AX_CMD_LEAVE:      view = 0; break;
        case AX_CMD_QUERY:      break;
        case AX_CMD_LOGDIRTY:   rc = cmd_logdirty(m, req); break;
        case AX_CMD_DONE:       rc = cmd_done(m); view = 0; break;
        default:                rc = -ENOSYS; break;
        }
    }

    if ( rc )
    {
        m->n.naks++;
        mon_log(m, "cpuid", "vCPU %u: %s refused: %s", req->vcpu_id,
                cmd_name(cmd), strerror(-rc));
        out->rax = AX_NAK | (cmd & 0xff);
        out->rdx = (uint32_t)rc;
        return;
    }
    if ( (cmd == AX_CMD_ENTER || cmd == AX_CMD_LEAVE) &&
         resume_in(m, req, rsp, view) )
        m->n.switch_cpuid++;

    out->rax = AX_ACK | (cmd & 0xff);
    out->rbx = before;
    out->rcx = v->viol_since_cmd;
    out->rdx = cmd == AX_CMD_HELLO ? m->nr_vcpus : v->view;
    out->rsi = (uint32_t)v->last_gfn;
    out->rdi = v->last_flags;
    v->viol_since_cmd = 0;
    v->last_gfn = 0;
    v->last_flags = 0;
}

/* True when the faulting instruction is the one store we may skip. */
static bool is_skippable_store(struct mon *m, const vm_event_request_t *req)
{
    const struct vm_event_regs_x86 *r = &req->data.regs.x86;
    uint64_t gpa = (uint64_t)r->cs_base + r->rip;
    uint8_t insn[AX_STORE_INSN_LEN];

    /* With paging on, CS.base + RIP would be a linear address. */
    if ( r->cr0 & CR0_PG )
        return false;
    if ( (gpa & (XC_PAGE_SIZE - 1)) > XC_PAGE_SIZE - sizeof(insn) )
        return false;
    if ( mon_read_guest(m, gpa, insn, sizeof(insn)) )
        return false;
    return insn[0] == AX_STORE_INSN_0 && insn[1] == AX_STORE_INSN_1;
}

static void on_mem_access(struct mon *m, const vm_event_request_t *req,
                          vm_event_response_t *rsp, bool teardown)
{
    struct mon_vcpu *v = &m->vcpu[req->vcpu_id];
    uint64_t gfn = req->u.mem_access.gfn;
    uint32_t acc = req->u.mem_access.flags & MEM_ACCESS_RWX;
    unsigned int view = event_view(req);

    m->n.mem_access++;
    v->viol_since_cmd++;
    v->last_gfn = gfn;
    v->last_flags = acc | view << 16;

    if ( !teardown && m->hello && view == AX_VIEW )
    {
        if ( gfn == m->gfn[MON_P] )
        {
            m->n.viol_p++;
            if ( resume_in(m, req, rsp, 0) )
                m->n.switch_viol++;
            return;
        }
        if ( gfn == m->gfn[MON_Q] && (acc & MEM_ACCESS_W) &&
             is_skippable_store(m, req) )
        {
            m->n.skips_q++;
            rsp->flags |= VM_EVENT_FLAG_SET_REGISTERS;
            rsp->data.regs.x86 = req->data.regs.x86;
            rsp->data.regs.x86.rip += AX_STORE_INSN_LEN;
            resume_in(m, req, rsp, AX_VIEW);
            return;
        }
    }

    if ( !teardown )
    {
        m->n.unexpected++;
        mon_log(m, "access", "vCPU %u: unexpected violation %c%c%c on gfn "
                "%#" PRIx64 " in view %u at rip %#" PRIx64, req->vcpu_id,
                acc & MEM_ACCESS_R ? 'r' : '-',
                acc & MEM_ACCESS_W ? 'w' : '-',
                acc & MEM_ACCESS_X ? 'x' : '-', gfn, view,
                req->data.regs.x86.rip);
        if ( m->n.unexpected > MAX_UNEXPECTED )
            m->fatal = true;
    }
    /* View 0 carries no restriction: the access completes there. */
    if ( resume_in(m, req, rsp, 0) )
        m->n.switch_viol++;
}

void mon_event(struct mon *m, const vm_event_request_t *req,
               vm_event_response_t *rsp, bool teardown)
{
    struct mon_vcpu *v = &m->vcpu[req->vcpu_id];

    v->events++;
    if ( !(m->n.events % 5000) )
        mon_log(m, "event", "%lu events so far", m->n.events);
    if ( m->n.events <= m->log_events )
        mon_log(m, "event", "#%lu vCPU %u %s view %u rip %#" PRIx64
                " %s %#" PRIx64, m->n.events, req->vcpu_id,
                reason_name(req->reason), event_view(req),
                req->data.regs.x86.rip,
                req->reason == VM_EVENT_REASON_CPUID ? "leaf" : "gfn",
                req->reason == VM_EVENT_REASON_CPUID
                    ? (uint64_t)req->u.cpuid.leaf : req->u.mem_access.gfn);

    track_view(m, req);

    if ( !(req->flags & VM_EVENT_FLAG_VCPU_PAUSED) )
    {
        m->n.bad_events++;
        mon_log(m, "event", "vCPU %u: %s event without a paused vCPU",
                req->vcpu_id, reason_name(req->reason));
        return;
    }

    switch ( req->reason )
    {
    case VM_EVENT_REASON_CPUID:
        on_cpuid(m, req, rsp, teardown);
        break;
    case VM_EVENT_REASON_MEM_ACCESS:
        on_mem_access(m, req, rsp, teardown);
        break;
    default:
        m->n.bad_events++;
        mon_log(m, "event", "vCPU %u: unexpected reason %u", req->vcpu_id,
                req->reason);
        break;
    }
}

void mon_event_summary(struct mon *m)
{
    const struct mon_counts *n = &m->n;

    mon_log(m, "summary", "events %lu: cpuid %lu (commands %lu, refused "
            "%lu), mem_access %lu (P %lu, Q denied %lu, unexpected %lu), "
            "view switches by violation %lu and by CPUID %lu, split-view "
            "events %lu, bad %lu", n->events, n->cpuid, n->cpuid_cmds,
            n->naks, n->mem_access, n->viol_p, n->skips_q, n->unexpected,
            n->switch_viol, n->switch_cpuid, n->split_views,
            n->bad_events);
    mon_figure(m, "events", (long)n->events, "");
    mon_figure(m, "view-switches", (long)(n->switch_viol + n->switch_cpuid),
               "");

    mon_check(m, "events-valid", !n->bad_events && n->events,
              "%lu events, %lu failed validation", n->events,
              n->bad_events);
    mon_check(m, "view-tracking", !n->view_mismatch && n->events,
              "%lu events reported a view other than our last response "
              "set", n->view_mismatch);
    mon_check(m, "violations-as-designed", !n->unexpected && n->viol_p,
              "%lu on P in view 1, %lu unexpected", n->viol_p,
              n->unexpected);
    mon_check(m, "per-vcpu-views", m->nr_vcpus >= 2 && n->split_views &&
              m->vcpu[1].events, "%u vCPUs, vCPU 1 sent %lu events, %lu "
              "events while the vCPUs were in different views",
              m->nr_vcpus, m->nr_vcpus >= 2 ? m->vcpu[1].events : 0,
              n->split_views);
    mon_check(m, "write-denied", m->skips_at_ld_off != 0 && n->skips_q,
              "%lu writes to Q in view 1 denied (instruction skipped), %ld "
              "of them before the log-dirty toggle", n->skips_q,
              m->skips_at_ld_off < 0 ? (long)n->skips_q : m->skips_at_ld_off);
    mon_check(m, "logdirty-keeps-restriction", m->skips_at_ld_off >= 0 &&
              (long)n->skips_q > m->skips_at_ld_off, "%ld writes to Q in "
              "view 1 denied after log-dirty was enabled and disabled",
              m->skips_at_ld_off < 0 ? 0 : (long)n->skips_q -
              m->skips_at_ld_off);
    mon_check(m, "stress-counts", n->viol_p >= 10000 &&
              n->switch_cpuid >= 10000, "%lu violation round trips, %lu "
              "view switches by response to CPUID (want 10000 each)",
              n->viol_p, n->switch_cpuid);
}
