#!/usr/bin/env bash
# Packages the crate as `cargo publish` would, and checks the package:
#
#     scripts/check-package.sh [--allow-dirty]
#
# - `cargo package` (which also builds the library from the package, against
#   Cargo.lock) succeeds and prints no warning, but for one kind: cargo names
#   each test and benchmark target it leaves out of the published manifest,
#   because `include` leaves tests/ and benches/ out on purpose. Any other
#   warning fails, and so does a left-out example.
# - The package holds the files under src/, migrations/ and examples/, the
#   README, CHANGELOG, SECURITY.md, docs/stores.md, docs/architecture.md
#   and both licences (the README links to them), and nothing else but
#   what cargo adds itself.
#
# The package stays in target/package/, for scripts/check-readme-examples.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "check-package: cargo package $*" >&2
if ! cargo package --locked "$@" 2>"$log"; then
    cat "$log" >&2
    exit 1
fi
cat "$log" >&2
left_out='^warning: ignoring (test|benchmark) `[^`]+` as `(tests|benches)/[^`]+` is not included in the published package$'
warnings=$(grep -i 'warning' "$log" | grep -Ev "$left_out" || true)
if [[ -n "$warnings" ]]; then
    printf 'check-package: cargo package warned:\n%s\n' "$warnings" >&2
    exit 1
fi

# What cargo writes into every package by itself.
generated='^(Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json)$'
listed=$(cargo package --locked --list "$@" 2>/dev/null | grep -Ev "$generated" | sort)
wanted=$({
    git ls-files src migrations examples
    printf '%s\n' Cargo.toml README.md CHANGELOG.md SECURITY.md docs/stores.md docs/architecture.md LICENSE-MIT LICENSE-APACHE
} | sort)
missing=$(comm -13 <(echo "$listed") <(echo "$wanted"))
extra=$(comm -23 <(echo "$listed") <(echo "$wanted"))
if [[ -n "$missing" || -n "$extra" ]]; then
    [[ -z "$missing" ]] || printf 'check-package: missing from the package:\n%s\n' "$missing" >&2
    [[ -z "$extra" ]] || printf 'check-package: in the package but not wanted:\n%s\n' "$extra" >&2
    exit 1
fi
echo "check-package: $(echo "$listed" | wc -l) files, no warnings" >&2
