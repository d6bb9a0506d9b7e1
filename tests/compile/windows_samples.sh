#!/usr/bin/env bash
# Windows-style SSPI programs (tests/compile/windows_samples/*.c, written as
# Windows code is: SECURITY_WIN32, <security.h>/<sspi.h> only, ULONG / DWORD /
# `unsigned long` variables, UNICODE or not) must compile unchanged against
# the public headers and run against BUILD_DIR's libsspi.so.
#
# Each sample is built, with every C and C++ compiler found (CC/CXX, gcc/g++,
# clang/clang++), as:
#   C11   -O2 -Wall -Wextra -Werror -pedantic (also -Wshadow -Wstrict-prototypes)
#         with -fshort-wchar, and without it unless the sample needs 16-bit
#         wchar_t (L"..." literals: "libsspi-sample: requires-short-wchar");
#   C99   -pedantic -fshort-wchar (the pre-C11 path of the header's adapters);
#   C++11 and C++17 (-x c++), -Wall -Wextra -Werror -pedantic, likewise;
# and each binary runs (NTLM_USER_FILE = a scratch account file) and must
# exit 0. Samples that declare no `unsigned long` out-variable also build
# with LIBSSPI_NO_ULONG_ADAPTERS; one that does must then FAIL to build
# (proving that the adapters are what makes it compile).
# usage: windows_samples.sh BUILD_DIR SOURCE_DIR   (exit 77 = skipped)
set -uo pipefail

build=$(cd "${1:?build dir}" && pwd)
src=$(cd "${2:?source dir}" && pwd)
inc=$src/include
samples=$src/tests/compile/windows_samples
work=$build/tests/compile/windows_samples
mkdir -p "$work"

if [ ! -e "$build/libsspi.so" ]; then
    echo "FAIL: $build/libsspi.so not built"
    exit 1
fi

# A sanitizer build of the library needs sanitizer-built programs, made by
# the compiler that built it.
san=()
cache=$build/CMakeCache.txt
if grep -qE '^SSPI_SANITIZE:BOOL=(ON|1|TRUE)' "$cache" 2>/dev/null; then
    san=(-fsanitize=address,undefined)
elif grep -qE '^SSPI_TSAN:BOOL=(ON|1|TRUE)' "$cache" 2>/dev/null; then
    san=(-fsanitize=thread)
fi

# Distinct compilers (by resolved path).
ccs=()
cxxs=()
seen_c=" "
seen_cxx=" "
add_compiler() { # kind name
    local p
    p=$(command -v "$2" 2>/dev/null) || return 0
    p=$(readlink -f "$p")
    if [ "$1" = c ]; then
        case "$seen_c" in *" $p "*) return 0 ;; esac
        seen_c="$seen_c$p "
        ccs+=("$2")
    else
        case "$seen_cxx" in *" $p "*) return 0 ;; esac
        seen_cxx="$seen_cxx$p "
        cxxs+=("$2")
    fi
}
if [ ${#san[@]} -gt 0 ]; then
    cmake_cc=$(sed -nE 's/^CMAKE_C_COMPILER:[A-Z]+=(.*)/\1/p' "$cache")
    add_compiler c "${cmake_cc:-${CC:-cc}}"
    case "$(basename "${cmake_cc:-cc}")" in
        clang*) add_compiler cxx clang++ ;;
        gcc*) add_compiler cxx g++ ;;
        *) add_compiler cxx "${CXX:-c++}" ;;
    esac
else
    for c in "${CC:-cc}" gcc clang; do add_compiler c "$c"; done
    for c in "${CXX:-c++}" g++ clang++; do add_compiler cxx "$c"; done
fi
if [ ${#ccs[@]} -eq 0 ]; then
    echo "SKIP: no C compiler"
    exit 77
fi

cat >"$work/users" <<'EOF'
# accounts used by tests/compile/windows_samples/*.c
EXAMPLE:alice:Secret-1
EXAMPLE:bob:hunter2
EXAMPLE:carol:Pass:word
EXAMPLE:dave:d4ve!
EOF

cwarn=(-O2 -Wall -Wextra -Werror -pedantic -Wshadow -Wstrict-prototypes)
cxxwarn=(-O2 -Wall -Wextra -Werror -pedantic -Wshadow)
link=(-L"$build" -lsspi -Wl,-rpath,"$build")
fail=0
builds=0
runs=0

bad() {
    echo "FAIL: $*"
    fail=1
}

# build_and_run NAME COMPILER SOURCE FLAGS...
build_and_run() {
    local name=$1 compiler=$2 source=$3
    shift 3
    local exe=$work/$name
    if ! "$compiler" "$@" "${san[@]}" -I"$inc" -o "$exe" "$source" -x none "${link[@]}" \
        >"$exe.log" 2>&1; then
        cat "$exe.log"
        bad "$compiler $* $(basename "$source")"
        return
    fi
    builds=$((builds + 1))
    if ! env LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        NTLM_USER_FILE="$work/users" "$exe" >"$exe.out" 2>&1; then
        cat "$exe.out"
        bad "running $name ($compiler $*)"
        return
    fi
    runs=$((runs + 1))
}

shopt -s nullglob
sources=("$samples"/*.c)
if [ ${#sources[@]} -eq 0 ]; then
    bad "no samples in $samples"
    exit 1
fi

negative_done=0
for s in "${sources[@]}"; do
    base=$(basename "$s" .c)
    tags=$(sed -nE 's/.*libsspi-sample:(.*)/\1/p' "$s")
    short_only=0
    uses_ulong=0
    case "$tags" in *requires-short-wchar*) short_only=1 ;; esac
    case "$tags" in *uses-unsigned-long*) uses_ulong=1 ;; esac
    echo "== $base ($tags )"
    for cc in "${ccs[@]}"; do
        tag=$(basename "$cc")
        build_and_run "$base.$tag.c11sw" "$cc" "$s" -std=c11 -fshort-wchar "${cwarn[@]}"
        build_and_run "$base.$tag.c99sw" "$cc" "$s" -std=c99 -fshort-wchar "${cwarn[@]}"
        if [ $short_only = 0 ]; then
            build_and_run "$base.$tag.c11" "$cc" "$s" -std=c11 "${cwarn[@]}"
        fi
        if [ $uses_ulong = 0 ]; then
            build_and_run "$base.$tag.noadapt" "$cc" "$s" -std=c11 -fshort-wchar "${cwarn[@]}" \
                -DLIBSSPI_NO_ULONG_ADAPTERS
        elif [ $negative_done = 0 ]; then
            # Without the adapters, `unsigned long *` must be rejected.
            if "$cc" -std=c11 -fshort-wchar "${cwarn[@]}" -DLIBSSPI_NO_ULONG_ADAPTERS -I"$inc" \
                -fsyntax-only "$s" >/dev/null 2>&1; then
                bad "$base builds with LIBSSPI_NO_ULONG_ADAPTERS: the test does not exercise the adapters"
            fi
            negative_done=1
        fi
    done
    for cxx in "${cxxs[@]}"; do
        tag=$(basename "$cxx")
        for std in c++11 c++17; do
            build_and_run "$base.$tag.${std#c++}sw" "$cxx" "$s" -x c++ -std=$std -fshort-wchar \
                "${cxxwarn[@]}"
            if [ $short_only = 0 ]; then
                build_and_run "$base.$tag.$std" "$cxx" "$s" -x c++ -std=$std "${cxxwarn[@]}"
            fi
        done
    done
done

echo "compilers: ${ccs[*]} / ${cxxs[*]}; $builds builds, $runs runs"
if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "PASS: Windows-style SSPI samples build unchanged (C11/C99/C++, with and without -fshort-wchar) and run"
