//! The monitoring contract: what a store does so that a check that goes
//! quiet goes down.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

use crate::monitor_signal::MonitorSignal;
use crate::store::CheckStore;

/// What one [`MonitorStore::sweep`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sweep {
    /// Checks flipped to down, each with a flip of reason `timeout`.
    pub flipped: usize,
    /// Checks found at or past their stored deadline that were not due after
    /// all (their rules or state changed) and got a new deadline.
    pub rearmed: usize,
    /// The earliest deadline left in the store after the sweep, as far as
    /// the store knows: the monitor sleeps until then at most.
    pub next_deadline: Option<SystemTime>,
}

impl Sweep {
    /// A sweep that flipped `flipped` checks, re-armed `rearmed`, and left
    /// `next_deadline` as the earliest deadline.
    pub fn new(flipped: usize, rearmed: usize, next_deadline: Option<SystemTime>) -> Self {
        Self {
            flipped,
            rearmed,
            next_deadline,
        }
    }
}

/// A [`CheckStore`] whose checks the monitor watches: it finds checks whose
/// deadline passed and flips them to down.
///
/// The layer needs only [`CheckStore`]; a store that also implements this
/// trait can be handed to `Monitor` (feature `tokio`),
/// which calls [`sweep`](Self::sweep) at each deadline.
///
/// # Implementing it
///
/// Keep each check's `alert_after` (part of [`CheckState`](crate::CheckState),
/// set by [`apply`](crate::apply) and the other state functions) where it can
/// be found by time: an index on the column, a sorted map. Then `sweep(now)`
/// is:
///
/// 1. find the checks with `alert_after <= now`;
/// 2. for each, holding the same lock or row lock as `record` does, call
///    [`expire`](crate::expire) on its current state and rules;
/// 3. store the state it returns and record its flip (if any) in the same
///    transaction;
/// 4. report how many were flipped and re-armed, and the earliest deadline
///    left.
///
/// Under the lock, `expire` decides from the state as it is now, so a ping
/// that got there first is never undone: the check is re-armed instead of
/// flipped. With several processes on one database, lock the rows so that
/// each check is flipped by one of them (PostgreSQL:
/// `SELECT ... FOR UPDATE SKIP LOCKED`).
///
/// `MemoryStore`'s implementation is the reference.
#[async_trait]
pub trait MonitorStore: CheckStore {
    /// Flips to down every check past its deadline at `now` that is not down
    /// yet, dating each flip at the deadline, and re-arms the ones that turn
    /// out not to be due. Checks are flipped once, however many sweeps run at
    /// once.
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Self::Error>;

    /// The signal this store reports its own deadlines and flips to, so the
    /// monitor of this process wakes for them early; `None` (the default)
    /// when it reports none, and the monitor relies on its sweep interval.
    fn signal(&self) -> Option<&MonitorSignal> {
        None
    }

    /// Whether other processes can set deadlines in this store (a shared
    /// database): the monitor then also sweeps at every sweep interval. A
    /// store that sees every change itself (in memory) returns `false`, and
    /// the monitor sleeps until its next deadline or signal.
    fn is_shared(&self) -> bool {
        true
    }
}

#[async_trait]
impl<S: MonitorStore> MonitorStore for Arc<S> {
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Self::Error> {
        (**self).sweep(now).await
    }

    fn signal(&self) -> Option<&MonitorSignal> {
        (**self).signal()
    }

    fn is_shared(&self) -> bool {
        (**self).is_shared()
    }
}
