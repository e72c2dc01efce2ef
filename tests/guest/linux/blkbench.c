/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvr-blkbench: block-device throughput inside the Linux test guest, for
 * tests/host/jobs-pending/nvme-bench.sh, which compares the paravisor's NVMe
 * with Xen's PV blkfront and QEMU's NVMe on one backing file.
 *
 *   pvr-blkbench DEV seqwrite|seqread OFFSET_MIB SIZE_MIB
 *   pvr-blkbench DEV randread OFFSET_MIB SIZE_MIB SECONDS [JOBS]
 *
 * Sequential: SIZE_MIB in 128 KiB requests from OFFSET_MIB, O_DIRECT,
 * one at a time (a write is followed by fdatasync, counted in its time).
 * Random: 4 KiB O_DIRECT reads at random 4 KiB offsets of the region for
 * SECONDS, by JOBS threads (default 1), each with one request in flight.
 * One line per run:
 *
 *   pvr-bench: DEV MODE bytes=N ops=N seconds=S MBps=X iops=Y
 *
 * Exit status 0, or 1 with a line naming the failed call.  Figures only:
 * the job computes ratios between devices measured in the same run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK  (128u * 1024)
#define RAND_BLOCK 4096u
#define MAX_JOBS   16u

struct job {
    const char *dev;
    uint64_t offset, size;      /* bytes */
    double seconds;
    uint64_t seed, ops;
    int err;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, const char *dev)
{
    fprintf(stderr, "pvr-blkbench: %s %s: %s\n", what, dev, strerror(errno));
    return 1;
}

static int open_dev(const char *dev, int flags)
{
    return open(dev, flags | O_DIRECT | O_CLOEXEC);
}

static int sequential(const char *dev, int write, uint64_t off, uint64_t size,
                      uint64_t *ops, double *secs)
{
    void *buf;
    uint64_t done;
    double t0;
    int fd, rc = 0;

    if ( posix_memalign(&buf, 4096, SEQ_BLOCK) )
        return fail("posix_memalign", dev);
    memset(buf, write ? 0x5a : 0, SEQ_BLOCK);
    fd = open_dev(dev, write ? O_WRONLY : O_RDONLY);
    if ( fd < 0 )
    {
        free(buf);
        return fail("open", dev);
    }
    t0 = now();
    for ( done = 0; done < size && rc == 0; done += SEQ_BLOCK, (*ops)++ )
    {
        ssize_t n = write ? pwrite(fd, buf, SEQ_BLOCK, (off_t)(off + done))
                          : pread(fd, buf, SEQ_BLOCK, (off_t)(off + done));

        if ( n != (ssize_t)SEQ_BLOCK )
            rc = fail(write ? "pwrite" : "pread", dev);
    }
    if ( rc == 0 && write && fdatasync(fd) )
        rc = fail("fdatasync", dev);
    *secs = now() - t0;
    close(fd);
    free(buf);
    return rc;
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64: enough to scatter offsets, the same in every run. */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *random_reads(void *opaque)
{
    struct job *j = opaque;
    uint64_t blocks = j->size / RAND_BLOCK;
    void *buf;
    double end;
    int fd;

    if ( posix_memalign(&buf, 4096, RAND_BLOCK) )
    {
        j->err = ENOMEM;
        return NULL;
    }
    fd = open_dev(j->dev, O_RDONLY);
    if ( fd < 0 )
    {
        j->err = errno;
        free(buf);
        return NULL;
    }
    end = now() + j->seconds;
    while ( now() < end )
    {
        uint64_t b = next_rand(&j->seed) % blocks;

        if ( pread(fd, buf, RAND_BLOCK, (off_t)(j->offset + b * RAND_BLOCK)) !=
             (ssize_t)RAND_BLOCK )
        {
            j->err = errno ? errno : EIO;
            break;
        }
        j->ops++;
    }
    close(fd);
    free(buf);
    return NULL;
}

static int parse(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if ( errno || end == s || *end || v > max )
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct job jobs[MAX_JOBS];
    pthread_t tid[MAX_JOBS];
    uint64_t off, size, secs = 0, njobs = 1, ops = 0, bytes, i;
    const char *dev, *mode;
    double t = 0;
    int rc = 0;

    if ( argc < 5 || parse(argv[3], 1u << 20, &off) ||
         parse(argv[4], 1u << 20, &size) || size == 0 ||
         (argc > 5 && parse(argv[5], 3600, &secs)) ||
         (argc > 6 && (parse(argv[6], MAX_JOBS, &njobs) || njobs == 0)) )
    {
        fprintf(stderr, "usage: pvr-blkbench DEV seqwrite|seqread OFFSET_MIB "
                "SIZE_MIB\n       pvr-blkbench DEV randread OFFSET_MIB "
                "SIZE_MIB SECONDS [JOBS (1-%u)]\n", MAX_JOBS);
        return 2;
    }
    dev = argv[1];
    mode = argv[2];
    off <<= 20;
    size <<= 20;
    if ( !strcmp(mode, "seqwrite") || !strcmp(mode, "seqread") )
    {
        rc = sequential(dev, mode[3] == 'w', off, size, &ops, &t);
        bytes = ops * SEQ_BLOCK;
    }
    else if ( !strcmp(mode, "randread") && secs > 0 )
    {
        for ( i = 0; i < njobs; i++ )
        {
            jobs[i] = (struct job){ .dev = dev, .offset = off, .size = size,
                                    .seconds = (double)secs,
                                    .seed = 0x9e3779b97f4a7c15ull * (i + 1) };
        }
        t = now();
        for ( i = 0; i < njobs; i++ )
            if ( pthread_create(&tid[i], NULL, random_reads, &jobs[i]) )
            {
                njobs = i;
                rc = fail("pthread_create", dev);
            }
        for ( i = 0; i < njobs; i++ )
        {
            pthread_join(tid[i], NULL);
            ops += jobs[i].ops;
            if ( jobs[i].err )
            {
                errno = jobs[i].err;
                rc = fail("random pread", dev);
            }
        }
        t = now() - t;
        bytes = ops * RAND_BLOCK;
    }
    else
    {
        fprintf(stderr, "pvr-blkbench: mode '%s': use seqwrite, seqread or "
                "randread (with SECONDS)\n", mode);
        return 2;
    }
    if ( rc )
        return rc;
    printf("pvr-bench: %s %s bytes=%llu ops=%llu seconds=%.3f MBps=%.2f "
           "iops=%.0f\n", dev, mode, (unsigned long long)bytes,
           (unsigned long long)ops, t, t > 0 ? (double)bytes / 1e6 / t : 0.0,
           t > 0 ? (double)ops / t : 0.0);
    return 0;
}
