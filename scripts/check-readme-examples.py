#!/usr/bin/env python3
"""Builds the README's examples as a new user would: from the packaged crate.

    scripts/check-readme-examples.py [--allow-dirty] [--keep]

1. `cargo package --no-verify` makes the `.crate` file `cargo publish` would
   upload (scripts/check-package.sh checks its contents and warnings), and
   the script unpacks it into a temporary directory.
2. In the *packaged* README.md, each example is marked by an HTML comment
   `<!-- example: NAME -->`: the first ```toml block after the marker holds
   its `[dependencies]` lines, the first ```rust block after it the whole
   program.
3. For each, a fresh crate (edition 2024, as `cargo new` makes) gets exactly
   those dependency lines, with `[patch.crates-io]` pointing `tower-ping` at
   the unpacked package, so the README's lines are used as written, and the
   program as its `src/main.rs`.
4. The crate's Cargo.lock seeds the example's, so it builds on the versions
   CI tested. `cargo fetch` downloads what the lines add beyond the registry
   cache (axum's default features bring two crates the repository does not
   use), then `cargo build --offline` builds it: the build itself reads
   nothing from the network, and no tower-ping but the packaged one.

The examples share one target directory, `target/readme-examples`, so each
dependency is compiled once. `--keep` leaves the temporary directory.
"""

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!--\s*example:\s*([a-z0-9_-]+)\s*-->\s*$")
FENCE = re.compile(r"^```(\S*)\s*$")


def run(*args, cwd):
    print("+", " ".join(str(a) for a in args), f"  (in {cwd.name})", flush=True)
    if subprocess.run([str(a) for a in args], cwd=cwd).returncode != 0:
        sys.exit(f"check-readme-examples: the {cwd.name} example failed (see above)")


def examples(readme):
    """{name: (toml, rust)} from the README's markers."""
    found = {}
    lines = readme.splitlines()
    name, blocks, fence, body = None, {}, None, []
    for number, line in enumerate(lines, 1):
        if fence is not None:
            if line.strip() == "```":
                if name and fence in ("toml", "rust") and fence not in blocks:
                    blocks[fence] = "\n".join(body) + "\n"
                    if len(blocks) == 2:
                        found[name] = (blocks["toml"], blocks["rust"])
                        name, blocks = None, {}
                fence = None
            else:
                body.append(line)
            continue
        marker = MARKER.match(line)
        if marker:
            if name:
                sys.exit(f"README.md:{number}: example {name!r} has no toml and rust block")
            name, blocks = marker.group(1), {}
            if name in found:
                sys.exit(f"README.md:{number}: a second example named {name!r}")
            continue
        opening = FENCE.match(line)
        if opening:
            fence, body = opening.group(1).split(",")[0], []
    if name:
        sys.exit(f"README.md: example {name!r} has no toml and rust block")
    return found


def scratch_crate(directory, name, dependencies, program, package_dir, lockfile):
    parsed = tomllib.loads(dependencies)
    if list(parsed) != ["dependencies"] or "tower-ping" not in parsed["dependencies"]:
        sys.exit(f"example {name!r}: its toml block must be a [dependencies] table naming tower-ping")
    directory.mkdir()
    (directory / "src").mkdir()
    (directory / "Cargo.toml").write_text(
        f"""[package]
name = "readme-example-{name}"
version = "0.0.0"
edition = "2024"
publish = false

{dependencies}
[patch.crates-io]
tower-ping = {{ path = "{package_dir}" }}
"""
    )
    (directory / "src" / "main.rs").write_text(program)
    shutil.copy(lockfile, directory / "Cargo.lock")


def main():
    allow_dirty = "--allow-dirty" in sys.argv[1:]
    keep = "--keep" in sys.argv[1:]
    if set(sys.argv[1:]) - {"--allow-dirty", "--keep"}:
        sys.exit(__doc__)

    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    crate = f'{manifest["package"]["name"]}-{manifest["package"]["version"]}'
    # Its warnings are scripts/check-package.sh's to judge; shown on failure.
    package = ["cargo", "package", "--locked", "--no-verify"]
    package += ["--allow-dirty"] if allow_dirty else []
    print("+", " ".join(package), flush=True)
    made = subprocess.run(package, cwd=ROOT, capture_output=True, text=True)
    if made.returncode != 0:
        sys.exit(made.stderr)
    crate_file = ROOT / "target" / "package" / f"{crate}.crate"

    work = Path(tempfile.mkdtemp(prefix="tower-ping-readme-"))
    try:
        with tarfile.open(crate_file) as archive:
            archive.extractall(work, filter="data")
        package_dir = work / crate
        found = examples((package_dir / "README.md").read_text())
        if not found:
            sys.exit("README.md: no `<!-- example: NAME -->` markers")
        print(f"check-readme-examples: {', '.join(found)} from {crate_file.name}", flush=True)

        target_dir = ROOT / "target" / "readme-examples"
        for name, (dependencies, program) in found.items():
            directory = work / name
            scratch_crate(
                directory, name, dependencies, program, package_dir, package_dir / "Cargo.lock"
            )
            run("cargo", "fetch", cwd=directory)
            run("cargo", "build", "--offline", "--target-dir", target_dir, cwd=directory)
        print(f"check-readme-examples: {len(found)} examples built", flush=True)
    finally:
        if keep:
            print(f"check-readme-examples: left {work}")
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
