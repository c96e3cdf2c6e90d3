//! A check's status: the one stores keep, and the one a user sees at a
//! moment.

use std::fmt;

/// A check's status as stores keep it.
///
/// `grace` is not among them: it is computed at a moment, see
/// [`LiveStatus`] and [`status_at`](crate::status_at).
///
/// With the `serde` feature: `new`, `up`, `down` or `paused`, as
/// [`Status::as_str`] writes them. `grace` is refused, except as the
/// `status` of a [`CheckState`](crate::CheckState) (or
/// [`Check`](crate::Check)), where it reads as `up`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Status {
    /// Never pinged since it was created or resumed.
    #[default]
    New,
    /// The last success or failure was a success, and it has not gone quiet.
    Up,
    /// The last ping was a failure, or the check went quiet past its grace.
    Down,
    /// Monitoring is paused.
    Paused,
}

impl Status {
    /// `new`, `up`, `down` or `paused`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Up => "up",
            Status::Down => "down",
            Status::Paused => "paused",
        }
    }

    /// Parses what [`Status::as_str`] writes.
    ///
    /// ```
    /// use tower_ping::Status;
    /// assert_eq!(Status::parse("paused"), Some(Status::Paused));
    /// assert_eq!(Status::parse("PAUSED"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "new" => Status::New,
            "up" => Status::Up,
            "down" => Status::Down,
            "paused" => Status::Paused,
            _ => return None,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's status at a moment, as a user sees it: the stored [`Status`],
/// with `grace` for a check that is late but not yet down, and `down` for one
/// past its deadline that the monitor has not flipped yet.
///
/// With the `serde` feature: `new`, `up`, `grace`, `down` or `paused`, as
/// [`LiveStatus::as_str`] writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum LiveStatus {
    /// Never pinged.
    New,
    /// Pinged in time.
    Up,
    /// The next ping is late, but within the grace time.
    Grace,
    /// Failed, late past the grace time, or running for longer than it.
    Down,
    /// Monitoring is paused.
    Paused,
}

impl LiveStatus {
    /// `new`, `up`, `grace`, `down` or `paused`.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveStatus::New => "new",
            LiveStatus::Up => "up",
            LiveStatus::Grace => "grace",
            LiveStatus::Down => "down",
            LiveStatus::Paused => "paused",
        }
    }
}

impl fmt::Display for LiveStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
