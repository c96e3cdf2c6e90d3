#!/usr/bin/env bash
# The Management API's listing of 10,000 checks, on every store and,
# when given, on healthchecks' own server, in one sitting
# (examples/api_list.rs; figures in BENCHMARKS.md):
#
#     cargo build --release --example api_list
#     scripts/with-postgres.sh scripts/api-list-bench.sh
#
# It starts `api_list serve` on memory, on SQLite (a fresh file) and on
# PostgreSQL (TOWER_PING_POSTGRES_URL, as scripts/with-postgres.sh sets it;
# skipped without it), loads 10,000 checks into each through the API, then
# times the listing on each in turn, ROUNDS rounds of RUNS listings, the
# order of the servers turned each round, and last measures the memory
# held by listings kept open (HELD, such as 1,4,16).
#
# healthchecks' server joins the rounds when HC_URL (its base URL), HC_KEY
# (a read-write key of a project it already holds the checks in) and HC_PID
# (its process, for the memory) are set; load it first with
# `api_list load --url "$HC_URL" --key "$HC_KEY"`.
#
# Environment: BIN (default target/release/examples/api_list, or under
# CARGO_TARGET_DIR), CHECKS (10000), RUNS (50), ROUNDS (2), HELD (1,4,16),
# PAGE_SIZE (500); HC_RUNS (20: a listing takes seconds there).
set -euo pipefail

target=${CARGO_TARGET_DIR:-target}
bin=${BIN:-$target/release/examples/api_list}
checks=${CHECKS:-10000}
runs=${RUNS:-50}
rounds=${ROUNDS:-2}
held=${HELD:-1,4,16}
hc_runs=${HC_RUNS:-20}
page_size=${PAGE_SIZE:-500}
[[ -x "$bin" ]] || { echo "api-list-bench: no $bin (cargo build --release --example api_list)" >&2; exit 1; }

dir=$(mktemp -d -t api-list-bench.XXXXXX)
pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap stop EXIT

# name url-of-store port
names=() urls=() pidof=()
start() {
    local name=$1 store=$2 port=$3
    "$bin" serve --database-url "$store" --listen "127.0.0.1:$port" --page-size "$page_size" \
        >"$dir/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        grep -q '^listening' "$dir/$name.log" && break
        sleep 0.1
    done
    grep -q '^listening' "$dir/$name.log" || { cat "$dir/$name.log" >&2; exit 1; }
    local pid
    pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$dir/$name.log")
    echo "== $name: $store, pid $pid; loading $checks checks"
    "$bin" load --url "http://127.0.0.1:$port" --checks "$checks"
    names+=("$name") urls+=("http://127.0.0.1:$port") pidof+=("$pid")
}

start memory memory 18101
start sqlite "sqlite://$dir/list.db" 18102
if [[ -n "${TOWER_PING_POSTGRES_URL:-}" ]]; then
    start postgres "$TOWER_PING_POSTGRES_URL" 18103
fi

keyof() { if [[ $1 == healthchecks ]]; then echo "$HC_KEY"; else echo hcw_apibench0000000000000000rw01; fi; }
if [[ -n "${HC_URL:-}" ]]; then
    names+=(healthchecks) urls+=("$HC_URL") pidof+=("${HC_PID:-}")
fi

echo "== $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
count=${#names[@]}
for round in $(seq 1 "$rounds"); do
    for i in $(seq 0 $((count - 1))); do
        # Each round starts one server later than the last.
        j=$(((i + round - 1) % count))
        name=${names[$j]}
        extra=(--runs "$runs" --store-list)
        [[ $name == healthchecks ]] && extra=(--runs "$hc_runs")
        echo "-- round $round, $name"
        "$bin" time --url "${urls[$j]}" --key "$(keyof "$name")" "${extra[@]}"
    done
done
for i in $(seq 0 $((count - 1))); do
    [[ -n "${pidof[$i]}" ]] || continue
    echo "-- held listings, ${names[$i]}"
    "$bin" time --url "${urls[$i]}" --key "$(keyof "${names[$i]}")" --runs 1 --warmup 0 \
        --pid "${pidof[$i]}" --held "$held"
done
echo "== done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
