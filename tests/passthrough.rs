//! Requests that are not pings reach the inner service untouched, and the
//! store is never called.

mod common;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use tower_ping::{PingLayer, Prefix};

use common::*;

#[tokio::test]
async fn non_ping_requests_reach_the_inner_service_unchanged() {
    let store = Counting::new(seeded_store());
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone());
    let cases = [
        (Method::GET, "/".to_owned(), Bytes::new()),
        (
            Method::POST,
            "/api/users/42/settings?x=1&y=%20".to_owned(),
            Bytes::from_static(b"{\"a\":1}"),
        ),
        (
            Method::PUT,
            "/upload".to_owned(),
            Bytes::from(vec![0xffu8; 100_000]),
        ),
        (
            Method::DELETE,
            format!("/ping/{UUID}/start/extra"),
            Bytes::from_static(b"x"),
        ),
        (
            Method::PATCH,
            format!("/ping/{}", UUID.to_uppercase()),
            Bytes::from_static(b"\x00\x01"),
        ),
        (Method::OPTIONS, "/ping".to_owned(), Bytes::new()),
        (
            Method::from_bytes(b"PROPFIND").unwrap(),
            "/dav/file".to_owned(),
            Bytes::from_static(b"<xml/>"),
        ),
        (
            Method::GET,
            "http://example.com/elsewhere?q".to_owned(),
            Bytes::new(),
        ),
    ];
    for (method, uri, body) in cases.clone() {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("x-custom", "value")
            .header("x-custom", "second")
            .header("content-type", "application/octet-stream")
            .body(Full::new(body))
            .unwrap();
        let answer = send(&layer, &inner, request).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (418, "inner")
        );
    }
    let reached = inner.reached();
    assert_eq!(reached.len(), cases.len());
    for ((method, uri, body), got) in cases.iter().zip(&reached) {
        assert_eq!(&got.method, method);
        assert_eq!(got.uri.to_string(), *uri);
        assert_eq!(&got.body, body);
        let custom: Vec<_> = got.headers.get_all("x-custom").iter().collect();
        assert_eq!(custom, ["value", "second"]);
        assert_eq!(got.headers.len(), 3);
    }
    assert_eq!(store.calls(), 0);
    assert_eq!(all_pings(&store.store), 0);
}

#[tokio::test]
async fn inner_response_is_returned_as_is() {
    let inner = Inner::default();
    let layer = PingLayer::new(seeded_store()).prefix(Prefix::new("/hc").unwrap());
    let answer = send(
        &layer,
        &inner,
        Request::get(format!("/ping/{UUID}"))
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 418);
    assert_eq!(answer.body, "inner");
    // The layer adds none of its own headers to the app's responses.
    assert!(answer.headers.get("access-control-allow-origin").is_none());
    assert!(answer.headers.get("cache-control").is_none());
}

#[tokio::test]
async fn readiness_is_the_inner_services() {
    use std::task::Poll;
    use tower::Layer;
    use tower_service::Service;
    let (mock, mut handle) =
        tower_test::mock::pair::<Request<Full<Bytes>>, http::Response<Full<Bytes>>>();
    let mut service = PingLayer::new(seeded_store()).layer(mock);
    handle.allow(0);
    let waker = futures_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(service.poll_ready(&mut cx).is_pending());
    handle.allow(1);
    assert!(matches!(service.poll_ready(&mut cx), Poll::Ready(Ok(()))));
}

fn futures_waker() -> std::task::Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    std::task::Waker::from(std::sync::Arc::new(Noop))
}
