/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TIS (PTP FIFO) register state machine.
 *
 * States follow the TCG PC Client Platform TPM Profile: Idle, Ready
 * (commandReady set, buffer empty), Reception (bytes arriving; Expect
 * while the header's commandSize is not yet reached), Execution (the
 * engine runs it) and Completion (dataAvail while response bytes
 * remain).  Only the active locality may touch STS and the FIFOs;
 * ACCESS, INTF_CAPABILITY, INTERFACE_ID, DID_VID and RID answer on every
 * locality, since firmware probes DID_VID without claiming one.
 *
 * Bounds: the command buffer holds PVR_TPM_BUFSIZE bytes.  Expect stays
 * set until commandSize bytes (at least the 6 that carry it) are in.  A
 * commandSize above the buffer, or bytes beyond commandSize, make the
 * command malformed: Expect drops, further bytes are discarded.  tpmGo
 * on a malformed command, or on one shorter than a TPM header, answers
 * TPM_RC_COMMAND_SIZE without calling the engine.  tpmGo while Expect is
 * still set is ignored, as the profile specifies; the guest recovers
 * with commandReady.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "services/tpm/tpm_priv.h"

#define COMP "tpm"

/* Register offsets within a locality. */
#define TIS_ACCESS          0x000
#define TIS_INT_ENABLE      0x008
#define TIS_INT_VECTOR      0x00c
#define TIS_INT_STATUS      0x010
#define TIS_INTF_CAPS       0x014
#define TIS_STS             0x018
#define TIS_DATA_FIFO       0x024
#define TIS_INTERFACE_ID    0x030
#define TIS_XDATA_FIFO      0x080
#define TIS_XDATA_END       0x0c0
#define TIS_DID_VID         0xf00
#define TIS_RID             0xf04

#define ACCESS_ESTABLISHMENT    0x01
#define ACCESS_REQUEST_USE      0x02
#define ACCESS_PENDING_REQUEST  0x04
#define ACCESS_SEIZE            0x08
#define ACCESS_BEEN_SEIZED      0x10
#define ACCESS_ACTIVE_LOCALITY  0x20
#define ACCESS_VALID            0x80

#define STS_RESPONSE_RETRY      0x00000002u
#define STS_EXPECT              0x00000008u
#define STS_DATA_AVAIL          0x00000010u
#define STS_GO                  0x00000020u
#define STS_COMMAND_READY       0x00000040u
#define STS_VALID               0x00000080u
#define STS_COMMAND_CANCEL      0x01000000u
#define STS_RESET_ESTABLISHMENT 0x02000000u
#define STS_FAMILY_TPM2         0x04000000u

/*
 * INTF_CAPABILITY: no interrupts (the ACPI device has no IRQ), 64-byte
 * transfers, interface version "FIFO for TPM 2.0".
 */
#define INTF_CAPS   ((3u << 9) | (3u << 28))
/*
 * INTERFACE_ID: type FIFO, locality support, 64-byte transfers, FIFO
 * capable, FIFO selected and locked, RID in the top byte.
 */
#define INTERFACE_ID ((1u << 8) | (3u << 11) | (1u << 13) | (1u << 19) | \
                      ((uint32_t)PVR_TPM_RID << 24))

#define TPM_HEADER 10

size_t tis__error_response(uint8_t *buf, uint32_t rc)
{
    static const uint8_t hdr[6] = { 0x80, 0x01, 0, 0, 0, TPM_HEADER };

    memcpy(buf, hdr, sizeof(hdr));
    buf[6] = rc >> 24;
    buf[7] = rc >> 16;
    buf[8] = rc >> 8;
    buf[9] = rc;
    return TPM_HEADER;
}

void tis__init(tis *t, const struct tis_engine_ops *ops, void *opaque,
               struct pvr_tpm_stats *stats)
{
    memset(t, 0, sizeof(*t));
    t->active = -1;
    t->state = TIS_IDLE;
    t->engine = ops;
    t->engine_opaque = opaque;
    t->stats = stats;
}

/* commandSize from the header, or 0 while fewer than 6 bytes are in. */
static uint32_t cmd_size(const tis *t)
{
    if ( t->cmd_len < 6 )
        return 0;
    return ((uint32_t)t->cmd[2] << 24) | ((uint32_t)t->cmd[3] << 16) |
           ((uint32_t)t->cmd[4] << 8) | t->cmd[5];
}

static bool expecting(const tis *t)
{
    uint32_t want;

    if ( t->state != TIS_RECEPTION || t->malformed )
        return false;
    want = cmd_size(t);
    return want == 0 || t->cmd_len < want;
}

static void go_ready(tis *t)
{
    t->state = TIS_READY;
    t->cmd_len = 0;
    t->rsp_len = t->rsp_off = 0;
    t->malformed = false;
}

static void go_idle(tis *t)
{
    go_ready(t);
    t->state = TIS_IDLE;
}

/* Drop whatever the active locality was doing (relinquish, seize). */
static void abort_command(tis *t, enum tis_state land)
{
    if ( t->state == TIS_EXECUTION )
    {
        t->abort_pending = true;
        t->after_abort = land;
        t->stats->aborts++;
        t->engine->cancel(t->engine_opaque);
        return;
    }
    if ( land == TIS_READY )
        go_ready(t);
    else
        go_idle(t);
}

/* Give the TPM to the highest locality waiting for it. */
static void grant_next(tis *t)
{
    int l;

    for ( l = PVR_TPM_LOCALITIES - 1; l >= 0; l-- )
    {
        if ( t->loc[l].requested )
        {
            t->loc[l].requested = false;
            t->active = l;
            return;
        }
    }
}

/* ---- reads ---- */

static uint8_t access_byte(const tis *t, unsigned int l)
{
    uint8_t v = ACCESS_VALID | ACCESS_ESTABLISHMENT;
    unsigned int i;

    if ( t->active == (int)l )
        v |= ACCESS_ACTIVE_LOCALITY;
    if ( t->loc[l].seized )
        v |= ACCESS_BEEN_SEIZED;
    if ( t->loc[l].requested )
        v |= ACCESS_REQUEST_USE;
    for ( i = 0; i < PVR_TPM_LOCALITIES; i++ )
        if ( i != l && t->loc[i].requested )
            v |= ACCESS_PENDING_REQUEST;
    return v;
}

static uint32_t sts_value(const tis *t)
{
    uint32_t v = STS_VALID | STS_FAMILY_TPM2, burst = 0;

    switch ( t->state )
    {
    case TIS_READY:
        v |= STS_COMMAND_READY;
        burst = sizeof(t->cmd);
        break;
    case TIS_RECEPTION:
        if ( expecting(t) )
        {
            v |= STS_EXPECT;
            burst = sizeof(t->cmd) - t->cmd_len;
        }
        break;
    case TIS_COMPLETION:
        if ( t->rsp_off < t->rsp_len )
        {
            v |= STS_DATA_AVAIL;
            burst = t->rsp_len - t->rsp_off;
        }
        break;
    default:
        break;
    }
    if ( burst > 0xffff )
        burst = 0xffff;
    return v | (burst << 8);
}

/* The register containing byte off of a locality, as a 32-bit value. */
static uint32_t reg_value(const tis *t, unsigned int l, unsigned int off,
                          unsigned int *base_out)
{
    unsigned int base = off & ~3u;
    bool active = t->active == (int)l;

    *base_out = base;
    switch ( base )
    {
    case TIS_ACCESS:
        return access_byte(t, l);
    case TIS_INT_ENABLE:
        return t->loc[l].int_enable;
    case TIS_INT_VECTOR:
        return t->loc[l].int_vector;
    case TIS_INT_STATUS:
        return 0;
    case TIS_INTF_CAPS:
        return INTF_CAPS;
    case TIS_STS:
        return active ? sts_value(t) : ~0u;
    case TIS_INTERFACE_ID:
        return INTERFACE_ID;
    case TIS_DID_VID:
        return PVR_TPM_DID_VID;
    case TIS_RID:
        return PVR_TPM_RID;
    default:
        return ~0u;
    }
}

static bool is_fifo(unsigned int off)
{
    return (off >= TIS_DATA_FIFO && off < TIS_DATA_FIFO + 4) ||
           (off >= TIS_XDATA_FIFO && off < TIS_XDATA_END);
}

static uint8_t fifo_read_byte(tis *t)
{
    if ( t->state != TIS_COMPLETION || t->rsp_off >= t->rsp_len )
    {
        t->stats->protocol_errors++;
        return 0xff;
    }
    return t->rsp[t->rsp_off++];
}

int tis__read(void *opaque, uint64_t off, unsigned int size,
              uint64_t *val_out)
{
    tis *t = opaque;
    unsigned int l = off >> 12, reg = off & 0xfff, i, base;
    uint64_t v = 0;

    if ( l >= PVR_TPM_LOCALITIES )
        return -EINVAL;

    if ( is_fifo(reg) )
    {
        bool active = t->active == (int)l;

        /* Bounded by size (at most 8). */
        for ( i = 0; i < size; i++ )
            v |= (uint64_t)(active ? fifo_read_byte(t) : 0xff) << (8 * i);
        *val_out = v;
        return 0;
    }

    /*
     * Bounded by size; each byte from its own register.  Bytes past the
     * end of the locality's page read as all-ones.
     */
    for ( i = 0; i < size; i++ )
    {
        unsigned int o = reg + i;
        uint32_t r = o > 0xfff ? ~0u : reg_value(t, l, o, &base);

        v |= (uint64_t)(o > 0xfff ? 0xff : (r >> (8 * (o - base))) & 0xff)
             << (8 * i);
    }
    *val_out = v;
    return 0;
}

/* ---- writes ---- */

static void access_write(tis *t, unsigned int l, uint8_t v)
{
    struct tis_locality *loc = &t->loc[l];

    if ( v & ACCESS_BEEN_SEIZED )
        loc->seized = false;

    if ( v & ACCESS_ACTIVE_LOCALITY )
    {
        /* Relinquish (or withdraw a request). */
        loc->requested = false;
        if ( t->active == (int)l )
        {
            abort_command(t, TIS_IDLE);
            t->active = -1;
            grant_next(t);
        }
        return;
    }

    if ( v & ACCESS_SEIZE )
    {
        if ( t->active >= 0 && (int)l > t->active )
        {
            t->loc[t->active].seized = true;
            abort_command(t, TIS_IDLE);
            t->active = l;
            loc->requested = false;
        }
        return;
    }

    if ( v & ACCESS_REQUEST_USE )
    {
        if ( t->active < 0 )
        {
            t->active = l;
            loc->seized = false;
        }
        else if ( t->active != (int)l )
            loc->requested = true;
    }
}

static void go(tis *t, unsigned int l)
{
    uint32_t want = cmd_size(t);
    int rc;

    if ( t->state != TIS_RECEPTION )
    {
        t->stats->protocol_errors++;
        return;
    }
    if ( !t->malformed && expecting(t) )
    {
        /* The profile says: ignore tpmGo until the command is complete. */
        PVR_LOG_GUEST(COMP, "tpmGo with %zu of %u command bytes; ignored",
                      t->cmd_len, want);
        t->stats->protocol_errors++;
        return;
    }
    if ( t->malformed || t->cmd_len < TPM_HEADER )
    {
        t->rsp_len = tis__error_response(t->rsp, TPM2_RC_COMMAND_SIZE);
        t->rsp_off = 0;
        t->state = TIS_COMPLETION;
        t->stats->rejected++;
        return;
    }
    t->state = TIS_EXECUTION;
    rc = t->engine->submit(t->engine_opaque, t->cmd, t->cmd_len, l);
    if ( rc )
    {
        t->rsp_len = tis__error_response(t->rsp, TPM2_RC_FAILURE);
        t->rsp_off = 0;
        t->state = TIS_COMPLETION;
        t->stats->rejected++;
    }
}

static void sts_write(tis *t, unsigned int l, uint32_t v)
{
    if ( v & STS_COMMAND_READY )
    {
        if ( t->state == TIS_EXECUTION )
            abort_command(t, TIS_READY);
        else
            go_ready(t);
        return;
    }
    if ( v & STS_COMMAND_CANCEL )
    {
        if ( t->state == TIS_EXECUTION )
        {
            t->stats->cancels++;
            t->engine->cancel(t->engine_opaque);
        }
        return;
    }
    if ( v & STS_GO )
    {
        go(t, l);
        return;
    }
    if ( (v & STS_RESPONSE_RETRY) && t->state == TIS_COMPLETION )
        t->rsp_off = 0;
    /* resetEstablishment: only localities 3 and 4; we never establish. */
}

static void fifo_write_byte(tis *t, uint8_t b)
{
    uint32_t want;

    if ( t->state == TIS_READY )
        t->state = TIS_RECEPTION;
    if ( t->state != TIS_RECEPTION )
    {
        t->stats->protocol_errors++;
        return;
    }
    if ( t->malformed )
        return;             /* already doomed; keep discarding */
    if ( !expecting(t) )
    {
        PVR_LOG_GUEST(COMP, "byte beyond commandSize %u", cmd_size(t));
        t->malformed = true;
        return;
    }
    t->cmd[t->cmd_len++] = b;
    want = cmd_size(t);
    if ( t->cmd_len == 6 && want > sizeof(t->cmd) )
    {
        PVR_LOG_GUEST(COMP, "commandSize %u above the %zu-byte buffer",
                      want, sizeof(t->cmd));
        t->malformed = true;
    }
}

int tis__write(void *opaque, uint64_t off, unsigned int size, uint64_t val)
{
    tis *t = opaque;
    unsigned int l = off >> 12, reg = off & 0xfff, i;

    if ( l >= PVR_TPM_LOCALITIES )
        return -EINVAL;

    if ( reg == TIS_ACCESS )
    {
        access_write(t, l, val & 0xff);
        return 0;
    }
    if ( t->active != (int)l )
    {
        /* Only the active locality may write anything else. */
        t->stats->protocol_errors++;
        return 0;
    }

    if ( is_fifo(reg) )
    {
        /* Bounded by size (at most 8). */
        for ( i = 0; i < size; i++ )
            fifo_write_byte(t, val >> (8 * i));
        return 0;
    }

    switch ( reg & ~3u )
    {
    case TIS_STS:
        /* A byte write at STS+3 carries commandCancel and friends. */
        sts_write(t, l, (uint32_t)(val << (8 * (reg - TIS_STS))));
        break;
    case TIS_INT_ENABLE:
        if ( reg == TIS_INT_ENABLE && size == 4 )
            t->loc[l].int_enable = val;
        break;
    case TIS_INT_VECTOR:
        if ( reg == TIS_INT_VECTOR )
            t->loc[l].int_vector = val & 0xf;
        break;
    default:
        /* INT_STATUS (write-1-to-clear, nothing ever set) and RO regs. */
        break;
    }
    return 0;
}

void tis__complete(tis *t, const uint8_t *rsp, size_t len)
{
    if ( t->state != TIS_EXECUTION )
        return;
    if ( t->abort_pending )
    {
        t->abort_pending = false;
        if ( t->after_abort == TIS_READY )
            go_ready(t);
        else
            go_idle(t);
        return;
    }
    if ( len < TPM_HEADER || len > sizeof(t->rsp) )
    {
        pvr_err(COMP, "engine returned a %zu-byte response", len);
        len = tis__error_response(t->rsp, TPM2_RC_FAILURE);
    }
    else
        memcpy(t->rsp, rsp, len);
    t->rsp_len = len;
    t->rsp_off = 0;
    t->state = TIS_COMPLETION;
}
