//! Delivering alerts: the monitor's second loop, from the store's outbox to
//! the app's [`Notifier`](crate::Notifier) (feature `tokio`).
//!
//! Each round settles the calls that ended (marking delivered alerts in one
//! store call, scheduling failed ones for a retry), then claims as many
//! alerts as there is room for under the bound on calls in flight, and
//! spawns a call for each, bounded by the call timeout; every third of a
//! lease it renews the claims of the calls still running. Calls run as
//! tasks of their own, so a slow notifier holds nothing but its place under
//! the bound: pings and sweeps never wait for it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;
use uuid::Uuid;

use crate::events;
use crate::monitor::delivery_error::DeliveryError;
use crate::monitor::routes::Routes;
use crate::monitor::wake::{later, sleep_until, WallClock};
use crate::store::alert::Alert;
use crate::store::monitor_signal::Side;
use crate::store::monitor_store::{Claim, MonitorStore};

/// How the [`Monitor`](crate::Monitor) delivers alerts (feature `tokio`).
///
/// ```
/// use std::time::Duration;
/// use tower_ping::Delivery;
///
/// let delivery = Delivery::new()
///     .max_in_flight(8)
///     .call_timeout(Duration::from_secs(5))
///     .retry(Duration::from_secs(2), Duration::from_secs(300));
/// assert_eq!(delivery.retry_delay(1), Duration::from_secs(2));
/// assert_eq!(delivery.retry_delay(3), Duration::from_secs(8));
/// assert_eq!(delivery.retry_delay(30), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The most notifier calls in flight at once (32 by default).
    pub max_in_flight: usize,
    /// How long one call may take before it counts as failed (10 s by
    /// default). The call's future is dropped then.
    pub call_timeout: Duration,
    /// How long a claim holds an alert (10 s by default). While a call
    /// runs, the monitor renews its claim every third of the lease; past a
    /// lease without renewal, another monitor (another process, or this one
    /// restarted) may deliver the alert, presuming this one dead. The
    /// alerts of a process killed in the middle of a call are thus
    /// delivered again within about a lease and a sweep interval.
    pub lease: Duration,
    /// The wait before the first retry of a failed alert (1 s by default);
    /// each further failure doubles it.
    pub retry_base: Duration,
    /// The longest wait between retries (60 s by default): once a channel
    /// answers again, its queued alerts go out within this.
    pub retry_cap: Duration,
    /// At shutdown, how long calls in flight may go on (5 s by default);
    /// those still running then are dropped and their alerts given back for
    /// another monitor to deliver.
    pub shutdown_grace: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            max_in_flight: 32,
            call_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(10),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl Delivery {
    /// The defaults: 32 calls in flight, a 10 s call timeout, a 10 s lease
    /// renewed while a call runs, retries from 1 s doubling up to 60 s, 5 s
    /// of grace at shutdown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the most notifier calls in flight (at least one).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// Sets how long one notifier call may take.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Sets how long a claim holds an alert without renewal (at least
    /// 30 ms, so that it can be renewed).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Sets the first retry's wait and the longest.
    pub fn retry(mut self, base: Duration, cap: Duration) -> Self {
        self.retry_base = base;
        self.retry_cap = cap.max(base);
        self
    }

    /// Sets how long calls in flight may go on at shutdown.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The wait before retrying an alert whose `attempt`-th delivery failed:
    /// the base, doubled for each attempt after the first, at most the cap.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        // In nanoseconds, saturating: past 2^127 times the base, any cap.
        let doublings = attempt.saturating_sub(1).min(127);
        let delay = self.retry_base.as_nanos().saturating_mul(1 << doublings);
        if delay >= self.retry_cap.as_nanos() {
            return self.retry_cap;
        }
        const NANOS: u128 = 1_000_000_000;
        // Below the cap, so it fits a `Duration`.
        Duration::new((delay / NANOS) as u64, (delay % NANOS) as u32)
    }

    /// How often the claims of calls in flight are renewed: a third of the
    /// lease, so that two renewals may fail or come late before it runs out.
    pub(crate) fn renew_every(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(10))
    }
}

/// A hook that hears of every failed or timed-out notifier call.
pub(crate) type FailureHook = Arc<dyn Fn(&Alert, &DeliveryError) + Send + Sync>;

/// What every step of the delivery loop reads and none changes.
struct Context<'a, S: MonitorStore> {
    store: &'a S,
    options: &'a Delivery,
    on_store_error: &'a (dyn Fn(&S::Error) + Send + Sync),
    on_failure: &'a FailureHook,
    /// This monitor's name in its claims.
    claimer: Uuid,
    /// The time of day.
    clock: &'a WallClock,
}

/// Calls that ended, not yet told to the store.
#[derive(Default)]
struct Ended {
    delivered: Vec<u64>,
    failed: Vec<(Alert, DeliveryError)>,
}

/// The delivery loop: the calls in flight, and what to tell the store of
/// the ones that ended.
pub(crate) struct Deliverer<'a, S: MonitorStore> {
    cx: Context<'a, S>,
    routes: Routes,
    calls: JoinSet<Result<(), DeliveryError>>,
    in_flight: HashMap<Id, Alert>,
    ended: Ended,
    /// The retries this monitor scheduled and has not woken for yet, to
    /// wake for the earliest (a store that is not polled tells of no
    /// alert coming due).
    retries: BinaryHeap<Reverse<SystemTime>>,
    /// When the claims of the calls in flight are renewed next.
    renew_at: Instant,
}

impl<'a, S: MonitorStore> Deliverer<'a, S> {
    pub(crate) fn new(
        store: &'a S,
        routes: Routes,
        options: &'a Delivery,
        on_store_error: &'a (dyn Fn(&S::Error) + Send + Sync),
        on_failure: &'a FailureHook,
        clock: &'a WallClock,
    ) -> Self {
        Self {
            cx: Context {
                store,
                options,
                on_store_error,
                on_failure,
                claimer: Uuid::new_v4(),
                clock,
            },
            routes,
            calls: JoinSet::new(),
            in_flight: HashMap::new(),
            ended: Ended::default(),
            retries: BinaryHeap::new(),
            renew_at: Instant::now() + options.renew_every(),
        }
    }

    /// Runs until `stop` turns true, polling the outbox every `poll_every`
    /// (for alerts other processes recorded, leases that expired, and
    /// retries come due on a wall clock that was stepped), then shuts down.
    pub(crate) async fn run(mut self, poll_every: Duration, mut stop: watch::Receiver<bool>) {
        let signal = self.cx.store.signal();
        loop {
            while let Some(ended) = self.calls.try_join_next_with_id() {
                self.settle(ended);
            }
            if *stop.borrow() {
                break;
            }
            // Tell the store of the calls that ended, then claim: an alert
            // just delivered lets the next of its queue go at once, so a
            // backlog drains as fast as the notifier answers. (The two as
            // store calls at once, each waiting on the other's commit,
            // measured slower: on SQLite they take turns at the write lock,
            // 3.2 s for 30,000 alerts against 2.0 s one after the other.)
            let ended = std::mem::take(&mut self.ended);
            let (unmarked, retries) = report(&self.cx, ended).await;
            self.ended.delivered.extend(unmarked.iter().copied());
            self.retries.extend(retries.into_iter().map(Reverse));
            let room = self
                .cx
                .options
                .max_in_flight
                .saturating_sub(self.in_flight.len());
            let claimed = claim(&self.cx, room).await;
            let dropped = self.call(claimed);
            if Instant::now() >= self.renew_at {
                self.renew().await;
            }
            if dropped && unmarked.is_empty() {
                continue; // stale reminders to mark delivered at once
            }

            let wake = self.retries.peek().map(|Reverse(at)| *at);
            let mut sleep = pin!(sleep_until(self.cx.clock, wake, poll_every));
            let (idle, renew_at) = (self.in_flight.is_empty(), self.renew_at);
            let mut renewal = pin!(async move {
                if idle {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep_until(renew_at).await;
            });
            let mut flipped = pin!(async move {
                match signal {
                    Some(signal) => signal.notified(Side::Flips).await,
                    None => std::future::pending().await,
                }
            });
            let mut stopped = pin!(stop.wait_for(|stop| *stop));
            let ended = poll_fn(|cx| {
                if let Poll::Ready(Some(ended)) = self.calls.poll_join_next_with_id(cx) {
                    return Poll::Ready(Some(ended));
                }
                let woke = stopped.as_mut().poll(cx).is_ready()
                    || sleep.as_mut().poll(cx).is_ready()
                    || renewal.as_mut().poll(cx).is_ready()
                    || flipped.as_mut().poll(cx).is_ready();
                if woke {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            })
            .await;
            if let Some(ended) = ended {
                self.settle(ended);
            }
            let now = (self.cx.clock)();
            while self.retries.peek().is_some_and(|Reverse(at)| *at <= now) {
                self.retries.pop();
            }
        }
        self.shut_down().await;
    }

    /// Files one ended call: delivered, or failed (a panic too).
    fn settle(&mut self, ended: Result<(Id, Result<(), DeliveryError>), JoinError>) {
        let (id, outcome) = match ended {
            Ok((id, outcome)) => (id, outcome),
            Err(error) if error.is_panic() => (error.id(), Err(DeliveryError::Panicked)),
            // Aborted: only at shutdown, which gives the alert back itself.
            Err(_) => return,
        };
        let Some(alert) = self.in_flight.remove(&id) else {
            return;
        };
        match outcome {
            Ok(()) => {
                events::delivered(&alert);
                self.ended.delivered.push(alert.id);
            }
            Err(error) => self.ended.failed.push((alert, error)),
        }
    }

    /// Calls the notifier of each claimed alert, each call a task of its
    /// own bounded by the call timeout. A reminder whose check is no longer
    /// down is dropped: marked delivered without a call. Returns whether
    /// any was.
    fn call(&mut self, alerts: Vec<Alert>) -> bool {
        let mut dropped = false;
        for alert in alerts {
            if self.in_flight.values().any(|held| held.id == alert.id) {
                continue; // ours already, from an earlier claim
            }
            if alert.is_stale_reminder() {
                events::reminder_dropped(&alert);
                self.ended.delivered.push(alert.id);
                dropped = true;
                continue;
            }
            let Some(notifier) = self.routes.notifier_for(&alert) else {
                let channel = alert.channel.as_ref().map(|channel| channel.id);
                self.ended
                    .failed
                    .push((alert, DeliveryError::NoNotifier(channel)));
                continue;
            };
            events::delivering(&alert);
            let timeout = self.cx.options.call_timeout;
            let sent = alert.clone();
            let task = self.calls.spawn(async move {
                match tokio::time::timeout(timeout, notifier.notify(&sent)).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(DeliveryError::Notifier(error)),
                    Err(_) => Err(DeliveryError::TimedOut(timeout)),
                }
            });
            self.in_flight.insert(task.id(), alert);
        }
        dropped
    }

    /// Renews the claims of the calls in flight for another lease.
    async fn renew(&mut self) {
        self.renew_at = Instant::now() + self.cx.options.renew_every();
        if self.in_flight.is_empty() {
            return;
        }
        let ids: Vec<u64> = self.in_flight.values().map(|alert| alert.id).collect();
        let until = later((self.cx.clock)(), self.cx.options.lease);
        let renewed = self.cx.store.renew_alerts(&ids, self.cx.claimer, until);
        if let Err(error) = renewed.await {
            (self.cx.on_store_error)(&error);
        }
    }

    /// Lets the calls in flight end within the shutdown grace, reports
    /// them, and gives the others' alerts back.
    async fn shut_down(mut self) {
        let grace = tokio::time::sleep(self.cx.options.shutdown_grace);
        let mut grace = pin!(grace);
        while !self.calls.is_empty() {
            let ended = poll_fn(|cx| match self.calls.poll_join_next_with_id(cx) {
                Poll::Ready(ended) => Poll::Ready(ended),
                Poll::Pending if grace.as_mut().poll(cx).is_ready() => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            })
            .await;
            match ended {
                Some(ended) => self.settle(ended),
                None => break,
            }
        }
        self.calls.abort_all();
        let ended = std::mem::take(&mut self.ended);
        report(&self.cx, ended).await;
        let cut_short: Vec<u64> = self.in_flight.values().map(|alert| alert.id).collect();
        if !cut_short.is_empty() {
            events::released(self.cx.claimer, cut_short.len());
            let released = self.cx.store.release_alerts(&cut_short, self.cx.claimer);
            if let Err(error) = released.await {
                (self.cx.on_store_error)(&error);
            }
        }
    }
}

/// Tells the store of the calls that ended: marks the delivered alerts,
/// schedules the failed ones for a retry. Returns the alerts whose marking
/// failed (to be marked next round) and the retries it scheduled.
async fn report<S: MonitorStore>(cx: &Context<'_, S>, ended: Ended) -> (Vec<u64>, Vec<SystemTime>) {
    let now = (cx.clock)();
    let mut unmarked = Vec::new();
    if !ended.delivered.is_empty() {
        if let Err(error) = cx.store.alerts_delivered(&ended.delivered, now).await {
            (cx.on_store_error)(&error);
            unmarked = ended.delivered;
        }
    }
    let mut retries = Vec::with_capacity(ended.failed.len());
    for (alert, error) in ended.failed {
        (cx.on_failure)(&alert, &error);
        let retry_at = later(now, cx.options.retry_delay(alert.attempt));
        retries.push(retry_at);
        if let Err(error) = cx.store.alert_failed(alert.id, cx.claimer, retry_at).await {
            (cx.on_store_error)(&error);
        }
    }
    (unmarked, retries)
}

/// Claims up to `room` alerts.
async fn claim<S: MonitorStore>(cx: &Context<'_, S>, room: usize) -> Vec<Alert> {
    if room == 0 {
        return Vec::new();
    }
    let claim = Claim::new(cx.claimer, (cx.clock)(), cx.options.lease, room)
        .retry_cap(cx.options.retry_cap);
    match cx.store.claim_alerts(claim).await {
        Ok(alerts) => alerts,
        Err(error) => {
            (cx.on_store_error)(&error);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_the_cap_however_many_attempts() {
        let delivery = Delivery::new().retry(Duration::from_secs(1), Duration::from_secs(600));
        let waits: Vec<u64> = (1..=11)
            .map(|n| delivery.retry_delay(n).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600]);
        for attempt in [31, 32, 33, 34, 64, u32::MAX] {
            assert_eq!(
                delivery.retry_delay(attempt),
                Duration::from_secs(600),
                "{attempt}"
            );
        }
        // A nanosecond base doubles on past 32 attempts, up to its cap.
        let tiny = Delivery::new().retry(Duration::from_nanos(1), Duration::from_secs(600));
        assert_eq!(tiny.retry_delay(32), Duration::from_nanos(1 << 31));
        assert_eq!(tiny.retry_delay(40), Duration::from_nanos(1 << 39));
        assert_eq!(tiny.retry_delay(41), Duration::from_secs(600));
        assert_eq!(tiny.retry_delay(u32::MAX), Duration::from_secs(600));
        let uncapped = Delivery::new().retry(Duration::from_secs(1), Duration::MAX);
        assert_eq!(uncapped.retry_delay(64), Duration::from_secs(1 << 63));
        assert_eq!(uncapped.retry_delay(65), Duration::MAX);
        assert_eq!(uncapped.retry_delay(u32::MAX), Duration::MAX);
        // The first attempt and a (never passed) zeroth wait the base.
        assert_eq!(delivery.retry_delay(0), Duration::from_secs(1));
    }

    #[test]
    fn claims_are_renewed_every_third_of_a_lease() {
        let delivery = Delivery::new();
        assert_eq!(delivery.lease, Duration::from_secs(10));
        assert_eq!(delivery.renew_every(), Duration::from_secs(10) / 3);
        let short = delivery.lease(Duration::ZERO);
        assert_eq!(short.lease, Duration::from_millis(30));
        assert_eq!(short.renew_every(), Duration::from_millis(10));
    }

    #[test]
    fn a_wait_too_long_for_the_clock_is_a_century() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        let century = Duration::from_secs(100 * 365 * 24 * 3600);
        assert_eq!(later(now, Duration::MAX), now + century);
    }
}
