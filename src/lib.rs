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
//! use std::time::Duration;
//! use axum::{routing::get, Router};
//! use tower_ping::{MemoryStore, NewCheck, PingLayer};
//!
//! let store = MemoryStore::new();
//! let backup = NewCheck::new("Nightly backup")
//!     .ping_key("key-of-my-project")
//!     .timeout(Duration::from_secs(24 * 3600))
//!     .grace(Duration::from_secs(3600));
//! let uuid = store.add_check(backup).expect("a valid definition");
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
//! # Schedules, and the ping that does not come
//!
//! Each check has a [`Schedule`] (a period, or a cron expression in a time
//! zone with the `cron` feature) and a grace time. A check that is late is
//! in `grace`, then `down` once the grace time is over too
//! ([`status_at`]). Every status change is a [`Flip`], recorded by the store
//! with the ping or sweep that made it; flips to down and back to up are
//! alerts for the app. The [`Monitor`] task (feature `tokio`) watches a
//! [`MonitorStore`] and flips each check that went quiet at its deadline,
//! dated at the deadline:
//!
//! ```
//! # async fn run() {
//! use tower_ping::{MemoryStore, Monitor};
//!
//! let store = MemoryStore::new();
//! let monitor = tokio::spawn(Monitor::new(store.clone()).run(async {
//!     let _ = tokio::signal::ctrl_c().await;
//! }));
//! # }
//! ```
//!
//! # Stores
//!
//! [`MemoryStore`] keeps checks in memory. [`SqliteStore`] (feature
//! `sqlite`) and [`PostgresStore`] (feature `postgres`) keep them in a
//! database, durable once a ping is acknowledged and shared by every instance
//! of the app. Your own store implements
//! [`CheckStore`]: resolve a target to a check, then record a ping on it by
//! calling [`apply`], the one state machine every store shares; and, for the
//! monitor, [`MonitorStore`]: find the checks past their deadline and
//! [`expire`] them.
//!
//! # Features
//!
//! None is on by default: the core is the layer, [`MemoryStore`], the state
//! machine and the store traits, on no async runtime.
//!
//! | feature | adds | pulls in |
//! |---|---|---|
//! | `axum` | the client address from axum's `ConnectInfo<SocketAddr>` (without it, from a plain `SocketAddr` request extension) | `axum` (no default features) |
//! | `tokio` | [`Monitor`] and [`Delivery`]; the time limits [`PingLayer::body_timeout`] and [`PingLayer::store_timeout`] | `tokio` (`rt`, `time`, `sync`) |
//! | `cron` | [`CronSchedule`], `Schedule::Cron`: cron expressions in IANA time zones, as healthchecks' cronsim reads them | `jiff`, with its bundled time zone database |
//! | `oncalendar` | [`OnCalendarSchedule`]: systemd OnCalendar schedules in IANA time zones, as healthchecks' oncalendar library reads them | `jiff`, with its bundled time zone database |
//! | `sqlite` | [`SqliteStore`], [`SqlStoreOptions`], [`SqlStoreError`]; turns on `tokio`, `cron` and `oncalendar` | `sqlx` 0.9 with a bundled SQLite (a C compiler), re-exported as [`sqlx`] |
//! | `postgres` | [`PostgresStore`], [`SqlStoreOptions`], [`SqlStoreError`]; turns on `tokio`, `cron` and `oncalendar` | `sqlx` 0.9 for PostgreSQL, re-exported as [`sqlx`] |
//! | `api` | [`ApiLayer`]: healthchecks' Management API (`/api/v1/`-`/api/v3/`) over any [`ManageStore`]; [`KeyDigest::of`], [`Check::unique_key`]; turns on `serde`, `cron` and `oncalendar` | `sha2`, `sha1`, `serde_json` |
//! | `tracing` | store errors, flips and deliveries as events under the target `tower_ping`; the default error hooks log through it instead of standard error | `tracing` |
//! | `serde` | `Serialize`/`Deserialize` on the public data types | `serde` |
//!
//! The crate needs Rust 1.89; with `sqlite` or `postgres`, 1.94 (sqlx's
//! minimum).
//!
//! ## The `serde` format
//!
//! The data types are written with the field names of the example server's
//! JSON; each type's documentation lists its fields. Across them:
//!
//! - Times are RFC 3339 text in UTC, cut to the microsecond
//!   (`2030-01-01T00:00:00.000000Z`, as the stores keep them), and read with
//!   any offset and up to nanoseconds. A `SystemTime` with nanoseconds below
//!   the microsecond does not read back equal.
//! - Durations are seconds: an integer when the duration is whole (`2`),
//!   else a fraction (`1.5`); either is read.
//! - Optional fields are written as null when empty.
//! - Reading needs a self-describing format, such as JSON: durations are
//!   read with `deserialize_any`, and several types are written flat with
//!   `#[serde(flatten)]`. Formats that are not self-describing, such as
//!   bincode or postcard, cannot read them.
//!
//! The derived `Serialize` and `Deserialize` impls carry no "crate feature
//! `serde`" badge in these docs: each type's "With the `serde` feature"
//! paragraph says it instead.
//!
//! # Time limits: which to set
//!
//! - A ping's body: [`PingLayer::body_timeout`] (feature `tokio`), always,
//!   when the app faces the internet.
//! - A store call, on [`SqliteStore`] or [`PostgresStore`]:
//!   [`SqlStoreOptions::call_timeout`] (5 s by default). It bounds every call
//!   and sets the database's own lock and statement timeouts below it, so a
//!   stuck write is given up by the database rather than committed after the
//!   client was told `503`. Leave [`PingLayer::store_timeout`] unset.
//! - A store call, on a store of your own that does not bound its calls:
//!   [`PingLayer::store_timeout`] (feature `tokio`).
//!
//! If both store limits are set, the shorter answers first. [`MemoryStore`]
//! waits on nothing but its own lock and needs neither.
// Without its feature an item is not in the crate, so its link goes to docs.rs.
#![doc = ""]
#![cfg_attr(
    not(feature = "sqlite"),
    doc = "[`SqliteStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqliteStore.html"
)]
#![cfg_attr(
    not(feature = "postgres"),
    doc = "[`PostgresStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PostgresStore.html"
)]
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    doc = "[`sqlx`]: https://docs.rs/sqlx/0.9"
)]
#![cfg_attr(
    not(feature = "cron"),
    doc = "[`CronSchedule`]: https://docs.rs/tower-ping/latest/tower_ping/struct.CronSchedule.html"
)]
#![cfg_attr(
    not(feature = "oncalendar"),
    doc = "[`OnCalendarSchedule`]: https://docs.rs/tower-ping/latest/tower_ping/struct.OnCalendarSchedule.html"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`Monitor`]: https://docs.rs/tower-ping/latest/tower_ping/struct.Monitor.html"
)]
#![cfg_attr(
    not(feature = "api"),
    doc = "[`ApiLayer`]: https://docs.rs/tower-ping/latest/tower_ping/struct.ApiLayer.html"
)]
#![cfg_attr(
    not(feature = "api"),
    doc = "[`KeyDigest::of`]: https://docs.rs/tower-ping/latest/tower_ping/struct.KeyDigest.html#method.of"
)]
#![cfg_attr(
    not(feature = "api"),
    doc = "[`Check::unique_key`]: https://docs.rs/tower-ping/latest/tower_ping/struct.Check.html#method.unique_key"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`Delivery`]: https://docs.rs/tower-ping/latest/tower_ping/struct.Delivery.html"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`PingLayer::body_timeout`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PingLayer.html#method.body_timeout"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "[`PingLayer::store_timeout`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PingLayer.html#method.store_timeout"
)]
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    doc = "[`SqlStoreOptions`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqlStoreOptions.html"
)]
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    doc = "[`SqlStoreOptions::call_timeout`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqlStoreOptions.html#method.call_timeout"
)]
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    doc = "[`SqlStoreError`]: https://docs.rs/tower-ping/latest/tower_ping/enum.SqlStoreError.html"
)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "api")]
mod api;
#[cfg(feature = "dashboard")]
mod dashboard;
mod events;
mod monitor;
mod ping;
mod request;
#[cfg(feature = "serde")]
mod serde_fields;
mod state;
mod store;
mod time;

#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub use api::{ApiBody, ApiFuture, ApiLayer, ApiService, BoxError, DEFAULT_API_BODY_LIMIT};
pub use async_trait::async_trait;
/// The `http` crate whose types the layer's requests and pings use.
pub use http;
/// The `uuid` crate whose [`Uuid`](uuid::Uuid) names checks and runs.
pub use uuid;

#[cfg(feature = "dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "dashboard")))]
pub use dashboard::{
    DashboardBody, DashboardFuture, DashboardLayer, DashboardService, DEFAULT_REFRESH,
};
pub use monitor::notifier::{Notifier, NotifyError};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use monitor::{
    delivery::Delivery,
    delivery_error::DeliveryError,
    task::{Monitor, DEFAULT_SWEEP_INTERVAL},
};
pub use ping::{
    PingLayer, PingService, RateDecision, RateLimit, RateLimiter, ResponseBody, ResponseFuture,
    DEFAULT_BODY_LIMIT,
};
pub use request::{
    classify, FailedPing, ForwardedHeaders, InvalidPrefix, InvalidRunId, Ping, PingPath, PingQuery,
    Prefix, Route, Signal, Target,
};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use sqlx;
pub use state::{
    apply, expire, status_at, AllowedMethods, CheckRules, CheckState, Expiry, Flip, FlipReason,
    KeywordFilter, Kind, LiveStatus, Reminder, Schedule, ScheduleError, ScheduleKind, Status,
    StatusAt, Transition, DEFAULT_GRACE, DEFAULT_TIMEOUT, MAX_DURATION,
};
pub use store::alert::{Alert, AlertKind, DEFAULT_MAX_UNDELIVERED_ALERTS};
#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub use store::badge_url::{BadgeFormat, BadgeStates, BadgeUrls, ALL_CHECKS};
pub use store::channel::{Channel, Channels};
pub use store::check::Check;
pub use store::check_spec::{CheckSpec, UniqueField};
pub use store::check_store::{CheckStore, Creation, Lookup};
pub use store::check_summary::{CheckSummary, SummaryPage};
pub use store::cursor::Cursor;
pub use store::define_error::DefineError;
pub use store::logged_ping::{LoggedPing, DEFAULT_PING_LOG_LIMIT};
pub use store::manage_store::{
    CheckPage, CheckQuery, Created, DefinedSet, FlipQuery, ManageStore, Orphans, Resumed,
};
pub use store::memory::{MemoryCheckId, MemoryStore};
pub use store::monitor_signal::MonitorSignal;
pub use store::monitor_store::{Claim, MonitorStore, Sweep};
pub use store::new_check::NewCheck;
pub use store::project::{Access, KeyDigest, NewProject, Project, DEFAULT_CHECK_LIMIT};
pub use store::recorded_flip::RecordedFlip;
pub use store::slug::slugify;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::sql::PostgresStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::sql::SqliteStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use store::sql::{SqlCheckId, SqlStoreError, SqlStoreOptions};
#[cfg(feature = "cron")]
#[cfg_attr(docsrs, doc(cfg(feature = "cron")))]
pub use time::cron::{CronError, CronSchedule};
#[cfg(feature = "oncalendar")]
#[cfg_attr(docsrs, doc(cfg(feature = "oncalendar")))]
pub use time::oncalendar::{OnCalendarError, OnCalendarSchedule};
pub use time::rfc3339::Rfc3339;
