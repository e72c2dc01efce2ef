/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of ioreqs.  Pure functions over private copies; the fuzz
 * target tests/fuzz/ioreq_decode.c drives them directly.
 */
#include <config.h>

#include <errno.h>

#include "ioreq/ioreq.h"

static int size_ok(unsigned int size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

int pvr_ioreq_decode(const pvr_ioreq_slot *slot, pvr_ioreq_req *out)
{
    uint8_t flags = slot->flags;
    uint64_t span;

    out->type = slot->type;
    out->read = flags & PVR_IOREQ_F_DIR_READ;
    out->data_is_ptr = flags & PVR_IOREQ_F_DATA_IS_PTR;
    out->df = flags & PVR_IOREQ_F_DF;
    out->size = slot->size;
    out->count = slot->count;
    out->addr = slot->addr;
    out->data = slot->data;

    switch ( out->type )
    {
    case PVR_IOREQ_TYPE_TIMEOFFSET:
    case PVR_IOREQ_TYPE_INVALIDATE:
        /* Notifications: nothing to access, nothing to check. */
        return 0;
    case PVR_IOREQ_TYPE_VSM:
        /*
         * Policy events: size and count carry VSM fields (the handler
         * checks them), but the shape is fixed: a read, by value.
         */
        if ( !out->read || out->data_is_ptr || out->df )
            return -EINVAL;
        return 0;
    case PVR_IOREQ_TYPE_PIO:
    case PVR_IOREQ_TYPE_COPY:
    case PVR_IOREQ_TYPE_PCI_CONFIG:
        break;
    default:
        return -EPROTO;
    }

    if ( !size_ok(out->size) )
        return -EINVAL;
    if ( out->type != PVR_IOREQ_TYPE_COPY && out->size > 4 )
        return -EINVAL;
    if ( out->count == 0 || out->count > PVR_IOREQ_MAX_REPS )
        return -E2BIG;
    span = (uint64_t)out->size * out->count;
    if ( out->data_is_ptr && span > PVR_IOREQ_MAX_PTR_BYTES )
        return -E2BIG;
    if ( out->type == PVR_IOREQ_TYPE_PCI_CONFIG && out->count != 1 )
        return -EINVAL;

    /* The device range touched must not wrap. */
    if ( out->type == PVR_IOREQ_TYPE_COPY )
    {
        uint64_t back = span - out->size;

        if ( out->df ? out->addr < back
                     : out->addr + span - 1 < out->addr )
            return -EINVAL;
    }
    else if ( out->type == PVR_IOREQ_TYPE_PIO &&
              out->addr + out->size - 1 > 0xffff )
        return -EINVAL;

    /* So must the guest buffer. */
    if ( out->data_is_ptr )
    {
        uint64_t back = span - out->size;

        if ( out->df ? out->data < back
                     : out->data + span - 1 < out->data )
            return -EINVAL;
    }
    return 0;
}

int pvr_ioreq_decode_buffered(const pvr_bufioreq_slot *lo,
                              const pvr_bufioreq_slot *hi,
                              pvr_ioreq_req *out)
{
    uint32_t w = lo->word0;

    out->type = PVR_BUFIOREQ_TYPE(w);
    out->read = PVR_BUFIOREQ_DIR(w);
    out->data_is_ptr = false;
    out->df = false;
    out->size = PVR_BUFIOREQ_SIZE(w);
    out->count = 1;
    out->addr = PVR_BUFIOREQ_ADDR(w);
    out->data = lo->data;

    if ( out->size == 8 )
    {
        if ( !hi )
            return -EPROTO;
        out->data |= (uint64_t)hi->data << 32;
    }

    switch ( out->type )
    {
    case PVR_IOREQ_TYPE_TIMEOFFSET:
        return out->read ? -EPROTO : 0;
    case PVR_IOREQ_TYPE_PIO:
        if ( out->size > 4 )
            return -EINVAL;
        break;
    case PVR_IOREQ_TYPE_COPY:
        break;
    default:
        return -EPROTO;
    }
    /* Xen never buffers reads: a buffered read cannot be answered. */
    if ( out->read )
        return -EPROTO;
    return 0;
}
