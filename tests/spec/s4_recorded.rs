//! SPEC section 4: what is recorded with each ping.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::time::SystemTime;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use tower_ping::{ForwardedHeaders, LoggedPing, PingLayer};

use crate::common::*;

async fn record_one(
    layer: PingLayer<tower_ping::MemoryStore>,
    store: &tower_ping::MemoryStore,
    request: Request<Full<Bytes>>,
) -> LoggedPing {
    let answer = send(&layer, &Inner::default(), request).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.body);
    pings(store, UUID).pop().unwrap()
}

fn ping_from(peer: Option<SocketAddr>, headers: &[(&str, &str)]) -> Request<Full<Bytes>> {
    let mut request = get(&format!("/ping/{UUID}"));
    if let Some(peer) = peer {
        request.extensions_mut().insert(peer);
    }
    for (name, value) in headers {
        let name: http::HeaderName = name.parse().unwrap();
        request.headers_mut().append(name, value.parse().unwrap());
    }
    request
}

const PEER: ([u8; 4], u16) = ([192, 0, 2, 10], 40000);

fn peer_ip() -> Option<IpAddr> {
    Some(IpAddr::from(PEER.0))
}

#[tokio::test]
async fn kind_and_exit_status_are_kept_side_by_side() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        get(&format!("/ping/{UUID}/3")),
    )
    .await;
    assert_eq!(
        (logged.kind.as_str(), logged.exit_status),
        ("fail", Some(3))
    );
}

#[tokio::test]
async fn received_at_is_when_the_layer_took_the_request() {
    let store = seeded_store();
    let before = SystemTime::now();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        get(&format!("/ping/{UUID}")),
    )
    .await;
    let after = SystemTime::now();
    assert!(before <= logged.received_at && logged.received_at <= after);
    assert_eq!(
        store.check(uuid(UUID)).unwrap().state.last_ping,
        Some(logged.received_at)
    );
}

#[tokio::test]
async fn method_is_recorded() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        request(Method::POST, &format!("/ping/{UUID}"), "x"),
    )
    .await;
    assert_eq!(logged.method, Method::POST);
}

#[tokio::test]
async fn scheme_is_http_when_the_uri_carries_none() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        ping_from(None, &[("x-forwarded-proto", "https")]),
    )
    .await;
    assert_eq!(logged.scheme.as_str(), "http");
    let absolute = get(&format!("https://example.com/ping/{UUID}"));
    let logged = record_one(PingLayer::new(store.clone()), &store, absolute).await;
    assert_eq!(logged.scheme.as_str(), "https");
}

#[tokio::test]
async fn scheme_from_x_forwarded_proto_only_when_trusted() {
    let store = seeded_store();
    let leftmost = PingLayer::new(store.clone()).forwarded_headers(ForwardedHeaders::Leftmost);
    let logged = record_one(
        leftmost,
        &store,
        ping_from(None, &[("x-forwarded-proto", "https, http")]),
    )
    .await;
    assert_eq!(logged.scheme.as_str(), "https");

    let one_hop = ForwardedHeaders::TrustedProxies(NonZeroUsize::new(1).unwrap());
    let layer = PingLayer::new(store.clone()).forwarded_headers(one_hop);
    let logged = record_one(
        layer.clone(),
        &store,
        ping_from(None, &[("x-forwarded-proto", "http, https")]),
    )
    .await;
    assert_eq!(logged.scheme.as_str(), "https");
    // An invalid entry falls back to the connection's own scheme.
    let logged = record_one(
        layer,
        &store,
        ping_from(None, &[("x-forwarded-proto", "http, ftp")]),
    )
    .await;
    assert_eq!(logged.scheme.as_str(), "http");
}

#[tokio::test]
async fn scheme_falls_back_when_the_list_is_shorter_than_the_trusted_hops() {
    let store = seeded_store();
    let two_hops = ForwardedHeaders::TrustedProxies(NonZeroUsize::new(2).unwrap());
    let layer = PingLayer::new(store.clone()).forwarded_headers(two_hops);
    let logged = record_one(
        layer,
        &store,
        ping_from(None, &[("x-forwarded-proto", "https")]),
    )
    .await;
    assert_eq!(logged.scheme.as_str(), "http");
}

#[tokio::test]
async fn remote_address_from_the_connection_without_port() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        ping_from(Some(PEER.into()), &[]),
    )
    .await;
    assert_eq!(logged.remote_addr, peer_ip());
    let logged = record_one(PingLayer::new(store.clone()), &store, ping_from(None, &[])).await;
    assert_eq!(logged.remote_addr, None);
}

#[tokio::test]
async fn remote_address_from_axum_connect_info() {
    let store = seeded_store();
    let mut request = get(&format!("/ping/{UUID}"));
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(SocketAddr::from(PEER)));
    let logged = record_one(PingLayer::new(store.clone()), &store, request).await;
    assert_eq!(logged.remote_addr, peer_ip());
}

#[tokio::test]
async fn forwarded_for_is_not_read_by_default() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        ping_from(Some(PEER.into()), &[("x-forwarded-for", "203.0.113.7")]),
    )
    .await;
    assert_eq!(logged.remote_addr, peer_ip());
}

#[tokio::test]
async fn forwarded_for_leftmost_entry_trimmed_port_stripped() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone()).forwarded_headers(ForwardedHeaders::Leftmost);
    let logged = record_one(
        layer.clone(),
        &store,
        ping_from(
            Some(PEER.into()),
            &[("x-forwarded-for", "  203.0.113.7:1234 , 198.51.100.1")],
        ),
    )
    .await;
    assert_eq!(logged.remote_addr, "203.0.113.7".parse().ok());
    let logged = record_one(
        layer,
        &store,
        ping_from(
            Some(PEER.into()),
            &[("x-forwarded-for", "2001:db8::7, 198.51.100.1")],
        ),
    )
    .await;
    assert_eq!(logged.remote_addr, "2001:db8::7".parse().ok());
}

#[tokio::test]
async fn forwarded_for_n_hops_from_the_right_behind_trusted_proxies() {
    let store = seeded_store();
    let two_hops = ForwardedHeaders::TrustedProxies(NonZeroUsize::new(2).unwrap());
    let layer = PingLayer::new(store.clone()).forwarded_headers(two_hops);
    let headers = [
        ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
        ("x-forwarded-for", "10.0.0.1"),
    ];
    let logged = record_one(
        layer.clone(),
        &store,
        ping_from(Some(PEER.into()), &headers),
    )
    .await;
    assert_eq!(logged.remote_addr, "203.0.113.7".parse().ok());
    // Shorter than the trusted hops, or invalid: the connection's address.
    let logged = record_one(
        layer.clone(),
        &store,
        ping_from(Some(PEER.into()), &[("x-forwarded-for", "10.0.0.1")]),
    )
    .await;
    assert_eq!(logged.remote_addr, peer_ip());
    let logged = record_one(
        layer,
        &store,
        ping_from(Some(PEER.into()), &[("x-forwarded-for", "bogus, 10.0.0.1")]),
    )
    .await;
    assert_eq!(logged.remote_addr, peer_ip());
}

#[tokio::test]
async fn user_agent_cut_to_200_characters_on_a_character_boundary() {
    let store = seeded_store();
    let long = "ü".repeat(250);
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        ping_from(None, &[("user-agent", &long)]),
    )
    .await;
    assert_eq!(logged.user_agent, Some("ü".repeat(200)));
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        ping_from(None, &[("user-agent", "curl/8.0")]),
    )
    .await;
    assert_eq!(logged.user_agent.as_deref(), Some("curl/8.0"));
    let logged = record_one(PingLayer::new(store.clone()), &store, ping_from(None, &[])).await;
    assert_eq!(logged.user_agent, None);
}

#[tokio::test]
async fn body_kept_up_to_the_default_limit_of_10000_bytes() {
    let store = seeded_store();
    let body = "x".repeat(25_000);
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        request(Method::POST, &format!("/ping/{UUID}"), &body),
    )
    .await;
    assert_eq!(logged.body.len(), 10_000);
}

#[tokio::test]
async fn body_limit_is_configurable_or_unlimited() {
    let store = seeded_store();
    let body = "y".repeat(25_000);
    let small = PingLayer::new(store.clone()).body_limit(10);
    let logged = record_one(
        small,
        &store,
        request(Method::POST, &format!("/ping/{UUID}"), &body),
    )
    .await;
    assert_eq!(&logged.body[..], b"yyyyyyyyyy");
    let unlimited = PingLayer::new(store.clone()).no_body_limit();
    let logged = record_one(
        unlimited,
        &store,
        request(Method::POST, &format!("/ping/{UUID}"), &body),
    )
    .await;
    assert_eq!(logged.body.len(), 25_000);
}

#[tokio::test]
async fn body_bytes_kept_verbatim_even_when_not_utf8() {
    let store = seeded_store();
    let bytes: &[u8] = b"\xff\xfe ok \x00 \xc3\x28";
    let request = Request::post(format!("/ping/{UUID}"))
        .body(Full::new(Bytes::from_static(bytes)))
        .unwrap();
    let logged = record_one(PingLayer::new(store.clone()), &store, request).await;
    assert_eq!(&logged.body[..], bytes);
}

#[tokio::test]
async fn run_id_is_recorded() {
    let store = seeded_store();
    let logged = record_one(
        PingLayer::new(store.clone()),
        &store,
        get(&format!("/ping/{UUID}/fail?rid={RID}")),
    )
    .await;
    assert_eq!(logged.rid, Some(uuid(RID)));
}
