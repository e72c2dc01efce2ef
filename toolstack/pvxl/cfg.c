/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvxl's own xl.cfg keys: the table, the value checks, the on_* actions
 * and the scanner that finds paravisor statements in the text.  Pure C,
 * no Xen header: tests/unit/test_pvxl_cfg links this file alone.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/nvme/slot.h"
#include "toolstack/pvxl/libpvxl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum key_kind {
    KIND_BOOL, KIND_LONG, KIND_PATH, KIND_STRING, KIND_LEVEL,
    KIND_DISK,                 /* an absolute path to an image or device */
    KIND_SLOT,                 /* a PCI function BB:DD.F, as pvdomaind's */
};

struct key_desc {
    const char *name;
    enum key_kind kind;
    long min, max;
    const char *allowed;       /* what the message says is allowed */
};

static const struct key_desc keys[PVR_PVXL_KEY_COUNT] = {
    [PVR_PVXL_KEY_PARAVISOR] = { "paravisor", KIND_BOOL, 0, 1,
        "0 or 1 (default 1)" },
    [PVR_PVXL_KEY_MEMORY] = { "paravisor_memory", KIND_LONG, 16, 1024,
        "a whole number of MiB from 16 to 1024 (default 96)" },
    [PVR_PVXL_KEY_VCPUS] = { "paravisor_vcpus", KIND_LONG, 1, 8,
        "a whole number from 1 to 8 (default 1)" },
    [PVR_PVXL_KEY_KERNEL] = { "paravisor_kernel", KIND_PATH, 0, 0,
        "the path of a kernel file" },
    [PVR_PVXL_KEY_RAMDISK] = { "paravisor_ramdisk", KIND_PATH, 0, 0,
        "the path of an initramfs file" },
    [PVR_PVXL_KEY_CMDLINE] = { "paravisor_cmdline", KIND_STRING, 0, 0,
        "a kernel command line (appended to \"console=hvc0\")" },
    [PVR_PVXL_KEY_VTPM] = { "paravisor_vtpm", KIND_BOOL, 0, 1,
        "0 or 1 (default 1)" },
    [PVR_PVXL_KEY_STATE_DISK] = { "paravisor_state_disk", KIND_PATH, 0, 0,
        "an absolute path (default /var/lib/pvdomain/<name>.state)" },
    [PVR_PVXL_KEY_LOG_LEVEL] = { "paravisor_log_level", KIND_LEVEL, 0, 0,
        "debug, info, warn or error (default info)" },
    [PVR_PVXL_KEY_TIMEOUT] = { "paravisor_timeout", KIND_LONG, 5, 3600,
        "a whole number of seconds from 5 to 3600 (default 120)" },
    [PVR_PVXL_KEY_NVME] = { "paravisor_nvme", KIND_DISK, 0, 0,
        "the absolute path of a raw image file or a block device, of a "
        "whole number of 512-byte sectors (the guest's NVMe disk)" },
    [PVR_PVXL_KEY_NVME_SLOT] = { "paravisor_nvme_slot", KIND_SLOT, 0, 0,
        "BB:DD.F in hex on bus 00, device 02 to 1f, function 0 to 7 "
        "(default " PVR_NVME_DEFAULT_SLOT ")" },
};

static const char *const levels[] = { "debug", "info", "warn", "error" };

static const char *const action_names[] = {
    [PVR_PVXL_ACTION_DESTROY] = "destroy",
    [PVR_PVXL_ACTION_RESTART] = "restart",
    [PVR_PVXL_ACTION_PRESERVE] = "preserve",
};

/* xl's other actions: valid for xl, not supported with a paravisor. */
static const char *const xl_only_actions[] = {
    "rename-restart", "coredump-destroy", "coredump-restart", "soft-reset",
};

static void seterr(pvr_pvxl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void seterr(pvr_pvxl_err *err, const char *fmt, ...)
{
    va_list ap;

    if ( !err )
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

static int join_path(char **out, const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;

    *out = malloc(n);
    if ( !*out )
        return -ENOMEM;
    snprintf(*out, n, "%s/%s", dir, file);
    return 0;
}

int pvr_pvxl_opts_init(pvr_pvxl_opts *opts, const char *image_dir)
{
    memset(opts, 0, sizeof(*opts));
    opts->enabled = 1;
    opts->memory_mib = PVR_PVXL_MEMORY_DEFAULT;
    opts->vcpus = 1;
    opts->vtpm = 1;
    opts->timeout_s = PVR_PVXL_TIMEOUT_DEFAULT;
    opts->log_level = strdup("info");
    if ( !opts->log_level ||
         join_path(&opts->kernel, image_dir, "vmlinuz") ||
         join_path(&opts->ramdisk, image_dir, "initrd.img") )
    {
        pvr_pvxl_opts_dispose(opts);
        return -ENOMEM;
    }
    return 0;
}

void pvr_pvxl_opts_dispose(pvr_pvxl_opts *opts)
{
    if ( !opts )
        return;
    free(opts->kernel);
    free(opts->ramdisk);
    free(opts->cmdline);
    free(opts->state_disk);
    free(opts->log_level);
    free(opts->nvme);
    free(opts->nvme_slot);
    opts->kernel = opts->ramdisk = opts->cmdline = NULL;
    opts->state_disk = opts->log_level = NULL;
    opts->nvme = opts->nvme_slot = NULL;
}

const char *pvr_pvxl_key_name(enum pvr_pvxl_key key)
{
    if ( (unsigned int)key >= ARRAY_SIZE(keys) )
        return NULL;
    return keys[key].name;
}

int pvr_pvxl_key_lookup(const char *name)
{
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(keys); i++ )
        if ( !strcmp(keys[i].name, name) )
            return (int)i;
    return -1;
}

const char *pvr_pvxl_key_list(void)
{
    static char list[512];
    size_t i, off = 0;

    if ( list[0] )
        return list;
    for ( i = 0; i < ARRAY_SIZE(keys); i++ )
        off += snprintf(list + off, sizeof(list) - off, "%s%s",
                        i ? ", " : "", keys[i].name);
    return list;
}

/* A whole decimal number, optionally signed, nothing else. */
static int parse_long(const char *s, long *out)
{
    char *end;
    long v;

    if ( !*s || isspace((unsigned char)*s) )
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if ( errno || *end )
        return -EINVAL;
    *out = v;
    return 0;
}

static int replace(char **slot, const char *value)
{
    char *copy = strdup(value);

    if ( !copy )
        return -ENOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

static int store(pvr_pvxl_opts *opts, int key, long num, const char *value)
{
    switch ( key )
    {
    case PVR_PVXL_KEY_PARAVISOR:  opts->enabled = (int)num; return 0;
    case PVR_PVXL_KEY_MEMORY:     opts->memory_mib = num; return 0;
    case PVR_PVXL_KEY_VCPUS:      opts->vcpus = num; return 0;
    case PVR_PVXL_KEY_VTPM:       opts->vtpm = (int)num; return 0;
    case PVR_PVXL_KEY_TIMEOUT:    opts->timeout_s = num; return 0;
    case PVR_PVXL_KEY_KERNEL:     return replace(&opts->kernel, value);
    case PVR_PVXL_KEY_RAMDISK:    return replace(&opts->ramdisk, value);
    case PVR_PVXL_KEY_CMDLINE:    return replace(&opts->cmdline, value);
    case PVR_PVXL_KEY_STATE_DISK: return replace(&opts->state_disk, value);
    case PVR_PVXL_KEY_LOG_LEVEL:  return replace(&opts->log_level, value);
    case PVR_PVXL_KEY_NVME:       return replace(&opts->nvme, value);
    case PVR_PVXL_KEY_NVME_SLOT:  return replace(&opts->nvme_slot, value);
    }
    return -EINVAL;
}

/*
 * The NVMe disk: an absolute path naming a regular file or a block
 * device of whole sectors.  0, or a positive errno value for a path that
 * cannot be used (*why then says what it is instead).
 */
static int check_disk(const char *value, const char **why)
{
    struct stat st;

    *why = NULL;
    if ( value[0] != '/' || strchr(value, '\n') )
        return EINVAL;
    if ( stat(value, &st) )
        return errno;
    if ( S_ISDIR(st.st_mode) )
        *why = "it is a directory";
    else if ( !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) )
        *why = "it is neither a regular file nor a block device";
    else if ( S_ISREG(st.st_mode) && (st.st_size == 0 || st.st_size % 512) )
        *why = st.st_size ? "its size is not a multiple of 512 bytes"
                          : "it is empty (make it with truncate -s SIZE)";
    return *why ? EINVAL : 0;
}

/* pvdomaind's --nvme-slot syntax (drivers/nvme/slot.h). */
int pvr_pvxl_slot_parse(const char *s, unsigned int *dev, unsigned int *fn)
{
    return pvr_nvme_slot_parse(s, dev, fn);
}

static int check_value(const struct key_desc *k, const char *value,
                       long *num)
{
    unsigned int dev, fn;
    const char *why;

    size_t i;

    switch ( k->kind )
    {
    case KIND_BOOL:
    case KIND_LONG:
        if ( parse_long(value, num) || *num < k->min || *num > k->max )
            return -EINVAL;
        return 0;
    case KIND_PATH:
        if ( !*value || strchr(value, '\n') )
            return -EINVAL;
        if ( k == &keys[PVR_PVXL_KEY_STATE_DISK] && value[0] != '/' )
            return -EINVAL;
        return 0;
    case KIND_STRING:
        return strchr(value, '\n') ? -EINVAL : 0;
    case KIND_DISK:
        return -check_disk(value, &why);
    case KIND_SLOT:
        return pvr_pvxl_slot_parse(value, &dev, &fn);
    case KIND_LEVEL:
        for ( i = 0; i < ARRAY_SIZE(levels); i++ )
            if ( !strcmp(value, levels[i]) )
                return 0;
        return -EINVAL;
    }
    return -EINVAL;
}

int pvr_pvxl_opt_set(pvr_pvxl_opts *opts, const char *name,
                     const char *value, pvr_pvxl_err *err)
{
    int key = pvr_pvxl_key_lookup(name);
    long num = 0;
    int rc;

    if ( key < 0 )
    {
        seterr(err, "unknown key \"%s\": the paravisor keys are %s", name,
               pvr_pvxl_key_list());
        return -ENOENT;
    }
    rc = check_value(&keys[key], value, &num);
    if ( rc && keys[key].kind == KIND_DISK && value[0] == '/' )
    {
        const char *why = NULL;

        check_disk(value, &why);
        seterr(err, "%s=\"%s\": %s: use %s", name, value,
               why ? why : strerror(-rc), keys[key].allowed);
        return -EINVAL;
    }
    if ( rc )
    {
        seterr(err, "%s=\"%s\" is not allowed: use %s", name, value,
               keys[key].allowed);
        return -EINVAL;
    }
    rc = store(opts, key, num, value);
    if ( rc )
    {
        seterr(err, "%s: out of memory", name);
        return rc;
    }
    opts->given |= 1u << key;
    return 0;
}

int pvr_pvxl_opts_check(const pvr_pvxl_opts *opts, pvr_pvxl_err *err)
{
    if ( opts->nvme_slot && !opts->nvme )
    {
        seterr(err, "paravisor_nvme_slot is set without paravisor_nvme: "
               "give the disk with paravisor_nvme, or drop the slot");
        return -EINVAL;
    }
    return 0;
}

int pvr_pvxl_action_parse(const char *key, const char *value,
                          enum pvr_pvxl_action *out, pvr_pvxl_err *err)
{
    size_t i;

    for ( i = 0; i < ARRAY_SIZE(action_names); i++ )
        if ( !strcmp(value, action_names[i]) )
        {
            *out = (enum pvr_pvxl_action)i;
            return 0;
        }
    for ( i = 0; i < ARRAY_SIZE(xl_only_actions); i++ )
        if ( !strcmp(value, xl_only_actions[i]) )
        {
            seterr(err, "%s=\"%s\" is not supported for a guest with a "
                   "paravisor: use destroy, restart or preserve", key, value);
            return -ENOTSUP;
        }
    seterr(err, "%s=\"%s\" is not an action: use destroy, restart or "
           "preserve", key, value);
    return -EINVAL;
}

const char *pvr_pvxl_action_name(enum pvr_pvxl_action a)
{
    if ( (unsigned int)a >= ARRAY_SIZE(action_names) )
        return "?";
    return action_names[a];
}

int pvr_pvxl_override_key(const char *override, char *buf, size_t len)
{
    const char *eq = strchr(override, '=');
    const char *s = override, *e;

    if ( !eq )
        return -EINVAL;
    e = eq;
    if ( e > s && e[-1] == '+' )
        e--;
    while ( s < e && isspace((unsigned char)*s) )
        s++;
    while ( e > s && isspace((unsigned char)e[-1]) )
        e--;
    if ( e == s || (size_t)(e - s) >= len )
        return -EINVAL;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    return 0;
}
