//! Two independent layer instances, each with its own PostgreSQL pool and
//! writer, on one database: thousands of concurrent pings to the same checks
//! spread over both are each recorded once, numbered 1..=N per check; two
//! instances sweeping the same overdue checks flip each once; and pings on
//! one instance racing sweeps on the other never leave a down flip after
//! the ping's up.

mod support;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use futures_util::future::join_all;
use tower_ping::{
    CheckState, CheckStore, FlipReason, Lookup, MonitorStore, NewCheck, Ping, PostgresStore,
    Signal, SqlStoreOptions, Status, Target,
};

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

/// Two stores on a fresh schema, as two app instances would be.
async fn two_instances(url: &str) -> (PostgresStore, PostgresStore) {
    let connect = support::fresh_postgres_schema(url).await;
    let options = SqlStoreOptions::new();
    let (a, b) = tokio::join!(
        PostgresStore::connect_with_options(connect.clone(), options.clone()),
        PostgresStore::connect_with_options(connect, options),
    );
    (
        a.expect("instance A connects"),
        b.expect("instance B connects"),
    )
}

/// 2030-01-01T00:00:00Z.
fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

/// `n` checks, up since `t0`, expecting a ping a minute with 30 s of grace:
/// all due at `t0 + 90 s`.
async fn overdue_checks(store: &PostgresStore, n: usize) -> Vec<uuid::Uuid> {
    let mut state = CheckState::with_status(Status::Up);
    state.last_ping = Some(t0());
    let mut uuids = Vec::with_capacity(n);
    for i in 0..n {
        let check = NewCheck::new(format!("check {i}"))
            .ping_key(KEY)
            .timeout(Duration::from_secs(60))
            .grace(Duration::from_secs(30))
            .initial_state(state.clone());
        uuids.push(store.add_check(check).await.expect("defined"));
    }
    uuids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sweeping_together_flip_each_check_once() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let (a, b) = two_instances(&url).await;
    overdue_checks(&a, 1000).await;
    let now = t0() + Duration::from_secs(95);
    let (swept_a, swept_b) = tokio::join!(a.sweep(now), b.sweep(now));
    let (swept_a, swept_b) = (swept_a.unwrap(), swept_b.unwrap());
    assert_eq!(
        swept_a.flipped + swept_b.flipped,
        1000,
        "{swept_a:?} {swept_b:?}"
    );

    let flips = a.flips().await.unwrap();
    assert_eq!(flips.len(), 1000);
    let checks: HashSet<_> = flips.iter().map(|f| f.check).collect();
    assert_eq!(checks.len(), 1000, "one flip per check");
    assert!(flips.iter().all(
        |f| f.flip.reason == FlipReason::Timeout && f.flip.at == t0() + Duration::from_secs(90)
    ));
    assert_eq!(b.sweep(now).await.unwrap().flipped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_on_one_instance_racing_sweeps_on_the_other_leave_no_down_after_up() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let (a, b) = two_instances(&url).await;
    let uuids = overdue_checks(&a, 200).await;
    let now = t0() + Duration::from_secs(95);
    let pings = uuids.iter().map(|uuid| {
        let a = a.clone();
        let uuid = *uuid;
        async move {
            let Lookup::Found(id) = a.resolve(Target::Uuid(uuid)).await.unwrap() else {
                panic!("no check {uuid}");
            };
            a.record(id, Ping::new(Signal::Success, now)).await.unwrap();
        }
    });
    let sweeps = async {
        let mut flipped = 0;
        for _ in 0..20 {
            flipped += b.sweep(now).await.unwrap().flipped;
        }
        flipped
    };
    let (_, flipped) = tokio::join!(join_all(pings), sweeps);
    assert!(flipped <= uuids.len());

    let flips = a.flips().await.unwrap();
    for uuid in &uuids {
        let of_check: Vec<_> = flips
            .iter()
            .filter(|f| f.check == *uuid)
            .map(|f| (f.flip.new_status, f.flip.reason))
            .collect();
        assert_eq!(
            of_check,
            [
                (Status::Down, FlipReason::Timeout),
                (Status::Up, FlipReason::Success)
            ],
            "check {uuid}"
        );
        assert_eq!(
            b.check(*uuid).await.unwrap().unwrap().state.status,
            Status::Up
        );
    }
}
