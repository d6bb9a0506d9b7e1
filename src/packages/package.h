/*
 * The package contract: every security package (NTLM, Negotiate, Kerberos,
 * Digest, Schannel, CredSSP) is one folder under src/packages/ exposing one
 * `const sspi_package` (see registry.c). The API layer (src/api/) does all of
 * the Windows-facing work so that packages never repeat it:
 *   - handle validation and lifetime (packages only see their own pointers);
 *   - A/W conversion: every string a package receives is UTF-8;
 *   - output token placement: the package returns a heap token, the API
 *     layer copies it into the caller's SECBUFFER_TOKEN or hands it out with
 *     ISC_REQ_ALLOCATE_MEMORY (SEC_E_BUFFER_TOO_SMALL / FreeContextBuffer);
 *   - mapping sr -> SECURITY_STATUS at the boundary.
 * A NULL function pointer means "not implemented": the API layer returns
 * SEC_E_UNSUPPORTED_FUNCTION.
 */
#ifndef LIBSSPI_PACKAGES_PACKAGE_H
#define LIBSSPI_PACKAGES_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/identity.h"
#include "core/result.h"

/* AcquireCredentialsHandle, after the API layer parsed pAuthData. */
typedef struct sspi_cred_request {
    ULONG use;                     /* SECPKG_CRED_INBOUND / OUTBOUND / BOTH */
    const sspi_identity *identity; /* NULL: no identity given (default creds) */
    const char *principal;         /* pszPrincipal in UTF-8, or NULL */
    /* pAuthData as given, when it is not a SEC_WINNT_AUTH_IDENTITY (e.g.
     * SCHANNEL_CRED); NULL otherwise. */
    const void *raw_auth_data;
    SEC_GET_KEY_FN get_key_fn;
    void *get_key_arg;
} sspi_cred_request;

/* A token produced by a package: heap memory (malloc), handed to the API
 * layer, which wipes and frees it. */
typedef struct sspi_token {
    uint8_t *data;
    size_t len;
} sspi_token;

/* One InitializeSecurityContext / AcceptSecurityContext step. */
typedef struct sspi_step_in {
    const char *target_name; /* ISC: pszTargetName in UTF-8, or NULL */
    ULONG req_flags;         /* ISC_REQ_* / ASC_REQ_* as the caller gave them */
    ULONG data_rep;          /* SECURITY_NATIVE_DREP / SECURITY_NETWORK_DREP */
    SecBufferDesc *input;    /* the caller's input descriptor, may be NULL */
    /* Convenience views into `input` (API layer fills them):
     * first SECBUFFER_TOKEN, and SECBUFFER_CHANNEL_BINDINGS if any. */
    const uint8_t *token;
    size_t token_len;
    const SEC_CHANNEL_BINDINGS *bindings; /* NULL when absent */
    size_t bindings_len;                  /* whole buffer incl. header */
    SecBufferDesc *output;   /* caller's output descriptor (for packages that
                              * emit more than one token buffer), may be NULL */
} sspi_step_in;

typedef struct sspi_step_out {
    sspi_token token;   /* output token; len 0 means no token */
    ULONG ret_flags;    /* ISC_RET_* / ASC_RET_* negotiated (reported on
                         * every return, success or not) */
    TimeStamp expiry;   /* context expiry (FILETIME-style 100ns since 1601) */
    size_t extra_len;   /* trailing input bytes not consumed: SECBUFFER_EXTRA */
    size_t missing_len; /* with SR_INCOMPLETE_MESSAGE: SECBUFFER_MISSING */
} sspi_step_out;

typedef struct sspi_package sspi_package;

struct sspi_package {
    /* SecPkgInfo fields (Windows values). */
    const char *name;    /* "NTLM" */
    const char *comment; /* "NTLM Security Package" */
    ULONG capabilities;  /* SECPKG_FLAG_* */
    USHORT version;
    USHORT rpcid;
    ULONG max_token;

    /* Credentials. On success *pkg_cred is the package's credential object. */
    SR_MUST_CHECK sr (*acquire_credentials)(const sspi_cred_request *req, void **pkg_cred,
                                            TimeStamp *expiry);
    void (*free_credentials)(void *pkg_cred);
    /* Query/Set credentials attributes: `unicode` tells which structure
     * flavour (A or W) the caller's buffer is; use the helpers in
     * core/memory.h to return strings. */
    SR_MUST_CHECK sr (*query_credentials_attribute)(void *pkg_cred, ULONG attribute, void *buffer,
                                                    bool unicode);
    SR_MUST_CHECK sr (*set_credentials_attribute)(void *pkg_cred, ULONG attribute, void *buffer,
                                                  ULONG buffer_len, bool unicode);

    /* Context establishment. *pkg_ctx is NULL on the first call; the package
     * sets it. If the first call fails, the package frees what it made and
     * leaves *pkg_ctx NULL. Returns SR_OK, SR_CONTINUE_NEEDED,
     * SR_COMPLETE_NEEDED, SR_COMPLETE_AND_CONTINUE, SR_INCOMPLETE_MESSAGE or
     * an error. The output token is placed by the API layer. */
    SR_MUST_CHECK sr (*init_context)(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                                     sspi_step_out *out);
    SR_MUST_CHECK sr (*accept_context)(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                                       sspi_step_out *out);
    SR_MUST_CHECK sr (*complete_auth_token)(void *pkg_ctx, SecBufferDesc *token);
    void (*delete_context)(void *pkg_ctx);
    SR_MUST_CHECK sr (*apply_control_token)(void *pkg_ctx, SecBufferDesc *input);

    /* Context attributes, written into the caller's structure. Strings and
     * variable data are allocated with sspi_caller_alloc & co. (the caller
     * frees them with FreeContextBuffer). SR_UNSUPPORTED for attributes the
     * package does not know; the API layer answers SECPKG_ATTR_PACKAGE_INFO
     * itself when the package returns SR_UNSUPPORTED for it. */
    SR_MUST_CHECK sr (*query_context_attribute)(void *pkg_ctx, ULONG attribute, void *buffer,
                                                bool unicode);
    SR_MUST_CHECK sr (*set_context_attribute)(void *pkg_ctx, ULONG attribute, void *buffer,
                                              ULONG buffer_len, bool unicode);

    /* Per-message protection, Windows buffer layouts. */
    SR_MUST_CHECK sr (*make_signature)(void *pkg_ctx, ULONG qop, SecBufferDesc *message,
                                       ULONG seq_no);
    SR_MUST_CHECK sr (*verify_signature)(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no,
                                         ULONG *qop);
    SR_MUST_CHECK sr (*encrypt_message)(void *pkg_ctx, ULONG qop, SecBufferDesc *message,
                                        ULONG seq_no);
    SR_MUST_CHECK sr (*decrypt_message)(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no,
                                        ULONG *qop);

    /* Export/ImportSecurityContext (serialised state in a heap token). */
    SR_MUST_CHECK sr (*export_context)(void *pkg_ctx, ULONG flags, sspi_token *packed);
    SR_MUST_CHECK sr (*import_context)(const uint8_t *packed, size_t len, void **pkg_ctx);

    /* true when pAuthData of AcquireCredentialsHandle is package-specific
     * (e.g. Schannel's SCHANNEL_CRED): the API layer then does not parse it
     * as a SEC_WINNT_AUTH_IDENTITY and hands it over as req->raw_auth_data.
     * false (the default) for identity-based packages (NTLM, Kerberos...). */
    bool raw_auth_data;
};

/* Registry (src/packages/registry.c). */
size_t sspi_package_count(void);
const sspi_package *sspi_package_at(size_t index);
/* Case-insensitive lookup by name (as Windows); NULL if unknown. */
const sspi_package *sspi_package_find(const char *name);

#endif
