/*
 * Helpers for the fuzz targets that drive the public SSPI API
 * (fuzz_ntlm_server.c, fuzz_negotiate_server.c, fuzz_negotiate_client.c,
 * fuzz_secbuffer.c):
 * credentials with an in-memory account (hash callback, no files), one-call
 * wrappers for InitializeSecurityContext / AcceptSecurityContext, a small
 * byte-stream reader over the fuzz input and a token mutator.
 */
#ifndef LIBSSPI_FUZZ_API_H
#define LIBSSPI_FUZZ_API_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsspi.h>
#include <sspi.h>

#include "packages/ntlm/ntlm_crypto.h"
#include "packages/package.h"

/* The registry refers to the packages weakly: a static link only keeps the
 * ones something refers to strongly. The API-level targets want them all. */
extern const sspi_package sspi_ntlm_package, sspi_negotiate_package, sspi_kerberos_package;
static const sspi_package *const fz_linked_packages[] __attribute__((used)) = {
    &sspi_ntlm_package, &sspi_negotiate_package, &sspi_kerberos_package};

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define FZ_TOKMAX 8192
#define FZ_PASSWORD "Passw0rd!"
#define FZ_TARGET "HTTP/server.example.com"

/* ---- input reader ---- */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static inline uint8_t fz_u8(fz_in *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fz_u16(fz_in *in) {
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | fz_u8(in) << 8);
}

/* A length-prefixed (u16) chunk; exact-size heap copy (caller frees). */
static inline uint8_t *fz_chunk(fz_in *in, size_t *len) {
    size_t n = fz_u16(in);
    if (n > in->n) n = in->n;
    uint8_t *b = malloc(n ? n : 1);
    CHECK(b != NULL);
    if (n) memcpy(b, in->p, n);
    in->p += n;
    in->n -= n;
    *len = n;
    return b;
}

/* ---- accounts ---- */
static inline int fz_hash_cb(void *arg, const char *user, const char *domain,
                             unsigned char nt_hash[16]) {
    (void)arg;
    (void)domain;
    if (strcasecmp(user, "alice") != 0 && strcasecmp(user, "empty") != 0) return 1;
    const char *pw = strcasecmp(user, "empty") == 0 ? "" : FZ_PASSWORD;
    return sr_is_ok(ntlm_nt_hash(pw, strlen(pw), nt_hash)) ? 0 : 1;
}

static inline SECURITY_STATUS fz_set_ulong(CredHandle *c, ULONG attr, ULONG v) {
    return SetCredentialsAttributesA(c, attr, &v, sizeof v);
}

static inline void fz_server_creds(const char *pkg, CredHandle *out) {
    TimeStamp exp;
    CHECK(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                    NULL, out, &exp) == SEC_E_OK);
    LIBSSPI_NTLM_HASH_CALLBACK cb = {fz_hash_cb, NULL};
    CHECK(SetCredentialsAttributesA(out, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                    sizeof cb) == SEC_E_OK);
}

/* Client credentials; packages (EX PackageList) may be NULL. */
static inline SECURITY_STATUS fz_client_creds(const char *pkg, const char *user,
                                              const char *domain, const char *password,
                                              const char *packages, CredHandle *out) {
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (UCHAR *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (UCHAR *)domain;
    id.DomainLength = (ULONG)strlen(domain);
    id.Password = (UCHAR *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    id.PackageList = (UCHAR *)packages;
    id.PackageListLength = packages ? (ULONG)strlen(packages) : 0;
    TimeStamp exp;
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                     NULL, out, &exp);
}

/* ---- one handshake call ---- */
typedef struct fz_call {
    const uint8_t *in;
    size_t in_len;
    const void *bindings; /* SECBUFFER_CHANNEL_BINDINGS content, or NULL */
    size_t bindings_len;
    uint8_t out[FZ_TOKMAX];
    ULONG out_len;
    ULONG attr;
} fz_call;

static inline void fz_descs(fz_call *c, bool have_in, SecBufferDesc *id, SecBuffer *ib,
                            SecBufferDesc *od, SecBuffer *ob) {
    id->ulVersion = SECBUFFER_VERSION;
    id->pBuffers = ib;
    id->cBuffers = 0;
    if (have_in) {
        ib[id->cBuffers].BufferType = SECBUFFER_TOKEN;
        ib[id->cBuffers].pvBuffer = (void *)c->in;
        ib[id->cBuffers].cbBuffer = (ULONG)c->in_len;
        id->cBuffers++;
    }
    if (c->bindings) {
        ib[id->cBuffers].BufferType = SECBUFFER_CHANNEL_BINDINGS;
        ib[id->cBuffers].pvBuffer = (void *)c->bindings;
        ib[id->cBuffers].cbBuffer = (ULONG)c->bindings_len;
        id->cBuffers++;
    }
    od->ulVersion = SECBUFFER_VERSION;
    od->cBuffers = 1;
    od->pBuffers = ob;
    ob[0].BufferType = SECBUFFER_TOKEN;
    ob[0].pvBuffer = c->out;
    ob[0].cbBuffer = FZ_TOKMAX;
}

static inline SECURITY_STATUS fz_isc(CredHandle *cc, CtxtHandle *ctx, bool first, ULONG req,
                                     fz_call *c) {
    SecBuffer ib[2], ob[1];
    SecBufferDesc id, od;
    TimeStamp exp;
    bool have_in = c->in != NULL;
    fz_descs(c, have_in, &id, ib, &od, ob);
    SECURITY_STATUS s = InitializeSecurityContextA(
        cc, first ? NULL : ctx, (SEC_CHAR *)FZ_TARGET, req, 0, SECURITY_NATIVE_DREP,
        id.cBuffers ? &id : NULL, 0, ctx, &od, &c->attr, &exp);
    if (getenv("FZ_DEBUG")) fprintf(stderr, "ISC(%zu bytes) -> 0x%08x\n", c->in_len, (unsigned)s);
    c->out_len = ob[0].cbBuffer;
    CHECK(c->out_len <= FZ_TOKMAX);
    return s;
}

static inline SECURITY_STATUS fz_asc(CredHandle *sc, CtxtHandle *ctx, bool first, ULONG req,
                                     fz_call *c) {
    SecBuffer ib[2], ob[1];
    SecBufferDesc id, od;
    TimeStamp exp;
    bool have_in = c->in != NULL;
    fz_descs(c, have_in, &id, ib, &od, ob);
    SECURITY_STATUS s = AcceptSecurityContext(sc, first ? NULL : ctx, id.cBuffers ? &id : NULL,
                                              req, SECURITY_NATIVE_DREP, ctx, &od, &c->attr,
                                              &exp);
    if (getenv("FZ_DEBUG")) fprintf(stderr, "ASC(%zu bytes) -> 0x%08x\n", c->in_len, (unsigned)s);
    c->out_len = ob[0].cbBuffer;
    CHECK(c->out_len <= FZ_TOKMAX);
    return s;
}

/* Whether a first call created a context handle that must be deleted. */
static inline bool fz_made_ctx(SECURITY_STATUS s) {
    return s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED || s == SEC_I_COMPLETE_NEEDED ||
           s == SEC_I_COMPLETE_AND_CONTINUE;
}

/* The statuses a handshake call may legitimately return on hostile input:
 * anything else (SEC_E_INTERNAL_ERROR in particular) is a bug. */
static inline bool fz_handshake_status_ok(SECURITY_STATUS s) {
    switch (s) {
    case SEC_E_OK:
    case SEC_I_CONTINUE_NEEDED:
    case SEC_I_COMPLETE_NEEDED:
    case SEC_I_COMPLETE_AND_CONTINUE:
    case SEC_E_INVALID_TOKEN:
    case SEC_E_LOGON_DENIED:
    case SEC_E_BAD_BINDINGS:
    case SEC_E_INSUFFICIENT_MEMORY:
    case SEC_E_UNSUPPORTED_FUNCTION:
    case SEC_E_NO_CREDENTIALS:
    case SEC_E_MESSAGE_ALTERED:
    case SEC_E_TIME_SKEW:
    case SEC_E_TARGET_UNKNOWN:
    case SEC_E_WRONG_PRINCIPAL:
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
    case SEC_E_INCOMPLETE_MESSAGE:
    case SEC_E_BUFFER_TOO_SMALL:
    case SEC_E_DOWNGRADE_DETECTED:
    case SEC_E_OUT_OF_SEQUENCE:
    case SEC_E_QOP_NOT_SUPPORTED:
        return true;
    default:
        return false;
    }
}

/* ---- token mutation ---- */
/* Apply up to `count` edits read from `in` to tok (len may change, within
 * FZ_TOKMAX): op 0 xor a byte, 1 set a byte, 2 truncate, 3 append a byte,
 * 4 insert a byte, 5 delete a byte. Returns the number of edits applied. */
static inline int fz_mutate(fz_in *in, uint8_t *tok, ULONG *len, unsigned count) {
    int applied = 0;
    for (unsigned i = 0; i < count && in->n >= 4; i++) {
        uint8_t op = fz_u8(in) % 6;
        uint16_t pos = fz_u16(in);
        uint8_t v = fz_u8(in);
        ULONG n = *len;
        switch (op) {
        case 0:
            if (n) tok[pos % n] ^= v ? v : 1;
            break;
        case 1:
            if (n) tok[pos % n] = v;
            break;
        case 2:
            if (n) *len = pos % n;
            break;
        case 3:
            if (n < FZ_TOKMAX) tok[(*len)++] = v;
            break;
        case 4:
            if (n < FZ_TOKMAX) {
                ULONG at = n ? pos % (n + 1) : 0;
                memmove(tok + at + 1, tok + at, n - at);
                tok[at] = v;
                (*len)++;
            }
            break;
        default:
            if (n) {
                ULONG at = pos % n;
                memmove(tok + at, tok + at + 1, n - at - 1);
                (*len)--;
            }
            break;
        }
        applied++;
    }
    return applied;
}

#endif
