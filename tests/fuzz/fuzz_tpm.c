/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the TPM's MMIO and command path, from guest register
 * accesses through the IOREQ server and the TIS state machine into
 * libtpms (run synchronously so that every input is deterministic).
 *
 * The input is a sequence of 12-byte MMIO operations: a flags byte
 * (bit 0 write, bits 1-2 size 1/2/4/8), a 16-bit offset within the
 * 0x5000 window, a spare byte and a 64-bit value.  An input starting
 * with 'C' is instead sent as a whole command with the normal driver
 * sequence, so the corpus also reaches deep into libtpms' parsers.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "services/tpm/tpm.h"
#include "tests/common/simstack.h"
#include "tests/common/tisdrv.h"
#include "tests/fuzz/fuzz.h"

static struct simstack st;
static pvr_tpm *tpm;
static char path[] = "/tmp/pvr-fuzz-tpm-XXXXXX";

static void teardown(void)
{
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_tpm_destroy(tpm, false);
    simstack_close(&st);
    unlink(path);
}

static void pump(void *opaque)
{
    pvr_loop_run_once(((struct simstack *)opaque)->loop, 0);
}

static void setup(void)
{
    struct pvr_tpm_config cfg = { .synchronous = true };
    int fd;

    pvr_log_open(9, PVR_LOG_ERROR + 1, 2);
    fd = mkstemp(path);
    if ( fd < 0 )
        abort();
    close(fd);
    unlink(path);   /* a fresh TPM, manufactured at this path */
    cfg.state_path = path;
    if ( simstack_open(&st, 1, PVR_BUFIOREQ_OFF, true) ||
         pvr_tpm_create(st.loop, &cfg, &tpm) ||
         pvr_tpm_attach(tpm, st.srv) ||
         pvr_ioreq_server_enable(st.srv) )
        abort();
    atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tisdrv d = {
        .read = simstack_tis_read, .write = simstack_tis_write,
        .opaque = &st, .wait = pump, .max_polls = 64,
    };
    unsigned int ops;

    if ( !tpm )
        setup();

    if ( size > 0 && data[0] == 'C' )
    {
        static uint8_t rsp[PVR_TPM_BUFSIZE];
        size_t rlen = sizeof(rsp);

        if ( tisdrv_request(&d) == 0 )
            tisdrv_transmit(&d, data + 1, size - 1, rsp, &rlen);
        return 0;
    }

    /* Bounded: 12 bytes per operation, at most 256 operations. */
    for ( ops = 0; size > 0 && ops < 256; ops++ )
    {
        uint8_t flags, spare;
        uint16_t off;
        uint64_t val;
        unsigned int len;

        fuzz_take(&data, &size, &flags, 1);
        fuzz_take(&data, &size, &off, 2);
        fuzz_take(&data, &size, &spare, 1);
        fuzz_take(&data, &size, &val, 8);
        len = 1u << ((flags >> 1) & 3);
        off %= PVR_TPM_MMIO_SIZE - len + 1;
        if ( flags & 1 )
            simstack_tis_write(&st, off, len, val);
        else
            simstack_tis_read(&st, off, len, &val);
        pump(&st);
    }
    return 0;
}
