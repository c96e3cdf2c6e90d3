//! Real clients of healthchecks, unchanged, as programs the tests run: the
//! Rust `healthchecks` crate, driven by `tests/clients/rust` (a package of
//! its own, so that its dependencies stay out of the crate's first build).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `tests/clients/rust` program, built once per test process (with its
/// own lockfile and target directory), or a panic saying why it could not be.
pub fn rust_client() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/rust");
        let target = package.join("target");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--locked", "--manifest-path"])
            .arg(package.join("Cargo.toml"))
            // Its own target directory, whatever the outer build uses: the
            // outer one is locked while this test runs.
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "tests/clients/rust did not build");
        target.join("debug").join(format!(
            "tower-ping-rust-client{}",
            std::env::consts::EXE_SUFFIX
        ))
    })
}
