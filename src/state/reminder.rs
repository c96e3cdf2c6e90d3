//! Reminders: while a check stays down, its channels hear of it again every
//! `remind_every`.

use std::time::{Duration, SystemTime};

use crate::state::check_state::CheckState;
use crate::state::rules::CheckRules;
use crate::state::status::Status;

/// A reminder due: the check is still down. What [`expire`](crate::expire)
/// returns for a down check whose next reminder came.
///
/// Reminder `number` `k` is due at the down flip's time plus `k` times
/// [`CheckRules::remind_every`]. Reminders a stopped monitor missed are not
/// sent late, one by one: the latest one due is, with its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Reminder {
    /// Which reminder: 1 for the first.
    pub number: u32,
    /// When it was due.
    pub due: SystemTime,
}

impl Reminder {
    /// Reminder `number`, due at `due`.
    pub fn new(number: u32, due: SystemTime) -> Self {
        Self { number, due }
    }
}

/// When a down check's next reminder is due; `None` for a check that is
/// not down or has no reminders.
pub(crate) fn next_reminder(state: &CheckState, rules: &CheckRules) -> Option<SystemTime> {
    if state.status != Status::Down {
        return None;
    }
    reminder_time(
        state.down_at?,
        rules.reminder_interval()?,
        state.reminders.checked_add(1)?,
    )
}

/// The latest reminder due at `now` of a check down since `down_at`, if
/// its next one (after `sent`) is due: the state to store and the reminder.
pub(crate) fn remind(
    state: &CheckState,
    rules: &CheckRules,
    now: SystemTime,
) -> Option<(CheckState, Reminder)> {
    let next = next_reminder(state, rules)?;
    if next > now {
        return None;
    }
    let (down_at, every) = (state.down_at?, rules.reminder_interval()?);
    let number = reminders_due(down_at, every, now).max(state.reminders.saturating_add(1));
    let due = reminder_time(down_at, every, number)?;
    let state = CheckState {
        reminders: number,
        alert_after: number
            .checked_add(1)
            .and_then(|after| reminder_time(down_at, every, after)),
        ..state.clone()
    };
    Some((state, Reminder::new(number, due)))
}

/// How many reminders of a check down since `down_at` are due at `now`.
pub(crate) fn reminders_due(down_at: SystemTime, every: Duration, now: SystemTime) -> u32 {
    let Ok(down_for) = now.duration_since(down_at) else {
        return 0;
    };
    let count = down_for.as_nanos() / every.as_nanos().max(1);
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// When reminder `number` of a check down since `down_at` is due.
fn reminder_time(down_at: SystemTime, every: Duration, number: u32) -> Option<SystemTime> {
    down_at.checked_add(every.checked_mul(number)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(1_800_000_000);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(secs)
    }

    fn down_since(secs: u64, reminders: u32) -> CheckState {
        CheckState {
            down_at: Some(at(secs)),
            reminders,
            ..CheckState::with_status(Status::Down)
        }
    }

    #[test]
    fn reminder_k_is_due_k_intervals_after_the_down_flip() {
        let rules = CheckRules::default().remind_every(Duration::from_secs(600));
        let state = down_since(0, 0);
        assert_eq!(next_reminder(&state, &rules), Some(at(600)));
        assert_eq!(remind(&state, &rules, at(599)), None);
        let (after, first) = remind(&state, &rules, at(600)).unwrap();
        assert_eq!(first, Reminder::new(1, at(600)));
        assert_eq!((after.reminders, after.alert_after), (1, Some(at(1200))));
        let (_, second) = remind(&after, &rules, at(1201)).unwrap();
        assert_eq!(second, Reminder::new(2, at(1200)));
    }

    #[test]
    fn missed_reminders_give_the_latest_one_due() {
        let rules = CheckRules::default().remind_every(Duration::from_secs(60));
        // Stopped for ten minutes after reminder 1: the next is number 11.
        let (after, late) = remind(&down_since(0, 1), &rules, at(11 * 60 + 5)).unwrap();
        assert_eq!(late, Reminder::new(11, at(660)));
        assert_eq!(after.alert_after, Some(at(720)));
    }

    #[test]
    fn no_reminder_without_an_interval_a_down_time_or_a_down_status() {
        let every = CheckRules::default().remind_every(Duration::from_secs(60));
        assert_eq!(
            next_reminder(&down_since(0, 0), &CheckRules::default()),
            None
        );
        let zero = CheckRules::default().remind_every(Duration::ZERO);
        assert_eq!(zero.remind_every, None);
        assert_eq!(next_reminder(&down_since(0, 0), &zero), None);
        let unknown = CheckState::with_status(Status::Down);
        assert_eq!(next_reminder(&unknown, &every), None);
        let mut up = down_since(0, 0);
        up.status = Status::Up;
        assert_eq!(next_reminder(&up, &every), None);
        assert_eq!(remind(&up, &every, at(3600)), None);
    }

    #[test]
    fn counting_reminders_due() {
        let every = Duration::from_secs(60);
        assert_eq!(reminders_due(at(100), every, at(50)), 0);
        assert_eq!(reminders_due(at(0), every, at(59)), 0);
        assert_eq!(reminders_due(at(0), every, at(60)), 1);
        assert_eq!(reminders_due(at(0), every, at(3600)), 60);
        assert_eq!(
            reminders_due(SystemTime::UNIX_EPOCH, Duration::from_nanos(1), at(0)),
            u32::MAX
        );
    }
}
