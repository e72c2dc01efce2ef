/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A last word on a fatal signal: which process, which signal and
 * address, and a backtrace with the executable's load address, so that
 * `addr2line -e pvdomaind <pc - base>` names the line even from a log
 * taken inside a guest's dom0.  Then the signal is re-raised with its
 * default action, so the exit status still tells the parent it died.
 */
#include <config.h>

#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"

static const char *crash_proc = "?";
static uintptr_t exe_base;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    /* The first object dl_iterate_phdr() reports is the executable. */
    *(uintptr_t *)data = info->dlpi_addr;
    return 1;
}

static void on_fatal(int sig, siginfo_t *si, void *ctx)
{
    void *pcs[32];
    char line[160];
    int n, len;

    (void)ctx;
    len = snprintf(line, sizeof(line),
                   "pvdomaind[%d]: %s: fatal signal %d at %p, "
                   "executable loaded at %#lx, backtrace:\n",
                   (int)getpid(), crash_proc, sig, si->si_addr,
                   (unsigned long)exe_base);
    if ( len > 0 && write(2, line, len) < 0 )
        (void)0;
    n = backtrace(pcs, 32);
    backtrace_symbols_fd(pcs, n, 2);
    signal(sig, SIG_DFL);
    raise(sig);
}

void pvr_crash_handler_install(const char *proc)
{
    static char altstack[64 * 1024];
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    struct sigaction sa;
    void *warm[1];
    unsigned int i;

    crash_proc = proc;
    dl_iterate_phdr(first_object, &exe_base);
    /* Load libgcc's unwinder now: the handler must not need malloc. */
    backtrace(warm, 1);
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for ( i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++ )
        sigaction(sigs[i], &sa, NULL);
}
