//! The `--checks` file: a JSON array of checks to define at start-up.
//!
//! Every key is checked, and a bad value is an error naming the check and
//! the key, so a typo stops the server instead of defining another check.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use tower_ping::{AllowedMethods, Channels, CheckState, KeywordFilter, NewCheck, Schedule, Status};
use uuid::Uuid;

/// The checks of a `--checks` file, ready to define. `now` is the last ping
/// of a check seeded `up` without one; `channels` are the channels a check
/// may name.
pub fn parse(
    text: &str,
    now: SystemTime,
    channels: &HashMap<String, Uuid>,
) -> Result<Vec<NewCheck>, String> {
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
                channels,
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
    channels: &'a HashMap<String, Uuid>,
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
    "channels",
    "remind_every",
    "down_after_failures",
    "up_after_successes",
    "max_runtime",
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
        check.rules = check
            .rules
            .down_after_failures(self.count("down_after_failures")?.unwrap_or(1))
            .up_after_successes(self.count("up_after_successes")?.unwrap_or(1))
            .max_runtime(self.seconds("max_runtime")?)
            .remind_every(self.seconds("remind_every")?);
        if let Some(channels) = self.channels()? {
            check = check.channels(channels);
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

    /// A whole number from 1.
    fn count(&self, key: &str) -> Result<Option<u32>, String> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n >= 1 => Ok(Some(n)),
                _ => Err(format!("{key} {value}: not a whole number >= 1")),
            },
        }
    }

    /// `"*"` (every channel, the default), or an array of channel names
    /// (`[]` for none), each one the server was given.
    fn channels(&self) -> Result<Option<Channels>, String> {
        let names = match self.fields.get("channels") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(all)) if all == "*" => return Ok(Some(Channels::All)),
            Some(Value::Array(names)) => names,
            Some(other) => {
                return Err(format!(
                    "channels {other}: not \"*\" nor an array of channel names"
                ))
            }
        };
        let ids = names
            .iter()
            .map(|name| {
                let name = name
                    .as_str()
                    .ok_or_else(|| format!("channels: {name} is not a channel name"))?;
                self.channels.get(name).copied().ok_or_else(|| {
                    format!("channels: no channel {name:?} (give it with --channel {name}=URL)")
                })
            })
            .collect::<Result<Vec<Uuid>, String>>()?;
        Ok(Some(Channels::only(ids)))
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
        parse(json, SystemTime::UNIX_EPOCH, &HashMap::new()).unwrap_err()
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
        let checks = parse(
            r#"[{"name": "n", "status": "up", "timeout": 60}]"#,
            now,
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(checks[0].initial.last_ping, Some(now));
        assert_eq!(
            checks[0].rules.schedule,
            Schedule::Period(Duration::from_secs(60))
        );
    }

    #[test]
    fn alert_policy_keys_and_channels_by_name() {
        let ops = Uuid::new_v4();
        let channels = HashMap::from([("ops".to_owned(), ops)]);
        let json = r#"[{"name": "n", "channels": ["ops"], "remind_every": 600,
            "down_after_failures": 3, "up_after_successes": 2, "max_runtime": 90}]"#;
        let check = &parse(json, SystemTime::UNIX_EPOCH, &channels).unwrap()[0];
        assert_eq!(check.channels, Channels::only([ops]));
        assert_eq!(check.rules.remind_every, Some(Duration::from_secs(600)));
        assert_eq!(
            (
                check.rules.down_after_failures,
                check.rules.up_after_successes
            ),
            (3, 2)
        );
        assert_eq!(check.rules.max_runtime, Some(Duration::from_secs(90)));
        let none = parse(
            r#"[{"name": "n", "channels": []}]"#,
            SystemTime::UNIX_EPOCH,
            &channels,
        );
        assert_eq!(none.unwrap()[0].channels, Channels::none());
        let unknown = parse(
            r#"[{"name": "n", "channels": ["pager"]}]"#,
            SystemTime::UNIX_EPOCH,
            &channels,
        );
        assert!(unknown.unwrap_err().contains("no channel \"pager\""));
        assert!(error(r#"[{"name": "n", "down_after_failures": 0}]"#)
            .contains("not a whole number >= 1"));
    }
}
