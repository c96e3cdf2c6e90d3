//! What the API's service needs of its layer's configuration, shared by
//! [`ApiLayer`](crate::ApiLayer), which builds it, and
//! [`ApiService`](crate::ApiService), which reads it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The most bytes of a request body the API reads unless set: far above any
/// check definition (healthchecks takes 2.5 MB, but a definition is a few
/// hundred bytes).
pub const DEFAULT_API_BODY_LIMIT: usize = 64 * 1024;

/// A hook that sees every store error of the API.
pub(crate) type StoreErrorHook<E> = Arc<dyn Fn(&E) + Send + Sync>;

/// The wall clock the API reads for statuses at the request.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The layer's configuration.
#[derive(Clone)]
pub(crate) struct Settings {
    /// Where the API is mounted: `/api` unless set.
    pub(crate) prefix: String,
    /// The absolute base of the URLs the API writes (`ping_url`,
    /// `update_url`, `badge_url`), without a trailing slash.
    pub(crate) site_root: String,
    /// Where pings are mounted, for `ping_url`.
    pub(crate) ping_prefix: String,
    /// The most bytes of a request body read.
    pub(crate) body_limit: usize,
    /// How long reading a request body may take.
    pub(crate) body_timeout: Option<Duration>,
    /// Checks listed per store call: the memory a listing holds at once.
    pub(crate) page_size: usize,
    pub(crate) clock: Clock,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("prefix", &self.prefix)
            .field("site_root", &self.site_root)
            .field("ping_prefix", &self.ping_prefix)
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}
