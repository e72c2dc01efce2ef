/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NVMe controller's store when --nvme says vbd:N: a virtual block
 * device of dom0's blkback, reached through drivers/blkfront.
 *
 * Theory of operation.  The toolstack (pvxl, or a test job) has written
 * the pair of directories a vbd needs, as libxl does: the backend's
 * /local/domain/0/backend/vbd/SELF/N and ours,
 * /local/domain/SELF/device/pvr-vbd/N (not device/vbd: a paravisor
 * domain's kernel would bind that to its own xen-blkfront).
 * pvr_vbd_open() opens a port of its own, kept unrestricted when the
 * worker restricts its handles to the guest (blkfront grants to dom0,
 * binds a channel to dom0 and reads dom0's nodes, and must be able to
 * do so again after the backend reconnects), wires its xenstore watch
 * and event-channel fds and a once-a-second tick into the worker's
 * loop, and runs that loop until blkfront is connected, so that the
 * controller is created with the disk's size before the guest runs.
 * Everything after that (backend gone and back, requests replayed or
 * failed) is drivers/blkfront's.
 */
#ifndef PVR_VBD_H
#define PVR_VBD_H

#include <stdint.h>

#include "core/daemon.h"
#include "core/loop.h"
#include "drivers/nvme/blkdev.h"

typedef struct pvr_vbd pvr_vbd;

/* How long pvr_vbd_open() waits for the backend to connect. */
#define PVR_VBD_CONNECT_MS 30000

/*
 * How long requests wait for a backend that went away before they fail
 * back to the guest with an error (drivers/blkfront's reconnect
 * deadline): longer than a toolstack takes to restart a backend, and
 * about what a guest's own NVMe driver waits for a command (Linux: 30 s,
 * then it aborts and resets, which we serve) before it acts.
 */
#define PVR_VBD_RECONNECT_MS 60000

/* The frontend directory of device devid in domain self. */
#define PVR_VBD_FRONTEND_FMT "/local/domain/%u/device/pvr-vbd/%u"

/*
 * Parse "vbd:N" (N a decimal xenbus device id, 1 to 2^28-1).  0 and the
 * id in *devid, -EINVAL if spec does not start with "vbd:" or N is bad
 * (then err holds one line naming the fix), -ENOENT if it is not a vbd.
 */
int pvr_vbd_parse(const char *spec, uint32_t *devid, char *err,
                  size_t errlen);

/*
 * Connect to the backend of device devid, running l until connected or
 * PVR_VBD_CONNECT_MS has passed (-ETIMEDOUT; the log names the state
 * each side reached).  The caller frees *out with pvr_vbd_close().
 */
int pvr_vbd_open(const struct pvr_config *cfg, pvr_loop *l, uint32_t devid,
                 pvr_vbd **out);
pvr_blkdev *pvr_vbd_dev(pvr_vbd *v);
/* Log blkfront's counters, then close it (state Closed) and the port.
 * Accepts NULL. */
void pvr_vbd_close(pvr_vbd *v);

#endif /* PVR_VBD_H */
