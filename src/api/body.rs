//! The response body of [`ApiService`](crate::ApiService): a whole answer,
//! a listing written a page at a time, or the inner service's body.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

/// Any error, boxed: what the body yields when the store fails in the
/// middle of a listing (the status line has gone out by then, so the
/// listing is cut short).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The next page of a listing: its bytes, and the page after it.
pub(crate) type PageFuture = Pin<Box<dyn Future<Output = Result<Page, BoxError>> + Send>>;

/// A page of a listing, as written.
pub(crate) struct Page {
    pub(crate) bytes: Bytes,
    pub(crate) next: Option<PageFuture>,
}

/// What the API answers with, before it is a body.
pub(crate) enum Reply {
    /// The whole body.
    Full(Bytes),
    /// The first bytes, then the pages after them.
    Paged(Bytes, PageFuture),
}

pin_project! {
    /// The body of every response that passes through
    /// [`ApiService`](crate::ApiService).
    pub struct ApiBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Full { bytes: Option<Bytes> },
        Paged { first: Option<Bytes>, next: Option<PageFuture> },
        Inner { #[pin] body: B },
    }
}

impl<B> ApiBody<B> {
    pub(crate) fn reply(reply: Reply) -> Self {
        let kind = match reply {
            Reply::Full(bytes) => Kind::Full {
                bytes: (!bytes.is_empty()).then_some(bytes),
            },
            Reply::Paged(first, next) => Kind::Paged {
                first: Some(first),
                next: Some(next),
            },
        };
        Self { kind }
    }

    #[inline]
    pub(crate) fn inner(body: B) -> Self {
        Self {
            kind: Kind::Inner { body },
        }
    }
}

impl<B: Default> Default for ApiBody<B> {
    fn default() -> Self {
        Self::inner(B::default())
    }
}

impl<B> Body for ApiBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Full { bytes } => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            KindProj::Paged { first, next } => {
                if let Some(first) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(first))));
                }
                loop {
                    let Some(pending) = next.as_mut() else {
                        return Poll::Ready(None);
                    };
                    match ready!(pending.as_mut().poll(cx)) {
                        Ok(page) => {
                            *next = page.next;
                            if !page.bytes.is_empty() {
                                return Poll::Ready(Some(Ok(Frame::data(page.bytes))));
                            }
                        }
                        Err(error) => {
                            *next = None;
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                }
            }
            KindProj::Inner { body } => body
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(Into::into))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { bytes } => bytes.is_none(),
            Kind::Paged { first, next } => first.is_none() && next.is_none(),
            Kind::Inner { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { bytes } => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Kind::Paged { .. } => SizeHint::default(),
            Kind::Inner { body } => body.size_hint(),
        }
    }
}

impl<B> std::fmt::Debug for ApiBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Full { .. } => "full",
            Kind::Paged { .. } => "paged",
            Kind::Inner { .. } => "inner",
        };
        f.debug_struct("ApiBody")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}
