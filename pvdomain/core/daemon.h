/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind's processes.
 *
 * Theory of operation, in the manner of OpenBSD's vmd: main() parses the
 * command line, then forks the processes of this table and becomes the
 * first of them.
 *
 *   parent  holds xenstore and domain control (unrestricted): publishes
 *           readiness, watches @releaseDomain for the guest's death,
 *           serves the control socket, and cleans up after the worker.
 *   worker  holds the device-model, foreign-memory and event-channel
 *           handles, restricted to the guest's domid once set up, and
 *           optionally drops root: it is the only process that reads
 *           anything the guest controls.
 *
 * They talk over a SOCK_SEQPACKET pair with core/msg.h messages.
 */
#ifndef PVR_DAEMON_H
#define PVR_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/log.h"
#include "drivers/nvme/slot.h"
#include "ioreq/ioreq.h"
#include "port/port.h"

struct pvr_config {
    uint32_t domid;
    const char *backend;        /* "xen" or "sim" */
    const char *tpm_state;      /* NULL: no vTPM */
    bool tpm_resume;
    const char *control_path;
    const char *runas;          /* NULL: the worker keeps its uid */
    enum pvr_log_level log_level;
    const char *xs_dir;         /* where readiness is published */
    bool xs_config;             /* configured from xenstore (xsconfig.c) */
    const char *nvme;           /* NULL: no NVMe controller; else the
                                   backing store (pvr_blk_backing_open) */
    uint32_t nvme_sbdf;         /* its PCI function, PVR_PCI_SBDF() */
    bool nvme_mmio_doorbells;   /* offer no shadow doorbells */
    bool vsm;                   /* serve the VSM channel (vsm.c) */
    unsigned int vsm_reps;      /* reps a request; 0: the engine's default */
};

/* --nvme-slot or xenstore nvme-slot (drivers/nvme/slot.h: the syntax
 * and PVR_NVME_DEFAULT_SLOT) as a segment 0 SBDF; -EINVAL if s is not
 * a slot the controller may take. */
int pvr_config_nvme_slot(const char *s, uint32_t *sbdf);

/* A decimal number (digits only, no sign or space) up to max; -EINVAL. */
int pvr_config_parse_u32(const char *s, unsigned long max, uint32_t *out);

/* Storage for what pvr_config_from_xs() points the config at. */
struct pvr_xs_config {
    uint32_t self;              /* the paravisor domain's own id */
    char dir[64];               /* PVR_XS_SELF_DIR_FMT */
    char tpm_state[256];
    char nvme[24];              /* "vbd:N" */
};

/*
 * Fill cfg from this domain's xenstore directory (xsconfig.c, which
 * lists the nodes).  On error, err holds one line naming the node.
 */
int pvr_config_from_xs(pvr_port *p, struct pvr_config *cfg,
                       struct pvr_xs_config *xc, char *err, size_t errlen);
/* Write dir/error = msg, for the toolstack to show. */
int pvr_config_publish_error(pvr_port *p, const char *dir, const char *msg);

/*
 * --vsm (vsm.c): the VTL engine for the guest's nr_vcpus vCPUs as srv's
 * VSM handler, which srv claims when it is enabled; the port keeps its
 * altp2m reach through restriction.  Destroy it after srv.  Logs.
 */
struct pvr_daemon_vsm;
int pvr_daemon_vsm_create(pvr_port *p, pvr_ioreq_server *srv,
                          const struct pvr_config *cfg, unsigned int nr_vcpus,
                          struct pvr_daemon_vsm **out);
/* Accepts NULL.  Logs the engine's counts, then destroys it. */
void pvr_daemon_vsm_destroy(struct pvr_daemon_vsm *d);

struct pvr_proc {
    const char *name;
    const char *holds;          /* what it keeps, and why */
};

extern const struct pvr_proc pvr_procs[2];

/* Each returns the process's exit status. */
int pvr_parent_main(const struct pvr_config *cfg, int worker_fd,
                    pid_t worker);
int pvr_worker_main(const struct pvr_config *cfg, int parent_fd);

/* Open the configured backend; the sim is shaped after the guest. */
int pvr_daemon_open_port(const struct pvr_config *cfg,
                         pvr_port **out);

/*
 * On a fatal signal, log the process name, the signal, a backtrace and
 * the executable's load address (crash.c).  Called early in each process.
 */
void pvr_crash_handler_install(const char *proc);

/* Where readiness is published: pvdomaind in dom0, by guest domid... */
#define PVR_XS_DIR_FMT "/local/domain/0/paravisor/%u"
/* ...and in a paravisor domain, by its own domid (also its config). */
#define PVR_XS_SELF_DIR_FMT "/local/domain/%u/paravisor"

#endif /* PVR_DAEMON_H */
