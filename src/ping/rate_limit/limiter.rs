//! [`RateLimiter`]: a fixed-size table of targets and their budgets, in
//! buckets that each have a lock of their own.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::mem::size_of;
use std::time::{Duration, Instant};

use super::bucket::{Bucket, WAYS};
use super::gcra::Gcra;
use super::RateLimit;
use crate::request::grammar::Target;

/// Enforces a [`RateLimit`]: says whether a ping of a target may go
/// through at a given moment, and counts it if so.
///
/// The layer makes one when given a [`RateLimit`], shares it between every
/// service it makes, and reads the clock for it. It is public so that it can
/// be tested with a clock of your own and benchmarked on its own: `now` is
/// any monotonic time from a fixed origin, such as [`RateLimiter::now`].
///
/// ```
/// use std::time::Duration;
/// use tower_ping::{RateDecision, RateLimit, RateLimiter, Target};
///
/// let limiter = RateLimiter::new(RateLimit::new(2, Duration::from_secs(60)));
/// let check = Target::Uuid("5ca1ab1e-0000-4000-8000-00000000c0de".parse().unwrap());
/// let at = |seconds| Duration::from_secs(seconds);
/// assert_eq!(limiter.check(check, at(0)), RateDecision::Allowed);
/// assert_eq!(limiter.check(check, at(1)), RateDecision::Allowed);
/// assert_eq!(
///     limiter.check(check, at(2)),
///     RateDecision::Limited { retry_after: at(28) }
/// );
/// // One ping comes back every 30 s.
/// assert_eq!(limiter.check(check, at(30)), RateDecision::Allowed);
/// ```
pub struct RateLimiter {
    limit: RateLimit,
    rule: Gcra,
    /// The keys of the targets' hashes, drawn at random for this limiter.
    uuid_keys: RandomState,
    slug_keys: RandomState,
    buckets: Box<[Bucket]>,
    /// Where [`RateLimiter::now`] counts from.
    origin: Instant,
}

/// Whether a ping may go through.
///
/// Non-exhaustive: a `match` on it needs a wildcard arm, so that other
/// decisions can be added without breaking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateDecision {
    /// Within its target's limit: counted, and on its way.
    Allowed,
    /// Over its target's limit: not counted, and to be answered at once.
    Limited {
        /// How long until a ping of this target would be let through.
        retry_after: Duration,
    },
}

impl RateLimiter {
    /// A limiter holding every target to `limit`, its table allocated now.
    pub fn new(limit: RateLimit) -> Self {
        let buckets = buckets_for(limit.tracked_keys);
        Self {
            rule: Gcra::new(limit.pings, limit.window),
            limit,
            uuid_keys: RandomState::new(),
            slug_keys: RandomState::new(),
            buckets: (0..buckets).map(|_| Bucket::default()).collect(),
            origin: Instant::now(),
        }
    }

    /// Decides on a ping of `target` at `now`, and counts it if it is
    /// allowed. `now` should not go backwards: a ping dated before one
    /// already counted is judged as if less time had passed, so more
    /// strictly, never more leniently.
    pub fn check(&self, target: Target<'_>, now: Duration) -> RateDecision {
        let tag = self.tag(target);
        // The bucket from the hash by multiplying rather than dividing: any
        // number of buckets will do.
        let bucket = (u128::from(tag) * self.buckets.len() as u128) >> 64;
        let now = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
        let verdict = self.buckets[bucket as usize].admit(tag, now, self.rule);
        match verdict {
            Ok(()) => RateDecision::Allowed,
            Err(wait) => RateDecision::Limited {
                retry_after: Duration::from_nanos(wait),
            },
        }
    }

    /// The time since this limiter was made, from the monotonic clock: what
    /// the layer passes to [`check`](Self::check).
    pub fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// How many targets the table holds: [`RateLimit::tracked_keys`],
    /// rounded up to whole buckets.
    pub fn tracked_keys(&self) -> usize {
        self.buckets.len() * WAYS
    }

    /// The bytes the limiter takes, its table included: fixed when it is
    /// made, whatever it is asked afterwards.
    ///
    /// Not counted: the `Arc` the layer keeps it in adds its two reference
    /// counts (16 bytes on 64-bit targets), and the allocator its own
    /// bookkeeping for the two allocations.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>() + self.buckets.len() * size_of::<Bucket>()
    }

    /// The setting this limiter enforces.
    pub fn limit(&self) -> &RateLimit {
        &self.limit
    }

    /// The target's keyed hash, each form with a key of its own, so that no
    /// UUID and no ping key and slug can be made to count as one another.
    fn tag(&self, target: Target<'_>) -> u64 {
        match target {
            Target::Uuid(uuid) => self.uuid_keys.hash_one(uuid.as_u128()),
            // Each string is hashed with its end marked: no two splits of the
            // same characters into ping key and slug hash alike.
            Target::Slug { ping_key, slug } => self.slug_keys.hash_one((ping_key, slug)),
        }
    }
}

/// The buckets a table of `keys` targets takes: at least one.
fn buckets_for(keys: usize) -> usize {
    keys.div_ceil(WAYS).max(1)
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("tracked_keys", &self.tracked_keys())
            .field("memory_bytes", &self.memory_bytes())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuid(n: u128) -> Target<'static> {
        Target::Uuid(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn the_two_forms_and_every_ping_key_and_slug_split_count_apart() {
        let limiter = RateLimiter::new(RateLimit::new(1, Duration::from_secs(60)));
        let now = Duration::ZERO;
        for target in [
            uuid(7),
            Target::Slug {
                ping_key: "ab",
                slug: "c",
            },
            Target::Slug {
                ping_key: "a",
                slug: "bc",
            },
        ] {
            assert_eq!(limiter.check(target, now), RateDecision::Allowed);
            assert!(matches!(
                limiter.check(target, now),
                RateDecision::Limited { .. }
            ));
        }
    }

    #[test]
    fn the_table_is_rounded_up_to_whole_buckets() {
        let limit = RateLimit::new(5, Duration::from_secs(60));
        let limiter = RateLimiter::new(limit.clone().tracked_keys(1_000));
        assert_eq!(limiter.tracked_keys(), 143 * 7);
        let limiter = RateLimiter::new(limit.clone().tracked_keys(0));
        assert_eq!(limiter.tracked_keys(), 7);
        let limiter = RateLimiter::new(limit);
        assert_eq!(limiter.tracked_keys(), 65_541);
        assert_eq!(
            limiter.memory_bytes(),
            size_of::<RateLimiter>() + 65_541 / 7 * size_of::<Bucket>()
        );
    }

    #[test]
    fn the_largest_table_is_about_300_mb() {
        // Worked out rather than allocated.
        let buckets = buckets_for(RateLimit::MAX_TRACKED_KEYS);
        assert_eq!(buckets * WAYS, 16_777_222);
        // Where a bucket is two cache lines (see the bucket's tests).
        if cfg!(target_os = "linux") {
            assert_eq!(buckets * size_of::<Bucket>(), 306_783_488);
        }
    }

    #[test]
    fn a_flood_of_distinct_targets_reaches_every_bucket() {
        let limiter =
            RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)).tracked_keys(7 * 64));
        for n in 0..10_000 {
            limiter.check(uuid(n), Duration::ZERO);
        }
        assert!(limiter.buckets.iter().all(|bucket| !bucket.is_untouched()));
    }
}
