//! Reading a check definition from a request body, as strictly as
//! healthchecks does (its `Spec`): every field optional, `null` and wrong
//! types refused (`"3600"` is no number), the first error in the order the
//! fields are declared, its text healthchecks' own.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::api::route::Version;
use crate::state::rules::AllowedMethods;
use crate::state::schedule::Schedule;
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::check_spec::{CheckSpec, UniqueField};
use crate::store::slug::slugify;

/// What a create or update request asks.
#[derive(Debug)]
pub(crate) struct Definition {
    pub(crate) spec: CheckSpec,
    pub(crate) unique: Vec<UniqueField>,
}

/// The shortest and longest `timeout` and `grace` the API takes.
const SECONDS: std::ops::RangeInclusive<u64> = 60..=31_536_000;

/// Reads `body` as a check definition for API `version`. `current` is the
/// check an update changes (its schedule's zone is kept when the request
/// names none); `channels` are the app's, which `channels` names.
pub(crate) fn read_definition(
    body: &Map<String, Value>,
    version: Version,
    current: Option<&Check>,
    channels: &[Channel],
) -> Result<Definition, String> {
    let fields = Fields::read(body)?;
    let mut spec = CheckSpec::new();
    if let Some(name) = fields.name {
        if version.0 < 3 {
            // v1 and v2 make the slug from the name.
            spec.slug = Some(slugify(&name));
        }
        spec.name = Some(name);
    }
    if let Some(slug) = fields.slug {
        spec.slug = Some(slug);
    }
    let zone = fields
        .tz
        .clone()
        .or_else(|| current.and_then(|c| c.rules.schedule.time_zone().map(str::to_owned)))
        .unwrap_or_else(|| "UTC".to_owned());
    spec.schedule = match (&fields.schedule, fields.timeout) {
        (Some(expression), _) => Some(parse_schedule(expression, &zone)?),
        (None, Some(timeout)) => Some(Schedule::Period(Duration::from_secs(timeout))),
        // A new zone for the check's own expression.
        (None, None) if fields.tz.is_some() => {
            match current.and_then(|c| c.rules.schedule.expression()) {
                Some(expression) => Some(parse_schedule(expression, &zone)?),
                None => None,
            }
        }
        (None, None) => None,
    };
    spec.grace = fields.grace.map(Duration::from_secs);
    spec.manual_resume = fields.manual_resume;
    spec.methods = fields.methods;
    spec.tags = fields.tags;
    spec.desc = fields.desc;
    spec.start_kw = fields.start_kw;
    spec.filter_body = fields.filter_http_body;
    spec.filter_default_fail = fields.filter_default_fail;
    spec.filter_email_body = fields.filter_body;
    // `subject` and `subject_fail` are the old names of the keywords, and
    // turn the subject filter on when they leave a keyword.
    let (mut success, mut failure) = match current {
        Some(check) => (
            check.rules.filter.success_kw.clone(),
            check.rules.filter.failure_kw.clone(),
        ),
        None => (String::new(), String::new()),
    };
    if let Some(subject) = fields.subject {
        success = subject.clone();
        spec.success_kw = Some(subject);
        spec.filter_subject = Some(!success.is_empty() || !failure.is_empty());
    }
    if let Some(subject_fail) = fields.subject_fail {
        failure = subject_fail.clone();
        spec.failure_kw = Some(subject_fail);
        spec.filter_subject = Some(!success.is_empty() || !failure.is_empty());
    }
    if fields.success_kw.is_some() {
        spec.success_kw = fields.success_kw;
    }
    if fields.failure_kw.is_some() {
        spec.failure_kw = fields.failure_kw;
    }
    if fields.filter_subject.is_some() {
        spec.filter_subject = fields.filter_subject;
    }
    spec.channels = match fields.channels {
        Some(text) => Some(resolve_channels(&text, channels)?),
        None => None,
    };
    spec.down_after_failures = fields.down_after_failures;
    spec.up_after_successes = fields.up_after_successes;
    spec.max_runtime = fields.max_runtime.map(|s| s.map(Duration::from_secs));
    spec.remind_every = fields.remind_every.map(|s| s.map(Duration::from_secs));
    Ok(Definition {
        spec,
        unique: fields.unique,
    })
}

/// A schedule of the API: cron or OnCalendar by healthchecks' rule, in
/// `zone`.
fn parse_schedule(expression: &str, zone: &str) -> Result<Schedule, String> {
    Schedule::parse(expression, zone).map_err(|_| {
        "json validation error: schedule is not a valid cron or OnCalendar expression".to_owned()
    })
}

/// `channels` as the API takes it: `*` (all), empty (none), or channel ids
/// or names separated by commas, each naming exactly one channel.
fn resolve_channels(text: &str, channels: &[Channel]) -> Result<Channels, String> {
    match text {
        "*" => return Ok(Channels::All),
        "" => return Ok(Channels::none()),
        _ => {}
    }
    let mut ids = Vec::new();
    for item in text.split(',') {
        if item.is_empty() {
            return Err("empty channel identifier".to_owned());
        }
        let mut matching = channels
            .iter()
            .filter(|c| c.id.to_string() == item || c.name == item);
        match (matching.next(), matching.next()) {
            (Some(channel), None) => ids.push(channel.id),
            (None, _) => return Err(format!("invalid channel identifier: {item}")),
            (Some(_), Some(_)) => return Err(format!("non-unique channel identifier: {item}")),
        }
    }
    Ok(Channels::only(ids))
}

/// The fields of a definition, each checked in healthchecks' order.
#[derive(Debug, Default)]
struct Fields {
    channels: Option<String>,
    desc: Option<String>,
    failure_kw: Option<String>,
    filter_subject: Option<bool>,
    filter_body: Option<bool>,
    filter_http_body: Option<bool>,
    filter_default_fail: Option<bool>,
    grace: Option<u64>,
    manual_resume: Option<bool>,
    methods: Option<AllowedMethods>,
    name: Option<String>,
    schedule: Option<String>,
    slug: Option<String>,
    start_kw: Option<String>,
    subject: Option<String>,
    subject_fail: Option<String>,
    success_kw: Option<String>,
    tags: Option<String>,
    timeout: Option<u64>,
    tz: Option<String>,
    unique: Vec<UniqueField>,
    // Ours, not healthchecks': the alert policy.
    down_after_failures: Option<u32>,
    up_after_successes: Option<u32>,
    max_runtime: Option<Option<u64>>,
    remind_every: Option<Option<u64>>,
}

impl Fields {
    /// Every field, checked in the order healthchecks declares them, so the
    /// first error is the one it reports. Keys it does not know are
    /// ignored.
    fn read(body: &Map<String, Value>) -> Result<Self, String> {
        let get = |key: &str| body.get(key);
        Ok(Fields {
            channels: text(get("channels"), "channels", None)?,
            desc: text(get("desc"), "desc", None)?,
            failure_kw: text(get("failure_kw"), "failure_kw", Some(200))?,
            filter_subject: flag(get("filter_subject"), "filter_subject")?,
            filter_body: flag(get("filter_body"), "filter_body")?,
            filter_http_body: flag(get("filter_http_body"), "filter_http_body")?,
            filter_default_fail: flag(get("filter_default_fail"), "filter_default_fail")?,
            grace: seconds(get("grace"), "grace")?,
            manual_resume: flag(get("manual_resume"), "manual_resume")?,
            methods: methods(get("methods"))?,
            name: text(get("name"), "name", Some(100))?,
            schedule: schedule(get("schedule"))?,
            slug: slug(get("slug"))?,
            start_kw: text(get("start_kw"), "start_kw", Some(200))?,
            subject: text(get("subject"), "subject", Some(200))?,
            subject_fail: text(get("subject_fail"), "subject_fail", Some(200))?,
            success_kw: text(get("success_kw"), "success_kw", Some(200))?,
            tags: text(get("tags"), "tags", None)?,
            timeout: seconds(get("timeout"), "timeout")?,
            tz: zone(get("tz"))?,
            unique: unique(get("unique"))?,
            down_after_failures: times(get("down_after_failures"), "down_after_failures")?,
            up_after_successes: times(get("up_after_successes"), "up_after_successes")?,
            max_runtime: seconds_or_off(get("max_runtime"), "max_runtime")?,
            remind_every: seconds_or_off(get("remind_every"), "remind_every")?,
        })
    }
}

fn error(field: &str, problem: &str) -> String {
    format!("json validation error: {field} {problem}")
}

/// A string, at most `max` characters.
fn text(value: Option<&Value>, field: &str, max: Option<usize>) -> Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => {
            if max.is_some_and(|max| text.chars().count() > max) {
                return Err(error(field, "is too long"));
            }
            Ok(Some(text.clone()))
        }
        Some(_) => Err(error(field, "is not a string")),
    }
}

fn flag(value: Option<&Value>, field: &str) -> Result<Option<bool>, String> {
    match value {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(error(field, "is not a boolean")),
    }
}

/// Whole seconds, 60 to 31,536,000. As in Python, `true` and `false` are
/// the numbers 1 and 0 (and so too small); a fraction is no number.
fn seconds(value: Option<&Value>, field: &str) -> Result<Option<u64>, String> {
    let seconds = match value {
        None => return Ok(None),
        Some(Value::Bool(flag)) => i128::from(*flag),
        Some(Value::Number(number)) => match (number.as_i64(), number.as_u64()) {
            (Some(n), _) => i128::from(n),
            (None, Some(n)) => i128::from(n),
            (None, None) => return Err(error(field, "is not a number")),
        },
        Some(_) => return Err(error(field, "is not a number")),
    };
    if seconds < i128::from(*SECONDS.start()) {
        return Err(error(field, "is too small"));
    }
    if seconds > i128::from(*SECONDS.end()) {
        return Err(error(field, "is too large"));
    }
    Ok(Some(seconds as u64))
}

/// How many times in a row: a whole number, 1 to 1,000.
fn times(value: Option<&Value>, field: &str) -> Result<Option<u32>, String> {
    match value {
        None => Ok(None),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(n) if n < 1 => Err(error(field, "is too small")),
            Some(n) if n > 1000 => Err(error(field, "is too large")),
            Some(n) => Ok(Some(n as u32)),
            None if number.as_u64().is_some() => Err(error(field, "is too large")),
            None => Err(error(field, "is not a number")),
        },
        Some(_) => Err(error(field, "is not a number")),
    }
}

/// Seconds as [`seconds`] takes them, or `0` or `null` for none:
/// `Some(None)` turns the setting off.
fn seconds_or_off(value: Option<&Value>, field: &str) -> Result<Option<Option<u64>>, String> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(number)) if number.as_u64() == Some(0) => Ok(Some(None)),
        Some(value) => Ok(Some(seconds(Some(value), field)?)),
    }
}

fn methods(value: Option<&Value>) -> Result<Option<AllowedMethods>, String> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(Some(AllowedMethods::Any)),
        Some(Value::String(text)) if text == "POST" => Ok(Some(AllowedMethods::PostOnly)),
        Some(_) => Err(error("methods", "has unexpected value")),
    }
}

/// A schedule that parses and has a tick after 2000-01-01 00:00 UTC, read
/// in UTC, as healthchecks checks it.
fn schedule(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(expression) = text(value, "schedule", Some(100))? else {
        return Ok(None);
    };
    let y2k = UNIX_EPOCH + Duration::from_secs(946_684_800);
    let ticks = Schedule::parse(&expression, "UTC")
        .ok()
        .and_then(|schedule| next_after(&schedule, y2k));
    match ticks {
        Some(_) => Ok(Some(expression)),
        None => Err(error(
            "schedule",
            "is not a valid cron or OnCalendar expression",
        )),
    }
}

fn next_after(schedule: &Schedule, after: SystemTime) -> Option<SystemTime> {
    schedule.next_due(after)
}

/// Lower-case letters, digits, `-` and `_` (empty allowed), at most 100.
fn slug(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(slug) = text(value, "slug", Some(100))? else {
        return Ok(None);
    };
    let fits = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if fits {
        Ok(Some(slug))
    } else {
        Err(error("slug", "does not match pattern"))
    }
}

/// An IANA zone name, as the bundled database spells it.
fn zone(value: Option<&Value>) -> Result<Option<String>, String> {
    let Some(zone) = text(value, "tz", None)? else {
        return Ok(None);
    };
    match Schedule::parse("* * * * *", &zone) {
        Ok(_) => Ok(Some(zone)),
        Err(_) => Err(error("tz", "is not a valid timezone")),
    }
}

fn unique(value: Option<&Value>) -> Result<Vec<UniqueField>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().and_then(UniqueField::parse).ok_or_else(|| {
                    "json validation error: an item in 'unique' has unexpected value".to_owned()
                })
            })
            .collect(),
        Some(_) => Err(error("unique", "is not an array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(body: Value, version: u8) -> Result<Definition, String> {
        let Value::Object(map) = body else {
            panic!("an object")
        };
        read_definition(&map, Version(version), None, &[])
    }

    fn refusal(body: Value) -> String {
        read(body, 3).unwrap_err()
    }

    #[test]
    fn wrong_types_and_nulls_are_refused_with_healthchecks_texts() {
        assert_eq!(
            refusal(json!({"timeout": "3600"})),
            "json validation error: timeout is not a number"
        );
        assert_eq!(
            refusal(json!({"timeout": 3600.0})),
            "json validation error: timeout is not a number"
        );
        assert_eq!(
            refusal(json!({"timeout": true})),
            "json validation error: timeout is too small"
        );
        assert_eq!(
            refusal(json!({"name": null})),
            "json validation error: name is not a string"
        );
        assert_eq!(
            refusal(json!({"manual_resume": 1})),
            "json validation error: manual_resume is not a boolean"
        );
        assert_eq!(
            refusal(json!({"methods": "GET"})),
            "json validation error: methods has unexpected value"
        );
        assert_eq!(
            refusal(json!({"unique": "name"})),
            "json validation error: unique is not an array"
        );
        assert_eq!(
            refusal(json!({"unique": ["uuid"]})),
            "json validation error: an item in 'unique' has unexpected value"
        );
    }

    #[test]
    fn limits_and_patterns() {
        assert_eq!(
            refusal(json!({"name": "x".repeat(101)})),
            "json validation error: name is too long"
        );
        assert!(read(json!({"name": "é".repeat(100)}), 3).is_ok());
        assert_eq!(
            refusal(json!({"slug": "Has-Upper"})),
            "json validation error: slug does not match pattern"
        );
        assert_eq!(
            refusal(json!({"grace": 59})),
            "json validation error: grace is too small"
        );
        assert_eq!(
            refusal(json!({"timeout": 31_536_001})),
            "json validation error: timeout is too large"
        );
        assert_eq!(
            refusal(json!({"tz": "utc"})),
            "json validation error: tz is not a valid timezone"
        );
        assert_eq!(
            refusal(json!({"schedule": "0 0 30 2 *"})),
            "json validation error: schedule is not a valid cron or OnCalendar expression"
        );
        assert_eq!(
            refusal(json!({"schedule": "1999-01-01"})),
            "json validation error: schedule is not a valid cron or OnCalendar expression"
        );
        // Accepted, though it never comes again.
        assert!(read(json!({"schedule": "2020-01-01"}), 3).is_ok());
    }

    #[test]
    fn the_first_error_is_the_first_field_healthchecks_declares() {
        assert_eq!(
            refusal(json!({"timeout": 1, "name": 5})),
            "json validation error: name is not a string"
        );
        assert_eq!(
            refusal(json!({"tz": "Mars/Olympus", "grace": 1})),
            "json validation error: grace is too small"
        );
    }

    #[test]
    fn v1_and_v2_make_the_slug_from_the_name_and_v3_does_not() {
        let body = json!({"name": "Nightly Backup!"});
        assert_eq!(
            read(body.clone(), 1).unwrap().spec.slug.as_deref(),
            Some("nightly-backup")
        );
        assert_eq!(
            read(body.clone(), 2).unwrap().spec.slug.as_deref(),
            Some("nightly-backup")
        );
        assert_eq!(read(body, 3).unwrap().spec.slug, None);
        let explicit = json!({"name": "Nightly Backup!", "slug": "nb"});
        assert_eq!(read(explicit, 1).unwrap().spec.slug.as_deref(), Some("nb"));
    }

    #[test]
    fn a_schedule_wins_over_a_timeout_and_picks_its_kind() {
        let spec = read(
            json!({"schedule": "0 3 * * *", "timeout": 60, "tz": "Europe/Riga"}),
            3,
        )
        .unwrap()
        .spec;
        let schedule = spec.schedule.unwrap();
        assert_eq!(schedule.kind(), crate::state::schedule::ScheduleKind::Cron);
        assert_eq!(schedule.time_zone(), Some("Europe/Riga"));
        let spec = read(json!({"schedule": "Mon..Fri 09:00"}), 3).unwrap().spec;
        assert_eq!(
            spec.schedule.unwrap().kind(),
            crate::state::schedule::ScheduleKind::OnCalendar
        );
        let spec = read(json!({"timeout": 120}), 3).unwrap().spec;
        assert_eq!(
            spec.schedule,
            Some(Schedule::Period(Duration::from_secs(120)))
        );
    }

    #[test]
    fn subject_sets_the_keywords_and_the_subject_filter() {
        let spec = read(json!({"subject": "SUCCESS"}), 3).unwrap().spec;
        assert_eq!(spec.success_kw.as_deref(), Some("SUCCESS"));
        assert_eq!(spec.filter_subject, Some(true));
        let spec = read(json!({"subject": "", "filter_subject": true}), 3)
            .unwrap()
            .spec;
        assert_eq!(spec.filter_subject, Some(true));
        let spec = read(json!({"subject": ""}), 3).unwrap().spec;
        assert_eq!(spec.filter_subject, Some(false));
    }

    #[test]
    fn channels_by_id_or_name_each_naming_one() {
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let channels = [
            Channel::new(a, "ops", "webhook"),
            Channel::new(b, "ops", "email"),
        ];
        let read = |text: &str| {
            let Value::Object(map) = json!({"channels": text}) else {
                unreachable!()
            };
            read_definition(&map, Version(3), None, &channels).map(|d| d.spec.channels)
        };
        assert_eq!(read("*").unwrap(), Some(Channels::All));
        assert_eq!(read("").unwrap(), Some(Channels::none()));
        assert_eq!(read(&a.to_string()).unwrap(), Some(Channels::only([a])));
        assert_eq!(
            read("ops").unwrap_err(),
            "non-unique channel identifier: ops"
        );
        assert_eq!(
            read("nope").unwrap_err(),
            "invalid channel identifier: nope"
        );
        assert_eq!(
            read(&format!("{a},")).unwrap_err(),
            "empty channel identifier"
        );
        assert_eq!(
            read(&format!("{a}, {b}")).unwrap_err(),
            format!("invalid channel identifier:  {b}")
        );
    }
}
