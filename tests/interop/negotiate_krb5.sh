#!/usr/bin/env bash
# Interop: libsspi's Negotiate package with Kerberos inside (SPNEGO, RFC 4178
# + MS-SPNG; RFC 4121 mechListMIC) against MIT krb5's SPNEGO (python3-gssapi,
# gss_peer.py --mech spnego) in a private realm (krb5_env.sh):
#   1. our client -> MIT SPNEGO acceptor: Kerberos chosen (optimistic AP-REQ),
#      MIT answers supportedMech with the MS-KRB5 OID we listed first, AP-REP
#      inside the NegTokenResp (mutual authentication);
#   2. MIT SPNEGO initiator -> our server: supportedMech is the standard krb5
#      OID the client listed first;
#   3. MIT initiator offering NTLM first, then Kerberos -> our server limited
#      to Kerberos (PackageList): request-mic, the client restarts with
#      Kerberos, the mechListMIC goes both ways (our server waits for the
#      client's MIC after its AP-REP);
#   4. our client -> our server: the MS-KRB5 OID (the client's first) echoed;
#   5. fallback: no Kerberos credentials -> NTLM; KDC down (TGT cached, no
#      service ticket) -> NTLM within a few seconds; with "kerberos,!ntlm" the
#      Kerberos status instead;
#   6. KDC negative cache: with a KDC that never answers, only the first
#      handshake of a process pays for the Kerberos attempt.
# Every successful exchange ends with sealed and signed messages both ways.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/krb5_env.sh"
interop_init negotiate_krb5 "$1" "$2"
need_python_gssapi
krb5_env_need
if ! "$SSPI" packages 2>/dev/null | grep -qx 'Negotiate'; then
    echo "SKIP: this build has no Negotiate package"; exit 77
fi
krb5_interop_start
PEER="$PY $SRC/tests/interop/gss_peer.py"
printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users"
export NTLM_USER_FILE=$WORK/users
have_ntlmssp=0
ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1 && have_ntlmssp=1

# hex FILE: the whole file as one hex string.
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
has_hex() { hex "$1" | grep -q "$2"; }
lacks_hex() { ! has_hex "$1" "$2"; }
# DER pieces: supportedMech [1] with the MS-KRB5 / krb5 OID; negState
# request-mic; a framed AP-REP (krb5 OID, TOK_ID 02 00, [APPLICATION 15]);
# an RFC 4121 MIC token sent by the acceptor / the initiator (acceptor
# subkey in use) inside mechListMIC [3].
SUPP_MS_KRB5=a10b06092a864882f712010202
SUPP_KRB5=a10b06092a864886f712010202
REQUEST_MIC=a0030a0103
AP_REP=2a864886f7120102020200
ACC_MIC=040405ffffffffff
INI_MIC=040404ffffffffff

run_peer_server() {
    mkdir -p "$WORK/dump.peer_server.$1"
    start_ready "$1" "$WORK/peer_server.$1.log" $PEER server --mech spnego \
        --ready-file "$WORK/ready.$1" --dump "$WORK/dump.peer_server.$1"
}

# run_our_server TAG [ARGS...] (default: Kerberos keytab and NTLM accounts)
run_our_server() {
    local tag=$1; shift
    [ $# -gt 0 ] || set -- --user-file "$WORK/users"
    start_ready "$tag" "$WORK/our_server.$tag.log" "$SSPI" server --package Negotiate --port 0 \
        --ready-file "$WORK/ready.$tag" --keytab "FILE:$KRB5_SERVER_KEYTAB" --once "$@"
    our_server_pid=$service_pid
}

# 1. our client -> MIT SPNEGO acceptor
run_peer_server ours_mit
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Negotiate --port "$port" --target host/localhost \
    >"$WORK/our_client.ours_mit.log" 2>&1
rc=$?
sleep 0.3
d=$WORK/dump.peer_server.ours_mit
check "our client -> MIT SPNEGO: authenticated" [ $rc = 0 ]
check "our client -> MIT SPNEGO: MIT saw alice@$R" \
    contains "$WORK/peer_server.ours_mit.log" "AUTHENTICATED alice@$R"
check "our client -> MIT SPNEGO: MIT's mech is krb5" \
    contains "$WORK/peer_server.ours_mit.log" "MECH 1.2.840.113554.1.2.2"
check "our client -> MIT SPNEGO: package Kerberos" \
    contains "$WORK/our_client.ours_mit.log" 'PACKAGE Kerberos'
check "our client -> MIT SPNEGO: mutual auth" \
    contains "$WORK/our_client.ours_mit.log" 'ISC_RET_MUTUAL_AUTH'
check "our client -> MIT SPNEGO: supportedMech is our first OID (MS-KRB5)" \
    has_hex "$d/02_sent.bin" "$SUPP_MS_KRB5"
check "our client -> MIT SPNEGO: AP-REP inside the NegTokenResp" has_hex "$d/02_sent.bin" "$AP_REP"
check "our client -> MIT SPNEGO: messages (MIT)" contains "$WORK/peer_server.ours_mit.log" 'MESSAGES OK'
check "our client -> MIT SPNEGO: messages (ours)" contains "$WORK/our_client.ours_mit.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/our_client.ours_mit.log" "$WORK/peer_server.ours_mit.log"

# 2. MIT SPNEGO initiator (mutual) -> our server
run_our_server mit_ours
mkdir -p "$WORK/dump.peer_client.mit_ours"
KRB5CCNAME=$ALICE_CC $PEER client --mech spnego --port "$port" --target host@localhost --mutual \
    --dump "$WORK/dump.peer_client.mit_ours" >"$WORK/peer_client.mit_ours.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
d=$WORK/dump.peer_client.mit_ours
check "MIT SPNEGO -> our server: authenticated" [ $rc = 0 ] && [ $src = 0 ]
check "MIT SPNEGO -> our server: alice@$R" contains "$WORK/our_server.mit_ours.log" "AUTHENTICATED alice@$R"
check "MIT SPNEGO -> our server: package Kerberos" contains "$WORK/our_server.mit_ours.log" 'PACKAGE Kerberos'
check "MIT SPNEGO -> our server: mutual" contains "$WORK/our_server.mit_ours.log" 'ASC_RET_MUTUAL_AUTH'
check "MIT SPNEGO -> our server: supportedMech is the client's first OID (krb5)" \
    has_hex "$d/02_recv.bin" "$SUPP_KRB5"
check "MIT SPNEGO -> our server: AP-REP in our NegTokenResp" has_hex "$d/02_recv.bin" "$AP_REP"
check "MIT SPNEGO -> our server: messages (ours)" contains "$WORK/our_server.mit_ours.log" 'MESSAGES OK'
check "MIT SPNEGO -> our server: messages (MIT)" contains "$WORK/peer_client.mit_ours.log" 'MESSAGES OK'
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/peer_client.mit_ours.log" "$WORK/our_server.mit_ours.log"

# 3. MIT offers NTLM first, Kerberos second; our server accepts Kerberos
#    only: request-mic, mechListMIC both ways (RFC 4178 section 5).
if [ $have_ntlmssp = 1 ]; then
    run_our_server micreq --package-list kerberos -v
    mkdir -p "$WORK/dump.peer_client.micreq"
    KRB5CCNAME=$ALICE_CC $PEER client --mech spnego --neg-mechs ntlm,krb5 --port "$port" \
        --target host@localhost --mutual --dump "$WORK/dump.peer_client.micreq" \
        >"$WORK/peer_client.micreq.log" 2>&1
    rc=$?
    wait "$our_server_pid"; src=$?
    d=$WORK/dump.peer_client.micreq
    check "MIC required: MIT offered NTLM first" has_hex "$d/01_sent.bin" 4e544c4d53535000
    check "MIC required: authenticated" [ $rc = 0 ] && [ $src = 0 ]
    check "MIC required: package Kerberos" contains "$WORK/our_server.micreq.log" 'PACKAGE Kerberos'
    check "MIC required: our first reply: request-mic, krb5, no token" \
        eval "has_hex '$d/02_recv.bin' '$REQUEST_MIC' && has_hex '$d/02_recv.bin' '$SUPP_KRB5' &&
              lacks_hex '$d/02_recv.bin' a2"
    check "MIC required: MIT's AP-REQ after the restart" has_hex "$d/03_sent.bin" 2a864886f7120102020100
    check "MIC required: our AP-REP carries our mechListMIC" \
        eval "has_hex '$d/04_recv.bin' '$AP_REP' && has_hex '$d/04_recv.bin' '$ACC_MIC'"
    check "MIC required: MIT's mechListMIC" has_hex "$d/05_sent.bin" "$INI_MIC"
    check "MIC required: our AP-REP + MIC says accept-incomplete (waits for MIT's MIC)" \
        has_hex "$d/04_recv.bin" a0030a0101
    check "MIC required: no token after MIT's MIC (next frame is a sealed message)" \
        [ "$(od -An -tx1 -N2 "$d/09_recv.bin" | tr -d ' \n')" = 0504 ]
    check "MIC required: messages (ours)" contains "$WORK/our_server.micreq.log" 'MESSAGES OK'
    check "MIC required: messages (MIT)" contains "$WORK/peer_client.micreq.log" 'MESSAGES OK'
    [ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/peer_client.micreq.log" "$WORK/our_server.micreq.log"
else
    echo "skip: MIC-required case (gss-ntlmssp is not installed)"
fi

# 4. our client -> our server: the MS-KRB5 OID the client lists first is
#    the one echoed (as Windows does).
run_our_server ours
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Negotiate --port "$port" --target host/localhost -v \
    >"$WORK/our_client.ours.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "our client -> our server: authenticated" [ $rc = 0 ] && [ $src = 0 ]
check "our client -> our server: Kerberos" contains "$WORK/our_server.ours.log" 'PACKAGE Kerberos'
check "our client -> our server: supportedMech MS-KRB5" \
    grep -q "received token .*$SUPP_MS_KRB5" "$WORK/our_client.ours.log"
check "our client -> our server: messages" contains "$WORK/our_client.ours.log" 'MESSAGES OK'
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/our_client.ours.log" "$WORK/our_server.ours.log"

# 5a. no Kerberos credentials at all -> NTLM (default NTLM account).
run_our_server nocreds
start=$(date +%s%N)
KRB5CCNAME=FILE:$WORK/no_ccache KRB5_CLIENT_KTNAME=FILE:$WORK/no_keytab \
    "$SSPI" client --package Negotiate --port "$port" --target host/localhost \
    >"$WORK/our_client.nocreds.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$our_server_pid"; src=$?
check "no Kerberos credentials: NTLM used" [ $rc = 0 ] && [ $src = 0 ]
check "no Kerberos credentials: package NTLM" contains "$WORK/our_client.nocreds.log" 'PACKAGE NTLM'
check "no Kerberos credentials: TESTDOM\\alice" \
    contains "$WORK/our_server.nocreds.log" 'AUTHENTICATED TESTDOM\\alice'
check "no Kerberos credentials: messages" contains "$WORK/our_client.nocreds.log" 'MESSAGES OK'
check "no Kerberos credentials: within 5 s" [ "$elapsed_ms" -lt 5000 ]
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/our_client.nocreds.log" "$WORK/our_server.nocreds.log"

# 5b. ... and with "kerberos,!ntlm": the Kerberos status.
KRB5CCNAME=FILE:$WORK/no_ccache KRB5_CLIENT_KTNAME=FILE:$WORK/no_keytab \
    "$SSPI" client --package Negotiate --port 1 --target host/localhost \
    --package-list 'kerberos,!ntlm' >"$WORK/our_client.nocreds_krbonly.log" 2>&1
rc=$?
check "no Kerberos credentials, kerberos,!ntlm: fails" [ $rc != 0 ]
check "no Kerberos credentials, kerberos,!ntlm: SEC_E_NO_CREDENTIALS" \
    contains "$WORK/our_client.nocreds_krbonly.log" 'SEC_E_NO_CREDENTIALS'

# 5c. KDC down: alice has a TGT but no ticket for the service yet -> the
#     TGS exchange fails, Negotiate falls back to NTLM, in bounded time.
#     (The earlier cases cached tickets for host/localhost only.)
krb5_env_stop
run_our_server kdcdown
start=$(date +%s%N)
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Negotiate --port "$port" --target HTTP/localhost \
    >"$WORK/our_client.kdcdown.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$our_server_pid"; src=$?
echo "KDC down: Negotiate done after ${elapsed_ms} ms"
check "KDC down: NTLM used" [ $rc = 0 ] && [ $src = 0 ]
check "KDC down: package NTLM" contains "$WORK/our_client.kdcdown.log" 'PACKAGE NTLM'
check "KDC down: messages" contains "$WORK/our_client.kdcdown.log" 'MESSAGES OK'
check "KDC down: within 10 s" [ "$elapsed_ms" -lt 10000 ]
[ $rc = 0 ] && [ $src = 0 ] || show_logs "$WORK/our_client.kdcdown.log" "$WORK/our_server.kdcdown.log"

# 5d. KDC down with "kerberos,!ntlm": SEC_E_NO_AUTHENTICATING_AUTHORITY.
run_our_server kdcdown_krbonly
start=$(date +%s%N)
KRB5CCNAME=$ALICE_CC "$SSPI" client --package Negotiate --port "$port" --target HTTP/localhost \
    --package-list 'kerberos,!ntlm' >"$WORK/our_client.kdcdown_krbonly.log" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill "$our_server_pid" 2>/dev/null; wait "$our_server_pid" 2>/dev/null
check "KDC down, kerberos,!ntlm: fails" [ $rc != 0 ]
check "KDC down, kerberos,!ntlm: SEC_E_NO_AUTHENTICATING_AUTHORITY" \
    contains "$WORK/our_client.kdcdown_krbonly.log" 'SEC_E_NO_AUTHENTICATING_AUTHORITY'
check "KDC down, kerberos,!ntlm: within 10 s" [ "$elapsed_ms" -lt 10000 ]

# 6. KDC negative cache (src/packages/kerberos/krb_kdc_cache.h): the only
#    KDC of realm LOAD (`sspi load`'s client is LOAD\loaduser, password)
#    never answers: a UDP socket that reads and drops, nothing on TCP. The
#    first Negotiate handshake of the process waits for its Kerberos attempt
#    (UDP 2 x 1 s, then TCP refused) before NTLM; the 20 after it skip
#    Kerberos (< 2 s for all 20). `sspi load` drives the asynchronous API;
#    tests/unit/test_krb_kdc_cache.c does the same through the synchronous
#    one. With SSPI_KDC_NEGATIVE_CACHE_SECONDS=0 every handshake waits.
start_ready blackhole "$WORK/blackhole.log" $PY -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    s.recv(65536)
' "$WORK/ready.blackhole"
blackhole_pid=$service_pid
printf '[libdefaults]\n    default_realm = LOAD\n    dns_lookup_kdc = false\n    dns_lookup_realm = false\n[realms]\n    LOAD = {\n        kdc = 127.0.0.1:%s\n    }\n' \
    "$port" >"$WORK/krb5.blackhole.conf"
# load_times LOG: $total_ms (whole run) and $max_ms (slowest handshake).
load_times() {
    total_ms=$(sed -n 's/.*failed, \([0-9.]*\) s).*/\1/p' "$1" | awk '{printf "%d", $1 * 1000}')
    max_ms=$(sed -n 's/.*max \([0-9.]*\) ms.*/\1/p' "$1" | awk '{printf "%d", $1}')
    : "${total_ms:=999999}" "${max_ms:=0}"
}
KRB5_CONFIG=$WORK/krb5.blackhole.conf SSPI_DEBUG=2 "$SSPI" load --package Negotiate \
    --parallel 1 --count 21 >"$WORK/load.negcache.log" 2>&1
rc=$?
load_times "$WORK/load.negcache.log"
after_first=$((total_ms - max_ms))
echo "KDC black hole: 21 Negotiate handshakes in ${total_ms} ms, first ${max_ms} ms," \
    "the 20 after it ${after_first} ms"
check "KDC black hole: 21 handshakes succeed (NTLM)" [ $rc = 0 ]
check "KDC black hole: the first handshake tried Kerberos (waited >= 1.5 s)" \
    [ "$max_ms" -ge 1500 ]
check "KDC black hole: the 20 after the first take < 2 s in total" [ "$after_first" -lt 2000 ]
check "KDC black hole: realm remembered" \
    contains "$WORK/load.negcache.log" 'no KDC of realm LOAD answered: not tried again'
[ $rc = 0 ] && [ "$after_first" -lt 2000 ] || show_logs "$WORK/load.negcache.log"
KRB5_CONFIG=$WORK/krb5.blackhole.conf SSPI_KDC_NEGATIVE_CACHE_SECONDS=0 "$SSPI" load \
    --package Negotiate --parallel 1 --count 2 >"$WORK/load.nocache.log" 2>&1
rc=$?
load_times "$WORK/load.nocache.log"
echo "KDC black hole, negative cache off: 2 Negotiate handshakes in ${total_ms} ms"
check "KDC black hole, cache off: handshakes succeed" [ $rc = 0 ]
check "KDC black hole, cache off: each handshake waits (2 take >= 3 s)" [ "$total_ms" -ge 3000 ]
kill "$blackhole_pid" 2>/dev/null; wait "$blackhole_pid" 2>/dev/null

interop_finish
