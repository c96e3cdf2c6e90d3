//! The per-target rate limit (SPEC section 10): [`RateLimit`], the setting,
//! and [`RateLimiter`], the bounded table that enforces it.

mod bucket;
mod gcra;
mod limiter;

use std::time::Duration;

pub use limiter::{RateDecision, RateLimiter};

/// `N` pings per window for each target, set with
/// [`PingLayer::rate_limit`](crate::PingLayer::rate_limit): a runaway cron
/// line or retry loop cannot flood the store.
///
/// A target is what a ping path names: a check's UUID, or a ping key and
/// slug. A ping over its target's limit is answered at once, and nothing is
/// recorded: `200 OK (rate-limited)` for the UUID form (so that `curl -f` in
/// a cron line does not fail the job over it), `429 rate limited` with
/// `Retry-After` for the slug form.
///
/// ```
/// use std::time::Duration;
/// use tower_ping::{MemoryStore, PingLayer, RateLimit};
///
/// // 5 pings a minute per target, about what hc-ping.com allows.
/// let layer = PingLayer::new(MemoryStore::new())
///     .rate_limit(RateLimit::new(5, Duration::from_secs(60)).tracked_keys(100_000));
/// ```
///
/// # What `N` per window means
///
/// Each target holds a budget of `N` pings. A ping let through spends one,
/// and one comes back every window / `N`, up to `N`; a ping turned away
/// spends nothing (the generic cell rate algorithm, GCRA). So a target can
/// send `N` pings at once and then one every window / `N`. A target that
/// pings no faster than that is never limited; over any stretch of time
/// `t`, at most `N + ⌊t × N / window⌋` pings of one target get through,
/// which is up to `2N` within one window (a whole budget, then its refill).
/// The window is rounded down to a whole number of nanoseconds per ping.
///
/// What counts: every ping that passes the method, grammar and `rid` checks,
/// whatever it is answered next (`404`, `503`, ...). Requests answered
/// `405` or `400` before that do not count, and requests that are not pings
/// never reach the limiter. Every signal of a target spends the same budget
/// (success, `/start`, `/fail`, `/log`, exit statuses). The UUID form and
/// the slug form of one check have budgets of their own: the layer limits
/// before it asks the store which check a path names.
///
/// # Memory, and what forgetting a target lets through
///
/// The limiter tracks at most [`tracked_keys`](Self::tracked_keys) targets
/// (65,536 unless set, [`MAX_TRACKED_KEYS`](Self::MAX_TRACKED_KEYS) at
/// most), in a table made when the layer is built and never
/// grown, whatever the traffic: buckets of 7 targets in 128 bytes, about
/// 18 bytes a target, each bucket behind a lock of its own, so that
/// concurrent pings wait for each other only when their targets share a
/// bucket. A target is known by a keyed hash (SipHash, with random keys
/// drawn for each limiter), which also picks its bucket, so a client cannot
/// choose targets that crowd one part of the table.
///
/// When a new target needs room, the one that gives way is chosen so that
/// forgetting lets through as little as it can. A target is marked when a
/// ping of it is turned away, and keeps the mark until it has sent nothing
/// for a whole window after its budget came back, so a runaway keeps it for
/// as long as it keeps trying. Unmarked targets give way first, the one
/// that has spent the least of its budget before the others (one whose
/// budget is whole again costs nothing to forget); a marked target gives
/// way only when every target of its bucket is marked. A forgotten target
/// starts again with a whole budget, so forgetting can only let a target
/// through *more*, by at most the pings it had spent; it never limits a
/// check within its budget.
///
/// A one-off ping is never turned away, so one-off pings, however many,
/// cannot free a runaway check, whatever `N`: from the first of its pings
/// turned away, it gets exactly its budget through. Before that it is kept
/// like any target that has spent as much. With `N` of 2 or more, a check
/// that has spent its whole budget has spent more than any one-off, so it
/// is kept. With `N` of 1, a check let through once has spent no more than
/// a one-off arriving after it: a flood that brings seven newer targets
/// into its bucket (one of `tracked_keys` / 7) before its next ping can
/// make the limiter forget it, and let that ping through too.
///
/// A client that keeps more targets marked than the table holds (turning a
/// ping of each away, then pinging each at least once a window) can push
/// marked targets out of full buckets, letting each through again for up to
/// `N` more pings. Keep `tracked_keys` above the number of targets that may
/// be held at their limit at once.
///
/// Two targets share one budget only if 63 bits of their 64-bit hashes are
/// equal (the last bit is the mark): with the default table, about one
/// chance in 10^14 for each ping of a target not already tracked.
///
/// # Several instances
///
/// The limit is kept in the process, by the layer: every instance of the app
/// counts on its own, and a restart forgets every budget. Behind a load
/// balancer that spreads pings over `K` instances, a check gets up to `K`
/// times its limit through. To hold it to `N` across them, route each ping
/// path to one instance (hash on the path), or give each instance `N / K`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub(crate) pings: u32,
    pub(crate) window: Duration,
    pub(crate) tracked_keys: usize,
}

impl RateLimit {
    /// The most targets a limiter tracks: 2^24 (16,777,216), a table of
    /// about 307 MB. [`tracked_keys`](Self::tracked_keys) clamps larger
    /// values to it, so that no setting fails to allocate its table when
    /// the layer is built for being absurd.
    pub const MAX_TRACKED_KEYS: usize = 1 << 24;

    /// `pings` per `window` for each target, tracking 65,536 targets.
    ///
    /// # Panics
    ///
    /// If `pings` is 0 or `window` is zero: no rate means that.
    pub fn new(pings: u32, window: Duration) -> Self {
        assert!(pings > 0, "a rate limit lets at least one ping through");
        assert!(!window.is_zero(), "a rate limit's window is not zero");
        Self {
            pings,
            window,
            tracked_keys: 65_536,
        }
    }

    /// Tracks up to `keys` targets, about 18 bytes each, allocated when the
    /// layer is built; rounded up to a whole number of buckets of 7, so
    /// [`RateLimiter::tracked_keys`] may say a few more. More than
    /// [`MAX_TRACKED_KEYS`](Self::MAX_TRACKED_KEYS) is taken as that many.
    pub fn tracked_keys(mut self, keys: usize) -> Self {
        self.tracked_keys = keys.min(Self::MAX_TRACKED_KEYS);
        self
    }

    /// The pings each target may send per [`window`](Self::window).
    pub fn pings(&self) -> u32 {
        self.pings
    }

    /// The window the pings are counted over.
    pub fn window(&self) -> Duration {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracked_keys_past_the_maximum_are_clamped_to_it() {
        let limit = RateLimit::new(5, Duration::from_secs(60));
        for asked in [RateLimit::MAX_TRACKED_KEYS + 1, usize::MAX] {
            let clamped = limit.clone().tracked_keys(asked);
            assert_eq!(clamped.tracked_keys, RateLimit::MAX_TRACKED_KEYS);
        }
        let at_most = limit.clone().tracked_keys(RateLimit::MAX_TRACKED_KEYS);
        assert_eq!(at_most.tracked_keys, RateLimit::MAX_TRACKED_KEYS);
        assert_eq!(limit.tracked_keys(1_000).tracked_keys, 1_000);
    }
}
