//! Keeping the outbox bounded: past the bound, a (check, channel) queue's
//! oldest alerts not in flight fold into the oldest one kept; and settling
//! the flips left with no alert to deliver.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Executor, QueryBuilder};

use super::codec::micros;
use super::dialect::{Dialect, Value};

/// Ids per statement.
const ID_CHUNK: usize = 1000;

/// Folds the queues of `checks` back to `max` undelivered alerts each, in
/// the transaction that just queued alerts for them: the oldest alerts not
/// in flight at `now` go, and the oldest one kept counts them in `folded`.
/// Their flips, left with no alert, are settled.
pub(crate) async fn fold<DB>(
    conn: &mut DB::Connection,
    checks: &[i64],
    max: usize,
    now: SystemTime,
) -> sqlx::Result<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    String: Value<DB>,
{
    let max = max.max(1);
    let bound = i64::try_from(max).unwrap_or(i64::MAX);
    for chunk in checks.chunks(ID_CHUNK) {
        let mut over = QueryBuilder::<DB>::new(
            "SELECT check_id, channel FROM tower_ping_alerts WHERE check_id IN (",
        );
        push_ids(&mut over, chunk);
        over.push(" GROUP BY check_id, channel HAVING COUNT(*) > ");
        over.push_bind(bound);
        let queues: Vec<(i64, String)> = over.build_query_as().fetch_all(&mut *conn).await?;
        for (check, channel) in queues {
            let queue: Vec<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, folded, flip_id, claimed_until FROM tower_ping_alerts \
                 WHERE check_id = $1 AND channel = $2 ORDER BY id",
            )
            .bind(check)
            .bind(channel)
            .fetch_all(&mut *conn)
            .await?;
            let Some(plan) = Folding::plan(&queue, max, micros(now)) else {
                continue;
            };
            let mut delete = QueryBuilder::<DB>::new("DELETE FROM tower_ping_alerts WHERE id IN (");
            push_ids(&mut delete, &plan.dropped);
            delete.build().execute(&mut *conn).await?;
            sqlx::query("UPDATE tower_ping_alerts SET folded = folded + $1 WHERE id = $2")
                .bind(plan.stands_for)
                .bind(plan.into)
                .execute(&mut *conn)
                .await?;
            settle_flips::<DB>(conn, &plan.flips, now).await?;
        }
    }
    Ok(())
}

/// Which alerts of one queue fold into which.
#[derive(Debug, PartialEq, Eq)]
struct Folding {
    dropped: Vec<i64>,
    /// Their flips.
    flips: Vec<i64>,
    into: i64,
    /// How many alerts the dropped ones stood for.
    stands_for: i64,
}

impl Folding {
    /// The folding of `queue` (`(id, folded, flip_id, claimed_until)`,
    /// oldest first) back to `max` alerts at `now`, the head kept when it is
    /// in flight; `None` when nothing can fold.
    fn plan(queue: &[(i64, i64, i64, Option<i64>)], max: usize, now: i64) -> Option<Self> {
        if queue.len() <= max {
            return None;
        }
        let excess = queue.len() - max;
        let in_flight = queue[0].3.is_some_and(|until| until > now);
        let start = usize::from(in_flight);
        let into = (start + excess).min(queue.len() - 1);
        if into <= start {
            return None;
        }
        let dropped = &queue[start..into];
        Some(Self {
            dropped: dropped.iter().map(|alert| alert.0).collect(),
            flips: dropped.iter().map(|alert| alert.2).collect(),
            into: queue[into].0,
            stands_for: dropped.iter().map(|alert| alert.1 + 1).sum(),
        })
    }
}

/// Marks delivered the flips of `flips` that have no alert left.
pub(crate) async fn settle_flips<DB>(
    conn: &mut DB::Connection,
    flips: &[i64],
    now: SystemTime,
) -> sqlx::Result<()>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Value<DB>,
{
    if flips.is_empty() {
        return Ok(());
    }
    let mut update = QueryBuilder::<DB>::new("UPDATE tower_ping_flips SET delivered_at = ");
    update.push_bind(micros(now));
    update.push(
        " WHERE delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM tower_ping_alerts a \
         WHERE a.flip_id = tower_ping_flips.id) AND id IN (",
    );
    push_ids(&mut update, flips);
    update.build().execute(conn).await?;
    Ok(())
}

/// Appends `id, id, ...)` to a statement.
pub(crate) fn push_ids<DB: Dialect>(query: &mut QueryBuilder<DB>, ids: &[i64])
where
    i64: Value<DB>,
{
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
}

#[cfg(test)]
mod tests {
    use super::Folding;

    #[test]
    fn the_oldest_alerts_fold_into_the_oldest_kept() {
        // (id, folded, flip, claimed until): five alerts, at most three.
        let queue = [
            (1, 0, 11, None),
            (2, 4, 12, None),
            (3, 0, 13, None),
            (4, 0, 14, None),
            (5, 0, 15, None),
        ];
        let plan = Folding::plan(&queue, 3, 100).unwrap();
        assert_eq!(plan.dropped, [1, 2]);
        assert_eq!(plan.flips, [11, 12]);
        assert_eq!((plan.into, plan.stands_for), (3, 6));
        assert_eq!(Folding::plan(&queue[..3], 3, 100), None);
    }

    #[test]
    fn an_alert_in_flight_is_never_folded() {
        let queue = [
            (1, 0, 11, Some(200)),
            (2, 0, 12, None),
            (3, 0, 13, None),
            (4, 0, 14, None),
        ];
        let plan = Folding::plan(&queue, 2, 100).unwrap();
        assert_eq!(plan.dropped, [2, 3]);
        assert_eq!((plan.into, plan.stands_for), (4, 2));
        // Its lease ran out: it folds like the others.
        let plan = Folding::plan(&queue, 2, 300).unwrap();
        assert_eq!(plan.dropped, [1, 2]);
        // In flight with a bound of one: the head and the newest stay.
        let plan = Folding::plan(&queue, 1, 100).unwrap();
        assert_eq!((plan.dropped.as_slice(), plan.into), (&[2, 3][..], 4));
    }
}
