/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Positioned I/O that moves every byte or fails, for the files pvdomaind
 * keeps: the vTPM's state (services/tpm/state.c) and an NVMe backing
 * store (drivers/nvme/blkfile.c).
 */
#ifndef PVR_CORE_FDIO_H
#define PVR_CORE_FDIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read into rbuf, or write wbuf (the other is NULL): all len bytes at
 * off.  0, or a negative errno (-EIO when the file ends first).  Bounded:
 * every pass moves at least one byte or fails; EINTR is retried.
 */
int pvr_pio_all(int fd, uint8_t *rbuf, const uint8_t *wbuf, size_t len,
                uint64_t off);

#define pvr_pread_all(fd, buf, len, off)  pvr_pio_all(fd, buf, NULL, len, off)
#define pvr_pwrite_all(fd, buf, len, off) pvr_pio_all(fd, NULL, buf, len, off)

#endif /* PVR_CORE_FDIO_H */
