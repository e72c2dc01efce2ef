/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated xenstore: a flat table of nodes and a watch queue.
 *
 * Writes create missing parents, as xenstored does.  A change to a path
 * fires every watch on that path or on one of its parents; registering
 * a watch fires it once, as XS_WATCH does.  Permissions are recorded
 * nowhere: the sim has one client.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port/sim/sim_priv.h"

static struct sim_node *find_locked(pvr_sim *s, const char *path)
{
    unsigned int i;

    for ( i = 0; i < SIM_MAX_NODES; i++ )
        if ( s->node[i].path && !strcmp(s->node[i].path, path) )
            return &s->node[i];
    return NULL;
}

/* Is path equal to prefix or below it? */
static bool under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);

    return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

static void queue_event_locked(pvr_sim *s, const char *path,
                               const char *token)
{
    struct sim_event *e;
    uint64_t one = 1;

    if ( s->ev_len == SIM_MAX_EVENTS )
        return;     /* as xenstored: an overflowing queue drops events */
    e = &s->event[(s->ev_head + s->ev_len) % SIM_MAX_EVENTS];
    e->path = strdup(path);
    e->token = strdup(token);
    if ( !e->path || !e->token )
    {
        free(e->path);
        free(e->token);
        return;
    }
    s->ev_len++;
    if ( write(s->xs_fd, &one, sizeof(one)) < 0 )
        (void)0;
}

void sim__xs_fire_locked(pvr_sim *s, const char *path)
{
    unsigned int i;

    for ( i = 0; i < SIM_MAX_WATCHES; i++ )
    {
        struct sim_watch *w = &s->watch[i];

        if ( w->path && (path[0] == '@' ? !strcmp(path, w->path)
                                        : under(path, w->path)) )
            queue_event_locked(s, path, w->token);
    }
}

static int node_set_locked(pvr_sim *s, const char *path, const void *val,
                           size_t len)
{
    struct sim_node *n = find_locked(s, path);
    char *copy = malloc(len + 1);
    unsigned int i;

    if ( !copy )
        return -ENOMEM;
    memcpy(copy, val, len);
    copy[len] = '\0';
    if ( !n )
    {
        for ( i = 0; i < SIM_MAX_NODES && !n; i++ )
            if ( !s->node[i].path )
                n = &s->node[i];
        if ( !n || !(n->path = strdup(path)) )
        {
            free(copy);
            return -ENOSPC;
        }
    }
    else
        free(n->val);
    n->val = copy;
    n->len = len;
    sim__xs_fire_locked(s, path);
    return 0;
}

/* Create path and its missing parents with empty values. */
static int mkpath_locked(pvr_sim *s, const char *path, const void *val,
                         size_t len)
{
    char buf[PVR_XS_PATH_BUF];
    char *slash;
    int rc;

    if ( strlen(path) >= sizeof(buf) )
        return -EINVAL;
    strcpy(buf, path);
    /* One parent per '/': bounded by the path length. */
    for ( slash = strchr(buf + 1, '/'); slash; slash = strchr(slash + 1, '/') )
    {
        *slash = '\0';
        if ( !find_locked(s, buf) && (rc = node_set_locked(s, buf, "", 0)) )
            return rc;
        *slash = '/';
    }
    return node_set_locked(s, path, val, len);
}

int pvr_sim_xs_set_self(pvr_sim *s, uint32_t self)
{
    char val[16];
    int rc;

    snprintf(val, sizeof(val), "%u", self);
    pthread_mutex_lock(&s->lock);
    rc = node_set_locked(s, "domid", val, strlen(val));
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_read(pvr_port *p, const char *path, char **val_out,
                       size_t *len_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_node *n;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    n = find_locked(s, path);
    if ( !n )
        rc = -ENOENT;
    else if ( !(*val_out = malloc(n->len + 1)) )
        rc = -ENOMEM;
    else
    {
        memcpy(*val_out, n->val, n->len + 1);
        *len_out = n->len;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_write(pvr_port *p, const char *path, const void *val,
                        size_t len)
{
    pvr_sim *s = sim_of(p);
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = mkpath_locked(s, path, val, len);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_mkdir(pvr_port *p, const char *path)
{
    pvr_sim *s = sim_of(p);
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if ( !find_locked(s, path) )
        rc = mkpath_locked(s, path, "", 0);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_rm(pvr_port *p, const char *path)
{
    pvr_sim *s = sim_of(p);
    unsigned int i, removed = 0;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_NODES; i++ )
    {
        struct sim_node *n = &s->node[i];

        if ( n->path && under(n->path, path) )
        {
            free(n->path);
            free(n->val);
            *n = (struct sim_node){ 0 };
            removed++;
        }
    }
    if ( removed )
        sim__xs_fire_locked(s, path);
    pthread_mutex_unlock(&s->lock);
    /* As xs_rm(): removing a missing node succeeds. */
    return 0;
}

static int sim_xs_set_perms(pvr_port *p, const char *path,
                            const pvr_xs_perm perms[], unsigned int nr)
{
    pvr_sim *s = sim_of(p);
    int rc;

    (void)perms;
    (void)nr;
    pthread_mutex_lock(&s->lock);
    rc = find_locked(s, path) ? 0 : -ENOENT;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_watch(pvr_port *p, const char *path, const char *token,
                        bool add)
{
    pvr_sim *s = sim_of(p);
    unsigned int i;
    int rc = add ? -ENOSPC : -ENOENT;

    pthread_mutex_lock(&s->lock);
    for ( i = 0; i < SIM_MAX_WATCHES; i++ )
    {
        struct sim_watch *w = &s->watch[i];

        if ( add && !w->path )
        {
            w->path = strdup(path);
            w->token = strdup(token);
            if ( !w->path || !w->token )
            {
                free(w->path);
                free(w->token);
                *w = (struct sim_watch){ 0 };
                rc = -ENOMEM;
                break;
            }
            queue_event_locked(s, path, token);
            rc = 0;
            break;
        }
        if ( !add && w->path && !strcmp(w->path, path) &&
             !strcmp(w->token, token) )
        {
            free(w->path);
            free(w->token);
            *w = (struct sim_watch){ 0 };
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int sim_xs_fd(pvr_port *p)
{
    return sim_of(p)->xs_fd;
}

static int sim_xs_read_watch(pvr_port *p, char **path_out, char **token_out)
{
    pvr_sim *s = sim_of(p);
    struct sim_event *e;
    uint64_t v;
    int rc = -EAGAIN;

    pthread_mutex_lock(&s->lock);
    if ( s->ev_len > 0 )
    {
        e = &s->event[s->ev_head];
        s->ev_head = (s->ev_head + 1) % SIM_MAX_EVENTS;
        s->ev_len--;
        if ( read(s->xs_fd, &v, sizeof(v)) < 0 )
            (void)0;
        *path_out = e->path;
        *token_out = e->token;
        *e = (struct sim_event){ 0 };
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void sim__xs_dispose(pvr_sim *s)
{
    unsigned int i;

    for ( i = 0; i < SIM_MAX_NODES; i++ )
    {
        free(s->node[i].path);
        free(s->node[i].val);
    }
    for ( i = 0; i < SIM_MAX_WATCHES; i++ )
    {
        free(s->watch[i].path);
        free(s->watch[i].token);
    }
    for ( ; s->ev_len > 0; s->ev_len-- )
    {
        struct sim_event *e = &s->event[s->ev_head];

        free(e->path);
        free(e->token);
        s->ev_head = (s->ev_head + 1) % SIM_MAX_EVENTS;
    }
}

const struct pvr_xs_ops sim__xs_ops = {
    .read = sim_xs_read,
    .write = sim_xs_write,
    .mkdir = sim_xs_mkdir,
    .rm = sim_xs_rm,
    .set_perms = sim_xs_set_perms,
    .watch = sim_xs_watch,
    .fd = sim_xs_fd,
    .read_watch = sim_xs_read_watch,
};
