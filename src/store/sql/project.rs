//! Projects inside a transaction: a ping key's project, and the check a
//! `?create=1` ping finds or creates in it.

use sqlx::{ColumnIndex, Encode, Executor, Type};
use uuid::Uuid;

use super::dialect::{Dialect, Value};
use crate::state::status::Status;
use crate::store::check_store::Creation;
use crate::store::define_error::MAX_NAME;
use crate::store::project::{hex, random_secret};

/// The id of the project with `ping_key`, created (with a UUID and a badge
/// secret of its own, no name, no keys) if missing.
pub(crate) async fn project_id<DB>(conn: &mut DB::Connection, ping_key: &str) -> sqlx::Result<i64>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    String: Value<DB>,
{
    sqlx::query(
        "INSERT INTO tower_ping_projects (ping_key, uuid, badge_secret) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(ping_key)
    .bind(Uuid::new_v4().to_string())
    .bind(hex(&random_secret()))
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = $1")
        .bind(ping_key)
        .fetch_one(conn)
        .await
}

/// Finds the check of a `?create=1` ping, creating it when its project
/// has none and may have one more (fewer than `limit` checks, a slug of at
/// most 100 characters): `Ok((id, Created | Recorded))`, or `Err(NotFound |
/// Ambiguous)`.
pub(crate) async fn get_or_create<DB>(
    conn: &mut DB::Connection,
    ping_key: &str,
    slug: &str,
    limit: usize,
) -> sqlx::Result<Result<(i64, Creation), Creation>>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    String: Value<DB>,
{
    let project: Option<i64> =
        sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = $1")
            .bind(ping_key)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(project) = project else {
        return Ok(Err(Creation::NotFound));
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tower_ping_checks WHERE project_id = $1 AND slug = $2 LIMIT 2",
    )
    .bind(project)
    .bind(slug)
    .fetch_all(&mut *conn)
    .await?;
    match ids.as_slice() {
        [one] => return Ok(Ok((*one, Creation::Recorded))),
        [_, _, ..] => return Ok(Err(Creation::Ambiguous)),
        [] => {}
    }
    if slug.len() > MAX_NAME || count_checks::<DB>(conn, project).await? >= limit {
        return Ok(Err(Creation::NotFound));
    }
    // Every channel, as healthchecks gives a check a ping made.
    let id = sqlx::query_scalar(
        "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, status, channels, \
         badge_key) VALUES ($1, $2, $3, $4, $5, '*', $6) RETURNING id",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(slug)
    .bind(slug)
    .bind(project)
    .bind(Status::New.as_str())
    .bind(Uuid::new_v4().to_string())
    .fetch_one(conn)
    .await?;
    Ok(Ok((id, Creation::Created)))
}

/// How many checks the project (by row id) has.
pub(crate) async fn count_checks<DB>(conn: &mut DB::Connection, project: i64) -> sqlx::Result<usize>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Value<DB>,
{
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tower_ping_checks WHERE project_id = $1")
            .bind(project)
            .fetch_one(conn)
            .await?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}
