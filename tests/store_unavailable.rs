//! A slow or broken database never hangs the app: pings answer `503` within
//! the configured timeout, the app's own routes keep answering, and pings
//! succeed again once the database is back.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tower_ping::sqlx::{self, Connection};
use tower_ping::{NewCheck, PostgresStore, SqlStoreOptions, SqliteStore};
use uuid::Uuid;

use support::{app, send};

const TIMEOUT: Duration = Duration::from_millis(300);
/// What a `503` may take beyond the timeout on a loaded CI machine.
const SLACK: Duration = Duration::from_millis(1500);

fn options() -> SqlStoreOptions {
    SqlStoreOptions::new()
        .call_timeout(TIMEOUT)
        .acquire_timeout(TIMEOUT)
}

/// While the database is unavailable: pings 503 in time, the app answers.
async fn assert_unavailable(app: &Router, uuid: Uuid) {
    let ping = {
        let app = app.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = send(&app, "GET", &format!("/ping/{uuid}"), b"").await;
            (answer, started.elapsed())
        })
    };
    // The app's own route answers while the ping waits on the database.
    let started = Instant::now();
    assert_eq!(
        send(app, "GET", "/app", b"").await,
        (StatusCode::OK, "app".into())
    );
    assert!(started.elapsed() < TIMEOUT, "the app waited on the store");
    let ((status, body), took) = ping.await.unwrap();
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
    );
    assert!(took < TIMEOUT + SLACK, "503 after {took:?}");
}

/// Pings succeed again, within a few seconds of the database's return.
async fn assert_back(app: &Router, uuid: Uuid) {
    let started = Instant::now();
    let mut failed = 0;
    loop {
        let (status, _) = send(app, "GET", &format!("/ping/{uuid}"), b"").await;
        if status == StatusCode::OK {
            // At most one failure per connection broken while it was away.
            assert!(
                failed <= 8,
                "{failed} failures after the database came back"
            );
            return;
        }
        failed += 1;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_write_lock_held_answers_503_then_recovers() {
    let dir = support::TempDb::new();
    let url = dir.url();
    let store = SqliteStore::connect_with(&url, options()).await.unwrap();
    let uuid = store.add_check(NewCheck::new("Job")).await.unwrap();
    let app = app(store.clone());
    assert_eq!(
        send(&app, "GET", &format!("/ping/{uuid}"), b"").await.0,
        StatusCode::OK
    );

    // Another process's long write transaction holds the database's lock.
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    assert_unavailable(&app, uuid).await;
    // Unhealthy from the failed write until a write succeeds: the probe
    // write meets the same lock.
    assert!(store.health().await.is_err(), "healthy while locked");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

    store.health().await.expect("healthy once the lock is gone");
    assert_back(&app, uuid).await;
    // The ping answered 503 was not recorded behind the client's back.
    assert_eq!(store.check(uuid).await.unwrap().unwrap().state.n_pings, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_held_answers_503_then_recovers() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    let store = PostgresStore::connect_with_options(connect.clone(), options())
        .await
        .unwrap();
    let uuid = store.add_check(NewCheck::new("Job")).await.unwrap();
    let app = app(store.clone());
    assert_eq!(
        send(&app, "GET", &format!("/ping/{uuid}"), b"").await.0,
        StatusCode::OK
    );

    let mut other = sqlx::PgConnection::connect_with(&connect).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("LOCK TABLE tower_ping_checks IN ACCESS EXCLUSIVE MODE")
        .execute(&mut other)
        .await
        .unwrap();
    assert_unavailable(&app, uuid).await;
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

    assert_back(&app, uuid).await;
    assert_eq!(store.check(uuid).await.unwrap().unwrap().state.n_pings, 2);
}

/// A TCP proxy in front of PostgreSQL that can play a stopped server: its
/// connections are cut and new ones refused until it is started again.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            up: Arc::new(AtomicBool::new(true)),
            links: Arc::default(),
        };
        let (up, links) = (proxy.up.clone(), proxy.links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees its connection closed
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().unwrap().push(link);
            }
        });
        proxy
    }

    fn stop(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restart(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_answers_503_then_recovers() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    let target = tokio::net::lookup_host(format!("{}:{}", connect.get_host(), connect.get_port()))
        .await
        .unwrap()
        .next()
        .expect("the database's address");
    let proxy = Proxy::start(target).await;
    let through_proxy = connect.host("127.0.0.1").port(proxy.addr.port());
    let store = PostgresStore::connect_with_options(through_proxy, options())
        .await
        .unwrap();
    let uuid = store.add_check(NewCheck::new("Job")).await.unwrap();
    let app = app(store.clone());
    assert_eq!(
        send(&app, "GET", &format!("/ping/{uuid}"), b"").await.0,
        StatusCode::OK
    );

    proxy.stop();
    // Both the pooled connections breaking and new ones being refused.
    assert_unavailable(&app, uuid).await;
    assert_unavailable(&app, uuid).await;
    assert!(
        store.health().await.is_err(),
        "healthy while the server is down"
    );
    proxy.restart();

    assert_back(&app, uuid).await;
    store
        .health()
        .await
        .expect("healthy once the server is back");
    assert_eq!(store.check(uuid).await.unwrap().unwrap().state.n_pings, 2);
}
