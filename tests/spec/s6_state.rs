//! SPEC section 6: check state, applied through the service where the wall
//! clock allows, and through `apply` where a test needs to choose the time.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use http::Method;
use tower_ping::{
    apply, CheckRules, CheckState, FlipReason, KeywordFilter, Kind, MemoryStore, NewCheck, Ping,
    PingLayer, Signal, Status,
};

use crate::common::*;

/// A store holding one check built by `define`, and a layer over it.
fn one_check(define: impl FnOnce(NewCheck) -> NewCheck) -> (MemoryStore, PingLayer<MemoryStore>) {
    let store = MemoryStore::new();
    store
        .add_check(define(NewCheck::new("Job").uuid(uuid(UUID)).ping_key(KEY)))
        .unwrap();
    (store.clone(), PingLayer::new(store))
}

async fn ping(layer: &PingLayer<MemoryStore>, method: Method, path: &str, body: &str) {
    let answer = send(
        layer,
        &Inner::default(),
        request(method, &format!("/ping/{UUID}{path}"), body),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200, "{path}: {}", answer.body);
}

fn state(store: &MemoryStore) -> CheckState {
    store.check(uuid(UUID)).unwrap().state
}

fn last_kind(store: &MemoryStore) -> Kind {
    pings(store, UUID).last().unwrap().kind
}

#[tokio::test]
async fn n_is_assigned_atomically_distinct_and_gap_free() {
    let (store, layer) = one_check(|c| c);
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let layer = layer.clone();
            tokio::spawn(async move {
                let path = ["", "/start", "/fail", "/log"][i % 4];
                ping(&layer, Method::GET, path, "").await;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let ns: BTreeSet<u64> = MemoryStore::pings(&store, uuid(UUID))
        .unwrap()
        .iter()
        .map(|p| p.n)
        .collect();
    assert_eq!(state(&store).n_pings, 300);
    // The log keeps the last 100: numbers 201..=300, each once.
    assert_eq!(ns, (201..=300).collect());
}

#[tokio::test]
async fn paused_with_manual_resume_records_ign_and_changes_nothing() {
    let (store, layer) = one_check(|c| c.paused().manual_resume(true));
    ping(&layer, Method::GET, "", "").await;
    ping(&layer, Method::GET, "/start", "").await;
    assert_eq!(last_kind(&store), Kind::Ignored);
    let s = state(&store);
    assert_eq!(
        (s.status, s.n_pings, s.last_ping, s.last_start),
        (Status::Paused, 2, None, None)
    );
}

#[tokio::test]
async fn post_only_check_pinged_by_another_method_records_ign() {
    let (store, layer) = one_check(|c| c.post_only());
    ping(&layer, Method::GET, "/fail", "").await;
    ping(&layer, Method::HEAD, "", "").await;
    assert_eq!(last_kind(&store), Kind::Ignored);
    assert_eq!(state(&store).status, Status::New);
    ping(&layer, Method::POST, "/fail", "").await;
    assert_eq!(
        (last_kind(&store), state(&store).status),
        (Kind::Fail, Status::Down)
    );
}

#[tokio::test]
async fn start_sets_last_start_and_rid_only() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, &format!("/start?rid={RID}"), "").await;
    let s = state(&store);
    assert!(s.last_start.is_some());
    assert_eq!(s.last_start_rid, Some(uuid(RID)));
    assert_eq!((s.status, s.last_ping), (Status::New, None));
}

#[tokio::test]
async fn success_with_matching_rid_measures_duration_and_clears_start() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, &format!("/start?rid={RID}"), "").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    ping(&layer, Method::GET, &format!("?rid={RID}"), "").await;
    let s = state(&store);
    assert!(s.last_duration.unwrap() >= Duration::from_millis(20));
    assert_eq!((s.last_start, s.status), (None, Status::Up));
    assert!(s.last_ping.is_some());
}

#[tokio::test]
async fn start_and_success_without_rids_count_as_matching() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, "/start", "").await;
    ping(&layer, Method::GET, "/0", "").await;
    let s = state(&store);
    assert!(s.last_duration.is_some());
    assert_eq!(s.last_start, None);
}

#[tokio::test]
async fn fail_with_another_rid_clears_start_without_duration() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, &format!("/start?rid={RID}"), "").await;
    ping(&layer, Method::GET, &format!("/fail?rid={OTHER_UUID}"), "").await;
    let s = state(&store);
    assert_eq!(
        (s.last_start, s.last_duration, s.status),
        (None, None, Status::Down)
    );
}

#[tokio::test]
async fn success_without_rid_clears_a_named_start() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, &format!("/start?rid={RID}"), "").await;
    ping(&layer, Method::GET, "", "").await;
    let s = state(&store);
    assert_eq!((s.last_start, s.last_duration), (None, None));
}

#[tokio::test]
async fn success_with_another_rid_keeps_the_start() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, &format!("/start?rid={RID}"), "").await;
    let started = state(&store).last_start;
    ping(&layer, Method::GET, &format!("?rid={OTHER_UUID}"), "").await;
    let s = state(&store);
    assert_eq!(
        (s.last_start, s.last_duration, s.status),
        (started, None, Status::Up)
    );
}

#[tokio::test]
async fn fail_goes_down_and_success_goes_up() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, "/fail", "").await;
    assert_eq!(state(&store).status, Status::Down);
    ping(&layer, Method::GET, "/1", "").await;
    assert_eq!(state(&store).status, Status::Down);
    ping(&layer, Method::GET, "", "").await;
    assert_eq!(state(&store).status, Status::Up);
}

#[tokio::test]
async fn paused_check_without_manual_resume_resumes_on_success() {
    let (store, layer) = one_check(|c| c.paused());
    ping(&layer, Method::GET, "/log", "").await;
    ping(&layer, Method::GET, "/start", "").await;
    assert_eq!(state(&store).status, Status::Paused);
    ping(&layer, Method::GET, "", "").await;
    assert_eq!(state(&store).status, Status::Up);
}

#[test]
fn a_status_change_is_a_flip() {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let rules = CheckRules::default();
    let up = apply(
        &CheckState::default(),
        &rules,
        &Ping::new(Signal::Success, t),
    );
    let flip = up.flip.expect("new -> up is a flip");
    assert_eq!(
        (flip.old_status, flip.new_status, flip.reason, flip.at),
        (Status::New, Status::Up, FlipReason::Success, t)
    );
    let again = apply(&up.state, &rules, &Ping::new(Signal::Success, t));
    assert!(!again.flipped());
    let down = apply(&again.state, &rules, &Ping::new(Signal::Exit(2), t));
    let flip = down.flip.expect("up -> down is a flip");
    assert_eq!(
        (flip.old_status, flip.new_status, flip.reason),
        (Status::Up, Status::Down, FlipReason::Fail)
    );
    let log = apply(&down.state, &rules, &Ping::new(Signal::Log, t));
    assert!(!log.flipped());
}

#[tokio::test]
async fn log_and_ign_change_nothing_but_the_log() {
    let (store, layer) = one_check(|c| c);
    ping(&layer, Method::GET, "/start", "").await;
    let before = state(&store);
    ping(&layer, Method::POST, "/log", "a message").await;
    let after = state(&store);
    let mut expected = before;
    expected.n_pings = 2;
    assert_eq!(after, expected);
    let logged = pings(&store, UUID);
    assert_eq!(
        (logged[1].kind, &logged[1].body[..]),
        (Kind::Log, &b"a message"[..])
    );
}

#[test]
fn durations_longer_than_72_hours_are_not_reported() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let rules = CheckRules::default();
    let started = apply(
        &CheckState::default(),
        &rules,
        &Ping::new(Signal::Start, t0),
    )
    .state;
    let at_limit = apply(
        &started,
        &rules,
        &Ping::new(Signal::Success, t0 + Duration::from_secs(72 * 3600)),
    );
    assert_eq!(at_limit.duration, Some(Duration::from_secs(72 * 3600)));
    let too_long = apply(
        &started,
        &rules,
        &Ping::new(Signal::Success, t0 + Duration::from_secs(72 * 3600 + 1)),
    );
    assert_eq!(
        (
            too_long.duration,
            too_long.state.last_duration,
            too_long.state.last_start
        ),
        (None, None, None)
    );
}

#[test]
fn success_or_fail_that_measures_nothing_resets_last_duration() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let rules = CheckRules::default();
    let started = apply(
        &CheckState::default(),
        &rules,
        &Ping::new(Signal::Start, t0),
    )
    .state;
    let measured = apply(
        &started,
        &rules,
        &Ping::new(Signal::Success, t0 + Duration::from_secs(5)),
    )
    .state;
    assert_eq!(measured.last_duration, Some(Duration::from_secs(5)));
    let unmeasured = apply(
        &measured,
        &rules,
        &Ping::new(Signal::Fail, t0 + Duration::from_secs(9)),
    )
    .state;
    assert_eq!(unmeasured.last_duration, None);
}

fn filtered(f: impl FnOnce(&mut KeywordFilter)) -> impl FnOnce(NewCheck) -> NewCheck {
    move |check| {
        let mut filter = KeywordFilter::on()
            .success("SUCCESS, all good")
            .failure("ERROR,FATAL")
            .start("BEGIN");
        f(&mut filter);
        check.filter(filter)
    }
}

#[tokio::test]
async fn keyword_filters_decide_the_kind_first_match_wins() {
    let (store, layer) = one_check(filtered(|_| {}));
    for (body, kind) in [
        ("SUCCESS but FATAL", Kind::Fail),
        ("it is all good", Kind::Success),
        ("BEGIN and SUCCESS", Kind::Success),
        ("BEGIN", Kind::Start),
        ("nothing relevant", Kind::Ignored),
        ("error in lower case", Kind::Ignored),
    ] {
        ping(&layer, Method::POST, "", body).await;
        assert_eq!(last_kind(&store), kind, "{body}");
    }
}

#[tokio::test]
async fn keyword_filters_default_fail() {
    let (store, layer) = one_check(filtered(|f| f.default_fail = true));
    ping(&layer, Method::POST, "", "nothing relevant").await;
    assert_eq!(
        (last_kind(&store), state(&store).status),
        (Kind::Fail, Status::Down)
    );
}

#[tokio::test]
async fn keyword_filters_override_signals_and_keep_the_exit_status() {
    let (store, layer) = one_check(filtered(|_| {}));
    ping(&layer, Method::POST, "/start", "all good").await;
    assert_eq!(last_kind(&store), Kind::Success);
    ping(&layer, Method::POST, "/log", "ERROR").await;
    assert_eq!(last_kind(&store), Kind::Fail);
    ping(&layer, Method::POST, "/fail", "BEGIN").await;
    assert_eq!(last_kind(&store), Kind::Start);
    ping(&layer, Method::POST, "/0", "FATAL").await;
    let last = pings(&store, UUID).pop().unwrap();
    assert_eq!((last.kind, last.exit_status), (Kind::Fail, Some(0)));
}

#[tokio::test]
async fn manual_resume_and_post_only_win_over_keyword_filters() {
    let (store, layer) = one_check(|c| filtered(|_| {})(c).paused().manual_resume(true));
    ping(&layer, Method::POST, "", "ERROR").await;
    assert_eq!(
        (last_kind(&store), state(&store).status),
        (Kind::Ignored, Status::Paused)
    );
    let (store, layer) = one_check(|c| filtered(|_| {})(c).post_only());
    ping(&layer, Method::GET, "", "all good").await;
    assert_eq!(last_kind(&store), Kind::Ignored);
}

#[tokio::test]
async fn empty_keywords_match_nothing() {
    let (store, layer) = one_check(filtered(|f| {
        f.failure_kw = "a,, ,b".into();
        f.success_kw = String::new();
        f.start_kw = " , ".into();
    }));
    ping(&layer, Method::POST, "", "xyz , ").await;
    assert_eq!(last_kind(&store), Kind::Ignored);
    ping(&layer, Method::POST, "", "b").await;
    assert_eq!(last_kind(&store), Kind::Fail);
}

#[tokio::test]
async fn keyword_filter_sees_the_body_as_kept() {
    let store = MemoryStore::new();
    store
        .add_check(filtered(|_| {})(NewCheck::new("Job").uuid(uuid(UUID))))
        .unwrap();
    let layer = PingLayer::new(store.clone()).body_limit(8);
    ping(&layer, Method::POST, "", "all good, then ERROR").await;
    assert_eq!(last_kind(&store), Kind::Success);
}

#[tokio::test]
async fn keyword_filter_matches_non_utf8_bodies_on_their_lossy_decoding() {
    let (store, layer) = one_check(filtered(|_| {}));
    let request = http::Request::post(format!("/ping/{UUID}"))
        .body(http_body_util::Full::new(bytes::Bytes::from_static(
            b"\xff\xfeFATAL\xc3",
        )))
        .unwrap();
    let answer = send(&layer, &Inner::default(), request).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(last_kind(&store), Kind::Fail);
}

#[tokio::test]
async fn ping_log_is_bounded() {
    let store = MemoryStore::with_ping_log_limit(3);
    store
        .add_check(NewCheck::new("Job").uuid(uuid(UUID)))
        .unwrap();
    let layer = PingLayer::new(store.clone());
    for _ in 0..5 {
        ping(&layer, Method::GET, "", "").await;
    }
    let ns: Vec<u64> = pings(&store, UUID).iter().map(|p| p.n).collect();
    assert_eq!(ns, [3, 4, 5]);
    assert_eq!(state(&store).n_pings, 5);
}
