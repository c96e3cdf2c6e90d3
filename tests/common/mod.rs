//! In-process test fixtures: a store with known checks, an inner service that
//! remembers what reached it, a one-shot call through the layer, and faulty
//! stores and bodies. (Real servers, example processes and databases are in
//! `tests/support`.)
#![allow(dead_code, unreachable_pub)]

mod faults;
#[allow(unused_imports)] // not every test file uses the fault fixtures
pub use faults::*;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service, ServiceExt};
use tower_ping::{
    async_trait, CheckStore, Creation, LoggedPing, Lookup, MemoryStore, NewCheck, Ping, PingLayer,
    Target,
};
use uuid::Uuid;

pub const KEY: &str = "abcdefghijklmnopqrstuv";
pub const UUID: &str = "0f3b2e47-7d1c-4c55-9a8e-3e6c1b2a9d10";
pub const OTHER_UUID: &str = "7a1e3c5b-9d2f-4e6a-8b0c-1d3e5f7a9b2c";
pub const UNKNOWN_UUID: &str = "00000000-0000-4000-8000-000000000000";
pub const RID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";

pub fn uuid(text: &str) -> Uuid {
    text.parse().unwrap()
}

/// A memory store with a check at `UUID` (slug `backup`, key `KEY`) and two
/// checks sharing the slug `twin`.
pub fn seeded_store() -> MemoryStore {
    let store = MemoryStore::new();
    store
        .add_check(NewCheck::new("Backup").uuid(uuid(UUID)).ping_key(KEY))
        .unwrap();
    // Two checks sharing a slug: only UUIDs can say they are two.
    for _ in 0..2 {
        let twin = NewCheck::new("Twin").uuid(Uuid::new_v4()).ping_key(KEY);
        store.add_check(twin).unwrap();
    }
    store
}

/// What reached the inner service.
#[derive(Debug, Clone)]
pub struct Reached {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An inner service that records every request and answers `418 inner`.
#[derive(Clone, Default)]
pub struct Inner {
    pub reached: Arc<Mutex<Vec<Reached>>>,
}

impl Inner {
    pub fn reached(&self) -> Vec<Reached> {
        self.reached.lock().unwrap().clone()
    }
}

impl Service<Request<Full<Bytes>>> for Inner {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Infallible>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let reached = self.reached.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            reached.lock().unwrap().push(Reached {
                method: parts.method,
                uri: parts.uri,
                headers: parts.headers,
                body,
            });
            let mut response = Response::new(Full::from("inner"));
            *response.status_mut() = StatusCode::IM_A_TEAPOT;
            Ok(response)
        })
    }
}

/// An answer, collected.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// Sends one request through `layer` in front of `inner`.
pub async fn send<S: CheckStore>(
    layer: &PingLayer<S>,
    inner: &Inner,
    request: Request<Full<Bytes>>,
) -> Answer {
    let response = layer.layer(inner.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// Sends a bodiless `GET uri` through `layer` in front of a fresh [`Inner`].
pub async fn get_via<S: CheckStore>(layer: &PingLayer<S>, uri: &str) -> Answer {
    send(layer, &Inner::default(), get(uri)).await
}

pub fn get(uri: &str) -> Request<Full<Bytes>> {
    request(Method::GET, uri, "")
}

pub fn request(method: Method, uri: &str, body: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Full::from(body.to_owned()))
        .unwrap()
}

/// The pings a check logged.
pub fn pings(store: &MemoryStore, check: &str) -> Vec<LoggedPing> {
    store.pings(uuid(check)).unwrap()
}

/// Every ping logged on every check of the store.
pub fn all_pings(store: &MemoryStore) -> usize {
    store
        .checks()
        .iter()
        .map(|c| store.pings(c.uuid).unwrap().len())
        .sum()
}

/// A store wrapper that counts every call made to it.
#[derive(Clone, Default)]
pub struct Counting<S> {
    pub store: S,
    pub calls: Arc<AtomicUsize>,
}

impl<S> Counting<S> {
    pub fn new(store: S) -> Self {
        Self {
            store,
            calls: Arc::default(),
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl<S: CheckStore> CheckStore for Counting<S> {
    type CheckId = S::CheckId;
    type Error = S::Error;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<S::CheckId>, S::Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.store.resolve(target).await
    }

    async fn record(&self, check: S::CheckId, ping: Ping) -> Result<(), S::Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.store.record(check, ping).await
    }

    async fn create(&self, ping_key: &str, slug: &str, ping: Ping) -> Result<Creation, S::Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.store.create(ping_key, slug, ping).await
    }
}
