//! The clock a line is read on: its zone, and what a matching wall time
//! means there. The library searches the naive wall clock and reads a match
//! with `fold=0`, so a wall time the clock skips never runs and a repeated
//! one runs in its first copy only.

use jiff::tz::{AmbiguousOffset, TimeZone};

use super::search::next_match;
use super::spec::Spec;
use crate::time::civil::Civil;
use crate::time::zone::Zone;

/// More clock changes than any zone has before 2200, for the loop that steps
/// over them.
const MAX_CHANGES: usize = 2_000;

/// A line's zone, with its offset when the zone has only one (UTC,
/// `Etc/GMT+5`): wall time is then real time shifted.
#[derive(Clone)]
pub(super) struct Clock {
    zone: TimeZone,
    fixed_offset: Option<i64>,
}

impl Clock {
    pub(super) fn new(zone: TimeZone) -> Self {
        let fixed_offset = zone
            .to_fixed_offset()
            .ok()
            .map(|offset| i64::from(offset.seconds()));
        Clock { zone, fixed_offset }
    }

    /// The first instant strictly after `after` (seconds since the epoch)
    /// at which this clock reads a wall time `spec` matches, counting a
    /// repeated wall time once, in its first copy, and a skipped one never.
    pub(super) fn next_after(&self, spec: &Spec, after: i64) -> Option<i64> {
        if let Some(offset) = self.fixed_offset {
            let start = Civil::from_seconds(after.checked_add(offset + 1)?);
            return Some(next_match(spec, start)?.to_seconds() - offset);
        }
        let zone = Zone(&self.zone);
        let now = zone.aware(after)?;
        let mut from = now.wall.to_seconds() + 1;
        if now.fold {
            // `after` is in the second copy of a repeated span: what is left
            // of the span on the wall clock means its first copy, before
            // `after`, so the search starts at the span's end.
            if let Some(AmbiguousOffset::Fold { before, .. }) = zone.ambiguity(now.wall) {
                from = from.max(fold_end(zone, now.wall.to_seconds(), seconds(before))?);
            }
        }
        for _ in 0..MAX_CHANGES {
            let wall = next_match(spec, Civil::from_seconds(from))?;
            let at = wall.to_seconds();
            match zone.ambiguity(wall)? {
                AmbiguousOffset::Unambiguous { offset } => return Some(at - seconds(offset)),
                AmbiguousOffset::Fold { before, .. } => {
                    let instant = at - seconds(before);
                    if instant > after {
                        return Some(instant);
                    }
                    from = fold_end(zone, at, seconds(before))?;
                }
                // Skipped: the library steps a second at a time to the gap's
                // end and searches on from there.
                AmbiguousOffset::Gap { after, .. } => from = gap_end(zone, at, seconds(after))?,
            }
        }
        None
    }
}

fn seconds(offset: jiff::tz::Offset) -> i64 {
    i64::from(offset.seconds())
}

/// The wall time just past the repeated span holding `wall`, whose first
/// copy has the offset `before`: the span is `[t + after, t + before)` for
/// the change at `t`, the first change after `wall - before`.
fn fold_end(zone: Zone<'_>, wall: i64, before: i64) -> Option<i64> {
    Some(zone.next_transition(wall - before)? + before)
}

/// The wall time just past the skipped span holding `wall`, after which the
/// offset is `after`: the gap is `[t + before, t + after)` for the change at
/// `t`, the first change after `wall - after`.
fn gap_end(zone: Zone<'_>, wall: i64, after: i64) -> Option<i64> {
    Some(zone.next_transition(wall - after)? + after)
}
