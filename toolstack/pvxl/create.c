/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pvxl create` and `pvxl shutdown|reboot`: the command-line side.  The
 * pair itself is made by pvr_pvxl_pair_create(); this file parses the
 * options, hands paravisor=0 configurations to xl unchanged, saves the
 * configuration for restarts and starts the pair's monitor (a detached
 * child logging to /var/log/pvdomain/<name>.log, or this process with -F).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"
#include "toolstack/pvxl/cli.h"

struct create_args {
    bool paused, console, foreground;
    long timeout_s;            /* 0: from the cfg */
    char *cfg;
    char **overrides;
    int n;
};

static int parse_create(int argc, char **argv, struct create_args *a)
{
    char *end;
    int c, i;

    memset(a, 0, sizeof(*a));
    optind = 1;
    while ( (c = getopt(argc, argv, "+pcFt:h")) != -1 )
    {
        switch ( c )
        {
        case 'p': a->paused = true; break;
        case 'c': a->console = true; break;
        case 'F': a->foreground = true; break;
        case 't':
            a->timeout_s = strtol(optarg, &end, 10);
            if ( *end || !*optarg || a->timeout_s < 5 ||
                 a->timeout_s > 3600 )
            {
                fprintf(stderr, "pvxl: create: -t \"%s\": use a whole "
                        "number of seconds from 5 to 3600\n", optarg);
                return 2;
            }
            break;
        default:
            return 2;
        }
    }
    if ( a->console && a->foreground )
    {
        fprintf(stderr, "pvxl: create: -c and -F exclude each other (-F "
                "keeps this terminal for the monitor)\n");
        return 2;
    }
    if ( optind >= argc )
    {
        fprintf(stderr, "pvxl: create: no configuration file given\n");
        return 2;
    }
    a->cfg = argv[optind++];
    a->overrides = argv + optind;
    a->n = argc - optind;
    for ( i = 0; i < a->n; i++ )
        if ( !strchr(a->overrides[i], '=') )
        {
            fprintf(stderr, "pvxl: create: \"%s\" is not KEY=VALUE\n",
                    a->overrides[i]);
            return 2;
        }
    return 0;
}

/* paravisor=0: exactly `xl create`, without the paravisor overrides. */
static int plain_xl(const struct create_args *a)
{
    char **argv = calloc((size_t)a->n + 6, sizeof(char *));
    char key[128];
    int n = 0, i;

    if ( !argv )
        return 1;
    argv[n++] = (char *)"xl";
    argv[n++] = (char *)"create";
    if ( a->paused )
        argv[n++] = (char *)"-p";
    if ( a->console )
        argv[n++] = (char *)"-c";
    argv[n++] = a->cfg;
    for ( i = 0; i < a->n; i++ )
        if ( pvr_pvxl_override_key(a->overrides[i], key, sizeof(key)) ||
             strncmp(key, "paravisor", 9) )
            argv[n++] = a->overrides[i];
    argv[n] = NULL;
    execvp("xl", argv);
    fprintf(stderr, "pvxl: create: cannot run xl: %s\n", strerror(errno));
    free(argv);
    return 1;
}

static int save_cfg(const pvr_pvxl_config *cfg)
{
    char path[256];
    int fd, ok;

    pvxl__savedcfg(cfg->name, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if ( fd < 0 )
        return -errno;
    ok = write(fd, cfg->text, cfg->text_len) == (ssize_t)cfg->text_len;
    close(fd);
    return ok ? 0 : -EIO;
}

static void write_pid(const char *name)
{
    char path[256];
    FILE *f;

    pvxl__pidfile(name, path, sizeof(path));
    f = fopen(path, "w");
    if ( f )
    {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

/* The detached monitor: returns in the parent once the pidfile exists. */
static int spawn_monitor(pvr_pvxl_config *cfg, uint32_t g, uint32_t p)
{
    char log[256], c = 0;
    int pfd[2], fd;
    pvr_pvxl *px;
    pvr_pvxl_err err;
    pid_t pid;

    if ( pipe(pfd) )
        return -errno;
    fflush(NULL);
    pid = fork();
    if ( pid < 0 )
        return -errno;
    if ( pid > 0 )
    {
        close(pfd[1]);
        if ( read(pfd[0], &c, 1) != 1 )
            c = 0;
        close(pfd[0]);
        return c == 'R' ? 0 : -EIO;
    }
    close(pfd[0]);
    /* A daemon: keep no descriptor of the caller's (a pipe it reads). */
    for ( fd = 3; fd < 1024; fd++ )
        if ( fd != pfd[1] )
            close(fd);
    setsid();
    if ( chdir("/") )
        _exit(1);
    snprintf(log, sizeof(log), "%s/%s.log", PVR_PVXL_LOG_DIR, cfg->name);
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if ( fd < 0 )
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    fd = open("/dev/null", O_RDONLY);
    dup2(fd, 0);
    close(fd);
    if ( pvr_pvxl_open(&px, &err) )
    {
        pvr_pvxl_logf("monitor of %s: %s", cfg->name, err.msg);
        _exit(1);
    }
    write_pid(cfg->name);
    if ( write(pfd[1], "R", 1) != 1 )
        _exit(1);
    close(pfd[1]);
    fd = pvr_pvxl_monitor_run(px, cfg, g, p) ? 1 : 0;
    pvr_pvxl_close(px);
    pvr_pvxl_config_dispose(cfg);
    _exit(fd);
}

static int after_create(pvr_pvxl *px, pvr_pvxl_config *cfg,
                        const struct create_args *a, uint32_t g, uint32_t p)
{
    char id[16];
    int r;

    r = save_cfg(cfg);
    if ( r )
        fprintf(stderr, "pvxl: create: warning: cannot save the cfg for "
                "restarts in %s: %s\n", PVR_PVXL_RUN_DIR, strerror(-r));
    printf("pvxl: %s: guest %u, paravisor %u ready%s\n", cfg->name, g, p,
           a->paused ? " (guest paused)" : "");
    if ( a->foreground )
    {
        r = pvr_pvxl_monitor_run(px, cfg, g, p);
        pvr_pvxl_close(px);
        return r ? 1 : 0;
    }
    pvr_pvxl_close(px);
    r = spawn_monitor(cfg, g, p);
    if ( r )
        fprintf(stderr, "pvxl: create: warning: the monitor of %s did not "
                "start (see %s/%s.log)\n", cfg->name, PVR_PVXL_LOG_DIR,
                cfg->name);
    if ( !a->console )
        return 0;
    snprintf(id, sizeof(id), "%u", g);
    fflush(NULL);
    execlp("xl", "xl", "console", id, (char *)NULL);
    fprintf(stderr, "pvxl: create: cannot run xl console: %s\n",
            strerror(errno));
    return 1;
}

int pvxl_cmd_create(int argc, char **argv, const char *image_dir)
{
    struct create_args a;
    pvr_pvxl_config cfg;
    pvr_pvxl *px = NULL;
    pvr_pvxl_err err;
    uint32_t g, p;
    int rc;

    rc = parse_create(argc, argv, &a);
    if ( rc )
        return rc;
    if ( pvr_pvxl_config_load(&cfg, a.cfg, a.overrides, a.n, image_dir,
                              &err) )
    {
        fprintf(stderr, "pvxl: create: %s\n", err.msg);
        return 1;
    }
    if ( !cfg.opts.enabled )
    {
        pvr_pvxl_config_dispose(&cfg);
        return plain_xl(&a);
    }
    if ( a.timeout_s )
        cfg.opts.timeout_s = a.timeout_s;
    if ( (mkdir(PVR_PVXL_RUN_DIR, 0755) && errno != EEXIST) ||
         (mkdir(PVR_PVXL_LOG_DIR, 0750) && errno != EEXIST) )
    {
        fprintf(stderr, "pvxl: create: cannot create %s or %s: %s\n",
                PVR_PVXL_RUN_DIR, PVR_PVXL_LOG_DIR, strerror(errno));
        rc = 1;
    }
    else if ( pvr_pvxl_open(&px, &err) ||
              pvr_pvxl_pair_create(px, &cfg, a.paused ?
                                   PVR_PVXL_CREATE_PAUSED : 0, &g, &p,
                                   &err) )
    {
        fprintf(stderr, "pvxl: create %s: %s\n", cfg.name, err.msg);
        pvr_pvxl_close(px);
        rc = 1;
    }
    else
        rc = after_create(px, &cfg, &a, g, p);
    pvr_pvxl_config_dispose(&cfg);
    return rc;
}

static bool reboot_done(pvr_pvxl *px, const char *name, uint32_t old)
{
    pvr_pvxl_pair pair;
    pvr_pvxl_err err;

    if ( pvr_pvxl_pair_find(px, name, &pair, &err) )
        return false;
    return pair.guest != old && !strcmp(pair.state, "ready");
}

int pvxl_cmd_shutdown(pvr_pvxl *px, int argc, char **argv, int reboot)
{
    const char *what = reboot ? "reboot" : "shutdown";
    pvr_pvxl_pair pair;
    pvr_pvxl_err err;
    bool wait = false;
    int c, r, t;

    optind = 1;
    while ( (c = getopt(argc, argv, "+w")) != -1 )
    {
        if ( c != 'w' )
            return 2;
        wait = true;
    }
    if ( argc - optind != 1 )
    {
        fprintf(stderr, "pvxl: %s takes one NAME or DOMID\n", what);
        return 2;
    }
    if ( pvr_pvxl_pair_find(px, argv[optind], &pair, &err) )
    {
        fprintf(stderr, "pvxl: %s: %s\n", what, err.msg);
        return 1;
    }
    r = reboot ? libxl_domain_reboot(px->ctx, pair.guest, NULL)
               : libxl_domain_shutdown(px->ctx, pair.guest, NULL);
    if ( r == ERROR_NOPARAVIRT )
        r = libxl_send_trigger(px->ctx, pair.guest, reboot ?
                               LIBXL_TRIGGER_RESET : LIBXL_TRIGGER_POWER,
                               0, NULL);
    if ( r )
    {
        fprintf(stderr, "pvxl: %s: libxl could not ask guest %u (libxl "
                "error %d)\n", what, pair.guest, r);
        return 1;
    }
    /* Waiting is an interactive convenience: a poll each second. */
    for ( t = 0; wait && t < 1200; t++ )
    {
        if ( !reboot &&
             pvxl__dom_state(px, pair.guest, NULL, NULL) == PVXL_DOM_GONE &&
             pvxl__dom_state(px, pair.pv, NULL, NULL) == PVXL_DOM_GONE )
            return 0;
        if ( reboot && reboot_done(px, pair.name, pair.guest) )
            return 0;
        sleep(1);
    }
    if ( wait )
    {
        fprintf(stderr, "pvxl: %s: %s not done after 1200 s\n", what,
                pair.name);
        return 1;
    }
    return 0;
}
