#include "export_blob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void export_keep(sr *acc, sr r) {
    if (acc->code == SR_OK) *acc = r;
}

void export_put_str(wire_writer *w, const char *s, sr *acc) {
    size_t n = s ? strlen(s) : 0;
    if (n > EXPORT_STR_MAX) {
        export_keep(acc, SR_FAIL(SR_CANNOT_PACK));
        return;
    }
    export_keep(acc, wire_write_u8(w, s != NULL));
    export_keep(acc, wire_write_u16le(w, (uint16_t)n));
    if (n) export_keep(acc, wire_write_bytes(w, s, n));
}

sr export_tok(sr r) {
    return (sr_is_ok(r) || r.code == SR_NO_MEMORY) ? r : SR_FAIL(SR_INVALID_TOKEN);
}

sr export_get_str(wire_reader *r, char **out) {
    uint8_t present;
    uint16_t n;
    const uint8_t *p = NULL;
    SR_TRY(export_tok(wire_read_u8(r, &present)));
    SR_TRY(export_tok(wire_read_u16le(r, &n)));
    SR_ENSURE(present <= 1 && n <= EXPORT_STR_MAX && (present || n == 0), SR_INVALID_TOKEN);
    if (n) SR_TRY(export_tok(wire_read_bytes(r, n, &p)));
    if (!present) return SR_SUCCESS;
    SR_ENSURE(n == 0 || memchr(p, 0, n) == NULL, SR_INVALID_TOKEN);
    *out = malloc((size_t)n + 1);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    if (n) memcpy(*out, p, n);
    (*out)[n] = '\0';
    return SR_SUCCESS;
}
