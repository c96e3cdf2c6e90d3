//! [`RateLimiter`]: a fixed-size table of targets and their budgets, split
//! into shards that each have a lock of their own.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::mem::size_of;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::bucket::{Bucket, WAYS};
use super::gcra::Gcra;
use super::RateLimit;
use crate::grammar::Target;

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
    shards: Box<[Shard]>,
    buckets_per_shard: usize,
    /// Where [`RateLimiter::now`] counts from.
    origin: Instant,
}

/// One shard: a lock and its buckets, the lock on a cache line of its own
/// so that pings taking neighbouring locks do not slow each other.
#[repr(align(64))]
struct Shard(Mutex<Box<[Bucket]>>);

/// Whether a ping may go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        let shards = limit.shards;
        let buckets = limit.tracked_keys.div_ceil(WAYS);
        let buckets_per_shard = buckets.div_ceil(shards).max(1);
        let shards = (0..shards)
            .map(|_| {
                Shard(Mutex::new(
                    vec![Bucket::default(); buckets_per_shard].into(),
                ))
            })
            .collect();
        Self {
            rule: Gcra::new(limit.pings, limit.window),
            limit,
            uuid_keys: RandomState::new(),
            slug_keys: RandomState::new(),
            shards,
            buckets_per_shard,
            origin: Instant::now(),
        }
    }

    /// Decides on a ping of `target` at `now`, and counts it if it is
    /// allowed. `now` should not go backwards: a ping dated before one
    /// already counted is judged as if less time had passed, so more
    /// strictly, never more leniently.
    pub fn check(&self, target: Target<'_>, now: Duration) -> RateDecision {
        let tag = self.tag(target);
        // The hash's two halves pick the shard and the bucket in it, by
        // multiplying rather than dividing: any count of either will do.
        let shard = ((tag >> 32) * self.shards.len() as u64) >> 32;
        let bucket = ((tag & u64::from(u32::MAX)) * self.buckets_per_shard as u64) >> 32;
        let now = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
        // A panic cannot leave a bucket half written: nothing in it panics.
        let verdict = self.shards[shard as usize]
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)[bucket as usize]
            .admit(tag, now, self.rule);
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
    /// rounded up to whole buckets in every shard.
    pub fn tracked_keys(&self) -> usize {
        self.shards.len() * self.buckets_per_shard * WAYS
    }

    /// The bytes the limiter takes, its table included: fixed when it is
    /// made, whatever it is asked afterwards.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.shards.len()
                * (size_of::<Shard>() + self.buckets_per_shard * size_of::<Bucket>())
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
    fn the_table_is_rounded_up_to_whole_buckets_in_every_shard() {
        let limit = RateLimit::new(5, Duration::from_secs(60));
        let limiter = RateLimiter::new(limit.clone().tracked_keys(1_000).shards(16));
        assert_eq!(limiter.tracked_keys(), 16 * 8 * 8);
        let limiter = RateLimiter::new(limit.clone().tracked_keys(0).shards(0));
        assert_eq!(limiter.tracked_keys(), 8);
        let limiter = RateLimiter::new(limit);
        assert_eq!(limiter.tracked_keys(), 65_536);
        assert_eq!(
            limiter.memory_bytes(),
            size_of::<RateLimiter>() + 64 * 64 + 65_536 * 16
        );
    }

    #[test]
    fn a_flood_of_distinct_targets_uses_every_shard() {
        let limiter = RateLimiter::new(
            RateLimit::new(5, Duration::from_secs(60))
                .tracked_keys(64 * 8)
                .shards(64),
        );
        for n in 0..10_000 {
            limiter.check(uuid(n), Duration::ZERO);
        }
        let used = limiter
            .shards
            .iter()
            .filter(|shard| shard.0.lock().unwrap()[0] != Bucket::default())
            .count();
        assert_eq!(used, 64);
    }
}
