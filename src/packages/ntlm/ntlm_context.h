/*
 * An NTLM security context during and after the handshake.
 *
 * The handshake is a small state machine (idea from s2n's handshake table):
 * each state names the message it expects and the handler that consumes it.
 * ntlm_context_step() looks the current state up in the table
 * (ntlm_context.c), checks the input token's message type and runs the
 * handler, which builds the output token and moves to the next state. Any
 * error puts the context in NTLM_ST_FAILED; a finished or failed context
 * refuses further tokens (contexts are one-shot: a replayed AUTHENTICATE on
 * a completed context is refused).
 *
 *   client: CLIENT_START --(no input)/NEGOTIATE--> CLIENT_WAIT_CHALLENGE
 *           --CHALLENGE/AUTHENTICATE--> DONE
 *   server: SERVER_START --NEGOTIATE/CHALLENGE--> SERVER_WAIT_AUTHENTICATE
 *           --AUTHENTICATE--> DONE
 * Connectionless (ISC_REQ_DATAGRAM / ASC_REQ_DATAGRAM): CLIENT_START --(no
 * input)/empty token--> CLIENT_WAIT_CHALLENGE (or straight to DONE when the
 * first call already carries the CHALLENGE); SERVER_START --(no
 * input)/CHALLENGE--> SERVER_WAIT_AUTHENTICATE.
 */
#ifndef LIBSSPI_NTLM_CONTEXT_H
#define LIBSSPI_NTLM_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "packages/package.h"
#include "ntlm_creds.h"
#include "ntlm_session.h"
#include "ntlm_userdb.h"

typedef enum ntlm_state {
    NTLM_ST_CLIENT_START,
    NTLM_ST_CLIENT_WAIT_CHALLENGE,
    NTLM_ST_SERVER_START,
    NTLM_ST_SERVER_WAIT_AUTHENTICATE,
    NTLM_ST_DONE,
    NTLM_ST_FAILED
} ntlm_state;

/* An owned copy of a handshake message (kept for the MIC). */
typedef struct ntlm_msg_copy {
    uint8_t *data;
    size_t len;
} ntlm_msg_copy;

typedef struct ntlm_context {
    ntlm_session session;      /* keys, negotiated flags, ret flags */
    ntlm_creds *creds;         /* reference (the identity) */
    ntlm_policy policy;        /* snapshot of the credential's policy */
    ntlm_userdb_source db;     /* snapshot of the account sources (server) */
    ntlm_state state;
    bool is_server;
    ULONG req_flags;           /* ISC_REQ_* / ASC_REQ_* of the latest call */
    uint32_t client_flags;     /* NEGOTIATE flags (sent or received) */
    ntlm_msg_copy negotiate;
    ntlm_msg_copy challenge;
    uint8_t server_challenge[8];
    uint64_t challenge_time;   /* server: MsvAvTimestamp sent (FILETIME) */
    uint64_t start_time;       /* FILETIME of context creation */
    bool anonymous;            /* NULL session */
    /* Names for attributes (UTF-8, owned): the authenticated client's (or,
     * on the client, our own) user and domain, the workstation, and the
     * server's names. */
    char *user;
    char *domain;
    char *workstation;
    char *server_domain;       /* NbDomainName (server: ours; client: the peer's) */
    char *target_name;         /* client: pszTargetName as given */
} ntlm_context;

/* The package (ntlm_package.c). */
extern const sspi_package sspi_ntlm_package;

/* FILETIME "never" (Windows reports it for NTLM contexts). */
#define NTLM_TIME_NEVER INT64_C(0x7fffffffffffffff)

SR_MUST_CHECK sr ntlm_context_new(ntlm_creds *creds, bool is_server, ntlm_context **out);
void ntlm_context_free(ntlm_context *ctx);
/* Run one ISC/ASC step through the state table. */
SR_MUST_CHECK sr ntlm_context_step(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out);
SR_MUST_CHECK sr ntlm_msg_copy_set(ntlm_msg_copy *m, const uint8_t *data, size_t len);

/* Current time as FILETIME (100 ns since 1601-01-01). */
uint64_t ntlm_filetime_now(void);
void ntlm_timestamp_set(TimeStamp *ts, int64_t filetime);
/* This machine's names: NetBIOS (upper case, <= 15 chars) and DNS. Owned. */
SR_MUST_CHECK sr ntlm_host_names(char **netbios, char **dns);
/* UTF-8 upper-case copy (NetBIOS forms). */
SR_MUST_CHECK sr ntlm_upper(const char *s, char **out);

/* Handlers (ntlm_client.c, ntlm_server.c). */
SR_MUST_CHECK sr ntlm_client_negotiate(ntlm_context *ctx, const sspi_step_in *in,
                                       sspi_step_out *out);
SR_MUST_CHECK sr ntlm_client_authenticate(ntlm_context *ctx, const sspi_step_in *in,
                                          sspi_step_out *out);
SR_MUST_CHECK sr ntlm_server_challenge(ntlm_context *ctx, const sspi_step_in *in,
                                       sspi_step_out *out);
SR_MUST_CHECK sr ntlm_server_authenticate(ntlm_context *ctx, const sspi_step_in *in,
                                          sspi_step_out *out);

/* ExportSecurityContext / ImportSecurityContext (ntlm_export.c): complete
 * contexts only; the blob is secret (see the file comment for its layout);
 * a malformed blob on import is SR_INVALID_TOKEN. */
SR_MUST_CHECK sr ntlm_context_export(ntlm_context *ctx, ULONG flags, sspi_token *packed);
SR_MUST_CHECK sr ntlm_context_import(const uint8_t *packed, size_t len, ntlm_context **out);

/* QueryContextAttributes (ntlm_attrs.c). */
SR_MUST_CHECK sr ntlm_query_context_attribute(ntlm_context *ctx, ULONG attribute, void *buffer,
                                              bool unicode);

#endif
