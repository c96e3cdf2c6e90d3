//! The paths `benches/path_matching.rs` times, and the two matchers it times
//! `classify` against: the routes a user would otherwise write with matchit
//! (axum's router) or with one regex, each followed by the checks that make
//! its answer the same [`Route`] as `classify`'s.
//!
//! Shared with `tests/matchers_agree.rs`, which holds all three to the same
//! answers on every input the benchmark uses.

use matchit::Router;
use regex::Regex;
use tower_ping::{PingPath, Route, Signal, Target};
use uuid::Uuid;

/// One input of each shape, under the default prefix `/ping`, named as in
/// the benchmark ids `classify/<matcher>/<shape>`.
pub const SHAPES: &[(&str, &str)] = &[
    ("uuid", "/ping/5ca1ab1e-0000-4000-8000-00000000c0de"),
    (
        "uuid-start",
        "/ping/5ca1ab1e-0000-4000-8000-00000000c0de/start",
    ),
    ("uuid-255", "/ping/5ca1ab1e-0000-4000-8000-00000000c0de/255"),
    ("slug", "/ping/fqOOd6-F4MMNuCEnzTU01w/db-backup"),
    ("slug-fail", "/ping/fqOOd6-F4MMNuCEnzTU01w/db-backup/fail"),
    ("near-miss", "/ping/5CA1AB1E-0000-4000-8000-00000000C0DE"),
    ("app-path", "/api/users/42/settings"),
];

/// The routes of the grammar as matchit routes, by the number of segments.
#[derive(Debug, Clone, Copy)]
pub enum Form {
    One,
    OneSlash,
    Two,
    Three,
}

/// The matchit router for the prefix `/ping`.
pub fn matchit_router() -> Router<Form> {
    let mut router = Router::new();
    router.insert("/ping/{first}", Form::One).unwrap();
    router.insert("/ping/{first}/", Form::OneSlash).unwrap();
    router.insert("/ping/{first}/{second}", Form::Two).unwrap();
    router
        .insert("/ping/{first}/{second}/{third}", Form::Three)
        .unwrap();
    router
}

/// matchit, then the validation a handler would do on its parameters.
pub fn classify_matchit<'p>(router: &Router<Form>, path: &'p str) -> Route<'p> {
    let Ok(found) = router.at(path) else {
        return Route::Pass;
    };
    let params = &found.params;
    let first = params.get("first").unwrap_or_default();
    match found.value {
        Form::One | Form::OneSlash => match canonical_uuid(first) {
            Some(uuid) => ping(Target::Uuid(uuid), Signal::Success),
            None => Route::Pass,
        },
        Form::Two => {
            let second = params.get("second").unwrap_or_default();
            if let (Some(uuid), Some(signal)) = (canonical_uuid(first), signal(second)) {
                return signal.map_or(Route::Invalid, |s| ping(Target::Uuid(uuid), s));
            }
            slug_ping(first, second, Some(Signal::Success))
        }
        Form::Three => {
            let second = params.get("second").unwrap_or_default();
            match signal(params.get("third").unwrap_or_default()) {
                Some(signal) => slug_ping(first, second, signal),
                None => Route::Pass,
            }
        }
    }
}

/// The healthchecks URL patterns as one anchored regex.
pub fn ping_regex() -> Regex {
    const HEX: &str = "[0-9a-f]";
    const SIGNAL: &str = "start|fail|log|[0-9]+";
    const KEY: &str = "[-a-zA-Z0-9_]+";
    let uuid = format!("{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}");
    Regex::new(&format!(
        "^/ping/(?:(?P<uuid>{uuid})(?:/(?P<usignal>{SIGNAL})?)?\
         |(?P<key>{KEY})/(?P<slug>{KEY})(?:/(?P<ssignal>{SIGNAL}))?)$"
    ))
    .unwrap()
}

/// The regex, then the validation its captures still need.
pub fn classify_regex<'p>(regex: &Regex, path: &'p str) -> Route<'p> {
    let Some(captures) = regex.captures(path) else {
        return Route::Pass;
    };
    if let Some(uuid) = captures.name("uuid") {
        let uuid = Uuid::try_parse(uuid.as_str()).expect("the regex admits only UUIDs");
        return match captures.name("usignal").map(|word| signal(word.as_str())) {
            None => ping(Target::Uuid(uuid), Signal::Success),
            Some(Some(Some(signal))) => ping(Target::Uuid(uuid), signal),
            Some(_) => Route::Invalid,
        };
    }
    let key = captures.name("key").map_or("", |m| m.as_str());
    let slug = captures.name("slug").map_or("", |m| m.as_str());
    match captures.name("ssignal") {
        None => slug_ping(key, slug, Some(Signal::Success)),
        Some(word) => slug_ping(
            key,
            slug,
            signal(word.as_str()).expect("the regex admits only signals"),
        ),
    }
}

fn ping(target: Target<'_>, signal: Signal) -> Route<'_> {
    Route::Ping(PingPath { target, signal })
}

/// A slug-form ping once its signal is read: `signal` is `None` for an exit
/// status over 255.
fn slug_ping<'p>(ping_key: &'p str, slug: &'p str, signal: Option<Signal>) -> Route<'p> {
    if !is_key_or_slug(ping_key) || !is_key_or_slug(slug) {
        return Route::Pass;
    }
    match signal {
        Some(signal) if !slug.bytes().any(|b| b.is_ascii_uppercase()) => {
            ping(Target::Slug { ping_key, slug }, signal)
        }
        _ => Route::Invalid,
    }
}

/// `None` when `word` is no signal, `Some(None)` for an exit status over 255.
fn signal(word: &str) -> Option<Option<Signal>> {
    match word {
        "start" => Some(Some(Signal::Start)),
        "fail" => Some(Some(Signal::Fail)),
        "log" => Some(Some(Signal::Log)),
        // All digits, so `parse` can only fail by overflowing.
        _ if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) => {
            Some(word.parse::<u8>().ok().map(Signal::Exit))
        }
        _ => None,
    }
}

fn is_key_or_slug(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The uuid crate's parser, kept to the canonical form: 36 characters is the
/// hyphenated form, and no upper case.
fn canonical_uuid(text: &str) -> Option<Uuid> {
    if text.len() != 36 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Uuid::try_parse(text).ok()
}
