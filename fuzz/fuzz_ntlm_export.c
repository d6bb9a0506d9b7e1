/*
 * libFuzzer target: NTLM ImportSecurityContext blob parser
 * (ntlm_context_import, src/packages/ntlm/ntlm_export.c).
 *
 * Failure: SR_INVALID_TOKEN (or SR_NO_MEMORY), nothing returned. Success:
 * the imported context is complete, exporting it again gives back exactly
 * the input bytes (the format is canonical), and signing a message with it
 * works; then it is freed (ASan checks the wiping/freeing paths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/ntlm/ntlm_context.h"
#include "packages/ntlm/ntlm_session.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ntlm_context *ctx = (ntlm_context *)(uintptr_t)1;
    sr r = ntlm_context_import(data, size, &ctx);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_TOKEN || r.code == SR_NO_MEMORY);
        CHECK(ctx == NULL);
        return 0;
    }
    CHECK(ctx != NULL && ctx->state == NTLM_ST_DONE && ctx->session.established);
    sspi_token t = {NULL, 0};
    CHECK(sr_is_ok(ntlm_context_export(ctx, 0, &t)));
    CHECK(t.len == size && memcmp(t.data, data, size) == 0);
    free(t.data);

    uint8_t msg[8] = "fuzzing", sig[16];
    SecBuffer b[2] = {{sizeof msg, SECBUFFER_DATA, msg}, {sizeof sig, SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    r = ntlm_make_signature(&ctx->session, 0, &d, 0);
    CHECK(sr_is_ok(r) || r.code == SR_UNSUPPORTED);
    ntlm_context_free(ctx);
    return 0;
}
