//! The outbox of alerts, run against every store: claims, leases, retries,
//! order, with explicit times through the `MonitorStore` methods; then the
//! `Monitor` delivering to a notifier in real time with short settings.
//! SPEC section 9.

mod backends;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tower_ping::{
    async_trait, Alert, Claim, Delivery, FlipReason, Monitor, MonitorStore, NewCheck, Notifier,
    NotifyError, Signal, Status,
};
use uuid::Uuid;

use backends::{secs, t0, Backend};

suite!(
    an_alert_is_claimed_once_and_delivered_once,
    a_checks_alerts_go_out_in_order_other_checks_at_once,
    a_failed_alert_waits_for_its_retry_time,
    an_expired_lease_lets_another_claimer_deliver,
    a_retry_set_before_the_clock_went_back_waits_no_longer_than_the_cap,
    a_lease_taken_before_the_clock_went_back_does_not_hold_for_good,
    released_alerts_are_claimable_at_once,
    new_to_up_and_paused_to_up_are_never_alerts,
    the_monitor_delivers_every_alert_once,
    a_failing_notifier_is_retried_with_backoff,
    alerts_failing_at_different_moments_are_each_retried,
    a_hanging_notifier_times_out_and_is_retried,
    the_monitor_delivers_a_checks_alerts_in_order,
    at_shutdown_a_call_still_running_gives_its_alert_back_at_once,
);

const KEY: &str = "alert-ping-key";

fn claim(claimer: Uuid, at: SystemTime, max: usize) -> Claim {
    Claim::new(claimer, at, secs(30), max)
}

async fn ping<B: Backend>(b: &B, uuid: Uuid, signal: Signal, at: SystemTime) {
    b.ping_at(uuid, signal, at).await
}

async fn claim_alerts<B: Backend>(b: &B, claim: Claim) -> Vec<Alert> {
    match b.store().claim_alerts(claim).await {
        Ok(alerts) => alerts,
        Err(e) => panic!("claim failed: {e}"),
    }
}

async fn delivered<B: Backend>(b: &B, ids: &[u64]) {
    if let Err(e) = b.store().alerts_delivered(ids, t0()).await {
        panic!("marking failed: {e}");
    }
}

/// A check that is up and then fails and recovers: two alerts (down, up),
/// after one flip that is no alert (new -> up).
async fn flapping<B: Backend>(b: &B, name: &str) -> Uuid {
    let uuid = b.add_check(NewCheck::new(name).ping_key(KEY)).await;
    ping(b, uuid, Signal::Success, t0()).await;
    ping(b, uuid, Signal::Fail, t0() + secs(1)).await;
    ping(b, uuid, Signal::Success, t0() + secs(2)).await;
    uuid
}

async fn an_alert_is_claimed_once_and_delivered_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = flapping(&b, "Job").await;
    let (one, two) = (Uuid::new_v4(), Uuid::new_v4());

    let alerts = claim_alerts(&b, claim(one, t0() + secs(3), 10)).await;
    assert_eq!(alerts.len(), 1, "the check's first alert only");
    let down = &alerts[0];
    assert_eq!(
        (down.uuid, down.name.as_str(), down.slug.as_str()),
        (uuid, "Job", "job")
    );
    assert_eq!(down.ping_key.as_deref(), Some(KEY));
    assert_eq!(
        (down.flip.old_status, down.flip.new_status),
        (Status::Up, Status::Down)
    );
    assert_eq!(
        (down.flip.reason, down.flip.at),
        (FlipReason::Fail, t0() + secs(1))
    );
    assert_eq!((down.attempt, down.status), (1, Status::Up));
    assert_eq!(down.last_ping, Some(t0() + secs(2)));

    // Held: neither claimer gets it again while the lease runs.
    assert!(claim_alerts(&b, claim(two, t0() + secs(4), 10))
        .await
        .is_empty());
    assert!(claim_alerts(&b, claim(one, t0() + secs(4), 10))
        .await
        .is_empty());

    delivered(&b, &[down.id]).await;
    let up = claim_alerts(&b, claim(two, t0() + secs(5), 10)).await;
    assert_eq!(up.len(), 1);
    assert_eq!((up[0].flip.new_status, up[0].attempt), (Status::Up, 1));
    delivered(&b, &[up[0].id]).await;
    // Delivered twice (a late duplicate mark) changes nothing.
    delivered(&b, &[up[0].id]).await;
    assert!(claim_alerts(&b, claim(one, t0() + secs(3600), 10))
        .await
        .is_empty());

    let shown: Vec<(Status, bool)> = b
        .flips()
        .await
        .iter()
        .map(|f| (f.flip.new_status, f.delivered))
        .collect();
    assert_eq!(
        shown,
        [
            (Status::Up, false),
            (Status::Down, true),
            (Status::Up, true)
        ]
    );
}

async fn a_checks_alerts_go_out_in_order_other_checks_at_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let a = flapping(&b, "A").await;
    let c = flapping(&b, "C").await;
    let claimer = Uuid::new_v4();
    let first = claim_alerts(&b, claim(claimer, t0() + secs(3), 10)).await;
    let got: Vec<(Uuid, Status)> = first.iter().map(|x| (x.uuid, x.flip.new_status)).collect();
    assert_eq!(got, [(a, Status::Down), (c, Status::Down)]);

    // Only once A's first is delivered does its second come.
    delivered(&b, &[first[0].id]).await;
    let next = claim_alerts(&b, claim(claimer, t0() + secs(4), 10)).await;
    let got: Vec<(Uuid, Status)> = next.iter().map(|x| (x.uuid, x.flip.new_status)).collect();
    assert_eq!(got, [(a, Status::Up)]);
    // At most `max` at a time.
    delivered(&b, &[first[1].id, next[0].id]).await;
    assert_eq!(
        claim_alerts(&b, claim(claimer, t0() + secs(5), 0))
            .await
            .len(),
        0
    );
    assert_eq!(
        claim_alerts(&b, claim(claimer, t0() + secs(5), 1))
            .await
            .len(),
        1
    );
}

async fn a_failed_alert_waits_for_its_retry_time<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let claimer = Uuid::new_v4();
    let now = t0() + secs(3);
    let alert = claim_alerts(&b, claim(claimer, now, 10)).await.remove(0);
    b.store()
        .alert_failed(alert.id, claimer, now + secs(10))
        .await
        .unwrap_or_else(|_| panic!("marked failed"));
    assert!(claim_alerts(&b, claim(claimer, now + secs(9), 10))
        .await
        .is_empty());
    let again = claim_alerts(&b, claim(Uuid::new_v4(), now + secs(10), 10)).await;
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempt), (alert.id, 2));
}

async fn an_expired_lease_lets_another_claimer_deliver<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let (dead, alive) = (Uuid::new_v4(), Uuid::new_v4());
    let now = t0() + secs(3);
    let held = claim_alerts(&b, claim(dead, now, 10)).await.remove(0);
    assert!(claim_alerts(&b, claim(alive, now + secs(29), 10))
        .await
        .is_empty());
    let taken = claim_alerts(&b, claim(alive, now + secs(30), 10)).await;
    assert_eq!((taken[0].id, taken[0].attempt), (held.id, 2));

    // The first claimer's late word no longer counts: its failure does not
    // free the alert, its release does not either.
    let store = b.store();
    let _ = store.alert_failed(held.id, dead, now + secs(31)).await;
    let _ = store.release_alerts(&[held.id], dead).await;
    assert!(claim_alerts(&b, claim(dead, now + secs(32), 10))
        .await
        .is_empty());
    delivered(&b, &[held.id]).await;
    assert_eq!(
        claim_alerts(&b, claim(dead, now + secs(33), 10)).await[0]
            .flip
            .new_status,
        Status::Up
    );
}

/// The wall clock went back an hour after a retry was set 10 s ahead: by
/// the clock the retry is an hour and 10 s away, more than any retry waits
/// (the cap, 60 s here), so it is due now.
async fn a_retry_set_before_the_clock_went_back_waits_no_longer_than_the_cap<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let claimer = Uuid::new_v4();
    let now = t0() + secs(3);
    let alert = claim_alerts(&b, claim(claimer, now, 10)).await.remove(0);
    b.store()
        .alert_failed(alert.id, claimer, now + secs(10))
        .await
        .unwrap_or_else(|_| panic!("marked failed"));
    let capped = |at| claim(claimer, at, 10).retry_cap(secs(60));
    // Within the cap it waits, as before.
    assert!(claim_alerts(&b, capped(now + secs(9))).await.is_empty());
    assert!(claim_alerts(&b, capped(now - secs(40))).await.is_empty());
    // An hour back, the retry lies further than the cap: due.
    let back = now - secs(3600);
    let again = claim_alerts(&b, capped(back)).await;
    assert_eq!((again[0].id, again[0].attempt), (alert.id, 2));
}

/// The wall clock went back an hour while a claim held its alert for 30 s:
/// by the clock the claim holds for an hour more. A claim further ahead than
/// two leases is stale, and another claimer takes the alert.
async fn a_lease_taken_before_the_clock_went_back_does_not_hold_for_good<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let (gone, alive) = (Uuid::new_v4(), Uuid::new_v4());
    let now = t0() + secs(3);
    let held = claim_alerts(&b, claim(gone, now, 10)).await.remove(0);
    // Within two leases of now it holds (clocks of instances may disagree
    // a little).
    assert!(claim_alerts(&b, claim(alive, now - secs(25), 10))
        .await
        .is_empty());
    let taken = claim_alerts(&b, claim(alive, now - secs(3600), 10)).await;
    assert_eq!((taken[0].id, taken[0].attempt), (held.id, 2));
}

async fn released_alerts_are_claimable_at_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let (stopping, other) = (Uuid::new_v4(), Uuid::new_v4());
    let now = t0() + secs(3);
    let held = claim_alerts(&b, claim(stopping, now, 10)).await.remove(0);
    let _ = b.store().release_alerts(&[held.id], stopping).await;
    let taken = claim_alerts(&b, claim(other, now, 10)).await;
    assert_eq!(taken[0].id, held.id);
}

async fn new_to_up_and_paused_to_up_are_never_alerts<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Job").ping_key(KEY)).await;
    ping(&b, uuid, Signal::Success, t0()).await;
    b.pause(uuid).await;
    ping(&b, uuid, Signal::Success, t0() + secs(1)).await;
    assert_eq!(b.flips().await.len(), 2);
    assert!(claim_alerts(&b, claim(Uuid::new_v4(), t0() + secs(2), 10))
        .await
        .is_empty());
}

/// A notifier that records what it is handed, failing the first `failures`
/// attempts of each alert and hanging on the first `hangs`.
#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<(Instant, Alert)>>>,
    failures: u32,
    hangs: u32,
}

impl Recorder {
    fn calls(&self) -> Vec<(Instant, Alert)> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl Notifier for Recorder {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), alert.clone()));
        if alert.attempt <= self.hangs {
            std::future::pending::<()>().await;
        }
        if alert.attempt <= self.failures {
            return Err(format!("attempt {} refused", alert.attempt).into());
        }
        Ok(())
    }
}

/// Runs a monitor of `b` delivering to `notifier` with short settings
/// until `done` holds (at most 10 s), and 300 ms more (so that a call that
/// should not come has the time to), then stops it.
async fn deliver_until<B: Backend>(
    b: &B,
    notifier: Recorder,
    delivery: Delivery,
    done: impl Fn(&[(Instant, Alert)]) -> bool,
) -> Vec<(Instant, Alert)> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(b.store())
        .sweep_interval(Duration::from_millis(50))
        .notifier(notifier.clone())
        .delivery(delivery)
        .on_delivery_failure(|_, _| {});
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    while !done(&notifier.calls()) {
        assert!(
            started.elapsed() < secs(10),
            "calls: {:?}",
            notifier.calls().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = stop.send(());
    task.await.expect("the monitor stops");
    notifier.calls()
}

/// Flips `n` checks down through pings now, so the monitor sees them.
async fn fail_checks<B: Backend>(b: &B, n: usize) -> Vec<Uuid> {
    let mut uuids = Vec::new();
    for i in 0..n {
        let uuid = b
            .add_check(NewCheck::new(format!("Job {i}")).ping_key(KEY))
            .await;
        ping(b, uuid, Signal::Fail, SystemTime::now()).await;
        uuids.push(uuid);
    }
    uuids
}

async fn the_monitor_delivers_every_alert_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuids = fail_checks(&b, 20).await;
    let calls = deliver_until(&b, Recorder::default(), Delivery::new(), |calls| {
        calls.len() >= 20
    })
    .await;
    let mut per_check: HashMap<Uuid, usize> = HashMap::new();
    for (_, alert) in &calls {
        *per_check.entry(alert.uuid).or_default() += 1;
    }
    assert_eq!(calls.len(), 20, "no alert twice");
    assert!(uuids.iter().all(|u| per_check[u] == 1));
    assert!(b.flips().await.iter().all(|f| f.delivered));
}

async fn a_failing_notifier_is_retried_with_backoff<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    fail_checks(&b, 1).await;
    let notifier = Recorder {
        failures: 2,
        ..Recorder::default()
    };
    let delivery = Delivery::new().retry(Duration::from_millis(200), secs(5));
    let calls = deliver_until(&b, notifier, delivery, |calls| calls.len() >= 3).await;
    let attempts: Vec<u32> = calls.iter().map(|(_, a)| a.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
    // 200 ms after the first failure, then 400 ms after the second.
    let gaps: Vec<Duration> = calls.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps[0] >= Duration::from_millis(190), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(390), "{gaps:?}");
    assert!(gaps[1] > gaps[0], "{gaps:?}");
    assert!(b.flips().await.iter().all(|f| f.delivered));
}

async fn alerts_failing_at_different_moments_are_each_retried<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let notifier = Recorder {
        failures: 1,
        ..Recorder::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(b.store())
        .notifier(notifier.clone())
        .delivery(Delivery::new().retry(secs(1), secs(1)))
        .on_delivery_failure(|_, _| {});
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    // The second check's alert fails 300 ms after the first's, so its retry
    // comes due 300 ms after the one the monitor wakes for first.
    let first = fail_checks(&b, 1).await[0];
    wait_for(|| notifier.calls().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = b.add_check(NewCheck::new("Later").ping_key(KEY)).await;
    ping(&b, second, Signal::Fail, SystemTime::now()).await;
    wait_for(|| notifier.calls().len() == 4).await;
    let _ = stop.send(());
    task.await.expect("the monitor stops");
    let calls: Vec<(Uuid, u32)> = notifier
        .calls()
        .iter()
        .map(|(_, a)| (a.uuid, a.attempt))
        .collect();
    assert_eq!(calls, [(first, 1), (second, 1), (first, 2), (second, 2)]);
    assert!(b.flips().await.iter().all(|f| f.delivered));
}

/// Waits until `done` holds, at most 10 s.
async fn wait_for(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < secs(10), "waited 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_hanging_notifier_times_out_and_is_retried<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    fail_checks(&b, 1).await;
    let notifier = Recorder {
        hangs: 1,
        ..Recorder::default()
    };
    let delivery = Delivery::new()
        .call_timeout(Duration::from_millis(200))
        .retry(Duration::from_millis(100), secs(1));
    let calls = deliver_until(&b, notifier, delivery, |calls| calls.len() >= 2).await;
    let attempts: Vec<u32> = calls.iter().map(|(_, a)| a.attempt).collect();
    assert_eq!(attempts, [1, 2]);
    assert!(calls[1].0 - calls[0].0 >= Duration::from_millis(290));
    // The second attempt was taken, and marked.
    let started = Instant::now();
    while !b.flips().await.iter().all(|f| f.delivered) {
        assert!(started.elapsed() < secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn the_monitor_delivers_a_checks_alerts_in_order<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Flapping").ping_key(KEY)).await;
    for (i, signal) in [Signal::Fail, Signal::Success]
        .iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        ping(
            &b,
            uuid,
            *signal,
            SystemTime::now() + Duration::from_micros(i as u64),
        )
        .await;
    }
    let calls = deliver_until(&b, Recorder::default(), Delivery::new(), |calls| {
        calls.len() >= 6
    })
    .await;
    let order: Vec<Status> = calls.iter().map(|(_, a)| a.flip.new_status).collect();
    use Status::{Down, Up};
    assert_eq!(order, [Down, Up, Down, Up, Down, Up]);
    let ids: Vec<u64> = calls.iter().map(|(_, a)| a.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

async fn at_shutdown_a_call_still_running_gives_its_alert_back_at_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    fail_checks(&b, 1).await;
    // The first monitor's call hangs; it is stopped with a short grace.
    let hanging = Recorder {
        hangs: 1,
        ..Recorder::default()
    };
    let delivery = Delivery::new()
        .shutdown_grace(Duration::from_millis(100))
        .lease(secs(3600));
    let calls = deliver_until(&b, hanging, delivery, |calls| !calls.is_empty()).await;
    assert_eq!(calls.len(), 1);
    // Given back, not left to a lease of an hour: the next monitor (the
    // restarted process, or another instance) delivers it at once.
    let started = Instant::now();
    let calls = deliver_until(&b, Recorder::default(), Delivery::new(), |calls| {
        !calls.is_empty()
    })
    .await;
    assert!(started.elapsed() < secs(5));
    assert_eq!(calls[0].1.attempt, 2);
    let started = Instant::now();
    while !b.flips().await.iter().all(|f| f.delivered) {
        assert!(started.elapsed() < secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
