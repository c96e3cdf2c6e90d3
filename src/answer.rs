//! The answers the layer writes itself, with the headers every one carries.

use http::header::{
    HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ALLOW, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER,
};
use http::{Response, StatusCode};

use crate::body::ResponseBody;

/// The header that tells clients how much of a ping body is kept.
static PING_BODY_LIMIT: HeaderName = HeaderName::from_static("ping-body-limit");
const METHODS: HeaderValue = HeaderValue::from_static("GET, HEAD, POST");

/// An answer of the layer's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `204`: a CORS preflight, echoing the headers the browser asked about.
    Preflight {
        request_headers: Option<HeaderValue>,
    },
    /// `405`: a method other than `GET`, `HEAD`, `POST` and `OPTIONS`.
    MethodNotAllowed,
    /// `400`: an exit status over 255, or a slug with upper-case letters.
    InvalidUrl,
    /// `400`: a `rid` that is not a UUID.
    InvalidRunId,
    /// `400`: the request body failed before it ended.
    InvalidBody,
    /// `408`: the request body did not end within the body timeout.
    BodyTimedOut,
    /// `200`, or `201` when `?create=1` created the check.
    Recorded {
        created: bool,
        /// The `Ping-Body-Limit` value, made once when the layer is built.
        body_limit: Option<HeaderValue>,
    },
    /// `404`: no such check or ping key.
    NotFound,
    /// `409`: the slug names several checks.
    AmbiguousSlug,
    /// `503`: the store failed; the detail went to the error hook.
    StoreUnavailable,
    /// `503`: a store call outran the store timeout and was abandoned. The
    /// client sees the same text as for a failure: it is one to them.
    StoreTimedOut,
    /// `503` with `Retry-After`: the bound on pings in flight was reached.
    Overloaded,
    /// `500`: the store panicked.
    Internal,
}

impl Answer {
    fn status_and_text(&self) -> (StatusCode, &'static str) {
        match self {
            Answer::Preflight { .. } => (StatusCode::NO_CONTENT, ""),
            Answer::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            Answer::InvalidUrl => (StatusCode::BAD_REQUEST, "invalid url format"),
            Answer::InvalidRunId => (StatusCode::BAD_REQUEST, "invalid uuid format"),
            Answer::InvalidBody => (StatusCode::BAD_REQUEST, "invalid request body"),
            Answer::BodyTimedOut => (StatusCode::REQUEST_TIMEOUT, "request body timed out"),
            Answer::Recorded { created: false, .. } => (StatusCode::OK, "OK"),
            Answer::Recorded { created: true, .. } => (StatusCode::CREATED, "Created"),
            Answer::NotFound => (StatusCode::NOT_FOUND, "not found"),
            Answer::AmbiguousSlug => (StatusCode::CONFLICT, "ambiguous slug"),
            Answer::StoreUnavailable | Answer::StoreTimedOut => {
                (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
            }
            Answer::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "too many pings"),
            Answer::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
        }
    }

    pub(crate) fn into_response<B>(self) -> Response<ResponseBody<B>> {
        let (status, text) = self.status_and_text();
        let mut response = Response::new(ResponseBody::answer(text));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("max-age=0, no-cache, no-store, must-revalidate, private"),
        );
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        match self {
            Answer::Preflight { request_headers } => {
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, METHODS);
                if let Some(requested) = request_headers {
                    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested);
                }
            }
            Answer::MethodNotAllowed => {
                headers.insert(ALLOW, METHODS);
            }
            Answer::Overloaded => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Answer::Recorded {
                body_limit: Some(limit),
                ..
            } => {
                headers.insert(&PING_BODY_LIMIT, limit);
            }
            _ => {}
        }
        response
    }
}
