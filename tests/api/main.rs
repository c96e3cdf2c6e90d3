//! The Management API (SPEC section 11) through `ApiLayer` over every
//! store: one file per part of the SPEC, each test named for its row.

#[path = "../backends/mod.rs"]
#[macro_use]
mod backends;
#[path = "../support/mod.rs"]
mod support;

mod auth;
mod checks;
mod edits;
mod pings_flips;
mod validation;

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use tower_ping::{ApiLayer, Channel, KeyDigest, ManageStore, NewProject, PingLayer, Project};
use uuid::Uuid;

// The crate's stores: the custom store has no Management API.
use backends::ManageBackend as Backend;

pub const SITE: &str = "https://hc.example.com";
pub const RW: &str = "hcw_0000000000000000000000000001";
pub const RO: &str = "hcr_0000000000000000000000000001";
pub const OTHER_RW: &str = "hcw_0000000000000000000000000002";
pub const PING_KEY: &str = "api-ping-key";

/// An app with the ping layer and the API over a fresh store of backend
/// `B`, a project with keys `RW` and `RO`, another with `OTHER_RW`.
pub struct Api<B: Backend> {
    pub b: B,
    pub app: Router,
    pub project: Project,
    pub other: Project,
}

/// An answer: status, headers, body as JSON (or as text in `Value::String`).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl<B: Backend> Api<B> {
    pub async fn open() -> Option<Self> {
        Self::open_at(None).await
    }

    /// With the API's clock fixed at `now`.
    pub async fn open_at(now: Option<SystemTime>) -> Option<Self> {
        let b = B::open(100).await?;
        let store = b.store();
        let project = store
            .define_project(
                NewProject::new(Uuid::new_v4(), "Main", PING_KEY)
                    .api_key(KeyDigest::of(RW))
                    .api_key_readonly(KeyDigest::of(RO))
                    .badge_key("main-badges"),
            )
            .await
            .ok()?
            .expect("the project is defined");
        let other = store
            .define_project(
                NewProject::new(Uuid::new_v4(), "Other", "other-ping-key")
                    .api_key(KeyDigest::of(OTHER_RW)),
            )
            .await
            .ok()?
            .expect("the other project is defined");
        let mut api = ApiLayer::new(store.clone(), SITE);
        if let Some(now) = now {
            api = api.wall_clock(move || now);
        }
        let app = Router::new()
            .route("/api/v3/mine", get(|| async { "the app's own" }))
            .fallback(|| async { (StatusCode::NOT_FOUND, "app 404") })
            .layer(PingLayer::new(store))
            .layer(api);
        Some(Self {
            b,
            app,
            project,
            other,
        })
    }

    pub async fn channel(&self, name: &str) -> Uuid {
        let id = Uuid::new_v4();
        if self
            .b
            .store()
            .define_channel(Channel::new(id, name, "webhook"))
            .await
            .is_err()
        {
            panic!("channel not defined");
        }
        id
    }

    /// Sends `method path` with `key` in `X-Api-Key` (none when `None`) and
    /// `body`.
    pub async fn call(&self, method: &str, path: &str, key: Option<&str>, body: &str) -> Answer {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let request = request.body(Body::from(body.to_owned())).unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
            bytes,
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.call("GET", path, Some(key), "").await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Answer {
        self.call("POST", path, Some(key), &body.to_string()).await
    }

    /// Creates a check through the API; its JSON.
    pub async fn create(&self, body: Value) -> Value {
        let answer = self.post("/api/v3/checks/", RW, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body
    }
}

/// The check's UUID in its JSON.
pub fn uuid_of(check: &Value) -> Uuid {
    check["uuid"].as_str().expect("a uuid").parse().unwrap()
}
