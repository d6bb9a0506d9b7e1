/*
 * A Kerberos security context (RFC 4121 over MIT krb5's AP exchange).
 *
 * States (one table, krb_context.c):
 *   client: CLIENT_START --(no input)/AP-REQ--> DONE                 (no mutual)
 *           CLIENT_START --(no input)/AP-REQ--> CLIENT_WAIT_AP_REP   (mutual, DCE)
 *           CLIENT_WAIT_AP_REP --AP-REP[/DCE AP-REP]--> DONE
 *   server: SERVER_START --AP-REQ[/AP-REP]--> DONE
 *           SERVER_START --AP-REQ/AP-REP--> SERVER_WAIT_DCE_AP_REP --AP-REP--> DONE (DCE)
 * Errors put the context in FAILED; a finished context refuses tokens.
 *
 * Tokens: RFC 4121 4.1 InitialContextToken framing (0x60, krb5 OID, TOK_ID
 * 01 00 AP-REQ / 02 00 AP-REP / 03 00 KRB-ERROR) or, with
 * ISC_REQ_USE_DCE_STYLE, the bare Kerberos messages.
 */
#ifndef LIBSSPI_KRB_CONTEXT_H
#define LIBSSPI_KRB_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "packages/package.h"
#include "krb5_glue.h"
#include "krb_creds.h"
#include "krb_crypto.h"
#include "krb_gss_token.h"

/* RFC 4121 4.1.1.1 GSS flags in the 0x8003 checksum. */
#define KRB_GSS_C_DELEG_FLAG 0x01u
#define KRB_GSS_C_MUTUAL_FLAG 0x02u
#define KRB_GSS_C_REPLAY_FLAG 0x04u
#define KRB_GSS_C_SEQUENCE_FLAG 0x08u
#define KRB_GSS_C_CONF_FLAG 0x10u
#define KRB_GSS_C_INTEG_FLAG 0x20u
#define KRB_GSS_C_DCE_STYLE 0x1000u
#define KRB_GSS_C_IDENTIFY_FLAG 0x2000u
#define KRB_GSS_C_EXTENDED_ERROR_FLAG 0x4000u

#define KRB_CKSUMTYPE_GSSAPI 0x8003u
#define KRB_TOK_AP_REQ 0x0100u
#define KRB_TOK_AP_REP 0x0200u
#define KRB_TOK_ERROR 0x0300u

/* Windows Kerberos SecPkgInfo.cbMaxToken (see krb_package.c). */
#define KRB_MAX_TOKEN 48000u

typedef enum krb_state {
    KRB_ST_CLIENT_START,
    KRB_ST_CLIENT_WAIT_AP_REP,
    KRB_ST_SERVER_START,
    KRB_ST_SERVER_WAIT_DCE_AP_REP,
    KRB_ST_DONE,
    KRB_ST_FAILED
} krb_state;

typedef struct krb_context {
    krb_creds *creds;          /* reference */
    bool is_server;
    krb_state state;
    ULONG req_flags;
    ULONG ret_flags;
    uint32_t gss_flags;        /* sent / received in the checksum */
    bool dce;
    bool mutual;
    kg_auth *auth;             /* AP exchange state (under creds->lock) */
    char *client_name;         /* "alice@REALM" */
    char *server_name;         /* "HTTP/host@REALM" */
    char *target_name;         /* client: pszTargetName */
    kg_times times;
    uint32_t ticket_flags;
    int32_t ticket_enctype;
    char *deleg_ccache;        /* server: MEMORY ccache of delegated creds */
    /* Per-message protection (ready in DONE). */
    bool gss_ready;
    krb_gss_ctx gss;
    krb_key session_key;       /* the context key Windows reports (subkey) */
    uint64_t send_seq;
    krb_seq_window recv_window;
} krb_context;

extern const sspi_package sspi_kerberos_package;

SR_MUST_CHECK sr krb_context_new(krb_creds *creds, bool is_server, krb_context **out);
void krb_context_free(krb_context *ctx);
SR_MUST_CHECK sr krb_context_step(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out);

/* Handlers (krb_client.c / krb_server.c), called under ctx->creds->lock. */
SR_MUST_CHECK sr krb_client_start(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out);
SR_MUST_CHECK sr krb_client_ap_rep(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out);
SR_MUST_CHECK sr krb_server_ap_req(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out);
SR_MUST_CHECK sr krb_server_dce_ap_rep(krb_context *ctx, const sspi_step_in *in,
                                       sspi_step_out *out);

/* Asynchronous ISC (krb_client.c): in an asynchronous call the first
 * client step suspends for each KDC exchange (async/async_io.h) instead of
 * blocking. krb_pending is the suspended state; krb_pending_resume takes it
 * (with the reply) back on the re-run, NULL on a fresh run. */
typedef struct krb_pending krb_pending;
/* True in an asynchronous call that may suspend (no transport test hook). */
bool krb_client_async(void);
krb_pending *krb_pending_resume(void);
/* The first call's partial context kept in the state (NULL if none). */
krb_context *krb_pending_take_ctx(krb_pending *p);
void krb_pending_free(void *p);
/* The first client step, asynchronous flavour; p: the resumed state or
 * NULL. Takes c->lock itself, never across the suspension. On
 * SR_ASYNC_CALL_PENDING with owns_ctx, ctx now belongs to the suspended
 * state (*ctx_taken: also when suspending failed, ctx is then freed). */
SR_MUST_CHECK sr krb_client_start_async(krb_context *ctx, bool owns_ctx, krb_pending *p,
                                        const sspi_step_in *in, sspi_step_out *out,
                                        bool *ctx_taken);
/* krb_context_step for asynchronous calls (the client's first step goes
 * through krb_client_start_async; p is consumed). */
SR_MUST_CHECK sr krb_context_step_async(krb_context *ctx, krb_pending *p, bool owns_ctx,
                                        bool *ctx_taken, const sspi_step_in *in,
                                        sspi_step_out *out);

/* Shared helpers (krb_context.c). */
/* Keys, sequence numbers and the message layer from the finished AP
 * exchange. */
SR_MUST_CHECK sr krb_context_finish(krb_context *ctx);
/* RFC 4121 4.1.1.2: MD5 of the channel bindings (zeros when absent). */
SR_MUST_CHECK sr krb_bindings_md5(const SEC_CHANNEL_BINDINGS *b, size_t b_len, uint8_t out[16]);
/* Framed token: 0x60 .. krb5 OID, TOK_ID, body. */
SR_MUST_CHECK sr krb_frame_token(uint16_t tok_id, const uint8_t *body, size_t len,
                                 sspi_token *out);
/* Parse a framed token: *tok_id and the body (views into data). Accepts the
 * krb5 OID and Microsoft's 1.2.840.48018.1.2.2. */
SR_MUST_CHECK sr krb_unframe_token(const uint8_t *data, size_t len, uint16_t *tok_id,
                                   const uint8_t **body, size_t *body_len);
/* The RFC 4121 4.1.1 authenticator checksum (type 0x8003) contents. */
typedef struct krb_gss_cksum {
    const uint8_t *bnd;        /* 16 bytes: MD5 of the channel bindings */
    uint32_t flags;
    bool has_deleg;            /* DlgOpt 1 present (only with DELEG_FLAG) */
    const uint8_t *deleg;      /* KRB-CRED */
    size_t deleg_len;
    size_t exts_len;           /* bytes after Deleg (extensions), ignored */
} krb_gss_cksum;
/* Strict parse: Lgth must be 16; Deleg only read when DELEG_FLAG is set;
 * views into data. SR_INVALID_TOKEN when malformed. */
SR_MUST_CHECK sr krb_gss_cksum_parse(const uint8_t *data, size_t len, krb_gss_cksum *out);
/* ISC_RET_* / ASC_RET_* from the GSS flags. */
ULONG krb_ret_flags(const krb_context *ctx);

/* Attributes (krb_attrs.c) and messages (krb_message.c). */
SR_MUST_CHECK sr krb_query_context_attribute(krb_context *ctx, ULONG attribute, void *buffer,
                                             bool unicode);
SR_MUST_CHECK sr krb_make_signature(krb_context *ctx, ULONG qop, SecBufferDesc *message,
                                    ULONG seq_no);
SR_MUST_CHECK sr krb_verify_signature(krb_context *ctx, SecBufferDesc *message, ULONG seq_no,
                                      ULONG *qop);
SR_MUST_CHECK sr krb_encrypt_message(krb_context *ctx, ULONG qop, SecBufferDesc *message,
                                     ULONG seq_no);
SR_MUST_CHECK sr krb_decrypt_message(krb_context *ctx, SecBufferDesc *message, ULONG seq_no,
                                     ULONG *qop);
/* SecPkgContext_Sizes values. */
void krb_context_sizes(const krb_context *ctx, SecPkgContext_Sizes *s);

#endif
