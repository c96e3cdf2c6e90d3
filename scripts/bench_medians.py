#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench` run, and the ratios that
BENCHMARKS.md quotes, from criterion's target/criterion/*/new/estimates.json.

    cargo bench --bench path_matching && cargo bench --bench layer
    cargo bench --bench rate_limit
    python3 scripts/bench_medians.py [target/criterion]
"""
import glob
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
medians = {}
for path in glob.glob(os.path.join(root, "**", "new", "estimates.json"), recursive=True):
    with open(os.path.join(os.path.dirname(path), "benchmark.json")) as f:
        full_id = json.load(f)["full_id"]
    with open(path) as f:
        medians[full_id] = json.load(f)["median"]["point_estimate"]
if not medians:
    sys.exit(f"no criterion results under {root}: run cargo bench first")

for full_id in sorted(medians):
    print(f"{full_id:40} {medians[full_id]:10.2f} ns")

shapes = sorted({k.split("/")[2] for k in medians if k.startswith("classify/tower-ping/")})
if shapes:
    print(f"\n{'shape':12} {'tower-ping/matchit':>19} {'regex/tower-ping':>17}")
    for shape in shapes:
        ours = medians.get(f"classify/tower-ping/{shape}")
        matchit = medians.get(f"classify/matchit/{shape}")
        regex = medians.get(f"classify/regex/{shape}")
        if ours and matchit and regex:
            print(f"{shape:12} {ours / matchit:19.2f} {regex / ours:16.1f}x")
if "layer/baseline" in medians and "layer/fallthrough" in medians:
    extra = medians["layer/fallthrough"] - medians["layer/baseline"]
    print(f"\nlayer/fallthrough - layer/baseline: {extra:+.2f} ns")
if "layer/fallthrough" in medians and "layer/fallthrough-rate-limit" in medians:
    ratio = medians["layer/fallthrough-rate-limit"] / medians["layer/fallthrough"]
    print(f"layer/fallthrough-rate-limit / layer/fallthrough: {ratio:.3f}")
if "layer/ping-memory" in medians and "layer/ping-memory-rate-limit" in medians:
    extra = medians["layer/ping-memory-rate-limit"] - medians["layer/ping-memory"]
    print(f"layer/ping-memory-rate-limit - layer/ping-memory: {extra:+.2f} ns")
