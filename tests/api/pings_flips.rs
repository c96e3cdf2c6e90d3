//! SPEC 11, a check's pings, their bodies, and its flips.

use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::json;
use tower_ping::{CheckStore, Lookup, Ping, Signal, Target};
use uuid::Uuid;

use crate::backends::{secs, t0, ManageBackend as Backend};
use crate::{uuid_of, Api, RO, RW, SITE};

suite!(
    pings_are_listed_newest_first_with_healthchecks_keys,
    a_pings_body_is_served_as_bytes,
    flips_are_listed_newest_first_up_or_not,
    flips_are_filtered_by_time_and_bad_filters_are_400,
);

async fn ping<B: Backend>(
    api: &Api<B>,
    uuid: Uuid,
    signal: Signal,
    at: SystemTime,
    body: &[u8],
    rid: Option<Uuid>,
) {
    let store = api.b.store();
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("no check");
    };
    let mut ping = Ping::new(signal, at);
    ping.body = body.to_vec().into();
    ping.rid = rid;
    ping.user_agent = Some("curl/8".into());
    ping.remote_addr = Some("192.0.2.1".parse().unwrap());
    if store.record(id, ping).await.is_err() {
        panic!("not recorded");
    }
}

async fn pings_are_listed_newest_first_with_healthchecks_keys<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let uuid = uuid_of(&api.create(json!({"name": "job"})).await);
    let rid = Uuid::new_v4();
    ping(&api, uuid, Signal::Start, t0(), b"", Some(rid)).await;
    ping(
        &api,
        uuid,
        Signal::Success,
        t0() + std::time::Duration::from_millis(1_540),
        b"done",
        Some(rid),
    )
    .await;
    ping(&api, uuid, Signal::Exit(3), t0() + secs(5), b"", None).await;
    let answer = api.get(&format!("/api/v3/checks/{uuid}/pings/"), RW).await;
    assert_eq!(answer.status, StatusCode::OK);
    let pings = answer.body["pings"].as_array().unwrap();
    let kinds: Vec<&str> = pings.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["fail", "success", "start"]);
    let success = &pings[1];
    assert_eq!(success["n"], 2);
    assert_eq!(success["date"], "2030-01-01T00:00:01.540000+00:00");
    assert_eq!(success["duration"], 1.54);
    assert_eq!(success["rid"], rid.to_string());
    assert_eq!(success["scheme"], "http");
    assert_eq!(success["method"], "GET");
    assert_eq!(success["ua"], "curl/8");
    assert_eq!(success["remote_addr"], "192.0.2.1");
    assert_eq!(
        success["body_url"],
        format!("{SITE}/api/v3/checks/{uuid}/pings/2/body")
    );
    assert_eq!(pings[0]["body_url"], serde_json::Value::Null);
    assert!(pings[2].get("duration").is_none());
}

async fn a_pings_body_is_served_as_bytes<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let uuid = uuid_of(&api.create(json!({"name": "job"})).await);
    ping(&api, uuid, Signal::Success, t0(), b"\xffnot utf-8", None).await;
    ping(&api, uuid, Signal::Success, t0() + secs(1), b"", None).await;
    let body = api
        .get(&format!("/api/v3/checks/{uuid}/pings/1/body"), RW)
        .await;
    assert_eq!(body.status, StatusCode::OK);
    assert_eq!(body.headers["content-type"], "text/plain");
    assert_eq!(body.bytes, b"\xffnot utf-8");
    for n in [2, 3] {
        let none = api
            .get(&format!("/api/v3/checks/{uuid}/pings/{n}/body"), RW)
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "ping {n}");
    }
}

async fn flips_are_listed_newest_first_up_or_not<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let uuid = uuid_of(&api.create(json!({"name": "job"})).await);
    ping(&api, uuid, Signal::Success, t0(), b"", None).await;
    ping(&api, uuid, Signal::Fail, t0() + secs(10), b"", None).await;
    ping(&api, uuid, Signal::Success, t0() + secs(20), b"", None).await;
    let answer = api.get(&format!("/api/v3/checks/{uuid}/flips/"), RO).await;
    // A read-only key names a check by its unique key; by UUID it may
    // still read flips.
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        json!({"flips": [
            {"timestamp": "2030-01-01T00:00:20+00:00", "up": 1},
            {"timestamp": "2030-01-01T00:00:10+00:00", "up": 0},
            {"timestamp": "2030-01-01T00:00:00+00:00", "up": 1},
        ]})
    );
}

async fn flips_are_filtered_by_time_and_bad_filters_are_400<B: Backend>() {
    let Some(api) = Api::<B>::open_at(Some(t0() + secs(25))).await else {
        return;
    };
    let uuid = uuid_of(&api.create(json!({"name": "job"})).await);
    ping(&api, uuid, Signal::Success, t0(), b"", None).await;
    ping(&api, uuid, Signal::Fail, t0() + secs(10), b"", None).await;
    ping(&api, uuid, Signal::Success, t0() + secs(20), b"", None).await;
    let t = t0()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let count = |query: String| {
        let api = &api;
        async move {
            let answer = api
                .get(&format!("/api/v3/checks/{uuid}/flips/?{query}"), RW)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{query}");
            answer.body["flips"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(format!("start={}", t + 5)).await, 2);
    assert_eq!(count(format!("start={}&end={}", t + 5, t + 20)).await, 1);
    assert_eq!(count("seconds=20".to_owned()).await, 2);
    assert_eq!(count("seconds=0".to_owned()).await, 3);
    for bad in [
        "start=-1",
        "end=abc",
        "seconds=31536001",
        "start=10000000001",
        "seconds=1.5",
    ] {
        let answer = api
            .get(&format!("/api/v3/checks/{uuid}/flips/?{bad}"), RW)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(answer.body["error"].is_string(), "{bad}");
    }
}
