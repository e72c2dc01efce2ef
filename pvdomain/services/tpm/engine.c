/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libtpms engine and its thread.
 *
 * One command at a time: the TIS submits a command (copied here), the
 * thread runs TPMLIB_Process() on it and posts the response, then
 * signals an eventfd that the loop thread watches.  A cancel from the
 * loop thread calls TPMLIB_CancelCommand(), which libtpms allows from
 * another thread.  libtpms' callbacks (NV load and store, locality) run
 * on whichever thread is inside libtpms: the engine thread while a
 * command runs, the loop thread during start and stop.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>
#include <libtpms/tpm_nvfilename.h>

#include "core/log.h"
#include "services/tpm/tpm_priv.h"

#define COMP "tpm"

struct tpm_engine {
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool have_cmd;          /* a command waits for the thread */
    bool busy;              /* the thread is inside TPMLIB_Process() */
    bool have_rsp;          /* a response waits for the loop thread */
    bool quit;
    bool synchronous;       /* no thread: commands run inside submit */

    uint8_t cmd[PVR_TPM_BUFSIZE];
    size_t cmd_len;
    unsigned int locality;  /* of the command being run */

    unsigned char *rsp;     /* libtpms-owned response buffer */
    uint32_t rsp_size, rsp_len;
    uint8_t out[PVR_TPM_BUFSIZE];
    size_t out_len;

    int done_fd;
    bool offer_volatile;    /* loaddata may hand out the volatile state */
    char *state_path;
    struct tpm_state st;    /* the permanent blob last stored */
    struct pvr_tpm_stats *stats;
};

/* libtpms is process-wide, and so are its callbacks' context. */
static tpm_engine *the_engine;

/* ---- libtpms callbacks ---- */

static TPM_RESULT cb_nvram_init(void)
{
    return TPM_SUCCESS;
}

/*
 * libtpms asks for its NV ("permall") whenever it (re)initialises, not
 * only at start: always answer with the blob last stored.  Volatile
 * state is offered only when resuming, and only once.
 */
static TPM_RESULT cb_nvram_loaddata(unsigned char **data, uint32_t *length,
                                    uint32_t tpm_number, const char *name)
{
    tpm_engine *e = the_engine;
    const uint8_t *src = NULL;
    size_t len = 0;

    (void)tpm_number;
    if ( !strcmp(name, TPM_PERMANENT_ALL_NAME) )
    {
        src = e->st.permanent;
        len = e->st.permanent_len;
    }
    else if ( !strcmp(name, TPM_VOLATILESTATE_NAME) && e->offer_volatile )
    {
        src = e->st.volatile_;
        len = e->st.volatile_len;
        e->offer_volatile = false;
    }
    if ( !src || len == 0 || len > UINT32_MAX )
        return TPM_RETRY;   /* "no such data": libtpms starts afresh */
    if ( TPM_Malloc(data, len) != TPM_SUCCESS )
        return TPM_FAIL;
    memcpy(*data, src, len);
    *length = len;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_storedata(const unsigned char *data,
                                     uint32_t length, uint32_t tpm_number,
                                     const char *name)
{
    tpm_engine *e = the_engine;
    struct tpm_state st = { 0 };
    uint8_t *copy;

    (void)tpm_number;
    if ( strcmp(name, TPM_PERMANENT_ALL_NAME) )
        return TPM_SUCCESS;     /* TPM 2.0 commits all NV as "permall" */
    copy = malloc(length ? length : 1);
    if ( !copy )
        return TPM_FAIL;
    memcpy(copy, data, length);
    st.permanent = copy;
    st.permanent_len = length;
    /*
     * Persist before the command completes: the guest must never see
     * success for NV it could lose.  On failure libtpms answers the
     * command with an NV error.
     */
    if ( tpm__state_save(e->state_path, &st) )
    {
        free(copy);
        return TPM_FAIL;
    }
    free(e->st.permanent);
    e->st.permanent = copy;
    e->st.permanent_len = length;
    e->stats->state_writes++;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_deletename(uint32_t tpm_number, const char *name,
                                      TPM_BOOL must_exist)
{
    (void)tpm_number;
    (void)name;
    (void)must_exist;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_init(void)
{
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_getlocality(TPM_MODIFIER_INDICATOR *loc,
                                    uint32_t tpm_number)
{
    (void)tpm_number;
    *loc = the_engine ? the_engine->locality : 0;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_getphysicalpresence(TPM_BOOL *pp,
                                            uint32_t tpm_number)
{
    (void)tpm_number;
    *pp = FALSE;
    return TPM_SUCCESS;
}

static struct libtpms_callbacks callbacks = {
    .sizeOfStruct = sizeof(struct libtpms_callbacks),
    .tpm_nvram_init = cb_nvram_init,
    .tpm_nvram_loaddata = cb_nvram_loaddata,
    .tpm_nvram_storedata = cb_nvram_storedata,
    .tpm_nvram_deletename = cb_nvram_deletename,
    .tpm_io_init = cb_io_init,
    .tpm_io_getlocality = cb_io_getlocality,
    .tpm_io_getphysicalpresence = cb_io_getphysicalpresence,
};

/* ---- the thread ---- */

/* Run the command taken by the caller (busy set); without e->lock. */
static void run_command(tpm_engine *e)
{
    uint64_t one = 1;
    TPM_RESULT r;

    e->rsp_len = 0;
    r = TPMLIB_Process(&e->rsp, &e->rsp_len, &e->rsp_size, e->cmd,
                       e->cmd_len);

    pthread_mutex_lock(&e->lock);
    if ( r != TPM_SUCCESS || e->rsp_len > sizeof(e->out) )
    {
        pvr_err(COMP, "TPMLIB_Process failed (%#x, %u bytes)", r,
                e->rsp_len);
        e->out_len = tis__error_response(e->out, TPM2_RC_FAILURE);
    }
    else
    {
        memcpy(e->out, e->rsp, e->rsp_len);
        e->out_len = e->rsp_len;
    }
    e->stats->commands++;
    e->busy = false;
    e->have_rsp = true;
    pthread_cond_broadcast(&e->cond);
    /* The eventfd counter cannot overflow: one post per command. */
    if ( write(e->done_fd, &one, sizeof(one)) < 0 )
        pvr_log_e(PVR_LOG_ERROR, COMP, errno, "signal completion");
    pthread_mutex_unlock(&e->lock);
}

static void *engine_thread(void *arg)
{
    tpm_engine *e = arg;

    pthread_mutex_lock(&e->lock);
    for ( ;; )
    {
        while ( !e->have_cmd && !e->quit )
            pthread_cond_wait(&e->cond, &e->lock);
        if ( e->quit )
            break;
        e->have_cmd = false;
        e->busy = true;
        pthread_mutex_unlock(&e->lock);
        run_command(e);
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

static int engine_submit(void *opaque, const uint8_t *cmd, size_t len,
                         unsigned int locality)
{
    tpm_engine *e = opaque;

    pthread_mutex_lock(&e->lock);
    if ( e->have_cmd || e->busy || e->have_rsp || len > sizeof(e->cmd) )
    {
        pthread_mutex_unlock(&e->lock);
        return -EBUSY;  /* the TIS allows one command at a time */
    }
    memcpy(e->cmd, cmd, len);
    e->cmd_len = len;
    e->locality = locality;
    if ( e->synchronous )
    {
        /* Tests and fuzzing: run it now, completion still via done_fd. */
        e->busy = true;
        pthread_mutex_unlock(&e->lock);
        run_command(e);
        return 0;
    }
    e->have_cmd = true;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

static void engine_cancel(void *opaque)
{
    tpm_engine *e = opaque;

    pthread_mutex_lock(&e->lock);
    if ( e->busy )
        TPMLIB_CancelCommand();
    pthread_mutex_unlock(&e->lock);
}

const struct tis_engine_ops tpm__engine_ops = {
    .submit = engine_submit,
    .cancel = engine_cancel,
};

int tpm__engine_collect(tpm_engine *e, const uint8_t **rsp, size_t *len)
{
    uint64_t v;
    int have;

    if ( read(e->done_fd, &v, sizeof(v)) < 0 && errno != EAGAIN )
        pvr_log_e(PVR_LOG_ERROR, COMP, errno, "read completion");
    pthread_mutex_lock(&e->lock);
    have = e->have_rsp;
    e->have_rsp = false;
    pthread_mutex_unlock(&e->lock);
    if ( have )
    {
        /* The thread does not touch out[] until the next submit. */
        *rsp = e->out;
        *len = e->out_len;
    }
    return have;
}

/* ---- start and stop ---- */

static int libtpms_start(tpm_engine *e, bool resume)
{
    bool had_state = e->st.permanent != NULL;
    uint32_t min, max, got;
    TPM_RESULT r;

    r = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2);
    if ( r == TPM_SUCCESS )
        r = TPMLIB_RegisterCallbacks(&callbacks);
    if ( r != TPM_SUCCESS )
        return -EIO;
    got = TPMLIB_SetBufferSize(PVR_TPM_BUFSIZE, &min, &max);
    if ( got < min || got > PVR_TPM_BUFSIZE )
        return -EIO;
    e->offer_volatile = resume && e->st.volatile_;
    r = TPMLIB_MainInit();
    e->offer_volatile = false;
    if ( r != TPM_SUCCESS )
    {
        pvr_err(COMP, "TPMLIB_MainInit failed: %#x%s", r,
                had_state ? " (state rejected)" : "");
        return had_state ? -EBADMSG : -EIO;
    }
    pvr_info(COMP, "TPM 2.0 (libtpms %#x) %s%s", TPMLIB_GetVersion(),
             had_state ? "restored" : "manufactured",
             resume && e->st.volatile_ ? ", volatile state resumed" : "");
    return 0;
}

static void engine_free(tpm_engine *e)
{
    if ( e->done_fd >= 0 )
        close(e->done_fd);
    tpm__state_dispose(&e->st);
    free(e->state_path);
    TPM_Free(e->rsp);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

int tpm__engine_start(const char *state_path, struct tpm_state *st,
                      const struct pvr_tpm_config *cfg,
                      struct pvr_tpm_stats *stats, tpm_engine **out,
                      int *done_fd_out)
{
    bool resume = cfg->resume;
    tpm_engine *e;
    bool had_volatile = st->volatile_ != NULL;
    int rc;

    if ( the_engine )
        return -EBUSY;
    e = calloc(1, sizeof(*e));
    if ( !e )
        return -ENOMEM;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    e->stats = stats;
    e->synchronous = cfg->synchronous;
    e->st = *st;
    memset(st, 0, sizeof(*st));
    e->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    e->state_path = strdup(state_path);
    if ( e->done_fd < 0 || !e->state_path )
    {
        rc = e->done_fd < 0 ? -errno : -ENOMEM;
        engine_free(e);
        return rc;
    }

    the_engine = e;
    rc = libtpms_start(e, resume);
    if ( rc == 0 && !e->st.permanent )
    {
        pvr_err(COMP, "libtpms did not store its permanent state");
        rc = -EIO;
    }
    if ( rc == 0 && had_volatile )
    {
        /*
         * Volatile state is good for one start only: drop it from the
         * file now, so a later crash cannot resurrect stale PCRs.  (A
         * TPM manufactured by MainInit has stored itself already.)
         */
        free(e->st.volatile_);
        e->st.volatile_ = NULL;
        e->st.volatile_len = 0;
        rc = tpm__state_save(state_path, &e->st);
    }
    if ( rc == 0 && !e->synchronous )
    {
        rc = -pthread_create(&e->thread, NULL, engine_thread, e);
        e->thread_started = rc == 0;
    }
    if ( rc )
    {
        TPMLIB_Terminate();
        the_engine = NULL;
        engine_free(e);
        return rc;
    }
    *out = e;
    *done_fd_out = e->done_fd;
    return 0;
}

void tpm__engine_stop(tpm_engine *e, bool save_volatile)
{
    unsigned char *vbuf = NULL;
    uint32_t vlen = 0;

    if ( !e )
        return;
    pthread_mutex_lock(&e->lock);
    e->quit = true;
    if ( e->busy )
        TPMLIB_CancelCommand();
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    if ( e->thread_started )
        pthread_join(e->thread, NULL);

    if ( save_volatile && e->st.permanent &&
         TPMLIB_VolatileAll_Store(&vbuf, &vlen) == TPM_SUCCESS )
    {
        e->st.volatile_ = malloc(vlen ? vlen : 1);
        if ( e->st.volatile_ )
        {
            memcpy(e->st.volatile_, vbuf, vlen);
            e->st.volatile_len = vlen;
            if ( tpm__state_save(e->state_path, &e->st) == 0 )
                pvr_info(COMP, "volatile state saved (%u bytes)", vlen);
        }
        TPM_Free(vbuf);
    }
    TPMLIB_Terminate();
    the_engine = NULL;
    engine_free(e);
}
