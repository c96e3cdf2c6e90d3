//! One bucket of the limiter's table: a fixed handful of targets behind a
//! lock of their own, and which one gives way when a new target needs room.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::gcra::Gcra;

/// Targets a bucket holds: as many budgets as fit beside the lock on one
/// cache line.
pub(crate) const WAYS: usize = 7;

/// [`WAYS`] targets, known by their keyed hashes (tags), and when each
/// one's budget is whole again.
///
/// The tags and the budgets sit on two cache lines, the budgets with the
/// lock: a ping of a tracked target writes only the second line, so cores
/// pinging different targets of one bucket pass one line between them, not
/// two. The tags are atomics only so that they can live outside the mutex;
/// they are read and written under its lock, like the budgets.
///
/// All zeros is a target with its whole budget, which is what an unused
/// entry must mean: a target whose hash happens to be 0 finds one and starts
/// afresh, as it would anywhere else.
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
    /// A target not in the bucket takes the place of the one that has spent
    /// the least of its budget. One whose budget is whole again is as good
    /// as free, and any other is the one whose loss lets the fewest extra
    /// pings through; targets held at their limit, whose budget is spent
    /// furthest ahead, are the last to go, so one-off pings, however many,
    /// cannot free a runaway check from its limit.
    pub(crate) fn admit(&self, tag: u64, now: u64, rule: Gcra) -> Result<(), u64> {
        // A panic cannot leave a bucket half written: nothing below panics.
        let mut spent_until = self
            .spent_until
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Relaxed: the lock orders every access to the tags.
        let tags = &self.tags.0;
        let slot = match tags.iter().position(|t| t.load(Ordering::Relaxed) == tag) {
            Some(found) => found,
            None => {
                let least_spent = (0..WAYS)
                    .min_by_key(|&slot| spent_until[slot])
                    .expect("a bucket has room");
                tags[least_spent].store(tag, Ordering::Relaxed);
                spent_until[least_spent] = 0;
                least_spent
            }
        };
        spent_until[slot] = rule.admit(spent_until[slot], now)?;
        Ok(())
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

    #[test]
    fn targets_in_one_bucket_have_budgets_of_their_own() {
        let bucket = Bucket::default();
        for tag in 0..WAYS as u64 {
            for _ in 0..5 {
                assert!(bucket.admit(tag, 0, five_a_minute()).is_ok());
            }
            assert!(bucket.admit(tag, 0, five_a_minute()).is_err());
        }
    }

    #[test]
    fn a_runaway_target_stays_limited_through_a_flood_of_one_off_targets() {
        let rule = five_a_minute();
        let bucket = Bucket::default();
        let runaway = 42;
        for _ in 0..5 {
            bucket.admit(runaway, 0, rule).unwrap();
        }
        // A new one-off target every millisecond for the next 11 seconds,
        // the runaway trying again between each.
        for i in 0..11_000 {
            let now = i * SECOND / 1_000;
            assert!(bucket.admit(1_000 + i, now, rule).is_ok());
            assert!(bucket.admit(runaway, now, rule).is_err(), "at {now} ns");
        }
        // Its budget comes back on time, not early and not late.
        assert!(bucket.admit(runaway, 12 * SECOND, rule).is_ok());
    }

    #[test]
    fn the_least_spent_target_gives_way() {
        let rule = five_a_minute();
        let bucket = Bucket::default();
        // Targets 1..=7 fill the bucket, target t having spent t of its 5
        // pings (5 at most): target 1 the least.
        for tag in 1..=WAYS as u64 {
            for _ in 0..tag.min(5) {
                bucket.admit(tag, 0, rule).unwrap();
            }
        }
        bucket.admit(99, 0, rule).unwrap();
        // Target 1 was dropped and starts afresh: a whole budget again.
        for _ in 0..5 {
            assert!(bucket.admit(1, 0, rule).is_ok());
        }
        // Targets 5..=7, at their limit, are still held to it.
        for tag in 5..=WAYS as u64 {
            assert!(bucket.admit(tag, 0, rule).is_err(), "target {tag}");
        }
    }

    // Where std's mutex is one futex word beside the data it guards.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_bucket_is_two_cache_lines() {
        assert_eq!(std::mem::size_of::<Bucket>(), 128);
    }
}
