# Sourceable helper (not a test by itself: CTest runs tests/interop/*.sh, so
# this file exits 0 when executed directly): a private Apache httpd with
# mod_auth_gssapi (Debian packages apache2, libapache2-mod-auth-gssapi) for
# the HTTP interop tests (http_apache.sh, http_krb5.sh).
#
# Apache runs from its own ServerRoot and httpd.conf under the work
# directory (no /etc/apache2 configuration is read), listens on 127.0.0.1
# only, in the foreground (its PID goes to lib.sh's list, so the test's
# cleanup kills it too), and apache_env_stop stops it by the PID of its
# PidFile. The GSSAPI acceptor reads the environment Apache was started
# with (NTLM_USER_FILE, KRB5_CONFIG, ...): export what it needs first.
#
#   source tests/interop/lib.sh
#   source tests/interop/apache_env.sh
#   apache_env_need                  # exit 77 (skip) if apache2 or the module is missing
#   apache_env_start "$WORK" "$LOCATION_DIRECTIVES"
#                                    # sets $AP (its directory), $apache_port,
#                                    # $apache_pid; /protected gets the
#                                    # directives, htdocs/protected says
#                                    # "protected content"
#   apache_env_stop
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "apache_env.sh is a helper to source, not a test"; exit 0
fi

APACHE=/usr/sbin/apache2
APACHE_MODS=/usr/lib/apache2/modules
apache_pid=""
apache_port=""

apache_env_need() {
    local f
    for f in "$APACHE" "$APACHE_MODS/mod_auth_gssapi.so" "$APACHE_MODS/mod_mpm_event.so" \
        "$APACHE_MODS/mod_authz_user.so"; do
        [ -e "$f" ] || { echo "SKIP: $f is missing (apache2, libapache2-mod-auth-gssapi)"; exit 77; }
    done
    command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
}

apache_free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# apache_env_write_conf LOCATION_DIRECTIVES (uses $AP, $apache_port)
apache_env_write_conf() {
    local user_lines=""
    # Apache's workers (User nobody when started as root) must read the tree.
    [ "$(id -u)" = 0 ] && user_lines=$'User nobody\nGroup nogroup'
    cat >"$AP/httpd.conf" <<EOF
ServerRoot "$AP"
ServerName 127.0.0.1
Listen 127.0.0.1:$apache_port
PidFile "$AP/run/httpd.pid"
DefaultRuntimeDir "$AP/run"
ErrorLog "$AP/error.log"
LogLevel info auth_gssapi:debug
LoadModule mpm_event_module $APACHE_MODS/mod_mpm_event.so
LoadModule authn_core_module $APACHE_MODS/mod_authn_core.so
LoadModule authz_core_module $APACHE_MODS/mod_authz_core.so
LoadModule authz_user_module $APACHE_MODS/mod_authz_user.so
LoadModule auth_gssapi_module $APACHE_MODS/mod_auth_gssapi.so
$user_lines
DocumentRoot "$AP/htdocs"
<Directory "$AP/htdocs">
    Require all granted
</Directory>
<Location /protected>
$1
</Location>
EOF
}

# apache_env_start DIR LOCATION_DIRECTIVES: start in the foreground; retry on
# another port if the one picked was taken meanwhile. 0 when running.
apache_env_start() {
    AP=$1/apache
    chmod 755 "$1"
    mkdir -p "$AP/htdocs" "$AP/run"
    printf 'protected content\n' >"$AP/htdocs/protected"
    local attempt
    for attempt in 1 2 3; do
        apache_port=$(apache_free_port)
        apache_env_write_conf "$2"
        rm -f "$AP/run/httpd.pid"
        start_bg "$AP/apache.out" "$APACHE" -f "$AP/httpd.conf" -DFOREGROUND
        apache_pid=$last_pid
        for _ in $(seq 100); do
            [ -s "$AP/run/httpd.pid" ] &&
                curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$apache_port/" && break
            kill -0 "$apache_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$apache_pid" 2>/dev/null && [ -s "$AP/run/httpd.pid" ]; then return 0; fi
        echo "apache did not start (attempt $attempt)"
        show_logs "$AP/apache.out" "$AP/error.log" 2>/dev/null
    done
    return 1
}

apache_env_stop() {
    [ -n "${AP:-}" ] && [ -s "$AP/run/httpd.pid" ] || return 0
    local pid
    pid=$(cat "$AP/run/httpd.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$AP/run/httpd.pid"
}
