//! A webhook on loopback that records the alerts posted to it and answers
//! as told: take them, refuse them, or never answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;

/// How the webhook answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookMode {
    /// `204`: taken.
    Accept,
    /// `503`: to be retried.
    Refuse,
    /// No answer, ever.
    Hang,
}

#[derive(Default)]
struct Seen {
    /// Every post, with how it was answered, in order, and the name in
    /// its path (`/alerts/NAME`) if it had one.
    posts: Vec<(WebhookMode, Value, Instant)>,
    callers: Vec<Option<String>>,
}

/// The receiving end of `--webhook`.
#[derive(Clone)]
pub struct Webhook {
    pub addr: SocketAddr,
    mode: Arc<Mutex<WebhookMode>>,
    seen: Arc<Mutex<Seen>>,
}

impl Webhook {
    /// Serves on a free loopback port, answering as `mode`.
    pub async fn start(mode: WebhookMode) -> Webhook {
        let webhook = Webhook {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            mode: Arc::new(Mutex::new(mode)),
            seen: Arc::default(),
        };
        let app = Router::new()
            .route("/alerts", post(receive))
            .route("/alerts/{caller}", post(receive_from))
            .with_state(webhook.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the webhook serves");
        });
        Webhook { addr, ..webhook }
    }

    pub fn url(&self) -> String {
        format!("http://{}/alerts", self.addr)
    }

    /// A URL whose posts are told apart as `caller`'s (one per process).
    pub fn url_for(&self, caller: &str) -> String {
        format!("http://{}/alerts/{caller}", self.addr)
    }

    /// Who made each post answered as `mode` (see [`url_for`](Self::url_for)).
    pub fn callers(&self, mode: WebhookMode) -> Vec<Option<String>> {
        let seen = self.seen.lock().unwrap();
        seen.posts
            .iter()
            .zip(&seen.callers)
            .filter(|((m, _, _), _)| *m == mode)
            .map(|(_, caller)| caller.clone())
            .collect()
    }

    /// Answers from now on as `mode`.
    pub fn set(&self, mode: WebhookMode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// The alerts taken (answered `204`), in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.posts(WebhookMode::Accept)
    }

    /// The posts answered as `mode`, in order.
    pub fn posts(&self, mode: WebhookMode) -> Vec<Value> {
        let seen = self.seen.lock().unwrap();
        seen.posts
            .iter()
            .filter(|(m, _, _)| *m == mode)
            .map(|(_, alert, _)| alert.clone())
            .collect()
    }

    /// When each post answered as `mode` arrived.
    pub fn times(&self, mode: WebhookMode) -> Vec<Instant> {
        let seen = self.seen.lock().unwrap();
        seen.posts
            .iter()
            .filter(|(m, _, _)| *m == mode)
            .map(|(_, _, at)| *at)
            .collect()
    }

    /// Waits until `count` posts were answered as `mode`; panics after
    /// `limit`.
    pub async fn wait_for(&self, mode: WebhookMode, count: usize, limit: Duration) {
        let started = Instant::now();
        while self.posts(mode).len() < count {
            assert!(
                started.elapsed() < limit,
                "{} of {count} posts answered {mode:?} after {limit:?}",
                self.posts(mode).len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(State(webhook): State<Webhook>, body: String) -> StatusCode {
    answer(webhook, None, body).await
}

async fn receive_from(
    State(webhook): State<Webhook>,
    Path(caller): Path<String>,
    body: String,
) -> StatusCode {
    answer(webhook, Some(caller), body).await
}

async fn answer(webhook: Webhook, caller: Option<String>, body: String) -> StatusCode {
    let alert: Value = serde_json::from_str(&body).expect("a JSON alert");
    let mode = *webhook.mode.lock().unwrap();
    {
        let mut seen = webhook.seen.lock().unwrap();
        seen.posts.push((mode, alert, Instant::now()));
        seen.callers.push(caller);
    }
    match mode {
        WebhookMode::Accept => StatusCode::NO_CONTENT,
        WebhookMode::Refuse => StatusCode::SERVICE_UNAVAILABLE,
        WebhookMode::Hang => std::future::pending().await,
    }
}
