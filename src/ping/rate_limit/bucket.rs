//! One bucket of the limiter's table: a fixed handful of targets behind a
//! lock of their own, and which one gives way when a new target needs room.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::gcra::Gcra;

/// Targets a bucket holds: as many budgets as fit beside the lock on one
/// cache line.
pub(crate) const WAYS: usize = 7;

/// The bit of a tag that marks a target turned away: set when one of its
/// pings is, cleared once its budget has been whole again for a whole
/// window. The other 63 bits are the target's keyed hash.
const TURNED_AWAY: u64 = 1;

/// [`WAYS`] targets, known by their keyed hashes (tags), and when each
/// one's budget is whole again.
///
/// The tags and the budgets sit on two cache lines, the budgets with the
/// lock: a ping of a tracked target writes only the second line (the first
/// too when it changes the target's mark, which a target pinging steadily
/// does not), so cores pinging different targets of one bucket pass one
/// line between them, not two. The tags are atomics only so that they can live
/// outside the mutex; they are read and written under its lock, like the
/// budgets.
///
/// All zeros is a target with its whole budget, never turned away, which
/// is what an unused entry must mean: a target whose hash happens to be 0
/// (or 1) finds one and starts afresh, as it would anywhere else.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    tags: Tags,
    spent_until: SpentUntil,
}

#[derive(Debug, Default)]
#[repr(align(64))]
struct Tags([AtomicU64; WAYS]);

#[derive(Debug, Default)]
#[repr(align(64))]
struct SpentUntil(Mutex<[u64; WAYS]>);

impl Bucket {
    /// Holds the target `tag` to `rule` at `now`: `Ok` if the ping is let
    /// through, `Err` with the nanoseconds until one would be.
    ///
    /// A target not in the bucket takes the place of another, chosen so
    /// that forgetting lets the fewest pings through that should not be:
    ///
    /// - first a target that has not been turned away (since it last rested
    ///   a whole window), the one that has spent the least of its budget:
    ///   one whose budget is whole again is as good as free;
    /// - only if every target of the bucket has been turned away, the one
    ///   of them that has spent the least.
    ///
    /// A one-off ping is never turned away, so one-off pings, however many,
    /// cannot free a target held at its limit, whatever `N` (with `N` of 1
    /// a runaway just let through has spent no more than a one-off has, so
    /// what it has spent cannot tell them apart; having been turned away
    /// does). A runaway keeps its mark while it keeps trying: it loses it
    /// only when it has sent nothing for a whole window after its budget
    /// came back.
    pub(crate) fn admit(&self, tag: u64, now: u64, rule: Gcra) -> Result<(), u64> {
        let tag = tag & !TURNED_AWAY;
        // A panic cannot leave a bucket half written: nothing below panics.
        let mut spent_until = self
            .spent_until
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Relaxed: the lock orders every access to the tags.
        let tags = &self.tags.0;
        // Whether the target in `slot` is marked turned away and has not
        // rested since.
        let held = |slot: usize, spent_until: u64| {
            tags[slot].load(Ordering::Relaxed) & TURNED_AWAY != 0 && !rule.rested(spent_until, now)
        };
        let slot = match tags
            .iter()
            .position(|t| t.load(Ordering::Relaxed) & !TURNED_AWAY == tag)
        {
            Some(found) => found,
            None => {
                let gives_way = (0..WAYS)
                    .min_by_key(|&slot| (held(slot, spent_until[slot]), spent_until[slot]))
                    .expect("a bucket has room");
                tags[gives_way].store(tag, Ordering::Relaxed);
                spent_until[gives_way] = 0;
                gives_way
            }
        };
        let was_held = held(slot, spent_until[slot]);
        let verdict = rule.admit(spent_until[slot], now);
        let is_held = match verdict {
            Ok(after) => {
                spent_until[slot] = after;
                was_held
            }
            Err(_) => true,
        };
        // Written only when the mark changes: see the type's docs.
        if is_held != (tags[slot].load(Ordering::Relaxed) & TURNED_AWAY != 0) {
            let mark = if is_held { TURNED_AWAY } else { 0 };
            tags[slot].store(tag | mark, Ordering::Relaxed);
        }
        verdict.map(drop)
    }

    /// Whether no target was ever put in this bucket.
    #[cfg(test)]
    pub(crate) fn is_untouched(&self) -> bool {
        self.tags.0.iter().all(|t| t.load(Ordering::Relaxed) == 0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn five_a_minute() -> Gcra {
        Gcra::new(5, Duration::from_secs(60))
    }

    /// The tag of target `n`: distinct for every `n`, the mark bit clear.
    fn target(n: u64) -> u64 {
        n << 1
    }

    #[test]
    fn targets_in_one_bucket_have_budgets_of_their_own() {
        let bucket = Bucket::default();
        for tag in (0..WAYS as u64).map(target) {
            for _ in 0..5 {
                assert!(bucket.admit(tag, 0, five_a_minute()).is_ok());
            }
            assert!(bucket.admit(tag, 0, five_a_minute()).is_err());
        }
    }

    #[test]
    fn the_mark_bit_is_not_part_of_a_target() {
        let bucket = Bucket::default();
        for _ in 0..5 {
            assert!(bucket.admit(target(3), 0, five_a_minute()).is_ok());
        }
        assert!(bucket
            .admit(target(3) | TURNED_AWAY, 0, five_a_minute())
            .is_err());
    }

    #[test]
    fn a_runaway_target_stays_limited_through_a_flood_of_one_off_targets() {
        let rule = five_a_minute();
        let bucket = Bucket::default();
        let runaway = target(42);
        for _ in 0..5 {
            bucket.admit(runaway, 0, rule).unwrap();
        }
        // A new one-off target every millisecond for the next 11 seconds,
        // the runaway trying again between each.
        for i in 0..11_000 {
            let now = i * SECOND / 1_000;
            assert!(bucket.admit(target(1_000 + i), now, rule).is_ok());
            assert!(bucket.admit(runaway, now, rule).is_err(), "at {now} ns");
        }
        // Its budget comes back on time, not early and not late.
        assert!(bucket.admit(runaway, 12 * SECOND, rule).is_ok());
    }

    /// A runaway trying every 100 ms for `seconds`, and after its `i`th
    /// try `one_offs(i)` new targets, each pinging once. Returns when the
    /// runaway was let through, in tenths of a second.
    fn runaway_in_a_flood(rule: Gcra, seconds: u64, one_offs: impl Fn(u64) -> u64) -> Vec<u64> {
        let bucket = Bucket::default();
        let runaway = target(42);
        let mut next_one_off = 1_000;
        let mut let_through = Vec::new();
        for tenth in 0..seconds * 10 {
            let now = tenth * SECOND / 10;
            if bucket.admit(runaway, now, rule).is_ok() {
                let_through.push(tenth);
            }
            for _ in 0..one_offs(tenth) {
                assert!(bucket.admit(target(next_one_off), now, rule).is_ok());
                next_one_off += 1;
            }
        }
        let_through
    }

    /// When a target trying every 100 ms for `seconds` is let through if
    /// it is never forgotten, in tenths of a second.
    fn never_forgotten(rule: Gcra, seconds: u64) -> Vec<u64> {
        let mut spent_until = 0;
        (0..seconds * 10)
            .filter(|tenth| match rule.admit(spent_until, tenth * SECOND / 10) {
                Ok(after) => {
                    spent_until = after;
                    true
                }
                Err(_) => false,
            })
            .collect()
    }

    #[test]
    fn with_n_of_1_a_runaway_gets_exactly_its_budget_through_one_offs() {
        // One a minute. A runaway just let through has spent as much as a
        // one-off arriving after it; it is held because it was turned away.
        let rule = Gcra::new(1, Duration::from_secs(60));
        assert_eq!(runaway_in_a_flood(rule, 60, |_| 1), [0]);
        let ten_minutes = runaway_in_a_flood(rule, 600, |_| 1);
        assert_eq!(
            ten_minutes,
            [0, 600, 1_200, 1_800, 2_400, 3_000, 3_600, 4_200, 4_800, 5_400]
        );
        assert_eq!(ten_minutes, never_forgotten(rule, 600));
    }

    #[test]
    fn with_n_of_2_a_runaway_gets_exactly_its_budget_through_one_offs() {
        // Two a minute: two at once, then one every 30 s.
        let rule = Gcra::new(2, Duration::from_secs(60));
        assert_eq!(runaway_in_a_flood(rule, 60, |_| 1), [0, 1, 300]);
        let ten_minutes = runaway_in_a_flood(rule, 600, |_| 1);
        assert_eq!(ten_minutes.len(), 2 + 19);
        assert_eq!(ten_minutes, never_forgotten(rule, 600));
    }

    #[test]
    fn once_turned_away_a_runaway_is_held_through_more_one_offs_than_a_bucket_holds() {
        // Twice as many one-offs after each try as the bucket has room
        // for, from the runaway's first turn-away on: the bucket turns over
        // between its tries, and it keeps its place, also in the instants
        // when its budget has just come back.
        for pings in [1, 2, 5] {
            let rule = Gcra::new(pings, Duration::from_secs(60));
            let flood = |tenth| {
                if tenth < u64::from(pings) {
                    0
                } else {
                    2 * WAYS as u64
                }
            };
            assert_eq!(
                runaway_in_a_flood(rule, 600, flood),
                never_forgotten(rule, 600),
                "N = {pings}"
            );
        }
    }

    #[test]
    fn a_target_that_rested_a_whole_window_loses_its_mark() {
        let rule = five_a_minute();
        let bucket = Bucket::default();
        let once_limited = target(1);
        for _ in 0..5 {
            bucket.admit(once_limited, 0, rule).unwrap();
        }
        assert!(bucket.admit(once_limited, 0, rule).is_err());
        // 200 s later, its budget whole since 60 s: it pings once, and six
        // others twice, so that it has spent the least.
        let now = 200 * SECOND;
        bucket.admit(once_limited, now, rule).unwrap();
        for tag in (2..WAYS as u64 + 1).map(target) {
            bucket.admit(tag, now, rule).unwrap();
            bucket.admit(tag, now, rule).unwrap();
        }
        // A new target takes its place: it was forgotten, and has a whole
        // budget again, not the four pings it had left.
        bucket.admit(target(99), now, rule).unwrap();
        for _ in 0..5 {
            assert!(bucket.admit(once_limited, now, rule).is_ok());
        }
    }

    #[test]
    fn with_n_of_1_a_target_turned_away_gives_way_after_every_other() {
        let rule = Gcra::new(1, Duration::from_secs(60));
        let bucket = Bucket::default();
        let runaway = target(1);
        bucket.admit(runaway, 0, rule).unwrap();
        assert!(bucket.admit(runaway, SECOND, rule).is_err());
        // Six others arriving later have spent more of their budgets than
        // it has (its is spent until 60 s, theirs until 62 s), and so does
        // every one-off after them; it is kept because it was turned away.
        for n in 2..=WAYS as u64 {
            bucket.admit(target(n), 2 * SECOND, rule).unwrap();
        }
        for n in 0..100 {
            bucket.admit(target(100 + n), 3 * SECOND, rule).unwrap();
            assert!(
                bucket.admit(runaway, 3 * SECOND, rule).is_err(),
                "after {n}"
            );
        }
    }

    #[test]
    fn the_least_spent_target_gives_way() {
        let rule = five_a_minute();
        let bucket = Bucket::default();
        // Targets 1..=7 fill the bucket, target t having spent t of its 5
        // pings (5 at most): target 1 the least.
        for n in 1..=WAYS as u64 {
            for _ in 0..n.min(5) {
                bucket.admit(target(n), 0, rule).unwrap();
            }
        }
        bucket.admit(target(99), 0, rule).unwrap();
        // Target 1 was dropped and starts afresh: a whole budget again.
        for _ in 0..5 {
            assert!(bucket.admit(target(1), 0, rule).is_ok());
        }
        // Targets 5..=7, at their limit, are still held to it.
        for n in 5..=WAYS as u64 {
            assert!(bucket.admit(target(n), 0, rule).is_err(), "target {n}");
        }
    }

    // Where std's mutex is one futex word beside the data it guards.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_bucket_is_two_cache_lines() {
        assert_eq!(std::mem::size_of::<Bucket>(), 128);
    }
}
