//! One bucket of the limiter's table: a fixed handful of targets, and which
//! one gives way when a new target needs room.

use super::gcra::Gcra;

/// Targets a bucket holds.
pub(crate) const WAYS: usize = 8;

/// A target, known by its keyed hash, and when its budget is whole again.
///
/// All zeros is a target with its whole budget, which is what an unused
/// entry must mean: a target whose hash happens to be 0 finds it and starts
/// afresh, as it would anywhere else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Entry {
    tag: u64,
    spent_until: u64,
}

/// [`WAYS`] entries on two cache lines of their own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(align(64))]
pub(crate) struct Bucket([Entry; WAYS]);

impl Bucket {
    /// Holds the target `tag` to `rule` at `now`: `Ok` if the ping is let
    /// through, `Err` with the nanoseconds until one would be.
    ///
    /// A target not in the bucket takes the place of the entry that has
    /// spent the least of its budget. An entry whose budget is whole again
    /// is as good as free, and any other is the one whose loss lets the
    /// fewest extra pings through; targets held at their limit, whose
    /// budget is spent furthest ahead, are the last to go, so one-off pings,
    /// however many, cannot free a runaway check from its limit.
    pub(crate) fn admit(&mut self, tag: u64, now: u64, rule: Gcra) -> Result<(), u64> {
        let entry = match self.0.iter().position(|entry| entry.tag == tag) {
            Some(found) => &mut self.0[found],
            None => {
                let least_spent = self
                    .0
                    .iter_mut()
                    .min_by_key(|entry| entry.spent_until)
                    .expect("a bucket has entries");
                *least_spent = Entry {
                    tag,
                    spent_until: 0,
                };
                least_spent
            }
        };
        entry.spent_until = rule.admit(entry.spent_until, now)?;
        Ok(())
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
        let mut bucket = Bucket::default();
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
        let mut bucket = Bucket::default();
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
        let mut bucket = Bucket::default();
        // Targets 1..=8 fill the bucket, target t having spent t of its 5
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
        // Targets 5..=8, at their limit, are still held to it.
        for tag in 5..=WAYS as u64 {
            assert!(bucket.admit(tag, 0, rule).is_err(), "target {tag}");
        }
    }
}
