#!/usr/bin/env bash
# Alert policy at scale and after a crash, on every store, in one sitting
# (figures in BENCHMARKS.md, section 12):
#
#     cargo build --release --example server --example monitor_load --example alert_recovery
#     scripts/with-postgres.sh scripts/alert-policy-bench.sh
#
# 1. examples/monitor_load.rs, 100,000 checks of which 10,000 at once:
#    down flips to 1 channel and to 3 channels, then reminders due (3
#    channels), with a notifier that takes no time; ROUNDS rounds each.
# 2. examples/alert_recovery.rs: an instance killed in the middle of a
#    notifier call, 20 alerts queued behind it; SQLite restarted and a
#    second PostgreSQL instance; RUNS runs each, with the default lease and
#    with a lease of 60 s (the lease before claims were renewed).
#
# Environment: ROUNDS (2), RUNS (3), STORES (memory sqlite postgres),
# PARTS (load recovery).
# PostgreSQL needs TOWER_PING_POSTGRES_URL (scripts/with-postgres.sh sets
# it); each run gets a fresh database.
set -euo pipefail

target=${CARGO_TARGET_DIR:-target}
load=$target/release/examples/monitor_load
recovery=$target/release/examples/alert_recovery
rounds=${ROUNDS:-2}
runs=${RUNS:-3}
stores=${STORES:-memory sqlite postgres}
parts=${PARTS:-load recovery}
for bin in "$load" "$recovery" "$target/release/examples/server"; do
    [[ -x $bin ]] || { echo "alert-policy-bench: no $bin (build it first)" >&2; exit 1; }
done

dir=$(mktemp -d -t alert-policy-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
n=0

# Sets `url` to a fresh store for one run.
fresh() {
    n=$((n + 1))
    case $1 in
        memory) url=memory ;;
        sqlite) url="sqlite://$dir/run$n.db" ;;
        postgres)
            psql -q -d "$TOWER_PING_POSTGRES_URL" -c "CREATE DATABASE run$n" >/dev/null
            url="${TOWER_PING_POSTGRES_URL%/*}/run$n"
            ;;
    esac
}

echo "== $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for store in $stores; do
    [[ $parts == *load* ]] || break
    if [[ $store == postgres && -z "${TOWER_PING_POSTGRES_URL:-}" ]]; then
        echo "-- postgres skipped: no TOWER_PING_POSTGRES_URL"
        continue
    fi
    for round in $(seq 1 "$rounds"); do
        for what in "--channels 1" "--channels 3" "--channels 3 --reminders"; do
            echo "-- $store, $what, round $round"
            fresh "$store"
            # shellcheck disable=SC2086
            "$load" --database-url "$url" --checks 100000 --overdue 10000 --idle-sweeps 50 $what \
                | grep -v '^sweep with nothing due'
        done
    done
done

for store in $stores; do
    [[ $parts == *recovery* ]] || break
    [[ $store == memory ]] && continue
    [[ $store == postgres && -z "${TOWER_PING_POSTGRES_URL:-}" ]] && continue
    for lease in 10000 60000; do
        echo "-- recovery, $store, lease $lease ms"
        fresh "$store"
        "$recovery" --database-url "$url" --runs "$runs" --lease-ms "$lease" \
            --server "$target/release/examples/server" 2>/dev/null | tail -1
    done
done
