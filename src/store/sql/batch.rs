//! The backend-independent middle of a batch: apply each ping, in arrival
//! order, to its check's state as loaded inside the transaction.

use std::collections::HashMap;
use std::time::SystemTime;

use super::codec::{micros, time, FlipRow, PingRow, ReadCheck, StateRow};
use super::error::SqlStoreError;
use super::queue::Outcome;
use crate::events;
use crate::request::ping::Ping;
use crate::state::apply::apply;
use crate::state::check_state::CheckState;
use crate::state::rules::CheckRules;
use crate::store::check_store::Creation;
use crate::store::logged_ping::LoggedPing;
use crate::store::monitor_signal::MonitorSignal;
use uuid::Uuid;

/// A check as a batch loaded it, and what the batch made of it.
#[derive(Debug)]
struct Loaded {
    state: CheckState,
    rules: CheckRules,
    /// The `alert_after` the row held: at or before the check's deadline.
    stored_deadline: Option<SystemTime>,
    /// When the batch's last ping of the check arrived, if any did.
    pinged_at: Option<SystemTime>,
    /// Pings before the batch.
    n_before: i64,
    uuid: String,
}

impl Loaded {
    /// Whether this is the check `uuid` (its row may have been given to
    /// another check since the caller looked it up).
    fn holds(&self, uuid: Uuid) -> bool {
        Uuid::parse_str(&self.uuid).is_ok_and(|stored| stored == uuid)
    }

    /// The `alert_after` to write: the row's own when it is still ahead and
    /// not after the new deadline, else the new one. A ping pushes a
    /// deadline later, and rewriting the indexed column on every ping would
    /// cost an index entry each time (on PostgreSQL, no more in-place
    /// updates): the early value stays, and the sweep that reaches it finds
    /// the check not due and moves it to the deadline.
    fn indexed_deadline(&self, pinged_at: SystemTime) -> Option<SystemTime> {
        match (self.stored_deadline, self.state.alert_after) {
            (Some(stored), Some(deadline)) if stored <= deadline && stored > pinged_at => {
                Some(stored)
            }
            (_, deadline) => deadline,
        }
    }
}

/// A batch on its way through a transaction.
#[derive(Debug)]
pub(crate) struct Batch {
    outcomes: Vec<Option<Outcome>>,
    pending: Vec<Pending>,
}

#[derive(Debug)]
struct Pending {
    job: usize,
    check: i64,
    /// The UUID the caller found at row `check`, when it found it before
    /// the transaction (from a cache, perhaps stale).
    expect: Option<Uuid>,
    ping: Ping,
    creation: Creation,
}

/// What a batch writes: ping rows, new check states, log pruning, flips.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// One per work, in order.
    pub(crate) outcomes: Vec<Outcome>,
    /// `(check id, row)` for every recorded ping.
    pub(crate) log: Vec<(i64, PingRow)>,
    /// `(check id, state)` for every check that got pings.
    pub(crate) states: Vec<(i64, StateRow)>,
    /// `(check id, above, upto)`: delete that check's pings numbered in
    /// `above + 1 ..= upto`. Lower numbers went with earlier batches; naming
    /// the range keeps PostgreSQL from walking the index entries of the rows
    /// it already deleted (until vacuum removes them). After the log limit is
    /// lowered, rows between the old and the new limit stay behind, unseen.
    pub(crate) prune: Vec<(i64, i64, i64)>,
    /// Every flip, in the order it happened.
    pub(crate) flips: Vec<FlipRow>,
    /// `(check id, number)` of every reminder a sweep found due: queued for
    /// the check's channels with its latest flip.
    pub(crate) reminders: Vec<(i64, i64)>,
    /// When the batch's latest ping arrived, or the sweep's time: the
    /// moment alerts in flight are judged at when a queue folds.
    pub(crate) latest: Option<SystemTime>,
}

impl Applied {
    /// The earliest deadline the batch sets, to wake the monitor for.
    pub(crate) fn earliest_deadline(&self) -> Option<i64> {
        self.states.iter().filter_map(|(_, s)| s.alert_after).min()
    }

    /// The checks the batch records flips for.
    pub(crate) fn flipped_checks(&self) -> Vec<i64> {
        self.flips.iter().map(|f| f.check).collect()
    }

    /// The checks the batch may queue alerts for: alertable flips and
    /// reminders.
    pub(crate) fn alerted_checks(&self) -> Vec<i64> {
        let flips = self.flips.iter().filter(|f| f.alertable).map(|f| f.check);
        let mut checks: Vec<i64> = flips
            .chain(self.reminders.iter().map(|(check, _)| *check))
            .collect();
        checks.sort_unstable();
        checks.dedup();
        checks
    }

    /// Whether the batch may queue alerts for the notifier.
    pub(crate) fn has_alerts(&self) -> bool {
        self.flips.iter().any(|f| f.alertable) || !self.reminders.is_empty()
    }

    /// Tells this process of what the committed batch set: its earliest
    /// deadline and its alerts to the monitor, its flips to the reports.
    pub(crate) fn committed(&self, signal: &MonitorSignal) {
        if let Some(deadline) = self.earliest_deadline() {
            signal.deadline(time(deadline));
        }
        for flip in &self.flips {
            events::flipped(&flip.uuid, &flip.flip);
        }
        if self.has_alerts() {
            signal.flip();
        }
    }
}

impl Batch {
    pub(crate) fn new(size: usize) -> Self {
        Self {
            outcomes: (0..size).map(|_| None).collect(),
            pending: Vec::with_capacity(size),
        }
    }

    /// Work `job` is to record `ping` on `check` (if it still holds the
    /// check `expect`), then answer `creation`.
    pub(crate) fn record(
        &mut self,
        job: usize,
        check: i64,
        expect: Option<Uuid>,
        ping: Ping,
        creation: Creation,
    ) {
        self.pending.push(Pending {
            job,
            check,
            expect,
            ping,
            creation,
        });
    }

    /// Work `job` is done without a ping recorded.
    pub(crate) fn answer(&mut self, job: usize, outcome: Outcome) {
        self.outcomes[job] = Some(outcome);
    }

    /// The checks to load (and lock), ascending so that concurrent writers
    /// lock rows in one order and cannot deadlock.
    pub(crate) fn check_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.pending.iter().map(|p| p.check).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Applies every pending ping to the loaded checks with the one state
    /// machine, [`apply`]. A check whose row cannot be read (edited by hand,
    /// say) fails its own pings, not the batch's others.
    pub(crate) fn apply(self, rows: Vec<ReadCheck>, log_limit: usize) -> Applied {
        let mut checks: HashMap<i64, Loaded> = HashMap::with_capacity(rows.len());
        let mut unreadable: HashMap<i64, SqlStoreError> = HashMap::new();
        for row in rows {
            let (row, state, rules) = match row {
                Ok(read) => read,
                Err((id, error)) => {
                    unreadable.insert(id, error);
                    continue;
                }
            };
            let loaded = Loaded {
                stored_deadline: state.alert_after,
                state,
                rules,
                pinged_at: None,
                n_before: row.n_pings,
                uuid: row.uuid,
            };
            checks.insert(row.id, loaded);
        }
        let mut outcomes = self.outcomes;
        let mut log = Vec::with_capacity(self.pending.len());
        let mut flips = Vec::new();
        for pending in self.pending {
            if let Some(error) = unreadable.get(&pending.check) {
                outcomes[pending.job] = Some(Err(error.clone()));
                continue;
            }
            let check = checks
                .get_mut(&pending.check)
                .filter(|check| pending.expect.is_none_or(|uuid| check.holds(uuid)));
            let Some(check) = check else {
                outcomes[pending.job] = Some(Err(SqlStoreError::CheckGone));
                continue;
            };
            let transition = apply(&check.state, &check.rules, &pending.ping);
            flips.extend(
                transition
                    .flips()
                    .map(|f| FlipRow::new(pending.check, &check.uuid, f)),
            );
            check.state = transition.state.clone();
            check.pinged_at = Some(pending.ping.received_at);
            log.push((
                pending.check,
                PingRow::new(&LoggedPing::new(&transition, pending.ping)),
            ));
            outcomes[pending.job] = Some(Ok(pending.creation));
        }
        let latest = checks.values().filter_map(|check| check.pinged_at).max();
        let limit = i64::try_from(log_limit).unwrap_or(i64::MAX);
        let mut states = Vec::new();
        let mut prune = Vec::new();
        for (id, check) in &checks {
            let Some(pinged_at) = check.pinged_at else {
                continue;
            };
            let mut row = StateRow::new(&check.state);
            row.alert_after = check.indexed_deadline(pinged_at).map(micros);
            if row.n_pings > limit {
                prune.push((*id, (check.n_before - limit).max(0), row.n_pings - limit));
            }
            states.push((*id, row));
        }
        states.sort_unstable_by_key(|(id, _)| *id);
        // A batch with more pings for one check than its log keeps does not
        // write the ones the pruning would delete: the pruning then never
        // needs to see rows of its own batch.
        if !prune.is_empty() {
            let below: HashMap<i64, i64> = prune.iter().map(|(id, _, upto)| (*id, *upto)).collect();
            log.retain(|(check, ping)| below.get(check).is_none_or(|n| ping.n > *n));
        }
        Applied {
            outcomes: outcomes
                .into_iter()
                .map(|o| o.unwrap_or(Err(SqlStoreError::CheckGone)))
                .collect(),
            log,
            states,
            prune,
            flips,
            reminders: Vec::new(),
            latest,
        }
    }
}
