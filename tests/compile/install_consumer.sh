#!/usr/bin/env bash
# Install the built tree into a scratch prefix and build SSPI consumers
# against the installed copy only:
#   1. cc prog.c $(pkg-config --cflags --libs libsspi) -fshort-wchar (L"")
#   2. the same without -fshort-wchar (u"" literals)
#   3. a CMake project: find_package(libsspi CONFIG) + libsspi::sspi
# and run them; also run the installed `sspi --version`.
# usage: install_consumer.sh BUILD_DIR SOURCE_DIR   (exit 77 = skipped)
set -euo pipefail

build=$(cd "${1:?build dir}" && pwd)
src=$(cd "${2:?source dir}" && pwd)
cc=${CC:-cc}

for tool in cmake pkg-config "$cc"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found"
        exit 77
    fi
done
if [ ! -e "$build/libsspi.so" ]; then
    echo "FAIL: $build/libsspi.so not built"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sspi-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"
    echo "FAIL: cmake --install"
    exit 1
}

fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}

pcfile=$(find "$prefix" -name libsspi.pc -print -quit)
config=$(find "$prefix" -name libsspiConfig.cmake -print -quit)
[ -n "$pcfile" ] || bad "libsspi.pc not installed"
[ -n "$config" ] || bad "libsspiConfig.cmake not installed"
for h in security.h sspi.h issperr.h libsspi.h; do
    [ -n "$(find "$prefix" -path "*/include/libsspi/$h" -print -quit)" ] || bad "header $h not installed"
done
libso=$(find "$prefix" -name 'libsspi.so.0' -print -quit)
[ -n "$libso" ] || bad "libsspi.so.0 not installed"
[ -n "$(find "$prefix" -name 'libsspi.so' -print -quit)" ] || bad "libsspi.so (dev symlink) not installed"
[ "$fail" = 0 ] || exit 1
libdir=$(dirname "$libso")

# Installed headers must not reach into the source tree.
if grep -nE '#[[:space:]]*include[[:space:]]*"(core|api|wire|crypto|packages)/' \
    "$prefix"/include/libsspi/*.h; then
    bad "installed headers include private headers"
fi

export PKG_CONFIG_PATH=$(dirname "$pcfile")
unset PKG_CONFIG_LIBDIR || true
flags=$(pkg-config --cflags --libs libsspi)
echo "== pkg-config --cflags --libs libsspi: $flags"
pcver=$(pkg-config --modversion libsspi)
projver=$(sed -nE 's/^project\(libsspi VERSION ([0-9.]+).*/\1/p' "$src/CMakeLists.txt")
[ "$pcver" = "$projver" ] || bad "pkg-config version $pcver != project version $projver"

warn=(-Wall -Wextra -Werror)
# A sanitizer build of the library needs sanitizer-built consumers.
san=()
if grep -qE '^SSPI_SANITIZE:BOOL=(ON|1|TRUE)' "$build/CMakeCache.txt" 2>/dev/null; then
    san=(-fsanitize=address,undefined)
fi
if grep -qE '^SSPI_TSAN:BOOL=(ON|1|TRUE)' "$build/CMakeCache.txt" 2>/dev/null; then
    san=(-fsanitize=thread)
fi
warn+=("${san[@]}")
run_consumer() { # name extra-flags...
    local name=$1
    shift
    echo "== $cc consumer_sspi.c $* \$(pkg-config --cflags --libs libsspi) -> $name"
    # shellcheck disable=SC2086  # $flags is a word list on purpose
    if ! "$cc" "${warn[@]}" "$@" -o "$tmp/$name" "$src/tests/compile/consumer_sspi.c" $flags; then
        bad "compiling $name"
        return
    fi
    if ! LD_LIBRARY_PATH=$libdir "$tmp/$name"; then
        bad "running $name"
    fi
}
run_consumer consumer_shortwchar -fshort-wchar
run_consumer consumer_utf16
run_consumer consumer_c11 -std=c11

echo "== CMake consumer: find_package(libsspi CONFIG) + libsspi::sspi"
mkdir -p "$tmp/cmake-consumer"
cp "$src/tests/compile/consumer_sspi.c" "$tmp/cmake-consumer/"
cat >"$tmp/cmake-consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(sspi_consumer C)
find_package(libsspi 0 CONFIG REQUIRED)
add_executable(consumer consumer_sspi.c)
target_compile_options(consumer PRIVATE -fshort-wchar -Wall -Wextra -Werror ${SAN})
target_link_options(consumer PRIVATE ${SAN})
target_link_libraries(consumer PRIVATE libsspi::sspi)
EOF
if cmake -S "$tmp/cmake-consumer" -B "$tmp/cmake-consumer/build" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DSAN="${san[*]}" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$tmp/cmake-consumer/build" >>"$tmp/cmake.log" 2>&1; then
    LD_LIBRARY_PATH=$libdir "$tmp/cmake-consumer/build/consumer" || bad "running the CMake consumer"
else
    cat "$tmp/cmake.log"
    bad "building the CMake consumer"
fi

if [ -x "$prefix/bin/sspi" ]; then
    echo "== installed sspi --version"
    "$prefix/bin/sspi" --version || bad "installed sspi --version (RPATH?)"
fi

if [ "$fail" != 0 ]; then
    echo "install_consumer: FAILED"
    exit 1
fi
echo "install_consumer: ok"
