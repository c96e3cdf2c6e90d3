//! `classify` against the matchers a user would otherwise write, on the same
//! inputs in one group: `classify/{tower-ping,matchit,regex}/<shape>`.
//!
//! ```text
//! cargo bench --bench path_matching
//! ```
//!
//! `tests/matchers_agree.rs` checks that the three give the same answers.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tower_ping::{classify, Prefix, Route};

#[path = "support/matchers.rs"]
mod matchers;

use matchers::{classify_matchit, classify_regex, matchit_router, ping_regex, SHAPES};

fn path_matching(c: &mut Criterion) {
    let prefix = Prefix::default();
    let router = matchit_router();
    let regex = ping_regex();

    let mut group = c.benchmark_group("classify");
    for &(shape, path) in SHAPES {
        group.bench_with_input(BenchmarkId::new("tower-ping", shape), path, |b, path| {
            b.iter(|| classify(black_box(&prefix), black_box(path)))
        });
        group.bench_with_input(BenchmarkId::new("matchit", shape), path, |b, path| {
            b.iter(|| classify_matchit(black_box(&router), black_box(path)))
        });
        group.bench_with_input(BenchmarkId::new("regex", shape), path, |b, path| {
            b.iter(|| classify_regex(black_box(&regex), black_box(path)))
        });
    }
    group.finish();

    // The floor under every figure above: the loop, the inputs hidden from
    // the optimiser and a route handed back, with no matching at all.
    let mut group = c.benchmark_group("overhead");
    group.bench_function("black-box", |b| {
        b.iter(|| {
            black_box(&prefix);
            black_box(SHAPES[0].1);
            Route::Pass
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = path_matching
}
criterion_main!(benches);
