//! What the rate limiter costs a ping, on its own (the layer's share is in
//! `benches/layer.rs`): one `RateLimiter::check` at the default size
//! (65,536 targets), 5 pings a minute, over 4,096 checks pinged in turn,
//! each within its limit.
//!
//! - `rate_limit/check`: one thread, the time handed in;
//! - `rate_limit/clock+check`: the same with the clock read, as the layer does;
//! - `rate_limit/check-2-threads`: two threads checking at once on one
//!   limiter, each pinging 2,048 checks of its own (as when each check's
//!   pings are seconds apart, whichever core takes them); the time is per
//!   check on each thread;
//! - `rate_limit/check-2-threads-shared`: the same, every check pinged by
//!   both threads in turn, so the cache lines of its bucket pass between
//!   them;
//! - `rate_limit/check-2-threads-one-check`: the worst case, both threads
//!   pinging one check, so both take one lock;
//! - `rate_limit/check-2-threads-apart`: the control, each thread on a
//!   limiter of its own, sharing nothing: what running two threads at once
//!   costs on this machine, whatever they do.
//!
//! ```text
//! cargo bench --bench rate_limit
//! ```

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use tower_ping::{RateLimit, RateLimiter, Target};
use uuid::Uuid;

const CHECKS: usize = 4_096;
/// How far the time handed in moves between two checks: 4,096 of them
/// take 61 s, so each check comes back to a whole budget.
const STEP: Duration = Duration::from_millis(15);

fn targets() -> Vec<Target<'static>> {
    (0..CHECKS as u128)
        .map(|n| {
            Target::Uuid(Uuid::from_u128(
                n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            ))
        })
        .collect()
}

fn five_a_minute() -> RateLimiter {
    RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)))
}

/// `iters` checks on each of two threads at once, thread `t` on
/// `limiters[t]`, its `n`th at `STEP * n` on target `pick(t, n)`; the time
/// the slower thread took.
fn two_threads(
    limiters: [&RateLimiter; 2],
    targets: &[Target<'static>],
    iters: u64,
    pick: fn(usize, u64) -> usize,
) -> Duration {
    let start = Barrier::new(2);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|thread| {
                let start = &start;
                let limiter = limiters[thread];
                scope.spawn(move || {
                    start.wait();
                    let began = Instant::now();
                    for n in 0..iters {
                        let target = targets[pick(thread, n) % CHECKS];
                        black_box(limiter.check(black_box(target), STEP * n as u32));
                    }
                    began.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .max()
            .unwrap()
    })
}

fn rate_limit(c: &mut Criterion) {
    let targets = targets();
    let mut group = c.benchmark_group("rate_limit");

    let limiter = five_a_minute();
    let mut n = 0_u32;
    group.bench_function("check", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let target = targets[n as usize % CHECKS];
            limiter.check(black_box(target), STEP * n)
        })
    });

    let limiter = five_a_minute();
    let mut n = 0_usize;
    group.bench_function("clock+check", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            limiter.check(black_box(targets[n % CHECKS]), limiter.now())
        })
    });

    let limiter = five_a_minute();
    group.bench_function("check-2-threads", |b| {
        b.iter_custom(|iters| {
            two_threads([&limiter; 2], &targets, iters, |thread, n| {
                thread * CHECKS / 2 + n as usize % (CHECKS / 2)
            })
        })
    });

    let limiter = five_a_minute();
    group.bench_function("check-2-threads-shared", |b| {
        b.iter_custom(|iters| {
            two_threads([&limiter; 2], &targets, iters, |thread, n| {
                thread * CHECKS / 2 + n as usize
            })
        })
    });

    let limiter = five_a_minute();
    group.bench_function("check-2-threads-one-check", |b| {
        b.iter_custom(|iters| two_threads([&limiter; 2], &targets, iters, |_, _| 0))
    });

    let (one, other) = (five_a_minute(), five_a_minute());
    group.bench_function("check-2-threads-apart", |b| {
        b.iter_custom(|iters| {
            two_threads([&one, &other], &targets, iters, |thread, n| {
                thread * CHECKS / 2 + n as usize % (CHECKS / 2)
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = rate_limit
}
criterion_main!(benches);
