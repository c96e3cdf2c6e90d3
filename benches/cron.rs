//! What one `CronSchedule::next_after` costs, the schedule parsed outside
//! the timed loop and the start moment moving a little each call so no
//! answer is cached anywhere:
//!
//! - `cron/fixed-time-dst`: `0 3 * * *` in Europe/Riga, on the wall clock,
//!   the tick moved out of the skipped hour;
//! - `cron/every-5-minutes-utc`: `*/5 * * * *` in UTC;
//! - `cron/last-day`: `0 0 L * *` in UTC;
//! - `cron/second-monday`: `0 9 * * 1#2` in UTC;
//! - `cron/every-15-minutes-dst`: `*/15 * * * *` in Europe/Riga, real time
//!   months from a transition;
//! - `cron/every-15-minutes-at-transition`: the same from inside the repeated
//!   hour, where cronsim's steps are followed one by one.
//!
//! ```text
//! cargo bench --bench cron
//! python3 scripts/bench_medians.py
//! ```

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use tower_ping::CronSchedule;

/// 2021-03-27 12:00 UTC, the day before Riga skips 03:00-04:00: `0 3 * * *`
/// is moved out of the gap.
const SPRING: u64 = 1_616_846_400;
/// 2021-06-15 12:00 UTC, months from any transition.
const SUMMER: u64 = 1_623_758_400;
/// 2021-10-31 00:30 UTC, 03:30+03:00 in Riga, half an hour before it repeats
/// an hour.
const AUTUMN: u64 = 1_635_640_200;

fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    expression: &str,
    zone: &str,
    start: u64,
) {
    let schedule = CronSchedule::new(expression, zone).unwrap();
    let start = UNIX_EPOCH + Duration::from_secs(start);
    assert!(schedule.next_after(start).is_some());
    let mut offset = 0u64;
    group.bench_function(name, |b| {
        b.iter(|| {
            // 0-59 s later each call: the same answer's neighbourhood, not the
            // same input.
            offset = (offset + 7) % 60;
            let after: SystemTime = start + Duration::from_secs(offset);
            schedule.next_after(black_box(after))
        })
    });
}

fn cron(c: &mut Criterion) {
    let mut group = c.benchmark_group("cron");
    let g = &mut group;
    bench(g, "fixed-time-dst", "0 3 * * *", "Europe/Riga", SPRING);
    bench(g, "every-5-minutes-utc", "*/5 * * * *", "UTC", SUMMER);
    bench(g, "last-day", "0 0 L * *", "UTC", SUMMER);
    bench(g, "second-monday", "0 9 * * 1#2", "UTC", SUMMER);
    let dst = "every-15-minutes-dst";
    bench(g, dst, "*/15 * * * *", "Europe/Riga", SUMMER);
    let at_transition = "every-15-minutes-at-transition";
    bench(g, at_transition, "*/15 * * * *", "Europe/Riga", AUTUMN);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = cron
}
criterion_main!(benches);
