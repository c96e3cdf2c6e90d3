//! An axum app with routes of its own and the Pinging API in front of it.
//!
//! ```text
//! cargo run --example server -- [--listen 127.0.0.1:8000] [--checks checks.json]
//!     [--prefix /ping] [--body-limit 10000|none] [--forwarded none|leftmost|N]
//!     [--database-url sqlite://PATH|postgres://...] [--pool N] [--batch N]
//!     [--writers N] [--store-timeout-ms MS] [--rate-limit N/SECONDS]
//! ```
//!
//! Checks live in memory unless `--database-url` names a SQLite file or a
//! PostgreSQL database; `--checks` then upserts its checks by UUID, and
//! without it the demo checks are added only to an empty database.
//!
//! `--rate-limit 5/60` lets each check (by UUID, or by ping key and slug)
//! through 5 times a minute; pings over it are answered without being
//! recorded.
//!
//! `GET /checks` lists every check with its state and ping log as JSON.

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_ping::{
    AllowedMethods, Check, CheckRules, CheckStore, ForwardedHeaders, KeywordFilter, LoggedPing,
    MemoryStore, NewCheck, PingLayer, PostgresStore, Prefix, RateLimit, SqlStoreError,
    SqlStoreOptions, SqliteStore, Status,
};
use uuid::Uuid;

/// The ping key of checks seeded without one.
const DEMO_PING_KEY: &str = "demo-ping-key";

struct Options {
    listen: SocketAddr,
    checks: Option<String>,
    prefix: Prefix,
    body_limit: Option<usize>,
    forwarded: ForwardedHeaders,
    database_url: Option<String>,
    store: SqlStoreOptions,
    rate_limit: Option<RateLimit>,
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
        rate_limit: None,
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
            "--rate-limit" => options.rate_limit = Some(rate_limit(&flag, &text)?),
            "--help" | "-h" => {
                println!("usage: server [--listen ADDR] [--checks FILE] [--prefix P] [--body-limit N|none] [--forwarded none|leftmost|N] [--database-url sqlite://PATH|postgres://...] [--pool N] [--batch N] [--writers N] [--store-timeout-ms MS] [--rate-limit N/SECONDS]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}; try --help")),
        }
    }
    Ok(options)
}

/// A flag's value parsed as a number, or an error naming both.
fn number<T: std::str::FromStr>(flag: &str, text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} {text}: not {what}"))
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

/// One check of the `--checks` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedCheck {
    uuid: Option<Uuid>,
    name: String,
    slug: Option<String>,
    ping_key: Option<String>,
    #[serde(default)]
    status: SeedStatus,
    #[serde(default)]
    manual_resume: bool,
    #[serde(default)]
    methods: String,
    #[serde(default)]
    filter_body: bool,
    #[serde(default)]
    success_kw: String,
    #[serde(default)]
    failure_kw: String,
    #[serde(default)]
    start_kw: String,
    #[serde(default)]
    default_fail: bool,
}

#[derive(Deserialize, Default, PartialEq)]
#[serde(rename_all = "lowercase")]
enum SeedStatus {
    #[default]
    New,
    Paused,
}

impl SeedCheck {
    fn into_new_check(self) -> Result<NewCheck, String> {
        let methods = match self.methods.as_str() {
            "" => AllowedMethods::Any,
            "POST" => AllowedMethods::PostOnly,
            other => {
                return Err(format!(
                    "check {:?}: methods {other:?} is not \"\" or \"POST\"",
                    self.name
                ))
            }
        };
        let mut check = NewCheck::new(self.name)
            .ping_key(self.ping_key.unwrap_or_else(|| DEMO_PING_KEY.into()));
        if let Some(uuid) = self.uuid {
            check = check.uuid(uuid);
        }
        if let Some(slug) = self.slug {
            check = check.slug(slug);
        }
        if self.status == SeedStatus::Paused {
            check = check.paused();
        }
        check.rules = CheckRules {
            manual_resume: self.manual_resume,
            methods,
            filter: KeywordFilter {
                filter_body: self.filter_body,
                success_kw: self.success_kw,
                failure_kw: self.failure_kw,
                start_kw: self.start_kw,
                default_fail: self.default_fail,
            },
        };
        Ok(check)
    }
}

/// The store the example runs on; the JSON of `GET /checks` is rendered in
/// one place for all of them.
#[derive(Clone)]
enum Backend {
    Memory(MemoryStore),
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Backend {
    async fn open(options: &Options) -> Result<Self, String> {
        let store = options.store.clone();
        let fail = |e: SqlStoreError| format!("--database-url: {e}");
        Ok(match options.database_url.as_deref() {
            None => Backend::Memory(MemoryStore::new()),
            Some(url) if url.starts_with("sqlite:") => {
                Backend::Sqlite(SqliteStore::connect_with(url, store).await.map_err(fail)?)
            }
            Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
                Backend::Postgres(
                    PostgresStore::connect_with(url, store)
                        .await
                        .map_err(fail)?,
                )
            }
            Some(url) => {
                return Err(format!(
                    "--database-url {url}: not sqlite:// or postgres://"
                ))
            }
        })
    }

    async fn add_check(&self, check: NewCheck) -> Result<(), SqlStoreError> {
        match self {
            Backend::Memory(store) => drop(store.add_check(check)),
            Backend::Sqlite(store) => drop(store.add_check(check).await?),
            Backend::Postgres(store) => drop(store.add_check(check).await?),
        }
        Ok(())
    }

    async fn checks(&self) -> Result<Vec<Check>, SqlStoreError> {
        match self {
            Backend::Memory(store) => Ok(store.checks()),
            Backend::Sqlite(store) => store.checks().await,
            Backend::Postgres(store) => store.checks().await,
        }
    }

    async fn pings(&self, uuid: Uuid) -> Result<Vec<LoggedPing>, SqlStoreError> {
        Ok(match self {
            Backend::Memory(store) => store.pings(uuid),
            Backend::Sqlite(store) => store.pings(uuid).await?,
            Backend::Postgres(store) => store.pings(uuid).await?,
        }
        .unwrap_or_default())
    }
}

async fn seed(store: &Backend, path: Option<&str>) -> Result<(), String> {
    let fail = |e: SqlStoreError| format!("seeding the checks: {e}");
    let Some(path) = path else {
        // A database keeps its checks: the demo ones go into an empty one only.
        if store.checks().await.map_err(fail)?.is_empty() {
            store
                .add_check(NewCheck::new("Nightly backup").ping_key(DEMO_PING_KEY))
                .await
                .map_err(fail)?;
            store
                .add_check(NewCheck::new("Hourly sync").ping_key(DEMO_PING_KEY))
                .await
                .map_err(fail)?;
        }
        return Ok(());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("--checks {path}: {e}"))?;
    let seeds: Vec<SeedCheck> =
        serde_json::from_str(&text).map_err(|e| format!("--checks {path}: {e}"))?;
    for seed in seeds {
        store
            .add_check(seed.into_new_check()?)
            .await
            .map_err(fail)?;
    }
    Ok(())
}

async fn list_checks(State(store): State<Backend>) -> Result<Json<Value>, (StatusCode, String)> {
    let unavailable = |e: SqlStoreError| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {e}\n"),
        )
    };
    let mut checks = Vec::new();
    for check in store.checks().await.map_err(unavailable)? {
        let pings = store.pings(check.uuid).await.map_err(unavailable)?;
        checks.push(check_json(&check, &pings));
    }
    Ok(Json(Value::Array(checks)))
}

fn check_json(check: &Check, pings: &[LoggedPing]) -> Value {
    let state = &check.state;
    json!({
        "uuid": check.uuid,
        "name": check.name,
        "slug": check.slug,
        "ping_key": check.ping_key,
        "status": state.status.as_str(),
        "n_pings": state.n_pings,
        "last_ping": state.last_ping.map(rfc3339),
        "last_start": state.last_start.map(rfc3339),
        "last_start_rid": state.last_start_rid,
        "last_duration": state.last_duration.map(|d| d.as_secs_f64()),
        "pings": pings.iter().map(ping_json).collect::<Vec<_>>(),
    })
}

fn ping_json(ping: &LoggedPing) -> Value {
    json!({
        "n": ping.n,
        "kind": ping.kind.as_str(),
        "exit_status": ping.exit_status,
        "method": ping.method.as_str(),
        "scheme": ping.scheme.as_str(),
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
        "rid": ping.rid,
        "body": String::from_utf8_lossy(&ping.body),
        "body_len": ping.body.len(),
        "received_at": rfc3339(ping.received_at),
    })
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_micros(time).to_string()
}

fn print_banner(addr: SocketAddr, prefix: &Prefix, checks: &[Check]) {
    // Written in one go, and a closed stdout is no reason to stop serving.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner(addr, prefix, checks).as_bytes());
    let _ = stdout.flush();
}

fn banner(addr: SocketAddr, prefix: &Prefix, checks: &[Check]) -> String {
    let base = format!("http://{addr}{}", prefix.as_str().trim_end_matches('/'));
    let mut text = format!("tower-ping example listening on http://{addr}\n");
    for check in checks {
        let paused = if check.state.status == Status::Paused {
            " (paused)"
        } else {
            ""
        };
        text += &format!("  {}{paused}\n    {base}/{}\n", check.name, check.uuid);
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
    text + &format!("then: curl -s http://{addr}/checks\n")
}

/// The app's routes with the layer on `store` in front of them.
fn app<S: CheckStore>(store: S, backend: &Backend, options: &Options) -> Router {
    let mut layer = PingLayer::new(store)
        .prefix(options.prefix.clone())
        .forwarded_headers(options.forwarded);
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
        .route("/checks", get(list_checks))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page in this app\n") })
        .with_state(backend.clone())
        // On the outer router: the layer sees every request's full path.
        .layer(layer)
}

#[tokio::main]
async fn main() {
    let options = parse_options().unwrap_or_else(|e| {
        eprintln!("server: {e}");
        std::process::exit(2);
    });
    let store = Backend::open(&options).await.unwrap_or_else(|e| {
        eprintln!("server: {e}");
        std::process::exit(1);
    });
    if let Err(e) = seed(&store, options.checks.as_deref()).await {
        eprintln!("server: {e}");
        std::process::exit(2);
    }

    let app = match &store {
        Backend::Memory(s) => app(s.clone(), &store, &options),
        Backend::Sqlite(s) => app(s.clone(), &store, &options),
        Backend::Postgres(s) => app(s.clone(), &store, &options),
    };

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| {
            eprintln!("server: cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        });
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let checks = store.checks().await.unwrap_or_default();
    print_banner(addr, &options.prefix, &checks);

    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .expect("the server runs until shut down");
}
