//! When the monitor's loops wake: the earlier of two times, and sleeping
//! until a wall-clock time (feature `tokio`), never planning further ahead
//! than a bound, since the wall clock can be stepped.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The wall clock the monitor reads: `SystemTime::now` unless a test or a
/// simulation sets another.
pub(crate) type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The system's wall clock.
pub(crate) fn system_clock() -> WallClock {
    Arc::new(SystemTime::now)
}

/// The earlier of two optional times; `None` only when both are.
pub(crate) fn earliest(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `at` plus `wait`, or a century past `at` where the sum does not fit a
/// `SystemTime` (a wait set far beyond anything a monitor waits for).
pub(crate) fn later(at: SystemTime, wait: Duration) -> SystemTime {
    at.checked_add(wait)
        .or_else(|| at.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(at)
}

/// Sleeps until `at` on the wall clock `clock` (forever when `None`), or for
/// `at_most` of monotonic time, whichever is first: the time left is read
/// off the wall clock now, and a step of that clock while asleep goes
/// unnoticed, so a caller that must not oversleep a step sleeps in bounded
/// turns and reads the clock again. The time left is rounded up to the next
/// millisecond, so that whatever runs after it never runs a moment before
/// `at` (tokio's timer counts whole milliseconds).
pub(crate) async fn sleep_until(clock: &WallClock, at: Option<SystemTime>, at_most: Duration) {
    let left = match at {
        Some(at) => at.duration_since(clock()).unwrap_or_default() + Duration::from_millis(1),
        None => Duration::MAX,
    };
    tokio::time::sleep(left.min(at_most)).await;
}
