/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The controller's lifecycle and its command pool.  See nvme.h.
 */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "drivers/nvme/nvme_priv.h"

static const pvr_io_ops cfg_ops = {
    .read = nvme__cfg_read,
    .write = nvme__cfg_write,
};

static const pvr_io_ops bar_ops = {
    .read = nvme__bar_read,
    .write = nvme__bar_write,
};

/* A stable name for the namespace, from the serial (FNV-1a, twice). */
static void make_uuid(pvr_nvme *n)
{
    uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
    const char *s;
    unsigned int k;

    for ( k = 0; k < 2; k++ )
        for ( s = n->serial; *s; s++ )
            h[k] = (h[k] ^ (uint8_t)*s) * 0x100000001b3ULL;
    nvme__put64(n->uuid, h[0]);
    nvme__put64(n->uuid + 8, h[1]);
    n->uuid[6] = (n->uuid[6] & 0x0f) | 0x80;    /* version 8: custom */
    n->uuid[8] = (n->uuid[8] & 0x3f) | 0x80;    /* RFC 4122 variant */
}

int pvr_nvme_create(const struct pvr_nvme_config *cfg, pvr_nvme **out)
{
    pvr_nvme *n;
    unsigned int i;
    int rc = -ENOMEM;

    *out = NULL;
    if ( !cfg->port || !cfg->blk || cfg->io_queues > PVR_NVME_MAX_IO_QUEUES ||
         (cfg->serial && strlen(cfg->serial) > 20) )
        return -EINVAL;
    n = calloc(1, sizeof(*n));
    if ( !n )
        return -ENOMEM;
    n->port = cfg->port;
    n->domid = cfg->domid;
    n->sbdf = cfg->sbdf;
    n->blk = cfg->blk;
    n->blk->ops->info(n->blk->be, &n->info);
    if ( n->info.sectors == 0 || n->info.max_segs == 0 ||
         n->info.max_segs > PVR_BLK_MAX_SEGS )
    {
        rc = -EINVAL;
        goto fail;
    }
    n->io_queues = cfg->io_queues ? cfg->io_queues : PVR_NVME_MAX_IO_QUEUES;
    n->dbbuf.allowed = !cfg->no_shadow_doorbells;
    snprintf(n->serial, sizeof(n->serial), "%s",
             cfg->serial ? cfg->serial : "PVR0001");
    make_uuid(n);

    n->cmds = calloc(PVR_NVME_MAX_INFLIGHT, sizeof(*n->cmds));
    if ( !n->cmds ||
         posix_memalign((void **)&n->page, NVME_PAGE, NVME_PAGE) ||
         posix_memalign((void **)&n->zero_page, NVME_PAGE, NVME_PAGE) )
        goto fail;
    memset(n->zero_page, 0, NVME_PAGE);
    for ( i = 0; i < PVR_NVME_MAX_INFLIGHT; i++ )
    {
        n->cmds[i].n = n;
        n->cmds[i].next = n->free;
        n->free = &n->cmds[i];
    }
    nvme__pci_init(n);
    nvme__features_reset(n);
    /* Queue mappings follow the guest's memory map (queue.c). */
    rc = pvr_port_invalidate_hook_add(n->port, nvme__remap, n);
    if ( rc )
        goto fail;
    n->hooked = true;
    *out = n;
    return 0;

 fail:
    pvr_nvme_destroy(n);
    return rc;
}

int pvr_nvme_attach(pvr_nvme *n, pvr_ioreq_server *srv)
{
    int rc;

    if ( n->srv )
        return -EBUSY;
    rc = pvr_ioreq_server_add_pci(srv, n->sbdf, &cfg_ops, n, "nvme");
    if ( rc == 0 )
        rc = pvr_ioreq_server_add_movable(srv, PVR_IO_MMIO,
                                          PVR_NVME_BAR0_SIZE, &bar_ops, n,
                                          "nvme-bar0", &n->bar_handle);
    if ( rc == 0 )
        n->srv = srv;
    return rc;
}

void pvr_nvme_destroy(pvr_nvme *n)
{
    unsigned int i;

    if ( !n )
        return;
    if ( n->hooked )
        pvr_port_invalidate_hook_del(n->port, nvme__remap, n);
    /* Orphan everything, then let the device hand back what it holds. */
    n->gen++;
    if ( n->blk )
        n->blk->ops->cancel_all(n->blk->be);
    for ( i = 0; n->cmds && i < PVR_NVME_MAX_INFLIGHT; i++ )
        free(n->cmds[i].bounce);
    while ( n->nr_bounces )
        free(n->bounces[--n->nr_bounces]);
    for ( i = 0; i < NVME_NR_QUEUES; i++ )
    {
        nvme__sq_free(n, &n->sq[i]);
        nvme__cq_free(n, &n->cq[i]);
    }
    nvme__dbbuf_off(n);
    free(n->cmds);
    free(n->page);
    free(n->zero_page);
    free(n);
}

void pvr_nvme_stats(const pvr_nvme *n, struct pvr_nvme_stats *out)
{
    *out = n->stats;
    out->held = n->inflight;
}

uint64_t pvr_nvme_bar0(const pvr_nvme *n)
{
    return n->bar_mapped;
}

uint32_t pvr_nvme_csts(const pvr_nvme *n)
{
    return n->csts;
}

uint64_t nvme__now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct nvme_cmd *nvme__cmd_alloc(pvr_nvme *n)
{
    struct nvme_cmd *c = n->free;

    if ( !c )
        return NULL;
    n->free = c->next;
    n->inflight++;
    memset(&c->dw, 0, sizeof(*c) - offsetof(struct nvme_cmd, dw));
    c->next = NULL;
    return c;
}

void nvme__cmd_free(pvr_nvme *n, struct nvme_cmd *c)
{
    struct nvme_sq *sq = &n->sq[c->sqid];

    /* Fetched from an SQ that is still the one it came from. */
    if ( sq->used && sq->gen == c->sq_gen && sq->held )
        sq->held--;
    if ( c->bounce && c->bounce_pages == NVME_BOUNCE_BIG &&
         n->nr_bounces < NVME_BOUNCE_KEEP )
        n->bounces[n->nr_bounces++] = c->bounce;
    else
        free(c->bounce);
    c->bounce = NULL;
    c->bounce_pages = 0;
    c->next = n->free;
    n->free = c;
    n->inflight--;
}

/*
 * A page-aligned private buffer for len bytes (at most MDTS) of the
 * command's data.  Up to NVME_BOUNCE_SMALL pages it is malloc's, which
 * reuses its heap; above, it is MDTS long, so that any large command
 * can take any, and the last NVME_BOUNCE_KEEP of those freed are kept:
 * malloc gives blocks this size fresh pages (mmap), and fresh memory
 * costs a page fault per page at first touch, which in a PV domain is a
 * trap to Xen and an MMU update: that was most of a 128 KiB write's
 * time in pvdomaind on Xen (nvme-bench, flight 118: 4.4 ms of 7.4).
 * Old bytes never leave a kept buffer: a write or DSM fills it from the
 * guest before use, a read from the device before it is copied out.
 */
int nvme__bounce(struct nvme_cmd *c, uint32_t len)
{
    pvr_nvme *n = c->n;
    unsigned int pages = (len + NVME_PAGE - 1) / NVME_PAGE;
    void *p;

    if ( pages == 0 )
        return 0;
    if ( len > PVR_NVME_MDTS_BYTES )
        return -E2BIG;
    if ( pages > NVME_BOUNCE_SMALL )
    {
        pages = NVME_BOUNCE_BIG;
        if ( n->nr_bounces )
        {
            c->bounce = n->bounces[--n->nr_bounces];
            c->bounce_pages = pages;
            return 0;
        }
    }
    if ( posix_memalign(&p, NVME_PAGE, (size_t)pages * NVME_PAGE) )
        return -ENOMEM;
    c->bounce = p;
    c->bounce_pages = pages;
    return 0;
}

void nvme__fatal(pvr_nvme *n, const char *why)
{
    if ( n->csts & NVME_CSTS_CFS )
        return;
    PVR_LOG_GUEST(COMP, "controller fatal status until reset: %s", why);
    n->csts |= NVME_CSTS_CFS;
    n->stats.fatal++;
}
