//! The Management API with the clients people already use, unchanged: the
//! Python `healthchecks-io` package and the Rust `healthchecks` crate, each
//! run as a program of its own against the example server
//! (`tests/clients/`).

mod support;

use std::process::Command;

use serde_json::{json, Value};

use support::{rust_client, Server};

const RW: &str = "hcw_real0clients0000000000000001";
const RO: &str = "hcr_real0clients0000000000000001";
const CHECK: &str = "7c1e8f0a-5b2d-4e6c-9a3f-1d2e3f4a5b6c";

/// A temp file with `json` in it, removed when dropped.
struct File(std::path::PathBuf);

impl File {
    fn new(name: &str, json: Value) -> File {
        let path = std::env::temp_dir().join(format!(
            "tower-ping-{name}-{}-{}.json",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, json.to_string()).unwrap();
        File(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The example server with one project and its checks, the check `CHECK`
/// pinged a few times (a run, a failure, a recovery).
async fn server() -> (Server, File, File) {
    let projects = File::new(
        "projects",
        json!([{
            "uuid": "0e1d2c3b-4a59-4687-9c8b-7a6f5e4d3c2b", "name": "Clients",
            "ping_key": "clients-key", "api_key": RW, "api_key_readonly": RO,
        }]),
    );
    let checks = File::new(
        "checks",
        json!([
            {"uuid": CHECK, "name": "Backups", "ping_key": "clients-key", "tags": "prod db"},
            {"name": "Reports", "ping_key": "clients-key", "tags": "dev"},
        ]),
    );
    let server = Server::start(&[
        "--projects",
        projects.path(),
        "--checks",
        checks.path(),
        "--webhook",
        "http://127.0.0.1:9/unused",
    ]);
    let client = support::client();
    let base = server.base();
    let rid = uuid::Uuid::new_v4();
    for path in [
        format!("/ping/{CHECK}/start?rid={rid}"),
        format!("/ping/{CHECK}?rid={rid}"),
        format!("/ping/{CHECK}/fail"),
        format!("/ping/{CHECK}"),
    ] {
        let answer = support::http(&client, "GET", &format!("{base}{path}"), b"").await;
        assert_eq!(answer.map(|s| s.as_u16()), Some(200), "{path}");
    }
    (server, projects, checks)
}

/// Whether Python and its `healthchecks-io` package are here: under CI
/// (`CI=true`) they must be, elsewhere a missing one skips the test.
fn python_client() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import healthchecks_io"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") {
            panic!(
                "CI=true but python3 cannot import healthchecks_io: pip install healthchecks-io"
            );
        }
        eprintln!("skipped: the Python client test; pip install healthchecks-io");
    }
    found
}

#[tokio::test]
async fn the_python_client_manages_checks_on_v1_and_v3() {
    if !python_client() {
        return;
    }
    let (server, _projects, _checks) = server().await;
    let api = format!("{}/api/", server.base());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/clients/python/manage.py"
            ))
            .args([&api, RW, RO, CHECK])
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let got: Value = serde_json::from_slice(&output.stdout).unwrap();
    for v in ["v1", "v3"] {
        let at = |key: &str| got[format!("{v}.{key}")].clone();
        assert_eq!(at("get_checks"), json!(["Backups", "Reports"]), "{v}");
        assert_eq!(at("get_checks.prod"), json!(["Backups"]), "{v}");
        assert_eq!(
            at("get_checks.readonly.unique_keys"),
            json!([true, true]),
            "{v}: a read-only key sees unique keys, no UUIDs"
        );
        assert_eq!(
            at("get_check"),
            json!({"name": "Backups", "status": "up", "n_pings": 4, "uuid": CHECK}),
            "{v}"
        );
        assert_eq!(at("create_check.unique")["same"], true, "{v}: the upsert");
        assert_eq!(at("create_check.unique")["tags"], "py again", "{v}");
        assert_eq!(
            at("update_check"),
            json!({"name": format!("renamed by python {v}"), "timeout": 7200, "grace": 120})
        );
        assert_eq!(at("pause_check"), "paused");
        assert_eq!(at("delete_check"), true);
        let pings = at("get_check_pings");
        let types: Vec<&str> = pings
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["success", "fail", "success", "start"],
            "newest first"
        );
        assert!(pings[2]["duration"].is_number(), "the run's duration");
        assert_eq!(at("get_integrations"), json!(["webhook"]));
        assert_eq!(at("flips"), json!([1, 0, 1]), "{v}: newest first");
    }
    // v1 and v2 make the slug from the name; v3 takes it as given.
    assert_eq!(got["v1.create_check.unique"]["slug"], "made-by-python-v1");
    assert_eq!(got["v3.create_check.unique"]["slug"], "");
}

#[tokio::test]
async fn the_rust_crates_manager_manages_checks() {
    let (server, _projects, _checks) = server().await;
    let api = format!("{}/api/v3", server.base());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(rust_client())
            .args(["manage", &api, RW, CHECK])
            .output()
            .expect("the client runs")
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "get_checks: Backups,Reports");
    assert_eq!(lines[1], "get_check: Backups up 4");
    assert_eq!(lines[2], "create_check: made by rust rs");
    assert_eq!(lines[3], "upsert_check: updated rs again");
    assert_eq!(lines[4], "update_check: renamed by rust 120");
    assert_eq!(lines[5], "pause: paused");
    assert_eq!(lines[6], "get_channels: webhook");
    assert_eq!(lines[7], "delete: renamed by rust");
    // Where the crate does not follow healthchecks: it POSTs to `pings` and
    // `flips`, which healthchecks (and tower-ping) answer 405.
    assert!(
        lines[8].starts_with("list_logged_pings: refused"),
        "{printed}"
    );
    assert!(
        lines[9].starts_with("list_status_changes: refused"),
        "{printed}"
    );
}
