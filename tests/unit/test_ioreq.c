/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOREQ server over the sim: decode rules, dispatch of every access
 * shape, the buffered ring, hostile slots, and a leak-free teardown.
 *
 * Proves: sizes 1-8, rep counts with and without data_is_ptr, the
 * direction flag, port I/O reps staying on one port, accesses outside
 * any region, broken buffered pointers, and unknown types all complete
 * without hanging the vCPU, with the results Xen's semantics give; PCI
 * config accesses reach the function registered for their SBDF (and
 * only within its 4 KiB), and a movable region (a BAR) is claimed and
 * released in Xen as it moves.
 * Cannot prove: timing against real Xen's ioreq state machine.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "tests/common/check.h"
#include "tests/common/simstack.h"

#define BASE 0xfe000000ULL
#define PIO  0x510

/* A device: 256 bytes of registers and a log of element accesses. */
struct dev {
    uint8_t reg[256];
    unsigned int reads, writes, fail;
    uint64_t last_off;
};

static int dev_read(void *opaque, uint64_t off, unsigned int size,
                    uint64_t *val)
{
    struct dev *d = opaque;
    unsigned int i;

    d->reads++;
    d->last_off = off;
    if ( d->fail )
        return -EIO;
    *val = 0;
    for ( i = 0; i < size; i++ )
        *val |= (uint64_t)d->reg[(off + i) & 0xff] << (8 * i);
    return 0;
}

static int dev_write(void *opaque, uint64_t off, unsigned int size,
                     uint64_t val)
{
    struct dev *d = opaque;
    unsigned int i;

    d->writes++;
    d->last_off = off;
    for ( i = 0; i < size; i++ )
        d->reg[(off + i) & 0xff] = val >> (8 * i);
    return 0;
}

static const pvr_io_ops dev_ops = { dev_read, dev_write };

static void test_decode(void)
{
    static const struct {
        pvr_ioreq_slot s;
        int rc;
    } cases[] = {
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 4, .count = 1 }, 0 },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 8, .count = 1 }, 0 },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 3, .count = 1 }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 16, .count = 1 }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 0, .count = 1 }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_PIO, .size = 8, .count = 1 }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_PIO, .size = 4, .count = 1,
            .addr = 0xfffe }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 1, .count = 0 }, -E2BIG },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 1,
            .count = PVR_IOREQ_MAX_REPS + 1 }, -E2BIG },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 8, .count = 4096,
            .flags = PVR_IOREQ_F_DATA_IS_PTR }, -E2BIG },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 4, .count = 2,
            .addr = ~0ULL - 3 }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 4, .count = 4,
            .addr = 8, .flags = PVR_IOREQ_F_DF }, -EINVAL },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 4, .count = 4,
            .addr = 12, .flags = PVR_IOREQ_F_DF }, 0 },
        { { .type = PVR_IOREQ_TYPE_COPY, .size = 2, .count = 4,
            .data = 2, .flags = PVR_IOREQ_F_DATA_IS_PTR | PVR_IOREQ_F_DF },
          -EINVAL },
        { { .type = PVR_IOREQ_TYPE_PCI_CONFIG, .size = 4, .count = 2 },
          -EINVAL },
        { { .type = 5, .size = 4, .count = 1 }, -EPROTO },
        { { .type = PVR_IOREQ_TYPE_INVALIDATE }, 0 },
        { { .type = PVR_IOREQ_TYPE_TIMEOFFSET, .size = 99 }, 0 },
    };
    pvr_bufioreq_slot lo, hi;
    pvr_ioreq_req r;
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        int rc = pvr_ioreq_decode(&cases[i].s, &r);

        if ( rc != cases[i].rc )
            fprintf(stderr, "decode case %u: %d\n", i, rc);
        CHECK_EQ(rc, cases[i].rc);
    }

    /* Buffered: type COPY, write, size 8 (code 3), addr 0x12345. */
    lo.word0 = PVR_IOREQ_TYPE_COPY | (3u << 10) | (0x12345u << 12);
    lo.data = 0x11223344;
    hi = lo;
    hi.data = 0x55667788;
    CHECK_EQ(pvr_ioreq_decode_buffered(&lo, &hi, &r), 0);
    CHECK_EQ(r.data, 0x5566778811223344ULL);
    CHECK_EQ(r.addr, 0x12345);
    CHECK_EQ(pvr_ioreq_decode_buffered(&lo, NULL, &r), -EPROTO);
    lo.word0 |= 1u << 9;            /* a buffered read */
    CHECK_EQ(pvr_ioreq_decode_buffered(&lo, &hi, &r), -EPROTO);
    lo.word0 = 9;                   /* unknown type */
    CHECK_EQ(pvr_ioreq_decode_buffered(&lo, &hi, &r), -EPROTO);
}

static void test_accesses(void)
{
    struct simstack st;
    struct pvr_ioreq_stats stats;
    struct dev d;
    pvr_ioreq_slot req;
    uint64_t v;
    uint8_t *g;
    unsigned int size;

    memset(&d, 0, sizeof(d));
    REQUIRE(simstack_open(&st, 2, PVR_BUFIOREQ_ATOMIC, true) == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 256,
                                        &dev_ops, &d, "dev") == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_PIO, PIO, 4,
                                        &dev_ops, &d, "pio") == 0);
    CHECK_EQ(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE + 255, 2,
                                         &dev_ops, &d, "dup"), -EEXIST);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);

    for ( size = 1; size <= 8; size *= 2 )
    {
        CHECK_EQ(pvr_sim_mmio_write(st.sim, 1, BASE + 16, size,
                                    0x0807060504030201ULL), 0);
        CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, BASE + 16, size, &v), 0);
        CHECK_EQ(v, 0x0807060504030201ULL &
                    (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1));
    }

    /* rep movs from guest memory, forwards: device gets bytes 0..7. */
    g = pvr_sim_guest_page(st.sim, 20);
    memcpy(g, "ABCDEFGH", 8);
    req = (pvr_ioreq_slot){ .addr = BASE + 32, .data = 20 * 4096,
                            .count = 8, .size = 1,
                            .flags = PVR_IOREQ_F_DATA_IS_PTR,
                            .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK(!memcmp(&d.reg[32], "ABCDEFGH", 8));

    /* ... backwards (df): element i at addr - i, from data - i. */
    req.addr = BASE + 47;
    req.data = 20 * 4096 + 7;
    req.flags |= PVR_IOREQ_F_DF;
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK(!memcmp(&d.reg[40], "ABCDEFGH", 8));

    /* rep movs to guest memory (device read). */
    memset(g + 100, 0, 8);
    req = (pvr_ioreq_slot){ .addr = BASE + 32, .data = 20 * 4096 + 100,
                            .count = 2, .size = 4,
                            .flags = PVR_IOREQ_F_DATA_IS_PTR |
                                     PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 1, &req), 0);
    CHECK(!memcmp(g + 100, "ABCDEFGH", 8));

    /* rep stos without a pointer: the value repeats. */
    req = (pvr_ioreq_slot){ .addr = BASE + 64, .data = 0x5a, .count = 4,
                            .size = 1, .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK(d.reg[64] == 0x5a && d.reg[67] == 0x5a && d.reg[68] == 0);

    /* rep outsb to a port: every element to the same port. */
    d.writes = 0;
    req = (pvr_ioreq_slot){ .addr = PIO + 1, .data = 20 * 4096,
                            .count = 5, .size = 1,
                            .flags = PVR_IOREQ_F_DATA_IS_PTR,
                            .type = PVR_IOREQ_TYPE_PIO };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK_EQ(d.writes, 5);
    CHECK_EQ(d.last_off, 1);
    CHECK_EQ(d.reg[1], 'E');

    /* A pointer to memory the guest does not have: dropped, counted. */
    pvr_ioreq_server_stats(st.srv, &stats);
    req = (pvr_ioreq_slot){ .addr = BASE, .data = 5000 * 4096ULL,
                            .count = 2, .size = 4,
                            .flags = PVR_IOREQ_F_DATA_IS_PTR,
                            .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    {
        struct pvr_ioreq_stats after;

        pvr_ioreq_server_stats(st.srv, &after);
        CHECK_EQ(after.invalid, stats.invalid + 1);
    }

    /* A device error reads as all-ones. */
    d.fail = 1;
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, BASE, 2, &v), 0);
    CHECK_EQ(v, 0xffff);
    d.fail = 0;

    /* Outside the sim's claimed range: Xen's null handler answers. */
    req = (pvr_ioreq_slot){ .addr = BASE + 256, .count = 1, .size = 4,
                            .flags = PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 1);
    CHECK_EQ(req.data, 0xffffffffULL);

    /*
     * Xen only sends what lies wholly in a claimed range; posted raw, a
     * rep running off the end of the region is refused as a whole.
     */
    d.writes = 0;
    pvr_ioreq_server_stats(st.srv, &stats);
    req = (pvr_ioreq_slot){ .addr = BASE + 248, .data = 1, .count = 4,
                            .size = 4, .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(d.writes, 0);
    {
        struct pvr_ioreq_stats after;

        pvr_ioreq_server_stats(st.srv, &after);
        CHECK_EQ(after.unclaimed, stats.unclaimed + 1);
    }
    /* And a PCI config access, with no PCI function served. */
    req = (pvr_ioreq_slot){ .addr = (1ULL << 35), .count = 1, .size = 4,
                            .flags = PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_PCI_CONFIG };
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 1, &req),
             0);
    CHECK_EQ(req.data, 0xffffffffULL);

    simstack_close(&st);
}

/* Write a hostile slot directly and kick the vCPU's port. */
static void test_hostile_slots(void)
{
    struct simstack st;
    struct pvr_ioreq_stats stats;
    struct dev d;
    pvr_ioreq_slot req, *slot;
    uint64_t v;

    memset(&d, 0, sizeof(d));
    REQUIRE(simstack_open(&st, 1, PVR_BUFIOREQ_OFF, true) == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 256,
                                        &dev_ops, &d, "dev") == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);

    /* Invalid size: completed with all-ones, vCPU released. */
    req = (pvr_ioreq_slot){ .addr = BASE, .count = 1, .size = 3,
                            .flags = PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_COPY };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK_EQ(req.data, ~0ULL);
    /* Unknown type, posted raw. */
    req = (pvr_ioreq_slot){ .addr = BASE, .count = 1, .size = 4,
                            .flags = PVR_IOREQ_F_DIR_READ, .type = 5 };
    slot = pvr_sim_ioreq_slot(st.sim, pvr_ioreq_server_id(st.srv), 0);
    REQUIRE(slot);
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(req.data, ~0ULL);
    /* Invalidate, broadcast to every server by Xen, is acknowledged. */
    req = (pvr_ioreq_slot){ .addr = BASE, .count = 1, .size = 4,
                            .type = PVR_IOREQ_TYPE_INVALIDATE };
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    /* A spurious event: no READY slot. */
    pvr_ioreq_server_stats(st.srv, &stats);
    CHECK_EQ(pvr_sim_evtchn_kick(st.sim, slot->vp_eport), 0);
    pvr_loop_run_once(st.loop, 0);
    {
        struct pvr_ioreq_stats after;

        pvr_ioreq_server_stats(st.srv, &after);
        CHECK_EQ(after.spurious, stats.spurious + 1);
        CHECK_EQ(after.invalid, 2);
    }
    /* Still serving. */
    CHECK_EQ(pvr_sim_mmio_write(st.sim, 0, BASE, 4, 0xdeadbeef), 0);
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, BASE, 4, &v), 0);
    CHECK_EQ(v, 0xdeadbeef);
    simstack_close(&st);
}

static void test_buffered(void)
{
    struct simstack st;
    struct pvr_ioreq_stats stats;
    pvr_bufioreq_page *pg;
    struct dev d;
    uint64_t v;
    unsigned int i;

    memset(&d, 0, sizeof(d));
    REQUIRE(simstack_open(&st, 1, PVR_BUFIOREQ_ATOMIC, true) == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, 0xa0000, 256,
                                        &dev_ops, &d, "low") == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);

    CHECK_EQ(pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0010, 8,
                                 0x1122334455667788ULL), 0);
    CHECK_EQ(pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0020, 2,
                                 0xbeef), 0);
    /* A synchronous read drains posted writes first. */
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, 0xa0010, 8, &v), 0);
    CHECK_EQ(v, 0x1122334455667788ULL);
    CHECK_EQ(d.reg[0x20] | (d.reg[0x21] << 8), 0xbeef);

    /* Fill the ring past capacity: the sim refuses the overflow. */
    for ( i = 0; i < PVR_BUFIOREQ_SLOTS; i++ )
        if ( pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0000, 1,
                                 i) )
            break;
    CHECK_EQ(i, PVR_BUFIOREQ_SLOTS);
    CHECK_EQ(pvr_sim_bufio_write(st.sim, PVR_IOREQ_TYPE_COPY, 0xa0000, 1, 0),
             -EAGAIN);
    pvr_loop_run_once(st.loop, 0);
    pvr_ioreq_server_stats(st.srv, &stats);
    CHECK_EQ(stats.buffered, 2 + PVR_BUFIOREQ_SLOTS);

    /* Corrupt pointers: the ring is given up, synchronous I/O goes on. */
    pg = pvr_sim_bufio_page(st.sim, pvr_ioreq_server_id(st.srv));
    REQUIRE(pg);
    pg->write_pointer = pg->read_pointer + 100000;
    CHECK_EQ(pvr_sim_mmio_write(st.sim, 0, 0xa0000, 1, 0x99), 0);
    CHECK_EQ(d.reg[0], 0x99);
    pvr_ioreq_server_stats(st.srv, &stats);
    CHECK_EQ(stats.invalid, 1);
    simstack_close(&st);
}

/*
 * Found on Xen: vp_eport reaches the shared page only when the server is
 * enabled, so the server must enable before it binds.  The sim models it.
 */
static void test_vp_eport_on_enable(void)
{
    struct simstack st;
    pvr_ioreq_slot *slot;
    uint16_t id;

    REQUIRE(simstack_open(&st, 0, PVR_BUFIOREQ_OFF, true) == 0);
    REQUIRE(pvr_port_dm_create_ioreq_server(st.port, st.domid,
                                            PVR_BUFIOREQ_OFF, &id) == 0);
    slot = pvr_sim_ioreq_slot(st.sim, id, 1);
    REQUIRE(slot);
    CHECK_EQ(slot->vp_eport, 0);
    CHECK_EQ(pvr_port_dm_set_ioreq_server_state(st.port, st.domid, id,
                                                true), 0);
    CHECK(slot->vp_eport != 0);
    CHECK_EQ(pvr_port_dm_destroy_ioreq_server(st.port, st.domid, id), 0);
    /* And the server binds both vCPUs' channels. */
    CHECK_EQ(simstack_server(&st, 2, PVR_BUFIOREQ_ATOMIC), 0);
    CHECK_EQ(pvr_sim_evtchn_bound(st.sim), 3);
    simstack_close(&st);
}

/*
 * Found on Xen: stopping pvdomaind while the guest polled a register
 * left the vCPU blocked for good, because Xen does not wake a vCPU whose
 * server is destroyed under its request.  Teardown must answer it.
 */
static void test_teardown_in_flight(void)
{
    struct simstack st;
    struct dev d;
    pvr_ioreq_slot req = { .addr = BASE + 4, .count = 1, .size = 4,
                           .flags = PVR_IOREQ_F_DIR_READ,
                           .type = PVR_IOREQ_TYPE_COPY };
    pvr_ioreq_slot *slot;
    uint16_t id;

    memset(&d, 0, sizeof(d));
    d.reg[4] = 0x42;
    REQUIRE(simstack_open(&st, 2, PVR_BUFIOREQ_ATOMIC, false) == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 256,
                                        &dev_ops, &d, "dev") == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);
    id = pvr_ioreq_server_id(st.srv);
    slot = pvr_sim_ioreq_slot(st.sim, id, 1);
    CHECK_EQ(pvr_sim_io_post(st.sim, id, 1, &req), 0);
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    CHECK_EQ(pvr_sim_stranded_vcpus(st.sim), 0);
    (void)slot;
    simstack_close(&st);
}

/*
 * The parent cleans up after a worker that died with a request in
 * flight: it must answer it (waking the vCPU) before it destroys.
 */
static void test_abandon(void)
{
    struct simstack st;
    pvr_ioreq_slot req = { .addr = BASE, .count = 1, .size = 4,
                           .flags = PVR_IOREQ_F_DIR_READ,
                           .type = PVR_IOREQ_TYPE_COPY };
    struct pvr_sim_counts c;
    uint16_t id;

    /* The "dead worker": a server with no binding left, nothing mapped. */
    REQUIRE(simstack_open(&st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    REQUIRE(pvr_port_dm_create_ioreq_server(st.port, st.domid,
                                            PVR_BUFIOREQ_ATOMIC, &id) == 0);
    REQUIRE(pvr_port_dm_set_ioreq_server_state(st.port, st.domid, id,
                                               true) == 0);
    CHECK_EQ(pvr_sim_io_post(st.sim, id, 1, &req), 0);
    CHECK_EQ(pvr_ioreq_server_abandon(st.port, st.domid, id, 2), 0);
    CHECK_EQ(pvr_sim_stranded_vcpus(st.sim), 0);
    pvr_sim_counts(st.sim, &c);
    CHECK_EQ(c.notifies, 1);        /* the vCPU was woken */
    CHECK_EQ(pvr_sim_ioreq_servers(st.sim, NULL), 0);
    CHECK_EQ(pvr_sim_evtchn_bound(st.sim), 0);
    CHECK_EQ(pvr_ioreq_server_abandon(st.port, st.domid, id, 2), -ENOENT);
    simstack_close(&st);
}

static void test_teardown(void)
{
    struct simstack st;
    struct pvr_sim_counts c;
    struct dev d;
    pvr_sim *sim;

    REQUIRE(simstack_open(&st, 4, PVR_BUFIOREQ_ATOMIC, true) == 0);
    REQUIRE(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 256,
                                        &dev_ops, &d, "dev") == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);
    sim = st.sim;
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.ioreq_servers, 1);
    CHECK_EQ(c.evtchn_bound, 5);
    CHECK_EQ(c.resources_mapped, 1);
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_sim_counts(sim, &c);
    CHECK_EQ(c.ioreq_servers, 0);
    CHECK_EQ(c.evtchn_bound, 0);
    CHECK_EQ(c.resources_mapped, 0);
    simstack_close(&st);
}

/* PCI config space by SBDF, and a region the guest moves (a BAR). */
static void test_pci_and_movable(void)
{
    const uint32_t sbdf = PVR_PCI_SBDF(0, 0, 4, 0);
    struct simstack st;
    struct pvr_ioreq_stats stats;
    struct dev cfg, bar;
    pvr_ioreq_slot req;
    unsigned int handle, ranges;
    uint64_t v;

    memset(&cfg, 0, sizeof(cfg));
    memset(&bar, 0, sizeof(bar));
    REQUIRE(simstack_open(&st, 1, PVR_BUFIOREQ_OFF, true) == 0);
    CHECK_EQ(pvr_ioreq_server_add_pci(st.srv, sbdf, &dev_ops, &cfg, "pci"),
             0);
    CHECK_EQ(pvr_ioreq_server_add_pci(st.srv, sbdf, &dev_ops, &cfg, "pci"),
             -EEXIST);
    CHECK_EQ(pvr_ioreq_server_add_region(st.srv, PVR_IO_MMIO, BASE, 256,
                                         &dev_ops, &cfg, "fixed"), 0);
    CHECK_EQ(pvr_ioreq_server_add_movable(st.srv, PVR_IO_MMIO, 4096,
                                          &dev_ops, &bar, "bar", &handle),
             0);
    /* Placed before claiming: claimed by enable. */
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, true, 0xd0000000),
             0);
    CHECK_EQ(pvr_ioreq_server_enable(st.srv), 0);
    pvr_sim_ioreq_servers(st.sim, &ranges);
    CHECK_EQ(ranges, 3);
    CHECK_EQ(pvr_ioreq_server_add_pci(st.srv, sbdf + 1, &dev_ops, &cfg,
                                      "late"), -EINVAL);

    /* Config accesses: register offsets, any alignment. */
    req = (pvr_ioreq_slot){ .addr = ((uint64_t)sbdf << 32) | 0x3d,
                            .data = 0xab, .size = 1, .count = 1,
                            .type = PVR_IOREQ_TYPE_PCI_CONFIG };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK_EQ(cfg.reg[0x3d], 0xab);
    req = (pvr_ioreq_slot){ .addr = ((uint64_t)sbdf << 32) | 0x3c,
                            .size = 2, .count = 1,
                            .flags = PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_PCI_CONFIG };
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK_EQ(req.data, 0xab00);
    CHECK_EQ(cfg.last_off, 0x3c);
    /* Extended space reaches the device; past 4 KiB is refused. */
    req.addr = ((uint64_t)sbdf << 32) | 0xffc;
    req.size = 4;
    CHECK_EQ(pvr_sim_io(st.sim, 0, &req), 0);
    CHECK_EQ(cfg.last_off, 0xffc);
    pvr_ioreq_server_stats(st.srv, &stats);
    req.addr = ((uint64_t)sbdf << 32) | 0xffe;
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(req.data, 0xffffffffULL);
    CHECK_EQ(cfg.last_off, 0xffc);
    req.addr = ((uint64_t)sbdf << 32) | 0x10;
    req.flags |= PVR_IOREQ_F_DATA_IS_PTR;
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(cfg.last_off, 0xffc);
    {
        struct pvr_ioreq_stats after;

        pvr_ioreq_server_stats(st.srv, &after);
        CHECK_EQ(after.invalid, stats.invalid + 2);
    }
    /* Another function on the same server: an empty slot. */
    req = (pvr_ioreq_slot){ .addr = ((uint64_t)(sbdf + 8) << 32),
                            .size = 4, .count = 1,
                            .flags = PVR_IOREQ_F_DIR_READ,
                            .type = PVR_IOREQ_TYPE_PCI_CONFIG };
    CHECK_EQ(pvr_sim_io_raw(st.sim, pvr_ioreq_server_id(st.srv), 0, &req),
             0);
    CHECK_EQ(req.data, 0xffffffffULL);

    /* The movable region: served where placed, moved, taken away. */
    CHECK_EQ(pvr_sim_mmio_write(st.sim, 0, 0xd0000010, 4, 0x1234), 0);
    CHECK_EQ(bar.reg[0x10], 0x34);
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, true,
                                          BASE + 128), -EEXIST);
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, true,
                                          0xfffffffffffff000ULL + 1),
             -EINVAL);
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle + 1, true,
                                          0xc0000000), -EINVAL);
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, true, 0xc0000000),
             0);
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, 0xd0000010, 4, &v), 0);
    CHECK_EQ(v, 0xffffffffULL);                     /* old place: null */
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, 0xc0000010, 4, &v), 0);
    CHECK_EQ(v, 0x1234);
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, false, 0), 0);
    CHECK_EQ(pvr_sim_mmio_read(st.sim, 0, 0xc0000010, 4, &v), 0);
    CHECK_EQ(v, 0xffffffffULL);
    pvr_sim_ioreq_servers(st.sim, &ranges);
    CHECK_EQ(ranges, 2);
    /* A region placed at the fixed one's address is refused even absent. */
    CHECK_EQ(pvr_ioreq_server_move_region(st.srv, handle, true, BASE),
             -EEXIST);
    /* Teardown releases the PCI function too. */
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_sim_ioreq_servers(st.sim, &ranges);
    CHECK_EQ(ranges, 0);
    simstack_close(&st);
}

int main(void)
{
    pvr_log_open(7, PVR_LOG_ERROR, 2);
    test_decode();
    test_accesses();
    test_hostile_slots();
    test_buffered();
    test_vp_eport_on_enable();
    test_teardown_in_flight();
    test_abandon();
    test_teardown();
    test_pci_and_movable();
    return check_result("test_ioreq");
}
