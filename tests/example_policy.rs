//! SPEC 14 end to end, in real time, through the example server on each
//! store: channels (a failing one holds back no other), reminders,
//! tolerance and run time; on PostgreSQL with two instances, each alert
//! and reminder once.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{client, http, Server, Webhook, WebhookMode};
use uuid::Uuid;

/// Which store the server runs on.
#[derive(Clone, Copy, Debug)]
enum Store {
    Memory,
    Sqlite,
    Postgres,
}

/// The checks every run defines, by name.
struct Checks {
    reminded: Uuid,
    tolerant: Uuid,
    bounded: Uuid,
    mail_only: Uuid,
}

fn seeds(dir: &support::TempDb) -> (String, Checks) {
    let checks = Checks {
        reminded: Uuid::new_v4(),
        tolerant: Uuid::new_v4(),
        bounded: Uuid::new_v4(),
        mail_only: Uuid::new_v4(),
    };
    let path = dir.file("checks.json");
    let seeds = json!([
        // Down 2 s after its last ping, then a reminder every second.
        {"uuid": checks.reminded, "name": "Reminded", "timeout": 1, "grace": 1,
         "remind_every": 1},
        {"uuid": checks.tolerant, "name": "Tolerant", "down_after_failures": 2,
         "up_after_successes": 2},
        // A run may last a second, whatever the day's grace.
        {"uuid": checks.bounded, "name": "Bounded", "timeout": 86400, "grace": 3600,
         "max_runtime": 1},
        {"uuid": checks.mail_only, "name": "Mail only", "channels": ["mail"]},
    ]);
    std::fs::write(&path, seeds.to_string()).expect("the seeds are written");
    (path.to_str().expect("a UTF-8 path").to_owned(), checks)
}

/// The server's arguments on `store`, with the channels `ops` and `mail`.
async fn args(
    store: Store,
    dir: &support::TempDb,
    ops: &Webhook,
    mail: &Webhook,
) -> Option<Vec<String>> {
    let seeds = dir.file("checks.json");
    let mut args = vec![
        "--checks".to_owned(),
        seeds.to_str().unwrap().to_owned(),
        "--channel".to_owned(),
        format!("ops={}", ops.url()),
        "--channel".to_owned(),
        format!("mail={}", mail.url()),
        "--sweep-interval-ms".to_owned(),
        "100".to_owned(),
        "--retry-ms".to_owned(),
        "100".to_owned(),
        "--retry-max-ms".to_owned(),
        "200".to_owned(),
    ];
    match store {
        Store::Memory => {}
        Store::Sqlite => {
            args.push("--database-url".into());
            args.push(dir.url());
        }
        Store::Postgres => {
            let url = support::postgres_url()?;
            args.push("--database-url".into());
            args.push(support::fresh_postgres_database(&url).await);
        }
    }
    Some(args)
}

async fn ping(server: &Server, path: &str) {
    let url = format!("{}/ping/{path}", server.base());
    let status = http(&client(), "GET", &url, b"").await;
    assert_eq!(status.map(|s| s.as_u16()), Some(200), "{path}");
}

/// The alerts of check `uuid` a webhook took, as `(kind, new_status,
/// reminder)`.
fn of(webhook: &Webhook, uuid: Uuid) -> Vec<(String, String, u64)> {
    webhook
        .accepted()
        .iter()
        .filter(|alert| alert["uuid"] == uuid.to_string())
        .map(|alert| {
            (
                alert["kind"].as_str().unwrap_or_default().to_owned(),
                alert["new_status"].as_str().unwrap_or_default().to_owned(),
                alert["reminder"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

async fn until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn flip(kind: &str, status: &str, reminder: u64) -> (String, String, u64) {
    (kind.to_owned(), status.to_owned(), reminder)
}

async fn every_rule_holds_through_the_server(store: Store) {
    let dir = support::TempDb::new();
    let (_, checks) = seeds(&dir);
    let ops = Webhook::start(WebhookMode::Accept).await;
    let mail = Webhook::start(WebhookMode::Accept).await;
    let Some(args) = args(store, &dir, &ops, &mail).await else {
        return;
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::start(&args);

    // Tolerance: one failure is tolerated, the second makes it down; one
    // success is not enough to come back, the second is.
    let t = checks.tolerant;
    ping(&server, &format!("{t}")).await;
    ping(&server, &format!("{t}/fail")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(of(&ops, t).is_empty(), "one failure alerts nobody");
    ping(&server, &format!("{t}/fail")).await;
    until("the down alert", Duration::from_secs(5), || {
        of(&ops, t).len() == 1
    })
    .await;
    ping(&server, &format!("{t}")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(of(&ops, t).len(), 1, "one success is not enough");
    ping(&server, &format!("{t}")).await;
    // Each channel's alerts go out on their own: wait for both.
    until(
        "the up alert on both channels",
        Duration::from_secs(5),
        || of(&ops, t).len() == 2 && of(&mail, t).len() == 2,
    )
    .await;
    assert_eq!(
        of(&ops, t),
        [flip("flip", "down", 0), flip("flip", "up", 0)]
    );
    assert_eq!(of(&mail, t), of(&ops, t), "both channels hear of it");

    // Run time: a run started now is down a second later, reason timeout.
    let b = checks.bounded;
    ping(&server, &format!("{b}/start")).await;
    let started = Instant::now();
    until("the run's down alert", Duration::from_secs(5), || {
        of(&ops, b).len() == 1
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(900));
    let alert = ops
        .accepted()
        .into_iter()
        .find(|a| a["uuid"] == b.to_string())
        .unwrap();
    assert_eq!(
        (&alert["reason"], &alert["max_runtime"], &alert["grace"]),
        (&json!("timeout"), &json!(1), &json!(3600))
    );

    // Channels: a check of the mail channel alone.
    let m = checks.mail_only;
    ping(&server, &format!("{m}/fail")).await;
    until("the mail alert", Duration::from_secs(5), || {
        of(&mail, m).len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(of(&ops, m).is_empty());
    let alert = mail
        .accepted()
        .into_iter()
        .find(|a| a["uuid"] == m.to_string())
        .unwrap();
    assert_eq!(alert["channel"]["name"], "mail");
    assert_eq!(alert["name"], "Mail only");

    // Reminders: down 2 s after the ping, then one a second, each once,
    // until it comes back up.
    let r = checks.reminded;
    ping(&server, &format!("{r}")).await;
    until("two reminders", Duration::from_secs(10), || {
        of(&ops, r).iter().filter(|a| a.0 == "reminder").count() >= 2
    })
    .await;
    ping(&server, &format!("{r}")).await;
    until("the up alert", Duration::from_secs(5), || {
        of(&ops, r).last().is_some_and(|a| a.1 == "up")
    })
    .await;
    let seen = of(&ops, r);
    let reminders: Vec<u64> = seen
        .iter()
        .filter(|a| a.0 == "reminder")
        .map(|a| a.2)
        .collect();
    assert_eq!(seen.first(), Some(&flip("flip", "down", 0)));
    assert_eq!(
        reminders,
        (1..=reminders.len() as u64).collect::<Vec<_>>(),
        "{seen:?}"
    );
    // After the up alert, no more reminders.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(of(&ops, r).last(), Some(&flip("flip", "up", 0)));
    let reminder = ops
        .accepted()
        .into_iter()
        .find(|a| a["uuid"] == r.to_string() && a["kind"] == "reminder")
        .unwrap();
    assert_eq!(
        (
            &reminder["new_status"],
            &reminder["remind_every"],
            &reminder["channel"]["name"]
        ),
        (&json!("down"), &json!(1), &json!("ops"))
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_holds_on_the_memory_store() {
    every_rule_holds_through_the_server(Store::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_holds_on_sqlite() {
    every_rule_holds_through_the_server(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_holds_on_postgres() {
    every_rule_holds_through_the_server(Store::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_channel_holds_back_no_other() {
    let dir = support::TempDb::new();
    let (_, checks) = seeds(&dir);
    let ops = Webhook::start(WebhookMode::Refuse).await;
    let mail = Webhook::start(WebhookMode::Accept).await;
    let args = args(Store::Sqlite, &dir, &ops, &mail).await.unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::start(&args);
    let t = checks.tolerant;
    ping(&server, &format!("{t}")).await;
    for _ in 0..2 {
        ping(&server, &format!("{t}/fail")).await;
    }
    for _ in 0..2 {
        ping(&server, &format!("{t}")).await;
    }
    // The mail channel has both alerts while ops refuses its first.
    until("mail's alerts", Duration::from_secs(5), || {
        of(&mail, t).len() == 2
    })
    .await;
    assert!(of(&ops, t).is_empty());
    assert!(!ops.posts(WebhookMode::Refuse).is_empty());
    // Once ops answers, its queue drains in order.
    ops.set(WebhookMode::Accept);
    until("ops' alerts", Duration::from_secs(5), || {
        of(&ops, t).len() == 2
    })
    .await;
    assert_eq!(
        of(&ops, t),
        [flip("flip", "down", 0), flip("flip", "up", 0)]
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_send_each_reminder_once() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let dir = support::TempDb::new();
    let (seeds, checks) = seeds(&dir);
    let database = support::fresh_postgres_database(&url).await;
    let ops = Webhook::start(WebhookMode::Accept).await;
    let args = |caller: &str| {
        vec![
            "--checks".to_owned(),
            seeds.clone(),
            "--database-url".to_owned(),
            database.clone(),
            "--channel".to_owned(),
            format!("ops={}", ops.url_for(caller)),
            "--channel".to_owned(),
            format!("mail={}", ops.url_for("mail")),
            "--sweep-interval-ms".to_owned(),
            "100".to_owned(),
        ]
    };
    let mut servers = Vec::new();
    for caller in ["one", "two"] {
        let args = args(caller);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        servers.push(Server::start(&args));
    }
    let r = checks.reminded;
    ping(&servers[0], &format!("{r}")).await;
    // Two reminders on each channel.
    until("four reminders", Duration::from_secs(15), || {
        of(&ops, r).iter().filter(|a| a.0 == "reminder").count() >= 4
    })
    .await;
    ping(&servers[1], &format!("{r}")).await;
    until("the up alert", Duration::from_secs(5), || {
        of(&ops, r).last().is_some_and(|a| a.1 == "up")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Each alert once per channel, whichever instance sent it.
    let mut count: HashMap<(String, String, String, u64), usize> = HashMap::new();
    for alert in ops.accepted() {
        if alert["uuid"] != r.to_string() {
            continue;
        }
        let key = (
            alert["channel"]["name"].as_str().unwrap().to_owned(),
            alert["kind"].as_str().unwrap().to_owned(),
            alert["new_status"].as_str().unwrap().to_owned(),
            alert["reminder"].as_u64().unwrap(),
        );
        *count.entry(key).or_default() += 1;
    }
    assert!(count.values().all(|n| *n == 1), "each once: {count:?}");
    assert!(count.len() >= 8, "{count:?}");
    let callers = ops.callers(WebhookMode::Accept);
    assert!(callers.iter().all(Option::is_some));
    drop(servers);
}
