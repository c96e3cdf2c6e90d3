//! [`DashboardFuture`]: the inner service's future, or the dashboard's
//! answer.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

use crate::dashboard::answer::Answer;
use crate::dashboard::body::DashboardBody;

/// A request the dashboard answers from the store: boxed, as the store's
/// futures are boxed anyway.
pub(crate) type WorkFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;

pin_project! {
    /// The response future of [`DashboardService`](crate::DashboardService).
    ///
    /// For a request the dashboard does not answer it is the inner
    /// service's future, unboxed, and only wraps the response body.
    ///
    /// ```
    /// use std::future::Ready;
    /// use http::{Request, Response};
    /// use tower::{service_fn, Layer, Service};
    /// use tower_ping::{DashboardFuture, DashboardLayer, MemoryStore};
    ///
    /// let app = service_fn(|_request: Request<String>| {
    ///     std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(String::new())))
    /// });
    /// let mut service = DashboardLayer::new(MemoryStore::new(), "https://x").layer(app);
    /// let request = Request::get("/").body(String::new()).unwrap();
    /// let _future: DashboardFuture<Ready<Result<Response<String>, _>>> = service.call(request);
    /// ```
    pub struct DashboardFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Answer { answer: Option<Answer> },
        Work { future: WorkFuture },
    }
}

impl<F> DashboardFuture<F> {
    #[inline]
    pub(crate) fn inner(future: F) -> Self {
        Self {
            kind: Kind::Inner { future },
        }
    }

    pub(crate) fn answer(answer: Answer) -> Self {
        Self {
            kind: Kind::Answer {
                answer: Some(answer),
            },
        }
    }

    pub(crate) fn work(future: WorkFuture) -> Self {
        Self {
            kind: Kind::Work { future },
        }
    }
}

impl<F, B, E> Future for DashboardFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<DashboardBody<B>>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = match self.project().kind.project() {
            KindProj::Inner { future } => {
                return future
                    .poll(cx)
                    .map_ok(|response| response.map(DashboardBody::inner));
            }
            KindProj::Answer { answer } => answer.take().expect("future polled after completion"),
            // A panicking store must not take the connection down with it.
            KindProj::Work { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(poll) => ready!(poll),
                    Err(_) => Answer::Internal,
                }
            }
        };
        Poll::Ready(Ok(answer.into_response()))
    }
}

impl<F> std::fmt::Debug for DashboardFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardFuture").finish_non_exhaustive()
    }
}
