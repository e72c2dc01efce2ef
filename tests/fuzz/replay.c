/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replays a fuzz corpus through a target's LLVMFuzzerTestOneInput():
 * every file named on the command line, or every file in a directory.
 * A crash or sanitizer report fails the test; otherwise it passes and
 * says how many inputs it ran.  With no arguments it looks for
 * $srcdir/tests/fuzz/corpus/<name>, name taken from PVR_FUZZ_CORPUS.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

#define REPLAY_MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
    static uint8_t buf[REPLAY_MAX_INPUT];
    FILE *f = fopen(path, "rb");
    size_t n;

    if ( !f )
    {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

static int run_path(const char *path, unsigned int *count)
{
    struct stat sb;
    struct dirent *de;
    DIR *d;
    char sub[4096];
    int rc = 0;

    if ( stat(path, &sb) < 0 )
    {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if ( !S_ISDIR(sb.st_mode) )
    {
        (*count)++;
        return run_file(path);
    }
    d = opendir(path);
    if ( !d )
        return -1;
    while ( (de = readdir(d)) != NULL && rc == 0 )
    {
        if ( de->d_name[0] == '.' )
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
        rc = run_path(sub, count);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    const char *srcdir = getenv("srcdir");
    const char *name = PVR_FUZZ_CORPUS;
    unsigned int count = 0;
    char dflt[4096];
    int i;

    if ( argc == 1 )
    {
        snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s",
                 srcdir ? srcdir : ".", name);
        if ( run_path(dflt, &count) )
            return 99;
    }
    for ( i = 1; i < argc; i++ )
        if ( run_path(argv[i], &count) )
            return 99;
    printf("replay %s: %u inputs, no crash\n", name, count);
    return count ? 0 : 99;
}
