//! SPEC section 7: healthchecks quirks we deliberately do not copy.

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use tower_ping::{KeywordFilter, MemoryStore, NewCheck, PingLayer};

use crate::common::*;

#[tokio::test]
async fn non_utf8_body_with_keyword_filters_is_recorded_not_a_500() {
    let store = MemoryStore::new();
    let filter = KeywordFilter::on().success("ok");
    store
        .add_check(NewCheck::new("Job").uuid(uuid(UUID)).filter(filter))
        .unwrap();
    let request = Request::post(format!("/ping/{UUID}"))
        .body(Full::new(Bytes::from_static(b"\x80ok\xff")))
        .unwrap();
    let answer = send(&PingLayer::new(store.clone()), &Inner::default(), request).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(&pings(&store, UUID)[0].body[..], b"\x80ok\xff");
}

#[tokio::test]
async fn rid_with_encoded_newline_is_400() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{UUID}?rid={RID}%0A"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid uuid format")
    );
    assert_eq!(all_pings(&store), 0);
}

#[tokio::test]
async fn create_with_exit_status_over_255_creates_nothing() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{KEY}/brand-new/256?create=1"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid url format")
    );
    assert_eq!(store.checks().len(), 3);
}

#[tokio::test]
async fn other_methods_record_nothing() {
    let store = seeded_store();
    let answer = send(
        &PingLayer::new(store.clone()),
        &Inner::default(),
        request(Method::PUT, &format!("/ping/{UUID}"), ""),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 405);
    assert_eq!(all_pings(&store), 0);
}

#[tokio::test]
async fn x_forwarded_for_is_not_trusted_unless_configured() {
    let store = seeded_store();
    let mut request = get(&format!("/ping/{UUID}"));
    request
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.99".parse().unwrap());
    let answer = send(&PingLayer::new(store.clone()), &Inner::default(), request).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(pings(&store, UUID)[0].remote_addr, None);
}
