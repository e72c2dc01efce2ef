/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding, listing and destroying pairs.  A pair is found through
 * /local/domain/G/paravisor/domid (written by pvxl as dom0, so it can be
 * trusted as far as dom0's own writes go) or, from the paravisor's side,
 * /local/domain/P/paravisor/target.  The state shown comes from the
 * domains and from P's state/error nodes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"

#define NO_DOMID UINT32_MAX

static int parse_domid(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    if ( !*s || *s < '0' || *s > '9' )
        return -EINVAL;
    v = strtoul(s, &end, 10);
    if ( *end || v >= 0x7ff0 )
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

static int read_domid(pvr_pvxl *px, uint32_t d, const char *leaf,
                      uint32_t *out)
{
    char path[96], v[32];

    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/%s", d, leaf);
    if ( pvxl__xs_read(px, path, v, sizeof(v)) )
        return -ENOENT;
    return parse_domid(v, out);
}

/* The pid in NAME's pidfile if that process is a running pvxl, else 0. */
static long monitor_pid(const char *name)
{
    char path[256], comm[32] = "";
    long pid = 0;
    FILE *f;

    pvxl__pidfile(name, path, sizeof(path));
    f = fopen(path, "r");
    if ( !f )
        return 0;
    if ( fscanf(f, "%ld", &pid) != 1 || pid <= 1 )
        pid = 0;
    fclose(f);
    if ( !pid )
        return 0;
    snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    f = fopen(path, "r");
    if ( !f )
        return 0;
    if ( !fgets(comm, sizeof(comm), f) )
        comm[0] = '\0';
    fclose(f);
    return strncmp(comm, "pvxl", 4) ? 0 : pid;
}

static void fill_state(pvr_pvxl *px, pvr_pvxl_pair *p)
{
    char path[96], v[64];
    const char *st = "starting";
    enum pvxl_dom_state g = pvxl__dom_state(px, p->guest, NULL, NULL);
    char *name = libxl_domid_to_name(px->ctx, p->guest);

    snprintf(p->name, sizeof(p->name), "%s", name ? name : "-");
    free(name);
    snprintf(path, sizeof(path), "/local/domain/%u/paravisor/state", p->pv);
    if ( g == PVXL_DOM_GONE )
        st = "guest-gone";
    else if ( g == PVXL_DOM_SHUTDOWN )
        st = "shutdown";
    else if ( pvxl__dom_state(px, p->pv, NULL, NULL) != PVXL_DOM_ALIVE )
        st = "no-paravisor";
    else if ( !pvxl__xs_read(px, path, v, sizeof(v)) &&
              !strcmp(v, "ready") )
        st = "ready";
    else
    {
        snprintf(path, sizeof(path), "/local/domain/%u/paravisor/error",
                 p->pv);
        if ( !pvxl__xs_read(px, path, v, sizeof(v)) )
            st = "failed";
    }
    snprintf(p->state, sizeof(p->state), "%s", st);
    p->monitor_pid = monitor_pid(p->name);
}

int pvr_pvxl_pair_find(pvr_pvxl *px, const char *what, pvr_pvxl_pair *out,
                       pvr_pvxl_err *err)
{
    uint32_t d, other;

    memset(out, 0, sizeof(*out));
    if ( parse_domid(what, &d) && libxl_name_to_domid(px->ctx, what, &d) )
    {
        pvxl__seterr(err, "no domain named \"%s\"", what);
        return -ESRCH;
    }
    if ( !read_domid(px, d, "domid", &other) )
    {
        out->guest = d;
        out->pv = other;
    }
    else if ( !read_domid(px, d, "target", &other) )
    {
        out->guest = other;
        out->pv = d;
    }
    else
    {
        pvxl__seterr(err, "domain %s (%u) is not part of a pvxl pair: use xl",
                     what, d);
        return -ENOENT;
    }
    fill_state(px, out);
    return 0;
}

int pvr_pvxl_pair_list(pvr_pvxl *px, pvr_pvxl_pair **out, size_t *n_out)
{
    unsigned int n = 0, i;
    char **ents = xs_directory(px->xsh, XBT_NULL, "/local/domain", &n);
    pvr_pvxl_pair *pairs;
    size_t k = 0;

    *out = NULL;
    *n_out = 0;
    if ( !ents )
        return -errno;
    pairs = calloc(n ? n : 1, sizeof(*pairs));
    if ( !pairs )
    {
        free(ents);
        return -ENOMEM;
    }
    for ( i = 0; i < n; i++ )
    {
        uint32_t g, p;

        if ( parse_domid(ents[i], &g) || read_domid(px, g, "domid", &p) )
            continue;
        pairs[k].guest = g;
        pairs[k].pv = p;
        fill_state(px, &pairs[k]);
        k++;
    }
    free(ents);
    *out = pairs;
    *n_out = k;
    return 0;
}

/* NAME's pidfile and saved configuration. */
static void run_files_remove(const char *name)
{
    char path[256];

    pvxl__pidfile(name, path, sizeof(path));
    unlink(path);
    pvxl__savedcfg(name, path, sizeof(path));
    unlink(path);
}

/*
 * The monitor leads its own session (setsid), so its process group also
 * holds whatever it runs: an `xl create` of a pair being restarted.
 * SIGTERM ends a monitor waiting for events at once; one busy restarting
 * the pair has 10 s before the whole group is killed, so that nothing of
 * it goes on creating domains after we return.
 */
static void stop_monitor(long pid)
{
    int i;

    if ( !pid || kill((pid_t)pid, SIGTERM) )
        return;
    for ( i = 0; i < 100 && !kill((pid_t)pid, 0); i++ )
        nanosleep(&(struct timespec){ .tv_nsec = 100000000L }, NULL);
    kill(-(pid_t)pid, SIGKILL);
}

int pvr_pvxl_monitor_stop(const char *name)
{
    long pid = strchr(name, '/') ? 0 : monitor_pid(name);

    stop_monitor(pid);
    return pid ? 1 : 0;
}

int pvr_pvxl_leftovers_destroy(pvr_pvxl *px, const char *name)
{
    char pvname[160];
    const char *names[2] = { name, pvname };
    uint32_t d;
    int i, n = 0;

    if ( strchr(name, '/') )
        return 0;
    snprintf(pvname, sizeof(pvname), "%s-paravisor", name);
    for ( i = 0; i < 2; i++ )
        if ( !libxl_name_to_domid(px->ctx, names[i], &d) &&
             !pvr_pvxl_domain_destroy(px, d) )
            n++;
    run_files_remove(name);
    return n;
}

int pvr_pvxl_pair_destroy(pvr_pvxl *px, const pvr_pvxl_pair *pair,
                          pvr_pvxl_err *err)
{
    int rc = 0;

    stop_monitor(pair->monitor_pid);
    pvxl__xs_remove_pairing(px, pair->guest, pair->pv);
    if ( pair->pv != NO_DOMID && pvr_pvxl_domain_destroy(px, pair->pv) )
    {
        pvxl__seterr(err, "could not destroy the paravisor domain %u",
                     pair->pv);
        rc = -EIO;
    }
    if ( pvr_pvxl_domain_destroy(px, pair->guest) )
    {
        pvxl__seterr(err, "could not destroy the guest domain %u",
                     pair->guest);
        rc = -EIO;
    }
    if ( strcmp(pair->name, "-") )
        run_files_remove(pair->name);
    return rc;
}
