/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The handles (libxl, libxenctrl, xenstore) behind a pvr_pvxl, and small
 * helpers the other files share: error text, timestamped log lines,
 * domain state, running xl.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/pvxl/pvxl_priv.h"

void pvxl__seterr(pvr_pvxl_err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void pvr_pvxl_logf(const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ pvxl[%d]: ",
                          ts.tv_nsec / 1000000L, (int)getpid());
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    n = strlen(line);
    line[n++] = '\n';
    fflush(stdout);
    if ( write(2, line, n) < 0 )
        return;
}

void pvxl__pidfile(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.pid", PVR_PVXL_RUN_DIR, name);
}

void pvxl__savedcfg(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.cfg", PVR_PVXL_RUN_DIR, name);
}

int pvr_pvxl_open(pvr_pvxl **out, pvr_pvxl_err *err)
{
    pvr_pvxl *px = calloc(1, sizeof(*px));

    *out = NULL;
    if ( !px )
    {
        pvxl__seterr(err, "out of memory");
        return -ENOMEM;
    }
    px->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if ( !px->logger )
        goto fail;
    if ( libxl_ctx_alloc(&px->ctx, LIBXL_VERSION, 0,
                         (xentoollog_logger *)px->logger) )
        goto fail;
    px->xch = xc_interface_open((xentoollog_logger *)px->logger,
                                (xentoollog_logger *)px->logger, 0);
    if ( !px->xch )
        goto fail;
    px->xsh = xs_open(0);
    if ( !px->xsh )
        goto fail;
    *out = px;
    return 0;
 fail:
    pvxl__seterr(err, "cannot open Xen's toolstack libraries (is this dom0 "
                 "with xenstored running, and are you root?): %s",
                 strerror(errno));
    pvr_pvxl_close(px);
    return -EIO;
}

void pvr_pvxl_close(pvr_pvxl *px)
{
    if ( !px )
        return;
    if ( px->xsh )
        xs_close(px->xsh);
    if ( px->xch )
        xc_interface_close(px->xch);
    if ( px->ctx )
        libxl_ctx_free(px->ctx);
    if ( px->logger )
        xtl_logger_destroy((xentoollog_logger *)px->logger);
    free(px);
}

enum pvxl_dom_state pvxl__dom_state(pvr_pvxl *px, uint32_t domid,
                                    int *reason_out, bool *paused_out)
{
    enum pvxl_dom_state st = PVXL_DOM_ALIVE;
    libxl_dominfo info;

    libxl_dominfo_init(&info);
    if ( domid == UINT32_MAX ||
         libxl_domain_info(px->ctx, &info, domid) || info.dying )
        st = PVXL_DOM_GONE;
    else if ( info.shutdown )
        st = PVXL_DOM_SHUTDOWN;
    if ( reason_out )
        *reason_out = info.shutdown_reason;
    if ( paused_out )
        *paused_out = info.paused;
    libxl_dominfo_dispose(&info);
    return st;
}

/* A paravisor's NVMe vbd (vbd.c) goes with it, even if it died alone. */
int pvr_pvxl_domain_destroy(pvr_pvxl *px, uint32_t domid)
{
    libxl_dominfo info;
    int r;

    libxl_dominfo_init(&info);
    r = libxl_domain_info(px->ctx, &info, domid);
    libxl_dominfo_dispose(&info);
    if ( !r )
    {
        pvxl__vbd_before_destroy(px, domid);
        r = libxl_domain_destroy(px->ctx, domid, NULL) ? -EIO : 0;
    }
    else
        r = 0;
    pvxl__vbd_remove(px, domid);
    return r;
}

int pvxl__run(char *const argv[])
{
    pid_t pid, w;
    int status;

    fflush(NULL);
    pid = fork();
    if ( pid < 0 )
        return -errno;
    if ( pid == 0 )
    {
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        fprintf(stderr, "pvxl: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    do
        w = waitpid(pid, &status, 0);
    while ( w < 0 && errno == EINTR );
    if ( w < 0 )
        return -errno;
    if ( WIFEXITED(status) )
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
