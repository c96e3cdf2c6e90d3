//! What the layer hands to the store for each ping.

use std::net::IpAddr;
use std::time::SystemTime;

use bytes::Bytes;
use http::uri::Scheme;
use http::Method;
use uuid::Uuid;

use crate::request::grammar::{Signal, Target};

/// A ping as received: everything SPEC'd to be recorded with it.
///
/// The store passes it, with the check's state, to [`apply`](crate::apply) and
/// persists what comes back.
///
/// More fields may come: build one with [`Ping::new`] and set the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ping {
    /// What the URL said: success, start, fail, log or an exit status.
    pub signal: Signal,
    /// Wall-clock time when the layer took the request: "now" for every state
    /// change this ping causes.
    pub received_at: SystemTime,
    /// The request method (`GET`, `HEAD` or `POST`).
    pub method: Method,
    /// `http` or `https`: from the request, or from `X-Forwarded-Proto` when
    /// forwarded headers are trusted.
    pub scheme: Scheme,
    /// The client's address, when the server made it known to the layer.
    pub remote_addr: Option<IpAddr>,
    /// The `User-Agent` header, cut to 200 characters.
    pub user_agent: Option<String>,
    /// The request body, cut to the layer's body limit; bytes kept verbatim.
    pub body: Bytes,
    /// The run id from `?rid=`.
    pub rid: Option<Uuid>,
}

impl Ping {
    /// A ping with the given signal and time, sent as a bare `GET` with no
    /// client details: a starting point for tests and for stores' own tools.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use tower_ping::{Ping, Signal};
    ///
    /// let ping = Ping::new(Signal::Start, SystemTime::now());
    /// assert_eq!(ping.method, http::Method::GET);
    /// assert!(ping.body.is_empty());
    /// ```
    pub fn new(signal: Signal, received_at: SystemTime) -> Self {
        Self {
            signal,
            received_at,
            method: Method::GET,
            scheme: Scheme::HTTP,
            remote_addr: None,
            user_agent: None,
            body: Bytes::new(),
            rid: None,
        }
    }
}

/// Which ping a store error happened on: what the hook set with
/// [`PingLayer::on_store_error`](crate::PingLayer::on_store_error) is given
/// beside the error. Never the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedPing<'a> {
    /// The check the ping was for, as its path named it.
    pub target: Target<'a>,
    /// What the path said.
    pub signal: Signal,
}

impl<'a> FailedPing<'a> {
    /// The ping to `target` with `signal`.
    pub fn new(target: Target<'a>, signal: Signal) -> Self {
        Self { target, signal }
    }
}
