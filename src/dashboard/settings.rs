//! What the service needs of the layer's configuration: shared by
//! [`DashboardLayer`](crate::DashboardLayer), which builds it, and
//! [`DashboardService`](crate::DashboardService), which reads it, so that
//! the service never imports its layer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::store::project::Project;

/// How often the status page reloads itself unless set otherwise: a
/// minute.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(tower_ping::DEFAULT_REFRESH, Duration::from_secs(60));
/// ```
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(60);

/// The wall clock statuses are computed at.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What the service needs of the layer's configuration.
#[derive(Clone)]
pub(crate) struct Settings {
    /// Where the app is served, for the absolute URLs the page shows,
    /// without a trailing `/`.
    pub(crate) site_root: String,
    /// The label of the badge of every check; the project's name when
    /// `None`.
    pub(crate) all_checks_label: Option<String>,
    /// How often the status page reloads itself.
    pub(crate) refresh: Duration,
    /// Whether `/status/<badge-key>` is answered (else it goes to the app).
    pub(crate) status_page: bool,
    pub(crate) clock: Clock,
}

impl Settings {
    pub(crate) fn new(site_root: String) -> Self {
        Self {
            site_root: site_root.trim_end_matches('/').to_owned(),
            all_checks_label: None,
            refresh: DEFAULT_REFRESH,
            status_page: true,
            clock: Arc::new(SystemTime::now),
        }
    }
}

impl Settings {
    /// The label of `project`'s badge of every check.
    pub(crate) fn all_checks_label<'a>(&'a self, project: &'a Project) -> &'a str {
        match &self.all_checks_label {
            Some(label) => label,
            None if !project.name.is_empty() => &project.name,
            None => "checks",
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("site_root", &self.site_root)
            .field("all_checks_label", &self.all_checks_label)
            .field("refresh", &self.refresh)
            .field("status_page", &self.status_page)
            .finish_non_exhaustive()
    }
}
