//! What SPEC section 13 says, row by row, with explicit times: the errors'
//! words, clock changes, `~`, the ends of the years, several lines. The
//! expected times are the library's answers (oncalendar 1.1, tzdata 2026.6).

use std::collections::hash_map::DefaultHasher;
use std::error::Error;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{OnCalendarError, OnCalendarSchedule};
use crate::time::calendar::days_from_civil;

/// A UTC time.
fn utc(year: i32, month: u8, day: u8, hour: i64, minute: i64, second: i64) -> SystemTime {
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    crate::time::civil::system_time(seconds).unwrap()
}

fn schedule(expression: &str, zone: &str) -> OnCalendarSchedule {
    OnCalendarSchedule::new(expression, zone)
        .unwrap_or_else(|e| panic!("{expression:?} in {zone}: {e}"))
}

fn error(expression: &str) -> String {
    OnCalendarSchedule::new(expression, "UTC")
        .expect_err(expression)
        .to_string()
}

/// The first `count` ticks, each strictly after the one before.
fn ticks(schedule: &OnCalendarSchedule, after: SystemTime, count: usize) -> Vec<SystemTime> {
    let mut found = Vec::new();
    let mut at = after;
    while found.len() < count {
        let Some(next) = schedule.next_after(at) else {
            break;
        };
        found.push(next);
        at = next;
    }
    found
}

#[test]
fn errors_name_the_part_that_is_wrong() {
    for (expression, message) in [
        ("Mox 12:00", r#"unknown weekday "Mox""#),
        ("Mon,Mox", r#"unknown weekday "Mox" (in "Mon,Mox")"#),
        ("25:00", "hour 25 is not in 0-23"),
        ("8,25:00", r#"hour 25 is not in 0-23 (in "8,25")"#),
        ("12:60", "minute 60 is not in 0-59"),
        ("12:00:60", "second 60 is not in 0-59"),
        ("*-13-01", "month 13 is not in 1-12"),
        ("*-*-32", "day 32 is not in 1-31"),
        (
            "100-01-01",
            "year 100 is not in 1970-2199 (or 0-99 for 2000-2069 and 1970-1999)",
        ),
        (
            "2200-01-01",
            "year 2200 is not in 1970-2199 (or 0-99 for 2000-2069 and 1970-1999)",
        ),
        (
            "99999999999999999999:00",
            "hour 99999999999999999999 is not in 0-23",
        ),
        ("12:00:00.5", r#"second "00.5" is not a number"#),
        ("\u{661}:00", r#"hour "١" is not a number"#),
        ("12,,13:00", r#"hour "12,,13": a value is missing"#),
        (
            "*:*/15",
            r#"minute "*/15": * stands alone, in no list, range or step"#,
        ),
        (
            "1,*:00",
            r#"hour "1,*": * stands alone, in no list, range or step"#,
        ),
        (
            "* 12:00",
            r#"weekday "*": * is no weekday (leave the weekday out for every day)"#,
        ),
        ("*:0/0", r#"minute "0/0" has a step of 0"#),
        ("Fri..Mon", "weekday range Fri..Mon ends before it starts"),
        ("*-*-5..1", "day range 5..1 ends before it starts"),
        (
            "*-*~29",
            "day ~29: counted from the month's end, a day goes up to ~28",
        ),
        ("1:2:3:4", r#"time "1:2:3:4" is not hh:mm or hh:mm:ss"#),
        (
            "*-*-~1",
            r#"date "*-*-~1" is not month-day or year-month-day"#,
        ),
        (
            "Mon Tue 12:00",
            r#"too many fields: "Tue" is left over (expected [weekday] [date] [time] [time zone])"#,
        ),
        ("", "no fields: the line is empty"),
        ("12:00 Mars/Olympus", r#"unknown time zone "Mars/Olympus""#),
        ("12:00 europe/riga", r#"unknown time zone "europe/riga""#),
        ("12:00\nMox", r#"line 2: unknown weekday "Mox""#),
        ("12:00\n\n13:00", "line 2: no fields: the line is empty"),
    ] {
        assert_eq!(error(expression), message, "{expression:?}");
    }
}

#[test]
fn an_unknown_default_zone_is_named() {
    for zone in ["Mars/Olympus", "europe/riga", "", "Europe/Riga "] {
        let error = OnCalendarSchedule::new("daily", zone).unwrap_err();
        assert_eq!(error.to_string(), format!("unknown time zone {zone:?}"));
    }
}

#[test]
fn the_error_is_a_std_error() {
    let error: Box<dyn Error + Send + Sync> =
        OnCalendarSchedule::new("Mox", "UTC").unwrap_err().into();
    assert_eq!(error.to_string(), r#"unknown weekday "Mox""#);
    let same: OnCalendarError = OnCalendarSchedule::new("Mox", "UTC").unwrap_err();
    assert_eq!(same.clone(), same);
}

#[test]
fn a_skipped_time_is_dropped_not_moved() {
    // Riga skips 03:00-04:00 on 2021-03-28; cron would run at 04:00.
    let s = schedule("*-*-* 03:30", "Europe/Riga");
    assert_eq!(
        ticks(&s, utc(2021, 3, 27, 12, 0, 0), 2),
        [utc(2021, 3, 29, 0, 30, 0), utc(2021, 3, 30, 0, 30, 0)]
    );
    // New York skips 02:00-03:00 on 2024-03-10.
    let s = schedule("02:30", "America/New_York");
    assert_eq!(
        s.next_after(utc(2024, 3, 9, 12, 0, 0)),
        Some(utc(2024, 3, 11, 6, 30, 0))
    );
    // Lord Howe skips half an hour, 02:00-02:30, on 2021-10-03.
    let s = schedule("02:15", "Australia/Lord_Howe");
    assert_eq!(
        s.next_after(utc(2021, 10, 2, 12, 0, 0)),
        Some(utc(2021, 10, 3, 15, 15, 0))
    );
}

#[test]
fn a_repeated_time_runs_in_its_first_copy_only() {
    // Riga repeats 03:00-04:00 on 2021-10-31: +03:00, then +02:00.
    let s = schedule("03:30", "Europe/Riga");
    assert_eq!(
        ticks(&s, utc(2021, 10, 30, 12, 0, 0), 2),
        [utc(2021, 10, 31, 0, 30, 0), utc(2021, 11, 1, 1, 30, 0)]
    );
    // Lord Howe repeats 01:30-02:00 on 2021-04-04: +11:00, then +10:30.
    let s = schedule("01:45", "Australia/Lord_Howe");
    assert_eq!(
        ticks(&s, utc(2021, 4, 3, 12, 0, 0), 2),
        [utc(2021, 4, 3, 14, 45, 0), utc(2021, 4, 4, 15, 15, 0)]
    );
}

#[test]
fn a_start_in_the_second_copy_waits_for_the_span_to_end() {
    // 01:20 UTC is 03:20+02:00, the second copy. The library answers
    // 00:30 UTC (03:30 in the first copy, before the start); the next tick
    // after the start is 04:00+02:00.
    let s = schedule("*:0/15", "Europe/Riga");
    let start = utc(2021, 10, 31, 1, 20, 0);
    assert_eq!(s.next_after(start), Some(utc(2021, 10, 31, 2, 0, 0)));
    // In the first copy, the repeated hour's ticks still come.
    let first_copy = utc(2021, 10, 31, 0, 20, 0);
    assert_eq!(s.next_after(first_copy), Some(utc(2021, 10, 31, 0, 30, 0)));
}

#[test]
fn tilde_counts_from_the_end_of_the_month() {
    let last = schedule("*-*~1 23:00", "UTC");
    assert_eq!(
        ticks(&last, utc(2024, 2, 10, 0, 0, 0), 3),
        [
            utc(2024, 2, 29, 23, 0, 0),
            utc(2024, 3, 31, 23, 0, 0),
            utc(2024, 4, 30, 23, 0, 0)
        ]
    );
    // The 7th-, 5th-, 3rd-last and last days of April (30 days).
    let odd = schedule("*-*~7/2", "UTC");
    assert_eq!(
        ticks(&odd, utc(2024, 4, 1, 0, 0, 0), 5),
        [
            utc(2024, 4, 24, 0, 0, 0),
            utc(2024, 4, 26, 0, 0, 0),
            utc(2024, 4, 28, 0, 0, 0),
            utc(2024, 4, 30, 0, 0, 0),
            utc(2024, 5, 25, 0, 0, 0)
        ]
    );
    // The last Sunday of the month.
    let sunday = schedule("Sun *~7/1", "UTC");
    assert_eq!(
        sunday.next_after(utc(2024, 3, 1, 0, 0, 0)),
        Some(utc(2024, 3, 31, 0, 0, 0))
    );
}

#[test]
fn years_run_from_1970_to_2199() {
    // Two digits: 0-69 are 2000-2069, 70-99 are 1970-1999.
    let s = schedule("69-12-31 23:00", "UTC");
    assert_eq!(
        s.next_after(utc(2024, 1, 1, 0, 0, 0)),
        Some(utc(2069, 12, 31, 23, 0, 0))
    );
    assert_eq!(
        schedule("99-12-31", "UTC").next_after(utc(2000, 1, 1, 0, 0, 0)),
        None
    );
    // 1970 on the wall clock of India is still 1969 in UTC.
    let s = schedule("1970-01-01 00:00", "Asia/Kolkata");
    assert_eq!(
        s.next_after(utc(1969, 12, 31, 0, 0, 0)),
        Some(utc(1969, 12, 31, 18, 30, 0))
    );
    // The last second there is, then never.
    let s = schedule("2199-12-31 23:59:59", "UTC");
    let last = utc(2199, 12, 31, 23, 59, 59);
    assert_eq!(s.next_after(utc(2199, 12, 31, 23, 59, 58)), Some(last));
    assert_eq!(s.next_after(last), None);
    let daily = schedule("daily", "UTC");
    assert_eq!(daily.next_after(utc(2199, 12, 31, 0, 0, 0)), None);
    assert_eq!(daily.next_after(utc(2500, 1, 1, 0, 0, 0)), None);
    // Starts long before 1970 find the first tick.
    let ancient = UNIX_EPOCH - Duration::from_secs(200 * 366 * 86_400);
    assert_eq!(daily.next_after(ancient), Some(UNIX_EPOCH));
    // And starts beyond any calendar find none, without a panic.
    let far = UNIX_EPOCH + Duration::from_secs(1 << 50);
    assert_eq!(daily.next_after(far), None);
}

#[test]
fn a_schedule_that_never_matches_is_never_due() {
    let y2k = utc(2000, 1, 1, 0, 0, 0);
    for expression in [
        "*-02-30",
        "2023-02-29",
        "*-04-31",
        "Thu 2027-01-01",
        "1999-12-31",
        "1998-01-01\n1999-01-01",
    ] {
        let s = schedule(expression, "UTC");
        assert_eq!(s.next_after(y2k), None, "{expression:?}");
        assert!(!s.has_tick_after(y2k), "{expression:?}");
    }
    assert!(schedule("Fri 2027-01-01", "UTC").has_tick_after(y2k));
    assert!(schedule("2024-02-29", "UTC").has_tick_after(y2k));
}

#[test]
fn several_lines_give_the_earliest_tick() {
    let s = schedule("12:00\n06:00 Asia/Kolkata", "UTC");
    // 06:00 in Kolkata is 00:30 UTC.
    assert_eq!(
        ticks(&s, utc(2024, 5, 1, 1, 0, 0), 3),
        [
            utc(2024, 5, 1, 12, 0, 0),
            utc(2024, 5, 2, 0, 30, 0),
            utc(2024, 5, 2, 12, 0, 0)
        ]
    );
    // A line that has run out leaves the others.
    let s = schedule("2020-01-02\n12:34", "UTC");
    assert_eq!(
        ticks(&s, utc(2020, 1, 1, 0, 0, 0), 3),
        [
            utc(2020, 1, 1, 12, 34, 0),
            utc(2020, 1, 2, 0, 0, 0),
            utc(2020, 1, 2, 12, 34, 0)
        ]
    );
    // Both ticks in Riga's repeated hour: 03:45+03:00 (00:45 UTC) comes
    // before 01:30 UTC (03:30+02:00); the library, comparing wall times,
    // answers 01:30.
    let s = schedule("03:45\n01:30 UTC", "Europe/Riga");
    assert_eq!(
        s.next_after(utc(2021, 10, 30, 23, 0, 0)),
        Some(utc(2021, 10, 31, 0, 45, 0))
    );
    // Windows line ends and surrounding whitespace are fine.
    let s = schedule(" 12:00\r\n13:00\n", "UTC");
    assert_eq!(s.expression(), "12:00\r\n13:00");
    assert_eq!(
        s.next_after(utc(2024, 5, 1, 12, 30, 0)),
        Some(utc(2024, 5, 1, 13, 0, 0))
    );
}

#[test]
fn shorthands_and_zone_suffixes() {
    // Sunday 2024-03-10, the day New York moves its clocks: Monday 00:00-04:00.
    let weekly = schedule("WEEKLY", "America/New_York");
    assert_eq!(
        weekly.next_after(utc(2024, 3, 10, 12, 0, 0)),
        Some(utc(2024, 3, 11, 4, 0, 0))
    );
    // The suffix wins over the default zone.
    let s = schedule("daily Europe/Riga", "America/New_York");
    assert_eq!(
        s.next_after(utc(2024, 6, 1, 12, 0, 0)),
        Some(utc(2024, 6, 1, 21, 0, 0))
    );
    // A tab alone does not make a suffix: the library reads a weekday
    // "12:00" and a field too many.
    assert_eq!(error("12:00\tEurope/Riga"), r#"unknown weekday "12:00""#);
    let s = schedule("12:00 \tEurope/Riga", "UTC");
    assert_eq!(
        s.next_after(utc(2024, 6, 1, 0, 0, 0)),
        Some(utc(2024, 6, 1, 9, 0, 0))
    );
    // Names in any case, Unicode's too: "ſ" upper-cases to "S".
    let s = schedule("\u{17f}at 12:00", "UTC");
    assert_eq!(
        s.next_after(utc(2024, 6, 3, 0, 0, 0)),
        Some(utc(2024, 6, 8, 12, 0, 0))
    );
}

#[test]
fn fractions_of_a_second_are_ignored() {
    let s = schedule("*:*:*", "UTC");
    let start = utc(2024, 6, 1, 0, 0, 0) + Duration::from_micros(999_999);
    assert_eq!(s.next_after(start), Some(utc(2024, 6, 1, 0, 0, 1)));
}

#[test]
fn equality_hash_and_accessors() {
    let a = schedule("  Mon..Fri 09:00 ", "Europe/Riga");
    let b = schedule("Mon..Fri 09:00", "Europe/Riga");
    assert_eq!(a.expression(), "Mon..Fri 09:00");
    assert_eq!(a.time_zone(), "Europe/Riga");
    assert_eq!(a.to_string(), "Mon..Fri 09:00");
    assert_eq!(a, b);
    let hash = |s: &OnCalendarSchedule| {
        let mut hasher = DefaultHasher::new();
        s.hash(&mut hasher);
        hasher.finish()
    };
    assert_eq!(hash(&a), hash(&b));
    assert_ne!(a, schedule("Mon..Fri 09:00", "UTC"));
    assert_eq!(
        format!("{a:?}"),
        r#"OnCalendarSchedule { expression: "Mon..Fri 09:00", time_zone: "Europe/Riga" }"#
    );
}
