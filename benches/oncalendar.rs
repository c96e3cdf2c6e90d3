//! What one `OnCalendarSchedule::next_after` costs, the schedule parsed
//! outside the timed loop and the start moment moving a little each call so
//! no answer is cached anywhere:
//!
//! - `oncalendar/daily-utc`: `daily` in UTC;
//! - `oncalendar/weekdays-dst`: `Mon..Fri 09:00` in Europe/Riga, from a
//!   Friday, so the answer is three days on;
//! - `oncalendar/last-day-dst`: `*-*~1 23:00` in Europe/Riga (`~`, the last
//!   day of the month);
//! - `oncalendar/multi-line`: `Mon..Fri 09:00`, `Sat,Sun 12:00` and
//!   `*-*~1 23:00 America/New_York`, the first two in Europe/Riga;
//! - `oncalendar/repeated-hour`: `*:0/15` in Europe/Riga from inside the
//!   second copy of the hour the clocks repeat, where the search starts past
//!   the repeated span.
//!
//! ```text
//! cargo bench --bench oncalendar
//! python3 scripts/bench_medians.py
//! ```

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use tower_ping::OnCalendarSchedule;

/// 2021-06-15 12:00 UTC, months from any transition.
const SUMMER: u64 = 1_623_758_400;
/// Friday 2021-06-18 12:00 UTC.
const FRIDAY: u64 = 1_624_017_600;
/// 2021-10-31 01:20 UTC: 03:20+02:00 in Riga, the second copy of the hour
/// repeated that night.
const REPEATED: u64 = 1_635_643_200;

fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    expression: &str,
    zone: &str,
    start: u64,
) {
    let schedule = OnCalendarSchedule::new(expression, zone).unwrap();
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

fn oncalendar(c: &mut Criterion) {
    let mut group = c.benchmark_group("oncalendar");
    let g = &mut group;
    bench(g, "daily-utc", "daily", "UTC", SUMMER);
    bench(g, "weekdays-dst", "Mon..Fri 09:00", "Europe/Riga", FRIDAY);
    bench(g, "last-day-dst", "*-*~1 23:00", "Europe/Riga", SUMMER);
    let lines = "Mon..Fri 09:00\nSat,Sun 12:00\n*-*~1 23:00 America/New_York";
    bench(g, "multi-line", lines, "Europe/Riga", SUMMER);
    bench(g, "repeated-hour", "*:0/15", "Europe/Riga", REPEATED);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = oncalendar
}
criterion_main!(benches);
