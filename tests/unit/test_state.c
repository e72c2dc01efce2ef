/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vTPM state file format and its atomic replacement.
 *
 * Proves: records round-trip; a flipped bit, a truncation, a bad magic,
 * a duplicated or unknown record, a missing permanent record and an
 * oversized length are all refused; no temporary file is left behind;
 * a failed write leaves the previous file intact.  The two-slot layout
 * of a state disk (on a plain file here): a blank device holds nothing,
 * saves alternate slots and the newest wins, a torn newest slot falls
 * back to the older one, two broken slots are refused, a state larger
 * than a slot or a device too small is refused, and a save never
 * touches the slot holding the newest state.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/tpm/tpm_priv.h"
#include "core/log.h"
#include "tests/common/check.h"

static char path[256];

static void put_file(const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    REQUIRE(fd >= 0);
    REQUIRE(write(fd, buf, len) == (ssize_t)len);
    close(fd);
}

static size_t get_file(uint8_t *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    REQUIRE(fd >= 0);
    n = read(fd, buf, cap);
    close(fd);
    REQUIRE(n >= 0);
    return n;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/* Fix up the CRC after editing a file image. */
static void recrc(uint8_t *buf, size_t len)
{
    put32(buf + len - 4, tpm__crc32(buf, len - 4));
}

#define DISK_SIZE (64u << 10)

static uint8_t gen_of(int fd, unsigned int slot)
{
    uint8_t h[16];

    REQUIRE(pread(fd, h, sizeof(h), slot * (DISK_SIZE / 2)) == 16);
    return h[8];
}

static void test_slots(const char *dir, uint8_t *perm, size_t plen)
{
    char disk[300];
    struct tpm_state st = { 0 }, got;
    uint8_t junk[4] = { 1, 2, 3, 4 }, big_vol[DISK_SIZE / 2];
    uint8_t before[DISK_SIZE / 2];
    int fd;

    snprintf(disk, sizeof(disk), "%s/disk", dir);
    fd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, DISK_SIZE) == 0);

    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), -ENOENT);
    st.permanent = perm;
    st.permanent_len = plen;
    CHECK_EQ(tpm__slots_save(fd, DISK_SIZE, &st), 0);
    CHECK_EQ(gen_of(fd, 0), 1);
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), 0);
    CHECK_EQ(got.permanent_len, plen);
    CHECK(got.permanent && !memcmp(got.permanent, perm, plen));
    CHECK(!got.volatile_);
    tpm__state_dispose(&got);

    /* The second save goes to slot 1 and wins; the third back to 0. */
    st.permanent_len = plen - 1;
    CHECK_EQ(tpm__slots_save(fd, DISK_SIZE, &st), 0);
    CHECK_EQ(gen_of(fd, 1), 2);
    CHECK_EQ(gen_of(fd, 0), 1);
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), 0);
    CHECK_EQ(got.permanent_len, plen - 1);
    tpm__state_dispose(&got);
    REQUIRE(pread(fd, before, sizeof(before), DISK_SIZE / 2) ==
            (ssize_t)sizeof(before));
    st.permanent_len = plen - 2;
    CHECK_EQ(tpm__slots_save(fd, DISK_SIZE, &st), 0);
    CHECK_EQ(gen_of(fd, 0), 3);
    {
        uint8_t after[DISK_SIZE / 2];

        REQUIRE(pread(fd, after, sizeof(after), DISK_SIZE / 2) ==
                (ssize_t)sizeof(after));
        CHECK(!memcmp(before, after, sizeof(before)));  /* newest kept */
    }
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), 0);
    CHECK_EQ(got.permanent_len, plen - 2);
    tpm__state_dispose(&got);

    /* Tear the newest slot's bytes: the older one (generation 2) wins. */
    REQUIRE(pwrite(fd, junk, sizeof(junk), 512 + 20) == 4);
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), 0);
    CHECK_EQ(got.permanent_len, plen - 1);
    tpm__state_dispose(&got);
    /* The next save replaces the torn slot, not the good one. */
    st.permanent_len = plen - 3;
    CHECK_EQ(tpm__slots_save(fd, DISK_SIZE, &st), 0);
    CHECK_EQ(gen_of(fd, 0), 3);
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), 0);
    CHECK_EQ(got.permanent_len, plen - 3);
    tpm__state_dispose(&got);

    /* Both headers broken: refused, never taken for a blank disk. */
    REQUIRE(pwrite(fd, junk, sizeof(junk), 4) == 4);
    REQUIRE(pwrite(fd, junk, sizeof(junk), DISK_SIZE / 2 + 4) == 4);
    CHECK_EQ(tpm__slots_load(fd, DISK_SIZE, &got), -EBADMSG);
    CHECK(!got.permanent);

    /* Too big for a slot; a device too small for two slots. */
    st.volatile_ = big_vol;
    st.volatile_len = sizeof(big_vol);
    memset(big_vol, 0x5a, sizeof(big_vol));
    CHECK_EQ(tpm__slots_save(fd, DISK_SIZE, &st), -ENOSPC);
    st.volatile_ = NULL;
    st.volatile_len = 0;
    CHECK_EQ(tpm__slots_save(fd, 1024, &st), -ENOSPC);
    CHECK_EQ(tpm__slots_load(fd, 1024, &got), -ENOSPC);
    close(fd);
    unlink(disk);
}

int main(void)
{
    char dir[] = "/tmp/pvr-test-state-XXXXXX", tmp[300];
    uint8_t perm[100], vol[7], img[512], bad[512];
    struct tpm_state st = { 0 }, got;
    size_t len;
    unsigned int i;

    pvr_log_open(1, PVR_LOG_ERROR, open("/dev/null", O_WRONLY));
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    for ( i = 0; i < sizeof(perm); i++ )
        perm[i] = i * 7;
    memcpy(vol, "VOLATIL", 7);

    CHECK_EQ(tpm__state_load(path, &got), -ENOENT);
    CHECK_EQ(tpm__state_save(path, &st), -EINVAL);  /* no permanent */

    st.permanent = perm;
    st.permanent_len = sizeof(perm);
    st.volatile_ = vol;
    st.volatile_len = sizeof(vol);
    CHECK_EQ(tpm__state_save(path, &st), 0);
    CHECK_EQ(access(tmp, F_OK), -1);
    CHECK_EQ(tpm__state_load(path, &got), 0);
    CHECK_EQ(got.permanent_len, sizeof(perm));
    CHECK(!memcmp(got.permanent, perm, sizeof(perm)));
    CHECK_EQ(got.volatile_len, sizeof(vol));
    CHECK(!memcmp(got.volatile_, vol, sizeof(vol)));
    tpm__state_dispose(&got);
    CHECK(got.permanent == NULL);

    len = get_file(img, sizeof(img));
    CHECK_EQ(len, 12 + 8 + sizeof(perm) + 8 + sizeof(vol) + 4);

    /* Every single-bit flip is caught. */
    for ( i = 0; i < len * 8; i += 13 )
    {
        memcpy(bad, img, len);
        bad[i / 8] ^= 1u << (i % 8);
        put_file(bad, len);
        CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);
    }
    /* Truncations. */
    for ( i = 0; i < len; i += 9 )
    {
        put_file(img, i);
        CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);
    }
    /* Structurally wrong, with a valid CRC. */
    memcpy(bad, img, len);
    put32(bad + 8, 3);                      /* three records */
    recrc(bad, len);
    put_file(bad, len);
    CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);
    memcpy(bad, img, len);
    put32(bad + 12 + 8 + sizeof(perm), 1);  /* volatile typed permanent */
    recrc(bad, len);
    put_file(bad, len);
    CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);
    memcpy(bad, img, len);
    put32(bad + 12 + 4, 0x7fffffff);        /* length beyond the file */
    recrc(bad, len);
    put_file(bad, len);
    CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);
    memcpy(bad, img, len);
    put32(bad + 12, 2);                     /* only a volatile record */
    put32(bad + 12 + 8 + sizeof(perm), 2);
    recrc(bad, len);
    put_file(bad, len);
    CHECK_EQ(tpm__state_load(path, &got), -EBADMSG);

    /* A failed save (the temp name is taken) leaves the old file. */
    put_file(img, len);
    REQUIRE(mkdir(tmp, 0700) == 0);
    st.permanent_len = 50;
    CHECK(tpm__state_save(path, &st) < 0);
    CHECK_EQ(get_file(bad, sizeof(bad)), len);
    CHECK(!memcmp(bad, img, len));
    rmdir(tmp);

    test_slots(dir, perm, sizeof(perm));

    unlink(path);
    rmdir(dir);
    return check_result("test_state");
}
