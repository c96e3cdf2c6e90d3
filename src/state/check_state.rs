//! What a check remembers between pings, and the user's own acts on it.

use std::time::{Duration, SystemTime};

use uuid::Uuid;

use crate::state::deadline::alert_after;
use crate::state::rules::CheckRules;
use crate::state::status::Status;

/// What a check remembers between pings.
///
/// Stores keep every field; [`apply`](crate::apply), [`expire`](crate::expire)
/// and the methods below compute the next value, `alert_after` included.
///
/// With the `serde` feature: `status` (`new`, `up`, `down` or `paused`;
/// `grace` is read as `up`, see [`Check`](crate::Check)), `n_pings`,
/// `last_ping`, `last_start` and `alert_after` (RFC 3339 times or null),
/// `last_start_rid` (a UUID or null) and `last_duration` (seconds or null).
/// Missing fields read as their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
#[non_exhaustive]
pub struct CheckState {
    /// The check's status.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::serde_fields::stored_status::deserialize")
    )]
    pub status: Status,
    /// How many pings it received; the last ping's `n`.
    pub n_pings: u64,
    /// When the last success or failure arrived.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub last_ping: Option<SystemTime>,
    /// When the current run started, while one is running.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub last_start: Option<SystemTime>,
    /// The run id the last start carried.
    pub last_start_rid: Option<Uuid>,
    /// How long the last measured run took.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_secs"))]
    pub last_duration: Option<Duration>,
    /// When the check goes down unless a ping comes first: the next ping's
    /// due time (or the start of a running run, if earlier) plus the grace
    /// time. `None` for a check that cannot go down by time: new and not
    /// running, paused, or already down. Stores index it, so the monitor
    /// finds overdue checks without reading the others.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub alert_after: Option<SystemTime>,
}

impl CheckState {
    /// The state of a check that starts with `status` and nothing else.
    ///
    /// ```
    /// use tower_ping::{CheckState, Status};
    /// assert_eq!(CheckState::with_status(Status::Paused).status, Status::Paused);
    /// ```
    pub fn with_status(status: Status) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// The state after the user paused the check: status paused, no run
    /// going, no deadline. No flip: pausing is the user's own act.
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
