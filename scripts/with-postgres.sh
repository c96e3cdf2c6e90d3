#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster and
# TOWER_PING_POSTGRES_URL pointing at it, then stops the cluster:
#
#     scripts/with-postgres.sh cargo test --all-features
#
# The cluster lives in a fresh directory under /tmp, listens on 127.0.0.1 on a
# free port, trusts local connections, and is removed on exit. It runs as the
# current user, or as `postgres` (else `nobody`) when run as root, since the
# server refuses to run as root.
#
# It also sets TOWER_PING_POSTGRES_CTL to a script that stops (crashes) and
# starts that cluster again, for the tests of a database restart.
#
# When TOWER_PING_POSTGRES_URL is already set, the command runs against that
# database instead (and TOWER_PING_POSTGRES_CTL is left as it is). When the
# PostgreSQL server is missing, the script installs Debian's `postgresql`
# package if it runs as root with apt-get, and fails otherwise (install it,
# e.g. `sudo apt-get install postgresql`).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi
if [[ -n "${TOWER_PING_POSTGRES_URL:-}" ]]; then
    exec "$@"
fi

find_bindir() {
    if [[ -x "$(command -v pg_config 2>/dev/null)" ]] && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir
        return
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"
    fi
}

bindir=$(find_bindir)
if [[ -z "$bindir" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "with-postgres: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bindir=$(find_bindir)
    fi
    if [[ -z "$bindir" ]]; then
        echo "with-postgres: no PostgreSQL server found (initdb); install it, e.g. 'sudo apt-get install postgresql'" >&2
        exit 1
    fi
fi

as_user=()
if [[ $(id -u) -eq 0 ]]; then
    if id postgres >/dev/null 2>&1; then
        as_user=(runuser -u postgres --)
    else
        as_user=(runuser -u nobody --)
    fi
fi

dir=$(mktemp -d -t tower-ping-pg.XXXXXX)
chmod 755 "$dir"
if [[ $(id -u) -eq 0 ]]; then
    chown "${as_user[2]}" "$dir"
fi
data="$dir/data"

stop() {
    "${as_user[@]}" "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as_user[@]}" "$bindir/initdb" -D "$data" -U tower_ping -A trust --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}

started=
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 30000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        continue # taken
    fi
    opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300"
    if "${as_user[@]}" "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 \
        -o "$opts" start >/dev/null; then
        started=1
        break
    fi
done
if [[ -z "$started" ]]; then
    echo "with-postgres: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
fi

export TOWER_PING_POSTGRES_URL="postgres://tower_ping@127.0.0.1:$port/postgres"

# For the tests that restart the server (tests/postgres_restart.rs):
# `$TOWER_PING_POSTGRES_CTL stop` crashes it (`pg_ctl stop -m immediate`: no
# shutdown checkpoint, every connection cut), `... start` starts it again
# on the same port and returns once it accepts connections.
ctl="$dir/ctl"
{
    echo '#!/usr/bin/env bash'
    echo 'case "${1:-}" in'
    printf '    stop) exec %s %q -D %q -m immediate stop ;;\n' \
        "${as_user[*]}" "$bindir/pg_ctl" "$data"
    printf '    start) exec %s %q -D %q -l %q -w -t 30 -o %q start ;;\n' \
        "${as_user[*]}" "$bindir/pg_ctl" "$data" "$dir/server.log" "$opts"
    echo '    *) echo "usage: $0 stop|start" >&2; exit 2 ;;'
    echo 'esac'
} >"$ctl"
chmod 755 "$ctl"
export TOWER_PING_POSTGRES_CTL="$ctl"
echo "with-postgres: $("$bindir/postgres" --version) at $TOWER_PING_POSTGRES_URL" >&2
status=0
"$@" || status=$?
exit "$status"
