//! SPEC section 14: alert policy in the state machine, at explicit times.
//! Tolerance (`down_after_failures`, `up_after_successes`), run time
//! (`max_runtime`) and reminders (`remind_every`); the defaults keep
//! healthchecks' behaviour.

use std::time::{Duration, SystemTime};

use tower_ping::{
    apply, expire, status_at, CheckRules, CheckState, Flip, FlipReason, LiveStatus, Ping, Reminder,
    Schedule, Signal, Status,
};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

fn at(secs: u64) -> SystemTime {
    t0() + Duration::from_secs(secs)
}

fn rules() -> CheckRules {
    CheckRules::default()
        .schedule(Schedule::Period(Duration::from_secs(100)))
        .grace(Duration::from_secs(10))
}

/// The states a check goes through under `signals`, one a second from t0+1.
fn run(rules: &CheckRules, start: CheckState, signals: &[Signal]) -> Vec<(Status, Option<Flip>)> {
    let mut state = start;
    let mut seen = Vec::new();
    for (i, signal) in signals.iter().enumerate() {
        let t = apply(&state, rules, &Ping::new(*signal, at(i as u64 + 1)));
        seen.push((t.state.status, t.flip));
        state = t.state;
    }
    seen
}

fn up() -> CheckState {
    let mut state = CheckState::with_status(Status::Up);
    state.last_ping = Some(t0());
    state.rearmed(&rules())
}

#[test]
fn by_default_one_failure_makes_a_check_down_and_one_success_up() {
    let seen = run(&rules(), up(), &[Signal::Fail, Signal::Success]);
    assert_eq!(
        seen,
        [
            (
                Status::Down,
                Some(Flip::new(Status::Up, Status::Down, FlipReason::Fail, at(1)))
            ),
            (
                Status::Up,
                Some(Flip::new(
                    Status::Down,
                    Status::Up,
                    FlipReason::Success,
                    at(2)
                ))
            ),
        ]
    );
}

#[test]
fn down_after_failures_counts_consecutive_failure_signals() {
    let rules = rules().down_after_failures(3);
    let statuses = |signals: &[Signal]| -> Vec<Status> {
        run(&rules, up(), signals)
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    };
    use Signal::*;
    // Two failures, a success resets, then three in a row (exit statuses
    // count as failures).
    assert_eq!(
        statuses(&[Fail, Exit(2), Success, Fail, Exit(1), Fail]),
        [
            Status::Up,
            Status::Up,
            Status::Up,
            Status::Up,
            Status::Up,
            Status::Down
        ]
    );
    // Starts and logs neither count nor reset.
    assert_eq!(
        statuses(&[Fail, Start, Log, Fail, Log, Fail]).last(),
        Some(&Status::Down)
    );
    // The flip is dated at the third failure, reason fail.
    let seen = run(&rules, up(), &[Fail, Fail, Fail]);
    assert_eq!(seen[..2].iter().filter(|(_, f)| f.is_some()).count(), 0);
    assert_eq!(
        seen[2].1,
        Some(Flip::new(Status::Up, Status::Down, FlipReason::Fail, at(3)))
    );
}

#[test]
fn a_missed_deadline_still_makes_a_tolerant_check_down_at_once() {
    let rules = rules().down_after_failures(5);
    let state = apply(&up(), &rules, &Ping::new(Signal::Fail, at(1))).state;
    assert_eq!((state.status, state.failures), (Status::Up, 1));
    // The failure was a ping: due again 100 s after it, down 10 s later.
    let quiet = expire(&state, &rules, at(112));
    assert_eq!(
        quiet.flip,
        Some(Flip::new(
            Status::Up,
            Status::Down,
            FlipReason::Timeout,
            at(111)
        ))
    );
}

#[test]
fn up_after_successes_counts_consecutive_successes_of_a_down_check() {
    let rules = rules().up_after_successes(2);
    use Signal::*;
    let seen = run(
        &rules,
        up(),
        &[Fail, Success, Fail, Success, Start, Success],
    );
    let statuses: Vec<Status> = seen.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [
            Status::Down,
            Status::Down,
            Status::Down,
            Status::Down,
            Status::Down,
            Status::Up
        ]
    );
    assert_eq!(
        seen[5].1,
        Some(Flip::new(
            Status::Down,
            Status::Up,
            FlipReason::Success,
            at(6)
        ))
    );
    // A check down by a timeout needs them too.
    let down = expire(&up(), &rules, at(200)).state;
    assert_eq!(down.status, Status::Down);
    let once = apply(&down, &rules, &Ping::new(Success, at(201)));
    assert_eq!((once.state.status, once.flip), (Status::Down, None));
    let twice = apply(&once.state, &rules, &Ping::new(Success, at(202)));
    assert_eq!(twice.state.status, Status::Up);
}

#[test]
fn a_new_or_paused_checks_first_success_brings_it_up_whatever_the_tolerance() {
    let rules = rules().up_after_successes(3).down_after_failures(3);
    for start in [
        CheckState::default(),
        CheckState::with_status(Status::Paused),
    ] {
        let seen = run(&rules, start.clone(), &[Signal::Success]);
        assert_eq!(seen[0].0, Status::Up, "from {:?}", start.status);
    }
    // A new check's failures count like an up check's.
    let seen = run(
        &rules,
        CheckState::default(),
        &[Signal::Fail, Signal::Fail, Signal::Fail],
    );
    let statuses: Vec<Status> = seen.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [Status::New, Status::New, Status::Down]);
}

#[test]
fn max_runtime_bounds_a_run_instead_of_the_grace() {
    let bounded = rules()
        .grace(Duration::from_secs(3600))
        .max_runtime(Duration::from_secs(30));
    let started = apply(&up(), &bounded, &Ping::new(Signal::Start, at(5)));
    // min(due + grace, start + max_runtime) = min(100 + 3600, 5 + 30).
    assert_eq!(started.state.alert_after, Some(at(35)));
    assert_eq!(
        status_at(&started.state, &bounded, at(34)).status,
        LiveStatus::Up
    );
    assert_eq!(
        status_at(&started.state, &bounded, at(35)).status,
        LiveStatus::Down
    );
    let expired = expire(&started.state, &bounded, at(36));
    assert_eq!(
        expired.flip,
        Some(Flip::new(
            Status::Up,
            Status::Down,
            FlipReason::Timeout,
            at(35)
        ))
    );
    // Without it, the run may last the grace time.
    let plain = bounded.clone().max_runtime(None);
    let started = apply(&up(), &plain, &Ping::new(Signal::Start, at(5)));
    assert_eq!(
        started.state.alert_after,
        Some(at(5 + 3600).min(at(100 + 3600)))
    );
    // A run longer than the time to the next due date is still bounded by
    // the schedule: min(due + grace, ...).
    let long = rules().max_runtime(Duration::from_secs(500));
    let started = apply(&up(), &long, &Ping::new(Signal::Start, at(5)));
    assert_eq!(started.state.alert_after, Some(at(110)));
}

#[test]
fn reminders_come_every_interval_while_the_check_stays_down() {
    let rules = rules().remind_every(Duration::from_secs(600));
    let down = apply(&up(), &rules, &Ping::new(Signal::Fail, at(1))).state;
    assert_eq!(down.down_at, Some(at(1)));
    // The first reminder is due 600 s after the down flip.
    assert_eq!(down.alert_after, Some(at(601)));
    let early = expire(&down, &rules, at(600));
    assert_eq!((early.reminder, early.flip), (None, None));
    let first = expire(&down, &rules, at(601));
    assert_eq!(first.reminder, Some(Reminder::new(1, at(601))));
    assert_eq!(first.state.alert_after, Some(at(1201)));
    let second = expire(&first.state, &rules, at(1201));
    assert_eq!(second.reminder, Some(Reminder::new(2, at(1201))));
    // A failure while down changes nothing of it.
    let failed = apply(&second.state, &rules, &Ping::new(Signal::Fail, at(1300)));
    assert_eq!(
        (failed.flip, failed.state.alert_after),
        (None, Some(at(1801)))
    );
    // Coming up ends the reminders.
    let back = apply(&failed.state, &rules, &Ping::new(Signal::Success, at(1400)));
    assert_eq!((back.state.down_at, back.state.reminders), (None, 0));
    assert_eq!(back.state.alert_after, Some(at(1400 + 110)));
}

#[test]
fn a_ping_never_sends_a_due_reminder_itself() {
    let rules = rules().remind_every(Duration::from_secs(60));
    let down = apply(&up(), &rules, &Ping::new(Signal::Fail, at(1))).state;
    // Past the first reminder, a log ping: no timeout flip, the reminder
    // still due for the monitor.
    let logged = apply(&down, &rules, &Ping::new(Signal::Log, at(100)));
    assert_eq!((logged.timed_out, logged.flip), (None, None));
    assert_eq!(logged.state.alert_after, Some(at(61)));
}

#[test]
fn a_check_flipped_late_skips_the_reminders_already_due() {
    let rules = rules().remind_every(Duration::from_secs(60));
    // Due at 100, down at 110; the monitor noticed at 300.
    let late = expire(&up(), &rules, at(300));
    assert_eq!(late.flip.map(|f| f.at), Some(at(110)));
    // 110 + 3 * 60 = 290 was reminder 3: the next is number 4 at 350.
    assert_eq!(
        (late.state.reminders, late.state.alert_after),
        (3, Some(at(350)))
    );
}

#[test]
fn pausing_ends_reminders_and_resuming_forgets_the_counts() {
    let rules = rules()
        .remind_every(Duration::from_secs(60))
        .down_after_failures(2);
    let once = apply(&up(), &rules, &Ping::new(Signal::Fail, at(1))).state;
    assert_eq!(once.failures, 1);
    let down = apply(&once, &rules, &Ping::new(Signal::Fail, at(2))).state;
    let paused = down.paused();
    assert_eq!(
        (paused.alert_after, paused.down_at, paused.reminders),
        (None, None, 0)
    );
    let resumed = paused.resumed();
    assert_eq!((resumed.failures, resumed.successes), (0, 0));
}

#[test]
fn the_defaults_are_healthchecks_behaviour() {
    let rules = CheckRules::default();
    assert_eq!(
        (
            rules.down_after_failures,
            rules.up_after_successes,
            rules.max_runtime,
            rules.remind_every
        ),
        (1, 1, None, None)
    );
    // Zero tolerance is read as one.
    let zero = CheckRules::default()
        .down_after_failures(0)
        .up_after_successes(0);
    assert_eq!((zero.down_after_failures, zero.up_after_successes), (1, 1));
}
