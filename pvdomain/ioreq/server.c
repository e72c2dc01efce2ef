/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOREQ server: setup and teardown in Xen, the per-vCPU slots and the
 * buffered ring.  See ioreq.h for the protocol and the validation rules;
 * dispatch.c carries a validated request to the devices.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "ioreq/ioreq_priv.h"

#define COMP "ioreq"

/* ---- the shared pages: every access is a single, ordered load/store ---- */

static uint8_t slot_state(const pvr_ioreq_slot *slot)
{
    return __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) &
           PVR_IOREQ_STATE_MASK;
}

static void slot_complete(pvr_ioreq_slot *slot, uint8_t flags,
                          uint64_t data)
{
    __atomic_store_n(&slot->data, data, __ATOMIC_RELAXED);
    /* The result must be visible before the state that announces it. */
    __atomic_store_n(&slot->flags,
                     (uint8_t)((flags & ~PVR_IOREQ_STATE_MASK) |
                               PVR_IOREQ_STATE_RESP_READY),
                     __ATOMIC_RELEASE);
}

/*
 * Copies of shared slots are taken field by field through volatile
 * loads, so that the compiler cannot fetch a field a second time from
 * shared memory after it has been validated.
 */
static void read_slot(const pvr_ioreq_slot *shared, pvr_ioreq_slot *copy)
{
    const volatile pvr_ioreq_slot *v = shared;

    copy->addr = v->addr;
    copy->data = v->data;
    copy->count = v->count;
    copy->size = v->size;
    copy->vp_eport = v->vp_eport;
    copy->pad0 = 0;
    copy->flags = v->flags;
    copy->type = v->type;
}

static void read_bufslot(const pvr_bufioreq_slot *shared,
                         pvr_bufioreq_slot *copy)
{
    const volatile pvr_bufioreq_slot *v = shared;

    copy->word0 = v->word0;
    copy->data = v->data;
}

/* ---- buffered ring ---- */

static void drain_buffered(pvr_ioreq_server *s)
{
    pvr_bufioreq_page *pg = s->bufpage;
    unsigned int done = 0;

    if ( !pg )
        return;

    /* Bounded by the ring: Xen cannot have queued more than it holds. */
    while ( done < PVR_BUFIOREQ_SLOTS )
    {
        pvr_bufioreq_slot lo, hi;
        pvr_ioreq_req req;
        uint64_t ptrs;
        uint32_t rp, wp, avail;
        int rc;

        /*
         * Read both pointers in one load: with BUFIOREQ_ATOMIC, Xen
         * rebases them together with a 64-bit cmpxchg.
         */
        ptrs = __atomic_load_n(&pg->ptrs, __ATOMIC_ACQUIRE);
        rp = (uint32_t)ptrs;
        wp = (uint32_t)(ptrs >> 32);
        avail = wp - rp;
        if ( avail == 0 )
            break;
        if ( avail > PVR_BUFIOREQ_SLOTS )
        {
            PVR_LOG_GUEST(COMP, "buffered ring pointers corrupt "
                          "(read %u write %u); ring disabled", rp, wp);
            s->stats.invalid++;
            s->bufpage = NULL;
            return;
        }
        read_bufslot(&pg->slot[rp % PVR_BUFIOREQ_SLOTS], &lo);
        rc = PVR_BUFIOREQ_SIZE(lo.word0) == 8 && avail < 2 ? -EPROTO : 0;
        if ( rc == 0 )
        {
            read_bufslot(&pg->slot[(rp + 1) % PVR_BUFIOREQ_SLOTS], &hi);
            rc = pvr_ioreq_decode_buffered(&lo, &hi, &req);
        }
        if ( rc )
        {
            PVR_LOG_GUEST(COMP, "invalid buffered ioreq %08x: %s",
                          lo.word0, strerror(-rc));
            s->stats.invalid++;
        }
        else
            ioreq__dispatch(s, &req);
        s->stats.buffered++;
        /* Slot reads are complete before the slot is handed back. */
        __atomic_fetch_add(&pg->read_pointer,
                           PVR_BUFIOREQ_SIZE(lo.word0) == 8 && rc == 0
                           ? 2 : 1, __ATOMIC_RELEASE);
        done++;
    }
}

/* ---- synchronous slots ---- */

static void handle_slot(pvr_ioreq_server *s, unsigned int vcpu)
{
    pvr_ioreq_slot *slot = &s->iopage[vcpu];
    pvr_ioreq_slot copy;
    pvr_ioreq_req req;
    uint64_t data;
    int rc;

    if ( slot_state(slot) != PVR_IOREQ_STATE_READY )
    {
        s->stats.spurious++;
        return;
    }
    /* One copy, taken after READY was seen (acquire above). */
    read_slot(slot, &copy);
    __atomic_store_n(&slot->flags,
                     (uint8_t)((copy.flags & ~PVR_IOREQ_STATE_MASK) |
                               PVR_IOREQ_STATE_INPROCESS),
                     __ATOMIC_RELAXED);

    rc = pvr_ioreq_decode(&copy, &req);
    if ( rc == 0 && req.type == PVR_IOREQ_TYPE_VSM && !s->vsm_fn )
        rc = -EPROTO;
    if ( rc )
    {
        PVR_LOG_GUEST(COMP, "vcpu%u: invalid ioreq type %u size %u count %u"
                      " addr %#lx: %s", vcpu, copy.type, copy.size,
                      copy.count, (unsigned long)copy.addr, strerror(-rc));
        s->stats.invalid++;
        data = ~0ULL;
    }
    else if ( req.type == PVR_IOREQ_TYPE_VSM )
    {
        s->stats.vsm++;
        data = s->vsm_fn(s->vsm_opaque, vcpu, &req);
    }
    else
        data = ioreq__dispatch(s, &req);

    slot_complete(slot, copy.flags, data);
    s->stats.ioreqs++;
    rc = pvr_port_evtchn_notify(s->port, s->vcpu_port[vcpu]);
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "notify vcpu%u", vcpu);
}

static void vcpu_event(void *opaque, uint32_t port)
{
    pvr_ioreq_server *s = opaque;
    unsigned int v;

    /* Posted writes that came first must land first. */
    drain_buffered(s);
    for ( v = 0; v < s->nr_vcpus; v++ )
        if ( s->vcpu_port[v] == port )
            handle_slot(s, v);
}

static void buffered_event(void *opaque, uint32_t port)
{
    (void)port;
    drain_buffered(opaque);
}

/* ---- lifecycle ---- */

static int bind_port(pvr_ioreq_server *s, uint32_t remote, uint32_t *local,
                     pvr_evtchn_fn *fn)
{
    int rc;

    if ( remote == 0 )
        return -EPROTO;
    rc = pvr_port_evtchn_bind_interdomain(s->port, s->domid, remote, local);
    if ( rc )
        return rc;
    rc = pvr_evmux_bind(s->mux, *local, fn, s);
    if ( rc )
    {
        pvr_port_evtchn_unbind(s->port, *local);
        *local = 0;
    }
    return rc;
}

static int map_pages(pvr_ioreq_server *s)
{
    uint8_t *addr;
    int rc;

    /* With buffering, frames 0 (buffered) and 1 (ioreq) in one mapping. */
    if ( s->mode != PVR_BUFIOREQ_OFF )
        rc = pvr_port_fmem_map_resource(s->port, s->domid,
                                        PVR_RES_IOREQ_SERVER, s->id,
                                        PVR_RES_IOREQ_FRAME_BUFIOREQ, 2,
                                        PROT_READ | PROT_WRITE,
                                        (void **)&addr, &s->res);
    else
        rc = pvr_port_fmem_map_resource(s->port, s->domid,
                                        PVR_RES_IOREQ_SERVER, s->id,
                                        PVR_RES_IOREQ_FRAME_IOREQ(0), 1,
                                        PROT_READ | PROT_WRITE,
                                        (void **)&addr, &s->res);
    if ( rc )
        return rc;
    if ( s->mode != PVR_BUFIOREQ_OFF )
    {
        s->bufpage = (pvr_bufioreq_page *)addr;
        addr += PVR_PAGE_SIZE;
    }
    s->iopage = (pvr_ioreq_slot *)addr;
    return 0;
}

int pvr_ioreq_server_create(pvr_port *p, pvr_evmux *mux, uint32_t domid,
                            unsigned int nr_vcpus,
                            enum pvr_bufioreq_mode mode,
                            pvr_ioreq_server **out)
{
    pvr_ioreq_server *s;
    const char *what;
    unsigned int v;
    uint32_t remote;
    int rc;

    *out = NULL;
    if ( nr_vcpus == 0 || nr_vcpus > PVR_IOREQ_MAX_VCPUS )
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if ( !s )
        return -ENOMEM;
    s->port = p;
    s->mux = mux;
    s->domid = domid;
    s->nr_vcpus = nr_vcpus;
    s->mode = mode;

    what = "create server";
    rc = pvr_port_dm_create_ioreq_server(p, domid, mode, &s->id);
    if ( rc )
        goto fail;
    s->created = true;

    what = "map server pages";
    rc = map_pages(s);
    if ( rc )
        goto fail;

    /*
     * Xen writes each vCPU's event channel into the shared page only when
     * the server is enabled (ioreq_server_enable()), so enable it before
     * reading them.  No range is claimed yet: nothing can arrive.
     */
    what = "enable server";
    rc = pvr_port_dm_set_ioreq_server_state(p, domid, s->id, true);
    if ( rc )
        goto fail;
    s->enabled = true;

    what = "bind vCPU event channel";
    for ( v = 0; v < nr_vcpus; v++ )
    {
        remote = __atomic_load_n(&s->iopage[v].vp_eport, __ATOMIC_RELAXED);
        rc = bind_port(s, remote, &s->vcpu_port[v], vcpu_event);
        if ( rc )
            goto fail;
    }

    if ( mode != PVR_BUFIOREQ_OFF )
    {
        what = "bind buffered event channel";
        rc = pvr_port_dm_get_ioreq_server_info(p, domid, s->id, &remote);
        if ( rc == 0 )
            rc = bind_port(s, remote, &s->buf_port, buffered_event);
        if ( rc )
            goto fail;
    }
    pvr_info(COMP, "server %u created: %u vCPUs, buffered %s", s->id,
             nr_vcpus, mode == PVR_BUFIOREQ_OFF ? "off" : "on");
    *out = s;
    return 0;

 fail:
    pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "%s", what);
    pvr_ioreq_server_destroy(s);
    return rc;
}

/* Does [base, last] in sp overlap a present region other than skip? */
static bool overlaps(const pvr_ioreq_server *s, enum pvr_io_space sp,
                     uint64_t base, uint64_t last,
                     const struct ioreq_region *skip)
{
    unsigned int i;

    for ( i = 0; i < s->nr_regions; i++ )
    {
        const struct ioreq_region *r = &s->region[i];

        if ( r != skip && r->present && r->space == sp && base <= r->last &&
             last >= r->base )
            return true;
    }
    return false;
}

static bool range_ok(enum pvr_io_space sp, uint64_t base, uint64_t len)
{
    return len != 0 && base + len - 1 >= base &&
           (sp != PVR_IO_PIO || base + len - 1 <= 0xffff);
}

static int new_region(pvr_ioreq_server *s, enum pvr_io_space sp,
                      uint64_t base, uint64_t len, const pvr_io_ops *ops,
                      void *opaque, const char *name, bool movable)
{
    if ( s->claimed )
        return -EINVAL;
    if ( !movable && overlaps(s, sp, base, base + len - 1, NULL) )
        return -EEXIST;
    if ( s->nr_regions == PVR_IOREQ_MAX_REGIONS )
        return -ENOSPC;
    s->region[s->nr_regions++] = (struct ioreq_region){
        .space = sp, .base = base, .last = base + len - 1,
        .ops = ops, .opaque = opaque, .name = name,
        .present = !movable, .movable = movable,
    };
    return 0;
}

int pvr_ioreq_server_add_region(pvr_ioreq_server *s, enum pvr_io_space sp,
                                uint64_t base, uint64_t len,
                                const pvr_io_ops *ops, void *opaque,
                                const char *name)
{
    if ( !range_ok(sp, base, len) )
        return -EINVAL;
    return new_region(s, sp, base, len, ops, opaque, name, false);
}

int pvr_ioreq_server_add_movable(pvr_ioreq_server *s, enum pvr_io_space sp,
                                 uint64_t len, const pvr_io_ops *ops,
                                 void *opaque, const char *name,
                                 unsigned int *handle_out)
{
    int rc;

    if ( !range_ok(sp, 0, len) )
        return -EINVAL;
    rc = new_region(s, sp, 0, len, ops, opaque, name, true);
    if ( rc == 0 )
        *handle_out = s->nr_regions - 1;
    return rc;
}

static int claim_region(pvr_ioreq_server *s, struct ioreq_region *r,
                        bool map)
{
    int rc;

    rc = pvr_port_dm_map_io_range(s->port, s->domid, s->id,
                                  r->space == PVR_IO_MMIO, r->base, r->last,
                                  map);
    /* A release fails harmlessly when the guest is already gone. */
    if ( rc )
        pvr_log_e(map ? PVR_LOG_ERROR : PVR_LOG_DEBUG, COMP, -rc,
                  "%s %s %#lx-%#lx", map ? "claim" : "release", r->name,
                  (unsigned long)r->base, (unsigned long)r->last);
    else
        r->claimed = map;
    return rc;
}

int pvr_ioreq_server_move_region(pvr_ioreq_server *s, unsigned int handle,
                                 bool present, uint64_t base)
{
    struct ioreq_region *r;
    uint64_t len;
    int rc;

    if ( handle >= s->nr_regions || !s->region[handle].movable )
        return -EINVAL;
    r = &s->region[handle];
    len = r->last - r->base + 1;
    if ( present && !range_ok(r->space, base, len) )
        return -EINVAL;
    if ( present && overlaps(s, r->space, base, base + len - 1, r) )
        return -EEXIST;
    if ( r->present && r->base == base && present )
        return 0;
    if ( r->claimed )
    {
        rc = claim_region(s, r, false);
        if ( rc )
            return rc;
    }
    r->present = present;
    r->base = base;
    r->last = base + len - 1;
    if ( !present || !s->claimed )
        return 0;
    rc = claim_region(s, r, true);
    if ( rc )
        r->present = false;
    else
        pvr_debug(COMP, "%s moved to %#lx", r->name, (unsigned long)base);
    return rc;
}

int pvr_ioreq_server_add_pci(pvr_ioreq_server *s, uint32_t sbdf,
                             const pvr_io_ops *ops, void *opaque,
                             const char *name)
{
    unsigned int i;

    if ( s->claimed )
        return -EINVAL;
    for ( i = 0; i < s->nr_pci; i++ )
        if ( s->pci[i].sbdf == sbdf )
            return -EEXIST;
    if ( s->nr_pci == PVR_IOREQ_MAX_PCI )
        return -ENOSPC;
    s->pci[s->nr_pci++] = (struct ioreq_pci){
        .sbdf = sbdf, .ops = ops, .opaque = opaque, .name = name,
    };
    return 0;
}

static int claim_pci(pvr_ioreq_server *s, struct ioreq_pci *f, bool map)
{
    int rc;

    rc = pvr_port_dm_map_pcidev(s->port, s->domid, s->id, f->sbdf >> 16,
                                (f->sbdf >> 8) & 0xff, (f->sbdf >> 3) & 0x1f,
                                f->sbdf & 7, map);
    if ( rc )
        pvr_log_e(map ? PVR_LOG_ERROR : PVR_LOG_DEBUG, COMP, -rc,
                  "%s PCI %04x:%02x:%02x.%u (%s)",
                  map ? "claim" : "release", f->sbdf >> 16,
                  (f->sbdf >> 8) & 0xff, (f->sbdf >> 3) & 0x1f, f->sbdf & 7,
                  f->name);
    else
        f->claimed = map;
    return rc;
}

int pvr_ioreq_server_set_vsm(pvr_ioreq_server *s, pvr_ioreq_vsm_fn *fn,
                             void *opaque)
{
    if ( s->claimed || !fn )
        return -EINVAL;
    s->vsm_fn = fn;
    s->vsm_opaque = opaque;
    return 0;
}

static int claim_vsm(pvr_ioreq_server *s, bool map)
{
    int rc;

    rc = pvr_port_dm_map_vsm_range(s->port, s->domid, s->id, 0,
                                   PVR_VSM_KINDS_LAST, map);
    /* A Xen without the range type: say so, apart from other errors. */
    if ( rc == -EINVAL && map )
        rc = -EOPNOTSUPP;
    if ( rc )
        pvr_log_e(map ? PVR_LOG_ERROR : PVR_LOG_DEBUG, COMP, -rc,
                  "%s VSM events", map ? "claim" : "release");
    else
        s->vsm_claimed = map;
    return rc;
}

int pvr_ioreq_server_enable(pvr_ioreq_server *s)
{
    unsigned int i;
    int rc;

    for ( i = 0; i < s->nr_regions; i++ )
    {
        struct ioreq_region *r = &s->region[i];

        if ( r->claimed || !r->present )
            continue;
        rc = claim_region(s, r, true);
        if ( rc )
            return rc;
        pvr_info(COMP, "%s: %s %#lx-%#lx", r->name,
                 r->space == PVR_IO_MMIO ? "mmio" : "pio",
                 (unsigned long)r->base, (unsigned long)r->last);
    }
    for ( i = 0; i < s->nr_pci; i++ )
    {
        struct ioreq_pci *f = &s->pci[i];

        if ( f->claimed )
            continue;
        rc = claim_pci(s, f, true);
        if ( rc )
            return rc;
        pvr_info(COMP, "%s: PCI %04x:%02x:%02x.%u", f->name, f->sbdf >> 16,
                 (f->sbdf >> 8) & 0xff, (f->sbdf >> 3) & 0x1f, f->sbdf & 7);
    }
    if ( s->vsm_fn && !s->vsm_claimed )
    {
        rc = claim_vsm(s, true);
        if ( rc )
            return rc;
        pvr_info(COMP, "VSM events: kinds 0-%u", PVR_VSM_KINDS_LAST);
    }
    s->claimed = true;
    return 0;
}

/*
 * Teardown calls are tried twice: a transient failure (an interrupted
 * hypercall, a short allocation) must not leave a server in Xen that the
 * guest's accesses would wait on.  A guest that is gone (-ESRCH) or a
 * server Xen already removed (-ENOENT) needs no second try.
 */
#define TEARDOWN(call)                                                  \
    ({                                                                  \
        int rc_ = (call);                                               \
        if ( rc_ && rc_ != -ESRCH && rc_ != -ENOENT )                   \
            rc_ = (call);                                               \
        rc_;                                                            \
    })

/*
 * Stop taking requests and answer those in flight.  Xen does not wake a
 * vCPU blocked on a server that is destroyed under it (its request stays
 * pending for good), so before destroying: release the ranges, so that
 * new accesses go elsewhere (Xen's null handler once nobody claims
 * them), then answer every slot still READY and wait, briefly, for the
 * vCPUs to take their answers.  A vCPU that is paused may not take it
 * in time; it was woken by the answer's notification and will not block.
 */
#define QUIESCE_POLLS    100
#define QUIESCE_POLL_US  10000

static void quiesce(pvr_ioreq_server *s)
{
    unsigned int i, v, busy = 0, polls;

    for ( i = 0; i < s->nr_regions; i++ )
        if ( s->region[i].claimed )
            claim_region(s, &s->region[i], false);
    for ( i = 0; i < s->nr_pci; i++ )
        if ( s->pci[i].claimed )
            claim_pci(s, &s->pci[i], false);
    if ( s->vsm_claimed )
        claim_vsm(s, false);
    if ( !s->iopage )
        return;
    /* Bounded: QUIESCE_POLLS rounds of at most nr_vcpus slots each. */
    for ( polls = 0; polls < QUIESCE_POLLS; polls++ )
    {
        drain_buffered(s);
        busy = 0;
        for ( v = 0; v < s->nr_vcpus; v++ )
        {
            uint8_t state = slot_state(&s->iopage[v]);

            if ( state == PVR_IOREQ_STATE_READY )
                handle_slot(s, v);
            /* Answered now or before: the vCPU has yet to take it. */
            if ( state != PVR_IOREQ_STATE_NONE )
                busy++;
        }
        if ( !busy )
            break;
        usleep(QUIESCE_POLL_US);
    }
    if ( busy )
        pvr_warn(COMP, "server %u: %u vCPU(s) did not take their last "
                 "answer before teardown", s->id, busy);
}

void pvr_ioreq_server_destroy(pvr_ioreq_server *s)
{
    unsigned int i;
    int rc;

    if ( !s )
        return;
    if ( s->enabled )
        quiesce(s);
    /*
     * Destroying the server in Xen drops its ranges and its event
     * channels' far ends; if the guest is already gone, Xen has done it
     * and the calls below fail harmlessly.
     */
    if ( s->created )
    {
        rc = TEARDOWN(pvr_port_dm_destroy_ioreq_server(s->port, s->domid,
                                                       s->id));
        if ( rc == 0 )
            pvr_info(COMP, "server %u destroyed", s->id);
        else
            pvr_log_e(rc == -ESRCH ? PVR_LOG_DEBUG : PVR_LOG_ERROR, COMP,
                      -rc, "destroy server %u", s->id);
    }
    for ( i = 0; i < s->nr_vcpus; i++ )
    {
        if ( !s->vcpu_port[i] )
            continue;
        pvr_evmux_unbind(s->mux, s->vcpu_port[i]);
        TEARDOWN(pvr_port_evtchn_unbind(s->port, s->vcpu_port[i]));
    }
    if ( s->buf_port )
    {
        pvr_evmux_unbind(s->mux, s->buf_port);
        TEARDOWN(pvr_port_evtchn_unbind(s->port, s->buf_port));
    }
    if ( s->res )
        TEARDOWN(pvr_port_fmem_unmap_resource(s->port, s->res));
    free(s);
}

int pvr_ioreq_server_abandon(pvr_port *p, uint32_t domid, uint16_t id,
                             unsigned int nr_vcpus)
{
    pvr_port_resource *res = NULL;
    pvr_ioreq_slot *page = NULL;
    unsigned int v, answered = 0;
    uint32_t local;
    int rc;

    if ( nr_vcpus == 0 || nr_vcpus > PVR_IOREQ_MAX_VCPUS )
        return -EINVAL;
    /* Disabled, the server is no longer chosen for new accesses. */
    rc = pvr_port_dm_set_ioreq_server_state(p, domid, id, false);
    if ( rc == 0 )
        rc = pvr_port_fmem_map_resource(p, domid, PVR_RES_IOREQ_SERVER, id,
                                        PVR_RES_IOREQ_FRAME_IOREQ(0), 1,
                                        PROT_READ | PROT_WRITE,
                                        (void **)&page, &res);
    for ( v = 0; rc == 0 && v < nr_vcpus; v++ )
    {
        pvr_ioreq_slot copy;
        uint8_t state = slot_state(&page[v]);

        if ( state != PVR_IOREQ_STATE_READY &&
             state != PVR_IOREQ_STATE_INPROCESS )
            continue;
        /* No device is left to ask: reads see all-ones, as if unclaimed. */
        read_slot(&page[v], &copy);
        slot_complete(&page[v], copy.flags, ~0ULL);
        /* The dead worker's binding is gone; the channel can be rebound. */
        if ( pvr_port_evtchn_bind_interdomain(p, domid, copy.vp_eport,
                                             &local) == 0 )
        {
            pvr_port_evtchn_notify(p, local);
            pvr_port_evtchn_unbind(p, local);
        }
        answered++;
    }
    if ( res )
        TEARDOWN(pvr_port_fmem_unmap_resource(p, res));
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "server %u: answering requests "
                  "left in flight", id);
    else if ( answered )
        pvr_warn(COMP, "server %u: answered %u request(s) left in flight",
                 id, answered);
    rc = TEARDOWN(pvr_port_dm_destroy_ioreq_server(p, domid, id));
    if ( rc )
        pvr_log_e(PVR_LOG_ERROR, COMP, -rc, "destroy server %u", id);
    return rc;
}

void pvr_ioreq_server_stats(const pvr_ioreq_server *s,
                            struct pvr_ioreq_stats *out)
{
    *out = s->stats;
}

uint16_t pvr_ioreq_server_id(const pvr_ioreq_server *s)
{
    return s->id;
}
