//! With the `tracing` feature, what the crate reports on its own is a
//! structured event under the target `tower_ping`: store errors with the
//! ping's check and signal (never its body), flips, and deliveries.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use tower_ping::{
    async_trait, Alert, CheckStore, Delivery, Lookup, MemoryStore, Monitor, NewCheck, Notifier,
    NotifyError, Ping, PingLayer, Target,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use common::*;

/// One event as recorded: level, target, fields as text.
#[derive(Debug, Clone)]
struct Seen {
    level: Level,
    target: String,
    fields: Vec<(String, String)>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A subscriber that keeps every event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    fn events(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    fn with_message(&self, message: &str) -> Vec<Seen> {
        self.events()
            .into_iter()
            .filter(|e| e.field("message") == Some(message))
            .collect()
    }
}

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields: fields.0,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// A store whose every record fails.
struct Failing(MemoryStore);

#[derive(Debug)]
struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("disk on fire")
    }
}

impl std::error::Error for Broken {}

#[async_trait]
impl CheckStore for Failing {
    type CheckId = <MemoryStore as CheckStore>::CheckId;
    type Error = Broken;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<Self::CheckId>, Broken> {
        Ok(self.0.resolve(target).await.unwrap())
    }

    async fn record(&self, _: Self::CheckId, _: Ping) -> Result<(), Broken> {
        Err(Broken)
    }
}

#[tokio::test]
async fn a_store_error_is_an_error_event_with_the_check_and_signal_not_the_body() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let store = MemoryStore::new();
    store
        .add_check(NewCheck::new("Job").uuid(uuid(UUID)))
        .unwrap();
    let layer = PingLayer::new(Failing(store));
    let answer = send(
        &layer,
        &Inner::default(),
        request(Method::POST, &format!("/ping/{UUID}/fail"), "secret body"),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 503);

    let errors: Vec<Seen> = recorder
        .events()
        .into_iter()
        .filter(|e| e.level == Level::ERROR)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.target, "tower_ping");
    assert_eq!(error.field("check"), Some(UUID));
    assert_eq!(error.field("signal"), Some("fail"));
    assert_eq!(error.field("error"), Some("disk on fire"));
    assert!(
        error.fields.iter().all(|(_, v)| !v.contains("secret")),
        "{error:?}"
    );
}

/// Fails each alert's first attempt.
struct FailsOnce;

#[async_trait]
impl Notifier for FailsOnce {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        if alert.attempt == 1 {
            return Err("try again".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn flips_and_deliveries_are_events() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let store = MemoryStore::new();
    store
        .add_check(NewCheck::new("Job").uuid(uuid(UUID)))
        .unwrap();
    let layer = PingLayer::new(store.clone());
    get_via(&layer, &format!("/ping/{UUID}/fail")).await;

    let flipped = recorder.with_message("check flipped");
    assert_eq!(flipped.len(), 1);
    assert_eq!(flipped[0].field("check"), Some(UUID));
    assert_eq!(
        (
            flipped[0].field("old_status"),
            flipped[0].field("new_status"),
            flipped[0].field("reason")
        ),
        (Some("new"), Some("down"), Some("fail"))
    );

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let delivery = Delivery::new().retry(Duration::from_millis(20), Duration::from_millis(20));
    let monitor = Monitor::new(store).notifier(FailsOnce).delivery(delivery);
    let task = tokio::spawn(monitor.run(async {
        let _ = stopped.await;
    }));
    let started = std::time::Instant::now();
    while recorder.with_message("alert delivered").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    task.await.unwrap();

    let failed = recorder.with_message("alert not delivered; it will be retried");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].level, Level::WARN);
    assert_eq!(
        (failed[0].field("attempt"), failed[0].field("error")),
        (Some("1"), Some("try again"))
    );
    let delivered = recorder.with_message("alert delivered");
    assert_eq!(delivered[0].field("attempt"), Some("2"));
    assert_eq!(delivered[0].field("check"), Some(UUID));
}
