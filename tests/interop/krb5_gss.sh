#!/usr/bin/env bash
# Interop: libsspi's Kerberos package against MIT krb5 GSSAPI (python3-gssapi)
# in a private realm (krb5_env.sh: MIT KDC on 127.0.0.1, random port):
#   our client (sspi client, default ccache)      -> MIT acceptor (gss_peer.py server)
#   our client (password, SEC_WINNT_AUTH_IDENTITY) -> MIT acceptor
#   MIT initiator (gss_peer.py client, kinit)      -> our server (sspi server)
#   our client -> our server
#   our client in DCE style (ISC_REQ_USE_DCE_STYLE) -> MIT acceptor
#   our client delegating (ISC_REQ_DELEGATE) -> MIT acceptor (ok-as-delegate
#   service: delegated; other service: not, as Windows)
#   MIT initiator delegating -> our server (delegated ccache reported)
#   our server with --keytab (SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB)
# with mutual authentication, sealed and signed messages both ways, and the
# Windows statuses for a wrong password (SEC_E_LOGON_DENIED), an unknown
# service (SEC_E_TARGET_UNKNOWN) and a dead KDC
# (SEC_E_NO_AUTHENTICATING_AUTHORITY within a few seconds).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/krb5_env.sh"
interop_init krb5 "$1" "$2"
need_python_gssapi
krb5_env_need
krb5_interop_start
PEER="$PY $SRC/tests/interop/gss_peer.py"

run_peer_server() {
    start_ready "$1" "$WORK/peer_server.$1.log" $PEER server --mech krb5 \
        --ready-file "$WORK/ready.$1"
}

# run_our_server TAG [ARGS...]
run_our_server() {
    local tag=$1; shift
    start_ready "$tag" "$WORK/our_server.$tag.log" "$SSPI" server --package Kerberos --port 0 \
        --ready-file "$WORK/ready.$tag" --once "$@"
    our_server_pid=$service_pid
}

# 1. our client (alice's ccache) -> MIT acceptor, host/localhost
run_peer_server cc
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" \
    --target host/localhost >"$WORK/our_client.cc.log" 2>&1
rc=$?
sleep 0.3
check "ccache: our client authenticates to MIT" [ $rc = 0 ]
check "ccache: MIT saw alice@$R" contains "$WORK/peer_server.cc.log" "AUTHENTICATED alice@$R"
check "ccache: mutual auth" contains "$WORK/our_client.cc.log" 'ISC_RET_MUTUAL_AUTH'
check "ccache: sealed+signed both ways (MIT)" contains "$WORK/peer_server.cc.log" 'MESSAGES OK'
check "ccache: sealed+signed both ways (ours)" contains "$WORK/our_client.cc.log" 'MESSAGES OK'
check "ccache: NAMES is alice@$R" contains "$WORK/our_client.cc.log" "AUTHENTICATED alice@$R"
[ $rc = 0 ] || show_logs "$WORK/our_client.cc.log" "$WORK/peer_server.cc.log"

# 2. password login (AS exchange into a private ccache), HTTP/localhost@REALM;
#    the user's default ccache must stay untouched (it does not exist).
run_peer_server pw
rm -f "$KRB5_ENV_DIR/default_ccache"
SSPI_PASSWORD=$KRB5_ALICE_PASSWORD "$SSPI" client --package Kerberos --port "$port" \
    -u "alice@$R" --password-env SSPI_PASSWORD --target "HTTP/localhost@$R" \
    >"$WORK/our_client.pw.log" 2>&1
rc=$?
sleep 0.3
check "password: our client authenticates to MIT" [ $rc = 0 ]
check "password: MIT saw alice@$R" contains "$WORK/peer_server.pw.log" "AUTHENTICATED alice@$R"
check "password: messages" contains "$WORK/our_client.pw.log" 'MESSAGES OK'
check "password: no ccache written" [ ! -e "$KRB5_ENV_DIR/default_ccache" ]
[ $rc = 0 ] || show_logs "$WORK/our_client.pw.log" "$WORK/peer_server.pw.log"

# 2b. no ccache at all: the client keytab (KRB5_CLIENT_KTNAME) gives alice.
run_peer_server ckt
KRB5CCNAME=FILE:$WORK/no_such_ccache KRB5_CLIENT_KTNAME=FILE:$KRB5_ENV_DIR/alice.keytab \
    "$SSPI" client --package Kerberos --port "$port" --target host/localhost \
    >"$WORK/our_client.ckt.log" 2>&1
rc=$?
sleep 0.3
check "client keytab: our client authenticates to MIT" [ $rc = 0 ]
check "client keytab: MIT saw alice@$R" contains "$WORK/peer_server.ckt.log" "AUTHENTICATED alice@$R"
check "client keytab: no ccache written" [ ! -e "$WORK/no_such_ccache" ]
[ $rc = 0 ] || show_logs "$WORK/our_client.ckt.log" "$WORK/peer_server.ckt.log"

# 2c. our client in DCE style -> MIT acceptor (MIT's acceptor answers the
#     bare AP-REQ with a bare AP-REP and takes our third-leg AP-REP).
run_peer_server dce
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" --target host/localhost \
    --dce >"$WORK/our_client.dce_mit.log" 2>&1
rc=$?
sleep 0.3
check "DCE: our client -> MIT acceptor" [ $rc = 0 ]
check "DCE: ISC_RET_USED_DCE_STYLE" contains "$WORK/our_client.dce_mit.log" 'ISC_RET_USED_DCE_STYLE'
check "DCE: MIT saw alice@$R" contains "$WORK/peer_server.dce.log" "AUTHENTICATED alice@$R"
check "DCE: messages (MIT)" contains "$WORK/peer_server.dce.log" 'MESSAGES OK'
check "DCE: messages (ours)" contains "$WORK/our_client.dce_mit.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/our_client.dce_mit.log" "$WORK/peer_server.dce.log"

# 2d. our client delegating -> MIT acceptor: host/localhost is trusted for
#     delegation (ok-as-delegate), so the TGT goes in the authenticator and
#     MIT's acceptor gets alice's credentials.
run_peer_server deleg
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" --target host/localhost \
    --delegate >"$WORK/our_client.deleg.log" 2>&1
rc=$?
sleep 0.3
check "delegation: our client -> MIT acceptor" [ $rc = 0 ]
check "delegation: ISC_RET_DELEGATE" contains "$WORK/our_client.deleg.log" 'ISC_RET_DELEGATE'
check "delegation: MIT received alice's credentials" \
    contains "$WORK/peer_server.deleg.log" "DELEGATED alice@$R"
check "delegation: messages" contains "$WORK/peer_server.deleg.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/our_client.deleg.log" "$WORK/peer_server.deleg.log"

# 2e. ... HTTP/localhost is not ok-as-delegate: nothing delegated (Windows'
#     default policy), the authentication itself succeeds.
run_peer_server nodeleg
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" --target HTTP/localhost \
    --delegate >"$WORK/our_client.nodeleg.log" 2>&1
rc=$?
sleep 0.3
check "no ok-as-delegate: authenticates" [ $rc = 0 ]
check "no ok-as-delegate: no ISC_RET_DELEGATE" lacks "$WORK/our_client.nodeleg.log" 'ISC_RET_DELEGATE'
check "no ok-as-delegate: MIT got nothing" lacks "$WORK/peer_server.nodeleg.log" 'DELEGATED'

# 3. wrong password -> SEC_E_LOGON_DENIED (no connection needed: the
#    failure comes from the KDC at the first InitializeSecurityContext)
run_peer_server badpw
SSPI_PASSWORD=wrong "$SSPI" client --package Kerberos --port "$port" -u "alice@$R" \
    --password-env SSPI_PASSWORD --target host/localhost >"$WORK/our_client.badpw.log" 2>&1
rc=$?
check "wrong password: fails" [ $rc != 0 ]
check "wrong password: SEC_E_LOGON_DENIED" contains "$WORK/our_client.badpw.log" 'SEC_E_LOGON_DENIED'

# 4. unknown service -> SEC_E_TARGET_UNKNOWN
run_peer_server unknown
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" \
    --target HTTP/nosuchhost.sspi.test >"$WORK/our_client.unknown.log" 2>&1
rc=$?
check "unknown service: fails" [ $rc != 0 ]
check "unknown service: SEC_E_TARGET_UNKNOWN" contains "$WORK/our_client.unknown.log" 'SEC_E_TARGET_UNKNOWN'

# 5. MIT initiator (mutual) -> our server
run_our_server mit
KRB5CCNAME=$ALICE_CC $PEER client --mech krb5 --port "$port" --target host@localhost --mutual \
    >"$WORK/peer_client.mit.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "MIT client authenticates to our server" [ $rc = 0 ]
check "our server exits 0" [ $src = 0 ]
check "our server saw alice@$R" contains "$WORK/our_server.mit.log" "AUTHENTICATED alice@$R"
check "our server: mutual" contains "$WORK/our_server.mit.log" 'ASC_RET_MUTUAL_AUTH'
check "sealed+signed both ways (our server)" contains "$WORK/our_server.mit.log" 'MESSAGES OK'
check "sealed+signed both ways (MIT client)" contains "$WORK/peer_client.mit.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/peer_client.mit.log" "$WORK/our_server.mit.log"

# 6. MIT initiator without mutual authentication -> our server
run_our_server nomutual
KRB5CCNAME=$ALICE_CC $PEER client --mech krb5 --port "$port" --target HTTP@localhost \
    >"$WORK/peer_client.nomutual.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "no mutual: MIT client -> our server" [ $rc = 0 ] && [ $src = 0 ]
check "no mutual: messages" contains "$WORK/our_server.nomutual.log" 'MESSAGES OK'
check "no mutual: no ASC_RET_MUTUAL_AUTH" lacks "$WORK/our_server.nomutual.log" 'ASC_RET_MUTUAL_AUTH'

# 6b. MIT initiator in DCE style (bare AP-REQ, AP-REP, AP-REP) -> our server.
cat >"$WORK/dce_client.py" <<'EOF'
import socket, struct, sys
import gssapi
def send(s, b): s.sendall(struct.pack(">I", len(b)) + b)
def recv(s):
    def exact(n):
        buf = b""
        while len(buf) < n:
            c = s.recv(n - len(buf))
            if not c: raise EOFError()
            buf += c
        return buf
    return exact(struct.unpack(">I", exact(4))[0])
F = gssapi.RequirementFlag
flags = (F.dce_style | F.mutual_authentication | F.integrity | F.confidentiality |
         F.replay_detection | F.out_of_sequence_detection)
ctx = gssapi.SecurityContext(name=gssapi.Name("host@localhost", gssapi.NameType.hostbased_service),
                             usage="initiate", mech=gssapi.MechType.kerberos, flags=flags)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
tok = ctx.step()
assert tok[0] == 0x6e, "expected a bare AP-REQ"
send(s, tok)
while not ctx.complete:
    tok = ctx.step(recv(s))
    if tok: send(s, tok)
print("AUTHENTICATED DCE", flush=True)
w = ctx.wrap(b"hello from the client", True)
send(s, w.message); send(s, b"hello from the client")
send(s, ctx.get_signature(b"hello from the client"))
u = ctx.unwrap(recv(s))
assert u.message == b"hello from the server" and u.encrypted
text = recv(s); ctx.verify_signature(text, recv(s))
assert text == b"hello from the server"
print("MESSAGES OK", flush=True)
EOF
run_our_server dce
KRB5CCNAME=$ALICE_CC $PY "$WORK/dce_client.py" "$port" >"$WORK/peer_client.dce.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "DCE: MIT client -> our server" [ $rc = 0 ] && [ $src = 0 ]
check "DCE: our server saw alice@$R" contains "$WORK/our_server.dce.log" "AUTHENTICATED alice@$R"
check "DCE: ASC_RET_USED_DCE_STYLE" contains "$WORK/our_server.dce.log" 'ASC_RET_USED_DCE_STYLE'
check "DCE: messages (MIT)" contains "$WORK/peer_client.dce.log" 'MESSAGES OK'
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/peer_client.dce.log" "$WORK/our_server.dce.log"

# 6c. MIT initiator delegating -> our server: ASC_RET_DELEGATE and the
#     delegated credentials in a MEMORY ccache
#     (SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE).
run_our_server mitdeleg
KRB5CCNAME=$ALICE_CC $PEER client --mech krb5 --port "$port" --target host@localhost --mutual \
    --delegate >"$WORK/peer_client.mitdeleg.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "MIT delegation -> our server" [ $rc = 0 ] && [ $src = 0 ]
check "MIT delegation: ASC_RET_DELEGATE" contains "$WORK/our_server.mitdeleg.log" 'ASC_RET_DELEGATE'
check "MIT delegation: delegated ccache" contains "$WORK/our_server.mitdeleg.log" 'DELEGATED MEMORY:'
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/peer_client.mitdeleg.log" "$WORK/our_server.mitdeleg.log"

# 6d. our server with --keytab: only the keys of that keytab are used
#     (HTTP/localhost alone), whatever KRB5_KTNAME says.
run_our_server kt_http --keytab "FILE:$KRB5_HTTP_ONLY_KEYTAB"
KRB5CCNAME=$ALICE_CC $PEER client --mech krb5 --port "$port" --target HTTP@localhost --mutual \
    >"$WORK/peer_client.kt_http.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "--keytab: HTTP/localhost accepted" [ $rc = 0 ] && [ $src = 0 ]
run_our_server kt_host --keytab "FILE:$KRB5_HTTP_ONLY_KEYTAB"
KRB5CCNAME=$ALICE_CC $PEER client --mech krb5 --port "$port" --target host@localhost --mutual \
    >"$WORK/peer_client.kt_host.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "--keytab: host/localhost (not in it) refused" [ $src != 0 ]
[ $src != 0 ] || show_logs "$WORK/our_server.kt_host.log"

# 7. our client -> our server
run_our_server ours
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Kerberos --port "$port" \
    --target host/localhost >"$WORK/our_client.ours.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "our client -> our server" [ $rc = 0 ] && [ $src = 0 ]
check "our client -> our server: messages" contains "$WORK/our_server.ours.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/our_client.ours.log" "$WORK/our_server.ours.log"

# 8a. In-process exchanges through the public API (tests/unit/test_krb_loopback.c):
#     attributes, messages, replay, bindings, delegation, wrong keys.
if [ -x "$BUILD/tests/test_krb_loopback" ]; then
    KRB5CCNAME=$ALICE_CC SSPI_KRB5_LOOPBACK=1 KRB5_REALM_NAME=$R \
        SSPI_KRB5_HTTP_ONLY_KEYTAB=FILE:$KRB5_HTTP_ONLY_KEYTAB \
        "$BUILD/tests/test_krb_loopback" >"$WORK/loopback.log" 2>&1
    rc=$?
    check "in-process loopback (test_krb_loopback)" [ $rc = 0 ]
    [ $rc = 0 ] || cat "$WORK/loopback.log"
fi

# 8. KDC down: a password login fails with SEC_E_NO_AUTHENTICATING_AUTHORITY
#    within a few seconds (UDP refused, then TCP refused).
krb5_env_stop
run_peer_server down
start=$(date +%s%N)
SSPI_PASSWORD=$KRB5_ALICE_PASSWORD "$SSPI" client --package Kerberos --port "$port" \
    -u "alice@$R" --password-env SSPI_PASSWORD --target host/localhost \
    >"$WORK/our_client.down.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "KDC down: failed after ${elapsed_ms} ms"
check "KDC down: fails" [ $rc != 0 ]
check "KDC down: SEC_E_NO_AUTHENTICATING_AUTHORITY" contains "$WORK/our_client.down.log" \
    'SEC_E_NO_AUTHENTICATING_AUTHORITY'
check "KDC down: within 10 s" [ "$elapsed_ms" -lt 10000 ]

# 9. KDC unreachable (a black-hole address): bounded by the transport's
#    timeouts.
KRB5_KDC_PORT_SAVED=$KRB5_KDC_PORT
sed -i "s/kdc = 127.0.0.1:$KRB5_KDC_PORT_SAVED/kdc = 192.0.2.1:88/" "$KRB5_CONFIG"
run_peer_server blackhole
start=$(date +%s%N)
SSPI_PASSWORD=$KRB5_ALICE_PASSWORD "$SSPI" client --package Kerberos --port "$port" \
    -u "alice@$R" --password-env SSPI_PASSWORD --target host/localhost \
    >"$WORK/our_client.blackhole.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "KDC unreachable: failed after ${elapsed_ms} ms"
check "KDC unreachable: SEC_E_NO_AUTHENTICATING_AUTHORITY" contains \
    "$WORK/our_client.blackhole.log" 'SEC_E_NO_AUTHENTICATING_AUTHORITY'
check "KDC unreachable: within 10 s" [ "$elapsed_ms" -lt 10000 ]

# 10. A KDC that never answers (UDP and TCP accepted, no reply): the waits
#     are bounded (UDP 2 x 1 s, then TCP 3 s).
cat >"$WORK/silent_kdc.py" <<'EOF'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
port = u.getsockname()[1]
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(8)
with open(sys.argv[1], "w") as f:
    f.write(str(port))
conns = []
t.settimeout(60)
try:
    while True:
        c, _ = t.accept()
        conns.append(c)
except OSError:
    pass
EOF
start_bg "$WORK/silent_kdc.log" $PY "$WORK/silent_kdc.py" "$WORK/silent_port"
wait_file "$WORK/silent_port"
sed -i "s/kdc = 192.0.2.1:88/kdc = 127.0.0.1:$(cat "$WORK/silent_port")/" "$KRB5_CONFIG"
run_peer_server silent
start=$(date +%s%N)
SSPI_PASSWORD=$KRB5_ALICE_PASSWORD "$SSPI" client --package Kerberos --port "$port" \
    -u "alice@$R" --password-env SSPI_PASSWORD --target host/localhost \
    >"$WORK/our_client.silent.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "KDC silent: failed after ${elapsed_ms} ms"
check "KDC silent: SEC_E_NO_AUTHENTICATING_AUTHORITY" contains \
    "$WORK/our_client.silent.log" 'SEC_E_NO_AUTHENTICATING_AUTHORITY'
check "KDC silent: within 10 s" [ "$elapsed_ms" -lt 10000 ]

interop_finish
