//! A real Prometheus scrapes the dashboard: Debian's `prometheus` started
//! on loopback with a scrape config pointing at an app with
//! `DashboardLayer`, both the key-in-path and the `Authorization: Bearer`
//! forms; its query API says `hc_check_up` is 0 for the check that is down
//! and 1 for the one that is up, with every label read back as written
//! (quotes, backslashes and newlines escaped on the way). And `promtool
//! check metrics` parses the text, with only the warnings healthchecks'
//! names earn (gauges named `*_total`).
//!
//! Without `prometheus` and `promtool` the test says `skipped: ...`; under
//! `CI=true` it fails instead (`.ci/run` installs the package).

mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use axum::routing::get;
use axum::Router;
use tower_ping::{
    CheckState, DashboardLayer, KeyDigest, ManageStore, MemoryStore, NewCheck, NewProject, Status,
};
use uuid::Uuid;

const RO_KEY: &str = "hcr_prometheusreadonlykey0000001";
const QUOTED: &str = "Quote \" Back\\slash\nNewline";

/// A store with a project and three checks: one up, one down, one up with
/// a name Prometheus must unescape.
async fn store() -> (MemoryStore, Uuid) {
    let store = MemoryStore::new();
    let project = Uuid::new_v4();
    let new = NewProject::new(project, "Scraped", "scraped")
        .api_key(KeyDigest::of("hcw_prometheusreadwritekey000001"))
        .api_key_readonly(KeyDigest::of(RO_KEY))
        .badge_key("scraped-badges");
    store
        .define_project(new)
        .await
        .expect("infallible")
        .expect("a valid project");
    let state = |status| {
        let mut state = CheckState::with_status(status);
        state.last_ping = Some(SystemTime::now());
        state
    };
    for (name, tags, status) in [
        ("Pinged", "web", Status::Up),
        ("Failed", "db web", Status::Down),
        (QUOTED, "a\"b", Status::Up),
    ] {
        store
            .add_check(
                NewCheck::new(name)
                    .ping_key("scraped")
                    .tags(tags)
                    .timeout(Duration::from_secs(24 * 3600))
                    .initial_state(state(status)),
            )
            .expect("a valid check");
    }
    (store, project)
}

/// Prometheus' answer to `query`: each series' labels and value.
async fn query(
    client: &support::Client,
    prometheus: &str,
    query: &str,
) -> Vec<(serde_json::Value, String)> {
    let encoded: String = query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let url = format!("{prometheus}/api/v1/query?query={encoded}");
    let Some((_, body)) = support::get_text(client, &url).await else {
        return Vec::new();
    };
    let Ok(answer) = serde_json::from_str::<serde_json::Value>(&body) else {
        return Vec::new();
    };
    answer["data"]["result"]
        .as_array()
        .map(|series| {
            series
                .iter()
                .map(|s| {
                    let value = s["value"][1].as_str().unwrap_or("").to_owned();
                    (s["metric"].clone(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_reads_the_check_that_went_down_as_0() {
    let Some(prometheus) = support::program("prometheus", "prometheus") else {
        return;
    };
    let (store, project) = store().await;
    let app = Router::new()
        .route("/app", get(|| async { "app" }))
        .layer(DashboardLayer::new(store, "http://127.0.0.1"));
    let addr = support::serve(app).await;

    let dir = support::TempDb::new();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n\
         \x20 - job_name: key-in-path\n\
         \x20   metrics_path: /projects/{project}/metrics/{RO_KEY}\n\
         \x20   static_configs:\n\
         \x20     - targets: ['{addr}']\n\
         \x20 - job_name: bearer\n\
         \x20   metrics_path: /projects/{project}/metrics/\n\
         \x20   authorization:\n\
         \x20     type: Bearer\n\
         \x20     credentials: {RO_KEY}\n\
         \x20   static_configs:\n\
         \x20     - targets: ['{addr}']\n"
    );
    let config_path = dir.file("prometheus.yml");
    std::fs::write(&config_path, config).expect("the config is written");
    let port = support::free_port();
    let _prometheus = support::Child(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.file("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("prometheus starts"),
    );

    // Until both jobs have scraped every check, for at most 60 s.
    let client = support::client();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let series = loop {
        let series = query(&client, &base, "hc_check_up").await;
        if series.len() == 6 {
            break series;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Prometheus did not scrape both jobs within 60 s: {series:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for job in ["key-in-path", "bearer"] {
        let value = |name: &str| {
            series
                .iter()
                .find(|(labels, _)| labels["job"] == job && labels["name"] == name)
                .map(|(_, value)| value.as_str())
                .unwrap_or_else(|| panic!("no {name} in {job}: {series:?}"))
        };
        assert_eq!(value("Failed"), "0", "{job}");
        assert_eq!(value("Pinged"), "1", "{job}");
        assert_eq!(
            value(QUOTED),
            "1",
            "{job}: the escaped name reads back whole"
        );
    }
    let quoted = series
        .iter()
        .find(|(labels, _)| labels["name"] == QUOTED)
        .expect("the quoted check");
    assert_eq!(quoted.0["tags"], "a\"b");
    assert_eq!(quoted.0["unique_key"].as_str().map(str::len), Some(40));
    let tags = query(&client, &base, "hc_tag_up{job=\"bearer\"}").await;
    let tag = |name: &str| {
        tags.iter()
            .find(|(labels, _)| labels["tag"] == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(tag("db").as_deref(), Some("0"));
    assert_eq!(tag("web").as_deref(), Some("0"));
    assert_eq!(tag("a\"b").as_deref(), Some("1"));
    let down = query(&client, &base, "hc_checks_down_total").await;
    assert!(down.iter().all(|(_, value)| value == "1"), "{down:?}");
    assert_eq!(down.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_parses_the_text_and_warns_only_of_the_total_names() {
    let Some(promtool) = support::program("promtool", "prometheus") else {
        return;
    };
    let (store, project) = store().await;
    let app = Router::new().layer(DashboardLayer::new(store, "http://127.0.0.1"));
    let addr = support::serve(app).await;
    let client = support::client();
    let (status, text) = support::get_text(
        &client,
        &format!("http://{addr}/projects/{project}/metrics/{RO_KEY}"),
    )
    .await
    .expect("the app answers");
    assert_eq!(status, 200);

    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool starts");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(text.as_bytes())
            .expect("promtool reads the text");
        child.wait_with_output().expect("promtool ends")
    })
    .await
    .expect("no panic");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let problems: Vec<&str> = said.lines().filter(|l| !l.trim().is_empty()).collect();
    // Two gauges end in `_total`, as healthchecks named them.
    assert_eq!(problems.len(), 2, "{said}");
    for name in ["hc_checks_total", "hc_checks_down_total"] {
        assert!(
            problems.iter().any(|line| line.starts_with(name)
                && line.contains("non-counter metrics should not have \"_total\" suffix")),
            "{said}"
        );
    }
    assert!(!said.contains("error"), "{said}");
}

/// The example server, as a user runs it with `--projects`: Prometheus
/// scrapes the metrics URL its banner prints, and reads the check that went
/// down (a `/fail` ping) as 0 and the one pinged as 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_example_server() {
    let Some(prometheus) = support::program("prometheus", "prometheus") else {
        return;
    };
    let dir = support::TempDb::new();
    let project = Uuid::new_v4();
    let (failed, pinged) = (Uuid::new_v4(), Uuid::new_v4());
    let projects = dir.file("projects.json");
    let project_json = serde_json::json!([{
        "uuid": project, "name": "Scraped", "ping_key": "scraped-key",
        "api_key": "hcw_prometheusreadwritekey000001", "api_key_readonly": RO_KEY,
    }]);
    std::fs::write(&projects, project_json.to_string()).expect("written");
    let checks = dir.file("checks.json");
    let checks_json = serde_json::json!([
        {"uuid": failed, "name": "Failed", "ping_key": "scraped-key"},
        {"uuid": pinged, "name": "Pinged", "ping_key": "scraped-key"},
    ]);
    std::fs::write(&checks, checks_json.to_string()).expect("written");
    let server = support::Server::start(&[
        "--projects",
        projects.to_str().unwrap(),
        "--checks",
        checks.to_str().unwrap(),
    ]);
    let client = support::client();
    for path in [format!("{failed}/fail"), format!("{pinged}")] {
        let url = format!("{}/ping/{path}", server.base());
        assert!(support::http(&client, "GET", &url, b"").await.is_some());
    }
    // The banner says where the metrics are.
    let metrics_path = format!("/projects/{project}/metrics/{RO_KEY}");
    let started = Instant::now();
    while !server
        .printed()
        .iter()
        .any(|line| line.contains(&metrics_path))
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no metrics URL printed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n\
         \x20 - job_name: example\n\
         \x20   metrics_path: {metrics_path}\n\
         \x20   static_configs:\n\
         \x20     - targets: ['{}']\n",
        server.addr
    );
    let config_path = dir.file("prometheus.yml");
    std::fs::write(&config_path, config).expect("the config is written");
    let port = support::free_port();
    let _prometheus = support::Child(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.file("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("prometheus starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let series = loop {
        let series = query(&client, &base, "hc_check_up").await;
        if series.len() == 2 {
            break series;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Prometheus did not scrape the example server within 60 s: {series:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let value = |name: &str| {
        series
            .iter()
            .find(|(labels, _)| labels["name"] == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(value("Failed").as_deref(), Some("0"), "{series:?}");
    assert_eq!(value("Pinged").as_deref(), Some("1"), "{series:?}");
    let down = query(&client, &base, "hc_checks_down_total").await;
    assert_eq!(down.first().map(|(_, v)| v.as_str()), Some("1"));
}
