//! Flips: recorded changes of a check's status.

use std::fmt;
use std::time::SystemTime;

use crate::state::status::Status;

/// Why a check's status changed.
///
/// With the `serde` feature: `success`, `fail` or `timeout`, as
/// [`FlipReason::as_str`] writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum FlipReason {
    /// A success ping made the check up.
    Success,
    /// A failure ping made the check down.
    Fail,
    /// The check went quiet (or a run went on) past its grace time.
    Timeout,
}

impl FlipReason {
    /// `success`, `fail` or `timeout`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlipReason::Success => "success",
            FlipReason::Fail => "fail",
            FlipReason::Timeout => "timeout",
        }
    }

    /// Parses what [`FlipReason::as_str`] writes.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "success" => FlipReason::Success,
            "fail" => FlipReason::Fail,
            "timeout" => FlipReason::Timeout,
            _ => return None,
        })
    }
}

impl fmt::Display for FlipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of a check's stored status, caused by a ping or by time. Stores
/// record each one with the state change that made it, in the same
/// transaction.
///
/// ```
/// use std::time::SystemTime;
/// use tower_ping::{Flip, FlipReason, Status};
///
/// let at = SystemTime::UNIX_EPOCH;
/// assert!(Flip::new(Status::Up, Status::Down, FlipReason::Timeout, at).is_alertable());
/// assert!(Flip::new(Status::Down, Status::Up, FlipReason::Success, at).is_alertable());
/// assert!(!Flip::new(Status::New, Status::Up, FlipReason::Success, at).is_alertable());
/// ```
///
/// With the `serde` feature: `old_status` and `new_status` (as [`Status`]
/// writes them), `reason` (as [`FlipReason`] writes it) and `at` (RFC 3339
/// text, in UTC to the microsecond). [`RecordedFlip`](crate::RecordedFlip)
/// and [`Alert`](crate::Alert) write these fields flat, among their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Flip {
    /// The status before.
    pub old_status: Status,
    /// The status after.
    pub new_status: Status,
    /// What caused it.
    pub reason: FlipReason,
    /// When it happened: the ping's arrival, or for a timeout the deadline
    /// that passed (not the moment the monitor noticed).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::time"))]
    pub at: SystemTime,
}

impl Flip {
    /// A flip from `old_status` to `new_status` at `at`.
    pub fn new(old_status: Status, new_status: Status, reason: FlipReason, at: SystemTime) -> Self {
        Self {
            old_status,
            new_status,
            reason,
            at,
        }
    }

    /// Whether the app's notifier hears of it: flips to down, and from down
    /// to up. A new or paused check that goes up is recorded, not alerted.
    pub fn is_alertable(&self) -> bool {
        self.new_status == Status::Down
            || (self.old_status == Status::Down && self.new_status == Status::Up)
    }
}
