/*
 * libFuzzer target: ImportSecurityContext for Kerberos blobs
 * (src/packages/kerberos/krb_export.c, krb_context_import).
 *
 * Checked (abort() otherwise): no crash, leak or access outside the blob;
 * the only statuses are SR_OK, SR_INVALID_TOKEN and SR_NO_MEMORY; an
 * accepted blob is canonical (exporting the imported context gives the
 * same bytes back) and the context it makes works: EncryptMessage (DATA +
 * a sign-only buffer), MakeSignature, and DecryptMessage of a token made
 * by the same context (which must fail: wrong direction).
 * Seeds: fuzz/corpus/krb_export/ (test_krb_message --export-corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_context.h"
#include "packages/kerberos/krb_export.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    krb_context *ctx = NULL;
    sr r = krb_context_import(data, size, &ctx);
    CHECK(r.code == SR_OK || r.code == SR_INVALID_TOKEN || r.code == SR_NO_MEMORY);
    if (!sr_is_ok(r)) {
        CHECK(ctx == NULL);
        return 0;
    }
    CHECK(ctx != NULL);
    sspi_token t = {NULL, 0};
    CHECK(sr_is_ok(krb_context_export(ctx, 0, &t)));
    CHECK(t.len == size && memcmp(t.data, data, size) == 0);
    crypto_free_wipe(t.data, t.len);

    uint8_t hdr[16], body[40], tok[128], pad[8];
    memset(hdr, 1, sizeof hdr);
    memset(body, 2, sizeof body);
    SecBuffer b[4] = {{sizeof hdr, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, hdr},
                      {sizeof body, SECBUFFER_DATA, body},
                      {sizeof tok, SECBUFFER_TOKEN, tok},
                      {sizeof pad, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    CHECK(sr_is_ok(krb_encrypt_message(ctx, 0, &d, 0)));
    ULONG q;
    r = krb_decrypt_message(ctx, &d, 0, &q);
    CHECK(!sr_is_ok(r)); /* our own token: reflection */
    b[2].cbBuffer = sizeof tok;
    CHECK(sr_is_ok(krb_make_signature(ctx, 0, &d, 0)));
    krb_context_free(ctx);
    return 0;
}
