//! Memory harness for the example server's listings: 1,000 checks, each
//! with a full ping log of 10 KB bodies, then 16 `GET /checks` at once;
//! the server's peak resident memory, and a ping's latency meanwhile.
//!
//! ```text
//! cargo build --release --example server --example listing_memory
//! target/release/examples/listing_memory [--database-url URL] [--checks 1000]
//!     [--pings-per-check 100] [--body-bytes 10000] [--readers 16]
//!     [--server PATH] [--rss-limit-mb 8000]
//! ```
//!
//! The run:
//!
//! 1. starts the server (`--server`, by default the `server` example next
//!    to this one) with `--checks` checks and fills each check's log:
//!    `--pings-per-check` pings (the log keeps 100) with bodies of
//!    `--body-bytes` bytes (the default body limit keeps 10,000), sent over
//!    16 connections;
//! 2. resets the server's peak resident set (`/proc/PID/clear_refs`) and
//!    measures a ping's latency alone for 3 s: one client (a thread and a
//!    runtime of its own), a new connection and a `GET /ping/<uuid>` every
//!    10 ms after the previous answer, as `curl` would;
//! 3. sends `--readers` `GET /checks` at once, each on its own connection,
//!    each reading the whole answer as fast as it comes, while the same
//!    pings go on; samples the server's resident set every 10 ms.
//!
//! It prints the server's resident set before, its peak (`VmHWM`) during
//! the listings, what each listing read and how long it took, and the
//! ping latencies alone and during the listings. A server whose resident
//! set passes `--rss-limit-mb` is killed (so an unbounded listing cannot
//! take the machine with it) and the run says so.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use uuid::Uuid;

struct Options {
    database_url: Option<String>,
    checks: usize,
    pings_per_check: usize,
    body_bytes: usize,
    readers: usize,
    server: PathBuf,
    rss_limit_kib: u64,
}

fn parse() -> Result<Options, String> {
    let exe = std::env::current_exe().expect("own path");
    let mut options = Options {
        database_url: None,
        checks: 1000,
        pings_per_check: 100,
        body_bytes: 10_000,
        readers: 16,
        server: exe.with_file_name(format!("server{}", std::env::consts::EXE_SUFFIX)),
        rss_limit_kib: 8000 * 1024,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{text}: not a number"))
        };
        match flag.as_str() {
            "--database-url" => options.database_url = Some(value()?),
            "--checks" => options.checks = number(value()?)? as usize,
            "--pings-per-check" => options.pings_per_check = number(value()?)? as usize,
            "--body-bytes" => options.body_bytes = number(value()?)? as usize,
            "--readers" => options.readers = number(value()?)? as usize,
            "--server" => options.server = PathBuf::from(value()?),
            "--rss-limit-mb" => options.rss_limit_kib = number(value()?)? * 1024,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

fn start_server(options: &Options, checks_file: &str) -> (Child, SocketAddr) {
    let mut command = Command::new(&options.server);
    command.args(["--listen", "127.0.0.1:0", "--checks", checks_file]);
    if let Some(url) = &options.database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", options.server.display()));
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

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Option<Sender> {
    let stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    Some(sender)
}

/// Sends `request` on `sender`: the status and the bytes of the body, read
/// to the end frame by frame without keeping them.
async fn send(sender: &mut Sender, request: Request<Full<Bytes>>) -> Option<(u16, u64)> {
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.ok()?.into_data() {
            bytes += data.len() as u64;
        }
    }
    Some((status, bytes))
}

fn request(method: &str, path: &str, body: Bytes) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "listing")
        .body(Full::new(body))
        .expect("a request")
}

/// Pings `path` every 10 ms, each on a new connection, until `stop`: the
/// latencies in microseconds, and how many failed.
async fn prober(addr: SocketAddr, path: String, stop: Arc<AtomicBool>) -> (Vec<u64>, usize) {
    let mut latencies = Vec::new();
    let mut failed = 0;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let answered = tokio::time::timeout(Duration::from_secs(30), async {
            let mut sender = connect(addr).await?;
            send(&mut sender, request("GET", &path, Bytes::new())).await
        })
        .await;
        match answered {
            Ok(Some((200, _))) => latencies.push(started.elapsed().as_micros() as u64),
            _ => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (latencies, failed)
}

/// [`prober`] on a thread of its own with a runtime of its own, so that its
/// timings do not wait behind the harness's readers.
fn spawn_prober(
    addr: SocketAddr,
    path: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(Vec<u64>, usize)> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(prober(addr, path, stop))
    })
}

fn percentiles(mut micros: Vec<u64>) -> String {
    if micros.is_empty() {
        return "no answers".into();
    }
    micros.sort_unstable();
    let at =
        |p: f64| micros[((micros.len() as f64 * p) as usize).min(micros.len() - 1)] as f64 / 1000.0;
    format!(
        "n {}  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        micros.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("listing_memory: {e}");
        std::process::exit(2);
    });
    let uuids: Vec<Uuid> = (0..options.checks).map(|_| Uuid::new_v4()).collect();
    let probe = Uuid::new_v4();
    let mut seeds: Vec<Value> = uuids
        .iter()
        .enumerate()
        .map(|(i, uuid)| json!({"uuid": uuid, "name": format!("Check {i}"), "timeout": 86400}))
        .collect();
    seeds.push(json!({"uuid": probe, "name": "Probe", "timeout": 86400}));
    let checks_file =
        std::env::temp_dir().join(format!("listing-memory-{}.json", std::process::id()));
    std::fs::write(&checks_file, serde_json::to_vec(&seeds).unwrap()).unwrap();
    let (mut child, addr) = start_server(&options, checks_file.to_str().unwrap());
    let pid = child.id();
    println!(
        "server: {} on {}; {} checks x {} pings of {} B bodies; {} readers",
        options.server.display(),
        options
            .database_url
            .as_deref()
            .map_or("memory", |u| u.split(':').next().unwrap_or("")),
        options.checks,
        options.pings_per_check,
        options.body_bytes,
        options.readers
    );

    // 1. Fill every log.
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let total = (options.checks * options.pings_per_check) as u64;
    let body = Bytes::from(vec![b'x'; options.body_bytes]);
    let paths: Arc<Vec<String>> = Arc::new(uuids.iter().map(|u| format!("/ping/{u}")).collect());
    let fillers: Vec<_> = (0..16)
        .map(|_| {
            let (next, body, paths) = (next.clone(), body.clone(), paths.clone());
            tokio::spawn(async move {
                let mut sender = connect(addr).await.expect("connect");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let path = &paths[i as usize % paths.len()];
                    let answer = send(&mut sender, request("POST", path, body.clone())).await;
                    assert_eq!(answer.map(|a| a.0), Some(200), "filling {path}");
                }
            })
        })
        .collect();
    for filler in fillers {
        filler.await.expect("a filler");
    }
    println!(
        "filled: {total} pings in {:.1} s; server resident {}",
        started.elapsed().as_secs_f64(),
        mib(status_kib(pid, "VmRSS:").unwrap_or(0))
    );

    // 2. The peak from here on; a ping's latency alone.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let before = status_kib(pid, "VmRSS:").unwrap_or(0);
    let stop = Arc::new(AtomicBool::new(false));
    let alone = spawn_prober(addr, format!("/ping/{probe}"), stop.clone());
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let (alone, alone_failed) = alone.join().unwrap();

    // 3. The listings, the pings meanwhile, the resident set sampled.
    let stop = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicBool::new(false));
    let sampled = Arc::new(Mutex::new(0u64));
    let listed = Instant::now();
    let sampler = {
        let (stop, killed, sampled) = (stop.clone(), killed.clone(), sampled.clone());
        let limit = options.rss_limit_kib;
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let rss = status_kib(pid, "VmRSS:").unwrap_or(0);
                {
                    let mut max = sampled.lock().unwrap();
                    *max = (*max).max(rss);
                }
                if rss > limit && !killed.swap(true, Ordering::Relaxed) {
                    // SIGKILL: the harness's own child.
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                    println!(
                        "server killed {:.1} s into the listings: resident {} past --rss-limit-mb",
                        listed.elapsed().as_secs_f64(),
                        mib(rss)
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let probing = spawn_prober(addr, format!("/ping/{probe}"), stop.clone());
    let readers: Vec<_> = (0..options.readers)
        .map(|_| {
            tokio::spawn(async move {
                let started = Instant::now();
                let answer = match connect(addr).await {
                    Some(mut sender) => {
                        send(&mut sender, request("GET", "/checks", Bytes::new())).await
                    }
                    None => None,
                };
                (answer, started.elapsed())
            })
        })
        .collect();
    let mut results = Vec::new();
    for reader in readers {
        results.push(reader.await.unwrap());
    }
    let listings_took = listed.elapsed();
    // The peak is read before the last pings stop.
    let hwm = status_kib(pid, "VmHWM:");
    stop.store(true, Ordering::Relaxed);
    let (during, during_failed) = probing.join().unwrap();
    let _ = sampler.await;
    let sampled = *sampled.lock().unwrap();

    println!("server resident before the listings: {}", mib(before));
    if killed.load(Ordering::Relaxed) {
        println!(
            "server KILLED: its resident set passed --rss-limit-mb ({})",
            mib(options.rss_limit_kib)
        );
    }
    println!(
        "server peak resident during the listings: {} (VmHWM), sampled max {}; growth {}",
        hwm.map_or("-".into(), mib),
        mib(sampled),
        mib(hwm.unwrap_or(sampled).max(sampled).saturating_sub(before))
    );
    let mut bytes = Vec::new();
    let mut times = Vec::new();
    let mut failed = 0;
    for (answer, took) in &results {
        match answer {
            Some((200, n)) => {
                bytes.push(*n);
                times.push(took.as_secs_f64());
            }
            _ => failed += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "listings: {} complete, {failed} failed; {:.1} MiB each; {:.1} s to {:.1} s each, all done in {:.1} s",
        bytes.len(),
        bytes.first().copied().unwrap_or(0) as f64 / 1048576.0,
        times.first().copied().unwrap_or(0.0),
        times.last().copied().unwrap_or(0.0),
        listings_took.as_secs_f64()
    );
    println!(
        "ping alone:              {} ({alone_failed} failed)",
        percentiles(alone)
    );
    println!(
        "ping during the listings: {} ({during_failed} failed)",
        percentiles(during)
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(checks_file);
}
