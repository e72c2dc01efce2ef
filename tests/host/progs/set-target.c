/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvr-set-target: give domain P target privilege over domain G, in Xen
 * (XEN_DOMCTL_set_target) and in xenstored (XS_SET_TARGET), as pvxl does
 * for a paravisor and its guest.  For harness jobs that pair a paravisor
 * domain with a guest by hand.
 *
 *   pvr-set-target P G
 *
 * Exit status 0, 1 when a call failed (one line on stderr saying which),
 * 2 on bad usage.  Runs in dom0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "domid.h"

int main(int argc, char **argv)
{
    xc_interface *xch = NULL;
    struct xs_handle *xsh = NULL;
    uint32_t p, g;
    int rc = 1;

    if ( argc != 3 || parse_domid(argv[1], &p) || parse_domid(argv[2], &g) )
    {
        fprintf(stderr, "usage: pvr-set-target P G (two domain ids, "
                "1 to 32751): P gets target privilege over G\n");
        return 2;
    }
    xch = xc_interface_open(NULL, NULL, 0);
    if ( !xch )
    {
        fprintf(stderr, "pvr-set-target: xc_interface_open: %s\n",
                strerror(errno));
        goto out;
    }
    if ( xc_domain_set_target(xch, p, g) )
    {
        fprintf(stderr, "pvr-set-target: xc_domain_set_target(%u, %u): "
                "%s\n", p, g, strerror(errno));
        goto out;
    }
    xsh = xs_open(0);
    if ( !xsh )
    {
        fprintf(stderr, "pvr-set-target: xs_open: %s\n", strerror(errno));
        goto out;
    }
    if ( !xs_set_target(xsh, p, g) )
    {
        fprintf(stderr, "pvr-set-target: xs_set_target(%u, %u): %s\n", p, g,
                strerror(errno));
        goto out;
    }
    printf("domain %u has target privilege over domain %u\n", p, g);
    rc = 0;
out:
    if ( xsh )
        xs_close(xsh);
    if ( xch )
        xc_interface_close(xch);
    return rc;
}
