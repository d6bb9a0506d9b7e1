#!/usr/bin/env bash
# THE test command of libsspi. From the repository root, on Debian 12:
#
#   sudo ./scripts/test.sh        (or as root: ./scripts/test.sh)
#
# As root it first installs the build and test dependencies it lacks
# (apt-get); as another user it says what to install.
# Stages (each one runs even if an earlier one failed; exit status is
# non-zero if any failed):
#   1. build/       gcc, RelWithDebInfo: build, then the whole CTest suite
#   2. build-asan/  -DSSPI_SANITIZE=ON (ASan + UBSan): build, whole suite
#                   except tests labelled "no-asan"
#   2b. build-tsan/ -DSSPI_TSAN=ON (ThreadSanitizer): build, then the
#                   concurrency tests (ctest -R "$tsan_tests": the async API
#                   and its handles, the event loop, asynchronous Kerberos,
#                   handle tables, memory accounting, the NTLM account file
#                   cache, the Kerberos service ticket cache, per-thread
#                   OpenSSL contexts)
#   3. build-fuzz/  clang -DSSPI_FUZZ=ON: build the libFuzzer targets and run
#                   each one for SSPI_FUZZ_SECONDS (15) on a scratch copy of
#                   its seed corpus (fuzz/corpus/<name>/)
# The last line is "OK: N passed, 0 failed" or "FAILED: N passed, M failed".
#
# Options: --quick (stage 1 only), --no-asan, --no-tsan, --no-fuzz.
# Environment: SSPI_JOBS (build jobs, 2), SSPI_CTEST_JOBS (1),
#              SSPI_FUZZ_SECONDS (15), SSPI_FUZZ_SEED (1; 0 = random), CC (compiler of stages 1-2),
#              SSPI_BUILD_DIR (build; the others are <it>-asan, <it>-tsan,
#              <it>-fuzz).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd)
# shellcheck source=scripts/deps.sh
. "$root/scripts/deps.sh"

jobs=${SSPI_JOBS:-2}
ctest_jobs=${SSPI_CTEST_JOBS:-1}
fuzz_seconds=${SSPI_FUZZ_SECONDS:-15}
# A fixed libFuzzer seed makes the fuzz stage reproducible from run to run
# (the same inputs in the same order, cut by time); SSPI_FUZZ_SEED=0 asks
# libFuzzer for a random seed when hunting.
fuzz_seed=${SSPI_FUZZ_SEED:-1}
bdir=${SSPI_BUILD_DIR:-build}
case "$bdir" in /*) ;; *) bdir=$root/$bdir ;; esac
adir=$bdir-asan
tdir=$bdir-tsan
fdir=$bdir-fuzz
do_asan=1
do_tsan=1
do_fuzz=1
for arg in "$@"; do
    case "$arg" in
    --quick) do_asan=0 do_tsan=0 do_fuzz=0 ;;
    --no-asan) do_asan=0 ;;
    --no-tsan) do_tsan=0 ;;
    --no-fuzz) do_fuzz=0 ;;
    -h | --help)
        sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: scripts/test.sh [--quick] [--no-asan] [--no-tsan] [--no-fuzz]" >&2
        exit 2
        ;;
    esac
done

t_start=$SECONDS
total_pass=0
total_fail=0
total_skip=0
summary=()

elapsed() { echo "$((SECONDS - $1))s"; }
record() { # stage-name status(ok|FAIL|skipped) detail
    summary+=("$(printf '%-28s %-7s %s' "$1" "$2" "$3")")
}

# ---- dependencies ----
if [ "$(id -u)" = 0 ]; then
    sspi_ensure_packages "${SSPI_BUILD_PACKAGES[@]}" "${SSPI_TEST_PACKAGES[@]}" || {
        echo "FAILED: could not install the dependencies"
        exit 1
    }
else
    sspi_ensure_packages "${SSPI_BUILD_PACKAGES[@]}" || {
        echo "FAILED: build dependencies missing (see above)"
        exit 1
    }
    sspi_ensure_packages "${SSPI_TEST_PACKAGES[@]}" ||
        echo "warning: continuing without them; tests that need them are skipped" >&2
fi

# ---- helpers ----
# run_ctest BUILD_DIR STAGE [ctest args...]: runs ctest, adds to the totals.
run_ctest() {
    local dir=$1 stage=$2
    shift 2
    local log=$dir/ctest-summary.log t=$SECONDS
    sspi_log "$stage: ctest ($dir)"
    ctest --test-dir "$dir" --output-on-failure --parallel "$ctest_jobs" "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line total failed skipped
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
    if [ -z "$line" ]; then
        if grep -q 'No tests were found' "$log"; then
            record "$stage" FAIL "no tests found"
        else
            record "$stage" FAIL "ctest exited $rc"
        fi
        total_fail=$((total_fail + 1))
        return 1
    fi
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    skipped=$(grep -cE '\(Skipped\)$' "$log" || true)
    total_pass=$((total_pass + total - failed - skipped))
    total_fail=$((total_fail + failed))
    total_skip=$((total_skip + skipped))
    if [ "$rc" = 0 ] && [ "$failed" = 0 ]; then
        record "$stage" ok "$((total - skipped)) passed, $skipped skipped ($(elapsed "$t"))"
        return 0
    fi
    [ "$failed" != 0 ] || total_fail=$((total_fail + 1))
    record "$stage" FAIL "$failed of $total failed ($(elapsed "$t"))"
    return 1
}

# build_tree DIR STAGE [cmake args...]: configure + build everything.
build_tree() {
    local dir=$1 stage=$2
    shift 2
    local t=$SECONDS
    sspi_log "$stage: configure + build ($dir)"
    if cmake -S "$root" -B "$dir" "$@" && cmake --build "$dir" --parallel "$jobs"; then
        record "$stage build" ok "($(elapsed "$t"))"
        return 0
    fi
    record "$stage build" FAIL "($(elapsed "$t"))"
    total_fail=$((total_fail + 1))
    return 1
}

# ---- 1. default build ----
if build_tree "$bdir" default -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
    default_built=1
else
    default_built=0
fi

# ---- 2. ASan + UBSan ----
if [ "$do_asan" = 1 ]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    if build_tree "$adir" asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSPI_SANITIZE=ON; then
        run_ctest "$adir" "asan ctest" -LE no-asan
    fi
else
    record "asan" skipped "(--no-asan/--quick)"
fi

# ---- 2b. ThreadSanitizer: the concurrency tests ----
tsan_tests='async|handles|core_memory|ntlm_userdb_cache|krb_ticket_cache|crypto_primitives'
if [ "$do_tsan" = 1 ]; then
    if build_tree "$tdir" tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSPI_TSAN=ON; then
        TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
            run_ctest "$tdir" "tsan ctest" -R "$tsan_tests"
    fi
else
    record "tsan" skipped "(--no-tsan/--quick)"
fi

# ---- 3. libFuzzer ----
fuzz_stage() {
    local t=$SECONDS names=() f n
    for f in "$root"/fuzz/fuzz_*.c; do
        [ -e "$f" ] || continue
        n=$(basename "$f" .c)
        names+=("$n")
    done
    if [ ${#names[@]} = 0 ]; then
        record "fuzz" ok "no fuzz targets yet"
        return 0
    fi
    if ! command -v clang >/dev/null 2>&1; then
        record "fuzz" skipped "clang not installed"
        return 0
    fi
    sspi_log "fuzz: build ${names[*]} with clang ($fdir)"
    # fuzzer-no-link instruments the library code too (coverage feedback);
    # only the fuzz targets are built.
    if ! cmake -S "$root" -B "$fdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_C_COMPILER=clang -DSSPI_FUZZ=ON -DSSPI_SANITIZE=ON \
            -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" ||
        ! cmake --build "$fdir" --parallel "$jobs" --target "${names[@]}"; then
        record "fuzz build" FAIL "($(elapsed "$t"))"
        total_fail=$((total_fail + 1))
        return 1
    fi
    record "fuzz build" ok "${#names[@]} targets ($(elapsed "$t"))"
    local scratch rc bin short ok=0 bad=0 work
    work=$(mktemp -d "${TMPDIR:-/tmp}/sspi-fuzz.XXXXXX")
    mkdir -p "$fdir/artifacts"
    for n in "${names[@]}"; do
        short=${n#fuzz_}
        bin=$(find "$fdir" -type f -name "$n" -perm -u+x -print -quit)
        scratch=$work/$short
        mkdir -p "$scratch"
        if [ -d "$root/fuzz/corpus/$short" ]; then
            cp -R "$root/fuzz/corpus/$short/." "$scratch/"
        fi
        if [ -z "$bin" ]; then
            echo "fuzz $n: binary not found"
            rc=1
        else
            "$bin" -seed="$fuzz_seed" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
                -artifact_prefix="$fdir/artifacts/$n-" -print_final_stats=1 \
                "$scratch" >"$fdir/$n.log" 2>&1 </dev/null
            rc=$?
        fi
        if [ "$rc" = 0 ]; then
            ok=$((ok + 1))
            printf 'fuzz %-28s ok   %s\n' "$n" \
                "$(grep -E '^stat::number_of_executed_units' "$fdir/$n.log" | awk '{print $2 " execs"}')"
        else
            bad=$((bad + 1))
            printf 'fuzz %-28s FAIL (exit %s), log %s:\n' "$n" "$rc" "$fdir/$n.log"
            tail -n 40 "$fdir/$n.log" 2>/dev/null
            ls "$fdir/artifacts/$n"-* 2>/dev/null | sed 's/^/  crash input: /'
        fi
    done
    rm -rf "$work"
    total_pass=$((total_pass + ok))
    total_fail=$((total_fail + bad))
    if [ "$bad" = 0 ]; then
        record "fuzz run" ok "$ok targets x ${fuzz_seconds}s, no crash"
        return 0
    fi
    record "fuzz run" FAIL "$bad of ${#names[@]} targets failed"
    return 1
}
if [ "$do_fuzz" = 1 ]; then
    fuzz_stage
else
    record "fuzz" skipped "(--no-fuzz/--quick)"
fi

# ---- 1b. the default suite last, so that its summary stays on screen ----
if [ "$default_built" = 1 ]; then
    run_ctest "$bdir" "default ctest"
fi

# ---- summary ----
printf '\n==> summary (%s)\n' "$(elapsed "$t_start")"
printf '  %s\n' "${summary[@]}"
line="$total_pass passed, $total_fail failed"
[ "$total_skip" = 0 ] || line="$line, $total_skip skipped"
if [ "$total_fail" = 0 ]; then
    echo "OK: $line"
    exit 0
fi
echo "FAILED: $line"
exit 1
