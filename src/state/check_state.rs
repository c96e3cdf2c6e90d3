//! What a check remembers between pings.

use std::time::{Duration, SystemTime};

use uuid::Uuid;

use crate::state::status::Status;

/// What a check remembers between pings.
///
/// Stores keep every field; [`apply`](crate::apply), [`expire`](crate::expire)
/// and the user's acts ([`paused`](CheckState::paused),
/// [`resumed`](CheckState::resumed), [`rearmed`](CheckState::rearmed))
/// compute the next value, `alert_after` included.
///
/// With the `serde` feature: `status` (`new`, `up`, `down` or `paused`;
/// `grace` is read as `up`, see [`Check`](crate::Check)), `n_pings`,
/// `last_ping`, `last_start` and `alert_after` (RFC 3339 times or null),
/// `last_start_rid` (a UUID or null), `last_duration` (seconds or null),
/// `failures`, `successes` and `reminders` (numbers) and `down_at` (an
/// RFC 3339 time or null). Missing fields read as their defaults.
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
    /// When time alone next does something to the check. For a check that
    /// is not down: when it goes down unless a ping comes first (the next
    /// ping's due time plus the grace time, or the start of a running run
    /// plus the longest run, if earlier). For a down check: when its next
    /// reminder is due. `None` when time alone can do nothing: new and not
    /// running, paused, or down without reminders. Stores index it, so the
    /// monitor finds the checks whose time came without reading the others.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub alert_after: Option<SystemTime>,
    /// Consecutive failure signals since the last success: the check goes
    /// down when they reach [`CheckRules::down_after_failures`](crate::CheckRules::down_after_failures).
    pub failures: u32,
    /// Consecutive successes since the last failure or since it went down:
    /// a down check comes up when they reach
    /// [`CheckRules::up_after_successes`](crate::CheckRules::up_after_successes).
    pub successes: u32,
    /// While the check is down: when it went down (its down flip's time),
    /// from which its reminders count.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub down_at: Option<SystemTime>,
    /// While the check is down: the number of the last reminder due (0
    /// before the first).
    pub reminders: u32,
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
}
