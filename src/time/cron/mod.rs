//! Cron schedules as healthchecks evaluates them (feature `cron`).
//!
//! A [`CronSchedule`] is a 5-field cron expression in an IANA time zone. Its
//! [`next_after`](CronSchedule::next_after) is the first tick strictly after
//! a moment, which is when a check on that schedule is next due (SPEC section
//! 8). The meaning is that of the Python library
//! [cronsim](https://github.com/cuu508/cronsim) 2.8, which healthchecks uses,
//! checked against it on thousands of expressions, zones and moments
//! (`tests/data/cron_fixture.tsv`).
//!
//! # Expressions
//!
//! Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12
//! or `JAN`-`DEC`) and day of week (0-7 or `SUN`-`SAT`, both 0 and 7 are
//! Sunday), in any case. Each field is `*` or a comma-separated list of
//! values, ranges `a-b`, and steps `*/n`, `a-b/n` or `a/n` (from `a` to the
//! field's end). Day of month also takes `L` (the last day) and `LW` (the
//! last weekday, Monday to Friday); day of week takes `nL` (the last weekday
//! `n` of the month) and `n#k` (the `k`-th weekday `n`, `k` from 1 to 5).
//!
//! When either day field starts with `*` (`*/2` counts), a day must match
//! both; otherwise it must match either.
//!
//! # Daylight saving
//!
//! A job at fixed times (neither the minute nor the hour field starts with
//! `*`) follows the wall clock: a tick the clock skips runs at the first real
//! minute after the gap, and a tick in a repeated hour runs once, in its first
//! copy. Every other expression steps through real time, so it skips nothing
//! and runs in both copies of a repeated hour.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use tower_ping::CronSchedule;
//!
//! let nightly = CronSchedule::new("0 3 * * *", "Europe/Riga")?;
//! // 2021-03-27 12:00 UTC; that night the clocks skip from 03:00 to 04:00.
//! let after = SystemTime::UNIX_EPOCH + Duration::from_secs(1_616_846_400);
//! let due = nightly.next_after(after).unwrap();
//! // 2021-03-28 04:00+03:00, the first real minute after the gap.
//! assert_eq!(due, SystemTime::UNIX_EPOCH + Duration::from_secs(1_616_893_200));
//! # Ok::<(), tower_ping::CronError>(())
//! ```
//!
//! Time zone data is bundled into the binary (the IANA database jiff ships),
//! so schedules do not change with the host's `/usr/share/zoneinfo`. jiff
//! needs Rust 1.85, under the crate's own minimum.
//!
//! # Where cronsim would not answer
//!
//! Two cases differ from calling cronsim once, on purpose. Started in the
//! second copy of a repeated hour, cronsim can answer the first copy's tick,
//! before the moment asked about; we take the next tick strictly after it
//! (SPEC section 8). And in real time, stepping into the second copy of a
//! repeated span that does not start on the hour (Pacific/Chatham,
//! Australia/Lord_Howe) or that crosses midnight (America/St_Johns before
//! 2011), cronsim's "back to minute 0" or "back to midnight" lands in the
//! first copy and it goes round in circles, forever; there we answer the
//! first real minute after the moment whose wall-clock reading matches.

mod error;
mod expr;
mod stepping;
mod wall;

#[cfg(test)]
mod tests;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::time::SystemTime;

use jiff::tz::TimeZone;

pub use error::CronError;

use crate::time::civil::{self, whole_seconds, Civil, DAY};
use crate::time::text::is_python_space;
use crate::time::zone::{self, Zone};
use expr::Expr;
use wall::HORIZON_YEARS;

/// A cron expression in a time zone: healthchecks' cron schedules.
///
/// Equal schedules have the same expression text and zone name.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::CronSchedule;
///
/// let schedule = CronSchedule::new("*/15 9-17 * * mon-fri", "UTC")?;
/// let monday_noon = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_481_600);
/// let next = schedule.next_after(monday_noon).unwrap();
/// assert_eq!(next.duration_since(monday_noon).unwrap(), Duration::from_secs(15 * 60));
/// # Ok::<(), tower_ping::CronError>(())
/// ```
#[derive(Clone)]
pub struct CronSchedule {
    expression: Box<str>,
    zone_name: Box<str>,
    expr: Expr,
    zone: TimeZone,
    /// The offset of a zone that never changes it (UTC, `Etc/GMT+5`): wall
    /// time is then real time shifted, in either mode.
    fixed_offset: Option<i64>,
}

impl CronSchedule {
    /// Parses a 5-field expression in the IANA zone `tz` (e.g. "UTC",
    /// "Europe/Riga"). The zone name must be spelled as in the database,
    /// case included.
    ///
    /// # Errors
    ///
    /// When the expression is not one cronsim accepts with 5 fields, or the
    /// zone is unknown; the error's message names the culprit.
    pub fn new(expression: &str, tz: &str) -> Result<Self, CronError> {
        let expr = Expr::parse(expression)?;
        let zone = zone::bundled(tz).ok_or_else(|| CronError::unknown_zone(tz))?;
        Ok(CronSchedule {
            expression: expression.trim_matches(is_python_space).into(),
            zone_name: tz.into(),
            expr,
            fixed_offset: zone.to_fixed_offset().ok().map(|o| i64::from(o.seconds())),
            zone,
        })
    }

    /// The expression as given, without surrounding whitespace.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The zone name as given.
    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    /// The first tick strictly after `after`, or `None` when there is none
    /// within cronsim's horizon (the rest of the year and the 50 after it).
    /// Fractions of a second in `after` are ignored, as cronsim ignores them.
    pub fn next_after(&self, after: SystemTime) -> Option<SystemTime> {
        let after = whole_seconds(after)?;
        let zone = Zone(&self.zone);
        let next = if let Some(offset) = self.fixed_offset {
            let now = Civil::from_seconds(after.checked_add(offset)?);
            if !now.in_python_range() {
                return None;
            }
            let found = wall::next_match(&self.expr, Civil::from_seconds(after + 1 + offset))?;
            Some(found.to_seconds() - offset)
        } else if self.expr.wall_clock {
            self.next_on_wall_clock(zone, after)
        } else {
            self.next_in_real_time(zone, after)
        }?;
        civil::system_time(next)
    }

    /// Fixed-time jobs: the next match on the local wall clock, moved past a
    /// gap minute by minute, meaning the first copy of a repeated time.
    fn next_on_wall_clock(&self, zone: Zone<'_>, after: i64) -> Option<i64> {
        let mut wall = after.checked_add(zone.offset_at(after)?)?;
        if !Civil::from_seconds(wall).in_python_range() {
            return None;
        }
        loop {
            let found = wall::next_match(&self.expr, Civil::from_seconds(wall + 1))?;
            wall = zone.past_gap(found.to_seconds())?;
            let instant = zone.instant(Civil::from_seconds(wall), false)?;
            // From the second copy of a repeated hour, cronsim can answer the
            // first copy's tick, before `after`: SPEC 8 wants the next one.
            if instant > after {
                return Some(instant);
            }
        }
    }

    /// Every other job: real time. Away from transitions, wall time is real
    /// time shifted by one offset and the jumps of `wall` find cronsim's
    /// answer; otherwise we step as cronsim steps.
    fn next_in_real_time(&self, zone: Zone<'_>, after: i64) -> Option<i64> {
        let start = after.checked_add(1)?;
        let offset = zone.offset_at(start)?;
        let start_wall = Civil::from_seconds(start + offset);
        if !start_wall.in_python_range() {
            return None;
        }
        // cronsim's search never goes back past the start of the hour.
        let from = after - 3600;
        match wall::next_match(&self.expr, start_wall) {
            Some(found) => {
                let instant = found.to_seconds() - offset;
                if zone.steady(from, instant) {
                    return Some(instant);
                }
            }
            None => {
                let horizon = i64::from(HORIZON_YEARS + 2) * 366 * DAY;
                if zone.steady(from, after.saturating_add(horizon)) {
                    return None;
                }
            }
        }
        stepping::next_after(&self.expr, zone, after)
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CronSchedule")
            .field("expression", &self.expression)
            .field("time_zone", &self.zone_name)
            .finish()
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.zone_name == other.zone_name
    }
}

impl Eq for CronSchedule {}

impl Hash for CronSchedule {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expression.hash(state);
        self.zone_name.hash(state);
    }
}
