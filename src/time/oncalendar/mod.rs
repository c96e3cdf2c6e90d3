//! systemd OnCalendar schedules as healthchecks evaluates them (feature
//! `oncalendar`).
//!
//! An [`OnCalendarSchedule`] is one or more OnCalendar expressions, one a
//! line, read in an IANA time zone unless a line names its own. Its
//! [`next_after`](OnCalendarSchedule::next_after) is the earliest tick of any
//! line strictly after a moment, which is when a check on that schedule is
//! next due (SPEC section 13). The meaning is that of the Python library
//! [oncalendar](https://github.com/cuu508/oncalendar) 1.1, which
//! healthchecks uses, checked against it on thousands of schedules, zones
//! and moments (`tests/data/oncalendar_fixture.tsv`).
//!
//! # Expressions
//!
//! `[weekday] [[year-]month-day] [hh:mm[:ss]] [time zone]`, every part
//! optional (the time defaults to `00:00:00`), or one of the shorthands
//! `minutely`, `hourly`, `daily`, `weekly`, `monthly`, `yearly`, `annually`,
//! `quarterly`, `semiannually` (any case, and a zone may follow).
//!
//! - Weekdays: `Mon` or `Monday` in any case, ranges `Mon..Fri` or `Mon-Fri`,
//!   lists `Sat,Sun`; no `*` and no step.
//! - Years (1970-2199; two digits mean 2000-2069 for 0-69 and 1970-1999 for
//!   70-99), months, days, hours, minutes and seconds: `*` alone, numbers,
//!   lists `1,15`, ranges `8..18`, and a step after a number (`0/15`: 0, 15,
//!   30, 45 to the field's end) or a range (`8..18/4`: 8, 12, 16). `*/15`,
//!   `1,*` and fractional seconds are refused.
//! - `~` in place of the `-` before the day counts from the month's end:
//!   `*-*~1` is the last day, `*-*~7/2` the 7th-, 5th-, 3rd-last and last
//!   days; a single such day goes up to `~28`.
//! - A zone at the end of a line (`*-*~1 23:00 Europe/Riga`), spelled as in
//!   the database, case included, applies to that line; the line must hold a
//!   space before it (a tab alone does not count).
//! - Several lines are several schedules: the earliest tick counts. No line
//!   may be blank.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use tower_ping::OnCalendarSchedule;
//!
//! let workdays = OnCalendarSchedule::new("Mon..Fri 09:00", "Europe/Riga")?;
//! // Friday 2021-03-26 12:00 UTC: the next workday is Monday the 29th, and
//! // Riga moved its clocks to +03:00 on the Sunday between.
//! let friday = SystemTime::UNIX_EPOCH + Duration::from_secs(1_616_760_000);
//! let monday_9 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_616_997_600);
//! assert_eq!(workdays.next_after(friday), Some(monday_9));
//! # Ok::<(), tower_ping::OnCalendarError>(())
//! ```
//!
//! # Daylight saving
//!
//! Ticks are wall-clock times: one the clock skips never runs (it is not
//! moved, unlike cron's), and one the clock repeats runs once, in its first
//! copy. Time zone data is bundled into the binary (the IANA database jiff
//! ships), so schedules do not change with the host's `/usr/share/zoneinfo`.
//!
//! # Where the library would answer otherwise
//!
//! Two cases differ from one call of the library, on purpose (SPEC section
//! 13). Started in the second copy of a repeated hour, the library can
//! answer a tick before the moment asked about; we take the first tick
//! strictly after it. And of two lines whose ticks both fall in a repeated
//! hour of the schedule's zone (one read in another zone), the library can
//! take the later one, since Python compares them by wall time; we take the
//! earlier.
//!
//! # Never
//!
//! The search ends with the year 2199, as the library's (and systemd's)
//! does: a schedule with no tick left before 2200 gives `None`, in a bounded
//! number of steps. Such a schedule is valid (`*-02-30` never comes);
//! healthchecks' API refuses a schedule with no tick after 2000-01-01 in
//! UTC, which is [`has_tick_after`](OnCalendarSchedule::has_tick_after).

mod clock;
mod error;
mod grammar;
mod search;
mod spec;

#[cfg(test)]
mod tests;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::SystemTime;

pub use error::OnCalendarError;

use clock::Clock;
use spec::Spec;

use crate::time::civil::{self, whole_seconds};
use crate::time::text::is_python_space;
use crate::time::zone;

/// 1900-01-01 00:00 UTC: no tick comes before 1970 on any clock, so every
/// earlier start finds what this one finds.
const EARLIEST_START: i64 = -2_208_988_800;

/// One or more systemd OnCalendar expressions, one a line, in a default
/// time zone: healthchecks' OnCalendar schedules.
///
/// Equal schedules have the same text and zone name.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::OnCalendarSchedule;
///
/// // The last day of every month at 23:00, and Mondays at 09:00 in Tokyo.
/// let schedule = OnCalendarSchedule::new("*-*~1 23:00\nMon 09:00 Asia/Tokyo", "UTC")?;
/// // Sunday 2024-03-31 12:00 UTC.
/// let sunday = SystemTime::UNIX_EPOCH + Duration::from_secs(1_711_886_400);
/// let next = schedule.next_after(sunday).unwrap();
/// assert_eq!(next.duration_since(sunday).unwrap(), Duration::from_secs(11 * 3600));
/// # Ok::<(), tower_ping::OnCalendarError>(())
/// ```
#[derive(Clone)]
pub struct OnCalendarSchedule {
    expression: Box<str>,
    zone_name: Box<str>,
    lines: Box<[Line]>,
}

/// One line: what it matches, on which clock.
#[derive(Clone)]
struct Line {
    spec: Spec,
    clock: Clock,
}

impl OnCalendarSchedule {
    /// Parses one or more expressions (one a line) read in the IANA zone
    /// `default_zone` (e.g. "UTC", "Europe/Riga") unless a line names its
    /// own. Zone names must be spelled as in the database, case included.
    ///
    /// # Errors
    ///
    /// When a line is not one the library accepts, or the zone is unknown;
    /// the error names the part that is wrong.
    pub fn new(expression: &str, default_zone: &str) -> Result<Self, OnCalendarError> {
        // healthchecks reads the check's zone before the schedule.
        let default = zone::bundled(default_zone)
            .ok_or_else(|| OnCalendarError::unknown_zone(default_zone))?;
        let text = expression.trim_matches(is_python_space);
        let texts: Vec<&str> = text.split('\n').collect();
        let mut lines = Vec::with_capacity(texts.len());
        for (index, line) in texts.iter().enumerate() {
            let parsed = grammar::parse_line(line).map_err(|error| match texts.len() {
                1 => error,
                _ => error.on_line(index + 1),
            })?;
            lines.push(parsed);
        }
        let lines = lines
            .into_iter()
            .map(|line| Line {
                clock: Clock::new(line.zone.unwrap_or_else(|| default.clone())),
                spec: line.spec,
            })
            .collect();
        Ok(OnCalendarSchedule {
            expression: text.into(),
            zone_name: default_zone.into(),
            lines,
        })
    }

    /// The expression as given, without surrounding whitespace.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The default zone's name, as given.
    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    /// The earliest tick of any line strictly after `after`, or `None` when
    /// there is none before the year 2200. Fractions of a second in `after`
    /// are ignored, as the library ignores them.
    pub fn next_after(&self, after: SystemTime) -> Option<SystemTime> {
        let after = whole_seconds(after)?.max(EARLIEST_START);
        let next = self
            .lines
            .iter()
            .filter_map(|line| line.clock.next_after(&line.spec, after))
            .min()?;
        civil::system_time(next)
    }

    /// Whether any tick comes strictly after `after` (before 2200).
    ///
    /// healthchecks' API refuses a schedule unless it has a tick after
    /// 2000-01-01 00:00 UTC, read in UTC:
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tower_ping::OnCalendarSchedule;
    ///
    /// let y2k = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800);
    /// assert!(OnCalendarSchedule::new("Mon 09:00", "UTC")?.has_tick_after(y2k));
    /// // Accepted, but never due: February has no 30th.
    /// assert!(!OnCalendarSchedule::new("*-02-30", "UTC")?.has_tick_after(y2k));
    /// # Ok::<(), tower_ping::OnCalendarError>(())
    /// ```
    pub fn has_tick_after(&self, after: SystemTime) -> bool {
        self.next_after(after).is_some()
    }
}

impl fmt::Display for OnCalendarSchedule {
    /// The expression, as [`expression`](Self::expression) gives it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

impl fmt::Debug for OnCalendarSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnCalendarSchedule")
            .field("expression", &self.expression)
            .field("time_zone", &self.zone_name)
            .finish()
    }
}

impl PartialEq for OnCalendarSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.zone_name == other.zone_name
    }
}

impl Eq for OnCalendarSchedule {}

impl Hash for OnCalendarSchedule {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expression.hash(state);
        self.zone_name.hash(state);
    }
}
