/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Creating a pair, in the order the contract fixes: checks, the state
 * disk, `xl create -p -e` for the guest, the paravisor domain with libxl,
 * set_target in Xen and xenstored, the xenstore nodes, unpause P, wait
 * for ready, unpause G.  Every step that made something has an undo, run
 * in reverse on failure, so a failed create leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"

#define PATH_LEN 4096
#define NO_DOMID UINT32_MAX

int pvr_pvxl_state_disk_path(const pvr_pvxl_config *cfg, char *buf,
                             size_t len)
{
    int n;

    if ( cfg->opts.state_disk )
        n = snprintf(buf, len, "%s", cfg->opts.state_disk);
    else
        n = snprintf(buf, len, "%s/%s.state", PVR_PVXL_STATE_DIR,
                     cfg->name);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void pv_name(const pvr_pvxl_config *cfg, char *buf, size_t len)
{
    snprintf(buf, len, "%s-paravisor", cfg->name);
}

/* mkdir -p for the state disk's directory (mode 0700 for new ones). */
static int make_dirs(char *path)
{
    char *s;

    for ( s = path + 1; *s; s++ )
    {
        if ( *s != '/' )
            continue;
        *s = '\0';
        if ( mkdir(path, 0700) && errno != EEXIST )
        {
            *s = '/';
            return -errno;
        }
        *s = '/';
    }
    if ( mkdir(path, 0700) && errno != EEXIST )
        return -errno;
    return 0;
}

static int check_free_name(pvr_pvxl *px, const char *name,
                           pvr_pvxl_err *err)
{
    uint32_t d;

    if ( libxl_name_to_domid(px->ctx, name, &d) )
        return 0;
    pvxl__seterr(err, "checks: a domain named \"%s\" already exists "
                 "(domid %u): change name, or destroy it first", name, d);
    return -EEXIST;
}

/*
 * blkback serves a file through a loop device: for the state disk, one
 * the block hotplug script finds with losetup -f (without the loop
 * driver it fails, "Failed to find an unused loop device", or times out
 * after the paravisor domain was built); for paravisor_nvme, one vbd.c
 * sets up.  Where no udev/systemd made the module load on demand, load
 * it here, or say what is missing before creating anything.
 */
int pvxl__check_loop(const char *what, const char *fix, pvr_pvxl_err *err)
{
    char *argv[] = { (char *)"modprobe", (char *)"-q", (char *)"loop", NULL };

    if ( !access("/dev/loop-control", F_OK) )
        return 0;
    if ( !pvxl__run(argv) && !access("/dev/loop-control", F_OK) )
        return 0;
    pvxl__seterr(err, "checks: %s needs the loop driver in dom0 (blkback "
                 "serves a file through a loop device) and "
                 "/dev/loop-control is missing: modprobe loop, or %s",
                 what, fix);
    return -ENODEV;
}

static int checks(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                  const char *disk, pvr_pvxl_err *err)
{
    char pvn[160], dir[PATH_LEN];
    char *slash;
    int r;

    pv_name(cfg, pvn, sizeof(pvn));
    if ( check_free_name(px, cfg->name, err) ||
         check_free_name(px, pvn, err) )
        return -EEXIST;
    if ( access(cfg->opts.kernel, R_OK) )
    {
        pvxl__seterr(err, "checks: paravisor_kernel=\"%s\": %s (install "
                     "the paravisor image or set paravisor_kernel)",
                     cfg->opts.kernel, strerror(errno));
        return -ENOENT;
    }
    if ( access(cfg->opts.ramdisk, R_OK) )
    {
        pvxl__seterr(err, "checks: paravisor_ramdisk=\"%s\": %s (install "
                     "the paravisor image or set paravisor_ramdisk)",
                     cfg->opts.ramdisk, strerror(errno));
        return -ENOENT;
    }
    if ( !cfg->opts.vtpm )
        return 0;
    r = pvxl__check_loop("the state disk", "set paravisor_vtpm=0", err);
    if ( r )
        return r;
    snprintf(dir, sizeof(dir), "%s", disk);
    slash = strrchr(dir, '/');
    if ( slash && slash != dir )
    {
        *slash = '\0';
        r = make_dirs(dir);
        if ( r )
        {
            pvxl__seterr(err, "checks: paravisor_state_disk: cannot create "
                         "the directory %s: %s", dir, strerror(-r));
            return r;
        }
    }
    return 0;
}

/* Create the state disk if absent; *created says whether we did. */
static int state_disk(const char *path, bool *created, pvr_pvxl_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    *created = false;
    if ( fd < 0 && errno == EEXIST )
    {
        struct stat st;

        if ( stat(path, &st) || !S_ISREG(st.st_mode) )
        {
            pvxl__seterr(err, "state disk: %s exists and is not a regular "
                         "file", path);
            return -EINVAL;
        }
        return 0;
    }
    if ( fd < 0 || fchmod(fd, 0600) ||
         ftruncate(fd, PVR_PVXL_STATE_DISK_BYTES) )
    {
        int e = errno;

        pvxl__seterr(err, "state disk: cannot create %s: %s", path,
                     strerror(e));
        if ( fd >= 0 )
        {
            close(fd);
            unlink(path);
        }
        return -e;
    }
    close(fd);
    *created = true;
    return 0;
}

/* `xl create -p -e CFG [non-paravisor overrides]`. */
static int xl_create(const pvr_pvxl_config *cfg, unsigned int flags,
                     pvr_pvxl_err *err)
{
    char saved[PATH_LEN], key[128];
    char *argv[260];
    char **o;
    int n = 0, r;

    argv[n++] = (char *)"xl";
    argv[n++] = (char *)"create";
    argv[n++] = (char *)"-p";
    argv[n++] = (char *)"-e";
    if ( flags & PVR_PVXL_CREATE_REUSE )
    {
        pvxl__savedcfg(cfg->name, saved, sizeof(saved));
        argv[n++] = saved;
    }
    else
    {
        argv[n++] = cfg->path;
        for ( o = cfg->overrides; *o && n < 258; o++ )
            if ( pvr_pvxl_override_key(*o, key, sizeof(key)) ||
                 strncmp(key, "paravisor", 9) )
                argv[n++] = *o;
    }
    argv[n] = NULL;
    r = pvxl__run(argv);
    if ( r )
    {
        pvxl__seterr(err, "xl create -p -e %s failed (exit status %d; xl's "
                     "message is above)", argv[4], r);
        return -EIO;
    }
    return 0;
}

static int build_pv_config(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                           const char *disk, libxl_domain_config *d)
{
    libxl_domain_build_info *b = &d->b_info;
    size_t cl = strlen("console=hvc0 ") +
                (cfg->opts.cmdline ? strlen(cfg->opts.cmdline) : 0) + 1;
    char name[160];
    long i;

    pv_name(cfg, name, sizeof(name));
    /*
     * PV, as libxl's own device-model stub domains: Xen 4.17 lets no
     * translated (PVH or HVM) domain other than the hardware domain map
     * another domain's memory (p2m_add_foreign) or an IOREQ server's
     * pages (arch_acquire_resource_check), until foreign p2m entries are
     * reference counted.  The same Debian kernel boots either way.
     */
    d->c_info.type = LIBXL_DOMAIN_TYPE_PV;
    d->c_info.name = strdup(name);
    libxl_domain_build_info_init_type(b, LIBXL_DOMAIN_TYPE_PV);
    b->max_memkb = b->target_memkb = (uint64_t)cfg->opts.memory_mib * 1024;
    b->max_vcpus = (int)cfg->opts.vcpus;
    if ( libxl_cpu_bitmap_alloc(px->ctx, &b->avail_vcpus, b->max_vcpus) )
        return -ENOMEM;
    libxl_bitmap_set_none(&b->avail_vcpus);
    for ( i = 0; i < cfg->opts.vcpus; i++ )
        libxl_bitmap_set(&b->avail_vcpus, (int)i);
    b->kernel = strdup(cfg->opts.kernel);
    b->ramdisk = strdup(cfg->opts.ramdisk);
    b->cmdline = malloc(cl);
    if ( !d->c_info.name || !b->kernel || !b->ramdisk || !b->cmdline )
        return -ENOMEM;
    snprintf(b->cmdline, cl, "console=hvc0%s%s",
             cfg->opts.cmdline ? " " : "",
             cfg->opts.cmdline ? cfg->opts.cmdline : "");
    d->on_poweroff = d->on_reboot = d->on_crash = d->on_watchdog =
        LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    if ( !cfg->opts.vtpm )
        return 0;
    d->disks = calloc(1, sizeof(*d->disks));
    if ( !d->disks )
        return -ENOMEM;
    d->num_disks = 1;
    libxl_device_disk_init(&d->disks[0]);
    d->disks[0].backend_domid = 0;
    d->disks[0].pdev_path = strdup(disk);
    d->disks[0].vdev = strdup("xvda");
    d->disks[0].format = LIBXL_DISK_FORMAT_RAW;
    d->disks[0].backend = LIBXL_DISK_BACKEND_PHY;
    d->disks[0].readwrite = 1;
    return d->disks[0].pdev_path && d->disks[0].vdev ? 0 : -ENOMEM;
}

/* Destroy a paravisor by name, for a libxl failure that left one. */
static void destroy_by_name(pvr_pvxl *px, const char *name)
{
    uint32_t d;

    if ( !libxl_name_to_domid(px->ctx, name, &d) )
        pvr_pvxl_domain_destroy(px, d);
}

int pvr_pvxl_paravisor_start(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                             uint32_t guest, uint32_t *pv_out,
                             pvr_pvxl_err *err)
{
    libxl_domain_config d;
    char disk[PATH_LEN], name[160];
    uint32_t pv = INVALID_DOMID;
    int rc, r;

    pv_name(cfg, name, sizeof(name));
    libxl_domain_config_init(&d);
    rc = pvr_pvxl_state_disk_path(cfg, disk, sizeof(disk));
    if ( !rc )
        rc = build_pv_config(px, cfg, disk, &d);
    if ( rc )
    {
        pvxl__seterr(err, "paravisor domain: %s", strerror(-rc));
        goto out;
    }
    r = libxl_domain_create_new(px->ctx, &d, &pv, NULL, NULL);
    if ( r )
    {
        pvxl__seterr(err, "paravisor domain: libxl could not create %s "
                     "(libxl error %d; its message is above)", name, r);
        destroy_by_name(px, name);
        rc = -EIO;
        goto out;
    }
    pvr_pvxl_logf("%s: paravisor domain %u created for guest %u", cfg->name,
                  pv, guest);
    if ( xc_domain_set_target(px->xch, pv, guest) )
    {
        pvxl__seterr(err, "set_target: xc_domain_set_target(%u, %u): %s",
                     pv, guest, strerror(errno));
        rc = -EIO;
        goto fail;
    }
    if ( !xs_set_target(px->xsh, pv, guest) )
    {
        pvxl__seterr(err, "set_target: xs_set_target(%u, %u): %s", pv,
                     guest, strerror(errno));
        rc = -EIO;
        goto fail;
    }
    if ( cfg->opts.nvme && (rc = pvxl__vbd_add(px, cfg, pv, err)) )
        goto fail;
    rc = pvxl__xs_write_pairing(px, cfg, guest, pv, err);
    if ( rc )
        goto fail;
    if ( libxl_domain_unpause(px->ctx, pv, NULL) )
    {
        pvxl__seterr(err, "unpause: libxl could not unpause domain %u", pv);
        rc = -EIO;
        goto fail;
    }
    rc = pvxl__xs_wait_ready(px, pv, cfg->opts.timeout_s, err);
    if ( rc )
        goto fail;
    *pv_out = pv;
    goto out;

 fail:
    pvxl__xs_remove_pairing(px, guest, pv);
    pvr_pvxl_domain_destroy(px, pv);
 out:
    libxl_domain_config_dispose(&d);
    return rc;
}

int pvr_pvxl_pair_create(pvr_pvxl *px, const pvr_pvxl_config *cfg,
                         unsigned int flags, uint32_t *guest_out,
                         uint32_t *pv_out, pvr_pvxl_err *err)
{
    char disk[PATH_LEN];
    uint32_t guest = NO_DOMID, pv = NO_DOMID;
    bool created = false, xl_ran = false;
    struct timespec t0, t1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = pvr_pvxl_state_disk_path(cfg, disk, sizeof(disk));
    if ( rc )
    {
        pvxl__seterr(err, "checks: paravisor_state_disk is too long");
        return rc;
    }
    rc = checks(px, cfg, disk, err);
    if ( rc )
        return rc;
    if ( cfg->opts.vtpm )
    {
        rc = state_disk(disk, &created, err);
        if ( rc )
            return rc;
    }
    xl_ran = true;
    rc = xl_create(cfg, flags, err);
    if ( rc )
        goto fail;
    if ( libxl_name_to_domid(px->ctx, cfg->name, &guest) )
    {
        pvxl__seterr(err, "xl create: no domain \"%s\" after it succeeded",
                     cfg->name);
        rc = -ESRCH;
        goto fail;
    }
    pvr_pvxl_logf("%s: guest domain %u created, paused", cfg->name, guest);
    rc = pvr_pvxl_paravisor_start(px, cfg, guest, &pv, err);
    if ( rc )
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pvr_pvxl_logf("%s: paravisor %u ready %.3f s after the create began",
                  cfg->name, pv, (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if ( !(flags & PVR_PVXL_CREATE_PAUSED) &&
         libxl_domain_unpause(px->ctx, guest, NULL) )
    {
        pvxl__seterr(err, "unpause: libxl could not unpause the guest %u",
                     guest);
        rc = -EIO;
        goto fail;
    }
    *guest_out = guest;
    *pv_out = pv;
    return 0;

 fail:
    pvxl__xs_remove_pairing(px, guest, pv);
    if ( pv != NO_DOMID )
        pvr_pvxl_domain_destroy(px, pv);
    if ( guest != NO_DOMID )
        pvr_pvxl_domain_destroy(px, guest);
    else if ( xl_ran )
        destroy_by_name(px, cfg->name);
    if ( created )
        unlink(disk);
    return rc;
}
