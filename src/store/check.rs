//! Checks as stores keep them: how one is defined, what a store reports of
//! it, the entries of its ping log, and its flips.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::uri::Scheme;
use http::Method;
use uuid::Uuid;

use crate::request::ping::Ping;
use crate::state::{
    status_at, AllowedMethods, CheckRules, CheckState, Flip, KeywordFilter, Kind, Schedule, Status,
    StatusAt, Transition,
};
use crate::store::slug::slugify;

/// How many pings a check's log keeps by default.
pub const DEFAULT_PING_LOG_LIMIT: usize = 100;

/// A check to define in a store: added when the store does not have it,
/// redefined when it does.
///
/// Which check it is: the one with its UUID when [`uuid`](Self::uuid) was
/// set; otherwise the one of its project (ping key) with its slug. So an app
/// that declares its checks in code on every start redefines them instead of
/// adding copies. A check that is new to the store starts in
/// [`initial`](Self::initial) (new, unless set) with a random UUID unless one
/// was given; an existing one keeps its state and pings and takes the new
/// name, slug, ping key and rules.
///
/// ```
/// use std::time::Duration;
/// use tower_ping::NewCheck;
///
/// let check = NewCheck::new("Café Backup")
///     .ping_key("ab12cd34ef56gh78ij90kl")
///     .timeout(Duration::from_secs(3600))
///     .grace(Duration::from_secs(600))
///     .post_only();
/// assert_eq!(check.slug, "cafe-backup");
/// assert_eq!(check.ping_key.as_deref(), Some("ab12cd34ef56gh78ij90kl"));
/// assert_eq!(check.rules.schedule.period(), Some(Duration::from_secs(3600)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCheck {
    /// The check's UUID, when the app chose it; it then names the check.
    pub uuid: Option<Uuid>,
    /// A human name.
    pub name: String,
    /// The slug for `/<ping-key>/<slug>` pings: derived from the name unless set.
    pub slug: String,
    /// The ping key of the check's project; without one, the check answers to
    /// its UUID only.
    pub ping_key: Option<String>,
    /// How the check reads its pings, its schedule and grace.
    pub rules: CheckRules,
    /// The state the check starts in when it is new to the store (ignored
    /// when it exists): new unless set, e.g. paused, or up since a given
    /// last ping. Its `alert_after` is computed by the store.
    pub initial: CheckState,
}

impl NewCheck {
    /// A check named `name`, with the name's slug, default rules (a period
    /// of one day, one hour of grace) and starting new.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            uuid: None,
            slug: slugify(&name),
            name,
            ping_key: None,
            rules: CheckRules::default(),
            initial: CheckState::default(),
        }
    }

    /// Sets the UUID, which then names the check.
    ///
    /// A UUID the store does not know defines a new check, even if another
    /// check already has this ping key and slug (as healthchecks allows):
    /// pings by slug then answer `409 ambiguous slug` until one of the two
    /// is removed or renamed. To give a UUID to a check first defined
    /// without one, use the UUID the store gave it.
    pub fn uuid(mut self, uuid: Uuid) -> Self {
        self.uuid = Some(uuid);
        self
    }

    /// Sets the slug instead of deriving it from the name.
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = slug.into();
        self
    }

    /// Puts the check in the project with this ping key.
    pub fn ping_key(mut self, ping_key: impl Into<String>) -> Self {
        self.ping_key = Some(ping_key.into());
        self
    }

    /// Starts the check paused, when it is new to the store.
    pub fn paused(mut self) -> Self {
        self.initial.status = Status::Paused;
        self
    }

    /// Sets the state the check starts in when it is new to the store.
    ///
    /// Its deadline is computed from it: an `up` state needs a `last_ping`
    /// (the moment it was last known up), or it has no deadline, and cannot
    /// go down, until its next ping.
    pub fn initial_state(mut self, state: CheckState) -> Self {
        self.initial = state;
        self
    }

    /// Keeps a paused check paused, ignoring pings, until resumed by hand.
    pub fn manual_resume(mut self, manual_resume: bool) -> Self {
        self.rules.manual_resume = manual_resume;
        self
    }

    /// Lets only `POST` pings change the check's state.
    pub fn post_only(mut self) -> Self {
        self.rules.methods = AllowedMethods::PostOnly;
        self
    }

    /// Sets keyword filters on the ping body.
    pub fn filter(mut self, filter: KeywordFilter) -> Self {
        self.rules.filter = filter;
        self
    }

    /// Sets the schedule: a period, or a cron expression (feature `cron`).
    pub fn schedule(mut self, schedule: impl Into<Schedule>) -> Self {
        self.rules.schedule = schedule.into();
        self
    }

    /// Expects a ping at most `timeout` after the previous one: a period
    /// schedule, as healthchecks' "simple" checks.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.schedule(Schedule::Period(timeout))
    }

    /// Sets how long a late check stays in grace before it goes down.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.rules.grace = grace;
        self
    }

    /// Checks what no store can keep: a zero period or grace.
    pub fn validate(&self) -> Result<(), DefineError> {
        if !self.rules.schedule.is_valid() {
            return Err(DefineError::ZeroTimeout);
        }
        if self.rules.grace.is_zero() {
            return Err(DefineError::ZeroGrace);
        }
        Ok(())
    }
}

/// Why a store refused to define a check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefineError {
    /// The period of a period schedule is zero.
    ZeroTimeout,
    /// The grace time is zero.
    ZeroGrace,
    /// The check has no UUID, and several checks of its project share its
    /// slug: which one it names is not known. Give it the UUID of the one
    /// it is.
    AmbiguousSlug {
        /// The project's ping key, if any.
        ping_key: Option<String>,
        /// The shared slug.
        slug: String,
    },
}

impl fmt::Display for DefineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefineError::ZeroTimeout => f.write_str("timeout must be longer than zero"),
            DefineError::ZeroGrace => f.write_str("grace must be longer than zero"),
            DefineError::AmbiguousSlug { ping_key, slug } => {
                write!(f, "several checks have slug {slug:?}")?;
                if let Some(key) = ping_key {
                    write!(f, " under ping key {key:?}")?;
                }
                f.write_str("; give the check's uuid to say which")
            }
        }
    }
}

impl std::error::Error for DefineError {}

/// A check as a store reports it: its definition and its current state.
///
/// With the `serde` feature it is written flat, as one object: `uuid`,
/// `name`, `slug`, `ping_key` (text or null), then the fields of its
/// [`CheckRules`] and of its [`CheckState`]. Fields the type does not know
/// are skipped when read, so an object of the example server's `GET /checks`
/// (which adds `started`, `next_ping` and `pings`, and writes the
/// [`LiveStatus`](crate::LiveStatus) as `status`) reads back as a `Check`: its
/// `grace` is read as `up`, the only stored status a check in grace can
/// have, and a `down` it shows is read as `down` even when the monitor had
/// not flipped it yet.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use tower_ping::{Check, Status};
///
/// let check: Check = serde_json::from_value(serde_json::json!({
///     "uuid": "5ca1ab1e-0000-4000-8000-00000000c0de",
///     "name": "Heartbeat",
///     "slug": "heartbeat",
///     "ping_key": null,
///     "timeout": 60,
///     "grace": 30,
///     "status": "grace",
///     "last_ping": "2030-01-01T00:00:00.000000Z",
///     "started": false,
/// }))
/// .unwrap();
/// assert_eq!(check.state.status, Status::Up);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Check {
    /// The check's UUID.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its project's ping key.
    pub ping_key: Option<String>,
    /// How it reads pings, its schedule and grace.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub rules: CheckRules,
    /// Where it stands.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub state: CheckState,
}

impl Check {
    /// A check made of its parts, as a store read them.
    pub fn new(
        uuid: Uuid,
        name: String,
        slug: String,
        ping_key: Option<String>,
        rules: CheckRules,
        state: CheckState,
    ) -> Self {
        Self {
            uuid,
            name,
            slug,
            ping_key,
            rules,
            state,
        }
    }

    /// How the check stands at `now`: see [`status_at`](crate::status_at).
    pub fn status_at(&self, now: SystemTime) -> StatusAt {
        status_at(&self.state, &self.rules, now)
    }
}

/// A flip as a store keeps it: the [`Flip`], the check it belongs to, and
/// whether its alert was delivered.
///
/// With the `serde` feature: `id` (a number), `uuid` (the check's), the
/// flip's `old_status`, `new_status`, `reason` and `at` written flat (see
/// [`Flip`]), and `delivered` (a boolean).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RecordedFlip {
    /// The store's number for the flip: flips are numbered in the order
    /// they were recorded.
    pub id: u64,
    /// The check's UUID.
    #[cfg_attr(feature = "serde", serde(rename = "uuid"))]
    pub check: Uuid,
    /// The status change.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub flip: Flip,
    /// Whether the app's notifier took its alert. Always `false` for flips
    /// that are not alertable.
    pub delivered: bool,
}

impl RecordedFlip {
    /// A flip as a store read it.
    pub fn new(id: u64, check: Uuid, flip: Flip, delivered: bool) -> Self {
        Self {
            id,
            check,
            flip,
            delivered,
        }
    }
}

/// One entry of a check's ping log.
///
/// With the `serde` feature: `n`, `kind` (as [`Kind`] writes it),
/// `exit_status` (a number or null), `method` and `scheme` (as text),
/// `remote_addr`, `user_agent` and `rid` (text or null), `body` (as text:
/// bytes that are not UTF-8 are written as U+FFFD, so only a UTF-8 body
/// reads back the same), `body_len` (bytes kept; ignored when read),
/// `received_at` (RFC 3339 text) and `duration` (seconds, or null).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        into = "crate::store::check::wire::PingFields",
        from = "crate::store::check::wire::PingFields"
    )
)]
#[non_exhaustive]
pub struct LoggedPing {
    /// The ping's number within its check, from 1, without gaps.
    pub n: u64,
    /// The kind it was recorded as.
    pub kind: Kind,
    /// The exit status it reported, for `/<exit-status>` pings.
    pub exit_status: Option<u8>,
    /// The request method.
    pub method: Method,
    /// `http` or `https`.
    pub scheme: Scheme,
    /// The client's address.
    pub remote_addr: Option<IpAddr>,
    /// The client's user agent, cut to 200 characters.
    pub user_agent: Option<String>,
    /// The run id.
    pub rid: Option<Uuid>,
    /// The body as kept (at most the layer's body limit); its length is the
    /// body length reported for the ping.
    pub body: Bytes,
    /// When the layer took the request.
    pub received_at: SystemTime,
    /// How long the run this ping ended took: for a success or failure that
    /// ended a started run (with the same run id, or neither having one),
    /// up to 72 hours.
    pub duration: Option<Duration>,
}

impl LoggedPing {
    /// The log entry for `ping`, numbered and kinded by its transition.
    pub fn new(transition: &Transition, ping: Ping) -> Self {
        Self {
            n: transition.n,
            kind: transition.kind,
            exit_status: ping.signal.exit_status(),
            method: ping.method,
            scheme: ping.scheme,
            remote_addr: ping.remote_addr,
            user_agent: ping.user_agent,
            rid: ping.rid,
            body: ping.body,
            received_at: ping.received_at,
            duration: transition.duration,
        }
    }
}

/// How a logged ping is written with the `serde` feature.
#[cfg(feature = "serde")]
mod wire {
    use std::net::IpAddr;
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use http::uri::Scheme;
    use http::Method;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::LoggedPing;
    use crate::state::Kind;

    #[derive(Serialize, Deserialize)]
    pub(crate) struct PingFields {
        n: u64,
        kind: Kind,
        #[serde(default)]
        exit_status: Option<u8>,
        #[serde(with = "crate::serde_fields::text")]
        method: Method,
        #[serde(with = "crate::serde_fields::text")]
        scheme: Scheme,
        #[serde(default)]
        remote_addr: Option<IpAddr>,
        #[serde(default)]
        user_agent: Option<String>,
        #[serde(default)]
        rid: Option<Uuid>,
        #[serde(default)]
        body: String,
        #[serde(default, skip_deserializing)]
        body_len: usize,
        #[serde(with = "crate::serde_fields::time")]
        received_at: SystemTime,
        #[serde(default, with = "crate::serde_fields::opt_secs")]
        duration: Option<Duration>,
    }

    impl From<LoggedPing> for PingFields {
        fn from(ping: LoggedPing) -> Self {
            PingFields {
                n: ping.n,
                kind: ping.kind,
                exit_status: ping.exit_status,
                method: ping.method,
                scheme: ping.scheme,
                remote_addr: ping.remote_addr,
                user_agent: ping.user_agent,
                rid: ping.rid,
                body: String::from_utf8_lossy(&ping.body).into_owned(),
                body_len: ping.body.len(),
                received_at: ping.received_at,
                duration: ping.duration,
            }
        }
    }

    impl From<PingFields> for LoggedPing {
        fn from(fields: PingFields) -> Self {
            LoggedPing {
                n: fields.n,
                kind: fields.kind,
                exit_status: fields.exit_status,
                method: fields.method,
                scheme: fields.scheme,
                remote_addr: fields.remote_addr,
                user_agent: fields.user_agent,
                rid: fields.rid,
                body: Bytes::from(fields.body),
                received_at: fields.received_at,
                duration: fields.duration,
            }
        }
    }
}
