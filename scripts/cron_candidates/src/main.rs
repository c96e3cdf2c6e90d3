//! Which cron crate could stand in for our own evaluator? Each candidate
//! answers every row of tests/data/cron_fixture.tsv (cronsim 2.8's answers)
//! and we count how often it agrees.
//!
//! Run from the repository root:
//!
//! ```text
//! cargo run --release --manifest-path scripts/cron_candidates/Cargo.toml
//! ```
//!
//! Zones come from chrono-tz (its own, older copy of the IANA database:
//! 2025b, where the fixture has 2026f), since both candidates work on
//! chrono's `DateTime<Tz>`; the rows in zones without daylight saving show
//! the cron semantics alone. `croner` reads the 5 fields as
//! they are; `cron` wants a seconds field first, so it gets `0 ` prepended.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

const FIXTURE: &str = "tests/data/cron_fixture.tsv";

/// The fixture's zones without transitions in its years: no zone data or
/// daylight-saving rule can explain a disagreement there.
const STEADY: [&str; 6] = [
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Etc/GMT+5",
    "Etc/GMT-14",
];

/// One candidate's answer for a row, in the fixture's notation.
type Answer = String;

struct Row {
    expression: String,
    zone: String,
    after: DateTime<Utc>,
    expected: String,
}

fn main() {
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap_or_else(|e| panic!("{FIXTURE}: {e} (run from the repository root)"));
    let rows: Vec<Row> = text
        .lines()
        .skip_while(|l| l.starts_with("# "))
        .map(parse_row)
        .collect();
    println!(
        "{} rows of {FIXTURE}: {} with a tick or none, {} refused by cronsim\n",
        rows.len(),
        rows.iter().filter(|r| r.expected != "error").count(),
        rows.iter().filter(|r| r.expected == "error").count()
    );
    report("croner 4.0.3", &rows, croner_next);
    report("cron 0.17.0", &rows, cron_next);
}

fn report(name: &str, rows: &[Row], candidate: fn(&str, Tz, DateTime<Utc>) -> Answer) {
    let (mut agree, mut differ, mut refused_by_it, mut accepted_by_it) = (0, 0, 0, 0);
    let (mut steady, mut steady_agree) = (0, 0);
    let mut examples: Vec<String> = Vec::new();
    let mut kinds_shown = [0; 3];
    for row in rows {
        let answer = match row.zone.parse::<Tz>() {
            Err(_) => "error".to_owned(),
            Ok(tz) => catch_unwind(AssertUnwindSafe(|| {
                candidate(&row.expression, tz, row.after)
            }))
            .unwrap_or_else(|_| "panic".to_owned()),
        };
        let is_steady = STEADY.contains(&row.zone.as_str());
        steady += usize::from(is_steady);
        let kind = if answer == row.expected {
            agree += 1;
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
        if kinds_shown[kind] < 2 {
            kinds_shown[kind] += 1;
            examples.push(format!(
                "  {:?} in {} after {}: cronsim {}, {name} {answer}",
                row.expression,
                row.zone,
                row.after.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
                row.expected
            ));
        }
    }
    let total = rows.len();
    println!("{name}: {agree}/{total} agree ({:.1}%)", 100.0 * agree as f64 / total as f64);
    println!(
        "  in zones without daylight saving: {steady_agree}/{steady} agree ({:.1}%)",
        100.0 * steady_agree as f64 / steady as f64
    );
    println!("  {differ} differ (both answer, differently)");
    println!("  {refused_by_it} refused or panicked by {name} only");
    println!("  {accepted_by_it} refused by cronsim only");
    println!("  for example:");
    for example in examples {
        println!("  {example}");
    }
    println!();
}

fn croner_next(expression: &str, tz: Tz, after: DateTime<Utc>) -> Answer {
    use croner::parser::{CronParser, Seconds};
    let parser = CronParser::builder().seconds(Seconds::Disallowed).build();
    let Ok(cron) = parser.parse(expression) else {
        return "error".to_owned();
    };
    match cron.find_next_occurrence(&after.with_timezone(&tz), false) {
        Ok(next) => utc(next.with_timezone(&Utc)),
        Err(_) => "none".to_owned(),
    }
}

fn cron_next(expression: &str, tz: Tz, after: DateTime<Utc>) -> Answer {
    // The fixture's rows must have exactly 5 fields; `cron` wants seconds.
    if expression.split_whitespace().count() != 5 {
        return "error".to_owned();
    }
    let Ok(schedule) = cron::Schedule::from_str(&format!("0 {expression}")) else {
        return "error".to_owned();
    };
    match schedule.after(&after.with_timezone(&tz)).next() {
        Some(next) => utc(next.with_timezone(&Utc)),
        None => "none".to_owned(),
    }
}

fn utc(time: DateTime<Utc>) -> Answer {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_row(line: &str) -> Row {
    let columns: Vec<&str> = line.split('\t').collect();
    let [expression, zone, after, expected] = columns[..] else {
        panic!("expected 4 columns: {line:?}");
    };
    let after = NaiveDateTime::parse_from_str(after, "%Y-%m-%dT%H:%M:%S%.fZ")
        .unwrap_or_else(|e| panic!("{after}: {e}"));
    Row {
        expression: unescape(expression),
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
