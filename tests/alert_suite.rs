//! The outbox of alerts, run against every store (the custom store of
//! `examples/custom_store` too): claims, leases, retries,
//! order, with explicit times through the `MonitorStore` methods; then the
//! `Monitor` delivering to a notifier in real time with short settings.
//! SPEC section 9.

mod backends;
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tower_ping::{
    async_trait, Alert, AlertKind, Channel, Channels, CheckRules, Claim, Delivery, DeliveryError,
    FlipReason, Monitor, MonitorStore, NewCheck, Notifier, NotifyError, Schedule, Signal, Status,
};
use uuid::Uuid;

use backends::{secs, t0, Backend};

suite!(
    every_store:
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
    each_alert_goes_to_each_of_the_checks_channels,
    a_failing_channel_never_holds_back_another,
    reminders_are_queued_while_a_check_stays_down,
    tolerance_counts_are_kept_by_the_store,
    past_the_bound_the_oldest_alerts_fold_into_the_next,
    an_alert_in_flight_is_never_folded,
    a_renewed_claim_holds_past_its_lease,
    each_channel_has_its_notifier_and_the_rest_the_fallback,
    a_reminder_of_a_check_back_up_is_dropped_not_sent,
    the_failure_hook_gets_the_error_with_its_cause,
    a_deadline_set_after_the_last_sweep_wakes_the_monitor;
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
        (
            down.check.uuid,
            down.check.name.as_str(),
            down.check.slug.as_str()
        ),
        (uuid, "Job", "job")
    );
    assert_eq!(down.check.ping_key.as_deref(), Some(KEY));
    assert_eq!(
        (down.flip.old_status, down.flip.new_status),
        (Status::Up, Status::Down)
    );
    assert_eq!(
        (down.flip.reason, down.flip.at),
        (FlipReason::Fail, t0() + secs(1))
    );
    assert_eq!((down.attempt, down.check.state.status), (1, Status::Up));
    assert_eq!(down.check.state.last_ping, Some(t0() + secs(2)));
    // Without channels registered: one alert, without a channel.
    assert_eq!(
        (down.kind, down.reminder, down.folded, down.channel.as_ref()),
        (AlertKind::Flip, 0, 0, None)
    );

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
    let got: Vec<(Uuid, Status)> = first
        .iter()
        .map(|x| (x.check.uuid, x.flip.new_status))
        .collect();
    assert_eq!(got, [(a, Status::Down), (c, Status::Down)]);

    // Only once A's first is delivered does its second come.
    delivered(&b, &[first[0].id]).await;
    let next = claim_alerts(&b, claim(claimer, t0() + secs(4), 10)).await;
    let got: Vec<(Uuid, Status)> = next
        .iter()
        .map(|x| (x.check.uuid, x.flip.new_status))
        .collect();
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
        *per_check.entry(alert.check.uuid).or_default() += 1;
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
        .map(|(_, a)| (a.check.uuid, a.attempt))
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

async fn define_channel<B: Backend>(b: &B, name: &str) -> Channel {
    let channel = Channel::new(Uuid::new_v4(), name, "webhook");
    b.define_channel(channel.clone()).await;
    channel
}

fn channel_name(alert: &Alert) -> &str {
    alert.channel.as_ref().map_or("-", |c| c.name.as_str())
}

async fn each_alert_goes_to_each_of_the_checks_channels<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let ops = define_channel(&b, "ops").await;
    let pager = define_channel(&b, "pager").await;
    let all = b.add_check(NewCheck::new("All").ping_key(KEY)).await;
    let only = NewCheck::new("Only")
        .ping_key(KEY)
        .channels(Channels::only([pager.id]));
    let only = b.add_check(only).await;
    let none = NewCheck::new("None")
        .ping_key(KEY)
        .channels(Channels::none());
    let none = b.add_check(none).await;
    for uuid in [all, only, none] {
        ping(&b, uuid, Signal::Success, t0()).await;
        ping(&b, uuid, Signal::Fail, t0() + secs(1)).await;
    }
    let alerts = claim_alerts(&b, claim(Uuid::new_v4(), t0() + secs(2), 10)).await;
    let mut got: Vec<(Uuid, &str)> = alerts
        .iter()
        .map(|a| (a.check.uuid, channel_name(a)))
        .collect();
    got.sort();
    let mut want = vec![(all, "ops"), (all, "pager"), (only, "pager")];
    want.sort();
    assert_eq!(got, want);
    let to_pager = alerts.iter().find(|a| channel_name(a) == "pager").unwrap();
    assert_eq!(to_pager.channel, Some(pager.clone()));
    // Each alert of one flip is numbered apart, and names the same flip.
    let of_all: Vec<&Alert> = alerts.iter().filter(|a| a.check.uuid == all).collect();
    assert_ne!(of_all[0].id, of_all[1].id);
    assert_eq!(of_all[0].flip_id, of_all[1].flip_id);
    let ids: Vec<u64> = alerts.iter().map(|a| a.id).collect();
    delivered(&b, &ids).await;
    // The flip of the check without channels is recorded, never delivered.
    let flips = b.flips().await;
    let down_of = |uuid| {
        flips
            .iter()
            .find(|f| f.check == uuid && f.flip.new_status == Status::Down)
            .map(|f| f.delivered)
    };
    assert_eq!(
        (down_of(all), down_of(only), down_of(none)),
        (Some(true), Some(true), Some(false))
    );
    assert!(claim_alerts(&b, claim(Uuid::new_v4(), t0() + secs(3), 10))
        .await
        .is_empty());
    let _ = ops;
}

async fn a_failing_channel_never_holds_back_another<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    define_channel(&b, "ops").await;
    define_channel(&b, "pager").await;
    let uuid = flapping(&b, "Job").await;
    let claimer = Uuid::new_v4();
    let now = t0() + secs(3);
    let first = claim_alerts(&b, claim(claimer, now, 10)).await;
    assert_eq!(first.len(), 2, "the down alert, once per channel");
    let ops = first.iter().find(|a| channel_name(a) == "ops").unwrap();
    let pager = first.iter().find(|a| channel_name(a) == "pager").unwrap();
    assert!(first.iter().all(|a| a.flip.new_status == Status::Down));
    // The ops channel fails for an hour; the pager's alerts go on.
    b.store()
        .alert_failed(ops.id, claimer, now + secs(3600))
        .await
        .unwrap_or_else(|_| panic!("marked failed"));
    delivered(&b, &[pager.id]).await;
    let next = claim_alerts(&b, claim(claimer, now + secs(1), 10)).await;
    let got: Vec<(&str, Status)> = next
        .iter()
        .map(|a| (channel_name(a), a.flip.new_status))
        .collect();
    assert_eq!(got, [("pager", Status::Up)]);
    assert_eq!(next[0].check.uuid, uuid);
    delivered(&b, &[next[0].id]).await;
    assert!(claim_alerts(&b, claim(claimer, now + secs(2), 10))
        .await
        .is_empty());
    // The ops channel's queue is still in order once it answers.
    let retried = claim_alerts(&b, claim(claimer, now + secs(3600), 10)).await;
    let got: Vec<(&str, Status, u32)> = retried
        .iter()
        .map(|a| (channel_name(a), a.flip.new_status, a.attempt))
        .collect();
    assert_eq!(got, [("ops", Status::Down, 2)]);
}

/// Period 100 s, grace 10 s, a reminder every 600 s.
fn reminding() -> NewCheck {
    let mut check = NewCheck::new("Reminded").ping_key(KEY);
    check.rules = CheckRules::default()
        .schedule(Schedule::Period(secs(100)))
        .grace(secs(10))
        .remind_every(secs(600));
    check
}

async fn sweep<B: Backend>(b: &B, at: SystemTime) -> tower_ping::Sweep {
    match b.store().sweep(at).await {
        Ok(sweep) => sweep,
        Err(e) => panic!("sweep failed: {e}"),
    }
}

async fn reminders_are_queued_while_a_check_stays_down<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(reminding()).await;
    ping(&b, uuid, Signal::Success, t0()).await;
    let swept = sweep(&b, t0() + secs(111)).await;
    assert_eq!((swept.flipped, swept.reminded), (1, 0));
    // The next thing time does to it: its first reminder.
    assert_eq!(swept.next_deadline, Some(t0() + secs(710)));
    let claimer = Uuid::new_v4();
    let down = claim_alerts(&b, claim(claimer, t0() + secs(112), 10)).await;
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].kind, AlertKind::Flip);
    delivered(&b, &[down[0].id]).await;

    assert_eq!(sweep(&b, t0() + secs(709)).await.reminded, 0);
    let swept = sweep(&b, t0() + secs(710)).await;
    assert_eq!((swept.flipped, swept.reminded), (0, 1));
    assert_eq!(swept.next_deadline, Some(t0() + secs(1310)));
    // Once, however many sweeps run.
    assert_eq!(sweep(&b, t0() + secs(711)).await.reminded, 0);
    let first = claim_alerts(&b, claim(claimer, t0() + secs(711), 10)).await;
    assert_eq!(first.len(), 1);
    let reminder = &first[0];
    assert_eq!(
        (reminder.kind, reminder.reminder, reminder.check.uuid),
        (AlertKind::Reminder, 1, uuid)
    );
    // It carries the down flip.
    assert_eq!(
        (reminder.flip.new_status, reminder.flip.at, reminder.flip_id),
        (Status::Down, t0() + secs(110), down[0].flip_id)
    );
    assert_ne!(reminder.id, down[0].id);
    assert_eq!(reminder.check.state.reminders, 1);
    delivered(&b, &[reminder.id]).await;
    assert_eq!(sweep(&b, t0() + secs(1310)).await.reminded, 1);
    let second = claim_alerts(&b, claim(claimer, t0() + secs(1311), 10)).await;
    assert_eq!(second[0].reminder, 2);
    delivered(&b, &[second[0].id]).await;
    // Up again: no more reminders, the up alert instead.
    ping(&b, uuid, Signal::Success, t0() + secs(1400)).await;
    // Its next deadline is the schedule's again (1400 + 100 + 10).
    let swept = sweep(&b, t0() + secs(1505)).await;
    assert_eq!((swept.flipped, swept.reminded), (0, 0));
    assert_eq!(swept.next_deadline, Some(t0() + secs(1510)));
    let up = claim_alerts(&b, claim(claimer, t0() + secs(1506), 10)).await;
    let got: Vec<(AlertKind, Status)> = up.iter().map(|a| (a.kind, a.flip.new_status)).collect();
    assert_eq!(got, [(AlertKind::Flip, Status::Up)]);
    // Reminders flip nothing: the flips are the down and the up.
    let flips: Vec<Status> = b.flips().await.iter().map(|f| f.flip.new_status).collect();
    assert_eq!(flips, [Status::Up, Status::Down, Status::Up]);
}

async fn tolerance_counts_are_kept_by_the_store<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let mut tolerant = NewCheck::new("Tolerant").ping_key(KEY);
    tolerant.rules = CheckRules::default()
        .down_after_failures(2)
        .up_after_successes(2);
    let uuid = b.add_check(tolerant).await;
    let statuses = [
        (Signal::Success, Status::Up),
        (Signal::Fail, Status::Up),
        (Signal::Fail, Status::Down),
        (Signal::Success, Status::Down),
        (Signal::Fail, Status::Down),
        (Signal::Success, Status::Down),
        (Signal::Success, Status::Up),
    ];
    for (i, (signal, status)) in statuses.into_iter().enumerate() {
        ping(&b, uuid, signal, t0() + secs(i as u64)).await;
        let check = b.check(uuid).await.expect("the check");
        assert_eq!(check.state.status, status, "after ping {i}");
    }
    let check = b.check(uuid).await.unwrap();
    assert_eq!((check.state.failures, check.state.successes), (0, 2));
    assert_eq!(
        (
            check.rules.down_after_failures,
            check.rules.up_after_successes
        ),
        (2, 2)
    );
    let flips: Vec<(Status, SystemTime)> = b
        .flips()
        .await
        .iter()
        .map(|f| (f.flip.new_status, f.flip.at))
        .collect();
    assert_eq!(
        flips,
        [
            (Status::Up, t0()),
            (Status::Down, t0() + secs(2)),
            (Status::Up, t0() + secs(6))
        ]
    );
}

/// A check that flaps `times` times after coming up: `times` alertable
/// flips, a second apart from t0 + 1 s.
async fn flaps<B: Backend>(b: &B, times: u64) -> Uuid {
    let uuid = b.add_check(NewCheck::new("Flaps").ping_key(KEY)).await;
    ping(b, uuid, Signal::Success, t0()).await;
    for i in 1..=times {
        let signal = if i % 2 == 1 {
            Signal::Fail
        } else {
            Signal::Success
        };
        ping(b, uuid, signal, t0() + secs(i)).await;
    }
    uuid
}

async fn past_the_bound_the_oldest_alerts_fold_into_the_next<B: Backend>() {
    let Some(b) = B::open_folding(3).await else {
        return;
    };
    flaps(&b, 7).await;
    // Every flip is recorded.
    assert_eq!(b.flips().await.len(), 8);
    let claimer = Uuid::new_v4();
    let mut seen = Vec::new();
    for i in 0..5 {
        let alerts = claim_alerts(&b, claim(claimer, t0() + secs(100 + i), 10)).await;
        let Some(alert) = alerts.first() else { break };
        seen.push((alert.flip.at, alert.folded));
        delivered(&b, &[alert.id]).await;
    }
    // Seven alerts, three kept: the oldest four fold into the fifth.
    assert_eq!(
        seen,
        [
            (t0() + secs(5), 4),
            (t0() + secs(6), 0),
            (t0() + secs(7), 0)
        ]
    );
    // The folded flips are settled.
    assert!(b
        .flips()
        .await
        .iter()
        .filter(|f| f.flip.is_alertable())
        .all(|f| f.delivered));
}

async fn an_alert_in_flight_is_never_folded<B: Backend>() {
    let Some(b) = B::open_folding(2).await else {
        return;
    };
    let uuid = flaps(&b, 1).await;
    let claimer = Uuid::new_v4();
    // The first alert is in flight (claimed at t0 + 1.5 s for 30 s) while
    // four more flips come.
    let held = claim_alerts(&b, claim(claimer, t0() + Duration::from_millis(1500), 10)).await;
    assert_eq!(held.len(), 1);
    for i in 2..=5 {
        let signal = if i % 2 == 1 {
            Signal::Fail
        } else {
            Signal::Success
        };
        ping(&b, uuid, signal, t0() + secs(i)).await;
    }
    delivered(&b, &[held[0].id]).await;
    let next = claim_alerts(&b, claim(claimer, t0() + secs(10), 10)).await;
    // Five alerts, two kept: the one in flight (delivered now) and the
    // newest, which stands for the three between.
    assert_eq!(
        next.iter()
            .map(|a| (a.flip.at, a.folded))
            .collect::<Vec<_>>(),
        [(t0() + secs(5), 3)]
    );
}

async fn a_renewed_claim_holds_past_its_lease<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    flapping(&b, "Job").await;
    let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
    let now = t0() + secs(3);
    let held = claim_alerts(&b, claim(one, now, 10)).await.remove(0);
    // Renewed by its claimer to now + 50 s; another's renewal counts for
    // nothing.
    let store = b.store();
    store
        .renew_alerts(&[held.id], one, now + secs(50))
        .await
        .unwrap_or_else(|_| panic!("renewed"));
    store
        .renew_alerts(&[held.id], two, now + secs(500))
        .await
        .unwrap_or_else(|_| panic!("renewed"));
    assert!(claim_alerts(&b, claim(two, now + secs(49), 10))
        .await
        .is_empty());
    let taken = claim_alerts(&b, claim(two, now + secs(50), 10)).await;
    assert_eq!((taken[0].id, taken[0].attempt), (held.id, 2));
}

async fn each_channel_has_its_notifier_and_the_rest_the_fallback<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let ops = define_channel(&b, "ops").await;
    define_channel(&b, "mail").await;
    fail_checks(&b, 1).await;
    let (own, fallback) = (Recorder::default(), Recorder::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(b.store())
        .sweep_interval(Duration::from_millis(50))
        .notifier(fallback.clone())
        .channel(ops.id, own.clone());
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    wait_for(|| own.calls().len() == 1 && fallback.calls().len() == 1).await;
    let _ = stop.send(());
    task.await.expect("the monitor stops");
    assert_eq!(channel_name(&own.calls()[0].1), "ops");
    assert_eq!(channel_name(&fallback.calls()[0].1), "mail");
}

async fn a_reminder_of_a_check_back_up_is_dropped_not_sent<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(reminding()).await;
    ping(&b, uuid, Signal::Success, t0()).await;
    sweep(&b, t0() + secs(111)).await;
    let claimer = Uuid::new_v4();
    let down = claim_alerts(&b, claim(claimer, t0() + secs(112), 10)).await;
    delivered(&b, &[down[0].id]).await;
    // The reminder is queued, then the check comes back before any
    // monitor sends it.
    assert_eq!(sweep(&b, t0() + secs(710)).await.reminded, 1);
    ping(&b, uuid, Signal::Success, t0() + secs(720)).await;
    let notifier = Recorder::default();
    let calls = deliver_until(&b, notifier, Delivery::new(), |calls| !calls.is_empty()).await;
    let got: Vec<(AlertKind, Status)> = calls
        .iter()
        .map(|(_, a)| (a.kind, a.flip.new_status))
        .collect();
    assert_eq!(got, [(AlertKind::Flip, Status::Up)]);
    assert!(
        claim_alerts(&b, claim(claimer, SystemTime::now() + secs(3600), 10))
            .await
            .is_empty()
    );
}

/// A notifier error with a cause under it, as an HTTP client's is.
#[derive(Debug)]
struct Sending(std::io::Error);

impl std::fmt::Display for Sending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error sending request")
    }
}

impl std::error::Error for Sending {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

struct Refused;

#[async_trait]
impl Notifier for Refused {
    async fn notify(&self, _: &Alert) -> Result<(), NotifyError> {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        Err(Box::new(Sending(refused)))
    }
}

async fn the_failure_hook_gets_the_error_with_its_cause<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    fail_checks(&b, 1).await;
    let seen: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let record = seen.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(b.store())
        .notifier(Refused)
        .delivery(Delivery::new().retry(secs(3600), secs(3600)))
        .on_delivery_failure(move |_, error: &DeliveryError| {
            let mut chain = vec![error.to_string()];
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                chain.push(cause.to_string());
                source = cause.source();
            }
            record.lock().unwrap().push(chain);
        });
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    wait_for(|| !seen.lock().unwrap().is_empty()).await;
    let _ = stop.send(());
    task.await.expect("the monitor stops");
    assert_eq!(
        seen.lock().unwrap()[0],
        [
            "the notifier failed",
            "error sending request",
            "connection refused"
        ]
    );
}

/// A check pinged while the monitor sleeps sets a deadline earlier than
/// any it knew of: the store's signal wakes it (`MonitorSignal::deadline`),
/// sweeps flip the check on time, and the alert goes out at once
/// (`MonitorSignal::flip`). The sweep interval is an hour, so a store that
/// only waited for it would be late.
async fn a_deadline_set_after_the_last_sweep_wakes_the_monitor<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let notifier = Recorder::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let monitor = Monitor::new(b.store())
        .sweep_interval(secs(3600))
        .notifier(notifier.clone());
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    // It sweeps the empty store, and sleeps.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut quick = NewCheck::new("Quick").ping_key(KEY);
    quick.rules = CheckRules::default()
        .schedule(Schedule::Period(Duration::from_millis(300)))
        .grace(Duration::from_millis(200));
    let uuid = b.add_check(quick).await;
    let pinged = Instant::now();
    ping(&b, uuid, Signal::Success, SystemTime::now()).await;
    wait_for(|| !notifier.calls().is_empty()).await;
    let late = pinged.elapsed();
    let _ = stop.send(());
    task.await.expect("the monitor stops");
    assert!(late < secs(5), "alerted {late:?} after the ping");
    let alert = &notifier.calls()[0].1;
    assert_eq!(
        (alert.check.uuid, alert.flip.new_status, alert.flip.reason),
        (uuid, Status::Down, FlipReason::Timeout)
    );
}
