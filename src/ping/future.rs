//! [`ResponseFuture`]: the inner service's future, or the layer's answer.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

use crate::ping::answer::Answer;
use crate::ping::body::ResponseBody;

/// A ping being answered: boxed, as the store's futures are boxed anyway.
pub(crate) type PingFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;

pin_project! {
    /// The response future of [`PingService`](crate::PingService).
    ///
    /// For a request that is not a ping it is the inner service's future,
    /// unboxed, and only wraps the response body.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Answer { answer: Option<Answer> },
        Ping { future: PingFuture },
    }
}

impl<F> ResponseFuture<F> {
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

    pub(crate) fn ping(future: PingFuture) -> Self {
        Self {
            kind: Kind::Ping { future },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = match self.project().kind.project() {
            KindProj::Inner { future } => {
                return future
                    .poll(cx)
                    .map_ok(|response| response.map(ResponseBody::inner));
            }
            KindProj::Answer { answer } => answer.take().expect("future polled after completion"),
            // A panicking store must not take the connection down with it:
            // the client gets a 500 and the server carries on.
            KindProj::Ping { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(poll) => ready!(poll),
                    Err(_) => Answer::Internal,
                }
            }
        };
        Poll::Ready(Ok(answer.into_response()))
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
