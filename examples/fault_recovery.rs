//! Recovery harness: the example server on a database, a fault made and
//! mended by shell commands, and how long after the mend the server answers
//! a ping `200` again and flips a check that went overdue during the fault.
//!
//! ```text
//! cargo build --release --example server --example fault_recovery
//! target/release/examples/fault_recovery --database-url URL --break CMD --mend CMD
//!     [--outage-secs 8] [--pingers 4] [--ping-every-ms 20] [--body-bytes 8000]
//!     [--busy-checks 50] [--sweep-interval-ms 1000] [--server-arg ARG]...
//! ```
//!
//! `scripts/fault-recovery.sh sqlite|postgres` makes the faults: a SQLite
//! database on a small ext4 file system filled by `dd` (mended by removing
//! the filler and `sync`), or a throwaway PostgreSQL cluster stopped with
//! `pg_ctl stop -m immediate` (mended by `pg_ctl start -w`, which returns
//! once the server accepts connections).
//!
//! The run: `--pingers` clients post pings with bodies of `--body-bytes`
//! to `--busy-checks` checks without pause between them
//! (`--ping-every-ms` apart each), the whole time. The check `Quick`
//! (`timeout` 2 s, `grace` 1 s) is pinged once just before `--break` runs,
//! so its deadline falls in the outage. After `--outage-secs` the harness
//! runs `--mend` and measures, from the moment the command returns (and
//! from when it began, for a mend that takes a while, such as PostgreSQL's
//! crash recovery):
//!
//! - the first ping answered `200`;
//! - the first `GET /healthz` answered `200` (polled every 20 ms);
//! - the flip of `Quick` to down seen in `GET /flips` (polled every 20 ms),
//!   and the flip's date against the deadline.
//!
//! It prints what the server answered during the outage, the figures, and
//! a sample of the server's standard error.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use uuid::Uuid;

struct Options {
    database_url: String,
    break_cmd: String,
    mend_cmd: String,
    outage: Duration,
    pingers: usize,
    ping_every: Duration,
    body_bytes: usize,
    busy_checks: usize,
    sweep_interval_ms: u64,
    server_args: Vec<String>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        database_url: String::new(),
        break_cmd: String::new(),
        mend_cmd: String::new(),
        outage: Duration::from_secs(8),
        pingers: 4,
        ping_every: Duration::from_millis(20),
        body_bytes: 8000,
        busy_checks: 50,
        sweep_interval_ms: 1000,
        server_args: Vec::new(),
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
            "--break" => options.break_cmd = value()?,
            "--mend" => options.mend_cmd = value()?,
            "--outage-secs" => options.outage = Duration::from_secs(number(value()?)?),
            "--pingers" => options.pingers = number(value()?)? as usize,
            "--ping-every-ms" => options.ping_every = Duration::from_millis(number(value()?)?),
            "--body-bytes" => options.body_bytes = number(value()?)? as usize,
            "--busy-checks" => options.busy_checks = number(value()?)?.max(1) as usize,
            "--sweep-interval-ms" => options.sweep_interval_ms = number(value()?)?,
            "--server-arg" => options.server_args.push(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database_url.is_empty()
        || options.break_cmd.is_empty()
        || options.mend_cmd.is_empty()
    {
        return Err("--database-url, --break and --mend are required".into());
    }
    Ok(options)
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.with_file_name(format!("server{}", std::env::consts::EXE_SUFFIX))
}

/// What the server wrote on standard error: a count of lines and the first
/// few of each kind (the text before the first `:`).
#[derive(Default)]
struct Stderr {
    lines: usize,
    kinds: BTreeMap<String, (usize, String)>,
}

fn start_server(
    options: &Options,
    checks_file: &str,
    stderr: Arc<Mutex<Stderr>>,
) -> (Child, SocketAddr) {
    let mut child = Command::new(server_binary())
        .args(["--listen", "127.0.0.1:0", "--checks", checks_file])
        .args(["--database-url", &options.database_url])
        .args([
            "--sweep-interval-ms",
            &options.sweep_interval_ms.to_string(),
        ])
        .args(&options.server_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    let err = std::io::BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            let mut seen = stderr.lock().unwrap();
            seen.lines += 1;
            let kind: String = line.chars().take(24).collect();
            let entry = seen.kinds.entry(kind).or_insert((0, line.clone()));
            entry.0 += 1;
        }
    });
    (child, addr)
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// `method url` with `body`: the status, or 0 for no answer within 10 s.
async fn call(client: &HttpClient, method: &str, url: &str, body: Bytes) -> (u16, Bytes) {
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(body))
        .expect("a request");
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        let response = client.request(request).await.ok()?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.ok()?.to_bytes();
        Some((status, bytes))
    })
    .await;
    answer.ok().flatten().unwrap_or((0, Bytes::new()))
}

/// One answered request: when it was sent and answered, and its status.
#[derive(Clone, Copy)]
struct Answer {
    sent: Instant,
    answered: Instant,
    status: u16,
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `b - a` in seconds, negative when `b` came first.
fn signed(a: Instant, b: Instant) -> String {
    if b >= a {
        format!("{:.3} s", (b - a).as_secs_f64())
    } else {
        format!("-{:.3} s", (a - b).as_secs_f64())
    }
}

fn run_shell(what: &str, cmd: &str) {
    let status = Command::new("sh")
        .args(["-c", cmd])
        .status()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !status.success() {
        eprintln!("fault_recovery: {what} ({cmd}) exited with {status}");
    }
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("fault_recovery: {e}");
        std::process::exit(2);
    });
    let quick = Uuid::new_v4();
    let busy: Vec<Uuid> = (0..options.busy_checks).map(|_| Uuid::new_v4()).collect();
    let mut seeds = vec![json!({"uuid": quick, "name": "Quick", "timeout": 2, "grace": 1})];
    seeds.extend(busy.iter().enumerate().map(|(i, uuid)| {
        json!({"uuid": uuid, "name": format!("Busy {i}"), "timeout": 86400, "grace": 3600})
    }));
    let checks_file =
        std::env::temp_dir().join(format!("fault-recovery-{}.json", std::process::id()));
    std::fs::write(&checks_file, serde_json::to_vec(&seeds).unwrap()).unwrap();
    let stderr = Arc::new(Mutex::new(Stderr::default()));
    let (mut child, addr) = start_server(&options, checks_file.to_str().unwrap(), stderr.clone());
    let base = format!("http://{addr}");
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(5))
        .build_http();

    // The pingers, from the start to the end.
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let body = Bytes::from(vec![b'x'; options.body_bytes]);
    let pingers: Vec<_> = (0..options.pingers)
        .map(|p| {
            let (client, stop, answers, body) =
                (client.clone(), stop.clone(), answers.clone(), body.clone());
            let urls: Vec<String> = busy.iter().map(|u| format!("{base}/ping/{u}")).collect();
            let every = options.ping_every;
            tokio::spawn(async move {
                let mut i = p;
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let (status, _) =
                        call(&client, "POST", &urls[i % urls.len()], body.clone()).await;
                    let answered = Instant::now();
                    answers.lock().unwrap().push(Answer {
                        sent,
                        answered,
                        status,
                    });
                    i += 1;
                    tokio::time::sleep(every).await;
                }
            })
        })
        .collect();

    // /healthz and /flips, polled.
    let health = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let flip_seen = Arc::new(Mutex::new(None::<(Instant, Value)>));
    let pollers = {
        let (client, stop, health, flip_seen) = (
            client.clone(),
            stop.clone(),
            health.clone(),
            flip_seen.clone(),
        );
        let base = base.clone();
        let quick = quick.to_string();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let (status, _) =
                    call(&client, "GET", &format!("{base}/healthz"), Bytes::new()).await;
                health.lock().unwrap().push(Answer {
                    sent,
                    answered: Instant::now(),
                    status,
                });
                if flip_seen.lock().unwrap().is_none() {
                    let (status, bytes) =
                        call(&client, "GET", &format!("{base}/flips"), Bytes::new()).await;
                    if status == 200 {
                        let flips: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        let down = flips.as_array().and_then(|flips| {
                            flips
                                .iter()
                                .find(|f| f["uuid"] == quick.as_str() && f["new_status"] == "down")
                                .cloned()
                        });
                        if let Some(down) = down {
                            *flip_seen.lock().unwrap() = Some((Instant::now(), down));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    // Warm up: pings answered 200.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let warm = answers
        .lock()
        .unwrap()
        .iter()
        .filter(|a| a.status == 200)
        .count();
    println!(
        "database: {}  pingers: {} x {} B bodies, {} ms apart, over {} checks  sweep interval: {} ms",
        options.database_url.split(':').next().unwrap_or(""),
        options.pingers,
        options.body_bytes,
        options.ping_every.as_millis(),
        options.busy_checks,
        options.sweep_interval_ms
    );
    println!("warm-up: {warm} pings answered 200 in 3 s");

    // Quick's only ping, then the fault.
    let (status, _) = call(
        &client,
        "GET",
        &format!("{base}/ping/{quick}"),
        Bytes::new(),
    )
    .await;
    assert_eq!(status, 200, "Quick's ping");
    let quick_pinged = SystemTime::now();
    let deadline = quick_pinged + Duration::from_secs(3);
    let broke = Instant::now();
    run_shell("--break", &options.break_cmd);
    let broken = Instant::now();
    println!(
        "break: `{}` took {}; Quick pinged just before, due down {} later",
        options.break_cmd,
        seconds(broken - broke),
        seconds(Duration::from_secs(3))
    );
    tokio::time::sleep(options.outage.saturating_sub(broken - broke)).await;
    let mend_started = Instant::now();
    run_shell("--mend", &options.mend_cmd);
    let mended = Instant::now();
    println!(
        "mend: `{}` took {}",
        options.mend_cmd,
        seconds(mended - mend_started)
    );

    // Until the first 200 and the flip, 60 s at most.
    let waited = Instant::now();
    loop {
        let ok = answers
            .lock()
            .unwrap()
            .iter()
            .any(|a| a.status == 200 && a.answered > mended);
        let flipped = flip_seen.lock().unwrap().is_some();
        let healthy = health
            .lock()
            .unwrap()
            .iter()
            .any(|a| a.status == 200 && a.answered > mended);
        if ok && flipped && healthy || waited.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A little more of the steady state after.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for pinger in pingers {
        let _ = pinger.await;
    }
    let _ = pollers.await;

    let answers = answers.lock().unwrap().clone();
    let mut during: BTreeMap<u16, usize> = BTreeMap::new();
    for a in answers
        .iter()
        .filter(|a| a.sent >= broken && a.sent < mend_started)
    {
        *during.entry(a.status).or_default() += 1;
    }
    // Each second from the break: the pings sent in it, by answer, and the
    // longest wait for one.
    println!("pings by the second they were sent in (0 = the break began):");
    let end = answers.iter().map(|a| a.sent).max().unwrap_or(broke);
    let mut second = 0;
    while broke + Duration::from_secs(second) <= end {
        let from = broke + Duration::from_secs(second);
        let to = from + Duration::from_secs(1);
        let mut by: BTreeMap<u16, usize> = BTreeMap::new();
        let mut longest = Duration::ZERO;
        for a in answers.iter().filter(|a| a.sent >= from && a.sent < to) {
            *by.entry(a.status).or_default() += 1;
            longest = longest.max(a.answered - a.sent);
        }
        let mark = if mend_started >= from && mend_started < to {
            "  <- mend begins"
        } else if mended >= from && mended < to {
            "  <- mend returned"
        } else {
            ""
        };
        println!(
            "  {second:>3}: {:<28} longest {:>7.3} s{mark}",
            by.iter()
                .map(|(s, n)| format!("{n} x {s}"))
                .collect::<Vec<_>>()
                .join(", "),
            longest.as_secs_f64()
        );
        second += 1;
    }
    let first_fail = answers
        .iter()
        .filter(|a| a.sent >= broke && a.status != 200)
        .map(|a| a.answered)
        .min();
    let last_ok_during = answers
        .iter()
        .filter(|a| a.status == 200 && a.answered >= broke && a.answered <= mend_started)
        .map(|a| a.answered)
        .max();
    println!(
        "pings sent during the outage (after the break, before the mend): {}",
        during
            .iter()
            .map(|(s, n)| format!(
                "{n} x {}",
                if *s == 0 {
                    "no answer".into()
                } else {
                    s.to_string()
                }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(at) = first_fail {
        println!(
            "  first ping not answered 200: {} after the break began",
            signed(broke, at)
        );
    }
    if let Some(at) = last_ok_during {
        println!(
            "  last ping answered 200 before the mend: {} after the break began",
            signed(broke, at)
        );
    }
    let health = health.lock().unwrap().clone();
    let unhealthy = health
        .iter()
        .filter(|a| a.sent >= broke && a.answered <= mend_started && a.status != 200)
        .map(|a| a.answered)
        .min();
    match unhealthy {
        Some(at) => println!(
            "  /healthz first not 200: {} after the break began",
            signed(broke, at)
        ),
        None => println!("  /healthz: 200 throughout the outage"),
    }

    println!(
        "recovery, from the moment `--mend` returned (it ran for {}):",
        seconds(mended - mend_started)
    );
    let first_ok = answers
        .iter()
        .filter(|a| a.status == 200 && a.answered > mend_started)
        .min_by_key(|a| a.answered);
    match first_ok {
        Some(a) => println!(
            "  first ping answered 200: {} ({} after `--mend` began; sent {} after it returned)",
            signed(mended, a.answered),
            signed(mend_started, a.answered),
            signed(mended, a.sent)
        ),
        None => println!("  no ping answered 200 within 60 s"),
    }
    let first_sent_ok = answers
        .iter()
        .filter(|a| a.status == 200 && a.sent >= mended)
        .min_by_key(|a| a.answered);
    if let Some(a) = first_sent_ok {
        println!(
            "  first ping sent after the mend and answered 200: {}",
            signed(mended, a.answered)
        );
    }
    let not_ok_after = answers
        .iter()
        .filter(|a| a.sent >= mended && a.status != 200)
        .count();
    let ok_after = answers
        .iter()
        .filter(|a| a.sent >= mended && a.status == 200)
        .count();
    println!("  pings sent after the mend: {ok_after} answered 200, {not_ok_after} not");
    match health
        .iter()
        .filter(|a| a.status == 200 && a.answered > mend_started)
        .min_by_key(|a| a.answered)
    {
        Some(a) => println!("  first /healthz 200: {}", signed(mended, a.answered)),
        None => println!("  /healthz never 200 again within 60 s"),
    }
    let flip = flip_seen.lock().unwrap().clone();
    match flip {
        Some((seen, flip)) => {
            println!(
                "  Quick's flip to down seen in /flips: {} ({} after `--mend` began; after the first 200: {})",
                signed(mended, seen),
                signed(mend_started, seen),
                first_ok.map_or("-".into(), |a| signed(a.answered, seen))
            );
            let at = flip["at"].as_str().unwrap_or("");
            let dated: Option<jiff::Timestamp> = at.parse().ok();
            let deadline = jiff::Timestamp::try_from(deadline).unwrap();
            match dated {
                Some(dated) => println!(
                    "  the flip is dated {at}: {:.3} s from the deadline the harness expected",
                    dated.duration_since(deadline).as_secs_f64()
                ),
                None => println!("  the flip's date: {at:?}"),
            }
        }
        None => println!("  Quick's flip to down not seen within 60 s"),
    }
    let _ = child.kill();
    let _ = child.wait();
    // The reader thread ends with the process.
    std::thread::sleep(Duration::from_millis(200));
    let stderr = stderr.lock().unwrap();
    println!("server's standard error: {} lines; by kind:", stderr.lines);
    for (kind, (n, first)) in &stderr.kinds {
        let first: String = first.chars().take(220).collect();
        println!("  {n} x {kind:?}, first: {first}");
    }
    let _ = std::fs::remove_file(checks_file);
}
