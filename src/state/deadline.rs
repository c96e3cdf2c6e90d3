//! Deadlines: when a check is due, how it stands at a moment, and what time
//! alone does to it.

use std::time::SystemTime;

use crate::state::check_state::CheckState;
use crate::state::flip::{Flip, FlipReason};
use crate::state::reminder::{next_reminder, remind, Reminder};
use crate::state::rules::CheckRules;
use crate::state::status::{LiveStatus, Status};
use crate::state::turn::turn_down;

/// How a check stands at a moment: what [`status_at`] returns.
///
/// With the `serde` feature: `status` (as [`LiveStatus`] writes it),
/// `started` (a boolean), `next_ping` and `alert_after` (RFC 3339 text, or
/// null). The example server's `GET /checks` writes these fields over the
/// check's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct StatusAt {
    /// The status a user sees.
    pub status: LiveStatus,
    /// Whether a run is going: started and not yet ended by a success or
    /// failure.
    pub started: bool,
    /// When the next ping is expected: the schedule's due time for an up
    /// check (or the start of a running run, if earlier), the start of the
    /// run for a new check that is running; `None` when new and not running,
    /// paused or down.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub next_ping: Option<SystemTime>,
    /// When the check goes down unless pinged: its due time plus the grace
    /// time, or the start of a running run plus the longest run if earlier,
    /// as recomputed from the state and rules (in the past for a check that
    /// is down by time but not yet flipped by the monitor).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub alert_after: Option<SystemTime>,
}

/// How a check stands at `now`: the stored status, made `grace` or `down` by
/// the time that passed since its last ping or start.
///
/// 1. A running check (`last_start` set) that is not paused is down once
///    `now >= last_start + grace` (or `+ max_runtime`, when set): the run
///    took too long.
/// 2. New, paused and down checks stay as they are.
/// 3. An up check is down once `now >= due + grace`, in grace once
///    `now >= due`, else up, where `due` is the schedule's next due time
///    after `last_ping`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::{status_at, CheckRules, CheckState, LiveStatus, Schedule, Status};
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rules = CheckRules::default()
///     .schedule(Schedule::Period(Duration::from_secs(60)))
///     .grace(Duration::from_secs(30));
/// let mut state = CheckState::with_status(Status::Up);
/// state.last_ping = Some(t0);
///
/// let at = |secs| status_at(&state, &rules, t0 + Duration::from_secs(secs)).status;
/// assert_eq!(at(59), LiveStatus::Up);
/// assert_eq!(at(60), LiveStatus::Grace);
/// assert_eq!(at(90), LiveStatus::Down);
/// ```
pub fn status_at(state: &CheckState, rules: &CheckRules, now: SystemTime) -> StatusAt {
    let due = due(state, rules);
    let next_ping = grace_start(state, due);
    let alert_after = overdue_at(state, rules, due);
    let status = match state.status {
        Status::Paused => LiveStatus::Paused,
        Status::Down => LiveStatus::Down,
        _ if alert_after.is_some_and(|at| now >= at) => LiveStatus::Down,
        Status::New => LiveStatus::New,
        _ if due.is_some_and(|due| now >= due) => LiveStatus::Grace,
        _ => LiveStatus::Up,
    };
    let next_ping = match status {
        LiveStatus::New | LiveStatus::Up | LiveStatus::Grace => next_ping,
        _ => None,
    };
    StatusAt {
        status,
        started: state.last_start.is_some(),
        next_ping,
        alert_after,
    }
}

/// When time alone next does something to the check (see
/// [`CheckState::alert_after`]): it goes down, or a down check's next
/// reminder is due; `None` when time alone can do nothing.
pub(crate) fn alert_after(state: &CheckState, rules: &CheckRules) -> Option<SystemTime> {
    // The common case, an up check on a period with no run going, in one
    // addition: every ping of such a check comes here.
    if let (Status::Up, Some(last_ping), None, Some(period)) = (
        state.status,
        state.last_ping,
        state.last_start,
        rules.schedule.period(),
    ) {
        return last_ping.checked_add(period.checked_add(rules.grace)?);
    }
    match state.status {
        Status::Down => next_reminder(state, rules),
        _ => overdue_at(state, rules, due(state, rules)),
    }
}

/// When a check that is not down goes down unless a ping comes first: its
/// due time plus the grace time, or the start of its running run plus the
/// longest run, whichever comes first.
fn overdue_at(
    state: &CheckState,
    rules: &CheckRules,
    due: Option<SystemTime>,
) -> Option<SystemTime> {
    let late = due.and_then(|due| due.checked_add(rules.grace));
    let too_long = running(state).and_then(|start| start.checked_add(rules.run_limit()));
    match (late, too_long) {
        (Some(late), Some(too_long)) => Some(late.min(too_long)),
        (late, too_long) => late.or(too_long),
    }
}

/// When the running run started, for a check that can go down by it.
fn running(state: &CheckState) -> Option<SystemTime> {
    match state.status {
        Status::Down | Status::Paused => None,
        _ => state.last_start,
    }
}

/// When an up check's next ping is due by its schedule.
fn due(state: &CheckState, rules: &CheckRules) -> Option<SystemTime> {
    match state.status {
        Status::Up => rules.schedule.next_due(state.last_ping?),
        _ => None,
    }
}

/// When the grace time starts: the due time, or the start of a running run
/// if earlier. Decided on the stored status (not the status at a moment), so
/// that an up check already past its deadline keeps a deadline to flip at.
fn grace_start(state: &CheckState, due: Option<SystemTime>) -> Option<SystemTime> {
    match (due, running(state)) {
        (Some(due), Some(start)) => Some(due.min(start)),
        (due, start) => due.or(start),
    }
}

/// What time alone did to a check: what [`expire`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expiry {
    /// The state to store: down, or with `alert_after` recomputed.
    pub state: CheckState,
    /// The flip to down, when the check was overdue.
    pub flip: Option<Flip>,
    /// The reminder due, when the check was down and its next reminder
    /// came: the store sends it to the check's channels with the check's
    /// latest (down) flip.
    pub reminder: Option<Reminder>,
}

/// What time alone does to a check at `now`: the monitor's step.
///
/// `alert_after` is recomputed from the state and rules (rules may have
/// changed since it was stored). A check past it that is not down goes down,
/// with a [`Flip`] of reason `timeout` dated at the deadline, not at `now`;
/// a down check past it is due a [`Reminder`]; any other check keeps its
/// status and gets the recomputed deadline (re-armed).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::{expire, CheckRules, CheckState, FlipReason, Schedule, Status};
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rules = CheckRules::default()
///     .schedule(Schedule::Period(Duration::from_secs(60)))
///     .grace(Duration::from_secs(30));
/// let mut state = CheckState::with_status(Status::Up);
/// state.last_ping = Some(t0);
///
/// let quiet = expire(&state, &rules, t0 + Duration::from_secs(95));
/// let flip = quiet.flip.unwrap();
/// assert_eq!((quiet.state.status, flip.reason), (Status::Down, FlipReason::Timeout));
/// assert_eq!(flip.at, t0 + Duration::from_secs(90));
/// assert_eq!(quiet.state.alert_after, None);
/// ```
pub fn expire(state: &CheckState, rules: &CheckRules, now: SystemTime) -> Expiry {
    if state.status == Status::Down {
        if let Some((state, reminder)) = remind(state, rules, now) {
            return Expiry {
                state,
                flip: None,
                reminder: Some(reminder),
            };
        }
    }
    match alert_after(state, rules) {
        Some(at) if at <= now && state.status != Status::Down => {
            let mut next = state.clone();
            let flip = turn_down(&mut next, state.status, rules, FlipReason::Timeout, at, now);
            next.alert_after = alert_after(&next, rules);
            Expiry {
                state: next,
                flip: Some(flip),
                reminder: None,
            }
        }
        deadline => Expiry {
            state: CheckState {
                alert_after: deadline,
                ..state.clone()
            },
            flip: None,
            reminder: None,
        },
    }
}
