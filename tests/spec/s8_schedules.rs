//! SPEC section 8: schedules, and how a check stands at a moment. The pure
//! functions, with explicit times.

use std::time::{Duration, SystemTime};

use tower_ping::{
    apply, status_at, CheckRules, CheckState, CronSchedule, KeywordFilter, LiveStatus, MemoryStore,
    NewCheck, Ping, Schedule, Signal, Status, DEFAULT_GRACE, DEFAULT_TIMEOUT,
};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn at(seconds: u64) -> SystemTime {
    t0() + secs(seconds)
}

/// A period of 100 s with 10 s of grace.
fn rules() -> CheckRules {
    CheckRules::default()
        .schedule(Schedule::Period(secs(100)))
        .grace(secs(10))
}

fn state(status: Status, last_ping: Option<u64>, last_start: Option<u64>) -> CheckState {
    let mut state = CheckState::with_status(status);
    state.last_ping = last_ping.map(at);
    state.last_start = last_start.map(at);
    state.rearmed(&rules())
}

fn live(state: &CheckState, now: u64) -> LiveStatus {
    status_at(state, &rules(), at(now)).status
}

#[test]
fn a_period_check_is_due_timeout_after_its_last_ping() {
    let up = state(Status::Up, Some(0), None);
    assert_eq!(rules().schedule.next_due(at(0)), Some(at(100)));
    assert_eq!(status_at(&up, &rules(), at(1)).next_ping, Some(at(100)));
}

#[test]
fn a_cron_check_is_due_at_the_first_tick_strictly_after_its_last_ping() {
    let cron = Schedule::Cron(CronSchedule::new("*/15 * * * *", "UTC").unwrap());
    // 2030-01-01T00:15:00Z exactly: the next tick is the one after it.
    assert_eq!(cron.next_due(at(900)), Some(at(1800)));
    assert_eq!(cron.next_due(at(901)), Some(at(1800)));
}

#[test]
fn the_defaults_are_one_day_and_one_hour() {
    let rules = CheckRules::default();
    assert_eq!(rules.schedule, Schedule::Period(DEFAULT_TIMEOUT));
    assert_eq!((DEFAULT_TIMEOUT, rules.grace), (secs(86_400), secs(3600)));
    assert_eq!(DEFAULT_GRACE, secs(3600));
}

#[test]
fn zero_durations_are_an_error() {
    let store = MemoryStore::new();
    assert!(store
        .add_check(NewCheck::new("a").timeout(Duration::ZERO))
        .is_err());
    assert!(store
        .add_check(NewCheck::new("b").grace(Duration::ZERO))
        .is_err());
    assert!(store
        .add_check(NewCheck::new("c").timeout(Duration::from_micros(1)))
        .is_ok());
}

#[test]
fn rule_1_a_run_longer_than_grace_is_down() {
    let running = state(Status::Up, Some(0), Some(50));
    assert_eq!(live(&running, 59), LiveStatus::Up);
    assert_eq!(live(&running, 60), LiveStatus::Down);
    // A new check too, though new checks otherwise stay new.
    let new_running = state(Status::New, None, Some(50));
    assert_eq!(live(&new_running, 59), LiveStatus::New);
    assert_eq!(live(&new_running, 60), LiveStatus::Down);
    assert!(status_at(&new_running, &rules(), at(55)).started);
}

#[test]
fn rule_1_does_not_apply_to_a_paused_check() {
    let mut paused = CheckState::with_status(Status::Paused);
    paused.last_start = Some(at(0));
    assert_eq!(live(&paused, 10_000), LiveStatus::Paused);
}

#[test]
fn rule_2_new_paused_and_down_stay_as_they_are() {
    for (status, live_status) in [
        (Status::New, LiveStatus::New),
        (Status::Paused, LiveStatus::Paused),
        (Status::Down, LiveStatus::Down),
    ] {
        let quiet = state(status, Some(0), None);
        assert_eq!(live(&quiet, 1_000_000), live_status);
    }
}

#[test]
fn rule_3_up_then_grace_at_due_then_down_at_due_plus_grace() {
    let up = state(Status::Up, Some(0), None);
    assert_eq!(live(&up, 99), LiveStatus::Up);
    assert_eq!(live(&up, 100), LiveStatus::Grace);
    assert_eq!(live(&up, 109), LiveStatus::Grace);
    assert_eq!(live(&up, 110), LiveStatus::Down);
}

#[test]
fn next_ping_is_due_for_an_up_check_and_moves_earlier_to_a_running_start() {
    let up = state(Status::Up, Some(0), None);
    assert_eq!(status_at(&up, &rules(), at(1)).next_ping, Some(at(100)));
    let running = state(Status::Up, Some(0), Some(40));
    assert_eq!(
        status_at(&running, &rules(), at(41)).next_ping,
        Some(at(40))
    );
    // A start after the due time does not move it later.
    let late_start = state(Status::Up, Some(0), Some(105));
    let report = status_at(&late_start, &rules(), at(106));
    assert_eq!(
        (report.status, report.next_ping),
        (LiveStatus::Grace, Some(at(100)))
    );
}

#[test]
fn next_ping_is_none_when_new_paused_or_down_except_a_new_running_check() {
    let none = |state: CheckState, now| status_at(&state, &rules(), at(now)).next_ping;
    assert_eq!(none(state(Status::New, None, None), 1), None);
    assert_eq!(none(state(Status::Paused, Some(0), None), 1), None);
    assert_eq!(none(state(Status::Down, Some(0), Some(0)), 1), None);
    // Up, but down by time: no ping is expected any more.
    assert_eq!(none(state(Status::Up, Some(0), None), 200), None);
    assert_eq!(none(state(Status::New, None, Some(5)), 6), Some(at(5)));
}

#[test]
fn alert_after_is_next_ping_plus_grace() {
    assert_eq!(state(Status::Up, Some(0), None).alert_after, Some(at(110)));
    assert_eq!(
        state(Status::Up, Some(0), Some(40)).alert_after,
        Some(at(50))
    );
    assert_eq!(state(Status::New, None, Some(5)).alert_after, Some(at(15)));
    assert_eq!(state(Status::New, None, None).alert_after, None);
    assert_eq!(state(Status::Paused, Some(0), Some(0)).alert_after, None);
    assert_eq!(state(Status::Down, Some(0), None).alert_after, None);
}

#[test]
fn every_ping_recomputes_alert_after_logs_and_ignored_ones_too() {
    let rules = rules().filter(KeywordFilter::on().success("ok"));
    let up = state(Status::Up, Some(0), None);
    let ping = |signal, seconds, body: &'static str| {
        let mut ping = Ping::new(signal, at(seconds));
        ping.body = bytes::Bytes::from_static(body.as_bytes());
        ping
    };
    let success = apply(&up, &rules, &ping(Signal::Success, 50, "ok"));
    assert_eq!(success.state.alert_after, Some(at(160)));
    // Stored with a stale deadline, a log ping puts the right one back.
    let mut stale = success.state.clone();
    stale.alert_after = Some(at(1));
    let logged = apply(&stale, &rules, &ping(Signal::Log, 0, "no keyword"));
    assert_eq!(logged.kind, tower_ping::Kind::Ignored);
    assert_eq!(logged.state.alert_after, Some(at(160)));
    let ignored = apply(&success.state, &rules, &ping(Signal::Start, 70, ""));
    assert_eq!(ignored.kind, tower_ping::Kind::Ignored, "no start keyword");
    assert_eq!(ignored.state.alert_after, Some(at(160)));
}
