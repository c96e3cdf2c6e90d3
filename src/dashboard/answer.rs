//! The dashboard's answers, with the headers every one carries: no caching
//! (a badge or a scrape is true at the moment it is made), CORS open to
//! every origin, no content sniffing.

use http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CACHE_CONTROL,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, WWW_AUTHENTICATE,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{Response, StatusCode};

use crate::dashboard::body::DashboardBody;
use crate::dashboard::metrics::Exposition;

const METHODS: HeaderValue = HeaderValue::from_static("GET, HEAD, OPTIONS");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// An answer of the dashboard's own.
#[derive(Debug)]
pub(crate) enum Answer {
    /// `204`: a CORS preflight.
    Preflight,
    /// `405`: a method other than `GET`, `HEAD` and `OPTIONS`.
    MethodNotAllowed,
    /// `401`: metrics without a key in the path or `Authorization: Bearer`.
    MissingKey,
    /// `400`: a key that is not 32 characters.
    MalformedKey,
    /// `403`: a key that opens no project, or another project than the
    /// path names.
    WrongKey,
    /// `403`: the project's read-write key, where only its read-only key
    /// opens the metrics.
    ReadWriteKey,
    /// `404`: no such badge key, check or status page, or a wrong
    /// signature.
    NotFound,
    /// `404`: a badge format other than `svg`, `json`, `shields`.
    UnknownFormat,
    /// `404`: a check badge of other than 2 or 3 states.
    UnknownStates,
    /// `200`: the Prometheus text.
    Metrics(Exposition),
    /// `200`: an SVG badge.
    Svg(String),
    /// `200`: a JSON badge.
    Json(String),
    /// `200`: the status page.
    Html(String),
    /// `503`: the store failed; the error was reported.
    StoreUnavailable,
    /// `500`: the store panicked.
    Internal,
}

impl Answer {
    pub(crate) fn into_response<B>(self) -> Response<DashboardBody<B>> {
        let (status, content_type, body) = match self {
            Answer::Preflight => (StatusCode::NO_CONTENT, None, DashboardBody::empty()),
            Answer::Metrics(exposition) => (
                StatusCode::OK,
                Some(HeaderValue::from_static(
                    "text/plain; version=0.0.4; charset=utf-8",
                )),
                DashboardBody::metrics(exposition.into_chunks()),
            ),
            Answer::Svg(svg) => (
                StatusCode::OK,
                Some(HeaderValue::from_static("image/svg+xml")),
                DashboardBody::full(svg),
            ),
            Answer::Json(json) => (
                StatusCode::OK,
                Some(HeaderValue::from_static("application/json")),
                DashboardBody::full(json),
            ),
            Answer::Html(html) => (
                StatusCode::OK,
                Some(HeaderValue::from_static("text/html; charset=utf-8")),
                DashboardBody::full(html),
            ),
            ref refused => {
                let (status, text) = refused.status_and_text();
                (status, Some(TEXT), DashboardBody::text(text))
            }
        };
        let html = content_type
            .as_ref()
            .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, content_type);
        }
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("max-age=0, no-cache, no-store, must-revalidate, private"),
        );
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if html {
            // No script may run on the page, and the badge key in its URL
            // goes nowhere with a click.
            headers.insert(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                ),
            );
            headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        }
        match status {
            StatusCode::NO_CONTENT => {
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, METHODS);
                headers.insert(
                    ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("Authorization"),
                );
                headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                headers.insert(ALLOW, METHODS);
            }
            StatusCode::UNAUTHORIZED => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }

    fn status_and_text(&self) -> (StatusCode, &'static str) {
        match self {
            Answer::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            Answer::MissingKey => (StatusCode::UNAUTHORIZED, "missing api key"),
            Answer::MalformedKey => (
                StatusCode::BAD_REQUEST,
                "malformed api key: a key is 32 characters",
            ),
            Answer::WrongKey => (StatusCode::FORBIDDEN, "wrong api key"),
            Answer::ReadWriteKey => (
                StatusCode::FORBIDDEN,
                "wrong api key: metrics take the project's read-only key",
            ),
            Answer::NotFound => (StatusCode::NOT_FOUND, "not found"),
            Answer::UnknownFormat => (
                StatusCode::NOT_FOUND,
                "not found: a badge is .svg, .json or .shields",
            ),
            Answer::UnknownStates => (
                StatusCode::NOT_FOUND,
                "not found: a check's badge is /b/2/ or /b/3/",
            ),
            Answer::StoreUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
            Answer::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
            Answer::Preflight
            | Answer::Metrics(_)
            | Answer::Svg(_)
            | Answer::Json(_)
            | Answer::Html(_) => (StatusCode::OK, ""),
        }
    }
}
