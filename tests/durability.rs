//! Acknowledged means durable: an example server on SQLite, killed with
//! SIGKILL in the middle of a load, has every ping it answered `200` for
//! when it comes back.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use support::{client, get_json, http, Server};

const CHECKS: usize = 200;
/// Below the log limit of 100 per check, so that no acknowledged ping is
/// pruned and each can be looked for.
const MAX_PINGS: usize = CHECKS * 90;
const CLIENTS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_ping_survives_sigkill() {
    let dir = support::TempDb::new();
    let db = dir.url();
    let uuids: Vec<Uuid> = (0..CHECKS).map(|_| Uuid::new_v4()).collect();
    let seeds: Vec<_> = uuids
        .iter()
        .enumerate()
        .map(|(i, uuid)| json!({"uuid": uuid, "name": format!("Check {i}")}))
        .collect();
    let checks_file = dir.file("checks.json");
    std::fs::write(&checks_file, serde_json::to_vec(&seeds).unwrap()).unwrap();
    let checks_arg = checks_file.to_str().unwrap();

    let mut server = Server::start(&["--database-url", &db, "--checks", checks_arg]);
    let base = format!("http://{}", server.addr);
    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let uuids = Arc::new(uuids);
    let load: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, acknowledged, uuids, base) = (
                next.clone(),
                acknowledged.clone(),
                uuids.clone(),
                base.clone(),
            );
            tokio::spawn(async move {
                let client = client();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= MAX_PINGS {
                        return;
                    }
                    let url = format!("{base}/ping/{}", uuids[i % CHECKS]);
                    match http(&client, "POST", &url, format!("ping-{i}").as_bytes()).await {
                        Some(StatusCode::OK) => acknowledged.lock().unwrap().push(i),
                        Some(other) => panic!("ping {i}: {other}"),
                        None => return, // the server is gone
                    }
                }
            })
        })
        .collect();

    // Kill it mid-load: after a good number of acknowledgements, while the
    // clients keep sending.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 2000 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let sent = next.load(Ordering::Relaxed);
    for task in load {
        task.await.expect("a client task ends");
    }
    let acknowledged: Vec<usize> = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        acknowledged.len() >= 2000,
        "the load was too slow: {} acks",
        acknowledged.len()
    );
    assert!(
        sent < MAX_PINGS,
        "the server was killed after the load, not during it"
    );

    // Restart on the same file (seeding again upserts, keeping the state).
    let server = Server::start(&["--database-url", &db, "--checks", checks_arg]);
    let checks = get_json(&client(), &format!("http://{}/checks", server.addr)).await;
    let mut found = HashSet::new();
    for check in checks.as_array().expect("a list of checks") {
        let pings = check["pings"].as_array().unwrap();
        assert_eq!(check["n_pings"].as_u64().unwrap(), pings.len() as u64);
        for (k, ping) in pings.iter().enumerate() {
            assert_eq!(
                ping["n"].as_u64().unwrap(),
                k as u64 + 1,
                "gap-free numbers"
            );
            let body = ping["body"].as_str().unwrap();
            let i: usize = body.strip_prefix("ping-").unwrap().parse().unwrap();
            assert_eq!(
                check["uuid"].as_str().unwrap(),
                uuids[i % CHECKS].to_string()
            );
            assert!(found.insert(i), "ping {i} recorded twice");
        }
    }
    let missing: Vec<_> = acknowledged.iter().filter(|i| !found.contains(i)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(acknowledged.len() <= found.len());
    eprintln!(
        "durability: {} pings acknowledged before SIGKILL, {} found after restart",
        acknowledged.len(),
        found.len()
    );
}

#[tokio::test]
async fn sqlite_commits_are_flushed_in_wal_mode() {
    use tower_ping::sqlx;
    let dir = support::TempDb::new();
    let store = tower_ping::SqliteStore::connect(&dir.url()).await.unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(synchronous, 2, "synchronous=FULL: each commit is fsynced");
}
