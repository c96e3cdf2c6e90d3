//! Store faults under load: a store that fails, stalls and panics behind a
//! real server, driven by thousands of concurrent pings for a bounded time.
//! Afterwards every acknowledged ping is in the store exactly once.

mod common;
mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use common::{Call, Fault, FaultStore};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use support::serve;
use tokio::sync::Mutex;
use tower_ping::{MemoryStore, NewCheck, PingLayer, Target};
use uuid::Uuid;

const STORE_TIMEOUT: Duration = Duration::from_millis(300);
/// Well past the store timeout, so the layer always gives up first.
const STALL: Duration = Duration::from_millis(900);
const WORKERS: usize = 500;
const PINGS: usize = 6_000;
/// The load stops sending at this bound, whatever it reached.
const LOAD_BOUND: Duration = Duration::from_secs(90);
const CHECKS: usize = 16;

/// The fault each ping meets, by its number.
fn fault_of(id: usize) -> Planned {
    match id % 20 {
        0 => Planned::Record(Fault::Error),
        1 => Planned::Record(Fault::Panic),
        2 => Planned::Record(Fault::SleepThenWrite(STALL)),
        3 => Planned::Record(Fault::WriteThenSleep(STALL)),
        4 => Planned::Record(Fault::SleepThenWrite(Duration::from_millis(20))),
        5 => Planned::Resolve("resolve-error", Fault::Error),
        6 => Planned::Resolve("resolve-panic", Fault::Panic),
        7 => Planned::Resolve("resolve-stall", Fault::SleepThenWrite(STALL)),
        _ => Planned::Record(Fault::None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Planned {
    /// A ping by UUID whose `record` meets the fault.
    Record(Fault),
    /// A ping by slug whose `resolve` meets the fault.
    Resolve(&'static str, Fault),
}

/// The ping number a body carries: `id=<n>`.
fn id_in(body: &[u8]) -> usize {
    std::str::from_utf8(body)
        .unwrap()
        .strip_prefix("id=")
        .unwrap()
        .parse()
        .unwrap()
}

fn silence_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info.payload().downcast_ref::<&str>() == Some(&"injected panic");
            if !injected {
                default(info);
            }
        }));
    });
}

struct Outcome {
    id: usize,
    status: u16,
    text: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pings_are_recorded_exactly_once_whatever_the_store_does() {
    silence_injected_panics();
    let memory = MemoryStore::with_ping_log_limit(PINGS);
    let uuids: Vec<Uuid> = (0..CHECKS)
        .map(|i| {
            memory
                .add_check(NewCheck::new(format!("Job {i}")).ping_key("key"))
                .unwrap()
        })
        .collect();
    for slug in ["resolve-error", "resolve-panic", "resolve-stall"] {
        memory
            .add_check(NewCheck::new(slug).ping_key("key"))
            .unwrap();
    }
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Resolve(Target::Slug { slug, .. }) => match slug {
            "resolve-error" => Fault::Error,
            "resolve-panic" => Fault::Panic,
            "resolve-stall" => Fault::SleepThenWrite(STALL),
            _ => Fault::None,
        },
        Call::Resolve(Target::Uuid(_)) => Fault::None,
        Call::Record(ping) => match fault_of(id_in(&ping.body)) {
            Planned::Record(fault) => fault,
            Planned::Resolve(..) => Fault::None,
        },
    });
    let errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hook_errors = errors.clone();
    let layer = PingLayer::new(store)
        .store_timeout(STORE_TIMEOUT)
        .on_store_error(move |_, _| {
            hook_errors.fetch_add(1, Ordering::Relaxed);
        });
    let app = Router::new()
        .route("/app", get(|| async { "app" }))
        .layer(layer);
    let addr = serve(app).await;

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Vec::with_capacity(PINGS)));
    let app_answers = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (client, next, outcomes, app_answers) = (
            client.clone(),
            next.clone(),
            outcomes.clone(),
            app_answers.clone(),
        );
        let uuids = uuids.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id >= PINGS || started.elapsed() > LOAD_BOUND {
                    return;
                }
                let path = match fault_of(id) {
                    Planned::Resolve(slug, _) => format!("/ping/key/{slug}"),
                    Planned::Record(_) => format!("/ping/{}", uuids[id % CHECKS]),
                };
                let (status, text) = post(&client, addr, &path, format!("id={id}")).await;
                outcomes.lock().await.push(Outcome { id, status, text });
                // The app's own routes answer throughout.
                if id % 10 == worker % 10 {
                    let (status, text) = fetch(&client, addr, "/app").await;
                    assert_eq!((status, text.as_str()), (200, "app"));
                    app_answers.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for worker in workers {
        worker
            .await
            .expect("no worker saw a dropped connection or a wrong app answer");
    }
    // Let every abandoned store call run its course before counting.
    tokio::time::sleep(STALL * 2).await;

    let mut found: HashMap<usize, usize> = HashMap::new();
    for check in memory.checks() {
        for ping in memory.pings(check.uuid).unwrap() {
            *found.entry(id_in(&ping.body)).or_default() += 1;
        }
    }
    let outcomes = outcomes.lock().await;
    let (mut acknowledged, mut lost, mut late_writes) = (0, 0, 0);
    for outcome in outcomes.iter() {
        let count = found.get(&outcome.id).copied().unwrap_or(0);
        let answer = (outcome.status, outcome.text.as_str());
        let context = format!(
            "ping {} ({:?}) answered {answer:?}, found {count}",
            outcome.id,
            fault_of(outcome.id)
        );
        match fault_of(outcome.id) {
            Planned::Record(Fault::None | Fault::SleepThenWrite(_)) if answer == (200, "OK") => {}
            Planned::Record(Fault::Error) | Planned::Resolve(_, Fault::Error) => {
                assert_eq!(answer, (503, "store unavailable"), "{context}");
            }
            Planned::Record(Fault::Panic) | Planned::Resolve(_, Fault::Panic) => {
                assert_eq!(answer, (500, "internal error"), "{context}");
            }
            Planned::Record(Fault::SleepThenWrite(_) | Fault::WriteThenSleep(_))
            | Planned::Resolve(..) => {
                assert_eq!(answer, (503, "store unavailable"), "{context}");
            }
            other => panic!("unplanned {other:?}: {context}"),
        }
        if outcome.status == 200 {
            acknowledged += 1;
            if count != 1 {
                lost += 1;
            }
            assert_eq!(count, 1, "{context}");
        } else if fault_of(outcome.id) == Planned::Record(Fault::WriteThenSleep(STALL)) {
            // The write landed before the layer gave up: at most once.
            assert!(count <= 1, "{context}");
            late_writes += count;
        } else {
            assert_eq!(count, 0, "{context}");
        }
    }
    let recorded: usize = found.values().sum();
    eprintln!(
        "faults under load: {} pings sent by {WORKERS} workers in {:.1?}, {acknowledged} acknowledged, \
         {} found in the store ({late_writes} of them answered 503 after a late write), {lost} lost; \
         {} store errors seen by the hook; {} app requests answered",
        outcomes.len(),
        started.elapsed(),
        recorded,
        errors.load(Ordering::Relaxed),
        app_answers.load(Ordering::Relaxed),
    );
    assert_eq!(
        outcomes.len(),
        PINGS,
        "every ping was sent and answered within the bound"
    );
    assert_eq!(lost, 0);
    assert_eq!(
        recorded,
        acknowledged + late_writes,
        "nothing else was recorded"
    );
    assert!(acknowledged > PINGS / 2, "most pings meet no fault");
    // No panic escaped: the server still answers, pings and app alike.
    let (status, _) = post(
        &client,
        addr,
        &format!("/ping/{}", uuids[0]),
        format!("id={}", PINGS + 8),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fetch(&client, addr, "/app").await, (200, "app".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_bound_pings_are_turned_away_and_the_store_never_sees_more() {
    const BOUND: usize = 32;
    const LOAD: usize = 6_000;
    let memory = MemoryStore::with_ping_log_limit(LOAD);
    let uuid = memory.add_check(NewCheck::new("Busy")).unwrap();
    // Every write takes a while, so pings pile up in front of the store.
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(_) => Fault::SleepThenWrite(Duration::from_millis(30)),
        Call::Resolve(_) => Fault::None,
    });
    let max_in_flight = store.max_in_flight.clone();
    let layer = PingLayer::new(store)
        .max_concurrent_pings(BOUND)
        .store_timeout(Duration::from_secs(30));
    let addr = serve(
        Router::new()
            .route("/app", get(|| async { "app" }))
            .layer(layer),
    )
    .await;

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Vec::with_capacity(LOAD)));
    let started = Instant::now();
    // Two rounds of the same load: what the first leaves resident, the second
    // must not grow, as nothing queues or accumulates past the bound.
    let mut resident = vec![resident_kib()];
    for round in 1..=2 {
        let limit = LOAD * round / 2;
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (client, next, outcomes) = (client.clone(), next.clone(), outcomes.clone());
                tokio::spawn(async move {
                    loop {
                        let id = next.fetch_add(1, Ordering::Relaxed);
                        if id >= limit || started.elapsed() > LOAD_BOUND {
                            return;
                        }
                        let path = format!("/ping/{uuid}");
                        let (status, text) = post(&client, addr, &path, format!("id={id}")).await;
                        outcomes.lock().await.push(Outcome { id, status, text });
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        next.store(limit, Ordering::Relaxed);
        resident.push(resident_kib());
    }
    let found: HashMap<usize, usize> =
        memory
            .pings(uuid)
            .unwrap()
            .iter()
            .fold(HashMap::new(), |mut found, ping| {
                *found.entry(id_in(&ping.body)).or_default() += 1;
                found
            });
    let outcomes = outcomes.lock().await;
    let (mut acknowledged, mut turned_away) = (0, 0);
    for outcome in outcomes.iter() {
        let count = found.get(&outcome.id).copied().unwrap_or(0);
        match (outcome.status, outcome.text.as_str()) {
            (200, "OK") => {
                acknowledged += 1;
                assert_eq!(count, 1, "ping {} acknowledged, found {count}", outcome.id);
            }
            (503, "too many pings") => {
                turned_away += 1;
                assert_eq!(count, 0, "ping {} turned away, found {count}", outcome.id);
            }
            other => panic!("ping {} answered {other:?}", outcome.id),
        }
    }
    eprintln!(
        "overload: {} pings by {WORKERS} workers against a bound of {BOUND}: {acknowledged} acknowledged \
         and found once, {turned_away} turned away with 503, most store calls in flight {}; \
         resident memory of the test process (KiB) before, after round 1, after round 2: {resident:?}",
        outcomes.len(),
        max_in_flight.load(Ordering::SeqCst),
    );
    assert_eq!(outcomes.len(), LOAD);
    assert!(
        max_in_flight.load(Ordering::SeqCst) <= BOUND,
        "the store never saw more than the bound"
    );
    assert!(
        acknowledged > 0 && turned_away > 0,
        "{acknowledged} acknowledged, {turned_away} turned away"
    );
}

/// The process's resident memory, for the report (Linux only).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn post(client: &HttpClient, addr: SocketAddr, path: &str, body: String) -> (u16, String) {
    let request = http::Request::post(format!("http://{addr}{path}"))
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    send(client, request).await
}

async fn fetch(client: &HttpClient, addr: SocketAddr, path: &str) -> (u16, String) {
    let request = http::Request::get(format!("http://{addr}{path}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    send(client, request).await
}

async fn send(client: &HttpClient, request: http::Request<Full<Bytes>>) -> (u16, String) {
    let response = client
        .request(request)
        .await
        .expect("an answer, never a dropped connection");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a whole answer")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}
