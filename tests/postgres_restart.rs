//! The example server on PostgreSQL while the database goes away and comes
//! back: a real crash and restart of the test cluster (`pg_ctl stop -m
//! immediate`, then `start`, through `TOWER_PING_POSTGRES_CTL` from
//! `scripts/with-postgres.sh`), and the same outage made by a TCP proxy
//! between the server and the database (its connections cut, new ones
//! refused), which needs no control over the cluster.
//!
//! While the database is gone, pings and `/healthz` answer `503` within
//! the store's time limit and a check goes overdue; once it is back, the
//! first ping is `200` within 5 s, the overdue check flips within about a
//! sweep interval of that, dated at its deadline, and its alert is posted
//! (SPEC 15, "Recovery").
//!
//! The two tests take turns (a restart would cut the other's connections
//! too), and no other test binary runs while this one does under `cargo
//! test`.

mod support;

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower_ping::sqlx::postgres::PgConnectOptions;
use uuid::Uuid;

use support::{client, get_json, http, Server, Webhook, WebhookMode};

/// The variable naming the script that stops and starts the test cluster.
const CTL_VAR: &str = "TOWER_PING_POSTGRES_CTL";

const SWEEP: Duration = Duration::from_millis(200);
const STORE_TIMEOUT: Duration = Duration::from_millis(1000);
/// What a step may take beyond its bound on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);
/// Quick's timeout plus grace: it is down this long after its ping.
const QUICK_DUE: Duration = Duration::from_secs(2);

/// One test at a time in this binary.
async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// The cluster's control script, or `None` (with a line saying so) when the
/// database is not one this run may restart. Under CI it must be there.
fn restart_control() -> Option<String> {
    match std::env::var(CTL_VAR) {
        Ok(ctl) if !ctl.is_empty() => Some(ctl),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true" || ci == "1") => panic!(
            "CI=true but {CTL_VAR} is unset: run the tests through scripts/with-postgres.sh, \
             which makes a cluster the tests may restart"
        ),
        _ => {
            eprintln!(
                "skipped: the PostgreSQL restart; {CTL_VAR} is unset (scripts/with-postgres.sh \
                 sets it for the cluster it makes)"
            );
            None
        }
    }
}

fn ctl(script: &str, action: &str) {
    let status = std::process::Command::new(script)
        .arg(action)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{script} {action}: {e}"));
    assert!(status.success(), "{script} {action}: {status}");
}

/// A stopped cluster, started again when dropped if the test did not (so
/// that a failing test leaves it running for the next binaries).
struct Stopped {
    script: String,
    started: bool,
}

impl Stopped {
    fn stop(script: &str) -> Stopped {
        ctl(script, "stop");
        Stopped {
            script: script.to_owned(),
            started: false,
        }
    }

    fn start(&mut self) {
        ctl(&self.script, "start");
        self.started = true;
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if !self.started {
            ctl(&self.script, "start");
        }
    }
}

/// A TCP proxy in front of PostgreSQL that can play a stopped server: its
/// connections cut and its port closed, then open again.
struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    accepting: Option<JoinHandle<()>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            target,
            accepting: None,
            links: Arc::default(),
        };
        proxy.accept(listener);
        proxy
    }

    fn accept(&mut self, listener: TcpListener) {
        let (target, links) = (self.target, self.links.clone());
        self.accepting = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().unwrap().push(link);
            }
        }));
    }

    /// Cuts every connection and closes the port: a connect is refused.
    fn stop(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
        }
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// Listens on the same port again.
    async fn restart(&mut self) {
        let started = Instant::now();
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                // The aborted task drops its listener a moment later.
                Err(_) if started.elapsed() < Duration::from_secs(5) => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                Err(e) => panic!("the proxy's port {}: {e}", self.addr),
            }
        };
        self.accept(listener);
    }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority.rsplit_once('@').map(|(user, _)| user);
    match user {
        Some(user) => format!("{scheme}://{user}@{addr}/{path}"),
        None => format!("{scheme}://{addr}/{path}"),
    }
}

async fn database_address(url: &str) -> SocketAddr {
    let options = PgConnectOptions::from_str(url).expect("a PostgreSQL URL");
    tokio::net::lookup_host(format!("{}:{}", options.get_host(), options.get_port()))
        .await
        .unwrap()
        .next()
        .expect("the database's address")
}

/// The example server on `database_url`, a check to ping (`Busy`) and one
/// to go overdue during the outage (`Quick`), alerts to a webhook.
struct Run {
    server: Server,
    webhook: Webhook,
    busy: Uuid,
    quick: Uuid,
    _dir: support::TempDb,
}

impl Run {
    async fn start(database_url: &str) -> Run {
        let (busy, quick) = (Uuid::new_v4(), Uuid::new_v4());
        let dir = support::TempDb::new();
        let seeds = dir.file("checks.json");
        std::fs::write(
            &seeds,
            json!([
                {"uuid": busy, "name": "Busy", "timeout": 86400},
                {"uuid": quick, "name": "Quick", "timeout": 1, "grace": 1}
            ])
            .to_string(),
        )
        .unwrap();
        let webhook = Webhook::start(WebhookMode::Accept).await;
        let server = Server::start(&[
            "--database-url",
            database_url,
            "--checks",
            seeds.to_str().unwrap(),
            "--webhook",
            &webhook.url(),
            "--sweep-interval-ms",
            &SWEEP.as_millis().to_string(),
            "--store-timeout-ms",
            &STORE_TIMEOUT.as_millis().to_string(),
        ]);
        Run {
            server,
            webhook,
            busy,
            quick,
            _dir: dir,
        }
    }

    async fn get(&self, path: &str) -> Option<u16> {
        let url = format!("{}{path}", self.server.base());
        tokio::time::timeout(STORE_TIMEOUT * 3 + SLACK, http(&client(), "GET", &url, b""))
            .await
            .unwrap_or_else(|_| panic!("GET {path}: no answer within the store's time limit"))
            .map(|s| s.as_u16())
    }

    /// Both checks pinged: Quick's deadline is `QUICK_DUE` from now.
    async fn before(&self) -> SystemTime {
        assert_eq!(self.get(&format!("/ping/{}", self.busy)).await, Some(200));
        let pinged = SystemTime::now();
        assert_eq!(self.get(&format!("/ping/{}", self.quick)).await, Some(200));
        pinged
    }

    /// While the database is gone: `503` for pings and `/healthz`; returns
    /// once Quick is past its deadline.
    async fn during(&self, quick_pinged: SystemTime) {
        assert_eq!(self.get(&format!("/ping/{}", self.busy)).await, Some(503));
        let started = Instant::now();
        while self.get("/healthz").await != Some(503) {
            assert!(
                started.elapsed() < STORE_TIMEOUT * 2 + SLACK,
                "/healthz still 200 with the database gone"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let past = quick_pinged + QUICK_DUE + Duration::from_millis(500);
        if let Ok(wait) = past.duration_since(SystemTime::now()) {
            tokio::time::sleep(wait).await;
        }
        assert_eq!(self.get(&format!("/ping/{}", self.busy)).await, Some(503));
    }

    /// From `back` (the database accepting connections again): the first
    /// ping `200` within 5 s, Quick's flip within a sweep interval after
    /// it, dated at its deadline, its alert posted, `/healthz` `200`.
    async fn after(&self, back: Instant, quick_pinged: SystemTime) {
        let ping = format!("/ping/{}", self.busy);
        let first_ok = loop {
            if self.get(&ping).await == Some(200) {
                break Instant::now();
            }
            assert!(
                back.elapsed() < Duration::from_secs(5) + SLACK,
                "no ping answered 200 within 5 s of the database's return"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        eprintln!(
            "postgres_restart: first 200 {:?} after the database was back",
            first_ok - back
        );
        let client = client();
        let flip = loop {
            let flips = get_json(&client, &format!("{}/flips", self.server.base())).await;
            let down = flips
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["uuid"] == self.quick.to_string() && f["new_status"] == "down");
            if let Some(down) = down {
                break down.clone();
            }
            assert!(
                first_ok.elapsed() < SWEEP + SLACK,
                "Quick not down {:?} after the first 200 (sweep interval {SWEEP:?})",
                first_ok.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        eprintln!(
            "postgres_restart: Quick down {:?} after the first 200",
            first_ok.elapsed()
        );
        // Dated at its deadline (its ping plus timeout and grace), not when
        // the sweep came round.
        let at: jiff::Timestamp = flip["at"].as_str().unwrap().parse().unwrap();
        let deadline = jiff::Timestamp::try_from(quick_pinged + QUICK_DUE).unwrap();
        let off = at.duration_since(deadline).as_secs_f64();
        assert!(
            (-0.1..0.5).contains(&off),
            "the flip is dated {at}, {off} s from the deadline {deadline}"
        );
        let started = Instant::now();
        loop {
            let down = self
                .webhook
                .accepted()
                .into_iter()
                .find(|a| a["uuid"] == self.quick.to_string() && a["new_status"] == "down");
            if let Some(down) = down {
                assert_eq!(down["old_status"], "up");
                assert!(down["id"].is_u64());
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "Quick's alert not posted"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(self.get("/healthz").await, Some(200));
        let checks: Value = get_json(&client, &format!("{}/checks", self.server.base())).await;
        let busy = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["uuid"] == self.busy.to_string())
            .expect("Busy listed")
            .clone();
        assert_eq!(busy["status"], "up");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_postgres_crash_and_restart_pings_and_overdue_checks_come_back() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let Some(script) = restart_control() else {
        return;
    };
    let _turn = one_at_a_time().await;
    let database = support::fresh_postgres_database(&url).await;
    let run = Run::start(&database).await;
    let quick_pinged = run.before().await;
    let mut stopped = Stopped::stop(&script);
    run.during(quick_pinged).await;
    // `start` returns once the server accepts connections again.
    stopped.start();
    run.after(Instant::now(), quick_pinged).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_its_connections_are_cut_and_refused_a_while_the_server_comes_back() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let _turn = one_at_a_time().await;
    let database = support::fresh_postgres_database(&url).await;
    let mut proxy = Proxy::start(database_address(&database).await).await;
    let run = Run::start(&through(&database, proxy.addr)).await;
    let quick_pinged = run.before().await;
    proxy.stop();
    run.during(quick_pinged).await;
    proxy.restart().await;
    run.after(Instant::now(), quick_pinged).await;
}

#[test]
fn a_url_is_pointed_at_the_proxy() {
    let proxy = SocketAddr::from(([127, 0, 0, 1], 4321));
    assert_eq!(
        through("postgres://tower_ping@127.0.0.1:5432/db_1", proxy),
        "postgres://tower_ping@127.0.0.1:4321/db_1"
    );
    assert_eq!(
        through("postgresql://u:p@db.example:5432/x?sslmode=disable", proxy),
        "postgresql://u:p@127.0.0.1:4321/x?sslmode=disable"
    );
}
