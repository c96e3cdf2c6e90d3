//! Times as RFC 3339 text: written in UTC ([`Rfc3339`]: to the microsecond
//! by default, `2030-01-01T00:00:00.000000Z`, as the stores keep them),
//! read with any offset and up to nanoseconds.

use std::fmt;
#[cfg(any(feature = "serde", test))]
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::calendar::civil_from_days;
#[cfg(any(feature = "serde", test))]
use crate::time::calendar::{days_from_civil, days_in_month};

const DAY: i64 = 86_400;

/// A time written as RFC 3339 text in UTC: what the crate's `serde` form,
/// its `tracing` events and the Management API write.
///
/// By default to the microsecond with `Z`; [`whole_seconds`](Self::whole_seconds)
/// drops the fraction and [`numeric_offset`](Self::numeric_offset) writes
/// `+00:00` for `Z`, as healthchecks' API does.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::Rfc3339;
///
/// let t = SystemTime::UNIX_EPOCH + Duration::from_micros(1_893_456_000_000_001);
/// assert_eq!(Rfc3339::new(t).to_string(), "2030-01-01T00:00:00.000001Z");
/// assert_eq!(
///     Rfc3339::new(t).whole_seconds().numeric_offset().to_string(),
///     "2030-01-01T00:00:00+00:00"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rfc3339 {
    time: SystemTime,
    fraction: bool,
    zulu: bool,
}

impl Rfc3339 {
    /// `time`, to the microsecond, with `Z`.
    pub fn new(time: SystemTime) -> Self {
        Self {
            time,
            fraction: true,
            zulu: true,
        }
    }

    /// Without the fraction of a second (cut, not rounded).
    pub fn whole_seconds(mut self) -> Self {
        self.fraction = false;
        self
    }

    /// With `+00:00` instead of `Z`.
    pub fn numeric_offset(mut self) -> Self {
        self.zulu = false;
        self
    }
}

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (seconds, nanos) = match self.time.duration_since(UNIX_EPOCH) {
            Ok(after) => (after.as_secs() as i64, after.subsec_nanos()),
            Err(before) => {
                let before = before.duration();
                match before.subsec_nanos() {
                    0 => (-(before.as_secs() as i64), 0),
                    n => (-(before.as_secs() as i64) - 1, 1_000_000_000 - n),
                }
            }
        };
        let (days, of_day) = (seconds.div_euclid(DAY), seconds.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60,
        )?;
        if self.fraction {
            write!(f, ".{:06}", nanos / 1000)?;
        }
        f.write_str(if self.zulu { "Z" } else { "+00:00" })
    }
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
#[cfg(feature = "serde")]
pub(crate) fn format(time: SystemTime) -> String {
    Rfc3339::new(time).to_string()
}

/// Reads an RFC 3339 time: a date, `T` (or `t`, or a space), a time with an
/// optional fraction, and `Z` or an offset `+HH:MM`/`-HH:MM`.
#[cfg(any(feature = "serde", test))]
pub(crate) fn parse(text: &str) -> Result<SystemTime, String> {
    let bad = || format!("{text:?} is not an RFC 3339 time");
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Result<i64, String> {
        let digits = bytes.get(from..from + len).ok_or_else(bad)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        Ok(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if bytes.len() < 20 || separators.iter().any(|&(i, c)| bytes[i] != c) {
        return Err(bad());
    }
    if !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    let (year, month) = (i32::try_from(year).map_err(|_| bad())?, month as u8);
    // 60 is a leap second: read as the next second, as most systems do.
    let last_day = i64::from(days_in_month(year, month));
    if day < 1 || day > last_day || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if bytes[at] == b'.' {
        let digits = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return Err(bad());
        }
        for (i, d) in bytes[at + 1..at + 1 + digits].iter().enumerate() {
            if i < 9 {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
        }
        at += 1 + digits;
    }
    let offset = match &bytes[at..] {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (number(at + 1, 2)?, number(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return Err(bad());
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day as u8);
    let seconds = days * DAY + hour * 3600 + minute * 60 + second - offset;
    let since = Duration::new(seconds.unsigned_abs(), 0);
    let whole = if seconds >= 0 {
        UNIX_EPOCH.checked_add(since)
    } else {
        UNIX_EPOCH.checked_sub(since)
    };
    whole
        .and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nanos))))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> SystemTime {
        let whole = if seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(seconds as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        };
        whole + Duration::from_nanos(u64::from(nanos))
    }

    #[test]
    fn known_times_are_written_in_utc_to_the_microsecond() {
        assert_eq!(format(at(0, 0)), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format(at(1_893_456_000, 123_456_789)),
            "2030-01-01T00:00:00.123456Z"
        );
        assert_eq!(format(at(951_782_400, 0)), "2000-02-29T00:00:00.000000Z");
        assert_eq!(format(at(-1, 500_000_000)), "1969-12-31T23:59:59.500000Z");
    }

    #[test]
    fn offsets_fractions_and_lower_case_are_read() {
        let t = at(1_616_893_200, 0);
        assert_eq!(parse("2021-03-28T04:00:00+03:00"), Ok(t));
        assert_eq!(parse("2021-03-28t01:00:00z"), Ok(t));
        assert_eq!(parse("2021-03-28 00:30:00-00:30"), Ok(t));
        assert_eq!(
            parse("2021-03-28T01:00:00.25Z"),
            Ok(t + Duration::from_millis(250))
        );
        assert_eq!(
            parse("2021-03-28T01:00:00.123456789123Z"),
            Ok(t + Duration::from_nanos(123_456_789))
        );
    }

    #[test]
    fn what_is_written_is_read_back() {
        for seconds in [
            -86_400 * 800,
            -1,
            0,
            1,
            951_868_799,
            1_893_456_000,
            253_402_300_799,
        ] {
            let t = at(seconds, 654_321_000);
            assert_eq!(parse(&format(t)), Ok(t), "{seconds}");
        }
    }

    #[test]
    fn malformed_times_are_refused() {
        for text in [
            "",
            "2021-03-28",
            "2021-03-28T01:00:00",
            "2021-02-29T01:00:00Z",
            "2021-13-01T01:00:00Z",
            "2021-03-28T24:00:00Z",
            "2021-03-28T01:00:00.Z",
            "2021-03-28T01:00:00+3:00",
            "2021-03-28T01:00:00+03:00 ",
            "yesterday at noon, UTC",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
