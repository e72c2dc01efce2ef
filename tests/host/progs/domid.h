/* SPDX-License-Identifier: GPL-2.0-only */
/* The dom0 test programs' parser of a guest's domid on the command line. */
#ifndef PVR_HOST_PROGS_DOMID_H
#define PVR_HOST_PROGS_DOMID_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* A domU's domid in decimal (1 to DOMID_FIRST_RESERVED - 1), or -EINVAL. */
static inline int parse_domid(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if ( errno || end == s || *end || s[0] == '-' || v == 0 || v >= 0x7ff0 )
        return -EINVAL;
    *out = v;
    return 0;
}

#endif /* PVR_HOST_PROGS_DOMID_H */
