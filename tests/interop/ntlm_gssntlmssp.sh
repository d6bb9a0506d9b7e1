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
    rm -f "$WORK/ready.$1"
    start_bg "$WORK/peer_server.$1.log" $PEER server --ready-file "$WORK/ready.$1"
    wait_file "$WORK/ready.$1" || return 1
    port=$(cat "$WORK/ready.$1")
}

# run_our_server TAG: start `sspi server` (one connection), sets $port.
run_our_server() {
    rm -f "$WORK/ready.$1"
    start_bg "$WORK/our_server.$1.log" "$SSPI" server --package NTLM --port 0 \
        --ready-file "$WORK/ready.$1" --user-file "$WORK/users" --once
    our_server_pid=$last_pid
    wait_file "$WORK/ready.$1" || return 1
    port=$(cat "$WORK/ready.$1")
}

# 1. our client -> gss-ntlmssp server
run_peer_server ok
SSPI_PASSWORD='Secret1!' "$SSPI" client --package NTLM --port "$port" -u 'TESTDOM\alice' \
    --password-env SSPI_PASSWORD --target host/localhost >"$WORK/our_client.ok.log" 2>&1
rc=$?
sleep 0.3
check "our client authenticates to gss-ntlmssp" [ $rc = 0 ]
check "gss-ntlmssp saw TESTDOM\\alice" contains "$WORK/peer_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check "sealed+signed both ways (peer)" contains "$WORK/peer_server.ok.log" 'MESSAGES OK'
check "sealed+signed both ways (ours)" contains "$WORK/our_client.ok.log" 'MESSAGES OK'
[ "$fails" = 0 ] || show_logs "$WORK/our_client.ok.log" "$WORK/peer_server.ok.log"

# 2. our client, wrong password -> refused by gss-ntlmssp
run_peer_server bad
SSPI_PASSWORD='wrong' "$SSPI" client --package NTLM --port "$port" -u 'TESTDOM\alice' \
    --password-env SSPI_PASSWORD --target host/localhost >"$WORK/our_client.bad.log" 2>&1
rc=$?
sleep 0.3
check "wrong password: our client fails" [ $rc != 0 ]
check "wrong password: gss-ntlmssp refused" contains "$WORK/peer_server.bad.log" 'AUTH FAILED'

# 3. gss-ntlmssp client -> our server
run_our_server ok
PEER_PASSWORD='Secret1!' $PEER client --port "$port" --user 'TESTDOM\alice' \
    >"$WORK/peer_client.ok.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "gss-ntlmssp authenticates to our server" [ $rc = 0 ]
check "our server exits 0" [ $src = 0 ]
check "our server saw TESTDOM\\alice" contains "$WORK/our_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check "sealed+signed both ways (our server)" contains "$WORK/our_server.ok.log" 'MESSAGES OK'
check "sealed+signed both ways (peer client)" contains "$WORK/peer_client.ok.log" 'MESSAGES OK'
[ $rc = 0 ] || show_logs "$WORK/peer_client.ok.log" "$WORK/our_server.ok.log"

# 4. gss-ntlmssp client, wrong password -> our server refuses
run_our_server bad
PEER_PASSWORD='nope' $PEER client --port "$port" --user 'TESTDOM\alice' \
    >"$WORK/peer_client.bad.log" 2>&1
rc=$?
wait "$our_server_pid"; src=$?
check "wrong password: peer client fails" [ $rc != 0 ]
check "wrong password: our server fails" [ $src != 0 ]
check "wrong password: SEC_E_LOGON_DENIED" contains "$WORK/our_server.bad.log" 'SEC_E_LOGON_DENIED'

interop_finish
