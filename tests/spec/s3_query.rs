//! SPEC section 3: query parameters.

use tower_ping::{MemoryStore, PingLayer, Status};

use crate::common::*;

#[tokio::test]
async fn rid_is_recorded_in_any_case() {
    for rid in [
        RID,
        &RID.to_uppercase(),
        "5CA1ab1e-0000-4000-8000-00000000C0dE",
    ] {
        let store = seeded_store();
        let answer = get_via(
            &PingLayer::new(store.clone()),
            &format!("/ping/{UUID}/start?rid={rid}"),
        )
        .await;
        assert_eq!(answer.status.as_u16(), 200, "{rid}");
        assert_eq!(pings(&store, UUID)[0].rid, Some(uuid(RID)));
        assert_eq!(
            store.check(uuid(UUID)).unwrap().state.last_start_rid,
            Some(uuid(RID))
        );
    }
}

#[tokio::test]
async fn query_values_are_percent_decoded() {
    let store = seeded_store();
    let encoded = RID.replace('-', "%2d");
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{UUID}?rid={encoded}"),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(pings(&store, UUID)[0].rid, Some(uuid(RID)));
}

#[tokio::test]
async fn repeated_parameter_last_one_wins() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    let answer = get_via(&layer, &format!("/ping/{UUID}?rid=junk&rid={RID}")).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(pings(&store, UUID)[0].rid, Some(uuid(RID)));
    let answer = get_via(&layer, &format!("/ping/{UUID}?rid={RID}&rid=junk")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (400, "invalid uuid format")
    );
}

#[tokio::test]
async fn empty_or_malformed_rid_is_invalid_uuid_format_and_records_nothing() {
    let store = Counting::new(seeded_store());
    let layer = PingLayer::new(store.clone());
    for rid in [
        "",
        "123",
        "{5ca1ab1e-0000-4000-8000-00000000c0de}",
        "5ca1ab1e-0000-4000-8000-00000000c0de0",
        "5ca1ab1e00004000800000000000c0de",
    ] {
        let answer = get_via(&layer, &format!("/ping/{UUID}?rid={rid}")).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (400, "invalid uuid format"),
            "{rid:?}"
        );
    }
    assert_eq!(store.calls(), 0);
}

#[tokio::test]
async fn create_makes_a_missing_check_and_answers_201() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    let answer = get_via(&layer, &format!("/ping/{KEY}/new-job/start?create=1")).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (201, "Created")
    );
    let created = store
        .checks()
        .into_iter()
        .find(|c| c.slug == "new-job")
        .expect("created");
    assert_eq!(
        (created.name.as_str(), created.ping_key.as_deref()),
        ("new-job", Some(KEY))
    );
    assert_eq!(created.state.n_pings, 1);
    assert!(created.state.last_start.is_some());
    // The second time it exists: a plain 200.
    let answer = get_via(&layer, &format!("/ping/{KEY}/new-job?create=1")).await;
    assert_eq!((answer.status.as_u16(), answer.body.as_str()), (200, "OK"));
    assert_eq!(store.check(created.uuid).unwrap().state.status, Status::Up);
}

#[tokio::test]
async fn create_must_be_exactly_one() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    for value in ["true", "01", "", "yes"] {
        let answer = get_via(&layer, &format!("/ping/{KEY}/other?create={value}")).await;
        assert_eq!(answer.status.as_u16(), 404, "{value:?}");
    }
    assert_eq!(store.checks().len(), 3);
}

#[tokio::test]
async fn create_never_creates_for_an_unknown_ping_key() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        "/ping/unknownkey/job?create=1",
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (404, "not found")
    );
    assert_eq!(store.checks().len(), 3);
}

#[tokio::test]
async fn create_works_for_a_known_key_with_no_checks_yet() {
    let store = MemoryStore::new();
    store.add_ping_key("fresh-key");
    let answer = get_via(
        &PingLayer::new(store.clone()),
        "/ping/fresh-key/first?create=1",
    )
    .await;
    assert_eq!(answer.status.as_u16(), 201);
    assert_eq!(store.checks()[0].slug, "first");
}

#[tokio::test]
async fn create_is_ignored_on_the_uuid_form() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{UNKNOWN_UUID}?create=1"),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 404);
    assert_eq!(store.checks().len(), 3);
}

#[tokio::test]
async fn store_without_create_support_answers_not_found() {
    // `Counting` forwards `create`; a store keeping the default does not create.
    struct NoCreate(MemoryStore);
    #[tower_ping::async_trait]
    impl tower_ping::CheckStore for NoCreate {
        type CheckId = tower_ping::MemoryCheckId;
        type Error = std::convert::Infallible;
        async fn resolve(
            &self,
            t: tower_ping::Target<'_>,
        ) -> Result<tower_ping::Lookup<Self::CheckId>, Self::Error> {
            self.0.resolve(t).await
        }
        async fn record(&self, c: Self::CheckId, p: tower_ping::Ping) -> Result<(), Self::Error> {
            self.0.record(c, p).await
        }
    }
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(NoCreate(store.clone())),
        &format!("/ping/{KEY}/job?create=1"),
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (404, "not found")
    );
    assert_eq!(store.checks().len(), 3);
}

#[tokio::test]
async fn other_parameters_are_ignored() {
    let store = seeded_store();
    let answer = get_via(
        &PingLayer::new(store.clone()),
        &format!("/ping/{UUID}?foo=bar&ridx=1&create2=1&%zz"),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(pings(&store, UUID)[0].rid, None);
}
