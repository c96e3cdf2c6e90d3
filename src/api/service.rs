//! [`ApiService`]: a request's way through the API layer.
//!
//! [`Service::call`] asks [`route`] whether the path is an endpoint of the
//! API; anything else goes straight to the inner service, with no
//! allocation. An endpoint is answered by [`answer`], boxed.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use crate::api::body::ApiBody;
use crate::api::future::ApiFuture;
use crate::api::handle::answer;
use crate::api::route::route;
use crate::api::shared::Shared;
use crate::store::manage_store::ManageStore;

/// The service [`ApiLayer`](crate::ApiLayer) wraps around an inner service
/// (feature `api`).
pub struct ApiService<I, S: ManageStore> {
    inner: I,
    shared: Arc<Shared<S>>,
}

impl<I, S: ManageStore> ApiService<I, S> {
    pub(crate) fn new(inner: I, shared: Arc<Shared<S>>) -> Self {
        Self { inner, shared }
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

impl<I, S, ReqBody, ResBody> Service<Request<ReqBody>> for ApiService<I, S>
where
    I: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S: ManageStore,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
{
    type Response = Response<ApiBody<ResBody>>;
    type Error = I::Error;
    type Future = ApiFuture<I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Some(path) = route(&self.shared.settings.prefix, request.uri().path()) else {
            return ApiFuture::inner(self.inner.call(request));
        };
        ApiFuture::api(Box::pin(answer(self.shared.clone(), path, request)))
    }
}

impl<I: Clone, S: ManageStore> Clone for ApiService<I, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<I: fmt::Debug, S: ManageStore> fmt::Debug for ApiService<I, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiService")
            .field("inner", &self.inner)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}
