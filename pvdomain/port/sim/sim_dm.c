/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated device-model interface: IOREQ servers, and the guest side
 * that posts ioreqs to them the way Xen does.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "port/sim/sim_priv.h"

static struct sim_server *server_get(pvr_sim *s, uint32_t domid, uint16_t id)
{
    if ( domid != s->domid || s->dead || id >= SIM_MAX_SERVERS ||
         !s->server[id].used )
        return NULL;
    return &s->server[id];
}

static void server_free_locked(pvr_sim *s, struct sim_server *srv)
{
    pvr_ioreq_slot *slot = (pvr_ioreq_slot *)(srv->pages + PVR_PAGE_SIZE);
    unsigned int v;

    /*
     * As Xen: a vCPU whose request was never answered stays blocked for
     * good when its server goes away.  Count them.
     */
    for ( v = 0; v < s->nr_vcpus; v++ )
    {
        uint8_t st = slot[v].flags & PVR_IOREQ_STATE_MASK;

        if ( st == PVR_IOREQ_STATE_READY || st == PVR_IOREQ_STATE_INPROCESS )
            s->stranded++;
    }
    for ( v = 0; v < s->nr_vcpus; v++ )
        sim__evtchn_free_remote_locked(s, srv->vp_eport[v]);
    if ( srv->mode != PVR_BUFIOREQ_OFF )
        sim__evtchn_free_remote_locked(s, srv->buf_port);
    munmap(srv->pages, 2 * PVR_PAGE_SIZE);
    memset(srv, 0, sizeof(*srv));
}

static int sim_create_server(pvr_port *p, uint32_t domid,
                             enum pvr_bufioreq_mode mode, uint16_t *id_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_server *srv = NULL;
    unsigned int i, v;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if ( domid != s->domid || s->dead )
    {
        rc = -ESRCH;
        goto out;
    }
    for ( i = 0; i < SIM_MAX_SERVERS && !srv; i++ )
        if ( !s->server[i].used )
            srv = &s->server[i];
    if ( !srv )
    {
        rc = -ENOSPC;
        goto out;
    }
    srv->pages = mmap(NULL, 2 * PVR_PAGE_SIZE, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if ( srv->pages == MAP_FAILED )
    {
        rc = -errno;
        srv->pages = NULL;
        goto out;
    }
    srv->used = true;
    srv->mode = mode;
    /* As Xen: the ports reach the shared page only when enabled. */
    for ( v = 0; v < s->nr_vcpus && rc == 0; v++ )
        rc = sim__evtchn_alloc_remote_locked(s, &srv->vp_eport[v]);
    if ( rc == 0 && mode != PVR_BUFIOREQ_OFF )
        rc = sim__evtchn_alloc_remote_locked(s, &srv->buf_port);
    if ( rc )
        server_free_locked(s, srv);
    else
        *id_out = srv - s->server;
 out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_get_info(pvr_port *p, uint32_t domid, uint16_t id,
                        uint32_t *bufioreq_port_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_server *srv;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    srv = server_get(s, domid, id);
    if ( !srv )
        rc = -ENOENT;
    else if ( srv->mode == PVR_BUFIOREQ_OFF )
        *bufioreq_port_out = 0;
    else
        *bufioreq_port_out = srv->buf_port;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int map_range(pvr_sim *s, uint32_t domid, uint16_t id,
                     unsigned int type, uint64_t start, uint64_t end,
                     bool map)
{
    struct sim_server *srv;
    unsigned int i;
    int rc = -ENOENT;

    pthread_mutex_lock(&s->lock);
    srv = server_get(s, domid, id);
    if ( !srv )
        goto out;
    if ( !map )
    {
        for ( i = 0; i < SIM_MAX_RANGES; i++ )
        {
            struct sim_range *r = &srv->range[i];

            if ( r->used && r->type == type && r->start == start &&
                 r->end == end )
            {
                r->used = false;
                rc = 0;
                goto out;
            }
        }
        goto out;
    }
    /* As Xen's rangesets: overlapping claims on one server fail. */
    for ( i = 0; i < SIM_MAX_RANGES; i++ )
    {
        struct sim_range *r = &srv->range[i];

        if ( r->used && r->type == type && start <= r->end &&
             end >= r->start )
        {
            rc = -EEXIST;
            goto out;
        }
    }
    rc = -ENOSPC;
    for ( i = 0; i < SIM_MAX_RANGES; i++ )
    {
        if ( !srv->range[i].used )
        {
            srv->range[i] = (struct sim_range){ true, type, start, end };
            rc = 0;
            break;
        }
    }
 out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_map_io_range(pvr_port *p, uint32_t domid, uint16_t id,
                            bool mmio, uint64_t start, uint64_t end,
                            bool map)
{
    return map_range(sim_of(p), domid, id,
                     mmio ? PVR_IOREQ_TYPE_COPY : PVR_IOREQ_TYPE_PIO,
                     start, end, map);
}

/* PCI config ioreqs carry the SBDF in addr bits 32-63, as on Xen. */
static uint64_t sbdf(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    return ((uint64_t)seg << 16) | ((uint64_t)bus << 8) | (dev << 3) | fn;
}

static int sim_map_pcidev(pvr_port *p, uint32_t domid, uint16_t id,
                          uint16_t segment, uint8_t bus, uint8_t device,
                          uint8_t function, bool map)
{
    uint64_t b = sbdf(segment, bus, device, function);

    return map_range(sim_of(p), domid, id, PVR_IOREQ_TYPE_PCI_CONFIG, b, b,
                     map);
}

/*
 * VSM event kinds, as Xen with xen-patches: range type 3.  Without them
 * (pvr_sim_set_vsm(s, false)) Xen knows no such range type: -EINVAL.
 */
static int sim_map_vsm_range(pvr_port *p, uint32_t domid, uint16_t id,
                             uint64_t start, uint64_t end, bool map)
{
    if ( sim_of(p)->no_vsm )
        return -EINVAL;
    return map_range(sim_of(p), domid, id, PVR_IOREQ_TYPE_VSM, start, end,
                     map);
}

static int sim_set_state(pvr_port *p, uint32_t domid, uint16_t id,
                         bool enabled)
{
    pvr_sim *s = sim_of(p);
    struct sim_server *srv;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    srv = server_get(s, domid, id);
    if ( !srv )
        rc = -ENOENT;
    else if ( enabled && !srv->enabled )
    {
        pvr_ioreq_slot *slot = (pvr_ioreq_slot *)(srv->pages + PVR_PAGE_SIZE);
        unsigned int v;

        /* ioreq_server_enable() publishes each vCPU's event channel. */
        for ( v = 0; v < s->nr_vcpus; v++ )
            slot[v].vp_eport = srv->vp_eport[v];
    }
    if ( srv )
        srv->enabled = enabled;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_destroy_server(pvr_port *p, uint32_t domid, uint16_t id)
{
    pvr_sim *s = sim_of(p);
    struct sim_server *srv;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    srv = server_get(s, domid, id);
    if ( !srv )
        rc = -ENOENT;
    else
        server_free_locked(s, srv);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_inject_msi(pvr_port *p, uint32_t domid, uint64_t addr,
                          uint32_t data)
{
    pvr_sim *s = sim_of(p);
    unsigned int i;

    if ( domid != s->domid || s->dead )
        return -ESRCH;
    pthread_mutex_lock(&s->lock);
    s->msi_log[s->msis % PVR_SIM_MSI_LOG] =
        (struct pvr_sim_msi){ addr, data };
    s->msis++;
    /* Distinct (address, data) pairs beyond the table are not counted. */
    for ( i = 0; i < SIM_MAX_MSI_KEYS; i++ )
    {
        struct sim_msi_count *c = &s->msi_count[i];

        if ( c->n == 0 )
            *c = (struct sim_msi_count){ addr, data, 0 };
        if ( c->addr == addr && c->data == data )
        {
            c->n++;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int sim_set_isa_irq_level(pvr_port *p, uint32_t domid, uint8_t irq,
                                 unsigned int level)
{
    pvr_sim *s = sim_of(p);

    if ( domid != s->domid || s->dead )
        return -ESRCH;
    /* As XEN_DMOP_set_isa_irq_level: ISA IRQs 0-15 only. */
    if ( irq > 15 )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    if ( level && !s->isa_level[irq] )
        s->isa_raised[irq]++;
    s->isa_level[irq] = level != 0;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

unsigned long pvr_sim_msis(pvr_sim *s, struct pvr_sim_msi *log_out,
                           unsigned int max, unsigned int *nr_out)
{
    unsigned long total, first;
    unsigned int n = 0;

    pthread_mutex_lock(&s->lock);
    total = s->msis;
    first = total > PVR_SIM_MSI_LOG ? total - PVR_SIM_MSI_LOG : 0;
    if ( total - first > max )
        first = total - max;
    for ( ; log_out && first < total; first++ )
        log_out[n++] = s->msi_log[first % PVR_SIM_MSI_LOG];
    pthread_mutex_unlock(&s->lock);
    if ( nr_out )
        *nr_out = n;
    return total;
}

unsigned long pvr_sim_msi_count(pvr_sim *s, uint64_t addr, uint32_t data)
{
    unsigned long n = 0;
    unsigned int i;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_MSI_KEYS; i++ )
        if ( s->msi_count[i].n && s->msi_count[i].addr == addr &&
             s->msi_count[i].data == data )
            n = s->msi_count[i].n;
    pthread_mutex_unlock(&s->lock);
    return n;
}

unsigned int pvr_sim_isa_irq_level(pvr_sim *s, uint8_t irq,
                                   unsigned long *raised_out)
{
    unsigned int level = 0;

    pthread_mutex_lock(&s->lock);
    if ( irq < 16 )
    {
        level = s->isa_level[irq];
        if ( raised_out )
            *raised_out = s->isa_raised[irq];
    }
    pthread_mutex_unlock(&s->lock);
    return level;
}

void sim__dm_dispose(pvr_sim *s)
{
    unsigned int i;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_SERVERS; i++ )
        if ( s->server[i].used )
            server_free_locked(s, &s->server[i]);
    pthread_mutex_unlock(&s->lock);
}

const struct pvr_dm_ops sim__dm_ops = {
    .create_ioreq_server = sim_create_server,
    .get_ioreq_server_info = sim_get_info,
    .map_io_range = sim_map_io_range,
    .map_pcidev = sim_map_pcidev,
    .map_vsm_range = sim_map_vsm_range,
    .set_ioreq_server_state = sim_set_state,
    .destroy_ioreq_server = sim_destroy_server,
    .inject_msi = sim_inject_msi,
    .set_isa_irq_level = sim_set_isa_irq_level,
};

/* ---- the guest side ---- */

unsigned int pvr_sim_ioreq_servers(pvr_sim *s, unsigned int *ranges_out)
{
    unsigned int i, j, n = 0, r = 0;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_SERVERS; i++ )
    {
        if ( !s->server[i].used )
            continue;
        n++;
        for ( j = 0; j < SIM_MAX_RANGES; j++ )
            r += s->server[i].range[j].used;
    }
    pthread_mutex_unlock(&s->lock);
    if ( ranges_out )
        *ranges_out = r;
    return n;
}

/* ioreq_server_select(): the enabled server whose range holds the access. */
static struct sim_server *select_locked(pvr_sim *s, unsigned int type,
                                        uint64_t addr, uint64_t last)
{
    unsigned int i, j;

    if ( type == PVR_IOREQ_TYPE_PCI_CONFIG )
        addr = last = addr >> 32;
    else if ( type == PVR_IOREQ_TYPE_VSM )
        addr = last = addr >> 56;       /* the kind */
    for ( i = 0; i < SIM_MAX_SERVERS; i++ )
    {
        struct sim_server *srv = &s->server[i];

        if ( !srv->used || !srv->enabled )
            continue;
        for ( j = 0; j < SIM_MAX_RANGES; j++ )
        {
            struct sim_range *r = &srv->range[j];

            if ( r->used && r->type == type && addr >= r->start &&
                 last <= r->end )
                return srv;
        }
    }
    return NULL;
}

static volatile uint8_t *slot_flags(pvr_ioreq_slot *slot)
{
    return (volatile uint8_t *)&slot->flags;
}

static uint64_t all_ones(unsigned int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Wait for the device model's answer; s->lock held. */
static int wait_locked(pvr_sim *s, pvr_ioreq_slot *slot)
{
    struct timespec deadline;
    unsigned int spins = 0;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    for ( ;; )
    {
        if ( (*slot_flags(slot) & PVR_IOREQ_STATE_MASK) ==
             PVR_IOREQ_STATE_RESP_READY )
            return 0;
        if ( s->pump )
        {
            /* Bounded: a pump that never answers is a test failure. */
            if ( ++spins > 100000 )
                return -ETIMEDOUT;
            pthread_mutex_unlock(&s->lock);
            s->pump(s->pump_opaque);
            pthread_mutex_lock(&s->lock);
        }
        else if ( pthread_cond_timedwait(&s->cond, &s->lock, &deadline) )
            return -ETIMEDOUT;
    }
}

/* Fill srv's slot for vcpu, mark it READY and kick; lock held. */
static int send_locked(pvr_sim *s, struct sim_server *srv, unsigned int vcpu,
                       const pvr_ioreq_slot *req)
{
    pvr_ioreq_slot *slot;

    slot = (pvr_ioreq_slot *)(srv->pages + PVR_PAGE_SIZE) + vcpu;
    slot->addr = req->addr;
    slot->data = req->data;
    slot->count = req->count;
    slot->size = req->size;
    slot->type = req->type;
    /* The request must be visible before its state says READY. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *slot_flags(slot) = (req->flags & ~PVR_IOREQ_STATE_MASK) |
                        PVR_IOREQ_STATE_READY;
    return sim__evtchn_kick_locked(s, srv->vp_eport[vcpu]);
}

/* Post req to srv's slot for vcpu and wait for the answer; lock held. */
static int post_locked(pvr_sim *s, struct sim_server *srv, unsigned int vcpu,
                       pvr_ioreq_slot *req)
{
    pvr_ioreq_slot *slot;
    int rc;

    slot = (pvr_ioreq_slot *)(srv->pages + PVR_PAGE_SIZE) + vcpu;
    rc = send_locked(s, srv, vcpu, req);
    if ( rc == 0 )
        rc = wait_locked(s, slot);
    if ( rc == 0 )
    {
        /* Read the answer only after seeing RESP_READY. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        req->data = slot->data;
        *slot_flags(slot) &= ~PVR_IOREQ_STATE_MASK;
    }
    return rc;
}

int pvr_sim_io(pvr_sim *s, unsigned int vcpu, pvr_ioreq_slot *req)
{
    struct sim_server *srv;
    uint64_t span, first, last;
    int rc;

    if ( req->type == PVR_IOREQ_TYPE_VSM )
        return pvr_sim_vsm(s, vcpu, req->addr, &req->data, req->count,
                           req->size);
    if ( vcpu >= s->nr_vcpus || req->size == 0 || req->count == 0 )
        return -EINVAL;
    /* As Xen: the whole access must lie in one claimed range. */
    span = (uint64_t)req->size * req->count - 1;
    first = req->addr;
    last = req->addr + span;
    if ( req->type == PVR_IOREQ_TYPE_PIO )
        last = req->addr + req->size - 1;
    else if ( req->flags & PVR_IOREQ_F_DF )
    {
        first = req->addr - (span + 1 - req->size);
        last = req->addr + req->size - 1;
    }

    pthread_mutex_lock(&s->lock);
    srv = select_locked(s, req->type, first, last);
    if ( !srv )
    {
        pthread_mutex_unlock(&s->lock);
        if ( req->flags & PVR_IOREQ_F_DIR_READ )
            req->data = all_ones(req->size);
        return 1;
    }
    rc = post_locked(s, srv, vcpu, req);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void pvr_sim_set_vsm(pvr_sim *s, bool patched)
{
    s->no_vsm = !patched;
}

int pvr_sim_vsm(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                uint64_t *data, uint32_t count, uint32_t size)
{
    pvr_ioreq_slot req = {
        .addr = addr, .data = *data, .count = count, .size = size,
        .flags = PVR_IOREQ_F_DIR_READ, .type = PVR_IOREQ_TYPE_VSM,
    };
    struct sim_server *srv;
    int rc;

    if ( vcpu >= s->nr_vcpus )
        return -EINVAL;
    pthread_mutex_lock(&s->lock);
    srv = select_locked(s, PVR_IOREQ_TYPE_VSM, addr, addr);
    if ( !srv )
    {
        pthread_mutex_unlock(&s->lock);
        return 1;
    }
    rc = post_locked(s, srv, vcpu, &req);
    pthread_mutex_unlock(&s->lock);
    if ( rc == 0 )
        *data = req.data;
    return rc;
}

int pvr_sim_io_post(pvr_sim *s, uint16_t id, unsigned int vcpu,
                    const pvr_ioreq_slot *req)
{
    int rc = -EINVAL;

    pthread_mutex_lock(&s->lock);
    if ( id < SIM_MAX_SERVERS && s->server[id].used && vcpu < s->nr_vcpus )
        rc = send_locked(s, &s->server[id], vcpu, req);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

unsigned int pvr_sim_stranded_vcpus(pvr_sim *s)
{
    return s->stranded;
}

int pvr_sim_io_raw(pvr_sim *s, uint16_t id, unsigned int vcpu,
                   pvr_ioreq_slot *req)
{
    int rc = -EINVAL;

    pthread_mutex_lock(&s->lock);
    if ( id < SIM_MAX_SERVERS && s->server[id].used && vcpu < s->nr_vcpus )
        rc = post_locked(s, &s->server[id], vcpu, req);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int pvr_sim_mmio_read(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                      unsigned int size, uint64_t *val_out)
{
    pvr_ioreq_slot req = {
        .addr = addr, .size = size, .count = 1,
        .flags = PVR_IOREQ_F_DIR_READ, .type = PVR_IOREQ_TYPE_COPY,
    };
    int rc = pvr_sim_io(s, vcpu, &req);

    *val_out = req.data;
    return rc < 0 ? rc : 0;
}

int pvr_sim_mmio_write(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                       unsigned int size, uint64_t val)
{
    pvr_ioreq_slot req = {
        .addr = addr, .data = val, .size = size, .count = 1,
        .type = PVR_IOREQ_TYPE_COPY,
    };
    int rc = pvr_sim_io(s, vcpu, &req);

    return rc < 0 ? rc : 0;
}

pvr_ioreq_slot *pvr_sim_ioreq_slot(pvr_sim *s, uint16_t id,
                                   unsigned int vcpu)
{
    if ( id >= SIM_MAX_SERVERS || !s->server[id].used ||
         vcpu >= s->nr_vcpus )
        return NULL;
    return (pvr_ioreq_slot *)(s->server[id].pages + PVR_PAGE_SIZE) + vcpu;
}

pvr_bufioreq_page *pvr_sim_bufio_page(pvr_sim *s, uint16_t id)
{
    if ( id >= SIM_MAX_SERVERS || !s->server[id].used ||
         s->server[id].mode == PVR_BUFIOREQ_OFF )
        return NULL;
    return (pvr_bufioreq_page *)s->server[id].pages;
}

int pvr_sim_bufio_write(pvr_sim *s, unsigned int type, uint64_t addr,
                        unsigned int size, uint64_t data)
{
    struct sim_server *srv;
    pvr_bufioreq_page *pg;
    unsigned int qw = size == 8, code;
    uint32_t wp, word;
    int rc = 0;

    switch ( size )
    {
    case 1: code = 0; break;
    case 2: code = 1; break;
    case 4: code = 2; break;
    case 8: code = 3; break;
    default: return -EINVAL;
    }
    if ( addr > 0xfffff )
        return -EINVAL;

    pthread_mutex_lock(&s->lock);
    srv = select_locked(s, type, addr, addr + size - 1);
    if ( !srv || srv->mode == PVR_BUFIOREQ_OFF )
    {
        rc = -ENOENT;
        goto out;
    }
    pg = (pvr_bufioreq_page *)srv->pages;
    wp = pg->write_pointer;
    if ( wp - pg->read_pointer >= PVR_BUFIOREQ_SLOTS - qw )
    {
        rc = -EAGAIN;
        goto out;
    }
    word = (type & 0xff) | (code << 10) | ((uint32_t)addr << 12);
    pg->slot[wp % PVR_BUFIOREQ_SLOTS] =
        (pvr_bufioreq_slot){ word, (uint32_t)data };
    if ( qw )
        pg->slot[(wp + 1) % PVR_BUFIOREQ_SLOTS] =
            (pvr_bufioreq_slot){ word, (uint32_t)(data >> 32) };
    /* Slots before the pointer, as Xen's smp_wmb(). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    pg->write_pointer = wp + 1 + qw;
    rc = sim__evtchn_kick_locked(s, srv->buf_port);
 out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}
