/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal test reporter with the automake driver's exit codes, which
 * are XTF's results: 0 success, 77 skip, 99 error (the test itself or
 * its environment broke), 1 failure (the code under test is wrong).
 * The most severe result wins.  CHECK() records a failure and goes on,
 * so one run shows every broken expectation.
 */
#ifndef PVR_TEST_CHECK_H
#define PVR_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define PVR_TEST_PASS  0
#define PVR_TEST_FAIL  1
#define PVR_TEST_SKIP  77
#define PVR_TEST_ERROR 99

static int check_failures;
static int check_count;

#define CHECK(cond)                                                      \
    do {                                                                 \
        check_count++;                                                   \
        if ( !(cond) )                                                   \
        {                                                                \
            check_failures++;                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                    \
        }                                                                \
    } while ( 0 )

#define CHECK_EQ(a, b)                                                   \
    do {                                                                 \
        long long a_ = (long long)(a), b_ = (long long)(b);              \
        check_count++;                                                   \
        if ( a_ != b_ )                                                  \
        {                                                                \
            check_failures++;                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s "             \
                    "(%lld != %lld)\n", __FILE__, __LINE__, #a, #b,      \
                    a_, b_);                                             \
        }                                                                \
    } while ( 0 )

/* Abort the test as an ERROR: its environment is unusable. */
#define REQUIRE(cond)                                                    \
    do {                                                                 \
        if ( !(cond) )                                                   \
        {                                                                \
            fprintf(stderr, "%s:%d: ERROR: %s\n", __FILE__, __LINE__,    \
                    #cond);                                              \
            exit(PVR_TEST_ERROR);                                        \
        }                                                                \
    } while ( 0 )

static inline int check_result(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count,
           check_failures);
    return check_failures ? PVR_TEST_FAIL : PVR_TEST_PASS;
}

#endif /* PVR_TEST_CHECK_H */
