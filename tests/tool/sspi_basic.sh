#!/usr/bin/env bash
# Basic behaviour of the `sspi` command (BUILD_DIR/sspi):
#   --version prints "sspi (libsspi) X.Y.Z" with the version of <libsspi.h>,
#   which is also the CMake project version; --help lists the subcommands;
#   `packages` exits 0 and prints what EnumerateSecurityPackagesA returned;
#   an unknown subcommand or option exits 2 with the usage on stderr.
# usage: sspi_basic.sh BUILD_DIR SOURCE_DIR   (exit 77 = skipped)
set -uo pipefail

build=${1:?build dir}
src=${2:?source dir}
cc=${CC:-cc}
source "$(dirname "$0")/lib.sh"
tool_init "$build" sspi-tool

# The version the public header announces (compiled, so that however the
# header builds the string, this is what applications see).
projver=$(sed -nE 's/^project\(libsspi VERSION ([0-9.]+).*/\1/p' "$src/CMakeLists.txt")
hdrver=""
if command -v "$cc" >/dev/null 2>&1; then
    printf '#include <libsspi.h>\n#include <stdio.h>\nint main(void) { puts(LIBSSPI_VERSION_STRING); return 0; }\n' \
        >"$tmp/v.c"
    if "$cc" -I"$src/include" -o "$tmp/v" "$tmp/v.c" 2>"$tmp/v.err"; then
        hdrver=$("$tmp/v")
    else
        cat "$tmp/v.err"
        bad "<libsspi.h> does not compile on its own"
    fi
fi
[ -n "$hdrver" ] || hdrver=$projver
[ "$hdrver" = "$projver" ] || bad "LIBSSPI_VERSION_STRING $hdrver != CMake project version $projver"

run version 0 --version
grep -qxF "sspi (libsspi) $hdrver" "$tmp/version.out" ||
    bad "--version printed '$(cat "$tmp/version.out")', expected 'sspi (libsspi) $hdrver'"
run version_short 0 -V
cmp -s "$tmp/version.out" "$tmp/version_short.out" || bad "-V differs from --version"

run help 0 --help
grep -q '^usage: sspi' "$tmp/help.out" || bad "--help has no usage line"
grep -qE '^  packages ' "$tmp/help.out" || bad "--help does not list 'packages'"
run help_cmd 0 help packages
grep -q '^usage: sspi packages' "$tmp/help_cmd.out" || bad "'help packages' has no usage line"
run help_opt 0 packages --help
cmp -s "$tmp/help_cmd.out" "$tmp/help_opt.out" || bad "'packages --help' differs from 'help packages'"

# Every subcommand --help lists has its own help.
cmds=$(sed -n '/^commands:/,/^$/p' "$tmp/help.out" | awk 'NF && $1 != "commands:" { print $1 }')
[ -n "$cmds" ] || bad "--help lists no commands"
for c in $cmds; do
    [ "$c" = help ] && continue
    run "help_$c" 0 help "$c"
    grep -q "^usage: sspi $c" "$tmp/help_$c.out" || bad "'help $c' has no usage line"
done

run packages 0 packages
[ -s "$tmp/packages.out" ] || bad "'packages' printed nothing"
# Every listed package can also be queried by name (QuerySecurityPackageInfoA).
grep -E '^[^ ]' "$tmp/packages.out" | grep -v '^(no security packages)' | while read -r pkg; do
    "$sspi" packages "$pkg" >"$tmp/one.out" 2>&1 || { echo "FAIL: sspi packages $pkg"; cat "$tmp/one.out"; exit 1; }
    head -n1 "$tmp/one.out" | grep -qxF "$pkg" || { echo "FAIL: sspi packages $pkg printed $(head -n1 "$tmp/one.out")"; exit 1; }
done || fail=1
cat "$tmp/packages.out"

run nosuch_pkg 1 packages NoSuchPackage
grep -q 'SEC_E_SECPKG_NOT_FOUND (0x80090305)' "$tmp/nosuch_pkg.err" ||
    bad "unknown package: stderr lacks 'SEC_E_SECPKG_NOT_FOUND (0x80090305)': $(cat "$tmp/nosuch_pkg.err")"

run unknown 2 no-such-command
grep -q '^usage: sspi' "$tmp/unknown.err" || bad "unknown command: no usage on stderr"
run unknown_opt 2 --no-such-option
run noargs 2
run packages_extra 2 packages a b

if [ "$fail" != 0 ]; then
    echo "sspi_basic: FAILED"
    exit 1
fi
echo "sspi_basic: ok"
