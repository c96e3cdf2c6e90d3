//! The layer on a real axum server over loopback, with a real HTTP client and
//! with the `healthchecks` crate's ping client, which no one here wrote (run
//! as a program of its own, `tests/clients/rust`).

mod common;
mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_ping::{Kind, MemoryStore, NewCheck, PingLayer};
use uuid::Uuid;

use common::{KEY, RID, UUID};

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// Serves an app with its own routes and a fallback, the layer on the outer
/// router, and returns its address.
async fn serve_app(store: MemoryStore) -> SocketAddr {
    let app = Router::new()
        .route("/", get(|| async { "home" }))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "app 404") })
        .layer(PingLayer::new(store));
    support::serve(app).await
}

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn call(
    client: &HttpClient,
    method: Method,
    url: String,
    body: &'static str,
) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("user-agent", "real-server-test")
        .body(Full::from(body))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn store_with_check() -> MemoryStore {
    let store = MemoryStore::with_ping_log_limit(1_000);
    store
        .add_check(
            NewCheck::new("Backup")
                .uuid(UUID.parse().unwrap())
                .ping_key(KEY),
        )
        .unwrap();
    store
}

#[tokio::test]
async fn pings_and_app_routes_share_one_server() {
    let store = store_with_check();
    let addr = serve_app(store.clone()).await;
    let client = client();

    let (status, body) = call(
        &client,
        Method::POST,
        format!("http://{addr}/ping/{UUID}/fail"),
        "exit 3",
    )
    .await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "OK"));
    let (status, _) = call(
        &client,
        Method::GET,
        format!("http://{addr}/ping/{KEY}/backup?rid={RID}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &client,
        Method::HEAD,
        format!("http://{addr}/ping/{UUID}/log"),
        "",
    )
    .await;
    assert_eq!((status.as_u16(), body.as_str()), (200, ""));

    assert_eq!(
        call(&client, Method::GET, format!("http://{addr}/"), "")
            .await
            .1,
        "home"
    );
    assert_eq!(
        call(&client, Method::GET, format!("http://{addr}/healthz"), "")
            .await
            .1,
        "ok"
    );
    let (status, body) = call(&client, Method::GET, format!("http://{addr}/nowhere"), "").await;
    assert_eq!((status.as_u16(), body.as_str()), (404, "app 404"));
    let (status, body) = call(
        &client,
        Method::GET,
        format!("http://{addr}/ping/{}", Uuid::new_v4()),
        "",
    )
    .await;
    assert_eq!((status.as_u16(), body.as_str()), (404, "not found"));

    let pings = store.pings(UUID.parse().unwrap()).unwrap();
    let kinds: Vec<_> = pings.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [Kind::Fail, Kind::Success, Kind::Log]);
    assert_eq!(&pings[0].body[..], b"exit 3");
    assert_eq!(pings[0].remote_addr, Some([127, 0, 0, 1].into()));
    assert_eq!(pings[0].user_agent.as_deref(), Some("real-server-test"));
    assert_eq!(pings[1].rid, Some(RID.parse().unwrap()));
}

#[tokio::test]
async fn hundreds_of_simultaneous_pings_get_distinct_gap_free_numbers() {
    const PINGS: u64 = 500;
    let store = store_with_check();
    let addr = serve_app(store.clone()).await;
    let client = client();
    let tasks: Vec<_> = (0..PINGS)
        .map(|i| {
            let client = client.clone();
            let path = ["", "/start", "/fail", "/log", "/0"][(i % 5) as usize];
            tokio::spawn(async move {
                call(
                    &client,
                    Method::GET,
                    format!("http://{addr}/ping/{UUID}{path}"),
                    "",
                )
                .await
            })
        })
        .collect();
    let mut acknowledged = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!((status.as_u16(), body.as_str()), (200, "OK"));
        acknowledged += 1;
    }
    let pings = store.pings(UUID.parse().unwrap()).unwrap();
    let numbers: BTreeSet<u64> = pings.iter().map(|p| p.n).collect();
    assert_eq!(acknowledged, PINGS);
    assert_eq!(pings.len() as u64, PINGS, "no ping lost or doubled");
    assert_eq!(numbers, (1..=PINGS).collect());
    assert_eq!(
        store.check(UUID.parse().unwrap()).unwrap().state.n_pings,
        PINGS
    );
}

#[tokio::test]
async fn the_healthchecks_crate_client_is_understood() {
    let store = store_with_check();
    let addr = serve_app(store.clone()).await;
    let run = Uuid::new_v4();
    // The crate's client, in a program of its own (tests/clients/rust).
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(support::rust_client())
            .args([
                "ping",
                &format!("http://{addr}/ping"),
                UUID,
                &run.to_string(),
            ])
            .output()
            .expect("the client runs")
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(printed.matches(": true").count(), 6, "{printed}");

    let pings = store.pings(UUID.parse().unwrap()).unwrap();
    let got: Vec<_> = pings
        .iter()
        .map(|p| (p.kind, p.rid, p.method.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Kind::Start, Some(run), "GET"),
            (Kind::Success, Some(run), "GET"),
            (Kind::Start, None, "GET"),
            (Kind::Fail, None, "POST"),
            (Kind::Fail, None, "GET"),
            (Kind::Success, None, "GET"),
        ]
    );
    assert_eq!(&pings[3].body[..], b"backup failed: disk full");
    assert!(pings[0]
        .user_agent
        .as_deref()
        .unwrap()
        .starts_with("healthcheck"));
    let state = store.check(UUID.parse().unwrap()).unwrap().state;
    assert_eq!(state.n_pings, 6);
    assert_eq!(state.status, tower_ping::Status::Up);
}
