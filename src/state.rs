//! The check state machine: what a ping does to a check.
//!
//! This is the one place where ping semantics live. Every store, the ones in
//! this crate and yours, loads a check's [`CheckState`] and [`CheckRules`],
//! calls [`apply`], and persists the [`Transition`] it returns, so that no two
//! stores can disagree about what a ping means.

use std::time::{Duration, SystemTime};

use http::Method;
use uuid::Uuid;

use crate::grammar::Signal;
use crate::ping::Ping;

/// Durations longer than this are not reported.
pub const MAX_DURATION: Duration = Duration::from_secs(72 * 3600);

/// A check's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// Never pinged since it was created.
    #[default]
    New,
    /// The last success or failure was a success.
    Up,
    /// The last success or failure was a failure.
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

/// The kind a ping is recorded as, after the check's rules had their say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Which methods may change a check's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AllowedMethods {
    /// `HEAD`, `GET` and `POST` all count.
    #[default]
    Any,
    /// Only `POST` counts; other pings are recorded as ignored. Guards against
    /// link previewers and crawlers that `GET` every URL they see.
    PostOnly,
}

/// Keyword filters: when body filtering is on, the ping body decides the kind.
///
/// Each list is comma-separated; entries are trimmed and matched as
/// case-sensitive substrings, and empty entries match nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct KeywordFilter {
    /// Whether the body decides the kind at all.
    pub filter_body: bool,
    /// Keywords that make the ping a success.
    pub success_kw: String,
    /// Keywords that make the ping a failure.
    pub failure_kw: String,
    /// Keywords that make the ping a start.
    pub start_kw: String,
    /// Whether a body that matches nothing is a failure (otherwise ignored).
    pub default_fail: bool,
}

impl KeywordFilter {
    /// The kind the body decides, or `None` when body filtering is off.
    ///
    /// ```
    /// use tower_ping::{Kind, KeywordFilter};
    ///
    /// let filter = KeywordFilter {
    ///     filter_body: true,
    ///     failure_kw: "ERROR, FATAL".into(),
    ///     success_kw: "done".into(),
    ///     ..KeywordFilter::default()
    /// };
    /// assert_eq!(filter.kind_for(b"backup done, 1 ERROR"), Some(Kind::Fail));
    /// assert_eq!(filter.kind_for(b"backup done"), Some(Kind::Success));
    /// assert_eq!(filter.kind_for(b"error"), Some(Kind::Ignored));
    /// ```
    pub fn kind_for(&self, body: &[u8]) -> Option<Kind> {
        if !self.filter_body {
            return None;
        }
        let text = String::from_utf8_lossy(body);
        let matches = |keywords: &str| {
            keywords
                .split(',')
                .map(str::trim)
                .any(|kw| !kw.is_empty() && text.contains(kw))
        };
        Some(if matches(&self.failure_kw) {
            Kind::Fail
        } else if matches(&self.success_kw) {
            Kind::Success
        } else if matches(&self.start_kw) {
            Kind::Start
        } else if self.default_fail {
            Kind::Fail
        } else {
            Kind::Ignored
        })
    }
}

/// A check's settings that decide how pings are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CheckRules {
    /// A paused check stays paused, ignoring pings, until resumed by hand.
    pub manual_resume: bool,
    /// Which methods count.
    pub methods: AllowedMethods,
    /// Keyword filters on the body.
    pub filter: KeywordFilter,
}

/// What a check remembers between pings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CheckState {
    /// The check's status.
    pub status: Status,
    /// How many pings it received; the last ping's `n`.
    pub n_pings: u64,
    /// When the last success or failure arrived.
    pub last_ping: Option<SystemTime>,
    /// When the current run started, while one is running.
    pub last_start: Option<SystemTime>,
    /// The run id the last start carried.
    pub last_start_rid: Option<Uuid>,
    /// How long the last measured run took.
    pub last_duration: Option<Duration>,
}

/// What applying a ping to a check yields: persist `state` and log the ping
/// as number `n` of kind `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The check's state after the ping.
    pub state: CheckState,
    /// The ping's number: the previous `n_pings` plus one.
    pub n: u64,
    /// The kind to record.
    pub kind: Kind,
    /// The run time this ping measured, if it ended a started run.
    pub duration: Option<Duration>,
    /// The status before the ping, when the ping changed it.
    pub flipped_from: Option<Status>,
}

impl Transition {
    /// Whether the ping changed the check's status.
    pub fn flipped(&self) -> bool {
        self.flipped_from.is_some()
    }
}

/// Applies a ping to a check: the single source of ping semantics.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::{apply, CheckRules, CheckState, Kind, Ping, Signal, Status};
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rules = CheckRules::default();
/// let started = apply(&CheckState::default(), &rules, &Ping::new(Signal::Start, t0));
/// assert_eq!(started.kind, Kind::Start);
///
/// let done = apply(&started.state, &rules, &Ping::new(Signal::Exit(0), t0 + Duration::from_secs(90)));
/// assert_eq!(done.n, 2);
/// assert_eq!(done.state.status, Status::Up);
/// assert_eq!(done.duration, Some(Duration::from_secs(90)));
/// assert!(done.flipped());
/// ```
pub fn apply(state: &CheckState, rules: &CheckRules, ping: &Ping) -> Transition {
    let kind = recorded_kind(state, rules, ping);
    let now = ping.received_at;
    let mut next = state.clone();
    next.n_pings = state.n_pings + 1;
    let mut duration = None;
    let mut flipped_from = None;

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
            let status = if kind == Kind::Fail {
                Status::Down
            } else {
                Status::Up
            };
            if state.status != status {
                flipped_from = Some(state.status);
                next.status = status;
            }
        }
        Kind::Log | Kind::Ignored => {}
    }

    Transition {
        n: next.n_pings,
        state: next,
        kind,
        duration,
        flipped_from,
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
