/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the simulated hypervisor, shared by its files.
 */
#ifndef PVR_SIM_PRIV_H
#define PVR_SIM_PRIV_H

#include <pthread.h>
#include <sys/types.h>

#include "port/backend.h"
#include "port/sim/sim.h"

#define SIM_MAX_PORTS      256
#define SIM_MAX_SERVERS    8
#define SIM_MAX_RANGES     64
#define SIM_MAX_GRANTS     1024
#define SIM_MAX_VIEWS      10
#define SIM_MAX_NODES      1024
#define SIM_MAX_WATCHES    64
#define SIM_MAX_EVENTS     256
#define SIM_MAX_MSI_KEYS   64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An event channel end: ours (local) or the guest's (remote). */
struct sim_port {
    bool used;
    bool bound;             /* connected to the other side */
    uint32_t peer;          /* the port at the other end */
    bool pending;
    bool masked;
    unsigned long kicks;    /* notifications received (remote side) */
};

struct sim_range {
    bool used;
    unsigned int type;      /* PVR_IOREQ_TYPE_PIO, _COPY, _PCI_CONFIG, _VSM */
    uint64_t start, end;    /* inclusive */
};

struct sim_server {
    bool used;
    bool enabled;
    enum pvr_bufioreq_mode mode;
    uint8_t *pages;         /* two pages: bufioreq, then ioreq */
    uint32_t vp_eport[PVR_SIM_MAX_VCPUS];   /* remote ports */
    uint32_t buf_port;                       /* remote port */
    struct sim_range range[SIM_MAX_RANGES];
};

struct pvr_port_resource {
    void *addr;
};

struct sim_grant {
    bool used;
    uint32_t domid;
    bool writable;
    uint8_t *page;          /* shared: our page */
    uint64_t gfn;           /* peer: the guest frame granted */
};

struct sim_node {
    char *path;
    char *val;
    size_t len;
};

struct sim_watch {
    char *path;
    char *token;
};

struct sim_event {
    char *path;
    char *token;
};

struct sim_view {
    bool used;
    bool visible;
    uint8_t *access;        /* per gfn, enum pvr_access */
    uint64_t *remap;        /* per gfn: target gfn + 1, or 0 */
};

/* Frames past the guest's RAM that pvr_sim_p2m_move() gives out. */
#define SIM_SPARE_FRAMES 64

struct pvr_sim {
    pthread_mutex_t lock;
    pthread_cond_t cond;

    uint32_t domid;
    unsigned int nr_vcpus;
    size_t mem_pages;
    bool dead;
    unsigned int pause_count;

    int memfd;              /* mem_pages frames, then SIM_SPARE_FRAMES */
    uint8_t *guest_mem;     /* every frame of memfd, linearly */
    uint32_t *p2m;          /* gfn -> frame: identity until moved */
    unsigned int spare_used;
    unsigned int fmem_pages;
    unsigned int resources;

    void (*pump)(void *opaque);
    void *pump_opaque;

    int evt_fd;             /* semaphore eventfd: one count per queued port */
    struct sim_port local[SIM_MAX_PORTS];
    struct sim_port remote[SIM_MAX_PORTS];
    uint32_t queue[SIM_MAX_PORTS];
    unsigned int q_head, q_len;

    struct sim_server server[SIM_MAX_SERVERS];
    unsigned int stranded;  /* vCPUs left waiting on a destroyed server */
    unsigned long notifies; /* notify() calls on bound ports, ever */

    struct pvr_sim_msi msi_log[PVR_SIM_MSI_LOG];  /* a ring */
    unsigned long msis;     /* inject_msi calls, ever */
    struct sim_msi_count {
        uint64_t addr;
        uint32_t data;
        unsigned long n;
    } msi_count[SIM_MAX_MSI_KEYS];
    uint8_t isa_level[16];
    unsigned long isa_raised[16];

    struct sim_grant shared[SIM_MAX_GRANTS];     /* ours, to a peer */
    struct sim_grant peer[SIM_MAX_GRANTS];       /* a peer's, to us */
    unsigned int grants_mapped;

    struct sim_node node[SIM_MAX_NODES];
    struct sim_watch watch[SIM_MAX_WATCHES];
    struct sim_event event[SIM_MAX_EVENTS];
    unsigned int ev_head, ev_len;
    int xs_fd;              /* semaphore eventfd: one count per event */

    bool restricted;        /* pvr_port_restrict() was called */
    bool keep_altp2m;       /* ... and altp2m keeps its reach */
    bool no_vsm;            /* the range type 3 is refused (old Xen) */
    bool access_required;
    bool altp2m_enabled;
    struct sim_view view[SIM_MAX_VIEWS];
    uint16_t vcpu_view[PVR_SIM_MAX_VCPUS];
    unsigned long violations;
};

static inline pvr_sim *sim_of(pvr_port *p)
{
    return pvr_port_priv(p);
}

/* Called with s->lock held. */
int sim__evtchn_kick_locked(pvr_sim *s, uint32_t remote_port);
int sim__evtchn_alloc_remote_locked(pvr_sim *s, uint32_t *remote_out);
void sim__evtchn_free_remote_locked(pvr_sim *s, uint32_t remote_port);
void sim__xs_fire_locked(pvr_sim *s, const char *path);

int sim__altp2m_init(pvr_sim *s);
void sim__altp2m_dispose(pvr_sim *s);
void sim__xs_dispose(pvr_sim *s);
void sim__dm_dispose(pvr_sim *s);
void sim__gnttab_dispose(pvr_sim *s);

extern const struct pvr_domctl_ops sim__domctl_ops;
extern const struct pvr_fmem_ops sim__fmem_ops;
extern const struct pvr_evtchn_ops sim__evtchn_ops;
extern const struct pvr_gnttab_ops sim__gnttab_ops;
extern const struct pvr_dm_ops sim__dm_ops;
extern const struct pvr_xs_ops sim__xs_ops;
extern const struct pvr_altp2m_ops sim__altp2m_ops;

/* The memfd offset of gfn's frame (gfn < mem_pages); under s->lock. */
static inline off_t sim__frame_off(const pvr_sim *s, uint64_t gfn)
{
    return (off_t)s->p2m[gfn] * PVR_PAGE_SIZE;
}

#endif /* PVR_SIM_PRIV_H */
