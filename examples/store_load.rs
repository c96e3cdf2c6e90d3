//! Load harness for the SQL stores: starts the example server (one or more
//! instances) on a database, drives it over loopback HTTP with keep-alive
//! connections, and prints the acknowledged pings per second.
//!
//! ```text
//! cargo build --release --example server --example store_load
//! target/release/examples/store_load --database-url sqlite://load.db
//! target/release/examples/store_load --database-url postgres://user@127.0.0.1:5432/db --instances 2
//!     [--clients 64] [--seconds 10] [--warmup 5] [--checks 50] [--form uuid|slug]
//!     [--batch N] [--pool N] [--writers N]
//!     [--quiet-checks N] [--webhook-sleep-ms MS]
//! ```
//!
//! Every client owns one HTTP/1.1 connection and sends `POST /ping/<uuid>`
//! (or `/ping/<key>/<slug>`) with a short body, one request at a time; only
//! `200` answers count. Afterwards the harness checks that the store holds at
//! least as many pings as were acknowledged.
//!
//! `--quiet-checks N` adds N checks that are never pinged and go down two
//! seconds after start (within the warm-up): N alerts to deliver while the
//! load runs. With `--webhook-sleep-ms MS` the servers post them to a
//! webhook of the harness that answers after MS milliseconds (so a slow
//! notifier holds every delivery slot through the run); without it they
//! print them.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use uuid::Uuid;

struct Options {
    database_url: String,
    instances: usize,
    clients: usize,
    seconds: u64,
    warmup: u64,
    checks: usize,
    slug_form: bool,
    server_args: Vec<String>,
    quiet_checks: usize,
    webhook_sleep: Option<Duration>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        database_url: String::new(),
        instances: 1,
        clients: 64,
        seconds: 10,
        warmup: 5,
        checks: 50,
        slug_form: false,
        server_args: Vec::new(),
        quiet_checks: 0,
        webhook_sleep: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{text}: not a number"))
        };
        match flag.as_str() {
            "--database-url" => options.database_url = value()?,
            "--instances" => options.instances = number(value()?)? as usize,
            "--clients" => options.clients = number(value()?)? as usize,
            "--seconds" => options.seconds = number(value()?)?,
            "--warmup" => options.warmup = number(value()?)?,
            "--checks" => options.checks = number(value()?)? as usize,
            "--form" => options.slug_form = value()? == "slug",
            "--quiet-checks" => options.quiet_checks = number(value()?)? as usize,
            "--webhook-sleep-ms" => {
                options.webhook_sleep = Some(Duration::from_millis(number(value()?)?))
            }
            "--batch" | "--pool" | "--writers" | "--store-timeout-ms" => {
                options.server_args.extend([flag.clone(), value()?]);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database_url.is_empty() {
        return Err("--database-url sqlite://PATH|postgres://... is required (or `memory`)".into());
    }
    Ok(options)
}

/// A webhook on loopback that answers `204` after `sleep`: returns its URL.
async fn slow_webhook(sleep: Duration, calls: Arc<AtomicU64>) -> String {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/alerts",
        post(move || {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(sleep).await;
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("the webhook serves")
    });
    format!("http://{addr}/alerts")
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.with_file_name(format!("server{}", std::env::consts::EXE_SUFFIX))
}

fn start_server(options: &Options, checks_file: &str) -> (Child, SocketAddr) {
    let mut command = Command::new(server_binary());
    command.args(["--listen", "127.0.0.1:0", "--checks", checks_file]);
    if options.database_url != "memory" {
        command.args(["--database-url", &options.database_url]);
    }
    let mut child = command
        .args(&options.server_args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (build it with --example server)",
                server_binary().display()
            )
        });
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").expect("stdout");
    let addr = first
        .rsplit("http://")
        .next()
        .unwrap()
        .trim()
        .parse()
        .expect("an address");
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

async fn client(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    offset: usize,
    counting: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    latencies: Arc<std::sync::Mutex<Vec<u32>>>,
) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut mine = Vec::new();
    let mut i = offset;
    while !stop.load(Ordering::Relaxed) {
        let request = Request::post(&paths[i % paths.len()])
            .header("host", "load")
            .body(Full::new(Bytes::from_static(b"load ping")))
            .unwrap();
        i += 1;
        let started = Instant::now();
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(e) => panic!("request failed: {e}"),
        };
        let ok = response.status() == 200;
        let _ = response.into_body().collect().await;
        if counting.load(Ordering::Relaxed) && ok {
            acked.fetch_add(1, Ordering::Relaxed);
            mine.push(started.elapsed().as_micros() as u32);
        }
    }
    latencies.lock().unwrap().extend(mine);
}

/// CPU time (user + system, in clock ticks) of every process on the machine,
/// summed by command name: where the time went during the run.
fn cpu_by_command() -> std::collections::HashMap<String, u64> {
    let mut totals = std::collections::HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return totals;
    };
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ... utime(14) stime(15)
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        *totals.entry(comm).or_insert(0) += ticks(11) + ticks(12);
    }
    totals
}

/// PostgreSQL's count of committed transactions in the database, to tell
/// how many pings went into each commit.
async fn postgres_commits(url: &str) -> Option<i64> {
    use tower_ping::sqlx::{self, Connection};
    if !url.starts_with("postgres") {
        return None;
    }
    let mut conn = sqlx::PgConnection::connect(url).await.ok()?;
    sqlx::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&mut conn)
    .await
    .ok()
}

async fn stored_pings(addr: SocketAddr) -> u64 {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(
            Request::get("/checks")
                .header("host", "load")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let checks: Value = serde_json::from_slice(&body).expect("JSON");
    checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n_pings"].as_u64().unwrap())
        .sum()
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("store_load: {e}");
        std::process::exit(2);
    });
    let key = format!("load-{}", Uuid::new_v4().simple());
    let seeds: Vec<(Uuid, String)> = (0..options.checks)
        .map(|i| (Uuid::new_v4(), format!("load-check-{i}")))
        .collect();
    let mut json_seeds: Vec<Value> = seeds
        .iter()
        .map(|(uuid, name)| json!({"uuid": uuid, "name": name, "ping_key": key}))
        .collect();
    json_seeds.extend((0..options.quiet_checks).map(|i| {
        json!({"name": format!("quiet-{i}"), "ping_key": key, "status": "up",
               "timeout": 1, "grace": 1})
    }));
    let webhook_calls = Arc::new(AtomicU64::new(0));
    let mut options = options;
    if let Some(sleep) = options.webhook_sleep {
        let url = slow_webhook(sleep, webhook_calls.clone()).await;
        options.server_args.extend(["--webhook".to_owned(), url]);
    }
    let checks_file = std::env::temp_dir().join(format!("store-load-{}.json", std::process::id()));
    std::fs::write(&checks_file, serde_json::to_vec(&json_seeds).unwrap()).unwrap();

    let servers: Vec<(Child, SocketAddr)> = (0..options.instances)
        .map(|_| start_server(&options, checks_file.to_str().unwrap()))
        .collect();
    let paths: Arc<Vec<String>> = Arc::new(
        seeds
            .iter()
            .map(|(uuid, name)| {
                if options.slug_form {
                    format!("/ping/{key}/{name}")
                } else {
                    format!("/ping/{uuid}")
                }
            })
            .collect(),
    );
    let before: u64 = {
        let mut sum = 0;
        for (_, addr) in &servers {
            sum = sum.max(stored_pings(*addr).await);
        }
        sum
    };

    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..options.clients)
        .map(|c| {
            let addr = servers[c % servers.len()].1;
            tokio::spawn(client(
                addr,
                paths.clone(),
                c,
                counting.clone(),
                stop.clone(),
                acked.clone(),
                latencies.clone(),
            ))
        })
        .collect();
    // Not counted: the store reaches its steady state first (each check's
    // log full and pruned, the database's caches and plans warm).
    tokio::time::sleep(Duration::from_secs(options.warmup)).await;
    let commits_before = postgres_commits(&options.database_url).await;
    let cpu_before = cpu_by_command();
    counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    counting.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let cpu_after = cpu_by_command();
    let commits_after = postgres_commits(&options.database_url).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a client finished");
    }
    let acked = acked.load(Ordering::Relaxed);
    let after = stored_pings(servers[0].1).await;
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "store={} instances={} clients={} checks={} form={} seconds={:.1}",
        options.database_url.split(':').next().unwrap(),
        options.instances,
        options.clients,
        options.checks,
        if options.slug_form { "slug" } else { "uuid" },
        elapsed.as_secs_f64()
    );
    println!(
        "acknowledged pings/s: {:.0}   latency ms p50 {:.2} p99 {:.2} max {:.2}",
        acked as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "stored pings: {} (acknowledged in window: {acked})",
        after - before
    );
    assert!(
        after - before >= acked,
        "fewer pings stored than acknowledged"
    );
    if let (Some(before), Some(after)) = (commits_before, commits_after) {
        // Includes a few transactions of other sessions, pool pings aside.
        let commits = (after - before).max(1);
        println!(
            "PostgreSQL commits in the window: {commits} ({:.1} pings per commit)",
            acked as f64 / commits as f64
        );
    }
    let mut used: Vec<(String, u64)> = cpu_after
        .into_iter()
        .map(|(comm, t)| {
            let was = cpu_before.get(&comm).copied().unwrap_or(0);
            (comm, t.saturating_sub(was))
        })
        .filter(|(_, t)| *t > 0)
        .collect();
    used.sort_by_key(|(_, ticks)| std::cmp::Reverse(*ticks));
    // Clock ticks are 1/100 s on Linux: ticks per second is percent of a core.
    let line: Vec<String> = used
        .iter()
        .take(6)
        .map(|(comm, t)| format!("{comm} {:.0}%", *t as f64 / elapsed.as_secs_f64()))
        .collect();
    println!("CPU over the window (100% = one core): {}", line.join(", "));
    if let Some(sleep) = options.webhook_sleep {
        println!(
            "webhook calls taking {} ms each, received during the run: {}",
            sleep.as_millis(),
            webhook_calls.load(Ordering::Relaxed)
        );
    }
    for (mut child, _) in servers {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(checks_file);
}
