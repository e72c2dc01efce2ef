/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvxl's key table, value checks, on_* actions and cfg scanner
 * (toolstack/pvxl/cfg.c, scan.c), without Xen.
 *
 * Proves: every paravisor key accepts its documented range and nothing
 * outside it, with a message naming the key, the value given and what is
 * allowed; unknown keys are refused with the list of keys; only destroy,
 * restart and preserve are accepted as actions; the scanner finds exactly
 * the paravisor statements libxlutil would see (not words in strings,
 * comments or list items) with their line numbers; paravisor_nvme takes
 * an absolute path to a regular file of whole sectors or a block device
 * and names what else it got (missing, a directory, empty, odd size,
 * relative), paravisor_nvme_slot takes what pvdomaind's --nvme-slot
 * takes and only with paravisor_nvme.
 * Cannot prove: that libxlutil itself reads a file the way the scanner
 * does on text it rejects (pvxl scans only text libxlutil accepted), nor
 * anything about creating domains (tests/host/jobs/pvxl-*.sh do that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/check.h"
#include "toolstack/pvxl/libpvxl.h"

static pvr_pvxl_opts opts;
static pvr_pvxl_err err;

static int set(const char *k, const char *v)
{
    err.msg[0] = '\0';
    return pvr_pvxl_opt_set(&opts, k, v, &err);
}

static int msg_has(const char *s)
{
    if ( strstr(err.msg, s) )
        return 1;
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, s);
    return 0;
}

static void test_defaults(void)
{
    CHECK_EQ(pvr_pvxl_opts_init(&opts, "/img"), 0);
    CHECK_EQ(opts.enabled, 1);
    CHECK_EQ(opts.memory_mib, 96);
    CHECK_EQ(opts.vcpus, 1);
    CHECK_EQ(opts.vtpm, 1);
    CHECK_EQ(opts.timeout_s, 120);
    CHECK(!strcmp(opts.kernel, "/img/vmlinuz"));
    CHECK(!strcmp(opts.ramdisk, "/img/initrd.img"));
    CHECK(!strcmp(opts.log_level, "info"));
    CHECK(opts.cmdline == NULL && opts.state_disk == NULL);
    CHECK_EQ(opts.given, 0);
}

static void test_ranges(void)
{
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        { "paravisor_memory", "abc", 0 }, { "paravisor_memory", "0", 0 },
        { "paravisor_memory", "15", 0 }, { "paravisor_memory", "16", 1 },
        { "paravisor_memory", "1024", 1 }, { "paravisor_memory", "1025", 0 },
        { "paravisor_memory", "99999", 0 }, { "paravisor_memory", "", 0 },
        { "paravisor_memory", " 64", 0 }, { "paravisor_memory", "64k", 0 },
        { "paravisor_memory", "-64", 0 },
        { "paravisor_memory", "99999999999999999999", 0 },
        { "paravisor_vcpus", "0", 0 }, { "paravisor_vcpus", "1", 1 },
        { "paravisor_vcpus", "8", 1 }, { "paravisor_vcpus", "9", 0 },
        { "paravisor_timeout", "1", 0 }, { "paravisor_timeout", "4", 0 },
        { "paravisor_timeout", "5", 1 }, { "paravisor_timeout", "3600", 1 },
        { "paravisor_timeout", "3601", 0 },
        { "paravisor", "0", 1 }, { "paravisor", "1", 1 },
        { "paravisor", "2", 0 }, { "paravisor", "yes", 0 },
        { "paravisor_vtpm", "0", 1 }, { "paravisor_vtpm", "true", 0 },
        { "paravisor_log_level", "loud", 0 },
        { "paravisor_log_level", "debug", 1 },
        { "paravisor_log_level", "warn", 1 },
        { "paravisor_log_level", "INFO", 0 },
        { "paravisor_state_disk", "rel/x.state", 0 },
        { "paravisor_state_disk", "", 0 },
        { "paravisor_state_disk", "/srv/g.state", 1 },
        { "paravisor_kernel", "", 0 }, { "paravisor_kernel", "k", 1 },
        { "paravisor_cmdline", "a\nb", 0 },
        { "paravisor_cmdline", "loglevel=8", 1 },
    };
    size_t i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        int r = set(cases[i].key, cases[i].value);

        if ( (r == 0) != cases[i].ok )
            fprintf(stderr, "case %s=\"%s\": got %d\n", cases[i].key,
                    cases[i].value, r);
        CHECK_EQ(r == 0, cases[i].ok);
        if ( !cases[i].ok )
        {
            CHECK_EQ(r, -EINVAL);
            CHECK(msg_has(cases[i].key));
            CHECK(msg_has("is not allowed: use "));
        }
    }
    /* The last good values stick, and the given bits say which keys. */
    CHECK_EQ(opts.memory_mib, 1024);
    CHECK_EQ(opts.vcpus, 8);
    CHECK_EQ(opts.timeout_s, 3600);
    CHECK(!strcmp(opts.log_level, "warn"));
    CHECK(!strcmp(opts.state_disk, "/srv/g.state"));
    CHECK(!strcmp(opts.cmdline, "loglevel=8"));
    CHECK(opts.given & (1u << PVR_PVXL_KEY_MEMORY));
    CHECK(!(opts.given & (1u << PVR_PVXL_KEY_RAMDISK)));
}

static void test_messages(void)
{
    CHECK_EQ(set("paravisor_memory", "abc"), -EINVAL);
    CHECK(msg_has("paravisor_memory=\"abc\""));
    CHECK(msg_has("from 16 to 1024"));
    CHECK_EQ(set("paravisor_mem", "64"), -ENOENT);
    CHECK(msg_has("unknown key \"paravisor_mem\""));
    CHECK(msg_has("paravisor_memory"));
    CHECK(msg_has("paravisor_timeout"));
    CHECK(strstr(pvr_pvxl_key_list(), "paravisor_state_disk") != NULL);
    CHECK_EQ(pvr_pvxl_key_lookup("paravisor_vtpm"), PVR_PVXL_KEY_VTPM);
    CHECK_EQ(pvr_pvxl_key_lookup("vtpm"), -1);
    CHECK(!strcmp(pvr_pvxl_key_name(PVR_PVXL_KEY_VCPUS), "paravisor_vcpus"));
    CHECK(pvr_pvxl_key_name(PVR_PVXL_KEY_COUNT) == NULL);
}

/* A file of len bytes in /tmp; its path in buf. */
static void temp_file(char *buf, size_t n, off_t len)
{
    int fd;

    snprintf(buf, n, "/tmp/test_pvxl_cfg.XXXXXX");
    fd = mkstemp(buf);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, len) == 0);
    close(fd);
}

static void test_nvme(void)
{
    char good[64], empty[64], odd[64];
    static const char *const bad_slots[] = {
        "01:05.0", "00:01.0", "00:20.0", "00:05.8", "0:05.0", "00:5.0",
        "00:05.0 ", " 0:05.0", "+0:05.0", "00:-5.0", "g0:05.0", "",
    };
    size_t i;

    temp_file(good, sizeof(good), 4 << 20);
    temp_file(empty, sizeof(empty), 0);
    temp_file(odd, sizeof(odd), 1000);
    CHECK(opts.nvme == NULL && opts.nvme_slot == NULL);
    CHECK_EQ(pvr_pvxl_opts_check(&opts, &err), 0);

    CHECK_EQ(set("paravisor_nvme", good), 0);
    CHECK(!strcmp(opts.nvme, good));
    CHECK(opts.given & (1u << PVR_PVXL_KEY_NVME));
    CHECK_EQ(set("paravisor_nvme", "/dev/loop-control"), -EINVAL);
    CHECK(msg_has("neither a regular file nor a block device"));
    CHECK_EQ(set("paravisor_nvme", "/nonexistent/disk.img"), -EINVAL);
    CHECK(msg_has("paravisor_nvme=\"/nonexistent/disk.img\": No such file"));
    CHECK(msg_has("the absolute path of a raw image file or a block device"));
    CHECK_EQ(set("paravisor_nvme", "/tmp"), -EINVAL);
    CHECK(msg_has("/tmp\": it is a directory"));
    CHECK_EQ(set("paravisor_nvme", empty), -EINVAL);
    CHECK(msg_has("it is empty"));
    CHECK_EQ(set("paravisor_nvme", odd), -EINVAL);
    CHECK(msg_has("not a multiple of 512 bytes"));
    CHECK_EQ(set("paravisor_nvme", "disk.img"), -EINVAL);
    CHECK(msg_has("paravisor_nvme=\"disk.img\" is not allowed: use the "
                  "absolute path"));
    CHECK_EQ(set("paravisor_nvme", ""), -EINVAL);
    CHECK(!strcmp(opts.nvme, good));      /* the good value stays */

    CHECK_EQ(set("paravisor_nvme_slot", "00:05.0"), 0);
    CHECK_EQ(set("paravisor_nvme_slot", "00:1f.7"), 0);
    CHECK_EQ(set("paravisor_nvme_slot", "00:0A.1"), 0);
    for ( i = 0; i < sizeof(bad_slots) / sizeof(bad_slots[0]); i++ )
    {
        CHECK_EQ(set("paravisor_nvme_slot", bad_slots[i]), -EINVAL);
        CHECK(msg_has("paravisor_nvme_slot=\""));
        CHECK(msg_has("device 02 to 1f"));
    }
    CHECK(!strcmp(opts.nvme_slot, "00:0A.1"));
    CHECK_EQ(pvr_pvxl_opts_check(&opts, &err), 0);
    free(opts.nvme);
    opts.nvme = NULL;
    CHECK_EQ(pvr_pvxl_opts_check(&opts, &err), -EINVAL);
    CHECK(msg_has("paravisor_nvme_slot is set without paravisor_nvme"));
    unlink(good);
    unlink(empty);
    unlink(odd);
}

static void test_actions(void)
{
    enum pvr_pvxl_action a = PVR_PVXL_ACTION_DESTROY;

    CHECK_EQ(pvr_pvxl_action_parse("on_reboot", "restart", &a, &err), 0);
    CHECK_EQ(a, PVR_PVXL_ACTION_RESTART);
    CHECK_EQ(pvr_pvxl_action_parse("on_crash", "preserve", &a, &err), 0);
    CHECK_EQ(a, PVR_PVXL_ACTION_PRESERVE);
    CHECK_EQ(pvr_pvxl_action_parse("on_crash", "destroy", &a, &err), 0);
    CHECK_EQ(a, PVR_PVXL_ACTION_DESTROY);
    CHECK_EQ(pvr_pvxl_action_parse("on_reboot", "coredump-destroy", &a,
                                   &err), -ENOTSUP);
    CHECK(msg_has("on_reboot=\"coredump-destroy\" is not supported"));
    CHECK_EQ(pvr_pvxl_action_parse("on_poweroff", "explode", &a, &err),
             -EINVAL);
    CHECK(msg_has("destroy, restart or preserve"));
}

struct seen {
    char keys[8][64];
    int lines[8];
    int n;
};

static int record(const char *key, int line, void *arg)
{
    struct seen *s = arg;

    if ( s->n < 8 )
    {
        snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
        s->lines[s->n] = line;
    }
    s->n++;
    return 0;
}

static void test_scan(void)
{
    static const char text[] =
        "name = \"g\"  # paravisor_comment = 1\n"
        "paravisor_memory = 64; paravisor_vcpus=2\n"
        "extra = \"paravisor_in_string=1\"\n"
        "disk = [ 'paravisor_item',\n"
        "         \"x\\\"paravisor_y\" ]\n"
        "\n"
        "  paravisor_mem = 3\n"
        "paravisorx=1\n"
        "xparavisor_z = 1\n"
        "paravisor_cmdline += 'a'\n";
    struct seen s = { .n = 0 };

    CHECK_EQ(pvr_pvxl_scan(text, strlen(text), record, &s), 0);
    CHECK_EQ(s.n, 5);
    CHECK(!strcmp(s.keys[0], "paravisor_memory") && s.lines[0] == 2);
    CHECK(!strcmp(s.keys[1], "paravisor_vcpus") && s.lines[1] == 2);
    CHECK(!strcmp(s.keys[2], "paravisor_mem") && s.lines[2] == 7);
    CHECK(!strcmp(s.keys[3], "paravisorx") && s.lines[3] == 8);
    CHECK(!strcmp(s.keys[4], "paravisor_cmdline") && s.lines[4] == 10);
}

static int stop_at_first(const char *key, int line, void *arg)
{
    (void)key;
    (void)arg;
    return line;
}

static void test_scan_stop_and_overrides(void)
{
    static const char text[] = "a=1\nparavisor=0\nparavisor_vtpm=1\n";
    char key[32];

    CHECK_EQ(pvr_pvxl_scan(text, strlen(text), stop_at_first, NULL), 2);
    CHECK_EQ(pvr_pvxl_override_key("paravisor_memory=64", key,
                                   sizeof(key)), 0);
    CHECK(!strcmp(key, "paravisor_memory"));
    CHECK_EQ(pvr_pvxl_override_key(" extra += \"x\"", key, sizeof(key)), 0);
    CHECK(!strcmp(key, "extra"));
    CHECK_EQ(pvr_pvxl_override_key("=1", key, sizeof(key)), -EINVAL);
    CHECK_EQ(pvr_pvxl_override_key("novalue", key, sizeof(key)), -EINVAL);
    CHECK_EQ(pvr_pvxl_override_key("a_key_name_of_more_than_32_chars=1", key,
                                   sizeof(key)), -EINVAL);
}

int main(void)
{
    test_defaults();
    test_ranges();
    test_messages();
    test_nvme();
    test_actions();
    pvr_pvxl_opts_dispose(&opts);
    pvr_pvxl_opts_dispose(&opts);
    test_scan();
    test_scan_stop_and_overrides();
    return check_result("test_pvxl_cfg");
}
