/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind's configuration from xenstore, for the paravisor domain.
 *
 * pvxl (as dom0) writes, before it unpauses the paravisor domain P:
 *
 *   /local/domain/P/paravisor/target     the guest's domid
 *   /local/domain/P/paravisor/tpm        1 or 0
 *   /local/domain/P/paravisor/tpm-state  the state disk (with tpm = 1)
 *   /local/domain/P/paravisor/log-level  debug, info, warn or error
 *   /local/domain/P/paravisor/nvme       vbd:N: an NVMe controller on
 *                                        the vbd pvxl made for P
 *                                        (pvdomaind --nvme vbd:N)
 *   /local/domain/P/paravisor/nvme-slot  its PCI function BB:DD.F
 *                                        (--nvme-slot; default 00:05.0)
 *   /local/domain/P/paravisor/vsm        1: answer the guest's VSM
 *                                        channel (--vsm); no node: not
 *
 * and pvdomaind publishes "state" (and "error" when it cannot start) in
 * the same directory.  The directory is dom0's; P may write under it.
 * Only dom0 writes these nodes, but they are still checked as strictly
 * as a command line: a bad value is an error naming the node.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "core/vbd.h"
#include "ioreq/ioreq.h"

#define COMP "config"

/* Read dir/name into buf; -ENOENT when absent, -E2BIG when too long. */
static int read_node(pvr_port *p, const char *dir, const char *name,
                     char *buf, size_t len)
{
    char path[PVR_XS_PATH_BUF];
    size_t vlen = 0;
    char *v;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rc = pvr_port_xs_read(p, path, &v, &vlen);
    if ( rc )
        return rc;
    if ( vlen >= len || strlen(v) != vlen )
        rc = -E2BIG;
    else
        memcpy(buf, v, vlen + 1);
    free(v);
    return rc;
}

/* Shared with main.c: decimal digits only, at most max. */
int pvr_config_parse_u32(const char *s, unsigned long max, uint32_t *out)
{
    char *end;
    unsigned long v;

    if ( s[0] < '0' || s[0] > '9' )
        return -EINVAL;
    errno = 0;
    v = strtoul(s, &end, 10);
    if ( errno || *end || v > max )
        return -EINVAL;
    *out = v;
    return 0;
}

/* The slot syntax of --nvme-slot, shared with main.c. */
int pvr_config_nvme_slot(const char *s, uint32_t *sbdf)
{
    unsigned int dev, fn;

    if ( pvr_nvme_slot_parse(s, &dev, &fn) )
        return -EINVAL;
    *sbdf = PVR_PCI_SBDF(0, 0, dev, fn);
    return 0;
}

/*
 * nvme and nvme-slot: only vbd:N, the one store P can reach (a file or
 * mem:SIZE would be P's own, not the guest's disk).
 */
static int nvme_from_xs(pvr_port *p, struct pvr_config *cfg,
                        struct pvr_xs_config *xc, char *err, size_t errlen)
{
    char val[32], why[256];
    uint32_t devid;
    int rc;

    cfg->nvme = NULL;
    rc = read_node(p, xc->dir, "nvme", xc->nvme, sizeof(xc->nvme));
    if ( rc == -ENOENT )
    {
        if ( read_node(p, xc->dir, "nvme-slot", val, sizeof(val)) != -ENOENT )
        {
            snprintf(err, errlen, "%s/nvme-slot is set without %s/nvme: "
                     "give both, or neither", xc->dir, xc->dir);
            return -EINVAL;
        }
        return 0;
    }
    if ( rc )
    {
        snprintf(err, errlen, "%s/nvme: want vbd:N, the vbd pvxl made for "
                 "this domain (unreadable: %s)", xc->dir, strerror(-rc));
        return -EINVAL;
    }
    rc = pvr_vbd_parse(xc->nvme, &devid, why, sizeof(why));
    if ( rc )
    {
        snprintf(err, errlen, "%s/nvme: %s", xc->dir,
                 rc == -EINVAL ? why : "want vbd:N, the vbd pvxl made for "
                 "this domain");
        return -EINVAL;
    }
    cfg->nvme = xc->nvme;
    rc = read_node(p, xc->dir, "nvme-slot", val, sizeof(val));
    if ( rc == -ENOENT )
        return pvr_config_nvme_slot(PVR_NVME_DEFAULT_SLOT, &cfg->nvme_sbdf);
    if ( rc || pvr_config_nvme_slot(val, &cfg->nvme_sbdf) )
    {
        snprintf(err, errlen, "%s/nvme-slot: want BB:DD.F in hex on bus "
                 "00, device 02 to 1f, function 0 to 7, not '%s'", xc->dir,
                 rc ? "(unreadable)" : val);
        return -EINVAL;
    }
    return 0;
}

int pvr_config_from_xs(pvr_port *p, struct pvr_config *cfg,
                       struct pvr_xs_config *xc, char *err, size_t errlen)
{
    char val[32];
    uint32_t tpm;
    int rc;

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); \
                       return -EINVAL; } while ( 0 )

    rc = pvr_port_xs_self_domid(p, &xc->self);
    if ( rc )
        FAIL("cannot read this domain's id from xenstore (%s)",
             strerror(-rc));
    snprintf(xc->dir, sizeof(xc->dir), PVR_XS_SELF_DIR_FMT, xc->self);

    rc = read_node(p, xc->dir, "target", val, sizeof(val));
    if ( rc == -ENOENT )
        FAIL("%s/target is missing: this domain was not set up as a "
             "paravisor (start it with pvxl create)", xc->dir);
    if ( rc || pvr_config_parse_u32(val, 0x7fef, &cfg->domid) ||
         cfg->domid == 0 || cfg->domid == xc->self )
        FAIL("%s/target: want the guest's domain id, not '%s'", xc->dir,
             rc ? "(unreadable)" : val);

    rc = read_node(p, xc->dir, "tpm", val, sizeof(val));
    if ( rc == -ENOENT )
        strcpy(val, "0");
    else if ( rc )
        FAIL("%s/tpm: unreadable (%s)", xc->dir, strerror(-rc));
    if ( pvr_config_parse_u32(val, 1, &tpm) )
        FAIL("%s/tpm: want 1 or 0, not '%s'", xc->dir, val);

    cfg->tpm_state = NULL;
    if ( tpm )
    {
        rc = read_node(p, xc->dir, "tpm-state", xc->tpm_state,
                       sizeof(xc->tpm_state));
        if ( rc || xc->tpm_state[0] != '/' )
            FAIL("%s/tpm-state: want the absolute path of the state disk "
                 "(tpm is 1)", xc->dir);
        cfg->tpm_state = xc->tpm_state;
    }

    rc = read_node(p, xc->dir, "log-level", val, sizeof(val));
    if ( rc == 0 && pvr_log_parse_level(val, &cfg->log_level) )
        FAIL("%s/log-level: want debug, info, warn or error, not '%s'",
             xc->dir, val);
    if ( rc && rc != -ENOENT )
        FAIL("%s/log-level: unreadable (%s)", xc->dir, strerror(-rc));

    rc = nvme_from_xs(p, cfg, xc, err, errlen);
    if ( rc )
        return rc;

    /* "1" or no node at all: anything else is a toolstack's mistake. */
    rc = read_node(p, xc->dir, "vsm", val, sizeof(val));
    if ( rc && rc != -ENOENT )
        FAIL("%s/vsm: want 1 (serve VSM) or no node (unreadable: %s)",
             xc->dir, strerror(-rc));
    if ( rc == 0 && strcmp(val, "1") )
        FAIL("%s/vsm: want 1 (serve VSM) or no node, not '%s'", xc->dir,
             val);
    cfg->vsm = rc == 0;

    cfg->xs_dir = xc->dir;
    cfg->xs_config = true;
    return 0;
#undef FAIL
}

int pvr_config_publish_error(pvr_port *p, const char *dir, const char *msg)
{
    char path[PVR_XS_PATH_BUF];

    snprintf(path, sizeof(path), "%s/error", dir);
    return pvr_port_xs_write_str(p, path, msg);
}
