//! How long flips are kept: each check keeps its newest flips, as many as
//! its ping log keeps pings (at least one: a reminder carries the latest),
//! and every older one with an alert not yet delivered.

use sqlx::{Executor, QueryBuilder};

use super::dialect::{Dialect, Value};

/// Deletes the flips of `checks` that are past their check's newest `keep`
/// and have no alert left in the outbox, in the transaction that just
/// recorded new flips for them.
pub(crate) async fn prune<DB>(
    conn: &mut DB::Connection,
    checks: &[i64],
    keep: usize,
) -> sqlx::Result<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Value<DB>,
{
    let mut checks = checks.to_vec();
    checks.sort_unstable();
    checks.dedup();
    for chunk in checks.chunks(1000) {
        let mut delete = QueryBuilder::<DB>::new(
            "DELETE FROM tower_ping_flips WHERE id IN (SELECT id FROM (SELECT id, \
             ROW_NUMBER() OVER (PARTITION BY check_id ORDER BY id DESC) AS newer \
             FROM tower_ping_flips WHERE check_id IN (",
        );
        let mut list = delete.separated(", ");
        for check in chunk {
            list.push_bind(*check);
        }
        delete.push(")) AS ranked WHERE newer > ");
        delete.push_bind(i64::try_from(keep.max(1)).unwrap_or(i64::MAX));
        delete.push(
            " AND NOT EXISTS (SELECT 1 FROM tower_ping_alerts a \
             WHERE a.flip_id = ranked.id))",
        );
        delete.build().execute(&mut *conn).await?;
    }
    Ok(())
}
