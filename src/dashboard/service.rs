//! [`DashboardService`]: the route of a request through the dashboard.
//!
//! Read top-down: [`Service::call`] matches the path and hands anything
//! that is not the dashboard's straight to the inner service. A request of
//! the dashboard is checked (method, key, format) and answered at once
//! when it fails; otherwise the store is read and the answer written by
//! one of the `answer_*` functions below, statuses computed at the moment
//! the request was taken.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use http::header::AUTHORIZATION;
use http::{HeaderMap, Method, Request, Response};
use tower_service::Service;
use uuid::Uuid;

use crate::dashboard::answer::Answer;
use crate::dashboard::badge::BadgeCount;
use crate::dashboard::body::DashboardBody;
use crate::dashboard::flip_bar::{self, WINDOW};
use crate::dashboard::future::DashboardFuture;
use crate::dashboard::metrics::Exposition;
use crate::dashboard::route::{percent_decode, route, DashboardRoute};
use crate::dashboard::settings::Settings;
use crate::dashboard::status_page::{self, Page, PageCheck};
use crate::dashboard::svg;
use crate::events;
use crate::store::badge_url::{BadgeFormat, BadgeStates, ALL_CHECKS, TWO_STATE_SUFFIX};
use crate::store::check_summary::CheckSummary;
use crate::store::manage_store::{CheckQuery, FlipQuery, ManageStore};
use crate::store::project::{Access, KeyDigest};

/// How many checks are read from the store at a time.
const PAGE: usize = 1_000;

/// How many flips of a check the status page reads at most: the newest,
/// when a check flipped more often in its seven days.
const FLIPS_PER_CHECK: usize = 1_000;

/// The service [`DashboardLayer`](crate::DashboardLayer) wraps around an
/// inner service.
///
/// ```
/// use http::{Request, Response};
/// use tower::{service_fn, Layer, ServiceExt};
/// use tower_ping::{DashboardLayer, MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = service_fn(|_request: Request<String>| async {
///     Ok::<_, std::convert::Infallible>(Response::new(String::from("the app")))
/// });
/// let service = DashboardLayer::new(MemoryStore::new(), "https://checks.example.com").layer(app);
/// // No project has this badge key: the dashboard answers 404.
/// let request = Request::get("/status/nobody").body(String::new()).unwrap();
/// let response = service.clone().oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 404);
/// // Not a path of the dashboard: the app answers.
/// let request = Request::get("/").body(String::new()).unwrap();
/// assert_eq!(service.oneshot(request).await.unwrap().status(), 200);
/// # }
/// ```
pub struct DashboardService<I, S: ManageStore> {
    inner: I,
    shared: Arc<Shared<S>>,
}

/// What every request of this service needs.
struct Shared<S: ManageStore> {
    store: Arc<S>,
    settings: Settings,
}

impl<I, S: ManageStore> DashboardService<I, S> {
    pub(crate) fn new(inner: I, store: Arc<S>, settings: Settings) -> Self {
        Self {
            inner,
            shared: Arc::new(Shared { store, settings }),
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &I {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut I {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> I {
        self.inner
    }
}

impl<I, S, ReqBody, ResBody> Service<Request<ReqBody>> for DashboardService<I, S>
where
    I: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S: ManageStore,
{
    type Response = Response<DashboardBody<ResBody>>;
    type Error = I::Error;
    type Future = DashboardFuture<I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let route = match route(request.uri().path()) {
            None => return DashboardFuture::inner(self.inner.call(request)),
            Some(DashboardRoute::StatusPage { .. }) if !self.shared.settings.status_page => {
                return DashboardFuture::inner(self.inner.call(request));
            }
            Some(route) => route,
        };
        match *request.method() {
            Method::GET | Method::HEAD => {}
            Method::OPTIONS => return DashboardFuture::answer(Answer::Preflight),
            _ => return DashboardFuture::answer(Answer::MethodNotAllowed),
        }
        // The moment every status of the answer is computed at.
        let now = (self.shared.settings.clock)();
        let shared = self.shared.clone();
        match route {
            DashboardRoute::Metrics { project, key } => {
                let key = match key {
                    Some(key) => key.to_owned(),
                    None => match bearer(request.headers()) {
                        Some(key) => key,
                        None => return DashboardFuture::answer(Answer::MissingKey),
                    },
                };
                // healthchecks' keys are 32 characters; nothing else can
                // match, so the store is not asked.
                if key.chars().count() != 32 {
                    return DashboardFuture::answer(Answer::MalformedKey);
                }
                DashboardFuture::work(Box::pin(answer_metrics(shared, project, key, now)))
            }
            DashboardRoute::TagBadge {
                badge_key,
                signature,
                tag,
                format,
            } => {
                let Some(format) = format else {
                    return DashboardFuture::answer(Answer::UnknownFormat);
                };
                let tag = match tag.map(percent_decode) {
                    None => None,
                    Some(Some(tag)) => Some(tag),
                    // No tag is named by bytes that are not UTF-8.
                    Some(None) => return DashboardFuture::answer(Answer::NotFound),
                };
                let (signature, states) = match signature.strip_suffix(TWO_STATE_SUFFIX) {
                    Some(signature) => (signature, BadgeStates::Two),
                    None => (signature, BadgeStates::Three),
                };
                let badge = TagBadge {
                    badge_key: badge_key.to_owned(),
                    signature: signature.to_owned(),
                    tag,
                    format,
                    states,
                };
                DashboardFuture::work(Box::pin(answer_tag_badge(shared, badge, now)))
            }
            DashboardRoute::CheckBadge {
                states,
                badge_key,
                format,
            } => {
                let Some(states) = states else {
                    return DashboardFuture::answer(Answer::UnknownStates);
                };
                let Some(format) = format else {
                    return DashboardFuture::answer(Answer::UnknownFormat);
                };
                let Some(badge_key) = badge_key else {
                    return DashboardFuture::answer(Answer::NotFound);
                };
                DashboardFuture::work(Box::pin(answer_check_badge(
                    shared, badge_key, format, states, now,
                )))
            }
            DashboardRoute::StatusPage { badge_key } => DashboardFuture::work(Box::pin(
                answer_status_page(shared, badge_key.to_owned(), now),
            )),
        }
    }
}

/// The key of `Authorization: Bearer <key>`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

/// The metrics of `project`, if `key` is its read-only key.
async fn answer_metrics<S: ManageStore>(
    shared: Arc<Shared<S>>,
    project: Uuid,
    key: String,
    now: SystemTime,
) -> Answer {
    let store = &*shared.store;
    let digest = KeyDigest::of(&key);
    let candidates = match store.projects_by_key(&digest.lookup()).await {
        Ok(candidates) => candidates,
        Err(error) => return shared.store_failed(&error),
    };
    // Each candidate compared in constant time; the lookup prefix found
    // them, the whole digest decides.
    let opened = candidates
        .iter()
        .find_map(|candidate| candidate.access(&digest).map(|access| (candidate, access)));
    match opened {
        None => return Answer::WrongKey,
        Some((_, Access::ReadWrite)) => return Answer::ReadWriteKey,
        // Unlike healthchecks, the key must be the path's project's.
        Some((found, Access::ReadOnly)) if found.uuid != project => return Answer::WrongKey,
        Some(_) => {}
    }
    let mut exposition = Exposition::default();
    let query = CheckQuery::new(PAGE).project(project);
    match each_summary(store, query, |check| exposition.add(&check, now)).await {
        Ok(()) => Answer::Metrics(exposition),
        Err(error) => shared.store_failed(&error),
    }
}

/// A tag's badge (or every check's) as its URL asks for it.
struct TagBadge {
    badge_key: String,
    signature: String,
    /// Decoded; `None` for every check.
    tag: Option<String>,
    format: BadgeFormat,
    states: BadgeStates,
}

/// The badge of a project's checks with a tag, or of all of them, if the
/// signature is the tag's.
async fn answer_tag_badge<S: ManageStore>(
    shared: Arc<Shared<S>>,
    badge: TagBadge,
    now: SystemTime,
) -> Answer {
    let store = &*shared.store;
    let project = match store.project_by_badge_key(&badge.badge_key).await {
        Ok(Some(project)) => project,
        Ok(None) => return Answer::NotFound,
        Err(error) => return shared.store_failed(&error),
    };
    let signed = badge.tag.as_deref().unwrap_or(ALL_CHECKS);
    if !project.verify_badge_signature(signed, &badge.signature) {
        return Answer::NotFound;
    }
    let mut query = CheckQuery::new(PAGE).project(project.uuid);
    if let Some(tag) = &badge.tag {
        query = query.tags(vec![tag.clone()]);
    }
    let mut count = BadgeCount::default();
    if let Err(error) =
        each_summary(store, query, |check| count.add(check.status_at(now).status)).await
    {
        return shared.store_failed(&error);
    }
    let label = match &badge.tag {
        Some(tag) => tag.as_str(),
        None => shared.settings.all_checks_label(&project),
    };
    badge_answer(label, count, badge.format, badge.states)
}

/// A check's own badge.
async fn answer_check_badge<S: ManageStore>(
    shared: Arc<Shared<S>>,
    badge_key: Uuid,
    format: BadgeFormat,
    states: BadgeStates,
    now: SystemTime,
) -> Answer {
    let check = match shared.store.check_by_badge_key(badge_key).await {
        Ok(Some(check)) => check,
        Ok(None) => return Answer::NotFound,
        Err(error) => return shared.store_failed(&error),
    };
    let mut count = BadgeCount::default();
    count.add(check.status_at(now).status);
    badge_answer(
        display_name(&check.name, &check.slug),
        count,
        format,
        states,
    )
}

/// The status page of the project with `badge_key`.
async fn answer_status_page<S: ManageStore>(
    shared: Arc<Shared<S>>,
    badge_key: String,
    now: SystemTime,
) -> Answer {
    let store = &*shared.store;
    let project = match store.project_by_badge_key(&badge_key).await {
        Ok(Some(project)) => project,
        Ok(None) => return Answer::NotFound,
        Err(error) => return shared.store_failed(&error),
    };
    let mut checks = Vec::new();
    let query = CheckQuery::new(PAGE).project(project.uuid);
    if let Err(error) = each_summary(store, query, |check| checks.push(check)).await {
        return shared.store_failed(&error);
    }
    let since = now.checked_sub(WINDOW).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut rows = Vec::with_capacity(checks.len());
    for check in checks {
        let query = FlipQuery::new(FLIPS_PER_CHECK)
            .check(check.uuid)
            .between(Some(since), Some(now))
            .newest_first();
        let flips = match store.flips(query).await {
            Ok(flips) => flips,
            Err(error) => return shared.store_failed(&error),
        };
        let flips: Vec<_> = flips.iter().rev().map(|recorded| recorded.flip).collect();
        let at = check.status_at(now);
        let spans = flip_bar::spans(since, now, &flips, check.status, &at);
        rows.push(PageCheck {
            name: display_name(&check.name, &check.slug).to_owned(),
            tags: check.tags,
            at,
            last_ping: check.last_ping,
            spans,
        });
    }
    let settings = &shared.settings;
    let badge = project.badge_url("", ALL_CHECKS, BadgeFormat::Svg, BadgeStates::Three);
    let badge = badge.map(|path| {
        let url = format!("{}{path}", settings.site_root);
        (path, url)
    });
    let page = Page {
        project: &project.name,
        checks: &rows,
        now,
        refresh: settings.refresh,
        badge,
    };
    Answer::Html(status_page::render(&page))
}

/// Calls `each` on the summary of every check `query` admits, a page at a
/// time.
async fn each_summary<S: ManageStore>(
    store: &S,
    query: CheckQuery,
    mut each: impl FnMut(CheckSummary),
) -> Result<(), S::Error> {
    let mut after = None;
    loop {
        let page = store.check_summaries(query.clone().after(after)).await?;
        page.summaries.into_iter().for_each(&mut each);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// A badge in `format` labelled `label`.
fn badge_answer(
    label: &str,
    count: BadgeCount,
    format: BadgeFormat,
    states: BadgeStates,
) -> Answer {
    match format {
        BadgeFormat::Svg => Answer::Svg(svg::badge(label, count.state(states))),
        BadgeFormat::Json => Answer::Json(count.json(states)),
        BadgeFormat::Shields => Answer::Json(count.shields(label, states)),
    }
}

/// What a check is called on a badge and the status page: its name, else
/// its slug, else `check`. Never its UUID, which would let a reader ping
/// it.
fn display_name<'a>(name: &'a str, slug: &'a str) -> &'a str {
    [name, slug]
        .into_iter()
        .find(|name| !name.is_empty())
        .unwrap_or("check")
}

impl<S: ManageStore> Shared<S> {
    fn store_failed(&self, error: &S::Error) -> Answer {
        events::dashboard_store_error(error);
        Answer::StoreUnavailable
    }
}

impl<I: Clone, S: ManageStore> Clone for DashboardService<I, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<I: fmt::Debug, S: ManageStore> fmt::Debug for DashboardService<I, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashboardService")
            .field("inner", &self.inner)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}
