//! The five fields of a cron expression, parsed into bit sets, and which
//! days of a month they match.
//!
//! The grammar is cronsim's, quirks included: `a/step` runs from `a` to the
//! field's maximum (7 for day of week, so `1/2` includes Sunday as 7), a
//! range with a step keeps every step-th value of the range, `L`/`LW` with a
//! step is just `L`/`LW`, and names work wherever a number does.

use super::error::{CronError, Field, Problem};
use crate::time::calendar::{days_from_civil, days_in_month};
use crate::time::civil::weekday;
use crate::time::text::is_python_space;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Longest digit string Python's `int()` converts by default; cronsim fails on
/// longer ones, so we refuse them too.
const MAX_DIGITS: usize = 4300;

/// Bits 0, 7, 14, 21 and 28: one weekday's days of a month, shifted into place.
const WEEKLY: u32 = 1 | 1 << 7 | 1 << 14 | 1 << 21 | 1 << 28;

/// A parsed expression. Day of week is folded to Sunday 0 .. Saturday 6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expr {
    pub(super) minutes: u64,
    pub(super) hours: u32,
    /// Bits 1-31.
    days: u32,
    last_day: bool,
    last_weekday: bool,
    /// Bits 1-12.
    pub(super) months: u16,
    weekdays: u8,
    /// `nL`: weekdays whose last occurrence in the month matches.
    last_of_weekdays: u8,
    /// `n#k`: `nth[k - 1]` holds the weekdays whose k-th occurrence matches.
    nth: [u8; 5],
    /// Both day fields must match (either starts with `*`); otherwise either may.
    day_and: bool,
    /// A fixed-time job (neither minute nor hour starts with `*`): searched in
    /// local wall time, not real time.
    pub(super) wall_clock: bool,
    /// The matching days of every kind of month, by the weekday of its 1st
    /// (Sunday 0) and its length (28-31): `shape(first, last)`.
    month_shapes: [u32; 28],
}

/// What one field's text denotes: plain values as bits, and the special
/// day forms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Items {
    values: u64,
    last_day: bool,
    last_weekday: bool,
    last_of_weekdays: u8,
    nth: [u8; 5],
}

impl Items {
    fn union(&mut self, other: Items) {
        self.values |= other.values;
        self.last_day |= other.last_day;
        self.last_weekday |= other.last_weekday;
        self.last_of_weekdays |= other.last_of_weekdays;
        for (mine, theirs) in self.nth.iter_mut().zip(other.nth) {
            *mine |= theirs;
        }
    }
}

impl Expr {
    pub(super) fn parse(expression: &str) -> Result<Self, CronError> {
        let mut fields = expression.split(is_python_space).filter(|f| !f.is_empty());
        let mut texts = [""; 5];
        let mut count = 0;
        for text in fields.by_ref().take(5) {
            texts[count] = text;
            count += 1;
        }
        let extra = fields.count();
        if count + extra != 5 {
            return Err(CronError::field_count(count + extra));
        }
        // cronsim upper-cases the whole expression (Unicode rules: "ſun" is SUN).
        let upper = texts.map(str::to_uppercase);
        let mut items = [Items::default(); 5];
        for ((field, text), (item, original)) in Field::ALL
            .into_iter()
            .zip(&upper)
            .zip(items.iter_mut().zip(texts))
        {
            *item = parse_field(field, text).map_err(|p| CronError::field(field, original, p))?;
        }
        let [minutes, hours, days, months, weekdays] = items;
        let sunday_too = |bits: u64| (bits | bits >> 7) as u8 & 0x7f;
        let expr = Expr {
            minutes: minutes.values,
            hours: hours.values as u32,
            days: days.values as u32,
            last_day: days.last_day,
            last_weekday: days.last_weekday,
            months: months.values as u16,
            weekdays: sunday_too(weekdays.values),
            last_of_weekdays: sunday_too(u64::from(weekdays.last_of_weekdays)),
            nth: weekdays.nth.map(|w| sunday_too(u64::from(w))),
            day_and: upper[2].starts_with('*') || upper[4].starts_with('*'),
            wall_clock: !upper[0].starts_with('*') && !upper[1].starts_with('*'),
            month_shapes: [0; 28],
        };
        // cronsim 2.8 refuses a day of month no chosen month has, when both
        // day fields must match (with OR, the weekdays can still fire).
        if expr.day_and && !expr.last_day && !expr.last_weekday {
            let first_day = expr.days.trailing_zeros() as u8;
            let longest = (1..=12u8)
                .filter(|m| expr.months & 1 << m != 0)
                .map(|m| if m == 2 { 29 } else { days_in_month(2001, m) })
                .max()
                .unwrap_or(31);
            if first_day > 29 && first_day > longest {
                return Err(CronError::never_matches(texts[2], texts[3]));
            }
        }
        // A month's matching days depend only on its first weekday and length.
        let mut expr = expr;
        for first_weekday in 0..7u8 {
            for last in 28..=31u8 {
                expr.month_shapes[shape(first_weekday, last)] = expr.days_of(first_weekday, last);
            }
        }
        Ok(expr)
    }

    /// The days of `month` that match both day fields (or either), as bits
    /// 1-31.
    pub(super) fn day_mask(&self, year: i32, month: u8) -> u32 {
        let first_weekday = weekday(days_from_civil(year, month, 1));
        self.month_shapes[shape(first_weekday, days_in_month(year, month))]
    }

    /// The matching days of a month that starts on `first_weekday` and has
    /// `last` days.
    fn days_of(&self, first_weekday: u8, last: u8) -> u32 {
        let in_month = (u32::MAX >> (31 - last)) & !1;
        // 1-based day of the month's first occurrence of each weekday.
        let first_of = |w: u8| 1 + (w + 7 - first_weekday) % 7;

        let mut by_date = self.days & in_month;
        if self.last_day {
            by_date |= 1 << last;
        }
        if self.last_weekday {
            by_date |= 1 << last_weekday((first_weekday + last - 1) % 7, last);
        }

        // Wide enough for a fifth occurrence past day 31, masked off below.
        let mut by_weekday = 0u64;
        for w in 0..7u8 {
            let bit = 1 << w;
            let first = first_of(w);
            if self.weekdays & bit != 0 {
                by_weekday |= u64::from(WEEKLY) << first;
            }
            if self.last_of_weekdays & bit != 0 {
                by_weekday |= 1 << (first + (last - first) / 7 * 7);
            }
            for (k, weekdays) in self.nth.iter().enumerate() {
                if weekdays & bit != 0 {
                    by_weekday |= 1 << (first + 7 * k as u8);
                }
            }
        }
        let by_weekday = by_weekday as u32 & in_month;

        if self.day_and {
            by_date & by_weekday
        } else {
            by_date | by_weekday
        }
    }

    pub(super) fn has_month(&self, month: u8) -> bool {
        self.months & 1 << month != 0
    }

    pub(super) fn has_hour(&self, hour: u8) -> bool {
        self.hours & 1 << hour != 0
    }

    pub(super) fn has_minute(&self, minute: u8) -> bool {
        self.minutes & 1 << minute != 0
    }
}

/// Index of a month's kind in `Expr::month_shapes`.
fn shape(first_weekday: u8, last: u8) -> usize {
    usize::from(first_weekday) * 4 + usize::from(last - 28)
}

/// The last Monday-to-Friday day of a month that has `last` days, the last
/// falling on `last_weekday` (Sunday 0).
fn last_weekday(last_weekday: u8, last: u8) -> u8 {
    match last_weekday {
        0 => last - 2,
        6 => last - 1,
        _ => last,
    }
}

/// One field: `*`, or a comma-separated list of terms.
fn parse_field(field: Field, text: &str) -> Result<Items, Problem> {
    let mut items = Items::default();
    for term in text.split(',') {
        items.union(parse_term(field, term)?);
    }
    Ok(items)
}

/// One term of a list, in cronsim's order of checks: `*`, `nL`, `n#k`,
/// `x/step`, `a-b`, `LW`, `L`, a single value.
fn parse_term(field: Field, term: &str) -> Result<Items, Problem> {
    let (min, max) = bounds(field);
    if term == "*" {
        return Ok(values(range_bits(min, max)));
    }
    if field == Field::DayOfWeek && term.contains('L') {
        let mut chars = term.chars();
        chars.next_back();
        let number = chars.as_str();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::BadLast);
        }
        let day = value(field, number)?;
        return Ok(Items {
            last_of_weekdays: 1 << day,
            ..Items::default()
        });
    }
    if field == Field::DayOfWeek {
        if let Some((day, k)) = term.split_once('#') {
            let k_value = digits(k)?;
            if !(1..=5).contains(&k_value) {
                return Err(Problem::BadNth(k.into()));
            }
            let day = value(field, day)?;
            let mut nth = [0; 5];
            nth[k_value as usize - 1] = 1 << day;
            return Ok(Items {
                nth,
                ..Items::default()
            });
        }
    }
    if let Some((start, step)) = term.split_once('/') {
        let step = digits(step)?;
        if step == 0 {
            return Err(Problem::ZeroStep);
        }
        let items = parse_term(field, start)?;
        if items.last_day || items.last_weekday {
            return Ok(items);
        }
        let chosen = if items.values.count_ones() == 1 {
            // A single start runs to the field's maximum.
            range_bits(items.values.trailing_zeros() as u8, max)
        } else {
            items.values
        };
        return Ok(values(every_nth(chosen, step)));
    }
    if let Some((start, end)) = term.split_once('-') {
        let start = value(field, start)?;
        let end = value(field, end)?;
        if end < start {
            return Err(Problem::Backwards { start, end });
        }
        return Ok(values(range_bits(start, end)));
    }
    if field == Field::DayOfMonth && term == "LW" {
        return Ok(Items {
            last_weekday: true,
            ..Items::default()
        });
    }
    if field == Field::DayOfMonth && term == "L" {
        return Ok(Items {
            last_day: true,
            ..Items::default()
        });
    }
    Ok(values(1 << value(field, term)?))
}

fn values(bits: u64) -> Items {
    Items {
        values: bits,
        ..Items::default()
    }
}

fn bounds(field: Field) -> (u8, u8) {
    match field {
        Field::Minute => (0, 59),
        Field::Hour => (0, 23),
        Field::DayOfMonth => (1, 31),
        Field::Month => (1, 12),
        Field::DayOfWeek => (0, 7),
    }
}

/// Bits `start..=end`.
fn range_bits(start: u8, end: u8) -> u64 {
    (u64::MAX >> (63 - end)) & (u64::MAX << start)
}

/// The 1st, (1 + step)-th, ... set bits of `bits`, lowest first: Python's
/// `sorted(items)[::step]`.
fn every_nth(mut bits: u64, step: u64) -> u64 {
    let mut kept = 0;
    let mut index = 0u64;
    while bits != 0 {
        let bit = bits & bits.wrapping_neg();
        if index.is_multiple_of(step) {
            kept |= bit;
        }
        bits &= !bit;
        index += 1;
    }
    kept
}

/// A number or (month, day of week) a name, within the field's bounds.
fn value(field: Field, text: &str) -> Result<u8, Problem> {
    let names: &[&str] = match field {
        Field::Month => &MONTH_NAMES,
        Field::DayOfWeek => &DAY_NAMES,
        _ => &[],
    };
    if let Some(index) = names.iter().position(|name| *name == text) {
        return Ok(index as u8 + u8::from(field == Field::Month));
    }
    let number = digits(text)?;
    let (min, max) = bounds(field);
    match u8::try_from(number) {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Problem::OutOfRange {
            value: match text.trim_start_matches('0') {
                "" => "0".into(),
                significant => significant.into(),
            },
            min,
            max,
        }),
    }
}

/// A non-negative decimal integer of ASCII digits only (no sign, no `_`),
/// saturating: every value past the fields' bounds behaves alike.
fn digits(text: &str) -> Result<u64, Problem> {
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotANumber(text.into()));
    }
    if text.len() > MAX_DIGITS {
        return Err(Problem::TooManyDigits);
    }
    Ok(text.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_from_a_single_start_runs_to_the_field_maximum() {
        let e = Expr::parse("0 0 * * 1/2").unwrap();
        // 1, 3, 5, 7: Monday, Wednesday, Friday and Sunday.
        assert_eq!(e.weekdays, 0b0101011);
        let e = Expr::parse("0 0 * * */3").unwrap();
        assert_eq!(e.weekdays, 0b1001001);
        let e = Expr::parse("*/25 3-3/2 * */5 *").unwrap();
        assert_eq!(e.minutes, 1 | 1 << 25 | 1 << 50);
        assert_eq!(e.hours, 0xAA_AAA8);
        assert_eq!(e.months, 1 << 1 | 1 << 6 | 1 << 11);
    }

    #[test]
    fn range_bits_cover_the_ends() {
        assert_eq!(range_bits(0, 59), (1 << 60) - 1);
        assert_eq!(range_bits(3, 3), 8);
        assert_eq!(
            every_nth(range_bits(1, 31), 10),
            1 << 1 | 1 << 11 | 1 << 21 | 1 << 31
        );
    }
}
