//! Serving the app over HTTP/1 with bounds on what clients can hold: a
//! time limit on each request head, an idle time limit on each connection,
//! and a limit on connections below the process's descriptor limit.
//!
//! At the connection limit the server makes room by closing the connection
//! that has waited longest for a request (an idle keep-alive connection, or
//! one still trickling its request head); when every connection is busy with
//! a request it stops accepting, and the kernel's listen backlog holds the
//! newcomers. So idle and slow-head connections, however many, cannot keep
//! a client with a request to make from being served.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// What each connection is held to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// From accept, or from the previous response on a keep-alive
    /// connection, until the request head is complete.
    pub header_read_timeout: Duration,
    /// How long a connection may go without a byte either way.
    pub idle_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
    /// At shutdown, how long requests in flight may go on.
    pub shutdown_grace: Duration,
}

/// The default connection limit: 1024, or 64 under the soft limit on open
/// descriptors when that is lower (the store, the listener and the
/// notifier need some), and at least 16.
pub fn default_max_connections() -> usize {
    let descriptors = open_file_limit().unwrap_or(1024);
    descriptors.saturating_sub(64).clamp(16, 1024)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None`
/// elsewhere or when unlimited.
pub fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish within the shutdown grace.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let table = Arc::new(Table::default());
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = take_slot(&slots, &table) => slot,
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let conn = Connection::new(stream, peer, app.clone(), &limits, &table, slot);
                tokio::spawn(conn.run(stopping.clone()));
            }
            // Out of descriptors, or a connection reset before it was
            // accepted: wait a moment instead of spinning, never stop.
            Err(error) => {
                if !is_per_connection(&error) {
                    eprintln!("accept: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    let _ = stop.send(true);
    // Every connection holds a slot until it is gone.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(all)).await;
}

/// Errors that concern one connection only, not the listener.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// A slot for the next connection: a free one, or one made by closing the
/// connection that has waited longest for a request; when every connection
/// is busy, waits for one to end.
async fn take_slot(slots: &Arc<Semaphore>, table: &Table) -> OwnedSemaphorePermit {
    loop {
        if let Ok(slot) = slots.clone().try_acquire_owned() {
            return slot;
        }
        let evicted = table.evict_longest_waiting();
        if !evicted {
            return slots.clone().acquire_owned().await.expect("never closed");
        }
        // The evicted connection gives its slot back as it goes.
        if let Ok(Ok(slot)) =
            tokio::time::timeout(Duration::from_millis(100), slots.clone().acquire_owned()).await
        {
            return slot;
        }
    }
}

/// The open connections, for making room.
#[derive(Default)]
struct Table {
    conns: Mutex<HashMap<u64, Entry>>,
    next_id: AtomicU64,
}

struct Entry {
    /// Requests being served; a connection with none waits for a request.
    busy: usize,
    /// Since when it has had no request to serve.
    waiting_since: Instant,
    close: Arc<Notify>,
}

impl Table {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self) -> (u64, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        let entry = Entry {
            busy: 0,
            waiting_since: Instant::now(),
            close: close.clone(),
        };
        self.lock().insert(id, entry);
        (id, close)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn request_started(&self, id: u64) {
        if let Some(entry) = self.lock().get_mut(&id) {
            entry.busy += 1;
        }
    }

    fn request_ended(&self, id: u64) {
        if let Some(entry) = self.lock().get_mut(&id) {
            entry.busy = entry.busy.saturating_sub(1);
            if entry.busy == 0 {
                entry.waiting_since = Instant::now();
            }
        }
    }

    /// Closes the connection that has waited longest for a request; `false`
    /// when every connection is serving one.
    fn evict_longest_waiting(&self) -> bool {
        let mut conns = self.lock();
        let oldest = conns
            .iter()
            .filter(|(_, entry)| entry.busy == 0)
            .min_by_key(|(_, entry)| entry.waiting_since)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| conns.remove(&id)) {
            Some(entry) => {
                entry.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// One accepted connection and what it needs to run.
struct Connection {
    id: u64,
    io: Tracked,
    last_io: Arc<AtomicU64>,
    started: Instant,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    table: Arc<Table>,
    close: Arc<Notify>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    fn new(
        stream: TcpStream,
        peer: SocketAddr,
        app: Router,
        limits: &Limits,
        table: &Arc<Table>,
        slot: OwnedSemaphorePermit,
    ) -> Self {
        let (id, close) = table.add();
        let started = Instant::now();
        let last_io = Arc::new(AtomicU64::new(0));
        Self {
            id,
            io: Tracked {
                inner: stream,
                started,
                last_io: last_io.clone(),
            },
            last_io,
            started,
            peer,
            app,
            limits: limits.clone(),
            table: table.clone(),
            close,
            _slot: slot,
        }
    }

    async fn run(self, mut stopping: watch::Receiver<bool>) {
        let (id, table, peer) = (self.id, self.table.clone(), self.peer);
        let service = self
            .app
            .clone()
            .map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_response({
                let table = table.clone();
                move |response| {
                    let ended = RequestEnded {
                        table: table.clone(),
                        id,
                    };
                    response.map(|body| {
                        axum::body::Body::new(CountedBody {
                            body,
                            _ended: ended,
                        })
                    })
                }
            });
        let service = tower::service_fn(move |request| {
            table.request_started(id);
            service.clone().oneshot(request)
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            .keep_alive(true);
        let conn =
            builder.serve_connection(TokioIo::new(self.io), TowerToHyperService::new(service));
        let mut conn = std::pin::pin!(conn);
        let idle = self.limits.idle_timeout;
        loop {
            let last = Duration::from_millis(self.last_io.load(Ordering::Relaxed));
            let idle_at = self.started + last + idle;
            tokio::select! {
                _ = conn.as_mut() => break,
                () = self.close.notified() => break, // evicted: dropped at once
                () = tokio::time::sleep_until(idle_at) => {
                    let now_last = Duration::from_millis(self.last_io.load(Ordering::Relaxed));
                    if now_last == last {
                        break; // not a byte either way for the whole idle timeout
                    }
                }
                changed = stopping.changed() => {
                    if changed.is_err() || *stopping.borrow() {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(self.limits.shutdown_grace, conn.as_mut()).await;
                        break;
                    }
                }
            }
        }
        self.table.remove(self.id);
    }
}

/// Marks the end of a request when its response body is done (or dropped).
struct RequestEnded {
    table: Arc<Table>,
    id: u64,
}

impl Drop for RequestEnded {
    fn drop(&mut self) {
        self.table.request_ended(self.id);
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its request when it is dropped.
    struct CountedBody {
        #[pin]
        body: axum::body::Body,
        _ended: RequestEnded,
    }
}

impl http_body::Body for CountedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A TCP stream that notes when a byte last went either way.
struct Tracked {
    inner: TcpStream,
    started: Instant,
    /// Milliseconds after `started`.
    last_io: Arc<AtomicU64>,
}

impl Tracked {
    fn touch(&self) {
        let since = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_io.store(since, Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
