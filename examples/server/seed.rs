//! The `--checks` file: a JSON array of checks to define at start-up.
//!
//! Every key is checked, and a bad value is an error naming the check and
//! the key, so a typo stops the server instead of defining another check.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use tower_ping::{AllowedMethods, CheckState, KeywordFilter, NewCheck, Schedule, Status};
use uuid::Uuid;

/// The checks of a `--checks` file, ready to define. `now` is the last ping
/// of a check seeded `up` without one.
pub fn parse(text: &str, now: SystemTime) -> Result<Vec<NewCheck>, String> {
    let seeds: Vec<Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON array: {e}"))?;
    seeds
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let fields = seed
                .as_object()
                .ok_or_else(|| format!("check #{}: not a JSON object", i + 1))?;
            let name = match fields.get("name") {
                Some(Value::String(name)) => name.clone(),
                _ => return Err(format!("check #{}: name: a string is required", i + 1)),
            };
            Seed {
                name: &name,
                fields,
            }
            .into_new_check(now)
            .map_err(|e| format!("check {name:?}: {e}"))
        })
        .collect()
}

/// One check's object, read key by key.
struct Seed<'a> {
    name: &'a str,
    fields: &'a Map<String, Value>,
}

const KEYS: &[&str] = &[
    "uuid",
    "name",
    "slug",
    "ping_key",
    "tags",
    "desc",
    "status",
    "last_ping",
    "last_start",
    "manual_resume",
    "methods",
    "filter_body",
    "success_kw",
    "failure_kw",
    "start_kw",
    "default_fail",
    "timeout",
    "grace",
    "schedule",
    "tz",
];

impl Seed<'_> {
    fn into_new_check(self, now: SystemTime) -> Result<NewCheck, String> {
        if let Some(unknown) = self.fields.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("unknown key {unknown:?}"));
        }
        // Without a ping key a check answers to its UUID only: no key is
        // made up for it.
        let mut check = NewCheck::new(self.name);
        if let Some(ping_key) = self.string("ping_key")? {
            check = check.ping_key(ping_key);
        }
        if let Some(tags) = self.string("tags")? {
            check = check.tags(tags);
        }
        if let Some(desc) = self.string("desc")? {
            check = check.desc(desc);
        }
        if let Some(uuid) = self.string("uuid")? {
            let uuid = Uuid::parse_str(uuid).map_err(|e| format!("uuid {uuid:?}: {e}"))?;
            check = check.uuid(uuid);
        }
        if let Some(slug) = self.string("slug")? {
            check = check.slug(slug);
        }
        let mut filter = KeywordFilter::on()
            .success(self.string("success_kw")?.unwrap_or(""))
            .failure(self.string("failure_kw")?.unwrap_or(""))
            .start(self.string("start_kw")?.unwrap_or(""))
            .default_fail(self.flag("default_fail")?);
        filter.filter_body = self.flag("filter_body")?;
        check.rules = check
            .rules
            .manual_resume(self.flag("manual_resume")?)
            .methods(match self.string("methods")?.unwrap_or("") {
                "" => AllowedMethods::Any,
                "POST" => AllowedMethods::PostOnly,
                other => return Err(format!("methods {other:?}: not \"\" or \"POST\"")),
            })
            .filter(filter);
        if let Some(grace) = self.seconds("grace")? {
            check = check.grace(grace);
        }
        let tz = self.string("tz")?.unwrap_or("UTC");
        check = match self.string("schedule")? {
            // Cron or OnCalendar, by healthchecks' rule.
            Some(expression) => check.schedule(
                Schedule::parse(expression, tz)
                    .map_err(|e| format!("schedule {expression:?} in tz {tz:?}: {e}"))?,
            ),
            None => {
                // A zone means nothing to a period; it must still be one.
                Schedule::parse("* * * * *", tz).map_err(|e| format!("tz {tz:?}: {e}"))?;
                match self.seconds("timeout")? {
                    Some(timeout) => check.schedule(Schedule::Period(timeout)),
                    None => check,
                }
            }
        };
        Ok(check.initial_state(self.initial_state(now)?))
    }

    /// The state a check new to the store starts in.
    fn initial_state(&self, now: SystemTime) -> Result<CheckState, String> {
        let status = match self.string("status")?.unwrap_or("new") {
            "new" => Status::New,
            "up" => Status::Up,
            "down" => Status::Down,
            "paused" => Status::Paused,
            other => return Err(format!("status {other:?}: not new, up, down or paused")),
        };
        let mut state = CheckState::with_status(status);
        state.last_ping = self.time("last_ping")?;
        state.last_start = self.time("last_start")?;
        if status == Status::Up && state.last_ping.is_none() {
            // Up as of now: its first ping is due one period from start-up.
            state.last_ping = Some(now);
        }
        Ok(state)
    }

    fn string(&self, key: &str) -> Result<Option<&str>, String> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(format!("{key} {other}: not a string")),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(other) => Err(format!("{key} {other}: not true or false")),
        }
    }

    /// A whole number of seconds, at least one.
    fn seconds(&self, key: &str) -> Result<Option<Duration>, String> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => match value.as_u64() {
                Some(seconds) if seconds >= 1 => Ok(Some(Duration::from_secs(seconds))),
                _ => Err(format!("{key} {value}: not a whole number of seconds >= 1")),
            },
        }
    }

    /// An RFC 3339 time.
    fn time(&self, key: &str) -> Result<Option<SystemTime>, String> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        let time: jiff::Timestamp = text
            .parse()
            .map_err(|e| format!("{key} {text:?}: not an RFC 3339 time: {e}"))?;
        Ok(Some(
            SystemTime::try_from(time).map_err(|e| format!("{key} {text:?}: {e}"))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> String {
        parse(json, SystemTime::UNIX_EPOCH).unwrap_err()
    }

    #[test]
    fn a_bad_value_names_the_check_and_the_key() {
        let bad = error(r#"[{"name": "nightly", "schedule": "61 * * * *"}]"#);
        assert!(
            bad.starts_with(r#"check "nightly": schedule "61 * * * *""#),
            "{bad}"
        );
        let bad = error(r#"[{"name": "n", "tz": "Mars/Olympus"}]"#);
        assert!(bad.starts_with(r#"check "n": tz "Mars/Olympus""#), "{bad}");
        let bad = error(r#"[{"name": "n", "timeout": 0}]"#);
        assert_eq!(
            bad,
            r#"check "n": timeout 0: not a whole number of seconds >= 1"#
        );
        let bad = error(r#"[{"name": "n", "status": "late"}]"#);
        assert!(bad.contains("status \"late\""), "{bad}");
        let bad = error(r#"[{"name": "n", "last_ping": "yesterday"}]"#);
        assert!(bad.contains("last_ping \"yesterday\""), "{bad}");
        let bad = error(r#"[{"name": "n", "graec": 5}]"#);
        assert_eq!(bad, r#"check "n": unknown key "graec""#);
        assert_eq!(
            error(r#"[{"slug": "x"}]"#),
            "check #1: name: a string is required"
        );
    }

    #[test]
    fn a_check_seeded_up_without_a_last_ping_is_up_since_start_up() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let checks = parse(r#"[{"name": "n", "status": "up", "timeout": 60}]"#, now).unwrap();
        assert_eq!(checks[0].initial.last_ping, Some(now));
        assert_eq!(
            checks[0].rules.schedule,
            Schedule::Period(Duration::from_secs(60))
        );
    }
}
