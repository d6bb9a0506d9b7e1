/*
 * NTLM initiator: InitializeSecurityContext (NTLM) as Microsoft documents it
 * and MS-NLMP 3.1.5.1 specifies.
 *   call 1: NEGOTIATE_MESSAGE, SEC_I_CONTINUE_NEEDED;
 *   call 2: CHALLENGE_MESSAGE in, AUTHENTICATE_MESSAGE out, SEC_E_OK.
 * NTLMv2 with a MIC by default; NTLMv1 (with or without extended session
 * security) and LM only at LM compatibility levels 0-2; anonymous (NULL
 * session) per MS-NLMP 3.1.5.1.2.
 *
 * LM compatibility level (credential attribute or LM_COMPAT_LEVEL; the
 * meaning of gss-ntlmssp's gssntlm_required_security(), src/gss_ntlmssp.c,
 * which is Microsoft's "Network security: LAN Manager authentication level"
 * for clients):
 *   0: LM + NTLMv1 responses, no extended session security (ESS not offered);
 *   1: LM + NTLMv1, ESS (NTLMv1-ESS response) when the server grants it;
 *   2: NTLMv1 only (the NT response in both fields), ESS when granted;
 *   3-5: NTLMv2 only.
 * The LM response needs the LM hash: with pass-the-hash credentials or a
 * password longer than 14 characters the NT response is sent in both fields
 * and NTLMSSP_NEGOTIATE_LM_KEY is dropped from the AUTHENTICATE flags (as it
 * is at levels >= 2, gss-ntlmssp likewise).
 *
 * Connectionless NTLM (ISC_REQ_DATAGRAM, MS-NLMP 1.3.1.2, 3.1.5.2): the first
 * call produces no NEGOTIATE: SEC_I_CONTINUE_NEEDED with an empty output
 * token (gss-ntlmssp does the same, citing MS-NLMP 1.3.1.3); the server's
 * first AcceptSecurityContext (no input) sends the CHALLENGE, which the next
 * call (or the first call, when the application already has the CHALLENGE)
 * answers with the AUTHENTICATE. The CHALLENGE must carry
 * NTLMSSP_NEGOTIATE_DATAGRAM and NTLMSSP_NEGOTIATE_KEY_EXCH (the
 * connectionless session key is always exchanged, as gss-ntlmssp requires):
 * otherwise SEC_E_UNSUPPORTED_FUNCTION. Messages then use the caller's
 * MessageSeqNo (ntlm_message.c) and ISC_RET_DATAGRAM is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/unicode.h"
#include "crypto/crypto.h"
#include "ntlm_context.h"
#include "ntlm_crypto.h"
#include "ntlm_wire.h"

#define LOG_COMPONENT "ntlm-client"

/* What a Windows 10 client sends in its NEGOTIATE_MESSAGE (0xe2088297):
 * UNICODE, OEM, REQUEST_TARGET, SIGN, LM_KEY, NTLM, ALWAYS_SIGN,
 * EXTENDED_SESSIONSECURITY, VERSION, 128, KEY_EXCH, 56. SEAL is added when
 * confidentiality is requested (0xe20882b7). */
#define NTLM_CLIENT_BASE_FLAGS                                                                \
    (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET |            \
     NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_NTLM |            \
     NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |            \
     NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH |        \
     NTLMSSP_NEGOTIATE_56)

static ULONG client_ret_flags(ULONG req, uint32_t neg, bool anonymous) {
    ULONG r = 0;
    if (neg & NTLMSSP_NEGOTIATE_SIGN) {
        if (req & ISC_REQ_INTEGRITY) r |= ISC_RET_INTEGRITY;
        if (req & ISC_REQ_REPLAY_DETECT) r |= ISC_RET_REPLAY_DETECT;
        if (req & ISC_REQ_SEQUENCE_DETECT) r |= ISC_RET_SEQUENCE_DETECT;
    }
    if ((neg & NTLMSSP_NEGOTIATE_SEAL) && (req & ISC_REQ_CONFIDENTIALITY))
        r |= ISC_RET_CONFIDENTIALITY;
    if (neg & NTLMSSP_NEGOTIATE_DATAGRAM)
        r |= ISC_RET_DATAGRAM;
    else if (req & ISC_REQ_CONNECTION)
        r |= ISC_RET_CONNECTION;
    if ((neg & NTLMSSP_NEGOTIATE_IDENTIFY) && (req & ISC_REQ_IDENTIFY)) r |= ISC_RET_IDENTIFY;
    if (anonymous) r |= ISC_RET_NULL_SESSION;
    return r;
}

static bool client_is_anonymous(const ntlm_context *ctx, ULONG req) {
    return (req & ISC_REQ_NULL_SESSION) || ctx->creds->identity->anonymous;
}

/* The NEGOTIATE flags for this call and level (see the file comment). */
static uint32_t client_offer(const ntlm_context *ctx, ULONG req) {
    uint32_t flags = NTLM_CLIENT_BASE_FLAGS;
    if (ctx->policy.lm_compat == 0) flags &= ~NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    if (req & ISC_REQ_CONFIDENTIALITY) flags |= NTLMSSP_NEGOTIATE_SEAL;
    if (req & ISC_REQ_IDENTIFY) flags |= NTLMSSP_NEGOTIATE_IDENTIFY;
    if (req & ISC_REQ_DATAGRAM) flags |= NTLMSSP_NEGOTIATE_DATAGRAM;
    return flags;
}

/* ISC_REQ_DATAGRAM, first call: nothing to send; or, if the application
 * already has the server's CHALLENGE, the AUTHENTICATE at once. */
static sr client_datagram_start(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    ctx->client_flags = client_offer(ctx, in->req_flags);
    ctx->session.context_attr = client_ret_flags(in->req_flags, ctx->client_flags, ctx->anonymous);
    ctx->state = NTLM_ST_CLIENT_WAIT_CHALLENGE;
    if (in->token && in->token_len > 0) {
        SR_ENSURE(ntlm_message_type(in->token, in->token_len) == NTLM_MSG_CHALLENGE,
                  SR_INVALID_TOKEN);
        return ntlm_client_authenticate(ctx, in, out);
    }
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

sr ntlm_client_negotiate(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    SR_ENSURE(ctx->creds->identity != NULL, SR_NO_CREDENTIALS);
    SR_ENSURE(ctx->creds->use & SECPKG_CRED_OUTBOUND, SR_WRONG_CREDENTIAL_HANDLE);
    if (in->target_name) {
        ctx->target_name = strdup(in->target_name);
        SR_ENSURE(ctx->target_name != NULL, SR_NO_MEMORY);
    }
    ctx->anonymous = client_is_anonymous(ctx, in->req_flags);
    if (in->req_flags & ISC_REQ_DATAGRAM) return client_datagram_start(ctx, in, out);
    uint32_t flags = client_offer(ctx, in->req_flags);

    ntlm_negotiate_msg m;
    memset(&m, 0, sizeof m);
    m.flags = flags;
    m.has_version = true;
    ntlm_version_default(&m.version);

    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 64));
    sr r = ntlm_build_negotiate(&m, &w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->token.data, &out->token.len);
    wire_writer_free(&w);
    SR_TRY(r);
    SR_TRY(ntlm_msg_copy_set(&ctx->negotiate, out->token.data, out->token.len));
    ctx->client_flags = flags;
    ctx->session.context_attr = client_ret_flags(in->req_flags, flags, ctx->anonymous);
    ctx->state = NTLM_ST_CLIENT_WAIT_CHALLENGE;
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

/* A string field of the AUTHENTICATE message: UTF-16LE when UNICODE was
 * negotiated, else the OEM bytes (UTF-8 passed through). */
static sr encode_field(uint32_t neg, const char *s, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (!s || !*s) return SR_SUCCESS;
    if (neg & NTLMSSP_NEGOTIATE_UNICODE) return utf8_to_utf16le(s, strlen(s), out, len);
    *len = strlen(s);
    *out = malloc(*len);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    memcpy(*out, s, *len);
    return SR_SUCCESS;
}

/* Material produced while answering the challenge; wiped at the end. */
typedef struct client_work {
    ntlm_challenge_msg ch;
    ntlm_av_info av;
    uint32_t neg;
    uint8_t nt_hash[16];
    uint8_t ntowfv2[16]; /* cached in the credential (ntlm_creds_client_keys) */
    uint8_t lm_hash[16];
    bool has_lm_hash;
    uint8_t session_base_key[16];
    uint8_t kxkey[16];
    uint8_t exported[16];
    uint8_t encrypted_key[16];
    uint8_t *nt_resp; /* heap */
    size_t nt_len;
    uint8_t lm_resp[24];
    size_t lm_len;
    uint8_t *av_list; /* heap: our AV list for the blob */
    size_t av_len;
    uint8_t *f_user, *f_domain, *f_ws; /* encoded fields, heap */
    size_t f_user_len, f_domain_len, f_ws_len;
    bool with_mic;
} client_work;

static void client_work_clear(client_work *cw) {
    crypto_free_wipe(cw->nt_resp, cw->nt_len);
    crypto_free_wipe(cw->av_list, cw->av_len);
    free(cw->f_user);
    free(cw->f_domain);
    free(cw->f_ws);
    crypto_wipe(cw, sizeof(*cw));
}

/* The AV list of the NTLMv2 blob (MS-NLMP 3.1.5.1.2): the server's pairs
 * (except EOL and the pairs we set ourselves), MsvAvFlags (MIC bit when the
 * server sent a timestamp), MsvAvChannelBindings, MsvAvTargetName, EOL. */
/* Keep the first failure of a sequence of writes. */
static void keep(sr *acc, sr r) {
    if (acc->code == SR_OK) *acc = r;
}

static sr build_client_av(ntlm_context *ctx, const sspi_step_in *in, client_work *cw) {
    uint32_t av_flags = cw->av.has_flags ? cw->av.flags : 0;
    if (cw->with_mic) av_flags |= NTLM_AVFLAG_MIC_PRESENT;
    uint8_t cbt[16];
    SR_TRY(ntlm_channel_bindings_hash((const uint8_t *)in->bindings,
                                      in->bindings ? in->bindings_len : 0, cbt));
    wire_writer w;
    sr acc = SR_SUCCESS;
    SR_TRY(wire_writer_init_alloc(&w, cw->ch.target_info.len + 64));
    if (cw->ch.target_info.len > 0) {
        wire_reader r;
        wire_reader_init(&r, cw->ch.target_info.data, cw->ch.target_info.len);
        for (;;) {
            uint16_t id;
            ntlm_bytes v;
            sr rr = ntlm_av_next(&r, &id, &v);
            if (!sr_is_ok(rr)) {
                wire_writer_free(&w);
                return rr;
            }
            if (id == NTLM_AV_EOL) break;
            if (id == NTLM_AV_FLAGS || id == NTLM_AV_CHANNEL_BINDINGS || id == NTLM_AV_TARGET_NAME)
                continue;
            keep(&acc, ntlm_av_write(&w, id, v.data, v.len));
        }
    }
    if (av_flags != 0 || cw->av.has_flags) {
        uint8_t fl[4] = {(uint8_t)av_flags, (uint8_t)(av_flags >> 8), (uint8_t)(av_flags >> 16),
                         (uint8_t)(av_flags >> 24)};
        keep(&acc, ntlm_av_write(&w, NTLM_AV_FLAGS, fl, sizeof fl));
    }
    keep(&acc, ntlm_av_write(&w, NTLM_AV_CHANNEL_BINDINGS, cbt, sizeof cbt));
    if (ctx->target_name && ctx->target_name[0]) {
        uint8_t *tn = NULL;
        size_t tn_len = 0;
        sr tr = utf8_to_utf16le(ctx->target_name, strlen(ctx->target_name), &tn, &tn_len);
        if (!sr_is_ok(tr)) {
            wire_writer_free(&w);
            return tr;
        }
        keep(&acc, ntlm_av_write(&w, NTLM_AV_TARGET_NAME, tn, tn_len));
        free(tn);
    }
    keep(&acc, ntlm_av_write_eol(&w));
    if (sr_is_ok(acc)) acc = wire_writer_take(&w, &cw->av_list, &cw->av_len);
    wire_writer_free(&w);
    return acc;
}

static sr client_v2(ntlm_context *ctx, const sspi_step_in *in, client_work *cw) {
    uint8_t cc[8], key[16], proof[16];
    SR_TRY(crypto_random(cc, sizeof cc));
    SR_TRY(build_client_av(ctx, in, cw));
    uint64_t ts = cw->av.has_timestamp ? cw->av.timestamp : ntlm_filetime_now();

    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, cw->av_len + 64));
    sr r = wire_write_zeros(&w, 16); /* room for NTProofStr */
    if (sr_is_ok(r)) r = ntlm_write_v2_blob(&w, ts, cc, cw->av_list, cw->av_len);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &cw->nt_resp, &cw->nt_len);
    wire_writer_free(&w);
    SR_TRY(r);

    memcpy(key, cw->ntowfv2, 16);
    r = ntlm_v2_proof(key, cw->ch.server_challenge, cw->nt_resp + 16, cw->nt_len - 16, proof);
    if (sr_is_ok(r)) {
        memcpy(cw->nt_resp, proof, 16);
        r = ntlm_v2_session_base_key(key, proof, cw->session_base_key);
    }
    if (sr_is_ok(r)) {
        cw->lm_len = 24;
        if (cw->av.has_timestamp)
            memset(cw->lm_resp, 0, 24); /* MS-NLMP 3.1.5.1.2 <54>: Z(24) */
        else
            r = ntlm_lmv2_response(key, cw->ch.server_challenge, cc, cw->lm_resp);
    }
    if (sr_is_ok(r)) memcpy(cw->kxkey, cw->session_base_key, 16);
    crypto_wipe(key, sizeof key);
    return r;
}

static sr client_v1(ntlm_context *ctx, client_work *cw) {
    uint8_t resp[24];
    const uint8_t *sc = cw->ch.server_challenge;
    if (cw->neg & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        uint8_t cc[8];
        SR_TRY(crypto_random(cc, sizeof cc));
        SR_TRY(ntlm_v1_ess_response(cw->nt_hash, sc, cc, resp));
        memset(cw->lm_resp, 0, 24);
        memcpy(cw->lm_resp, cc, 8);
    } else {
        SR_TRY(ntlm_v1_response(cw->nt_hash, sc, resp));
        if (ctx->policy.lm_compat <= 1 && cw->has_lm_hash)
            SR_TRY(ntlm_v1_response(cw->lm_hash, sc, cw->lm_resp));
        else
            memcpy(cw->lm_resp, resp, 24); /* level 2: NT response in both */
    }
    cw->lm_len = 24;
    cw->nt_resp = malloc(24);
    SR_ENSURE(cw->nt_resp != NULL, SR_NO_MEMORY);
    memcpy(cw->nt_resp, resp, 24);
    cw->nt_len = 24;
    crypto_wipe(resp, sizeof resp);
    SR_TRY(ntlm_v1_session_base_key(cw->nt_hash, cw->session_base_key));
    return ntlm_kxkey(cw->neg, false, cw->session_base_key, cw->lm_resp, cw->lm_len, sc,
                      cw->lm_hash, cw->kxkey);
}

/* Flags of the AUTHENTICATE message: what both sides agreed on. */
static sr client_final_flags(ntlm_context *ctx, client_work *cw) {
    uint32_t server = cw->ch.flags;
    SR_ENSURE(server & NTLMSSP_NEGOTIATE_NTLM, SR_INVALID_TOKEN);
    uint32_t neg = server & (ctx->client_flags | NTLMSSP_NEGOTIATE_TARGET_INFO);
    if (neg & NTLMSSP_NEGOTIATE_UNICODE) neg &= ~NTLMSSP_NEGOTIATE_OEM;
    SR_ENSURE(neg & (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM), SR_INVALID_TOKEN);
    if (ctx->client_flags & NTLMSSP_NEGOTIATE_DATAGRAM) {
        if (!(neg & NTLMSSP_NEGOTIATE_DATAGRAM) || !(neg & NTLMSSP_NEGOTIATE_KEY_EXCH)) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT,
                     "connectionless: CHALLENGE without DATAGRAM/KEY_EXCH (0x%08x)",
                     (unsigned)server);
            return SR_FAIL(SR_UNSUPPORTED);
        }
    }
    if (neg & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) neg &= ~NTLMSSP_NEGOTIATE_LM_KEY;
    /* LM_KEY needs the LM hash and is not used from level 2 on. */
    if (ctx->policy.lm_compat >= 2 || !cw->has_lm_hash) neg &= ~NTLMSSP_NEGOTIATE_LM_KEY;
    neg |= NTLMSSP_NEGOTIATE_VERSION;
    if (ctx->anonymous) neg |= NTLMSSP_ANONYMOUS;
    cw->neg = neg;
    return SR_SUCCESS;
}

static sr client_keys(ntlm_context *ctx, client_work *cw) {
    if (ctx->anonymous) {
        /* MS-NLMP 3.1.5.1.2: NtChallengeResponse empty, LmChallengeResponse
         * Z(1); the session base key is zero. */
        cw->lm_len = 1;
        cw->lm_resp[0] = 0;
        memset(cw->kxkey, 0, 16);
        return SR_SUCCESS;
    }
    /* Derived once per credential; the LM hash only below level 3. */
    ntlm_client_keys k;
    sr r = ntlm_creds_client_keys(ctx->creds, ctx->policy.lm_compat < 3, &k);
    if (sr_is_ok(r)) {
        memcpy(cw->nt_hash, k.nt_hash, 16);
        memcpy(cw->ntowfv2, k.ntowfv2, 16);
        memcpy(cw->lm_hash, k.lm_hash, 16);
        cw->has_lm_hash = k.has_lm_hash;
    }
    crypto_wipe(&k, sizeof k);
    return r;
}

sr ntlm_client_authenticate(ntlm_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    const sspi_identity *id = ctx->creds->identity;
    client_work cw;
    memset(&cw, 0, sizeof cw);
    sr r = ntlm_parse_challenge(in->token, in->token_len, &cw.ch);
    if (sr_is_ok(r) && cw.ch.target_info.len > 0)
        r = ntlm_av_parse(cw.ch.target_info.data, cw.ch.target_info.len, &cw.av);
    if (sr_is_ok(r)) r = client_keys(ctx, &cw);
    if (sr_is_ok(r)) r = client_final_flags(ctx, &cw);
    if (!sr_is_ok(r)) goto done;
    memcpy(ctx->server_challenge, cw.ch.server_challenge, 8);

    bool v2 = ctx->policy.lm_compat >= 3;
    cw.with_mic = !ctx->anonymous && v2 && cw.av.has_timestamp;
    if (!ctx->anonymous) {
        r = v2 ? client_v2(ctx, in, &cw) : client_v1(ctx, &cw);
        if (!sr_is_ok(r)) goto done;
    }
    if ((cw.neg & NTLMSSP_NEGOTIATE_KEY_EXCH) &&
        (cw.neg & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL))) {
        r = crypto_random(cw.exported, 16);
        if (sr_is_ok(r)) r = ntlm_rc4k(cw.kxkey, cw.exported, cw.encrypted_key);
        if (!sr_is_ok(r)) goto done;
    } else {
        cw.neg &= ~NTLMSSP_NEGOTIATE_KEY_EXCH;
        memcpy(cw.exported, cw.kxkey, 16);
    }

    char *nb = NULL, *dns = NULL;
    r = ntlm_host_names(&nb, &dns);
    if (sr_is_ok(r)) {
        free(dns);
        ctx->workstation = nb;
    }
    const char *user = ctx->anonymous ? "" : id->user;
    const char *domain = ctx->anonymous ? "" : id->domain;
    if (sr_is_ok(r)) r = encode_field(cw.neg, user, &cw.f_user, &cw.f_user_len);
    if (sr_is_ok(r)) r = encode_field(cw.neg, domain, &cw.f_domain, &cw.f_domain_len);
    if (sr_is_ok(r)) r = encode_field(cw.neg, ctx->workstation, &cw.f_ws, &cw.f_ws_len);
    if (!sr_is_ok(r)) goto done;

    ntlm_authenticate_msg am;
    memset(&am, 0, sizeof am);
    am.flags = cw.neg;
    am.lm_response = (ntlm_bytes){cw.lm_resp, cw.lm_len};
    am.nt_response = (ntlm_bytes){cw.nt_len ? cw.nt_resp : NULL, cw.nt_len};
    am.domain = (ntlm_bytes){cw.f_domain, cw.f_domain_len};
    am.user = (ntlm_bytes){cw.f_user, cw.f_user_len};
    am.workstation = (ntlm_bytes){cw.f_ws, cw.f_ws_len};
    if (cw.neg & NTLMSSP_NEGOTIATE_KEY_EXCH)
        am.encrypted_session_key = (ntlm_bytes){cw.encrypted_key, 16};
    am.has_version = true;
    ntlm_version_default(&am.version);

    wire_writer w;
    r = wire_writer_init_alloc(&w, 512);
    if (!sr_is_ok(r)) goto done;
    r = ntlm_build_authenticate(&am, cw.with_mic, &w);
    if (sr_is_ok(r) && cw.with_mic) {
        uint8_t mic[16];
        r = ntlm_mic(cw.exported, ctx->negotiate.data, ctx->negotiate.len, in->token,
                     in->token_len, w.data, w.len, mic);
        if (sr_is_ok(r)) r = wire_patch_bytes(&w, NTLM_AUTH_MIC_OFFSET, mic, sizeof mic);
    }
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->token.data, &out->token.len);
    wire_writer_free(&w);
    if (!sr_is_ok(r)) goto done;

    /* Names for attributes. */
    ctx->user = strdup(user);
    ctx->domain = strdup(domain);
    if (!ctx->user || !ctx->domain) {
        r = SR_FAIL(SR_NO_MEMORY);
        goto done;
    }
    if (cw.av.nb_domain.len > 0) {
        size_t l;
        if (!sr_is_ok(utf16le_to_utf8(cw.av.nb_domain.data, cw.av.nb_domain.len,
                                      &ctx->server_domain, &l)))
            ctx->server_domain = NULL;
    }

    ctx->session.neg_flags = cw.neg;
    memcpy(ctx->session.exported_session_key, cw.exported, 16);
    ctx->session.context_attr = client_ret_flags(ctx->req_flags, cw.neg, ctx->anonymous);
    r = ntlm_session_start(&ctx->session);
    if (!sr_is_ok(r)) goto done;
    ctx->state = NTLM_ST_DONE;
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "AUTHENTICATE built: %s, flags 0x%08x, mic %d",
             ctx->anonymous ? "anonymous" : (v2 ? "NTLMv2" : "NTLMv1"), (unsigned)cw.neg,
             (int)cw.with_mic);
done:
    client_work_clear(&cw);
    return r;
}
