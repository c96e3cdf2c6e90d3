//! Two independent layer instances, each with its own PostgreSQL pool and
//! writer, on one database: thousands of concurrent pings to the same checks
//! spread over both are each recorded once, numbered 1..=N per check.

mod support;

use std::collections::HashSet;

use axum::http::StatusCode;
use futures_util::future::join_all;
use tower_ping::{NewCheck, PostgresStore, SqlStoreOptions};

use support::{client, http, serve};

const PINGS: usize = 4000;
const CLIENTS: usize = 64;
const KEY: &str = "shared-ping-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_number_every_ping_once() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    // Enough log to see every ping; both instances migrate at once.
    let options = SqlStoreOptions::new().ping_log_limit(PINGS).max_batch(64);
    let (a, b) = tokio::join!(
        PostgresStore::connect_with_options(connect.clone(), options.clone()),
        PostgresStore::connect_with_options(connect, options),
    );
    let (a, b) = (
        a.expect("instance A connects"),
        b.expect("instance B connects"),
    );
    let mut uuids = Vec::new();
    for name in ["one", "two", "three"] {
        uuids.push(
            a.add_check(NewCheck::new(name).ping_key(KEY))
                .await
                .unwrap(),
        );
    }
    let addrs = [
        serve(support::app(a.clone())).await,
        serve(support::app(b.clone())).await,
    ];

    let tasks = (0..CLIENTS).map(|c| {
        let uuids = uuids.clone();
        tokio::spawn(async move {
            let client = client();
            let mut i = c;
            while i < PINGS {
                // Spread over both instances, the UUID and slug forms, and a
                // check created on first ping by whichever instance wins.
                let path = match i % 4 {
                    0 | 1 => format!("/ping/{}", uuids[i % 3]),
                    2 => format!("/ping/{KEY}/two"),
                    _ => format!("/ping/{KEY}/created-on-the-fly?create=1"),
                };
                let url = format!("http://{}{path}", addrs[(i / 2) % 2]);
                let status = http(&client, "POST", &url, format!("{i}").as_bytes()).await;
                assert!(
                    matches!(status, Some(StatusCode::OK | StatusCode::CREATED)),
                    "ping {i}: {status:?}"
                );
                i += CLIENTS;
            }
        })
    });
    for task in join_all(tasks).await {
        task.expect("no client failed");
    }

    let checks = a.checks().await.unwrap();
    assert_eq!(checks.len(), 4, "the on-the-fly check was created once");
    let mut seen = HashSet::new();
    for check in &checks {
        let pings = b.pings(check.uuid).await.unwrap().unwrap();
        assert_eq!(check.state.n_pings, pings.len() as u64);
        let numbers: Vec<u64> = pings.iter().map(|p| p.n).collect();
        assert_eq!(
            numbers,
            (1..=pings.len() as u64).collect::<Vec<_>>(),
            "{}",
            check.name
        );
        for ping in pings {
            let i: usize = std::str::from_utf8(&ping.body).unwrap().parse().unwrap();
            assert!(seen.insert(i), "ping {i} recorded twice");
        }
    }
    assert_eq!(seen.len(), PINGS, "every ping recorded");
}
