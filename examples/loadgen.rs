//! End-to-end load: the example server (its built binary, memory store,
//! default configuration) against a bare axum app whose one handler parses
//! the UUID and answers `OK`, on loopback, in one run.
//!
//! ```text
//! cargo build --release --example server --example loadgen
//! target/release/examples/loadgen [--connections 16] [--seconds 1.5] [--rounds 8] [--server PATH]
//! ```
//!
//! Both servers run as child processes started here (the bare app is this
//! binary run with `--bare-server`), listen on `127.0.0.1:0`, and are killed
//! at the end. Each is driven with the same keep-alive connections, each
//! connection sending `GET /ping/<uuid>` for one of the example server's
//! seeded checks, one request at a time, for the same time. Rounds alternate
//! which server goes first, so a noisy neighbour costs both alike. Prints
//! requests/s, p50 and p99 for both and their ratio, and on Linux the CPU
//! time each server process spent per request (from `/proc`), which holds
//! steadier than requests/s when other work shares the cores. Exits non-zero
//! when a request failed or was not answered `200`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::HOST;
use hyper::Request;
use hyper_util::rt::TokioIo;
use uuid::Uuid;

/// The first line the bare server prints, like the example server's.
const BARE_BANNER: &str = "bare axum listening on http://";
const EXAMPLE_BANNER: &str = "tower-ping example listening on http://";
/// How long a server may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Load before each measured run, not counted.
const WARM_UP: Duration = Duration::from_millis(500);

struct Options {
    connections: usize,
    seconds: f64,
    rounds: usize,
    server: PathBuf,
}

fn parse_options() -> Result<Options, String> {
    let here = std::env::current_exe().map_err(|e| format!("where am I: {e}"))?;
    let mut options = Options {
        connections: 16,
        seconds: 1.5,
        rounds: 8,
        // The example server's binary sits beside this one in target/*/examples.
        server: here.with_file_name(format!("server{}", std::env::consts::EXE_SUFFIX)),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--connections" => options.connections = number(&flag, &value()?)?,
            "--seconds" => options.seconds = number(&flag, &value()?)?,
            "--rounds" => options.rounds = number(&flag, &value()?)?,
            "--server" => options.server = value()?.into(),
            "--help" | "-h" => {
                println!(
                    "usage: loadgen [--connections N] [--seconds S] [--rounds N] [--server PATH]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}; try --help")),
        }
    }
    let positive = options.connections > 0 && options.rounds > 0;
    if !positive || !(0.1..=60.0).contains(&options.seconds) {
        return Err(
            "--connections and --rounds must be positive, --seconds within 0.1..=60".into(),
        );
    }
    Ok(options)
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} {text}: not a number"))
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--bare-server") {
        return bare_server();
    }
    let options = parse_options().unwrap_or_else(|e| {
        eprintln!("loadgen: {e}");
        std::process::exit(2);
    });
    if !options.server.exists() {
        eprintln!(
            "loadgen: no example server at {}; build it first with\n  cargo build --release --example server --example loadgen",
            options.server.display()
        );
        std::process::exit(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let ok = runtime.block_on(run(options));
    std::process::exit(if ok { 0 } else { 1 });
}

/// The bare app: one route, a handler that parses the UUID and answers `OK`,
/// served as the example server serves its app.
fn bare_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let app = Router::new().route(
            "/ping/{uuid}",
            get(|Path(_uuid): Path<Uuid>| async { "OK" }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        println!("{BARE_BANNER}{addr}");
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("the server runs until killed");
    });
}

/// A server this run started, killed when dropped.
struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command`, reads its address from the banner line, and hands the
/// lines that follow, one by one, to `rest` (if any) until it returns false.
fn start(
    name: &'static str,
    mut command: Command,
    banner: &str,
    rest: Option<&mut dyn FnMut(&str) -> bool>,
) -> Result<Server, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut server = Server {
        name,
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    // Reads (and then drains) the child's output off the main thread, so a
    // silent child cannot hang the run.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Once nobody listens any more, the lines are only drained.
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let next_line = || {
        let left = deadline.saturating_duration_since(Instant::now());
        lines_rx
            .recv_timeout(left)
            .map_err(|_| format!("{name} printed no banner within {STARTUP_TIMEOUT:?}"))
    };
    let first = next_line()?;
    let addr = first
        .strip_prefix(banner)
        .and_then(|addr| addr.parse().ok())
        .ok_or_else(|| format!("{name}: unexpected first line {first:?}"))?;
    server.addr = addr;
    if let Some(rest) = rest {
        while rest(&next_line()?) {}
    }
    Ok(server)
}

/// The example server's seeded checks, read from its banner: the paths of
/// the UUID pings it lists, until its last line.
fn example_server(binary: &PathBuf) -> Result<(Server, Vec<String>), String> {
    let mut command = Command::new(binary);
    command.args(["--listen", "127.0.0.1:0"]);
    let mut paths = Vec::new();
    let mut read_banner = |line: &str| {
        // The lines listing a check's ping URLs, not the curl examples.
        let url = line.trim().strip_prefix("http://").unwrap_or_default();
        if let Some((_, uuid)) = url.rsplit_once("/ping/") {
            if Uuid::try_parse(uuid).is_ok() {
                paths.push(format!("/ping/{uuid}"));
            }
        }
        !line.starts_with("then:")
    };
    let server = start(
        "example server",
        command,
        EXAMPLE_BANNER,
        Some(&mut read_banner),
    )?;
    if paths.is_empty() {
        return Err("the example server listed no check to ping".into());
    }
    Ok((server, paths))
}

fn bare(here: &PathBuf) -> Result<Server, String> {
    let mut command = Command::new(here);
    command.arg("--bare-server");
    start("bare axum app", command, BARE_BANNER, None)
}

/// What one server did over every round.
#[derive(Default)]
struct Tally {
    requests: u64,
    failures: u64,
    not_ok: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time the server's process spent, when the system tells.
    cpu: Option<Duration>,
}

impl Tally {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let last = self.latencies.len().saturating_sub(1);
        self.latencies
            .get(((last as f64) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

async fn run(options: Options) -> bool {
    let here = std::env::current_exe().expect("the running binary");
    let (example, paths) = match example_server(&options.server) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return false;
        }
    };
    let bare = match bare(&here) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return false;
        }
    };
    let duration = Duration::from_secs_f64(options.seconds);
    println!(
        "loadgen: {} keep-alive connections, one request in flight each, {} rounds of {:.1} s per server",
        options.connections, options.rounds, options.seconds
    );
    println!(
        "  example server {} ({}), bare axum {}",
        example.addr,
        options.server.display(),
        bare.addr
    );
    println!("  requests: GET {}", paths.join(", GET "));

    let servers = [&example, &bare];
    let mut tallies = [Tally::default(), Tally::default()];
    for round in 0..options.rounds {
        // Alternate which goes first.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let server = servers[which];
            let _ = drive(server.addr, &paths, options.connections, WARM_UP).await;
            let cpu_before = cpu_time(server.child.id());
            let measured = drive(server.addr, &paths, options.connections, duration).await;
            let cpu = cpu_time(server.child.id())
                .zip(cpu_before)
                .map(|(after, before)| after.saturating_sub(before));
            let tally = &mut tallies[which];
            tally.cpu = match (tally.cpu, cpu) {
                (Some(total), Some(cpu)) => Some(total + cpu),
                (None, cpu) if round == 0 => cpu,
                _ => None,
            };
            let rate = measured.requests as f64 / measured.elapsed.as_secs_f64();
            println!(
                "  round {}: {:<15} {:>9.0} requests/s",
                round + 1,
                server.name,
                rate
            );
            tally.requests += measured.requests;
            tally.failures += measured.failures;
            tally.not_ok += measured.not_ok;
            tally.elapsed += measured.elapsed;
            tally.latencies.extend(measured.latencies);
        }
    }

    println!();
    println!(
        "  {:<30} {:>12} {:>10} {:>10} {:>14} {:>8}",
        "", "requests/s", "p50", "p99", "server CPU/req", "errors"
    );
    let labels = ["example server, memory store", "bare axum handler"];
    let mut figures = Vec::new();
    for (tally, label) in tallies.iter_mut().zip(labels) {
        let (rate, p50, p99) = (
            tally.per_second(),
            tally.percentile(0.50),
            tally.percentile(0.99),
        );
        let errors = tally.failures + tally.not_ok;
        let cpu = tally
            .cpu
            .map(|cpu| cpu / u32::try_from(tally.requests.max(1)).unwrap_or(u32::MAX));
        println!(
            "  {label:<30} {rate:>12.0} {:>10} {:>10} {:>14} {errors:>8}",
            micros(p50),
            micros(p99),
            cpu.map_or("n/a".into(), |cpu| format!(
                "{:.1} µs",
                cpu.as_secs_f64() * 1e6
            )),
        );
        figures.push((rate, p50, p99, cpu));
    }
    let (example_figures, bare_figures) = (figures[0], figures[1]);
    println!(
        "  example / bare: {:.3} x requests/s, {:.2} x p50, {:.2} x p99",
        example_figures.0 / bare_figures.0,
        example_figures.1.as_secs_f64() / bare_figures.1.as_secs_f64(),
        example_figures.2.as_secs_f64() / bare_figures.2.as_secs_f64(),
    );
    if let (Some(example_cpu), Some(bare_cpu)) = (example_figures.3, bare_figures.3) {
        // Steadier than requests/s when other processes share the cores.
        println!(
            "  example / bare: {:.3} x server CPU time per request",
            example_cpu.as_secs_f64() / bare_cpu.as_secs_f64()
        );
    }
    tallies
        .iter()
        .all(|t| t.failures == 0 && t.not_ok == 0 && t.requests > 0)
}

/// The CPU time all threads of process `pid` have run, from Linux's
/// `/proc/<pid>/task/*/schedstat` (nanoseconds on the CPU first); `None`
/// elsewhere.
fn cpu_time(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// What one measured run of one server gave.
#[derive(Default)]
struct Measured {
    requests: u64,
    failures: u64,
    not_ok: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Drives `addr` with `connections` keep-alive connections for `duration`.
async fn drive(
    addr: SocketAddr,
    paths: &[String],
    connections: usize,
    duration: Duration,
) -> Measured {
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let path = paths[i % paths.len()].clone();
            tokio::spawn(connection(addr, path, deadline))
        })
        .collect();
    let mut total = Measured::default();
    for task in tasks {
        let measured = task.await.unwrap_or_else(|_| Measured {
            failures: 1,
            ..Measured::default()
        });
        total.requests += measured.requests;
        total.failures += measured.failures;
        total.not_ok += measured.not_ok;
        total.latencies.extend(measured.latencies);
    }
    total.elapsed = start.elapsed();
    total
}

/// One keep-alive connection sending `GET path` until `deadline`.
async fn connection(addr: SocketAddr, path: String, deadline: Instant) -> Measured {
    let mut measured = Measured::default();
    let failed = |mut measured: Measured| {
        measured.failures += 1;
        measured
    };
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        return failed(measured);
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        return failed(measured);
    };
    tokio::spawn(conn);
    let host = addr.to_string();
    while Instant::now() < deadline {
        let request = Request::get(path.as_str())
            .header(HOST, host.as_str())
            .body(Empty::<Bytes>::new())
            .expect("a valid request");
        let sent = Instant::now();
        if sender.ready().await.is_err() {
            return failed(measured);
        }
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(_) => return failed(measured),
        };
        let status = response.status();
        if response.into_body().collect().await.is_err() {
            return failed(measured);
        }
        measured.latencies.push(sent.elapsed());
        measured.requests += 1;
        if status != hyper::StatusCode::OK {
            measured.not_ok += 1;
        }
    }
    measured
}
