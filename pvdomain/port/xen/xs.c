/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstore on libxenstore.  Unusable after restriction.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/xen/xen_priv.h"

static struct xs_handle *xsh_of(pvr_port *p)
{
    struct pvr_xen *x = xen_of(p);

    return x->restricted ? NULL : x->xsh;
}

/* libxenstore returns bool/NULL and sets errno. */
static int xs_rc(bool ok)
{
    return ok ? 0 : (errno ? -errno : -EIO);
}

static int xen_xs_read(pvr_port *p, const char *path, char **val_out,
                       size_t *len_out)
{
    struct xs_handle *xsh = xsh_of(p);
    unsigned int len = 0;
    char *v;

    if ( !xsh )
        return -EPERM;
    errno = 0;
    /* xs_read() NUL-terminates what it returns. */
    v = xs_read(xsh, XBT_NULL, path, &len);
    if ( !v )
        return xs_rc(false);
    *val_out = v;
    *len_out = len;
    return 0;
}

static int xen_xs_write(pvr_port *p, const char *path, const void *val,
                        size_t len)
{
    struct xs_handle *xsh = xsh_of(p);

    if ( !xsh )
        return -EPERM;
    errno = 0;
    return xs_rc(xs_write(xsh, XBT_NULL, path, val, len));
}

static int xen_xs_mkdir(pvr_port *p, const char *path)
{
    struct xs_handle *xsh = xsh_of(p);

    if ( !xsh )
        return -EPERM;
    errno = 0;
    return xs_rc(xs_mkdir(xsh, XBT_NULL, path));
}

static int xen_xs_rm(pvr_port *p, const char *path)
{
    struct xs_handle *xsh = xsh_of(p);

    if ( !xsh )
        return -EPERM;
    errno = 0;
    if ( xs_rm(xsh, XBT_NULL, path) || errno == ENOENT )
        return 0;
    return xs_rc(false);
}

static int xen_xs_set_perms(pvr_port *p, const char *path,
                            const pvr_xs_perm perms[], unsigned int nr)
{
    struct xs_handle *xsh = xsh_of(p);
    struct xs_permissions xp[64];
    unsigned int i;

    if ( !xsh )
        return -EPERM;
    /* port.c bounded nr to 64 and checked the bits. */
    for ( i = 0; i < nr; i++ )
    {
        xp[i].id = perms[i].domid;
        xp[i].perms = perms[i].perms;
    }
    errno = 0;
    return xs_rc(xs_set_permissions(xsh, XBT_NULL, path, xp, nr));
}

static int xen_xs_watch(pvr_port *p, const char *path, const char *token,
                        bool add)
{
    struct xs_handle *xsh = xsh_of(p);

    if ( !xsh )
        return -EPERM;
    errno = 0;
    return xs_rc(add ? xs_watch(xsh, path, token)
                     : xs_unwatch(xsh, path, token));
}

static int xen_xs_fd(pvr_port *p)
{
    struct xs_handle *xsh = xsh_of(p);

    return xsh ? xs_fileno(xsh) : -EPERM;
}

static int xen_xs_read_watch(pvr_port *p, char **path_out, char **token_out)
{
    struct xs_handle *xsh = xsh_of(p);
    char **vec;
    int rc = 0;

    if ( !xsh )
        return -EPERM;
    errno = 0;
    vec = xs_check_watch(xsh);
    if ( !vec )
        return errno == EAGAIN || errno == 0 ? -EAGAIN : -errno;
    *path_out = strdup(vec[XS_WATCH_PATH]);
    *token_out = strdup(vec[XS_WATCH_TOKEN]);
    if ( !*path_out || !*token_out )
    {
        free(*path_out);
        free(*token_out);
        *path_out = *token_out = NULL;
        rc = -ENOMEM;
    }
    free(vec);
    return rc;
}

const struct pvr_xs_ops xen__xs_ops = {
    .read = xen_xs_read,
    .write = xen_xs_write,
    .mkdir = xen_xs_mkdir,
    .rm = xen_xs_rm,
    .set_perms = xen_xs_set_perms,
    .watch = xen_xs_watch,
    .fd = xen_xs_fd,
    .read_watch = xen_xs_read_watch,
};
