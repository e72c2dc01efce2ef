/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed messages between pvdomaind's processes and its control clients.
 *
 * Theory of operation.  Every message is one SOCK_SEQPACKET datagram: a
 * header (type, payload length) and a fixed-size payload whose length is
 * defined by its type.  pvr_msg_recv() rejects a datagram whose length
 * does not match its type exactly, so a peer cannot make the receiver
 * read past what it sent.  The same framing serves the worker-parent
 * pair and the control socket (pvdomainctl).
 */
#ifndef PVR_MSG_H
#define PVR_MSG_H

#include <stdint.h>

#include "ioreq/ioreq.h"
#include "services/tpm/tpm.h"

enum pvr_msg_type {
    PVR_MSG_READY = 1,      /* worker -> parent: serving */
    PVR_MSG_STOP,           /* parent -> worker, client -> parent */
    PVR_MSG_STATS_REQ,      /* parent -> worker */
    PVR_MSG_STATS,          /* worker -> parent */
    PVR_MSG_STATUS_REQ,     /* client -> parent */
    PVR_MSG_STATUS,         /* parent -> client */
    PVR_MSG_MAX,
};

struct pvr_msg_hdr {
    uint32_t type;
    uint32_t len;           /* payload bytes after the header */
};

struct pvr_msg_ready {
    uint32_t ioreq_server;  /* so the parent can clean up after a crash */
    uint32_t nr_vcpus;
};

enum pvr_stop_reason {
    PVR_STOP_REQUESTED = 1, /* signal or control client: save state */
    PVR_STOP_GUEST_GONE,    /* the guest died: nothing to resume */
};

struct pvr_msg_stop {
    uint32_t reason;
};

struct pvr_msg_stats {
    struct pvr_ioreq_stats ioreq;
    struct pvr_tpm_stats tpm;
    uint64_t worker_rss_kb;
};

struct pvr_msg_status {
    uint32_t domid;
    uint32_t ready;
    int32_t parent_pid;
    int32_t worker_pid;
    uint64_t uptime_ms;
    char backend[16];
    struct pvr_msg_stats stats;
};

/* Largest payload of any type. */
#define PVR_MSG_MAX_PAYLOAD sizeof(struct pvr_msg_status)

/* Send one message; 0 or -errno.  Never blocks beyond the socket's mode. */
int pvr_msg_send(int fd, enum pvr_msg_type type, const void *payload);

/*
 * Receive one message into *type_out and payload (PVR_MSG_MAX_PAYLOAD
 * bytes).  0, -EAGAIN when none is queued, -EPIPE when the peer closed,
 * -EBADMSG for a message of the wrong size or an unknown type.
 */
int pvr_msg_recv(int fd, enum pvr_msg_type *type_out, void *payload);

#endif /* PVR_MSG_H */
