//! The grammar of one OnCalendar line, read as the Python library
//! `oncalendar` 1.1 reads it, quirks and the order of its checks included:
//!
//! - A line holding a space (the space character, not a tab) whose last
//!   whitespace-separated field names a zone ends in that zone; a field
//!   starting with a digit or `*` is never a zone.
//! - What is left, in any case, may be a shorthand (`daily`, ...).
//! - Every `~` becomes `-~` before the fields are split on whitespace, so
//!   `*-*~1` is the date `*`, `*`, `~1`, and `*-*-~1` has four parts.
//! - The last field is the time if it holds `:`; then the last one left is
//!   the date if it holds `-` and starts with a digit or `*`; then the first
//!   one left is the weekday; anything more is one field too many.
//! - Within a field: `*` alone (never for the weekday), `,` lists, a step
//!   `/n` after a value (which runs to the field's end, or to the month's
//!   end after `~`) or after a range (every n-th value of it), ranges `a..b`
//!   (`a-b` for weekdays too), a weekday list may end in commas.

use std::collections::BTreeSet;

use jiff::tz::TimeZone;

use super::error::{Field, OnCalendarError, Problem};
use super::spec::{Fields, Spec, FIRST_YEAR, LAST_YEAR};
use crate::time::text::is_python_space;
use crate::time::zone;

/// systemd's shorthands, as the library expands them.
const SHORTHANDS: [(&str, &str); 9] = [
    ("minutely", "*-*-* *:*:00"),
    ("hourly", "*-*-* *:00:00"),
    ("daily", "*-*-* 00:00:00"),
    ("monthly", "*-*-01 00:00:00"),
    ("weekly", "Mon *-*-* 00:00:00"),
    ("yearly", "*-01-01 00:00:00"),
    ("annually", "*-01-01 00:00:00"),
    ("quarterly", "*-01,04,07,10-01 00:00:00"),
    ("semiannually", "*-01,07-01 00:00:00"),
];

const WEEKDAYS: [&str; 7] = [
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];

/// One line: what it matches, and its zone when it names one.
pub(super) struct Line {
    pub(super) spec: Spec,
    pub(super) zone: Option<TimeZone>,
}

/// Reads one line of a schedule (the schedule split on `\n`).
pub(super) fn parse_line(line: &str) -> Result<Line, OnCalendarError> {
    let line = line.trim_matches(is_python_space);
    let mut body = line;
    let mut zone = None;
    let mut zone_place = None;
    if line.contains(' ') {
        let (head, last) = split_last(line);
        match zone_named(last) {
            Some(found) => {
                (body, zone) = (head, Some(found));
            }
            None => zone_place = Some(last),
        }
    }
    match parse_body(body) {
        Ok(spec) => Ok(Line { spec, zone }),
        // The library reads a misspelt zone as one field too many, or the
        // first field as a weekday; the zone is what to name.
        Err(_) if zone_place.is_some_and(looks_like_zone) => Err(OnCalendarError::unknown_zone(
            zone_place.unwrap_or_default(),
        )),
        Err(error) => Err(error),
    }
}

/// Python's `text.rsplit(maxsplit=1)` of a stripped text holding a space.
fn split_last(text: &str) -> (&str, &str) {
    let Some((cut, c)) = text.char_indices().rfind(|&(_, c)| is_python_space(c)) else {
        return ("", text);
    };
    (
        text[..cut].trim_end_matches(is_python_space),
        &text[cut + c.len_utf8()..],
    )
}

/// The zone a last field names, as the library's `parse_tz` finds it.
fn zone_named(field: &str) -> Option<TimeZone> {
    if field.starts_with(|c: char| c.is_ascii_digit() || c == '*') {
        return None;
    }
    zone::bundled(field)
}

/// Whether a last field that names no zone can only have been meant as one:
/// neither a time, a date, a weekday nor a shorthand.
fn looks_like_zone(field: &str) -> bool {
    !field.starts_with(|c: char| c.is_ascii_digit() || c == '*')
        && !field.contains(':')
        && parse(Field::Weekday, field, false).is_err()
        && shorthand(field).is_none()
}

fn shorthand(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    SHORTHANDS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, expansion)| *expansion)
}

/// A line without its zone: `[weekday] [date] [time]`, or a shorthand.
fn parse_body(body: &str) -> Result<Spec, OnCalendarError> {
    let body = shorthand(body).unwrap_or(body);
    let replaced = body.replace('~', "-~");
    let mut parts: Vec<&str> = replaced
        .split(is_python_space)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(OnCalendarError::no_fields());
    }
    let field = |field: Field, text: &str| {
        parse(field, text, false)
            .map_err(|problem| OnCalendarError::field(field, &as_written(text), problem))
    };

    let mut fields = Fields::default();
    let (hours, minutes, seconds) = match parts.last() {
        Some(time) if time.contains(':') => {
            let pieces: Vec<&str> = time.split(':').collect();
            let (hour, minute, second) = match pieces[..] {
                [hour, minute] => (hour, minute, "0"),
                [hour, minute, second] => (hour, minute, second),
                _ => return Err(OnCalendarError::time(&as_written(time))),
            };
            parts.pop();
            (
                field(Field::Hour, hour)?,
                field(Field::Minute, minute)?,
                field(Field::Second, second)?,
            )
        }
        _ => ([0].into(), [0].into(), [0].into()),
    };
    fields.hours = bits(&hours) as u32;
    fields.minutes = bits(&minutes);
    fields.seconds = bits(&seconds);

    match parts.last() {
        Some(date)
            if date.contains('-') && date.starts_with(|c: char| c.is_ascii_digit() || c == '*') =>
        {
            let pieces: Vec<&str> = date.split('-').collect();
            let (year, month, day) = match pieces[..] {
                [month, day] => ("*", month, day),
                [year, month, day] => (year, month, day),
                _ => return Err(OnCalendarError::date(&as_written(date))),
            };
            parts.pop();
            for year in field(Field::Year, year)? {
                let index = (year - FIRST_YEAR) as usize;
                fields.years[index / 64] |= 1 << (index % 64);
            }
            fields.months = bits(&field(Field::Month, month)?) as u16;
            for day in field(Field::Day, day)? {
                if day > 0 {
                    fields.days |= 1 << day;
                } else {
                    // 0 comes from steps counted toward the end; no day is 0.
                    fields.days_from_end |= 1 << (-day) & !1;
                }
            }
        }
        _ => {
            let span = LAST_YEAR - FIRST_YEAR + 1;
            for index in 0..span as usize {
                fields.years[index / 64] |= 1 << (index % 64);
            }
            fields.months = 0x1ffe;
            fields.days = !1;
        }
    }

    fields.weekdays = if parts.is_empty() {
        0x7f
    } else {
        let weekday = parts.remove(0);
        bits(&field(Field::Weekday, weekday)?) as u8
    };
    if let Some(extra) = parts.first() {
        return Err(OnCalendarError::too_many_fields(&as_written(extra)));
    }
    Ok(Spec::new(fields))
}

/// A field's text as the user wrote it, before `~` became `-~`.
fn as_written(text: &str) -> String {
    text.replace("-~", "~")
}

/// The values of a set as bits (non-negative values under 64 only).
fn bits(values: &BTreeSet<i32>) -> u64 {
    values
        .iter()
        .filter(|&&v| (0..64).contains(&v))
        .fold(0, |bits, &v| bits | 1 << v)
}

/// The values a field allows.
fn bounds(field: Field) -> (i32, i32) {
    match field {
        Field::Weekday => (0, 6),
        Field::Year => (FIRST_YEAR, LAST_YEAR),
        Field::Month => (1, 12),
        Field::Day => (1, 31),
        Field::Hour => (0, 23),
        Field::Minute | Field::Second => (0, 59),
    }
}

/// One field's text as a set of values, as the library's `Field.parse`
/// reads it: negative days count from the month's end (-1 the last day).
/// Recursion stays shallow: `~` leads a day once, a weekday's `-` and
/// trailing commas go in one step, list items and step terms hold neither
/// `,` nor `/`.
fn parse(field: Field, text: &str, from_end: bool) -> Result<BTreeSet<i32>, Problem> {
    if field == Field::Day {
        if let Some(rest) = text.strip_prefix('~') {
            return parse(field, rest, true);
        }
    }
    let (min, max) = bounds(field);
    if field != Field::Weekday && text == "*" {
        return Ok((min..=max).collect());
    }
    if text.contains('*') {
        return Err(Problem::Star(text.into()));
    }
    if field == Field::Weekday {
        if text.ends_with(',') {
            return parse(field, text.trim_end_matches(','), false);
        }
        if text.contains('-') {
            return parse(field, &text.replace('-', ".."), false);
        }
    }
    if text.contains(',') {
        let mut values = BTreeSet::new();
        for term in text.split(',') {
            values.extend(parse(field, term, from_end)?);
        }
        return Ok(values);
    }
    if field != Field::Weekday {
        if let Some((term, step)) = text.split_once('/') {
            let step = digits(step)?;
            if step == 0 {
                return Err(Problem::ZeroStep(text.into()));
            }
            let step = usize::try_from(step).unwrap_or(usize::MAX);
            let values = parse(field, term, from_end)?;
            let mut only = values.iter();
            return Ok(match (only.next(), only.next()) {
                // A lone value runs to the field's end (to the month's end
                // when counted from it).
                (Some(&start), None) => {
                    let end = if from_end { 0 } else { max };
                    (start..=end).step_by(step).collect()
                }
                _ => values.into_iter().step_by(step).collect(),
            });
        }
    }
    if let Some((start, end)) = text.split_once("..") {
        let (start, end) = (value(field, start)?, value(field, end)?);
        if end < start {
            return Err(Problem::Backwards(text.into()));
        }
        return Ok(if from_end {
            (-end..=-start).collect()
        } else {
            (start..=end).collect()
        });
    }
    let value = value(field, text)?;
    if from_end {
        if value > 28 {
            return Err(Problem::TooFarFromEnd(text.into()));
        }
        return Ok([-value].into());
    }
    Ok([value].into())
}

/// One value: a weekday name, or a number in the field's range (a year of
/// two digits is 2000-2069 for 0-69, 1970-1999 for 70-99).
fn value(field: Field, text: &str) -> Result<i32, Problem> {
    if field == Field::Weekday {
        let upper = text.to_uppercase();
        return WEEKDAYS
            .iter()
            .position(|name| *name == upper || name[..3] == upper)
            .map(|day| day as i32)
            .ok_or_else(|| Problem::UnknownWeekday(text.into()));
    }
    let mut number = digits(text)?;
    if field == Field::Year && number < 70 {
        number += 2000;
    }
    if field == Field::Year && number < 100 {
        number += 1900;
    }
    let (min, max) = bounds(field);
    match i32::try_from(number) {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(Problem::OutOfRange {
            term: text.into(),
            min: min as u16,
            max: max as u16,
        }),
    }
}

/// ASCII digits only, as the library wants them (no sign, no `_`, no other
/// script's digits); past `u64` the value saturates, which is out of every
/// range and still a step.
fn digits(text: &str) -> Result<u64, Problem> {
    if text.is_empty() {
        return Err(Problem::Missing);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotANumber(text.into()));
    }
    Ok(text.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}
