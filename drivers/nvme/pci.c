/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controller's PCI configuration space: a type 0 header, class
 * 01:08:02 (NVM Express), BAR0 64-bit non-prefetchable memory of 16 KiB,
 * and one capability, MSI-X, with its table and PBA in BAR0.
 *
 * Every byte has a write mask; a write changes only writable bits, byte
 * by byte, so unaligned and odd-sized accesses (the low bits of port
 * 0xcfc) behave as on hardware.  Beyond the 256-byte header the space
 * reads as zeros (no extended capabilities) and ignores writes.  BAR
 * sizing works as the PCI spec says: the size bits are read-only zeros,
 * so all-ones reads back as the size mask.  BAR0 decodes while the
 * command register's memory bit is set and the BAR is non-zero; any
 * change moves the IOREQ region.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

#define CFG_COMMAND      0x04
#define CFG_STATUS       0x06
#define CFG_BAR0         0x10
#define CFG_CAP_PTR      0x34
#define CFG_INT_LINE     0x3c
#define CFG_INT_PIN      0x3d
#define CFG_MSIX         0x40

#define CMD_MEMORY       0x0002
#define CMD_MASTER       0x0004
#define CMD_INTX_DISABLE 0x0400
#define STATUS_INTX      0x0008
#define STATUS_CAP_LIST  0x0010

#define MSIX_ENABLE      0x80   /* in the control's high byte */
#define MSIX_MASKALL     0x40

static void put(pvr_nvme *n, unsigned int off, unsigned int size, uint32_t v,
                uint32_t wmask)
{
    unsigned int i;

    for ( i = 0; i < size; i++ )
    {
        n->cfg[off + i] = v >> (8 * i);
        n->wmask[off + i] = wmask >> (8 * i);
    }
}

void nvme__pci_init(pvr_nvme *n)
{
    memset(n->cfg, 0, sizeof(n->cfg));
    memset(n->wmask, 0, sizeof(n->wmask));
    put(n, 0x00, 2, PVR_NVME_VENDOR_ID, 0);
    put(n, 0x02, 2, PVR_NVME_DEVICE_ID, 0);
    /* Memory space, bus master, parity response, SERR#, INTx disable. */
    put(n, CFG_COMMAND, 2, 0, 0x0546);
    put(n, CFG_STATUS, 2, STATUS_CAP_LIST, 0);
    put(n, 0x08, 4, 0x01080201, 0);             /* class, revision 1 */
    put(n, 0x0c, 1, 0, 0xff);                   /* cache line size */
    /* 64-bit memory BAR, 16 KiB: bits 13:4 are read-only zeros. */
    put(n, CFG_BAR0, 4, 0x4, ~(PVR_NVME_BAR0_SIZE - 1));
    put(n, CFG_BAR0 + 4, 4, 0, 0xffffffff);
    put(n, 0x2c, 2, PVR_NVME_VENDOR_ID, 0);     /* subsystem vendor */
    put(n, 0x2e, 2, PVR_NVME_DEVICE_ID, 0);
    put(n, CFG_CAP_PTR, 1, CFG_MSIX, 0);
    put(n, CFG_INT_LINE, 1, 0, 0xff);
    put(n, CFG_INT_PIN, 1, 1, 0);               /* INTA# */
    /* MSI-X: id, next 0, table size - 1, table and PBA in BAR0. */
    put(n, CFG_MSIX, 2, 0x11, 0);
    put(n, CFG_MSIX + 2, 2, NVME_NR_VECTORS - 1, 0xc000);
    put(n, CFG_MSIX + 4, 4, NVME_MSIX_TABLE, 0);
    put(n, CFG_MSIX + 8, 4, NVME_MSIX_PBA, 0);
    n->bar_mapped = 0;
}

bool nvme__msix_enabled(const pvr_nvme *n)
{
    return n->cfg[CFG_MSIX + 3] & MSIX_ENABLE;
}

bool nvme__msix_fn_masked(const pvr_nvme *n)
{
    return n->cfg[CFG_MSIX + 3] & MSIX_MASKALL;
}

static uint32_t get(const pvr_nvme *n, unsigned int off, unsigned int size)
{
    uint32_t v = 0;
    unsigned int i;

    for ( i = 0; i < size; i++ )
        v |= (uint32_t)n->cfg[off + i] << (8 * i);
    return v;
}

int nvme__cfg_read(void *opaque, uint64_t off, unsigned int size,
                   uint64_t *val_out)
{
    pvr_nvme *n = opaque;

    /* The IOREQ server bounded off + size by PVR_PCI_CFG_SIZE. */
    if ( size > 4 || off + size > PVR_PCI_CFG_SIZE )
        return -EINVAL;
    if ( off + size > sizeof(n->cfg) )
    {
        *val_out = 0;
        return 0;
    }
    *val_out = get(n, off, size);
    return 0;
}

/* Place or remove BAR0's IOREQ region after a command or BAR write. */
static void bar_update(pvr_nvme *n)
{
    uint64_t base = ((uint64_t)get(n, CFG_BAR0 + 4, 4) << 32) |
                    (get(n, CFG_BAR0, 4) & ~0xfu);
    bool on = (get(n, CFG_COMMAND, 2) & CMD_MEMORY) && base != 0;
    int rc;

    if ( on ? base == n->bar_mapped : n->bar_mapped == 0 )
        return;
    n->bar_mapped = 0;
    if ( !n->srv )
    {
        /* Not attached (unit tests of the model alone): only record it. */
        n->bar_mapped = on ? base : 0;
        return;
    }
    rc = pvr_ioreq_server_move_region(n->srv, n->bar_handle, on, base);
    if ( rc )
    {
        /* Overlapping another device, say: serve it nowhere. */
        PVR_LOG_GUEST(COMP, "BAR0 at %#lx not served: %s",
                      (unsigned long)base, strerror(-rc));
        pvr_ioreq_server_move_region(n->srv, n->bar_handle, false, 0);
        return;
    }
    n->bar_mapped = on ? base : 0;
    n->stats.bar_moves += on;
}

int nvme__cfg_write(void *opaque, uint64_t off, unsigned int size,
                    uint64_t val)
{
    pvr_nvme *n = opaque;
    bool msix_was = nvme__msix_enabled(n) && !nvme__msix_fn_masked(n);
    unsigned int i;

    if ( size > 4 || off + size > PVR_PCI_CFG_SIZE )
        return -EINVAL;
    if ( off >= sizeof(n->cfg) )
        return 0;
    if ( off + size > sizeof(n->cfg) )
        size = sizeof(n->cfg) - off;
    for ( i = 0; i < size; i++ )
    {
        uint8_t m = n->wmask[off + i];

        n->cfg[off + i] = (n->cfg[off + i] & ~m) | ((val >> (8 * i)) & m);
    }
    if ( off < CFG_BAR0 + 8 && off + size > CFG_COMMAND )
        bar_update(n);
    if ( off < CFG_MSIX + 4 && off + size > CFG_MSIX + 2 )
    {
        if ( !msix_was && nvme__msix_enabled(n) &&
             !nvme__msix_fn_masked(n) )
            nvme__msix_unmasked(n);
        nvme__intx_update(n);
    }
    if ( off < CFG_COMMAND + 2 && off + size > CFG_COMMAND )
        nvme__intx_update(n);
    return 0;
}
