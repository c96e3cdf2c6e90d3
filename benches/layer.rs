//! What `PingLayer` costs per request, the services built outside the timed
//! loop and driven without a runtime:
//!
//! - `layer/baseline`: the app called directly;
//! - `layer/fallthrough`: the same request through the layer;
//! - `layer/ping-memory`, `layer/ping-slug-memory`: a ping recorded in a
//!   `MemoryStore`, by UUID and by ping key and slug;
//! - `layer/fallthrough-rate-limit`, `layer/ping-memory-rate-limit`: the
//!   same through a layer with a rate limit that no ping here reaches (the
//!   limiter alone is in `benches/rate_limit.rs`).
//!
//! ```text
//! cargo bench --bench layer
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use tower_layer::Layer;
use tower_ping::{MemoryStore, NewCheck, PingLayer, RateLimit};
use uuid::Uuid;

#[path = "support/drive.rs"]
mod drive;

use drive::{app, call, get, noop_waker};

const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";
const APP_PATH: &str = "/api/users/42/settings";
const UUID_PING: &str = "/ping/5ca1ab1e-0000-4000-8000-00000000c0de";
const SLUG_PING: &str = "/ping/fqOOd6-F4MMNuCEnzTU01w/db-backup";

fn layer(c: &mut Criterion) {
    let waker = noop_waker();
    let store = MemoryStore::new();
    store
        .add_check(
            NewCheck::new("DB backup")
                .uuid(Uuid::parse_str(UUID).unwrap())
                .ping_key("fqOOd6-F4MMNuCEnzTU01w"),
        )
        .unwrap();
    let mut bare = app();
    let mut layered = PingLayer::new(store.clone()).layer(app());
    // A budget of 4 billion pings, one more each nanosecond: never reached.
    let mut rate_limited = PingLayer::new(store.clone())
        .rate_limit(RateLimit::new(u32::MAX, Duration::from_secs(1)))
        .layer(app());
    // The answers the timed loops get, checked once before timing them.
    assert_eq!(call(&waker, &mut layered, get(UUID_PING)).status(), 200);
    assert_eq!(call(&waker, &mut layered, get(SLUG_PING)).status(), 200);
    let answer = call(&waker, &mut rate_limited, get(UUID_PING));
    assert_eq!(answer.headers()["ping-body-limit"], "10000", "recorded");

    let mut group = c.benchmark_group("layer");
    // The request is built outside the timed part; the response is dropped
    // outside it too.
    group.bench_function("baseline", |b| {
        b.iter_batched(
            || get(APP_PATH),
            |request| call(&waker, &mut bare, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("fallthrough", |b| {
        b.iter_batched(
            || get(APP_PATH),
            |request| call(&waker, &mut layered, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("ping-memory", |b| {
        b.iter_batched(
            || get(UUID_PING),
            |request| call(&waker, &mut layered, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("ping-slug-memory", |b| {
        b.iter_batched(
            || get(SLUG_PING),
            |request| call(&waker, &mut layered, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("fallthrough-rate-limit", |b| {
        b.iter_batched(
            || get(APP_PATH),
            |request| call(&waker, &mut rate_limited, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("ping-memory-rate-limit", |b| {
        b.iter_batched(
            || get(UUID_PING),
            |request| call(&waker, &mut rate_limited, black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = layer
}
criterion_main!(benches);
