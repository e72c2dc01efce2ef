/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Control and worker messages: framing and length checks.
 *
 * Proves: a message round-trips; a datagram shorter or longer than its
 * type's payload, an unknown type and an empty datagram are refused
 * without reading beyond what arrived; a closed peer is reported.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/msg.h"
#include "tests/common/check.h"

int main(void)
{
    uint8_t payload[PVR_MSG_MAX_PAYLOAD], raw[64];
    struct pvr_msg_stop stop = { PVR_STOP_GUEST_GONE }, got;
    struct pvr_msg_hdr hdr;
    enum pvr_msg_type type;
    int sv[2];

    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EAGAIN);
    CHECK_EQ(pvr_msg_send(sv[0], PVR_MSG_STOP, &stop), 0);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), 0);
    CHECK_EQ(type, PVR_MSG_STOP);
    memcpy(&got, payload, sizeof(got));
    CHECK_EQ(got.reason, PVR_STOP_GUEST_GONE);
    CHECK_EQ(pvr_msg_send(sv[0], PVR_MSG_STATUS_REQ, NULL), 0);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), 0);
    CHECK_EQ(type, PVR_MSG_STATUS_REQ);
    CHECK_EQ(pvr_msg_send(sv[0], 0, NULL), -EINVAL);
    CHECK_EQ(pvr_msg_send(sv[0], PVR_MSG_MAX, NULL), -EINVAL);

    /* A STOP that claims 8 payload bytes. */
    hdr = (struct pvr_msg_hdr){ PVR_MSG_STOP, 8 };
    memcpy(raw, &hdr, sizeof(hdr));
    CHECK_EQ(send(sv[0], raw, sizeof(hdr) + 8, 0), (ssize_t)sizeof(hdr) + 8);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EBADMSG);
    /* The right length field, but fewer bytes. */
    hdr = (struct pvr_msg_hdr){ PVR_MSG_STOP, sizeof(stop) };
    memcpy(raw, &hdr, sizeof(hdr));
    CHECK_EQ(send(sv[0], raw, sizeof(hdr) + 1, 0), (ssize_t)sizeof(hdr) + 1);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EBADMSG);
    /* Unknown type; a runt; an oversized datagram. */
    hdr = (struct pvr_msg_hdr){ 77, 0 };
    memcpy(raw, &hdr, sizeof(hdr));
    CHECK_EQ(send(sv[0], raw, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EBADMSG);
    CHECK_EQ(send(sv[0], raw, 3, 0), 3);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EBADMSG);
    {
        uint8_t big[PVR_MSG_MAX_PAYLOAD + 64];

        memset(big, 0, sizeof(big));
        hdr = (struct pvr_msg_hdr){ PVR_MSG_STATUS, sizeof(big) - 8 };
        memcpy(big, &hdr, sizeof(hdr));
        CHECK_EQ(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
        CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EBADMSG);
    }
    close(sv[0]);
    CHECK_EQ(pvr_msg_recv(sv[1], &type, payload), -EPIPE);
    close(sv[1]);
    return check_result("test_msg");
}
