//! SPEC section 8's cron facts, and cronsim's own tests ported as facts: one
//! test per fact, times in UTC seconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::CronSchedule;
use crate::time::civil::Civil;

/// A UTC wall time as a `SystemTime`.
fn utc(year: i32, month: u8, day: u8, hour: u8, minute: u8) -> SystemTime {
    let seconds = Civil {
        year,
        month,
        day,
        hour,
        minute,
        second: 0,
    }
    .to_seconds();
    UNIX_EPOCH + Duration::from_secs(seconds as u64)
}

fn next(expression: &str, zone: &str, after: SystemTime) -> Option<SystemTime> {
    CronSchedule::new(expression, zone)
        .unwrap_or_else(|e| panic!("{expression:?} in {zone}: {e}"))
        .next_after(after)
}

fn error(expression: &str, zone: &str) -> String {
    CronSchedule::new(expression, zone)
        .expect_err(expression)
        .to_string()
}

#[test]
fn fixed_time_in_a_skipped_hour_runs_at_the_first_real_minute_after_the_gap() {
    // 2021-03-28 04:00+03:00.
    let due = next("0 3 * * *", "Europe/Riga", utc(2021, 3, 27, 12, 0));
    assert_eq!(due, Some(utc(2021, 3, 28, 1, 0)));
}

#[test]
fn hourly_runs_in_both_copies_of_a_repeated_hour() {
    // 03:00+02:00, the repeated hour's second copy.
    let due = next("0 * * * *", "Europe/Riga", utc(2021, 10, 31, 0, 30));
    assert_eq!(due, Some(utc(2021, 10, 31, 1, 0)));
}

#[test]
fn fixed_time_in_a_repeated_hour_runs_once_in_its_first_copy() {
    // 03:00+03:00 was 00:00Z, before `after`; next is 2021-11-01 03:00+02:00.
    let due = next("0 3 * * *", "Europe/Riga", utc(2021, 10, 31, 0, 30));
    assert_eq!(due, Some(utc(2021, 11, 1, 1, 0)));
    let first_copy = next("0 3 * * *", "Europe/Riga", utc(2021, 10, 30, 12, 0));
    assert_eq!(first_copy, Some(utc(2021, 10, 31, 0, 0)));
}

#[test]
fn started_in_the_second_copy_the_next_tick_is_strictly_after() {
    // 01:10Z is 03:10+02:00 (second copy). cronsim's first answer is
    // 03:30+03:00 = 00:30Z, before it; we take the next day's 03:30+02:00.
    let due = next("30 3 * * *", "Europe/Riga", utc(2021, 10, 31, 1, 10));
    assert_eq!(due, Some(utc(2021, 11, 1, 1, 30)));
}

#[test]
fn strictly_after_a_tick_itself() {
    let tick = utc(2024, 5, 1, 12, 0);
    assert_eq!(
        next("0 12 * * *", "UTC", tick),
        Some(utc(2024, 5, 2, 12, 0))
    );
    let just_before = tick - Duration::from_micros(1);
    assert_eq!(next("0 12 * * *", "UTC", just_before), Some(tick));
    // Microseconds are dropped, as cronsim drops them.
    let just_after = tick + Duration::from_micros(999_999);
    assert_eq!(
        next("* * * * *", "UTC", just_after),
        Some(tick + Duration::from_secs(60))
    );
}

#[test]
fn where_cronsim_goes_round_in_circles_the_first_real_matching_minute() {
    // Chatham falls back from 03:45 to 02:45. From the second copy's 02:45,
    // cronsim goes back to 02:00, which is before the span, and finds the
    // first copy's 03:00-03:42 again, forever. The next real 03:xx is the
    // second copy's 03:00+12:45.
    let after = utc(2025, 4, 5, 13, 59) + Duration::from_secs(59);
    assert_eq!(
        next("*/7 3/3 * * *", "Pacific/Chatham", after),
        Some(utc(2025, 4, 5, 14, 15))
    );
    // St John's fell back from 00:01 to 23:01 the day before: midnight of
    // 1 November is in the first copy, and cronsim's search never returns.
    // The clock next reads a matching minute at 00:19 local, -03:30 (03:49Z).
    let after = utc(2009, 10, 6, 11, 41) + Duration::from_secs(22);
    assert_eq!(
        next("19,45 * 28 */5 7", "America/St_Johns", after),
        Some(utc(2009, 11, 1, 3, 49))
    );
}

#[test]
fn python_whitespace_and_case() {
    let after = utc(2024, 1, 1, 0, 0); // a Monday
                                       // U+001C-U+001F separate fields for Python's str.split, not for Rust's.
    assert_eq!(
        next("0\u{1c}3 * * *", "UTC", after),
        Some(utc(2024, 1, 1, 3, 0))
    );
    assert_eq!(
        next("0\u{3000}3 * * *", "UTC", after),
        Some(utc(2024, 1, 1, 3, 0))
    );
    // Unicode upper-casing: the long s is S.
    assert_eq!(
        next("0 0 * * \u{17f}un", "UTC", after),
        Some(utc(2024, 1, 7, 0, 0))
    );
    assert!(CronSchedule::new("0\u{200b}3 * * *", "UTC").is_err());
}

#[test]
fn day_fields_both_must_match_when_either_starts_with_a_star() {
    // The 13th that is a Friday: 2024-09-13.
    let after = utc(2024, 1, 1, 0, 0);
    assert_eq!(
        next("0 0 13 * */1", "UTC", after),
        Some(utc(2024, 1, 13, 0, 0))
    );
    assert_eq!(
        next("0 0 */1 * 5", "UTC", after),
        Some(utc(2024, 1, 5, 0, 0))
    );
    assert_eq!(
        next("0 0 13 * 5", "UTC", after),
        Some(utc(2024, 1, 5, 0, 0)),
        "neither starts with *: the 13th or a Friday"
    );
    // */13 is 1, 14 and 27, and it starts with *: a Friday among them.
    assert_eq!(
        next("0 0 */13 * 5", "UTC", utc(2024, 9, 2, 0, 0)),
        Some(utc(2024, 9, 27, 0, 0))
    );
}

#[test]
fn last_day_of_the_month() {
    assert_eq!(
        next("0 0 L * *", "UTC", utc(2024, 2, 1, 0, 0)),
        Some(utc(2024, 2, 29, 0, 0))
    );
    assert_eq!(
        next("0 0 L 2 *", "UTC", utc(2023, 3, 1, 0, 0)),
        Some(utc(2024, 2, 29, 0, 0))
    );
}

#[test]
fn last_weekday_of_the_month() {
    // 2024-03-31 is a Sunday: the last weekday is Friday the 29th.
    assert_eq!(
        next("0 0 LW * *", "UTC", utc(2024, 3, 1, 0, 0)),
        Some(utc(2024, 3, 29, 0, 0))
    );
    // 2024-08-31 is a Saturday: Friday the 30th.
    assert_eq!(
        next("0 0 lw * *", "UTC", utc(2024, 8, 1, 0, 0)),
        Some(utc(2024, 8, 30, 0, 0))
    );
}

#[test]
fn last_weekday_n_of_the_month() {
    // The last Friday of May 2024 is the 31st, of June the 28th.
    assert_eq!(
        next("0 0 * * 5L", "UTC", utc(2024, 5, 1, 0, 0)),
        Some(utc(2024, 5, 31, 0, 0))
    );
    assert_eq!(
        next("0 0 * * 5l", "UTC", utc(2024, 6, 1, 0, 0)),
        Some(utc(2024, 6, 28, 0, 0))
    );
    // 7L and 0L are both the last Sunday.
    assert_eq!(
        next("0 0 * * 7L", "UTC", utc(2024, 3, 1, 0, 0)),
        Some(utc(2024, 3, 31, 0, 0))
    );
}

#[test]
fn kth_weekday_n_of_the_month() {
    // 2021-01: the second Monday is the 11th.
    assert_eq!(
        next("0 9 * * 1#2", "UTC", utc(2021, 1, 1, 0, 0)),
        Some(utc(2021, 1, 11, 9, 0))
    );
    // A fifth Monday in February: 2044-02-29 (from cronsim's tests).
    assert_eq!(
        next("0 0 * 2 MON#5", "UTC", utc(2021, 1, 1, 0, 0)),
        Some(utc(2044, 2, 29, 0, 0))
    );
}

#[test]
fn names_in_any_case_and_in_ranges() {
    let after = utc(2024, 1, 1, 0, 0); // a Monday
    assert_eq!(
        next("0 0 * * fri-SAT", "UTC", after),
        Some(utc(2024, 1, 5, 0, 0))
    );
    // SUN is 0, so a range cannot wrap from Saturday to Sunday (cronsim refuses).
    assert!(CronSchedule::new("0 0 * * sat-sun", "UTC").is_err());
    assert_eq!(
        next("0 0 1 Mar-apr *", "UTC", after),
        Some(utc(2024, 3, 1, 0, 0))
    );
    assert_eq!(
        CronSchedule::new("0 0 * JAN *", "UTC")
            .unwrap()
            .next_after(after),
        next("0 0 * 1 *", "UTC", after)
    );
}

#[test]
fn seven_is_sunday() {
    let after = utc(2024, 1, 1, 0, 0); // a Monday
    assert_eq!(next("0 0 * * 7", "UTC", after), Some(utc(2024, 1, 7, 0, 0)));
    assert_eq!(next("0 0 * * 0", "UTC", after), Some(utc(2024, 1, 7, 0, 0)));
    // a/step runs to 7: 5/2 is Friday and Sunday.
    assert_eq!(
        next("0 0 * * 5/2", "UTC", after),
        Some(utc(2024, 1, 5, 0, 0))
    );
    assert_eq!(
        next("0 0 * * 6/1", "UTC", after),
        Some(utc(2024, 1, 6, 0, 0))
    );
    // 6/2 stops at 7: Saturday only.
    assert_eq!(
        next("0 0 * * 6/2", "UTC", utc(2024, 1, 6, 1, 0)),
        Some(utc(2024, 1, 13, 0, 0))
    );
}

#[test]
fn no_tick_within_fifty_years_is_none() {
    // */3 in February never reaches the 29th, the only day with a fifth Monday.
    assert_eq!(next("0 0 */3 2 MON#5", "UTC", utc(2021, 1, 1, 0, 0)), None);
}

#[test]
fn field_errors_name_the_field_and_the_culprit() {
    assert_eq!(
        error("61 * * * *", "UTC"),
        r#"minute field "61": 61 is not in 0-59"#
    );
    assert_eq!(
        error("* 24 * * *", "UTC"),
        r#"hour field "24": 24 is not in 0-23"#
    );
    assert_eq!(
        error("* * 0 * *", "UTC"),
        r#"day-of-month field "0": 0 is not in 1-31"#
    );
    assert_eq!(
        error("* * * 13 *", "UTC"),
        r#"month field "13": 13 is not in 1-12"#
    );
    assert_eq!(
        error("* * * * 8", "UTC"),
        r#"day-of-week field "8": 8 is not in 0-7"#
    );
    assert_eq!(error("0 0 * * * *", "UTC"), "expected 5 fields, found 6");
    assert_eq!(error("0 0 * *", "UTC"), "expected 5 fields, found 4");
    assert_eq!(error("", "UTC"), "expected 5 fields, found 0");
    assert_eq!(
        error("0 0 30 2 *", "UTC"),
        r#"day-of-month field "30" can never match in month field "2""#
    );
    assert_eq!(
        error("* * * * 5L/2", "UTC"),
        r#"day-of-week field "5L/2": L must follow a lone day number 0-7, as in 5L"#
    );
    assert_eq!(
        error("* * * * mon#6", "UTC"),
        r#"day-of-week field "mon#6": #6: the week must be 1-5"#
    );
    assert!(error("* * * * 1#6", "UTC").starts_with(r#"day-of-week field "1#6": "#));
    assert!(error("*/0 * * * *", "UTC").starts_with(r#"minute field "*/0": "#));
    assert!(error("5-1 * * * *", "UTC").contains("5-1"));
    assert!(error("* * * dec-jan *", "UTC").starts_with(r#"month field "dec-jan""#));
    assert!(error("* * * * fri-mon", "UTC").starts_with(r#"day-of-week field "fri-mon""#));
    assert!(error("* * * * sunL", "UTC").starts_with(r#"day-of-week field "sunL""#));
    assert!(error("* x * * *", "UTC").contains(r#""X" is not a number"#));
    assert!(error("1,,2 * * * *", "UTC").starts_with(r#"minute field "1,,2""#));
}

#[test]
fn unknown_zones_are_named() {
    assert_eq!(
        error("0 3 * * *", "Mars/Olympus"),
        r#"unknown time zone "Mars/Olympus""#
    );
    // Python's zoneinfo (on the tzdata package) is case-sensitive.
    assert_eq!(
        error("0 3 * * *", "europe/riga"),
        r#"unknown time zone "europe/riga""#
    );
}

#[test]
fn or_rule_keeps_days_the_day_of_month_alone_could_never_have() {
    // 30 February never comes, but with OR the Mondays of February do.
    assert_eq!(
        next("0 0 30 2 1", "UTC", utc(2024, 1, 1, 0, 0)),
        Some(utc(2024, 2, 5, 0, 0))
    );
}

#[test]
fn accessors_equality_and_debug() {
    let a = CronSchedule::new("  0 3 * * *\n", "Europe/Riga").unwrap();
    assert_eq!(a.expression(), "0 3 * * *");
    assert_eq!(a.time_zone(), "Europe/Riga");
    assert_eq!(a, CronSchedule::new("0 3 * * *", "Europe/Riga").unwrap());
    assert_ne!(a, CronSchedule::new("0 3 * * *", "UTC").unwrap());
    assert_eq!(
        format!("{a:?}"),
        r#"CronSchedule { expression: "0 3 * * *", time_zone: "Europe/Riga" }"#
    );
}

#[test]
fn schedules_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + Clone + std::fmt::Debug + Eq + std::hash::Hash>() {}
    shared::<CronSchedule>();
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    error::<super::CronError>();
}
