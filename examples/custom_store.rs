//! A `CheckStore` written over an app's own data, the way a user would.
//!
//! ```text
//! cargo run --example custom_store -- [--listen 127.0.0.1:8002]
//! ```
//!
//! The app already has teams and scheduled jobs. Each job gets a ping URL; the
//! store resolves pings to jobs, lets `tower_ping::apply` decide what a ping
//! means, and writes the result back into the job. `GET /jobs` shows them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use tokio::sync::Mutex;
use tower_ping::{
    apply, async_trait, CheckRules, CheckState, CheckStore, Kind, Lookup, Ping, PingLayer, Target,
};
use uuid::Uuid;

/// A job of the app, with the monitoring fields it keeps for itself.
struct Job {
    team: String,
    name: String,
    slug: String,
    ping_uuid: Uuid,
    state: CheckState,
    /// The kinds of the last few pings, newest last.
    history: Vec<(u64, Kind)>,
}

/// The app's data: teams by ping key, jobs by id.
#[derive(Default)]
struct Jobs {
    team_keys: HashMap<String, String>,
    jobs: HashMap<u64, Job>,
}

/// The store: a handle on the app's data.
#[derive(Clone, Default)]
struct JobStore(Arc<Mutex<Jobs>>);

/// The job disappeared between resolving and recording the ping.
#[derive(Debug)]
struct JobGone(u64);

impl std::fmt::Display for JobGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "job {} was deleted while a ping for it was in flight",
            self.0
        )
    }
}

impl std::error::Error for JobGone {}

#[async_trait]
impl CheckStore for JobStore {
    /// The app's own primary key.
    type CheckId = u64;
    type Error = JobGone;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<u64>, JobGone> {
        let data = self.0.lock().await;
        let mut matches = data.jobs.iter().filter(|(_, job)| match target {
            Target::Uuid(uuid) => job.ping_uuid == uuid,
            Target::Slug { ping_key, slug } => {
                data.team_keys.get(ping_key) == Some(&job.team) && job.slug == slug
            }
        });
        Ok(match (matches.next(), matches.next()) {
            (Some((id, _)), None) => Lookup::Found(*id),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            (None, _) => Lookup::NotFound,
        })
    }

    async fn record(&self, id: u64, ping: Ping) -> Result<(), JobGone> {
        // One lock for the read-apply-write, so concurrent pings of a job
        // are numbered one after the other.
        let mut data = self.0.lock().await;
        let job = data.jobs.get_mut(&id).ok_or(JobGone(id))?;
        let transition = apply(&job.state, &CheckRules::default(), &ping);
        job.history.push((transition.n, transition.kind));
        if job.history.len() > 20 {
            job.history.remove(0);
        }
        job.state = transition.state;
        Ok(())
    }
    // `create` keeps its default: this app makes jobs in its own UI, never
    // from `?create=1`.
}

async fn list_jobs(State(store): State<JobStore>) -> String {
    let data = store.0.lock().await;
    let mut ids: Vec<_> = data.jobs.keys().copied().collect();
    ids.sort_unstable();
    ids.iter()
        .map(|id| {
            let job = &data.jobs[id];
            let recent: Vec<_> = job
                .history
                .iter()
                .map(|(n, kind)| format!("#{n} {}", kind.as_str()))
                .collect();
            format!(
                "{} / {}: {} after {} pings [{}]\n",
                job.team,
                job.name,
                job.state.status.as_str(),
                job.state.n_pings,
                recent.join(", ")
            )
        })
        .collect()
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
    let store = JobStore::default();
    {
        let mut data = store.0.lock().await;
        data.team_keys.insert("ops-team-key".into(), "ops".into());
        for (id, name) in [(1, "Database dump"), (2, "Log rotation")] {
            data.jobs.insert(
                id,
                Job {
                    team: "ops".into(),
                    slug: tower_ping::slugify(name),
                    name: name.into(),
                    ping_uuid: Uuid::new_v4(),
                    state: CheckState::default(),
                    history: Vec::new(),
                },
            );
        }
    }

    let app = Router::new()
        .route("/jobs", get(list_jobs))
        .with_state(store.clone())
        .layer(PingLayer::new(store.clone()));
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .expect("listen address is free");
    let addr = listener.local_addr().expect("bound");
    println!("tower-ping custom store example listening on http://{addr}");
    for job in store.0.lock().await.jobs.values() {
        println!(
            "  {}: http://{addr}/ping/{}  or  http://{addr}/ping/ops-team-key/{}",
            job.name, job.ping_uuid, job.slug
        );
    }
    println!("then: curl -s http://{addr}/jobs");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .expect("serves until killed");
}
