//! [`ApiLayer`]: the Management API's configuration, applied to an inner
//! service.

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "tokio")]
use std::time::Duration;
use std::time::SystemTime;

use tower_layer::Layer;

use crate::api::service::ApiService;
use crate::api::settings::{Settings, StoreErrorHook, DEFAULT_API_BODY_LIMIT};
use crate::api::shared::Shared;
use crate::events;
use crate::request::grammar::Prefix;
use crate::store::manage_store::ManageStore;

/// A [`Layer`] that answers healthchecks' Management API (`/api/v1/`,
/// `/api/v2/`, `/api/v3/`) in front of any service, over a
/// [`ManageStore`] (feature `api`).
///
/// The tools people already use to manage healthchecks (its Python and Rust
/// clients, the Terraform provider, Ansible, Home Assistant, Grafana) then
/// manage the app's checks: list, create (with `unique` upserts), update,
/// pause, resume, delete, read pings, bodies and flips, list channels. A
/// request names its project by an API key (`X-Api-Key`); each key sees
/// only its project, a read-only key only what can be read.
///
/// Only the API's own paths are answered (`<prefix>/v3/checks/`, ...);
/// every other request, under the prefix too, goes to the inner service
/// untouched. Every answer carries CORS headers (`Access-Control-Allow-Origin:
/// *`), errors are `{"error": "..."}`.
///
/// ```
/// use axum::{routing::get, Router};
/// use tower_ping::{ApiLayer, MemoryStore, PingLayer};
///
/// let store = MemoryStore::new();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "my app" }))
///     // On the outer router, beside the ping layer: both see full paths.
///     .layer(PingLayer::new(store.clone()))
///     .layer(ApiLayer::new(store, "https://jobs.example.com"));
/// ```
pub struct ApiLayer<S: ManageStore> {
    store: Arc<S>,
    settings: Settings,
    on_store_error: StoreErrorHook<S::Error>,
}

impl<S: ManageStore> ApiLayer<S> {
    /// The API over `store`, mounted at `/api`, writing absolute URLs
    /// (`ping_url`, `update_url`, `badge_url`) under `site_root` (such as
    /// `https://jobs.example.com`; a trailing slash is dropped), with pings
    /// under `/ping`.
    pub fn new(store: S, site_root: impl Into<String>) -> Self {
        let site_root: String = site_root.into();
        Self {
            store: Arc::new(store),
            settings: Settings {
                prefix: "/api".to_owned(),
                site_root: site_root.trim_end_matches('/').to_owned(),
                ping_prefix: "/ping".to_owned(),
                body_limit: DEFAULT_API_BODY_LIMIT,
                body_timeout: None,
                page_size: 500,
                clock: Arc::new(SystemTime::now),
            },
            on_store_error: Arc::new(|error: &S::Error| events::api_store_error(error)),
        }
    }

    /// Mounts the API under another prefix (`/api` by default): its paths
    /// are then `<prefix>/v1/...`.
    ///
    /// ```
    /// use tower_ping::{ApiLayer, MemoryStore, Prefix};
    ///
    /// let layer = ApiLayer::new(MemoryStore::new(), "https://example.com")
    ///     .prefix(Prefix::new("/healthchecks/api").unwrap());
    /// ```
    pub fn prefix(mut self, prefix: Prefix) -> Self {
        self.settings.prefix = prefix.trimmed().to_owned();
        self
    }

    /// Where the ping layer is mounted (`/ping` by default), for the
    /// `ping_url` of each check.
    pub fn ping_prefix(mut self, prefix: Prefix) -> Self {
        self.settings.ping_prefix = prefix.trimmed().to_owned();
        self
    }

    /// The most bytes of a request body read (64 KiB by default); a longer
    /// one is answered `413`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// Bounds the time to read a request body; past it `408`. Needs the
    /// `tokio` feature and a tokio runtime with its timer enabled.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.settings.body_timeout = Some(timeout);
        self
    }

    /// How many checks a listing reads from the store at once (500 by
    /// default): a listing holds that many in memory, however many the
    /// project has, and writes them out before it reads the next.
    pub fn page_size(mut self, checks: usize) -> Self {
        self.settings.page_size = checks.max(1);
        self
    }

    /// Hands every store error to `hook`; the client sees `503`. Replaces
    /// the default, which writes a line to standard error (or, with the
    /// `tracing` feature, logs an event).
    pub fn on_store_error(mut self, hook: impl Fn(&S::Error) + Send + Sync + 'static) -> Self {
        self.on_store_error = Arc::new(hook);
        self
    }

    /// Reads the time of day (for each check's status at the request) from
    /// `clock` instead of [`SystemTime::now`]: for tests.
    pub fn wall_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }
}

impl<S: ManageStore, I> Layer<I> for ApiLayer<S> {
    type Service = ApiService<I, S>;

    fn layer(&self, inner: I) -> Self::Service {
        let shared = Shared {
            store: self.store.clone(),
            settings: self.settings.clone(),
            on_store_error: self.on_store_error.clone(),
        };
        ApiService::new(inner, Arc::new(shared))
    }
}

impl<S: ManageStore> Clone for ApiLayer<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            settings: self.settings.clone(),
            on_store_error: self.on_store_error.clone(),
        }
    }
}

impl<S: ManageStore> fmt::Debug for ApiLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiLayer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
