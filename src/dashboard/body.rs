//! The response body: the dashboard's own answer (whole, or the metrics
//! text a chunk at a time), or the inner service's body untouched.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::dashboard::metrics::Chunks;

pin_project! {
    /// The body of every response that passes through
    /// [`DashboardService`](crate::DashboardService): the dashboard's own
    /// answer, or the inner service's body untouched.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http::{Request, Response};
    /// use http_body_util::{BodyExt, Full};
    /// use tower::{service_fn, Layer, ServiceExt};
    /// use tower_ping::{DashboardLayer, MemoryStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = service_fn(|_request: Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("the app"))))
    /// });
    /// let service = DashboardLayer::new(MemoryStore::new(), "https://x").layer(app);
    /// let request = Request::get("/").body(String::new()).unwrap();
    /// let body = service.oneshot(request).await.unwrap().into_body();
    /// assert_eq!(body.collect().await.unwrap().to_bytes(), "the app");
    /// # }
    /// ```
    pub struct DashboardBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Full { data: Option<Bytes> },
        Metrics { chunks: Option<Chunks> },
        Inner { #[pin] body: B },
    }
}

impl<B> DashboardBody<B> {
    pub(crate) fn empty() -> Self {
        Self {
            kind: Kind::Full { data: None },
        }
    }

    pub(crate) fn text(text: &'static str) -> Self {
        Self {
            kind: Kind::Full {
                data: (!text.is_empty()).then(|| Bytes::from_static(text.as_bytes())),
            },
        }
    }

    pub(crate) fn full(text: String) -> Self {
        Self {
            kind: Kind::Full {
                data: (!text.is_empty()).then(|| Bytes::from(text)),
            },
        }
    }

    pub(crate) fn metrics(chunks: Chunks) -> Self {
        Self {
            kind: Kind::Metrics {
                chunks: Some(chunks),
            },
        }
    }

    #[inline]
    pub(crate) fn inner(body: B) -> Self {
        Self {
            kind: Kind::Inner { body },
        }
    }
}

impl<B: Default> Default for DashboardBody<B> {
    fn default() -> Self {
        Self::inner(B::default())
    }
}

impl<B> Body for DashboardBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            KindProj::Full { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            KindProj::Metrics { chunks } => {
                let next = chunks.as_mut().and_then(Chunks::next_chunk);
                if next.is_none() {
                    *chunks = None;
                }
                Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
            }
            KindProj::Inner { body } => body.poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { data } => data.is_none(),
            Kind::Metrics { chunks } => chunks.is_none(),
            Kind::Inner { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            Kind::Metrics { .. } => SizeHint::default(),
            Kind::Inner { body } => body.size_hint(),
        }
    }
}

impl<B> std::fmt::Debug for DashboardBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Full { data } => f.debug_struct("DashboardBody").field("full", data).finish(),
            Kind::Metrics { .. } => f
                .debug_struct("DashboardBody")
                .field("metrics", &"..")
                .finish(),
            Kind::Inner { .. } => f.debug_struct("DashboardBody").finish_non_exhaustive(),
        }
    }
}
