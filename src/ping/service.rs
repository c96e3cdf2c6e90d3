//! [`PingService`]: the route of a request through the layer.
//!
//! Read top-down: [`Service::call`] classifies the path and hands anything
//! that is not a ping straight to the inner service. A ping is checked in the
//! SPEC's order (preflight, method, grammar, `rid`), answered at once when it
//! fails one, when its target is over the rate limit or when the bound on
//! pings in flight is reached, and otherwise resolved, read and recorded by
//! [`answer_ping`], each step within its time limit when one is set.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use http::header::ACCESS_CONTROL_REQUEST_HEADERS;
use http::{Method, Request, Response};
use http_body::Body;
use tower_service::Service;
use uuid::Uuid;

use crate::ping::answer::Answer;
use crate::ping::body::ResponseBody;
use crate::ping::body_capture::capture;
use crate::ping::concurrency::{ConcurrencyLimit, Permit};
use crate::ping::future::ResponseFuture;
use crate::ping::rate_limit::{RateDecision, RateLimiter};
use crate::ping::settings::{ErrorHook, Settings};
use crate::ping::time_limit::within;
use crate::request::client;
use crate::request::grammar::{classify, PingPath, Route, Signal, Target};
use crate::request::ping::{FailedPing, Ping};
use crate::request::query::PingQuery;
use crate::store::check_store::{CheckStore, Creation, Lookup};

/// The service [`PingLayer`](crate::PingLayer) wraps around an inner service.
pub struct PingService<I, S: CheckStore> {
    inner: I,
    shared: Arc<Shared<S>>,
}

/// What every ping of this service needs, shared by its in-flight pings.
struct Shared<S: CheckStore> {
    store: Arc<S>,
    settings: Settings,
    on_store_error: ErrorHook<S::Error>,
    limit: Option<Arc<ConcurrencyLimit>>,
    rate_limit: Option<Arc<RateLimiter>>,
}

impl<I, S: CheckStore> PingService<I, S> {
    pub(crate) fn new(
        inner: I,
        store: Arc<S>,
        settings: Settings,
        on_store_error: ErrorHook<S::Error>,
        limit: Option<Arc<ConcurrencyLimit>>,
        rate_limit: Option<Arc<RateLimiter>>,
    ) -> Self {
        let shared = Shared {
            store,
            settings,
            on_store_error,
            limit,
            rate_limit,
        };
        Self {
            inner,
            shared: Arc::new(shared),
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

impl<I, S, ReqBody, ResBody> Service<Request<ReqBody>> for PingService<I, S>
where
    I: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S: CheckStore,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = I::Error;
    type Future = ResponseFuture<I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let route = classify(&self.shared.settings.prefix, request.uri().path());
        let path = match route {
            Route::Pass => return ResponseFuture::inner(self.inner.call(request)),
            Route::Invalid => None,
            Route::Ping(path) => Some(path),
        };

        match *request.method() {
            Method::GET | Method::HEAD | Method::POST => {}
            Method::OPTIONS => {
                let request_headers = request
                    .headers()
                    .get(ACCESS_CONTROL_REQUEST_HEADERS)
                    .cloned();
                return ResponseFuture::answer(Answer::Preflight { request_headers });
            }
            _ => return ResponseFuture::answer(Answer::MethodNotAllowed),
        }
        let Some(path) = path else {
            return ResponseFuture::answer(Answer::InvalidUrl);
        };
        let Ok(query) = PingQuery::parse(request.uri().query()) else {
            return ResponseFuture::answer(Answer::InvalidRunId);
        };
        // Before the bound on pings in flight: a limited ping is answered
        // here and now, so it should neither take a place nor be refused one.
        if let Some(limiter) = &self.shared.rate_limit {
            if let RateDecision::Limited { retry_after } = limiter.check(path.target, limiter.now())
            {
                return ResponseFuture::answer(Answer::rate_limited(path.target, retry_after));
            }
        }
        // Past the bound, turn the ping away before it costs anything more.
        let permit = match &self.shared.limit {
            None => None,
            Some(limit) => match limit.try_acquire() {
                Some(permit) => Some(permit),
                None => return ResponseFuture::answer(Answer::Overloaded),
            },
        };

        // The wall clock, for the record; the limiter read the monotonic
        // one. Not one reading for both: the wall clock can be stepped, and
        // stepped back it would turn away checks pinging within their limit
        // (until it caught up), stepped forward it would give every budget
        // back; the monotonic clock is not the time of day a ping records.
        let received_at = SystemTime::now();
        let path = OwnedPingPath::from(path);
        let (parts, body) = request.into_parts();
        let trust = self.shared.settings.forwarded;
        let ping = Ping {
            signal: path.signal,
            received_at,
            scheme: client::scheme(&parts.uri, &parts.headers, trust),
            remote_addr: client::remote_addr(&parts.extensions, &parts.headers, trust),
            user_agent: client::user_agent(&parts.headers),
            method: parts.method,
            body: bytes::Bytes::new(),
            rid: query.rid,
        };
        let shared = self.shared.clone();
        ResponseFuture::ping(Box::pin(answer_ping(
            shared,
            path.target,
            query.create,
            ping,
            body,
            permit,
        )))
    }
}

/// Resolves the check, reads the body, records the ping: the store's part.
///
/// A function returning an `async move` block rather than an `async fn`: an
/// `async fn` moves its arguments into locals and its future keeps both,
/// where the block uses what it captured in place. The future is boxed for
/// every ping; a smaller one is a cheaper allocation (608 bytes against
/// 1,032 as an `async fn` on the benchmarks' body type, which was past the
/// size glibc serves from its per-thread cache).
#[allow(clippy::manual_async_fn)]
fn answer_ping<S: CheckStore, B: Body>(
    shared: Arc<Shared<S>>,
    target: OwnedTarget,
    create: bool,
    mut ping: Ping,
    body: B,
    permit: Option<Permit>,
) -> impl Future<Output = Answer> {
    async move {
        // Held until answered; dropping or unwinding the future gives it
        // back too.
        let _permit = permit;
        let store = &*shared.store;
        let settings = &shared.settings;
        let store_timeout = settings.store_timeout;

        // Where the ping goes: onto the check found, or into a check `create`
        // makes (slug form with `?create=1` only).
        let destination = match within(store_timeout, store.resolve(target.as_target())).await {
            None => return Answer::StoreTimedOut,
            Some(Err(error)) => return shared.store_failed(&error, &target, ping.signal),
            Some(Ok(Lookup::Ambiguous)) => return Answer::AmbiguousSlug,
            Some(Ok(Lookup::Found(check))) => Destination::Check(check),
            Some(Ok(Lookup::NotFound)) => match &target {
                OwnedTarget::Slug { ping_key, slug } if create => {
                    Destination::Create { ping_key, slug }
                }
                _ => return Answer::NotFound,
            },
        };

        ping.body = match within(
            settings.body_timeout,
            capture(body, settings.body_limit.bytes()),
        )
        .await
        {
            Some(Ok(body)) => body,
            Some(Err(_)) => return Answer::InvalidBody,
            None => return Answer::BodyTimedOut,
        };

        // Kept for the error hook: the ping itself goes to the store.
        let signal = ping.signal;
        let created = match destination {
            Destination::Check(check) => within(store_timeout, store.record(check, ping))
                .await
                .map(|recorded| recorded.map(|()| false)),
            Destination::Create { ping_key, slug } => {
                match within(store_timeout, store.create(ping_key, slug, ping)).await {
                    None => None,
                    Some(Err(error)) => Some(Err(error)),
                    Some(Ok(Creation::Created)) => Some(Ok(true)),
                    Some(Ok(Creation::Recorded)) => Some(Ok(false)),
                    Some(Ok(Creation::Ambiguous)) => return Answer::AmbiguousSlug,
                    Some(Ok(Creation::NotFound)) => return Answer::NotFound,
                }
            }
        };
        match created {
            None => Answer::StoreTimedOut,
            Some(Ok(created)) => Answer::Recorded {
                created,
                body_limit: settings.body_limit.header(),
            },
            Some(Err(error)) => shared.store_failed(&error, &target, signal),
        }
    }
}

/// Where a resolved ping is recorded.
enum Destination<'t, Id> {
    Check(Id),
    Create { ping_key: &'t str, slug: &'t str },
}

impl<S: CheckStore> Shared<S> {
    fn store_failed(&self, error: &S::Error, target: &OwnedTarget, signal: Signal) -> Answer {
        (self.on_store_error)(error, FailedPing::new(target.as_target(), signal));
        Answer::StoreUnavailable
    }
}

/// A ping path that owns its ping key and slug, so the ping can outlive the
/// request it was parsed from.
struct OwnedPingPath {
    target: OwnedTarget,
    signal: crate::Signal,
}

enum OwnedTarget {
    Uuid(Uuid),
    Slug { ping_key: String, slug: String },
}

impl From<PingPath<'_>> for OwnedPingPath {
    fn from(path: PingPath<'_>) -> Self {
        let target = match path.target {
            Target::Uuid(uuid) => OwnedTarget::Uuid(uuid),
            Target::Slug { ping_key, slug } => OwnedTarget::Slug {
                ping_key: ping_key.to_owned(),
                slug: slug.to_owned(),
            },
        };
        Self {
            target,
            signal: path.signal,
        }
    }
}

impl OwnedTarget {
    fn as_target(&self) -> Target<'_> {
        match self {
            OwnedTarget::Uuid(uuid) => Target::Uuid(*uuid),
            OwnedTarget::Slug { ping_key, slug } => Target::Slug { ping_key, slug },
        }
    }
}

impl<I: Clone, S: CheckStore> Clone for PingService<I, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<I: fmt::Debug, S: CheckStore> fmt::Debug for PingService<I, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PingService")
            .field("inner", &self.inner)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}
