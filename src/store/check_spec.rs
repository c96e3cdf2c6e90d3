//! [`CheckSpec`]: changes to a check's definition, as the Management API
//! sends them, applied the same way by every store.

use std::time::Duration;

use crate::state::rules::AllowedMethods;
use crate::state::schedule::Schedule;
use crate::store::channel::Channels;
use crate::store::check::Check;

/// Changes to a check's definition: each field that is set is written, each
/// `None` leaves the check's own as it is. What `POST checks/` and `POST
/// checks/<uuid>` carry, once the Management API has read and validated it;
/// stores call [`apply`](Self::apply) so that they all change a check alike.
///
/// ```
/// use std::time::Duration;
/// use tower_ping::{Check, CheckRules, CheckSpec, CheckState, Schedule};
/// use tower_ping::uuid::Uuid;
///
/// let mut check = Check::new(Uuid::nil(), "old".into(), "old".into(), None,
///     CheckRules::default(), CheckState::default());
/// let spec = CheckSpec::new()
///     .name("Nightly backup")
///     .schedule(Schedule::Period(Duration::from_secs(3600)));
/// spec.apply(&mut check);
/// assert_eq!(check.name, "Nightly backup");
/// assert_eq!(check.slug, "old"); // not in the spec: left as it was
/// assert_eq!(check.rules.schedule.period(), Some(Duration::from_secs(3600)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckSpec {
    /// The name.
    pub name: Option<String>,
    /// The slug.
    pub slug: Option<String>,
    /// The tags, separated by spaces.
    pub tags: Option<String>,
    /// The description.
    pub desc: Option<String>,
    /// The schedule: a period, a cron or an OnCalendar expression.
    pub schedule: Option<Schedule>,
    /// The grace time.
    pub grace: Option<Duration>,
    /// Whether a paused check stays paused until resumed by hand.
    pub manual_resume: Option<bool>,
    /// Which methods count.
    pub methods: Option<AllowedMethods>,
    /// The keywords of a start in the body.
    pub start_kw: Option<String>,
    /// The keywords of a success in the body.
    pub success_kw: Option<String>,
    /// The keywords of a failure in the body.
    pub failure_kw: Option<String>,
    /// Whether the body of an HTTP ping decides its kind by the keywords
    /// (the API's `filter_http_body`).
    pub filter_body: Option<bool>,
    /// Whether a body that matches no keyword is a failure.
    pub filter_default_fail: Option<bool>,
    /// The e-mail subject filter flag ([`Check::filter_subject`]).
    pub filter_subject: Option<bool>,
    /// The e-mail body filter flag ([`Check::filter_email_body`]).
    pub filter_email_body: Option<bool>,
    /// The channels its alerts go to.
    pub channels: Option<Channels>,
    /// Consecutive failures that make it down
    /// ([`CheckRules::down_after_failures`](crate::CheckRules::down_after_failures)).
    pub down_after_failures: Option<u32>,
    /// Consecutive successes that bring it up
    /// ([`CheckRules::up_after_successes`](crate::CheckRules::up_after_successes)).
    pub up_after_successes: Option<u32>,
    /// The longest run (`Some(None)` clears it):
    /// [`CheckRules::max_runtime`](crate::CheckRules::max_runtime).
    pub max_runtime: Option<Option<Duration>>,
    /// The reminder interval (`Some(None)` turns reminders off):
    /// [`CheckRules::remind_every`](crate::CheckRules::remind_every).
    pub remind_every: Option<Option<Duration>>,
}

/// A field `POST checks/` may name in `unique`: an existing check of the
/// project whose fields all equal the request's is updated instead of a new
/// one created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UniqueField {
    /// The name.
    Name,
    /// The slug.
    Slug,
    /// The tags, as one text.
    Tags,
    /// The period of a period schedule.
    Timeout,
    /// The grace time.
    Grace,
}

impl UniqueField {
    /// Reads the API's name for it.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "name" => UniqueField::Name,
            "slug" => UniqueField::Slug,
            "tags" => UniqueField::Tags,
            "timeout" => UniqueField::Timeout,
            "grace" => UniqueField::Grace,
            _ => return None,
        })
    }
}

impl CheckSpec {
    /// A spec that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the slug.
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// Sets the tags.
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.tags = Some(tags.into());
        self
    }

    /// Sets the schedule.
    pub fn schedule(mut self, schedule: impl Into<Schedule>) -> Self {
        self.schedule = Some(schedule.into());
        self
    }

    /// Sets the grace time.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Sets the channels.
    pub fn channels(mut self, channels: Channels) -> Self {
        self.channels = Some(channels);
        self
    }

    /// Sets the consecutive failures that make the check down.
    pub fn down_after_failures(mut self, failures: u32) -> Self {
        self.down_after_failures = Some(failures);
        self
    }

    /// Sets the consecutive successes that bring the check up.
    pub fn up_after_successes(mut self, successes: u32) -> Self {
        self.up_after_successes = Some(successes);
        self
    }

    /// Sets the longest run, or clears it with `None`.
    pub fn max_runtime(mut self, max_runtime: Option<Duration>) -> Self {
        self.max_runtime = Some(max_runtime);
        self
    }

    /// Sets the reminder interval, or turns reminders off with `None`.
    pub fn remind_every(mut self, every: Option<Duration>) -> Self {
        self.remind_every = Some(every);
        self
    }

    /// Writes the spec's fields into `check` and recomputes its deadline for
    /// its new rules (no flip: editing is the user's own act).
    pub fn apply(&self, check: &mut Check) {
        fn set<T: Clone>(field: &mut T, value: &Option<T>) {
            if let Some(value) = value {
                *field = value.clone();
            }
        }
        set(&mut check.name, &self.name);
        set(&mut check.slug, &self.slug);
        set(&mut check.tags, &self.tags);
        set(&mut check.desc, &self.desc);
        set(&mut check.channels, &self.channels);
        set(&mut check.filter_subject, &self.filter_subject);
        set(&mut check.filter_email_body, &self.filter_email_body);
        let rules = &mut check.rules;
        set(&mut rules.schedule, &self.schedule);
        set(&mut rules.grace, &self.grace);
        set(&mut rules.manual_resume, &self.manual_resume);
        set(&mut rules.methods, &self.methods);
        set(&mut rules.filter.start_kw, &self.start_kw);
        set(&mut rules.filter.success_kw, &self.success_kw);
        set(&mut rules.filter.failure_kw, &self.failure_kw);
        set(&mut rules.filter.filter_body, &self.filter_body);
        set(&mut rules.filter.default_fail, &self.filter_default_fail);
        if let Some(failures) = self.down_after_failures {
            rules.down_after_failures = failures.max(1);
        }
        if let Some(successes) = self.up_after_successes {
            rules.up_after_successes = successes.max(1);
        }
        set(&mut rules.max_runtime, &self.max_runtime);
        if let Some(every) = self.remind_every {
            rules.remind_every = every.filter(|every| !every.is_zero());
        }
        check.state = check.state.rearmed(&check.rules);
    }

    /// Whether `unique` asks for a lookup: it lists fields, and the spec has
    /// every one of them.
    pub fn looks_up(&self, unique: &[UniqueField]) -> bool {
        !unique.is_empty()
            && unique.iter().all(|field| match field {
                UniqueField::Name => self.name.is_some(),
                UniqueField::Slug => self.slug.is_some(),
                UniqueField::Tags => self.tags.is_some(),
                UniqueField::Timeout => matches!(self.schedule, Some(Schedule::Period(_))),
                UniqueField::Grace => self.grace.is_some(),
            })
    }

    /// Whether `check` is the one `unique` names: every listed field is in
    /// the spec and equals the check's. `None` when a listed field is not in
    /// the spec (or `unique` is empty): then no check is looked for.
    pub fn matches(&self, unique: &[UniqueField], check: &Check) -> Option<bool> {
        if unique.is_empty() {
            return None;
        }
        let mut all = true;
        for field in unique {
            let equal = match field {
                UniqueField::Name => self.name.as_ref().map(|name| *name == check.name),
                UniqueField::Slug => self.slug.as_ref().map(|slug| *slug == check.slug),
                UniqueField::Tags => self.tags.as_ref().map(|tags| *tags == check.tags),
                UniqueField::Timeout => match &self.schedule {
                    Some(Schedule::Period(period)) => {
                        Some(check.rules.schedule.period() == Some(*period))
                    }
                    // A cron or OnCalendar request has no timeout to match.
                    _ => None,
                },
                UniqueField::Grace => self.grace.map(|grace| grace == check.rules.grace),
            };
            all &= equal?;
        }
        Some(all)
    }
}
