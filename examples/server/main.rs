//! An axum app with routes of its own, the Pinging API and the Management
//! API in front of it, and the monitor that flips checks that go quiet.
//!
//! ```text
//! cargo run --example server -- [--listen 127.0.0.1:8000] [--projects FILE]
//!     [--checks FILE] [--database-url sqlite://PATH|postgres://...] ...
//! ```
//!
//! `--help` lists every flag with its default. Checks live in memory
//! unless `--database-url` names a SQLite file or a PostgreSQL database.
//! The projects of `--projects` (or a demo project, whose API keys are
//! made at random and printed) and the checks of `--checks` (or the demo
//! checks) are defined at every start: a check the store has keeps its
//! state and takes the file's definition.
//!
//! Every alert (a check going down, coming back up, or still down when its
//! reminder comes) goes to each of the check's channels: `--channel
//! NAME=URL` posts a channel's alerts as JSON to a webhook (delivered on a
//! `2xx` answer, retried otherwise; `--webhook URL` is the channel
//! `webhook`). Without channels, alerts are printed on standard output, one
//! JSON line each.
//!
//! - the Pinging API under `--prefix` (`/ping`);
//! - the Management API at `/api/v1/`, `/api/v2/`, `/api/v3/`;
//! - `GET /checks`: every check, its state, how it stands now, its pings;
//! - `GET /flips`: every status change, oldest first;
//! - `POST /checks/<uuid>/pause`, `POST /checks/<uuid>/resume`,
//!   `DELETE /checks/<uuid>`: `204`, or `404` for an unknown check;
//! - `GET /healthz`: `200 ok`, or `503 store unavailable` while the store
//!   cannot write.
//!
//! The app's own routes answer without a key only when the server listens
//! on loopback; otherwise with a project's read-write API key.

mod backend;
mod notify;
mod options;
mod projects;
mod routes;
mod seed;
mod serve;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tower_ping::uuid::Uuid;
use tower_ping::{
    ApiLayer, BadgeFormat, BadgeStates, Channel, Check, CronSchedule, DashboardLayer, FailedPing,
    ManageStore, Monitor, MonitorStore, NewCheck, PingLayer, Schedule, Target,
};

use backend::Backend;
use options::Options;
use projects::Defined;

/// The demo heartbeat's period.
const MINUTE: Duration = Duration::from_secs(60);

/// The checks to define at start-up: the `--checks` file's (naming
/// `channels` by name), or the demos, in the project with `demo_key`.
fn checks_to_define(
    path: Option<&str>,
    demo_key: &str,
    channels: &HashMap<String, Uuid>,
) -> Result<Vec<NewCheck>, String> {
    let Some(path) = path else {
        return Ok(vec![
            NewCheck::new("Nightly backup").ping_key(demo_key),
            NewCheck::new("Hourly sync")
                .ping_key(demo_key)
                .schedule(CronSchedule::new("0 * * * *", "UTC").expect("a valid schedule"))
                .grace(Duration::from_secs(300)),
            // Ping it once and it goes down a minute and a half later.
            NewCheck::new("Heartbeat")
                .ping_key(demo_key)
                .schedule(Schedule::Period(MINUTE))
                .grace(Duration::from_secs(30)),
        ]);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("--checks {path}: {e}"))?;
    seed::parse(&text, SystemTime::now(), channels).map_err(|e| format!("--checks {path}: {e}"))
}

fn print_banner(text: &str) {
    // Written in one go, and a closed stdout is no reason to stop serving.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// The first line says where the server listens (tests read it); then each
/// project with its API and keys, each check with its ping URLs, and what
/// to try.
fn banner(
    addr: SocketAddr,
    site: &str,
    options: &Options,
    projects: &[Defined],
    checks: &[Check],
) -> String {
    let now = SystemTime::now();
    let pings = format!("{site}{}", options.prefix.as_str().trim_end_matches('/'));
    let mut text = format!("tower-ping example listening on http://{addr}\n");
    for defined in projects {
        let project = &defined.project;
        text += &format!(
            "project {:?} ({}), ping key {}\n  Management API: {site}/api/v3/\n",
            project.name, project.uuid, project.ping_key
        );
        if let Some((rw, ro)) = &defined.keys {
            text += &format!("  API keys (made for this run): read-write {rw}, read-only {ro}\n");
            text += &format!("  try: curl -s -H 'X-Api-Key: {rw}' {site}/api/v3/checks/\n");
        }
        if let Some(ro) = &defined.readonly_key {
            text += &format!("  Prometheus metrics: {}\n", project.metrics_url(site, ro));
        }
        if let Some(badge) = project.badge_url(
            site,
            tower_ping::ALL_CHECKS,
            BadgeFormat::Svg,
            BadgeStates::Three,
        ) {
            text += &format!("  badge of all its checks: {badge}\n");
        }
        if let Some(page) = project.status_page_url(site) {
            text += &format!("  status page: {page}\n");
        }
    }
    for check in checks {
        let status = check.status_at(now).status;
        text += &format!("  {} ({status})\n    {pings}/{}\n", check.name, check.uuid);
        if let Some(key) = &check.ping_key {
            text += &format!("    {pings}/{key}/{}\n", check.slug);
        }
    }
    if let Some(check) = checks.first() {
        text += &format!(
            "try:  curl -fsS -m 10 --retry 5 {pings}/{}/start\n",
            check.uuid
        );
        text += &format!(
            "      curl -fsS -m 10 --retry 5 --data-raw 'backup done' {pings}/{}\n",
            check.uuid
        );
    }
    if let Some(quick) = checks
        .iter()
        .find(|c| c.rules.schedule.period() == Some(MINUTE))
    {
        text += &format!(
            "watch: curl -fsS {pings}/{}  -- then stop: {} goes down {}s later, and its alert \
             is printed here\n",
            quick.uuid,
            quick.name,
            (MINUTE + quick.rules.grace).as_secs()
        );
    }
    text + &format!("then: curl -s {site}/checks; curl -s {site}/flips\n")
}

/// The app's routes with the ping layer and the Management API in front.
fn app<S>(store: S, site: &str, options: &Options) -> Router
where
    S: ManageStore + Clone,
{
    // Errors on standard error, with or without a tracing subscriber (the
    // crate's `tracing` feature would send them to one, and this example
    // installs none).
    let mut layer = PingLayer::new(store.clone())
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
    let api = ApiLayer::new(store.clone(), site)
        .ping_prefix(options.prefix.clone())
        .body_timeout(options.body_timeout)
        .on_store_error(|error| eprintln!("store error in the API, answered 503: {error}"));
    // Metrics, badges and the status page: what the badge URLs and the
    // metrics URLs of the banner open.
    let dashboard = DashboardLayer::new(store.clone(), site);
    let health = store.clone();
    // The app's own routes answer without a key only on loopback.
    let open = options.listen.ip().is_loopback();
    Router::new()
        .route(
            "/",
            get(|| async { "tower-ping example app: pings go under the ping prefix\n" }),
        )
        .route(
            "/healthz",
            get(move || {
                let store = health.clone();
                async move {
                    match store.health().await {
                        Ok(()) => (StatusCode::OK, "ok\n"),
                        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n"),
                    }
                }
            }),
        )
        .merge(routes::routes(store, open))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such page in this app\n") })
        // On the outer router: the layers see every request's full path.
        .layer(layer)
        .layer(api)
        .layer(dashboard)
        // Every route built once, here, not on each request: the server
        // below serves the router itself (for its connection limits), not
        // through `axum::serve`, which would do this for it.
        .with_state(())
}

/// The monitor of `store`, delivering each channel's alerts to its webhook
/// and printing the others (alerts without a channel, and those of
/// channels a database kept from an earlier run), running until `stop`
/// fires.
fn spawn_monitor<S: MonitorStore>(
    store: S,
    channels: impl Iterator<Item = (Uuid, notify::Webhook)>,
    options: &Options,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let mut monitor = Monitor::new(store)
        .sweep_interval(options.sweep_interval)
        .notifier(notify::Print)
        .delivery(options.delivery.clone())
        .on_error(|error| eprintln!("monitor: store error: {error}"));
    for (id, webhook) in channels {
        monitor = monitor.channel(id, webhook);
    }
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
    let options = options::parse().unwrap_or_else(|e| exit(2, e));
    let store = Backend::open(
        options.database_url.as_deref(),
        options.store.clone(),
        options.check_limit,
        options.max_undelivered_alerts,
    )
    .await
    .unwrap_or_else(|e| exit(1, e));
    match store {
        Backend::Memory(store) => run(store, options).await,
        Backend::Sqlite(store) => run(store, options).await,
        Backend::Postgres(store) => run(store, options).await,
    }
}

/// Everything after opening the store, the same on each.
async fn run<S>(store: S, options: Options)
where
    S: ManageStore + MonitorStore + Clone,
{
    let projects = projects::define(&store, options.projects.as_deref())
        .await
        .unwrap_or_else(|e| exit(2, e));
    let demo_key = projects
        .first()
        .map_or_else(String::new, |p| p.project.ping_key.clone());
    let mut channels = Vec::with_capacity(options.channels.len());
    for (name, url) in &options.channels {
        let webhook = notify::Webhook::new(url).unwrap_or_else(|e| exit(2, e));
        let id = define_channel(&store, name, "webhook").await;
        channels.push((name.clone(), id, webhook));
    }
    let by_name: HashMap<String, Uuid> = channels
        .iter()
        .map(|(name, id, _)| (name.clone(), *id))
        .collect();
    let checks = checks_to_define(options.checks.as_deref(), &demo_key, &by_name)
        .unwrap_or_else(|e| exit(2, e));
    let mut defined = Vec::with_capacity(checks.len());
    for check in checks {
        let name = check.name.clone();
        match store.define_check(check).await {
            Ok(Ok(uuid)) => defined.push(uuid),
            Ok(Err(refused)) => exit(2, format!("check {name:?}: {refused}")),
            Err(error) => exit(1, format!("check {name:?}: store error: {error}")),
        }
    }

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| exit(1, format!("cannot listen on {}: {e}", options.listen)));
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let site = options
        .site_root
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let mut shown = Vec::with_capacity(defined.len());
    for uuid in defined {
        if let Ok(Some(check)) = store.check(uuid).await {
            shown.push(check);
        }
    }
    // The banner first: the monitor may print alerts as soon as it runs.
    print_banner(&banner(addr, &site, &options, &projects, &shown));

    let (stop, stop_monitor) = tokio::sync::watch::channel(false);
    let channels = channels.into_iter().map(|(_, id, webhook)| (id, webhook));
    let monitor = spawn_monitor(store.clone(), channels, &options, stop_monitor);
    serve::serve(
        listener,
        app(store, &site, &options),
        options.limits.clone(),
        shutdown_signal(),
    )
    .await;
    let _ = stop.send(true);
    let _ = monitor.await;
}

/// Registers the channel `name`. Its id is derived from the name, so every
/// instance on one database, and every restart, registers the same channel
/// (two instances starting at once would otherwise each make one).
async fn define_channel<S: ManageStore>(store: &S, name: &str, kind: &str) -> Uuid {
    let id = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("tower-ping:channel:{name}").as_bytes(),
    );
    store
        .define_channel(Channel::new(id, name, kind))
        .await
        .unwrap_or_else(|e| exit(1, format!("channel {name:?}: store error: {e}")));
    id
}
