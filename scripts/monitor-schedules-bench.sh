#!/usr/bin/env bash
# 10,000 overdue checks of 100,000, period against OnCalendar, on every
# store, in one sitting (examples/monitor_load.rs; figures in
# BENCHMARKS.md, section 6, "OnCalendar"):
#
#     cargo build --release --example monitor_load
#     scripts/with-postgres.sh scripts/monitor-schedules-bench.sh
#
# For each store (memory; SQLite, a fresh file each run; PostgreSQL, a
# fresh database each run in the cluster of TOWER_PING_POSTGRES_URL, as
# scripts/with-postgres.sh sets it, skipped without it) and each mode
# (`sweep`: MonitorStore::sweep called directly; `monitor`: Monitor::run in
# real time, then the alerts delivered), it runs the period schedule and
# the OnCalendar one (`*-*-* *:*:00`, every minute) one after the other,
# ROUNDS times, the order turned each round.
#
# Environment: BIN (default target/release/examples/monitor_load, or under
# CARGO_TARGET_DIR), ROUNDS (2), STORES (memory sqlite postgres), MODES
# (sweep monitor), SCHEDULES (period oncalendar); anything in ARGS is passed
# on (such as `--checks 100000 --overdue 10000`).
set -euo pipefail

target=${CARGO_TARGET_DIR:-target}
bin=${BIN:-$target/release/examples/monitor_load}
rounds=${ROUNDS:-2}
stores=${STORES:-memory sqlite postgres}
modes=${MODES:-sweep monitor}
schedules=(${SCHEDULES:-period oncalendar})
args=(${ARGS:-})
[[ -x "$bin" ]] || { echo "monitor-schedules-bench: no $bin (cargo build --release --example monitor_load)" >&2; exit 1; }

dir=$(mktemp -d -t monitor-schedules-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
n=0

# Sets `url` to a store for one run: a fresh database each time.
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
    if [[ $store == postgres && -z "${TOWER_PING_POSTGRES_URL:-}" ]]; then
        echo "-- postgres skipped: no TOWER_PING_POSTGRES_URL"
        continue
    fi
    for mode in $modes; do
        for round in $(seq 1 "$rounds"); do
            count=${#schedules[@]}
            for i in $(seq 0 $((count - 1))); do
                schedule=${schedules[$(((i + round - 1) % count))]}
                echo "-- $store, $mode, $schedule, round $round"
                fresh "$store"
                "$bin" --database-url "$url" --schedule "$schedule" --mode "$mode" \
                    "${args[@]}"
            done
        done
    done
done
echo "== done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
