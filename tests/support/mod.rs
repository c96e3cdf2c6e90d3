//! What the tests of real processes and databases share: where the
//! databases are, the example binaries run as servers, an HTTP client, the
//! real healthchecks clients, a webhook receiver, and how to send a request through a layer. (In-process fixtures of the layer
//! itself are in `tests/common`.)
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_ping::sqlx::postgres::PgConnectOptions;
use tower_ping::{CheckStore, PingLayer};

mod clients;
mod webhook;
#[allow(unused_imports)] // not every test file runs a client
pub use clients::rust_client;
#[allow(unused_imports)] // not every test file takes alerts
pub use webhook::{Webhook, WebhookMode};

/// The variable naming the PostgreSQL database the tests may use.
pub const POSTGRES_URL_VAR: &str = "TOWER_PING_POSTGRES_URL";

/// The PostgreSQL URL, or `None` (with a line saying so) when the tests are
/// to skip PostgreSQL. Under CI (`CI=true`) a missing URL fails the test.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") => panic!(
            "CI=true but {POSTGRES_URL_VAR} is unset: run the tests through scripts/with-postgres.sh"
        ),
        _ => {
            // Straight to stderr, past the test harness's capture, once.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: the PostgreSQL tests; set {POSTGRES_URL_VAR}, or run \
                     scripts/with-postgres.sh cargo test --all-features"
                );
            });
            None
        }
    }
}

/// The path of the program `name` (from Debian's package `package`), or
/// `None` (with a line saying so) when the tests are to skip what needs it.
/// Under CI (`CI=true`) a missing program fails the test: `.ci/run`
/// installs it.
pub fn program(name: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") => panic!(
            "CI=true but `{name}` is not installed: .ci/run installs Debian's {package} package"
        ),
        None => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: the tests that need `{name}`; install it (apt-get install {package})"
            );
            None
        }
    }
}

/// A child process killed (and waited for) when dropped.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on loopback (free when asked: bound, then let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// `GET url`: the status and the body as text, or `None` when the request
/// failed.
pub async fn get_text(client: &Client, url: &str) -> Option<(StatusCode, String)> {
    let request = Request::builder()
        .uri(url)
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("a valid request");
    let response = client.request(request).await.ok()?;
    let status = response.status();
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, String::from_utf8_lossy(&bytes).into_owned()))
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    )
}

/// Connect options for a fresh, empty schema of the test database, so that
/// tests running at once never see each other's checks.
pub async fn fresh_postgres_schema(url: &str) -> PgConnectOptions {
    let schema = unique("t");
    let admin = tower_ping::sqlx::PgPool::connect(url)
        .await
        .expect("the test database answers");
    tower_ping::sqlx::query(tower_ping::sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA {schema}"
    )))
    .execute(&admin)
    .await
    .expect("a schema is created");
    admin.close().await;
    PgConnectOptions::from_str(url)
        .expect("a valid URL")
        .options([("search_path", schema.as_str())])
}

/// The URL of a fresh, empty database on the test server, for processes
/// (example servers) that take a URL.
pub async fn fresh_postgres_database(url: &str) -> String {
    let name = unique("db");
    let admin = tower_ping::sqlx::PgPool::connect(url)
        .await
        .expect("the test database answers");
    tower_ping::sqlx::query(tower_ping::sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name}"
    )))
    .execute(&admin)
    .await
    .expect("a database is created");
    admin.close().await;
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}

/// A directory of its own for a test's SQLite database, removed on drop.
pub struct TempDb {
    dir: PathBuf,
}

impl TempDb {
    pub fn new() -> TempDb {
        let dir = std::env::temp_dir().join(unique("tower-ping-test"));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        TempDb { dir }
    }

    /// The database file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join("checks.db")
    }

    /// `sqlite://` and the path.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path().display())
    }

    /// Another file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An app with the layer in front: `/app` is the app's own route.
pub fn app<S: CheckStore>(store: S) -> Router {
    Router::new()
        .route("/app", get(|| async { "app" }))
        .layer(PingLayer::new(store))
}

/// Serves `app` on a free loopback port, with connect info, in the
/// background; returns its address.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("server runs");
    });
    addr
}

/// Sends `method uri` with `body` through `app`; returns status and body.
pub async fn send(app: &Router, method: &str, uri: &str, body: &[u8]) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("user-agent", "suite/1.0")
        .body(Body::from(body.to_vec()))
        .expect("a valid request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 5555))));
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// `GET uri` through `app`: the status only.
pub async fn get_status(app: &Router, uri: &str) -> StatusCode {
    send(app, "GET", uri, b"").await.0
}

/// The path of a built example, which `cargo test` builds with the tests.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary sits in target/<profile>/deps")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the whole suite (`cargo test --all-features` builds the examples) \
         or `cargo build --all-features --examples` first",
        path.display()
    );
    path
}

/// A running example server, killed with SIGKILL when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    /// What it printed after its first line, as it comes.
    pub stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the example server on a free loopback port with `args`.
    pub fn start(args: &[&str]) -> Server {
        Self::start_example("server", args)
    }

    /// Starts the example `name` on a free loopback port with `args`: it
    /// prints `... http://ADDR` as its first line.
    pub fn start_example(name: &str, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(example_binary(name))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("the example server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines
            .next()
            .expect("the server prints its address")
            .expect("readable stdout");
        let addr = first
            .rsplit("http://")
            .next()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        // Keep reading so the server never blocks on a full pipe.
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = stdout.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            addr,
            stdout,
        }
    }

    /// The lines printed so far after the first.
    pub fn printed(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// `http://ADDR`, for building URLs.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL, and wait for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A keep-alive HTTP/1 client.
pub type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

/// A new keep-alive HTTP/1 client.
pub fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .build_http()
}

/// `method http://addr/path` with `body`: the status, or `None` when the
/// request failed (connection refused or reset).
pub async fn http(client: &Client, method: &str, url: &str, body: &[u8]) -> Option<StatusCode> {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .body(http_body_util::Full::new(bytes::Bytes::copy_from_slice(
            body,
        )))
        .expect("a valid request");
    let response = client.request(request).await.ok()?;
    let status = response.status();
    response.into_body().collect().await.ok()?;
    Some(status)
}

/// `GET url` as JSON.
pub async fn get_json(client: &Client, url: &str) -> serde_json::Value {
    get_json_with(client, url, &[]).await
}

/// `get_json` with request headers.
#[allow(dead_code)]
pub async fn get_json_with(
    client: &Client,
    url: &str,
    headers: &[(&str, &str)],
) -> serde_json::Value {
    let mut request = Request::builder().uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("a valid request");
    let response = client.request(request).await.expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    serde_json::from_slice(&bytes).expect("JSON")
}
