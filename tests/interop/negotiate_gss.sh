#!/usr/bin/env bash
# Interop: libsspi's Negotiate package (SPNEGO, RFC 4178 + MS-SPNG) against
# MIT krb5's SPNEGO mechanism with gss-ntlmssp inside (python3-gssapi,
# gss_peer.py --mech spnego), both directions. MIT's SPNEGO exchanges and
# checks the mechListMIC (MS-SPNG 3.1.5.1 for NTLM), so a completed
# handshake followed by sealed and signed messages in both directions also
# proves the NTLM RC4/sequence reset after the MIC on both sides.
#   our client  (sspi client --package Negotiate)  ->  gss_peer.py server --mech spnego
#   gss_peer.py client --mech spnego  ->  our server (sspi server --package Negotiate)
# Wrong passwords are refused both ways.
set -u
source "$(dirname "$0")/lib.sh"
interop_init negotiate "$1" "$2"
need_gss_ntlmssp
PEER="$PY $SRC/tests/interop/gss_peer.py"
if ! "$SSPI" packages 2>/dev/null | grep -qx 'Negotiate'; then
    echo "SKIP: this build has no Negotiate package"; exit 77
fi

printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users"
export NTLM_USER_FILE="$WORK/users"
# No Kerberos configuration may interfere: the NTLM path is under test.
export KRB5_CONFIG=/dev/null KRB5CCNAME="FILE:$WORK/no_ccache"

# run_peer_server TAG: start the MIT SPNEGO acceptor, sets $port.
run_peer_server() {
    mkdir -p "$WORK/dump.peer_server.$1"
    start_ready "$1" "$WORK/peer_server.$1.log" $PEER server --mech spnego \
        --ready-file "$WORK/ready.$1" --dump "$WORK/dump.peer_server.$1"
}

# run_our_server TAG: start `sspi server --package Negotiate` (one connection).
run_our_server() {
    start_ready "$1" "$WORK/our_server.$1.log" "$SSPI" server --package Negotiate --port 0 \
        --ready-file "$WORK/ready.$1" --user-file "$WORK/users" --once -v
    our_server_pid=$service_pid
}

# first_byte FILE: the first byte of a dumped frame, in hex.
first_byte() { od -An -tx1 -N1 "$1" | tr -d ' \n'; }
# has_hex FILE HEX: the frame contains these bytes.
has_hex() { od -An -tx1 -v "$1" | tr -d ' \n' | grep -q "$2"; }
# A mechListMIC: [3] { OCTET STRING (16) { NTLMSSP signature version 1 ... } }
MIC_HEX=a312041001000000

# 1. our client -> MIT SPNEGO server
run_peer_server ok
our_client "$WORK/our_client.ok.log" 'Secret1!' --package Negotiate -u 'TESTDOM\alice' \
    --target host/localhost
check "our client authenticates to MIT SPNEGO/gss-ntlmssp" [ $rc = 0 ]
check "MIT saw TESTDOM\\alice" contains "$WORK/peer_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check_messages peer "$WORK/peer_server.ok.log" ours "$WORK/our_client.ok.log"
check "our client reports package NTLM" contains "$WORK/our_client.ok.log" 'PACKAGE NTLM'
# The handshake frames (peer's numbering: 01 recv, 02 sent, 03 recv, 04 sent):
# ours are SPNEGO, never bare NTLMSSP; our AUTHENTICATE carries a
# mechListMIC and MIT's accept-completed one too (both were verified, or
# the handshake would have failed).
d="$WORK/dump.peer_server.ok"
check "our first token is a NegTokenInit" [ "$(first_byte "$d/01_recv.bin")" = 60 ]
check "our AUTHENTICATE token is a NegTokenResp" [ "$(first_byte "$d/03_recv.bin")" = a1 ]
check "our AUTHENTICATE token carries a mechListMIC" has_hex "$d/03_recv.bin" "$MIC_HEX"
check "MIT's final token carries a mechListMIC" has_hex "$d/04_sent.bin" "$MIC_HEX"
[ "$fails" = 0 ] || show_logs "$WORK/our_client.ok.log" "$WORK/peer_server.ok.log"

# 2. our client, wrong password -> refused by MIT
run_peer_server bad
our_client "$WORK/our_client.bad.log" wrong --package Negotiate -u 'TESTDOM\alice' \
    --target host/localhost
check "wrong password: our client fails" [ $rc != 0 ]
check "wrong password: MIT refused" contains "$WORK/peer_server.bad.log" 'AUTH FAILED'
check "wrong password: our client got SEC_E_LOGON_DENIED" \
    contains "$WORK/our_client.bad.log" 'SEC_E_LOGON_DENIED'

# 3. MIT SPNEGO client -> our server
run_our_server ok
peer_client "$WORK/peer_client.ok.log" 'Secret1!' --mech spnego --user 'TESTDOM\alice'
check "MIT SPNEGO/gss-ntlmssp authenticates to our server" [ $rc = 0 ]
check "our server exits 0" [ $src = 0 ]
check "our server saw TESTDOM\\alice" contains "$WORK/our_server.ok.log" 'AUTHENTICATED TESTDOM\\alice'
check_messages "our server" "$WORK/our_server.ok.log" "peer client" "$WORK/peer_client.ok.log"
check "our server reports package NTLM" contains "$WORK/our_server.ok.log" 'PACKAGE NTLM'
[ $rc = 0 ] || show_logs "$WORK/peer_client.ok.log" "$WORK/our_server.ok.log"

# 4. MIT SPNEGO client, wrong password -> our server refuses
run_our_server bad
peer_client "$WORK/peer_client.bad.log" nope --mech spnego --user 'TESTDOM\alice'
check_server_refused bad

interop_finish
