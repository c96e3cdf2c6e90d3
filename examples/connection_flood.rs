//! Connection-flood harness: the example server under a descriptor limit,
//! flooded with idle and slowloris connections by an attacker process with
//! a higher limit, and a normal ping's latency meanwhile.
//!
//! ```text
//! cargo build --release --example server --example connection_flood
//! target/release/examples/connection_flood [--idle 10000] [--slowloris 2000]
//!     [--server-nofile 1024] [--attacker-nofile 20000] [--seconds 15]
//!     [--ramp-secs 5] [--once] [--server PATH] [--server-arg ARG]...
//! ```
//!
//! The server runs under `ulimit -n` of `--server-nofile` with its default
//! bounds (or those `--server-arg` passes). Four phases, one after the
//! other, each `--seconds` long after `--ramp-secs` for the attacker to
//! open its connections:
//!
//! - `none`: no attack, the baseline;
//! - `idle`: `--idle` connections that send nothing;
//! - `slowloris`: `--slowloris` connections that send a request line and
//!   then one header line a second, never ending the head;
//! - `both`: the two at once.
//!
//! The attacker is this program run again (`connection_flood attack ...`)
//! in a process of its own under `ulimit -n` of `--attacker-nofile`. Each
//! of its connections is opened again as soon as the server closes it, so
//! the attack holds its count for the whole phase, as a real one would
//! (with `--once`, each is opened once and not again).
//!
//! The normal client is a thread with a runtime of its own in this
//! process: a new connection and a `GET /ping/<uuid>` every 10 ms after
//! the previous answer, as `curl` would, each given 30 s. It prints, per
//! phase, the ping latencies (p50, p99, max) and failures, how many
//! connections the attacker had open (established on its side: accepted by
//! the server, or completed and waiting in its listen backlog) and how
//! many the server closed, the server's open descriptors, and the kernel's
//! count of connections dropped at a full listen queue (`ListenOverflows`,
//! machine-wide: a client whose SYN is dropped tries again after 1 s).

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
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

struct Options {
    idle: usize,
    slowloris: usize,
    server_nofile: u64,
    attacker_nofile: u64,
    seconds: u64,
    ramp: u64,
    server: PathBuf,
    server_args: Vec<String>,
    once: bool,
}

fn own_sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        idle: 10_000,
        slowloris: 2_000,
        server_nofile: 1024,
        attacker_nofile: 20_000,
        seconds: 15,
        ramp: 5,
        server: own_sibling("server"),
        server_args: Vec::new(),
        once: false,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{text}: not a number"))
        };
        match flag.as_str() {
            "--idle" => options.idle = number(value()?)? as usize,
            "--slowloris" => options.slowloris = number(value()?)? as usize,
            "--server-nofile" => options.server_nofile = number(value()?)?,
            "--attacker-nofile" => options.attacker_nofile = number(value()?)?,
            "--seconds" => options.seconds = number(value()?)?,
            "--ramp-secs" => options.ramp = number(value()?)?,
            "--server" => options.server = PathBuf::from(value()?),
            "--server-arg" => options.server_args.push(value()?),
            "--once" => options.once = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// Runs `program args` under `ulimit -n nofile`, its standard output piped.
fn under_ulimit(nofile: u64, program: &std::path::Path, args: &[String]) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
        .arg(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
}

fn start_server(options: &Options, checks_file: &str) -> (Child, SocketAddr) {
    let mut args: Vec<String> = ["--listen", "127.0.0.1:0", "--checks", checks_file]
        .map(String::from)
        .to_vec();
    args.extend(options.server_args.iter().cloned());
    let mut child = under_ulimit(options.server_nofile, &options.server, &args);
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

// ---- the normal client ----

async fn ping_once(addr: SocketAddr, path: &str) -> Option<u16> {
    let stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let request = Request::get(path)
        .header("host", "probe")
        .header("user-agent", "curl/8.5.0")
        .body(Full::new(Bytes::new()))
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    response.into_body().collect().await.ok()?;
    Some(status)
}

/// Pings every 10 ms after the previous answer until `stop`, on a thread
/// and a runtime of its own: latencies in microseconds, and failures.
fn spawn_prober(
    addr: SocketAddr,
    path: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(Vec<u64>, usize)> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let answer =
                    tokio::time::timeout(Duration::from_secs(30), ping_once(addr, &path)).await;
                match answer {
                    Ok(Some(200)) => latencies.push(started.elapsed().as_micros() as u64),
                    _ => failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (latencies, failed)
        })
    })
}

fn percentiles(mut micros: Vec<u64>) -> String {
    if micros.is_empty() {
        return "no answers".into();
    }
    micros.sort_unstable();
    let at =
        |p: f64| micros[((micros.len() as f64 * p) as usize).min(micros.len() - 1)] as f64 / 1000.0;
    let slow = micros.iter().filter(|&&m| m > 500_000).count();
    format!(
        "n {:>5}  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  over 500 ms {slow}",
        micros.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// The kernel's count of connections dropped because a listen queue was
/// full (`TcpExt: ListenOverflows`, the whole machine's).
fn listen_overflows() -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(keys), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    keys.split_whitespace()
        .zip(values.split_whitespace())
        .find(|(k, _)| *k == "ListenOverflows")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

// ---- the attacker ----

#[derive(Default)]
struct Tally {
    /// Connections established on the attacker's side now.
    open: AtomicU64,
    /// Connects completed.
    opened: AtomicU64,
    /// Connections the server closed (or reset).
    closed: AtomicU64,
    /// Connects that failed.
    refused: AtomicU64,
}

/// One attacking connection, opened again each time it ends, until `until`.
async fn attacker(addr: SocketAddr, slow: bool, once: bool, until: Instant, tally: Arc<Tally>) {
    let mut first = true;
    while Instant::now() < until && (first || !once) {
        first = false;
        let Ok(Ok(mut stream)) =
            tokio::time::timeout_at(until.into(), TcpStream::connect(addr)).await
        else {
            tally.refused.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        tally.opened.fetch_add(1, Ordering::Relaxed);
        tally.open.fetch_add(1, Ordering::Relaxed);
        let mut buf = [0u8; 256];
        if slow {
            // A request line, then a header line a second: the head never ends.
            let mut alive = stream
                .write_all(
                    b"GET /ping/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\n",
                )
                .await
                .is_ok();
            let mut n = 0u64;
            while alive && Instant::now() < until {
                tokio::select! {
                    read = stream.read(&mut buf) => alive = matches!(read, Ok(k) if k > 0),
                    () = tokio::time::sleep(Duration::from_secs(1)) => {
                        n += 1;
                        alive = stream.write_all(format!("X-{n}: {n}\r\n").as_bytes()).await.is_ok();
                    }
                }
            }
        } else {
            // Nothing sent; wait for the server to close it.
            let _ = tokio::time::timeout_at(until.into(), async {
                while matches!(stream.read(&mut buf).await, Ok(k) if k > 0) {}
            })
            .await;
        }
        tally.open.fetch_sub(1, Ordering::Relaxed);
        if Instant::now() < until {
            tally.closed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// `connection_flood attack ADDR IDLE SLOWLORIS SECONDS once|again`: prints
/// the count of open connections each second, then `done opened closed
/// refused`.
fn attack(args: &[String]) {
    let addr: SocketAddr = args[0].parse().expect("an address");
    let idle: usize = args[1].parse().expect("a count");
    let slowloris: usize = args[2].parse().expect("a count");
    let seconds: u64 = args[3].parse().expect("seconds");
    let once = args[4] == "once";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let until = Instant::now() + Duration::from_secs(seconds);
        let tally = Arc::new(Tally::default());
        let mut tasks = Vec::new();
        for i in 0..idle + slowloris {
            tasks.push(tokio::spawn(attacker(
                addr,
                i >= idle,
                once,
                until,
                tally.clone(),
            )));
            if i % 500 == 499 {
                tokio::task::yield_now().await;
            }
        }
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_secs(1)).await;
            println!("open {}", tally.open.load(Ordering::Relaxed));
        }
        for task in tasks {
            let _ = task.await;
        }
        println!(
            "done {} {} {}",
            tally.opened.load(Ordering::Relaxed),
            tally.closed.load(Ordering::Relaxed),
            tally.refused.load(Ordering::Relaxed)
        );
    });
}

// ---- the run ----

struct Phase {
    name: &'static str,
    idle: usize,
    slowloris: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("attack") {
        attack(&args[1..]);
        return;
    }
    let options = parse(args.into_iter()).unwrap_or_else(|e| {
        eprintln!("connection_flood: {e}");
        std::process::exit(2);
    });
    let probe = Uuid::new_v4();
    let checks_file =
        std::env::temp_dir().join(format!("connection-flood-{}.json", std::process::id()));
    std::fs::write(
        &checks_file,
        json!([{"uuid": probe, "name": "Probe", "timeout": 86400}]).to_string(),
    )
    .unwrap();
    let (mut server, addr) = start_server(&options, checks_file.to_str().unwrap());
    let pid = server.id();
    // The shell execs the server, so the pid is the server's.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
    let nofile = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or("?");
    println!(
        "server: {} {}; {nofile}",
        options.server.display(),
        options.server_args.join(" ")
    );
    println!(
        "attacker: ulimit -n {}; each connection {}; each phase {} s after {} s of ramp",
        options.attacker_nofile,
        if options.once {
            "opened once"
        } else {
            "opened again as soon as it is closed"
        },
        options.seconds,
        options.ramp
    );
    let phases = [
        Phase {
            name: "none",
            idle: 0,
            slowloris: 0,
        },
        Phase {
            name: "idle",
            idle: options.idle,
            slowloris: 0,
        },
        Phase {
            name: "slowloris",
            idle: 0,
            slowloris: options.slowloris,
        },
        Phase {
            name: "both",
            idle: options.idle,
            slowloris: options.slowloris,
        },
    ];
    for phase in &phases {
        let total = options.ramp + options.seconds + 1;
        let mut attacker = (phase.idle + phase.slowloris > 0).then(|| {
            let args = [
                "attack".to_owned(),
                addr.to_string(),
                phase.idle.to_string(),
                phase.slowloris.to_string(),
                total.to_string(),
                if options.once { "once" } else { "again" }.to_owned(),
            ];
            under_ulimit(
                options.attacker_nofile,
                &own_sibling("connection_flood"),
                &args,
            )
        });
        let open_counts = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
        let last = Arc::new(std::sync::Mutex::new(String::new()));
        let reader = attacker.as_mut().map(|child| {
            let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
            let (open_counts, last) = (open_counts.clone(), last.clone());
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    if let Some(n) = line.strip_prefix("open ") {
                        open_counts.lock().unwrap().push(n.parse().unwrap_or(0));
                    } else {
                        *last.lock().unwrap() = line;
                    }
                }
            })
        });
        if attacker.is_some() {
            std::thread::sleep(Duration::from_secs(options.ramp));
        }
        let ramped = open_counts.lock().unwrap().len();
        let overflows = listen_overflows();
        let stop = Arc::new(AtomicBool::new(false));
        let prober = spawn_prober(addr, format!("/ping/{probe}"), stop.clone());
        let started = Instant::now();
        let mut descriptors = Vec::new();
        while started.elapsed() < Duration::from_secs(options.seconds) {
            std::thread::sleep(Duration::from_millis(500));
            descriptors.push(open_descriptors(pid));
        }
        stop.store(true, Ordering::Relaxed);
        let (latencies, failed) = prober.join().expect("the prober");
        let overflows = listen_overflows() - overflows;
        if let Some(mut child) = attacker {
            let _ = child.wait();
        }
        if let Some(reader) = reader {
            let _ = reader.join();
        }
        let held: Vec<u64> = {
            let counts = open_counts.lock().unwrap();
            counts[ramped.min(counts.len())..].to_vec()
        };
        descriptors.sort_unstable();
        println!(
            "{:<10} idle {:>5} slowloris {:>5}: ping {}  failed {failed}",
            phase.name,
            phase.idle,
            phase.slowloris,
            percentiles(latencies)
        );
        if !held.is_empty() {
            let done: Vec<u64> = last
                .lock()
                .unwrap()
                .split_whitespace()
                .skip(1)
                .filter_map(|n| n.parse().ok())
                .collect();
            println!(
                "           attacker connections open during the phase: {} to {}; over the run {} opened, {} closed by the server, {} connects failed",
                held.iter().min().unwrap(),
                held.iter().max().unwrap(),
                done.first().copied().unwrap_or(0),
                done.get(1).copied().unwrap_or(0),
                done.get(2).copied().unwrap_or(0)
            );
        }
        println!(
            "           server open descriptors: {} to {}; connections dropped at a full listen queue (machine-wide): {overflows}",
            descriptors.first().copied().unwrap_or(0),
            descriptors.last().copied().unwrap_or(0)
        );
        // Let the server close what is left before the next phase.
        std::thread::sleep(Duration::from_secs(2));
    }
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_file(checks_file);
}
