/*
 * Output of the token decoder: one tree of members, printed either as
 * indented "Key: value" text or as JSON (see decode_int.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

void em_init(dec_emit *e, FILE *out, bool json) {
    memset(e, 0, sizeof *e);
    e->out = out;
    e->json = json;
    if (json) {
        fputc('{', out);
        e->kind[0] = 'o';
    }
}

/* printf into a malloc'd string (NULL on failure). */
static char *vformat(const char *fmt, va_list ap) DEC_PRINTF(1, 0);
static char *vformat(const char *fmt, va_list ap) {
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', out);
            fputc(*p, out);
        } else if (*p == '\n') {
            fputs("\\n", out);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void json_key(FILE *out, const char *key) {
    fputc('"', out);
    for (const char *p = key; *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '-' || ch == '/') ch = '_';
        if (ch == '"' || ch == '\\') continue;
        fputc(ch, out);
    }
    fputs("\": ", out);
}

static void indent(dec_emit *e) {
    for (int i = 0; i < e->depth; i++) fputs("  ", e->out);
}

/* JSON: separator + key (when the enclosing container is an object). */
static void json_member(dec_emit *e, const char *key) {
    if (e->need_comma[e->depth]) fputc(',', e->out);
    e->need_comma[e->depth] = true;
    if (e->kind[e->depth] == 'o') json_key(e->out, key ? key : "value");
}

/* Text: "Key: value" / "Key:" / "value" (key NULL). */
static void text_line(dec_emit *e, const char *key, const char *value) {
    indent(e);
    if (key && value) fprintf(e->out, "%s: %s\n", key, value);
    else if (key) fprintf(e->out, "%s:\n", key);
    else fprintf(e->out, "%s\n", value ? value : "");
}

static void scalar(dec_emit *e, const char *key, const char *value) {
    if (!value) value = "(out of memory)";
    if (e->json) {
        json_member(e, key);
        json_string(e->out, value);
    } else {
        text_line(e, e->kind[e->depth] == 'o' || e->depth == 0 ? key : NULL, value);
    }
}

void em_str(dec_emit *e, const char *key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    scalar(e, key, s);
    free(s);
}

void em_uint(dec_emit *e, const char *key, uint64_t v) {
    if (e->json) {
        json_member(e, key);
        fprintf(e->out, "%llu", (unsigned long long)v);
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        text_line(e, key, buf);
    }
}

void em_hex(dec_emit *e, const char *key, const uint8_t *p, size_t n) {
    char *h = dec_hex_alloc(p, n);
    scalar(e, key, h && n == 0 ? "(empty)" : h);
    free(h);
}

/* Open a container; value may be NULL. */
static void em_open(dec_emit *e, const char *key, char kind, const char *value, bool has_offset,
                 size_t offset, size_t length, bool has_length) {
    if (e->depth + 2 >= DEC_EMIT_MAX_DEPTH) return; /* cannot happen: nesting is bounded */
    if (e->json) {
        json_member(e, key);
        bool wrap = kind == 'o' || value || has_length;
        if (wrap) {
            fputc('{', e->out);
            bool comma = false;
            if (value) {
                json_key(e->out, "value");
                json_string(e->out, value);
                comma = true;
            }
            if (has_offset) {
                fprintf(e->out, "%s\"offset\": %zu", comma ? ", " : "", offset);
                comma = true;
            }
            if (has_length) {
                fprintf(e->out, "%s\"length\": %zu", comma ? ", " : "", length);
                comma = true;
            }
            if (kind != 'o') {
                fprintf(e->out, "%s\"items\": [", comma ? ", " : "");
                comma = false;
                kind = 'l';
            }
            e->depth++;
            e->kind[e->depth] = kind;
            e->need_comma[e->depth] = comma;
        } else {
            fputc('[', e->out);
            e->depth++;
            e->kind[e->depth] = 'a';
            e->need_comma[e->depth] = false;
        }
    } else {
        const char *k = e->kind[e->depth] == 'o' || e->depth == 0 ? key : NULL;
        char *line = NULL;
        if (has_length) {
            char where[64];
            if (has_offset) snprintf(where, sizeof where, "[offset %zu, length %zu]", offset, length);
            else snprintf(where, sizeof where, "[length %zu]", length);
            size_t n = (value ? strlen(value) : 0) + strlen(where) + 2;
            line = malloc(n);
            if (line) snprintf(line, n, "%s%s%s", value ? value : "", value ? " " : "", where);
            value = line;
        }
        text_line(e, k, value);
        free(line);
        e->depth++;
        e->kind[e->depth] = kind;
        e->need_comma[e->depth] = false;
    }
}

void em_obj(dec_emit *e, const char *key, const char *fmt, ...) {
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = vformat(fmt, ap);
        va_end(ap);
    }
    em_open(e, key, 'o', s, false, 0, 0, false);
    free(s);
}

void em_field(dec_emit *e, const char *key, bool has_offset, size_t offset, size_t length,
              const char *fmt, ...) {
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = vformat(fmt, ap);
        va_end(ap);
    }
    em_open(e, key, 'o', s, has_offset, offset, length, true);
    free(s);
}

void em_list(dec_emit *e, const char *key, const char *fmt, ...) {
    char *s = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s = vformat(fmt, ap);
        va_end(ap);
    }
    em_open(e, key, 'a', s, false, 0, 0, false);
    free(s);
}

void em_item(dec_emit *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    scalar(e, NULL, s);
    free(s);
}

void em_end(dec_emit *e) {
    if (e->depth == 0) return;
    if (e->json) {
        char k = e->kind[e->depth];
        fputs(k == 'o' ? "}" : k == 'a' ? "]" : "]}", e->out);
    }
    e->depth--;
}

void em_finish(dec_emit *e) {
    while (e->depth > 0) em_end(e);
    if (e->json) fputs("}\n", e->out);
    fflush(e->out);
}
