//! [`ApiFuture`]: the inner service's future, or the API's answer.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

use crate::api::answer::ApiError;
use crate::api::body::{ApiBody, Reply};

/// An API request being answered: boxed, as the store's futures are boxed
/// anyway.
pub(crate) type AnswerFuture = Pin<Box<dyn Future<Output = Response<Reply>> + Send>>;

pin_project! {
    /// The response future of [`ApiService`](crate::ApiService).
    ///
    /// For a request that is not the API's it is the inner service's
    /// future, unboxed, and only wraps the response body.
    pub struct ApiFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Api { future: AnswerFuture },
    }
}

impl<F> ApiFuture<F> {
    #[inline]
    pub(crate) fn inner(future: F) -> Self {
        Self {
            kind: Kind::Inner { future },
        }
    }

    pub(crate) fn api(future: AnswerFuture) -> Self {
        Self {
            kind: Kind::Api { future },
        }
    }
}

impl<F, B, E> Future for ApiFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ApiBody<B>>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future
                .poll(cx)
                .map_ok(|response| response.map(ApiBody::inner)),
            // A panicking store must not take the connection down with it.
            KindProj::Api { future } => {
                let response = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(poll) => ready!(poll),
                    Err(_) => ApiError::Internal.response(),
                };
                Poll::Ready(Ok(response.map(ApiBody::reply)))
            }
        }
    }
}

impl<F> std::fmt::Debug for ApiFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiFuture").finish_non_exhaustive()
    }
}
