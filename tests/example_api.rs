//! The example server with projects: its Management API, who may use its
//! own routes, its check limit, its health, and checks made through the
//! API surviving a restart on SQLite and PostgreSQL.

mod support;

use serde_json::{json, Value};

use support::{client, http, Client, Server};

const RW: &str = "hcw_example0api00000000000000001";
const RO: &str = "hcr_example0api00000000000000001";
const OTHER_RW: &str = "hcw_example0api00000000000000002";

/// A temp file with `json` in it, removed when dropped.
struct File(std::path::PathBuf);

impl File {
    fn new(json: Value) -> File {
        let path = std::env::temp_dir().join(format!(
            "tower-ping-example-api-{}-{}.json",
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

fn projects() -> File {
    File::new(json!([
        {"uuid": "1a2b3c4d-0000-4000-8000-000000000001", "name": "One", "ping_key": "one-key",
         "api_key": RW, "api_key_readonly": RO},
        {"uuid": "1a2b3c4d-0000-4000-8000-000000000002", "name": "Two", "ping_key": "two-key",
         "api_key": OTHER_RW},
    ]))
}

fn checks() -> File {
    File::new(json!([
        {"name": "One's job", "ping_key": "one-key"},
        {"name": "Two's job", "ping_key": "two-key"},
    ]))
}

/// `method url` with headers; status and body.
async fn call(
    client: &Client,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use http_body_util::BodyExt;
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(http_body_util::Full::from(body.to_owned()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn off_loopback_the_own_routes_need_a_projects_read_write_key() {
    let (projects, checks) = (projects(), checks());
    // Listening on every address: not loopback.
    let server = Server::start(&[
        "--listen",
        "0.0.0.0:0",
        "--projects",
        projects.path(),
        "--checks",
        checks.path(),
    ]);
    let base = format!("http://127.0.0.1:{}", server.addr.port());
    let client = client();
    let (status, _) = call(&client, "GET", &format!("{base}/checks"), &[], "").await;
    assert_eq!(status, 401, "no key, off loopback");
    let (status, _) = call(&client, "GET", &format!("{base}/flips"), &[], "").await;
    assert_eq!(status, 401);
    let wrong = [("x-api-key", "hcw_nobody000000000000000000000000")];
    assert_eq!(
        call(&client, "GET", &format!("{base}/checks"), &wrong, "")
            .await
            .0,
        401
    );
    let read_only = [("x-api-key", RO)];
    assert_eq!(
        call(&client, "GET", &format!("{base}/checks"), &read_only, "")
            .await
            .0,
        401,
        "a read-only key does not open them"
    );
    let one = [("x-api-key", RW)];
    let (status, body) = call(&client, "GET", &format!("{base}/checks"), &one, "").await;
    assert_eq!(status, 200);
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 1, "one project's checks only");
    assert_eq!(listed[0]["name"], "One's job");
    let bearer = [("authorization", &*format!("Bearer {OTHER_RW}"))];
    let (_, body) = call(&client, "GET", &format!("{base}/checks"), &bearer, "").await;
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    let twos = listed[0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["name"], "Two's job");

    // Another project's check is none of this key's business.
    let pause = format!("{base}/checks/{twos}/pause");
    assert_eq!(call(&client, "POST", &pause, &one, "").await.0, 404);
    // A page of another site cannot make a browser act.
    let foreign = [("x-api-key", OTHER_RW), ("origin", "https://evil.example")];
    assert_eq!(call(&client, "POST", &pause, &foreign, "").await.0, 403);
    let same_site = format!("http://127.0.0.1:{}", server.addr.port());
    let own = [("x-api-key", OTHER_RW), ("origin", same_site.as_str())];
    assert_eq!(call(&client, "POST", &pause, &own, "").await.0, 204);
    let delete = format!("{base}/checks/{twos}");
    assert_eq!(call(&client, "DELETE", &delete, &[], "").await.0, 401);
    assert_eq!(call(&client, "DELETE", &delete, &bearer, "").await.0, 204);
}

#[tokio::test]
async fn on_loopback_the_own_routes_are_open() {
    let (projects, checks) = (projects(), checks());
    let server = Server::start(&["--projects", projects.path(), "--checks", checks.path()]);
    let client = client();
    let (status, body) = call(
        &client,
        "GET",
        &format!("{}/checks", server.base()),
        &[],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 2);
}

#[tokio::test]
async fn the_api_of_each_project_at_v1_v2_and_v3() {
    let (projects, checks) = (projects(), checks());
    let server = Server::start(&[
        "--projects",
        projects.path(),
        "--checks",
        checks.path(),
        "--site-root",
        "https://jobs.example.com/",
    ]);
    let client = client();
    for version in ["v1", "v2", "v3"] {
        let url = format!("{}/api/{version}/checks/", server.base());
        let (status, body) = call(&client, "GET", &url, &[("x-api-key", RW)], "").await;
        assert_eq!(status, 200, "{version}");
        let listed: Value = serde_json::from_str(&body).unwrap();
        let check = &listed["checks"][0];
        assert_eq!(check["name"], "One's job");
        let uuid = check["uuid"].as_str().unwrap();
        assert_eq!(
            check["ping_url"],
            format!("https://jobs.example.com/ping/{uuid}"),
            "under the site root"
        );
        assert_eq!(
            check["update_url"],
            format!("https://jobs.example.com/api/{version}/checks/{uuid}")
        );
    }
}

#[tokio::test]
async fn past_the_check_limit_nothing_is_created() {
    let (projects, checks) = (projects(), checks());
    let server = Server::start(&[
        "--projects",
        projects.path(),
        "--checks",
        checks.path(),
        "--check-limit",
        "2",
    ]);
    let client = client();
    let base = server.base();
    let api = format!("{base}/api/v3/checks/");
    let (status, _) = call(
        &client,
        "POST",
        &api,
        &[("x-api-key", RW)],
        r#"{"name": "b"}"#,
    )
    .await;
    assert_eq!(status, 201, "the second check of project One");
    let (status, body) = call(
        &client,
        "POST",
        &api,
        &[("x-api-key", RW)],
        r#"{"name": "c"}"#,
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (403, r#"{"error":"check limit reached"}"#)
    );
    let ping = http(
        &client,
        "GET",
        &format!("{base}/ping/one-key/new-one?create=1"),
        b"",
    )
    .await;
    assert_eq!(
        ping.map(|s| s.as_u16()),
        Some(404),
        "?create=1 past the limit"
    );
    // Project Two has room for one more.
    let ping = http(
        &client,
        "GET",
        &format!("{base}/ping/two-key/new-one?create=1"),
        b"",
    )
    .await;
    assert_eq!(ping.map(|s| s.as_u16()), Some(201));
    let long = "a".repeat(101);
    let ping = http(
        &client,
        "GET",
        &format!("{base}/ping/two-key/{long}?create=1"),
        b"",
    )
    .await;
    assert_eq!(
        ping.map(|s| s.as_u16()),
        Some(404),
        "a slug over 100 characters"
    );
}

#[test]
fn a_bad_project_or_a_long_name_stops_the_server_with_a_message() {
    for (flag, file, expected) in [
        (
            "--projects",
            json!([{"uuid": "1a2b3c4d-0000-4000-8000-000000000001", "name": "P",
                    "ping_key": "k", "api_key": "short"}]),
            r#"project "P": api_key: an API key is 32 characters, not 5"#,
        ),
        (
            "--projects",
            json!([{"uuid": "1a2b3c4d-0000-4000-8000-000000000001", "name": "P",
                    "ping_key": "a/b", "api_key": RW}]),
            r#"ping key "a/b""#,
        ),
        (
            "--checks",
            json!([{"name": "n".repeat(101)}]),
            "is longer than 100 characters",
        ),
        (
            "--checks",
            json!([{"name": "!!!", "ping_key": "k"}]),
            "has no slug",
        ),
    ] {
        let file = File::new(file);
        let output = std::process::Command::new(support::example_binary("server"))
            .args(["--listen", "127.0.0.1:0", flag, file.path()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
}

/// A check made through the API, still there after a restart.
async fn api_checks_survive_a_restart(database_url: &str) {
    let projects = projects();
    let args = [
        "--projects",
        projects.path(),
        "--database-url",
        database_url,
    ];
    let server = Server::start(&args);
    let client = client();
    let api = format!("{}/api/v3/checks/", server.base());
    let (status, body) = call(
        &client,
        "POST",
        &api,
        &[("x-api-key", RW)],
        r#"{"name": "made through the API", "schedule": "Mon..Fri 09:00", "tz": "Europe/Riga"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    drop(server);
    let server = Server::start(&args);
    let api = format!("{}/api/v3/checks/", server.base());
    let (_, body) = call(&client, "GET", &api, &[("x-api-key", RW)], "").await;
    let listed: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = listed["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"made through the API"), "{names:?}");
    let check = listed["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "made through the API")
        .unwrap();
    assert_eq!(
        (check["schedule"].as_str(), check["tz"].as_str()),
        (Some("Mon..Fri 09:00"), Some("Europe/Riga"))
    );
}

#[tokio::test]
async fn checks_made_through_the_api_survive_a_restart_on_sqlite() {
    let db = support::TempDb::new();
    api_checks_survive_a_restart(&db.url()).await;
}

#[tokio::test]
async fn checks_made_through_the_api_survive_a_restart_on_postgres() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let database = support::fresh_postgres_database(&url).await;
    api_checks_survive_a_restart(&database).await;
}

#[tokio::test]
async fn healthz_says_whether_the_store_can_write() {
    use tower_ping::sqlx::{self, Connection};
    let db = support::TempDb::new();
    let server = Server::start(&["--database-url", &db.url(), "--store-timeout-ms", "300"]);
    let client = client();
    let base = server.base();
    let health = |client: &Client| {
        let url = format!("{base}/healthz");
        let client = client.clone();
        async move { call(&client, "GET", &url, &[], "").await }
    };
    assert_eq!(health(&client).await, (200, "ok\n".into()));
    // Another process holds the database's write lock: the next write fails.
    let mut other = sqlx::SqliteConnection::connect(&db.url()).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let uuid = {
        let (_, body) = call(&client, "GET", &format!("{base}/checks"), &[], "").await;
        let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
        listed[0]["uuid"].as_str().unwrap().to_owned()
    };
    let ping = http(&client, "GET", &format!("{base}/ping/{uuid}"), b"").await;
    assert_eq!(ping.map(|s| s.as_u16()), Some(503));
    assert_eq!(health(&client).await, (503, "store unavailable\n".into()));
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    // Back within a second: the probe write succeeds.
    let started = std::time::Instant::now();
    loop {
        if health(&client).await.0 == 200 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "still unhealthy"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
