//! What a check keeps when its status turns: the counts and times that
//! going down and coming up reset, in one place for pings and for time.

use std::time::SystemTime;

use crate::state::check_state::CheckState;
use crate::state::flip::{Flip, FlipReason};
use crate::state::reminder::reminders_due;
use crate::state::rules::CheckRules;
use crate::state::status::Status;

/// The check turns down at `at` (a failure's arrival, or the deadline that
/// passed), noticed at `now`: the flip, and `next` updated. Its reminders
/// count from `at`; those already due at `now` (a deadline noticed late) are
/// skipped, since the down alert itself is the news.
pub(crate) fn turn_down(
    next: &mut CheckState,
    old: Status,
    rules: &CheckRules,
    reason: FlipReason,
    at: SystemTime,
    now: SystemTime,
) -> Flip {
    next.status = Status::Down;
    next.successes = 0;
    next.down_at = Some(at);
    next.reminders = rules
        .reminder_interval()
        .map_or(0, |every| reminders_due(at, every, now));
    Flip::new(old, Status::Down, reason, at)
}

/// The check turns up at `at` on a success: the flip, and `next` updated.
pub(crate) fn turn_up(next: &mut CheckState, old: Status, at: SystemTime) -> Flip {
    next.status = Status::Up;
    next.down_at = None;
    next.reminders = 0;
    Flip::new(old, Status::Up, FlipReason::Success, at)
}
