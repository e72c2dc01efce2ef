/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file-backed block device (drivers/nvme/blkfile.c) and --nvme's
 * backing-store choice (pvr_blk_backing_open).
 *
 * Proves: reads and writes of several segments land at the right file
 * offsets (checked with pread), partial pages (first_sect/last_sect),
 * flush, discard (zeros after a punched hole, where the file system
 * can), shape checks (-EINVAL beyond the end, bad segments), a file
 * shrunk under the device (-EIO, no crash), what opens and what does
 * not (directory, tiny file, missing file, sizes for mem:), and the NVMe
 * controller end to end on the sim storing to a file: the guest's write
 * is in the file, dom0's bytes in the file reach the guest.
 * Cannot prove: behaviour on a real block device (only regular files
 * here), durability of fdatasync.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "drivers/nvme/nvme.h"
#include "tests/common/check.h"
#include "tests/unit/test_nvme_drv.h"

static char dir[] = "/tmp/pvr-blkfile-XXXXXX";

static char *path_in_dir(const char *name)
{
    static char p[128];

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return p;
}

static void make_file(const char *path, size_t bytes, uint8_t fill)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    uint8_t *b = malloc(bytes ? bytes : 1);

    REQUIRE(fd >= 0 && b);
    memset(b, fill, bytes);
    REQUIRE(write(fd, b, bytes) == (ssize_t)bytes);
    close(fd);
    free(b);
}

static void file_bytes(const char *path, off_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    REQUIRE(fd >= 0);
    REQUIRE(pread(fd, buf, len, off) == (ssize_t)len);
    close(fd);
}

static int last_status;
static unsigned int dones;

static void on_done(pvr_blk_req *r, int status)
{
    (void)r;
    last_status = status;
    dones++;
}

static int submit(pvr_blkdev *d, pvr_blk_req *r)
{
    int rc;

    r->done = on_done;
    last_status = 1;
    rc = d->ops->submit(d->be, r);
    return rc ? rc : last_status;
}

static void test_file_io(void)
{
    char *path = path_in_dir("img");
    struct pvr_blk_file_stats st;
    struct pvr_blk_info info;
    pvr_blk_req r;
    pvr_blkdev *d;
    uint8_t *pa, *pb, buf[4096];
    unsigned int before;

    make_file(path, 64 * 1024 + 100, 0x11);   /* a partial last sector */
    REQUIRE(pvr_blk_file_open(path, &d) == 0);
    d->ops->info(d->be, &info);
    CHECK_EQ(info.sectors, 128);
    CHECK(info.flush);
    CHECK(info.discard);
    CHECK_EQ(info.max_segs, PVR_BLK_MAX_SEGS);
    REQUIRE(posix_memalign((void **)&pa, 4096, 4096) == 0);
    REQUIRE(posix_memalign((void **)&pb, 4096, 4096) == 0);

    /* Write: all of page A, then sectors 2-3 of page B, from sector 10. */
    memset(pa, 0xa1, 4096);
    memset(pb, 0xb2, 4096);
    memset(pb + 1024, 0xb3, 1024);
    memset(&r, 0, sizeof(r));
    r.op = PVR_BLK_WRITE;
    r.sector = 10;
    r.nr_segs = 2;
    r.seg[0] = (struct pvr_blk_seg){ pa, 0, 7 };
    r.seg[1] = (struct pvr_blk_seg){ pb, 2, 3 };
    before = dones;
    CHECK_EQ(submit(d, &r), 0);
    CHECK_EQ(dones, before + 1);           /* done() inside submit() */
    file_bytes(path, 10 * 512, buf, 4096);
    CHECK(buf[0] == 0xa1 && buf[4095] == 0xa1);
    file_bytes(path, 18 * 512, buf, 1024);
    CHECK(buf[0] == 0xb3 && buf[1023] == 0xb3);
    file_bytes(path, 20 * 512, buf, 1);
    CHECK_EQ(buf[0], 0x11);                /* untouched after the write */
    file_bytes(path, 9 * 512 + 511, buf, 1);
    CHECK_EQ(buf[0], 0x11);

    /* Read the same range back into fresh pages, other segment shapes. */
    memset(pa, 0, 4096);
    memset(pb, 0, 4096);
    r.op = PVR_BLK_READ;
    r.seg[0] = (struct pvr_blk_seg){ pa, 4, 7 };      /* sectors 10-13 */
    r.seg[1] = (struct pvr_blk_seg){ pb, 0, 5 };      /* sectors 14-19 */
    CHECK_EQ(submit(d, &r), 0);
    CHECK(pa[4 * 512] == 0xa1 && pa[4095] == 0xa1 && pa[0] == 0);
    CHECK(pb[0] == 0xa1 && pb[4 * 512] == 0xb3 && pb[6 * 512 - 1] == 0xb3);
    CHECK_EQ(pb[6 * 512], 0);

    r.op = PVR_BLK_FLUSH;
    CHECK_EQ(submit(d, &r), 0);

    /* Shapes: beyond the end, a bad segment, no segments. */
    r.op = PVR_BLK_READ;
    r.sector = 127;
    r.nr_segs = 1;
    r.seg[0] = (struct pvr_blk_seg){ pa, 0, 1 };
    CHECK_EQ(submit(d, &r), -EINVAL);
    r.sector = 0;
    r.seg[0] = (struct pvr_blk_seg){ pa + 512, 0, 0 };
    CHECK_EQ(submit(d, &r), -EINVAL);
    r.seg[0] = (struct pvr_blk_seg){ pa, 3, 2 };
    CHECK_EQ(submit(d, &r), -EINVAL);
    r.nr_segs = 0;
    CHECK_EQ(submit(d, &r), -EINVAL);
    r.op = PVR_BLK_DISCARD;
    r.sector = 120;
    r.nr_sectors = 9;
    CHECK_EQ(submit(d, &r), -EINVAL);

    /* Discard: zeros where the file system punches holes. */
    r.sector = 10;
    r.nr_sectors = 8;
    {
        int rc = submit(d, &r);

        CHECK(rc == 0 || rc == -EOPNOTSUPP);
        file_bytes(path, 10 * 512, buf, 4096);
        if ( rc == 0 )
            CHECK(buf[0] == 0 && buf[4095] == 0);
    }

    /* Shrunk under the device: -EIO, not a crash or a short read. */
    REQUIRE(truncate(path, 8 * 512) == 0);
    r.op = PVR_BLK_READ;
    r.sector = 100;
    r.nr_segs = 1;
    r.seg[0] = (struct pvr_blk_seg){ pa, 0, 7 };
    CHECK_EQ(submit(d, &r), -EIO);

    pvr_blk_file_stats(d, &st);
    CHECK_EQ(st.writes, 1);
    CHECK_EQ(st.sectors_written, 10);
    CHECK_EQ(st.reads, 1);
    CHECK_EQ(st.sectors_read, 10);
    CHECK_EQ(st.flushes, 1);
    d->ops->cancel_all(d->be);             /* nothing held: a no-op */
    pvr_blk_file_close(d);
    pvr_blk_file_close(NULL);
    free(pa);
    free(pb);
}

static void test_open(void)
{
    struct pvr_blk_backing b;
    struct pvr_blk_info info;
    char err[256];
    pvr_blkdev *d;

    CHECK_EQ(pvr_blk_file_open(dir, &d), -EINVAL);
    CHECK(d == NULL);
    CHECK_EQ(pvr_blk_file_open(path_in_dir("missing"), &d), -ENOENT);
    make_file(path_in_dir("tiny"), 100, 0);
    CHECK_EQ(pvr_blk_file_open(path_in_dir("tiny"), &d), -EINVAL);

    CHECK_EQ(pvr_blk_backing_open("mem:1M", &b, err, sizeof(err)), 0);
    b.dev->ops->info(b.dev->be, &info);
    CHECK_EQ(info.sectors, 2048);
    pvr_blk_backing_close(&b);
    CHECK(b.dev == NULL);
    pvr_blk_backing_close(&b);             /* twice: harmless */
    CHECK_EQ(pvr_blk_backing_open("mem:4k", &b, err, sizeof(err)), 0);
    pvr_blk_backing_close(&b);
    static const char *bad[] = {
        "mem:", "mem:1000", "mem:0", "mem:-512", "mem:1T", "mem:1MB",
        "mem: 512", "mem:99999999999999999999", "mem:4294967296G", "",
    };
    for ( size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        err[0] = 0;
        CHECK_EQ(pvr_blk_backing_open(bad[i], &b, err, sizeof(err)), -EINVAL);
        CHECK(b.dev == NULL && err[0]);
    }
    CHECK_EQ(pvr_blk_backing_open(path_in_dir("missing"), &b, err,
                                  sizeof(err)), -ENOENT);
    CHECK(strstr(err, "missing") != NULL);
    CHECK_EQ(pvr_blk_backing_open(dir, &b, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "regular file") != NULL);
    make_file(path_in_dir("img2"), 4096, 0);
    CHECK_EQ(pvr_blk_backing_open(path_in_dir("img2"), &b, err,
                                  sizeof(err)), 0);
    b.dev->ops->info(b.dev->be, &info);
    CHECK_EQ(info.sectors, 8);
    pvr_blk_backing_close(&b);
}

/* The controller on the sim storing to a file, as pvdomaind wires it. */
static void test_nvme_on_file(void)
{
    char *path = path_in_dir("nvme");
    struct pvr_nvme_config cfg = {
        .sbdf = NVDRV_SBDF, .serial = "PVRFILE", .io_queues = 2,
    };
    struct pvr_blk_backing b;
    struct simstack st;
    struct nvdrv d;
    pvr_nvme *n;
    uint32_t sqe[16];
    uint64_t buf;
    uint8_t *p, fb[4096];
    char err[256];
    int fd;

    make_file(path, 1024 * 1024, 0);
    /* dom0's bytes at LBA 100, for the guest to read. */
    fd = open(path, O_WRONLY);
    REQUIRE(fd >= 0);
    memset(fb, 0x5d, sizeof(fb));
    REQUIRE(pwrite(fd, fb, 4096, 100 * 512) == 4096);
    close(fd);

    REQUIRE(pvr_blk_backing_open(path, &b, err, sizeof(err)) == 0);
    REQUIRE(simstack_open(&st, 2, PVR_BUFIOREQ_OFF, true) == 0);
    cfg.port = st.port;
    cfg.domid = st.domid;
    cfg.blk = b.dev;
    REQUIRE(pvr_nvme_create(&cfg, &n) == 0);
    REQUIRE(pvr_nvme_attach(n, st.srv) == 0);
    REQUIRE(pvr_ioreq_server_enable(st.srv) == 0);
    REQUIRE(nvdrv_pci_setup(&d, &st, false) == 0);
    REQUIRE(nvdrv_enable(&d, 16) == 0);
    CHECK_EQ(nvdrv_create_pair(&d, 1, 16), 0);

    buf = nvdrv_alloc(&d, 2);
    p = nvdrv_mem(&d, buf);
    memset(p, 0xc4, 8192);
    nvdrv_rw(sqe, true, 2032, 16, buf, buf + 4096);     /* 8 KiB */
    CHECK_EQ(nvdrv_cmd(&d, 1, sqe, NULL), 0);
    file_bytes(path, 2032 * 512, fb, 4096);
    CHECK(fb[0] == 0xc4 && fb[4095] == 0xc4);
    file_bytes(path, 2047 * 512 + 511, fb, 1);
    CHECK_EQ(fb[0], 0xc4);                /* the namespace's last byte */
    nvdrv_rw(sqe, true, 2047, 2, buf, 0);               /* beyond */
    CHECK_EQ(nvdrv_cmd(&d, 1, sqe, NULL) & 0xff, 0x80);

    memset(p, 0, 8192);
    nvdrv_rw(sqe, false, 100, 8, buf, 0);
    CHECK_EQ(nvdrv_cmd(&d, 1, sqe, NULL), 0);
    CHECK(p[0] == 0x5d && p[4095] == 0x5d && p[4096] == 0);

    nvdrv_sqe(sqe, 0x00, 1, 0, 0);                      /* flush */
    CHECK_EQ(nvdrv_cmd(&d, 1, sqe, NULL), 0);

    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_nvme_destroy(n);
    simstack_close(&st);
    pvr_blk_backing_close(&b);
}

int main(void)
{
    pvr_log_open(PVR_LOG_NO_DOMID, PVR_LOG_ERROR, 2);
    REQUIRE(mkdtemp(dir) != NULL);
    test_file_io();
    test_open();
    test_nvme_on_file();
    {
        const char *names[] = { "img", "tiny", "img2", "nvme" };

        for ( size_t i = 0; i < 4; i++ )
            unlink(path_in_dir(names[i]));
        rmdir(dir);
    }
    return check_result("test_blkfile");
}
