# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run).
#
# sspi_ensure_packages PKG...
#   Debian/Ubuntu: installs the missing packages when running as root
#   (apt-get update + apt-get install -y --no-install-recommends, no
#   prompts); otherwise prints the apt-get command to run and returns 1.
#   On a system without dpkg it only warns and returns 0.

sspi_log() { printf '\n==> %s\n' "$*"; }

sspi_missing_packages() {
    local p
    for p in "$@"; do
        # A here-string, not a pipe: under pipefail `dpkg-query | grep -q`
        # can fail when grep exits first.
        if ! grep -q 'install ok installed' <<<"$(dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null)"; then
            printf '%s\n' "$p"
        fi
    done
}

sspi_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "warning: not a Debian system; make sure these (or equivalents) are installed: $*" >&2
        return 0
    fi
    local missing
    missing=$(sspi_missing_packages "$@" | tr '\n' ' ')
    missing=${missing% }
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" = 0 ]; then
        sspi_log "installing: $missing"
        export DEBIAN_FRONTEND=noninteractive
        # Packages such as apache2 and krb5-kdc would start system daemons
        # when installed; the tests start their own services on 127.0.0.1,
        # so forbid service starts during the install (policy-rc.d, 101).
        local policy=/usr/sbin/policy-rc.d own_policy=0 rc=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
        fi
        apt-get update -q </dev/null || rc=$?
        if [ "$rc" = 0 ]; then
            # shellcheck disable=SC2086  # a word list on purpose
            apt-get install -y -q --no-install-recommends $missing </dev/null || rc=$?
        fi
        [ "$own_policy" = 0 ] || rm -f "$policy"
        return "$rc"
    fi
    echo "missing packages: $missing" >&2
    echo "install them with:  sudo apt-get install --no-install-recommends $missing" >&2
    echo "(or run this script as root: it installs them itself)" >&2
    return 1
}

# Packages needed to build the library and the tool.
SSPI_BUILD_PACKAGES=(cmake make gcc libc6-dev pkg-config libssl-dev libkrb5-dev binutils)
# Packages the test suite needs on top (interop peers, sanitizers, fuzzing).
SSPI_TEST_PACKAGES=(clang libclang-rt-14-dev mingw-w64-common gss-ntlmssp
                    python3-gssapi krb5-user krb5-kdc krb5-admin-server curl apache2
                    libapache2-mod-auth-gssapi valgrind perl)
