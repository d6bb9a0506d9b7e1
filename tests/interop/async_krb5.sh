#!/usr/bin/env bash
# The measure of the asynchronous Kerberos issue: a private MIT KDC
# (krb5_env.sh) behind a relay that adds 200 ms to every KDC exchange
# (kdc_delay_relay.py, UDP and TCP; the realm's krb5.conf points at the
# relay), SSPI_AKRB_USERS (1000) users with passwords and pre-
# authentication, then tests/unit/test_async_krb5.c, two scenarios with 1
# (10 in a row), 100 and 1000 authentications at once through the
# asynchronous API, against 20 through the synchronous API one at a time
# (extrapolated):
#   logon:  a password credential per user -> AS exchange (2 round trips)
#           -> TGS host/localhost -> AcceptSecurityContext in process ->
#           mutual AP-REP;
#   ticket: the same users' credentials, TGT now cached (a front end that
#           holds its users' logons, e.g. their delegated TGTs) -> TGS for a
#           service none of them has a ticket for -> AP, mutual.
# Every authentication makes its own KDC exchanges: each user has her own
# ticket cache (no service ticket is shared). It fails unless all succeed,
# the 1000 ticket authentications finish within 10x one authentication's
# latency with a bounded thread count, and async is >= 10x faster than
# sync in both scenarios. Prints the figures.
# Environment: SSPI_AKRB_USERS, SSPI_AKRB_DELAY_MS (200), SSPI_AKRB_LEVELS,
# SSPI_AKRB_SYNC, SSPI_AKRB_PACKAGE (Kerberos | Negotiate), SSPI_AKRB_WRAP (a
# command prefix for the test program: perf record ..., valgrind ...).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/krb5_env.sh"
interop_init async_krb5 "$1" "$2"
krb5_env_need
[ -x "$PY" ] || { echo "SKIP: $PY is not installed"; exit 77; }
BIN=$BUILD/tests/test_async_krb5
[ -x "$BIN" ] || { echo "SKIP: $BIN is not built"; exit 77; }
relay_pid=
stop_relay() {
    if [ -n "$relay_pid" ]; then
        kill "$relay_pid" 2>/dev/null
        wait "$relay_pid" 2>/dev/null
        relay_pid=
    fi
}
trap 'stop_relay; krb5_env_stop; interop_cleanup' EXIT
krb5_env_start "$WORK" || { echo "FAIL: cannot start the KDC"; exit 1; }

# Sanitizer builds (ASan, TSan: the CTest stages of scripts/test.sh) run
# 5-15x slower on the CPU: 200 users there unless told otherwise.
dflt_users=1000
if grep -qE '^SSPI_(TSAN|SANITIZE):BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    dflt_users=200
    echo "sanitizer build: $dflt_users users by default"
fi
N=${SSPI_AKRB_USERS:-$dflt_users}
DELAY=${SSPI_AKRB_DELAY_MS:-200}
PREFIX=akrb
t0=$SECONDS
for ((i = 0; i < N; i++)); do
    echo "addprinc +requires_preauth -pw $PREFIX-pw-$i $PREFIX$i"
done | /usr/sbin/kadmin.local -r "$KRB5_REALM" >"$WORK/users.log" 2>&1
made=$(grep -c 'created' "$WORK/users.log")
check "$N users created ($((SECONDS - t0)) s)" [ "$made" = "$N" ]
[ "$made" = "$N" ] || { tail -5 "$WORK/users.log"; exit 1; }
# A service per ticket level (HTTP/akrb<level>) and one for the synchronous
# run, in the acceptor's keytab: each (user, service) pair is new.
svcs=(sync)
IFS=, read -ra lv <<<"${SSPI_AKRB_LEVELS:-1,100,1000}"
for l in "${lv[@]}"; do svcs+=($((l > N ? N : l))); done
for v in "${svcs[@]}"; do
    echo "addprinc -randkey HTTP/akrb$v"
    echo "ktadd -k $KRB5_SERVER_KEYTAB HTTP/akrb$v"
done | /usr/sbin/kadmin.local -r "$KRB5_REALM" >"$WORK/services.log" 2>&1
check "services HTTP/akrb{${svcs[*]}} in the keytab" [ "$(grep -c 'created' "$WORK/services.log")" = ${#svcs[@]} ]

# The relay in front of the KDC; the clients' krb5.conf names the relay.
kdc_port=$KRB5_KDC_PORT
relay_port=$(krb5_free_port)
$PY "$SRC/tests/interop/kdc_delay_relay.py" --port "$relay_port" --kdc-port "$kdc_port" \
    --delay-ms "$DELAY" --ready-file "$WORK/relay.ready" --stats-file "$WORK/relay.stats" \
    >"$WORK/relay.log" 2>&1 &
relay_pid=$!
wait_file "$WORK/relay.ready" || { cat "$WORK/relay.log"; exit 1; }
KRB5_KDC_PORT=$relay_port
krb5_env_write_conf

# The relay works and delays: a kinit (2 exchanges) takes >= 2 x DELAY.
t=$(date +%s%N)
krb5_env_kinit "FILE:$WORK/probe_cc" "${PREFIX}0@$KRB5_REALM" "$PREFIX-pw-0"
rc=$?
ms=$((($(date +%s%N) - t) / 1000000))
check "kinit through the relay ($ms ms)" [ "$rc" = 0 -a "$ms" -ge $((2 * DELAY)) ]

SSPI_AKRB_USERS=$N SSPI_AKRB_PREFIX=$PREFIX SSPI_AKRB_REALM=$KRB5_REALM \
    SSPI_AKRB_DELAY_MS=$DELAY ${SSPI_AKRB_WRAP:-} "$BIN" 2>&1 | tee "$WORK/test.log"
rc=${PIPESTATUS[0]}
check "asynchronous Kerberos at scale" [ "$rc" = 0 ]
cpu_of() { awk '{printf "%.1f s", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null; }
echo "CPU time: KDC $(cpu_of "$krb5_kdc_pid"), relay $(cpu_of "$relay_pid")"
stop_relay
echo "relay: $(cat "$WORK/relay.stats" 2>/dev/null)"

interop_finish
