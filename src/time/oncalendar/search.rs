//! The next wall time a line matches, jumping field by field through its
//! bit sets: what the library's search (year, month, day, hour, minute,
//! second, restarting after any change) finds on a clock with no time zone.

use super::spec::{Spec, FIRST_YEAR};
use crate::time::calendar::days_in_month;
use crate::time::civil::Civil;

/// The first wall time at or after `start` that `spec` matches, if one
/// falls before the year 2200.
///
/// Bounded: every round either answers or moves past the rest of a second,
/// minute, hour, day or month without a match, and the years end at 2199,
/// so it takes at most a few rounds per matching month and one per
/// non-matching month (some 2,800 in all).
pub(super) fn next_match(spec: &Spec, start: Civil) -> Option<Civil> {
    let (mut year, mut month, mut day) = (start.year, start.month, start.day);
    let (mut hour, mut minute, mut second) = (
        u32::from(start.hour),
        u32::from(start.minute),
        u32::from(start.second),
    );
    if year < FIRST_YEAR {
        (year, month, day, hour, minute, second) = (FIRST_YEAR, 1, 1, 0, 0, 0);
    }
    loop {
        // Carry whatever the previous round pushed past its field's end.
        if second >= 60 {
            (second, minute) = (0, minute + 1);
        }
        if minute >= 60 {
            (minute, hour) = (0, hour + 1);
        }
        if hour >= 24 {
            (hour, day) = (0, day + 1);
        }
        if day > days_in_month(year, month) {
            (day, month) = (1, month + 1);
        }
        if month > 12 {
            (month, year) = (1, year + 1);
        }

        let found = spec.next_year(year)?;
        if found != year {
            (year, month, day, hour, minute, second) = (found, 1, 1, 0, 0, 0);
        }

        let months = spec.months >> month << month;
        if months == 0 {
            (month, day, hour, minute, second) = (13, 1, 0, 0, 0);
            continue;
        }
        let first = months.trailing_zeros() as u8;
        if first != month {
            (month, day, hour, minute, second) = (first, 1, 0, 0, 0);
        }

        let days = spec.day_mask(year, month) >> day << day;
        if days == 0 {
            (day, hour, minute, second) = (32, 0, 0, 0);
            continue;
        }
        let first = days.trailing_zeros() as u8;
        if first != day {
            (day, hour, minute, second) = (first, 0, 0, 0);
        }

        let hours = spec.hours >> hour << hour;
        if hours == 0 {
            (hour, minute, second) = (24, 0, 0);
            continue;
        }
        let first = hours.trailing_zeros();
        if first != hour {
            (hour, minute, second) = (first, 0, 0);
        }

        let minutes = spec.minutes >> minute << minute;
        if minutes == 0 {
            (minute, second) = (60, 0);
            continue;
        }
        let first = minutes.trailing_zeros();
        if first != minute {
            (minute, second) = (first, 0);
        }

        let seconds = spec.seconds >> second << second;
        if seconds == 0 {
            second = 60;
            continue;
        }
        return Some(Civil {
            year,
            month,
            day,
            hour: hour as u8,
            minute: minute as u8,
            second: seconds.trailing_zeros() as u8,
        });
    }
}
