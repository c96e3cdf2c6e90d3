//! A 1 GiB ping body is read through, keeping only the limit: the memory the
//! process holds never grows by more than a small margin over that limit.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use http_body::{Body, Frame};
use tower::{Layer, ServiceExt};
use tower_ping::PingLayer;

use common::*;

/// Tracks the bytes currently allocated and the peak since the last reset.
struct Tracking;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// A body of `remaining` bytes, streamed in 64 KiB frames of one shared
/// buffer, so that the body itself holds no memory per frame.
struct Stream {
    chunk: Bytes,
    remaining: u64,
}

/// How many bytes the streamed body handed out.
static DELIVERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Body for Stream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(self.chunk.len() as u64) as usize;
        self.remaining -= n as u64;
        DELIVERED.fetch_add(n as u64, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n)))))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_gib_post_keeps_only_the_limit_and_never_buffers_the_rest() {
    const GIB: u64 = 1 << 30;
    const LIMIT: usize = 10_000;
    let store = seeded_store();
    let service =
        PingLayer::new(store.clone()).layer(tower::service_fn(|_: Request<Stream>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(
                http_body_util::Empty::<Bytes>::new(),
            ))
        }));
    let chunk = Bytes::from(vec![b'z'; 64 * 1024]);
    let request = Request::post(format!("/ping/{UUID}"))
        .body(Stream {
            chunk,
            remaining: GIB,
        })
        .unwrap();

    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let response = service.oneshot(request).await.unwrap();
    let growth = PEAK.load(Ordering::SeqCst) - before;

    assert_eq!(response.status(), 200);
    assert_eq!(
        DELIVERED.load(Ordering::SeqCst),
        GIB,
        "the whole body was read through"
    );
    let logged = pings(&store, UUID);
    assert_eq!(logged[0].body.len(), LIMIT);
    // The limit, plus the request's own bookkeeping: far from 1 GiB.
    assert!(
        growth < LIMIT + 64 * 1024,
        "memory grew by {growth} bytes while reading 1 GiB"
    );
}
