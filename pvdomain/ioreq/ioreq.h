/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOREQ server: how guest MMIO and port I/O reach pvdomaind devices.
 *
 * Theory of operation.  Xen forwards an access that falls in a range we
 * claimed as an ioreq in a page shared with us: one slot per vCPU, whose
 * state goes READY (Xen) -> INPROCESS -> RESP_READY (us) -> NONE (Xen),
 * signalled over one event channel per vCPU.  Posted writes may instead
 * arrive on the buffered ring, drained before any synchronous slot so
 * that ordering is kept.
 *
 * Every slot is copied into private memory once, after its READY state
 * has been seen, and validated by pvr_ioreq_decode() before anything
 * acts on it: type, size (1, 2, 4 or 8), rep count (bounded), address
 * range (wholly inside one region, taking the direction flag into
 * account), and for data_is_ptr the guest buffer (bounded, copied
 * through short foreign mappings).  A request that fails validation is
 * completed anyway, reads returning all-ones and writes dropped, so the
 * vCPU never hangs; the event is logged with a rate limit and counted.
 *
 * Devices register regions with a pair of callbacks.  Callbacks run on
 * the loop thread, must not block, and get one element at a time (a rep
 * access is split by the server); offsets are relative to the region.
 */
#ifndef PVR_IOREQ_H
#define PVR_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loop.h"
#include "port/port.h"

typedef struct pvr_ioreq_server pvr_ioreq_server;

enum pvr_io_space {
    PVR_IO_MMIO,
    PVR_IO_PIO,
};

typedef struct pvr_io_ops {
    /* 0, or a negative errno: the read then returns all-ones. */
    int (*read)(void *opaque, uint64_t off, unsigned int size,
                uint64_t *val_out);
    /* 0, or a negative errno: counted and logged, otherwise ignored. */
    int (*write)(void *opaque, uint64_t off, unsigned int size,
                 uint64_t val);
} pvr_io_ops;

/* Limits on one ioreq, beyond which it is refused. */
#define PVR_IOREQ_MAX_REPS       4096
/* Xen's emulator keeps a data_is_ptr buffer within one guest page. */
#define PVR_IOREQ_MAX_PTR_BYTES  4096u
#define PVR_IOREQ_MAX_REGIONS    16

/* An ioreq, decoded and validated. */
typedef struct pvr_ioreq_req {
    unsigned int type;      /* PVR_IOREQ_TYPE_* */
    bool read;              /* device to guest */
    bool data_is_ptr;
    bool df;                /* addresses go down */
    unsigned int size;
    uint32_t count;
    uint64_t addr;
    uint64_t data;
} pvr_ioreq_req;

/*
 * Validate a private copy of a slot.  Pure; 0 or -EINVAL/-E2BIG/-EPROTO.
 * Does not check the address against regions (that is dispatch's job).
 */
int pvr_ioreq_decode(const pvr_ioreq_slot *slot, pvr_ioreq_req *out);

/* Decode one buffered slot (and its second half for 8-byte writes). */
int pvr_ioreq_decode_buffered(const pvr_bufioreq_slot *lo,
                              const pvr_bufioreq_slot *hi,
                              pvr_ioreq_req *out);

struct pvr_ioreq_stats {
    uint64_t ioreqs;        /* synchronous requests completed */
    uint64_t buffered;      /* buffered requests consumed */
    uint64_t elements;      /* device callbacks made */
    uint64_t invalid;       /* requests refused by validation */
    uint64_t unclaimed;     /* valid, but in no region or PCI function */
    uint64_t dev_errors;    /* device callbacks that failed */
    uint64_t spurious;      /* events with no READY slot */
    uint64_t vsm;           /* VSM events given to the handler */
    uint64_t invalidations; /* IOREQ_TYPE_INVALIDATE: map cache dropped */
};

/*
 * Create an IOREQ server in Xen for domid, map its pages, turn it on and
 * bind one event channel per vCPU (and one for the buffered ring unless
 * mode is PVR_BUFIOREQ_OFF).  No access reaches it until
 * pvr_ioreq_server_enable() claims its regions.
 * The caller owns *out and frees it with pvr_ioreq_server_destroy(),
 * which also destroys the server in Xen.  Logs failures.
 */
int pvr_ioreq_server_create(pvr_port *p, pvr_evmux *mux, uint32_t domid,
                            unsigned int nr_vcpus,
                            enum pvr_bufioreq_mode mode,
                            pvr_ioreq_server **out);

/* Register [base, base + len) before claiming.  -EEXIST on overlap. */
int pvr_ioreq_server_add_region(pvr_ioreq_server *s, enum pvr_io_space sp,
                                uint64_t base, uint64_t len,
                                const pvr_io_ops *ops, void *opaque,
                                const char *name);

/*
 * A region whose place the guest chooses (a PCI BAR): registered absent,
 * before claiming, and placed with pvr_ioreq_server_move_region().
 * *handle_out names it there.
 */
int pvr_ioreq_server_add_movable(pvr_ioreq_server *s, enum pvr_io_space sp,
                                 uint64_t len, const pvr_io_ops *ops,
                                 void *opaque, const char *name,
                                 unsigned int *handle_out);

/*
 * Put a movable region at base (present) or take it out of service.
 * Once the server is claimed this releases the old range in Xen and
 * claims the new one; on failure the region is left absent.  -EEXIST:
 * base overlaps another present region; -EINVAL: it wraps or is not
 * movable.  Runs on the loop thread, also from a device callback (a
 * guest's BAR write); logs failures of the hypervisor calls.
 */
int pvr_ioreq_server_move_region(pvr_ioreq_server *s, unsigned int handle,
                                 bool present, uint64_t base);

/*
 * PCI functions.  Xen hands a config-space access to the server that
 * claimed the function's SBDF (pvr_port_dm_map_pcidev) as an ioreq of
 * type PCI_CONFIG whose address is SBDF << 32 | register.  The ops get
 * the register (0 to PVR_PCI_CFG_SIZE - size) as the offset, one access
 * of 1, 2 or 4 bytes at a time, possibly unaligned (the low bits of port
 * 0xcfc).  A function nobody registered reads all-ones, as before.
 */
#define PVR_PCI_CFG_SIZE        4096u   /* extended space, via CF8 high bits */
#define PVR_IOREQ_MAX_PCI       4
#define PVR_PCI_SBDF(seg, bus, dev, fn) \
    (((uint32_t)(seg) << 16) | ((uint32_t)(bus) << 8) | \
     ((uint32_t)((dev) & 0x1f) << 3) | ((fn) & 7))

/* Register function sbdf before claiming.  -EEXIST if already served. */
int pvr_ioreq_server_add_pci(pvr_ioreq_server *s, uint32_t sbdf,
                             const pvr_io_ops *ops, void *opaque,
                             const char *name);

/*
 * VSM policy events (type PVR_IOREQ_TYPE_VSM, pvdomain/vtl/channel.h):
 * one handler gets each request with the vCPU it came from and returns
 * the data to answer with.  Set before claiming; the server then also
 * claims the event kinds 0-3 (pvr_port_dm_map_vsm_range), which pairs
 * the guest with us in Xen.  Without a handler such requests are
 * refused as any unknown type is (all-ones).  The handler runs on the
 * loop thread and must not block.
 */
typedef uint64_t pvr_ioreq_vsm_fn(void *opaque, unsigned int vcpu,
                                  const pvr_ioreq_req *req);
int pvr_ioreq_server_set_vsm(pvr_ioreq_server *s, pvr_ioreq_vsm_fn *fn,
                             void *opaque);

/*
 * Claim every region's range and every PCI function in Xen: from now on
 * the guest's accesses there reach the server.  Call after the devices
 * are ready.  -EOPNOTSUPP: a VSM handler is set and the hypervisor has
 * no VSM channel (Xen without xen-patches 0011 refuses the range type).
 */
int pvr_ioreq_server_enable(pvr_ioreq_server *s);

/*
 * Accepts NULL.  Releases the ranges, answers requests still in flight
 * (a vCPU waiting on a server that disappears would wait forever; this
 * may sleep up to a second for vCPUs to take their answers), then
 * destroys the server in Xen, unbinds and unmaps.
 */
void pvr_ioreq_server_destroy(pvr_ioreq_server *s);

/*
 * After the process that owned server id died: answer every request it
 * left in flight with all-ones (rebinding each vCPU's channel to wake
 * it) and destroy the server, so that no vCPU waits on it for good.
 * For pvdomaind's parent; logs what it did.  0 or a negative errno.
 */
int pvr_ioreq_server_abandon(pvr_port *p, uint32_t domid, uint16_t id,
                             unsigned int nr_vcpus);

void pvr_ioreq_server_stats(const pvr_ioreq_server *s,
                            struct pvr_ioreq_stats *out);
uint16_t pvr_ioreq_server_id(const pvr_ioreq_server *s);

#endif /* PVR_IOREQ_H */
