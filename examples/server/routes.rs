//! The app's own routes, through the operator contract (`ManageStore`):
//! every check with its state and pings, every flip, and pausing, resuming
//! and removing checks.
//!
//! Open without a key only when the server listens on loopback; otherwise
//! each request names a project by its read-write API key (`X-Api-Key`, or
//! `Authorization: Bearer`) and sees that project only. A POST or DELETE
//! from another site's page (an `Origin` that is not this host) is refused.
//! Listings are written as they are read, a check (or a page of flips) at
//! a time: a request holds about one check's JSON, whatever the store
//! holds.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use futures_util::stream;
use serde_json::{json, Value};
use tower_ping::uuid::Uuid;
use tower_ping::{
    Access, Check, CheckQuery, FlipQuery, KeyDigest, LoggedPing, ManageStore, RecordedFlip, Resumed,
};

/// Checks per store call while listing.
const PAGE: usize = 50;
/// Flips per store call while listing.
const FLIP_PAGE: usize = 500;
/// Pings listed per check, at most: a log keeps 100 by default.
const PINGS: usize = 10_000;

/// What the routes share.
struct Routes<S> {
    store: S,
    /// Whether a request without a key sees everything (loopback only).
    open: bool,
}

/// Which checks a request may see and act on.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Every,
    Project(Uuid),
}

impl Scope {
    fn admits(self, check: &Check) -> bool {
        match self {
            Scope::Every => true,
            Scope::Project(project) => check.project == Some(project),
        }
    }
}

/// `/checks`, `/flips`, and the acts on one check.
pub fn routes<S: ManageStore + Clone>(store: S, open: bool) -> Router {
    Router::new()
        .route("/checks", get(list_checks::<S>))
        .route("/flips", get(list_flips::<S>))
        .route("/checks/{uuid}/pause", post(pause::<S>))
        .route("/checks/{uuid}/resume", post(resume::<S>))
        .route("/checks/{uuid}", delete(remove::<S>))
        .with_state(Arc::new(Routes { store, open }))
}

type Failure = (StatusCode, &'static str);

const UNAVAILABLE: Failure = (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n");
const NOT_FOUND: Failure = (StatusCode::NOT_FOUND, "no such check\n");

impl<S: ManageStore> Routes<S> {
    /// What the request may see: everything without a key on loopback, a
    /// project with its read-write key, else nothing (`401`).
    async fn scope(&self, headers: &HeaderMap) -> Result<Scope, Failure> {
        let key = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            });
        let Some(key) = key else {
            return if self.open {
                Ok(Scope::Every)
            } else {
                Err((
                    StatusCode::UNAUTHORIZED,
                    "an X-Api-Key (a project's read-write API key) is needed\n",
                ))
            };
        };
        let digest = KeyDigest::of(key);
        let candidates = self
            .store
            .projects_by_key(&digest.lookup())
            .await
            .map_err(|_| UNAVAILABLE)?;
        candidates
            .iter()
            .find(|p| p.access(&digest) == Some(Access::ReadWrite))
            .map(|p| Scope::Project(p.uuid))
            .ok_or((StatusCode::UNAUTHORIZED, "wrong api key\n"))
    }
}

/// A POST or DELETE whose `Origin` is not this host: a page of another site
/// making the browser act for it.
fn cross_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    host != Some(origin_host)
}

async fn list_checks<S: ManageStore>(
    State(routes): State<Arc<Routes<S>>>,
    headers: HeaderMap,
) -> Response {
    match checks_body(routes, &headers).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// The checks in the request's scope as one JSON array, written a check
/// at a time; the first page read before the answer starts, so that a
/// store that is down gets a `503`.
async fn checks_body<S: ManageStore>(
    routes: Arc<Routes<S>>,
    headers: &HeaderMap,
) -> Result<Body, Failure> {
    let scope = routes.scope(headers).await?;
    let mut query = CheckQuery::new(PAGE);
    if let Scope::Project(project) = scope {
        query = query.project(project);
    }
    let first = routes
        .store
        .checks(query.clone())
        .await
        .map_err(|_| UNAVAILABLE)?;
    let now = SystemTime::now();
    struct Listing<S> {
        routes: Arc<Routes<S>>,
        query: CheckQuery,
        page: std::vec::IntoIter<Check>,
        next: Option<tower_ping::Cursor>,
        started: bool,
        done: bool,
    }
    let listing = Listing {
        routes,
        query,
        page: first.checks.into_iter(),
        next: first.next,
        started: false,
        done: false,
    };
    let chunks = stream::unfold(listing, move |mut l| async move {
        if l.done {
            return None;
        }
        // A turn for the other tasks before each check: on the memory store
        // every read is ready at once, and a listing would otherwise keep
        // its worker thread (pings waited seconds behind 16 listings).
        tokio::task::yield_now().await;
        loop {
            if let Some(check) = l.page.next() {
                let pings = match l.routes.store.pings(check.uuid, PINGS).await {
                    Ok(pings) => pings.unwrap_or_default(),
                    Err(error) => return Some((Err(io_error(error)), l)),
                };
                let mut chunk = Vec::new();
                chunk.extend_from_slice(if l.started { b",\n" } else { b"[\n" });
                l.started = true;
                let json = check_json(&check, &pings, now);
                serde_json::to_writer(&mut chunk, &json).expect("a check is JSON");
                return Some((Ok(Bytes::from(chunk)), l));
            }
            match l.next.take() {
                Some(cursor) => {
                    let query = l.query.clone().after(Some(cursor));
                    match l.routes.store.checks(query).await {
                        Ok(page) => {
                            l.page = page.checks.into_iter();
                            l.next = page.next;
                        }
                        Err(error) => return Some((Err(io_error(error)), l)),
                    }
                }
                None => {
                    l.done = true;
                    let end: &'static [u8] = if l.started { b"\n]\n" } else { b"[]\n" };
                    return Some((Ok(Bytes::from_static(end)), l));
                }
            }
        }
    });
    Ok(Body::from_stream(chunks))
}

async fn list_flips<S: ManageStore>(
    State(routes): State<Arc<Routes<S>>>,
    headers: HeaderMap,
) -> Response {
    match flips_body(routes, &headers).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// Every flip in the request's scope, oldest first, written a page at a
/// time.
async fn flips_body<S: ManageStore>(
    routes: Arc<Routes<S>>,
    headers: &HeaderMap,
) -> Result<Body, Failure> {
    let scope = routes.scope(headers).await?;
    // A project's flips: those of its checks (their UUIDs only, in memory).
    let only: Option<Arc<HashSet<Uuid>>> = match scope {
        Scope::Every => None,
        Scope::Project(project) => {
            let mut uuids = HashSet::new();
            let mut query = CheckQuery::new(1000).project(project);
            loop {
                let page = routes
                    .store
                    .checks(query.clone())
                    .await
                    .map_err(|_| UNAVAILABLE)?;
                uuids.extend(page.checks.iter().map(|c| c.uuid));
                match page.next {
                    Some(next) => query = query.after(Some(next)),
                    None => break,
                }
            }
            Some(Arc::new(uuids))
        }
    };
    let first = routes
        .store
        .flips(FlipQuery::new(FLIP_PAGE))
        .await
        .map_err(|_| UNAVAILABLE)?;
    struct Listing<S> {
        routes: Arc<Routes<S>>,
        page: Option<Vec<RecordedFlip>>,
        started: bool,
        done: bool,
    }
    let listing = Listing {
        routes,
        page: Some(first),
        started: false,
        done: false,
    };
    let chunks = stream::unfold(listing, move |mut l| {
        let only = only.clone();
        async move {
            if l.done {
                return None;
            }
            // A turn for the other tasks before each page (see `checks_body`).
            tokio::task::yield_now().await;
            let page = match l.page.take() {
                Some(page) => page,
                None => {
                    l.done = true;
                    let end: &'static [u8] = if l.started { b"\n]\n" } else { b"[]\n" };
                    return Some((Ok(Bytes::from_static(end)), l));
                }
            };
            let mut chunk = Vec::new();
            for flip in &page {
                if only
                    .as_ref()
                    .is_some_and(|uuids| !uuids.contains(&flip.check))
                {
                    continue;
                }
                chunk.extend_from_slice(if l.started { b",\n" } else { b"[\n" });
                l.started = true;
                serde_json::to_writer(&mut chunk, flip).expect("a flip is JSON");
            }
            if page.len() == FLIP_PAGE {
                let after = page.last().map(|f| tower_ping::Cursor(f.id));
                match l
                    .routes
                    .store
                    .flips(FlipQuery::new(FLIP_PAGE).after(after))
                    .await
                {
                    Ok(next) => l.page = Some(next),
                    Err(error) => return Some((Err(io_error(error)), l)),
                }
            }
            Some((Ok(Bytes::from(chunk)), l))
        }
    });
    Ok(Body::from_stream(chunks))
}

fn io_error(error: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("store error in the middle of a listing: {error}"))
}

async fn pause<S: ManageStore>(
    routes: State<Arc<Routes<S>>>,
    headers: HeaderMap,
    uuid: Path<String>,
) -> Result<StatusCode, Failure> {
    act(routes, headers, uuid, Act::Pause).await
}

async fn resume<S: ManageStore>(
    routes: State<Arc<Routes<S>>>,
    headers: HeaderMap,
    uuid: Path<String>,
) -> Result<StatusCode, Failure> {
    act(routes, headers, uuid, Act::Resume).await
}

async fn remove<S: ManageStore>(
    routes: State<Arc<Routes<S>>>,
    headers: HeaderMap,
    uuid: Path<String>,
) -> Result<StatusCode, Failure> {
    act(routes, headers, uuid, Act::Remove).await
}

#[derive(Debug, Clone, Copy)]
enum Act {
    Pause,
    Resume,
    Remove,
}

/// `204` when done, `404` for an unknown (or malformed, or out of scope)
/// UUID. Resuming a check that is not paused leaves it as it is.
async fn act<S: ManageStore>(
    State(routes): State<Arc<Routes<S>>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    act: Act,
) -> Result<StatusCode, Failure> {
    if cross_site(&headers) {
        return Err((StatusCode::FORBIDDEN, "a request from another site\n"));
    }
    let scope = routes.scope(&headers).await?;
    let uuid = Uuid::parse_str(&uuid).map_err(|_| NOT_FOUND)?;
    let store = &routes.store;
    let check = store.check(uuid).await.map_err(|_| UNAVAILABLE)?;
    if !check.is_some_and(|check| scope.admits(&check)) {
        return Err(NOT_FOUND);
    }
    let done = match act {
        Act::Pause => store.pause(uuid).await.map(|c| c.is_some()),
        Act::Resume => store
            .resume(uuid)
            .await
            .map(|r| !matches!(r, Resumed::NotFound)),
        Act::Remove => store.remove(uuid).await.map(|c| c.is_some()),
    }
    .map_err(|_| UNAVAILABLE)?;
    if done {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(NOT_FOUND)
    }
}

/// A check as `GET /checks` shows it: the check as its type writes it
/// (definition and state), how it stands now (`status`, `started`,
/// `next_ping`, `alert_after`), and its ping log, oldest first.
fn check_json(check: &Check, newest_first: &[LoggedPing], now: SystemTime) -> Value {
    let mut json = serde_json::to_value(check).expect("a check is JSON");
    let Value::Object(fields) = &mut json else {
        unreachable!("a check is written as an object");
    };
    if let Ok(Value::Object(now)) = serde_json::to_value(check.status_at(now)) {
        fields.extend(now);
    }
    let oldest_first: Vec<&LoggedPing> = newest_first.iter().rev().collect();
    fields.insert("pings".into(), json!(oldest_first));
    json
}
