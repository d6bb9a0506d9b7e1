/*
 * Helpers shared by the API-level handshake tests (test_ntlm_handshake.c,
 * test_negotiate.c, ntlm_test_helpers.h): public SSPI structures only,
 * static inline so that each test uses what it needs.
 */
#ifndef LIBSSPI_TEST_SSPI_HELPERS_H
#define LIBSSPI_TEST_SSPI_HELPERS_H

#include <stdint.h>
#include <string.h>

#include <sspi.h>

/* A SEC_WINNT_AUTH_IDENTITY_A (ANSI | flags) over the given strings (NULL:
 * absent, length 0). */
static inline void th_identity_a(SEC_WINNT_AUTH_IDENTITY_A *id, const char *user,
                                 const char *domain, const char *password, ULONG flags) {
    memset(id, 0, sizeof *id);
    id->User = (UCHAR *)user;
    id->UserLength = user ? (ULONG)strlen(user) : 0;
    id->Domain = (UCHAR *)domain;
    id->DomainLength = domain ? (ULONG)strlen(domain) : 0;
    id->Password = (UCHAR *)password;
    id->PasswordLength = password ? (ULONG)strlen(password) : 0;
    id->Flags = SEC_WINNT_AUTH_IDENTITY_ANSI | flags;
}

static inline void th_buf(SecBuffer *b, ULONG type, void *p, ULONG len) {
    b->BufferType = type;
    b->pvBuffer = p;
    b->cbBuffer = len;
}

static inline void th_desc(SecBufferDesc *d, SecBuffer *b, ULONG n) {
    d->ulVersion = SECBUFFER_VERSION;
    d->cBuffers = n;
    d->pBuffers = b;
}

/* d over b[0] = SECBUFFER_TOKEN (p, len). */
static inline void th_desc1(SecBufferDesc *d, SecBuffer *b, void *p, ULONG len) {
    th_buf(&b[0], SECBUFFER_TOKEN, p, len);
    th_desc(d, b, 1);
}

/* d over b[0] = SECBUFFER_DATA (data) and b[1] = SECBUFFER_TOKEN (token). */
static inline void th_data_token(SecBufferDesc *d, SecBuffer b[2], void *data, ULONG data_len,
                                 void *token, ULONG token_len) {
    th_buf(&b[0], SECBUFFER_DATA, data, data_len);
    th_buf(&b[1], SECBUFFER_TOKEN, token, token_len);
    th_desc(d, b, 2);
}

/* A SEC_CHANNEL_BINDINGS buffer with application data only (TLS style). */
typedef struct cbt_buf {
    uint8_t bytes[sizeof(SEC_CHANNEL_BINDINGS) + 64];
    ULONG len;
} cbt_buf;

static inline void make_cbt(cbt_buf *b, const char *app) {
    memset(b, 0, sizeof *b);
    SEC_CHANNEL_BINDINGS h;
    memset(&h, 0, sizeof h);
    h.cbApplicationDataLength = (ULONG)strlen(app);
    h.dwApplicationDataOffset = sizeof h;
    memcpy(b->bytes, &h, sizeof h);
    memcpy(b->bytes + sizeof h, app, strlen(app));
    b->len = (ULONG)(sizeof h + strlen(app));
}

#endif
