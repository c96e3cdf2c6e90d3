//! The Management API's listing at scale: `GET /api/v3/checks/` of a
//! project with 10,000 checks, its latency and the memory it holds, on any
//! server that speaks the API (this crate's, or healthchecks' own).
//!
//! ```text
//! cargo build --release --example api_list
//! # a server: ApiLayer and PingLayer in front of an axum app, on one store
//! target/release/examples/api_list serve --database-url memory|sqlite://PATH|postgres://...
//!     [--listen 127.0.0.1:8001] [--page-size 500]
//! # 10,000 checks through the API (POST checks/), and a ping to most of them
//! target/release/examples/api_list load --url http://127.0.0.1:8001 --key KEY [--checks 10000]
//! # the listing N times in a row, then C listings held open at once
//! target/release/examples/api_list time --url http://127.0.0.1:8001 --key KEY
//!     [--runs 50] [--warmup 3] [--pid PID] [--held 1,8,32] [--store-list]
//! ```
//!
//! `serve` defines one project (UUID `a91b0000-0000-4000-8000-000000000001`,
//! ping key `apibench`) with the read-write key [`RW_KEY`] and the read-only
//! key [`RO_KEY`], and answers the API at `/api/v1/`-`/api/v3/` and pings at
//! `/ping/`. It prints `listening on http://ADDR (pid PID)`. Its own route
//! `GET /bench/store-list/RUNS` times RUNS listings of the project straight
//! from the store (`ManageStore::checks`, a page at a time, no JSON and no
//! HTTP) and answers `{"checks": N, "micros": [...]}`.
//!
//! `load` creates checks through `POST /api/v3/checks/` until the project
//! has `--checks` of them, the same definitions on any server: of every ten,
//! eight have a period (one hour, five minutes of grace; tags `bench
//! period gN`), one a cron schedule (`*/5 * * * *` in Europe/Riga), one an
//! OnCalendar schedule (`Mon..Fri *-*-* 09:00` in Europe/Riga). Then it
//! pings each new check at its `ping_url`: one in twenty not at all (it
//! stays `new`), one in twenty `/fail` (`down`), the rest a success (`up`),
//! so the listing computes statuses and next pings of every kind. A `5xx`
//! or a dropped connection is retried (healthchecks' SQLite can be busy).
//!
//! `time` lists the project `--warmup` times, then `--runs` times one after
//! the other, each on a fresh connection, and prints the median, the 99th
//! percentile (the run at rank 0.99 × (runs - 1), rounded: with 50 runs
//! or fewer, the slowest), the fastest and slowest, the size of the answer
//! and how many checks it held.
//! With `--pid` (the serving process), for each number C of `--held` it
//! opens C listings at once, reads the first bytes of each and stops
//! reading (on a socket with a 64 KiB receive buffer, so that the kernel
//! does not take the answer in whole), so that each answer is being written
//! and none finished; it
//! reads the server's resident memory (`VmRSS` in `/proc/PID/status`)
//! before and while they are held, and its peak (`VmHWM`) after they were
//! all read to the end. What each held listing costs the server is the
//! growth divided by C. (A server that writes as it reads holds a page;
//! one that builds the whole answer first holds the whole answer; the
//! kernel's socket buffers, which take some of it, are not in either
//! figure.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tower_ping::uuid::Uuid;
use tower_ping::{
    ApiLayer, CheckQuery, KeyDigest, ManageStore, MemoryStore, NewProject, PingLayer,
    PostgresStore, SqlStoreOptions, SqliteStore,
};

/// The read-write API key of the project `serve` defines.
const RW_KEY: &str = "hcw_apibench0000000000000000rw01";
/// Its read-only key.
const RO_KEY: &str = "hcr_apibench0000000000000000ro01";
/// The receive buffer of a held listing's socket: small, so that the
/// kernel does not take in the whole answer (on loopback it would take
/// megabytes) and the server keeps what it has not written.
const HELD_RECEIVE_BUFFER: u32 = 64 * 1024;
/// The UUID of the project `serve` defines.
const PROJECT: &str = "a91b0000-0000-4000-8000-000000000001";

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("api_list: {message}");
    std::process::exit(2);
}

/// `--flag value` pairs after the subcommand.
struct Args(Vec<(String, String)>);

impl Args {
    fn parse(known: &[&str]) -> Self {
        let mut pairs = Vec::new();
        let mut args = std::env::args().skip(2);
        while let Some(flag) = args.next() {
            if !known.contains(&flag.as_str()) {
                fail(format!(
                    "unknown option {flag} (known: {})",
                    known.join(" ")
                ));
            }
            let value = match flag.as_str() {
                "--store-list" => String::new(),
                _ => args
                    .next()
                    .unwrap_or_else(|| fail(format!("{flag} needs a value"))),
            };
            pairs.push((flag, value));
        }
        Self(pairs)
    }

    fn get(&self, flag: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(f, _)| f == flag)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self, flag: &str, default: &str) -> String {
        self.get(flag).unwrap_or(default).to_owned()
    }

    fn number(&self, flag: &str, default: usize) -> usize {
        self.get(flag).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| fail(format!("{flag} {v}: not a number")))
        })
    }

    fn has(&self, flag: &str) -> bool {
        self.get(flag).is_some()
    }
}

#[tokio::main]
async fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("serve") => serve().await,
        Some("load") => load().await,
        Some("time") => time().await,
        _ => fail("usage: api_list serve|load|time [options] (see the file's documentation)"),
    }
}

// ---- serve ----------------------------------------------------------------

async fn serve() {
    let args = Args::parse(&["--database-url", "--listen", "--page-size"]);
    let url = args.text("--database-url", "memory");
    let listen: SocketAddr = args
        .text("--listen", "127.0.0.1:8001")
        .parse()
        .unwrap_or_else(|e| fail(format!("--listen: {e}")));
    let page_size = args.number("--page-size", 500);
    let options = SqlStoreOptions::new().call_timeout(Duration::from_secs(30));
    if url == "memory" {
        run_server(MemoryStore::new(), listen, page_size).await;
    } else if url.starts_with("sqlite:") {
        let store = SqliteStore::connect_with(&url, options).await;
        run_server(store.unwrap_or_else(|e| fail(e)), listen, page_size).await;
    } else {
        let store = PostgresStore::connect_with(&url, options).await;
        run_server(store.unwrap_or_else(|e| fail(e)), listen, page_size).await;
    }
}

async fn run_server<S: ManageStore + Clone>(store: S, listen: SocketAddr, page_size: usize) {
    let project = Uuid::parse_str(PROJECT).expect("a UUID");
    store
        .define_project(
            NewProject::new(project, "apibench", "apibench")
                .api_key(KeyDigest::of(RW_KEY))
                .api_key_readonly(KeyDigest::of(RO_KEY)),
        )
        .await
        .unwrap_or_else(|e| fail(format!("store error: {e}")))
        .unwrap_or_else(|e| fail(format!("the project: {e}")));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {listen}: {e}")));
    let addr = listener.local_addr().expect("an address");
    let site = format!("http://{addr}");
    let lister = store.clone();
    let app = Router::new()
        .route(
            "/bench/store-list/{runs}",
            get(move |Path(runs): Path<usize>| {
                let store = lister.clone();
                async move { Json(store_list(&store, project, page_size, runs).await) }
            }),
        )
        .layer(PingLayer::new(store.clone()))
        .layer(ApiLayer::new(store, site).page_size(page_size));
    println!("listening on http://{addr} (pid {})", std::process::id());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .unwrap_or_else(|e| fail(e));
}

/// Lists the project's checks `runs` times straight from the store, a page
/// at a time as the API reads them, and says how long each listing took.
async fn store_list<S: ManageStore>(store: &S, project: Uuid, page: usize, runs: usize) -> Value {
    let mut micros = Vec::with_capacity(runs);
    let mut count = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let mut query = CheckQuery::new(page).project(project);
        count = 0;
        loop {
            let listed = match store.checks(query.clone()).await {
                Ok(listed) => listed,
                Err(e) => return json!({ "error": e.to_string() }),
            };
            count += listed.checks.len();
            match listed.next {
                Some(next) => query = query.after(Some(next)),
                None => break,
            }
        }
        micros.push(started.elapsed().as_micros() as u64);
    }
    json!({ "checks": count, "micros": micros })
}

// ---- the client -------------------------------------------------------------

/// A server named by `--url http://HOST:PORT`.
#[derive(Clone)]
struct Server {
    addr: SocketAddr,
    host: String,
    key: String,
}

impl Server {
    async fn from(args: &Args) -> Self {
        let url = args.text("--url", "http://127.0.0.1:8001");
        let uri: hyper::Uri = url
            .parse()
            .unwrap_or_else(|e| fail(format!("--url {url}: {e}")));
        let host = uri
            .authority()
            .unwrap_or_else(|| fail(format!("--url {url}: no host")))
            .to_string();
        let addr = tokio::net::lookup_host(&host)
            .await
            .ok()
            .and_then(|mut found| found.next())
            .unwrap_or_else(|| fail(format!("--url {url}: cannot resolve {host}")));
        let key = args.get("--key").unwrap_or(RW_KEY).to_owned();
        Self { addr, host, key }
    }

    /// Sends one request on a connection of its own; the response with its
    /// body still to read.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Response<Incoming>, String> {
        self.send_with(method, path, body, None).await
    }

    /// [`send`](Self::send), with the socket's receive buffer set to
    /// `receive_buffer` bytes when given.
    async fn send_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        receive_buffer: Option<u32>,
    ) -> Result<Response<Incoming>, String> {
        let socket = match self.addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        }
        .map_err(|e| format!("socket: {e}"))?;
        if let Some(bytes) = receive_buffer {
            socket
                .set_recv_buffer_size(bytes)
                .map_err(|e| format!("SO_RCVBUF: {e}"))?;
        }
        let stream = socket
            .connect(self.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("x-api-key", &self.key);
        let bytes = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Bytes::from(json.to_string())
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(bytes)).map_err(|e| e.to_string())?;
        sender
            .send_request(request)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))
    }

    /// One request, its body read whole; retried on a `5xx` or a broken
    /// connection, up to five times.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Bytes), String> {
        let mut tries = 0;
        loop {
            tries += 1;
            let answer = match self.send(method, path, body.clone()).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.into_body().collect().await {
                        Ok(body) => Ok((status, body.to_bytes())),
                        Err(e) => Err(format!("{method} {path}: body: {e}")),
                    }
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok((status, _)) if status >= 500 && tries < 5 => {}
                Err(_) if tries < 5 => {}
                done => return done,
            }
            tokio::time::sleep(Duration::from_millis(200 * tries)).await;
        }
    }

    /// The listing, parsed.
    async fn list(&self) -> Vec<Value> {
        let (status, body) = self
            .call("GET", "/api/v3/checks/", None)
            .await
            .unwrap_or_else(|e| fail(e));
        if status != 200 {
            fail(format!(
                "GET /api/v3/checks/: {status} {}",
                String::from_utf8_lossy(&body)
            ));
        }
        let listing: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| fail(format!("the listing is not JSON: {e}")));
        match listing.get("checks") {
            Some(Value::Array(checks)) => checks.clone(),
            _ => fail("the listing has no \"checks\" array"),
        }
    }
}

// ---- load -------------------------------------------------------------------

/// The definition of check number `i`: the same on every server.
fn definition(i: usize) -> Value {
    let name = format!("bench {i}");
    let slug = format!("bench-{i}");
    match i % 10 {
        8 => json!({"name": name, "slug": slug, "tags": "bench cron",
                    "schedule": "*/5 * * * *", "tz": "Europe/Riga", "grace": 300}),
        9 => json!({"name": name, "slug": slug, "tags": "bench oncalendar",
                    "schedule": "Mon..Fri *-*-* 09:00", "tz": "Europe/Riga", "grace": 3600}),
        _ => json!({"name": name, "slug": slug, "tags": format!("bench period g{}", i % 8),
                    "timeout": 3600, "grace": 300}),
    }
}

async fn load() {
    let args = Args::parse(&["--url", "--key", "--checks", "--concurrency"]);
    let server = Server::from(&args).await;
    let wanted = args.number("--checks", 10_000);
    let concurrency = args.number("--concurrency", 1).max(1);
    let have = server.list().await.len();
    println!(
        "{have} checks listed, creating {}",
        wanted.saturating_sub(have)
    );
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(have));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (server, next) = (server.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= wanted {
                        return;
                    }
                    create_and_ping(&server, i).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a loader");
    }
    let made = wanted.saturating_sub(have);
    println!(
        "created and pinged {made} checks in {:.1} s ({:.1} ms each)",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() * 1e3 / made.max(1) as f64
    );
}

async fn create_and_ping(server: &Server, i: usize) {
    let (status, body) = server
        .call("POST", "/api/v3/checks/", Some(definition(i)))
        .await
        .unwrap_or_else(|e| fail(e));
    if status != 201 {
        fail(format!(
            "creating check {i}: {status} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let check: Value = serde_json::from_slice(&body).unwrap_or_else(|e| fail(e));
    let ping_url = check["ping_url"]
        .as_str()
        .unwrap_or_else(|| fail("a created check has no ping_url"));
    let uri: hyper::Uri = ping_url.parse().unwrap_or_else(|e| fail(e));
    let path = uri.path().trim_end_matches('/').to_owned();
    let path = match i % 20 {
        0 => return,
        1 => format!("{path}/fail"),
        _ => path,
    };
    let (status, _) = server
        .call("POST", &path, None)
        .await
        .unwrap_or_else(|e| fail(e));
    if status != 200 {
        fail(format!("ping {path}: {status}"));
    }
}

// ---- time -------------------------------------------------------------------

/// `VmRSS` and `VmHWM` of `pid`, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| fail(format!("/proc/{pid}/status: {e}")));
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| fail(format!("no {name} in /proc/{pid}/status")))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The median, the 99th percentile (nearest rank), the least and the most.
fn summary(mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:.1} ms, p99 {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        at(0.5),
        at(0.99),
        times[0],
        times[times.len() - 1],
        times.len()
    )
}

async fn time() {
    let args = Args::parse(&[
        "--url",
        "--key",
        "--runs",
        "--warmup",
        "--pid",
        "--held",
        "--store-list",
    ]);
    let server = Server::from(&args).await;
    let runs = args.number("--runs", 50).max(1);
    let warmup = args.number("--warmup", 3);
    let listed = server.list().await;
    let mut sizes = Vec::new();
    for _ in 0..warmup {
        let (_, body) = server
            .call("GET", "/api/v3/checks/", None)
            .await
            .unwrap_or_else(|e| fail(e));
        sizes.push(body.len());
    }
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let (status, body) = server
            .call("GET", "/api/v3/checks/", None)
            .await
            .unwrap_or_else(|e| fail(e));
        times.push(started.elapsed().as_secs_f64() * 1e3);
        if status != 200 {
            fail(format!("GET /api/v3/checks/: {status}"));
        }
        bytes = body.len();
    }
    println!(
        "GET /api/v3/checks/, {} checks, {} bytes ({} per check): {}",
        listed.len(),
        bytes,
        bytes / listed.len().max(1),
        summary(times)
    );
    if args.has("--store-list") {
        let path = format!("/bench/store-list/{runs}");
        let (status, body) = server
            .call("GET", &path, None)
            .await
            .unwrap_or_else(|e| fail(e));
        let answer: Value = serde_json::from_slice(&body).unwrap_or_else(|e| fail(e));
        if status != 200 || answer.get("error").is_some() {
            fail(format!("{path}: {status} {answer}"));
        }
        let times = answer["micros"]
            .as_array()
            .map(|all| all.iter().filter_map(Value::as_f64).map(|us| us / 1e3))
            .unwrap_or_else(|| fail(format!("{path}: no micros")))
            .collect();
        println!(
            "the same from the store alone (ManageStore::checks, page by page, in the server), {} checks: {}",
            answer["checks"],
            summary(times)
        );
    }
    let Some(pid) = args.get("--pid") else {
        return;
    };
    let pid: u32 = pid
        .parse()
        .unwrap_or_else(|_| fail(format!("--pid {pid}: not a number")));
    let held: Vec<usize> = args
        .text("--held", "1,8,32")
        .split(',')
        .map(|n| n.trim().parse().unwrap_or_else(|_| fail("--held: numbers")))
        .collect();
    for count in held {
        hold(&server, pid, count, listed.len()).await;
    }
}

/// Opens `count` listings at once and stops reading each after its first
/// bytes; the server's memory before, while they are held, and its peak.
async fn hold(server: &Server, pid: u32, count: usize, checks: usize) {
    let (rss_before, hwm_before) = memory(pid);
    let started = Instant::now();
    let go = Arc::new(tokio::sync::Notify::new());
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(count);
    let readers: Vec<_> = (0..count)
        .map(|_| {
            let (server, go, ready) = (server.clone(), go.clone(), ready_tx.clone());
            tokio::spawn(async move {
                let response = server
                    .send_with("GET", "/api/v3/checks/", None, Some(HELD_RECEIVE_BUFFER))
                    .await
                    .unwrap_or_else(|e| fail(e));
                let mut body = response.into_body();
                let mut read = 0;
                let notified = go.notified();
                if let Some(frame) = body.frame().await {
                    read += frame.map_or(0, |f| f.data_ref().map_or(0, Bytes::len));
                }
                let _ = ready.send(()).await;
                notified.await;
                while let Some(frame) = body.frame().await {
                    let frame = frame.unwrap_or_else(|e| fail(e));
                    read += frame.data_ref().map_or(0, Bytes::len);
                }
                read
            })
        })
        .collect();
    drop(ready_tx);
    for _ in 0..count {
        ready_rx.recv().await;
    }
    let all_started = started.elapsed();
    // Time for each writer to fill what the socket takes and stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_held, _) = memory(pid);
    go.notify_waiters();
    let mut total = 0;
    for reader in readers {
        total += reader.await.expect("a reader");
    }
    let (rss_after, hwm_after) = memory(pid);
    let growth = rss_held.saturating_sub(rss_before);
    println!(
        "{count} listing(s) held at once: server RSS {rss_before} -> {rss_held} KiB while held \
         (+{growth} KiB, {:.0} KiB per listing, {:.0} bytes per listed check), {rss_after} KiB after; \
         peak (VmHWM) {hwm_before} -> {hwm_after} KiB (+{} KiB); all answering after {:.2} s, \
         {:.1} MB read",
        growth as f64 / count as f64,
        growth as f64 * 1024.0 / (count * checks.max(1)) as f64,
        hwm_after.saturating_sub(hwm_before),
        all_started.as_secs_f64(),
        total as f64 / 1e6
    );
}
