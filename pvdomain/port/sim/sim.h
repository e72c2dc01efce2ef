/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated hypervisor: a test double behind the port interface.
 *
 * Theory of operation.  pvr_port_open("sim") gives a port whose backend
 * models one guest domain in process:
 *  - guest memory: a memfd of mem_pages pages, indexed by gfn through a
 *    p2m that a test can change (pvr_sim_p2m_move()), mapped by the fmem
 *    hooks exactly as privcmd maps foreign frames;
 *  - event channels: a port table whose fd is a semaphore eventfd, one
 *    count per pending port, with Linux evtchn mask-on-delivery semantics;
 *  - IOREQ servers: real shared IOREQ and buffered-IOREQ pages, ranges
 *    claimed per server, and a guest side (pvr_sim_io()) that selects the
 *    server as Xen's ioreq_server_select() does, posts the request,
 *    notifies the vCPU's port and waits for the response;
 *  - grant tables: pages we share with a peer, and grants a peer gives us,
 *    both of which a test can corrupt;
 *  - xenstore: an in-memory tree with watches;
 *  - altp2m: per-view access arrays and a per-vCPU current view, out of
 *    reach after pvr_port_restrict() unless kept (pvr_port_keep_altp2m()),
 *    as on Xen;
 *  - fault injection: pvr_port_fail_nth() (port.c) works on every hook.
 *
 * The guest-side calls below are what Xen and the guest would do; a test
 * uses them to drive the code under test.  A guest-side call may run on a
 * different thread from the port user (benchmarks do); the sim serialises
 * its own state with a mutex.  Nothing here logs except on misuse.
 */
#ifndef PVR_SIM_H
#define PVR_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"

typedef struct pvr_sim pvr_sim;

#define PVR_SIM_MAX_VCPUS 64

/* The sim behind a port opened as "sim"; NULL for other backends. */
pvr_sim *pvr_sim_from_port(pvr_port *p);

/*
 * Shape the simulated guest.  Call before the port is used.  Defaults:
 * domid 1, 2 vCPUs, 4096 pages (16 MiB).  -EINVAL on nonsense, -EBUSY
 * once servers exist.
 */
int pvr_sim_set_domain(pvr_sim *s, uint32_t domid, unsigned int nr_vcpus,
                       size_t mem_pages);

/*
 * While a guest-side call waits for the device model, it calls pump()
 * (e.g. one turn of the event loop) if one is set; without a pump it
 * sleeps until the device model notifies, for multi-threaded use.
 */
void pvr_sim_set_pump(pvr_sim *s, void (*pump)(void *opaque), void *opaque);

/* Guest memory seen by the guest: gfn's page, or NULL outside RAM.
 * Pages are contiguous only while no gfn among them was moved. */
void *pvr_sim_guest_page(pvr_sim *s, uint64_t gfn);

/*
 * Give gfn a new frame, as Xen's p2m changes under a balloon or paging:
 * its content moves there, and the old frame, which mappings made
 * before still reach, is filled with SIM_STALE_BYTE.  Xen then sends
 * IOREQ_TYPE_INVALIDATE; here the test does (pvr_sim_io()).  -EINVAL
 * outside RAM, -ENOSPC after 64 moves.
 */
#define SIM_STALE_BYTE 0xdb
int pvr_sim_p2m_move(pvr_sim *s, uint64_t gfn);

/*
 * Issue one ioreq from vCPU vcpu and wait for its completion.  req's
 * state field is ignored; on return req->data holds the result.  Ranges
 * no server claims behave as Xen's null handler (reads all-ones, writes
 * dropped) and return 1.  Returns 0 when a server completed it,
 * -ETIMEDOUT when none answered within about five seconds.  A request of
 * type PVR_IOREQ_TYPE_VSM goes as pvr_sim_vsm() sends it.
 */
int pvr_sim_io(pvr_sim *s, unsigned int vcpu, pvr_ioreq_slot *req);

/*
 * Post one VSM policy event (type 9, pvdomain/vtl/channel.h) from vCPU
 * vcpu as Xen with xen-patches does: to the server that claimed its kind
 * (addr bits 63:56), dir read, and wait; *data goes in and comes back
 * with the answer.  Returns 1, *data untouched, when no server claimed
 * the kind (Xen then answers itself: the guest is not paired).
 */
int pvr_sim_vsm(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                uint64_t *data, uint32_t count, uint32_t size);

/*
 * Model a Xen with (true, the default) or without the VSM patches; a Xen
 * without them refuses the VSM range type with -EINVAL.
 */
void pvr_sim_set_vsm(pvr_sim *s, bool patched);

/*
 * Post req to server id's slot as given, with no range check at all, as
 * a broken or hostile hypervisor might; same results as pvr_sim_io().
 */
int pvr_sim_io_raw(pvr_sim *s, uint16_t id, unsigned int vcpu,
                   pvr_ioreq_slot *req);

/*
 * Post req to server id's slot and return at once, as a vCPU whose
 * request is in flight when something else happens.  Such a request,
 * unanswered when its server is destroyed, leaves the vCPU blocked for
 * good, as on Xen: pvr_sim_stranded_vcpus() counts those.
 */
int pvr_sim_io_post(pvr_sim *s, uint16_t id, unsigned int vcpu,
                    const pvr_ioreq_slot *req);
unsigned int pvr_sim_stranded_vcpus(pvr_sim *s);

/* Shorthands for a single MMIO access (count 1, no pointer). */
int pvr_sim_mmio_read(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                      unsigned int size, uint64_t *val_out);
int pvr_sim_mmio_write(pvr_sim *s, unsigned int vcpu, uint64_t addr,
                       unsigned int size, uint64_t val);

/*
 * Post a buffered write as Xen's ioreq_send_buffered() does (8-byte
 * writes take two slots) to the server claiming addr.  -EAGAIN when the
 * ring is full, -ENOENT when no server with buffering claims it.
 */
int pvr_sim_bufio_write(pvr_sim *s, unsigned int type, uint64_t addr,
                        unsigned int size, uint64_t data);

/* The buffered page of server id, to corrupt pointers on purpose. */
pvr_bufioreq_page *pvr_sim_bufio_page(pvr_sim *s, uint16_t id);

/* The IOREQ slot of a vCPU on server id, to corrupt it on purpose. */
pvr_ioreq_slot *pvr_sim_ioreq_slot(pvr_sim *s, uint16_t id,
                                   unsigned int vcpu);

/* Number of IOREQ servers that exist, and claimed ranges in total. */
unsigned int pvr_sim_ioreq_servers(pvr_sim *s, unsigned int *ranges_out);

/* Event channels: our ports still bound, and kicks from the peer side. */
unsigned int pvr_sim_evtchn_bound(pvr_sim *s);
int pvr_sim_evtchn_alloc_remote(pvr_sim *s, uint32_t *remote_out);
int pvr_sim_evtchn_kick(pvr_sim *s, uint32_t remote_port);
unsigned long pvr_sim_evtchn_notified(pvr_sim *s, uint32_t remote_port);

/* The domain dies: getinfo reports it gone, @releaseDomain fires. */
void pvr_sim_kill_domain(pvr_sim *s);
/* What the relative xenstore path "domid" reads as (none by default). */
int pvr_sim_xs_set_self(pvr_sim *s, uint32_t self);

/* Grants: the guest grants us its frame gfn; corrupt either table. */
int pvr_sim_gnttab_peer_grant(pvr_sim *s, uint64_t gfn, bool writable,
                              uint32_t *ref_out);
enum pvr_sim_grant_fault {
    PVR_SIM_GRANT_REVOKE,      /* the entry disappears */
    PVR_SIM_GRANT_READONLY,    /* the entry loses write access */
    PVR_SIM_GRANT_WRONG_DOMID, /* the entry names another domain */
};
int pvr_sim_gnttab_corrupt(pvr_sim *s, bool peer_table, uint32_t ref,
                           enum pvr_sim_grant_fault how);
/* The page behind one of our shared grants, as the peer would map it. */
void *pvr_sim_gnttab_peer_map(pvr_sim *s, uint32_t ref);
unsigned int pvr_sim_gnttab_shared(pvr_sim *s);

/*
 * altp2m: may vCPU vcpu access gfn with the given rights (PVR_ACCESS_R,
 * _W, _X or a combination) in its current view?  0 yes, -EACCES no (the
 * violation is counted), -EINVAL bad arguments.
 */
int pvr_sim_altp2m_access(pvr_sim *s, unsigned int vcpu, uint64_t gfn,
                          enum pvr_access want);
int pvr_sim_altp2m_vcpu_view(pvr_sim *s, unsigned int vcpu,
                             uint16_t *view_out);
unsigned long pvr_sim_altp2m_violations(pvr_sim *s);
/* mem_access's access_required, as last set through the port. */
bool pvr_sim_access_required(pvr_sim *s);

/*
 * Interrupts the device model raised: every inject_msi call is counted,
 * and the last PVR_SIM_MSI_LOG of them are kept (oldest first); ISA IRQ
 * lines keep the level last set.  pvr_sim_msis() copies up to max
 * entries into log_out (may be NULL) and returns the total ever injected.
 */
#define PVR_SIM_MSI_LOG 256
struct pvr_sim_msi {
    uint64_t addr;
    uint32_t data;
};
unsigned long pvr_sim_msis(pvr_sim *s, struct pvr_sim_msi *log_out,
                           unsigned int max, unsigned int *nr_out);
/* How many injected MSIs carried exactly this address and data, ever. */
unsigned long pvr_sim_msi_count(pvr_sim *s, uint64_t addr, uint32_t data);
/* The level of ISA IRQ irq (0-15), and how often it was raised. */
unsigned int pvr_sim_isa_irq_level(pvr_sim *s, uint8_t irq,
                                   unsigned long *raised_out);

/* Counters a leak test compares before and after. */
struct pvr_sim_counts {
    unsigned int ioreq_servers;
    unsigned int evtchn_bound;
    unsigned int fmem_mapped_pages;
    unsigned int resources_mapped;
    unsigned int grants_shared;
    unsigned int grants_mapped;
    unsigned int xs_watches;
    unsigned int altp2m_views;
    unsigned long notifies;     /* notifications sent, ever */
};
void pvr_sim_counts(pvr_sim *s, struct pvr_sim_counts *out);

#endif /* PVR_SIM_H */
