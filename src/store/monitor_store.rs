//! The monitoring contract: what a store does so that a check that goes
//! quiet goes down.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use uuid::Uuid;

use crate::store::alert::Alert;
use crate::store::check_store::CheckStore;
use crate::store::monitor_signal::MonitorSignal;

/// What one [`MonitorStore::sweep`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sweep {
    /// Checks flipped to down, each with a flip of reason `timeout`.
    pub flipped: usize,
    /// Down checks whose reminder came, each with a reminder queued for its
    /// channels.
    pub reminded: usize,
    /// Checks found at or past their stored deadline that were not due after
    /// all (their rules or state changed) and got a new deadline.
    pub rearmed: usize,
    /// The earliest `alert_after` left in the store after the sweep (a
    /// deadline or a reminder), as far as the store knows: the monitor
    /// sleeps until then at most. It must cover every check of the store
    /// whose `alert_after` is set and later than the sweep's `now`; a check
    /// due at `now` that the sweep left alone (another process holds it)
    /// need not be covered, since that process settles it. `None` when no
    /// check has one.
    pub next_deadline: Option<SystemTime>,
}

impl Sweep {
    /// A sweep that flipped `flipped` checks, re-armed `rearmed`, and left
    /// `next_deadline` as the earliest deadline; it reminded of none (set
    /// [`reminded`](Self::reminded) with [`Sweep::reminded`]).
    pub fn new(flipped: usize, rearmed: usize, next_deadline: Option<SystemTime>) -> Self {
        Self {
            flipped,
            reminded: 0,
            rearmed,
            next_deadline,
        }
    }

    /// Sets how many reminders the sweep queued.
    pub fn reminded(mut self, reminded: usize) -> Self {
        self.reminded = reminded;
        self
    }
}

/// A claim on alerts to deliver: what [`MonitorStore::claim_alerts`] is
/// asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claim {
    /// Who claims: one id per monitor, so that only it can fail or release
    /// its claims.
    pub claimer: Uuid,
    /// The moment of the claim.
    pub now: SystemTime,
    /// How long the claim holds: past `now + lease` another claimer may take
    /// the alert (its claimer is presumed dead).
    pub lease: Duration,
    /// The most alerts to claim.
    pub max: usize,
    /// The longest a retry waits: an alert whose retry time lies further
    /// than this after `now` was scheduled before the wall clock was set
    /// back, and is due now (`Duration::MAX`, the default: no bound).
    pub retry_cap: Duration,
}

impl Claim {
    /// A claim by `claimer` at `now` of up to `max` alerts, each held for
    /// `lease`.
    pub fn new(claimer: Uuid, now: SystemTime, lease: Duration, max: usize) -> Self {
        Self {
            claimer,
            now,
            lease,
            max,
            retry_cap: Duration::MAX,
        }
    }

    /// Bounds how long a retry waits, whatever the wall clock did: see
    /// [`retry_cap`](Self::retry_cap).
    pub fn retry_cap(mut self, cap: Duration) -> Self {
        self.retry_cap = cap;
        self
    }

    /// When the claimed alerts become claimable again.
    pub fn until(&self) -> SystemTime {
        self.now.checked_add(self.lease).unwrap_or(self.now)
    }

    /// Whether an alert waiting to be retried at `retry_at` may be claimed
    /// now: its time came, or it lies further ahead than the retry cap (it
    /// was set before the wall clock went back).
    pub fn retry_due(&self, retry_at: SystemTime) -> bool {
        retry_at <= self.now
            || self
                .now
                .checked_add(self.retry_cap)
                .is_some_and(|cap| retry_at > cap)
    }

    /// Whether a claim held until `until` still holds: it runs past now,
    /// and not further than two leases ahead. A claim further ahead was made
    /// before the wall clock went back, by a claimer that may be gone; the
    /// second lease leaves room for clocks of several instances that
    /// disagree a little.
    pub fn held(&self, until: SystemTime) -> bool {
        until > self.now && until <= self.stale_after()
    }

    /// Claims held beyond this are stale: [`held`](Self::held).
    pub fn stale_after(&self) -> SystemTime {
        self.until()
            .checked_add(self.lease)
            .unwrap_or_else(|| self.until())
    }
}

/// A [`CheckStore`] whose checks the monitor watches: it finds checks whose
/// time came, flips them to down or reminds of them, and keeps the outbox of
/// alerts until they are delivered.
///
/// The layer needs only [`CheckStore`]; a store that also implements this
/// trait can be handed to `Monitor` (feature `tokio`),
/// which calls [`sweep`](Self::sweep) at each deadline and delivers what
/// [`claim_alerts`](Self::claim_alerts) hands it.
///
/// # Sweeping
///
/// Keep each check's `alert_after` (part of [`CheckState`](crate::CheckState),
/// set by [`apply`](crate::apply) and the other state functions) where it can
/// be found by time: an index on the column, a sorted map. Then `sweep(now)`
/// is:
///
/// 1. find the checks with `alert_after <= now`;
/// 2. for each, holding the same lock or row lock as `record` does, call
///    [`expire`](crate::expire) on its current state and rules;
/// 3. store the state it returns, and in the same transaction record its
///    flip (if any) and queue the alerts of the flip, or of its
///    [`reminder`](crate::Expiry::reminder) (see below);
/// 4. report how many were flipped, reminded and re-armed, and the earliest
///    `alert_after` left ([`Sweep::next_deadline`] says what it must cover).
///
/// Under the lock, `expire` decides from the state as it is now, so a ping
/// that got there first is never undone: the check is re-armed instead of
/// flipped. With several processes on one database, lock the rows so that
/// each check is flipped by one of them (PostgreSQL:
/// `SELECT ... FOR UPDATE SKIP LOCKED`).
///
/// # The outbox
///
/// Every alertable flip ([`Flip::is_alertable`](crate::Flip::is_alertable))
/// recorded, by a ping or by a sweep, queues alerts in the same transaction:
/// one for each channel the check alerts ([`Check::channels`](crate::Check::channels),
/// resolved against the channels registered with the store; `Channels::All`
/// is every one of them), or one without a channel when the store has no
/// channel at all and the check alerts every channel (`Channels::All`). A
/// reminder queues the same way, carrying the check's
/// latest (down) flip and its number. Alerts are numbered in the order
/// queued; each (check, channel) pair is a queue of its own.
///
/// [`claim_alerts`](Self::claim_alerts) leases the alerts whose turn has
/// come: the oldest undelivered alert of each (check, channel) pair, unless a
/// live claim holds it or its retry time has not come; the claim counts an
/// attempt. ([`Claim::held`] and [`Claim::retry_due`] say whether a lease
/// still holds and whether a retry is due, bounding both whatever the wall
/// clock did.) [`renew_alerts`](Self::renew_alerts) extends the claims of
/// calls still running, [`alerts_delivered`](Self::alerts_delivered) marks
/// alerts delivered, [`alert_failed`](Self::alert_failed) sets the retry
/// time and gives the claim up, and [`release_alerts`](Self::release_alerts)
/// gives claims up at once (at shutdown). A claim that is neither renewed,
/// acted on nor released expires after its lease, so the alerts of a
/// process that died are delivered by another, or by it once restarted,
/// within a lease. With several processes, make each claim atomic (one
/// `UPDATE ... RETURNING`, or `FOR UPDATE SKIP LOCKED`), so that no alert is
/// held by two live claims.
///
/// A store may bound the undelivered alerts of a (check, channel) pair:
/// past the bound, the oldest ones not in flight are folded into the oldest
/// one kept, whose [`folded`](crate::Alert::folded) counts them. Folded
/// flips stay recorded.
///
/// # Waking the monitor
///
/// [`signal`](Self::signal) returns a [`MonitorSignal`] the store reports
/// to, so the monitor of this process wakes early: call
/// [`MonitorSignal::deadline`] after committing an `alert_after` earlier than
/// any the store reported (a ping of a check with a short period, a check
/// defined), and [`MonitorSignal::flip`] after committing alerts to the
/// outbox (so they are claimed at once). A store without a signal must keep
/// [`is_shared`](Self::is_shared) at its default, `true`: the monitor then
/// sweeps and polls it every sweep interval.
///
/// `MemoryStore`'s implementation is the reference, and the suites in
/// `tests/monitor_suite.rs` and `tests/alert_suite.rs` run against every
/// store of the crate: run them against yours.
#[async_trait]
pub trait MonitorStore: CheckStore {
    /// Flips to down every check past its deadline at `now` that is not down
    /// yet, dating each flip at the deadline, queues the reminders of down
    /// checks whose reminder came, and re-arms the ones that turn out not to
    /// be due. Checks are flipped and reminded of once, however many sweeps
    /// run at once.
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Self::Error>;

    /// Claims the alerts whose turn has come (see above), in the order they
    /// were queued, and returns them with their check and channel.
    async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, Self::Error>;

    /// Extends `claimer`'s claims on the alerts `ids` (calls still running)
    /// to `until`. Does nothing for an alert `claimer` no longer holds.
    async fn renew_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
        until: SystemTime,
    ) -> Result<(), Self::Error>;

    /// Marks the alerts `ids` delivered, whoever claimed them.
    async fn alerts_delivered(&self, ids: &[u64], now: SystemTime) -> Result<(), Self::Error>;

    /// An attempt to deliver alert `id` failed: it may be claimed again from
    /// `retry_at`. Does nothing when `claimer` no longer holds it (its lease
    /// expired and another took it).
    async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), Self::Error>;

    /// Gives up `claimer`'s claims on the alerts `ids`: claimable again at
    /// once, by anyone.
    async fn release_alerts(&self, ids: &[u64], claimer: Uuid) -> Result<(), Self::Error>;

    /// The signal this store reports its own deadlines and flips to, so the
    /// monitor of this process wakes for them early; `None` (the default)
    /// when it reports none, and the monitor relies on its sweep interval.
    fn signal(&self) -> Option<&MonitorSignal> {
        None
    }

    /// Whether other processes can set deadlines in this store (a shared
    /// database): the monitor then also sweeps at every sweep interval. A
    /// store that sees every change itself (in memory) returns `false`, and
    /// the monitor sleeps until its next deadline or signal: return `false`
    /// only from a store that reports every deadline it sets, and every
    /// alert it queues, to its [`signal`](Self::signal).
    fn is_shared(&self) -> bool {
        true
    }
}

#[async_trait]
impl<S: MonitorStore> MonitorStore for Arc<S> {
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Self::Error> {
        (**self).sweep(now).await
    }

    async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, Self::Error> {
        (**self).claim_alerts(claim).await
    }

    async fn renew_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
        until: SystemTime,
    ) -> Result<(), Self::Error> {
        (**self).renew_alerts(ids, claimer, until).await
    }

    async fn alerts_delivered(&self, ids: &[u64], now: SystemTime) -> Result<(), Self::Error> {
        (**self).alerts_delivered(ids, now).await
    }

    async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), Self::Error> {
        (**self).alert_failed(id, claimer, retry_at).await
    }

    async fn release_alerts(&self, ids: &[u64], claimer: Uuid) -> Result<(), Self::Error> {
        (**self).release_alerts(ids, claimer).await
    }

    fn signal(&self) -> Option<&MonitorSignal> {
        (**self).signal()
    }

    fn is_shared(&self) -> bool {
        (**self).is_shared()
    }
}
