//! How soon alerts go out again after an instance is killed in the middle
//! of a notifier call, and how fast a check's queued alerts drain then.
//!
//! ```text
//! cargo build --release --example server --example alert_recovery
//! target/release/examples/alert_recovery --database-url sqlite://recovery.db
//! target/release/examples/alert_recovery --database-url postgres://user@127.0.0.1:5432/db
//!     [--runs 3] [--queued 20] [--lease-ms 10000] [--server target/release/examples/server]
//! ```
//!
//! Each run starts the example server on the database with a webhook
//! channel pointing here, makes one check go down (its alert's call hangs:
//! this webhook never answers the first post), then flaps the check
//! `--queued` more times, so that many alerts wait behind the hanging one,
//! and kills the instance with SIGKILL. Then:
//!
//! - SQLite: the same server starts again on the same file; measured from
//!   the moment it listens.
//! - PostgreSQL: a second instance was started on the same database before
//!   the kill (its monitor polls the outbox all along); measured from the
//!   kill.
//!
//! It prints, per run and as medians: the seconds until the hanging alert
//! is delivered again, until the last queued alert is, and the drain (from
//! the first to the last). The webhook answers every post but the first at
//! once.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Options {
    database_url: String,
    runs: usize,
    queued: usize,
    lease_ms: u64,
    server: String,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        database_url: String::new(),
        runs: 3,
        queued: 20,
        lease_ms: 10_000,
        server: "target/release/examples/server".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} {value}: not a number"))
        };
        match flag.as_str() {
            "--database-url" => options.database_url = value.clone(),
            "--runs" => options.runs = number()?.max(1) as usize,
            "--queued" => options.queued = number()? as usize,
            "--lease-ms" => options.lease_ms = number()?.max(30),
            "--server" => options.server = value.clone(),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database_url.is_empty() {
        return Err("--database-url sqlite://PATH|postgres://... is required".into());
    }
    Ok(options)
}

/// What the webhook saw: each post's alert id and when it arrived.
#[derive(Clone, Default)]
struct Received {
    posts: Arc<Mutex<Vec<(u64, Instant)>>>,
}

impl Received {
    fn len(&self) -> usize {
        self.posts.lock().unwrap().len()
    }

    /// When alert `id` arrived for the `nth` time (0 for the first).
    fn arrival(&self, id: u64, nth: usize) -> Option<Instant> {
        let posts = self.posts.lock().unwrap();
        posts
            .iter()
            .filter(|(seen, _)| *seen == id)
            .nth(nth)
            .map(|(_, at)| *at)
    }

    /// The distinct alerts answered (every post but the first), and when
    /// the last of them first arrived.
    fn answered(&self) -> (usize, Option<Instant>) {
        let posts = self.posts.lock().unwrap();
        let mut ids: Vec<u64> = posts.iter().skip(1).map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let last = posts.iter().skip(1).map(|(_, at)| *at).max();
        (ids.len(), last)
    }
}

async fn receive(State(received): State<Received>, body: String) -> StatusCode {
    let alert: Value = serde_json::from_str(&body).unwrap_or_default();
    let id = alert["id"].as_u64().unwrap_or_default();
    let first = {
        let mut posts = received.posts.lock().unwrap();
        posts.push((id, Instant::now()));
        posts.len() == 1
    };
    if first {
        // The call the killed instance is making: never answered.
        std::future::pending::<()>().await;
    }
    StatusCode::NO_CONTENT
}

/// A running example server.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(options: &Options, checks: &str, webhook: &str, database: &str) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(&options.server)
            .args(["--listen", "127.0.0.1:0", "--checks", checks])
            .args(["--database-url", database])
            .args(["--channel", &format!("ops={webhook}")])
            .args(["--lease-ms", &options.lease_ms.to_string()])
            .args(["--notify-timeout-ms", "600000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e} (build it first)", options.server));
        let stdout = child.stdout.take().expect("piped");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("readable");
        let addr = first
            .rsplit("http://")
            .next()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Server { child, addr }
    }

    async fn ping(&self, path: &str) {
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("the server listens");
        let request = format!("GET /ping/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("sent");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("an answer");
        assert!(answer.starts_with(b"HTTP/1.1 200"), "{path}");
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn until(limit: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One run: `(to the hanging alert again, to the last, drain)` in seconds.
async fn run_once(options: &Options, database: &str, dir: &std::path::Path) -> (f64, f64, f64) {
    let received = Received::default();
    let app = Router::new()
        .route("/alerts", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let webhook = format!("http://{}/alerts", listener.local_addr().unwrap());
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let uuid = uuid::Uuid::new_v4();
    let checks = dir.join(format!("checks-{uuid}.json"));
    std::fs::write(
        &checks,
        serde_json::json!([{"uuid": uuid, "name": "Recovering"}]).to_string(),
    )
    .unwrap();
    let checks = checks.to_str().unwrap();
    let mut first = Server::start(options, checks, &webhook, database);
    first.ping(&format!("{uuid}")).await;
    first.ping(&format!("{uuid}/fail")).await;
    until(Duration::from_secs(10), || received.len() == 1).await;
    let hung = received.posts.lock().unwrap()[0].0;
    for i in 0..options.queued {
        let signal = if i % 2 == 0 { "" } else { "/fail" };
        first.ping(&format!("{uuid}{signal}")).await;
    }
    let postgres = database.starts_with("postgres");
    let survivor = postgres.then(|| Server::start(options, checks, &webhook, database));
    first.kill();
    let (from, second) = match survivor {
        Some(survivor) => (Instant::now(), survivor),
        None => {
            let restarted = Server::start(options, checks, &webhook, database);
            (Instant::now(), restarted)
        }
    };
    let limit = Duration::from_millis(options.lease_ms * 3 + 30_000);
    let started = Instant::now();
    while received.arrival(hung, 1).is_none() || received.answered().0 < options.queued + 1 {
        if started.elapsed() > limit {
            let posts = received.posts.lock().unwrap();
            let ids: Vec<u64> = posts.iter().map(|(id, _)| *id).collect();
            panic!("not within {limit:?}: hung {hung}, posts {ids:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let again = received.arrival(hung, 1).unwrap() - from;
    let last = received.answered().1.unwrap() - from;
    drop(second);
    serving.abort();
    (
        again.as_secs_f64(),
        last.as_secs_f64(),
        (last - again).as_secs_f64(),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("alert_recovery: {e}");
        std::process::exit(2);
    });
    let dir = std::env::temp_dir().join(format!("alert-recovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let what = if options.database_url.starts_with("postgres") {
        "PostgreSQL, the other instance, from the kill"
    } else {
        "SQLite, the same server restarted, from listening again"
    };
    println!(
        "{what}: lease {} ms, {} alerts queued behind the hanging one",
        options.lease_ms, options.queued
    );
    let mut results = Vec::new();
    for run in 1..=options.runs {
        let result = run_once(&options, &options.database_url, &dir).await;
        println!(
            "run {run}: hanging alert again {:.2} s, last queued alert {:.2} s, drain {:.3} s",
            result.0, result.1, result.2
        );
        results.push(result);
    }
    println!(
        "median of {}: hanging alert again {:.2} s, last queued alert {:.2} s, drain of {} alerts {:.3} s",
        results.len(),
        median(results.iter().map(|r| r.0).collect()),
        median(results.iter().map(|r| r.1).collect()),
        options.queued + 1,
        median(results.iter().map(|r| r.2).collect()),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
