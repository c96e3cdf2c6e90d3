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
    assert_eq!(
        call(Method::GET, &format!("{base}/ping/demo-ping-key/held"), "").await,
        (200, "OK".into())
    );
    assert_eq!(
        call(
            Method::POST,
            &format!("{base}/ping/demo-ping-key/filtered/start"),
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
    let (status, body) = call(
        Method::GET,
        &format!("{base}/ping/demo-ping-key/nightly-backup"),
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
    let request = Request::get(format!("{base}/hc/demo-ping-key/hourly-sync"))
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
        call(
            Method::GET,
            &format!("{base}/ping/demo-ping-key/hourly-sync"),
            ""
        )
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
    let by_slug = format!("{base}/ping/demo-ping-key/nightly-backup");
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
}
