//! [`NewCheck`]: a check as the app defines it.

use std::time::Duration;

use uuid::Uuid;

use crate::state::check_state::CheckState;
use crate::state::rules::{AllowedMethods, CheckRules, KeywordFilter};
use crate::state::schedule::Schedule;
use crate::state::status::Status;
use crate::store::channel::Channels;
use crate::store::define_error::{check_key, check_slug, DefineError, MAX_NAME};
use crate::store::slug::slugify;

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
    /// Its tags, separated by spaces.
    pub tags: String,
    /// A description.
    pub desc: String,
    /// The channels its alerts go to: all of the app's unless set.
    pub channels: Channels,
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
            tags: String::new(),
            desc: String::new(),
            channels: Channels::All,
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

    /// Sets its tags, separated by spaces.
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.tags = tags.into();
        self
    }

    /// Sets its description.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = desc.into();
        self
    }

    /// Sets the channels its alerts go to.
    pub fn channels(mut self, channels: Channels) -> Self {
        self.channels = channels;
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

    /// Sets the schedule: a period, a cron expression (feature `cron`) or
    /// OnCalendar expressions (feature `oncalendar`).
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

    /// Checks what no store can keep: a zero period or grace, a name over
    /// 100 characters, a ping key no URL carries, or (with a ping key) a slug
    /// no ping reaches: empty, over 100 characters, or with a character
    /// outside `[-a-z0-9_]`. Each error names the value.
    ///
    /// ```
    /// use tower_ping::{DefineError, NewCheck};
    ///
    /// assert!(NewCheck::new("Nightly backup").ping_key("my-key").validate().is_ok());
    /// let bad = NewCheck::new("Nightly backup").ping_key("my key").validate();
    /// assert!(matches!(bad, Err(DefineError::InvalidKey { .. })));
    /// let unpingable = NewCheck::new("!!!").ping_key("my-key").validate().unwrap_err();
    /// assert!(unpingable.to_string().contains("has no slug"));
    /// ```
    pub fn validate(&self) -> Result<(), DefineError> {
        if !self.rules.schedule.is_valid() {
            return Err(DefineError::ZeroTimeout);
        }
        if self.rules.grace.is_zero() {
            return Err(DefineError::ZeroGrace);
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(DefineError::NameTooLong {
                name: self.name.clone(),
            });
        }
        if let Some(ping_key) = &self.ping_key {
            check_key(ping_key, "ping key")?;
            check_slug(&self.slug, &self.name)?;
        } else if !self.slug.is_empty() {
            // Unreachable without a ping key, but kept: it must still be one
            // a ping key could reach later.
            check_slug(&self.slug, &self.name)?;
        }
        Ok(())
    }

    /// Checks a set of definitions for the project with `ping_key`, as
    /// `define_checks` takes them: puts each in the project, checks each
    /// ([`validate`](Self::validate)), and refuses two that would share a
    /// slug, naming both.
    pub fn validate_set(ping_key: &str, checks: &mut [NewCheck]) -> Result<(), DefineError> {
        for check in checks.iter_mut() {
            check.ping_key = Some(ping_key.to_owned());
            check.validate()?;
        }
        for (i, check) in checks.iter().enumerate() {
            if let Some(first) = checks[..i].iter().find(|c| c.slug == check.slug) {
                return Err(DefineError::DuplicateSlug {
                    ping_key: ping_key.to_owned(),
                    slug: check.slug.clone(),
                    first: first.name.clone(),
                    second: check.name.clone(),
                });
            }
        }
        Ok(())
    }
}
