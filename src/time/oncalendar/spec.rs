//! One line of an OnCalendar schedule as sets of values: the expression
//! model the grammar builds and the search walks.

use crate::time::calendar::{days_from_civil, days_in_month};
use crate::time::civil::weekday;

/// The first and last years the library searches (it stops at 2200, as
/// systemd does).
pub(super) const FIRST_YEAR: i32 = 1970;
pub(super) const LAST_YEAR: i32 = 2199;

/// What one line matches. A wall time matches when every field holds it and
/// its day is in `days` or `days_from_end`, on one of `weekdays`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spec {
    /// Bit 0 Monday to bit 6 Sunday.
    weekdays: u8,
    /// Bit `y - 1970` for the years 1970-2199.
    years: [u64; 4],
    /// Bits 1-12.
    pub(super) months: u16,
    /// Bits 1-31.
    days: u32,
    /// Bit `k` for the `k`-th day from the month's end (1 is the last day).
    days_from_end: u32,
    /// Bits 0-23.
    pub(super) hours: u32,
    /// Bits 0-59.
    pub(super) minutes: u64,
    /// Bits 0-59.
    pub(super) seconds: u64,
    /// The matching days of every kind of month, by the weekday of its 1st
    /// (Monday 0) and its length (28-31): `shape(first, length)`.
    month_shapes: [u32; 28],
}

/// The values of each field, as the grammar found them.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fields {
    pub(super) weekdays: u8,
    pub(super) years: [u64; 4],
    pub(super) months: u16,
    pub(super) days: u32,
    pub(super) days_from_end: u32,
    pub(super) hours: u32,
    pub(super) minutes: u64,
    pub(super) seconds: u64,
}

impl Spec {
    pub(super) fn new(fields: Fields) -> Self {
        let mut spec = Spec {
            weekdays: fields.weekdays,
            years: fields.years,
            months: fields.months,
            days: fields.days,
            days_from_end: fields.days_from_end,
            hours: fields.hours,
            minutes: fields.minutes,
            seconds: fields.seconds,
            month_shapes: [0; 28],
        };
        for first_weekday in 0..7u8 {
            for length in 28..=31u8 {
                spec.month_shapes[shape(first_weekday, length)] =
                    spec.days_of(first_weekday, length);
            }
        }
        spec
    }

    /// The first year at or after `year` the line allows, up to 2199.
    pub(super) fn next_year(&self, year: i32) -> Option<i32> {
        let from = year.max(FIRST_YEAR);
        if from > LAST_YEAR {
            return None;
        }
        let index = (from - FIRST_YEAR) as usize;
        let (mut word, bit) = (index / 64, index % 64);
        let mut bits = self.years[word] >> bit << bit;
        loop {
            if bits != 0 {
                let found = FIRST_YEAR + (word * 64) as i32 + bits.trailing_zeros() as i32;
                return (found <= LAST_YEAR).then_some(found);
            }
            word += 1;
            bits = *self.years.get(word)?;
        }
    }

    /// The days of `month` that match, as bits 1-31.
    pub(super) fn day_mask(&self, year: i32, month: u8) -> u32 {
        // civil's weekday counts from Sunday 0; ours from Monday 0.
        let first_weekday = (weekday(days_from_civil(year, month, 1)) + 6) % 7;
        self.month_shapes[shape(first_weekday, days_in_month(year, month))]
    }

    /// The matching days of a month that starts on `first_weekday` (Monday
    /// 0) and has `length` days.
    fn days_of(&self, first_weekday: u8, length: u8) -> u32 {
        let mut mask = 0;
        for day in 1..=length {
            let by_date =
                self.days & 1 << day != 0 || self.days_from_end & 1 << (length + 1 - day) != 0;
            let on_weekday = self.weekdays & 1 << ((first_weekday + day - 1) % 7) != 0;
            if by_date && on_weekday {
                mask |= 1 << day;
            }
        }
        mask
    }
}

fn shape(first_weekday: u8, length: u8) -> usize {
    usize::from(first_weekday) * 4 + usize::from(length - 28)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Fields {
        Fields {
            weekdays: 0x7f,
            years: [u64::MAX; 4],
            months: 0x1ffe,
            days: !1,
            days_from_end: 0,
            hours: (1 << 24) - 1,
            minutes: (1 << 60) - 1,
            seconds: 1,
        }
    }

    #[test]
    fn years_end_at_2199() {
        let mut fields = every();
        fields.years = [0; 4];
        fields.years[3] = 1 << (2199 - 1970 - 192);
        fields.years[0] = 1 << 5;
        let spec = Spec::new(fields);
        assert_eq!(spec.next_year(1900), Some(1975));
        assert_eq!(spec.next_year(1976), Some(2199));
        assert_eq!(spec.next_year(2200), None);
        // Bits past 2199 (the set's 230th and later) never count.
        let spec = Spec::new(Fields {
            years: [0, 0, 0, u64::MAX << 40],
            ..every()
        });
        assert_eq!(spec.next_year(1970), None);
    }

    #[test]
    fn last_day_and_weekdays_shape_a_month() {
        let spec = Spec::new(Fields {
            days: 0,
            days_from_end: 1 << 1,
            ..every()
        });
        // February 2024 has 29 days; 2023, 28.
        assert_eq!(spec.day_mask(2024, 2), 1 << 29);
        assert_eq!(spec.day_mask(2023, 2), 1 << 28);
        // Sundays (bit 6) of March 2024, which starts on a Friday: 3, 10, 17, 24, 31.
        let sundays = Spec::new(Fields {
            weekdays: 1 << 6,
            ..every()
        });
        assert_eq!(
            sundays.day_mask(2024, 3),
            1 << 3 | 1 << 10 | 1 << 17 | 1 << 24 | 1 << 31
        );
    }
}
