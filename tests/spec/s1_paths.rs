//! SPEC section 1: which requests the layer takes.

use tower_ping::{Kind, MemoryStore, NewCheck, PingLayer, Prefix};

use crate::common::*;

/// Sends a GET and returns its answer and whether the inner service saw it.
async fn take(uri: &str) -> (Answer, bool, MemoryStore) {
    let store = seeded_store();
    let inner = Inner::default();
    let answer = send(&PingLayer::new(store.clone()), &inner, get(uri)).await;
    let passed = !inner.reached().is_empty();
    (answer, passed, store)
}

async fn assert_recorded(uri: &str, kind: Kind, exit_status: Option<u8>) {
    let (answer, passed, store) = take(uri).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str(), passed),
        (200, "OK", false),
        "{uri}"
    );
    let pings = pings(&store, UUID);
    assert_eq!(pings.len(), 1, "{uri}");
    assert_eq!(
        (pings[0].kind, pings[0].exit_status),
        (kind, exit_status),
        "{uri}"
    );
}

async fn assert_passes_through(uri: &str) {
    let (answer, passed, store) = take(uri).await;
    assert!(passed, "{uri} should reach the inner service");
    assert_eq!(answer.status.as_u16(), 418, "{uri}");
    assert_eq!(all_pings(&store), 0, "{uri}");
}

#[tokio::test]
async fn uuid_is_a_success() {
    assert_recorded(&format!("/ping/{UUID}"), Kind::Success, None).await;
}

#[tokio::test]
async fn uuid_with_trailing_slash_is_a_success() {
    assert_recorded(&format!("/ping/{UUID}/"), Kind::Success, None).await;
}

#[tokio::test]
async fn uuid_start() {
    assert_recorded(&format!("/ping/{UUID}/start"), Kind::Start, None).await;
}

#[tokio::test]
async fn uuid_fail() {
    assert_recorded(&format!("/ping/{UUID}/fail"), Kind::Fail, None).await;
}

#[tokio::test]
async fn uuid_log() {
    assert_recorded(&format!("/ping/{UUID}/log"), Kind::Log, None).await;
}

#[tokio::test]
async fn exit_status_zero_is_a_success() {
    assert_recorded(&format!("/ping/{UUID}/0"), Kind::Success, Some(0)).await;
}

#[tokio::test]
async fn exit_status_one_to_255_is_a_failure() {
    assert_recorded(&format!("/ping/{UUID}/1"), Kind::Fail, Some(1)).await;
    assert_recorded(&format!("/ping/{UUID}/255"), Kind::Fail, Some(255)).await;
}

#[tokio::test]
async fn exit_status_over_255_is_invalid_url_format() {
    for uri in [
        format!("/ping/{UUID}/256"),
        format!("/ping/{KEY}/backup/1000"),
    ] {
        let (answer, passed, store) = take(&uri).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str(), passed),
            (400, "invalid url format", false)
        );
        assert_eq!(all_pings(&store), 0);
    }
}

#[tokio::test]
async fn exit_status_leading_zeros_are_fine() {
    assert_recorded(&format!("/ping/{UUID}/007"), Kind::Fail, Some(7)).await;
    assert_recorded(
        &format!("/ping/{UUID}/000000000000255"),
        Kind::Fail,
        Some(255),
    )
    .await;
}

#[tokio::test]
async fn signed_or_fractional_exit_statuses_are_not_exit_statuses() {
    // `-1` is a valid slug, so under a UUID it is a slug-form ping (no such check).
    let (answer, passed, _) = take(&format!("/ping/{UUID}/-1")).await;
    assert_eq!((answer.status.as_u16(), passed), (404, false));
    assert_passes_through(&format!("/ping/{UUID}/1.5")).await;
    assert_passes_through(&format!("/ping/{UUID}/+1")).await;
    assert_passes_through(&format!("/ping/{KEY}/backup/-1")).await;
}

#[tokio::test]
async fn key_and_slug_is_a_success() {
    let (answer, _, store) = take(&format!("/ping/{KEY}/backup")).await;
    assert_eq!((answer.status.as_u16(), answer.body.as_str()), (200, "OK"));
    assert_eq!(pings(&store, UUID)[0].kind, Kind::Success);
}

#[tokio::test]
async fn key_and_slug_with_signals() {
    for (suffix, kind, exit) in [
        ("start", Kind::Start, None),
        ("fail", Kind::Fail, None),
        ("log", Kind::Log, None),
        ("0", Kind::Success, Some(0)),
        ("42", Kind::Fail, Some(42)),
    ] {
        let (answer, _, store) = take(&format!("/ping/{KEY}/backup/{suffix}")).await;
        assert_eq!(answer.status.as_u16(), 200, "{suffix}");
        let logged = &pings(&store, UUID)[0];
        assert_eq!((logged.kind, logged.exit_status), (kind, exit), "{suffix}");
    }
}

#[tokio::test]
async fn non_canonical_uuids_are_not_uuids() {
    let upper = UUID.to_uppercase();
    let simple = UUID.replace('-', "");
    for path in [
        upper.clone(),
        simple,
        format!("{{{UUID}}}"),
        format!("urn:uuid:{UUID}"),
    ] {
        assert_passes_through(&format!("/ping/{path}")).await;
    }
    // An upper-case UUID is a valid ping key: with a second segment it is a
    // slug-form ping.
    let (answer, passed, _) = take(&format!("/ping/{upper}/backup")).await;
    assert_eq!((answer.status.as_u16(), passed), (404, false));
}

#[tokio::test]
async fn ping_key_and_slug_alphabet() {
    let store = MemoryStore::new();
    store
        .add_check(NewCheck::new("x").slug("a-b_9").ping_key("Old-Key_1"))
        .unwrap();
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone());
    let answer = send(&layer, &inner, get("/ping/Old-Key_1/a-b_9")).await;
    assert_eq!(answer.status.as_u16(), 200);
    for uri in ["/ping/key.1/slug", "/ping/key/sl.ug", "/ping/k%20y/slug"] {
        let answer = send(&layer, &inner, get(uri)).await;
        assert_eq!(answer.status.as_u16(), 418, "{uri}");
    }
}

#[tokio::test]
async fn upper_case_slug_is_invalid_url_format_without_a_store_call() {
    let store = Counting::new(seeded_store());
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone());
    for uri in [
        format!("/ping/{KEY}/Backup"),
        format!("/ping/{KEY}/BACKUP/start"),
        format!("/ping/{UUID}/ABC"),
    ] {
        let answer = send(&layer, &inner, get(&uri)).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (400, "invalid url format"),
            "{uri}"
        );
    }
    assert_eq!(store.calls(), 0);
    assert!(inner.reached().is_empty());
}

#[tokio::test]
async fn uuid_then_word_is_a_slug_form_ping() {
    let store = MemoryStore::new();
    let check = store
        .add_check(NewCheck::new("abc").ping_key(UUID))
        .unwrap();
    let inner = Inner::default();
    let answer = send(
        &PingLayer::new(store.clone()),
        &inner,
        get(&format!("/ping/{UUID}/abc")),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(store.pings(check).unwrap().len(), 1);
    // Without such a project it ends in 404, as on healthchecks.
    let (answer, _, _) = take(&format!("/ping/{UUID}/abc")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (404, "not found")
    );
}

#[tokio::test]
async fn trailing_slash_on_other_forms_falls_through() {
    for uri in [
        format!("/ping/{UUID}/start/"),
        format!("/ping/{UUID}/7/"),
        format!("/ping/{KEY}/backup/"),
        format!("/ping/{KEY}/backup/fail/"),
        format!("/ping/{UUID}//"),
    ] {
        assert_passes_through(&uri).await;
    }
}

#[tokio::test]
async fn empty_segments_fourth_segments_and_percent_encoding_fall_through() {
    for uri in [
        format!("/ping//{UUID}"),
        format!("/ping/{KEY}//backup"),
        format!("/ping/{KEY}/backup/start/extra"),
        format!("/ping/{UUID}/start/extra/more"),
        format!("/ping/{KEY}/back%75p"),
        format!("/ping/{}%30", &UUID[..35]),
        "/ping".to_owned(),
        "/ping/".to_owned(),
        "/pingx/abc/def".to_owned(),
    ] {
        assert_passes_through(&uri).await;
    }
}

#[tokio::test]
async fn query_string_is_not_part_of_the_match() {
    assert_recorded(
        &format!("/ping/{UUID}/start?foo=/bar/baz&x"),
        Kind::Start,
        None,
    )
    .await;
    assert_passes_through("/api/users?p=/ping/x").await;
}

#[tokio::test]
async fn mounted_at_root_every_two_segment_path_of_the_grammar_is_a_ping() {
    let store = seeded_store();
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone()).prefix(Prefix::root());
    let answer = send(&layer, &inner, get(&format!("/{UUID}/start"))).await;
    assert_eq!(answer.status.as_u16(), 200);
    // An app path of the same shape is taken too: that is the collision the
    // docs warn about.
    let answer = send(&layer, &inner, get("/users/alice")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (404, "not found")
    );
    // Other shapes still reach the app.
    let answer = send(&layer, &inner, get("/about")).await;
    assert_eq!(answer.status.as_u16(), 418);
    assert_eq!(inner.reached().len(), 1);
}

#[tokio::test]
async fn custom_prefix() {
    let store = seeded_store();
    let inner = Inner::default();
    let layer = PingLayer::new(store.clone()).prefix(Prefix::new("/hc/ping/").unwrap());
    assert_eq!(
        send(&layer, &inner, get(&format!("/hc/ping/{UUID}")))
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        send(&layer, &inner, get(&format!("/ping/{UUID}")))
            .await
            .status
            .as_u16(),
        418
    );
}
