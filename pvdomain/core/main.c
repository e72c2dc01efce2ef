/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvdomaind: the paravisor runtime for one guest.  Command line, then
 * the process split described in daemon.h.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/vbd.h"
#include "ioreq/ioreq.h"
#include "port/sim/sim.h"

const struct pvr_proc pvr_procs[2] = {
    { "parent", "xenstore and domctl: readiness, guest death, cleanup" },
    { "worker", "devicemodel, foreignmemory, evtchn restricted to the "
                "guest (and libxenctrl for altp2m with --vsm): serves its "
                "devices" },
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: pvdomaind --domid N --tpm-state FILE [OPTION]...\n"
"  or:  pvdomaind --domid N --nvme STORE [OPTION]...\n"
"  or:  pvdomaind --domid N --vsm [OPTION]...\n"
"  or:  pvdomaind --xenstore-config [OPTION]...\n"
"Serve paravisor devices (a TPM 2.0, an NVMe controller) and Hyper-V's\n"
"virtual trust levels to HVM guest N through an IOREQ server.\n"
"\n"
"  --domid N          the guest's domain id (required)\n"
"  --tpm-state FILE   the vTPM's state: a file, created if absent, or a\n"
"                     block device (the paravisor domain's state disk)\n"
"  --xenstore-config  in a paravisor domain: take the guest, the vTPM and\n"
"                     the log level from /local/domain/SELF/paravisor/\n"
"                     (written by pvxl), and publish readiness there\n"
"  --tpm-resume       restore the volatile TPM state saved by a clean stop\n"
"  --nvme STORE       serve an NVMe controller storing to STORE: a raw image\n"
"                     file or block device (its size is the namespace's),\n"
"                     or mem:SIZE (memory, e.g. mem:64M, for tests), or\n"
"                     vbd:N, dom0's blkback through our blkfront on the\n"
"                     vbd whose nodes the toolstack wrote in\n"
"                     /local/domain/SELF/device/pvr-vbd/N\n"
"  --nvme-slot BB:DD.F  its PCI function on segment 0 (default "
PVR_NVME_DEFAULT_SLOT ");\n"
"                     bus 0, device 2 to 31: QEMU's i440fx holds 00:00.0\n"
"                     and 00:01.x, then VGA and the Xen platform device\n"
"                     take 00:02.0 and 00:03.0 (00:02.0 without VGA)\n"
"  --nvme-mmio-doorbells  offer no shadow doorbells (Doorbell Buffer\n"
"                     Config), so the guest rings every doorbell through\n"
"                     MMIO: an exit each; for comparisons\n"
"  --vsm              answer the guest's VSM policy channel with the VTL\n"
"                     engine (virtual trust levels: EnablePartitionVtl,\n"
"                     EnableVpVtl, ModifyVtlProtectionMask, the VSM\n"
"                     registers), one log line per request; needs the Xen\n"
"                     xen-patches/build makes, booted with altp2m=1, and a\n"
"                     guest with HVMPV_vsm and altp2m external or mixed\n"
"  --vsm-reps N       with --vsm: reps of a rep call (pages of\n"
"                     ModifyVtlProtectionMask, registers) done per request,\n"
"                     1 to 4095 (default 64); Xen continues the call\n"
"  --backend NAME     xen (default) or sim (tests only)\n"
"  --control PATH     control socket (default /run/pvdomain/N.sock)\n"
"  --runas USER       run the device worker as USER after setup\n"
"  --log-level LEVEL  debug, info (default), warn or error\n"
"  --help, --version\n"
"\n"
"Readiness is published in xenstore as\n"
"/local/domain/0/paravisor/N/state = ready (with --xenstore-config:\n"
"/local/domain/SELF/paravisor/state).  SIGTERM stops cleanly and\n"
"saves the TPM's volatile state for --tpm-resume.\n");
}

/* Report a usage error naming the option and the fix; exit status 2. */
static int bad_usage(const char *opt, const char *fix)
{
    fprintf(stderr, "pvdomaind: %s: %s\n", opt, fix);
    fprintf(stderr, "Try 'pvdomaind --help'.\n");
    return 2;
}

static int parse_domid(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if ( errno || end == s || *end || s[0] == '-' || v == 0 || v >= 0x7ff0 )
        return -EINVAL;
    *out = v;
    return 0;
}

enum {
    OPT_DOMID = 256, OPT_TPM_STATE, OPT_TPM_RESUME, OPT_BACKEND,
    OPT_CONTROL, OPT_RUNAS, OPT_LOG_LEVEL, OPT_HELP, OPT_VERSION,
    OPT_XS_CONFIG, OPT_NVME, OPT_NVME_SLOT, OPT_NVME_MMIO_DB, OPT_VSM,
    OPT_VSM_REPS,
};

static const struct option options[] = {
    { "domid", required_argument, NULL, OPT_DOMID },
    { "tpm-state", required_argument, NULL, OPT_TPM_STATE },
    { "tpm-resume", no_argument, NULL, OPT_TPM_RESUME },
    { "xenstore-config", no_argument, NULL, OPT_XS_CONFIG },
    { "nvme", required_argument, NULL, OPT_NVME },
    { "nvme-slot", required_argument, NULL, OPT_NVME_SLOT },
    { "nvme-mmio-doorbells", no_argument, NULL, OPT_NVME_MMIO_DB },
    { "vsm", no_argument, NULL, OPT_VSM },
    { "vsm-reps", required_argument, NULL, OPT_VSM_REPS },
    { "backend", required_argument, NULL, OPT_BACKEND },
    { "control", required_argument, NULL, OPT_CONTROL },
    { "runas", required_argument, NULL, OPT_RUNAS },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv, struct pvr_config *cfg)
{
    bool have_domid = false, have_slot = false;
    char err[256];
    uint32_t devid;
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->backend = "xen";
    cfg->log_level = PVR_LOG_INFO;
    opterr = 0;
    while ( (c = getopt_long(argc, argv, "", options, NULL)) != -1 )
    {
        switch ( c )
        {
        case OPT_DOMID:
            if ( parse_domid(optarg, &cfg->domid) )
                return bad_usage("--domid", "give a guest domain id, "
                                 "a number from 1 to 32751");
            have_domid = true;
            break;
        case OPT_TPM_STATE:
            cfg->tpm_state = optarg;
            break;
        case OPT_TPM_RESUME:
            cfg->tpm_resume = true;
            break;
        case OPT_XS_CONFIG:
            cfg->xs_config = true;
            break;
        case OPT_NVME:
            if ( !optarg[0] )
                return bad_usage("--nvme", "give a raw image file, a block "
                                 "device or mem:SIZE");
            if ( pvr_vbd_parse(optarg, &devid, err, sizeof(err)) == -EINVAL )
                return bad_usage("--nvme", err);
            cfg->nvme = optarg;
            break;
        case OPT_NVME_SLOT:
            if ( pvr_config_nvme_slot(optarg, &cfg->nvme_sbdf) )
                return bad_usage("--nvme-slot", "give BB:DD.F in hex on bus "
                                 "00, device 02 to 1f, function 0 to 7, "
                                 "e.g. " PVR_NVME_DEFAULT_SLOT);
            have_slot = true;
            break;
        case OPT_NVME_MMIO_DB:
            cfg->nvme_mmio_doorbells = true;
            break;
        case OPT_VSM:
            cfg->vsm = true;
            break;
        case OPT_VSM_REPS:
            /* 1 to 4095: what a rep count can hold. */
            if ( pvr_config_parse_u32(optarg, 4095, &cfg->vsm_reps) ||
                 cfg->vsm_reps == 0 )
                return bad_usage("--vsm-reps", "give a number from 1 to "
                                 "4095");
            break;
        case OPT_BACKEND:
            if ( strcmp(optarg, "xen") && strcmp(optarg, "sim") )
                return bad_usage("--backend", "use 'xen' or 'sim'");
            cfg->backend = optarg;
            break;
        case OPT_CONTROL:
            cfg->control_path = optarg;
            break;
        case OPT_RUNAS:
            cfg->runas = optarg;
            break;
        case OPT_LOG_LEVEL:
            if ( pvr_log_parse_level(optarg, &cfg->log_level) )
                return bad_usage("--log-level",
                                 "use debug, info, warn or error");
            break;
        case OPT_HELP:
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("pvdomaind %s\n", PACKAGE_VERSION);
            exit(0);
        default:
            return bad_usage(argv[optind - 1], "unknown option or missing "
                             "argument");
        }
    }
    if ( optind < argc )
        return bad_usage(argv[optind], "unexpected argument");
    if ( have_slot && !cfg->nvme )
        return bad_usage("--nvme-slot", "place an NVMe controller: add "
                         "--nvme STORE");
    if ( cfg->nvme_mmio_doorbells && !cfg->nvme )
        return bad_usage("--nvme-mmio-doorbells", "tunes the NVMe "
                         "controller: add --nvme STORE");
    if ( !have_slot )
        pvr_config_nvme_slot(PVR_NVME_DEFAULT_SLOT, &cfg->nvme_sbdf);
    if ( cfg->vsm_reps && !cfg->vsm )
        return bad_usage("--vsm-reps", "tunes the VTL engine: add --vsm");
    if ( cfg->xs_config )
    {
        if ( have_domid || cfg->tpm_state || cfg->tpm_resume )
            return bad_usage("--xenstore-config", "the guest and the vTPM "
                             "then come from xenstore: drop --domid, "
                             "--tpm-state and --tpm-resume");
        if ( cfg->vsm )
            return bad_usage("--vsm", "with --xenstore-config, VSM comes "
                             "from xenstore (paravisor/vsm = 1): drop "
                             "--vsm and --vsm-reps");
        return 0;
    }
    if ( !have_domid )
        return bad_usage("--domid", "required: the guest's domain id");
    /* Without --nvme or --vsm the vTPM is the only service: required. */
    if ( !cfg->nvme && !cfg->vsm &&
         (!cfg->tpm_state || !cfg->tpm_state[0]) )
        return bad_usage("--tpm-state", "required: a file for the vTPM's "
                         "state (it is created if absent), unless --nvme "
                         "or --vsm gives the guest a service");
    if ( cfg->tpm_state && !cfg->tpm_state[0] )
        return bad_usage("--tpm-state", "give a file name");
    if ( cfg->tpm_resume && !cfg->tpm_state )
        return bad_usage("--tpm-resume", "needs --tpm-state");
    return 0;
}

/*
 * In a paravisor domain: read the configuration pvxl left in xenstore.
 * A failure is also written to the "error" node, for pvxl to report.
 */
static int config_from_xenstore(struct pvr_config *cfg,
                                struct pvr_xs_config *xc)
{
    char err[512];
    pvr_port *port;
    int rc = pvr_port_open(cfg->backend, &port);

    if ( rc )
    {
        pvr_log_e(PVR_LOG_ERROR, "main", -rc, "opening the %s backend",
                  cfg->backend);
        return rc;
    }
    rc = pvr_config_from_xs(port, cfg, xc, err, sizeof(err));
    if ( rc )
    {
        pvr_err("main", "%s", err);
        if ( xc->dir[0] )
            pvr_config_publish_error(port, xc->dir, err);
    }
    pvr_port_close(port);
    return rc;
}

int pvr_daemon_open_port(const struct pvr_config *cfg, pvr_port **out)
{
    pvr_sim *sim;
    int rc = pvr_port_open(cfg->backend, out);

    if ( rc )
        return rc;
    /* The sim stands in for the guest named on the command line. */
    sim = pvr_sim_from_port(*out);
    if ( sim && (rc = pvr_sim_set_domain(sim, cfg->domid, 2, 4096)) )
    {
        pvr_port_close(*out);
        *out = NULL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct pvr_config cfg;
    struct pvr_xs_config xc = { 0 };
    char ctl[108], xs_dir[64];
    sigset_t mask;
    int sv[2], rc;
    pid_t pid;

    rc = parse_args(argc, argv, &cfg);
    if ( rc )
        return rc;
    if ( cfg.xs_config )
    {
        pvr_log_open(PVR_LOG_NO_DOMID, cfg.log_level, 2);
        if ( config_from_xenstore(&cfg, &xc) )
            return 1;
    }
    else
    {
        snprintf(xs_dir, sizeof(xs_dir), PVR_XS_DIR_FMT, cfg.domid);
        cfg.xs_dir = xs_dir;
    }
    if ( !cfg.control_path )
    {
        snprintf(ctl, sizeof(ctl), "/run/pvdomain/%u.sock", cfg.domid);
        cfg.control_path = ctl;
    }
    pvr_log_open(cfg.domid, cfg.log_level, 2);

    /* Signals are taken through signalfd in each process's loop. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ( socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 )
    {
        pvr_log_e(PVR_LOG_ERROR, "main", errno, "socketpair");
        return 1;
    }
    pid = fork();
    if ( pid < 0 )
    {
        pvr_log_e(PVR_LOG_ERROR, "main", errno, "fork");
        return 1;
    }
    if ( pid == 0 )
    {
        close(sv[0]);
        prctl(PR_SET_NAME, "pvdomaind-wrk");
        /* Die with the parent: it is what cleans up after us. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if ( getppid() == 1 )
            return 1;
        pvr_crash_handler_install("worker");
        return pvr_worker_main(&cfg, sv[1]);
    }
    close(sv[1]);
    pvr_crash_handler_install("parent");
    return pvr_parent_main(&cfg, sv[0], pid);
}
