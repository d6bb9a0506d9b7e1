/*
 * Helpers shared by the NTLM API-level tests (test_ntlm_modes.c,
 * test_ntlm_hostile.c): credentials, a temporary gss-ntlmssp style account
 * file, one-buffer descriptors and a step-by-step handshake driver. Static
 * inline so that each test uses what it needs without unused warnings.
 */
#ifndef LIBSSPI_TEST_NTLM_HELPERS_H
#define LIBSSPI_TEST_NTLM_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sspi.h>
#include <libsspi.h>

#include "packages/ntlm/ntlm_context.h"
#include "packages/ntlm/ntlm_wire.h"
#include "sspi_test_helpers.h"
#include "testlib.h"

#define PKG ((SEC_CHAR *)"NTLM")
#define PASSWORD "Passw0rd!"
#define TOKMAX 4096

static const char *const k_accounts =
    "DOM:alice:" PASSWORD "\n"
    "DOM:hashed:$NT$a4f49c406510bdcab6824ee7c30fd852\n"; /* NTOWFv1("Password") */

static inline char *th_write_file(const char *content) {
    return test_temp_file("/tmp/test_ntlm_usersXXXXXX", content);
}

static inline void th_drop_file(char *path) { test_drop_file(path); }

static inline SECURITY_STATUS th_set_ulong(CredHandle *c, ULONG attr, ULONG v) {
    return SetCredentialsAttributesA(c, attr, &v, sizeof v);
}

static inline SECURITY_STATUS th_client_creds(const char *user, const char *domain,
                                              const char *password, ULONG flags, ULONG level,
                                              CredHandle *out) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    th_identity_a(&id, user, domain, password, flags);
    TimeStamp exp;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, &id,
                                                  NULL, NULL, out, &exp);
    if (s != SEC_E_OK) return s;
    s = th_set_ulong(out, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, level);
    if (s != SEC_E_OK) FreeCredentialsHandle(out);
    return s;
}

static inline SECURITY_STATUS th_server_creds(const char *file, ULONG level, CredHandle *out) {
    TimeStamp exp;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                                  NULL, out, &exp);
    if (s != SEC_E_OK) return s;
    if (file)
        s = SetCredentialsAttributesA(out, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE, (void *)file,
                                      (ULONG)strlen(file) + 1);
    if (s == SEC_E_OK) s = th_set_ulong(out, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, level);
    if (s != SEC_E_OK) FreeCredentialsHandle(out);
    return s;
}

static inline ULONG th_isc_req(void) {
    return ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
           ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION;
}

static inline ULONG th_asc_req(void) {
    return ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
           ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION;
}

/* One ISC / ASC call with an optional input token; the output token lands
 * in out/out_len (out_len 0 when none). ctx_in NULL on the first call. */
static inline SECURITY_STATUS th_isc(CredHandle *cc, CtxtHandle *ctx_in, CtxtHandle *ctx_out,
                                     ULONG req, const uint8_t *in, ULONG in_len, uint8_t *out,
                                     ULONG *out_len, ULONG *attr) {
    SecBuffer ib[1], ob[1];
    SecBufferDesc id, od;
    TimeStamp exp;
    th_desc1(&id, ib, (void *)in, in_len);
    th_desc1(&od, ob, out, TOKMAX);
    SECURITY_STATUS s = InitializeSecurityContextA(
        cc, ctx_in, (SEC_CHAR *)"HTTP/server.example.com", req, 0, SECURITY_NATIVE_DREP,
        in ? &id : NULL, 0, ctx_out, &od, attr, &exp);
    *out_len = ob[0].cbBuffer;
    return s;
}

static inline SECURITY_STATUS th_asc(CredHandle *sc, CtxtHandle *ctx_in, CtxtHandle *ctx_out,
                                     ULONG req, const uint8_t *in, ULONG in_len, uint8_t *out,
                                     ULONG *out_len, ULONG *attr) {
    SecBuffer ib[1], ob[1];
    SecBufferDesc id, od;
    TimeStamp exp;
    th_desc1(&id, ib, (void *)in, in_len);
    th_desc1(&od, ob, out, TOKMAX);
    SECURITY_STATUS s = AcceptSecurityContext(sc, ctx_in, in ? &id : NULL, req,
                                              SECURITY_NATIVE_DREP, ctx_out, &od, attr, &exp);
    *out_len = ob[0].cbBuffer;
    return s;
}

/* A connection-oriented handshake with hooks on the CHALLENGE (before the
 * client sees it) and the AUTHENTICATE (before the server sees it). */
typedef struct th_hs {
    SECURITY_STATUS cli1, srv1, cli2, srv2;
    ULONG cattr, sattr;
    CtxtHandle cctx, sctx;
    bool have_cctx, have_sctx;
    uint8_t neg[TOKMAX], chal[TOKMAX], auth[TOKMAX];
    ULONG neg_len, chal_len, auth_len;
} th_hs;

typedef void (*th_tamper)(uint8_t *msg, ULONG *len);

static inline void th_handshake(CredHandle *cc, CredHandle *sc, th_tamper on_chal,
                                th_tamper on_auth, th_hs *h) {
    memset(h, 0, sizeof *h);
    h->cli1 = h->srv1 = h->cli2 = h->srv2 = (SECURITY_STATUS)0x7fffffff;
    h->cli1 = th_isc(cc, NULL, &h->cctx, th_isc_req(), NULL, 0, h->neg, &h->neg_len, &h->cattr);
    if (h->cli1 != SEC_I_CONTINUE_NEEDED) return;
    h->have_cctx = true;
    h->srv1 = th_asc(sc, NULL, &h->sctx, th_asc_req(), h->neg, h->neg_len, h->chal, &h->chal_len,
                     &h->sattr);
    if (h->srv1 != SEC_I_CONTINUE_NEEDED) return;
    h->have_sctx = true;
    if (on_chal) on_chal(h->chal, &h->chal_len);
    h->cli2 = th_isc(cc, &h->cctx, &h->cctx, th_isc_req(), h->chal, h->chal_len, h->auth,
                     &h->auth_len, &h->cattr);
    if (h->cli2 != SEC_E_OK) return;
    if (on_auth) on_auth(h->auth, &h->auth_len);
    uint8_t out[TOKMAX];
    ULONG out_len;
    h->srv2 = th_asc(sc, &h->sctx, &h->sctx, th_asc_req(), h->auth, h->auth_len, out, &out_len,
                     &h->sattr);
}

static inline void th_hs_free(th_hs *h) {
    if (h->have_cctx) (void)DeleteSecurityContext(&h->cctx);
    if (h->have_sctx) (void)DeleteSecurityContext(&h->sctx);
    h->have_cctx = h->have_sctx = false;
}

static inline uint32_t th_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void th_put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t th_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline void th_put_le16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Sign, verify, seal, unseal from one context to another with explicit
 * sequence numbers (ignored by connection-oriented contexts). Returns the
 * first failing status or SEC_E_OK. */
static inline SECURITY_STATUS th_roundtrip(CtxtHandle *from, CtxtHandle *to, ULONG seq) {
    char msg[] = "hello, NTLM";
    uint8_t sig[16];
    SecBuffer b[2];
    SecBufferDesc d;
    th_data_token(&d, b, msg, sizeof msg, sig, sizeof sig);
    SECURITY_STATUS s = MakeSignature(from, 0, &d, seq);
    if (s != SEC_E_OK) return s;
    ULONG qop = 0;
    s = VerifySignature(to, &d, seq, &qop);
    if (s != SEC_E_OK) return s;
    char plain[] = "secret payload";
    char buf[sizeof plain];
    memcpy(buf, plain, sizeof plain);
    b[0].pvBuffer = buf;
    b[0].cbBuffer = sizeof buf;
    b[1].cbBuffer = sizeof sig;
    s = EncryptMessage(from, 0, &d, seq);
    if (s != SEC_E_OK) return s;
    if (memcmp(buf, plain, sizeof plain) == 0) return SEC_E_INTERNAL_ERROR;
    s = DecryptMessage(to, &d, seq, &qop);
    if (s != SEC_E_OK) return s;
    return memcmp(buf, plain, sizeof plain) == 0 ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
}

#endif
