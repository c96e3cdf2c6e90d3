//! A time zone as Python's `zoneinfo` sees it: which offset a wall time
//! means (by its `fold`), which wall times the clock skips, and which wall
//! time and fold an instant reads.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

use crate::time::civil::Civil;

/// A zone seen through Python's eyes. Methods answer `None` for a wall time
/// outside Python's `datetime` (years 1-9999), where the Python libraries fail, and for
/// an instant outside jiff's range.
#[derive(Clone, Copy)]
pub(crate) struct Zone<'a>(pub(crate) &'a TimeZone);

/// Python's aware `datetime` to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Aware {
    pub(crate) wall: Civil,
    pub(crate) fold: bool,
}

/// The zone of that IANA name in jiff's bundled database, spelled exactly
/// as there, case included, as Python's `zoneinfo` finds it from the
/// `tzdata` package (jiff alone would find names in any case).
pub(crate) fn bundled(name: &str) -> Option<TimeZone> {
    // The bundled database, even if another crate turns on jiff's system
    // one: the answer must not depend on the host.
    TimeZoneDatabase::bundled()
        .get(name)
        .ok()
        .filter(|zone| zone.iana_name() == Some(name))
}

impl Zone<'_> {
    /// The zone's offset from UTC at an instant, in seconds.
    pub(crate) fn offset_at(self, instant: i64) -> Option<i64> {
        let timestamp = Timestamp::from_second(instant).ok()?;
        Some(i64::from(self.0.to_offset(timestamp).seconds()))
    }

    /// How the zone reads a wall time: one offset, a gap the clock skips,
    /// or a fold it repeats (with the offsets before and after).
    pub(crate) fn ambiguity(self, wall: Civil) -> Option<AmbiguousOffset> {
        if !wall.in_python_range() {
            return None;
        }
        let civil = DateTime::new(
            wall.year as i16,
            wall.month as i8,
            wall.day as i8,
            wall.hour as i8,
            wall.minute as i8,
            wall.second as i8,
            0,
        )
        .ok()?;
        Some(self.0.to_ambiguous_timestamp(civil).offset())
    }

    /// The instant a wall time means: `datetime.astimezone(UTC)`.
    #[cfg(feature = "cron")]
    pub(crate) fn instant(self, wall: Civil, fold: bool) -> Option<i64> {
        let offset = match self.ambiguity(wall)? {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Gap { before, after } | AmbiguousOffset::Fold { before, after } => {
                if fold {
                    after
                } else {
                    before
                }
            }
        };
        Some(wall.to_seconds() - i64::from(offset.seconds()))
    }

    /// `wall` moved a minute at a time until the clock does not skip it, as
    /// cronsim moves a fixed-time tick out of a gap (its `is_imaginary`
    /// loop), in one jump to the gap's end.
    #[cfg(feature = "cron")]
    pub(crate) fn past_gap(self, mut wall: i64) -> Option<i64> {
        loop {
            let AmbiguousOffset::Gap { before, after } =
                self.ambiguity(Civil::from_seconds(wall))?
            else {
                return Some(wall);
            };
            let (before, after) = (i64::from(before.seconds()), i64::from(after.seconds()));
            // The gap is [t + before, t + after) on the wall clock, for the
            // transition t with wall - after < t <= wall - before.
            let step = match self.next_transition(wall - after) {
                Some(t) if t <= wall - before => (t + after - wall + 59) / 60 * 60,
                _ => 60,
            };
            wall += step.max(60);
        }
    }

    /// Whether wall time is real time shifted by one offset for every instant
    /// in `from..=to` and every wall time those instants read: no transition
    /// lies in the range, nor close enough for its gap or fold to reach it.
    #[cfg(feature = "cron")]
    pub(crate) fn steady(self, from: i64, to: i64) -> bool {
        // Longer than any clock change (Samoa skipped a day, 24 h).
        const REACH: i64 = 26 * 3600;
        let mut cursor = from.saturating_sub(REACH);
        if Timestamp::from_second(cursor).is_err() {
            return false;
        }
        loop {
            let Some(at) = self.next_transition(cursor) else {
                return true;
            };
            if at - REACH > to {
                return true;
            }
            let (Some(old), Some(new)) = (self.offset_at(at - 1), self.offset_at(at)) else {
                return false;
            };
            let change = (new - old).abs();
            if at + change >= from && at - change <= to {
                return false;
            }
            cursor = at;
        }
    }

    /// The first transition strictly after `instant`.
    pub(crate) fn next_transition(self, instant: i64) -> Option<i64> {
        let from = Timestamp::from_second(instant).ok()?;
        self.0
            .following(from)
            .map(|transition| transition.timestamp().as_second())
            .find(|&at| at > instant)
    }

    /// The wall time and fold of an instant: `UTC -> astimezone(zone)`.
    pub(crate) fn aware(self, instant: i64) -> Option<Aware> {
        let offset = self.offset_at(instant)?;
        let wall = Civil::from_seconds(instant + offset);
        let fold = matches!(
            self.ambiguity(wall)?,
            AmbiguousOffset::Fold { after, .. } if is(after, offset)
        );
        Some(Aware { wall, fold })
    }
}

fn is(offset: Offset, seconds: i64) -> bool {
    i64::from(offset.seconds()) == seconds
}
