//! The healthchecks.io Pinging API as a Tower layer.
//!
//! Cron jobs, backups and workers report "I ran", "I started", "I failed" by
//! requesting a URL such as `GET /ping/<uuid>`, `/ping/<uuid>/start`,
//! `/ping/<uuid>/fail`, `/ping/<uuid>/<exit-status>` or
//! `/ping/<ping-key>/<slug>`. [`PingLayer`] lets any axum or hyper app answer
//! those requests: ping paths are answered by the layer, which resolves the
//! check and records the ping through a [`CheckStore`]; every other request
//! goes to the app untouched.
//!
//! ```
//! use axum::{routing::get, Router};
//! use tower_ping::{MemoryStore, NewCheck, PingLayer};
//!
//! let store = MemoryStore::new();
//! let uuid = store.add_check(NewCheck::new("Nightly backup").ping_key("key-of-my-project"));
//! println!("curl -fsS -m 10 --retry 5 http://localhost:8000/ping/{uuid}");
//!
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "my app" }))
//!     // On the outer router, so the layer sees the full path.
//!     .layer(PingLayer::new(store));
//! ```
//!
//! # What the layer answers
//!
//! | request | answer |
//! |---|---|
//! | a ping, recorded | `200 OK` (`201 Created` when `?create=1` created the check) |
//! | no such check or ping key | `404 not found` |
//! | a slug shared by several checks | `409 ambiguous slug` |
//! | exit status over 255, upper-case slug | `400 invalid url format` |
//! | `rid` that is not a UUID | `400 invalid uuid format` |
//! | `OPTIONS` | `204`, a CORS preflight |
//! | a method other than `GET`, `HEAD`, `POST` | `405 method not allowed` |
//! | the store failed, or a store call outran `PingLayer::store_timeout` | `503 store unavailable` |
//! | more pings in flight than [`max_concurrent_pings`](PingLayer::max_concurrent_pings) | `503 too many pings`, `Retry-After: 1` |
//! | a UUID ping over its [`rate_limit`](PingLayer::rate_limit) | `200 OK (rate-limited)`, nothing recorded |
//! | a ping key and slug ping over its [`rate_limit`](PingLayer::rate_limit) | `429 rate limited`, `Retry-After: <seconds>`, nothing recorded |
//! | a body that fails before it ends | `400 invalid request body` |
//! | a body not done within `PingLayer::body_timeout` | `408 request body timed out` |
//! | the store (or the body) panicked | `500 internal error` |
//!
//! # Stores
//!
//! [`MemoryStore`] keeps checks in memory. [`SqliteStore`] (feature
//! `sqlite`) and [`PostgresStore`] (feature `postgres`) keep them in a
//! database, durable once a ping is acknowledged and shared by every instance
//! of the app. Your own store implements
//! [`CheckStore`]: resolve a target to a check, then record a ping on it by
//! calling [`apply`], the one state machine every store shares.
//!
//! # Features
//!
//! - `axum`: read the client address from axum's `ConnectInfo<SocketAddr>`.
//!   Without it, the layer reads a plain `SocketAddr` request extension.
//! - `tokio`: time limits with tokio's timer, `PingLayer::body_timeout` and
//!   `PingLayer::store_timeout`. The core depends on no runtime without it.
//! - `sqlite`: [`SqliteStore`], on sqlx with a bundled SQLite.
//! - `postgres`: [`PostgresStore`], on sqlx.
//!
//! The SQL stores re-export the [`sqlx`] they are built on, for its connect
//! options and pools.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod answer;
mod body;
mod body_capture;
mod check;
mod client;
mod concurrency;
mod future;
mod grammar;
mod layer;
mod memory_store;
mod ping;
mod query;
mod rate_limit;
mod service;
mod slug;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod state;
mod store;
mod time_limit;

pub use async_trait::async_trait;

pub use body::ResponseBody;
pub use check::{Check, LoggedPing, NewCheck, DEFAULT_PING_LOG_LIMIT};
pub use client::ForwardedHeaders;
pub use future::ResponseFuture;
pub use grammar::{classify, InvalidPrefix, PingPath, Prefix, Route, Signal, Target};
pub use layer::{PingLayer, DEFAULT_BODY_LIMIT};
pub use memory_store::{MemoryCheckId, MemoryStore};
pub use ping::Ping;
pub use query::{InvalidRunId, PingQuery};
pub use rate_limit::{RateDecision, RateLimit, RateLimiter};
pub use service::PingService;
pub use slug::slugify;
#[cfg(feature = "postgres")]
pub use sql::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sql::SqliteStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{SqlStoreError, SqlStoreOptions};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;
pub use state::{
    apply, AllowedMethods, CheckRules, CheckState, KeywordFilter, Kind, Status, Transition,
    MAX_DURATION,
};
pub use store::{CheckStore, Creation, Lookup};
