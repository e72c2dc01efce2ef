/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TIS (FIFO) driver; see tis.h for the protocol and the error contract.
 *
 * Bounds: each wait is a count of status reads.  A read of an emulated
 * register costs a trap to the hypervisor or QEMU and often a round trip
 * to the device model, so even on fast hardware TIS_POLLS_EXEC reads
 * take seconds, far longer than any command this test sends; under
 * nested emulation they take much longer still.
 */
#include "guest.h"
#include "tis.h"

#define TIS_POLLS_SHORT     200000u     /* Locality, commandReady, stsValid */
#define TIS_POLLS_EXEC      5000000u    /* Command execution. */

static uintptr_t reg(unsigned int loc, unsigned int offset)
{
    return TIS_BASE + loc * TIS_LOCALITY_STRIDE + offset;
}

bool tis_did_vid_valid(uint32_t did_vid)
{
    return did_vid != 0 && (did_vid & 0xffff) != 0xffff;
}

uint32_t tis_read_did_vid(void)
{
    return mmio_read32(reg(0, TIS_DID_VID));
}

int tis_probe(struct tis_info *info)
{
    info->did_vid = tis_read_did_vid();
    if ( !tis_did_vid_valid(info->did_vid) )
        return -ENODEV;
    info->rid = mmio_read8(reg(0, TIS_RID));
    info->interface_id = mmio_read32(reg(0, TIS_INTERFACE_ID));
    info->intf_capability = mmio_read32(reg(0, TIS_INTF_CAPABILITY));
    return 0;
}

uint32_t tis_sts(unsigned int loc)
{
    return mmio_read32(reg(loc, TIS_STS));
}

/* Waits until (STS & MASK) == WANT; returns the last STS read. */
static int wait_sts(unsigned int loc, uint32_t mask, uint32_t want,
                    uint32_t polls, uint32_t *sts_out)
{
    uint32_t sts;

    do {
        sts = tis_sts(loc);
        if ( (sts & mask) == want )
        {
            if ( sts_out )
                *sts_out = sts;
            return 0;
        }
        cpu_relax();
    } while ( --polls );

    if ( sts_out )
        *sts_out = sts;
    return -ETIMEDOUT;
}

int tis_wait_valid(unsigned int loc, uint32_t *sts_out)
{
    return wait_sts(loc, TIS_STS_VALID, TIS_STS_VALID, TIS_POLLS_SHORT,
                    sts_out);
}

int tis_request_locality(unsigned int loc)
{
    uint32_t polls = TIS_POLLS_SHORT;
    uint8_t access;

    mmio_write8(reg(loc, TIS_ACCESS), TIS_ACCESS_REQUEST_USE);
    do {
        access = mmio_read8(reg(loc, TIS_ACCESS));
        if ( (access & (TIS_ACCESS_VALID | TIS_ACCESS_ACTIVE)) ==
             (TIS_ACCESS_VALID | TIS_ACCESS_ACTIVE) )
            return 0;
        cpu_relax();
    } while ( --polls );

    return -ETIMEDOUT;
}

void tis_relinquish_locality(unsigned int loc)
{
    /* Writing 1 to activeLocality gives the locality up. */
    mmio_write8(reg(loc, TIS_ACCESS), TIS_ACCESS_ACTIVE);
}

void tis_abort(unsigned int loc)
{
    mmio_write8(reg(loc, TIS_STS), TIS_STS_COMMAND_READY);
}

int tis_command_ready(unsigned int loc)
{
    tis_abort(loc);
    return wait_sts(loc, TIS_STS_COMMAND_READY, TIS_STS_COMMAND_READY,
                    TIS_POLLS_SHORT, NULL);
}

void tis_go(unsigned int loc)
{
    mmio_write8(reg(loc, TIS_STS), TIS_STS_GO);
}

/*
 * Waits for a non-zero burstCount and returns it (0 on timeout).  The
 * count does not depend on stsValid, which only qualifies Expect and
 * dataAvail (QEMU leaves it clear in the Ready state).
 */
static uint32_t wait_burst(unsigned int loc, uint32_t *sts_out)
{
    uint32_t polls = TIS_POLLS_SHORT, sts;

    do {
        sts = tis_sts(loc);
        if ( TIS_STS_BURST(sts) )
            break;
        cpu_relax();
    } while ( --polls );

    *sts_out = sts;
    return polls ? TIS_STS_BURST(sts) : 0;
}

int tis_write(unsigned int loc, const uint8_t *buf, size_t len)
{
    uint32_t burst, sts;

    while ( len )
    {
        burst = wait_burst(loc, &sts);
        if ( !burst )
            return -ETIMEDOUT;
        for ( ; burst && len; burst--, len-- )
            mmio_write8(reg(loc, TIS_DATA_FIFO), *buf++);
    }
    return 0;
}

void tis_write_excess(unsigned int loc, const uint8_t *buf, size_t len)
{
    while ( len-- )
        mmio_write8(reg(loc, TIS_DATA_FIFO), *buf++);
}

/*
 * Writes a whole command, checking Expect against its size field: set
 * before the last byte, clear after it.
 */
static int send(unsigned int loc, const uint8_t *cmd, size_t len)
{
    uint32_t sts;
    int rc;

    if ( len < 2 )
        return -EINVAL;

    rc = tis_write(loc, cmd, len - 1);
    if ( !rc )
        rc = tis_wait_valid(loc, &sts);
    if ( rc )
        return rc;
    if ( !(sts & TIS_STS_EXPECT) )
        return -EPROTO;

    rc = tis_write(loc, cmd + len - 1, 1);
    if ( !rc )
        rc = tis_wait_valid(loc, &sts);
    if ( rc )
        return rc;
    return (sts & TIS_STS_EXPECT) ? -EPROTO : 0;
}

/* Reads LEN response bytes; dataAvail must stay set throughout. */
static int read_fifo(unsigned int loc, uint8_t *buf, size_t len)
{
    uint32_t burst, sts;

    while ( len )
    {
        burst = wait_burst(loc, &sts);
        if ( (sts & TIS_STS_VALID) && !(sts & TIS_STS_DATA_AVAIL) )
            return -EPROTO;     /* Response shorter than its size field. */
        if ( !burst )
            return -ETIMEDOUT;
        for ( ; burst && len; burst--, len-- )
            *buf++ = mmio_read8(reg(loc, TIS_DATA_FIFO));
    }
    return 0;
}

int tis_recv(unsigned int loc, uint8_t *rsp, size_t cap, size_t *rsp_len)
{
    const uint32_t avail = TIS_STS_VALID | TIS_STS_DATA_AVAIL;
    uint32_t size, sts;
    int rc;

    if ( cap < 10 )
        return -EINVAL;

    rc = wait_sts(loc, avail, avail, TIS_POLLS_EXEC, NULL);
    if ( !rc )
        rc = read_fifo(loc, rsp, 10);
    if ( rc )
        return rc;

    size = ((uint32_t)rsp[2] << 24) | ((uint32_t)rsp[3] << 16) |
           ((uint32_t)rsp[4] << 8) | rsp[5];
    if ( size < 10 )
        return -EPROTO;
    if ( size > cap )
        return -EMSGSIZE;

    rc = read_fifo(loc, rsp + 10, size - 10);
    if ( !rc )
        rc = tis_wait_valid(loc, &sts);
    if ( rc )
        return rc;
    if ( sts & TIS_STS_DATA_AVAIL )
        return -EPROTO;         /* More data than the size field said. */

    *rsp_len = size;
    return 0;
}

int tis_transact(unsigned int loc, const uint8_t *cmd, size_t len,
                 uint8_t *rsp, size_t cap, size_t *rsp_len)
{
    int rc;

    rc = tis_command_ready(loc);
    if ( !rc )
        rc = send(loc, cmd, len);
    if ( !rc )
    {
        tis_go(loc);
        rc = tis_recv(loc, rsp, cap, rsp_len);
    }

    /* Success: response consumed, back to idle.  Failure: abort. */
    tis_abort(loc);
    return rc;
}
