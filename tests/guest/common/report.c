/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The result model (see guest.h): the most severe report wins, the first
 * reason given at that severity is kept for the final line, and a test
 * that reported nothing ends in Error.
 *
 * Each non-success report is also printed at once, prefixed with its
 * severity, so that the log shows where in the run things went wrong.
 */
#include "guest.h"

#define REASON_MAX 120

static const char *const result_name[] = {
    [GTF_SUCCESS] = "SUCCESS",
    [GTF_SKIP]    = "SKIP",
    [GTF_ERROR]   = "ERROR",
    [GTF_FAILURE] = "FAILURE",
};

static bool reported;
static enum gtf_result status = GTF_SUCCESS;
static char reason[REASON_MAX];

static void report(enum gtf_result r, const char *fmt, va_list args)
{
    char msg[REASON_MAX];

    vsnprintf(msg, sizeof(msg), fmt, args);
    printk("%s: %s\n", result_name[r], msg);

    if ( !reported || r > status )
    {
        status = r;
        memcpy(reason, msg, sizeof(reason));
    }
    reported = true;
}

void gtf_success(void)
{
    if ( !reported )
        status = GTF_SUCCESS;
    reported = true;
}

void gtf_skip(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    report(GTF_SKIP, fmt, args);
    va_end(args);
}

void gtf_error(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    report(GTF_ERROR, fmt, args);
    va_end(args);
}

void gtf_failure(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    report(GTF_FAILURE, fmt, args);
    va_end(args);
}

bool gtf_ok(void)
{
    return status <= GTF_SKIP;
}

void gtf_exit(void)
{
    if ( !reported )
        gtf_error("test did not report a result");

    if ( status == GTF_SUCCESS )
        printk("Test result: SUCCESS\n");
    else
        printk("Test result: %s: %s\n", result_name[status], reason);

    gtf_shutdown(status);
}
