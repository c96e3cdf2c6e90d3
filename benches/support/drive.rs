//! Driving a service by hand, without a runtime: the benchmark and the
//! allocation test time or count the layer itself, not an executor.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::{Empty, Full};
use tower::Service;

/// A waker that does nothing: every future here is ready at once, or
/// polled again in a loop.
pub fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

/// Waits for `service` to be ready, calls it, and polls the response
/// future to completion. Never inlined, so the app alone and the app behind
/// the layer are driven through the same call, whatever the optimiser
/// decides for either.
#[inline(never)]
pub fn call<S, R>(waker: &Waker, service: &mut S, request: R) -> S::Response
where
    S: Service<R>,
    S::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(ready) = service.poll_ready(&mut cx) {
            break ready.expect("the services here are always ready");
        }
    }
    let mut future = pin!(service.call(request));
    loop {
        if let Poll::Ready(result) = future.as_mut().poll(&mut cx) {
            return result.expect("the services here do not fail");
        }
    }
}

/// A bodiless `GET` of a static path, as a server hands it to the app.
pub fn get(path: &'static str) -> Request<Empty<Bytes>> {
    let mut request = Request::new(Empty::new());
    *request.uri_mut() = Uri::from_static(path);
    request
}

/// The app behind the layer: answers every request with a static body, and
/// allocates nothing doing it.
pub fn app() -> impl Service<
    Request<Empty<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = std::convert::Infallible,
> + Clone {
    tower::service_fn(|_request: Request<Empty<Bytes>>| async {
        Ok(Response::new(Full::new(Bytes::from_static(b"app"))))
    })
}
