/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Backend selection and the checked wrappers around every hook.
 *
 * Every wrapper does, in this order: argument checks that hold for all
 * backends, the fault-injection count, then the hook.  A hook that a
 * backend does not provide answers -EOPNOTSUPP.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "port/backend.h"

/*
 * The guest-memory map cache (pvr_port_mapcache_enable): buckets of
 * MC_PAGES guest frames, each mapped in one call and kept until evicted
 * (least recently used) or invalidated, so that guest_read/_write cost a
 * lookup and a memcpy instead of a map and an unmap per page.  A frame
 * the bucket could not map (a hole, a read-only page) goes the uncached
 * way, which reports it as before.
 */
#define MC_SHIFT 8
#define MC_PAGES (1u << MC_SHIFT)               /* 1 MiB of guest memory */

struct mc_bucket {
    uint8_t *addr;                      /* NULL: empty */
    uint32_t domid;
    uint64_t first;                     /* gfn, a multiple of MC_PAGES */
    uint64_t used;                      /* the cache's clock at last use */
    uint64_t bad[MC_PAGES / 64];        /* frames that did not map */
};

struct pvr_port {
    const struct pvr_port_backend *be;
    void *priv;
    unsigned long calls;
    unsigned long fail_at;
    struct mc_bucket *mc;               /* NULL: no map cache */
    unsigned int mc_n;
    uint64_t mc_clock;
    struct pvr_port_mapcache_stats mc_stats;
    struct {
        pvr_port_invalidate_fn *fn;     /* NULL: free */
        void *opaque;
    } hooks[PVR_PORT_INVALIDATE_HOOKS];
};

static void mc_drop_all(pvr_port *p);

static const struct pvr_port_backend *const backends[] = {
#ifdef HAVE_XEN
    &pvr_port_xen_backend,
#endif
    &pvr_port_sim_backend,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int pvr_port_open(const char *name, pvr_port **port_out)
{
    const struct pvr_port_backend *be = NULL;
    pvr_port *p;
    unsigned int i;
    int rc;

    *port_out = NULL;
    for ( i = 0; i < ARRAY_SIZE(backends); i++ )
        if ( !strcmp(backends[i]->name, name) )
            be = backends[i];
    if ( !be )
    {
        pvr_err("port", "no backend '%s' in this build (have:%s%s)", name,
#ifdef HAVE_XEN
                " xen",
#else
                "",
#endif
                " sim");
        return -ENOENT;
    }

    p = calloc(1, sizeof(*p));
    if ( !p )
        return -ENOMEM;
    p->be = be;
    rc = be->open(p);
    if ( rc )
    {
        free(p);
        return rc;
    }
    *port_out = p;
    return 0;
}

void pvr_port_close(pvr_port *p)
{
    if ( !p )
        return;
    mc_drop_all(p);
    free(p->mc);
    p->be->close(p);
    free(p);
}

const char *pvr_port_name(const pvr_port *p)
{
    return p->be->name;
}

void *pvr_port_priv(const pvr_port *p)
{
    return p->priv;
}

void pvr_port_set_priv(pvr_port *p, void *priv)
{
    p->priv = priv;
}

void pvr_port_fail_nth(pvr_port *p, unsigned long n)
{
    p->fail_at = n ? p->calls + n : 0;
}

unsigned long pvr_port_calls(const pvr_port *p)
{
    return p->calls;
}

/* Count a call; non-zero when fault injection says it must fail. */
static int port_fault(pvr_port *p, const char *op)
{
    if ( ++p->calls != p->fail_at )
        return 0;
    pvr_debug("port", "fault injected into %s (call %lu)", op, p->calls);
    return 1;
}

/*
 * Dispatch to a hook: NULL table or hook gives -EOPNOTSUPP, an injected
 * fault gives -EIO.
 */
#define CALL(p, table, hook, ...)                                       \
    ( !(p)->be->table || !(p)->be->table->hook ? -EOPNOTSUPP :          \
      port_fault(p, #table "." #hook) ? -EIO :                         \
      (p)->be->table->hook(p, __VA_ARGS__) )

int pvr_port_restrict(pvr_port *p, uint32_t domid)
{
    if ( !p->be->restrict_to )
        return -EOPNOTSUPP;
    if ( port_fault(p, "restrict") )
        return -EIO;
    return p->be->restrict_to(p, domid);
}

int pvr_port_keep_altp2m(pvr_port *p)
{
    if ( !p->be->keep_altp2m )
        return -EOPNOTSUPP;
    return p->be->keep_altp2m(p);
}

/* ---- domain control ---- */

int pvr_port_domctl_getinfo(pvr_port *p, uint32_t domid, pvr_dominfo *out)
{
    memset(out, 0, sizeof(*out));
    return CALL(p, domctl, getinfo, domid, out);
}

int pvr_port_domctl_pause(pvr_port *p, uint32_t domid)
{
    return CALL(p, domctl, pause, domid);
}

int pvr_port_domctl_unpause(pvr_port *p, uint32_t domid)
{
    return CALL(p, domctl, unpause, domid);
}

/* ---- foreign memory ---- */

#define PVR_PORT_FMEM_MAX 1024  /* pages per mapping call */

int pvr_port_fmem_map(pvr_port *p, uint32_t domid, int prot, size_t nr,
                      const uint64_t gfns[], int errs_out[],
                      void **addr_out)
{
    *addr_out = NULL;
    if ( nr == 0 || nr > PVR_PORT_FMEM_MAX )
        return -EINVAL;
    if ( prot & ~(PROT_READ | PROT_WRITE) )
        return -EINVAL;
    return CALL(p, fmem, map, domid, prot, nr, gfns, errs_out, addr_out);
}

int pvr_port_fmem_unmap(pvr_port *p, void *addr, size_t nr)
{
    if ( !addr )
        return 0;
    if ( nr == 0 || nr > PVR_PORT_FMEM_MAX )
        return -EINVAL;
    return CALL(p, fmem, unmap, addr, nr);
}

int pvr_port_fmem_map_resource(pvr_port *p, uint32_t domid,
                               unsigned int type, unsigned int id,
                               unsigned long frame, unsigned long nr,
                               int prot, void **addr_out,
                               pvr_port_resource **res_out)
{
    *addr_out = NULL;
    *res_out = NULL;
    if ( nr == 0 || nr > PVR_PORT_FMEM_MAX )
        return -EINVAL;
    return CALL(p, fmem, map_resource, domid, type, id, frame, nr, prot,
                addr_out, res_out);
}

int pvr_port_fmem_unmap_resource(pvr_port *p, pvr_port_resource *res)
{
    if ( !res )
        return 0;
    return CALL(p, fmem, unmap_resource, res);
}

/*
 * Copy between guest memory and a private buffer: exactly one of in (guest
 * to us) and out (us to guest) is non-NULL.
 */
/* ---- guest memory, through the map cache when there is one ---- */

int pvr_port_mapcache_enable(pvr_port *p, unsigned int buckets)
{
    if ( p->mc || buckets == 0 || buckets > PVR_PORT_MAPCACHE_MAX )
        return -EINVAL;
    p->mc = calloc(buckets, sizeof(*p->mc));
    if ( !p->mc )
        return -ENOMEM;
    p->mc_n = buckets;
    return 0;
}

static void mc_drop(pvr_port *p, struct mc_bucket *b)
{
    if ( !b->addr )
        return;
    /* Retried as bf_unshare does: a mapping we lose is only address space. */
    if ( pvr_port_fmem_unmap(p, b->addr, MC_PAGES) &&
         pvr_port_fmem_unmap(p, b->addr, MC_PAGES) )
        pvr_warn("port", "map cache: cannot unmap gfn %#llx+%u",
                 (unsigned long long)b->first, MC_PAGES);
    b->addr = NULL;
}

static void mc_drop_all(pvr_port *p)
{
    unsigned int i;

    for ( i = 0; i < p->mc_n; i++ )
        mc_drop(p, &p->mc[i]);
}

void pvr_port_mapcache_invalidate(pvr_port *p)
{
    unsigned int i;

    mc_drop_all(p);
    if ( p->mc )
        p->mc_stats.invalidations++;
    for ( i = 0; i < PVR_PORT_INVALIDATE_HOOKS; i++ )
        if ( p->hooks[i].fn )
            p->hooks[i].fn(p->hooks[i].opaque);
}

int pvr_port_invalidate_hook_add(pvr_port *p, pvr_port_invalidate_fn *fn,
                                 void *opaque)
{
    unsigned int i;

    for ( i = 0; i < PVR_PORT_INVALIDATE_HOOKS; i++ )
        if ( !p->hooks[i].fn )
        {
            p->hooks[i].fn = fn;
            p->hooks[i].opaque = opaque;
            return 0;
        }
    return -ENOSPC;
}

void pvr_port_invalidate_hook_del(pvr_port *p, pvr_port_invalidate_fn *fn,
                                  void *opaque)
{
    unsigned int i;

    for ( i = 0; i < PVR_PORT_INVALIDATE_HOOKS; i++ )
        if ( p->hooks[i].fn == fn && p->hooks[i].opaque == opaque )
        {
            p->hooks[i].fn = NULL;
            p->hooks[i].opaque = NULL;
            return;
        }
}

void pvr_port_mapcache_stats(const pvr_port *p,
                             struct pvr_port_mapcache_stats *out)
{
    *out = p->mc_stats;
}

/* The mapped page of gfn from the cache, or NULL (then go uncached). */
static uint8_t *mc_page(pvr_port *p, uint32_t domid, uint64_t gfn)
{
    uint64_t first = gfn & ~(uint64_t)(MC_PAGES - 1);
    uint64_t gfns[MC_PAGES];
    int errs[MC_PAGES];
    struct mc_bucket *b = NULL, *lru = NULL;
    unsigned int i, k = (unsigned int)(gfn - first);
    void *addr;

    for ( i = 0; i < p->mc_n && !b; i++ )
        if ( p->mc[i].addr && p->mc[i].first == first &&
             p->mc[i].domid == domid )
            b = &p->mc[i];
    /* The victim: an empty bucket, else the least recently used. */
    for ( i = 0; i < p->mc_n && !b; i++ )
        if ( !lru || (lru->addr && (!p->mc[i].addr ||
                                     p->mc[i].used < lru->used)) )
            lru = &p->mc[i];
    if ( b )
        p->mc_stats.hits++;
    else
    {
        p->mc_stats.misses++;
        if ( lru->addr )
            p->mc_stats.evictions++;
        mc_drop(p, lru);
        for ( i = 0; i < MC_PAGES; i++ )
            gfns[i] = first + i;
        if ( pvr_port_fmem_map(p, domid, PROT_READ | PROT_WRITE, MC_PAGES,
                               gfns, errs, &addr) )
            return NULL;
        b = lru;
        *b = (struct mc_bucket){ .addr = addr, .domid = domid,
                                 .first = first };
        for ( i = 0; i < MC_PAGES; i++ )
            if ( errs[i] )
                b->bad[i / 64] |= 1ull << (i % 64);
    }
    b->used = ++p->mc_clock;
    if ( b->bad[k / 64] & (1ull << (k % 64)) )
        return NULL;
    return b->addr + (size_t)k * PVR_PAGE_SIZE;
}

static int guest_copy(pvr_port *p, uint32_t domid, uint64_t gpa,
                      uint8_t *in, const uint8_t *out, size_t len)
{
    int prot = out ? PROT_READ | PROT_WRITE : PROT_READ;

    if ( len > PVR_PORT_GUEST_COPY_MAX )
        return -E2BIG;
    if ( gpa + len < gpa )
        return -EFAULT;

    /* One page per iteration: bounded by len / PAGE_SIZE + 1. */
    while ( len > 0 )
    {
        uint64_t gfn = gpa >> PVR_PAGE_SHIFT;
        size_t off = gpa & (PVR_PAGE_SIZE - 1);
        size_t chunk = PVR_PAGE_SIZE - off;
        uint8_t *page = p->mc ? mc_page(p, domid, gfn) : NULL;
        bool cached = page != NULL;
        int err = 0, rc;

        if ( chunk > len )
            chunk = len;
        if ( !cached )
        {
            rc = pvr_port_fmem_map(p, domid, prot, 1, &gfn, &err,
                                   (void **)&page);
            if ( rc )
                return rc;
            if ( err )
            {
                pvr_port_fmem_unmap(p, page, 1);
                return -EFAULT;
            }
        }
        if ( out )
        {
            memcpy(page + off, out, chunk);
            out += chunk;
        }
        else
        {
            memcpy(in, page + off, chunk);
            in += chunk;
        }
        if ( !cached && (rc = pvr_port_fmem_unmap(p, page, 1)) )
            return rc;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int pvr_port_guest_read(pvr_port *p, uint32_t domid, uint64_t gpa,
                        void *buf, size_t len)
{
    return guest_copy(p, domid, gpa, buf, NULL, len);
}

int pvr_port_guest_write(pvr_port *p, uint32_t domid, uint64_t gpa,
                         const void *buf, size_t len)
{
    return guest_copy(p, domid, gpa, NULL, buf, len);
}

/* ---- event channels ---- */

int pvr_port_evtchn_fd(pvr_port *p)
{
    if ( !p->be->evtchn || !p->be->evtchn->fd )
        return -EOPNOTSUPP;
    return p->be->evtchn->fd(p);
}

int pvr_port_evtchn_bind_interdomain(pvr_port *p, uint32_t domid,
                                     uint32_t remote_port,
                                     uint32_t *local_out)
{
    return CALL(p, evtchn, bind_interdomain, domid, remote_port, local_out);
}

int pvr_port_evtchn_bind_unbound(pvr_port *p, uint32_t domid,
                                 uint32_t *local_out)
{
    return CALL(p, evtchn, bind_unbound, domid, local_out);
}

int pvr_port_evtchn_unbind(pvr_port *p, uint32_t port)
{
    return CALL(p, evtchn, unbind, port);
}

/*
 * Notify is not counted for fault injection: any thread may call it,
 * and a lost notification is a hang, not an error path.
 */
int pvr_port_evtchn_notify(pvr_port *p, uint32_t port)
{
    if ( !p->be->evtchn || !p->be->evtchn->notify )
        return -EOPNOTSUPP;
    return p->be->evtchn->notify(p, port);
}

int pvr_port_evtchn_pending(pvr_port *p, uint32_t *port_out)
{
    return CALL(p, evtchn, pending, port_out);
}

int pvr_port_evtchn_unmask(pvr_port *p, uint32_t port)
{
    return CALL(p, evtchn, unmask, port);
}

/* ---- grant tables ---- */

int pvr_port_gnttab_share(pvr_port *p, uint32_t domid, unsigned int count,
                          uint32_t refs_out[], bool writable,
                          void **addr_out)
{
    *addr_out = NULL;
    if ( count == 0 || count > PVR_PORT_GNTTAB_MAX )
        return -EINVAL;
    return CALL(p, gnttab, share, domid, count, refs_out, writable,
                addr_out);
}

int pvr_port_gnttab_unshare(pvr_port *p, void *addr, unsigned int count)
{
    if ( !addr )
        return 0;
    if ( count == 0 || count > PVR_PORT_GNTTAB_MAX )
        return -EINVAL;
    return CALL(p, gnttab, unshare, addr, count);
}

int pvr_port_gnttab_map(pvr_port *p, uint32_t domid, unsigned int count,
                        const uint32_t refs[], bool writable,
                        void **addr_out)
{
    *addr_out = NULL;
    if ( count == 0 || count > PVR_PORT_GNTTAB_MAX )
        return -EINVAL;
    return CALL(p, gnttab, map, domid, count, refs, writable, addr_out);
}

int pvr_port_gnttab_unmap(pvr_port *p, void *addr, unsigned int count)
{
    if ( !addr )
        return 0;
    if ( count == 0 || count > PVR_PORT_GNTTAB_MAX )
        return -EINVAL;
    return CALL(p, gnttab, unmap, addr, count);
}

/* ---- device model ---- */

int pvr_port_dm_create_ioreq_server(pvr_port *p, uint32_t domid,
                                    enum pvr_bufioreq_mode mode,
                                    uint16_t *id_out)
{
    if ( mode > PVR_BUFIOREQ_ATOMIC )
        return -EINVAL;
    return CALL(p, dm, create_ioreq_server, domid, mode, id_out);
}

int pvr_port_dm_get_ioreq_server_info(pvr_port *p, uint32_t domid,
                                      uint16_t id,
                                      uint32_t *bufioreq_port_out)
{
    return CALL(p, dm, get_ioreq_server_info, domid, id, bufioreq_port_out);
}

int pvr_port_dm_map_io_range(pvr_port *p, uint32_t domid, uint16_t id,
                             bool mmio, uint64_t start, uint64_t end,
                             bool map)
{
    if ( end < start || (!mmio && end > 0xffff) )
        return -EINVAL;
    return CALL(p, dm, map_io_range, domid, id, mmio, start, end, map);
}

int pvr_port_dm_map_pcidev(pvr_port *p, uint32_t domid, uint16_t id,
                           uint16_t segment, uint8_t bus, uint8_t device,
                           uint8_t function, bool map)
{
    if ( device > 0x1f || function > 7 )
        return -EINVAL;
    return CALL(p, dm, map_pcidev, domid, id, segment, bus, device,
                function, map);
}

int pvr_port_dm_map_vsm_range(pvr_port *p, uint32_t domid, uint16_t id,
                              uint64_t start, uint64_t end, bool map)
{
    if ( end < start || end > PVR_VSM_KINDS_LAST )
        return -EINVAL;
    return CALL(p, dm, map_vsm_range, domid, id, start, end, map);
}

int pvr_port_dm_set_ioreq_server_state(pvr_port *p, uint32_t domid,
                                       uint16_t id, bool enabled)
{
    return CALL(p, dm, set_ioreq_server_state, domid, id, enabled);
}

int pvr_port_dm_destroy_ioreq_server(pvr_port *p, uint32_t domid,
                                     uint16_t id)
{
    return CALL(p, dm, destroy_ioreq_server, domid, id);
}

int pvr_port_dm_inject_msi(pvr_port *p, uint32_t domid, uint64_t addr,
                           uint32_t data)
{
    return CALL(p, dm, inject_msi, domid, addr, data);
}

int pvr_port_dm_set_isa_irq_level(pvr_port *p, uint32_t domid, uint8_t irq,
                                  unsigned int level)
{
    if ( irq > 15 || level > 1 )
        return -EINVAL;
    return CALL(p, dm, set_isa_irq_level, domid, irq, level);
}

/* ---- xenstore ---- */


static int xs_path_ok(const char *path)
{
    size_t len = path ? strnlen(path, PVR_XS_PATH_MAX + 1) : 0;

    return len > 0 && len <= PVR_XS_PATH_MAX &&
           (path[0] == '/' || path[0] == '@');
}

int pvr_port_xs_read(pvr_port *p, const char *path, char **val_out,
                     size_t *len_out)
{
    size_t len = 0;
    int rc;

    *val_out = NULL;
    if ( !xs_path_ok(path) )
        return -EINVAL;
    rc = CALL(p, xs, read, path, val_out, &len);
    if ( rc == 0 && len_out )
        *len_out = len;
    return rc;
}

int pvr_port_xs_write(pvr_port *p, const char *path, const void *val,
                      size_t len)
{
    if ( !xs_path_ok(path) || len > PVR_XS_VALUE_MAX )
        return -EINVAL;
    return CALL(p, xs, write, path, val, len);
}

int pvr_port_xs_write_str(pvr_port *p, const char *path, const char *val)
{
    return pvr_port_xs_write(p, path, val, strlen(val));
}

int pvr_port_xs_mkdir(pvr_port *p, const char *path)
{
    if ( !xs_path_ok(path) )
        return -EINVAL;
    return CALL(p, xs, mkdir, path);
}

int pvr_port_xs_rm(pvr_port *p, const char *path)
{
    if ( !xs_path_ok(path) )
        return -EINVAL;
    return CALL(p, xs, rm, path);
}

int pvr_port_xs_set_perms(pvr_port *p, const char *path,
                          const pvr_xs_perm perms[], unsigned int nr)
{
    unsigned int i;

    if ( !xs_path_ok(path) || nr == 0 || nr > 64 )
        return -EINVAL;
    for ( i = 0; i < nr; i++ )
        if ( perms[i].perms & ~(PVR_XS_PERM_READ | PVR_XS_PERM_WRITE) )
            return -EINVAL;
    return CALL(p, xs, set_perms, path, perms, nr);
}

int pvr_port_xs_watch(pvr_port *p, const char *path, const char *token)
{
    if ( !xs_path_ok(path) || !token )
        return -EINVAL;
    return CALL(p, xs, watch, path, token, true);
}

int pvr_port_xs_unwatch(pvr_port *p, const char *path, const char *token)
{
    if ( !xs_path_ok(path) || !token )
        return -EINVAL;
    return CALL(p, xs, watch, path, token, false);
}

int pvr_port_xs_fd(pvr_port *p)
{
    if ( !p->be->xs || !p->be->xs->fd )
        return -EOPNOTSUPP;
    return p->be->xs->fd(p);
}

int pvr_port_xs_self_domid(pvr_port *p, uint32_t *out)
{
    size_t len = 0;
    char *v = NULL, *end;
    unsigned long id;
    int rc;

    /* The one relative path: xenstored resolves it for the caller. */
    rc = CALL(p, xs, read, "domid", &v, &len);
    if ( rc )
        return rc;
    errno = 0;
    id = strtoul(v, &end, 10);
    if ( v[0] < '0' || v[0] > '9' || *end || errno || id >= 0x7ff0 )
        rc = -EPROTO;
    else
        *out = id;
    free(v);
    return rc;
}

int pvr_port_xs_read_watch(pvr_port *p, char **path_out, char **token_out)
{
    *path_out = NULL;
    *token_out = NULL;
    return CALL(p, xs, read_watch, path_out, token_out);
}

/* ---- altp2m ---- */

#define PVR_ALTP2M_MAX_VIEWS 512  /* MAX_EPTP; 4.17 has 10 */

static int access_ok(enum pvr_access a)
{
    return a >= PVR_ACCESS_N && a <= PVR_ACCESS_DEFAULT;
}

int pvr_port_altp2m_set_domain_state(pvr_port *p, uint32_t domid,
                                     bool enabled)
{
    return CALL(p, altp2m, set_domain_state, domid, enabled);
}

int pvr_port_altp2m_create_view(pvr_port *p, uint32_t domid,
                                enum pvr_access dflt, uint16_t *view_out)
{
    if ( !access_ok(dflt) )
        return -EINVAL;
    return CALL(p, altp2m, create_view, domid, dflt, view_out);
}

int pvr_port_altp2m_destroy_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    if ( view == 0 || view >= PVR_ALTP2M_MAX_VIEWS )
        return -EINVAL;
    return CALL(p, altp2m, destroy_view, domid, view);
}

int pvr_port_altp2m_switch_view(pvr_port *p, uint32_t domid, uint16_t view)
{
    if ( view >= PVR_ALTP2M_MAX_VIEWS )
        return -EINVAL;
    return CALL(p, altp2m, switch_view, domid, view);
}

int pvr_port_altp2m_set_mem_access(pvr_port *p, uint32_t domid,
                                   uint16_t view, uint64_t gfn,
                                   enum pvr_access access)
{
    if ( view >= PVR_ALTP2M_MAX_VIEWS || !access_ok(access) )
        return -EINVAL;
    return CALL(p, altp2m, set_mem_access, domid, view, gfn, access);
}

int pvr_port_altp2m_get_mem_access(pvr_port *p, uint32_t domid,
                                   uint16_t view, uint64_t gfn,
                                   enum pvr_access *access_out)
{
    if ( view >= PVR_ALTP2M_MAX_VIEWS )
        return -EINVAL;
    return CALL(p, altp2m, get_mem_access, domid, view, gfn, access_out);
}

int pvr_port_altp2m_change_gfn(pvr_port *p, uint32_t domid, uint16_t view,
                               uint64_t old_gfn, uint64_t new_gfn)
{
    if ( view == 0 || view >= PVR_ALTP2M_MAX_VIEWS )
        return -EINVAL;
    return CALL(p, altp2m, change_gfn, domid, view, old_gfn, new_gfn);
}

int pvr_port_altp2m_set_visibility(pvr_port *p, uint32_t domid,
                                   uint16_t view, bool visible)
{
    if ( view >= PVR_ALTP2M_MAX_VIEWS )
        return -EINVAL;
    return CALL(p, altp2m, set_visibility, domid, view, visible);
}

int pvr_port_altp2m_set_access_required(pvr_port *p, uint32_t domid,
                                        bool required)
{
    return CALL(p, altp2m, set_access_required, domid, required);
}
