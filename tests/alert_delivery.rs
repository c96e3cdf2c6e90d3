//! Alerts through the example server as a black box: printed on standard
//! output, posted to a webhook, delivered after a SIGKILL and a restart,
//! once across two instances on one PostgreSQL database, and by the other
//! instance after the lease when one dies in the middle of a call.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

use support::{client, get_json, http, Server, Webhook, WebhookMode};

/// A seed file of `n` checks, up since start-up, due every second with a
/// second of grace: all go down two seconds after the server starts.
fn quick_checks(dir: &support::TempDb, n: usize) -> (String, Vec<Uuid>) {
    let uuids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let seeds: Vec<Value> = uuids
        .iter()
        .enumerate()
        .map(|(i, uuid)| {
            json!({"uuid": uuid, "name": format!("Quick {i}"), "status": "up",
                   "timeout": 1, "grace": 1})
        })
        .collect();
    let path = dir.file("checks.json");
    std::fs::write(&path, serde_json::to_vec(&seeds).unwrap()).unwrap();
    (path.to_str().unwrap().to_owned(), uuids)
}

/// How many times each check's down alert was taken.
fn downs_per_check(alerts: &[Value]) -> HashMap<String, usize> {
    let mut downs = HashMap::new();
    for alert in alerts {
        if alert["new_status"] == "down" {
            let uuid = alert["uuid"].as_str().unwrap().to_owned();
            *downs.entry(uuid).or_default() += 1;
        }
    }
    downs
}

#[tokio::test]
async fn without_a_webhook_each_alert_is_a_json_line_on_stdout() {
    let dir = support::TempDb::new();
    let (seeds, uuids) = quick_checks(&dir, 1);
    let server = Server::start(&["--checks", &seeds]);
    let started = Instant::now();
    let line = loop {
        if let Some(line) = server.printed().into_iter().find(|l| l.starts_with('{')) {
            break line;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no alert printed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let alert: Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(alert["uuid"], uuids[0].to_string());
    assert_eq!(
        (alert["name"].as_str(), alert["slug"].as_str()),
        (Some("Quick 0"), Some("quick-0"))
    );
    assert_eq!(
        (
            alert["old_status"].as_str(),
            alert["new_status"].as_str(),
            alert["reason"].as_str()
        ),
        (Some("up"), Some("down"), Some("timeout"))
    );
    assert!(alert["at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_webhook_gets_each_alert_once_and_flips_show_delivered() {
    let webhook = Webhook::start(WebhookMode::Accept).await;
    let dir = support::TempDb::new();
    let (seeds, uuids) = quick_checks(&dir, 1);
    let server = Server::start(&["--checks", &seeds, "--webhook", &webhook.url()]);
    let base = server.base();
    let client = client();
    // Down by a failure, then up again: two alerts, in order.
    let fail = format!("{base}/ping/{}/fail", uuids[0]);
    assert!(http(&client, "GET", &fail, b"").await.is_some());
    let success = format!("{base}/ping/{}", uuids[0]);
    assert!(http(&client, "GET", &success, b"").await.is_some());
    webhook
        .wait_for(WebhookMode::Accept, 2, Duration::from_secs(5))
        .await;
    let alerts = webhook.accepted();
    let changes: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["new_status"].as_str().unwrap(),
                a["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(changes, [("down", "fail"), ("up", "success")]);

    let started = Instant::now();
    loop {
        let flips = get_json(&client, &format!("{base}/flips")).await;
        let delivered: Vec<bool> = flips
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["delivered"].as_bool().unwrap())
            .collect();
        if delivered == [true, true] {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{delivered:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(webhook.accepted().len(), 2, "each once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_refused_before_a_sigkill_are_delivered_after_the_restart() {
    const CHECKS: usize = 10;
    let webhook = Webhook::start(WebhookMode::Refuse).await;
    let dir = support::TempDb::new();
    let (seeds, uuids) = quick_checks(&dir, CHECKS);
    let db = dir.url();
    let args = [
        "--checks",
        &seeds,
        "--database-url",
        &db,
        "--webhook",
        &webhook.url(),
        "--retry-ms",
        "100",
        "--retry-max-ms",
        "300",
        "--lease-ms",
        "2000",
    ];
    let mut server = Server::start(&args);
    // Every check went down and its alert was refused at least once.
    let started = Instant::now();
    while downs_per_check(&webhook.posts(WebhookMode::Refuse)).len() < CHECKS {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not all refused"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    assert!(webhook.accepted().is_empty());

    webhook.set(WebhookMode::Accept);
    let server = Server::start(&args);
    webhook
        .wait_for(WebhookMode::Accept, CHECKS, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let downs = downs_per_check(&webhook.accepted());
    for uuid in &uuids {
        assert_eq!(downs.get(&uuid.to_string()), Some(&1), "check {uuid}");
    }
    assert_eq!(webhook.accepted().len(), CHECKS, "nothing twice");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deliver_each_down_alert_once() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    const CHECKS: usize = 20;
    let database = support::fresh_postgres_database(&url).await;
    let webhook = Webhook::start(WebhookMode::Accept).await;
    let dir = support::TempDb::new();
    let (seeds, uuids) = quick_checks(&dir, CHECKS);
    let args = [
        "--checks",
        &seeds,
        "--database-url",
        &database,
        "--webhook",
        &webhook.url(),
        "--sweep-interval-ms",
        "200",
    ];
    let one = Server::start(&args);
    let two = Server::start(&args);
    webhook
        .wait_for(WebhookMode::Accept, CHECKS, Duration::from_secs(15))
        .await;
    // Give a duplicate time to show up if there were one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let downs = downs_per_check(&webhook.accepted());
    assert_eq!(downs.len(), CHECKS);
    for uuid in &uuids {
        assert_eq!(downs.get(&uuid.to_string()), Some(&1), "check {uuid}");
    }
    drop((one, two));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_hanging_when_its_instance_dies_is_delivered_by_the_other_after_the_lease() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let database = support::fresh_postgres_database(&url).await;
    let webhook = Webhook::start(WebhookMode::Hang).await;
    let uuid = Uuid::new_v4();
    let dir = support::TempDb::new();
    let seeds = dir.file("checks.json");
    std::fs::write(&seeds, json!([{"uuid": uuid, "name": "Job"}]).to_string()).unwrap();
    let seeds = seeds.to_str().unwrap();
    let lease = Duration::from_secs(4);
    // Both instances run from the start, each posting to a URL of its own.
    let args = |caller: &str| {
        [
            "--checks".to_owned(),
            seeds.to_owned(),
            "--database-url".to_owned(),
            database.clone(),
            "--webhook".to_owned(),
            webhook.url_for(caller),
            "--lease-ms".to_owned(),
            lease.as_millis().to_string(),
            "--notify-timeout-ms".to_owned(),
            "60000".to_owned(),
            "--sweep-interval-ms".to_owned(),
            "200".to_owned(),
        ]
    };
    let mut servers = HashMap::new();
    for caller in ["one", "two"] {
        let args = args(caller);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        servers.insert(caller, Server::start(&args));
    }
    let client = client();
    let fail = format!("{}/ping/{uuid}/fail", servers["one"].base());
    assert!(http(&client, "GET", &fail, b"").await.is_some());
    webhook
        .wait_for(WebhookMode::Hang, 1, Duration::from_secs(5))
        .await;
    let claimed = webhook.times(WebhookMode::Hang)[0];
    // The instance whose call hangs dies; the other, polling the outbox
    // every 200 ms all along, must leave the alert alone until the lease
    // runs out, then deliver it.
    let dying = webhook.callers(WebhookMode::Hang)[0]
        .clone()
        .expect("a caller");
    let survivor = if dying == "one" { "two" } else { "one" };
    webhook.set(WebhookMode::Accept);
    servers.get_mut(dying.as_str()).unwrap().kill();

    webhook
        .wait_for(WebhookMode::Accept, 1, Duration::from_secs(10))
        .await;
    let delivered = webhook.times(WebhookMode::Accept)[0];
    // A peer that ignored the lease would deliver at its next poll, 200 ms
    // away; the second of slack is for a loaded machine (the lease starts
    // at the claim, a little before the post arrives).
    assert!(
        delivered - claimed >= lease - Duration::from_secs(1),
        "delivered {:?} after the claim, before the lease ran out",
        delivered - claimed
    );
    assert_eq!(
        webhook.callers(WebhookMode::Accept),
        [Some(survivor.to_owned())]
    );
    let alert = &webhook.accepted()[0];
    assert_eq!(alert["uuid"], uuid.to_string());
    assert_eq!(alert["new_status"], "down");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(webhook.accepted().len(), 1);
    assert_eq!(webhook.posts(WebhookMode::Hang).len(), 1);
    drop(servers);
}
