//! Load harness for the dashboard: a project of N checks on a store, its
//! Prometheus scrape and a tag's badge answered through `DashboardLayer`
//! in-process (the request through the layer and the store, the whole body
//! read; no network), and the median of several rounds.
//!
//! ```text
//! cargo build --release --example dashboard_load
//! target/release/examples/dashboard_load --store memory
//! target/release/examples/dashboard_load --store sqlite
//! scripts/with-postgres.sh target/release/examples/dashboard_load --store postgres
//!     [--checks 1000,10000,100000] [--rounds 11]
//! ```
//!
//! Each size gets a fresh store (SQLite in a file of a temporary
//! directory, PostgreSQL in a fresh schema of `TOWER_PING_POSTGRES_URL`)
//! with one project of N checks: every tenth down, the rest up, tags
//! `t<i mod 100>`, and the tag `badge` on the first 1,000. It prints, for
//! each size, the scrape's median, fastest and slowest time and its bytes,
//! and the median time of the `badge` tag's JSON badge (1,000 checks of
//! the N).

use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_ping::{
    BadgeFormat, BadgeStates, CheckState, DashboardLayer, KeyDigest, ManageStore, MemoryStore,
    NewCheck, NewProject, Orphans, PostgresStore, Project, SqlStoreOptions, SqliteStore, Status,
};
use uuid::Uuid;

const RO_KEY: &str = "hcr_dashboardloadreadonlykey0001";
const PING_KEY: &str = "dashboard-load";

struct Options {
    store: String,
    sizes: Vec<usize>,
    rounds: usize,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        store: "memory".into(),
        sizes: vec![1_000, 10_000, 100_000],
        rounds: 11,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--store" => options.store = value()?,
            "--checks" => {
                options.sizes = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|_| format!("not a number: {n}")))
                    .collect::<Result<_, _>>()?
            }
            "--rounds" => {
                options.rounds = value()?.parse().map_err(|_| "--rounds takes a number")?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// The checks of a project of `n`, as the harness defines them.
fn checks(n: usize, now: SystemTime) -> Vec<NewCheck> {
    (0..n)
        .map(|i| {
            let mut state = CheckState::with_status(if i % 10 == 0 {
                Status::Down
            } else {
                Status::Up
            });
            state.last_ping = Some(now);
            let mut tags = format!("t{}", i % 100);
            if i < 1_000 {
                tags.push_str(" badge");
            }
            NewCheck::new(format!("check {i}"))
                .tags(tags)
                .timeout(Duration::from_secs(3_600))
                .initial_state(state)
        })
        .collect()
}

async fn populate<S: ManageStore>(store: &S, n: usize) -> Project {
    let new = NewProject::new(Uuid::new_v4(), "Load", PING_KEY)
        .api_key_readonly(KeyDigest::of(RO_KEY))
        .badge_key("load-badges");
    let project = store
        .define_project(new)
        .await
        .map_err(|e| e.to_string())
        .and_then(|defined| defined.map_err(|e| e.to_string()))
        .expect("the project is defined");
    // In sets of 5,000: each set is one step of the store, within its
    // call timeout; the sets before are kept.
    let mut all = checks(n, SystemTime::now());
    while !all.is_empty() {
        let rest = all.split_off(all.len().min(5_000));
        store
            .define_checks(PING_KEY, all, Orphans::Keep)
            .await
            .map_err(|e| e.to_string())
            .and_then(|defined| defined.map_err(|e| e.to_string()))
            .expect("the checks are defined");
        all = rest;
    }
    project
}

/// `GET uri` through `app`, `rounds` times: each time and the body's size.
async fn measure(app: &Router, uri: &str, rounds: usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(rounds);
    let mut bytes = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let response = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).expect("a request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        let body = response.into_body().collect().await.expect("a body");
        bytes = body.to_bytes().len();
        times.push(started.elapsed());
    }
    times.sort();
    (times, bytes)
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e3)
}

async fn run<S: ManageStore + Clone>(store: S, name: &str, n: usize, rounds: usize) {
    let started = Instant::now();
    let project = populate(&store, n).await;
    let populated = started.elapsed();
    let app = Router::new().layer(DashboardLayer::new(store, "http://bench"));
    let metrics = format!("/projects/{}/metrics/{RO_KEY}", project.uuid);
    let (times, bytes) = measure(&app, &metrics, rounds).await;
    let badge = project
        .badge_url("", "badge", BadgeFormat::Json, BadgeStates::Three)
        .expect("a badge key");
    let (badge_times, _) = measure(&app, &badge, rounds).await;
    println!(
        "| {name} | {n} | {} | {} | {} | {bytes} | {} |   (populated in {:.1} s)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        ms(badge_times[badge_times.len() / 2]),
        populated.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let options = match parse() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("dashboard_load: {error}");
            std::process::exit(2);
        }
    };
    println!("| store | checks | scrape median ms | fastest | slowest | bytes | badge of 1,000 median ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &n in &options.sizes {
        match options.store.as_str() {
            "memory" => run(MemoryStore::new(), "memory", n, options.rounds).await,
            "sqlite" => {
                let dir = std::env::temp_dir().join(format!("dashboard-load-{}", Uuid::new_v4()));
                std::fs::create_dir_all(&dir).expect("a temporary directory");
                let url = format!("sqlite://{}", dir.join("checks.db").display());
                let store = SqliteStore::connect_with(&url, store_options())
                    .await
                    .expect("SQLite opens");
                run(store, "SQLite", n, options.rounds).await;
                let _ = std::fs::remove_dir_all(&dir);
            }
            "postgres" => {
                let url = std::env::var("TOWER_PING_POSTGRES_URL")
                    .expect("TOWER_PING_POSTGRES_URL (run through scripts/with-postgres.sh)");
                let store = fresh_postgres(&url).await;
                run(store, "PostgreSQL", n, options.rounds).await;
            }
            other => {
                eprintln!("dashboard_load: --store memory|sqlite|postgres, not {other}");
                std::process::exit(2);
            }
        }
    }
}

/// The SQL stores' options: defining 100,000 checks takes longer than the
/// default call timeout of 5 s (a scrape does not).
fn store_options() -> SqlStoreOptions {
    SqlStoreOptions::new().call_timeout(Duration::from_secs(300))
}

/// A store in a fresh schema of the database at `url`.
async fn fresh_postgres(url: &str) -> PostgresStore {
    use std::str::FromStr;
    use tower_ping::sqlx::postgres::PgConnectOptions;
    let schema = format!("load_{}", Uuid::new_v4().simple());
    let admin = tower_ping::sqlx::PgPool::connect(url)
        .await
        .expect("the database answers");
    tower_ping::sqlx::query(tower_ping::sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA {schema}"
    )))
    .execute(&admin)
    .await
    .expect("a schema");
    admin.close().await;
    let connect = PgConnectOptions::from_str(url)
        .expect("a valid URL")
        .options([("search_path", schema.as_str())]);
    PostgresStore::connect_with_options(connect, store_options())
        .await
        .expect("PostgreSQL connects")
}
