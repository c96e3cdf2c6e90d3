//! Proleptic Gregorian calendar arithmetic on wall-clock times, with no time
//! zone: what Python's naive `datetime` does.

/// Seconds in a day.
pub(super) const DAY: i64 = 86_400;

/// The years Python's `datetime` can hold; cronsim fails outside them.
pub(super) const MIN_YEAR: i32 = 1;
pub(super) const MAX_YEAR: i32 = 9999;

/// A wall-clock time to the second, in no particular zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Civil {
    pub(super) year: i32,
    pub(super) month: u8,
    pub(super) day: u8,
    pub(super) hour: u8,
    pub(super) minute: u8,
    pub(super) second: u8,
}

impl Civil {
    /// Midnight starting the given day.
    pub(super) fn midnight(year: i32, month: u8, day: u8) -> Self {
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
    pub(super) fn from_seconds(seconds: i64) -> Self {
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
    pub(super) fn to_seconds(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Whether Python's `datetime` can hold this time.
    pub(super) fn in_python_range(self) -> bool {
        (MIN_YEAR..=MAX_YEAR).contains(&self.year)
    }
}

pub(super) fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(super) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week, Sunday 0 to Saturday 6, of a day counted from 1970-01-01
/// (a Thursday).
pub(super) fn weekday(days: i64) -> u8 {
    (days + 4).rem_euclid(7) as u8
}

/// Days from 1970-01-01 to the given date (Howard Hinnant's algorithm, which
/// needs no table and no loop).
pub(super) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: the inverse of [`days_from_civil`].
pub(super) fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years() {
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
    }

    #[test]
    fn days_round_trip_over_centuries() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(weekday(days_from_civil(2021, 3, 28)), 0);
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
