#!/usr/bin/env bash
# Interop: libsspi's NTLM package against gss-ntlmssp (through MIT GSSAPI and
# python3-gssapi, Debian packages), both directions, with sealing and signing
# checked both ways and wrong passwords refused both ways.
#   our client  (sspi client)  ->  gss-ntlmssp acceptor (gss_peer.py server)
#   gss-ntlmssp initiator (gss_peer.py client)  ->  our server (sspi server)
set -u
source "$(dirname "$0")/lib.sh"
interop_init ntlm "$1" "$2"
need_gss_ntlmssp
PEER="$PY $SRC/tests/interop/gss_peer.py"

printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users"
export NTLM_USER_FILE="$WORK/users"

# run_peer_server TAG: start gss-ntlmssp acceptor, sets $port.
run_peer_server() {
    start_ready "$1" "$WORK/peer_server.$1.log" $PEER server --ready-file "$WORK/ready.$1"
}

# run_our_server TAG: start `sspi server` (one connection), sets $port.
run_our_server() {
    start_ready "$1" "$WORK/our_server.$1.log" "$SSPI" server --package NTLM --port 0 \
        --ready-file "$WORK/ready.$1" --user-file "$WORK/users" --once
    our_server_pid=$service_pid
}

# 1. our client -> gss-ntlmssp server
run_peer_server ok
our_client "$WORK/our_client.ok.log" 'Secret1!' --package NTLM -u 'TESTDOM\alice' \
    --target host/localhost
check "our client authenticates to gss-ntlmssp" [ $rc = 0 ]
check "gss-ntlmssp saw TESTDOM\\alice" contains "$WORK/peer_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check_messages peer "$WORK/peer_server.ok.log" ours "$WORK/our_client.ok.log"
[ "$fails" = 0 ] || show_logs "$WORK/our_client.ok.log" "$WORK/peer_server.ok.log"

# 2. our client, wrong password -> refused by gss-ntlmssp
run_peer_server bad
our_client "$WORK/our_client.bad.log" wrong --package NTLM -u 'TESTDOM\alice' \
    --target host/localhost
check "wrong password: our client fails" [ $rc != 0 ]
check "wrong password: gss-ntlmssp refused" contains "$WORK/peer_server.bad.log" 'AUTH FAILED'

# 3. gss-ntlmssp client -> our server
run_our_server ok
peer_client "$WORK/peer_client.ok.log" 'Secret1!' --user 'TESTDOM\alice'
check "gss-ntlmssp authenticates to our server" [ $rc = 0 ]
check "our server exits 0" [ $src = 0 ]
check "our server saw TESTDOM\\alice" contains "$WORK/our_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check_messages "our server" "$WORK/our_server.ok.log" "peer client" "$WORK/peer_client.ok.log"
[ $rc = 0 ] || show_logs "$WORK/peer_client.ok.log" "$WORK/our_server.ok.log"

# 4. gss-ntlmssp client, wrong password -> our server refuses
run_our_server bad
peer_client "$WORK/peer_client.bad.log" nope --user 'TESTDOM\alice'
check_server_refused bad

interop_finish
