//! SPEC section 5: answers, their order, and the headers they carry.

use std::sync::{Arc, Mutex};

use http::Method;
use tower_ping::{
    async_trait, CheckStore, FailedPing, Lookup, MemoryStore, Ping, PingLayer, Signal, Target,
};

use crate::common::*;

fn assert_plain_headers(answer: &Answer) {
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        answer.header("cache-control"),
        Some("max-age=0, no-cache, no-store, must-revalidate, private")
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn recorded_is_200_ok_with_ping_body_limit() {
    let store = seeded_store();
    let answer = get_via(&PingLayer::new(store.clone()), &format!("/ping/{UUID}")).await;
    assert_eq!((answer.status.as_u16(), answer.body.as_str()), (200, "OK"));
    assert_plain_headers(&answer);
    assert_eq!(answer.header("ping-body-limit"), Some("10000"));
    let answer = get_via(
        &PingLayer::new(store.clone()).body_limit(123),
        &format!("/ping/{UUID}"),
    )
    .await;
    assert_eq!(answer.header("ping-body-limit"), Some("123"));
    let answer = get_via(
        &PingLayer::new(store).no_body_limit(),
        &format!("/ping/{UUID}"),
    )
    .await;
    assert_eq!(answer.header("ping-body-limit"), None);
}

#[tokio::test]
async fn created_is_201_created_with_ping_body_limit() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store),
        &format!("/ping/{KEY}/fresh?create=1"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (201, "Created")
    );
    assert_plain_headers(&answer);
    assert_eq!(answer.header("ping-body-limit"), Some("10000"));
}

#[tokio::test]
async fn no_such_check_or_ping_key_is_404_not_found() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    for uri in [
        format!("/ping/{UNKNOWN_UUID}"),
        format!("/ping/{KEY}/nope"),
        "/ping/nokey/backup".to_owned(),
    ] {
        let answer = get_via(&layer, &uri).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (404, "not found"),
            "{uri}"
        );
        assert_plain_headers(&answer);
        assert_eq!(answer.header("ping-body-limit"), None);
    }
    assert_eq!(all_pings(&store), 0);
}

#[tokio::test]
async fn shared_slug_is_409_ambiguous_slug_and_records_nothing() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{KEY}/twin/fail"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (409, "ambiguous slug")
    );
    assert_plain_headers(&answer);
    assert_eq!(all_pings(&store), 0);
}

#[tokio::test]
async fn invalid_url_format_and_invalid_uuid_format_are_400() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    let answer = get_via(&layer, &format!("/ping/{UUID}/300")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid url format")
    );
    assert_plain_headers(&answer);
    let answer = get_via(&layer, &format!("/ping/{UUID}?rid=nope")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid uuid format")
    );
    assert_plain_headers(&answer);
}

/// A store whose every call fails.
struct Broken;

#[derive(Debug)]
struct Outage(&'static str);

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database outage: {}", self.0)
    }
}

impl std::error::Error for Outage {}

#[async_trait]
impl CheckStore for Broken {
    type CheckId = ();
    type Error = Outage;

    async fn resolve(&self, _: Target<'_>) -> Result<Lookup<()>, Outage> {
        Err(Outage("secret-host:5432 refused"))
    }

    async fn record(&self, _: (), _: Ping) -> Result<(), Outage> {
        Err(Outage("unreachable"))
    }
}

/// A store that resolves everything and fails to record.
struct FailsOnRecord;

#[async_trait]
impl CheckStore for FailsOnRecord {
    type CheckId = ();
    type Error = Outage;

    async fn resolve(&self, _: Target<'_>) -> Result<Lookup<()>, Outage> {
        Ok(Lookup::Found(()))
    }

    async fn record(&self, _: (), _: Ping) -> Result<(), Outage> {
        Err(Outage("disk full"))
    }
}

#[tokio::test]
async fn store_failure_is_503_and_the_detail_goes_to_the_hook_only() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = seen.clone();
    let layer = PingLayer::new(Broken).on_store_error(move |e: &Outage, ping: FailedPing<'_>| {
        hook_seen.lock().unwrap().push(format!("{ping:?}: {e}"))
    });
    let answer = get_via(&layer, &format!("/ping/{UUID}/start")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (503, "store unavailable")
    );
    assert_plain_headers(&answer);
    assert!(!answer.body.contains("secret-host"));
    let ping = FailedPing::new(Target::Uuid(uuid(UUID)), Signal::Start);
    assert_eq!(
        *seen.lock().unwrap(),
        [format!(
            "{ping:?}: database outage: secret-host:5432 refused"
        )]
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = seen.clone();
    let layer =
        PingLayer::new(FailsOnRecord).on_store_error(move |e: &Outage, ping: FailedPing<'_>| {
            hook_seen.lock().unwrap().push(format!("{ping:?}: {e}"))
        });
    let answer = send(
        &layer,
        &Inner::default(),
        request(Method::POST, &format!("/ping/{KEY}/job/3"), "body"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (503, "store unavailable")
    );
    let ping = FailedPing::new(
        Target::Slug {
            ping_key: KEY,
            slug: "job",
        },
        Signal::Exit(3),
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("{ping:?}: database outage: disk full")]
    );
}

#[tokio::test]
async fn checks_run_in_order_preflight_method_grammar_rid_store() {
    let store = Counting::new(MemoryStore::new());
    let layer = PingLayer::new(store.clone());
    let bad_everything = format!("/ping/{UNKNOWN_UUID}/256?rid=bad");
    let cases = [
        (Method::OPTIONS, bad_everything.clone(), 204, ""),
        (
            Method::DELETE,
            bad_everything.clone(),
            405,
            "method not allowed",
        ),
        (Method::GET, bad_everything, 400, "invalid url format"),
        (
            Method::GET,
            format!("/ping/{UNKNOWN_UUID}?rid=bad"),
            400,
            "invalid uuid format",
        ),
    ];
    for (method, uri, status, body) in cases {
        let answer = send(&layer, &Inner::default(), request(method.clone(), &uri, "")).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (status, body),
            "{method} {uri}"
        );
        assert_plain_headers(&answer);
    }
    assert_eq!(
        store.calls(),
        0,
        "malformed input is judged before the store is called"
    );
    let answer = get_via(&layer, &format!("/ping/{UNKNOWN_UUID}?rid={RID}")).await;
    assert_eq!(answer.status.as_u16(), 404);
    assert_eq!(store.calls(), 1);
}

#[tokio::test]
async fn unknown_uuid_with_exit_status_over_255_is_400_not_404() {
    let answer = get_via(
        &PingLayer::new(MemoryStore::new()),
        &format!("/ping/{UNKNOWN_UUID}/256"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid url format")
    );
}
