//! A store written over an app's own data, the way a user would: pings, the
//! monitor and its alerts.
//!
//! ```text
//! cargo run --example custom_store -- [--listen 127.0.0.1:8002]
//! ```
//!
//! The app already has teams and scheduled jobs. `jobs.rs` makes that data
//! tower-ping's store: each job gets ping URLs, the `PingLayer` records
//! pings into it, and a `Monitor` notices a job that goes quiet (or fails)
//! and prints its alerts, one per channel of the job. `GET /jobs` shows the
//! jobs; `POST /jobs/<uuid>/pause`, `.../resume` and `.../remove` are the
//! user's own acts. Copy `jobs.rs` to start a store over your own tables.

mod jobs;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tower_ping::uuid::Uuid;
use tower_ping::{
    async_trait, Alert, AlertKind, Channel, Channels, Monitor, NewCheck, Notifier, NotifyError,
    PingLayer, Rfc3339,
};

use jobs::{JobStore, Limits};

/// The ops team's ping key: `/ping/ops-team-key/<slug>` pings its jobs.
const OPS_KEY: &str = "ops-team-key";

/// The app's notifier: prints each alert. A real one posts it to the
/// channel (`alert.channel`: a chat room, a pager) and returns `Ok` once
/// the channel took it; an `Err` is retried with backoff.
struct PrintAlerts;

#[async_trait]
impl Notifier for PrintAlerts {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        let channel = alert.channel.as_ref().map_or("-", |c| c.name.as_str());
        let news = match alert.kind {
            AlertKind::Reminder => format!(
                "still {} (reminder {})",
                alert.flip.new_status, alert.reminder
            ),
            _ => alert.flip.new_status.to_string(),
        };
        println!(
            "alert to {channel}: {} is {news} ({} at {})",
            alert.check.name,
            alert.flip.reason,
            Rfc3339::new(alert.flip.at)
        );
        Ok(())
    }
}

/// `GET /jobs`: each job with its status, its last pings and its flips.
async fn list_jobs(State(store): State<JobStore>) -> String {
    let mut out = String::new();
    for job in store.jobs() {
        let check = &job.check;
        let recent: Vec<String> = job
            .pings
            .iter()
            .rev()
            .take(5)
            .rev()
            .map(|ping| format!("#{} {}", ping.n, ping.kind.as_str()))
            .collect();
        out += &format!(
            "{} / {}: {} after {} pings [{}]\n",
            job.team.as_deref().unwrap_or("-"),
            check.name,
            check.state.status.as_str(),
            check.state.n_pings,
            recent.join(", ")
        );
        for flip in &job.flips {
            let delivered = if flip.delivered { "alerted" } else { "" };
            out += &format!(
                "  {} -> {} ({}) at {} {delivered}\n",
                flip.flip.old_status,
                flip.flip.new_status,
                flip.flip.reason,
                Rfc3339::new(flip.flip.at)
            );
        }
    }
    out
}

/// `POST /jobs/<uuid>/<act>`: pause, resume or remove a job. The user's own
/// acts change a job without a flip, so nobody is alerted of them.
async fn act(
    State(store): State<JobStore>,
    Path((uuid, act)): Path<(Uuid, String)>,
) -> (StatusCode, &'static str) {
    let done = match act.as_str() {
        "pause" => store.pause(uuid),
        "resume" => store.resume(uuid),
        "remove" => store.remove(uuid),
        _ => return (StatusCode::NOT_FOUND, "no such act\n"),
    };
    if done {
        (StatusCode::OK, "done\n")
    } else {
        (StatusCode::NOT_FOUND, "no such job\n")
    }
}

#[tokio::main]
async fn main() {
    let listen = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => "127.0.0.1:8002".to_owned(),
        [flag, addr] if flag == "--listen" => addr.clone(),
        _ => {
            eprintln!("usage: custom_store [--listen ADDR]");
            std::process::exit(2);
        }
    };

    let store = JobStore::new(Limits::default());
    store.add_team("ops", OPS_KEY);
    // The app's channels: each alert of a job goes to each channel it has.
    let chat = Channel::new(Uuid::new_v4(), "ops chat", "chat");
    let pager = Channel::new(Uuid::new_v4(), "on-call pager", "pager");
    store.add_channel(chat.clone());
    store.add_channel(pager);
    // The database dump runs daily and alerts every channel. Log rotation
    // runs every minute, tells the chat only, and reminds it every ten
    // minutes while it stays down.
    let dump = NewCheck::new("Database dump")
        .ping_key(OPS_KEY)
        .timeout(Duration::from_secs(24 * 3600))
        .grace(Duration::from_secs(3600));
    let mut rotation = NewCheck::new("Log rotation")
        .ping_key(OPS_KEY)
        .timeout(Duration::from_secs(60))
        .grace(Duration::from_secs(30))
        .channels(Channels::only([chat.id]));
    rotation.rules.remind_every = Some(Duration::from_secs(600));
    for job in [dump, rotation] {
        store.define_job(job).expect("a valid job");
    }

    // The monitor: sweeps the store at each deadline, and hands each alert
    // to the notifier (`Monitor::channel` would give a channel one of its
    // own). It stops after the server.
    let (stop_monitor, monitor_stops) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(store.clone()).notifier(PrintAlerts);
    let monitor = tokio::spawn(monitor.run(async {
        let _ = monitor_stops.await;
    }));

    let app = Router::new()
        .route("/jobs", get(list_jobs))
        .route("/jobs/{uuid}/{act}", post(act))
        .with_state(store.clone())
        .layer(PingLayer::new(store.clone()));
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .expect("listen address is free");
    let addr = listener.local_addr().expect("bound");
    println!("tower-ping custom store example listening on http://{addr}");
    for job in store.jobs() {
        let check = &job.check;
        println!(
            "  {}: http://{addr}/ping/{}  or  http://{addr}/ping/{OPS_KEY}/{}",
            check.name, check.uuid, check.slug
        );
    }
    println!("then: curl -s http://{addr}/jobs");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .expect("serves until Ctrl-C");
    // At shutdown the monitor gives back the alerts of calls still running.
    let _ = stop_monitor.send(());
    monitor.await.expect("the monitor stops");
}
