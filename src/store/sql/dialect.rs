//! What differs between the SQL databases, behind one private trait.
//!
//! The two stores run the same statements through the same logic; the shared
//! code ([`inspect`](super::inspect), [`lookup`](super::lookup),
//! [`writer`](super::writer), [`migrate`](super::migrate)) is generic over a
//! [`Dialect`], and each database's file implements it: how a write
//! transaction begins, the schema, the row readers, and the few steps of a
//! batch written differently (PostgreSQL locks rows and writes the whole
//! batch as one statement over arrays; SQLite takes the write lock up front
//! and writes multi-row statements).
//!
//! Generics rather than a macro: the shared code is ordinary Rust that the
//! compiler and the editor check once, and what a database must provide is
//! listed in one trait. The price is the `where` clause sqlx needs of a
//! driver (an executor for `&mut DB::Connection`, column indexes, the value
//! types bound and read): Rust does not imply bounds on other types from
//! `DB: Dialect`, so each generic `impl` block (one per file) states the ones
//! it uses, kept short by [`Value`].
//!
//! Shared statements number their placeholders `$1, $2, ...`: PostgreSQL's
//! syntax, which SQLite also accepts (sqlx binds `$N` as the N-th argument).

use async_trait::async_trait;
use sqlx::{Database, Decode, Encode, IntoArguments, Type};

use super::batch::Applied;
use super::codec::{AlertRow, CheckRow, PingRow, ReadCheck, StoredFlipRow};
use super::queue::Work;

/// A Rust type that `DB` both binds as a parameter and reads from a column.
pub(crate) trait Value<DB: Database>:
    Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>
{
}

impl<DB: Database, T> Value<DB> for T where
    T: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>
{
}

/// What one SQL database does its own way.
#[async_trait]
pub(crate) trait Dialect: Database<Arguments: IntoArguments<Self>> {
    /// The statement that begins a transaction of the writer and of the
    /// management calls.
    const BEGIN: &'static str;

    /// The schema, one migration per entry: `(version, description, SQL)`.
    const MIGRATIONS: &'static [(i64, &'static str, &'static str)];

    /// Creates the table that records applied migrations.
    const CREATE_MIGRATIONS_TABLE: &'static str;

    /// Appended to a `SELECT` of [`CHECK_SELECT`](super::codec::CHECK_SELECT)
    /// to hold the checks it reads until the transaction ends (nothing where
    /// the transaction already holds the database).
    const FOR_UPDATE: &'static str;

    /// The same, skipping the checks another transaction holds: how sweeps
    /// of several processes share out the overdue checks.
    const FOR_UPDATE_SKIP_LOCKED: &'static str;

    /// Appended to a `SELECT` of one table to hold its rows until the
    /// transaction ends.
    const LOCK_ROW: &'static str;

    /// Appended to a `SELECT` of one table to hold its rows, skipping those
    /// another transaction holds: how claims of several processes share out
    /// the alerts.
    const SKIP_LOCKED: &'static str;

    /// Reads a row of [`CHECK_SELECT`](super::codec::CHECK_SELECT).
    fn read_check(row: &Self::Row) -> sqlx::Result<CheckRow>;

    /// Reads the id alone of a row of `CHECK_SELECT`.
    fn read_check_id(row: &Self::Row) -> sqlx::Result<i64>;

    /// Reads a row of `CHECK_SELECT` with its state and rules, or, when any
    /// of it cannot be read, its id and why: one damaged row must not fail
    /// the others read with it.
    fn read_check_or_id(row: &Self::Row) -> sqlx::Result<ReadCheck> {
        match Self::read_check(row) {
            Ok(check) => Ok(check.decoded()),
            Err(error) => Ok(Err((Self::read_check_id(row)?, error.into()))),
        }
    }

    /// Reads a row of [`PING_COLUMNS`](super::codec::PING_COLUMNS).
    fn read_ping(row: &Self::Row) -> sqlx::Result<PingRow>;

    /// Reads a row of [`FLIP_SELECT`](super::codec::FLIP_SELECT).
    fn read_flip(row: &Self::Row) -> sqlx::Result<StoredFlipRow>;

    /// Reads a row of [`ALERT_SELECT`](super::outbox::ALERT_SELECT).
    fn read_alert(row: &Self::Row) -> sqlx::Result<AlertRow>;

    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Keeps concurrent instances from migrating at the same time, until
    /// the transaction ends.
    async fn lock_migrations(conn: &mut Self::Connection) -> sqlx::Result<()>;

    /// Keeps concurrent instances from defining checks at the same time, so
    /// two that declare the same check at start-up make one, until the
    /// transaction ends.
    async fn lock_definitions(conn: &mut Self::Connection) -> sqlx::Result<()>;

    /// Takes what a batch must hold before it gets or creates the checks of
    /// its `?create=1` pings.
    async fn lock_projects(conn: &mut Self::Connection, works: &[Work]) -> sqlx::Result<()>;

    /// Loads the checks `ids` (not empty) that a batch pings, holding their
    /// rows until the transaction ends.
    async fn load_checks(conn: &mut Self::Connection, ids: &[i64]) -> sqlx::Result<Vec<ReadCheck>>;

    /// Writes a batch's ping rows, new check states, log pruning and flips.
    async fn write_applied(conn: &mut Self::Connection, applied: &Applied) -> sqlx::Result<()>;
}
