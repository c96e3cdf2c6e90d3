//! Stores on SQL databases: [`SqliteStore`](crate::SqliteStore) (feature
//! `sqlite`) and [`PostgresStore`](crate::PostgresStore) (feature `postgres`).
//!
//! Both keep checks, projects (ping keys) and each check's ping log in tables
//! named `tower_ping_*`, created by migrations shipped in the crate and
//! applied on connect. Both apply pings with the one state machine,
//! [`apply`](crate::apply), inside a transaction that holds the check's row,
//! so a ping's number `n` is assigned by the database: distinct and without
//! gaps, however many processes share it.
//!
//! Pings are written by one task per store, in batches: pings that arrive
//! while a commit is in flight go into the next transaction (group commit).
//! A call returns `Ok`, and the layer answers `200`, only after the
//! transaction holding that ping committed.
//!
//! Every call is bounded: waiting for a connection by the acquire timeout,
//! the whole call by the call timeout (see [`SqlStoreOptions`]). Past either,
//! the call fails and the layer answers `503 store unavailable` while the
//! rest of the app keeps answering.

use std::future::Future;
use std::time::Duration;

mod batch;
mod check_id;
mod codec;
mod define;
mod dialect;
mod error;
mod fan_out;
mod flip_log;
mod fold;
mod forward;
mod health;
mod inspect;
mod lookup;
mod manage;
mod migrate;
mod options;
mod outbox;
mod parsed_schedules;
mod probe;
mod project;
mod queue;
mod shared;
mod sweep;
mod writer;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use check_id::SqlCheckId;
pub use error::SqlStoreError;
pub use options::SqlStoreOptions;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// Runs a database call, failing it after `limit`.
async fn bounded<T, E>(
    limit: Duration,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, SqlStoreError>
where
    SqlStoreError: From<E>,
{
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(SqlStoreError::from),
        Err(_) => Err(SqlStoreError::Timeout(limit)),
    }
}
