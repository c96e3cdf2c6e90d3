//! Time limits on a ping's body and on store calls: tokio's timer with the
//! `tokio` feature; without it there is no timer and so no limit.

use std::future::Future;
use std::time::Duration;

/// Runs `future` to its end, or gives up with `None` once `limit` has passed,
/// dropping the future where it stands.
pub(crate) async fn within<F: Future>(limit: Option<Duration>, future: F) -> Option<F::Output> {
    #[cfg(feature = "tokio")]
    if let Some(limit) = limit {
        return tokio::time::timeout(limit, future).await.ok();
    }
    // Without a timer the builder offers no way to set a limit.
    #[cfg(not(feature = "tokio"))]
    debug_assert!(limit.is_none());
    Some(future.await)
}
