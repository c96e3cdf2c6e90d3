//! Finding checks: the [`CheckStore`](crate::CheckStore) calls (`resolve`,
//! and `record` and `create` handed to the writer).

use sqlx::{ColumnIndex, Encode, Executor, Row, Type};

use super::check_id::SqlCheckId;
use super::codec;
use super::dialect::{Dialect, Value};
use super::queue::Work;
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::request::grammar::Target;
use crate::request::ping::Ping;
use crate::store::check_store::{Creation, Lookup};

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    String: Value<DB>,
{
    pub(crate) async fn resolve(
        &self,
        target: Target<'_>,
    ) -> Result<Lookup<SqlCheckId>, SqlStoreError> {
        let limit = self.options.call_timeout;
        let pool = &self.pool;
        match target {
            Target::Uuid(uuid) => {
                if let Some(row) = self.cached_id(uuid) {
                    return Ok(Lookup::Found(SqlCheckId { row, uuid }));
                }
                let id: Option<i64> = bounded(
                    limit,
                    sqlx::query_scalar("SELECT id FROM tower_ping_checks WHERE uuid = $1")
                        .bind(uuid.to_string())
                        .fetch_optional(pool),
                )
                .await?;
                Ok(match id {
                    Some(row) => {
                        self.cache_id(uuid, row);
                        Lookup::Found(SqlCheckId { row, uuid })
                    }
                    None => Lookup::NotFound,
                })
            }
            Target::Slug { ping_key, slug } => {
                let rows = bounded(
                    limit,
                    sqlx::query(
                        "SELECT c.id, c.uuid FROM tower_ping_checks c \
                         JOIN tower_ping_projects p ON p.id = c.project_id \
                         WHERE p.ping_key = $1 AND c.slug = $2 LIMIT 2",
                    )
                    .bind(ping_key)
                    .bind(slug)
                    .fetch_all(pool),
                )
                .await?;
                Ok(match rows.as_slice() {
                    [one] => {
                        let uuid: String = one.try_get(1)?;
                        Lookup::Found(SqlCheckId {
                            row: one.try_get(0)?,
                            uuid: codec::uuid(&uuid)?,
                        })
                    }
                    [] => Lookup::NotFound,
                    _ => Lookup::Ambiguous,
                })
            }
        }
    }

    pub(crate) async fn record(&self, check: SqlCheckId, ping: Ping) -> Result<(), SqlStoreError> {
        // Observed here too: a caller that gave up waiting (the writer may
        // still be waiting on a lock) was answered 503, so the store is
        // unavailable from now, not from whenever the writer gives up.
        let recorded = self.observed(self.queue.submit(Work::Record { check, ping }).await);
        if let Err(SqlStoreError::CheckGone) = recorded {
            // Removed by another process (this one forgets on `remove`): the
            // next ping to it looks it up again, and finds nothing.
            self.forget_id(check.uuid);
        }
        recorded.map(drop)
    }

    pub(crate) async fn create(
        &self,
        ping_key: &str,
        slug: &str,
        ping: Ping,
    ) -> Result<Creation, SqlStoreError> {
        let created = self
            .queue
            .submit(Work::Create {
                ping_key: ping_key.to_owned(),
                slug: slug.to_owned(),
                ping,
            })
            .await;
        self.observed(created)
    }
}
