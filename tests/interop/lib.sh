# Shared helpers for interop tests: every service is started on 127.0.0.1,
# its PID recorded, and killed by PID when the test exits.
# Usage: source lib.sh; interop_init NAME BUILD_DIR SOURCE_DIR
PY=/usr/bin/python3
interop_pids=()

interop_init() {
    interop_name=$1; BUILD=$2; SRC=$3
    SSPI=$BUILD/sspi
    WORK=$(mktemp -d "/tmp/sspi-interop-$interop_name.XXXXXX")
    trap interop_cleanup EXIT
    fails=0; passes=0
}

interop_cleanup() {
    local pid
    for pid in "${interop_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${interop_pids[@]}"; do wait "$pid" 2>/dev/null; done
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}

# need_python_gssapi: exit 77 (skip) when python3-gssapi is missing.
need_python_gssapi() {
    if ! $PY -c 'import gssapi' 2>/dev/null; then
        echo "SKIP: python3-gssapi is not installed"; exit 77
    fi
}

need_gss_ntlmssp() {
    need_python_gssapi
    if ! ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
        echo "SKIP: gss-ntlmssp is not installed"; exit 77
    fi
}

# start_bg LOGFILE CMD...: start a background service, remember its PID.
start_bg() {
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    interop_pids+=($!)
    last_pid=$!
}

# wait_file FILE [SECONDS]: wait until FILE is non-empty.
wait_file() {
    local i
    for i in $(seq $((${2:-20} * 10))); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1"; return 1
}

# start_ready TAG LOG CMD...: start a service that writes its port to
# $WORK/ready.TAG once it listens (CMD names that file); sets $port and
# $service_pid.
start_ready() {
    local ready="$WORK/ready.$1" log=$2
    shift 2
    rm -f "$ready"
    start_bg "$log" "$@"
    service_pid=$last_pid
    wait_file "$ready" || return 1
    port=$(cat "$ready")
}

# our_client LOG PASSWORD ARGS...: `sspi client` to $port with that password
# (from the environment); sets $rc, then gives the peer time to log.
our_client() {
    local log=$1 pw=$2
    shift 2
    SSPI_PASSWORD=$pw "$SSPI" client --port "$port" --password-env SSPI_PASSWORD "$@" \
        >"$log" 2>&1
    rc=$?
    sleep 0.3
}

# peer_client LOG PASSWORD ARGS...: `$PEER client` to our server on $port;
# sets $rc, and $src to our server's exit status ($our_server_pid).
peer_client() {
    local log=$1 pw=$2
    shift 2
    PEER_PASSWORD=$pw $PEER client --port "$port" "$@" >"$log" 2>&1
    rc=$?
    wait "$our_server_pid"
    src=$?
}

# krb5_interop_start (krb5_env.sh sourced): the test KDC, stopped on exit,
# and alice's tickets in $ALICE_CC; $R is the realm.
krb5_interop_start() {
    trap 'krb5_env_stop; interop_cleanup' EXIT
    krb5_env_start "$WORK" || { echo "FAIL: cannot start the KDC"; exit 1; }
    R=$KRB5_REALM
    ALICE_CC=FILE:$WORK/alice_ccache
    krb5_env_kinit "$ALICE_CC" || { echo "FAIL: kinit alice"; exit 1; }
}

# check NAME CONDITION-COMMAND...: record a pass or a failure.
check() {
    local name=$1; shift
    if "$@"; then
        echo "ok $name"; passes=$((passes + 1))
    else
        echo "FAIL $name"; fails=$((fails + 1))
    fi
}

# check_messages WHO LOG WHO2 LOG2: both logs report sealed and signed
# messages exchanged both ways.
check_messages() {
    check "sealed+signed both ways ($1)" contains "$2" 'MESSAGES OK'
    check "sealed+signed both ways ($3)" contains "$4" 'MESSAGES OK'
}

# check_server_refused TAG: a peer client with a wrong password failed, and
# so did our server, with SEC_E_LOGON_DENIED.
check_server_refused() {
    check "wrong password: peer client fails" [ $rc != 0 ]
    check "wrong password: our server fails" [ $src != 0 ]
    check "wrong password: SEC_E_LOGON_DENIED" contains "$WORK/our_server.$1.log" 'SEC_E_LOGON_DENIED'
}

contains() { grep -q -- "$2" "$1"; }
lacks() { ! grep -q -- "$2" "$1"; }

show_logs() {
    local f
    for f in "$@"; do echo "---- $f"; cat "$f"; done
}

interop_finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" = 0 ]
}
