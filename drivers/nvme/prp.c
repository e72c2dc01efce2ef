/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A command's data in guest memory: PRP entries and lists.
 *
 * nvme__prp_map() turns PRP1/PRP2 into guest-physical runs for len
 * bytes (len bounded by the caller: MDTS, or the size of an admin
 * structure).  PRP1 may start anywhere dword-aligned in a page; every
 * later entry must be page-aligned; PRP2 is the second page when two
 * pages are enough, else a qword-aligned pointer to a PRP list whose
 * last entry in each page, when more entries are needed, points to the
 * next list page (which must be page-aligned).  List entries are read
 * through pvr_port_guest_read, once each, only as many as len needs.
 * Runs that continue each other are merged, so a contiguous buffer is
 * copied with one port call.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define PRP_PER_PAGE (NVME_PAGE / 8)

static void add(struct nvme_cmd *c, uint64_t gpa, uint32_t len)
{
    struct nvme_seg *last = c->nr_seg ? &c->seg[c->nr_seg - 1] : NULL;

    if ( last && last->gpa + last->len == gpa )
    {
        last->len += len;
        return;
    }
    /* Bounded: len / NVME_PAGE + 1 entries never exceed the array. */
    c->seg[c->nr_seg++] = (struct nvme_seg){ gpa, len };
}

/* Read a PRP list's data entries for pages more pages. */
static uint16_t walk_list(pvr_nvme *n, struct nvme_cmd *c, uint64_t list,
                          uint32_t rem)
{
    uint64_t ent[PRP_PER_PAGE];
    unsigned int pages = (rem + NVME_PAGE - 1) / NVME_PAGE;
    unsigned int hops = 0;

    if ( list & 7 )
        return NVME_SC_PRP_OFFSET | NVME_SC_DNR;
    /* Each list page yields at least one data entry: hops <= pages. */
    while ( pages && hops++ <= NVME_MAX_SEGS )
    {
        unsigned int room = (NVME_PAGE - (list & (NVME_PAGE - 1))) / 8;
        unsigned int take = pages <= room ? pages : room;
        bool chain = pages > room;
        unsigned int i, data = chain ? take - 1 : take;

        if ( pvr_port_guest_read(n->port, n->domid, list, ent, take * 8) )
            return NVME_SC_DATA_XFER;
        for ( i = 0; i < data; i++ )
        {
            uint64_t e = ent[i];
            uint32_t len = rem < NVME_PAGE ? rem : NVME_PAGE;

            if ( e & (NVME_PAGE - 1) )
                return NVME_SC_PRP_OFFSET | NVME_SC_DNR;
            add(c, e, len);
            rem -= len;
        }
        pages -= data;
        if ( !chain )
            break;
        list = ent[take - 1];
        if ( list & (NVME_PAGE - 1) )
            return NVME_SC_PRP_OFFSET | NVME_SC_DNR;
    }
    return pages ? NVME_SC_DATA_XFER : NVME_SC_SUCCESS;
}

uint16_t nvme__prp_map(pvr_nvme *n, struct nvme_cmd *c, uint32_t len)
{
    uint64_t prp1 = c->dw[6] | ((uint64_t)c->dw[7] << 32);
    uint64_t prp2 = c->dw[8] | ((uint64_t)c->dw[9] << 32);
    uint32_t first;

    c->nr_seg = 0;
    c->xfer_len = len;
    if ( len == 0 )
        return NVME_SC_SUCCESS;
    if ( len > PVR_NVME_MDTS_BYTES )
        return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
    if ( prp1 & 3 )
        return NVME_SC_PRP_OFFSET | NVME_SC_DNR;
    first = NVME_PAGE - (prp1 & (NVME_PAGE - 1));
    if ( first > len )
        first = len;
    add(c, prp1, first);
    len -= first;
    if ( len == 0 )
        return NVME_SC_SUCCESS;
    if ( len <= NVME_PAGE )
    {
        if ( prp2 & (NVME_PAGE - 1) )
            return NVME_SC_PRP_OFFSET | NVME_SC_DNR;
        add(c, prp2, len);
        return NVME_SC_SUCCESS;
    }
    return walk_list(n, c, prp2, len);
}

uint16_t nvme__from_guest(pvr_nvme *n, struct nvme_cmd *c, void *buf)
{
    uint8_t *p = buf;
    unsigned int i;

    for ( i = 0; i < c->nr_seg; i++ )
    {
        if ( pvr_port_guest_read(n->port, n->domid, c->seg[i].gpa, p,
                                 c->seg[i].len) )
        {
            PVR_LOG_GUEST(COMP, "data at %#lx+%u not readable",
                          (unsigned long)c->seg[i].gpa, c->seg[i].len);
            return NVME_SC_DATA_XFER;
        }
        p += c->seg[i].len;
    }
    return NVME_SC_SUCCESS;
}

uint16_t nvme__to_guest(pvr_nvme *n, struct nvme_cmd *c, const void *buf)
{
    const uint8_t *p = buf;
    unsigned int i;

    for ( i = 0; i < c->nr_seg; i++ )
    {
        if ( pvr_port_guest_write(n->port, n->domid, c->seg[i].gpa, p,
                                  c->seg[i].len) )
        {
            PVR_LOG_GUEST(COMP, "data at %#lx+%u not writable",
                          (unsigned long)c->seg[i].gpa, c->seg[i].len);
            return NVME_SC_DATA_XFER;
        }
        p += c->seg[i].len;
    }
    return NVME_SC_SUCCESS;
}
