#!/usr/bin/env bash
# Checks that calling a time limit without tower-ping's `tokio` feature is a
# compile error that names the feature (the stand-ins in src/ping/layer.rs), not
# only "no method named `store_timeout`".
#
#     scripts/check-feature-hint.sh
#
# A scratch crate depending on this one with default features calls
# `PingLayer::store_timeout` and `body_timeout`; `cargo check` must fail, and
# its errors must name the feature for each call.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "feature-hint"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tower-ping = { path = "$root" }
TOML
cat > "$work/src/main.rs" <<'RUST'
use std::time::Duration;

use tower_ping::{MemoryStore, PingLayer};

fn main() {
    let _ = PingLayer::new(MemoryStore::new()).store_timeout(Duration::from_secs(1));
    let _ = PingLayer::new(MemoryStore::new()).body_timeout(Duration::from_secs(1));
}
RUST
cp "$root/Cargo.lock" "$work/Cargo.lock"

if output=$(cargo check --offline --quiet --manifest-path "$work/Cargo.toml" \
    --target-dir "$root/target/feature-hint" 2>&1); then
    echo "check-feature-hint: a time limit without the tokio feature compiled" >&2
    exit 1
fi
expected="need tower-ping's \`tokio\` feature"
found=$(grep -c "$expected" <<<"$output" || true)
if [ "$found" -lt 2 ]; then
    echo "$output" >&2
    echo "check-feature-hint: expected \"$expected\" for both calls, found it $found times" >&2
    exit 1
fi
echo "check-feature-hint: both calls name the tokio feature"
