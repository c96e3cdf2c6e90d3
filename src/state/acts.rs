//! The user's own acts on a check: pausing, resuming, and redefining its
//! rules. Each changes the state without a flip and without an alert.

use crate::state::check_state::CheckState;
use crate::state::deadline::alert_after;
use crate::state::rules::CheckRules;
use crate::state::status::Status;

impl CheckState {
    /// The state after the user paused the check: status paused, no run
    /// going, no deadline, no reminders. No flip: pausing is the user's own
    /// act.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use tower_ping::{CheckState, Status};
    ///
    /// let mut running = CheckState::with_status(Status::Up);
    /// running.last_start = Some(SystemTime::UNIX_EPOCH);
    /// running.alert_after = Some(SystemTime::UNIX_EPOCH);
    /// let paused = running.paused();
    /// assert_eq!((paused.status, paused.last_start, paused.alert_after), (Status::Paused, None, None));
    /// ```
    pub fn paused(&self) -> CheckState {
        CheckState {
            status: Status::Paused,
            last_start: None,
            alert_after: None,
            down_at: None,
            reminders: 0,
            ..self.clone()
        }
    }

    /// The state after the user resumed a paused check: status new, as if
    /// never pinged (its pings stay counted). A check that is not paused is
    /// returned as it is. No flip: resuming is the user's own act.
    pub fn resumed(&self) -> CheckState {
        if self.status != Status::Paused {
            return self.clone();
        }
        CheckState {
            status: Status::New,
            last_ping: None,
            last_start: None,
            last_start_rid: None,
            alert_after: None,
            failures: 0,
            successes: 0,
            down_at: None,
            reminders: 0,
            ..self.clone()
        }
    }

    /// The state with `alert_after` recomputed for `rules`: after the check
    /// was defined, or redefined with another schedule or grace. No flip: a
    /// check the new rules make overdue goes down at the monitor's next sweep,
    /// dated at its deadline.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tower_ping::{CheckRules, CheckState, Schedule, Status};
    ///
    /// let t0 = SystemTime::UNIX_EPOCH;
    /// let mut up = CheckState::with_status(Status::Up);
    /// up.last_ping = Some(t0);
    /// let rules = CheckRules::default()
    ///     .schedule(Schedule::Period(Duration::from_secs(60)))
    ///     .grace(Duration::from_secs(30));
    /// assert_eq!(up.rearmed(&rules).alert_after, Some(t0 + Duration::from_secs(90)));
    /// ```
    pub fn rearmed(&self, rules: &CheckRules) -> CheckState {
        CheckState {
            alert_after: alert_after(self, rules),
            ..self.clone()
        }
    }
}
