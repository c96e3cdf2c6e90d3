//! The ping path grammar: which paths are pings, and what they say.
//!
//! [`classify`] is a pure function over `&str` that allocates nothing. The
//! layer calls it on every request, so it is also what decides, in a few
//! nanoseconds, that an ordinary request is none of our business.

use std::fmt;

use uuid::Uuid;

/// What a ping path asks for, from its last segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// The bare form: `/<uuid>` or `/<ping-key>/<slug>`.
    Success,
    /// `/start`: a run began.
    Start,
    /// `/fail`: a run failed.
    Fail,
    /// `/log`: a message to record that changes no state.
    Log,
    /// `/<exit-status>`: `0` is a success, `1..=255` a failure.
    Exit(u8),
}

impl Signal {
    /// The path segment that spells this signal, or `None` for [`Signal::Success`],
    /// which has none. Exit statuses are spelled by [`fmt::Display`].
    ///
    /// ```
    /// use tower_ping::Signal;
    /// assert_eq!(Signal::Start.word(), Some("start"));
    /// assert_eq!(Signal::Success.word(), None);
    /// ```
    pub fn word(self) -> Option<&'static str> {
        match self {
            Signal::Success | Signal::Exit(_) => None,
            Signal::Start => Some("start"),
            Signal::Fail => Some("fail"),
            Signal::Log => Some("log"),
        }
    }

    /// The exit status the ping reported, if it was an exit-status ping.
    pub fn exit_status(self) -> Option<u8> {
        match self {
            Signal::Exit(code) => Some(code),
            _ => None,
        }
    }
}

/// Which check a ping is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target<'a> {
    /// The check's own UUID.
    Uuid(Uuid),
    /// A project's ping key and the check's slug within the project.
    Slug {
        /// The project's ping key, as written in the path.
        ping_key: &'a str,
        /// The check's slug: only `[-a-z0-9_]`, never upper case.
        slug: &'a str,
    },
}

/// A path that is a well-formed ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PingPath<'a> {
    /// The check the ping is for.
    pub target: Target<'a>,
    /// What the ping says.
    pub signal: Signal,
}

/// Writes the path under the prefix, starting with `/`; [`classify`] parses
/// it back to the same value.
///
/// ```
/// use tower_ping::{classify, Prefix, Route, Signal, Target, PingPath};
///
/// let ping = PingPath { target: Target::Slug { ping_key: "key", slug: "backup" }, signal: Signal::Exit(3) };
/// assert_eq!(ping.to_string(), "/key/backup/3");
/// assert_eq!(classify(&Prefix::root(), &ping.to_string()), Route::Ping(ping));
/// ```
impl fmt::Display for PingPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            Target::Uuid(uuid) => write!(f, "/{}", uuid.hyphenated())?,
            Target::Slug { ping_key, slug } => write!(f, "/{ping_key}/{slug}")?,
        }
        match self.signal {
            Signal::Success => Ok(()),
            Signal::Exit(code) => write!(f, "/{code}"),
            other => write!(f, "/{}", other.word().unwrap_or_default()),
        }
    }
}

/// What [`classify`] makes of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route<'a> {
    /// Not a ping: the request belongs to the inner service.
    Pass,
    /// Shaped like a ping but not a valid one (an exit status over 255, or a
    /// slug with upper-case letters): answered `400 invalid url format`.
    Invalid,
    /// A well-formed ping.
    Ping(PingPath<'a>),
}

/// Where the ping paths are mounted: `/ping` by default, `/` for a host that
/// serves nothing but pings.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Prefix {
    // Kept without its trailing slash, so the root is "" and a path under the
    // prefix always continues with '/'.
    trimmed: std::sync::Arc<str>,
}

impl Prefix {
    /// A prefix from a path such as `/ping` or `/hc/ping/`.
    ///
    /// A trailing slash is ignored; a prefix must start with `/` and may not
    /// contain `?`, `#`, `%` or an empty segment.
    ///
    /// ```
    /// use tower_ping::Prefix;
    /// assert_eq!(Prefix::new("/ping/").unwrap().as_str(), "/ping");
    /// assert!(Prefix::new("ping").is_err());
    /// ```
    pub fn new(prefix: &str) -> Result<Self, InvalidPrefix> {
        let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
        let valid = prefix.starts_with('/')
            && !trimmed.contains("//")
            && !trimmed.contains(['?', '#', '%'])
            && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Self {
                trimmed: trimmed.into(),
            })
        } else {
            Err(InvalidPrefix)
        }
    }

    /// The root prefix: every path of the grammar directly under `/` is a ping.
    pub fn root() -> Self {
        Self { trimmed: "".into() }
    }

    /// The prefix as mounted, `/` for the root.
    pub fn as_str(&self) -> &str {
        if self.trimmed.is_empty() {
            "/"
        } else {
            &self.trimmed
        }
    }

    /// The rest of `path` after the prefix, starting with `/`, if `path` lies
    /// under it.
    fn strip<'p>(&self, path: &'p str) -> Option<&'p str> {
        let rest = path.strip_prefix(&*self.trimmed)?;
        rest.starts_with('/').then_some(rest)
    }
}

impl Default for Prefix {
    /// `/ping`, as on a self-hosted healthchecks.
    fn default() -> Self {
        Self {
            trimmed: "/ping".into(),
        }
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Prefix").field(&self.as_str()).finish()
    }
}

/// The error for a mount prefix that [`Prefix::new`] does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPrefix;

impl fmt::Display for InvalidPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ping prefix must start with '/' and hold no '?', '#', '%', '//' or spaces")
    }
}

impl std::error::Error for InvalidPrefix {}

/// Classifies a request path (without its query) against the ping grammar
/// mounted at `prefix`.
///
/// ```
/// use tower_ping::{classify, Prefix, Route, Signal, Target};
///
/// let prefix = Prefix::default(); // "/ping"
/// let Route::Ping(ping) = classify(&prefix, "/ping/5ca1ab1e-0000-4000-8000-00000000c0de/start") else {
///     panic!("a ping");
/// };
/// assert_eq!(ping.signal, Signal::Start);
/// assert!(matches!(ping.target, Target::Uuid(_)));
///
/// assert_eq!(classify(&prefix, "/ping/my-key/backup/256"), Route::Invalid);
/// assert_eq!(classify(&prefix, "/api/users/42"), Route::Pass);
/// ```
pub fn classify<'a>(prefix: &Prefix, path: &'a str) -> Route<'a> {
    let Some(rest) = prefix.strip(path) else {
        return Route::Pass;
    };
    // `rest` starts with '/': split what follows into at most three segments.
    let mut segments = rest[1..].splitn(4, '/');
    let first = segments.next().unwrap_or_default();
    let second = segments.next();
    let third = segments.next();
    if segments.next().is_some() {
        return Route::Pass;
    }

    if let Some(uuid) = parse_canonical_uuid(first) {
        match (second, third) {
            (None, _) | (Some(""), None) => return ping(Target::Uuid(uuid), Signal::Success),
            (Some(word), None) => {
                if let Some(signal) = parse_signal(word) {
                    return signal.map_or(Route::Invalid, |s| ping(Target::Uuid(uuid), s));
                }
            }
            (Some(_), Some(_)) => {}
        }
        // Otherwise the UUID is read as a ping key, as healthchecks does.
    }

    if !is_key_or_slug(first) {
        return Route::Pass;
    }
    let Some(slug) = second.filter(|s| is_key_or_slug(s)) else {
        return Route::Pass;
    };
    let signal = match third {
        None => Some(Signal::Success),
        Some(word) => match parse_signal(word) {
            Some(signal) => signal,
            None => return Route::Pass,
        },
    };
    match signal {
        Some(signal) if !slug.bytes().any(|b| b.is_ascii_uppercase()) => ping(
            Target::Slug {
                ping_key: first,
                slug,
            },
            signal,
        ),
        _ => Route::Invalid,
    }
}

fn ping(target: Target<'_>, signal: Signal) -> Route<'_> {
    Route::Ping(PingPath { target, signal })
}

/// Reads the last segment of a ping: `None` when it is no signal at all (the
/// path is not a ping), `Some(None)` for an exit status over 255 (the path is
/// an invalid ping).
fn parse_signal(word: &str) -> Option<Option<Signal>> {
    match word {
        "start" => Some(Some(Signal::Start)),
        "fail" => Some(Some(Signal::Fail)),
        "log" => Some(Some(Signal::Log)),
        _ if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) => {
            // Leading zeros are fine, so the value is accumulated and capped
            // rather than judged by the segment's length.
            let mut value: u32 = 0;
            for digit in word.bytes() {
                value = (value * 10 + u32::from(digit - b'0')).min(256);
            }
            Some(u8::try_from(value).ok().map(Signal::Exit))
        }
        _ => None,
    }
}

/// One or more of `[-a-zA-Z0-9_]`: the alphabet of ping keys and slugs.
fn is_key_or_slug(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses a canonical UUID: lower-case, hyphenated 8-4-4-4-12 hex, nothing else.
pub(crate) fn parse_canonical_uuid(text: &str) -> Option<Uuid> {
    parse_hyphenated(text.as_bytes(), false)
}

/// Parses a hyphenated UUID, in either case when `any_case` is set.
pub(crate) fn parse_hyphenated(text: &[u8], any_case: bool) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, &b) in text.iter().enumerate() {
        let nibble = match b {
            b'-' if matches!(i, 8 | 13 | 18 | 23) => continue,
            _ if matches!(i, 8 | 13 | 18 | 23) => return None,
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' if any_case => b - b'A' + 10,
            _ => return None,
        };
        value = (value << 4) | u128::from(nibble);
    }
    Some(Uuid::from_u128(value))
}
