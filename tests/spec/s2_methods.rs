//! SPEC section 2: methods.

use http::Method;
use tower_ping::PingLayer;

use crate::common::*;

#[tokio::test]
async fn head_get_and_post_record_the_ping() {
    for method in [Method::HEAD, Method::GET, Method::POST] {
        let store = seeded_store();
        let answer = send(
            &PingLayer::new(store.clone()),
            &Inner::default(),
            request(method.clone(), &format!("/ping/{UUID}"), ""),
        )
        .await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (200, "OK"),
            "{method}"
        );
        assert_eq!(pings(&store, UUID)[0].method, method);
    }
}

#[tokio::test]
async fn options_is_a_cors_preflight_and_records_nothing() {
    let store = Counting::new(seeded_store());
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone());
    let mut preflight = request(Method::OPTIONS, &format!("/ping/{UUID}"), "");
    preflight
        .headers_mut()
        .insert("access-control-request-method", "POST".parse().unwrap());
    preflight.headers_mut().insert(
        "access-control-request-headers",
        "content-type, x-run".parse().unwrap(),
    );
    let answer = send(&layer, &inner, preflight).await;
    assert_eq!(answer.status.as_u16(), 204);
    assert_eq!(answer.body, "");
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        answer.header("access-control-allow-methods"),
        Some("GET, HEAD, POST")
    );
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type, x-run")
    );

    let bare = send(
        &layer,
        &inner,
        request(Method::OPTIONS, &format!("/ping/{KEY}/backup/start"), ""),
    )
    .await;
    assert_eq!(bare.status.as_u16(), 204);
    assert_eq!(bare.header("access-control-allow-headers"), None);

    assert_eq!(store.calls(), 0);
    assert!(inner.reached().is_empty());
    assert_eq!(all_pings(&store.store), 0);
}

#[tokio::test]
async fn other_methods_get_405_with_allow_and_record_nothing() {
    let store = Counting::new(seeded_store());
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone());
    for method in [
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::TRACE,
        Method::from_bytes(b"BREW").unwrap(),
    ] {
        let answer = send(
            &layer,
            &inner,
            request(method.clone(), &format!("/ping/{UUID}"), "body"),
        )
        .await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (405, "method not allowed"),
            "{method}"
        );
        assert_eq!(answer.header("allow"), Some("GET, HEAD, POST"));
    }
    assert_eq!(store.calls(), 0);
    assert!(inner.reached().is_empty());
}
