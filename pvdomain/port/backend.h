/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend side of the port: the tables a backend fills in.  Only
 * port.c and the backends (port/xen, port/sim) include this file; the
 * rest of pvdomaind uses the checked wrappers in port.h.
 *
 * Each hook is a thin shim over one library call.  Argument checks,
 * bounds and fault injection live in port.c and are not repeated here.
 * Hooks return 0 or a negative errno value.
 */
#ifndef PVR_PORT_BACKEND_H
#define PVR_PORT_BACKEND_H

#include "port/port.h"

struct pvr_domctl_ops {
    int (*getinfo)(pvr_port *p, uint32_t domid, pvr_dominfo *out);
    int (*pause)(pvr_port *p, uint32_t domid);
    int (*unpause)(pvr_port *p, uint32_t domid);
};

struct pvr_fmem_ops {
    int (*map)(pvr_port *p, uint32_t domid, int prot, size_t nr,
               const uint64_t gfns[], int errs_out[], void **addr_out);
    int (*unmap)(pvr_port *p, void *addr, size_t nr);
    int (*map_resource)(pvr_port *p, uint32_t domid, unsigned int type,
                        unsigned int id, unsigned long frame,
                        unsigned long nr, int prot, void **addr_out,
                        pvr_port_resource **res_out);
    int (*unmap_resource)(pvr_port *p, pvr_port_resource *res);
};

struct pvr_evtchn_ops {
    int (*fd)(pvr_port *p);
    int (*bind_interdomain)(pvr_port *p, uint32_t domid,
                            uint32_t remote_port, uint32_t *local_out);
    int (*bind_unbound)(pvr_port *p, uint32_t domid, uint32_t *local_out);
    int (*unbind)(pvr_port *p, uint32_t port);
    int (*notify)(pvr_port *p, uint32_t port);
    int (*pending)(pvr_port *p, uint32_t *port_out);
    int (*unmask)(pvr_port *p, uint32_t port);
};

struct pvr_gnttab_ops {
    int (*share)(pvr_port *p, uint32_t domid, unsigned int count,
                 uint32_t refs_out[], bool writable, void **addr_out);
    int (*unshare)(pvr_port *p, void *addr, unsigned int count);
    int (*map)(pvr_port *p, uint32_t domid, unsigned int count,
               const uint32_t refs[], bool writable, void **addr_out);
    int (*unmap)(pvr_port *p, void *addr, unsigned int count);
};

struct pvr_dm_ops {
    int (*create_ioreq_server)(pvr_port *p, uint32_t domid,
                               enum pvr_bufioreq_mode mode, uint16_t *id_out);
    int (*get_ioreq_server_info)(pvr_port *p, uint32_t domid, uint16_t id,
                                 uint32_t *bufioreq_port_out);
    int (*map_io_range)(pvr_port *p, uint32_t domid, uint16_t id,
                        bool mmio, uint64_t start, uint64_t end, bool map);
    int (*map_pcidev)(pvr_port *p, uint32_t domid, uint16_t id,
                      uint16_t segment, uint8_t bus, uint8_t device,
                      uint8_t function, bool map);
    int (*map_vsm_range)(pvr_port *p, uint32_t domid, uint16_t id,
                         uint64_t start, uint64_t end, bool map);
    int (*set_ioreq_server_state)(pvr_port *p, uint32_t domid, uint16_t id,
                                  bool enabled);
    int (*destroy_ioreq_server)(pvr_port *p, uint32_t domid, uint16_t id);
    int (*inject_msi)(pvr_port *p, uint32_t domid, uint64_t addr,
                      uint32_t data);
    int (*set_isa_irq_level)(pvr_port *p, uint32_t domid, uint8_t irq,
                             unsigned int level);
};

struct pvr_xs_ops {
    int (*read)(pvr_port *p, const char *path, char **val_out,
                size_t *len_out);
    int (*write)(pvr_port *p, const char *path, const void *val,
                 size_t len);
    int (*mkdir)(pvr_port *p, const char *path);
    int (*rm)(pvr_port *p, const char *path);
    int (*set_perms)(pvr_port *p, const char *path,
                     const pvr_xs_perm perms[], unsigned int nr);
    int (*watch)(pvr_port *p, const char *path, const char *token,
                 bool add);
    int (*fd)(pvr_port *p);
    int (*read_watch)(pvr_port *p, char **path_out, char **token_out);
};

struct pvr_altp2m_ops {
    int (*set_domain_state)(pvr_port *p, uint32_t domid, bool enabled);
    int (*create_view)(pvr_port *p, uint32_t domid, enum pvr_access dflt,
                       uint16_t *view_out);
    int (*destroy_view)(pvr_port *p, uint32_t domid, uint16_t view);
    int (*switch_view)(pvr_port *p, uint32_t domid, uint16_t view);
    int (*set_mem_access)(pvr_port *p, uint32_t domid, uint16_t view,
                          uint64_t gfn, enum pvr_access access);
    int (*get_mem_access)(pvr_port *p, uint32_t domid, uint16_t view,
                          uint64_t gfn, enum pvr_access *access_out);
    int (*change_gfn)(pvr_port *p, uint32_t domid, uint16_t view,
                      uint64_t old_gfn, uint64_t new_gfn);
    int (*set_visibility)(pvr_port *p, uint32_t domid, uint16_t view,
                          bool visible);
    int (*set_access_required)(pvr_port *p, uint32_t domid, bool required);
};

/* A backend: its name, lifecycle hooks and tables. */
struct pvr_port_backend {
    const char *name;
    int (*open)(pvr_port *p);
    void (*close)(pvr_port *p);
    int (*restrict_to)(pvr_port *p, uint32_t domid);
    /* pvr_port_keep_altp2m(), before restrict_to. */
    int (*keep_altp2m)(pvr_port *p);
    const struct pvr_domctl_ops *domctl;
    const struct pvr_fmem_ops *fmem;
    const struct pvr_evtchn_ops *evtchn;
    const struct pvr_gnttab_ops *gnttab;
    const struct pvr_dm_ops *dm;
    const struct pvr_xs_ops *xs;
    const struct pvr_altp2m_ops *altp2m;
};

extern const struct pvr_port_backend pvr_port_sim_backend;
#ifdef HAVE_XEN
extern const struct pvr_port_backend pvr_port_xen_backend;
#endif

#endif /* PVR_PORT_BACKEND_H */
