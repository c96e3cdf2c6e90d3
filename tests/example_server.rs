//! `examples/server.rs` as a black box: its command line, its `/checks`
//! output and its own routes, over real HTTP; and the other examples run.

mod common;
mod support;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use common::RID;
use support::{example_binary, Server};

async fn call(method: Method, url: &str, body: &'static str) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("user-agent", "black-box")
        .body(Full::from(body))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn checks(server: &Server) -> Vec<Value> {
    let (status, body) = call(Method::GET, &format!("{}/checks", server.base()), "").await;
    assert_eq!(status, 200);
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The ping key of the demo project (made at random on its first start).
async fn demo_key(server: &Server) -> String {
    checks(server).await[0]["ping_key"]
        .as_str()
        .expect("the demo checks have the demo project's ping key")
        .to_owned()
}

const SEED_UUID: &str = "3f2b5a10-6c4d-4e8f-9a1b-2c3d4e5f6a7b";

fn seed_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tower-ping-seed-{}.json", std::process::id()));
    let seeds = serde_json::json!([
        {"uuid": SEED_UUID, "name": "Café Backup", "ping_key": "seedkey", "methods": "", "status": "new"},
        {"name": "Held", "slug": "held", "status": "paused", "manual_resume": true},
        {"name": "Filtered", "filter_body": true, "success_kw": "done", "failure_kw": "ERROR", "start_kw": "", "default_fail": true, "methods": "POST"}
    ]);
    std::fs::write(&path, seeds.to_string()).unwrap();
    path
}

#[tokio::test]
async fn seeded_checks_are_pinged_and_listed() {
    let seeds = seed_file();
    let server = Server::start(&["--checks", seeds.to_str().unwrap(), "--body-limit", "5"]);
    let base = server.base();

    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/{SEED_UUID}/start?rid={RID}"),
            ""
        )
        .await,
        (200, "OK".into())
    );
    assert_eq!(
        call(
            Method::POST,
            &format!("{base}/ping/seedkey/cafe-backup?rid={RID}"),
            "all finished"
        )
        .await,
        (200, "OK".into())
    );
    // Checks seeded without a ping key have no slug form: no key is made
    // up for them (it was `demo-ping-key`, public, for every such check).
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/demo-ping-key/held"), "").await,
        (404, "not found".into())
    );
    let seeded = checks(&server).await;
    assert_eq!(seeded[1]["ping_key"], Value::Null);
    let (held, filtered) = (
        seeded[1]["uuid"].as_str().unwrap().to_owned(),
        seeded[2]["uuid"].as_str().unwrap().to_owned(),
    );
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/{held}"), "").await,
        (200, "OK".into())
    );
    assert_eq!(
        call(
            Method::POST,
            &format!("{base}/ping/{filtered}/start"),
            "ERROR x"
        )
        .await,
        (200, "OK".into())
    );
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/seedkey/cafe-backup/256"),
            ""
        )
        .await,
        (400, "invalid url format".into())
    );

    let list = checks(&server).await;
    assert_eq!(list.len(), 3);
    let backup = &list[0];
    assert_eq!(backup["uuid"], SEED_UUID);
    assert_eq!(
        (
            backup["name"].as_str(),
            backup["slug"].as_str(),
            backup["ping_key"].as_str()
        ),
        (Some("Café Backup"), Some("cafe-backup"), Some("seedkey"))
    );
    assert_eq!(backup["status"], "up");
    assert_eq!(backup["n_pings"], 2);
    assert!(backup["last_ping"].as_str().unwrap().ends_with('Z'));
    assert_eq!(backup["last_start"], Value::Null);
    assert_eq!(backup["last_start_rid"], RID);
    assert!(backup["last_duration"].as_f64().unwrap() >= 0.0);
    let pings = backup["pings"].as_array().unwrap();
    assert_eq!(pings.len(), 2);
    let success = &pings[1];
    assert_eq!(success["n"], 2);
    assert_eq!(success["kind"], "success");
    assert_eq!(success["exit_status"], Value::Null);
    assert_eq!(success["method"], "POST");
    assert_eq!(success["scheme"], "http");
    assert_eq!(success["remote_addr"], "127.0.0.1");
    assert_eq!(success["user_agent"], "black-box");
    assert_eq!(success["rid"], RID);
    assert_eq!(success["body"], "all f");
    assert_eq!(success["body_len"], 5);
    assert!(success["received_at"].as_str().unwrap().starts_with("20"));
    // The success ended the run the start began (same rid): its duration.
    assert_eq!(success["duration"], backup["last_duration"]);
    assert_eq!(pings[0]["duration"], Value::Null);

    let held = &list[1];
    assert_eq!(
        (held["status"].as_str(), held["pings"][0]["kind"].as_str()),
        (Some("paused"), Some("ign"))
    );
    let filtered = &list[2];
    assert_eq!(filtered["slug"], "filtered");
    assert_eq!(
        (
            filtered["status"].as_str(),
            filtered["pings"][0]["kind"].as_str()
        ),
        (Some("down"), Some("fail"))
    );

    let _ = std::fs::remove_file(seeds);
}

#[tokio::test]
async fn the_apps_own_routes_and_404_are_the_apps() {
    let server = Server::start(&[]);
    let base = server.base();
    assert_eq!(
        call(Method::GET, &format!("{base}/healthz"), "").await.0,
        200
    );
    assert_eq!(call(Method::GET, &format!("{base}/"), "").await.0, 200);
    let (status, body) = call(Method::GET, &format!("{base}/no/such/route/here"), "").await;
    assert_eq!(status, 404);
    assert_ne!(body, "not found", "the app's 404, not the layer's");
    let key = demo_key(&server).await;
    // The demo's ping key is made at random: the old public one is no key.
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/demo-ping-key/nightly-backup"),
            ""
        )
        .await,
        (404, "not found".into())
    );
    let (status, body) = call(
        Method::GET,
        &format!("{base}/ping/{key}/nightly-backup"),
        "",
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "OK"));
    let list = checks(&server).await;
    assert_eq!(list[0]["n_pings"], 1);
}

#[tokio::test]
async fn prefix_and_forwarded_options() {
    let server = Server::start(&[
        "--prefix",
        "/hc",
        "--forwarded",
        "1",
        "--body-limit",
        "none",
    ]);
    let base = server.base();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let key = demo_key(&server).await;
    let request = Request::get(format!("{base}/hc/{key}/hourly-sync"))
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.9")
        .header("x-forwarded-proto", "https")
        .body(Full::default())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("ping-body-limit").is_none());
    let list = checks(&server).await;
    let ping = &list[1]["pings"][0];
    assert_eq!(
        (ping["remote_addr"].as_str(), ping["scheme"].as_str()),
        (Some("203.0.113.9"), Some("https"))
    );
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/{key}/hourly-sync"), "")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn rate_limit_option_limits_each_form_of_a_check_apart() {
    let server = Server::start(&["--rate-limit", "2/60"]);
    let base = server.base();
    let uuid = checks(&server).await[0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_uuid = format!("{base}/ping/{uuid}");
    let key = demo_key(&server).await;
    let by_slug = format!("{base}/ping/{key}/nightly-backup");
    for _ in 0..2 {
        assert_eq!(call(Method::GET, &by_uuid, "").await, (200, "OK".into()));
        assert_eq!(call(Method::GET, &by_slug, "").await, (200, "OK".into()));
    }
    assert_eq!(
        call(Method::GET, &by_uuid, "").await,
        (200, "OK (rate-limited)".into())
    );
    assert_eq!(
        call(Method::GET, &by_slug, "").await,
        (429, "rate limited".into())
    );
    assert_eq!(checks(&server).await[0]["n_pings"], 4);
}

#[test]
fn bad_rate_limits_stop_the_server_with_a_message_naming_the_flag() {
    for value in ["5", "0/60", "5/0", "x/60", "5/60s", "-1/60", "5/60/1", ""] {
        let output = std::process::Command::new(example_binary("server"))
            .args(["--listen", "127.0.0.1:0", "--rate-limit", value])
            .output()
            .expect("the example runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value:?}: {stderr}");
        assert!(
            stderr.contains(&format!("--rate-limit {value}: not N/SECONDS")),
            "{value:?}: {stderr}"
        );
    }
}

#[tokio::test]
async fn the_hyper_example_answers_pings_and_its_own_requests() {
    let server = Server::start_example("hyper_server", &[]);
    let base = server.base();
    assert_eq!(
        call(
            Method::POST,
            &format!("{base}/ping/demo-ping-key/nightly-backup/fail"),
            "x"
        )
        .await,
        (200, "OK".into())
    );
    let (status, body) = call(Method::GET, &format!("{base}/anything"), "").await;
    assert_eq!(
        (status, body.as_str()),
        (200, "hello from hyper: GET /anything\n")
    );
}

#[tokio::test]
async fn the_custom_store_example_records_into_the_apps_own_jobs() {
    let server = Server::start_example("custom_store", &[]);
    let base = server.base();
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/ops-team-key/database-dump/start"),
            ""
        )
        .await,
        (200, "OK".into())
    );
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/ops-team-key/database-dump/0"),
            ""
        )
        .await,
        (200, "OK".into())
    );
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/ops-team-key/nope"), "").await,
        (404, "not found".into())
    );
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/ops-team-key/new-job?create=1"),
            ""
        )
        .await,
        (404, "not found".into())
    );
    let (status, jobs) = call(Method::GET, &format!("{base}/jobs"), "").await;
    assert_eq!(status, 200);
    assert!(
        jobs.contains("ops / Database dump: up after 2 pings [#1 start, #2 success]"),
        "{jobs}"
    );
    assert!(
        jobs.contains("ops / Log rotation: new after 0 pings []"),
        "{jobs}"
    );

    // A failure flips the job down: the monitor prints its alert, to the
    // one channel the job has.
    assert_eq!(
        call(
            Method::GET,
            &format!("{base}/ping/ops-team-key/log-rotation/fail"),
            ""
        )
        .await,
        (200, "OK".into())
    );
    let started = std::time::Instant::now();
    let alerts = loop {
        let alerts: Vec<String> = server
            .printed()
            .into_iter()
            .filter(|line| line.starts_with("alert"))
            .collect();
        if !alerts.is_empty() {
            break alerts;
        }
        assert!(started.elapsed().as_secs() < 10, "no alert printed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        alerts[0].starts_with("alert to ops chat: Log rotation is down (fail at "),
        "{alerts:?}"
    );

    // The user's own acts: pausing changes the job without a flip.
    let uuid = server
        .printed()
        .iter()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("Log rotation: ")?;
            rest.split("/ping/").nth(1)?.split_whitespace().next()
        })
        .map(str::to_owned)
        .expect("the job's ping URL is printed");
    assert_eq!(
        call(Method::POST, &format!("{base}/jobs/{uuid}/pause"), "").await,
        (200, "done\n".into())
    );
    let (_, jobs) = call(Method::GET, &format!("{base}/jobs"), "").await;
    assert!(
        jobs.contains(
            "ops / Log rotation: paused after 1 pings [#1 fail]\n  new -> down (fail) at "
        ),
        "{jobs}"
    );
}

/// Writes `json` to a seed file of its own; removed when dropped.
struct SeedFile(std::path::PathBuf);

impl SeedFile {
    fn new(json: serde_json::Value) -> SeedFile {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tower-ping-seed-{}-{n}.json", std::process::id()));
        std::fs::write(&path, json.to_string()).unwrap();
        SeedFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for SeedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn parse_time(text: &str) -> std::time::SystemTime {
    let time: jiff::Timestamp = text.parse().unwrap();
    std::time::SystemTime::try_from(time).unwrap()
}

async fn flips(server: &Server) -> Vec<Value> {
    let (status, body) = call(Method::GET, &format!("{}/flips", server.base()), "").await;
    assert_eq!(status, 200);
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Up, then grace once the ping is due, then down at the deadline, in real
/// time: the flip is in `/flips` within a second of the deadline.
async fn goes_up_grace_down(extra: &[&str]) {
    const UUID: &str = "9a6f3c1e-2b4d-4f6a-8c0e-1a2b3c4d5e6f";
    let seeds = SeedFile::new(serde_json::json!([
        {"uuid": UUID, "name": "Quick", "timeout": 1, "grace": 1}
    ]));
    let mut args = vec!["--checks", seeds.path()];
    args.extend_from_slice(extra);
    let server = Server::start(&args);
    let base = server.base();
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/{UUID}"), "").await,
        (200, "OK".into())
    );
    let check = &checks(&server).await[0];
    assert_eq!(
        (check["status"].as_str(), check["timeout"].as_u64()),
        (Some("up"), Some(1))
    );
    assert_eq!(
        (check["grace"].as_u64(), check["schedule"].as_str()),
        (Some(1), None)
    );
    assert_eq!(
        (check["tz"].as_str(), check["started"].as_bool()),
        (Some("UTC"), Some(false))
    );
    let last_ping = parse_time(check["last_ping"].as_str().unwrap());
    let due = parse_time(check["next_ping"].as_str().unwrap());
    assert_eq!(due, last_ping + std::time::Duration::from_secs(1));
    let deadline = due + std::time::Duration::from_secs(1);

    let mut seen = Vec::new();
    let flipped_seen = loop {
        let status = checks(&server).await[0]["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        let flips = flips(&server).await;
        if flips.len() == 2 {
            break (std::time::SystemTime::now(), flips);
        }
        assert!(
            std::time::SystemTime::now() < deadline + std::time::Duration::from_secs(5),
            "no down flip; statuses seen: {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let (noticed, flips) = flipped_seen;
    assert_eq!(seen[..2], ["up", "grace"], "{seen:?}");
    let first = &flips[0];
    assert_eq!(
        (first["old_status"].as_str(), first["new_status"].as_str()),
        (Some("new"), Some("up"))
    );
    let down = &flips[1];
    assert_eq!(down["uuid"], UUID);
    assert_eq!(
        (
            down["old_status"].as_str(),
            down["new_status"].as_str(),
            down["reason"].as_str()
        ),
        (Some("up"), Some("down"), Some("timeout"))
    );
    assert_eq!(parse_time(down["at"].as_str().unwrap()), deadline);
    let late = noticed.duration_since(deadline).unwrap();
    assert!(
        late < std::time::Duration::from_secs(1),
        "down {late:?} after its deadline"
    );
    assert_eq!(checks(&server).await[0]["status"], "down");
    assert_eq!(checks(&server).await[0]["next_ping"], Value::Null);
}

#[tokio::test]
async fn a_quiet_check_goes_grace_then_down_in_memory() {
    goes_up_grace_down(&[]).await;
}

#[tokio::test]
async fn a_quiet_check_goes_grace_then_down_on_sqlite() {
    let db = support::TempDb::new();
    goes_up_grace_down(&["--database-url", &db.url()]).await;
}

#[tokio::test]
async fn checks_are_paused_resumed_and_removed_over_http() {
    const UUID: &str = "4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e";
    let seeds = SeedFile::new(serde_json::json!([
        {"uuid": UUID, "name": "Job", "status": "up", "last_ping": "2030-01-01T00:00:00Z",
         "schedule": "0 3 * * *", "tz": "Europe/Riga", "grace": 600}
    ]));
    let server = Server::start(&["--checks", seeds.path()]);
    let base = server.base();
    let check = &checks(&server).await[0];
    assert_eq!(
        (
            check["schedule"].as_str(),
            check["tz"].as_str(),
            check["timeout"].as_u64()
        ),
        (Some("0 3 * * *"), Some("Europe/Riga"), None)
    );
    // 03:00 in Riga (+02:00 in January) is 01:00Z.
    assert_eq!(
        parse_time(check["next_ping"].as_str().unwrap()),
        parse_time("2030-01-01T01:00:00Z")
    );

    let post = |path: &str| {
        let url = format!("{base}/checks/{path}");
        async move { call(Method::POST, &url, "").await }
    };
    assert_eq!(post(&format!("{UUID}/pause")).await.0, 204);
    assert_eq!(checks(&server).await[0]["status"], "paused");
    assert_eq!(post(&format!("{UUID}/resume")).await.0, 204);
    assert_eq!(checks(&server).await[0]["status"], "new");
    assert!(
        flips(&server).await.is_empty(),
        "pause and resume are no flips"
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(post(&format!("{unknown}/pause")).await.0, 404);
    assert_eq!(post(&format!("{unknown}/resume")).await.0, 404);
    assert_eq!(post("not-a-uuid/pause").await.0, 404);

    let delete = |uuid: &str| {
        let url = format!("{base}/checks/{uuid}");
        async move { call(Method::DELETE, &url, "").await }
    };
    assert_eq!(delete(UUID).await.0, 204);
    assert!(checks(&server).await.is_empty());
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/{UUID}"), "").await,
        (404, "not found".into())
    );
    assert_eq!(delete(UUID).await.0, 404);
}

#[tokio::test]
async fn a_check_seeded_overdue_is_flipped_at_start_up_dated_when_it_went_down() {
    const UUID: &str = "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a";
    let seeds = SeedFile::new(serde_json::json!([
        {"uuid": UUID, "name": "Stale", "status": "up", "last_ping": "2020-01-01T00:00:00+02:00",
         "timeout": 60, "grace": 60}
    ]));
    let server = Server::start(&["--checks", seeds.path()]);
    let mut flips_now = Vec::new();
    for _ in 0..40 {
        flips_now = flips(&server).await;
        if !flips_now.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(flips_now.len(), 1, "flipped at start-up");
    assert_eq!(flips_now[0]["reason"], "timeout");
    assert_eq!(
        parse_time(flips_now[0]["at"].as_str().unwrap()),
        parse_time("2019-12-31T22:02:00Z")
    );
}

#[tokio::test]
async fn a_restart_keeps_the_stored_state_and_takes_the_new_definition() {
    let db = support::TempDb::new();
    const UUID: &str = "6e5d4c3b-2a19-4087-9f6e-5d4c3b2a1908";
    let first = SeedFile::new(serde_json::json!([
        {"uuid": UUID, "name": "Job", "timeout": 3600},
        {"name": "By slug", "ping_key": "restart-key", "timeout": 3600}
    ]));
    let server = Server::start(&["--checks", first.path(), "--database-url", &db.url()]);
    let base = server.base();
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/{UUID}"), "")
            .await
            .0,
        200
    );
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/restart-key/by-slug"), "")
            .await
            .0,
        200
    );
    drop(server);

    // The state keys apply to new checks only: "status": "paused" is ignored.
    let second = SeedFile::new(serde_json::json!([
        {"uuid": UUID, "name": "Job", "timeout": 7200, "grace": 60, "status": "paused"},
        {"name": "By slug", "ping_key": "restart-key", "timeout": 60}
    ]));
    let server = Server::start(&["--checks", second.path(), "--database-url", &db.url()]);
    let list = checks(&server).await;
    assert_eq!(list.len(), 2, "no duplicates: {list:?}");
    assert_eq!(
        (
            list[0]["status"].as_str(),
            list[0]["n_pings"].as_u64(),
            list[0]["timeout"].as_u64()
        ),
        (Some("up"), Some(1), Some(7200))
    );
    assert_eq!(
        (list[1]["n_pings"].as_u64(), list[1]["timeout"].as_u64()),
        (Some(1), Some(60))
    );
    assert_eq!(
        call(
            Method::GET,
            &format!("{}/ping/restart-key/by-slug", server.base()),
            ""
        )
        .await,
        (200, "OK".into())
    );
}

#[test]
fn a_bad_seed_value_stops_the_server_naming_the_check_and_the_key() {
    for (seed, expected) in [
        (
            serde_json::json!([{"name": "nightly", "schedule": "61 * * * *"}]),
            "check \"nightly\": schedule \"61 * * * *\"",
        ),
        (
            serde_json::json!([{"name": "nightly", "schedule": "0 3 * * *", "tz": "Mars/Olympus"}]),
            "Mars/Olympus",
        ),
        (
            serde_json::json!([{"name": "nightly", "timeout": 0}]),
            "check \"nightly\": timeout 0",
        ),
        (
            serde_json::json!([{"name": "nightly", "grace": "1h"}]),
            "check \"nightly\": grace \"1h\"",
        ),
        (
            serde_json::json!([{"name": "nightly", "status": "late"}]),
            "check \"nightly\": status \"late\"",
        ),
        (
            serde_json::json!([{"name": "nightly", "last_start": "noon"}]),
            "check \"nightly\": last_start \"noon\"",
        ),
    ] {
        let file = SeedFile::new(seed);
        let mut child = std::process::Command::new(support::example_binary("server"))
            .args(["--listen", "127.0.0.1:0", "--checks", file.path()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{expected}: the server started instead of refusing the seed");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{expected}: exit {status:?}");
        assert!(stderr.contains(expected), "{expected:?} not in {stderr:?}");
    }
}
