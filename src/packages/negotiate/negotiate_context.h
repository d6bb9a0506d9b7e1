/*
 * Negotiate (SPNEGO) credentials and contexts.
 *
 * A Negotiate credential holds one credential per usable inner mech
 * (acquired through that mech's package with the same request), restricted
 * by the SEC_WINNT_AUTH_IDENTITY_EX PackageList. A Negotiate context wraps
 * exactly one inner context at a time (the selected, or on the client the
 * currently tried, mech) and the SPNEGO bookkeeping around it: the DER
 * MechTypeList both sides MIC, who sent/verified a MIC, whether one is
 * required. Once negotiation is complete every per-message call and most
 * attributes go to the inner mech's package.
 *
 * The API layer keeps a context's credential alive as long as the context
 * (api_internal.h), so a context points at its Negotiate credential.
 */
#ifndef LIBSSPI_NEGOTIATE_CONTEXT_H
#define LIBSSPI_NEGOTIATE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "packages/negotiate/mech.h"
#include "packages/negotiate/spnego_wire.h"
#include "packages/package.h"

#define NEGO_MAX_MECHS 4

/* Windows 10 values (negotiate_package.c). */
extern const sspi_package sspi_negotiate_package;

typedef struct nego_mech_cred {
    const nego_mech *mech;
    const sspi_package *pkg;
    void *cred;
} nego_mech_cred;

typedef struct nego_cred {
    ULONG use;
    size_t count;                       /* usable mechs, preference order */
    nego_mech_cred m[NEGO_MAX_MECHS];
} nego_cred;

typedef enum nego_state {
    NEGO_ST_START,          /* no call yet */
    NEGO_ST_CLIENT_WAIT,    /* client: NegTokenInit sent, waiting for replies */
    NEGO_ST_CLIENT_FINAL,   /* client: inner done, waiting for accept-completed */
    NEGO_ST_SERVER_INIT2,   /* server: NegTokenInit2 sent, waiting for NegTokenInit */
    NEGO_ST_SERVER_MECH,    /* server: inner exchange under way */
    NEGO_ST_RAW,            /* raw inner tokens (NTLMSSP given to Negotiate) */
    NEGO_ST_DONE,
    NEGO_ST_FAILED
} nego_state;

typedef struct nego_context {
    bool is_server;
    nego_state state;
    nego_cred *cred;                 /* borrowed (kept alive by the API layer) */
    /* The inner context. */
    const nego_mech_cred *mc;        /* selected (or tried) mech */
    void *inner;                     /* its package context, NULL before the first step */
    bool inner_done;                 /* inner package returned SR_OK */
    ULONG inner_flags;               /* its ret flags (ISC_RET_* / ASC_RET_*) */
    TimeStamp expiry;
    /* Client: the mechs offered, in the order sent (indexes into cred->m). */
    size_t offered[NEGO_MAX_MECHS];
    size_t offered_count;
    bool first_reply_seen;           /* client: supportedMech processed */
    /* DER MechTypeList as sent (client) or received (server). */
    uint8_t *mech_list;
    size_t mech_list_len;
    bool mic_required;               /* RFC 4178 5: mech not the first choice / request-mic */
    bool mic_sent;
    bool mic_verified;
    /* Server: the OID to echo as supportedMech. */
    uint8_t supported_oid[16];
    size_t supported_oid_len;
} nego_context;

/* Contexts (negotiate_package.c). */
SR_MUST_CHECK sr nego_context_new(nego_cred *cred, bool is_server, nego_context **out);
void nego_context_free(nego_context *ctx);
/* Delete the inner context (if any). */
void nego_inner_drop(nego_context *ctx);
/* One inner ISC/ASC step with `token` in place of the caller's input token
 * (everything else, channel bindings included, passed through). */
SR_MUST_CHECK sr nego_inner_step(nego_context *ctx, const sspi_step_in *in, const uint8_t *token,
                                 size_t token_len, sspi_token *out_token);
/* Keep a copy of a DER MechTypeList. */
SR_MUST_CHECK sr nego_set_mech_list(nego_context *ctx, const uint8_t *der, size_t len);
/* MIC helpers: make / verify over ctx->mech_list, then after_mic. */
SR_MUST_CHECK sr nego_mic_make(nego_context *ctx, uint8_t **mic, size_t *mic_len);
SR_MUST_CHECK sr nego_mic_verify(nego_context *ctx, gss_view mic);
bool nego_mic_available(const nego_context *ctx);
/* Heap token from a writer (wire_writer_take) into out. */
SR_MUST_CHECK sr nego_build_resp(const spnego_neg_token_resp *t, sspi_token *out);

/* Steps (negotiate_client.c, negotiate_server.c). */
SR_MUST_CHECK sr nego_client_step(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out);
SR_MUST_CHECK sr nego_server_step(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out);

/* Credentials PackageList ("kerberos,!ntlm") filter (negotiate_mech.c):
 * true when the mech may be used. NULL or empty list: every mech. */
bool nego_package_list_allows(const char *list, const nego_mech *m);

/* QueryContextAttributes (negotiate_attrs.c). */
SR_MUST_CHECK sr nego_query_context_attribute(nego_context *ctx, ULONG attribute, void *buffer,
                                              bool unicode);

#endif
