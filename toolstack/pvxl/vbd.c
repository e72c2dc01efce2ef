/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * paravisor_nvme: the vbd through which the paravisor domain P reaches
 * the guest's NVMe disk on dom0's blkback.
 *
 * Theory of operation.  pvdomaind in P runs its own blkif frontend
 * (pvdomaind --nvme vbd:N, pvdomain/core/vbd.h), so the toolstack makes
 * the vbd as libxl__device_generic_add would, in one transaction, and
 * does what libxl's block hotplug script would for a file (a loop device;
 * for a block device, nothing):
 *
 *   /local/domain/0/backend/vbd/P/N   (n0 rP)   dom0's; P reads it
 *       frontend, frontend-id, online 1, state 1, removable 0,
 *       bootable 0, params (the path given), type phy, mode w,
 *       device-type disk, dev xvdb, physical-device MAJ:MIN in hex,
 *       physical-device-path, node (the loop device we made, if any)
 *   /local/domain/P/device/pvr-vbd/N  (nP r0)   P's; dom0 reads it
 *       backend, backend-id 0, state 1, virtual-device N,
 *       device-type disk
 *
 * blkback probes the backend directory at once and waits in InitWait
 * for the frontend.  The frontend is device/pvr-vbd, not device/vbd, so
 * that P's own kernel does not bind it (drivers/blkfront/README).  N is
 * xvdb's id, next to the state disk's xvda: both backends live in
 * backend/vbd/P/.
 *
 * Release, whenever P is destroyed (pvr_pvxl_domain_destroy: pvxl
 * destroy, the pair's end, a paravisor restart, a failed create): if P
 * still runs, wait a short while for its frontend to write Closed (as
 * pvdomaind does when its guest is gone); destroy P; remove both
 * directories (blkback then lets go of the device); wait for blkback's
 * device to go, and detach the loop device (the kernel detaches it when
 * its last user closes, should blkback still hold it).  A new P gets a
 * new vbd.
 *
 * Nodes under backend/vbd/P are dom0's and trusted; nothing here reads
 * what P writes, except its frontend's state (a bounded string, only
 * compared with "6").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"

#define XS_PATH_LEN 128
#define BE_FMT "/local/domain/0/backend/vbd/%u/%u"
#define FE_FMT "/local/domain/%u/device/pvr-vbd/%u"
#define CLOSE_WAIT_MS 3000     /* pvdomaind writing Closed as it stops */
#define BACKEND_WAIT_MS 10000  /* blkback letting go of the device */
#define LOOP_WAIT_MS 5000      /* the loop device detached */
#define POLL_MS 50
#define LOOP_TRIES 8           /* a free loop device taken under us */

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_poll(void)
{
    nanosleep(&(struct timespec){ .tv_nsec = POLL_MS * 1000000L }, NULL);
}

/* Attach file to a free loop device, read-write; its name into dev. */
static int loop_attach(const char *file, char *dev, size_t len)
{
    int ctl = -1, ffd, lfd, n, tries, rc = -EBUSY;

    ffd = open(file, O_RDWR | O_CLOEXEC);
    if ( ffd < 0 )
        return -errno;
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if ( ctl < 0 )
    {
        rc = -errno;
        goto out;
    }
    for ( tries = 0; tries < LOOP_TRIES; tries++ )
    {
        n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if ( n < 0 )
        {
            rc = -errno;
            break;
        }
        snprintf(dev, len, "/dev/loop%d", n);
        lfd = open(dev, O_RDWR | O_CLOEXEC);
        if ( lfd < 0 )
        {
            rc = -errno;
            break;
        }
        rc = ioctl(lfd, LOOP_SET_FD, ffd) ? -errno : 0;
        close(lfd);
        if ( rc != -EBUSY )
            break;
    }
 out:
    if ( ctl >= 0 )
        close(ctl);
    close(ffd);
    return rc;
}

/* Is dev (/dev/loopN) still bound to a file? */
static bool loop_bound(const char *dev)
{
    char path[96];

    snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
             dev + strlen("/dev/"));
    return !access(path, F_OK);
}

/*
 * Detach dev; when blkback still has it open the kernel detaches it at
 * its last close (autoclear).  Waits LOOP_WAIT_MS for it to be free.
 */
static void loop_detach(const char *dev)
{
    long deadline = now_ms() + LOOP_WAIT_MS;
    int fd = open(dev, O_RDONLY | O_CLOEXEC);

    if ( fd < 0 || (ioctl(fd, LOOP_CLR_FD) && errno != ENXIO) )
        pvr_pvxl_logf("vbd: cannot detach %s: %s", dev, strerror(errno));
    if ( fd >= 0 )
        close(fd);
    while ( loop_bound(dev) && now_ms() < deadline )
        sleep_poll();
    if ( loop_bound(dev) )
        pvr_pvxl_logf("vbd: %s is still bound after %d s; the kernel "
                      "detaches it when blkback closes it", dev,
                      LOOP_WAIT_MS / 1000);
}

/* dir/name = value (dir itself, made, when name is NULL). */
static bool put(pvr_pvxl *px, xs_transaction_t t, const char *dir,
                const char *name, const char *value,
                struct xs_permissions *perms, unsigned int n)
{
    char path[2 * XS_PATH_LEN];

    snprintf(path, sizeof(path), "%s%s%s", dir, name ? "/" : "",
             name ? name : "");
    return pvxl__xs_put(px, t, path, name ? value : NULL, perms, n);
}

struct vbd_nodes {
    uint32_t pv;
    const char *params, *phys_path, *loop;
    char mm[24];
};

static bool write_vbd(pvr_pvxl *px, xs_transaction_t t, const void *arg)
{
    const struct vbd_nodes *v = arg;
    struct xs_permissions bp[] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = v->pv, .perms = XS_PERM_READ },
    };
    struct xs_permissions fp[] = {
        { .id = v->pv, .perms = XS_PERM_NONE },
        { .id = 0, .perms = XS_PERM_READ },
    };
    static const char *const be_fixed[][2] = {
        { "frontend-id", NULL }, { "online", "1" }, { "state", "1" },
        { "removable", "0" }, { "bootable", "0" }, { "type", "phy" },
        { "mode", "w" }, { "device-type", "disk" }, { "dev", "xvdb" },
    };
    char be[XS_PATH_LEN], fe[XS_PATH_LEN], dir[XS_PATH_LEN], id[16];
    size_t i;
    bool ok;

    snprintf(be, sizeof(be), BE_FMT, v->pv, PVXL_VBD_DEVID);
    snprintf(fe, sizeof(fe), FE_FMT, v->pv, PVXL_VBD_DEVID);
    snprintf(id, sizeof(id), "%u", v->pv);
    snprintf(dir, sizeof(dir), "/local/domain/%u/device/pvr-vbd", v->pv);

    ok = put(px, t, be, NULL, NULL, bp, ARRAY_SIZE(bp)) &&
         put(px, t, be, "frontend", fe, bp, ARRAY_SIZE(bp));
    for ( i = 0; ok && i < ARRAY_SIZE(be_fixed); i++ )
        ok = put(px, t, be, be_fixed[i][0],
                 be_fixed[i][1] ? be_fixed[i][1] : id, bp, ARRAY_SIZE(bp));
    ok = ok && put(px, t, be, "params", v->params, bp, ARRAY_SIZE(bp)) &&
         put(px, t, be, "physical-device-path", v->phys_path, bp,
             ARRAY_SIZE(bp)) &&
         put(px, t, be, "physical-device", v->mm, bp, ARRAY_SIZE(bp));
    if ( v->loop )
        ok = ok && put(px, t, be, "node", v->loop, bp, ARRAY_SIZE(bp));

    snprintf(id, sizeof(id), "%u", PVXL_VBD_DEVID);
    ok = ok && put(px, t, dir, NULL, NULL, fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, NULL, NULL, fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, "backend", be, fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, "backend-id", "0", fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, "state", "1", fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, "virtual-device", id, fp, ARRAY_SIZE(fp)) &&
         put(px, t, fe, "device-type", "disk", fp, ARRAY_SIZE(fp));
    return ok;
}

int pvxl__vbd_add(pvr_pvxl *px, const pvr_pvxl_config *cfg, uint32_t pv,
                  pvr_pvxl_err *err)
{
    const char *disk = cfg->opts.nvme;
    struct vbd_nodes v = { .pv = pv, .params = disk, .phys_path = disk };
    char loop[32];
    struct stat st;
    int rc;

    if ( stat(disk, &st) )
    {
        rc = -errno;
        pvxl__seterr(err, "nvme disk: paravisor_nvme=\"%s\": %s", disk,
                     strerror(-rc));
        return rc;
    }
    if ( S_ISREG(st.st_mode) )
    {
        rc = pvxl__check_loop("paravisor_nvme", "give it a block device",
                              err);
        if ( rc )
            return rc;
        rc = loop_attach(disk, loop, sizeof(loop));
        if ( rc )
        {
            pvxl__seterr(err, "nvme disk: cannot put paravisor_nvme=\"%s\" "
                         "on a loop device: %s", disk, strerror(-rc));
            return rc;
        }
        v.loop = v.phys_path = loop;
        if ( stat(loop, &st) )
        {
            rc = -errno;
            pvxl__seterr(err, "nvme disk: %s: %s", loop, strerror(-rc));
            goto fail;
        }
    }
    snprintf(v.mm, sizeof(v.mm), "%x:%x", major(st.st_rdev),
             minor(st.st_rdev));
    rc = pvxl__xs_transact(px, write_vbd, &v);
    if ( rc )
    {
        pvxl__seterr(err, "nvme disk: writing the vbd of domain %u to "
                     "xenstore: %s", pv, strerror(-rc));
        goto fail;
    }
    pvr_pvxl_logf("%s: vbd %u of paravisor %u on %s (%s)", cfg->name,
                  PVXL_VBD_DEVID, pv, v.phys_path, v.mm);
    return 0;

 fail:
    if ( v.loop )
        loop_detach(v.loop);
    return rc;
}

/* Our vbd of domid in backend/vbd/domid/N: its frontend is pvr-vbd. */
static bool ours(pvr_pvxl *px, uint32_t domid, const char *n)
{
    char path[XS_PATH_LEN], v[XS_PATH_LEN], want[XS_PATH_LEN];
    char *end;
    unsigned long id = strtoul(n, &end, 10);

    if ( *end || end == n || id > UINT32_MAX )
        return false;
    snprintf(path, sizeof(path), BE_FMT "/frontend", domid, (uint32_t)id);
    snprintf(want, sizeof(want), FE_FMT, domid, (uint32_t)id);
    return !pvxl__xs_read(px, path, v, sizeof(v)) && !strcmp(v, want);
}

/*
 * P is about to be destroyed.  When its guest went first, pvdomaind in
 * P is stopping and closes its frontend: give it CLOSE_WAIT_MS to write
 * Closed (6), so that blkback sees an orderly close.  (The pairing that
 * would say whether the guest lives is removed before this runs; with a
 * live guest the wait is spent, and blkback then sees P's frontend
 * vanish instead.)
 */
void pvxl__vbd_before_destroy(pvr_pvxl *px, uint32_t domid)
{
    char path[XS_PATH_LEN], v[16];
    char **ents;
    unsigned int n = 0, i;
    long deadline;

    /* Shut down or dying: nothing in it runs to close anything. */
    if ( pvxl__dom_state(px, domid, NULL, NULL) != PVXL_DOM_ALIVE )
        return;
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", domid);
    ents = xs_directory(px->xsh, XBT_NULL, path, &n);
    for ( i = 0; ents && i < n; i++ )
    {
        if ( !ours(px, domid, ents[i]) )
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/device/pvr-vbd/%s/"
                 "state", domid, ents[i]);
        deadline = now_ms() + CLOSE_WAIT_MS;
        while ( !pvxl__xs_read(px, path, v, sizeof(v)) && strcmp(v, "6") &&
                now_ms() < deadline )
            sleep_poll();
        pvr_pvxl_logf("vbd %s of domain %u: frontend %s", ents[i], domid,
                      pvxl__xs_read(px, path, v, sizeof(v)) ? "gone" :
                      !strcmp(v, "6") ? "Closed" : "not Closed in time");
    }
    free(ents);
}

/* blkback's device for backend/vbd/domid/n is gone (or the deadline). */
static void wait_backend_gone(uint32_t domid, const char *n)
{
    char sys[96];
    long deadline = now_ms() + BACKEND_WAIT_MS;

    snprintf(sys, sizeof(sys), "/sys/bus/xen-backend/devices/vbd-%u-%s",
             domid, n);
    while ( !access(sys, F_OK) && now_ms() < deadline )
        sleep_poll();
    if ( !access(sys, F_OK) )
        pvr_pvxl_logf("vbd: blkback still has %s after %d s", sys,
                      BACKEND_WAIT_MS / 1000);
}

void pvxl__vbd_remove(pvr_pvxl *px, uint32_t domid)
{
    char dir[XS_PATH_LEN], path[2 * XS_PATH_LEN], loop[32];
    char **ents, **left;
    unsigned int n = 0, i;

    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vbd/%u", domid);
    ents = xs_directory(px->xsh, XBT_NULL, dir, &n);
    for ( i = 0; ents && i < n; i++ )
    {
        if ( !ours(px, domid, ents[i]) )
            continue;
        snprintf(path, sizeof(path), "%s/%s/node", dir, ents[i]);
        if ( pvxl__xs_read(px, path, loop, sizeof(loop)) ||
             strncmp(loop, "/dev/loop", 9) )
            loop[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, ents[i]);
        xs_rm(px->xsh, XBT_NULL, path);
        snprintf(path, sizeof(path), "/local/domain/%u/device/pvr-vbd/%s",
                 domid, ents[i]);
        xs_rm(px->xsh, XBT_NULL, path);
        wait_backend_gone(domid, ents[i]);
        if ( loop[0] )
            loop_detach(loop);
        pvr_pvxl_logf("vbd %s of domain %u removed%s%s", ents[i], domid,
                      loop[0] ? ", detached " : "", loop);
    }
    free(ents);
    /* The per-domain directory, once libxl's devices are gone too. */
    left = xs_directory(px->xsh, XBT_NULL, dir, &n);
    if ( left && n == 0 )
        xs_rm(px->xsh, XBT_NULL, dir);
    free(left);
}
