#!/usr/bin/env bash
# Interop: libsspi's Kerberos EncryptMessage / DecryptMessage / MakeSignature
# / VerifySignature with DCE/RPC buffer lists (several SECBUFFER_DATA,
# SECBUFFER_READONLY_WITH_CHECKSUM header and trailer, SECBUFFER_READONLY,
# SECBUFFER_PADDING) against MIT's gss_wrap_iov / gss_unwrap_iov with
# GSS_IOV_BUFFER_TYPE_SIGN_ONLY (python3-gssapi), on real contexts from a
# private MIT realm (krb5_env.sh): our client -> MIT acceptor and MIT
# initiator -> our server, DCE style and not, sealed and sign-only, both
# directions (tests/interop/krb5_iov.py).
#   AES: host/localhost (aes256-cts-hmac-sha1-96 session keys);
#   rc4-hmac: the realm's rc4 variant (KRB5_ENV_RC4=1: rc4svc/localhost has
#   an rc4-hmac key only and rc4-hmac session keys, allow_weak_crypto in this
#   realm's krb5.conf), where Windows puts the RFC 4757 padding in
#   SECBUFFER_PADDING (none in DCE style), plus the classic messages of
#   `sspi client` with MIT's acceptor.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/krb5_env.sh"
interop_init krb5_iov "$1" "$2"
need_python_gssapi
krb5_env_need
HELPER="$BUILD/tests/test_krb_message"
[ -x "$HELPER" ] || { echo "missing $HELPER"; exit 1; }
trap 'krb5_env_stop; interop_cleanup' EXIT
export KRB5_ENV_RC4=1
krb5_env_start "$WORK" || { echo "FAIL: cannot start the KDC"; exit 1; }
export KRB5CCNAME=FILE:$WORK/alice_ccache
krb5_env_kinit "$KRB5CCNAME" || { echo "FAIL: kinit alice"; exit 1; }

# run_iov TAG ARGS...: one krb5_iov.py run, its lines counted.
run_iov() {
    local tag=$1; shift
    $PY "$SRC/tests/interop/krb5_iov.py" --helper "$HELPER" "$@" >"$WORK/iov.$tag.log" 2>&1
    local rc=$?
    local n_ok n_fail
    n_ok=$(grep -c '^ok ' "$WORK/iov.$tag.log")
    n_fail=$(grep -c '^FAIL ' "$WORK/iov.$tag.log")
    check "$tag: $n_ok checks, $n_fail failures" [ $rc = 0 ] && [ "$n_ok" -gt 20 ]
    [ $rc = 0 ] || { grep -v '^ok ' "$WORK/iov.$tag.log" | head -40; }
}

for dce in "" --dce; do
    d=${dce:+-dce}
    run_iov "aes ours-client$d" --role ours-client --target host/localhost \
        --service host@localhost --enctype 18 $dce
    run_iov "aes ours-server$d" --role ours-server --target host/localhost \
        --service host@localhost --enctype 18 $dce
    # rc4-hmac tickets and session keys. MIT's acceptor answers our rc4-hmac
    # initiator subkey with an AES acceptor subkey (RFC 4537 negotiation),
    # and so does ours in DCE style (krb5_mk_rep): CFX tokens under the
    # acceptor subkey (enctype 18). MIT's initiator with our acceptor outside
    # DCE style keeps rc4-hmac: the RFC 4757 layouts (enctype 23).
    run_iov "rc4 ours-client$d" --role ours-client --target rc4svc/localhost \
        --service rc4svc@localhost --enctype 18 $dce
    run_iov "rc4 ours-server$d" --role ours-server --target rc4svc/localhost \
        --service rc4svc@localhost --enctype $([ -n "$dce" ] && echo 18 || echo 23) $dce
done

# rc4-hmac with the ordinary message layouts (TOKEN + DATA + PADDING,
# STREAM) and MIC both ways: `sspi client` against MIT's acceptor.
PEER="$PY $SRC/tests/interop/gss_peer.py"
rm -f "$WORK/ready.rc4"
start_bg "$WORK/peer_server.rc4.log" $PEER server --mech krb5 --ready-file "$WORK/ready.rc4"
if wait_file "$WORK/ready.rc4"; then
    port=$(cat "$WORK/ready.rc4")
    "$SSPI" client --package Kerberos --port "$port" --target rc4svc/localhost \
        >"$WORK/our_client.rc4.log" 2>&1
    rc=$?
    sleep 0.3
    check "rc4 sspi client -> MIT acceptor" [ $rc = 0 ]
    check "rc4: messages both ways (MIT)" contains "$WORK/peer_server.rc4.log" 'MESSAGES OK'
    check "rc4: messages both ways (ours)" contains "$WORK/our_client.rc4.log" 'MESSAGES OK'
    [ $rc = 0 ] || show_logs "$WORK/our_client.rc4.log" "$WORK/peer_server.rc4.log"
else
    check "rc4: MIT acceptor started" false
fi
interop_finish
