//! Fixtures of the hardening tests: a store that injects faults, bodies that
//! misbehave.
#![allow(dead_code)] // each test file uses its own part

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use tokio::sync::Semaphore;
use tower_ping::{
    async_trait, CheckStore, Creation, Lookup, MemoryCheckId, MemoryStore, Ping, Target,
};

/// What an injected fault does to one store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass the call to the memory store.
    None,
    /// Fail without touching the memory store.
    Error,
    /// Panic without touching the memory store.
    Panic,
    /// Sleep, then pass the call on: abandoned by a shorter store timeout, the
    /// write never happens.
    SleepThenWrite(Duration),
    /// Pass the call on, then sleep: abandoned by a shorter store timeout, the
    /// write happened though the client is told it failed.
    WriteThenSleep(Duration),
    /// Wait for a permit of the store's gate, then pass the call on.
    Gate,
}

/// A store call, as the fault chooser sees it.
pub enum Call<'a> {
    Resolve(Target<'a>),
    Record(&'a Ping),
}

type Chooser = Arc<dyn Fn(Call<'_>) -> Fault + Send + Sync>;

/// A [`MemoryStore`] behind injected errors, delays and panics.
#[derive(Clone)]
pub struct FaultStore {
    pub inner: MemoryStore,
    choose: Chooser,
    /// Calls wait here under [`Fault::Gate`]; add permits to let them on.
    pub gate: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    /// The most store calls seen in flight at once.
    pub max_in_flight: Arc<AtomicUsize>,
    /// Store calls that began.
    pub calls: Arc<AtomicUsize>,
}

/// The store's error: always injected.
#[derive(Debug)]
pub struct Injected;

impl std::fmt::Display for Injected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected fault")
    }
}

impl std::error::Error for Injected {}

impl FaultStore {
    pub fn new(
        inner: MemoryStore,
        choose: impl Fn(Call<'_>) -> Fault + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner,
            choose: Arc::new(choose),
            gate: Arc::new(Semaphore::new(0)),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
            calls: Arc::default(),
        }
    }

    async fn run<T>(
        &self,
        fault: Fault,
        call: impl std::future::Future<Output = T>,
    ) -> Result<T, Injected> {
        struct InFlight<'a>(&'a AtomicUsize);
        impl Drop for InFlight<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let _in_flight = InFlight(&self.in_flight);
        match fault {
            Fault::None => Ok(call.await),
            Fault::Error => Err(Injected),
            Fault::Panic => panic!("injected panic"),
            Fault::SleepThenWrite(delay) => {
                tokio::time::sleep(delay).await;
                Ok(call.await)
            }
            Fault::WriteThenSleep(delay) => {
                let out = call.await;
                tokio::time::sleep(delay).await;
                Ok(out)
            }
            Fault::Gate => {
                self.gate.acquire().await.expect("gate open").forget();
                Ok(call.await)
            }
        }
    }
}

#[async_trait]
impl CheckStore for FaultStore {
    type CheckId = MemoryCheckId;
    type Error = Injected;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<MemoryCheckId>, Injected> {
        let fault = (self.choose)(Call::Resolve(target));
        let lookup = self.run(fault, self.inner.resolve(target)).await?;
        Ok(lookup.expect("the memory store never fails"))
    }

    async fn record(&self, check: MemoryCheckId, ping: Ping) -> Result<(), Injected> {
        let fault = (self.choose)(Call::Record(&ping));
        let recorded = self.run(fault, self.inner.record(check, ping)).await?;
        recorded.expect("the memory store never fails");
        Ok(())
    }

    async fn create(&self, ping_key: &str, slug: &str, ping: Ping) -> Result<Creation, Injected> {
        let fault = (self.choose)(Call::Record(&ping));
        let creation = self
            .run(fault, self.inner.create(ping_key, slug, ping))
            .await?;
        Ok(creation.expect("the memory store never fails"))
    }
}

/// Every ping recorded in `store`, over all its checks.
pub fn pings_recorded(store: &MemoryStore) -> u64 {
    store.checks().iter().map(|check| check.state.n_pings).sum()
}

/// A request body that sends nothing and never ends.
pub struct NeverEnds;

impl Body for NeverEnds {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Pending
    }
}

/// A request body that sends one frame, then fails.
pub struct FailsMidway(pub bool);

impl Body for FailsMidway {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(Some(Err(std::io::Error::other(
                "connection reset mid-body",
            ))))
        } else {
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"first half")))))
        }
    }
}

/// A request body that panics when read.
pub struct PanicsWhenRead;

impl Body for PanicsWhenRead {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        panic!("injected panic")
    }
}
