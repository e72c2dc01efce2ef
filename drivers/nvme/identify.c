/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Identify and Get/Set Features.
 *
 * Identify answers CNS 0 (the namespace), 1 (the controller), 2 (the
 * active namespace list), 3 (namespace identification descriptors:
 * a UUID, which Linux asks of NVMe 1.3+ controllers) and 6 for the NVM
 * command set (CSI 0): the command-set limits, all zero, "none
 * reported", which Linux 6.1 asks at every probe.  Features that
 * change nothing here (arbitration, power state, temperature threshold,
 * error recovery, interrupt coalescing and vector configuration, write
 * atomicity, asynchronous event configuration) are stored and read
 * back with the spec's defaults; none is saveable.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define BAD(sc) ((sc) | NVME_SC_DNR)

#define FEAT_ARB        0x01
#define FEAT_PM         0x02
#define FEAT_TEMP       0x04
#define FEAT_ERR_REC    0x05
#define FEAT_VWC        0x06
#define FEAT_NQUEUES    0x07
#define FEAT_COALESCE   0x08
#define FEAT_IV_CONFIG  0x09
#define FEAT_ATOMICITY  0x0a
#define FEAT_AEC        0x0b

/* Temperature thresholds in kelvin: the warning one doubles as default. */
#define WCTEMP 343
#define CCTEMP 358

static void put_str(uint8_t *p, const char *s, size_t len)
{
    size_t k = strlen(s);

    memset(p, ' ', len);
    memcpy(p, s, k < len ? k : len);
}

static void identify_ctrl(pvr_nvme *n, uint8_t *d)
{
    nvme__put16(d + 0, PVR_NVME_VENDOR_ID);
    nvme__put16(d + 2, PVR_NVME_VENDOR_ID);
    put_str(d + 4, n->serial, 20);
    put_str(d + 24, "pvdomain NVMe", 40);
    put_str(d + 64, "1.0", 8);
    d[77] = NVME_MDTS;
    nvme__put16(d + 78, 1);                     /* CNTLID */
    nvme__put32(d + 80, 0x00010400);            /* VER */
    d[111] = 1;                                 /* CNTRLTYPE: I/O */
    if ( n->dbbuf.allowed )
        nvme__put16(d + 256, 1u << 8);          /* OACS: Doorbell Buf */
    d[258] = 3;                                 /* ACL */
    d[259] = PVR_NVME_AER_LIMIT - 1;            /* AERL */
    d[260] = 0x03;                              /* FRMW: 1 slot, RO */
    d[261] = 0x04;                              /* LPA: extended data */
    d[262] = NVME_ELPE;
    nvme__put16(d + 266, WCTEMP);
    nvme__put16(d + 268, CCTEMP);
    d[512] = 0x66;                              /* SQES: 64 bytes */
    d[513] = 0x44;                              /* CQES: 16 bytes */
    nvme__put32(d + 516, 1);                    /* NN */
    nvme__put16(d + 520, (n->info.discard ? 0x04 : 0) | 0x08);  /* ONCS */
    d[525] = n->info.flush ? 1 : 0;             /* VWC */
    snprintf((char *)d + 768, 256, "nqn.2014-08.org.nvmexpress:uuid:"
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x", n->uuid[0], n->uuid[1],
             n->uuid[2], n->uuid[3], n->uuid[4], n->uuid[5], n->uuid[6],
             n->uuid[7], n->uuid[8], n->uuid[9], n->uuid[10], n->uuid[11],
             n->uuid[12], n->uuid[13], n->uuid[14], n->uuid[15]);
}

static void identify_ns(pvr_nvme *n, uint8_t *d)
{
    nvme__put64(d + 0, n->info.sectors);        /* NSZE */
    nvme__put64(d + 8, n->info.sectors);        /* NCAP */
    nvme__put64(d + 16, n->info.sectors);       /* NUSE */
    d[25] = 0;                                  /* NLBAF: one format */
    d[26] = 0;                                  /* FLBAS: format 0 */
    memcpy(d + 104, n->uuid, 16);               /* NGUID */
    d[128 + 2] = 9;                             /* LBAF0: 512 bytes */
}

uint16_t nvme__identify(pvr_nvme *n, struct nvme_cmd *c)
{
    uint32_t nsid = c->dw[1];
    uint8_t *d = n->page;
    uint16_t st;

    memset(d, 0, NVME_PAGE);
    switch ( c->dw[10] & 0xff )
    {
    case 0x00:
        if ( nsid != 1 )
            return BAD(NVME_SC_INVALID_NS);
        identify_ns(n, d);
        break;
    case 0x01:
        identify_ctrl(n, d);
        break;
    case 0x02:
        if ( nsid >= 0xfffffffe )
            return BAD(NVME_SC_INVALID_NS);
        if ( nsid < 1 )
            nvme__put32(d, 1);
        break;
    case 0x03:
        if ( nsid != 1 )
            return BAD(NVME_SC_INVALID_NS);
        d[0] = 3;                               /* NIDT: UUID */
        d[1] = 16;                              /* NIDL */
        memcpy(d + 4, n->uuid, 16);
        break;
    case 0x06:
        if ( c->dw[11] >> 24 )                  /* CSI: NVM only */
            return BAD(NVME_SC_INVALID_FIELD);
        break;
    default:
        return BAD(NVME_SC_INVALID_FIELD);
    }
    st = nvme__prp_map(n, c, NVME_PAGE);
    if ( st == 0 )
        st = nvme__to_guest(n, c, d);
    return st;
}

void nvme__features_reset(pvr_nvme *n)
{
    memset(&n->feat, 0, sizeof(n->feat));
    n->feat.temp_over = WCTEMP;
    n->feat.vwc = n->info.flush;
}

static uint16_t set_temp(pvr_nvme *n, uint32_t dw11)
{
    unsigned int sel = (dw11 >> 16) & 0xf, thsel = (dw11 >> 20) & 3;

    /* Only the composite temperature (sensor 0) has thresholds. */
    if ( sel != 0 || thsel > 1 )
        return BAD(NVME_SC_INVALID_FIELD);
    if ( thsel == 0 )
        n->feat.temp_over = dw11 & 0xffff;
    else
        n->feat.temp_under = dw11 & 0xffff;
    return NVME_SC_SUCCESS;
}

uint16_t nvme__set_features(pvr_nvme *n, struct nvme_cmd *c)
{
    uint32_t dw11 = c->dw[11];
    uint32_t nq = (n->io_queues - 1) | ((n->io_queues - 1) << 16);

    if ( c->dw[10] >> 31 )
        return BAD(NVME_SC_NOT_SAVEABLE);
    switch ( c->dw[10] & 0xff )
    {
    case FEAT_ARB:       n->feat.arb = dw11 & 0xffffff07; break;
    case FEAT_PM:
        if ( dw11 & 0x1f )                      /* NPSS 0: state 0 only */
            return BAD(NVME_SC_INVALID_FIELD);
        n->feat.pm = dw11 & 0xff;
        break;
    case FEAT_TEMP:      return set_temp(n, dw11);
    case FEAT_ERR_REC:
        if ( dw11 & (1u << 16) )                /* DULBE: unsupported */
            return BAD(NVME_SC_INVALID_FIELD);
        n->feat.err_rec = dw11 & 0xffff;
        break;
    case FEAT_VWC:
        if ( !n->info.flush )
            return BAD(NVME_SC_INVALID_FIELD);
        n->feat.vwc = dw11 & 1;
        break;
    case FEAT_NQUEUES:
        if ( (dw11 & 0xffff) == 0xffff || (dw11 >> 16) == 0xffff )
            return BAD(NVME_SC_INVALID_FIELD);
        c->result = nq;
        break;
    case FEAT_COALESCE:  n->feat.coalesce = dw11 & 0xffff; break;
    case FEAT_IV_CONFIG:
        if ( (dw11 & 0xffff) >= NVME_NR_VECTORS )
            return BAD(NVME_SC_INVALID_FIELD);
        n->feat.ivc[dw11 & 0xffff] = dw11 & (1u << 16);
        break;
    case FEAT_ATOMICITY: n->feat.atomicity = dw11 & 1; break;
    case FEAT_AEC:       n->feat.aec = dw11 & 0x3ff; break;
    default:             return BAD(NVME_SC_INVALID_FIELD);
    }
    return NVME_SC_SUCCESS;
}

static uint16_t get_temp(const struct nvme_features *f, uint32_t dw11,
                         uint32_t *out)
{
    unsigned int sel = (dw11 >> 16) & 0xf, thsel = (dw11 >> 20) & 3;

    if ( sel != 0 || thsel > 1 )
        return BAD(NVME_SC_INVALID_FIELD);
    *out = (thsel ? f->temp_under : f->temp_over) | (dw11 & 0x3f0000);
    return NVME_SC_SUCCESS;
}

uint16_t nvme__get_features(pvr_nvme *n, struct nvme_cmd *c)
{
    unsigned int sel = (c->dw[10] >> 8) & 7;
    struct nvme_features dflt = { .temp_over = WCTEMP,
                                  .vwc = n->info.flush };
    /* Nothing is saveable: "saved" reads as the default. */
    const struct nvme_features *f = sel == 0 ? &n->feat : &dflt;
    uint32_t dw11 = c->dw[11], *r = &c->result;
    uint8_t fid = c->dw[10] & 0xff;

    if ( sel > 3 )
        return BAD(NVME_SC_INVALID_FIELD);
    if ( fid == FEAT_VWC && !n->info.flush )
        return BAD(NVME_SC_INVALID_FIELD);
    if ( sel == 3 )
    {
        /* Supported capabilities: changeable, not saveable, not per NS. */
        if ( fid < FEAT_ARB || fid > FEAT_AEC || fid == 0x03 )
            return BAD(NVME_SC_INVALID_FIELD);
        *r = 0x4;
        return NVME_SC_SUCCESS;
    }
    switch ( fid )
    {
    case FEAT_ARB:       *r = f->arb; break;
    case FEAT_PM:        *r = f->pm; break;
    case FEAT_TEMP:      return get_temp(f, dw11, r);
    case FEAT_ERR_REC:   *r = f->err_rec; break;
    case FEAT_VWC:       *r = f->vwc; break;
    case FEAT_NQUEUES:
        *r = (n->io_queues - 1) | ((n->io_queues - 1) << 16);
        break;
    case FEAT_COALESCE:  *r = f->coalesce; break;
    case FEAT_IV_CONFIG:
        if ( (dw11 & 0xffff) >= NVME_NR_VECTORS )
            return BAD(NVME_SC_INVALID_FIELD);
        *r = (dw11 & 0xffff) | f->ivc[dw11 & 0xffff];
        break;
    case FEAT_ATOMICITY: *r = f->atomicity; break;
    case FEAT_AEC:       *r = f->aec; break;
    default:             return BAD(NVME_SC_INVALID_FIELD);
    }
    return NVME_SC_SUCCESS;
}
