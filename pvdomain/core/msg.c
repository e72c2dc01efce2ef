/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed, length-checked messages.  See msg.h.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/msg.h"

static const uint32_t payload_len[PVR_MSG_MAX] = {
    [PVR_MSG_READY] = sizeof(struct pvr_msg_ready),
    [PVR_MSG_STOP] = sizeof(struct pvr_msg_stop),
    [PVR_MSG_STATS_REQ] = 0,
    [PVR_MSG_STATS] = sizeof(struct pvr_msg_stats),
    [PVR_MSG_STATUS_REQ] = 0,
    [PVR_MSG_STATUS] = sizeof(struct pvr_msg_status),
};

int pvr_msg_send(int fd, enum pvr_msg_type type, const void *payload)
{
    struct pvr_msg_hdr hdr;
    struct iovec iov[2];
    struct msghdr mh;
    ssize_t r;

    if ( type <= 0 || type >= PVR_MSG_MAX )
        return -EINVAL;
    hdr.type = type;
    hdr.len = payload_len[type];
    iov[0].iov_base = &hdr;
    iov[0].iov_len = sizeof(hdr);
    /* sendmsg() only reads the payload. */
    iov[1].iov_base = (void *)(uintptr_t)payload;
    iov[1].iov_len = hdr.len;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = iov;
    mh.msg_iovlen = hdr.len ? 2 : 1;
    do
        r = sendmsg(fd, &mh, MSG_NOSIGNAL);
    while ( r < 0 && errno == EINTR );
    if ( r < 0 )
        return -errno;
    return (size_t)r == sizeof(hdr) + hdr.len ? 0 : -EIO;
}

int pvr_msg_recv(int fd, enum pvr_msg_type *type_out, void *payload)
{
    uint8_t buf[sizeof(struct pvr_msg_hdr) + PVR_MSG_MAX_PAYLOAD + 1];
    struct pvr_msg_hdr hdr;
    ssize_t r;

    do
        r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    while ( r < 0 && errno == EINTR );
    if ( r < 0 )
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    if ( r == 0 )
        return -EPIPE;
    if ( (size_t)r < sizeof(hdr) )
        return -EBADMSG;
    memcpy(&hdr, buf, sizeof(hdr));
    if ( hdr.type == 0 || hdr.type >= PVR_MSG_MAX ||
         hdr.len != payload_len[hdr.type] ||
         (size_t)r != sizeof(hdr) + hdr.len )
        return -EBADMSG;
    memcpy(payload, buf + sizeof(hdr), hdr.len);
    *type_out = hdr.type;
    return 0;
}
