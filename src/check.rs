//! Checks as stores keep them: how one is defined, what a store reports of
//! it, and the entries of its ping log.

use std::net::IpAddr;
use std::time::SystemTime;

use bytes::Bytes;
use http::uri::Scheme;
use http::Method;
use uuid::Uuid;

use crate::ping::Ping;
use crate::slug::slugify;
use crate::state::{
    AllowedMethods, CheckRules, CheckState, KeywordFilter, Kind, Status, Transition,
};

/// How many pings a check's log keeps by default.
pub const DEFAULT_PING_LOG_LIMIT: usize = 100;

/// A check to add to a store.
///
/// ```
/// use tower_ping::NewCheck;
///
/// let check = NewCheck::new("Café Backup").ping_key("ab12cd34ef56gh78ij90kl").post_only();
/// assert_eq!(check.slug, "cafe-backup");
/// assert_eq!(check.ping_key.as_deref(), Some("ab12cd34ef56gh78ij90kl"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheck {
    /// The check's UUID: random unless set.
    pub uuid: Uuid,
    /// A human name.
    pub name: String,
    /// The slug for `/<ping-key>/<slug>` pings: derived from the name unless set.
    pub slug: String,
    /// The ping key of the check's project; without one, the check answers to
    /// its UUID only.
    pub ping_key: Option<String>,
    /// The starting status: [`Status::New`], or [`Status::Paused`].
    pub status: Status,
    /// How the check reads its pings.
    pub rules: CheckRules,
}

impl NewCheck {
    /// A new check with a random UUID and the name's slug.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            uuid: Uuid::new_v4(),
            slug: slugify(&name),
            name,
            ping_key: None,
            status: Status::New,
            rules: CheckRules::default(),
        }
    }

    /// Sets the UUID.
    pub fn uuid(mut self, uuid: Uuid) -> Self {
        self.uuid = uuid;
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

    /// Starts the check paused.
    pub fn paused(mut self) -> Self {
        self.status = Status::Paused;
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

    /// The state a check starts in.
    pub fn initial_state(&self) -> CheckState {
        CheckState {
            status: self.status,
            ..CheckState::default()
        }
    }
}

/// A check as a store reports it: its definition and its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The check's UUID.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its project's ping key.
    pub ping_key: Option<String>,
    /// How it reads pings.
    pub rules: CheckRules,
    /// Where it stands.
    pub state: CheckState,
}

impl Check {
    /// A check as defined, before any ping.
    pub fn from_new(new: NewCheck) -> Self {
        Self {
            state: new.initial_state(),
            uuid: new.uuid,
            name: new.name,
            slug: new.slug,
            ping_key: new.ping_key,
            rules: new.rules,
        }
    }
}

/// One entry of a check's ping log.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        }
    }
}
