//! When the monitor's loops wake: the earlier of two times, and sleeping
//! until a wall-clock time (feature `tokio`).

use std::time::{Duration, SystemTime};

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

/// Sleeps until `at` on the wall clock, forever when `None`. The time left is
/// rounded up to the next millisecond, so that whatever runs after it
/// never runs a moment before `at` (tokio's timer counts whole
/// milliseconds).
pub(crate) async fn sleep_until(at: Option<SystemTime>) {
    match at {
        Some(at) => {
            let left = at.duration_since(SystemTime::now()).unwrap_or_default();
            tokio::time::sleep(left + Duration::from_millis(1)).await;
        }
        None => std::future::pending().await,
    }
}
