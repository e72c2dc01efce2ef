/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomainctl: ask a running pvdomaind for its status, or stop it.
 * Output is "key: value" lines, one per figure, for people and scripts.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/msg.h"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: pvdomainctl (--domid N | --control PATH) status|stop\n"
"  status  print the daemon's state and counters\n"
"  stop    stop it cleanly (as SIGTERM does)\n");
}

static int fail(const char *what, const char *fix)
{
    fprintf(stderr, "pvdomainctl: %s: %s\n", what, fix);
    return 2;
}

static void print_status(const struct pvr_msg_status *s)
{
    const struct pvr_msg_stats *st = &s->stats;

    printf("domid: %u\n", s->domid);
    printf("state: %s\n", s->ready ? "ready" : "starting");
    printf("backend: %.*s\n", (int)sizeof(s->backend), s->backend);
    printf("parent-pid: %d\nworker-pid: %d\n", s->parent_pid,
           s->worker_pid);
    printf("uptime-ms: %llu\n", (unsigned long long)s->uptime_ms);
    printf("worker-rss-kb: %llu\n",
           (unsigned long long)st->worker_rss_kb);
    printf("ioreqs: %llu\nbuffered-ioreqs: %llu\nio-elements: %llu\n",
           (unsigned long long)st->ioreq.ioreqs,
           (unsigned long long)st->ioreq.buffered,
           (unsigned long long)st->ioreq.elements);
    printf("ioreq-invalid: %llu\nioreq-unclaimed: %llu\n",
           (unsigned long long)st->ioreq.invalid,
           (unsigned long long)st->ioreq.unclaimed);
    printf("tpm-commands: %llu\ntpm-rejected: %llu\ntpm-aborts: %llu\n",
           (unsigned long long)st->tpm.commands,
           (unsigned long long)st->tpm.rejected,
           (unsigned long long)st->tpm.aborts);
    printf("tpm-protocol-errors: %llu\ntpm-state-writes: %llu\n",
           (unsigned long long)st->tpm.protocol_errors,
           (unsigned long long)st->tpm.state_writes);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "domid", required_argument, NULL, 'd' },
        { "control", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    uint8_t payload[PVR_MSG_MAX_PAYLOAD];
    const char *path = NULL, *cmd;
    enum pvr_msg_type type;
    struct pollfd pfd;
    char buf[sizeof(sa.sun_path)];
    int c, fd, rc;

    while ( (c = getopt_long(argc, argv, "", opts, NULL)) != -1 )
    {
        if ( c == 'd' )
        {
            char *end;
            unsigned long d = strtoul(optarg, &end, 10);

            if ( *end || end == optarg || d == 0 || d >= 0x7ff0 )
                return fail("--domid", "give a guest domain id (1-32751)");
            snprintf(buf, sizeof(buf), "/run/pvdomain/%lu.sock", d);
            path = buf;
        }
        else if ( c == 'c' )
            path = optarg;
        else if ( c == 'h' )
        {
            usage(stdout);
            return 0;
        }
        else
            return fail(argv[optind - 1], "unknown option");
    }
    if ( !path )
        return fail("--domid", "say which pvdomaind (or --control PATH)");
    if ( optind != argc - 1 )
        return fail("command", "give exactly one of: status, stop");
    cmd = argv[optind];
    if ( strcmp(cmd, "status") && strcmp(cmd, "stop") )
        return fail(cmd, "unknown command; use status or stop");
    if ( strlen(path) >= sizeof(sa.sun_path) )
        return fail(path, "control socket path too long");
    strcpy(sa.sun_path, path);

    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if ( fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 )
    {
        fprintf(stderr, "pvdomainctl: %s: %s (is pvdomaind running?)\n",
                path, strerror(errno));
        return 1;
    }
    if ( !strcmp(cmd, "stop") )
        return pvr_msg_send(fd, PVR_MSG_STOP,
                            &(struct pvr_msg_stop){ PVR_STOP_REQUESTED })
               ? 1 : 0;

    rc = pvr_msg_send(fd, PVR_MSG_STATUS_REQ, NULL);
    pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
    if ( rc == 0 && poll(&pfd, 1, 5000) != 1 )
        rc = -ETIMEDOUT;
    if ( rc == 0 )
        rc = pvr_msg_recv(fd, &type, payload);
    if ( rc == 0 && type != PVR_MSG_STATUS )
        rc = -EBADMSG;
    close(fd);
    if ( rc )
    {
        fprintf(stderr, "pvdomainctl: status: %s\n", strerror(-rc));
        return 1;
    }
    {
        struct pvr_msg_status st;

        memcpy(&st, payload, sizeof(st));
        print_status(&st);
    }
    return 0;
}
