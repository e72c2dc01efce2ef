/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind's configuration from xenstore (core/xsconfig.c), on the sim.
 *
 * Proves: a complete directory becomes the right config (guest domid,
 * state disk, log level, where readiness goes); tpm = 0 means no state
 * disk; each missing or bad node is refused with a message naming it
 * (target absent, zero, self, not a number; tpm not 0/1; tpm-state
 * missing or relative; log-level unknown); the error node is written.
 * nvme = vbd:N gives the NVMe controller on that vbd, at nvme-slot or
 * the default slot; nvme as strict as --nvme (no file, no mem:, no bad
 * N), nvme-slot as strict as --nvme-slot, and not without nvme.
 * vsm = 1 asks for the VTL engine (--vsm); no node, none; any other
 * value (0 included: the contract is "1 or absent") names the node.
 * Cannot prove: that xenstored lets the paravisor domain read them
 * (tests/host does, with pvxl).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "ioreq/ioreq.h"
#include "port/sim/sim.h"
#include "tests/common/check.h"

#define DIR "/local/domain/7/paravisor"

/*
 * vbd.c, linked for pvr_vbd_parse (the check of paravisor/nvme), opens
 * its port through pvdomaind's main.c; nothing here opens a vbd.
 */
int pvr_daemon_open_port(const struct pvr_config *cfg, pvr_port **out)
{
    (void)cfg;
    *out = NULL;
    return -ENOSYS;
}

static pvr_port *port;

static void put(const char *name, const char *val)
{
    char path[128];

    snprintf(path, sizeof(path), DIR "/%s", name);
    if ( val )
        REQUIRE(pvr_port_xs_write_str(port, path, val) == 0);
    else
        pvr_port_xs_rm(port, path);
}

/* Configure from the sim's nodes; on failure, err must contain want. */
static int load(struct pvr_config *cfg, struct pvr_xs_config *xc,
                const char *want)
{
    char err[512] = "";
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    memset(xc, 0, sizeof(*xc));
    cfg->log_level = PVR_LOG_INFO;
    rc = pvr_config_from_xs(port, cfg, xc, err, sizeof(err));
    if ( want )
    {
        CHECK(rc == -EINVAL);
        if ( !strstr(err, want) )
            fprintf(stderr, "error '%s' does not name '%s'\n", err, want);
        CHECK(strstr(err, want) != NULL);
    }
    return rc;
}

static void base(void)
{
    put("target", "3");
    put("tpm", "1");
    put("tpm-state", "/dev/xvda");
    put("log-level", "debug");
    put("nvme", NULL);
    put("nvme-slot", NULL);
    put("vsm", NULL);
}

int main(void)
{
    struct pvr_config cfg;
    struct pvr_xs_config xc;
    size_t len;
    char *v;

    pvr_log_open(1, PVR_LOG_ERROR, open("/dev/null", O_WRONLY));
    REQUIRE(pvr_port_open("sim", &port) == 0);

    /* No "domid" at all: not inside a domain xenstored knows. */
    CHECK(load(&cfg, &xc, "this domain's id") == -EINVAL);
    REQUIRE(pvr_sim_xs_set_self(pvr_sim_from_port(port), 7) == 0);
    CHECK(load(&cfg, &xc, DIR "/target is missing") == -EINVAL);

    base();
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK_EQ(xc.self, 7);
    CHECK_EQ(cfg.domid, 3);
    CHECK(cfg.tpm_state && !strcmp(cfg.tpm_state, "/dev/xvda"));
    CHECK_EQ(cfg.log_level, PVR_LOG_DEBUG);
    CHECK(cfg.xs_config);
    CHECK(cfg.xs_dir && !strcmp(cfg.xs_dir, DIR));

    put("tpm", "0");
    put("tpm-state", NULL);
    put("log-level", NULL);
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK(cfg.tpm_state == NULL);
    CHECK_EQ(cfg.log_level, PVR_LOG_INFO);

    CHECK(cfg.nvme == NULL);

    put("nvme", "vbd:51728");
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK(cfg.nvme && !strcmp(cfg.nvme, "vbd:51728"));
    CHECK_EQ(cfg.nvme_sbdf, PVR_PCI_SBDF(0, 0, 5, 0));
    put("nvme-slot", "00:1f.7");
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK_EQ(cfg.nvme_sbdf, PVR_PCI_SBDF(0, 0, 0x1f, 7));
    put("nvme-slot", "00:0A.1");
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK_EQ(cfg.nvme_sbdf, PVR_PCI_SBDF(0, 0, 0xa, 1));

    CHECK(!cfg.vsm);
    put("vsm", "1");
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK(cfg.vsm);
    put("vsm", NULL);
    CHECK_EQ(load(&cfg, &xc, NULL), 0);
    CHECK(!cfg.vsm);

    static const struct { const char *node, *val, *want; } bad[] = {
        { "target", "0", DIR "/target" },
        { "target", "7", DIR "/target" },           /* itself */
        { "target", "3x", DIR "/target" },
        { "target", "-3", DIR "/target" },
        { "target", "99999", DIR "/target" },
        { "tpm", "2", DIR "/tpm: want 1 or 0" },
        { "tpm", "yes", DIR "/tpm: want 1 or 0" },
        { "tpm-state", NULL, DIR "/tpm-state" },
        { "tpm-state", "xvda", DIR "/tpm-state" },
        { "log-level", "loud", DIR "/log-level" },
        { "nvme", "/var/lib/disk.img", DIR "/nvme: want vbd:N" },
        { "nvme", "mem:64M", DIR "/nvme: want vbd:N" },
        { "nvme", "vbd:", DIR "/nvme: 'vbd:'" },
        { "nvme", "vbd:0", DIR "/nvme: 'vbd:0'" },
        { "nvme", "vbd:12x", DIR "/nvme: 'vbd:12x'" },
        { "nvme", "vbd:268435456", DIR "/nvme: 'vbd:268435456'" },
        { "nvme", "", DIR "/nvme: want vbd:N" },
        { "nvme-slot", "00:05.0", DIR "/nvme-slot is set without" },
        { "vsm", "0", DIR "/vsm: want 1 (serve VSM) or no node, not '0'" },
        { "vsm", "", DIR "/vsm: want 1 (serve VSM) or no node, not ''" },
        { "vsm", "yes", DIR "/vsm: want 1" },
        { "vsm", "01", DIR "/vsm: want 1" },
        { "vsm", "1 ", DIR "/vsm: want 1" },
        { "vsm", "2", DIR "/vsm: want 1" },
        { "vsm", "111111111111111111111111111111111", DIR "/vsm: want 1" },
    };
    static const char *const bad_slots[] = {
        "01:05.0", "00:01.0", "00:20.0", "00:05.8", "0:05.0", "00:05.0x",
        "00:5.0", " 0:05.0", "+0:05.0", "00:+5.0", "",
    };
    for ( unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        base();
        put(bad[i].node, bad[i].val);
        load(&cfg, &xc, bad[i].want);
    }
    for ( unsigned int i = 0; i < sizeof(bad_slots) / sizeof(bad_slots[0]);
          i++ )
    {
        base();
        put("nvme", "vbd:51728");
        put("nvme-slot", bad_slots[i]);
        load(&cfg, &xc, DIR "/nvme-slot: want BB:DD.F");
    }

    CHECK_EQ(pvr_config_publish_error(port, DIR, "no good"), 0);
    CHECK_EQ(pvr_port_xs_read(port, DIR "/error", &v, &len), 0);
    CHECK(v && !strcmp(v, "no good"));
    free(v);

    pvr_port_close(port);
    return check_result("test_xsconfig");
}
