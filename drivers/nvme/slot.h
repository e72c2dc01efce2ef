/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI function of the guest's NVMe controller, as users write it:
 * pvdomaind's --nvme-slot, the paravisor domain's xenstore nvme-slot
 * and xl.cfg's paravisor_nvme_slot all take "BB:DD.F", exactly two,
 * two and one hex digits, on bus 0, device 2 to 31 (0 and 1 are the
 * i440FX host bridge and the PIIX3 of Xen's HVM machine), function 0
 * to 7.  Header-only, so that pvxl's library uses the same rule
 * without linking pvdomaind's.
 */
#ifndef PVR_NVME_SLOT_H
#define PVR_NVME_SLOT_H

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PVR_NVME_DEFAULT_SLOT "00:05.0"

/* Parse s into *dev and *fn; -EINVAL (nothing written) if it is not a
 * slot the controller may take. */
static inline int pvr_nvme_slot_parse(const char *s, unsigned int *dev,
                                      unsigned int *fn)
{
    unsigned int b, d, f;
    size_t i;

    if ( strlen(s) != 7 || s[2] != ':' || s[5] != '.' )
        return -EINVAL;
    for ( i = 0; i < 7; i++ )
        if ( i != 2 && i != 5 && !isxdigit((unsigned char)s[i]) )
            return -EINVAL;
    if ( sscanf(s, "%2x:%2x.%1x", &b, &d, &f) != 3 || b != 0 ||
         d < 2 || d > 31 || f > 7 )
        return -EINVAL;
    *dev = d;
    *fn = f;
    return 0;
}

#endif
