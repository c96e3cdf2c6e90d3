//! What a ping does to a check.

use std::time::Duration;

use http::Method;

use crate::request::ping::Ping;
use crate::state::check_state::CheckState;
use crate::state::deadline::{alert_after, expire};
use crate::state::flip::{Flip, FlipReason};
use crate::state::kind::Kind;
use crate::state::rules::{AllowedMethods, CheckRules};
use crate::state::status::Status;
use crate::state::turn::{turn_down, turn_up};

/// Durations longer than this are not reported.
pub const MAX_DURATION: Duration = Duration::from_secs(72 * 3600);

/// What applying a ping to a check yields: persist `state`, log the ping as
/// number `n` of kind `kind`, and record [`flips`](Transition::flips), all in
/// one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The check's state after the ping.
    pub state: CheckState,
    /// The ping's number: the previous `n_pings` plus one.
    pub n: u64,
    /// The kind to record.
    pub kind: Kind,
    /// The run time this ping measured, if it ended a started run.
    pub duration: Option<Duration>,
    /// The flip to down the ping found due: the check was past its deadline
    /// when the ping arrived, and the monitor had not flipped it yet. Dated
    /// at the deadline, it comes before the ping's own flip.
    pub timed_out: Option<Flip>,
    /// The flip the ping itself caused: to down for the failure that made
    /// [`down_after_failures`](CheckRules::down_after_failures) in a row, to
    /// up for a success on a check that was not up (a down one: the success
    /// that made [`up_after_successes`](CheckRules::up_after_successes) in a
    /// row).
    pub flip: Option<Flip>,
}

impl Transition {
    /// Whether the ping changed the check's status.
    pub fn flipped(&self) -> bool {
        self.flip.is_some()
    }

    /// The flips to record, oldest first: [`timed_out`](Self::timed_out),
    /// then [`flip`](Self::flip).
    pub fn flips(&self) -> impl Iterator<Item = &Flip> {
        self.timed_out.iter().chain(self.flip.iter())
    }
}

/// Applies a ping to a check: the single source of ping semantics.
///
/// A check already past its `alert_after` when the ping arrives goes down
/// first (as [`expire`] would have done), so what is recorded does not depend
/// on whether the monitor got there before the ping. (A down check's
/// reminder that came due is left to the monitor.) Every ping, logs and
/// ignored ones too, recomputes `alert_after`.
///
/// Tolerance: a failure signal counts towards
/// [`down_after_failures`](CheckRules::down_after_failures) and resets the
/// successes; a success counts towards
/// [`up_after_successes`](CheckRules::up_after_successes) and resets the
/// failures; starts, logs and ignored pings do neither.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::{apply, CheckRules, CheckState, Kind, Ping, Signal, Status};
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rules = CheckRules::default(); // a period of one day, one hour of grace
/// let started = apply(&CheckState::default(), &rules, &Ping::new(Signal::Start, t0));
/// assert_eq!(started.kind, Kind::Start);
/// // A new check that started a run goes down if the run outlasts its grace.
/// assert_eq!(started.state.alert_after, Some(t0 + rules.grace));
///
/// let done = apply(&started.state, &rules, &Ping::new(Signal::Exit(0), t0 + Duration::from_secs(90)));
/// assert_eq!(done.n, 2);
/// assert_eq!(done.state.status, Status::Up);
/// assert_eq!(done.duration, Some(Duration::from_secs(90)));
/// assert!(done.flipped());
/// let due = t0 + Duration::from_secs(90) + rules.schedule.period().unwrap();
/// assert_eq!(done.state.alert_after, Some(due + rules.grace));
/// ```
pub fn apply(state: &CheckState, rules: &CheckRules, ping: &Ping) -> Transition {
    let now = ping.received_at;
    let expired;
    let (state, timed_out) = match state.alert_after {
        Some(deadline) if deadline <= now && state.status != Status::Down => {
            expired = expire(state, rules, now);
            (&expired.state, expired.flip)
        }
        _ => (state, None),
    };
    let kind = recorded_kind(state, rules, ping);
    let mut next = state.clone();
    next.n_pings = state.n_pings + 1;
    let mut duration = None;
    let mut flip = None;

    match kind {
        Kind::Start => {
            next.last_start = Some(now);
            next.last_start_rid = ping.rid;
        }
        Kind::Success | Kind::Fail => {
            next.last_ping = Some(now);
            match state.last_start {
                Some(started) if state.last_start_rid == ping.rid => {
                    duration = now
                        .duration_since(started)
                        .ok()
                        .filter(|d| *d <= MAX_DURATION);
                    next.last_start = None;
                }
                // A failure ends any run; a ping without a run id ends the
                // unnamed one. A success of another run leaves this one going.
                _ if kind == Kind::Fail || ping.rid.is_none() => next.last_start = None,
                _ => {}
            }
            next.last_duration = duration;
            if kind == Kind::Fail {
                next.failures = state.failures.saturating_add(1);
                next.successes = 0;
                if state.status != Status::Down && next.failures >= rules.failures_to_go_down() {
                    let old = state.status;
                    flip = Some(turn_down(&mut next, old, rules, FlipReason::Fail, now, now));
                }
            } else {
                next.successes = state.successes.saturating_add(1);
                next.failures = 0;
                let comes_up = match state.status {
                    Status::Up => false,
                    Status::Down => next.successes >= rules.successes_to_come_up(),
                    Status::New | Status::Paused => true,
                };
                if comes_up {
                    flip = Some(turn_up(&mut next, state.status, now));
                }
            }
        }
        Kind::Log | Kind::Ignored => {}
    }
    next.alert_after = alert_after(&next, rules);

    Transition {
        n: next.n_pings,
        state: next,
        kind,
        duration,
        timed_out,
        flip,
    }
}

/// The kind a ping is recorded as: the check's hard rules first, then its
/// keyword filters, then the URL.
fn recorded_kind(state: &CheckState, rules: &CheckRules, ping: &Ping) -> Kind {
    let held = state.status == Status::Paused && rules.manual_resume;
    let wrong_method = rules.methods == AllowedMethods::PostOnly && ping.method != Method::POST;
    if held || wrong_method {
        return Kind::Ignored;
    }
    rules
        .filter
        .kind_for(&ping.body)
        .unwrap_or_else(|| Kind::from_signal(ping.signal))
}
