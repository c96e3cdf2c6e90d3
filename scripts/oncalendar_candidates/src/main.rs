//! Which crate could stand in for our own OnCalendar evaluator? Each
//! candidate answers every row of tests/data/oncalendar_fixture.tsv
//! (oncalendar 1.1's answers, as healthchecks calls it) and we count how
//! often it agrees.
//!
//! Run from the repository root:
//!
//! ```text
//! cargo run --release --manifest-path scripts/oncalendar_candidates/Cargo.toml
//! ```
//!
//! No crate on crates.io reads systemd calendar *events* (the recurring
//! `OnCalendar=` schedules); the search is told in BENCHMARKS.md. The one
//! systemd.time crate there, `chrono-systemd-time`, reads *timestamps*: one
//! moment such as `2024-03-01 12:00`, `today` or `now + 2h`. It is measured
//! as the closest there is: a schedule it reads as a moment ticks once, at
//! that moment ("none" once it is past); one it refuses is an error. Zones
//! come from chrono-tz (its own copy of the IANA database), since it works
//! on chrono's `TimeZone`. Its relative forms (`today`, a time alone) read
//! the clock, so those rows can only agree by chance.
//!
//! A candidate that refuses everything is shown first, as the floor: it
//! "agrees" on every refusal.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

const FIXTURE: &str = "tests/data/oncalendar_fixture.tsv";

/// The fixture's zones without clock changes in its years.
const STEADY: [&str; 2] = ["UTC", "Asia/Kolkata"];

struct Row {
    schedule: String,
    zone: String,
    after: DateTime<Utc>,
    expected: String,
}

type Candidate = fn(&str, Tz, DateTime<Utc>) -> String;

fn main() {
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap_or_else(|e| panic!("{FIXTURE}: {e} (run from the repository root)"));
    let rows: Vec<Row> = text
        .lines()
        .skip_while(|l| l.starts_with("# "))
        .map(parse_row)
        .collect();
    let refused = rows.iter().filter(|r| r.expected == "error").count();
    println!(
        "{} rows of {FIXTURE}: {} with a tick or none, {refused} refused by oncalendar 1.1\n",
        rows.len(),
        rows.len() - refused,
    );
    report("refuse everything (the floor)", &rows, |_, _, _| "error".to_owned());
    report("chrono-systemd-time 0.4.0", &rows, timestamp_next);
}

fn report(name: &str, rows: &[Row], candidate: Candidate) {
    let (mut agree, mut agree_answered, mut differ, mut refused_by_it, mut accepted_by_it) =
        (0, 0, 0, 0, 0);
    let (mut steady, mut steady_agree) = (0, 0);
    let mut examples: Vec<String> = Vec::new();
    let mut shown = [0; 3];
    for row in rows {
        let answer = match row.zone.parse::<Tz>() {
            Err(_) => "error".to_owned(),
            Ok(tz) => catch_unwind(AssertUnwindSafe(|| candidate(&row.schedule, tz, row.after)))
                .unwrap_or_else(|_| "panic".to_owned()),
        };
        let is_steady = STEADY.contains(&row.zone.as_str());
        steady += usize::from(is_steady);
        let kind = if answer == row.expected {
            agree += 1;
            agree_answered += usize::from(row.expected != "error");
            steady_agree += usize::from(is_steady);
            continue;
        } else if answer == "error" || answer == "panic" {
            refused_by_it += 1;
            1
        } else if row.expected == "error" {
            accepted_by_it += 1;
            2
        } else {
            differ += 1;
            0
        };
        if shown[kind] < 2 {
            shown[kind] += 1;
            examples.push(format!(
                "  {:?} in {} after {}: oncalendar {}, {name} {answer}",
                row.schedule,
                row.zone,
                row.after.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
                row.expected
            ));
        }
    }
    let total = rows.len();
    let answered = rows.iter().filter(|r| r.expected != "error").count();
    println!("{name}: {agree}/{total} agree ({:.1}%)", percent(agree, total));
    println!(
        "  on the {answered} rows with a tick or none: {agree_answered} ({:.1}%)",
        percent(agree_answered, answered)
    );
    println!(
        "  in zones without daylight saving: {steady_agree}/{steady} ({:.1}%)",
        percent(steady_agree, steady)
    );
    println!("  {differ} differ (both answer, differently)");
    println!("  {refused_by_it} refused or panicked by {name} only");
    println!("  {accepted_by_it} refused by oncalendar only");
    if !examples.is_empty() {
        println!("  for example:");
        for example in examples {
            println!("  {example}");
        }
    }
    println!();
}

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

/// A schedule read as one moment: its tick if still to come.
fn timestamp_next(schedule: &str, tz: Tz, after: DateTime<Utc>) -> String {
    let Ok(moment) = chrono_systemd_time::parse_timestamp_tz(schedule, tz) else {
        return "error".to_owned();
    };
    let moment = moment.earliest().with_timezone(&Utc);
    if moment > after {
        moment.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        "none".to_owned()
    }
}

fn parse_row(line: &str) -> Row {
    let columns: Vec<&str> = line.split('\t').collect();
    let [schedule, zone, after, expected, _why] = columns[..] else {
        panic!("expected 5 columns: {line:?}");
    };
    let after = NaiveDateTime::parse_from_str(after, "%Y-%m-%dT%H:%M:%S%.fZ")
        .unwrap_or_else(|e| panic!("{after}: {e}"));
    Row {
        schedule: unescape(schedule),
        zone: zone.to_owned(),
        after: Utc.from_utc_datetime(&after),
        expected: expected.to_owned(),
    }
}

fn unescape(text: &str) -> String {
    text.replace("\\t", "\t")
        .replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\\\", "\\")
}
