/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface between the parts of the TPM guest test: main.c
 * (the flow, built once per flavour), checks.c (phases 1-5 and the
 * helpers every phase uses), neg.c, restart.c and bench.c.
 *
 * Conventions: a check that passes prints "tpm: <phase>: <what>: ok"
 * through tpm_ok(); one that fails reports through gtf_failure() or
 * gtf_error() with the same "tpm: <phase>:" prefix.  A phase returns
 * false only when the TPM can no longer be trusted to run later phases
 * (transport broken, TPM not started); a failed check that leaves the
 * TPM usable is reported and the phase carries on.
 */
#ifndef GUEST_TPM_TPM_TEST_H
#define GUEST_TPM_TPM_TEST_H

#include "guest.h"
#include "tpm2.h"

#define TPM_LOC         0
#define TPM_PCR         16
#define TPM_NV_INDEX    0x01500016u
#define TPM_NV_SIZE     32

/* One command and one response buffer, used by one command at a time. */
extern uint8_t tpm_cmd[TPM2_MAX_COMMAND_SIZE];
extern uint8_t tpm_rsp[TPM2_MAX_COMMAND_SIZE];
extern size_t tpm_rsp_len;
/* The pattern phase 5 writes to the NV index, set by tpm_nv_pattern_fill. */
extern uint8_t tpm_nv_pattern[TPM_NV_SIZE];
void tpm_nv_pattern_fill(void);
/* The value phase 4 computed for PCR 16 after its extend. */
extern uint8_t tpm_pcr16_value[TPM2_SHA256_SIZE];

void tpm_ok(const char *fmt, ...) __printf(1, 2);

/*
 * Runs the LEN-byte command C and parses the response header into HDR.
 * LEN 0 (a builder overflowed) is an Error.  A TIS timeout is an Error,
 * any other TIS or header problem a Failure; both return false.
 */
bool tpm_exec(const char *what, const uint8_t *c, size_t len,
              struct tpm2_rsp_hdr *hdr);
/* tpm_exec(), and a response code other than success is a Failure. */
bool tpm_exec_ok(const char *what, const uint8_t *c, size_t len);
/* PCR_Read of TPM_PCR; a malformed response is a Failure. */
bool tpm_read_pcr(const char *what, uint8_t digest[TPM2_SHA256_SIZE]);
/* NV_Read of the index; a mismatch with tpm_nv_pattern is a Failure. */
bool tpm_nv_read_matches(const char *what);
bool tpm_all_zero(const uint8_t *p, size_t n);
/*
 * One NV_Read of the index; true if it returned tpm_nv_pattern.  Never
 * reports; *RC_OUT is the response code, 0 for a transport failure or
 * a successful read of other data.
 */
bool tpm_nv_read_quiet(uint32_t *rc_out);

bool tpm_phase_probe(uint32_t *did_vid_out);
bool tpm_phase_startup(void);
bool tpm_phase_random(void);
bool tpm_phase_pcr(void);
bool tpm_phase_nv(void);
bool tpm_phase_negative(uint32_t did_vid);
bool tpm_phase_restart(uint32_t did_vid);
bool tpm_phase_crash(uint32_t did_vid);
/* The reboot flavour: returns only on the second boot (reboot.c). */
bool tpm_phase_reboot(void);
/*
 * Polls DID_VID (bounded, at least 300 s) until its validity is
 * WANT_VALID; "tpm: PHASE: TPM STATE ...: ok" or an Error (restart.c).
 */
bool tpm_wait_did_vid(const char *phase, bool want_valid,
                      const char *state, uint32_t *did_vid_out);
bool tpm_phase_bench(void);
bool tpm_phase_cleanup(void);

#endif /* GUEST_TPM_TPM_TEST_H */
