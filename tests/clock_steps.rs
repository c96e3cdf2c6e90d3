//! The wall clock stepped while the monitor runs (an NTP step, a VM
//! resumed): overdue checks still flip within one sweep interval, dated at
//! their deadlines, and a failed alert's retry still waits at most the
//! retry cap. tokio's paused time stands in for the monotonic clock, and
//! `Monitor::wall_clock` for the time of day, so a step is one assignment.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use tower_ping::{
    async_trait, Alert, CheckState, Delivery, FlipReason, MemoryStore, Monitor, NewCheck, Notifier,
    NotifyError, Schedule, Signal, Status,
};

/// 2030-01-01T00:00:00Z.
fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

const HOUR: Duration = Duration::from_secs(3600);

/// A time of day that follows tokio's (paused) clock from `t0`, shifted by
/// the steps made with `step`.
#[derive(Clone)]
struct SteppedClock {
    start: Instant,
    /// Seconds added to the time of day.
    offset: Arc<AtomicI64>,
}

impl SteppedClock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            offset: Arc::default(),
        }
    }

    fn now(&self) -> SystemTime {
        let offset = self.offset.load(Ordering::SeqCst);
        let base = t0() + self.start.elapsed();
        if offset >= 0 {
            base + Duration::from_secs(offset as u64)
        } else {
            base - Duration::from_secs(offset.unsigned_abs())
        }
    }

    fn step(&self, by: Duration, forward: bool) {
        let secs = by.as_secs() as i64;
        self.offset
            .fetch_add(if forward { secs } else { -secs }, Ordering::SeqCst);
    }
}

/// Pings `uuid` with `signal` at `at`, as the layer would.
async fn ping(store: &MemoryStore, uuid: tower_ping::uuid::Uuid, signal: Signal, at: SystemTime) {
    use tower_ping::{CheckStore, Lookup, Ping, Target};
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("no check");
    };
    store.record(id, Ping::new(signal, at)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_forward_step_flips_overdue_checks_within_a_sweep_interval() {
    let clock = SteppedClock::new();
    let store = MemoryStore::new();
    let mut up = CheckState::with_status(Status::Up);
    up.last_ping = Some(t0());
    let uuid = store
        .add_check(
            NewCheck::new("hourly")
                .schedule(Schedule::Period(HOUR))
                .grace(HOUR)
                .initial_state(up),
        )
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(store.clone())
        .sweep_interval(Duration::from_secs(1))
        .wall_clock({
            let clock = clock.clone();
            move || clock.now()
        });
    let monitor = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));

    // Its deadline is two hours off; the monitor plans to sleep that long.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(store.flips().is_empty());
    // The clock jumps three hours ahead: the check is overdue now.
    clock.step(3 * HOUR, true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let flips = store.flips();
    assert_eq!(flips.len(), 1, "not flipped within a sweep interval");
    assert_eq!(
        (flips[0].check, flips[0].flip.reason, flips[0].flip.at),
        (uuid, FlipReason::Timeout, t0() + 2 * HOUR)
    );
    let _ = stop.send(());
    monitor.await.unwrap();
}

/// Fails its first call, then takes every alert.
#[derive(Default)]
struct FailsOnce {
    calls: AtomicUsize,
    delivered: AtomicUsize,
}

#[async_trait]
impl Notifier for FailsOnce {
    async fn notify(&self, _: &Alert) -> Result<(), NotifyError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("the first call fails".into());
        }
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_backward_step_delays_no_retry_past_the_retry_cap() {
    let clock = SteppedClock::new();
    let store = MemoryStore::new();
    let uuid = store.add_check(NewCheck::new("job")).unwrap();
    ping(&store, uuid, Signal::Success, clock.now()).await;
    ping(&store, uuid, Signal::Fail, clock.now()).await;
    let notifier = Arc::new(FailsOnce::default());
    let cap = Duration::from_secs(10);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(store.clone())
        .sweep_interval(Duration::from_secs(1))
        .notifier(notifier.clone())
        .delivery(Delivery::new().retry(Duration::from_secs(5), cap))
        .on_delivery_failure(|_, _| {})
        .wall_clock({
            let clock = clock.clone();
            move || clock.now()
        });
    let monitor = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));

    // The first call fails; its retry is due 5 s later by the wall clock.
    while notifier.calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The clock goes back an hour: by it, the retry is an hour away.
    clock.step(HOUR, false);
    tokio::time::sleep(cap + Duration::from_secs(2)).await;
    assert_eq!(
        notifier.delivered.load(Ordering::SeqCst),
        1,
        "the retry waited past the cap"
    );
    assert!(store
        .flips()
        .iter()
        .all(|f| f.delivered || !f.flip.is_alertable()));
    let _ = stop.send(());
    monitor.await.unwrap();
}
