/*
 * NTLM acceptor: AcceptSecurityContext (NTLM) as Microsoft documents it and
 * MS-NLMP 3.2.5.1 specifies.
 *   call 1: NEGOTIATE_MESSAGE in, CHALLENGE_MESSAGE out, SEC_I_CONTINUE_NEEDED;
 *   call 2: AUTHENTICATE_MESSAGE in, SEC_E_OK or an error.
 *
 * Verification order: parse everything first (SEC_E_INVALID_TOKEN for
 * malformed input), then the response against the account database (unknown
 * user and wrong password take the same path, with a random key standing in
 * for the missing account: SEC_E_LOGON_DENIED), the session key, the MIC
 * (MS-NLMP 3.2.5.1.2: a MIC that does not match is an authentication
 * failure: SEC_E_LOGON_DENIED), the timestamp, and channel bindings
 * (SEC_E_BAD_BINDINGS, Windows Extended Protection).
 *
 * LM compatibility level: this acceptor checks responses against its own
 * account database, i.e. it is the authenticating authority, so the level has
 * the meaning gss-ntlmssp gives it for the domain controller
 * (gssntlm_required_security() in gss-ntlmssp src/gss_ntlmssp.c: SEC_DC_LM_OK
 * is dropped at level 4, SEC_DC_NTLM_OK at level 5, SEC_DC_V2_OK is always
 * set), which is also Microsoft's documented meaning for domain controllers:
 *   0-3: NTLMv2, NTLMv1, NTLMv1-ESS and LM responses are accepted;
 *   4:   NTLMv2, NTLMv1 and NTLMv1-ESS (LM refused);
 *   5:   NTLMv2 only.
 * A refused response type is SEC_E_LOGON_DENIED. "LM response" means an
 * AUTHENTICATE whose NtChallengeResponse is empty (LM-only client) or whose
 * 24-byte NT response does not verify while LmChallengeResponse =
 * DESL(LMOWFv1, ServerChallenge) does (gss-ntlmssp falls back the same way);
 * it needs an account given with a password (the LM hash). The CHALLENGE
 * grants NTLMSSP_NEGOTIATE_LM_KEY only at levels 0-3.
 *
 * Connectionless (ASC_REQ_DATAGRAM, MS-NLMP 3.2.5.2): the first call takes no
 * input token and sends a CHALLENGE with NTLMSSP_NEGOTIATE_DATAGRAM and the
 * flags this server supports; the client picks from them in its
 * AUTHENTICATE, whose flags become the context's. The MIC then covers
 * CHALLENGE || AUTHENTICATE (there is no NEGOTIATE).
 */
#include <stdlib.h>
#include <string.h>

#include <libsspi_ntlm.h>

#include "core/log.h"
#include "core/unicode.h"
#include "crypto/crypto.h"
#include "ntlm_context.h"
#include "ntlm_crypto.h"
#include "ntlm_wire.h"

#define LOG_COMPONENT "ntlm-server"

/* Maximum age/skew of an NTLMv2 response timestamp: MSV1_0_MAX_NTLM3_LIFE
 * of the Windows SDK (ntsecapi.h), 1800 seconds, in FILETIME units. */
#define NTLM_V2_MAX_SKEW (UINT64_C(1800) * UINT64_C(10000000))

/* Flags the server may grant when the client offers them. */
#define NTLM_SERVER_ECHO_FLAGS                                                                \
    (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |       \
     NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_KEY_EXCH |               \
     NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_IDENTIFY |             \
     NTLMSSP_NEGOTIATE_LM_KEY)

static ULONG server_ret_flags(ULONG req, uint32_t neg, bool anonymous) {
    ULONG r = 0;
    if (neg & NTLMSSP_NEGOTIATE_SIGN) {
        r |= ASC_RET_INTEGRITY;
        if (req & ASC_REQ_REPLAY_DETECT) r |= ASC_RET_REPLAY_DETECT;
        if (req & ASC_REQ_SEQUENCE_DETECT) r |= ASC_RET_SEQUENCE_DETECT;
    }
    if (neg & NTLMSSP_NEGOTIATE_SEAL) r |= ASC_RET_CONFIDENTIALITY;
    if (neg & NTLMSSP_NEGOTIATE_DATAGRAM)
        r |= ASC_RET_DATAGRAM;
    else if (req & ASC_REQ_CONNECTION)
        r |= ASC_RET_CONNECTION;
    if (neg & NTLMSSP_NEGOTIATE_IDENTIFY) r |= ASC_RET_IDENTIFY;
    if (anonymous) r |= ASC_RET_NULL_SESSION;
    return r;
}

static void keep(sr *acc, sr r) {
    if (acc->code == SR_OK) *acc = r;
}

/* Write a UTF-8 name as an AV pair in UTF-16LE. */
static void av_name(wire_writer *w, uint16_t id, const char *name, sr *acc) {
    uint8_t *u = NULL;
    size_t len = 0;
    sr r = utf8_to_utf16le(name, strlen(name), &u, &len);
    if (sr_is_ok(r)) r = ntlm_av_write(w, id, u, len);
    free(u);
    keep(acc, r);
}

/* Our names: NetBIOS domain = the credential's domain (upper case) or, on a
 * stand-alone host, the NetBIOS computer name (as Windows); DNS domain = the
 * part of the host name after the first dot, else the DNS computer name. */
typedef struct server_names {
    char *nb_computer, *dns_computer, *nb_domain, *dns_domain;
} server_names;

static void server_names_clear(server_names *n) {
    free(n->nb_computer);
    free(n->dns_computer);
    free(n->nb_domain);
    free(n->dns_domain);
    memset(n, 0, sizeof(*n));
}

static sr server_names_get(const ntlm_context *ctx, server_names *n, bool *is_domain) {
    memset(n, 0, sizeof(*n));
    SR_TRY(ntlm_host_names(&n->nb_computer, &n->dns_computer));
    const sspi_identity *id = ctx->creds->identity;
    *is_domain = id && id->domain[0];
    sr r = ntlm_upper(*is_domain ? id->domain : n->nb_computer, &n->nb_domain);
    if (sr_is_ok(r)) {
        const char *dot = strchr(n->dns_computer, '.');
        n->dns_domain = strdup(*is_domain ? id->domain : (dot ? dot + 1 : n->dns_computer));
        if (!n->dns_domain) r = SR_FAIL(SR_NO_MEMORY);
    }
    if (!sr_is_ok(r)) server_names_clear(n);
    return r;
}

sr ntlm_server_challenge(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    SR_ENSURE(ctx->creds->use & SECPKG_CRED_INBOUND, SR_WRONG_CREDENTIAL_HANDLE);
    bool have_token = in->token != NULL && in->token_len > 0;
    uint32_t cf, f = NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_TARGET_INFO |
                     NTLMSSP_NEGOTIATE_VERSION;
    if (!have_token && (in->req_flags & ASC_REQ_DATAGRAM)) {
        /* Connectionless: everything we support; the client chooses. */
        cf = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET |
             NTLMSSP_NEGOTIATE_DATAGRAM | NTLM_SERVER_ECHO_FLAGS;
        f |= cf & ~(uint32_t)NTLMSSP_NEGOTIATE_IDENTIFY;
    } else {
        SR_ENSURE(have_token && ntlm_message_type(in->token, in->token_len) ==
                                    NTLM_MSG_NEGOTIATE,
                  SR_INVALID_TOKEN);
        ntlm_negotiate_msg nm;
        SR_TRY(ntlm_parse_negotiate(in->token, in->token_len, &nm));
        cf = nm.flags;
        /* NTLM is required: a client that cannot do it is refused. */
        SR_ENSURE(cf & NTLMSSP_NEGOTIATE_NTLM, SR_INVALID_TOKEN);
        if (cf & NTLMSSP_NEGOTIATE_UNICODE)
            f |= NTLMSSP_NEGOTIATE_UNICODE;
        else if (cf & NTLMSSP_NEGOTIATE_OEM)
            f |= NTLMSSP_NEGOTIATE_OEM;
        else
            return SR_FAIL(SR_INVALID_TOKEN);
        f |= cf & NTLM_SERVER_ECHO_FLAGS;
        if (in->req_flags & ASC_REQ_DATAGRAM) f |= cf & NTLMSSP_NEGOTIATE_DATAGRAM;
    }
    if (ctx->policy.lm_compat >= 4) f &= ~NTLMSSP_NEGOTIATE_LM_KEY;
    if (f & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) f &= ~NTLMSSP_NEGOTIATE_LM_KEY;

    server_names names;
    bool is_domain = false;
    SR_TRY(server_names_get(ctx, &names, &is_domain));
    if (cf & NTLMSSP_REQUEST_TARGET)
        f |= NTLMSSP_REQUEST_TARGET |
             (is_domain ? NTLMSSP_TARGET_TYPE_DOMAIN : NTLMSSP_TARGET_TYPE_SERVER);

    sr r = crypto_random(ctx->server_challenge, 8);
    ctx->challenge_time = ntlm_filetime_now();

    /* TargetInfo (MS-NLMP 3.2.5.1.1). */
    uint8_t *ti = NULL, *tname = NULL;
    size_t ti_len = 0, tname_len = 0;
    wire_writer w;
    if (sr_is_ok(r)) r = wire_writer_init_alloc(&w, 256);
    if (sr_is_ok(r)) {
        sr acc = SR_SUCCESS;
        av_name(&w, NTLM_AV_NB_DOMAIN_NAME, names.nb_domain, &acc);
        av_name(&w, NTLM_AV_NB_COMPUTER_NAME, names.nb_computer, &acc);
        av_name(&w, NTLM_AV_DNS_DOMAIN_NAME, names.dns_domain, &acc);
        av_name(&w, NTLM_AV_DNS_COMPUTER_NAME, names.dns_computer, &acc);
        uint8_t tsb[8];
        for (int i = 0; i < 8; i++) tsb[i] = (uint8_t)(ctx->challenge_time >> (8 * i));
        keep(&acc, ntlm_av_write(&w, NTLM_AV_TIMESTAMP, tsb, sizeof tsb));
        keep(&acc, ntlm_av_write_eol(&w));
        if (sr_is_ok(acc)) acc = wire_writer_take(&w, &ti, &ti_len);
        wire_writer_free(&w);
        r = acc;
    }
    if (sr_is_ok(r) && (f & NTLMSSP_REQUEST_TARGET)) {
        if (f & NTLMSSP_NEGOTIATE_UNICODE) {
            r = utf8_to_utf16le(names.nb_domain, strlen(names.nb_domain), &tname, &tname_len);
        } else {
            tname = (uint8_t *)strdup(names.nb_domain);
            tname_len = tname ? strlen(names.nb_domain) : 0;
            if (!tname) r = SR_FAIL(SR_NO_MEMORY);
        }
    }
    if (sr_is_ok(r)) {
        ctx->server_domain = names.nb_domain;
        names.nb_domain = NULL;
    }
    server_names_clear(&names);

    if (sr_is_ok(r)) {
        ntlm_challenge_msg cm;
        memset(&cm, 0, sizeof cm);
        cm.flags = f;
        cm.target_name = (ntlm_bytes){tname, tname_len};
        memcpy(cm.server_challenge, ctx->server_challenge, 8);
        cm.target_info = (ntlm_bytes){ti, ti_len};
        cm.has_version = true;
        ntlm_version_default(&cm.version);
        r = wire_writer_init_alloc(&w, 256 + ti_len);
        if (sr_is_ok(r)) {
            r = ntlm_build_challenge(&cm, &w);
            if (sr_is_ok(r)) r = wire_writer_take(&w, &out->token.data, &out->token.len);
            wire_writer_free(&w);
        }
    }
    free(ti);
    free(tname);
    SR_TRY(r);
    if (have_token) SR_TRY(ntlm_msg_copy_set(&ctx->negotiate, in->token, in->token_len));
    SR_TRY(ntlm_msg_copy_set(&ctx->challenge, out->token.data, out->token.len));
    ctx->client_flags = cf;
    ctx->session.neg_flags = f;
    ctx->session.context_attr = server_ret_flags(in->req_flags, f, false);
    ctx->state = NTLM_ST_SERVER_WAIT_AUTHENTICATE;
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

/* A string field of the AUTHENTICATE message as UTF-8. */
static sr decode_field(uint32_t flags, ntlm_bytes b, char **out) {
    *out = NULL;
    if (flags & NTLMSSP_NEGOTIATE_UNICODE) {
        if (b.len == 0) {
            *out = strdup("");
            SR_ENSURE(*out != NULL, SR_NO_MEMORY);
            return SR_SUCCESS;
        }
        SR_ENSURE(b.len % 2 == 0, SR_INVALID_TOKEN);
        size_t l;
        sr r = utf16le_to_utf8(b.data, b.len, out, &l);
        if (r.code == SR_INVALID_PARAMETER) return SR_FAIL(SR_INVALID_TOKEN);
        return r;
    }
    /* OEM strings (no NEGOTIATE_UNICODE, MS-NLMP 2.2.2.5 flag B): the OEM
     * code page is not on the wire; decode each byte as Latin-1 (bytes
     * < 0x80 are ASCII in every OEM code page) so that the name is always
     * valid UTF-8 for the account lookup. NUL bytes are malformed. */
    wire_reader r;
    wire_reader_init(&r, b.data, b.len);
    char *text = malloc(2 * b.len + 1);
    SR_ENSURE(text != NULL, SR_NO_MEMORY);
    size_t n = 0;
    while (wire_remaining(&r) > 0) {
        uint8_t c = 0;
        sr rr = wire_read_u8(&r, &c);
        if (!sr_is_ok(rr) || c == 0) {
            free(text);
            return SR_FAIL(SR_INVALID_TOKEN);
        }
        if (c < 0x80) {
            text[n++] = (char)c;
        } else {
            text[n++] = (char)(0xc0 | (c >> 6));
            text[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    text[n] = '\0';
    *out = text;
    return SR_SUCCESS;
}

typedef struct server_work {
    ntlm_authenticate_msg am;
    uint32_t neg;
    char *user, *domain, *workstation;
    bool anonymous;
    bool v2;
    bool lm_only;
    const uint8_t *nt_proof;
    ntlm_bytes blob;
    ntlm_v2_blob parsed;
    ntlm_av_info cav;
    ntlm_account account;
    bool known;
    uint8_t session_base_key[16];
    uint8_t kxkey[16];
    uint8_t exported[16];
} server_work;

static void server_work_clear(server_work *sw) {
    free(sw->user);
    free(sw->domain);
    free(sw->workstation);
    crypto_wipe(sw, sizeof(*sw));
}

static bool all_zero(const uint8_t *p, size_t n) {
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc |= p[i];
    return acc == 0;
}

/* Step 1: parse and classify the AUTHENTICATE message. */
static sr server_parse(ntlm_context *ctx, const sspi_step_in *in, server_work *sw) {
    SR_TRY(ntlm_parse_authenticate(in->token, in->token_len, &sw->am));
    const ntlm_authenticate_msg *am = &sw->am;
    sw->neg = (am->flags & ctx->session.neg_flags) | (am->flags & NTLMSSP_ANONYMOUS);
    SR_ENSURE(sw->neg & (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM), SR_INVALID_TOKEN);
    SR_TRY(decode_field(sw->neg, am->user, &sw->user));
    SR_TRY(decode_field(sw->neg, am->domain, &sw->domain));
    SR_TRY(decode_field(sw->neg, am->workstation, &sw->workstation));
    /* MS-NLMP 3.2.5.1.2: empty user and responses (LM empty or Z(1)) is the
     * anonymous user. */
    sw->anonymous = sw->user[0] == '\0' && am->nt_response.len == 0 &&
                    (am->lm_response.len == 0 ||
                     (am->lm_response.len == 1 && am->lm_response.data[0] == 0));
    /* KEY_EXCH with signing or sealing needs the encrypted key, anonymous
     * or not (server_session_key decrypts it). */
    if ((sw->neg & NTLMSSP_NEGOTIATE_KEY_EXCH) &&
        (sw->neg & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)))
        SR_ENSURE(am->encrypted_session_key.len == 16, SR_INVALID_TOKEN);
    if (sw->anonymous) return SR_SUCCESS;
    if (am->nt_response.len > 24) {
        sw->v2 = true;
        SR_TRY(ntlm_parse_v2_response(am->nt_response.data, am->nt_response.len, &sw->nt_proof,
                                      &sw->blob, &sw->parsed));
        SR_TRY(ntlm_av_parse(sw->parsed.av_pairs.data, sw->parsed.av_pairs.len, &sw->cav));
    } else if (am->nt_response.len == 24) {
        SR_ENSURE(am->lm_response.len == 24, SR_INVALID_TOKEN);
    } else if (am->nt_response.len == 0 && am->lm_response.len == 24) {
        /* LM-only client: level check and verification follow. */
        sw->lm_only = true;
    } else {
        /* An NT response of 1..23 bytes is no response of any kind. */
        return SR_FAIL(SR_INVALID_TOKEN);
    }
    return SR_SUCCESS;
}

/* Step 2: check the response. Unknown users are checked against a random
 * key so that they take the same path as a wrong password. */
static sr server_verify_response(ntlm_context *ctx, server_work *sw) {
    const ntlm_authenticate_msg *am = &sw->am;
    const uint8_t *sc = ctx->server_challenge;
    sr lr = ntlm_userdb_lookup(&ctx->db, sw->user, sw->domain, &sw->account);
    if (lr.code == SR_LOGON_DENIED) {
        sw->known = false;
        SR_TRY(crypto_random(sw->account.nt_hash, 16));
    } else {
        SR_TRY(lr);
        sw->known = true;
    }
    bool match = false;
    if (sw->v2) {
        /* Try the domain as sent, then the empty domain (MS-NLMP 3.2.5.1.2:
         * clients that use NIL for UserDom). Always both, same work. */
        const char *doms[2] = {sw->domain, ""};
        uint8_t keys[2][16], proofs[2][16];
        bool ok[2] = {false, false};
        for (int i = 0; i < 2; i++) {
            sr r = ntlm_ntowfv2(sw->account.nt_hash, sw->user, doms[i], keys[i]);
            if (sr_is_ok(r))
                r = ntlm_v2_proof(keys[i], sc, sw->blob.data, sw->blob.len, proofs[i]);
            if (!sr_is_ok(r)) {
                crypto_wipe(keys, sizeof keys);
                return r;
            }
            ok[i] = crypto_memeq(proofs[i], sw->nt_proof, 16);
        }
        int which = ok[0] ? 0 : 1;
        match = ok[0] || ok[1];
        sr r = ntlm_v2_session_base_key(keys[which], sw->nt_proof, sw->session_base_key);
        crypto_wipe(keys, sizeof keys);
        SR_TRY(r);
        memcpy(sw->kxkey, sw->session_base_key, 16);
    } else {
        bool ess = (sw->neg & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
        bool lm_allowed = ctx->policy.lm_compat <= 3 && !ess && sw->account.has_lm_hash;
        uint8_t expect[24];
        bool nt_ok = false, lm_ok = false;
        if (!sw->lm_only) {
            if (ess)
                SR_TRY(ntlm_v1_ess_response(sw->account.nt_hash, sc, am->lm_response.data,
                                            expect));
            else
                SR_TRY(ntlm_v1_response(sw->account.nt_hash, sc, expect));
            nt_ok = crypto_memeq(expect, am->nt_response.data, 24);
        }
        /* LM response: DESL(LMOWFv1, ServerChallenge). Computed whenever a
         * 24-byte LM response is there (same work either way). */
        if (!ess && am->lm_response.len == 24) {
            SR_TRY(ntlm_v1_response(sw->account.lm_hash, sc, expect));
            lm_ok = lm_allowed && crypto_memeq(expect, am->lm_response.data, 24);
        }
        crypto_wipe(expect, sizeof expect);
        match = nt_ok || lm_ok;
        SR_TRY(ntlm_v1_session_base_key(sw->account.nt_hash, sw->session_base_key));
        SR_TRY(ntlm_kxkey(sw->neg, false, sw->session_base_key, am->lm_response.data,
                          am->lm_response.len, sc, sw->account.lm_hash, sw->kxkey));
        /* Policy (checked after the work): level 5 refuses NTLMv1, levels
         * 4-5 refuse LM (an LM-only client, or a bad NT response). */
        if (ctx->policy.lm_compat >= 5) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "NTLMv1 response refused (level 5)");
            return SR_FAIL(SR_LOGON_DENIED);
        }
        if (sw->lm_only && !lm_allowed) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "LM response refused (level %u)",
                     ctx->policy.lm_compat);
            return SR_FAIL(SR_LOGON_DENIED);
        }
        /* LM_KEY session security needs the LM hash. */
        if ((sw->neg & NTLMSSP_NEGOTIATE_LM_KEY) && !sw->account.has_lm_hash) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "LM_KEY without an LM hash for the account");
            return SR_FAIL(SR_LOGON_DENIED);
        }
    }
    if (!sw->known || !match) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "logon denied for user \"%s\" domain \"%s\"",
                 sw->user, sw->domain);
        return SR_FAIL(SR_LOGON_DENIED);
    }
    if (sw->account.empty_password && !ctx->policy.allow_empty_password) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "empty password refused for \"%s\"", sw->user);
        return SR_FAIL(SR_LOGON_DENIED);
    }
    if (sw->v2) {
        uint64_t now = ntlm_filetime_now(), ts = sw->parsed.timestamp;
        uint64_t skew = now > ts ? now - ts : ts - now;
        if (skew > NTLM_V2_MAX_SKEW) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "NTLMv2 timestamp out of range");
            return SR_FAIL(SR_LOGON_DENIED);
        }
    }
    return SR_SUCCESS;
}

static sr server_session_key(server_work *sw) {
    if ((sw->neg & NTLMSSP_NEGOTIATE_KEY_EXCH) &&
        (sw->neg & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)))
        return ntlm_rc4k(sw->kxkey, sw->am.encrypted_session_key.data, sw->exported);
    sw->neg &= ~NTLMSSP_NEGOTIATE_KEY_EXCH;
    memcpy(sw->exported, sw->kxkey, 16);
    return SR_SUCCESS;
}

static sr server_check_mic(ntlm_context *ctx, const sspi_step_in *in, server_work *sw) {
    if (!sw->v2 || !sw->cav.has_flags || !(sw->cav.flags & NTLM_AVFLAG_MIC_PRESENT))
        return SR_SUCCESS;
    if (!sw->am.has_mic_field) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "MIC announced but absent");
        return SR_FAIL(SR_LOGON_DENIED);
    }
    uint8_t *copy = malloc(in->token_len);
    SR_ENSURE(copy != NULL, SR_NO_MEMORY);
    memcpy(copy, in->token, in->token_len);
    memset(copy + NTLM_AUTH_MIC_OFFSET, 0, NTLM_MIC_LEN);
    uint8_t mic[16];
    sr r = ntlm_mic(sw->exported, ctx->negotiate.data, ctx->negotiate.len, ctx->challenge.data,
                    ctx->challenge.len, copy, in->token_len, mic);
    crypto_free_wipe(copy, in->token_len);
    SR_TRY(r);
    if (!crypto_memeq(mic, sw->am.mic, 16)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "MIC mismatch");
        return SR_FAIL(SR_LOGON_DENIED);
    }
    return SR_SUCCESS;
}

/* Channel bindings (Extended Protection): see include/libsspi_ntlm.h. */
static sr server_check_bindings(ntlm_context *ctx, const sspi_step_in *in, server_work *sw) {
    unsigned long policy = ctx->policy.cbt_policy;
    if (policy == LIBSSPI_CBT_OFF) return SR_SUCCESS;
    bool client_has = sw->v2 && sw->cav.has_channel_bindings &&
                      !all_zero(sw->cav.channel_bindings, 16);
    if (!in->bindings) {
        if (policy == LIBSSPI_CBT_REQUIRED) {
            SSPI_LOG(SSPI_LOG_ERROR, LOG_COMPONENT,
                     "channel bindings required but none given to AcceptSecurityContext");
            return SR_FAIL(SR_BAD_BINDINGS);
        }
        return SR_SUCCESS;
    }
    if (!client_has) {
        if (policy == LIBSSPI_CBT_REQUIRED) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "client sent no channel bindings");
            return SR_FAIL(SR_BAD_BINDINGS);
        }
        return SR_SUCCESS;
    }
    uint8_t h[16];
    sr r = ntlm_channel_bindings_hash((const uint8_t *)in->bindings, in->bindings_len, h);
    if (r.code == SR_INVALID_TOKEN) return SR_FAIL(SR_BAD_BINDINGS);
    SR_TRY(r);
    if (!crypto_memeq(h, sw->cav.channel_bindings, 16)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "channel bindings mismatch");
        return SR_FAIL(SR_BAD_BINDINGS);
    }
    return SR_SUCCESS;
}

static sr server_anonymous(ntlm_context *ctx, const sspi_step_in *in, server_work *sw) {
    if (!ctx->policy.allow_anonymous && !(in->req_flags & ASC_REQ_ALLOW_NULL_SESSION)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "anonymous logon refused");
        return SR_FAIL(SR_LOGON_DENIED);
    }
    if (ctx->policy.cbt_policy == LIBSSPI_CBT_REQUIRED) return SR_FAIL(SR_BAD_BINDINGS);
    memset(sw->kxkey, 0, 16);
    return SR_SUCCESS;
}

sr ntlm_server_authenticate(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    server_work sw;
    memset(&sw, 0, sizeof sw);
    sr r = server_parse(ctx, in, &sw);
    if (sr_is_ok(r)) r = sw.anonymous ? server_anonymous(ctx, in, &sw)
                                      : server_verify_response(ctx, &sw);
    if (sr_is_ok(r)) r = server_session_key(&sw);
    if (sr_is_ok(r)) r = server_check_mic(ctx, in, &sw);
    if (sr_is_ok(r) && !sw.anonymous) r = server_check_bindings(ctx, in, &sw);
    if (sr_is_ok(r)) {
        ctx->anonymous = sw.anonymous;
        ctx->user = sw.user;
        ctx->domain = sw.domain;
        ctx->workstation = sw.workstation;
        sw.user = sw.domain = sw.workstation = NULL;
        ctx->session.neg_flags = sw.neg;
        memcpy(ctx->session.exported_session_key, sw.exported, 16);
        ctx->session.context_attr = server_ret_flags(ctx->req_flags, sw.neg, sw.anonymous);
        r = ntlm_session_start(&ctx->session);
    }
    if (sr_is_ok(r)) {
        ctx->state = NTLM_ST_DONE;
        SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "accepted %s\\%s (%s), flags 0x%08x",
                 ctx->domain, ctx->user,
                 sw.anonymous ? "anonymous" : (sw.v2 ? "NTLMv2" : "NTLMv1"), (unsigned)sw.neg);
    }
    ntlm_account_clear(&sw.account);
    server_work_clear(&sw);
    (void)out;
    /* The token parsed: a verification step that still finds unusable
     * input (e.g. an account entry whose text cannot be converted) is an
     * authentication failure, never a parameter error (MS-NLMP 3.2.5.1.2:
     * the server returns an authentication failure). */
    if (r.code == SR_INVALID_PARAMETER) r = SR_FAIL(SR_LOGON_DENIED);
    return r;
}
