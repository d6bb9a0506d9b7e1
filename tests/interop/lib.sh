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

# check NAME CONDITION-COMMAND...: record a pass or a failure.
check() {
    local name=$1; shift
    if "$@"; then
        echo "ok $name"; passes=$((passes + 1))
    else
        echo "FAIL $name"; fails=$((fails + 1))
    fi
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
