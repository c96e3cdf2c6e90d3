//! Projects inside a transaction: a ping key's project, and the check a
//! `?create=1` ping finds or creates in it.

use sqlx::{ColumnIndex, Encode, Executor, Type};
use uuid::Uuid;

use super::dialect::{Dialect, Value};
use crate::state::status::Status;
use crate::store::check_store::Creation;

/// The id of the project with `ping_key`, created if missing.
pub(crate) async fn project_id<DB>(conn: &mut DB::Connection, ping_key: &str) -> sqlx::Result<i64>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
{
    sqlx::query("INSERT INTO tower_ping_projects (ping_key) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(ping_key)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = $1")
        .bind(ping_key)
        .fetch_one(conn)
        .await
}

/// Finds the check of a `?create=1` ping, creating it when its project
/// has none: `Ok((id, Created | Recorded))`, or `Err(NotFound | Ambiguous)`.
pub(crate) async fn get_or_create<DB>(
    conn: &mut DB::Connection,
    ping_key: &str,
    slug: &str,
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
    Ok(match ids.as_slice() {
        [one] => Ok((*one, Creation::Recorded)),
        [_, _, ..] => Err(Creation::Ambiguous),
        [] => {
            let id = sqlx::query_scalar(
                "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, status) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(slug)
            .bind(slug)
            .bind(project)
            .bind(Status::New.as_str())
            .fetch_one(conn)
            .await?;
            Ok((id, Creation::Created))
        }
    })
}
