# Shared helpers of the `sspi` command tests. Sourced by them; run as a
# CTest script of its own, it only defines them.

# tool_init BUILD_DIR TMP_NAME: $sspi (it must be built), a temporary
# directory $tmp removed on exit, and fail=0.
tool_init() {
    sspi=$1/sspi
    [ -x "$sspi" ] || { echo "FAIL: $sspi not built"; exit 1; }
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    fail=0
}

bad() {
    echo "FAIL: $*"
    fail=1
}

# run NAME EXPECTED_STATUS ARGS...: output in $tmp/NAME.out / .err; on
# another exit status, the first $RUN_SHOW_OUT / $RUN_SHOW_ERR lines of
# each are shown (default: all).
run() {
    local name=$1 want=$2
    shift 2
    "$sspi" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local got=$?
    if [ "$got" != "$want" ]; then
        bad "sspi $* exited $got, expected $want"
        sed 's/^/  stdout: /' "$tmp/$name.out" | head -n "${RUN_SHOW_OUT:-1000000000}"
        sed 's/^/  stderr: /' "$tmp/$name.err" | head -n "${RUN_SHOW_ERR:-1000000000}"
    fi
}
