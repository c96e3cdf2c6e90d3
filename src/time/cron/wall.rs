//! The next matching wall-clock time, jumping field by field through bit
//! sets: what cronsim's search amounts to on a clock without daylight saving.

use super::expr::Expr;
use crate::time::calendar::days_in_month;
use crate::time::civil::{Civil, MAX_YEAR};

/// How many years past its start cronsim searches before giving up.
pub(super) const HORIZON_YEARS: i32 = 50;

/// The first wall time at or after `start` whose second is 0 and whose
/// fields all match, if one falls in `start`'s year or the 50 after it.
///
/// cronsim's loop visits the same candidates one field at a time (month, day,
/// hour, minute, second, restarting from the month after any change), so the
/// first match is the same; this jumps to the next set bit instead of stepping.
pub(super) fn next_match(expr: &Expr, start: Civil) -> Option<Civil> {
    let limit = start.year.saturating_add(HORIZON_YEARS).min(MAX_YEAR);
    let (mut year, mut month, mut day) = (start.year, start.month, start.day);
    let (mut hour, mut minute) = (u32::from(start.hour), u32::from(start.minute));
    if start.second > 0 {
        minute += 1;
    }
    let mut mask_of = (0, 0);
    let mut mask = 0u32;
    loop {
        // Carry whatever the previous round pushed past its field's end.
        if minute >= 60 {
            minute = 0;
            hour += 1;
        }
        if hour >= 24 {
            hour = 0;
            day += 1;
        }
        if day > days_in_month(year, month) {
            day = 1;
            month += 1;
        }
        if month > 12 {
            month = 1;
            year += 1;
        }
        if year > limit {
            return None;
        }

        if !expr.has_month(month) {
            let later = expr.months >> (month + 1) << (month + 1);
            if later == 0 {
                year += 1;
                month = expr.months.trailing_zeros() as u8;
            } else {
                month = later.trailing_zeros() as u8;
            }
            (day, hour, minute) = (1, 0, 0);
            continue;
        }

        if mask_of != (year, month) {
            mask = expr.day_mask(year, month);
            mask_of = (year, month);
        }
        let days = mask >> day << day;
        if days == 0 {
            (day, hour, minute) = (1, 0, 0);
            month += 1;
            continue;
        }
        let first = days.trailing_zeros() as u8;
        if first != day {
            (day, hour, minute) = (first, 0, 0);
        }

        let hours = expr.hours >> hour << hour;
        if hours == 0 {
            (hour, minute) = (0, 0);
            day += 1;
            continue;
        }
        let first = hours.trailing_zeros();
        if first != hour {
            (hour, minute) = (first, 0);
        }

        let minutes = expr.minutes >> minute << minute;
        if minutes == 0 {
            minute = 0;
            hour += 1;
            continue;
        }
        return Some(Civil {
            year,
            month,
            day,
            hour: hour as u8,
            minute: minutes.trailing_zeros() as u8,
            second: 0,
        });
    }
}
