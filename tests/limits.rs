//! The layer's limits: body timeout, store timeout, the bound on pings in
//! flight, the rate limit beside it, and what a panicking store gets its
//! client.

mod common;
mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use common::{pings_recorded, Call, FailsMidway, Fault, FaultStore, NeverEnds, PanicsWhenRead};
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use support::serve;
use tower::{service_fn, ServiceExt};
use tower_layer::Layer;
use tower_ping::{MemoryStore, NewCheck, PingLayer, RateLimit};
use uuid::Uuid;

/// Generous: these are bounds on behaviour on a busy machine, not speed.
const SHORT: Duration = Duration::from_millis(200);
const BOUND: Duration = Duration::from_secs(20);

fn store_with_check() -> (MemoryStore, Uuid) {
    let store = MemoryStore::new();
    let uuid = store
        .add_check(NewCheck::new("Backup").ping_key("key"))
        .unwrap();
    (store, uuid)
}

/// Sends one request through `layer` over an app that answers `app`.
async fn send<B>(layer: &PingLayer<FaultStore>, request: Request<B>) -> (StatusCode, String)
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Debug,
{
    let app = service_fn(|_: Request<B>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"app"))))
    });
    let response = tokio::time::timeout(BOUND, layer.layer(app).oneshot(request))
        .await
        .expect("answered within the bound")
        .expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("answer body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn ping(uuid: Uuid) -> Request<Full<Bytes>> {
    Request::post(format!("/ping/{uuid}"))
        .body(Full::new(Bytes::from_static(b"done")))
        .unwrap()
}

fn healthy(store: MemoryStore) -> FaultStore {
    FaultStore::new(store, |_| Fault::None)
}

#[tokio::test]
async fn body_that_never_ends_is_answered_408_after_the_body_timeout() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).body_timeout(SHORT);
    let request = Request::post(format!("/ping/{uuid}"))
        .body(NeverEnds)
        .unwrap();
    assert_eq!(
        send(&layer, request).await,
        (StatusCode::REQUEST_TIMEOUT, "request body timed out".into())
    );
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn body_that_fails_midway_is_answered_400_and_not_recorded() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).body_timeout(SHORT);
    let request = Request::post(format!("/ping/{uuid}"))
        .body(FailsMidway(false))
        .unwrap();
    assert_eq!(
        send(&layer, request).await,
        (StatusCode::BAD_REQUEST, "invalid request body".into())
    );
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn body_within_the_timeout_is_recorded() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).body_timeout(BOUND);
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK".into())
    );
    assert_eq!(memory.pings(uuid).unwrap()[0].body, "done");
}

#[tokio::test]
async fn store_call_past_the_store_timeout_is_answered_503_and_not_written() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(_) => Fault::SleepThenWrite(SHORT * 5),
        Call::Resolve(_) => Fault::None,
    });
    let layer = PingLayer::new(store).store_timeout(SHORT);
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable".into())
    );
    // The abandoned write never happens, even after its delay has passed.
    tokio::time::sleep(SHORT * 6).await;
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn slow_resolve_past_the_store_timeout_is_answered_503() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Resolve(_) => Fault::SleepThenWrite(BOUND),
        Call::Record(_) => Fault::None,
    });
    let layer = PingLayer::new(store).store_timeout(SHORT);
    assert_eq!(
        send(&layer, ping(uuid)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn write_that_lands_but_acknowledges_late_is_recorded_once_and_answered_503() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(_) => Fault::WriteThenSleep(SHORT * 5),
        Call::Resolve(_) => Fault::None,
    });
    let layer = PingLayer::new(store).store_timeout(SHORT);
    assert_eq!(
        send(&layer, ping(uuid)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // The race the docs warn of: the client was told 503, the ping is there.
    assert_eq!(pings_recorded(&memory), 1);
}

#[tokio::test]
async fn store_error_is_answered_503_and_reaches_the_hook() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(_) => Fault::Error,
        Call::Resolve(_) => Fault::None,
    });
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hook_seen = seen.clone();
    let layer = PingLayer::new(store).on_store_error(move |_, _| {
        hook_seen.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable".into())
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn pings_past_the_bound_get_503_at_once_and_the_bound_frees_up() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(_) => Fault::Gate,
        Call::Resolve(_) => Fault::None,
    });
    let gate = store.gate.clone();
    let max_in_flight = store.max_in_flight.clone();
    let layer = PingLayer::new(store).max_concurrent_pings(4);

    // Four pings take every place and wait at the gate.
    let mut held = Vec::new();
    for _ in 0..4 {
        let layer = layer.clone();
        held.push(tokio::spawn(async move { send(&layer, ping(uuid)).await }));
    }
    tokio::time::timeout(BOUND, async {
        while max_in_flight.load(Ordering::SeqCst) < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("four pings reach the store");

    // Everything past them is turned away without waiting, and unrecorded.
    for _ in 0..100 {
        let answer = send(&layer, ping(uuid)).await;
        assert_eq!(
            answer,
            (StatusCode::SERVICE_UNAVAILABLE, "too many pings".into())
        );
    }
    assert_eq!(pings_recorded(&memory), 0);
    assert_eq!(
        max_in_flight.load(Ordering::SeqCst),
        4,
        "the store never saw more than the bound"
    );

    gate.add_permits(4);
    for task in held {
        assert_eq!(task.await.unwrap(), (StatusCode::OK, "OK".into()));
    }
    assert_eq!(pings_recorded(&memory), 4);
    gate.add_permits(1);
    assert_eq!(
        send(&layer, ping(uuid)).await.0,
        StatusCode::OK,
        "places were given back"
    );
}

#[tokio::test]
async fn overloaded_answer_carries_retry_after_and_requests_that_are_not_pings_pass() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).max_concurrent_pings(0);
    let app = service_fn(|_: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"app"))))
    });
    let service = layer.layer(app);
    let response = service.clone().oneshot(ping(uuid)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let request = Request::get("/dashboard")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "app"
    );
}

#[tokio::test]
async fn a_dropped_ping_gives_its_place_back() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).max_concurrent_pings(1);
    let app = service_fn(|_: Request<NeverEnds>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    });
    // The client goes away while its body is still coming: the future is dropped.
    let stalled = layer.layer(app).oneshot(
        Request::post(format!("/ping/{uuid}"))
            .body(NeverEnds)
            .unwrap(),
    );
    assert!(
        tokio::time::timeout(SHORT, stalled).await.is_err(),
        "still reading the body"
    );
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK".into())
    );
}

#[tokio::test]
async fn a_limited_ping_neither_takes_a_place_in_flight_nor_is_refused_one() {
    let (memory, uuid) = store_with_check();
    let other = memory.add_check(NewCheck::new("Other")).unwrap();
    let layer = PingLayer::new(healthy(memory.clone()))
        .max_concurrent_pings(1)
        .rate_limit(RateLimit::new(1, Duration::from_secs(3_600)));
    let app = service_fn(|_: Request<NeverEnds>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    });
    // The check's one ping of the hour holds the one place, its body still coming.
    let mut held = Box::pin(
        layer.layer(app).oneshot(
            Request::post(format!("/ping/{uuid}"))
                .body(NeverEnds)
                .unwrap(),
        ),
    );
    assert!(tokio::time::timeout(SHORT, &mut held).await.is_err());
    // Its next ping is over the limit: answered so, not "too many pings".
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK (rate-limited)".into())
    );
    // Another check within its limit finds the place taken.
    assert_eq!(
        send(&layer, ping(other)).await,
        (StatusCode::SERVICE_UNAVAILABLE, "too many pings".into())
    );
    drop(held);
    assert_eq!(pings_recorded(&memory), 0);
}

#[tokio::test]
async fn a_limited_ping_is_answered_without_reading_its_body() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone()))
        .rate_limit(RateLimit::new(1, Duration::from_secs(3_600)));
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK".into())
    );
    let request = Request::post(format!("/ping/{uuid}"))
        .body(PanicsWhenRead)
        .unwrap();
    assert_eq!(
        send(&layer, request).await,
        (StatusCode::OK, "OK (rate-limited)".into())
    );
    assert_eq!(pings_recorded(&memory), 1);
}

#[tokio::test]
async fn a_panicking_store_gets_500_and_gives_its_place_back() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Record(ping) if ping.body == "panic" => Fault::Panic,
        _ => Fault::None,
    });
    let layer = PingLayer::new(store).max_concurrent_pings(1);
    let request = Request::post(format!("/ping/{uuid}"))
        .body(Full::new(Bytes::from_static(b"panic")))
        .unwrap();
    assert_eq!(
        send(&layer, request).await,
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
    );
    assert_eq!(pings_recorded(&memory), 0);
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK".into())
    );
}

#[tokio::test]
async fn a_panicking_body_gets_500_and_nothing_recorded() {
    let (memory, uuid) = store_with_check();
    let layer = PingLayer::new(healthy(memory.clone())).max_concurrent_pings(1);
    let request = Request::post(format!("/ping/{uuid}"))
        .body(PanicsWhenRead)
        .unwrap();
    assert_eq!(
        send(&layer, request).await,
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
    );
    assert_eq!(pings_recorded(&memory), 0);
    assert_eq!(
        send(&layer, ping(uuid)).await,
        (StatusCode::OK, "OK".into())
    );
}

/// End to end: hyper's connection survives the panic and the client reads a
/// 500, then the same connection serves the app and another ping.
#[tokio::test]
async fn a_panicking_store_behind_a_real_server_answers_500_on_a_live_connection() {
    let (memory, uuid) = store_with_check();
    let store = FaultStore::new(memory.clone(), |call| match call {
        Call::Resolve(_) => Fault::None,
        Call::Record(ping) if ping.body == "panic" => Fault::Panic,
        Call::Record(_) => Fault::None,
    });
    let app = Router::new()
        .route("/app", get(|| async { "app" }))
        .layer(PingLayer::new(store));
    let addr = serve(app).await;

    let mut connection = RawConnection::open(addr).await;
    let post = |body: &str| {
        format!(
            "POST /ping/{uuid} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    assert_eq!(
        connection.exchange(&post("panic")).await,
        (500, "internal error".to_owned())
    );
    assert_eq!(
        connection
            .exchange("GET /app HTTP/1.1\r\nhost: x\r\n\r\n")
            .await,
        (200, "app".to_owned())
    );
    assert_eq!(
        connection.exchange(&post("fine")).await,
        (200, "OK".to_owned())
    );
    assert_eq!(pings_recorded(&memory), 1);
}

/// One keep-alive HTTP/1.1 connection, read by hand.
struct RawConnection(tokio::io::BufReader<tokio::net::TcpStream>);

impl RawConnection {
    async fn open(addr: SocketAddr) -> Self {
        Self(tokio::io::BufReader::new(
            tokio::net::TcpStream::connect(addr).await.unwrap(),
        ))
    }

    async fn exchange(&mut self, request: &str) -> (u16, String) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
        self.0
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let mut status = String::new();
        self.0.read_line(&mut status).await.unwrap();
        let code = status
            .split(' ')
            .nth(1)
            .expect("a status line")
            .parse()
            .unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).await.unwrap();
        (code, String::from_utf8(body).unwrap())
    }
}
