//! The API's answers: JSON with the status healthchecks gives, errors as
//! `{"error": "..."}`, and the CORS headers every answer carries.

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CACHE_CONTROL, CONTENT_TYPE,
};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::api::body::{PageFuture, Reply};

/// Why the API answers with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// `400`: the body, a field or a filter is wrong; the text says which.
    BadRequest(String),
    /// `401 missing api key`: no key, or not 32 characters.
    MissingKey,
    /// `401 wrong api key`: no project has it, or it is read-only where
    /// the endpoint writes.
    WrongKey,
    /// `403`: the project has as many checks as it may.
    LimitReached,
    /// `404`: no such check (or another project's).
    NotFound,
    /// `405`, with the methods the endpoint takes.
    MethodNotAllowed(&'static str),
    /// `408`: the body did not arrive in time.
    BodyTimedOut,
    /// `409`: resuming a check that is not paused.
    NotPaused,
    /// `413`: the body is longer than the API reads.
    TooLarge,
    /// `500`: the store panicked.
    Internal,
    /// `503`: the store failed; the detail went to the error hook.
    StoreUnavailable,
}

impl ApiError {
    fn status_and_text(&self) -> (StatusCode, &str) {
        match self {
            ApiError::BadRequest(text) => (StatusCode::BAD_REQUEST, text),
            ApiError::MissingKey => (StatusCode::UNAUTHORIZED, "missing api key"),
            ApiError::WrongKey => (StatusCode::UNAUTHORIZED, "wrong api key"),
            ApiError::LimitReached => (StatusCode::FORBIDDEN, "check limit reached"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            ApiError::BodyTimedOut => (StatusCode::REQUEST_TIMEOUT, "request body timed out"),
            ApiError::NotPaused => (StatusCode::CONFLICT, "check is not paused"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
            ApiError::StoreUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
        }
    }

    /// The answer: `{"error": "<text>"}` with its status.
    pub(crate) fn response(&self) -> Response<Reply> {
        let (status, text) = self.status_and_text();
        let mut response = json(status, &ErrorBody { error: text });
        if let ApiError::MethodNotAllowed(allow) = self {
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// `value` as JSON with `status`.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response<Reply> {
    let bytes = serde_json::to_vec(value).expect("answers are plain JSON");
    response(status, "application/json", Reply::Full(Bytes::from(bytes)))
}

/// A listing: `first`, then the pages after it, as JSON.
pub(crate) fn paged(first: Bytes, next: PageFuture) -> Response<Reply> {
    response(
        StatusCode::OK,
        "application/json",
        Reply::Paged(first, next),
    )
}

/// A text body.
pub(crate) fn text(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Reply> {
    response(status, content_type, Reply::Full(body))
}

/// `204`, empty: a CORS preflight.
pub(crate) fn preflight() -> Response<Reply> {
    let mut response = Response::new(Reply::Full(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn response(status: StatusCode, content_type: &'static str, reply: Reply) -> Response<Reply> {
    let mut response = Response::new(reply);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, no-cache, no-store, must-revalidate, private"),
    );
    response
}

/// Adds the CORS headers every answer carries (healthchecks leaves them
/// off its 404s and `status/`; a browser then cannot read why a call
/// failed).
pub(crate) fn with_cors(mut response: Response<Reply>, allow: &'static str) -> Response<Reply> {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("X-Api-Key"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(allow),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}
