/*
 * Kerberos initiator (InitializeSecurityContext): target name -> service
 * ticket (the credential's ticket cache, krb_creds.h, or a TGS exchange
 * through our transport, whose ticket then goes into that cache) -> AP-REQ
 * with the RFC 4121 4.1.1 authenticator checksum -> (mutual) AP-REP check.
 */
#include <stdlib.h>
#include <string.h>

#include "async/async_io.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "krb_context.h"
#include "krb_transport.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "kerberos"

/* GSS flags asked for by ISC_REQ_* (RFC 4121 4.1.1.1; MS-KILE 3.2.5.2). */
static uint32_t gss_flags_from_req(ULONG req) {
    uint32_t g = 0;
    if (req & ISC_REQ_DELEGATE) g |= KRB_GSS_C_DELEG_FLAG;
    if (req & ISC_REQ_MUTUAL_AUTH) g |= KRB_GSS_C_MUTUAL_FLAG;
    if (req & ISC_REQ_REPLAY_DETECT) g |= KRB_GSS_C_REPLAY_FLAG;
    if (req & ISC_REQ_SEQUENCE_DETECT) g |= KRB_GSS_C_SEQUENCE_FLAG;
    if (req & ISC_REQ_CONFIDENTIALITY) g |= KRB_GSS_C_CONF_FLAG;
    if (req & ISC_REQ_INTEGRITY) g |= KRB_GSS_C_INTEG_FLAG;
    if (req & ISC_REQ_USE_DCE_STYLE) g |= KRB_GSS_C_DCE_STYLE | KRB_GSS_C_MUTUAL_FLAG;
    if (req & ISC_REQ_IDENTIFY) g |= KRB_GSS_C_IDENTIFY_FLAG;
    if (req & ISC_REQ_EXTENDED_ERROR) g |= KRB_GSS_C_EXTENDED_ERROR_FLAG;
    return g;
}

typedef struct cksum_arg {
    krb_context *ctx;
    uint8_t md5[16];
} cksum_arg;

/* RFC 4121 4.1.1: Lgth(4 LE)=16 | Bnd(16) | Flags(4 LE) [| DlgOpt(2 LE)=1 |
 * Dlgth(2 LE) | Deleg]. */
static sr build_cksum(void *arg, const uint8_t *krb_cred, size_t krb_cred_len, kg_buf *out) {
    cksum_arg *a = arg;
    krb_context *ctx = a->ctx;
    if (!krb_cred) ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    SR_ENSURE(krb_cred_len <= 0xffff, SR_INTERNAL);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 28 + krb_cred_len));
    (void)wire_write_u32le(&w, 16).code;
    (void)wire_write_bytes(&w, a->md5, 16).code;
    (void)wire_write_u32le(&w, ctx->gss_flags).code;
    if (krb_cred) {
        (void)wire_write_u16le(&w, 1).code;
        (void)wire_write_u16le(&w, (uint16_t)krb_cred_len).code;
        (void)wire_write_bytes(&w, krb_cred, krb_cred_len).code;
    }
    sr r = wire_writer_status(&w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->data, &out->len);
    wire_writer_free(&w);
    return r;
}

/* Options of the TGS request, part of the ticket cache key (none yet). */
#define TGS_OPTIONS KRB_TC_OPT_NONE

/* Under c->lock: a TGS exchange for server (the ccache's own copy of the
 * ticket, if any, is used without the network). Neither the user's ccache
 * nor the private one takes the service ticket: it goes into the
 * credential's ticket cache once obtained. */
static sr tgs_new(krb_creds *c, const kg_principal *server, kg_exchange **x) {
    return kg_tgs_new(c->kg, c->ccache, c->client, server, false, x);
}

/* The service ticket: from the credential's cache or through a TGS
 * exchange (synchronous: under c->lock throughout). */
static sr service_ticket(krb_context *ctx, kg_principal *server, kg_ticket **out) {
    krb_creds *c = ctx->creds;
    *out = krb_creds_cached_ticket(c, server, TGS_OPTIONS);
    if (*out) return SR_SUCCESS;
    kg_exchange *x = NULL;
    SR_TRY(tgs_new(c, server, &x));
    sr r = krb_transport_run(c->kg, x);
    if (sr_is_ok(r)) r = kg_tgs_ticket(x, out);
    kg_exchange_free(x);
    if (sr_is_ok(r)) krb_creds_remember_ticket(c, server, TGS_OPTIONS, *out);
    return r;
}

/* What ISC's first step sets up before it needs a ticket. */
static sr client_prepare(krb_context *ctx, const sspi_step_in *in) {
    krb_creds *c = ctx->creds;
    SR_ENSURE(c->outbound, SR_NO_CREDENTIALS);
    SR_ENSURE(in->target_name && in->target_name[0], SR_TARGET_UNKNOWN);
    free(ctx->target_name);
    ctx->target_name = strdup(in->target_name);
    SR_ENSURE(ctx->target_name != NULL, SR_NO_MEMORY);
    ctx->dce = (in->req_flags & ISC_REQ_USE_DCE_STYLE) != 0;
    ctx->gss_flags = gss_flags_from_req(in->req_flags);
    ctx->mutual = (ctx->gss_flags & KRB_GSS_C_MUTUAL_FLAG) != 0;
    return SR_SUCCESS;
}

static void log_no_ticket(krb_creds *c, const char *target, sr r) {
    SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "no ticket for %s: %s (%s)", target,
             sr_code_name(r.code), kg_last_message(c->kg));
}

static sr client_ap_req(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out,
                        kg_ticket *tkt, kg_ticket *fwd_tgt);

/* Delegation (ISC_REQ_DELEGATE) only to services trusted for it
 * (ok-as-delegate), as Windows does, unless the credential says always
 * (SECPKG_CRED_ATTR_LIBSSPI_KRB5_DELEGATION). Clears the GSS flag when not. */
static bool want_delegation(krb_context *ctx, const kg_ticket *tkt) {
    if (!(ctx->gss_flags & KRB_GSS_C_DELEG_FLAG)) return false;
    bool delegate =
        ctx->creds->deleg_always || (kg_ticket_flags(tkt) & KG_TKT_FLG_OK_AS_DELEGATE);
    if (!delegate) ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    return delegate;
}

/* Under c->lock: the TGS exchange for the forwarded TGT (kg_fwd_new). */
static sr fwd_new(krb_creds *c, kg_exchange **x) {
    return kg_fwd_new(c->kg, c->ccache, c->client, x);
}

/* Delegation is best effort, as Windows and MIT: without a forwarded TGT
 * the context goes on undelegated (ISC_RET_DELEGATE not set). Only running
 * out of memory stops the call. */
static sr fwd_failed(krb_creds *c, sr r) {
    if (r.code == SR_NO_MEMORY) return r;
    SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "delegation: no forwarded TGT: %s (%s)",
             sr_code_name(r.code), kg_last_message(c->kg));
    return SR_SUCCESS;
}

/* Under c->lock: the forwarded TGT through the synchronous driver (NULL on
 * failure, see fwd_failed). */
static sr forwarded_tgt(krb_creds *c, kg_ticket **out) {
    *out = NULL;
    kg_exchange *x = NULL;
    sr r = fwd_new(c, &x);
    if (sr_is_ok(r)) r = krb_transport_run(c->kg, x);
    if (sr_is_ok(r)) r = kg_tgs_ticket(x, out);
    kg_exchange_free(x);
    return sr_is_ok(r) ? r : fwd_failed(c, r);
}

sr krb_client_start(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    krb_creds *c = ctx->creds;
    SR_TRY(client_prepare(ctx, in));
    kg_principal *server = NULL;
    SR_TRY(kg_principal_target(c->kg, in->target_name, &server));
    sr r = krb_creds_ensure_tgt(c);
    kg_ticket *tkt = NULL, *fwd = NULL;
    if (sr_is_ok(r)) r = service_ticket(ctx, server, &tkt);
    kg_principal_free(c->kg, server);
    if (!sr_is_ok(r)) {
        log_no_ticket(c, in->target_name, r);
        return r;
    }
    if (want_delegation(ctx, tkt)) r = forwarded_tgt(c, &fwd);
    if (!sr_is_ok(r)) {
        kg_ticket_free(c->kg, tkt);
        return r;
    }
    return client_ap_req(ctx, in, out, tkt, fwd);
}

/* The rest of ISC's first step once the service ticket is there, with the
 * forwarded TGT when delegating (both consumed). Under c->lock. */
static sr client_ap_req(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out,
                        kg_ticket *tkt, kg_ticket *fwd_tgt) {
    krb_creds *c = ctx->creds;
    sr r;
    kg_ticket_times(tkt, &ctx->times);
    ctx->ticket_flags = kg_ticket_flags(tkt);
    ctx->ticket_enctype = kg_ticket_enctype(tkt);
    free(ctx->server_name);
    ctx->server_name = NULL;
    r = kg_ticket_server(c->kg, tkt, &ctx->server_name);
    if (sr_is_ok(r)) {
        free(ctx->client_name);
        ctx->client_name = strdup(c->client_name ? c->client_name : "");
        if (!ctx->client_name) r = SR_FAIL(SR_NO_MEMORY);
    }

    cksum_arg ca;
    ca.ctx = ctx;
    if (sr_is_ok(r)) r = krb_bindings_md5(in->bindings, in->bindings_len, ca.md5);
    kg_buf ap_req = {0};
    if (sr_is_ok(r)) {
        kg_ap_req_params p;
        memset(&p, 0, sizeof p);
        p.mutual = ctx->mutual;
        p.dce = ctx->dce;
        p.cksum_type = KRB_CKSUMTYPE_GSSAPI;
        p.build = build_cksum;
        p.build_arg = &ca;
        p.fwd_tgt = fwd_tgt; /* NULL: build_cksum clears the DELEG flag */
        r = kg_ap_req_make(c->kg, tkt, &p, &ctx->auth, &ap_req);
    }
    kg_ticket_free(c->kg, tkt);
    kg_ticket_free(c->kg, fwd_tgt);
    if (!sr_is_ok(r)) {
        kg_buf_free(&ap_req);
        return r;
    }
    if (ctx->dce) {
        out->token.data = ap_req.data;
        out->token.len = ap_req.len;
        ap_req.data = NULL;
        ap_req.len = 0;
    } else {
        r = krb_frame_token(KRB_TOK_AP_REQ, ap_req.data, ap_req.len, &out->token);
        kg_buf_free(&ap_req);
        SR_TRY(r);
    }
    ctx->ret_flags = krb_ret_flags(ctx);
    if (ctx->mutual) {
        ctx->state = KRB_ST_CLIENT_WAIT_AP_REP;
        return SR_FAIL(SR_CONTINUE_NEEDED);
    }
    return krb_context_finish(ctx);
}

/* ---- asynchronous first step (async/async_io.h) ------------------------
 *
 * The same work as krb_client_start, with every KDC exchange (the AS
 * exchange of a password / keytab credential that has no TGT yet, then the
 * TGS exchange for the service ticket, then when delegating the TGS
 * exchange for the forwarded TGT; more round trips when the KDC asks for
 * pre-authentication or refers us elsewhere) handed to the event loop:
 * krb5_init_creds_step / krb5_tkt_creds_step / the glue's forwarded-TGT
 * engine (kg_fwd_new) give the request, the call
 * suspends with it (UDP to every KDC of the realm, then TCP when none
 * answered or the KDC said RESPONSE_TOO_BIG, within the deadlines of the
 * synchronous driver), and the re-run feeds the reply to the same step
 * context. The credential lock is held only while krb5 runs, never across
 * a suspension. Everything of the step in progress (the krb5 step context,
 * the target principal, the first call's partial SSPI context) lives in
 * krb_pending, the suspended state: a cancelled call frees it. */

struct krb_pending {
    krb_creds *creds;       /* reference */
    krb_context *ctx;       /* a first call's partial context (owned), or NULL */
    kg_principal *server;
    kg_ticket *tkt;         /* the service ticket, found in the cache */
    kg_ticket *svc;         /* the service ticket, once there */
    kg_ticket *fwd_tgt;     /* delegation: the forwarded TGT, once there */
    kg_exchange *x;         /* the AS, TGS or forwarded-TGT exchange in progress */
    bool as;                /* x is the AS exchange */
    bool fwd;               /* x is the forwarded-TGT exchange (kg_fwd_new) */
    bool cancelled;         /* the loop said SSPI_IO_CANCELLED */
    kg_kdc_request req;     /* x's request in flight (points into x) */
    bool tcp;               /* its phase: UDP, then TCP */
    int64_t deadline;       /* of the request (KRB_KDC_TOTAL_TIMEOUT_MS) */
    unsigned steps;
    sspi_io_reply reply;    /* the loop's answer, on a re-run */
};

bool krb_client_async(void) { return sspi_io_async_call() && !krb_transport_hooked(); }

void krb_pending_free(void *arg) {
    krb_pending *p = arg;
    if (!p) return;
    krb_creds *c = p->creds;
    sspi_io_reply_clear(&p->reply);
    pthread_mutex_lock(&c->lock);
    kg_exchange_free(p->x);
    kg_ticket_free(c->kg, p->tkt);
    kg_ticket_free(c->kg, p->svc);
    kg_ticket_free(c->kg, p->fwd_tgt);
    kg_principal_free(c->kg, p->server);
    pthread_mutex_unlock(&c->lock);
    if (p->ctx) krb_context_free(p->ctx);
    krb_creds_release(c);
    crypto_wipe(p, sizeof *p);
    free(p);
}

krb_pending *krb_pending_resume(void) {
    sspi_io_reply reply;
    krb_pending *p = sspi_io_resume(&reply);
    if (!p) return NULL;
    p->reply = reply;
    return p;
}

krb_context *krb_pending_take_ctx(krb_pending *p) {
    krb_context *ctx = p->ctx;
    p->ctx = NULL;
    return ctx;
}

/* Under c->lock: the service ticket from the credential's cache (p->tkt),
 * else the TGS exchange for it (p->x). */
static sr pending_tgs(krb_pending *p) {
    krb_creds *c = p->creds;
    p->tkt = krb_creds_cached_ticket(c, p->server, TGS_OPTIONS);
    if (p->tkt) return SR_SUCCESS;
    return tgs_new(c, p->server, &p->x);
}

/* Under c->lock: the state of a fresh first step, with the ticket from the
 * cache or the exchange it starts with (AS when the credential has no TGT
 * yet, else TGS). On error *out may still need krb_pending_free. */
static sr pending_new(krb_context *ctx, const char *target, krb_pending **out) {
    krb_creds *c = ctx->creds;
    krb_pending *p = calloc(1, sizeof *p);
    *out = p;
    SR_ENSURE(p != NULL, SR_NO_MEMORY);
    p->creds = krb_creds_ref(c);
    SR_TRY(kg_principal_target(c->kg, target, &p->server));
    SR_ENSURE(c->outbound && c->ccache, SR_NO_CREDENTIALS);
    if (c->have_tgt) return pending_tgs(p);
    SR_ENSURE(c->password || c->client_kt, SR_NO_CREDENTIALS);
    p->as = true;
    return kg_as_new(c->kg, c->client, c->password, c->password ? NULL : c->client_kt, &p->x);
}

/* The event loop request for p->req in its current phase. */
static sr pending_request(krb_pending *p, sspi_io_request *io) {
    int64_t left = p->deadline - krb_now_ms();
    if (left <= 0) {
        krb_kdc_negcache_unreachable(p->req.realm); /* logs "no KDC of realm ... answered" */
        return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    }
    SR_TRY(krb_kdc_io_request(p->creds->kg, p->req.realm, p->req.data, p->req.len, p->tcp,
                              (uint32_t)left, io));
    return SR_FAIL(SR_ASYNC_CALL_PENDING);
}

/* Under c->lock: run the exchanges as far as they go without the network.
 * SR_ASYNC_CALL_PENDING with *io to send, SR_OK with the service ticket in
 * p->svc (or, for the forwarded-TGT exchange, p->x complete), or the error
 * the synchronous path gives. */
static sr pending_exchange(krb_pending *p, sspi_io_request *io) {
    krb_creds *c = p->creds;
    for (;;) {
        if (p->tkt) { /* from the cache: no exchange */
            p->svc = p->tkt;
            p->tkt = NULL;
            return SR_SUCCESS;
        }
        const uint8_t *rdata = NULL;
        size_t rlen = 0;
        if (p->req.data) { /* back from the loop */
            sspi_io_error e = p->reply.error;
            if (e == SSPI_IO_NO_MEMORY) return SR_FAIL(SR_NO_MEMORY);
            if (e != SSPI_IO_OK) {
                SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "KDC exchange over %s: %s",
                         p->tcp ? "TCP" : "UDP", sspi_io_error_name(e));
                sspi_io_reply_clear(&p->reply);
                if (!p->tcp && e != SSPI_IO_CANCELLED) {
                    p->tcp = true; /* as krb_kdc_sendto: TCP when UDP got no answer */
                    return pending_request(p, io);
                }
                p->cancelled = e == SSPI_IO_CANCELLED;
                if (e == SSPI_IO_CANCELLED)
                    SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "KDC exchange cancelled");
                else
                    krb_kdc_negcache_unreachable(p->req.realm); /* logs */
                return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
            }
            krb_kdc_negcache_answered_now(p->req.realm); /* a KDC answered */
            rdata = p->reply.data;
            rlen = p->reply.len;
        }
        if (++p->steps > 64) return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
        bool done = false;
        kg_kdc_request next;
        sr r = kg_exchange_step(p->x, rdata, rlen, &done, &next);
        sspi_io_reply_clear(&p->reply);
        memset(&p->req, 0, sizeof p->req);
        if (!sr_is_ok(r)) {
            if (p->as)
                SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "AS exchange for %s failed: %s (%s)",
                         c->client_name, sr_code_name(r.code), kg_last_message(c->kg));
            return r;
        }
        if (!done) {
            p->req = next;
            p->tcp = !krb_kdc_udp_first(c->kg, next.len, next.tcp_only);
            p->deadline = krb_now_ms() + KRB_KDC_TOTAL_TIMEOUT_MS;
            return pending_request(p, io);
        }
        if (p->fwd) return SR_SUCCESS; /* taken by pending_run */
        if (!p->as) {
            SR_TRY(kg_tgs_ticket(p->x, &p->svc));
            krb_creds_remember_ticket(c, p->server, TGS_OPTIONS, p->svc);
            kg_exchange_free(p->x);
            p->x = NULL;
            return SR_SUCCESS;
        }
        /* TGT obtained: on to the service ticket (a concurrent call of
         * this credential may have cached it meanwhile). */
        SR_TRY(krb_creds_store_tgt(c, p->x));
        kg_exchange_free(p->x);
        p->x = NULL;
        p->as = false;
        SR_TRY(pending_tgs(p));
    }
}

/* Under c->lock: the service ticket, then, when delegating, the forwarded
 * TGT (an exchange of its own, suspended like the others; best effort, see
 * fwd_failed). SR_OK hands both out (*fwd_tgt NULL: no delegation). */
static sr pending_run(krb_context *ctx, krb_pending *p, sspi_io_request *io, kg_ticket **tkt,
                      kg_ticket **fwd_tgt) {
    krb_creds *c = p->creds;
    for (;;) {
        sr r = pending_exchange(p, io);
        if (r.code == SR_ASYNC_CALL_PENDING) return r;
        if (p->fwd) { /* the forwarded-TGT exchange ended */
            if (sr_is_ok(r)) r = kg_tgs_ticket(p->x, &p->fwd_tgt);
            kg_exchange_free(p->x);
            p->x = NULL;
            p->fwd = false;
            if (!sr_is_ok(r)) {
                if (p->cancelled) return r;
                SR_TRY(fwd_failed(c, r));
            }
            break;
        }
        SR_TRY(r);
        if (!want_delegation(ctx, p->svc)) break;
        r = fwd_new(c, &p->x);
        if (!sr_is_ok(r)) {
            SR_TRY(fwd_failed(c, r));
            break;
        }
        p->fwd = true;
    }
    *tkt = p->svc;
    p->svc = NULL;
    *fwd_tgt = p->fwd_tgt;
    p->fwd_tgt = NULL;
    return SR_SUCCESS;
}

sr krb_client_start_async(krb_context *ctx, bool owns_ctx, krb_pending *p, const sspi_step_in *in,
                          sspi_step_out *out, bool *ctx_taken) {
    krb_creds *c = ctx->creds;
    *ctx_taken = false;
    sspi_io_request io;
    kg_ticket *tkt = NULL, *fwd = NULL;
    sr r = SR_SUCCESS;
    pthread_mutex_lock(&c->lock);
    if (!p) {
        r = client_prepare(ctx, in);
        if (sr_is_ok(r)) r = pending_new(ctx, in->target_name, &p);
    }
    if (sr_is_ok(r)) r = pending_run(ctx, p, &io, &tkt, &fwd);
    if (sr_is_ok(r))
        r = client_ap_req(ctx, in, out, tkt, fwd);
    else if (r.code != SR_ASYNC_CALL_PENDING)
        log_no_ticket(c, in->target_name ? in->target_name : "", r);
    pthread_mutex_unlock(&c->lock);
    if (r.code == SR_ASYNC_CALL_PENDING) {
        /* No lock held from here until the re-run. A first call's context
         * is not the caller's yet: it waits in the suspended state. */
        if (owns_ctx) {
            p->ctx = ctx;
            *ctx_taken = true;
        }
        return sspi_io_suspend(&io, p, krb_pending_free);
    }
    krb_pending_free(p);
    return r;
}

/* A KRB-ERROR from the acceptor, as Windows reports it. */
static sr map_acceptor_error(int32_t code) {
    if (code == kg_code_ap_err_skew()) return SR_FAIL(SR_TIME_SKEW);
    if (code == kg_code_ap_err_modified()) return SR_FAIL(SR_WRONG_PRINCIPAL);
    sr_code m = kg_map_error(code);
    /* The acceptor has no key for the ticket: we asked for the wrong
     * principal (what Windows reports for KRB_AP_ERR_MODIFIED and kin). */
    if (m == SR_LOGON_DENIED && kg_code_is_key_mismatch(code)) m = SR_WRONG_PRINCIPAL;
    if (m == SR_INTERNAL || m == SR_OK) m = SR_LOGON_DENIED;
    return SR_FAIL(m);
}

sr krb_client_ap_rep(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    krb_creds *c = ctx->creds;
    const uint8_t *body;
    size_t body_len;
    uint16_t tok_id;
    if (ctx->dce) {
        /* Bare AP-REP ([APPLICATION 15]) or KRB-ERROR ([APPLICATION 30]). */
        body = in->token;
        body_len = in->token_len;
        tok_id = in->token[0] == 0x7e ? KRB_TOK_ERROR : KRB_TOK_AP_REP;
    } else {
        SR_TRY(krb_unframe_token(in->token, in->token_len, &tok_id, &body, &body_len));
    }
    if (tok_id == KRB_TOK_ERROR) {
        int32_t code = 0;
        SR_TRY(kg_krb_error_read(c->kg, body, body_len, &code));
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "acceptor answered KRB-ERROR %ld", (long)code);
        return map_acceptor_error(code);
    }
    SR_ENSURE(tok_id == KRB_TOK_AP_REP, SR_INVALID_TOKEN);
    SR_TRY(kg_ap_rep_read(c->kg, ctx->auth, body, body_len));
    if (ctx->dce) {
        /* Third leg: our AP-REP back (ISC returns SEC_E_OK with it). */
        kg_buf rep = {0};
        SR_TRY(kg_ap_rep_make_dce(c->kg, ctx->auth, &rep));
        out->token.data = rep.data;
        out->token.len = rep.len;
    }
    ctx->ret_flags = krb_ret_flags(ctx);
    return krb_context_finish(ctx);
}
