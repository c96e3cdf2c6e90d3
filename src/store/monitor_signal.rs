//! [`MonitorSignal`]: how a store wakes the monitor of its own process
//! early.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

/// How a store tells the monitor of its process that there is work sooner
/// than it planned: a check's deadline earlier than the monitor's next
/// wake-up, or an alert to deliver.
///
/// A store that sets deadlines (`alert_after`) calls
/// [`deadline`](Self::deadline) with each one after it is stored, and
/// [`flip`](Self::flip) after it queued alerts (an alertable flip's or a
/// reminder's) in its outbox, and returns the
/// signal from [`MonitorStore::signal`](crate::MonitorStore::signal).
/// Reporting a deadline later than the monitor's wake-up costs one atomic
/// load, so a store may report every deadline it sets.
///
/// ```
/// use std::time::SystemTime;
/// use tower_ping::MonitorSignal;
///
/// let signal = MonitorSignal::new();
/// signal.deadline(SystemTime::now()); // no monitor waits: nothing happens
/// signal.flip();
/// ```
#[derive(Debug)]
pub struct MonitorSignal {
    /// Deadlines before this (microseconds since the epoch) are reported;
    /// later ones return after one load.
    threshold: AtomicI64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The earliest deadline reported since the monitor armed the signal.
    earliest: Option<SystemTime>,
    /// The sweeper's wake-ups: a deadline before its planned one.
    deadlines: Channel,
    /// The deliverer's wake-ups: an alertable flip was recorded.
    flips: Channel,
}

/// One side of the monitor waiting on the signal.
#[derive(Debug, Default)]
struct Channel {
    /// Whether something was reported since this side last looked.
    notified: bool,
    waiters: Vec<Waker>,
}

/// What was reported since the monitor armed the signal.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reported {
    pub(crate) earliest: Option<SystemTime>,
}

/// Which side of the monitor waits.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The sweeps: woken by early deadlines.
    Deadlines,
    /// The deliveries: woken by alertable flips.
    Flips,
}

impl Default for MonitorSignal {
    fn default() -> Self {
        Self::new()
    }
}

impl MonitorSignal {
    /// A signal no monitor waits on yet.
    pub fn new() -> Self {
        Self {
            threshold: AtomicI64::new(i64::MAX),
            state: Mutex::default(),
        }
    }

    /// A check's deadline was set to `deadline`: wakes the monitor if that is
    /// before it planned to wake.
    pub fn deadline(&self, deadline: SystemTime) {
        let micros = micros(deadline);
        if micros >= self.threshold.load(Ordering::SeqCst) {
            return;
        }
        let mut state = self.lock();
        if state.earliest.is_some_and(|earliest| earliest <= deadline) {
            return;
        }
        state.earliest = Some(deadline);
        // Later deadlines no longer need the lock.
        self.threshold.fetch_min(micros, Ordering::SeqCst);
        state.deadlines.wake();
    }

    /// Alerts were queued in the outbox (an alertable flip's or a
    /// reminder's): wakes the monitor to claim them.
    pub fn flip(&self) {
        self.lock().flips.wake();
    }

    // The monitor's side, used by `Monitor` (feature `tokio`) only.

    /// Starts collecting: every deadline reported from now on counts, until
    /// [`wake_before`](Self::wake_before) says which matter. Returns what was
    /// reported since the previous call.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn arm(&self) -> Reported {
        let mut state = self.lock();
        self.threshold.store(i64::MAX, Ordering::SeqCst);
        state.deadlines.notified = false;
        Reported {
            earliest: state.earliest.take(),
        }
    }

    /// The monitor plans to wake at `planned`: from now on only deadlines
    /// before it wake it. Returns what was reported since [`arm`](Self::arm).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn wake_before(&self, planned: SystemTime) -> Reported {
        let state = self.lock();
        let reported = Reported {
            earliest: state.earliest,
        };
        let wake = reported.earliest.map_or(planned, |e| e.min(planned));
        self.threshold.store(micros(wake), Ordering::SeqCst);
        reported
    }

    /// Resolves when something for `side` was reported since it last
    /// looked.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn notified(&self, side: Side) -> Notified<'_> {
        Notified { signal: self, side }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn channel(&mut self, side: Side) -> &mut Channel {
        match side {
            Side::Deadlines => &mut self.deadlines,
            Side::Flips => &mut self.flips,
        }
    }
}

impl Channel {
    fn wake(&mut self) {
        self.notified = true;
        for waker in self.waiters.drain(..) {
            waker.wake();
        }
    }
}

/// The future of [`MonitorSignal::notified`].
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct Notified<'a> {
    signal: &'a MonitorSignal,
    side: Side,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.signal.lock();
        let channel = state.channel(self.side);
        if std::mem::take(&mut channel.notified) {
            return Poll::Ready(());
        }
        if !channel.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            channel.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll(signal: &MonitorSignal, side: Side, waker: &Waker) -> Poll<()> {
        let mut notified = signal.notified(side);
        Pin::new(&mut notified).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn deadlines_after_the_planned_wake_up_do_not_wake_the_monitor() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000);
        let signal = MonitorSignal::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        signal.arm();
        signal.wake_before(t0);
        assert_eq!(poll(&signal, Side::Deadlines, &waker), Poll::Pending);

        signal.deadline(t0 + Duration::from_secs(1));
        signal.deadline(t0);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);

        signal.deadline(t0 - Duration::from_secs(5));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll(&signal, Side::Deadlines, &waker), Poll::Ready(()));
        // A later one than the earliest reported no longer wakes it.
        signal.deadline(t0 - Duration::from_secs(2));
        assert_eq!(poll(&signal, Side::Deadlines, &waker), Poll::Pending);
        // Nor does it wake the deliveries.
        assert_eq!(poll(&signal, Side::Flips, &waker), Poll::Pending);
        let reported = signal.wake_before(t0);
        assert_eq!(reported.earliest, Some(t0 - Duration::from_secs(5)));
    }

    #[test]
    fn everything_reported_while_armed_is_kept_for_the_next_wait() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000);
        let signal = MonitorSignal::new();
        signal.arm();
        signal.deadline(t0 + Duration::from_secs(100));
        let reported = signal.wake_before(t0);
        assert_eq!(reported.earliest, Some(t0 + Duration::from_secs(100)));
        let rearmed = signal.arm();
        assert_eq!(rearmed.earliest, Some(t0 + Duration::from_secs(100)));
        assert_eq!(signal.arm(), Reported::default());
    }

    #[test]
    fn a_flip_wakes_the_deliveries_not_the_sweeps() {
        let signal = MonitorSignal::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        signal.arm();
        signal.wake_before(UNIX_EPOCH);
        assert_eq!(poll(&signal, Side::Flips, &waker), Poll::Pending);
        signal.flip();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll(&signal, Side::Deadlines, &waker), Poll::Pending);
        assert_eq!(poll(&signal, Side::Flips, &waker), Poll::Ready(()));
        assert_eq!(poll(&signal, Side::Flips, &waker), Poll::Pending);
    }
}
