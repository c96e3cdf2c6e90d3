//! `OnCalendarSchedule` against oncalendar 1.1, the library healthchecks
//! uses: every row of `tests/data/oncalendar_fixture.tsv` (made by
//! `scripts/gen_oncalendar_fixture.py`) must get its answer, the same next
//! tick, the same "none" or the same refusal; and each refusal must name the
//! part the library named.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tower_ping::OnCalendarSchedule;

const FIXTURE: &str = include_str!("data/oncalendar_fixture.tsv");

/// Fewer rows than these means the fixture lost its point.
const MIN_ANSWERED: usize = 4000;
const MIN_REFUSED: usize = 800;

struct Row<'a> {
    line: usize,
    schedule: String,
    zone: &'a str,
    after: SystemTime,
    expected: &'a str,
    why: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    // The header is the leading `# ` lines; a schedule may start with `#`.
    let header = FIXTURE.lines().take_while(|l| l.starts_with("# ")).count();
    FIXTURE
        .lines()
        .enumerate()
        .skip(header)
        .map(|(index, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            let [schedule, zone, after, expected, why] = columns[..] else {
                panic!("line {}: expected 5 columns: {line:?}", index + 1);
            };
            Row {
                line: index + 1,
                schedule: unescape(schedule),
                zone,
                after: parse_utc(after).unwrap_or_else(|| panic!("line {}: bad time", index + 1)),
                expected,
                why,
            }
        })
        .collect()
}

#[test]
fn every_row_agrees_with_the_library() {
    let (mut answered, mut refused, mut corrected) = (0, 0, 0);
    let mut differing = Vec::new();
    for row in rows() {
        let ours = match OnCalendarSchedule::new(&row.schedule, row.zone) {
            Err(_) => "error".to_owned(),
            Ok(schedule) => match schedule.next_after(row.after) {
                None => "none".to_owned(),
                Some(next) => format_utc(next),
            },
        };
        if row.expected == "error" {
            refused += 1;
        } else {
            answered += 1;
            corrected += usize::from(!row.why.is_empty());
        }
        if ours != row.expected {
            differing.push(format!(
                "line {}: {:?} in {} after {}: library {} ({}), ours {ours}",
                row.line,
                row.schedule,
                row.zone,
                format_utc(row.after),
                row.expected,
                row.why
            ));
        }
    }
    if !differing.is_empty() {
        for row in differing.iter().take(20) {
            eprintln!("{row}");
        }
        panic!(
            "{} of {} rows differ from the library",
            differing.len(),
            answered + refused
        );
    }
    assert!(answered >= MIN_ANSWERED, "only {answered} answers compared");
    assert!(refused >= MIN_REFUSED, "only {refused} refusals compared");
    assert!(corrected > 0, "no row where SPEC 13 corrects the library");
    println!(
        "{answered} answers ({corrected} corrected as SPEC 13 says) and {refused} refusals \
         agree with oncalendar 1.1"
    );
}

/// The library says "Bad hour", "Bad day-of-week", "Wrong number of
/// fields"; ours must start by naming the same part (after `line N: `).
/// The one liberty: a last field in the zone's place that names no zone,
/// which the library reads as a weekday or a field too many, is named as the
/// unknown time zone it was meant to be.
#[test]
fn every_refusal_names_the_part_the_library_names() {
    let mut checked = 0;
    let mut named_zone = 0;
    let mut wrong = Vec::new();
    for row in rows().into_iter().filter(|row| row.expected == "error") {
        let error = OnCalendarSchedule::new(&row.schedule, row.zone)
            .expect_err("the other test checks refusals agree")
            .to_string();
        let message = match error.strip_prefix("line ") {
            Some(rest) => rest.split_once(": ").map_or(rest, |(_, message)| message),
            None => &error,
        };
        let starts: &[&str] = match row.why {
            "Bad day-of-week" => &["unknown weekday ", "weekday "],
            "Bad year" => &["year "],
            "Bad month" => &["month "],
            "Bad day-of-month" => &["day "],
            "Bad hour" => &["hour "],
            "Bad minute" => &["minute "],
            "Bad second" => &["second "],
            "Bad time" => &["time "],
            "Bad date" => &["date "],
            "Wrong number of fields" => &["no fields", "too many fields"],
            "unknown zone" => &["unknown time zone "],
            // zoneinfo's own failure on a folder's name ("12:00 Europe").
            "IsADirectoryError" => &["unknown time zone "],
            other => panic!(
                "line {}: a reason the test does not know: {other}",
                row.line
            ),
        };
        let zone_liberty = matches!(row.why, "Bad day-of-week" | "Wrong number of fields")
            && message.starts_with("unknown time zone ");
        named_zone += usize::from(zone_liberty);
        checked += 1;
        if !zone_liberty && !starts.iter().any(|start| message.starts_with(start)) {
            wrong.push(format!(
                "line {}: {:?}: library {:?}, ours {error:?}",
                row.line, row.schedule, row.why
            ));
        }
    }
    if !wrong.is_empty() {
        for row in wrong.iter().take(20) {
            eprintln!("{row}");
        }
        panic!("{} of {checked} refusals name another part", wrong.len());
    }
    assert!(checked >= MIN_REFUSED);
    assert!(named_zone < checked / 4, "{named_zone} zone namings");
    println!("{checked} refusals name the library's part ({named_zone} name the zone instead)");
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

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, before 1970 too.
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
    let whole = Duration::from_secs(seconds.unsigned_abs());
    let at = if seconds >= 0 {
        UNIX_EPOCH + whole
    } else {
        UNIX_EPOCH - whole
    };
    Some(at + Duration::from_micros(micros))
}

fn format_utc(time: SystemTime) -> String {
    let (seconds, micros) = match time.duration_since(UNIX_EPOCH) {
        Ok(since) => (since.as_secs() as i64, since.subsec_micros()),
        Err(before) => {
            let before = before.duration();
            let micros = before.subsec_micros();
            let seconds = -(before.as_secs() as i64) - i64::from(micros > 0);
            (seconds, if micros > 0 { 1_000_000 - micros } else { 0 })
        }
    };
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let clock = format!("{:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    match micros {
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
        "1969-12-31T23:59:59.5Z",
        "1969-12-31T18:30:00Z",
        "2199-12-31T23:59:59Z",
    ] {
        let time = parse_utc(text).unwrap();
        let again = format_utc(time);
        assert_eq!(parse_utc(&again), Some(time), "{text} -> {again}");
    }
    assert_eq!(
        format_utc(parse_utc("1969-12-31T23:00:00Z").unwrap()),
        "1969-12-31T23:00:00Z"
    );
}
