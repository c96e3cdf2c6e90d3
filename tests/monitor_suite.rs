//! Schedules, deadlines, flips and the user's acts, run against every store
//! (the custom store of `examples/custom_store` too) with explicit times: pings are recorded through `CheckStore::record` with
//! the moment they arrive, and `MonitorStore::sweep` is called with its
//! `now`. SPEC sections 8 and 9.

mod backends;
mod support;

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use tower_ping::{
    CheckState, Claim, CronSchedule, Flip, FlipReason, MonitorStore, NewCheck, RecordedFlip,
    Schedule, ScheduleKind, Signal, Status,
};
use uuid::Uuid;

use backends::{secs, t0, Backend};
use support::{app, get_status};

suite!(
    every_store:
    pings_record_their_flips_with_them,
    a_sweep_flips_an_overdue_check_once_dated_at_its_deadline,
    a_check_pinged_before_its_deadline_is_not_flipped,
    a_ping_after_the_deadline_records_the_timeout_first,
    a_ping_and_a_sweep_racing_flip_the_check_once,
    a_started_run_past_its_grace_goes_down,
    a_check_defined_overdue_goes_down_at_its_deadline,
    a_cron_check_is_due_at_its_next_tick,
    an_oncalendar_check_is_due_at_its_next_tick_and_kept_as_one,
    an_oncalendar_check_with_no_tick_left_is_never_due,
    pause_and_resume_change_the_status_without_a_flip,
    remove_takes_the_check_its_pings_and_its_flips,
    redefining_keeps_the_state_and_rearms_the_deadline,
    defining_again_without_a_uuid_names_the_same_check,
    zero_durations_are_refused,
    durations_under_a_microsecond_are_kept_and_swept,
    a_check_keeps_its_newest_flips_and_every_alert_not_yet_delivered;
);

const KEY: &str = "monitor-ping-key";

/// A check expecting a ping every minute, with 30 s of grace.
fn minutely(name: &str) -> NewCheck {
    NewCheck::new(name)
        .ping_key(KEY)
        .timeout(secs(60))
        .grace(secs(30))
}

/// An up check whose last ping was at `last_ping`.
fn up_since(last_ping: SystemTime) -> CheckState {
    let mut state = CheckState::with_status(Status::Up);
    state.last_ping = Some(last_ping);
    state
}

async fn ping<B: Backend>(b: &B, uuid: Uuid, signal: Signal, at: SystemTime) {
    b.ping_at(uuid, signal, at).await
}

async fn sweep<B: Backend>(b: &B, now: SystemTime) -> tower_ping::Sweep {
    match b.store().sweep(now).await {
        Ok(sweep) => sweep,
        Err(e) => panic!("sweep failed: {e}"),
    }
}

/// The flips of one check, as `(old, new, reason, at)`.
async fn flips_of<B: Backend>(b: &B, uuid: Uuid) -> Vec<(Status, Status, FlipReason, SystemTime)> {
    b.flips()
        .await
        .iter()
        .filter(|f| f.check == uuid)
        .map(|f| {
            (
                f.flip.old_status,
                f.flip.new_status,
                f.flip.reason,
                f.flip.at,
            )
        })
        .collect()
}

async fn pings_record_their_flips_with_them<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(minutely("Job")).await;
    let other = b.add_check(minutely("Other")).await;
    ping(&b, uuid, Signal::Start, t0()).await;
    assert!(b.flips().await.is_empty(), "a start changes no status");
    ping(&b, uuid, Signal::Success, t0() + secs(1)).await;
    ping(&b, other, Signal::Success, t0() + secs(2)).await;
    ping(&b, uuid, Signal::Exit(3), t0() + secs(3)).await;
    ping(&b, uuid, Signal::Fail, t0() + secs(4)).await;
    ping(&b, uuid, Signal::Log, t0() + secs(5)).await;
    ping(&b, uuid, Signal::Exit(0), t0() + secs(6)).await;

    use FlipReason::*;
    use Status::*;
    assert_eq!(
        flips_of(&b, uuid).await,
        [
            (New, Up, Success, t0() + secs(1)),
            (Up, Down, Fail, t0() + secs(3)),
            (Down, Up, Success, t0() + secs(6)),
        ]
    );
    let all: Vec<RecordedFlip> = b.flips().await;
    assert_eq!(all.len(), 4);
    assert!(
        all.windows(2).all(|w| w[0].id < w[1].id),
        "numbered in order"
    );
    assert_eq!(all[1].check, other);
    assert!(all.iter().all(|f| !f.delivered));
    let alertable: Vec<bool> = all.iter().map(|f| f.flip.is_alertable()).collect();
    assert_eq!(alertable, [false, false, true, true]);
}

async fn a_sweep_flips_an_overdue_check_once_dated_at_its_deadline<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(minutely("Job").initial_state(up_since(t0())))
        .await;
    let deadline = t0() + secs(90);
    assert_eq!(
        b.check(uuid).await.unwrap().state.alert_after,
        Some(deadline)
    );

    let early = sweep(&b, deadline - Duration::from_millis(1)).await;
    assert_eq!((early.flipped, early.next_deadline), (0, Some(deadline)));
    assert!(b.flips().await.is_empty());

    // The monitor noticed late: the flip is still dated at the deadline.
    let late = sweep(&b, deadline + secs(25)).await;
    assert_eq!((late.flipped, late.next_deadline), (1, None));
    assert_eq!(
        flips_of(&b, uuid).await,
        [(Status::Up, Status::Down, FlipReason::Timeout, deadline)]
    );
    let state = b.check(uuid).await.unwrap().state;
    assert_eq!((state.status, state.alert_after), (Status::Down, None));

    assert_eq!(sweep(&b, deadline + secs(3600)).await.flipped, 0);
    assert_eq!(b.flips().await.len(), 1, "flipped once");
}

async fn a_check_pinged_before_its_deadline_is_not_flipped<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(minutely("Job").initial_state(up_since(t0())))
        .await;
    ping(&b, uuid, Signal::Success, t0() + secs(80)).await;
    let swept = sweep(&b, t0() + secs(100)).await;
    assert_eq!(swept.flipped, 0);
    assert_eq!(swept.next_deadline, Some(t0() + secs(170)));
    assert!(b.flips().await.is_empty());
    assert_eq!(b.check(uuid).await.unwrap().state.status, Status::Up);
}

async fn a_ping_after_the_deadline_records_the_timeout_first<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(minutely("Job").initial_state(up_since(t0())))
        .await;
    // No sweep ran: the ping finds the check overdue.
    ping(&b, uuid, Signal::Success, t0() + secs(95)).await;
    assert_eq!(
        flips_of(&b, uuid).await,
        [
            (
                Status::Up,
                Status::Down,
                FlipReason::Timeout,
                t0() + secs(90)
            ),
            (
                Status::Down,
                Status::Up,
                FlipReason::Success,
                t0() + secs(95)
            ),
        ]
    );
    let state = b.check(uuid).await.unwrap().state;
    assert_eq!(state.status, Status::Up);
    assert_eq!(state.alert_after, Some(t0() + secs(185)));
    assert_eq!(sweep(&b, t0() + secs(100)).await.flipped, 0);
}

async fn a_ping_and_a_sweep_racing_flip_the_check_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let mut checks = Vec::new();
    for i in 0..20 {
        let check = minutely(&format!("Racer {i}")).initial_state(up_since(t0()));
        checks.push(b.add_check(check).await);
    }
    let now = t0() + secs(95);
    let pings = checks
        .iter()
        .map(|uuid| ping(&b, *uuid, Signal::Success, now));
    let (_, swept) = tokio::join!(futures_util::future::join_all(pings), sweep(&b, now));
    assert!(swept.flipped <= checks.len());

    // Whichever came first, each check went down at its deadline, once, and
    // then up with the ping; never down after the ping's up.
    for uuid in checks {
        assert_eq!(
            flips_of(&b, uuid).await,
            [
                (
                    Status::Up,
                    Status::Down,
                    FlipReason::Timeout,
                    t0() + secs(90)
                ),
                (Status::Down, Status::Up, FlipReason::Success, now),
            ]
        );
        assert_eq!(b.check(uuid).await.unwrap().state.status, Status::Up);
    }
    assert_eq!(sweep(&b, now).await.flipped, 0);
}

async fn a_started_run_past_its_grace_goes_down<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(minutely("Job")).await;
    ping(&b, uuid, Signal::Start, t0()).await;
    assert_eq!(
        b.check(uuid).await.unwrap().state.alert_after,
        Some(t0() + secs(30)),
        "a new check that started a run goes down if it outlasts its grace"
    );
    assert_eq!(sweep(&b, t0() + secs(29)).await.flipped, 0);
    assert_eq!(sweep(&b, t0() + secs(31)).await.flipped, 1);
    assert_eq!(
        flips_of(&b, uuid).await,
        [(
            Status::New,
            Status::Down,
            FlipReason::Timeout,
            t0() + secs(30)
        )]
    );

    // An up check: the run's start, not the next due time, sets the deadline.
    let up = b
        .add_check(minutely("Up job").initial_state(up_since(t0())))
        .await;
    ping(&b, up, Signal::Start, t0() + secs(10)).await;
    assert_eq!(
        b.check(up).await.unwrap().state.alert_after,
        Some(t0() + secs(40))
    );
    assert_eq!(sweep(&b, t0() + secs(41)).await.flipped, 1);
    assert_eq!(b.check(up).await.unwrap().state.status, Status::Down);
}

async fn a_check_defined_overdue_goes_down_at_its_deadline<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let last_ping = t0() - secs(3 * 24 * 3600);
    let uuid = b
        .add_check(
            NewCheck::new("Stale")
                .ping_key(KEY)
                .initial_state(up_since(last_ping)),
        )
        .await;
    // Default schedule: one day, one hour of grace.
    let deadline = last_ping + secs(24 * 3600 + 3600);
    assert_eq!(sweep(&b, t0()).await.flipped, 1);
    assert_eq!(
        flips_of(&b, uuid).await,
        [(Status::Up, Status::Down, FlipReason::Timeout, deadline)]
    );
}

async fn a_cron_check_is_due_at_its_next_tick<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let cron = CronSchedule::new("0 3 * * *", "Europe/Riga").unwrap();
    let uuid = b
        .add_check(
            NewCheck::new("Nightly")
                .ping_key(KEY)
                .schedule(cron.clone())
                .grace(secs(600)),
        )
        .await;
    // 2021-03-27 12:00Z: the next 03:00 in Riga is after the DST change,
    // 2021-03-28 04:00+03:00 = 01:00Z.
    let pinged = SystemTime::UNIX_EPOCH + secs(1_616_846_400);
    ping(&b, uuid, Signal::Success, pinged).await;
    let due = SystemTime::UNIX_EPOCH + secs(1_616_893_200);
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.rules.schedule, Schedule::Cron(cron));
    assert_eq!(check.state.alert_after, Some(due + secs(600)));
    assert_eq!(check.status_at(due).next_ping, Some(due));
    assert_eq!(sweep(&b, due + secs(599)).await.flipped, 0);
    assert_eq!(sweep(&b, due + secs(600)).await.flipped, 1);
}

async fn an_oncalendar_check_is_due_at_its_next_tick_and_kept_as_one<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    // Weekdays at 09:00 in Riga, and the last day of the month at 23:00.
    let schedule = Schedule::parse("Mon..Fri 09:00\n*-*~1 23:00", "Europe/Riga").unwrap();
    assert_eq!(schedule.kind(), ScheduleKind::OnCalendar);
    let uuid = b
        .add_check(
            NewCheck::new("Weekdays")
                .ping_key(KEY)
                .schedule(schedule.clone())
                .grace(secs(600)),
        )
        .await;
    // Friday 2024-03-29 12:00Z (15:00 in Riga): next is Sunday 2024-03-31
    // 23:00+03:00 (summer time began that morning) = 20:00Z, before
    // Monday 09:00.
    let pinged = SystemTime::UNIX_EPOCH + secs(1_711_713_600);
    ping(&b, uuid, Signal::Success, pinged).await;
    let due = SystemTime::UNIX_EPOCH + secs(1_711_915_200);
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.rules.schedule, schedule, "read back as OnCalendar");
    assert_eq!(check.state.alert_after, Some(due + secs(600)));
    assert_eq!(check.status_at(due).next_ping, Some(due));
    assert_eq!(sweep(&b, due + secs(599)).await.flipped, 0);
    assert_eq!(sweep(&b, due + secs(600)).await.flipped, 1);
}

async fn an_oncalendar_check_with_no_tick_left_is_never_due<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let once = Schedule::parse("2020-01-01 00:00", "UTC").unwrap();
    let uuid = b
        .add_check(NewCheck::new("Once").ping_key(KEY).schedule(once))
        .await;
    ping(&b, uuid, Signal::Success, t0()).await;
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.state.alert_after, None);
    assert_eq!(
        check.status_at(t0() + secs(10 * 365 * 24 * 3600)).status,
        tower_ping::LiveStatus::Up
    );
    assert_eq!(
        sweep(&b, t0() + secs(10 * 365 * 24 * 3600)).await.flipped,
        0
    );
}

async fn pause_and_resume_change_the_status_without_a_flip<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(minutely("Job").initial_state(up_since(t0())))
        .await;
    ping(&b, uuid, Signal::Start, t0() + secs(5)).await;

    assert!(b.pause(uuid).await);
    let state = b.check(uuid).await.unwrap().state;
    assert_eq!(
        (state.status, state.last_start, state.alert_after),
        (Status::Paused, None, None)
    );
    assert_eq!(sweep(&b, t0() + secs(3600)).await.flipped, 0);

    assert!(b.resume(uuid).await);
    let state = b.check(uuid).await.unwrap().state;
    assert_eq!(
        (state.status, state.last_ping, state.alert_after),
        (Status::New, None, None)
    );
    assert_eq!(state.n_pings, 1, "its pings stay counted");
    assert!(b.flips().await.is_empty(), "the user's acts are not flips");

    // Resuming a check that is not paused leaves it as it is.
    ping(&b, uuid, Signal::Success, t0() + secs(10)).await;
    assert!(b.resume(uuid).await);
    assert_eq!(b.check(uuid).await.unwrap().state.status, Status::Up);
    // A paused check that gets a success resumes, and that flip is no alert.
    assert!(b.pause(uuid).await);
    ping(&b, uuid, Signal::Success, t0() + secs(20)).await;
    let flips = b.flips().await;
    let last: &Flip = &flips.last().unwrap().flip;
    assert_eq!(
        (last.old_status, last.new_status),
        (Status::Paused, Status::Up)
    );
    assert!(!last.is_alertable());

    let unknown = Uuid::new_v4();
    assert!(!b.pause(unknown).await);
    assert!(!b.resume(unknown).await);
}

async fn remove_takes_the_check_its_pings_and_its_flips<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let gone = b
        .add_check(minutely("Gone").initial_state(up_since(t0())))
        .await;
    let kept = b.add_check(minutely("Kept")).await;
    ping(&b, gone, Signal::Fail, t0() + secs(1)).await;
    ping(&b, kept, Signal::Success, t0() + secs(1)).await;
    let app = app(b.store());

    assert!(b.remove(gone).await);
    assert!(b.check(gone).await.is_none());
    assert_eq!(b.checks().await.len(), 1);
    assert!(b.flips().await.iter().all(|f| f.check == kept));
    assert_eq!(
        get_status(&app, &format!("/ping/{gone}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/gone")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(sweep(&b, t0() + secs(3600)).await.flipped, 1, "only Kept");
    assert!(!b.remove(gone).await);
}

async fn redefining_keeps_the_state_and_rearms_the_deadline<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(minutely("Job").initial_state(up_since(t0())))
        .await;
    ping(&b, uuid, Signal::Success, t0() + secs(30)).await;
    assert_eq!(
        b.check(uuid).await.unwrap().state.alert_after,
        Some(t0() + secs(120))
    );

    let hourly = NewCheck::new("Job, hourly")
        .uuid(uuid)
        .slug("job")
        .ping_key(KEY)
        .timeout(secs(3600))
        .grace(secs(600))
        .paused();
    assert_eq!(b.add_check(hourly).await, uuid);
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.name, "Job, hourly");
    assert_eq!(check.rules.schedule, Schedule::Period(secs(3600)));
    assert_eq!(check.rules.grace, secs(600));
    assert_eq!(
        check.state.status,
        Status::Up,
        "the starting state is for new checks"
    );
    assert_eq!(check.state.n_pings, 1);
    assert_eq!(check.state.alert_after, Some(t0() + secs(30 + 3600 + 600)));
    assert_eq!(sweep(&b, t0() + secs(200)).await.flipped, 0);

    // A shorter schedule can make the check overdue at once: the next sweep
    // flips it, dated at its new deadline.
    b.add_check(minutely("Job").uuid(uuid).timeout(secs(10)).grace(secs(5)))
        .await;
    assert_eq!(sweep(&b, t0() + secs(200)).await.flipped, 1);
    assert_eq!(
        flips_of(&b, uuid).await,
        [(
            Status::Up,
            Status::Down,
            FlipReason::Timeout,
            t0() + secs(45)
        )]
    );
}

async fn defining_again_without_a_uuid_names_the_same_check<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let first = b.add_check(minutely("Nightly backup")).await;
    ping(&b, first, Signal::Success, t0()).await;
    // The next start of the app declares it again, with another grace.
    let again = b
        .add_check(minutely("Nightly backup").grace(secs(45)))
        .await;
    assert_eq!(again, first);
    let checks = b.checks().await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].rules.grace, secs(45));
    assert_eq!(checks[0].state.n_pings, 1);

    // Without a ping key, the slug alone names it.
    let keyless = b.add_check(NewCheck::new("Local job")).await;
    assert_eq!(b.add_check(NewCheck::new("Local job")).await, keyless);
    assert_eq!(b.checks().await.len(), 2);

    // Two checks sharing a slug: a definition without a UUID names neither.
    b.add_check(minutely("Twin").uuid(Uuid::new_v4())).await;
    b.add_check(minutely("Twin").uuid(Uuid::new_v4())).await;
    let refused = b.define(minutely("Twin")).await.unwrap_err();
    assert!(refused.contains("\"twin\""), "{refused}");
    assert_eq!(b.checks().await.len(), 4);
}

async fn zero_durations_are_refused<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let zero = b.define(minutely("Job").timeout(Duration::ZERO)).await;
    assert!(zero.unwrap_err().contains("timeout"));
    let zero = b.define(minutely("Job").grace(Duration::ZERO)).await;
    assert!(zero.unwrap_err().contains("grace"));
    assert!(b.checks().await.is_empty());
}

async fn durations_under_a_microsecond_are_kept_and_swept<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    // The SQL stores keep whole microseconds: a shorter grace or period
    // must not come back as the zero no check may have.
    let tiny = b
        .add_check(minutely("Tiny grace").grace(Duration::from_nanos(500)))
        .await;
    let tinier = b
        .add_check(minutely("Tiny period").timeout(Duration::from_nanos(1)))
        .await;
    let plain = b.add_check(minutely("Plain")).await;
    for uuid in [tiny, tinier, plain] {
        ping(&b, uuid, Signal::Success, t0()).await;
    }
    assert_eq!(b.checks().await.len(), 3);
    let swept = sweep(&b, t0() + secs(100)).await;
    assert_eq!(swept.flipped, 3);
    for uuid in [tiny, tinier, plain] {
        let check = b.check(uuid).await.expect("listed");
        assert_eq!(check.state.status, Status::Down, "{}", check.name);
        assert!(!check.rules.grace.is_zero());
    }
}

async fn a_check_keeps_its_newest_flips_and_every_alert_not_yet_delivered<B: Backend>() {
    let Some(b) = B::open(3).await else { return };
    let uuid = b.add_check(minutely("Flapping")).await;
    ping(&b, uuid, Signal::Success, t0()).await;
    for i in 0..4 {
        ping(&b, uuid, Signal::Fail, t0() + secs(2 * i + 1)).await;
        ping(&b, uuid, Signal::Success, t0() + secs(2 * i + 2)).await;
    }
    // The first flip (new -> up, no alert) is past the newest three; the
    // eight alerts wait to be delivered, however old.
    let flips = b.flips().await;
    assert_eq!(flips.len(), 8);
    assert!(flips.iter().all(|f| f.flip.is_alertable()));

    let ids: Vec<u64> = flips.iter().map(|f| f.id).collect();
    // Deliver them all, one claim at a time (a check's alerts go out in
    // order).
    let claimer = Uuid::new_v4();
    for _ in 0..8 {
        let claim = Claim::new(claimer, t0() + secs(20), secs(30), 10);
        let alerts = match b.store().claim_alerts(claim).await {
            Ok(alerts) => alerts,
            Err(e) => panic!("claim failed: {e}"),
        };
        let alert_ids: Vec<u64> = alerts.iter().map(|a| a.id).collect();
        if let Err(e) = b
            .store()
            .alerts_delivered(&alert_ids, t0() + secs(20))
            .await
        {
            panic!("marking failed: {e}");
        }
    }
    ping(&b, uuid, Signal::Fail, t0() + secs(30)).await;
    let kept: Vec<(u64, bool)> = b
        .flips()
        .await
        .iter()
        .map(|f| (f.id, f.delivered))
        .collect();
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(&kept[..2], &[(ids[6], true), (ids[7], true)]);
    assert!(!kept[2].1);
}
