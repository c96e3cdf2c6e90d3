//! cronsim's search through real time, step for step, for the rare case a
//! daylight-saving transition lies on its way.
//!
//! cronsim keeps a Python aware `datetime`: a wall time plus `fold` (which
//! copy of a repeated wall time is meant). It moves it two ways: by ticks of
//! real seconds (to UTC, add, back to local, which sets `fold`), and by
//! replacing wall fields (start of the hour, midnight of a later day), which
//! keeps `fold` or resets it and may produce a wall time the clock skips. A
//! skipped or repeated wall time means what Python's `zoneinfo` says: the
//! offset before the transition when `fold` is 0, the one after when it is 1.
//! The jumps of [`wall`](super::wall) would not see any of this, so near a
//! transition we take every step cronsim takes.

use super::expr::Expr;
use super::wall::{self, HORIZON_YEARS};
use crate::time::calendar::days_in_month;
use crate::time::civil::Civil;
use crate::time::zone::{Aware, Zone};

/// The first tick strictly after `after` (seconds since the epoch), found as
/// cronsim finds it in real time, iterating again when it answers a tick at or
/// before `after` (started in the second copy of a repeated hour).
pub(super) fn next_after(expr: &Expr, zone: Zone<'_>, after: i64) -> Option<i64> {
    let mut search = Search {
        expr,
        zone,
        now: zone.aware(after)?,
    };
    let mut previous = None;
    loop {
        match search.next() {
            Step::Found => {}
            Step::Exhausted => return None,
            Step::Circling => return first_real_minute(expr, zone, after),
        }
        let instant = zone.instant(search.now.wall, search.now.fold)?;
        if instant > after {
            return Some(instant);
        }
        // Ticks that stop moving forward come round again: cronsim would
        // iterate forever.
        if previous.is_some_and(|previous| instant <= previous) {
            return first_real_minute(expr, zone, after);
        }
        previous = Some(instant);
    }
}

/// How one of cronsim's `__next__` calls ends.
enum Step {
    /// A tick, in `Search::now`.
    Found,
    /// No tick within the horizon (or Python's years): `StopIteration`.
    Exhausted,
    /// The search came back to a state it was in, so it would never end:
    /// stepping into the second copy of a repeated span that does not start
    /// on the hour (Chatham, Lord Howe) or crosses midnight (St John's before
    /// 2011), "back to minute 0" or "back to midnight" lands in the first
    /// copy, before the span.
    Circling,
}

/// The first instant after `after` at which the zone's clock reads a
/// matching minute: what real-time stepping means, found one stretch of
/// constant offset at a time.
fn first_real_minute(expr: &Expr, zone: Zone<'_>, after: i64) -> Option<i64> {
    let mut from = after + 1;
    loop {
        let offset = zone.offset_at(from)?;
        let found = wall::next_match(expr, Civil::from_seconds(from + offset))?;
        let instant = found.to_seconds() - offset;
        match zone.next_transition(from) {
            Some(end) if instant >= end => from = end,
            _ => return Some(instant),
        }
    }
}

/// cronsim's iterator state.
struct Search<'a> {
    expr: &'a Expr,
    zone: Zone<'a>,
    now: Aware,
}

impl Search<'_> {
    fn tick(&mut self, seconds: i64) -> Option<()> {
        let instant = self.zone.instant(self.now.wall, self.now.fold)?;
        self.now = self.zone.aware(instant + seconds)?;
        Some(())
    }

    /// `datetime.combine(day, time())`: midnight, fold 0.
    fn midnight(&mut self, year: i32, month: u8, day: u8) {
        self.now = Aware {
            wall: Civil::midnight(year, month, day),
            fold: false,
        };
    }

    /// One `__next__`: a second forward, then fields until all match.
    fn next(&mut self) -> Step {
        if self.tick(1).is_none() {
            return Step::Exhausted;
        }
        let start_year = self.now.wall.year;
        // Brent's cycle detection over the states each round starts from:
        // one saved state, compared every round, saved anew at powers of two.
        let (mut saved, mut power, mut rounds) = (self.now, 1u32, 0u32);
        loop {
            self.advance_month();
            if !self.now.wall.in_python_range() || self.now.wall.year > start_year + HORIZON_YEARS {
                return Step::Exhausted;
            }
            let advanced = (|| {
                Some(
                    self.advance_day()
                        || self.advance_hour()?
                        || self.advance_minute()?
                        || self.advance_second()?,
                )
            })();
            match advanced {
                None => return Step::Exhausted,
                Some(false) => return Step::Found,
                Some(true) => {}
            }
            if self.now == saved {
                return Step::Circling;
            }
            rounds += 1;
            if rounds == power {
                (saved, power, rounds) = (self.now, power.saturating_mul(2), 0);
            }
        }
    }

    fn advance_month(&mut self) {
        let Civil {
            mut year,
            mut month,
            ..
        } = self.now.wall;
        if self.expr.has_month(month) {
            return;
        }
        while !self.expr.has_month(month) {
            month += 1;
            if month > 12 {
                (year, month) = (year + 1, 1);
            }
        }
        self.midnight(year, month, 1);
    }

    /// Days are plain dates, so jumping to the next matching day of the month
    /// is what stepping one day at a time finds.
    fn advance_day(&mut self) -> bool {
        let Civil {
            year, month, day, ..
        } = self.now.wall;
        let later = self.expr.day_mask(year, month) >> day << day;
        if later & 1 << day != 0 {
            return false;
        }
        let later = later & !(1 << day);
        if later != 0 {
            self.midnight(year, month, later.trailing_zeros() as u8);
        } else if month == 12 {
            self.midnight(year + 1, 1, 1);
        } else {
            debug_assert!(day <= days_in_month(year, month));
            self.midnight(year, month + 1, 1);
        }
        true
    }

    fn advance_hour(&mut self) -> Option<bool> {
        if self.expr.has_hour(self.now.wall.hour) {
            return Some(false);
        }
        // `replace(minute=0, second=0)` keeps fold.
        self.now.wall.minute = 0;
        self.now.wall.second = 0;
        loop {
            self.tick(3600)?;
            let hour = self.now.wall.hour;
            if self.expr.has_hour(hour) || hour == 0 {
                return Some(true);
            }
        }
    }

    fn advance_minute(&mut self) -> Option<bool> {
        let minute = self.now.wall.minute;
        if self.expr.has_minute(minute) {
            return Some(false);
        }
        self.now.wall.second = 0;
        if self.expr.minutes.count_ones() == 1 {
            let target = self.expr.minutes.trailing_zeros() as i64;
            self.tick((target - i64::from(minute)).rem_euclid(60) * 60)?;
        }
        loop {
            let minute = self.now.wall.minute;
            if self.expr.has_minute(minute) {
                return Some(true);
            }
            self.tick(60)?;
            if self.now.wall.minute == 0 {
                return Some(true);
            }
        }
    }

    fn advance_second(&mut self) -> Option<bool> {
        let second = self.now.wall.second;
        if second == 0 {
            return Some(false);
        }
        self.tick(60 - i64::from(second))?;
        while self.now.wall.second != 0 {
            self.tick(1)?;
        }
        Some(true)
    }
}
