//! `CronSchedule` against cronsim 2.8, the oracle healthchecks uses: every
//! row of `tests/data/cron_fixture.tsv` (made by
//! `scripts/gen_cron_fixture.py`) must get cronsim's answer, the same next
//! tick or the same refusal.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tower_ping::CronSchedule;

const FIXTURE: &str = include_str!("data/cron_fixture.tsv");

/// Fewer rows with an answer than this means the fixture lost its point.
const MIN_ANSWERED: usize = 2000;

#[test]
fn every_row_agrees_with_cronsim() {
    let mut answered = 0;
    let mut refused = 0;
    let mut differing = Vec::new();
    // The header is the leading `# ` lines; an expression may start with `#`.
    let header = FIXTURE.lines().take_while(|l| l.starts_with("# ")).count();
    for (index, line) in FIXTURE.lines().enumerate().skip(header) {
        let columns: Vec<&str> = line.split('\t').collect();
        let [expression, zone, after, expected] = columns[..] else {
            panic!("line {}: expected 4 columns: {line:?}", index + 1);
        };
        let expression = unescape(expression);
        let after = parse_utc(after).unwrap_or_else(|| panic!("line {}: bad time", index + 1));
        let ours = match CronSchedule::new(&expression, zone) {
            Err(_) => "error".to_owned(),
            Ok(schedule) => match schedule.next_after(after) {
                None => "none".to_owned(),
                Some(next) => format_utc(next),
            },
        };
        if expected == "error" {
            refused += 1;
        } else {
            answered += 1;
        }
        if ours != expected {
            differing.push(format!(
                "line {}: {expression:?} in {zone} after {}: cronsim {expected}, ours {ours}",
                index + 1,
                format_utc(after)
            ));
        }
    }
    if !differing.is_empty() {
        for row in differing.iter().take(15) {
            eprintln!("{row}");
        }
        panic!(
            "{} of {} rows differ from cronsim",
            differing.len(),
            answered + refused
        );
    }
    assert!(
        answered >= MIN_ANSWERED,
        "only {answered} rows with an answer were compared"
    );
    assert!(refused >= 100, "only {refused} refusals were compared");
    println!("{answered} answers and {refused} refusals agree with cronsim");
}

/// The generator's escapes for backslash, tab, newline and carriage return.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            other => panic!("unknown escape \\{other:?} in {text:?}"),
        }
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, years 1970 on.
fn parse_utc(text: &str) -> Option<SystemTime> {
    let text = text.strip_suffix('Z')?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let number = |range: std::ops::Range<usize>| whole.get(range)?.parse::<i64>().ok();
    let days = days_from_civil(number(0..4)?, number(5..7)?, number(8..10)?);
    let seconds = days * 86_400 + number(11..13)? * 3600 + number(14..16)? * 60 + number(17..19)?;
    let micros = match fraction.len() {
        0 => 0,
        1..=6 => format!("{fraction:0<6}").parse::<u64>().ok()?,
        _ => return None,
    };
    Some(
        UNIX_EPOCH
            + Duration::from_secs(u64::try_from(seconds).ok()?)
            + Duration::from_micros(micros),
    )
}

fn format_utc(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).expect("after 1970");
    let seconds = since.as_secs() as i64;
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let clock = format!("{:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    match since.subsec_micros() {
        0 => format!("{year:04}-{month:02}-{day:02}T{clock}Z"),
        micros => format!("{year:04}-{month:02}-{day:02}T{clock}.{micros:06}Z"),
    }
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[test]
fn times_round_trip() {
    for text in [
        "2021-03-28T01:00:00Z",
        "2000-02-29T23:59:59.000001Z",
        "2039-12-31T00:00:00.5Z",
    ] {
        let time = parse_utc(text).unwrap();
        let again = format_utc(time);
        assert_eq!(parse_utc(&again), Some(time), "{text} -> {again}");
    }
    assert_eq!(
        format_utc(parse_utc("1970-01-01T00:00:00Z").unwrap()),
        "1970-01-01T00:00:00Z"
    );
}
