//! Floods of distinct one-off targets through the limiter itself, over
//! many windows and with the time handed in, at `N` of 1, 2 and 5: a check
//! pinging at exactly its rate is never limited, and a runaway gets exactly
//! its budget, no more. (`rate_limit_flood.rs` floods the service, and
//! measures the heap meanwhile: it holds that one test, so that no other
//! allocates beside it.)

use std::time::Duration;

use tower_ping::{RateDecision, RateLimit, RateLimiter, Target};
use uuid::Uuid;

/// Windows each limiter flood lasts.
const WINDOWS: u64 = 20;
/// New targets after each try of the runaway, every 100 ms: with a table
/// of 448 targets (64 buckets), the table turns over about every 3 s, 20
/// times a window.
const ONE_OFFS_PER_TRY: u64 = 16;

#[test]
fn floods_of_one_off_targets_neither_limit_a_check_at_its_rate_nor_free_a_runaway() {
    let minute = Duration::from_secs(60);
    let real = Target::Uuid(Uuid::from_u128(1));
    let runaway = Target::Uuid(Uuid::from_u128(2));
    let mut one_off = 0;
    for pings in [1, 2, 5] {
        let limit = RateLimit::new(pings, minute).tracked_keys(7 * 64);
        let limiter = RateLimiter::new(limit.clone());
        // The runaway alone on a limiter of its own, which never forgets
        // it: what its budget lets through.
        let alone = RateLimiter::new(limit);
        let every = minute / pings;
        let mut runaway_through = 0;
        let mut real_through = 0;
        // The runaway tries every 100 ms, the real check pings every
        // window / N, and one-offs arrive after each try.
        for tenth in 0..WINDOWS * 600 {
            let now = Duration::from_millis(tenth * 100);
            let decision = limiter.check(runaway, now);
            assert_eq!(
                decision,
                alone.check(runaway, now),
                "the runaway at {now:?}, N = {pings}"
            );
            runaway_through += u64::from(decision == RateDecision::Allowed);
            if now.as_nanos().is_multiple_of(every.as_nanos()) {
                assert_eq!(
                    limiter.check(real, now),
                    RateDecision::Allowed,
                    "the real check at {now:?}, N = {pings}"
                );
                real_through += 1;
            }
            for _ in 0..ONE_OFFS_PER_TRY {
                let target = Target::Uuid(Uuid::from_u128(1_000 + one_off));
                assert_eq!(limiter.check(target, now), RateDecision::Allowed);
                one_off += 1;
            }
        }
        let pings = u64::from(pings);
        assert_eq!(real_through, WINDOWS * pings);
        // N at once, then one every window / N after the first window / N.
        assert_eq!(runaway_through, pings + WINDOWS * pings - 1, "N = {pings}");
    }
}
