//! [`DashboardLayer`]: the configuration, applied to an inner service.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tower_layer::Layer;

use crate::dashboard::service::DashboardService;
use crate::dashboard::settings::Settings;
use crate::store::manage_store::ManageStore;

/// A [`Layer`] that answers Prometheus scrapes, status badges and a status
/// page for the projects of a [`ManageStore`], in front of any service.
///
/// It answers these paths, and hands every other request to the inner
/// service untouched (no allocation, no store call):
///
/// | path | answer |
/// |---|---|
/// | `/projects/<uuid>/metrics/<ro-key>`, `/projects/<uuid>/checks/metrics/<ro-key>`, `/projects/<uuid>/metrics/` with `Authorization: Bearer <ro-key>` | the project's metrics in Prometheus' text format, as healthchecks writes them |
/// | `/badge/<badge-key>/<sig>/<tag>.<fmt>`, `/badge/<badge-key>/<sig>.<fmt>` | the badge of a tag's checks, or of every check (`<sig>-2`: two states) |
/// | `/b/<2\|3>/<check-badge-key>.<fmt>` | a check's own badge |
/// | `/status/<badge-key>` | the project's status page (HTML) |
///
/// `<fmt>` is `svg`, `json` or `shields` (a [Shields.io endpoint]). The
/// signed URLs come from [`Project::badge_urls`](crate::Project::badge_urls),
/// [`Project::status_page_url`](crate::Project::status_page_url) and
/// [`Check::badge_url`](crate::Check::badge_url). Statuses are computed at
/// the request, from the layer's clock.
///
/// | request | answer |
/// |---|---|
/// | metrics without a key | `401 missing api key` |
/// | a key that is not 32 characters | `400 malformed api key: a key is 32 characters` |
/// | a key that opens no project, or another project than the path's | `403 wrong api key` |
/// | the project's read-write key | `403 wrong api key: metrics take the project's read-only key` |
/// | an unknown badge key or check, a wrong signature | `404 not found` |
/// | a format other than `svg`, `json`, `shields` | `404 not found: a badge is .svg, .json or .shields` |
/// | `/b/<n>/...` with `n` other than 2 or 3 | `404 not found: a check's badge is /b/2/ or /b/3/` |
/// | `OPTIONS` | `204`, a CORS preflight |
/// | a method other than `GET`, `HEAD`, `OPTIONS` | `405 method not allowed` |
/// | the store failed | `503 store unavailable` |
/// | the store panicked | `500 internal error` |
///
/// Every answer carries `Cache-Control: max-age=0, no-cache, no-store,
/// must-revalidate, private` and `Access-Control-Allow-Origin: *`.
///
/// # What the URLs give away
///
/// The metrics need the project's read-only API key. A badge URL names the
/// project's badge key and a signature of its tag, so one badge's URL does
/// not give away another's. The status page needs only the badge key,
/// which every badge URL of the project shows: whoever sees a badge can
/// open the status page, with the names of all the project's checks. If
/// that is too much, turn the page off with
/// [`status_page(false)`](Self::status_page).
///
/// ```
/// use axum::{routing::get, Router};
/// use tower_ping::{DashboardLayer, MemoryStore, PingLayer};
///
/// let store = MemoryStore::new();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "my app" }))
///     .layer(PingLayer::new(store.clone()))
///     .layer(DashboardLayer::new(store, "https://checks.example.com"));
/// ```
///
/// [Shields.io endpoint]: https://shields.io/badges/endpoint-badge
pub struct DashboardLayer<S: ManageStore> {
    store: Arc<S>,
    settings: Settings,
}

impl<S: ManageStore> DashboardLayer<S> {
    /// A layer over `store`, for an app served at `site_root` (such as
    /// `https://checks.example.com`: the absolute URLs the status page
    /// shows start with it).
    pub fn new(store: S, site_root: impl Into<String>) -> Self {
        Self {
            store: Arc::new(store),
            settings: Settings::new(site_root.into()),
        }
    }

    /// Labels the badge of every check `label` in every project. By
    /// default it is the project's name (`checks` when it has none);
    /// healthchecks labels it with its site's name.
    ///
    /// ```
    /// use tower_ping::{DashboardLayer, MemoryStore};
    ///
    /// let layer = DashboardLayer::new(MemoryStore::new(), "https://checks.example.com")
    ///     .all_checks_label("Mychecks");
    /// ```
    pub fn all_checks_label(mut self, label: impl Into<String>) -> Self {
        self.settings.all_checks_label = Some(label.into());
        self
    }

    /// How often the status page reloads itself (a whole number of
    /// seconds, at least 1); a minute by default
    /// ([`DEFAULT_REFRESH`](crate::DEFAULT_REFRESH)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_ping::{DashboardLayer, MemoryStore};
    ///
    /// let layer = DashboardLayer::new(MemoryStore::new(), "https://checks.example.com")
    ///     .refresh(Duration::from_secs(30));
    /// ```
    pub fn refresh(mut self, every: Duration) -> Self {
        self.settings.refresh = every;
        self
    }

    /// Whether the layer answers the status page, `/status/<badge-key>`
    /// (on by default). Off, those paths go to the inner service.
    ///
    /// ```
    /// use tower_ping::{DashboardLayer, MemoryStore};
    ///
    /// // Badges and metrics only.
    /// let layer = DashboardLayer::new(MemoryStore::new(), "https://checks.example.com")
    ///     .status_page(false);
    /// ```
    pub fn status_page(mut self, on: bool) -> Self {
        self.settings.status_page = on;
        self
    }

    /// Reads the time of day from `clock` instead of
    /// [`SystemTime::now`]: statuses are computed at what it says. For
    /// tests and simulations.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tower_ping::{DashboardLayer, MemoryStore};
    ///
    /// let noon = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_499_200);
    /// let layer = DashboardLayer::new(MemoryStore::new(), "https://checks.example.com")
    ///     .wall_clock(move || noon);
    /// ```
    pub fn wall_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }
}

impl<S: ManageStore, I> Layer<I> for DashboardLayer<S> {
    type Service = DashboardService<I, S>;

    fn layer(&self, inner: I) -> Self::Service {
        DashboardService::new(inner, self.store.clone(), self.settings.clone())
    }
}

impl<S: ManageStore> Clone for DashboardLayer<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            settings: self.settings.clone(),
        }
    }
}

impl<S: ManageStore> fmt::Debug for DashboardLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashboardLayer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
