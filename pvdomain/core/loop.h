/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event loop and the event-channel demultiplexer.
 *
 * Theory of operation.  pvdomaind is single-threaded around one epoll
 * set: every source of work (event-channel fd, signalfd, control socket,
 * xenstore watch fd, eventfds from helper threads) registers a callback
 * with pvr_loop_add_fd().  Callbacks run to completion and must not
 * block; work that can take long (a TPM command) runs on its own thread
 * and reports back through an eventfd.
 *
 * The port has one event-channel fd for all channels.  pvr_evmux owns
 * it: on readiness it drains pending ports (bounded per wake-up),
 * unmasks each and then calls the handler bound to that port, so an
 * event that arrives during the handler is not lost.  Handlers must
 * treat every call as possibly spurious and check their shared state.
 *
 * Everything here runs on the loop's thread; nothing logs except on
 * failure of a system call.
 */
#ifndef PVR_LOOP_H
#define PVR_LOOP_H

#include <stdint.h>

#include "port/port.h"

typedef struct pvr_loop pvr_loop;
typedef struct pvr_evmux pvr_evmux;

/* Called with the epoll events (EPOLLIN, EPOLLHUP, ...) that fired. */
typedef void pvr_loop_fn(void *opaque, uint32_t events);

/* The caller owns *out and frees it with pvr_loop_destroy(). */
int pvr_loop_create(pvr_loop **out);
/* Accepts NULL.  Registered fds are not closed. */
void pvr_loop_destroy(pvr_loop *l);

/* Watch fd for input.  -EEXIST if fd is already registered. */
int pvr_loop_add_fd(pvr_loop *l, int fd, pvr_loop_fn *fn, void *opaque);
/* Stop watching fd.  Safe from within any callback, including fd's own. */
void pvr_loop_del_fd(pvr_loop *l, int fd);

/*
 * Wait up to timeout_ms (-1: forever) and run the callbacks of the fds
 * that are ready.  Returns the number of callbacks run, or -errno.
 */
int pvr_loop_run_once(pvr_loop *l, int timeout_ms);

/* Run until pvr_loop_stop(); returns the status given to it. */
int pvr_loop_run(pvr_loop *l);
void pvr_loop_stop(pvr_loop *l, int status);
int pvr_loop_stopped(const pvr_loop *l);

/* ---- event channels ---- */

typedef void pvr_evtchn_fn(void *opaque, uint32_t port);

/* The caller owns *out and frees it with pvr_evmux_destroy(). */
int pvr_evmux_create(pvr_loop *l, pvr_port *p, pvr_evmux **out);
/* Accepts NULL.  Bound ports are not unbound from the port. */
void pvr_evmux_destroy(pvr_evmux *m);

/* Route events on local port to fn.  -EEXIST if already routed. */
int pvr_evmux_bind(pvr_evmux *m, uint32_t port, pvr_evtchn_fn *fn,
                   void *opaque);
void pvr_evmux_unbind(pvr_evmux *m, uint32_t port);

/* Events with no handler (spurious or after unbind), for tests. */
unsigned long pvr_evmux_stray(const pvr_evmux *m);

#endif /* PVR_LOOP_H */
