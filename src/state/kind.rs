//! The kind a ping is recorded as.

use crate::request::grammar::Signal;

/// The kind a ping is recorded as, after the check's rules had their say.
///
/// With the `serde` feature: `success`, `start`, `fail`, `log` or `ign`
/// (not `ignored`), as [`Kind::as_str`] writes them and the stores keep
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Kind {
    /// A success: the check goes up.
    Success,
    /// A run started.
    Start,
    /// A failure: the check goes down.
    Fail,
    /// A log message: recorded, no state change.
    Log,
    /// Ignored by the check's rules (paused with manual resume, POST-only, or
    /// no keyword matched): recorded, no state change.
    #[cfg_attr(feature = "serde", serde(rename = "ign"))]
    Ignored,
}

impl Kind {
    /// `success`, `start`, `fail`, `log` or `ign`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Success => "success",
            Kind::Start => "start",
            Kind::Fail => "fail",
            Kind::Log => "log",
            Kind::Ignored => "ign",
        }
    }

    /// Parses what [`Kind::as_str`] writes.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "success" => Kind::Success,
            "start" => Kind::Start,
            "fail" => Kind::Fail,
            "log" => Kind::Log,
            "ign" => Kind::Ignored,
            _ => return None,
        })
    }

    /// The kind the URL asked for, before any rule of the check applies.
    pub fn from_signal(signal: Signal) -> Self {
        match signal {
            Signal::Success | Signal::Exit(0) => Kind::Success,
            Signal::Fail | Signal::Exit(_) => Kind::Fail,
            Signal::Start => Kind::Start,
            Signal::Log => Kind::Log,
        }
    }
}
