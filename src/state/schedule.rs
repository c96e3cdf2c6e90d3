//! When a check's pings are due, and which kind of schedule a text is.

use std::fmt;
use std::time::{Duration, SystemTime};

#[cfg(feature = "cron")]
use crate::time::cron::CronSchedule;
#[cfg(feature = "oncalendar")]
use crate::time::oncalendar::OnCalendarSchedule;

/// The period of a check whose schedule is not set: one day.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// When a check expects its next ping, as in healthchecks: a period, the
/// ticks of a cron expression, or those of systemd OnCalendar expressions,
/// in a time zone.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::Schedule;
///
/// let hourly = Schedule::Period(Duration::from_secs(3600));
/// let last_ping = SystemTime::UNIX_EPOCH;
/// assert_eq!(hourly.next_due(last_ping), Some(last_ping + Duration::from_secs(3600)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Schedule {
    /// The longest expected gap between pings ("simple" checks in
    /// healthchecks): the next ping is due this long after the last one.
    /// Must be longer than zero; stores refuse a zero period.
    Period(Duration),
    /// A cron expression in a time zone: the next ping is due at the first
    /// tick strictly after the last one (feature `cron`).
    #[cfg(feature = "cron")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cron")))]
    Cron(CronSchedule),
    /// One or more OnCalendar expressions in a time zone: the next ping is
    /// due at the first tick strictly after the last one, or never once
    /// none is left (feature `oncalendar`).
    #[cfg(feature = "oncalendar")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oncalendar")))]
    OnCalendar(OnCalendarSchedule),
}

/// The kinds of schedule, as healthchecks names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScheduleKind {
    /// A period: `simple`.
    Period,
    /// A cron expression: `cron`.
    Cron,
    /// OnCalendar expressions: `oncalendar`.
    OnCalendar,
}

impl ScheduleKind {
    /// Which kind an expression is, by healthchecks' rule: one line of
    /// exactly five fields (separated by white space, the text trimmed) is
    /// cron; anything else is OnCalendar.
    ///
    /// ```
    /// use tower_ping::ScheduleKind;
    ///
    /// assert_eq!(ScheduleKind::of(" 0 3 * * * "), ScheduleKind::Cron);
    /// assert_eq!(ScheduleKind::of("Mon..Fri *-*-* 09:00"), ScheduleKind::OnCalendar);
    /// assert_eq!(ScheduleKind::of("0 3 * * * *"), ScheduleKind::OnCalendar);
    /// assert_eq!(ScheduleKind::of("0 3 * * *\n0 4 * * *"), ScheduleKind::OnCalendar);
    /// ```
    pub fn of(expression: &str) -> Self {
        let text = expression.trim_matches(crate::time::text::is_python_space);
        let fields = text
            .split(crate::time::text::is_python_space)
            .filter(|field| !field.is_empty())
            .count();
        if !text.contains('\n') && fields == 5 {
            ScheduleKind::Cron
        } else {
            ScheduleKind::OnCalendar
        }
    }

    /// `simple`, `cron` or `oncalendar`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Period => "simple",
            ScheduleKind::Cron => "cron",
            ScheduleKind::OnCalendar => "oncalendar",
        }
    }
}

/// Why an expression is no schedule: the cron or OnCalendar parser's
/// error, which names the part that is wrong, or a kind this build leaves
/// out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The cron expression or its zone is wrong.
    #[cfg(feature = "cron")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cron")))]
    Cron(crate::time::cron::CronError),
    /// An OnCalendar expression or its zone is wrong.
    #[cfg(feature = "oncalendar")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oncalendar")))]
    OnCalendar(crate::time::oncalendar::OnCalendarError),
    /// The expression is of a kind this build has no feature for.
    Unsupported(ScheduleKind),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "cron")]
            ScheduleError::Cron(error) => error.fmt(f),
            #[cfg(feature = "oncalendar")]
            ScheduleError::OnCalendar(error) => error.fmt(f),
            ScheduleError::Unsupported(kind) => write!(
                f,
                "{} schedules need tower-ping's `{}` feature",
                kind.as_str(),
                kind.as_str()
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

impl Default for Schedule {
    /// A period of one day.
    fn default() -> Self {
        Schedule::Period(DEFAULT_TIMEOUT)
    }
}

impl Schedule {
    /// A cron or OnCalendar schedule from its text, the kind chosen by
    /// healthchecks' rule ([`ScheduleKind::of`]), read in the IANA zone
    /// `tz` (an OnCalendar line may name its own). The one place the
    /// example server's `--checks` and the Management API read schedules.
    ///
    /// ```
    /// use tower_ping::{Schedule, ScheduleKind};
    ///
    /// let nightly = Schedule::parse("0 3 * * *", "Europe/Riga").unwrap();
    /// assert_eq!(nightly.kind(), ScheduleKind::Cron);
    /// let weekdays = Schedule::parse("Mon..Fri 09:00", "Europe/Riga").unwrap();
    /// assert_eq!(weekdays.kind(), ScheduleKind::OnCalendar);
    /// assert_eq!(weekdays.expression(), Some("Mon..Fri 09:00"));
    /// let bad = Schedule::parse("0 25 * * *", "UTC").unwrap_err();
    /// assert!(bad.to_string().contains("25"), "{bad}");
    /// ```
    pub fn parse(expression: &str, tz: &str) -> Result<Schedule, ScheduleError> {
        match ScheduleKind::of(expression) {
            #[cfg(feature = "cron")]
            ScheduleKind::Cron => CronSchedule::new(expression, tz)
                .map(Schedule::Cron)
                .map_err(ScheduleError::Cron),
            #[cfg(feature = "oncalendar")]
            ScheduleKind::OnCalendar => OnCalendarSchedule::new(expression, tz)
                .map(Schedule::OnCalendar)
                .map_err(ScheduleError::OnCalendar),
            kind => {
                let _ = tz;
                Err(ScheduleError::Unsupported(kind))
            }
        }
    }

    /// When a ping is due after one at `last_ping`; `None` when never (a
    /// cron or OnCalendar schedule with no tick left, or a time past what
    /// [`SystemTime`] holds).
    pub fn next_due(&self, last_ping: SystemTime) -> Option<SystemTime> {
        match self {
            Schedule::Period(period) => last_ping.checked_add(*period),
            #[cfg(feature = "cron")]
            Schedule::Cron(cron) => cron.next_after(last_ping),
            #[cfg(feature = "oncalendar")]
            Schedule::OnCalendar(calendar) => calendar.next_after(last_ping),
        }
    }

    /// Which kind of schedule it is.
    pub fn kind(&self) -> ScheduleKind {
        match self {
            Schedule::Period(_) => ScheduleKind::Period,
            #[cfg(feature = "cron")]
            Schedule::Cron(_) => ScheduleKind::Cron,
            #[cfg(feature = "oncalendar")]
            Schedule::OnCalendar(_) => ScheduleKind::OnCalendar,
        }
    }

    /// The period, for a period schedule.
    pub fn period(&self) -> Option<Duration> {
        match self {
            Schedule::Period(period) => Some(*period),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The expression, for a cron or OnCalendar schedule.
    pub fn expression(&self) -> Option<&str> {
        match self {
            Schedule::Period(_) => None,
            #[cfg(feature = "cron")]
            Schedule::Cron(cron) => Some(cron.expression()),
            #[cfg(feature = "oncalendar")]
            Schedule::OnCalendar(calendar) => Some(calendar.expression()),
        }
    }

    /// The time zone, for a cron or OnCalendar schedule.
    pub fn time_zone(&self) -> Option<&str> {
        match self {
            Schedule::Period(_) => None,
            #[cfg(feature = "cron")]
            Schedule::Cron(cron) => Some(cron.time_zone()),
            #[cfg(feature = "oncalendar")]
            Schedule::OnCalendar(calendar) => Some(calendar.time_zone()),
        }
    }

    /// The cron expression and its zone, for a cron schedule.
    #[cfg(feature = "cron")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cron")))]
    pub fn cron(&self) -> Option<&CronSchedule> {
        match self {
            Schedule::Cron(cron) => Some(cron),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether a store can keep it: a period must be longer than zero.
    pub(crate) fn is_valid(&self) -> bool {
        match self {
            Schedule::Period(period) => !period.is_zero(),
            #[allow(unreachable_patterns)]
            _ => true,
        }
    }
}

#[cfg(feature = "cron")]
impl From<CronSchedule> for Schedule {
    fn from(cron: CronSchedule) -> Self {
        Schedule::Cron(cron)
    }
}

#[cfg(feature = "oncalendar")]
impl From<OnCalendarSchedule> for Schedule {
    fn from(calendar: OnCalendarSchedule) -> Self {
        Schedule::OnCalendar(calendar)
    }
}
