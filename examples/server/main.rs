//! An axum app with routes of its own, the Pinging API in front of it, and
//! the monitor that flips checks that go quiet.
//!
//! ```text
//! cargo run --example server -- [--listen 127.0.0.1:8000] [--checks checks.json]
//!     [--prefix /ping] [--body-limit 10000|none] [--forwarded none|leftmost|N]
//!     [--database-url sqlite://PATH|postgres://...] [--pool N] [--batch N]
//!     [--writers N] [--store-timeout-ms MS] [--sweep-interval-ms MS]
//!     [--rate-limit N/SECONDS] [--webhook URL] [--notify-timeout-ms MS]
//!     [--lease-ms MS] [--retry-ms MS] [--retry-max-ms MS]
//! ```
//!
//! Checks live in memory unless `--database-url` names a SQLite file or a
//! PostgreSQL database. The checks of `--checks` (or the demo checks) are
//! defined at every start: a check the store has keeps its state and takes
//! the file's definition.
//!
//! `--rate-limit 5/60` lets each check (by UUID, or by ping key and slug)
//! through 5 times a minute; pings over it are answered without being
//! recorded.
//!
//! Every alert (a check going down, or coming back up) is posted as JSON to
//! `--webhook URL` (delivered on a `2xx` answer, retried otherwise), or
//! without it printed on standard output, one JSON line each.
//!
//! - `GET /checks`: every check, its state, how it stands now, its pings;
//! - `GET /flips`: every status change, oldest first;
//! - `POST /checks/<uuid>/pause`, `POST /checks/<uuid>/resume`,
//!   `DELETE /checks/<uuid>`: `204`, or `404` for an unknown check.

mod backend;
mod notify;
mod routes;
mod seed;
mod serve;

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tower_ping::{
    Check, CheckStore, CronSchedule, Delivery, FailedPing, ForwardedHeaders, Monitor, MonitorStore,
    NewCheck, Notifier, PingLayer, Prefix, RateLimit, Schedule, SqlStoreOptions, Target,
};

use backend::Backend;
use seed::DEMO_PING_KEY;

struct Options {
    listen: SocketAddr,
    checks: Option<String>,
    prefix: Prefix,
    body_limit: Option<usize>,
    forwarded: ForwardedHeaders,
    database_url: Option<String>,
    store: SqlStoreOptions,
    sweep_interval: Duration,
    rate_limit: Option<RateLimit>,
    webhook: Option<String>,
    delivery: Delivery,
    limits: serve::Limits,
    body_timeout: Duration,
    max_concurrent_pings: Option<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
        checks: None,
        prefix: Prefix::default(),
        body_limit: Some(tower_ping::DEFAULT_BODY_LIMIT),
        forwarded: ForwardedHeaders::Ignore,
        database_url: None,
        store: SqlStoreOptions::new(),
        sweep_interval: tower_ping::DEFAULT_SWEEP_INTERVAL,
        rate_limit: None,
        webhook: None,
        delivery: Delivery::new(),
        limits: serve::Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(10),
            max_connections: serve::default_max_connections(),
            shutdown_grace: Duration::from_secs(5),
        },
        body_timeout: Duration::from_secs(10),
        max_concurrent_pings: Some(DEFAULT_MAX_CONCURRENT_PINGS),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let text = match flag.as_str() {
            "--help" | "-h" => String::new(),
            _ => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--listen" => {
                options.listen = text.parse().map_err(|e| format!("--listen {text}: {e}"))?;
            }
            "--checks" => options.checks = Some(text),
            "--prefix" => {
                options.prefix = Prefix::new(&text).map_err(|e| format!("--prefix {text}: {e}"))?;
            }
            "--body-limit" => {
                options.body_limit = match text.as_str() {
                    "none" => None,
                    _ => Some(number(&flag, &text, "a number or none")?),
                }
            }
            "--forwarded" => {
                options.forwarded = match text.as_str() {
                    "none" => ForwardedHeaders::Ignore,
                    "leftmost" => ForwardedHeaders::Leftmost,
                    _ => ForwardedHeaders::TrustedProxies(number(
                        &flag,
                        &text,
                        "none, leftmost or a count from 1",
                    )?),
                }
            }
            "--database-url" => options.database_url = Some(text),
            "--pool" => {
                options.store = options
                    .store
                    .max_connections(number(&flag, &text, "a number")?)
            }
            "--batch" => options.store = options.store.max_batch(number(&flag, &text, "a number")?),
            "--writers" => options.store = options.store.writers(number(&flag, &text, "a number")?),
            "--store-timeout-ms" => {
                let limit =
                    Duration::from_millis(number(&flag, &text, "a number of milliseconds")?);
                options.store = options.store.call_timeout(limit).acquire_timeout(limit);
            }
            "--sweep-interval-ms" => options.sweep_interval = millis(&flag, &text)?,
            "--rate-limit" => options.rate_limit = Some(rate_limit(&flag, &text)?),
            "--webhook" => options.webhook = Some(text),
            "--notify-timeout-ms" => {
                let timeout = millis(&flag, &text)?;
                options.delivery = options.delivery.call_timeout(timeout);
            }
            "--lease-ms" => options.delivery = options.delivery.lease(millis(&flag, &text)?),
            "--retry-ms" => {
                let base = millis(&flag, &text)?;
                let cap = options.delivery.retry_cap;
                options.delivery = options.delivery.retry(base, cap);
            }
            "--header-read-timeout-ms" => {
                options.limits.header_read_timeout = millis(&flag, &text)?
            }
            "--idle-timeout-ms" => options.limits.idle_timeout = millis(&flag, &text)?,
            "--body-timeout-ms" => options.body_timeout = millis(&flag, &text)?,
            "--max-connections" => {
                options.limits.max_connections = number(&flag, &text, "a number")?;
                if options.limits.max_connections == 0 {
                    return Err(format!("{flag} {text}: not a number >= 1"));
                }
            }
            "--max-concurrent-pings" => {
                options.max_concurrent_pings = match text.as_str() {
                    "none" => None,
                    _ => Some(number(&flag, &text, "a number or none")?),
                }
            }
            "--retry-max-ms" => {
                let cap = millis(&flag, &text)?;
                let base = options.delivery.retry_base.min(cap);
                options.delivery = options.delivery.retry(base, cap);
            }
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}; try --help")),
        }
    }
    Ok(options)
}

/// Pings in flight at once, unless `--max-concurrent-pings` says otherwise.
const DEFAULT_MAX_CONCURRENT_PINGS: usize = 256;

/// `--help`: every flag, with its default.
const HELP: &str = "\
usage: server [OPTIONS]

Where it listens, and what it holds for clients:
  --listen ADDR                 address to listen on (default 127.0.0.1:8000)
  --header-read-timeout-ms MS   a request head must be complete this long after
                                accept, or after the previous response (10000)
  --idle-timeout-ms MS          close a connection without a byte either way
                                for this long (10000)
  --max-connections N           connections at once (default: 1024, or 64 under
                                the open-file limit when lower); at the limit the
                                connection waiting longest for a request is closed
  --body-timeout-ms MS          a ping's body must arrive within this (10000)
  --max-concurrent-pings N|none pings in flight at once; past it 503 (256)

The Pinging API:
  --prefix P                    where pings are mounted (/ping)
  --body-limit N|none           bytes kept of each ping body (10000)
  --forwarded none|leftmost|N   trust X-Forwarded-For/-Proto: not at all (none,
                                the default), the leftmost entry, or N proxies
  --rate-limit N/SECONDS        each check's pings past N a window are answered
                                but not recorded (off)

Checks and the store:
  --checks FILE                 define checks from a JSON array (default: demo checks)
  --database-url URL            sqlite://PATH or postgres://... (default: in memory)
  --pool N                      database connections (8)
  --batch N                     pings per transaction, at most (256)
  --writers N                   concurrent writer transactions, PostgreSQL (1)
  --store-timeout-ms MS         a store call's time limit, and a connection's (5000)
  --sweep-interval-ms MS        how often the monitor sweeps a shared database,
                                and reads the clock (1000)

Alerts:
  --webhook URL                 post each alert there as JSON (default: print it)
  --notify-timeout-ms MS        a notifier call's time limit (10000)
  --lease-ms MS                 how long a claim on an alert holds (60000)
  --retry-ms MS                 the first retry's wait (1000)
  --retry-max-ms MS             the longest wait between retries (600000)
";

/// A flag's value parsed as a number, or an error naming both.
fn number<T: std::str::FromStr>(flag: &str, text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} {text}: not {what}"))
}

/// A flag's value as a number of milliseconds, at least one.
fn millis(flag: &str, text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(Duration::from_millis(ms)),
        _ => Err(format!("{flag} {text}: not a number of milliseconds >= 1")),
    }
}

/// `N/SECONDS`, both whole numbers from 1, as a rate limit.
fn rate_limit(flag: &str, text: &str) -> Result<RateLimit, String> {
    let bad = || format!("{flag} {text}: not N/SECONDS with both from 1, such as 5/60");
    let (pings, seconds) = text.split_once('/').ok_or_else(bad)?;
    let pings: u32 = pings.parse().map_err(|_| bad())?;
    let seconds: u64 = seconds.parse().map_err(|_| bad())?;
    if pings == 0 || seconds == 0 {
        return Err(bad());
    }
    Ok(RateLimit::new(pings, Duration::from_secs(seconds)))
}

/// The demo heartbeat's period.
const MINUTE: Duration = Duration::from_secs(60);

/// The checks to define at start-up: the `--checks` file's, or the demos.
fn checks_to_define(path: Option<&str>) -> Result<Vec<NewCheck>, String> {
    let Some(path) = path else {
        return Ok(vec![
            NewCheck::new("Nightly backup").ping_key(DEMO_PING_KEY),
            NewCheck::new("Hourly sync")
                .ping_key(DEMO_PING_KEY)
                .schedule(CronSchedule::new("0 * * * *", "UTC").expect("a valid schedule"))
                .grace(Duration::from_secs(300)),
            // Ping it once and it goes down a minute and a half later.
            NewCheck::new("Heartbeat")
                .ping_key(DEMO_PING_KEY)
                .schedule(Schedule::Period(MINUTE))
                .grace(Duration::from_secs(30)),
        ]);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("--checks {path}: {e}"))?;
    seed::parse(&text, SystemTime::now()).map_err(|e| format!("--checks {path}: {e}"))
}

fn print_banner(addr: SocketAddr, prefix: &Prefix, checks: &[Check]) {
    // Written in one go, and a closed stdout is no reason to stop serving.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner(addr, prefix, checks).as_bytes());
    let _ = stdout.flush();
}

fn banner(addr: SocketAddr, prefix: &Prefix, checks: &[Check]) -> String {
    let now = SystemTime::now();
    let base = format!("http://{addr}{}", prefix.as_str().trim_end_matches('/'));
    let mut text = format!("tower-ping example listening on http://{addr}\n");
    for check in checks {
        let status = check.status_at(now).status;
        text += &format!("  {} ({status})\n    {base}/{}\n", check.name, check.uuid);
        if let Some(key) = &check.ping_key {
            text += &format!("    {base}/{key}/{}\n", check.slug);
        }
    }
    if let Some(check) = checks.first() {
        text += &format!(
            "try:  curl -fsS -m 10 --retry 5 {base}/{}/start\n",
            check.uuid
        );
        text += &format!(
            "      curl -fsS -m 10 --retry 5 --data-raw 'backup done' {base}/{}\n",
            check.uuid
        );
    }
    if let Some(quick) = checks
        .iter()
        .find(|c| c.rules.schedule.period() == Some(MINUTE))
    {
        text += &format!(
            "watch: curl -fsS {base}/{}  -- then stop: {} goes down {}s later, and its alert \
             is printed here\n",
            quick.uuid,
            quick.name,
            (MINUTE + quick.rules.grace).as_secs()
        );
    }
    text + &format!("then: curl -s http://{addr}/checks; curl -s http://{addr}/flips\n")
}

/// The app's routes with the layer on `store` in front of them.
fn app<S: CheckStore>(store: S, backend: &Backend, options: &Options) -> Router {
    // Errors on standard error, with or without a tracing subscriber (the
    // crate's `tracing` feature would send them to one, and this example
    // installs none).
    let mut layer = PingLayer::new(store)
        .prefix(options.prefix.clone())
        .forwarded_headers(options.forwarded)
        .on_store_error(|error, ping: FailedPing<'_>| {
            let check = match ping.target {
                Target::Uuid(uuid) => uuid.to_string(),
                Target::Slug { ping_key, slug } => format!("{ping_key}/{slug}"),
            };
            eprintln!("store error on a ping of {check}, answered 503: {error}");
        })
        .body_timeout(options.body_timeout);
    if let Some(max) = options.max_concurrent_pings {
        layer = layer.max_concurrent_pings(max);
    }
    layer = match options.body_limit {
        Some(limit) => layer.body_limit(limit),
        None => layer.no_body_limit(),
    };
    if let Some(limit) = &options.rate_limit {
        layer = layer.rate_limit(limit.clone());
    }
    Router::new()
        .route(
            "/",
            get(|| async { "tower-ping example app: pings go under the ping prefix\n" }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .merge(routes::routes(backend.clone()))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page in this app\n") })
        // On the outer router: the layer sees every request's full path.
        .layer(layer)
}

/// The monitor of `store`, delivering to `notifier`, running until `stop`
/// fires.
fn spawn_monitor<S: MonitorStore>(
    store: S,
    notifier: Box<dyn Notifier>,
    options: &Options,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let monitor = Monitor::new(store)
        .sweep_interval(options.sweep_interval)
        .notifier(notifier)
        .delivery(options.delivery.clone())
        .on_error(|error| eprintln!("monitor: store error: {error}"))
        .on_delivery_failure(|alert, error| {
            eprintln!(
                "alert {} ({} {}) not delivered, attempt {}: {error}",
                alert.id, alert.name, alert.flip.new_status, alert.attempt
            )
        });
    tokio::spawn(monitor.run(stopped(stop)))
}

/// Resolves once `stop` says so.
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn exit(code: i32, message: String) -> ! {
    eprintln!("server: {message}");
    std::process::exit(code);
}

#[tokio::main]
async fn main() {
    let options = parse_options().unwrap_or_else(|e| exit(2, e));
    let checks = checks_to_define(options.checks.as_deref()).unwrap_or_else(|e| exit(2, e));
    let store = Backend::open(options.database_url.as_deref(), options.store.clone())
        .await
        .unwrap_or_else(|e| exit(1, e));
    for check in checks {
        let name = check.name.clone();
        if let Err(e) = store.add_check(check).await {
            exit(2, format!("check {name:?}: {e}"));
        }
    }

    let notifier: Box<dyn Notifier> = match &options.webhook {
        Some(url) => Box::new(notify::Webhook::new(url).unwrap_or_else(|e| exit(2, e))),
        None => Box::new(notify::Print),
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| exit(1, format!("cannot listen on {}: {e}", options.listen)));
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let checks = store.checks().await.unwrap_or_default();
    // The banner first: the monitor may print alerts as soon as it runs.
    print_banner(addr, &options.prefix, &checks);

    let (stop, stop_monitor) = tokio::sync::watch::channel(false);
    let (app, monitor) = match &store {
        Backend::Memory(s) => (
            app(s.clone(), &store, &options),
            spawn_monitor(s.clone(), notifier, &options, stop_monitor),
        ),
        Backend::Sqlite(s) => (
            app(s.clone(), &store, &options),
            spawn_monitor(s.clone(), notifier, &options, stop_monitor),
        ),
        Backend::Postgres(s) => (
            app(s.clone(), &store, &options),
            spawn_monitor(s.clone(), notifier, &options, stop_monitor),
        ),
    };

    serve::serve(listener, app, options.limits.clone(), shutdown_signal()).await;
    let _ = stop.send(true);
    let _ = monitor.await;
}
