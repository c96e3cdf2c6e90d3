#!/usr/bin/env python3
"""The minimum Rust version each build of the crate needs, from its dependencies.

    scripts/msrv.py           # print the table
    scripts/msrv.py --check   # and fail if Cargo.toml's rust-version is not
                              # the default build's, or if README.md or
                              # src/lib.rs does not state it and the SQL
                              # features' version

For the default build (no features), each feature alone, and all features,
it lists the packages that build resolves from Cargo.lock (normal and build
dependencies of the library, transitively, for every target platform:
`cargo tree -e normal,build --target all`, which leaves dev-dependencies and
the features they would turn on out) and takes the highest `rust-version`
any of them declares (`cargo metadata`). A build needs at least that
compiler, whatever the crate itself claims.

This compares declarations; it does not build anything on an older compiler
(only one toolchain is installed where CI runs). A dependency that declares
no `rust-version`, or understates its own, is not caught here.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A cargo tree line: `name vX.Y.Z`, maybe followed by ` (path)`,
# ` (proc-macro)` or ` (*)`.
TREE_LINE = re.compile(r"^(\S+) v(\S+)")


def cargo(*args):
    return subprocess.run(
        ["cargo", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def normalize(version):
    """`1.85.0` and `1.85` are the same minimum; print the shorter."""
    parts = version.split(".")
    while len(parts) > 2 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


def resolved(features):
    """(name, version) of every package the library's build with `features` needs."""
    args = ["tree", "--locked", "-e", "normal,build", "--target", "all"]
    args += ["--prefix", "none", "-f", "{p}", "--no-default-features"]
    if features == "all":
        args.append("--all-features")
    elif features:
        args += ["--features", features]
    packages = set()
    for line in cargo(*args).splitlines():
        match = TREE_LINE.match(line)
        if match:
            packages.add((match.group(1), match.group(2)))
    return packages


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] not in ([], ["--check"]):
        sys.exit(__doc__)

    metadata = json.loads(cargo("metadata", "--locked", "--format-version", "1"))
    declared = {
        (p["name"], p["version"]): p["rust_version"] for p in metadata["packages"]
    }
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    crate = manifest["package"]["name"]
    claimed = manifest["package"]["rust-version"]
    # `_sql` and the like are private: turned on by other features, not users.
    features = [f for f in manifest["features"] if f != "default" and not f.startswith("_")]

    def highest(packages):
        best = ("0", "nothing")
        for name, version in sorted(packages):
            rust = declared.get((name, version))
            if name != crate and rust and version_key(rust) > version_key(best[0]):
                best = (rust, f"{name} {version}")
        return normalize(best[0]), best[1]

    rows = []
    default_packages = resolved("")
    for features_of_build in ["", *features, "all"]:
        packages = resolved(features_of_build)
        label = {"": "(default)", "all": "all features"}.get(
            features_of_build, features_of_build
        )
        # What the feature brings beyond the default build, on its own.
        added = highest(packages - default_packages) if features_of_build else ("", "")
        rows.append((label, *highest(packages), *added))

    print(f"{'build':<14} {'needs Rust':<11} {'set by':<16} {'of what it adds':<16} set by")
    for label, rust, by, added_rust, added_by in rows:
        print(f"{label:<14} {rust:<11} {by:<16} {added_rust:<16} {added_by}".rstrip())
    print(f"Cargo.toml claims rust-version = {claimed!r}")

    default = rows[0][1]
    failed = False
    if version_key(claimed) < version_key(default):
        print(
            f"error: rust-version {claimed} is lower than the default build needs ({default}); "
            "set it in Cargo.toml",
            file=sys.stderr,
        )
        failed = True
    elif version_key(claimed) > version_key(default):
        print(
            f"error: rust-version {claimed} is higher than the default build needs ({default}); "
            "an overstated minimum turns away compilers that would build the crate",
            file=sys.stderr,
        )
        failed = True

    # The README and the crate docs state the minimum and the SQL features'.
    sql = max((rust for label, rust, *_ in rows if label in ("sqlite", "postgres")), key=version_key)
    for document in ["README.md", "src/lib.rs"]:
        text = (ROOT / document).read_text()
        for version in sorted({claimed, sql}, key=version_key):
            if version not in text:
                print(f"error: {document} does not state Rust {version}", file=sys.stderr)
                failed = True
    if failed and check:
        sys.exit(1)


if __name__ == "__main__":
    main()
