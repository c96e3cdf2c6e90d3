//! [`LoggedPing`]: one entry of a check's ping log.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::uri::Scheme;
use http::Method;
use uuid::Uuid;

use crate::request::ping::Ping;
use crate::state::apply::Transition;
use crate::state::kind::Kind;

/// How many pings a check's log keeps by default.
pub const DEFAULT_PING_LOG_LIMIT: usize = 100;

/// One entry of a check's ping log.
///
/// With the `serde` feature: `n`, `kind` (as [`Kind`] writes it),
/// `exit_status` (a number or null), `method` and `scheme` (as text),
/// `remote_addr`, `user_agent` and `rid` (text or null), `body` (as text:
/// bytes that are not UTF-8 are written as U+FFFD, so only a UTF-8 body
/// reads back the same), `body_len` (bytes kept; ignored when read),
/// `received_at` (RFC 3339 text) and `duration` (seconds, or null).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        into = "crate::store::logged_ping::wire::PingFields",
        from = "crate::store::logged_ping::wire::PingFields"
    )
)]
#[non_exhaustive]
pub struct LoggedPing {
    /// The ping's number within its check, from 1, without gaps.
    pub n: u64,
    /// The kind it was recorded as.
    pub kind: Kind,
    /// The exit status it reported, for `/<exit-status>` pings.
    pub exit_status: Option<u8>,
    /// The request method.
    pub method: Method,
    /// `http` or `https`.
    pub scheme: Scheme,
    /// The client's address.
    pub remote_addr: Option<IpAddr>,
    /// The client's user agent, cut to 200 characters.
    pub user_agent: Option<String>,
    /// The run id.
    pub rid: Option<Uuid>,
    /// The body as kept (at most the layer's body limit); its length is the
    /// body length reported for the ping.
    pub body: Bytes,
    /// When the layer took the request.
    pub received_at: SystemTime,
    /// How long the run this ping ended took: for a success or failure that
    /// ended a started run (with the same run id, or neither having one),
    /// up to 72 hours.
    pub duration: Option<Duration>,
}

impl LoggedPing {
    /// The log entry for `ping`, numbered and kinded by its transition.
    pub fn new(transition: &Transition, ping: Ping) -> Self {
        Self {
            n: transition.n,
            kind: transition.kind,
            exit_status: ping.signal.exit_status(),
            method: ping.method,
            scheme: ping.scheme,
            remote_addr: ping.remote_addr,
            user_agent: ping.user_agent,
            rid: ping.rid,
            body: ping.body,
            received_at: ping.received_at,
            duration: transition.duration,
        }
    }
}

/// How a logged ping is written with the `serde` feature.
#[cfg(feature = "serde")]
mod wire {
    use std::net::IpAddr;
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use http::uri::Scheme;
    use http::Method;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::LoggedPing;
    use crate::state::kind::Kind;

    #[derive(Serialize, Deserialize)]
    pub(crate) struct PingFields {
        n: u64,
        kind: Kind,
        #[serde(default)]
        exit_status: Option<u8>,
        #[serde(with = "crate::serde_fields::text")]
        method: Method,
        #[serde(with = "crate::serde_fields::text")]
        scheme: Scheme,
        #[serde(default)]
        remote_addr: Option<IpAddr>,
        #[serde(default)]
        user_agent: Option<String>,
        #[serde(default)]
        rid: Option<Uuid>,
        #[serde(default)]
        body: String,
        #[serde(default, skip_deserializing)]
        body_len: usize,
        #[serde(with = "crate::serde_fields::time")]
        received_at: SystemTime,
        #[serde(default, with = "crate::serde_fields::opt_secs")]
        duration: Option<Duration>,
    }

    impl From<LoggedPing> for PingFields {
        fn from(ping: LoggedPing) -> Self {
            PingFields {
                n: ping.n,
                kind: ping.kind,
                exit_status: ping.exit_status,
                method: ping.method,
                scheme: ping.scheme,
                remote_addr: ping.remote_addr,
                user_agent: ping.user_agent,
                rid: ping.rid,
                body: String::from_utf8_lossy(&ping.body).into_owned(),
                body_len: ping.body.len(),
                received_at: ping.received_at,
                duration: ping.duration,
            }
        }
    }

    impl From<PingFields> for LoggedPing {
        fn from(fields: PingFields) -> Self {
            LoggedPing {
                n: fields.n,
                kind: fields.kind,
                exit_status: fields.exit_status,
                method: fields.method,
                scheme: fields.scheme,
                remote_addr: fields.remote_addr,
                user_agent: fields.user_agent,
                rid: fields.rid,
                body: Bytes::from(fields.body),
                received_at: fields.received_at,
                duration: fields.duration,
            }
        }
    }
}
