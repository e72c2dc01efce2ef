/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a guest's xl.cfg as xl does: the file's text with the KEY=VALUE
 * overrides appended as lines (xl_vmcontrol.c's extra_config), parsed by
 * libxlutil.  pvxl reads only name, type/builder and on_poweroff/
 * on_reboot/on_crash of the standard keys; xl itself reads the rest when
 * it creates the guest.  Our keys are found by scanning the same text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/pvxl/pvxl_priv.h"

struct scan_ctx {
    pvr_pvxl_config *cfg;
    XLU_Config *xlu;
    int file_newlines;
    int last_line[PVR_PVXL_KEY_COUNT];  /* 0: key not in the text */
    pvr_pvxl_err *err;
};

static int read_file(const char *path, char **out, size_t *len_out)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc = 0;

    if ( !f )
        return -errno;
    for ( ;; )
    {
        if ( cap - len < 4096 )
        {
            char *nb = realloc(buf, cap + 65536);

            if ( !nb )
            {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if ( n == 0 )
            break;
    }
    if ( ferror(f) )
        rc = -EIO;
 out:
    fclose(f);
    if ( rc )
    {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    *len_out = len;
    return 0;
}

/* text = file + "\n" + each override + "\n", as xl builds it. */
static int build_text(pvr_pvxl_config *cfg, char *file, size_t flen,
                      char *const *overrides, int n)
{
    size_t len = flen + 2;
    int i;
    char *t;

    for ( i = 0; i < n; i++ )
        len += strlen(overrides[i]) + 1;
    t = malloc(len + 1);
    if ( !t )
        return -ENOMEM;
    memcpy(t, file, flen);
    len = flen;
    t[len++] = '\n';
    for ( i = 0; i < n; i++ )
    {
        size_t ol = strlen(overrides[i]);

        memcpy(t + len, overrides[i], ol);
        len += ol;
        t[len++] = '\n';
    }
    t[len] = '\0';
    cfg->text = t;
    cfg->text_len = len;
    return 0;
}

static void where(const struct scan_ctx *sc, int line, char *buf,
                  size_t len)
{
    int o = line - sc->file_newlines - 2;

    if ( o >= 0 && sc->cfg->overrides[o] )
        snprintf(buf, len, "override \"%s\"", sc->cfg->overrides[o]);
    else
        snprintf(buf, len, "%s:%d", sc->cfg->path, line);
}

/* Unknown keys fail at once; known ones are checked after the scan. */
static int scan_one(const char *key, int line, void *arg)
{
    struct scan_ctx *sc = arg;
    char at[PVR_PVXL_ERRLEN / 2];
    pvr_pvxl_err e;
    int k = pvr_pvxl_key_lookup(key);

    if ( k >= 0 )
    {
        sc->last_line[k] = line;
        return 0;
    }
    where(sc, line, at, sizeof(at));
    pvr_pvxl_opt_set(&sc->cfg->opts, key, "", &e);
    pvxl__seterr(sc->err, "%s: %s", at, e.msg);
    return -EINVAL;
}

/*
 * Check each paravisor key once, with the value libxlutil returns (the
 * last assignment), blaming the line of that assignment.
 */
static int check_keys(struct scan_ctx *sc)
{
    char at[PVR_PVXL_ERRLEN / 2];
    pvr_pvxl_err e;
    const char *v;
    int k, r;

    for ( k = 0; k < PVR_PVXL_KEY_COUNT; k++ )
    {
        const char *key = pvr_pvxl_key_name(k);

        if ( !sc->last_line[k] )
            continue;
        where(sc, sc->last_line[k], at, sizeof(at));
        if ( xlu_cfg_get_string(sc->xlu, key, &v, 1) )
        {
            pvxl__seterr(sc->err, "%s: %s is a list: it takes a single "
                         "value", at, key);
            return -EINVAL;
        }
        r = pvr_pvxl_opt_set(&sc->cfg->opts, key, v, &e);
        if ( r )
        {
            pvxl__seterr(sc->err, "%s: %s", at, e.msg);
            return r == -ENOMEM ? r : -EINVAL;
        }
    }
    return 0;
}

static int read_type(pvr_pvxl_config *cfg, XLU_Config *xlu,
                     pvr_pvxl_err *err)
{
    const char *t, *b;
    bool has_t = !xlu_cfg_get_string(xlu, "type", &t, 1);
    bool has_b = !xlu_cfg_get_string(xlu, "builder", &b, 1);

    /* xl's default without type or builder is PV on x86. */
    cfg->type = PVR_PVXL_TYPE_PV;
    if ( has_b && !strcmp(b, "hvm") )
        cfg->type = PVR_PVXL_TYPE_HVM;
    if ( !has_t )
        return 0;
    if ( !strcmp(t, "hvm") )
        cfg->type = PVR_PVXL_TYPE_HVM;
    else if ( !strcmp(t, "pv") )
        cfg->type = PVR_PVXL_TYPE_PV;
    else if ( !strcmp(t, "pvh") )
        cfg->type = PVR_PVXL_TYPE_PVH;
    else
    {
        pvxl__seterr(err, "%s: type=\"%s\" is not a domain type: use "
                     "\"hvm\" (pv and pvh cannot have a paravisor)",
                     cfg->path, t);
        return -EINVAL;
    }
    return 0;
}

static int read_name(pvr_pvxl_config *cfg, XLU_Config *xlu,
                     pvr_pvxl_err *err)
{
    const char *n;

    if ( xlu_cfg_get_string(xlu, "name", &n, 1) || !*n )
    {
        pvxl__seterr(err, "%s: name is missing: set name=\"...\"",
                     cfg->path);
        return -EINVAL;
    }
    if ( strchr(n, '/') || n[0] == '.' || strlen(n) > 100 )
    {
        pvxl__seterr(err, "%s: name=\"%s\" cannot name the pair's files: "
                     "use at most 100 characters, no '/', no leading '.'",
                     cfg->path, n);
        return -EINVAL;
    }
    cfg->name = strdup(n);
    return cfg->name ? 0 : -ENOMEM;
}

static int read_actions(pvr_pvxl_config *cfg, XLU_Config *xlu,
                        pvr_pvxl_err *err)
{
    static const char *const names[] = { "on_poweroff", "on_reboot",
                                         "on_crash" };
    static const char *const defaults[] = { "destroy", "restart",
                                            "destroy" };
    enum pvr_pvxl_action *slots[] = { &cfg->on_poweroff, &cfg->on_reboot,
                                      &cfg->on_crash };
    pvr_pvxl_err e;
    const char *v;
    size_t i;
    int rc;

    for ( i = 0; i < ARRAY_SIZE(names); i++ )
    {
        if ( xlu_cfg_get_string(xlu, names[i], &v, 1) )
            v = defaults[i];
        rc = pvr_pvxl_action_parse(names[i], v, slots[i], &e);
        if ( rc )
        {
            pvxl__seterr(err, "%s: %s", cfg->path, e.msg);
            return -EINVAL;
        }
    }
    return 0;
}

/* Paravisor keys make sense on HVM guests only. */
static int check_type(pvr_pvxl_config *cfg, pvr_pvxl_err *err)
{
    unsigned int others = cfg->opts.given & ~(1u << PVR_PVXL_KEY_PARAVISOR);
    char keys[256] = "";
    size_t off = 0;
    int k, n = 0;

    if ( cfg->type == PVR_PVXL_TYPE_HVM || !cfg->opts.enabled )
        return 0;
    for ( k = 0; k < PVR_PVXL_KEY_COUNT; k++ )
        if ( (others & (1u << k)) && off < sizeof(keys) )
        {
            off += (size_t)snprintf(keys + off, sizeof(keys) - off, "%s%s",
                                    n ? ", " : "", pvr_pvxl_key_name(k));
            n++;
        }
    pvxl__seterr(err, "%s: %s %s on a type=\"%s\" guest: a paravisor pairs "
                 "with HVM guests only (use type=\"hvm\", or paravisor=0 "
                 "to create it as xl would)", cfg->path,
                 n ? keys : "a paravisor (the default)",
                 n > 1 ? "are set" : n ? "is set" : "is asked for",
                 cfg->type == PVR_PVXL_TYPE_PV ? "pv" : "pvh");
    return -EINVAL;
}

int pvr_pvxl_config_load(pvr_pvxl_config *cfg, const char *path,
                         char *const *overrides, int n,
                         const char *image_dir, pvr_pvxl_err *err)
{
    struct scan_ctx sc = { .cfg = cfg, .err = err };
    XLU_Config *xlu = NULL;
    pvr_pvxl_err e;
    char *file = NULL;
    size_t flen = 0, i;
    int rc, r;

    memset(cfg, 0, sizeof(*cfg));
    rc = pvr_pvxl_opts_init(&cfg->opts, image_dir);
    if ( rc )
        goto nomem;
    cfg->path = strdup(path);
    cfg->overrides = calloc((size_t)n + 1, sizeof(char *));
    if ( !cfg->path || !cfg->overrides )
        goto nomem;
    for ( r = 0; r < n; r++ )
        if ( !(cfg->overrides[r] = strdup(overrides[r])) )
            goto nomem;

    r = read_file(path, &file, &flen);
    if ( r )
    {
        pvxl__seterr(err, "cannot read %s: %s", path, strerror(-r));
        rc = r == -ENOMEM ? r : -ENOENT;
        goto out;
    }
    for ( i = 0; i < flen; i++ )
        sc.file_newlines += file[i] == '\n';
    rc = build_text(cfg, file, flen, overrides, n);
    if ( rc )
        goto nomem;

    xlu = xlu_cfg_init(stderr, path);
    if ( !xlu )
        goto nomem;
    sc.xlu = xlu;
    if ( xlu_cfg_readdata(xlu, cfg->text, (int)cfg->text_len) )
    {
        pvxl__seterr(err, "%s: xl cannot parse it (libxlutil's message is "
                     "above)", path);
        rc = -EINVAL;
        goto out;
    }
    rc = read_name(cfg, xlu, err);
    if ( !rc )
        rc = read_type(cfg, xlu, err);
    if ( !rc )
        rc = pvr_pvxl_scan(cfg->text, cfg->text_len, scan_one, &sc);
    if ( !rc )
        rc = check_keys(&sc);
    if ( !rc )
        rc = check_type(cfg, err);
    if ( !rc && pvr_pvxl_opts_check(&cfg->opts, &e) )
    {
        pvxl__seterr(err, "%s: %s", path, e.msg);
        rc = -EINVAL;
    }
    if ( !rc && cfg->opts.enabled )
        rc = read_actions(cfg, xlu, err);
    goto out;

 nomem:
    pvxl__seterr(err, "out of memory reading %s", path);
    rc = -ENOMEM;
 out:
    if ( xlu )
        xlu_cfg_destroy(xlu);
    free(file);
    if ( rc )
        pvr_pvxl_config_dispose(cfg);
    return rc;
}

void pvr_pvxl_config_dispose(pvr_pvxl_config *cfg)
{
    char **o;

    if ( !cfg )
        return;
    if ( cfg->overrides )
        for ( o = cfg->overrides; *o; o++ )
            free(*o);
    free(cfg->overrides);
    free(cfg->path);
    free(cfg->text);
    free(cfg->name);
    pvr_pvxl_opts_dispose(&cfg->opts);
    memset(cfg, 0, sizeof(*cfg));
}
