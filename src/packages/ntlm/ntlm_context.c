/*
 * NTLM context lifetime and the handshake state table (see ntlm_context.h).
 */
#include "ntlm_context.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/unicode.h"
#include "crypto/crypto.h"
#include "ntlm_wire.h"

#define LOG_COMPONENT "ntlm"

typedef sr (*ntlm_handler)(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out);

typedef struct ntlm_transition {
    ntlm_state state;
    uint32_t expect; /* NTLM_MSG_* the input token must be, 0: none needed */
    ntlm_handler handler;
    const char *name;
} ntlm_transition;

static const ntlm_transition transitions[] = {
    {NTLM_ST_CLIENT_START, 0, ntlm_client_negotiate, "client: send NEGOTIATE"},
    {NTLM_ST_CLIENT_WAIT_CHALLENGE, NTLM_MSG_CHALLENGE, ntlm_client_authenticate,
     "client: CHALLENGE -> AUTHENTICATE"},
    /* No input type check here: with ASC_REQ_DATAGRAM the first call has no
     * token (connectionless); the handler checks for NEGOTIATE otherwise. */
    {NTLM_ST_SERVER_START, 0, ntlm_server_challenge, "server: NEGOTIATE -> CHALLENGE"},
    {NTLM_ST_SERVER_WAIT_AUTHENTICATE, NTLM_MSG_AUTHENTICATE, ntlm_server_authenticate,
     "server: verify AUTHENTICATE"},
};

uint64_t ntlm_filetime_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* 11644473600 s between 1601-01-01 and 1970-01-01 */
    return ((uint64_t)ts.tv_sec + UINT64_C(11644473600)) * UINT64_C(10000000) +
           (uint64_t)ts.tv_nsec / 100u;
}

void ntlm_timestamp_set(TimeStamp *ts, int64_t filetime) {
    uint64_t v = (uint64_t)filetime;
    ts->LowPart = (ULONG)(v & 0xffffffffu);
    ts->HighPart = (LONG)(int32_t)(uint32_t)(v >> 32);
}

sr ntlm_upper(const char *s, char **out) {
    size_t n = strlen(s), k = 0;
    while (k < n && (unsigned char)s[k] < 0x80) k++;
    if (k == n) { /* ASCII (host and domain names): same mapping, one copy */
        *out = malloc(n + 1);
        SR_ENSURE(*out != NULL, SR_NO_MEMORY);
        for (k = 0; k <= n; k++)
            (*out)[k] = (char)(s[k] >= 'a' && s[k] <= 'z' ? s[k] - 'a' + 'A' : s[k]);
        return SR_SUCCESS;
    }
    uint8_t *w = NULL;
    size_t wlen = 0, olen = 0;
    SR_TRY(utf8_to_utf16le(s, n, &w, &wlen));
    utf16le_upcase(w, wlen);
    sr r = utf16le_to_utf8(w, wlen, out, &olen);
    free(w);
    return r;
}

sr ntlm_host_names(char **netbios, char **dns) {
    char host[256];
    *netbios = NULL;
    *dns = NULL;
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    *dns = strdup(host);
    SR_ENSURE(*dns != NULL, SR_NO_MEMORY);
    char nb[16];
    size_t i = 0;
    while (host[i] && host[i] != '.' && i < 15) {
        nb[i] = host[i];
        i++;
    }
    nb[i] = '\0';
    sr r = ntlm_upper(nb, netbios);
    if (!sr_is_ok(r)) {
        free(*dns);
        *dns = NULL;
    }
    return r;
}

sr ntlm_msg_copy_set(ntlm_msg_copy *m, const uint8_t *data, size_t len) {
    crypto_free_wipe(m->data, m->len);
    m->data = NULL;
    m->len = 0;
    if (len == 0) return SR_SUCCESS;
    m->data = malloc(len);
    SR_ENSURE(m->data != NULL, SR_NO_MEMORY);
    memcpy(m->data, data, len);
    m->len = len;
    return SR_SUCCESS;
}

sr ntlm_context_new(ntlm_creds *creds, bool is_server, ntlm_context **out) {
    *out = NULL;
    ntlm_context *ctx = calloc(1, sizeof(*ctx));
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    sr r = ntlm_creds_snapshot(creds, &ctx->policy, &ctx->db);
    if (!sr_is_ok(r)) {
        free(ctx);
        return r;
    }
    ctx->creds = ntlm_creds_ref(creds);
    ctx->is_server = is_server;
    ctx->session.is_client = !is_server;
    ctx->state = is_server ? NTLM_ST_SERVER_START : NTLM_ST_CLIENT_START;
    ctx->start_time = ntlm_filetime_now();
    *out = ctx;
    return SR_SUCCESS;
}

static void free_str(char **s) {
    if (*s) crypto_free_wipe(*s, strlen(*s));
    *s = NULL;
}

void ntlm_context_free(ntlm_context *ctx) {
    if (!ctx) return;
    ntlm_session_clear(&ctx->session);
    ntlm_creds_release(ctx->creds);
    ntlm_userdb_source_clear(&ctx->db);
    crypto_free_wipe(ctx->negotiate.data, ctx->negotiate.len);
    crypto_free_wipe(ctx->challenge.data, ctx->challenge.len);
    free_str(&ctx->user);
    free_str(&ctx->domain);
    free_str(&ctx->workstation);
    free_str(&ctx->server_domain);
    free_str(&ctx->target_name);
    crypto_wipe(ctx, sizeof(*ctx));
    free(ctx);
}

sr ntlm_context_step(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    const ntlm_transition *t = NULL;
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        if (transitions[i].state == ctx->state) t = &transitions[i];
    out->ret_flags = ctx->session.context_attr;
    ntlm_timestamp_set(&out->expiry, NTLM_TIME_NEVER);
    if (!t) {
        /* DONE or FAILED: one-shot contexts take no more tokens. */
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "token refused: context already %s",
                 ctx->state == NTLM_ST_DONE ? "complete" : "failed");
        return SR_FAIL(SR_OUT_OF_SEQUENCE);
    }
    if (t->expect != 0) {
        uint32_t type = in->token ? ntlm_message_type(in->token, in->token_len) : 0;
        if (type != t->expect) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s: got message type %u", t->name,
                     (unsigned)type);
            ctx->state = NTLM_ST_FAILED;
            return SR_FAIL(SR_INVALID_TOKEN);
        }
    }
    ctx->req_flags = in->req_flags;
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "%s (token %zu bytes)", t->name,
             in->token ? in->token_len : (size_t)0);
    sr r = t->handler(ctx, in, out);
    out->ret_flags = ctx->session.context_attr;
    if (sr_is_error(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s failed: %s", t->name, sr_code_name(r.code));
        ctx->state = NTLM_ST_FAILED;
        crypto_free_wipe(out->token.data, out->token.len);
        out->token.data = NULL;
        out->token.len = 0;
    }
    return r;
}
