//! [`Monitor`]: the task that notices the ping that does not come.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use crate::monitor_signal::MonitorSignal;
use crate::monitor_store::MonitorStore;

/// The sweep interval unless set: one second.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// A hook that sees every error of the monitor's store calls.
type ErrorHook<E> = Arc<dyn Fn(&E) + Send + Sync>;

/// Watches a [`MonitorStore`]'s checks: at each check's deadline it calls
/// [`sweep`](MonitorStore::sweep), which flips overdue checks to down (feature
/// `tokio`).
///
/// The app spawns it and owns its shutdown:
///
/// ```
/// # async fn run() {
/// use tower_ping::{MemoryStore, Monitor, PingLayer};
///
/// let store = MemoryStore::new();
/// let layer = PingLayer::new(store.clone());
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let monitor = tokio::spawn(Monitor::new(store).run(async {
///     let _ = stopped.await;
/// }));
/// // ... serve the app with `layer` ...
/// let _ = stop.send(());
/// monitor.await.unwrap();
/// # }
/// ```
///
/// When it wakes:
///
/// - at the earliest deadline the store reported after its last sweep;
/// - earlier, when the store signals a deadline before that (a ping to a
///   check with a short period, say), so a check goes down at its deadline;
/// - for a store shared with other processes ([`MonitorStore::is_shared`],
///   the SQL stores), also every [`sweep_interval`](Self::sweep_interval)
///   (one second by default), since another process may set an earlier
///   deadline. A check is then down within one interval of its deadline.
///
/// A failed sweep goes to the error hook and is tried again one interval
/// later.
pub struct Monitor<S: MonitorStore> {
    store: S,
    sweep_interval: Duration,
    on_error: ErrorHook<S::Error>,
}

impl<S: MonitorStore> Monitor<S> {
    /// A monitor of `store`, sweeping at its deadlines and at least every
    /// second for shared stores, writing errors to standard error.
    pub fn new(store: S) -> Self {
        Self {
            store,
            sweep_interval: DEFAULT_SWEEP_INTERVAL,
            on_error: Arc::new(|error: &S::Error| {
                eprintln!("tower-ping: monitor: store error: {error}");
            }),
        }
    }

    /// How often a shared store is swept even without a deadline of its own
    /// (and how long after a failed sweep the next is tried). Bounds how late
    /// a check set by another process goes down. Values under a millisecond
    /// are taken as one.
    pub fn sweep_interval(mut self, every: Duration) -> Self {
        self.sweep_interval = every.max(Duration::from_millis(1));
        self
    }

    /// Hands every store error of the monitor to `hook`, instead of writing
    /// it to standard error.
    pub fn on_error(mut self, hook: impl Fn(&S::Error) + Send + Sync + 'static) -> Self {
        self.on_error = Arc::new(hook);
        self
    }

    /// Runs until `shutdown` completes. A sweep under way when it does is
    /// finished first, so no transaction is cut short.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = pin!(shutdown);
        let signal = self.store.signal();
        loop {
            if let Some(signal) = signal {
                signal.arm();
            }
            let now = SystemTime::now();
            let (next_deadline, failed) = match self.store.sweep(now).await {
                Ok(sweep) => (sweep.next_deadline, false),
                Err(error) => {
                    (self.on_error)(&error);
                    (None, true)
                }
            };
            let poll = (failed || self.store.is_shared())
                .then(|| now.checked_add(self.sweep_interval))
                .flatten();
            let wake = earliest(next_deadline, poll);
            if wait(signal, wake, shutdown.as_mut()).await.is_stop() {
                return;
            }
        }
    }
}

/// Why the monitor stopped waiting.
enum Woke {
    Work,
    Stop,
}

impl Woke {
    fn is_stop(&self) -> bool {
        matches!(self, Woke::Stop)
    }
}

/// Waits until `wake` (forever if `None`), or earlier when the signal
/// reports a deadline before it, or until shutdown.
async fn wait(
    signal: Option<&MonitorSignal>,
    mut wake: Option<SystemTime>,
    mut shutdown: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Woke {
    loop {
        if let Some(signal) = signal {
            let planned = wake.unwrap_or(far_future());
            let reported = signal.wake_before(planned);
            wake = earliest(wake, reported.earliest);
        }
        let sleep = match wake {
            Some(at) => match at.duration_since(SystemTime::now()) {
                Ok(left) if !left.is_zero() => Some(left),
                _ => return Woke::Work,
            },
            None => None,
        };
        let mut sleep = pin!(async move {
            match sleep {
                // A wall-clock deadline, slept as a duration: rounded up so the
                // sweep never runs a moment before it.
                Some(left) => tokio::time::sleep(left + Duration::from_millis(1)).await,
                None => std::future::pending().await,
            }
        });
        let mut notified = pin!(async move {
            match signal {
                Some(signal) => signal.notified().await,
                None => std::future::pending().await,
            }
        });
        let woke = poll_fn(|cx| {
            if shutdown.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Woke::Stop));
            }
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Woke::Work));
            }
            if notified.as_mut().poll(cx).is_ready() {
                // Something was reported: look again at what.
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        if let Some(woke) = woke {
            return woke;
        }
    }
}

fn earliest(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A wake-up time no deadline reaches: a year from now.
fn far_future() -> SystemTime {
    SystemTime::now() + Duration::from_secs(365 * 24 * 3600)
}

impl<S: MonitorStore + fmt::Debug> fmt::Debug for Monitor<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("store", &self.store)
            .field("sweep_interval", &self.sweep_interval)
            .finish_non_exhaustive()
    }
}
