//! When a check's pings are due.

use std::time::{Duration, SystemTime};

#[cfg(feature = "cron")]
use crate::time::cron::CronSchedule;

/// The period of a check whose schedule is not set: one day.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// When a check expects its next ping, as in healthchecks: a period, or the
/// ticks of a cron expression in a time zone.
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
}

impl Default for Schedule {
    /// A period of one day.
    fn default() -> Self {
        Schedule::Period(DEFAULT_TIMEOUT)
    }
}

impl Schedule {
    /// When a ping is due after one at `last_ping`; `None` when never (a
    /// cron expression with no tick left, or a time past what
    /// [`SystemTime`] holds).
    pub fn next_due(&self, last_ping: SystemTime) -> Option<SystemTime> {
        match self {
            Schedule::Period(period) => last_ping.checked_add(*period),
            #[cfg(feature = "cron")]
            Schedule::Cron(cron) => cron.next_after(last_ping),
        }
    }

    /// The period, for a period schedule.
    pub fn period(&self) -> Option<Duration> {
        match self {
            Schedule::Period(period) => Some(*period),
            #[cfg(feature = "cron")]
            Schedule::Cron(_) => None,
        }
    }

    /// The cron expression and its zone, for a cron schedule.
    #[cfg(feature = "cron")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cron")))]
    pub fn cron(&self) -> Option<&CronSchedule> {
        match self {
            Schedule::Cron(cron) => Some(cron),
            Schedule::Period(_) => None,
        }
    }

    /// Whether a store can keep it: a period must be longer than zero.
    pub(crate) fn is_valid(&self) -> bool {
        match self {
            Schedule::Period(period) => !period.is_zero(),
            #[cfg(feature = "cron")]
            Schedule::Cron(_) => true,
        }
    }
}

#[cfg(feature = "cron")]
impl From<CronSchedule> for Schedule {
    fn from(cron: CronSchedule) -> Self {
        Schedule::Cron(cron)
    }
}
