//! The answers the layer writes itself, with the headers every one carries.

use std::time::Duration;

use http::header::{
    HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ALLOW, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER,
};
use http::{Response, StatusCode};

use crate::ping::body::ResponseBody;
use crate::request::grammar::Target;

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
    /// `200 OK (rate-limited)`: a UUID ping over its rate limit, not
    /// recorded. A `200`, so that `curl -f` in a cron line does not fail the
    /// job over it; no `Ping-Body-Limit`, as no byte of the body was kept.
    RateLimitedUuid,
    /// `429` with `Retry-After`: a slug ping over its rate limit, not
    /// recorded.
    RateLimitedSlug {
        /// Whole seconds, rounded up, at least 1.
        retry_after: u64,
    },
    /// `500`: the store panicked.
    Internal,
}

impl Answer {
    /// The answer to a ping of `target` over its rate limit, which may try
    /// again in `retry_after`.
    pub(crate) fn rate_limited(target: Target<'_>, retry_after: Duration) -> Self {
        match target {
            Target::Uuid(_) => Answer::RateLimitedUuid,
            Target::Slug { .. } => {
                // Rounded up, so that a client that waits that long is let through.
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Answer::RateLimitedSlug {
                    retry_after: seconds.max(1),
                }
            }
        }
    }

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
            Answer::RateLimitedUuid => (StatusCode::OK, "OK (rate-limited)"),
            Answer::RateLimitedSlug { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate limited"),
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
            Answer::RateLimitedSlug { retry_after } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(retry_after));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Retry-After` a slug ping over its limit is answered with, when
    /// the limiter says to wait `wait`.
    fn retry_after(wait: Duration) -> String {
        let slug = Target::Slug {
            ping_key: "key",
            slug: "backup",
        };
        let response = Answer::rate_limited(slug, wait).into_response::<()>();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let value = response.headers().get(RETRY_AFTER).expect("a Retry-After");
        value.to_str().expect("ASCII").to_owned()
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        assert_eq!(retry_after(Duration::ZERO), "1");
        assert_eq!(retry_after(Duration::from_nanos(1)), "1");
        assert_eq!(retry_after(Duration::from_millis(900)), "1");
        assert_eq!(retry_after(Duration::from_secs(1)), "1");
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after(Duration::from_nanos(1_000_000_001)), "2");
        assert_eq!(retry_after(Duration::from_millis(1_500)), "2");
        assert_eq!(retry_after(Duration::from_secs(2)), "2");
        assert_eq!(
            retry_after(Duration::from_secs(3_600) - Duration::from_nanos(1)),
            "3600"
        );
        assert_eq!(retry_after(Duration::from_secs(3_600)), "3600");
    }

    #[test]
    fn a_uuid_ping_over_its_limit_has_no_retry_after() {
        let uuid = Target::Uuid(uuid::Uuid::nil());
        let answer = Answer::rate_limited(uuid, Duration::from_secs(30));
        assert_eq!(answer, Answer::RateLimitedUuid);
        let response = answer.into_response::<()>();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get(RETRY_AFTER), None);
    }
}
