//! A check's settings: how it reads pings and when it is late.

use std::time::Duration;

use crate::state::kind::Kind;
use crate::state::schedule::Schedule;

/// The grace time of a check whose grace is not set: one hour.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);

/// Which methods may change a check's state.
///
/// With the `serde` feature: `""` for [`Any`](AllowedMethods::Any) and
/// `"POST"` for [`PostOnly`](AllowedMethods::PostOnly), as the example
/// server's `methods` field (and healthchecks) writes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
///
/// ```
/// use tower_ping::{Kind, KeywordFilter};
///
/// let filter = KeywordFilter::on().failure("ERROR, FATAL").success("done");
/// assert_eq!(filter.kind_for(b"backup done, 1 ERROR"), Some(Kind::Fail));
/// assert_eq!(filter.kind_for(b"backup done"), Some(Kind::Success));
/// assert_eq!(filter.kind_for(b"error"), Some(Kind::Ignored));
/// assert_eq!(KeywordFilter::default().kind_for(b"done"), None);
/// ```
///
/// With the `serde` feature: `filter_body` and `default_fail` (booleans),
/// `success_kw`, `failure_kw` and `start_kw` (the comma-separated lists as
/// text). Missing fields read as their defaults. In a [`CheckRules`] they
/// are written flat, among the rules' own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
#[non_exhaustive]
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
    /// Body filtering on, with no keywords yet: every body is ignored until
    /// keywords are added.
    pub fn on() -> Self {
        Self {
            filter_body: true,
            ..Self::default()
        }
    }

    /// Sets the comma-separated keywords that make a ping a success.
    pub fn success(mut self, keywords: impl Into<String>) -> Self {
        self.success_kw = keywords.into();
        self
    }

    /// Sets the comma-separated keywords that make a ping a failure.
    pub fn failure(mut self, keywords: impl Into<String>) -> Self {
        self.failure_kw = keywords.into();
        self
    }

    /// Sets the comma-separated keywords that make a ping a start.
    pub fn start(mut self, keywords: impl Into<String>) -> Self {
        self.start_kw = keywords.into();
        self
    }

    /// Makes a body that matches no keyword a failure instead of ignored.
    pub fn default_fail(mut self, default_fail: bool) -> Self {
        self.default_fail = default_fail;
        self
    }

    /// The kind the body decides, or `None` when body filtering is off.
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

/// A check's settings: how it reads pings, and when a missing one makes it
/// late.
///
/// ```
/// use std::time::Duration;
/// use tower_ping::{CheckRules, Schedule};
///
/// let rules = CheckRules::default()
///     .schedule(Schedule::Period(Duration::from_secs(3600)))
///     .grace(Duration::from_secs(300));
/// assert_eq!(rules.grace, Duration::from_secs(300));
/// assert_eq!(CheckRules::default().schedule.period(), Some(Duration::from_secs(86_400)));
/// ```
///
/// With the `serde` feature, rules are written flat, as the example
/// server's JSON shows them: `manual_resume`, `methods` (`""` or `"POST"`,
/// see [`AllowedMethods`]), the [`KeywordFilter`]'s fields (`filter_body`,
/// `success_kw`, `failure_kw`, `start_kw`, `default_fail`), `timeout` (the
/// period in seconds, or null for a cron or OnCalendar schedule), `grace`
/// (seconds), `schedule` (the cron or OnCalendar expression, or null for a
/// period; which kind, by [`Schedule::parse`]'s rule) and `tz` (the
/// schedule's time zone; `UTC` for a period), then the alert policy:
/// `down_after_failures` and `up_after_successes` (numbers, 1 by default),
/// `max_runtime` and `remind_every` (seconds, or null). Missing fields read as the
/// defaults; an expression or zone that does not parse is refused, and so
/// is one of a kind whose feature (`cron`, `oncalendar`) is off.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use std::time::Duration;
/// use tower_ping::{CheckRules, Schedule};
///
/// let rules: CheckRules =
///     serde_json::from_value(serde_json::json!({"timeout": 60, "grace": 30})).unwrap();
/// assert_eq!(rules.schedule, Schedule::Period(Duration::from_secs(60)));
/// assert_eq!(serde_json::to_value(&rules).unwrap()["tz"], "UTC");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CheckRules {
    /// A paused check stays paused, ignoring pings, until resumed by hand.
    pub manual_resume: bool,
    /// Which methods count.
    pub methods: AllowedMethods,
    /// Keyword filters on the body.
    pub filter: KeywordFilter,
    /// When the next ping is due (default: a period of one day).
    pub schedule: Schedule,
    /// How long after its due time a missing ping leaves the check only late
    /// (`grace`) before it goes down (default: one hour). Must be longer than
    /// zero; stores refuse a zero grace.
    pub grace: Duration,
    /// Tolerance: a check that is not down goes down on this many
    /// consecutive failure signals (`/fail`, a non-zero exit status, a body
    /// the keyword filter makes a failure); a success resets the count, and
    /// a missed deadline still makes it down at once. Default 1, as
    /// healthchecks does; 0 is read as 1.
    pub down_after_failures: u32,
    /// Tolerance: a down check comes up on this many consecutive successes;
    /// a failure resets the count. A new or paused check's first success
    /// brings it up whatever this says. Default 1; 0 is read as 1.
    pub up_after_successes: u32,
    /// The longest a started run may go on: a running check is down at
    /// `min(due + grace, last_start + max_runtime)`. `None` (the default):
    /// a run may last the grace time, as healthchecks does.
    pub max_runtime: Option<Duration>,
    /// While the check stays down, remind its channels every so long:
    /// reminder `k` is due at the down flip's time plus `k` times this.
    /// `None` (the default): one alert per flip, as healthchecks does.
    pub remind_every: Option<Duration>,
}

impl Default for CheckRules {
    fn default() -> Self {
        Self {
            manual_resume: false,
            methods: AllowedMethods::Any,
            filter: KeywordFilter::default(),
            schedule: Schedule::default(),
            grace: DEFAULT_GRACE,
            down_after_failures: 1,
            up_after_successes: 1,
            max_runtime: None,
            remind_every: None,
        }
    }
}

impl CheckRules {
    /// Sets whether a paused check stays paused until resumed by hand.
    pub fn manual_resume(mut self, manual_resume: bool) -> Self {
        self.manual_resume = manual_resume;
        self
    }

    /// Sets which methods count.
    pub fn methods(mut self, methods: AllowedMethods) -> Self {
        self.methods = methods;
        self
    }

    /// Sets the keyword filters.
    pub fn filter(mut self, filter: KeywordFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Sets the schedule: a period, a cron expression (feature `cron`) or
    /// OnCalendar expressions (feature `oncalendar`).
    pub fn schedule(mut self, schedule: impl Into<Schedule>) -> Self {
        self.schedule = schedule.into();
        self
    }

    /// Sets the grace time.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Sets how many consecutive failures make the check down (at least
    /// one): see [`down_after_failures`](Self::down_after_failures).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tower_ping::{apply, CheckRules, CheckState, Ping, Signal, Status};
    ///
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let rules = CheckRules::default().down_after_failures(2);
    /// let up = apply(&CheckState::default(), &rules, &Ping::new(Signal::Success, t0)).state;
    /// let once = apply(&up, &rules, &Ping::new(Signal::Fail, t0 + Duration::from_secs(60)));
    /// assert_eq!((once.state.status, once.flip), (Status::Up, None));
    /// let twice = apply(&once.state, &rules, &Ping::new(Signal::Fail, t0 + Duration::from_secs(120)));
    /// assert_eq!(twice.state.status, Status::Down);
    /// ```
    pub fn down_after_failures(mut self, failures: u32) -> Self {
        self.down_after_failures = failures.max(1);
        self
    }

    /// Sets how many consecutive successes bring a down check up (at least
    /// one): see [`up_after_successes`](Self::up_after_successes).
    pub fn up_after_successes(mut self, successes: u32) -> Self {
        self.up_after_successes = successes.max(1);
        self
    }

    /// Sets the longest a run may go on: see
    /// [`max_runtime`](Self::max_runtime).
    pub fn max_runtime(mut self, max_runtime: impl Into<Option<Duration>>) -> Self {
        self.max_runtime = max_runtime.into();
        self
    }

    /// Sets how often a down check is reminded of: see
    /// [`remind_every`](Self::remind_every). A zero interval is no reminder.
    pub fn remind_every(mut self, every: impl Into<Option<Duration>>) -> Self {
        self.remind_every = every.into().filter(|every| !every.is_zero());
        self
    }

    /// [`down_after_failures`](Self::down_after_failures), 0 read as 1.
    pub(crate) fn failures_to_go_down(&self) -> u32 {
        self.down_after_failures.max(1)
    }

    /// [`up_after_successes`](Self::up_after_successes), 0 read as 1.
    pub(crate) fn successes_to_come_up(&self) -> u32 {
        self.up_after_successes.max(1)
    }

    /// [`remind_every`](Self::remind_every), a zero interval read as none.
    pub(crate) fn reminder_interval(&self) -> Option<Duration> {
        self.remind_every.filter(|every| !every.is_zero())
    }

    /// How long a run may go on before the check is down:
    /// [`max_runtime`](Self::max_runtime), else the grace time.
    pub(crate) fn run_limit(&self) -> Duration {
        self.max_runtime.unwrap_or(self.grace)
    }
}

// The `serde` form of `CheckRules` and `AllowedMethods`, as their docs
// describe it.
#[cfg(feature = "serde")]
mod wire {
    use std::time::Duration;

    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    use super::{AllowedMethods, CheckRules, KeywordFilter, DEFAULT_GRACE};
    use crate::state::schedule::{Schedule, DEFAULT_TIMEOUT};

    #[derive(Serialize, Deserialize)]
    struct Fields {
        #[serde(default)]
        manual_resume: bool,
        #[serde(default)]
        methods: AllowedMethods,
        #[serde(flatten)]
        filter: KeywordFilter,
        #[serde(default, with = "crate::serde_fields::opt_secs")]
        timeout: Option<Duration>,
        #[serde(default = "default_grace", with = "crate::serde_fields::secs")]
        grace: Duration,
        #[serde(default)]
        schedule: Option<String>,
        #[serde(default = "utc")]
        tz: String,
        #[serde(default = "one")]
        down_after_failures: u32,
        #[serde(default = "one")]
        up_after_successes: u32,
        #[serde(default, with = "crate::serde_fields::opt_secs")]
        max_runtime: Option<Duration>,
        #[serde(default, with = "crate::serde_fields::opt_secs")]
        remind_every: Option<Duration>,
    }

    fn one() -> u32 {
        1
    }

    fn default_grace() -> Duration {
        DEFAULT_GRACE
    }

    fn utc() -> String {
        "UTC".to_owned()
    }

    impl Serialize for CheckRules {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (timeout, schedule, tz) = match &self.schedule {
                Schedule::Period(period) => (Some(*period), None, utc()),
                #[allow(unreachable_patterns)] // without `cron` and `oncalendar`
                other => (
                    None,
                    other.expression().map(str::to_owned),
                    other.time_zone().unwrap_or("UTC").to_owned(),
                ),
            };
            Fields {
                manual_resume: self.manual_resume,
                methods: self.methods,
                filter: self.filter.clone(),
                timeout,
                grace: self.grace,
                schedule,
                tz,
                down_after_failures: self.down_after_failures,
                up_after_successes: self.up_after_successes,
                max_runtime: self.max_runtime,
                remind_every: self.remind_every,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for CheckRules {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let fields = Fields::deserialize(d)?;
            let schedule = match fields.schedule {
                None => Schedule::Period(fields.timeout.unwrap_or(DEFAULT_TIMEOUT)),
                Some(expression) => {
                    Schedule::parse(&expression, &fields.tz).map_err(de::Error::custom)?
                }
            };
            Ok(CheckRules {
                manual_resume: fields.manual_resume,
                methods: fields.methods,
                filter: fields.filter,
                schedule,
                grace: fields.grace,
                down_after_failures: fields.down_after_failures.max(1),
                up_after_successes: fields.up_after_successes.max(1),
                max_runtime: fields.max_runtime,
                remind_every: fields.remind_every.filter(|every| !every.is_zero()),
            })
        }
    }

    impl Serialize for AllowedMethods {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(match self {
                AllowedMethods::Any => "",
                AllowedMethods::PostOnly => "POST",
            })
        }
    }

    impl<'de> Deserialize<'de> for AllowedMethods {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match String::deserialize(d)?.as_str() {
                "" => Ok(AllowedMethods::Any),
                "POST" => Ok(AllowedMethods::PostOnly),
                other => Err(de::Error::custom(format!(
                    "methods {other:?}: not \"\" or \"POST\""
                ))),
            }
        }
    }
}
