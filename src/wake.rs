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
