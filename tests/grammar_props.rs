//! Property tests of the path grammar against an independent reference: two
//! regular expressions written straight from SPEC.md section 1, judged on
//! generated paths near the grammar.

use std::sync::LazyLock;

use proptest::prelude::*;
use regex::Regex;
use tower_ping::{classify, PingPath, PingQuery, Prefix, Route, Signal, Target};
use uuid::Uuid;

const UUID: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const WORD: &str = "[-a-zA-Z0-9_]+";
const SIGNAL: &str = "start|fail|log|[0-9]+";

/// `/<uuid>`, `/<uuid>/`, `/<uuid>/<signal>`.
static UUID_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^/(?P<uuid>{UUID})(?:/|/(?P<signal>{SIGNAL}))?$")).unwrap()
});
/// `/<ping-key>/<slug>`, `/<ping-key>/<slug>/<signal>`.
static SLUG_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^/(?P<key>{WORD})/(?P<slug>{WORD})(?:/(?P<signal>{SIGNAL}))?$"
    ))
    .unwrap()
});

/// What the SPEC says of a path, owning its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    Pass,
    Invalid,
    Uuid(Uuid, Signal),
    Slug(String, String, Signal),
}

/// The signal a captured segment spells; `None` for an exit status over 255.
fn signal(word: Option<&str>) -> Option<Signal> {
    Some(match word {
        None => Signal::Success,
        Some("start") => Signal::Start,
        Some("fail") => Signal::Fail,
        Some("log") => Signal::Log,
        Some(digits) => {
            let significant = digits.trim_start_matches('0');
            if significant.len() > 3 {
                return None;
            }
            Signal::Exit(u8::try_from(significant.parse::<u32>().unwrap_or(0)).ok()?)
        }
    })
}

/// The reference reading of `path` under a prefix written as `mount`.
fn reference(mount: &str, path: &str) -> Expected {
    let Some(rest) = path.strip_prefix(mount.trim_end_matches('/')) else {
        return Expected::Pass;
    };
    if let Some(captures) = UUID_FORM.captures(rest) {
        let uuid = captures["uuid"].parse().unwrap();
        return match signal(captures.name("signal").map(|m| m.as_str())) {
            Some(signal) => Expected::Uuid(uuid, signal),
            None => Expected::Invalid,
        };
    }
    if let Some(captures) = SLUG_FORM.captures(rest) {
        let slug = &captures["slug"];
        return match signal(captures.name("signal").map(|m| m.as_str())) {
            Some(signal) if !slug.chars().any(|c| c.is_ascii_uppercase()) => {
                Expected::Slug(captures["key"].to_owned(), slug.to_owned(), signal)
            }
            _ => Expected::Invalid,
        };
    }
    Expected::Pass
}

fn observed(route: Route<'_>) -> Expected {
    match route {
        Route::Pass => Expected::Pass,
        Route::Invalid => Expected::Invalid,
        Route::Ping(PingPath {
            target: Target::Uuid(uuid),
            signal,
        }) => Expected::Uuid(uuid, signal),
        Route::Ping(PingPath {
            target: Target::Slug { ping_key, slug },
            signal,
        }) => Expected::Slug(ping_key.to_owned(), slug.to_owned(), signal),
    }
}

fn uuid_text() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| Uuid::from_u128(n).hyphenated().to_string())
}

/// One path segment near the grammar: valid, one character off, another
/// case, empty, long, percent-encoded, non-ASCII.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => uuid_text(),
        1 => uuid_text().prop_map(|u| u.to_uppercase()),
        1 => uuid_text().prop_map(|u| u.replace('-', "")),
        1 => uuid_text().prop_map(|u| format!("{{{u}}}")),
        2 => (uuid_text(), 0..36usize, "[g-zG-Z%é/._~ -]").prop_map(|(u, i, c)| {
            let mut chars: Vec<char> = u.chars().collect();
            chars[i] = c.chars().next().unwrap();
            chars.into_iter().collect()
        }),
        3 => "[-a-zA-Z0-9_]{1,12}",
        1 => "[-a-z0-9_]{200,400}",
        2 => prop_oneof![Just("start"), Just("fail"), Just("log")].prop_map(str::to_owned),
        1 => prop_oneof![Just("Start"), Just("FAIL"), Just("Log"), Just("sTaRt")].prop_map(str::to_owned),
        2 => "[0-9]{1,4}",
        1 => "0{1,30}[0-9]{0,4}",
        1 => prop_oneof![Just("-1"), Just("+1"), Just("1.5"), Just("0x1"), Just("1e2")].prop_map(str::to_owned),
        1 => Just(String::new()),
        1 => "[a-z]{0,4}%[0-9A-Fa-f]{2}[a-z]{0,4}",
        1 => "[a-z]{0,3}%[a-z%]{0,3}",
        1 => "[a-zé日ßÅ]{1,6}",
        1 => prop_oneof![Just(".."), Just("."), Just(";x"), Just("a;b")].prop_map(str::to_owned),
    ]
}

/// Where the mount is, and what a path puts in front of its segments.
fn mount() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("/ping"), Just("/"), Just("/hc/ping/")]
}

fn path_head() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just("/ping"),
        2 => Just(""),
        2 => Just("/hc/ping"),
        1 => Just("/Ping"),
        1 => Just("/pingx"),
        1 => Just("/ping/"),
        1 => Just("/x/ping"),
    ]
}

fn near_path() -> impl Strategy<Value = String> {
    (
        path_head(),
        prop::collection::vec(segment(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(head, segments, trailing)| {
            let mut path = format!("{head}/{}", segments.join("/"));
            if trailing {
                path.push('/');
            }
            path
        })
}

/// A near path with one more edit: a character inserted, removed or replaced.
fn edited_path() -> impl Strategy<Value = String> {
    (
        near_path(),
        any::<prop::sample::Index>(),
        0..3u8,
        "[-/a-zA-Z0-9_%.é\u{0}]",
    )
        .prop_map(|(path, at, edit, c)| {
            let mut chars: Vec<char> = path.chars().collect();
            let i = at.index(chars.len() + 1);
            let c = c.chars().next().unwrap();
            match edit {
                0 => chars.insert(i, c),
                1 if i < chars.len() => drop(chars.remove(i)),
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
            chars.into_iter().collect()
        })
}

fn signal_strategy() -> impl Strategy<Value = Signal> {
    prop_oneof![
        Just(Signal::Success),
        Just(Signal::Start),
        Just(Signal::Fail),
        Just(Signal::Log),
        any::<u8>().prop_map(Signal::Exit),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn grammar_agrees_with_the_spec_regexes(mount in mount(), path in prop_oneof![near_path(), edited_path()]) {
        let prefix = Prefix::new(mount).unwrap();
        prop_assert_eq!(observed(classify(&prefix, &path)), reference(mount, &path), "path {:?}", path);
    }

    #[test]
    fn grammar_agrees_with_the_spec_regexes_on_any_text(mount in mount(), path in "/[-/a-zA-Z0-9_%.é]{0,80}") {
        let prefix = Prefix::new(mount).unwrap();
        prop_assert_eq!(observed(classify(&prefix, &path)), reference(mount, &path), "path {:?}", path);
    }

    #[test]
    fn a_formatted_target_parses_back_to_itself(
        mount in mount(),
        uuid in any::<u128>(),
        by_slug in any::<bool>(),
        key in prop_oneof!["[-a-zA-Z0-9_]{1,30}", uuid_text()],
        slug in prop_oneof!["[-a-z0-9_]{1,30}", Just("start".to_owned()), Just("7".to_owned())],
        signal in signal_strategy(),
    ) {
        let target = if by_slug {
            Target::Slug { ping_key: &key, slug: &slug }
        } else {
            Target::Uuid(Uuid::from_u128(uuid))
        };
        // `/<uuid>/start` is the UUID form by the SPEC: a slug-form target
        // with a UUID key and a signal-word slug cannot be written at all.
        let unwritable = by_slug
            && signal == Signal::Success
            && key.parse::<Uuid>().is_ok_and(|u| u.hyphenated().to_string() == key)
            && (slug == "start" || slug.bytes().all(|b| b.is_ascii_digit()));
        prop_assume!(!unwritable);
        let ping = PingPath { target, signal };
        let prefix = Prefix::new(mount).unwrap();
        let path = format!("{}{ping}", mount.trim_end_matches('/'));
        prop_assert_eq!(classify(&prefix, &path), Route::Ping(ping));
    }

    #[test]
    fn a_run_id_in_any_case_reads_back_as_itself(
        rid in any::<u128>(),
        case in prop::collection::vec(any::<bool>(), 36),
        noise in "[a-z]{1,8}=[a-z0-9%]{0,8}",
    ) {
        prop_assume!(!noise.starts_with("rid="));
        let rid = Uuid::from_u128(rid);
        let text: String = rid
            .hyphenated()
            .to_string()
            .chars()
            .zip(case)
            .map(|(c, upper)| if upper { c.to_ascii_uppercase() } else { c })
            .collect();
        let query = PingQuery::parse(Some(&format!("{noise}&rid={text}&{noise}"))).unwrap();
        prop_assert_eq!(query.rid, Some(rid));
    }
}
