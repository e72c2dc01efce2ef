/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The port's checked wrappers and the sim backend's models.
 *
 * Proves: argument checks in port.c refuse bad input before any backend
 * runs; fault injection fails exactly the Nth call; the sim's event
 * channels follow Linux evtchn semantics (mask on delivery, re-delivery
 * on unmask); foreign mappings alias guest memory and fail per page;
 * guest copies cross page boundaries, also through the map cache (hits,
 * LRU eviction, holes, a failed bucket map, invalidation, no mapping
 * left after it); a frame Xen moved is reached through a cached mapping
 * until invalidation, which also runs the invalidate hooks; xenstore
 * watches fire; grants can be corrupted; altp2m views enforce per-view
 * rights.
 * Cannot prove: that the Xen backend behaves the same; tests/host does.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "port/sim/sim.h"
#include "tests/common/check.h"

static pvr_port *open_sim(pvr_sim **sim)
{
    pvr_port *p = NULL;

    REQUIRE(pvr_port_open("sim", &p) == 0);
    *sim = pvr_sim_from_port(p);
    REQUIRE(*sim);
    REQUIRE(pvr_sim_set_domain(*sim, 5, 2, 64) == 0);
    return p;
}

static void test_open(void)
{
    pvr_port *p = (pvr_port *)1;

    CHECK_EQ(pvr_port_open("nonesuch", &p), -ENOENT);
    CHECK(p == NULL);
    pvr_port_close(NULL);
}

static void test_arguments(pvr_port *p)
{
    uint64_t gfn = 0;
    int err;
    void *addr;
    uint16_t id;
    uint32_t ref;

    CHECK_EQ(pvr_port_fmem_map(p, 5, PROT_READ, 0, &gfn, &err, &addr),
             -EINVAL);
    CHECK_EQ(pvr_port_fmem_map(p, 5, PROT_EXEC, 1, &gfn, &err, &addr),
             -EINVAL);
    CHECK_EQ(pvr_port_dm_map_io_range(p, 5, 0, true, 10, 9, true), -EINVAL);
    CHECK_EQ(pvr_port_dm_map_io_range(p, 5, 0, false, 0, 0x10000, true),
             -EINVAL);
    CHECK_EQ(pvr_port_dm_create_ioreq_server(p, 5, 3, &id), -EINVAL);
    CHECK_EQ(pvr_port_dm_map_pcidev(p, 5, 0, 0, 0, 32, 0, true), -EINVAL);
    CHECK_EQ(pvr_port_dm_set_isa_irq_level(p, 5, 16, 1), -EINVAL);
    CHECK_EQ(pvr_port_gnttab_share(p, 0, 0, &ref, true, &addr), -EINVAL);
    CHECK_EQ(pvr_port_gnttab_share(p, 0, PVR_PORT_GNTTAB_MAX + 1, &ref,
                                   true, &addr), -EINVAL);
    CHECK_EQ(pvr_port_xs_write_str(p, "relative/path", "x"), -EINVAL);
    CHECK_EQ(pvr_port_xs_write_str(p, "", "x"), -EINVAL);
    CHECK_EQ(pvr_port_altp2m_destroy_view(p, 5, 0), -EINVAL);
    CHECK_EQ(pvr_port_altp2m_set_mem_access(p, 5, 1, 0, 99), -EINVAL);
    CHECK_EQ(pvr_port_altp2m_change_gfn(p, 5, 0, 1, 2), -EINVAL);
}

static void test_fault_injection(pvr_port *p)
{
    pvr_dominfo info;
    unsigned long before = pvr_port_calls(p);

    pvr_port_fail_nth(p, 2);
    CHECK_EQ(pvr_port_domctl_getinfo(p, 5, &info), 0);
    CHECK_EQ(pvr_port_domctl_getinfo(p, 5, &info), -EIO);
    CHECK_EQ(pvr_port_domctl_getinfo(p, 5, &info), 0);
    CHECK_EQ(pvr_port_calls(p) - before, 3);
    CHECK_EQ(info.max_vcpu_id, 1);
    CHECK(info.hvm);
    CHECK_EQ(pvr_port_domctl_getinfo(p, 6, &info), -ESRCH);
}

static void test_evtchn(pvr_port *p, pvr_sim *sim)
{
    uint32_t remote, local, port;
    int fd = pvr_port_evtchn_fd(p);

    REQUIRE(fd >= 0);
    REQUIRE(pvr_sim_evtchn_alloc_remote(sim, &remote) == 0);
    CHECK_EQ(pvr_port_evtchn_bind_interdomain(p, 6, remote, &local),
             -ESRCH);
    REQUIRE(pvr_port_evtchn_bind_interdomain(p, 5, remote, &local) == 0);
    CHECK_EQ(pvr_port_evtchn_bind_interdomain(p, 5, remote, &port),
             -EINVAL);

    CHECK_EQ(pvr_port_evtchn_pending(p, &port), -EAGAIN);
    CHECK_EQ(pvr_sim_evtchn_kick(sim, remote), 0);
    CHECK_EQ(pvr_sim_evtchn_kick(sim, remote), 0);   /* coalesces */
    CHECK_EQ(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0), 1);
    CHECK_EQ(pvr_port_evtchn_pending(p, &port), 0);
    CHECK_EQ(port, local);
    CHECK_EQ(pvr_port_evtchn_pending(p, &port), -EAGAIN);
    CHECK_EQ(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0), 0);

    /* Masked after delivery: a kick is held until unmask. */
    CHECK_EQ(pvr_sim_evtchn_kick(sim, remote), 0);
    CHECK_EQ(pvr_port_evtchn_pending(p, &port), -EAGAIN);
    CHECK_EQ(pvr_port_evtchn_unmask(p, local), 0);
    CHECK_EQ(pvr_port_evtchn_pending(p, &port), 0);
    CHECK_EQ(port, local);
    CHECK_EQ(pvr_port_evtchn_unmask(p, local), 0);

    CHECK_EQ(pvr_port_evtchn_notify(p, local), 0);
    CHECK_EQ(pvr_sim_evtchn_notified(sim, remote), 1);
    CHECK_EQ(pvr_sim_evtchn_bound(sim), 1);
    CHECK_EQ(pvr_port_evtchn_unbind(p, local), 0);
    CHECK_EQ(pvr_port_evtchn_unbind(p, local), -EINVAL);
    CHECK_EQ(pvr_sim_evtchn_bound(sim), 0);
}

static void test_fmem(pvr_port *p, pvr_sim *sim)
{
    uint64_t gfns[3] = { 3, 1000, 4 };
    uint8_t buf[PVR_PAGE_SIZE + 16], *page;
    int errs[3];
    uint8_t *m;
    struct pvr_sim_counts c;

    page = pvr_sim_guest_page(sim, 3);
    REQUIRE(page);
    memset(page, 0xab, PVR_PAGE_SIZE);
    REQUIRE(pvr_port_fmem_map(p, 5, PROT_READ | PROT_WRITE, 3, gfns, errs,
                              (void **)&m) == 0);
    CHECK_EQ(errs[0], 0);
    CHECK_EQ(errs[1], -EINVAL);
    CHECK_EQ(errs[2], 0);
    CHECK_EQ(m[10], 0xab);
    m[2 * PVR_PAGE_SIZE] = 0x5a;           /* gfn 4, through the alias */
    CHECK_EQ(((uint8_t *)pvr_sim_guest_page(sim, 4))[0], 0x5a);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 3);
    CHECK_EQ(pvr_port_fmem_unmap(p, m, 3), 0);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 0);

    /* Copies cross pages and fail whole when a page is missing. */
    memset(buf, 0x11, sizeof(buf));
    CHECK_EQ(pvr_port_guest_write(p, 5, 3 * PVR_PAGE_SIZE + 4090, buf,
                                  sizeof(buf)), 0);
    CHECK_EQ(((uint8_t *)pvr_sim_guest_page(sim, 4))[5], 0x11);
    CHECK_EQ(((uint8_t *)pvr_sim_guest_page(sim, 5))[0], 0x11);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(pvr_port_guest_read(p, 5, 3 * PVR_PAGE_SIZE + 4090, buf,
                                 sizeof(buf)), 0);
    CHECK_EQ(buf[sizeof(buf) - 1], 0x11);
    CHECK_EQ(pvr_port_guest_read(p, 5, 63 * PVR_PAGE_SIZE + 10, buf,
                                 PVR_PAGE_SIZE), -EFAULT);
    CHECK_EQ(pvr_port_guest_read(p, 5, ~0ULL - 2, buf, 8), -EFAULT);
    CHECK_EQ(pvr_port_guest_read(p, 5, 0, buf,
                                 PVR_PORT_GUEST_COPY_MAX + 1), -E2BIG);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 0);
}

/* 700 frames: buckets 0 and 1 whole, bucket 2 with 188 and a hole. */
static void test_mapcache(void)
{
    struct pvr_port_mapcache_stats st;
    struct pvr_sim_counts c;
    uint8_t buf[64], *page;
    pvr_port *p = NULL;
    pvr_sim *sim;

    REQUIRE(pvr_port_open("sim", &p) == 0);
    sim = pvr_sim_from_port(p);
    REQUIRE(sim && pvr_sim_set_domain(sim, 5, 1, 700) == 0);
    CHECK_EQ(pvr_port_mapcache_enable(p, 0), -EINVAL);
    CHECK_EQ(pvr_port_mapcache_enable(p, PVR_PORT_MAPCACHE_MAX + 1), -EINVAL);
    CHECK_EQ(pvr_port_mapcache_enable(p, 2), 0);
    CHECK_EQ(pvr_port_mapcache_enable(p, 2), -EINVAL);

    /* Across a page boundary inside bucket 0: one miss, then a hit. */
    memset(buf, 0x42, sizeof(buf));
    CHECK_EQ(pvr_port_guest_write(p, 5, 10 * PVR_PAGE_SIZE + 4090, buf,
                                  sizeof(buf)), 0);
    page = pvr_sim_guest_page(sim, 11);
    CHECK_EQ(page[57], 0x42);
    /* The guest's own later writes show through the kept mapping. */
    ((uint8_t *)pvr_sim_guest_page(sim, 10))[0] = 0x77;
    CHECK_EQ(pvr_port_guest_read(p, 5, 10 * PVR_PAGE_SIZE, buf, 1), 0);
    CHECK_EQ(buf[0], 0x77);
    pvr_port_mapcache_stats(p, &st);
    CHECK_EQ(st.misses, 1);
    CHECK_EQ(st.hits, 2);

    /* Bucket 1, then bucket 2 evicts bucket 0, the least recently used. */
    CHECK_EQ(pvr_port_guest_read(p, 5, 300 * PVR_PAGE_SIZE, buf, 8), 0);
    CHECK_EQ(pvr_port_guest_read(p, 5, 600 * PVR_PAGE_SIZE, buf, 8), 0);
    pvr_port_mapcache_stats(p, &st);
    CHECK_EQ(st.misses, 3);
    CHECK_EQ(st.evictions, 1);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 2 * 256);
    CHECK_EQ(pvr_port_guest_read(p, 5, 300 * PVR_PAGE_SIZE, buf, 8), 0);
    pvr_port_mapcache_stats(p, &st);
    CHECK_EQ(st.misses, 3);                 /* bucket 1 stayed */

    /* A frame bucket 2 could not map: the uncached way says -EFAULT. */
    CHECK_EQ(pvr_port_guest_read(p, 5, 720 * PVR_PAGE_SIZE, buf, 8),
             -EFAULT);

    /* A bucket that fails to map: the copy goes uncached and works. */
    pvr_port_mapcache_invalidate(p);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 0);
    ((uint8_t *)pvr_sim_guest_page(sim, 20))[3] = 0x99;
    pvr_port_fail_nth(p, 1);
    CHECK_EQ(pvr_port_guest_read(p, 5, 20 * PVR_PAGE_SIZE + 3, buf, 1), 0);
    CHECK_EQ(buf[0], 0x99);
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.fmem_mapped_pages, 0);
    pvr_port_mapcache_stats(p, &st);
    CHECK_EQ(st.invalidations, 1);
    pvr_port_close(p);
}

static void count_hook(void *opaque)
{
    (*(unsigned int *)opaque)++;
}

/*
 * A frame Xen moved: the cached mapping still reaches the old frame
 * until INVALIDATE, then the new one; invalidate hooks run on it, each
 * once, and a removed one no more; the ninth hook is refused.
 */
static void test_invalidate(void)
{
    pvr_sim *sim;
    pvr_port *p = open_sim(&sim);
    unsigned int calls[PVR_PORT_INVALIDATE_HOOKS + 1] = { 0 }, i;
    uint8_t b = 0;

    REQUIRE(pvr_port_mapcache_enable(p, 2) == 0);
    ((uint8_t *)pvr_sim_guest_page(sim, 30))[0] = 0x42;
    CHECK_EQ(pvr_port_guest_read(p, 5, 30 * PVR_PAGE_SIZE, &b, 1), 0);
    CHECK_EQ(b, 0x42);
    CHECK_EQ(pvr_sim_p2m_move(sim, 30), 0);
    CHECK_EQ(((uint8_t *)pvr_sim_guest_page(sim, 30))[0], 0x42);
    CHECK_EQ(pvr_port_guest_read(p, 5, 30 * PVR_PAGE_SIZE, &b, 1), 0);
    CHECK_EQ(b, SIM_STALE_BYTE);
    for ( i = 0; i < PVR_PORT_INVALIDATE_HOOKS; i++ )
        CHECK_EQ(pvr_port_invalidate_hook_add(p, count_hook, &calls[i]), 0);
    CHECK_EQ(pvr_port_invalidate_hook_add(p, count_hook, &calls[i]),
             -ENOSPC);
    pvr_port_invalidate_hook_del(p, count_hook, &calls[3]);
    pvr_port_mapcache_invalidate(p);
    CHECK_EQ(pvr_port_guest_read(p, 5, 30 * PVR_PAGE_SIZE, &b, 1), 0);
    CHECK_EQ(b, 0x42);
    for ( i = 0; i <= PVR_PORT_INVALIDATE_HOOKS; i++ )
        CHECK_EQ(calls[i], i == 3 || i == PVR_PORT_INVALIDATE_HOOKS ? 0 : 1);
    CHECK_EQ(pvr_sim_p2m_move(sim, 1u << 30), -EINVAL);
    pvr_port_close(p);
}

static void test_xs(pvr_port *p)
{
    char *val = NULL, *path = NULL, *token = NULL;
    size_t len = 0;
    unsigned int n;

    CHECK_EQ(pvr_port_xs_read(p, "/a/b", &val, &len), -ENOENT);
    CHECK_EQ(pvr_port_xs_watch(p, "/a", "tok"), 0);
    /* Registering a watch fires it once. */
    CHECK_EQ(pvr_port_xs_read_watch(p, &path, &token), 0);
    CHECK(path && !strcmp(path, "/a"));
    free(path);
    free(token);
    CHECK_EQ(pvr_port_xs_write_str(p, "/a/b/c", "hello"), 0);
    CHECK_EQ(pvr_port_xs_read(p, "/a/b/c", &val, &len), 0);
    CHECK(val && len == 5 && !strcmp(val, "hello"));
    free(val);
    CHECK_EQ(pvr_port_xs_read(p, "/a/b", &val, &len), 0);  /* parent */
    free(val);
    /* Parents were created: /a, /a/b and /a/b/c each fired. */
    for ( n = 0; n < 3; n++ )
    {
        CHECK_EQ(pvr_port_xs_read_watch(p, &path, &token), 0);
        CHECK(token && !strcmp(token, "tok"));
        free(path);
        free(token);
    }
    CHECK_EQ(pvr_port_xs_read_watch(p, &path, &token), -EAGAIN);
    CHECK_EQ(pvr_port_xs_rm(p, "/a/b"), 0);
    CHECK_EQ(pvr_port_xs_read(p, "/a/b/c", &val, &len), -ENOENT);
    CHECK_EQ(pvr_port_xs_read_watch(p, &path, &token), 0);
    free(path);
    free(token);
    CHECK_EQ(pvr_port_xs_unwatch(p, "/a", "tok"), 0);
    CHECK_EQ(pvr_port_xs_unwatch(p, "/a", "tok"), -ENOENT);
}

static void test_gnttab(pvr_port *p, pvr_sim *sim)
{
    uint32_t refs[2], ref;
    uint8_t *shared, *mapped, *peer;

    REQUIRE(pvr_port_gnttab_share(p, 0, 2, refs, true,
                                  (void **)&shared) == 0);
    CHECK(refs[0] != refs[1]);
    shared[PVR_PAGE_SIZE] = 0x77;
    peer = pvr_sim_gnttab_peer_map(sim, refs[1]);
    CHECK(peer && peer[0] == 0x77);
    CHECK_EQ(pvr_sim_gnttab_shared(sim), 2);
    CHECK_EQ(pvr_port_gnttab_unshare(p, shared, 2), 0);
    CHECK_EQ(pvr_sim_gnttab_shared(sim), 0);

    /* A guest grant aliases its frame; corruption makes maps fail. */
    ((uint8_t *)pvr_sim_guest_page(sim, 9))[1] = 0x42;
    REQUIRE(pvr_sim_gnttab_peer_grant(sim, 9, true, &ref) == 0);
    REQUIRE(pvr_port_gnttab_map(p, 5, 1, &ref, true,
                                (void **)&mapped) == 0);
    CHECK_EQ(mapped[1], 0x42);
    mapped[2] = 0x43;
    CHECK_EQ(((uint8_t *)pvr_sim_guest_page(sim, 9))[2], 0x43);
    CHECK_EQ(pvr_port_gnttab_unmap(p, mapped, 1), 0);
    CHECK_EQ(pvr_port_gnttab_map(p, 6, 1, &ref, false, (void **)&mapped),
             -EINVAL);
    CHECK_EQ(pvr_sim_gnttab_corrupt(sim, true, ref, PVR_SIM_GRANT_READONLY),
             0);
    CHECK_EQ(pvr_port_gnttab_map(p, 5, 1, &ref, true, (void **)&mapped),
             -EPERM);
    CHECK_EQ(pvr_sim_gnttab_corrupt(sim, true, ref, PVR_SIM_GRANT_REVOKE),
             0);
    CHECK_EQ(pvr_port_gnttab_map(p, 5, 1, &ref, false, (void **)&mapped),
             -EINVAL);
}

static void test_altp2m(pvr_port *p, pvr_sim *sim)
{
    enum pvr_access a;
    uint16_t v1, v2, cur;

    CHECK_EQ(pvr_port_altp2m_create_view(p, 5, PVR_ACCESS_RWX, &v1),
             -EOPNOTSUPP);
    CHECK_EQ(pvr_port_altp2m_set_domain_state(p, 5, true), 0);
    REQUIRE(pvr_port_altp2m_create_view(p, 5, PVR_ACCESS_RWX, &v1) == 0);
    REQUIRE(pvr_port_altp2m_create_view(p, 5, PVR_ACCESS_DEFAULT, &v2) == 0);
    CHECK(v1 != v2 && v1 != 0 && v2 != 0);
    CHECK_EQ(pvr_port_altp2m_set_mem_access(p, 5, v1, 10, PVR_ACCESS_R), 0);
    CHECK_EQ(pvr_port_altp2m_set_mem_access(p, 5, v2, 10, PVR_ACCESS_N), 0);
    CHECK_EQ(pvr_port_altp2m_get_mem_access(p, 5, v1, 10, &a), 0);
    CHECK_EQ(a, PVR_ACCESS_R);

    CHECK_EQ(pvr_sim_altp2m_access(sim, 0, 10, PVR_ACCESS_W), 0);
    CHECK_EQ(pvr_port_altp2m_switch_view(p, 5, v1), 0);
    CHECK_EQ(pvr_sim_altp2m_vcpu_view(sim, 1, &cur), 0);
    CHECK_EQ(cur, v1);
    CHECK_EQ(pvr_sim_altp2m_access(sim, 0, 10, PVR_ACCESS_R), 0);
    CHECK_EQ(pvr_sim_altp2m_access(sim, 0, 10, PVR_ACCESS_W), -EACCES);
    CHECK_EQ(pvr_port_altp2m_destroy_view(p, 5, v1), -EBUSY);
    CHECK_EQ(pvr_port_altp2m_switch_view(p, 5, v2), 0);
    CHECK_EQ(pvr_sim_altp2m_access(sim, 1, 10, PVR_ACCESS_R), -EACCES);
    /* change_gfn: gfn 11 now reads through gfn 10's rights in v2. */
    CHECK_EQ(pvr_sim_altp2m_access(sim, 1, 11, PVR_ACCESS_R), 0);
    CHECK_EQ(pvr_port_altp2m_change_gfn(p, 5, v2, 11, 10), 0);
    CHECK_EQ(pvr_sim_altp2m_access(sim, 1, 11, PVR_ACCESS_R), -EACCES);
    CHECK_EQ(pvr_port_altp2m_change_gfn(p, 5, v2, 11, ~0ULL), 0);
    CHECK_EQ(pvr_sim_altp2m_access(sim, 1, 11, PVR_ACCESS_R), 0);
    CHECK_EQ(pvr_sim_altp2m_violations(sim), 3);
    CHECK_EQ(pvr_port_altp2m_switch_view(p, 5, 0), 0);
    CHECK_EQ(pvr_port_altp2m_destroy_view(p, 5, v1), 0);
    CHECK_EQ(pvr_port_altp2m_set_visibility(p, 5, v2, false), 0);
    CHECK_EQ(pvr_port_altp2m_set_domain_state(p, 5, false), 0);
}

int main(void)
{
    pvr_sim *sim;
    pvr_port *p;

    test_open();
    p = open_sim(&sim);
    test_arguments(p);
    test_fault_injection(p);
    test_evtchn(p, sim);
    test_fmem(p, sim);
    test_mapcache();
    test_invalidate();
    test_xs(p);
    test_gnttab(p, sim);
    test_altp2m(p, sim);
    pvr_port_close(p);
    return check_result("test_port");
}
