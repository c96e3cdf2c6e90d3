#!/usr/bin/env bash
# Makes a real fault for examples/fault_recovery.rs and measures the example
# server's recovery from it (BENCHMARKS.md, "Faults and abuse"):
#
#     scripts/fault-recovery.sh sqlite   [HARNESS ARGS...]
#     scripts/fault-recovery.sh postgres [HARNESS ARGS...]
#
# sqlite: the database on a 64 MiB ext4 file system in a loop-mounted image
#   (needs root), filled by `dd` until the file system is full; mended by
#   removing the filler and `sync` (ext4 reuses freed blocks once the
#   journal commits).
# postgres: a throwaway cluster (as scripts/with-postgres.sh makes one),
#   stopped with `pg_ctl stop -m immediate` (a crash: no shutdown
#   checkpoint, every connection cut); mended by `pg_ctl start -w`, which
#   returns once the server accepts connections after its crash recovery.
#
# The harness and the server are taken from $TARGET_DIR/release/examples
# (default: $CARGO_TARGET_DIR or target); build them first:
#     cargo build --release --example server --example fault_recovery
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 sqlite|postgres [HARNESS ARGS...]" >&2
    exit 2
fi
kind=$1
shift
target=${TARGET_DIR:-${CARGO_TARGET_DIR:-target}}
harness="$target/release/examples/fault_recovery"
if [[ ! -x "$harness" || ! -x "$target/release/examples/server" ]]; then
    echo "$0: build first: cargo build --release --example server --example fault_recovery" >&2
    exit 1
fi

dir=$(mktemp -d -t tower-ping-fault.XXXXXX)
chmod 755 "$dir"
cleanup=()
finish() {
    for step in "${cleanup[@]}"; do
        eval "$step" >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
}
trap finish EXIT

case "$kind" in
sqlite)
    if [[ $(id -u) -ne 0 ]]; then
        echo "$0: mounting a small file system needs root" >&2
        exit 1
    fi
    truncate -s 64M "$dir/fs.img"
    mkfs.ext4 -q -F "$dir/fs.img"
    mkdir "$dir/mnt"
    mount -o loop "$dir/fs.img" "$dir/mnt"
    cleanup=("umount $dir/mnt" "${cleanup[@]}")
    "$harness" --database-url "sqlite://$dir/mnt/checks.db" \
        --break "dd if=/dev/zero of=$dir/mnt/filler bs=64k 2>/dev/null; sync; df -k $dir/mnt | tail -n 1" \
        --mend "rm -f $dir/mnt/filler; sync" \
        "$@"
    ;;
postgres)
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -x "$(command -v pg_config 2>/dev/null)" ]]; then
        bindir=$(pg_config --bindir)
    fi
    if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
        echo "$0: no PostgreSQL server (initdb) found" >&2
        exit 1
    fi
    as_user=""
    if [[ $(id -u) -eq 0 ]]; then
        user=postgres
        id postgres >/dev/null 2>&1 || user=nobody
        chown "$user" "$dir"
        as_user="runuser -u $user --"
    fi
    data="$dir/data"
    $as_user "$bindir/initdb" -D "$data" -U tower_ping -A trust --no-sync >"$dir/initdb.log" 2>&1
    pg_ctl="$as_user $bindir/pg_ctl -D $data -l $dir/server.log"
    started=
    for _ in $(seq 1 20); do
        port=$((20000 + RANDOM % 30000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue # taken
        fi
        opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir"
        if $pg_ctl -w -o "$opts" start >/dev/null; then
            started=1
            break
        fi
    done
    if [[ -z "$started" ]]; then
        cat "$dir/server.log" >&2
        exit 1
    fi
    cleanup=("$pg_ctl -m immediate stop" "${cleanup[@]}")
    echo "fault-recovery: $("$bindir/postgres" --version) on port $port" >&2
    "$harness" --database-url "postgres://tower_ping@127.0.0.1:$port/postgres" \
        --break "$pg_ctl -m immediate stop >/dev/null" \
        --mend "$pg_ctl -w -o '$opts' start >/dev/null" \
        "$@"
    ;;
*)
    echo "usage: $0 sqlite|postgres [HARNESS ARGS...]" >&2
    exit 2
    ;;
esac
