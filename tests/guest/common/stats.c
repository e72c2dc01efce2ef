/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sample statistics for the guests' benchmarks: an in-place heap sort
 * (no allocation, O(n log n) for the 10,000-sample stress runs), the
 * nearest-rank percentile, and the one "bench:" line format the host
 * jobs parse (tests/host/lib/xen.sh, bench_field).
 */
#include "guest.h"

static void sift(uint64_t *v, unsigned int root, unsigned int n)
{
    unsigned int child;
    uint64_t x;

    while ( (child = 2 * root + 1) < n )
    {
        if ( child + 1 < n && v[child + 1] > v[child] )
            child++;
        if ( v[root] >= v[child] )
            return;
        x = v[root];
        v[root] = v[child];
        v[child] = x;
        root = child;
    }
}

void gtf_sort(uint64_t *v, unsigned int n)
{
    unsigned int i;
    uint64_t x;

    for ( i = n / 2; i-- > 0; )
        sift(v, i, n);
    for ( i = n; i-- > 1; )
    {
        x = v[0];
        v[0] = v[i];
        v[i] = x;
        sift(v, 0, i);
    }
}

uint64_t gtf_percentile(const uint64_t *v, unsigned int n, unsigned int pct)
{
    unsigned int rank = (n * pct + 99) / 100;

    return v[rank ? rank - 1 : 0];
}

void gtf_bench_report(const char *name, uint64_t *v, unsigned int n)
{
    uint64_t total = 0;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        total += v[i];
    gtf_sort(v, n);
    printk("bench: %s n=%u total_cycles=%llu p50=%llu p99=%llu\n", name, n,
           (unsigned long long)total,
           (unsigned long long)gtf_percentile(v, n, 50),
           (unsigned long long)gtf_percentile(v, n, 99));
}
