/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvxl: create, list and control guest + paravisor pairs (see pvxl(1)).
 * This file is the command line; create's monitor and the pair logic are
 * in libpvxl.  Exit status: 0 done, 1 failed (nothing left behind by a
 * failed create), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"
#include "toolstack/pvxl/cli.h"

#ifndef PVR_IMAGE_DIR
#define PVR_IMAGE_DIR "/usr/local/share/pvdomain/paravisor"
#endif

static const char usage_text[] =
    "usage: pvxl create [-p] [-c] [-F] [-t SECONDS] CFG [KEY=VALUE ...]\n"
    "       pvxl destroy NAME|DOMID\n"
    "       pvxl shutdown [-w] NAME|DOMID\n"
    "       pvxl reboot [-w] NAME|DOMID\n"
    "       pvxl list\n"
    "       pvxl console [--paravisor] NAME|DOMID\n"
    "\n"
    "create   create an HVM guest from an xl.cfg (with `xl create -p -e`)\n"
    "         and its paravisor domain, wait until the paravisor is ready,\n"
    "         then unpause the guest and leave a monitor for the pair\n"
    "  -p       leave the guest paused\n"
    "  -c       attach to the guest's console afterwards\n"
    "  -F       stay in the foreground as the pair's monitor\n"
    "  -t SECS  seconds to wait for the paravisor (paravisor_timeout)\n"
    "destroy  stop the monitor, destroy both domains, remove the pairing\n"
    "shutdown, reboot   ask the guest (ACPI if it has no PV drivers);\n"
    "         -w waits until it is done\n"
    "list     every pair: guest name, domids, state, monitor\n"
    "console  `xl console` of the guest, or of its paravisor\n"
    "\n"
    "The paravisor keys of CFG are described in pvxl.cfg(5).\n";

static int usage(const char *why)
{
    if ( why )
        fprintf(stderr, "pvxl: %s\n", why);
    fputs(usage_text, stderr);
    return 2;
}

static int cmd_list(pvr_pvxl *px)
{
    pvr_pvxl_pair *pairs;
    size_t n, i;
    int r = pvr_pvxl_pair_list(px, &pairs, &n);

    if ( r )
    {
        fprintf(stderr, "pvxl: list: cannot read xenstore: %s\n",
                strerror(-r));
        return 1;
    }
    printf("%-24s %6s %9s  %-12s %s\n", "Name", "ID", "Paravisor", "State",
           "Monitor");
    for ( i = 0; i < n; i++ )
    {
        printf("%-24s %6u %9u  %-12s ", pairs[i].name, pairs[i].guest,
               pairs[i].pv, pairs[i].state);
        if ( pairs[i].monitor_pid )
            printf("%ld\n", pairs[i].monitor_pid);
        else
            printf("none\n");
    }
    free(pairs);
    return 0;
}

static int cmd_destroy(pvr_pvxl *px, int argc, char **argv)
{
    pvr_pvxl_pair pair;
    pvr_pvxl_err err;
    int monitor, rc;

    if ( argc != 2 )
        return usage("destroy takes one NAME or DOMID");
    /*
     * A monitor restarting the pair (guest reboot, paravisor crash) has
     * its domains half made: stop it before looking for them, or it
     * makes new ones behind our back.
     */
    monitor = pvr_pvxl_monitor_stop(argv[1]);
    rc = pvr_pvxl_pair_find(px, argv[1], &pair, &err);
    if ( rc && monitor )
    {
        /*
         * Stopped mid-restart: what it had made is not paired yet.  Only
         * then are domains found by name alone ours to destroy.
         */
        pvr_pvxl_leftovers_destroy(px, argv[1]);
        return 0;
    }
    if ( rc || pvr_pvxl_pair_destroy(px, &pair, &err) )
    {
        fprintf(stderr, "pvxl: destroy: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int cmd_console(pvr_pvxl *px, int argc, char **argv)
{
    static const struct option lopts[] = {
        { "paravisor", no_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    pvr_pvxl_pair pair;
    pvr_pvxl_err err;
    char id[16];
    int c, pv = 0;

    optind = 1;
    while ( (c = getopt_long(argc, argv, "+", lopts, NULL)) != -1 )
    {
        if ( c != 'P' )
            return usage(NULL);
        pv = 1;
    }
    if ( argc - optind != 1 )
        return usage("console takes one NAME or DOMID");
    if ( pvr_pvxl_pair_find(px, argv[optind], &pair, &err) )
    {
        fprintf(stderr, "pvxl: console: %s\n", err.msg);
        return 1;
    }
    snprintf(id, sizeof(id), "%u", pv ? pair.pv : pair.guest);
    pvr_pvxl_close(px);
    execlp("xl", "xl", "console", id, (char *)NULL);
    fprintf(stderr, "pvxl: console: cannot run xl: %s\n", strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    pvr_pvxl *px = NULL;
    pvr_pvxl_err err;
    const char *cmd;
    int rc;

    if ( argc < 2 )
        return usage("no command given");
    cmd = argv[1];
    if ( !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
         !strcmp(cmd, "help") )
    {
        fputs(usage_text, stdout);
        return 0;
    }
    if ( !strcmp(cmd, "create") )
        return pvxl_cmd_create(argc - 1, argv + 1, PVR_IMAGE_DIR);
    if ( strcmp(cmd, "list") && strcmp(cmd, "destroy") &&
         strcmp(cmd, "shutdown") && strcmp(cmd, "reboot") &&
         strcmp(cmd, "console") )
    {
        fprintf(stderr, "pvxl: unknown command \"%s\"\n", cmd);
        return usage(NULL);
    }
    if ( pvr_pvxl_open(&px, &err) )
    {
        fprintf(stderr, "pvxl: %s: %s\n", cmd, err.msg);
        return 1;
    }
    if ( !strcmp(cmd, "list") )
        rc = argc == 2 ? cmd_list(px) : usage("list takes no argument");
    else if ( !strcmp(cmd, "destroy") )
        rc = cmd_destroy(px, argc - 1, argv + 1);
    else if ( !strcmp(cmd, "console") )
        return cmd_console(px, argc - 1, argv + 1);
    else
        rc = pvxl_cmd_shutdown(px, argc - 1, argv + 1,
                               !strcmp(cmd, "reboot"));
    pvr_pvxl_close(px);
    return rc;
}
