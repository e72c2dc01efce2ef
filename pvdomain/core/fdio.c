/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <unistd.h>

#include "core/fdio.h"

int pvr_pio_all(int fd, uint8_t *rbuf, const uint8_t *wbuf, size_t len,
                uint64_t off)
{
    size_t done = 0;

    while ( done < len )
    {
        ssize_t r = wbuf ? pwrite(fd, wbuf + done, len - done, off + done)
                         : pread(fd, rbuf + done, len - done, off + done);

        if ( r < 0 && errno == EINTR )
            continue;
        if ( r <= 0 )
            return r < 0 ? -errno : -EIO;
        done += r;
    }
    return 0;
}
