//! [`PingLayer`]: the configuration, applied to an inner service.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tower_layer::Layer;

use crate::events;
use crate::ping::concurrency::ConcurrencyLimit;
use crate::ping::rate_limit::{RateLimit, RateLimiter};
use crate::ping::service::PingService;
use crate::ping::settings::{BodyLimit, ErrorHook, Settings, DEFAULT_BODY_LIMIT};
use crate::request::client::ForwardedHeaders;
use crate::request::grammar::Prefix;
use crate::request::ping::FailedPing;
use crate::store::check_store::CheckStore;

/// A [`Layer`] that answers the Pinging API in front of any service.
///
/// Requests whose path is a ping under the prefix (`/ping` unless set) are
/// answered by the layer through the store `S`; every other request goes to
/// the inner service untouched.
///
/// ```
/// use axum::{routing::get, Router};
/// use tower_ping::{MemoryStore, PingLayer};
///
/// let store = MemoryStore::new();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "my app" }))
///     .layer(PingLayer::new(store).body_limit(1_000));
/// ```
pub struct PingLayer<S: CheckStore> {
    store: Arc<S>,
    settings: Settings,
    on_store_error: ErrorHook<S::Error>,
    limit: Option<Arc<ConcurrencyLimit>>,
    rate_limit: Option<Arc<RateLimiter>>,
}

impl<S: CheckStore> PingLayer<S> {
    /// A layer over `store`, mounted at `/ping`, keeping 10,000 bytes of each
    /// ping body, trusting no forwarded headers, and writing store errors to
    /// standard error.
    pub fn new(store: S) -> Self {
        Self {
            store: Arc::new(store),
            settings: Settings {
                prefix: Prefix::default(),
                body_limit: BodyLimit::new(Some(DEFAULT_BODY_LIMIT)),
                forwarded: ForwardedHeaders::default(),
                body_timeout: None,
                store_timeout: None,
            },
            on_store_error: Arc::new(|error: &S::Error, ping: FailedPing<'_>| {
                events::ping_store_error(error, ping.target, ping.signal);
            }),
            limit: None,
            rate_limit: None,
        }
    }

    /// Mounts the ping paths under another prefix.
    ///
    /// With [`Prefix::root`], every path of the grammar directly under `/` is
    /// a ping: any two-segment path of `[-a-zA-Z0-9_]` characters, such as
    /// `/users/alice`, is then read as `/<ping-key>/<slug>`. Use the root only
    /// on a host that serves pings and little else.
    ///
    /// ```
    /// use tower_ping::{MemoryStore, PingLayer, Prefix};
    ///
    /// let layer = PingLayer::new(MemoryStore::new()).prefix(Prefix::new("/hc/ping").unwrap());
    /// ```
    pub fn prefix(mut self, prefix: Prefix) -> Self {
        self.settings.prefix = prefix;
        self
    }

    /// Keeps at most `bytes` of each ping body; the rest is read and dropped
    /// as it arrives. `200`/`201` answers then carry `Ping-Body-Limit`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = BodyLimit::new(Some(bytes));
        self
    }

    /// Keeps every ping body whole, however large: only for trusted clients.
    pub fn no_body_limit(mut self) -> Self {
        self.settings.body_limit = BodyLimit::new(None);
        self
    }

    /// Sets how far `X-Forwarded-For` and `X-Forwarded-Proto` are trusted;
    /// see [`ForwardedHeaders`]. By default they are ignored.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use tower_ping::{ForwardedHeaders, MemoryStore, PingLayer};
    ///
    /// // Behind one reverse proxy that appends to X-Forwarded-For.
    /// let layer = PingLayer::new(MemoryStore::new())
    ///     .forwarded_headers(ForwardedHeaders::TrustedProxies(NonZeroUsize::MIN));
    /// ```
    pub fn forwarded_headers(mut self, trust: ForwardedHeaders) -> Self {
        self.settings.forwarded = trust;
        self
    }

    /// Hands every store error to `hook`, with the ping it happened on (its
    /// target and signal; never its body). The client only sees
    /// `503 store unavailable`. Replaces the default, which writes a line to
    /// standard error, or with the `tracing` feature logs an `error` event
    /// (target `tower_ping`, with the check's UUID or ping key and slug).
    ///
    /// ```
    /// use tower_ping::{FailedPing, MemoryStore, PingLayer, Target};
    ///
    /// let layer = PingLayer::new(MemoryStore::new()).on_store_error(|error, ping: FailedPing<'_>| {
    ///     if let Target::Uuid(uuid) = ping.target {
    ///         eprintln!("ping of {uuid} ({:?}) failed: {error}", ping.signal);
    ///     }
    /// });
    /// ```
    pub fn on_store_error(
        mut self,
        hook: impl Fn(&S::Error, FailedPing<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.on_store_error = Arc::new(hook);
        self
    }

    /// Bounds the time to read a ping's body, from when the layer starts
    /// reading it (after the check is found) to its last byte. A body that is
    /// not done by then, because it is slow or never ends, is abandoned and
    /// the ping answered `408 request body timed out`; nothing is recorded.
    ///
    /// Without it a client can hold a ping, and its place under
    /// [`max_concurrent_pings`](Self::max_concurrent_pings), for as long as it
    /// keeps the connection open. Needs the `tokio` feature and a tokio
    /// runtime with its timer enabled.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_ping::{MemoryStore, PingLayer};
    ///
    /// let layer = PingLayer::new(MemoryStore::new()).body_timeout(Duration::from_secs(10));
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.settings.body_timeout = Some(timeout);
        self
    }

    /// Bounds each store call (`resolve`, then `record` or `create`). A call
    /// still running by then is abandoned (its future dropped) and the ping
    /// answered `503 store unavailable`; the error hook is not called, as there
    /// is no store error to hand it.
    ///
    /// A `record` (or `create`) abandoned this way may still have reached the
    /// store, for example a database that committed the write and was slow to
    /// say so: such a ping is recorded once though answered `503`, and a
    /// client that retries may then record it twice. Needs the `tokio` feature and a tokio
    /// runtime with its timer enabled.
    ///
    /// # Which timeout to set
    ///
    /// This one is for stores that do not bound their own calls: your own
    /// [`CheckStore`] over a remote service, say. The SQL stores bound every
    /// call themselves with `SqlStoreOptions::call_timeout` (5 s by default),
    /// which also sets the database's own lock and statement timeouts below
    /// it, so that a write stuck on a lock is given up by the database rather
    /// than committed after its `503`: with them, set `call_timeout` and leave
    /// this unset. When both are set, the shorter one answers first; a
    /// `store_timeout` shorter than `call_timeout` abandons calls the database
    /// was still allowed to finish, which makes the race above more likely.
    /// [`MemoryStore`](crate::MemoryStore) never waits on anything but its
    /// own lock and needs neither.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_ping::{MemoryStore, PingLayer};
    ///
    /// let layer = PingLayer::new(MemoryStore::new()).store_timeout(Duration::from_secs(5));
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.settings.store_timeout = Some(timeout);
        self
    }

    /// Bounds how many pings may be in flight at once, across every service
    /// this layer makes. A ping past the bound is answered
    /// `503 too many pings` with `Retry-After: 1` at once, before its body is
    /// read or the store is called (malformed pings still get their `4xx`
    /// first); requests that are not pings never count.
    /// A ping holds its place until it is answered, its future is dropped (the
    /// client went away) or it panics. With `0` every ping is turned away.
    ///
    /// ```
    /// use tower_ping::{MemoryStore, PingLayer};
    ///
    /// let layer = PingLayer::new(MemoryStore::new()).max_concurrent_pings(256);
    /// ```
    pub fn max_concurrent_pings(mut self, max: usize) -> Self {
        self.limit = Some(Arc::new(ConcurrencyLimit::new(max)));
        self
    }

    /// Holds each target (a check's UUID, or a ping key and slug) to `limit`,
    /// across every service this layer makes. A ping over its limit is
    /// answered at once, before its body is read or the store is called, and
    /// nothing is recorded: `200 OK (rate-limited)` for the UUID form,
    /// `429 rate limited` with `Retry-After` (whole seconds, rounded up) for
    /// the slug form. Neither carries `Ping-Body-Limit`, as no byte of the
    /// body was kept. Malformed pings still get their `4xx` first and are not
    /// counted; requests that are not pings never reach the limiter.
    ///
    /// The limiter's table is allocated here, once: see [`RateLimit`] for
    /// what `N` per window means, its memory, and what several instances of
    /// the app each count.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_ping::{MemoryStore, PingLayer, RateLimit};
    ///
    /// let layer = PingLayer::new(MemoryStore::new())
    ///     .rate_limit(RateLimit::new(5, Duration::from_secs(60)));
    /// ```
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(Arc::new(RateLimiter::new(limit)));
        self
    }
}

/// Without the `tokio` feature there is no timer and so no time limit. These
/// stand-ins turn a call into a compile error that names the feature, where
/// a missing method would only say "no method named `store_timeout`".
#[cfg(not(feature = "tokio"))]
impl<S: CheckStore> PingLayer<S> {
    #[doc(hidden)]
    pub fn body_timeout(self, _timeout: Duration) -> Self
    where
        S: needs_tokio::TokioFeature,
    {
        self
    }

    #[doc(hidden)]
    pub fn store_timeout(self, _timeout: Duration) -> Self
    where
        S: needs_tokio::TokioFeature,
    {
        self
    }
}

#[cfg(not(feature = "tokio"))]
mod needs_tokio {
    /// Implemented by no type, and out of reach of other crates.
    #[diagnostic::on_unimplemented(
        message = "`PingLayer::body_timeout` and `PingLayer::store_timeout` need tower-ping's `tokio` feature",
        label = "a time limit needs tokio's timer",
        note = "turn the feature on: tower-ping = {{ version = \"0.1\", features = [\"tokio\"] }} (`sqlite` and `postgres` turn it on too)"
    )]
    #[allow(unreachable_pub)]
    pub trait TokioFeature {}
}

impl<S: CheckStore, I> Layer<I> for PingLayer<S> {
    type Service = PingService<I, S>;

    fn layer(&self, inner: I) -> Self::Service {
        PingService::new(
            inner,
            self.store.clone(),
            self.settings.clone(),
            self.on_store_error.clone(),
            self.limit.clone(),
            self.rate_limit.clone(),
        )
    }
}

impl<S: CheckStore> Clone for PingLayer<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            settings: self.settings.clone(),
            on_store_error: self.on_store_error.clone(),
            limit: self.limit.clone(),
            rate_limit: self.rate_limit.clone(),
        }
    }
}

impl<S: CheckStore> fmt::Debug for PingLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PingLayer")
            .field("prefix", &self.settings.prefix)
            .field("body_limit", &self.settings.body_limit.bytes())
            .field("forwarded", &self.settings.forwarded)
            .field("body_timeout", &self.settings.body_timeout)
            .field("store_timeout", &self.settings.store_timeout)
            .field(
                "max_concurrent_pings",
                &self.limit.as_ref().map(|l| l.max()),
            )
            .field("rate_limit", &self.rate_limit.as_ref().map(|l| l.limit()))
            .finish_non_exhaustive()
    }
}
