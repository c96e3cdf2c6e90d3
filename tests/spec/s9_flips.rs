//! SPEC section 9: flips. Which status changes are flips, with what reason
//! and date, and which of them are alerts.

use std::time::{Duration, SystemTime};

use http::Method;
use tower_ping::{
    apply, expire, CheckRules, CheckState, Flip, FlipReason, MemoryStore, NewCheck, Ping,
    PingLayer, Schedule, Signal, Status,
};

use crate::common::*;

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

fn rules() -> CheckRules {
    CheckRules::default()
        .schedule(Schedule::Period(Duration::from_secs(100)))
        .grace(Duration::from_secs(10))
}

fn up_at(last_ping: SystemTime) -> CheckState {
    let mut state = CheckState::with_status(Status::Up);
    state.last_ping = Some(last_ping);
    state.rearmed(&rules())
}

#[test]
fn a_ping_that_changes_the_status_flips_it_reason_fail_or_success() {
    let t = t0();
    let failed = apply(&up_at(t), &rules(), &Ping::new(Signal::Exit(1), t));
    assert_eq!(
        failed.flip,
        Some(Flip::new(Status::Up, Status::Down, FlipReason::Fail, t))
    );
    let recovered = apply(&failed.state, &rules(), &Ping::new(Signal::Success, t));
    assert_eq!(
        recovered.flip,
        Some(Flip::new(Status::Down, Status::Up, FlipReason::Success, t))
    );
    let same = apply(&recovered.state, &rules(), &Ping::new(Signal::Success, t));
    assert_eq!((same.flip, same.timed_out), (None, None));
}

#[tokio::test]
async fn a_ping_flip_is_recorded_with_the_ping() {
    let store = MemoryStore::new();
    store
        .add_check(NewCheck::new("Job").uuid(uuid(UUID)))
        .unwrap();
    let layer = PingLayer::new(store.clone());
    let answer = send(
        &layer,
        &Inner::default(),
        request(Method::GET, &format!("/ping/{UUID}/fail"), ""),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200);
    // Answered, so recorded: the flip with the ping, dated when it arrived.
    let flips = store.flips();
    assert_eq!(flips.len(), 1);
    assert_eq!(flips[0].flip.reason, FlipReason::Fail);
    assert_eq!(flips[0].flip.at, pings(&store, UUID)[0].received_at);
}

#[test]
fn a_check_past_alert_after_goes_down_reason_timeout_dated_at_alert_after() {
    let state = up_at(t0());
    let deadline = t0() + Duration::from_secs(110);
    let expiry = expire(&state, &rules(), deadline + Duration::from_secs(7));
    assert_eq!(
        expiry.flip,
        Some(Flip::new(
            Status::Up,
            Status::Down,
            FlipReason::Timeout,
            deadline
        ))
    );
    assert_eq!(expiry.state.status, Status::Down);
    let not_yet = expire(&state, &rules(), deadline - Duration::from_micros(1));
    assert_eq!((not_yet.flip, not_yet.state), (None, state));
}

#[test]
fn pausing_resuming_and_editing_change_the_status_without_a_flip() {
    let state = up_at(t0());
    let paused = state.paused();
    assert_eq!((paused.status, paused.alert_after), (Status::Paused, None));
    let resumed = paused.resumed();
    assert_eq!(
        (resumed.status, resumed.last_ping, resumed.alert_after),
        (Status::New, None, None)
    );
    let edited = state.rearmed(&rules().grace(Duration::from_secs(50)));
    assert_eq!(edited.alert_after, Some(t0() + Duration::from_secs(150)));
    // These are `CheckState`s, not transitions: nothing to record as a flip.
}

#[test]
fn flips_to_down_and_from_down_to_up_are_alertable_the_others_not() {
    let flip = |old, new| Flip::new(old, new, FlipReason::Success, t0()).is_alertable();
    assert!(flip(Status::Up, Status::Down));
    assert!(flip(Status::New, Status::Down));
    assert!(flip(Status::Paused, Status::Down));
    assert!(flip(Status::Down, Status::Up));
    assert!(!flip(Status::New, Status::Up));
    assert!(!flip(Status::Paused, Status::Up));
}
