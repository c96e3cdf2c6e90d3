//! [`Monitor`]: the task that notices the ping that does not come, and
//! tells the app.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use uuid::Uuid;

use crate::events;
use crate::monitor::delivery::{Deliverer, Delivery, FailureHook};
use crate::monitor::delivery_error::DeliveryError;
use crate::monitor::notifier::Notifier;
use crate::monitor::routes::Routes;
use crate::monitor::wake::{earliest, sleep_until, system_clock, WallClock};
use crate::store::alert::Alert;
use crate::store::monitor_signal::{MonitorSignal, Side};
use crate::store::monitor_store::MonitorStore;

/// The sweep interval unless set: one second.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// A hook that sees every error of the monitor's store calls.
type ErrorHook<E> = Arc<dyn Fn(&E) + Send + Sync>;

/// Watches a [`MonitorStore`]'s checks and delivers their alerts (feature
/// `tokio`): at each check's deadline it calls
/// [`sweep`](MonitorStore::sweep), which flips overdue checks to down; and,
/// with a [`Notifier`], it hands every alertable flip to it from the store's
/// outbox.
///
/// The app spawns it and owns its shutdown:
///
/// ```
/// # async fn run() {
/// use tower_ping::{async_trait, Alert, MemoryStore, Monitor, Notifier, NotifyError, PingLayer};
///
/// struct Log;
///
/// #[async_trait]
/// impl Notifier for Log {
///     async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
///         println!("{} is {}", alert.check.name, alert.flip.new_status);
///         Ok(())
///     }
/// }
///
/// let store = MemoryStore::new();
/// let layer = PingLayer::new(store.clone());
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let monitor = Monitor::new(store).notifier(Log);
/// let monitor = tokio::spawn(monitor.run(async {
///     let _ = stopped.await;
/// }));
/// // ... serve the app with `layer` ...
/// let _ = stop.send(());
/// monitor.await.unwrap();
/// # }
/// ```
///
/// # Sweeps
///
/// It sweeps:
///
/// - at the earliest deadline the store reported after its last sweep;
/// - earlier, when the store signals a deadline before that (a ping to a
///   check with a short period, say), so a check goes down at its deadline;
/// - for a store shared with other processes ([`MonitorStore::is_shared`],
///   the SQL stores), also every [`sweep_interval`](Self::sweep_interval)
///   (one second by default), since another process may set an earlier
///   deadline. A check is then down within one interval of its deadline.
///
/// A ping counts from when the layer took it, but a sweep sees it only once
/// it is written (on a SQL store, when its batch commits, a few
/// milliseconds later). A ping that arrived just before the deadline and is
/// written just after a sweep that passed it finds the check down and
/// brings it back up: the notifier hears of a down and an up that a slower
/// sweep would have spared it, the up dated when the ping arrived.
///
/// # Deliveries
///
/// Alongside the sweeps, and never holding them up, it claims alerts from
/// the store's outbox as soon as they are recorded (and, for a shared
/// store, every sweep interval), calls the notifier for each, at most
/// [`Delivery::max_in_flight`] at once and each within
/// [`Delivery::call_timeout`], marks delivered those it took, and retries
/// the others with exponential backoff. Each check's alerts go out in order.
/// See [`Notifier`] for what at-least-once means, and [`Delivery`] for the
/// settings. Without a notifier, alerts wait in the outbox.
///
/// # Shutdown
///
/// When `shutdown` completes, a sweep under way is finished (no transaction
/// is cut short), no more alerts are claimed, calls in flight get
/// [`Delivery::shutdown_grace`] to end, and the alerts of those still
/// running are given back to the store at once, for this process after a
/// restart or another instance to deliver.
///
/// Store errors go to the error hook (standard error by default, `tracing`
/// with that feature), and the failed step is tried again one interval
/// later.
pub struct Monitor<S: MonitorStore> {
    store: S,
    sweep_interval: Duration,
    on_error: ErrorHook<S::Error>,
    routes: Routes,
    delivery: Delivery,
    on_delivery_failure: FailureHook,
    clock: WallClock,
}

impl<S: MonitorStore> Monitor<S> {
    /// A monitor of `store`, sweeping at its deadlines and at least every
    /// second for shared stores, reporting errors to standard error (or
    /// `tracing`), and delivering nothing until given a notifier.
    pub fn new(store: S) -> Self {
        Self {
            store,
            sweep_interval: DEFAULT_SWEEP_INTERVAL,
            on_error: Arc::new(|error: &S::Error| events::monitor_store_error(error)),
            routes: Routes::default(),
            delivery: Delivery::default(),
            on_delivery_failure: Arc::new(|alert: &Alert, error: &DeliveryError| {
                events::delivery_failed(alert, error)
            }),
            clock: system_clock(),
        }
    }

    /// How often a shared store is swept even without a deadline of its own
    /// (and its outbox polled for alerts other processes recorded), and how
    /// long after a failed store call the step is tried again. Bounds how
    /// late a check set by another process goes down. Values under a
    /// millisecond are taken as one.
    pub fn sweep_interval(mut self, every: Duration) -> Self {
        self.sweep_interval = every.max(Duration::from_millis(1));
        self
    }

    /// Hands every store error of the monitor to `hook`, instead of writing
    /// it to standard error (or `tracing`).
    pub fn on_error(mut self, hook: impl Fn(&S::Error) + Send + Sync + 'static) -> Self {
        self.on_error = Arc::new(hook);
        self
    }

    /// Delivers every alert to `notifier`, but those of a channel given a
    /// notifier of its own with [`channel`](Self::channel): alerts without
    /// a channel (the store has none registered), and those of every other
    /// channel. One notifier can route alerts itself by
    /// [`Alert::channel`](crate::Alert::channel).
    pub fn notifier(mut self, notifier: impl Notifier) -> Self {
        self.routes.fallback = Some(Arc::new(notifier));
        self
    }

    /// Delivers the alerts of channel `id` to `notifier`. Register the
    /// channel with the store too (`ManageStore::define_channel`, or
    /// `MemoryStore::add_channel`): the store fans each flip out to the
    /// channels it knows, and the monitor hands each alert to its channel's
    /// notifier. A failing channel never holds back another: each (check,
    /// channel) pair is a queue of its own.
    ///
    /// ```
    /// # async fn run() {
    /// use tower_ping::{async_trait, Alert, Channel, MemoryStore, Monitor, Notifier, NotifyError};
    /// use tower_ping::uuid::Uuid;
    ///
    /// struct Pager;
    /// #[async_trait]
    /// impl Notifier for Pager {
    ///     async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
    ///         println!("page: {} is {}", alert.check.name, alert.flip.new_status);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let store = MemoryStore::new();
    /// let pager = Channel::new(Uuid::new_v4(), "on-call pager", "webhook");
    /// store.add_channel(pager.clone());
    /// let monitor = Monitor::new(store).channel(pager.id, Pager);
    /// # }
    /// ```
    pub fn channel(mut self, id: Uuid, notifier: impl Notifier) -> Self {
        self.routes.by_channel.insert(id, Arc::new(notifier));
        self
    }

    /// Sets how alerts are delivered: calls in flight, timeouts, lease,
    /// retries.
    pub fn delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// Hands every failed notifier call (an error, a timeout, a panic, a
    /// channel without a notifier) to `hook`, with the alert, before the
    /// alert is scheduled for a retry. The [`DeliveryError`] keeps the
    /// notifier's error and its sources. Replaces the default, which writes
    /// a line to standard error (or a `tracing` event) with the whole chain
    /// of causes.
    pub fn on_delivery_failure(
        mut self,
        hook: impl Fn(&Alert, &DeliveryError) + Send + Sync + 'static,
    ) -> Self {
        self.on_delivery_failure = Arc::new(hook);
        self
    }

    /// Reads the time of day from `clock` instead of [`SystemTime::now`]:
    /// for tests and simulations that step the wall clock (with tokio's
    /// paused time for the monotonic one). The monitor dates every sweep,
    /// claim and retry with it; its sleeps run on tokio's monotonic timer,
    /// at most [`sweep_interval`](Self::sweep_interval) at a time, so a step
    /// of the wall clock either way is noticed within one interval.
    pub fn wall_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Runs until `shutdown` completes, then shuts down as described above.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let (stop, stopping) = watch::channel(false);
        let mut shutdown = pin!(shutdown);
        let mut sweeping = pin!(self.sweep_loop(stopping.clone()));
        let mut delivering = pin!(async {
            if self.routes.any() {
                let on_error = &*self.on_error;
                Deliverer::new(
                    &self.store,
                    self.routes.clone(),
                    &self.delivery,
                    on_error,
                    &self.on_delivery_failure,
                    &self.clock,
                )
                .run(self.sweep_interval, stopping)
                .await;
            }
        });
        let (mut swept, mut delivered, mut stopped) = (false, false, false);
        poll_fn(|cx| {
            if !stopped && shutdown.as_mut().poll(cx).is_ready() {
                stopped = true;
                let _ = stop.send(true);
            }
            swept = swept || sweeping.as_mut().poll(cx).is_ready();
            delivered = delivered || delivering.as_mut().poll(cx).is_ready();
            if swept && delivered {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    /// Sweeps at each deadline until `stop` turns true.
    async fn sweep_loop(&self, mut stop: watch::Receiver<bool>) {
        let signal = self.store.signal();
        while !*stop.borrow() {
            if let Some(signal) = signal {
                signal.arm();
            }
            let now = (self.clock)();
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
            self.wait(signal, wake, &mut stop).await;
        }
    }

    /// Waits until `wake` (forever if `None`), or earlier when the signal
    /// reports a deadline before it, or until `stop` turns true. Sleeps at
    /// most a sweep interval at a time and reads the wall clock again, so a
    /// step of it is noticed within one interval.
    async fn wait(
        &self,
        signal: Option<&MonitorSignal>,
        mut wake: Option<SystemTime>,
        stop: &mut watch::Receiver<bool>,
    ) {
        loop {
            let now = (self.clock)();
            if let Some(signal) = signal {
                // A year ahead: a wake-up no deadline reaches.
                let planned = wake.unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
                let reported = signal.wake_before(planned);
                wake = earliest(wake, reported.earliest);
            }
            if wake.is_some_and(|at| at <= now) {
                return;
            }
            let mut sleep = pin!(sleep_until(&self.clock, wake, self.sweep_interval));
            let mut notified = pin!(async move {
                match signal {
                    Some(signal) => signal.notified(Side::Deadlines).await,
                    None => std::future::pending().await,
                }
            });
            let mut stopped = pin!(stop.wait_for(|stop| *stop));
            let stopping = poll_fn(|cx| {
                if stopped.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(true);
                }
                // Slept (to the deadline, or a turn), or something was
                // reported: look at the clock and the signal again.
                if sleep.as_mut().poll(cx).is_ready() || notified.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(false);
                }
                Poll::Pending
            })
            .await;
            if stopping {
                return;
            }
        }
    }
}

impl<S: MonitorStore + fmt::Debug> fmt::Debug for Monitor<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("store", &self.store)
            .field("sweep_interval", &self.sweep_interval)
            .field("notifier", &self.routes.fallback.is_some())
            .field("channels", &self.routes.by_channel.len())
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}
