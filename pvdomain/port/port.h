/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The port: the only hypervisor interface the rest of pvdomaind sees.
 *
 * Theory of operation.  A pvr_port is an open connection to one
 * hypervisor backend: "xen" (port/xen, on Xen's stable tool libraries and
 * libxenctrl) or "sim" (port/sim, an in-process double for tests).  The
 * backend is chosen at run time, so tests and production run the same
 * code above this line.
 *
 * The interface is seven small tables, each mirroring one Xen library:
 * domain control (libxenctrl), foreign memory (libxenforeignmemory),
 * event channels (libxenevtchn), grant tables (libxengnttab/gntshr),
 * device model and IOREQ servers (libxendevicemodel), xenstore
 * (libxenstore) and altp2m views (libxenctrl).  Callers never reach the
 * tables directly: every operation has a pvr_port_<table>_<verb>()
 * wrapper in port.c that checks its arguments once, for every backend,
 * and counts the call for fault injection.
 *
 * Conventions: functions return 0 or a negative errno value.  Pointers
 * returned through *_out parameters are owned by the port and released
 * with the matching unmap/unshare/free call named in each comment.  No
 * function here logs on success; failures of the underlying library are
 * logged by the backend through the pvr log (xentoollog on Xen).  A port
 * is used by one thread at a time, except pvr_port_evtchn_notify(), which
 * any thread may call.
 *
 * Guest-controlled data: memory returned by the fmem and gnttab calls and
 * the IOREQ pages are shared with a guest or a peer domain.  Read every
 * field once into private memory before validating it.
 *
 * After pvr_port_restrict(), every handle of that port is limited to one
 * domain; on Xen its xenstore, grant and domain-control handles are
 * closed (they have no such mode).  Do everything that needs them first.
 * Other ports of the same process keep their reach (unlike
 * xentoolcore_restrict_all(), which takes every handle of the process).
 */
#ifndef PVR_PORT_H
#define PVR_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVR_PAGE_SHIFT 12
#define PVR_PAGE_SIZE  (1UL << PVR_PAGE_SHIFT)

typedef struct pvr_port pvr_port;

/* ---- IOREQ ABI (xen/include/public/hvm/ioreq.h, a stable interface) ---- */

/*
 * One vCPU's slot in the shared IOREQ page.  Xen's ioreq_t has bitfields
 * in byte 30; it is mirrored here as a plain byte so the decoder never
 * depends on bitfield layout.  port/xen checks at open time that this
 * mirror matches the headers it was built with.
 */
typedef struct pvr_ioreq_slot {
    uint64_t addr;
    uint64_t data;
    uint32_t count;
    uint32_t size;
    uint32_t vp_eport;
    uint16_t pad0;
    uint8_t flags;           /* state:4 data_is_ptr:1 dir:1 df:1 pad:1 */
    uint8_t type;
} pvr_ioreq_slot;

#define PVR_IOREQ_STATE_MASK     0x0f
#define PVR_IOREQ_F_DATA_IS_PTR  0x10
#define PVR_IOREQ_F_DIR_READ     0x20
#define PVR_IOREQ_F_DF           0x40

#define PVR_IOREQ_STATE_NONE         0
#define PVR_IOREQ_STATE_READY        1
#define PVR_IOREQ_STATE_INPROCESS    2
#define PVR_IOREQ_STATE_RESP_READY   3

#define PVR_IOREQ_TYPE_PIO         0
#define PVR_IOREQ_TYPE_COPY        1
#define PVR_IOREQ_TYPE_PCI_CONFIG  2
#define PVR_IOREQ_TYPE_TIMEOFFSET  7
#define PVR_IOREQ_TYPE_INVALIDATE  8
/* Xen with xen-patches: VSM policy events (pvdomain/vtl/channel.h). */
#define PVR_IOREQ_TYPE_VSM         9

/* The buffered IOREQ page: a ring of 8-byte slots. */
#define PVR_BUFIOREQ_SLOTS 511
typedef struct pvr_bufioreq_slot {
    uint32_t word0;          /* type:8 pad:1 dir:1 size:2 addr:20 */
    uint32_t data;
} pvr_bufioreq_slot;

typedef struct pvr_bufioreq_page {
    union {
        struct {
            uint32_t read_pointer;   /* written by the device model */
            uint32_t write_pointer;  /* written by Xen */
        };
        uint64_t ptrs;               /* both, for one atomic load */
    };
    pvr_bufioreq_slot slot[PVR_BUFIOREQ_SLOTS];
} pvr_bufioreq_page;

#define PVR_BUFIOREQ_TYPE(w)  ((w) & 0xff)
#define PVR_BUFIOREQ_DIR(w)   (((w) >> 9) & 1)
#define PVR_BUFIOREQ_SIZE(w)  (1u << (((w) >> 10) & 3))
#define PVR_BUFIOREQ_ADDR(w)  ((w) >> 12)

/* IOREQ server creation: how buffered ioreqs are handled. */
enum pvr_bufioreq_mode {
    PVR_BUFIOREQ_OFF = 0,
    PVR_BUFIOREQ_LEGACY = 1,
    PVR_BUFIOREQ_ATOMIC = 2,
};

/* Resources mapped with pvr_port_fmem_map_resource(). */
#define PVR_RES_IOREQ_SERVER          0
#define PVR_RES_IOREQ_FRAME_BUFIOREQ  0
#define PVR_RES_IOREQ_FRAME_IOREQ(n)  (1 + (n))

/* ---- Types shared by the tables ---- */

typedef struct pvr_dominfo {
    uint32_t domid;
    unsigned int max_vcpu_id;
    bool hvm;
    bool dying;
    bool shutdown;
    bool paused;
    unsigned int shutdown_reason;
} pvr_dominfo;

/* Memory access rights of a gfn in an altp2m view (xenmem_access_t). */
enum pvr_access {
    PVR_ACCESS_N = 0,
    PVR_ACCESS_R,
    PVR_ACCESS_W,
    PVR_ACCESS_RW,
    PVR_ACCESS_X,
    PVR_ACCESS_RX,
    PVR_ACCESS_WX,
    PVR_ACCESS_RWX,
    PVR_ACCESS_DEFAULT,
};

/* xenstore limits (XENSTORE_ABS_PATH_MAX, XENSTORE_PAYLOAD_MAX). */
#define PVR_XS_PATH_MAX   3072
#define PVR_XS_PATH_BUF   (PVR_XS_PATH_MAX + 1)
#define PVR_XS_VALUE_MAX  4096

/* xenstore permissions (XS_PERM_*). */
#define PVR_XS_PERM_NONE  0
#define PVR_XS_PERM_READ  1
#define PVR_XS_PERM_WRITE 2
typedef struct pvr_xs_perm {
    uint32_t domid;
    unsigned int perms;
} pvr_xs_perm;

typedef struct pvr_port_resource pvr_port_resource;

/* ---- Lifecycle ---- */

/*
 * Open the backend called name ("xen" or "sim").  -ENOENT: no such
 * backend in this build, or (xen) not running on Xen.  The caller owns
 * *port_out and frees it with pvr_port_close().  Logs failures.
 */
int pvr_port_open(const char *name, pvr_port **port_out);

/* Close all handles.  Accepts NULL; safe to call twice via *pp = NULL. */
void pvr_port_close(pvr_port *p);

/* Limit every handle of p to domid.  See the header comment. */
int pvr_port_restrict(pvr_port *p, uint32_t domid);

/*
 * Keep the altp2m table usable after pvr_port_restrict(), for the VTL
 * engine (pvdomaind --vsm), which changes views and access for as long
 * as its guest runs.  HVMOP_altp2m and XEN_DOMCTL_set_access_required
 * have no restricted form: on Xen they need libxenctrl, which
 * restriction otherwise closes, so such a port keeps a handle that
 * reaches whatever the process's privilege reaches.  Call before
 * restricting; -EINVAL after.
 */
int pvr_port_keep_altp2m(pvr_port *p);

const char *pvr_port_name(const pvr_port *p);

/*
 * Fault injection: make the nth port call from now fail with -EIO
 * (n = 0 disables).  Returns the number of calls made so far.  Meant for
 * tests; available on every backend.
 */
void pvr_port_fail_nth(pvr_port *p, unsigned long n);
unsigned long pvr_port_calls(const pvr_port *p);

/* Backend private data, for backends only. */
void *pvr_port_priv(const pvr_port *p);
void pvr_port_set_priv(pvr_port *p, void *priv);

/* ---- Checked wrappers, one per hook (port.c) ---- */

int pvr_port_domctl_getinfo(pvr_port *p, uint32_t domid, pvr_dominfo *out);
int pvr_port_domctl_pause(pvr_port *p, uint32_t domid);
int pvr_port_domctl_unpause(pvr_port *p, uint32_t domid);

/* Map nr gfns contiguously; *addr_out is released by fmem_unmap(nr). */
int pvr_port_fmem_map(pvr_port *p, uint32_t domid, int prot, size_t nr,
                      const uint64_t gfns[], int errs_out[],
                      void **addr_out);
int pvr_port_fmem_unmap(pvr_port *p, void *addr, size_t nr);
int pvr_port_fmem_map_resource(pvr_port *p, uint32_t domid,
                               unsigned int type, unsigned int id,
                               unsigned long frame, unsigned long nr,
                               int prot, void **addr_out,
                               pvr_port_resource **res_out);
/* Releases res on success; on failure res stays valid for a retry. */
int pvr_port_fmem_unmap_resource(pvr_port *p, pvr_port_resource *res);

/*
 * Copy between guest-physical memory and a private buffer, one page at a
 * time, through short-lived foreign mappings or, once
 * pvr_port_mapcache_enable() was called, through a cache of mappings of
 * 1 MiB buckets of guest memory (at most `buckets` of them, the least
 * recently used replaced).  len is bounded by PVR_PORT_GUEST_COPY_MAX;
 * every page must be mapped or nothing is reported as copied (-EFAULT).
 * Touches guest memory.
 *
 * A cached mapping keeps the frame the guest had when it was made: call
 * pvr_port_mapcache_invalidate() when Xen says the guest's memory map
 * changed (IOREQ_TYPE_INVALIDATE, as QEMU drops its mapcache).  It also
 * calls the invalidate hooks, in the order they were added: a device
 * that keeps mappings of its own (NVMe's queues) drops and remakes them
 * there.  A hook runs in the caller's thread and must not add or remove
 * hooks.
 */
#define PVR_PORT_MAPCACHE_MAX 1024
int pvr_port_mapcache_enable(pvr_port *p, unsigned int buckets);
void pvr_port_mapcache_invalidate(pvr_port *p);
#define PVR_PORT_INVALIDATE_HOOKS 8
typedef void pvr_port_invalidate_fn(void *opaque);
/* -ENOSPC when PVR_PORT_INVALIDATE_HOOKS are in use. */
int pvr_port_invalidate_hook_add(pvr_port *p, pvr_port_invalidate_fn *fn,
                                 void *opaque);
/* Removes the hook added with the same fn and opaque, if there is one. */
void pvr_port_invalidate_hook_del(pvr_port *p, pvr_port_invalidate_fn *fn,
                                  void *opaque);
struct pvr_port_mapcache_stats {
    uint64_t hits, misses, evictions, invalidations;
};
void pvr_port_mapcache_stats(const pvr_port *p,
                             struct pvr_port_mapcache_stats *out);
#define PVR_PORT_GUEST_COPY_MAX (1u << 20)
int pvr_port_guest_read(pvr_port *p, uint32_t domid, uint64_t gpa,
                        void *buf, size_t len);
int pvr_port_guest_write(pvr_port *p, uint32_t domid, uint64_t gpa,
                         const void *buf, size_t len);

int pvr_port_evtchn_fd(pvr_port *p);
int pvr_port_evtchn_bind_interdomain(pvr_port *p, uint32_t domid,
                                     uint32_t remote_port,
                                     uint32_t *local_out);
int pvr_port_evtchn_bind_unbound(pvr_port *p, uint32_t domid,
                                 uint32_t *local_out);
int pvr_port_evtchn_unbind(pvr_port *p, uint32_t port);
int pvr_port_evtchn_notify(pvr_port *p, uint32_t port);
/* -EAGAIN when nothing is pending. */
int pvr_port_evtchn_pending(pvr_port *p, uint32_t *port_out);
int pvr_port_evtchn_unmask(pvr_port *p, uint32_t port);

#define PVR_PORT_GNTTAB_MAX 1024
int pvr_port_gnttab_share(pvr_port *p, uint32_t domid, unsigned int count,
                          uint32_t refs_out[], bool writable,
                          void **addr_out);
int pvr_port_gnttab_unshare(pvr_port *p, void *addr, unsigned int count);
int pvr_port_gnttab_map(pvr_port *p, uint32_t domid, unsigned int count,
                        const uint32_t refs[], bool writable,
                        void **addr_out);
int pvr_port_gnttab_unmap(pvr_port *p, void *addr, unsigned int count);

int pvr_port_dm_create_ioreq_server(pvr_port *p, uint32_t domid,
                                    enum pvr_bufioreq_mode mode,
                                    uint16_t *id_out);
int pvr_port_dm_get_ioreq_server_info(pvr_port *p, uint32_t domid,
                                      uint16_t id,
                                      uint32_t *bufioreq_port_out);
/* Claim (map = true) or release [start, end], end inclusive. */
int pvr_port_dm_map_io_range(pvr_port *p, uint32_t domid, uint16_t id,
                             bool mmio, uint64_t start, uint64_t end,
                             bool map);
int pvr_port_dm_map_pcidev(pvr_port *p, uint32_t domid, uint16_t id,
                           uint16_t segment, uint8_t bus, uint8_t device,
                           uint8_t function, bool map);
/*
 * Claim (map = true) or release the VSM event kinds [start, end] (0-3)
 * for server id: XEN_DMOP_map_io_range_to_ioreq_server with range type
 * XEN_DMOP_IO_RANGE_VSM (3), which only Xen with xen-patches knows
 * (-EINVAL from an older Xen).  Xen regards the guest as paired with a
 * paravisor while such a server exists.
 */
#define PVR_VSM_KINDS_LAST 3
int pvr_port_dm_map_vsm_range(pvr_port *p, uint32_t domid, uint16_t id,
                              uint64_t start, uint64_t end, bool map);
int pvr_port_dm_set_ioreq_server_state(pvr_port *p, uint32_t domid,
                                       uint16_t id, bool enabled);
int pvr_port_dm_destroy_ioreq_server(pvr_port *p, uint32_t domid,
                                     uint16_t id);
int pvr_port_dm_inject_msi(pvr_port *p, uint32_t domid, uint64_t addr,
                           uint32_t data);
int pvr_port_dm_set_isa_irq_level(pvr_port *p, uint32_t domid, uint8_t irq,
                                  unsigned int level);

/* *val_out is NUL-terminated, malloc()ed, freed by the caller. */
int pvr_port_xs_read(pvr_port *p, const char *path, char **val_out,
                     size_t *len_out);
int pvr_port_xs_write(pvr_port *p, const char *path, const void *val,
                      size_t len);
int pvr_port_xs_write_str(pvr_port *p, const char *path, const char *val);
int pvr_port_xs_mkdir(pvr_port *p, const char *path);
int pvr_port_xs_rm(pvr_port *p, const char *path);
int pvr_port_xs_set_perms(pvr_port *p, const char *path,
                          const pvr_xs_perm perms[], unsigned int nr);
int pvr_port_xs_watch(pvr_port *p, const char *path, const char *token);
int pvr_port_xs_unwatch(pvr_port *p, const char *path, const char *token);
int pvr_port_xs_fd(pvr_port *p);
/* This domain's own id, as xenstored tells it (the relative "domid"). */
int pvr_port_xs_self_domid(pvr_port *p, uint32_t *out);
/* Both strings malloc()ed, freed by the caller.  -EAGAIN: none queued. */
int pvr_port_xs_read_watch(pvr_port *p, char **path_out, char **token_out);

int pvr_port_altp2m_set_domain_state(pvr_port *p, uint32_t domid,
                                     bool enabled);
int pvr_port_altp2m_create_view(pvr_port *p, uint32_t domid,
                                enum pvr_access dflt, uint16_t *view_out);
int pvr_port_altp2m_destroy_view(pvr_port *p, uint32_t domid,
                                 uint16_t view);
int pvr_port_altp2m_switch_view(pvr_port *p, uint32_t domid, uint16_t view);
int pvr_port_altp2m_set_mem_access(pvr_port *p, uint32_t domid,
                                   uint16_t view, uint64_t gfn,
                                   enum pvr_access access);
int pvr_port_altp2m_get_mem_access(pvr_port *p, uint32_t domid,
                                   uint16_t view, uint64_t gfn,
                                   enum pvr_access *access_out);
int pvr_port_altp2m_change_gfn(pvr_port *p, uint32_t domid, uint16_t view,
                               uint64_t old_gfn, uint64_t new_gfn);
int pvr_port_altp2m_set_visibility(pvr_port *p, uint32_t domid,
                                   uint16_t view, bool visible);
/*
 * mem_access's access_required (XEN_DOMCTL_set_access_required): when
 * set, an access violation with no vm_event listener crashes the domain
 * instead of Xen relaxing the page to rwx.
 */
int pvr_port_altp2m_set_access_required(pvr_port *p, uint32_t domid,
                                        bool required);

#endif /* PVR_PORT_H */
