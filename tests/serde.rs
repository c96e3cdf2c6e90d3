//! With the `serde` feature, the data types are written with the field
//! names of the example server's JSON, and read back the same.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use tower_ping::{
    apply, Alert, Channel, Check, CheckRules, CheckState, CronSchedule, Flip, FlipReason,
    KeywordFilter, LoggedPing, NewCheck, Ping, RecordedFlip, Schedule, Signal, Status, StatusAt,
};
use uuid::Uuid;

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

fn round_trip<T>(value: &T) -> Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&back, value, "{json}");
    json
}

fn check(rules: CheckRules) -> Check {
    let mut state = CheckState::with_status(Status::Up);
    state.n_pings = 3;
    state.last_ping = Some(t0());
    state.last_start_rid = Some(Uuid::nil());
    state.last_duration = Some(Duration::from_millis(1500));
    let state = state.rearmed(&rules);
    let new = NewCheck::new("Nightly").ping_key("key");
    Check::new(Uuid::nil(), new.name, new.slug, new.ping_key, rules, state)
}

#[test]
fn a_check_is_written_flat_with_the_example_servers_names() {
    let rules = CheckRules::default()
        .schedule(Schedule::Period(Duration::from_secs(60)))
        .grace(Duration::from_secs(30))
        .filter(KeywordFilter::on().failure("ERROR"));
    let json = round_trip(&check(rules));
    assert_eq!(
        json,
        json!({
            "uuid": "00000000-0000-0000-0000-000000000000",
            "name": "Nightly",
            "slug": "nightly",
            "ping_key": "key",
            "project": null,
            "tags": "",
            "desc": "",
            "channels": "*",
            "badge_key": "00000000-0000-0000-0000-000000000000",
            "filter_subject": false,
            "filter_email_body": false,
            "manual_resume": false,
            "methods": "",
            "filter_body": true,
            "success_kw": "",
            "failure_kw": "ERROR",
            "start_kw": "",
            "default_fail": false,
            "timeout": 60,
            "grace": 30,
            "schedule": null,
            "tz": "UTC",
            "down_after_failures": 1,
            "up_after_successes": 1,
            "max_runtime": null,
            "remind_every": null,
            "status": "up",
            "n_pings": 3,
            "last_ping": "2030-01-01T00:00:00.000000Z",
            "last_start": null,
            "last_start_rid": "00000000-0000-0000-0000-000000000000",
            "last_duration": 1.5,
            "alert_after": "2030-01-01T00:01:30.000000Z",
            "failures": 0,
            "successes": 0,
            "down_at": null,
            "reminders": 0,
        })
    );
}

#[test]
fn a_cron_check_writes_its_schedule_and_zone() {
    let cron = CronSchedule::new("0 3 * * *", "Europe/Riga").unwrap();
    let json = round_trip(&check(CheckRules::default().schedule(cron)));
    assert_eq!(
        (&json["timeout"], &json["schedule"], &json["tz"]),
        (&Value::Null, &json!("0 3 * * *"), &json!("Europe/Riga"))
    );
}

#[test]
fn missing_rules_read_as_the_defaults_and_bad_ones_are_refused() {
    let rules: CheckRules = serde_json::from_value(json!({})).unwrap();
    assert_eq!(rules, CheckRules::default());
    let bad = serde_json::from_value::<CheckRules>(json!({"schedule": "61 * * * *"}));
    assert!(bad.unwrap_err().to_string().contains("61"));
    let bad = serde_json::from_value::<CheckRules>(json!({"methods": "PUT"}));
    assert!(bad.unwrap_err().to_string().contains("PUT"));
    let half: CheckRules = serde_json::from_value(json!({"grace": 0.5})).unwrap();
    assert_eq!(half.grace, Duration::from_millis(500));
}

#[test]
fn a_logged_ping_is_written_with_its_body_as_text_and_its_length() {
    let mut start = Ping::new(Signal::Start, t0());
    start.rid = Some(Uuid::nil());
    let started = apply(&CheckState::default(), &CheckRules::default(), &start);
    let mut ping = Ping::new(Signal::Exit(0), t0() + Duration::from_secs(2));
    ping.method = http::Method::POST;
    ping.remote_addr = Some("2001:db8::1".parse::<IpAddr>().unwrap());
    ping.user_agent = Some("cron/1".into());
    ping.rid = Some(Uuid::nil());
    ping.body = bytes::Bytes::from_static(b"done");
    let transition = apply(&started.state, &CheckRules::default(), &ping);
    let logged = LoggedPing::new(&transition, ping);
    let json = round_trip(&logged);
    assert_eq!(
        json,
        json!({
            "n": 2, "kind": "success", "exit_status": 0, "method": "POST", "scheme": "http",
            "remote_addr": "2001:db8::1", "user_agent": "cron/1",
            "rid": "00000000-0000-0000-0000-000000000000", "body": "done", "body_len": 4,
            "received_at": "2030-01-01T00:00:02.000000Z", "duration": 2,
        })
    );
}

#[test]
fn flips_and_alerts_carry_the_flips_fields() {
    let flip = Flip::new(Status::Up, Status::Down, FlipReason::Timeout, t0());
    let recorded = RecordedFlip::new(7, Uuid::nil(), flip, true);
    assert_eq!(
        round_trip(&recorded),
        json!({
            "id": 7, "uuid": "00000000-0000-0000-0000-000000000000",
            "old_status": "up", "new_status": "down", "reason": "timeout",
            "at": "2030-01-01T00:00:00.000000Z", "delivered": true,
        })
    );
    let mut nightly = check(
        CheckRules::default()
            .schedule(Schedule::Period(Duration::from_secs(86_400)))
            .grace(Duration::from_secs(3600))
            .remind_every(Duration::from_secs(600)),
    );
    nightly.tags = "db prod".into();
    nightly.desc = "The nightly dump".into();
    nightly.state.status = Status::Down;
    let ops = Channel::new(Uuid::nil(), "ops", "webhook");
    let alert = Alert::new(7, nightly, flip)
        .attempt(2)
        .flip_id(5)
        .reminder(3)
        .folded(1)
        .channel(ops);
    let json = round_trip(&alert);
    // As the example server prints it and posts it to its webhook: the
    // alert's own fields, the flip's, then the check's, flat.
    for (key, value) in [
        ("id", json!(7)),
        ("attempt", json!(2)),
        ("kind", json!("reminder")),
        ("reminder", json!(3)),
        ("folded", json!(1)),
        (
            "channel",
            json!({"id": "00000000-0000-0000-0000-000000000000", "name": "ops", "kind": "webhook"}),
        ),
        ("flip_id", json!(5)),
        ("old_status", json!("up")),
        ("new_status", json!("down")),
        ("reason", json!("timeout")),
        ("at", json!("2030-01-01T00:00:00.000000Z")),
        ("uuid", json!("00000000-0000-0000-0000-000000000000")),
        ("name", json!("Nightly")),
        ("slug", json!("nightly")),
        ("tags", json!("db prod")),
        ("desc", json!("The nightly dump")),
        ("timeout", json!(86_400)),
        ("schedule", json!(null)),
        ("grace", json!(3600)),
        ("remind_every", json!(600)),
        ("status", json!("down")),
        ("last_ping", json!("2030-01-01T00:00:00.000000Z")),
    ] {
        assert_eq!(json[key], value, "{key} in {json}");
    }
    // A flip alert without a channel.
    let plain = Alert::new(8, check(CheckRules::default()), flip);
    let json = round_trip(&plain);
    assert_eq!(
        (&json["kind"], &json["reminder"], &json["channel"]),
        (&json!("flip"), &json!(0), &json!(null))
    );
}

#[test]
fn the_status_at_a_moment_uses_the_live_statuses() {
    let rules = CheckRules::default()
        .schedule(Schedule::Period(Duration::from_secs(60)))
        .grace(Duration::from_secs(30));
    let at: StatusAt = check(rules).status_at(t0() + Duration::from_secs(70));
    assert_eq!(
        round_trip(&at),
        json!({
            "status": "grace", "started": false,
            "next_ping": "2030-01-01T00:01:00.000000Z",
            "alert_after": "2030-01-01T00:01:30.000000Z",
        })
    );
}

#[test]
fn a_check_in_grace_as_get_checks_shows_it_reads_back_as_up() {
    let rules = CheckRules::default()
        .schedule(Schedule::Period(Duration::from_secs(60)))
        .grace(Duration::from_secs(30));
    let check = check(rules);
    // As the example server's `GET /checks` writes it: the check, then how
    // it stands at the moment (its `status` in place of the stored one),
    // then its ping log.
    let mut json = serde_json::to_value(&check).unwrap();
    let now = serde_json::to_value(check.status_at(t0() + Duration::from_secs(70))).unwrap();
    let (Value::Object(fields), Value::Object(now)) = (&mut json, now) else {
        unreachable!("a check and a status at a moment are objects");
    };
    fields.extend(now);
    fields.insert("pings".into(), json!([]));
    assert_eq!(json["status"], "grace");
    let back: Check = serde_json::from_value(json).unwrap();
    assert_eq!(back, check);
    assert_eq!(back.state.status, Status::Up);
}

#[test]
fn grace_is_read_only_as_a_checks_status() {
    let state: CheckState = serde_json::from_value(json!({"status": "grace"})).unwrap();
    assert_eq!(state.status, Status::Up);
    let bad = serde_json::from_value::<CheckState>(json!({"status": "late"})).unwrap_err();
    assert!(bad.to_string().contains("late"), "{bad}");
    assert!(serde_json::from_value::<Status>(json!("grace")).is_err());
    let flip = json!({
        "old_status": "grace", "new_status": "down", "reason": "timeout",
        "at": "2030-01-01T00:00:00.000000Z",
    });
    assert!(serde_json::from_value::<Flip>(flip).is_err());
}
