//! What the service needs of the layer's configuration: shared by
//! [`PingLayer`](crate::PingLayer), which builds it, and
//! [`PingService`](crate::PingService), which reads it, so that the service
//! never imports its layer.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::request::client::ForwardedHeaders;
use crate::request::grammar::Prefix;
use crate::request::ping::FailedPing;

/// The default most bytes of a ping body that are kept.
pub const DEFAULT_BODY_LIMIT: usize = 10_000;

/// A hook that sees every store error, with the ping it happened on.
pub(crate) type ErrorHook<E> = Arc<dyn Fn(&E, FailedPing<'_>) + Send + Sync>;

/// What the service needs of the layer's configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) prefix: Prefix,
    pub(crate) body_limit: BodyLimit,
    pub(crate) forwarded: ForwardedHeaders,
    /// How long reading a ping's body may take, from the first poll to its end.
    pub(crate) body_timeout: Option<Duration>,
    /// How long each store call may take.
    pub(crate) store_timeout: Option<Duration>,
}

/// How much of a ping body is kept, with its `Ping-Body-Limit` value made
/// once, so that answering a ping clones the header instead of formatting it.
#[derive(Debug, Clone)]
pub(crate) struct BodyLimit(Option<(usize, HeaderValue)>);

impl BodyLimit {
    pub(crate) fn new(bytes: Option<usize>) -> Self {
        Self(bytes.map(|bytes| (bytes, HeaderValue::from(bytes))))
    }

    /// The most bytes kept; `None` keeps them all.
    pub(crate) fn bytes(&self) -> Option<usize> {
        self.0.as_ref().map(|(bytes, _)| *bytes)
    }

    /// The `Ping-Body-Limit` header value, when there is a limit.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        self.0.as_ref().map(|(_, header)| header.clone())
    }
}
