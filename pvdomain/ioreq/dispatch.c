/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Carrying a validated ioreq to the device that owns its range.
 *
 * A rep access is split into count single-element callbacks.  For
 * data_is_ptr the guest buffer is copied in once before the device sees
 * any element (writes), or copied out once after all elements were read
 * (reads); it never stays mapped across callbacks.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ioreq/ioreq_priv.h"

#define COMP "ioreq"

static uint64_t ones(unsigned int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* The region wholly containing [first, last] in space sp, or NULL. */
static struct ioreq_region *find_region(pvr_ioreq_server *s,
                                        enum pvr_io_space sp,
                                        uint64_t first, uint64_t last)
{
    unsigned int i;

    for ( i = 0; i < s->nr_regions; i++ )
    {
        struct ioreq_region *r = &s->region[i];

        if ( r->present && r->space == sp && first >= r->base &&
             last <= r->last )
            return r;
    }
    return NULL;
}

static uint64_t elem_read(pvr_ioreq_server *s, struct ioreq_region *r,
                          uint64_t addr, unsigned int size)
{
    uint64_t v = 0;
    int rc;

    s->stats.elements++;
    rc = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size, &v)
                      : -EOPNOTSUPP;
    if ( rc )
    {
        s->stats.dev_errors++;
        return ones(size);
    }
    return v & ones(size);
}

static void elem_write(pvr_ioreq_server *s, struct ioreq_region *r,
                       uint64_t addr, unsigned int size, uint64_t v)
{
    int rc;

    s->stats.elements++;
    rc = r->ops->write ? r->ops->write(r->opaque, addr - r->base, size,
                                       v & ones(size))
                       : -EOPNOTSUPP;
    if ( rc )
        s->stats.dev_errors++;
}

/* Element i's device address: ports stay put, memory moves by size. */
static uint64_t dev_addr(const pvr_ioreq_req *req, uint32_t i)
{
    uint64_t step = (uint64_t)i * req->size;

    if ( req->type == PVR_IOREQ_TYPE_PIO )
        return req->addr;
    return req->df ? req->addr - step : req->addr + step;
}

/*
 * Offset of element i in the private copy of the guest buffer, whose
 * lowest address is buf_lo.
 */
static size_t buf_off(const pvr_ioreq_req *req, uint32_t i)
{
    return (size_t)(req->df ? req->count - 1 - i : i) * req->size;
}

static uint64_t get_le(const uint8_t *p, unsigned int size)
{
    uint64_t v = 0;
    unsigned int b;

    for ( b = 0; b < size; b++ )
        v |= (uint64_t)p[b] << (8 * b);
    return v;
}

static void put_le(uint8_t *p, unsigned int size, uint64_t v)
{
    unsigned int b;

    for ( b = 0; b < size; b++ )
        p[b] = v >> (8 * b);
}

static uint64_t dispatch_ptr(pvr_ioreq_server *s, struct ioreq_region *r,
                             const pvr_ioreq_req *req)
{
    size_t bytes = (size_t)req->size * req->count;
    uint64_t lo = req->df ? req->data - (bytes - req->size) : req->data;
    uint8_t *buf;
    uint32_t i;
    int rc;

    /* Bounded by PVR_IOREQ_MAX_PTR_BYTES in decode. */
    buf = malloc(bytes);
    if ( !buf )
    {
        s->stats.dev_errors++;
        return 0;
    }
    if ( !req->read )
    {
        rc = pvr_port_guest_read(s->port, s->domid, lo, buf, bytes);
        if ( rc )
            goto bad_buffer;
        for ( i = 0; i < req->count; i++ )
            elem_write(s, r, dev_addr(req, i), req->size,
                       get_le(buf + buf_off(req, i), req->size));
    }
    else
    {
        for ( i = 0; i < req->count; i++ )
            put_le(buf + buf_off(req, i), req->size,
                   elem_read(s, r, dev_addr(req, i), req->size));
        rc = pvr_port_guest_write(s->port, s->domid, lo, buf, bytes);
        if ( rc )
            goto bad_buffer;
    }
    free(buf);
    return 0;

 bad_buffer:
    PVR_LOG_GUEST(COMP, "%s: guest buffer %#lx+%zu not accessible: %s",
                  r->name, (unsigned long)lo, bytes, strerror(-rc));
    s->stats.invalid++;
    free(buf);
    return 0;
}

/*
 * A config-space access: addr is SBDF << 32 | register, count is 1
 * (decode checked).  Xen never passes config data by pointer.
 */
static uint64_t dispatch_pci(pvr_ioreq_server *s, const pvr_ioreq_req *req)
{
    uint32_t sbdf = req->addr >> 32;
    uint64_t reg = req->addr & 0xffffffffu;
    struct ioreq_pci *f = NULL;
    uint64_t v = 0;
    unsigned int i;
    int rc;

    for ( i = 0; i < s->nr_pci && !f; i++ )
        if ( s->pci[i].sbdf == sbdf )
            f = &s->pci[i];
    if ( !f )
    {
        /* No function served there: as an empty slot. */
        s->stats.unclaimed++;
        return req->read ? ones(req->size) : 0;
    }
    if ( req->data_is_ptr || reg + req->size > PVR_PCI_CFG_SIZE )
    {
        PVR_LOG_GUEST(COMP, "%s: config access %#lx size %u%s refused",
                      f->name, (unsigned long)reg, req->size,
                      req->data_is_ptr ? " by pointer" : "");
        s->stats.invalid++;
        return req->read ? ones(req->size) : 0;
    }
    s->stats.elements++;
    if ( req->read )
    {
        rc = f->ops->read ? f->ops->read(f->opaque, reg, req->size, &v)
                          : -EOPNOTSUPP;
        if ( rc )
        {
            s->stats.dev_errors++;
            return ones(req->size);
        }
        return v & ones(req->size);
    }
    rc = f->ops->write ? f->ops->write(f->opaque, reg, req->size,
                                       req->data & ones(req->size))
                       : -EOPNOTSUPP;
    if ( rc )
        s->stats.dev_errors++;
    return 0;
}

uint64_t ioreq__dispatch(pvr_ioreq_server *s, const pvr_ioreq_req *req)
{
    enum pvr_io_space sp;
    struct ioreq_region *r;
    uint64_t first, last, v = 0;
    uint32_t i;

    switch ( req->type )
    {
    case PVR_IOREQ_TYPE_PIO:
        sp = PVR_IO_PIO;
        break;
    case PVR_IOREQ_TYPE_COPY:
        sp = PVR_IO_MMIO;
        break;
    case PVR_IOREQ_TYPE_TIMEOFFSET:
        /* No RTC here: acknowledge and move on. */
        return 0;
    case PVR_IOREQ_TYPE_INVALIDATE:
        /* The guest's memory map changed: no cached mapping may stay. */
        pvr_port_mapcache_invalidate(s->port);
        s->stats.invalidations++;
        return 0;
    default:
        return dispatch_pci(s, req);
    }

    first = last = req->addr;
    if ( sp == PVR_IO_MMIO )
    {
        /* decode checked that neither end wraps. */
        uint64_t back = (uint64_t)req->size * (req->count - 1);

        first = req->df ? req->addr - back : req->addr;
        last = (req->df ? req->addr : req->addr + back) + req->size - 1;
    }
    else
        last = req->addr + req->size - 1;

    r = find_region(s, sp, first, last);
    if ( !r )
    {
        PVR_LOG_GUEST(COMP, "%s access %#lx-%#lx outside any region",
                      sp == PVR_IO_MMIO ? "mmio" : "pio",
                      (unsigned long)first, (unsigned long)last);
        s->stats.unclaimed++;
        return req->read ? ones(req->size) : 0;
    }

    if ( req->data_is_ptr )
        return dispatch_ptr(s, r, req);

    /* rep without a buffer: a write repeats its value, a read keeps the last. */
    for ( i = 0; i < req->count; i++ )
    {
        if ( req->read )
            v = elem_read(s, r, dev_addr(req, i), req->size);
        else
            elem_write(s, r, dev_addr(req, i), req->size, req->data);
    }
    return req->read ? v : 0;
}
