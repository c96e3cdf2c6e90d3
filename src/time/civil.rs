//! Wall-clock times with no time zone: what Python's naive `datetime` does,
//! on the crate's calendar arithmetic. What the schedule evaluators (cron,
//! OnCalendar) search through before a time zone says which instant a wall
//! time is.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::time::calendar::{civil_from_days, days_from_civil};

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// The years Python's `datetime` can hold; cronsim fails outside them.
pub(crate) const MIN_YEAR: i32 = 1;
pub(crate) const MAX_YEAR: i32 = 9999;

/// A wall-clock time to the second, in no particular zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
}

impl Civil {
    /// Midnight starting the given day.
    #[cfg(feature = "cron")]
    pub(crate) fn midnight(year: i32, month: u8, day: u8) -> Self {
        Civil {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
        }
    }

    /// The wall time `seconds` after 1970-01-01 00:00:00 on the same clock.
    pub(crate) fn from_seconds(seconds: i64) -> Self {
        let days = seconds.div_euclid(DAY);
        let rest = seconds.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (rest / 3600) as u8,
            minute: (rest / 60 % 60) as u8,
            second: (rest % 60) as u8,
        }
    }

    /// Seconds since 1970-01-01 00:00:00 on the same clock.
    pub(crate) fn to_seconds(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Whether Python's `datetime` can hold this time.
    pub(crate) fn in_python_range(self) -> bool {
        (MIN_YEAR..=MAX_YEAR).contains(&self.year)
    }
}

/// Seconds since the epoch, rounded down: cronsim and oncalendar both drop
/// the microseconds of their start.
pub(crate) fn whole_seconds(time: SystemTime) -> Option<i64> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).ok(),
        Err(before) => {
            let before = before.duration();
            let seconds = i64::try_from(before.as_secs()).ok()?;
            Some(-seconds - i64::from(before.subsec_nanos() > 0))
        }
    }
}

/// The moment `seconds` after the epoch (before it when negative).
pub(crate) fn system_time(seconds: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_secs(seconds.unsigned_abs());
    if seconds >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// Day of the week, Sunday 0 to Saturday 6, of a day counted from 1970-01-01
/// (a Thursday).
pub(crate) fn weekday(days: i64) -> u8 {
    (days + 4).rem_euclid(7) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::calendar::days_from_civil;

    #[test]
    fn weekdays_count_from_a_thursday() {
        assert_eq!(weekday(0), 4);
        assert_eq!(weekday(days_from_civil(2021, 3, 28)), 0);
        assert_eq!(weekday(-1), 3);
    }

    #[test]
    fn seconds_round_trip() {
        for s in [-1, 0, 59, 86_399, 86_400, 1_616_900_000, -62_135_596_800] {
            assert_eq!(Civil::from_seconds(s).to_seconds(), s);
        }
        assert_eq!(
            Civil::from_seconds(-1),
            Civil {
                year: 1969,
                month: 12,
                day: 31,
                hour: 23,
                minute: 59,
                second: 59
            }
        );
    }
}
