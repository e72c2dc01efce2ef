/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of the vTPM service: the TIS state machine, the
 * engine thread and the state file.  See tpm.h.
 */
#ifndef PVR_TPM_PRIV_H
#define PVR_TPM_PRIV_H

#include "services/tpm/tpm.h"

/* ---- TIS (tis.c): pure, no libtpms ---- */

enum tis_state {
    TIS_IDLE,
    TIS_READY,
    TIS_RECEPTION,
    TIS_EXECUTION,
    TIS_COMPLETION,
};

struct tis_engine_ops {
    /* Start a command (the callee copies it); completion comes later. */
    int (*submit)(void *opaque, const uint8_t *cmd, size_t len,
                  unsigned int locality);
    void (*cancel)(void *opaque);
};

struct tis_locality {
    uint32_t int_enable;
    uint8_t int_vector;
    bool requested;
    bool seized;
};

typedef struct tis {
    int active;                 /* active locality, -1 for none */
    enum tis_state state;
    bool abort_pending;         /* result of the running command unwanted */
    enum tis_state after_abort; /* where an abort lands */
    bool malformed;             /* command cannot be valid: error on go */
    struct tis_locality loc[PVR_TPM_LOCALITIES];

    uint8_t cmd[PVR_TPM_BUFSIZE];
    size_t cmd_len;
    uint8_t rsp[PVR_TPM_BUFSIZE];
    size_t rsp_len, rsp_off;

    const struct tis_engine_ops *engine;
    void *engine_opaque;
    struct pvr_tpm_stats *stats;
} tis;

void tis__init(tis *t, const struct tis_engine_ops *ops, void *opaque,
               struct pvr_tpm_stats *stats);
/* Region callbacks (pvr_io_ops), opaque is the tis. */
int tis__read(void *opaque, uint64_t off, unsigned int size,
              uint64_t *val_out);
int tis__write(void *opaque, uint64_t off, unsigned int size, uint64_t val);
/* The engine finished the command tis__write() submitted. */
void tis__complete(tis *t, const uint8_t *rsp, size_t len);

/* Build a 10-byte TPM 2.0 error response (tag NO_SESSIONS). */
size_t tis__error_response(uint8_t *buf, uint32_t rc);

#define TPM2_RC_COMMAND_SIZE  0x142
#define TPM2_RC_CANCELED      0x909
#define TPM2_RC_FAILURE       0x101

/* ---- state file (state.c) ---- */

struct tpm_state {
    uint8_t *permanent;
    size_t permanent_len;
    uint8_t *volatile_;
    size_t volatile_len;
};

/* -ENOENT: no file (a new TPM).  -EBADMSG: damaged.  Logs. */
int tpm__state_load(const char *path, struct tpm_state *out);
/* Atomic replace: temp file, fsync, rename, fsync of the directory. */
int tpm__state_save(const char *path, const struct tpm_state *st);
void tpm__state_dispose(struct tpm_state *st);
/*
 * The two-slot layout used on a block device of dev_size bytes (state.c);
 * exposed for the unit tests, which use a plain file.  load: -ENOENT on a
 * device never written, -EBADMSG when no slot holds a valid state.
 */
int tpm__slots_load(int fd, uint64_t dev_size, struct tpm_state *out);
int tpm__slots_save(int fd, uint64_t dev_size, const struct tpm_state *st);
uint32_t tpm__crc32(const uint8_t *p, size_t len);

/* ---- engine (engine.c) ---- */

typedef struct tpm_engine tpm_engine;

/*
 * Initialise libtpms from st (taking ownership of its buffers) and start
 * the thread.  Completions are signalled on *done_fd_out; call
 * tpm__engine_collect() when it is readable.
 */
int tpm__engine_start(const char *state_path, struct tpm_state *st,
                      const struct pvr_tpm_config *cfg,
                      struct pvr_tpm_stats *stats, tpm_engine **out,
                      int *done_fd_out);
extern const struct tis_engine_ops tpm__engine_ops;
/* Fetch a finished response: returns 1 with rsp and len set, or 0. */
int tpm__engine_collect(tpm_engine *e, const uint8_t **rsp, size_t *len);
void tpm__engine_stop(tpm_engine *e, bool save_volatile);

#endif /* PVR_TPM_PRIV_H */
