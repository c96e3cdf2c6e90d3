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

    /// The prefix without a trailing slash: empty for the root, so that a
    /// URL is the prefix, `/` and what follows.
    #[cfg(feature = "api")]
    pub(crate) fn trimmed(&self) -> &str {
        &self.trimmed
    }

    /// The prefix as mounted, `/` for the root.
    pub fn as_str(&self) -> &str {
        if self.trimmed.is_empty() {
            "/"
        } else {
            &self.trimmed
        }
    }

    /// Whether the byte after where the prefix would end is the `/` that
    /// must follow it: a check of one byte that turns most of an app's paths
    /// away before the prefix is compared.
    #[inline]
    fn may_hold(&self, path: &str) -> bool {
        path.as_bytes().get(self.trimmed.len()) == Some(&b'/')
    }

    /// The rest of `path` after the prefix and its `/`, if `path` lies
    /// under it.
    fn strip<'p>(&self, path: &'p str) -> Option<&'p str> {
        if !self.may_hold(path) {
            return None;
        }
        let (head, rest) = path.split_at(self.trimmed.len());
        (head.as_bytes() == self.trimmed.as_bytes()).then(|| &rest[1..])
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
#[inline]
pub fn classify<'a>(prefix: &Prefix, path: &'a str) -> Route<'a> {
    // Inlined into the caller, so that a path of the app costs a
    // comparison of one byte and no call.
    if !prefix.may_hold(path) {
        return Route::Pass;
    }
    classify_under(prefix, path)
}

fn classify_under<'a>(prefix: &Prefix, path: &'a str) -> Route<'a> {
    let Some(rest) = prefix.strip(path) else {
        return Route::Pass;
    };
    // At most three segments follow: `<uuid>[/[<signal>]]` or
    // `<ping-key>/<slug>[/<signal>]`, read byte by byte in one pass.
    let uuid_form = rest
        .as_bytes()
        .get(..36)
        .filter(|_| matches!(rest.as_bytes().get(36), None | Some(b'/')))
        .and_then(parse_canonical_bytes);
    let (ping_key, after_key) = match uuid_form {
        Some(uuid) => {
            let tail = rest.get(37..);
            match tail {
                None | Some("") => return ping(Target::Uuid(uuid), Signal::Success),
                Some(word) => {
                    if let Some(signal) = parse_signal(word) {
                        return signal.map_or(Route::Invalid, |s| ping(Target::Uuid(uuid), s));
                    }
                }
            }
            // Otherwise the UUID is read as a ping key, as healthchecks does.
            (&rest[..36], tail)
        }
        None => match split_segment(rest) {
            // One segment that is no UUID is no ping, whatever its bytes.
            (ping_key, Some(after)) if key_class(ping_key).is_some() => (ping_key, Some(after)),
            _ => return Route::Pass,
        },
    };
    let Some((slug, word)) = after_key.map(split_segment) else {
        return Route::Pass;
    };
    let Some(upper_case) = key_class(slug) else {
        return Route::Pass;
    };
    let signal = match word {
        None => Some(Signal::Success),
        // A word holding a '/' (a fourth segment) is no signal either.
        Some(word) => match parse_signal(word) {
            Some(signal) => signal,
            None => return Route::Pass,
        },
    };
    match signal {
        Some(signal) if !upper_case => ping(Target::Slug { ping_key, slug }, signal),
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

/// For each byte: 0 outside `[-a-zA-Z0-9_]`, the alphabet of ping keys and
/// slugs; `KEY` inside it, `KEY | UPPER` for an upper-case letter.
static KEY_BYTES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            table[b] = if byte.is_ascii_uppercase() {
                KEY | UPPER
            } else {
                KEY
            };
        }
        b += 1;
    }
    table
};
const KEY: u8 = 1;
const UPPER: u8 = 2;

/// Splits `text` at its first `/`: the segment before it, and what follows
/// it if there is one.
fn split_segment(text: &str) -> (&str, Option<&str>) {
    match text.find('/') {
        Some(slash) => (&text[..slash], Some(&text[slash + 1..])),
        None => (text, None),
    }
}

/// Whether `segment` is one or more of `[-a-zA-Z0-9_]`, and if so whether it
/// holds an upper-case letter.
fn key_class(segment: &str) -> Option<bool> {
    let mut seen = 0;
    for &b in segment.as_bytes() {
        let class = KEY_BYTES[usize::from(b)];
        if class == 0 {
            return None;
        }
        seen |= class;
    }
    (seen != 0).then_some(seen & UPPER != 0)
}

/// The value of each lower-case hex digit; `0xFF` for every other byte.
static HEX_DIGITS: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            digit @ b'0'..=b'9' => digit - b'0',
            letter @ b'a'..=b'f' => letter - b'a' + 10,
            _ => 0xFF,
        };
        b += 1;
    }
    table
};

/// Parses a canonical UUID: lower-case, hyphenated 8-4-4-4-12 hex, nothing
/// else. By table, as the layer runs it on every path under the prefix.
fn parse_canonical_bytes(text: &[u8]) -> Option<Uuid> {
    // Where each of the 16 bytes' two hex digits start, around the hyphens.
    const DIGITS_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let text: &[u8; 36] = text.try_into().ok()?;
    if text[8] != b'-' || text[13] != b'-' || text[18] != b'-' || text[23] != b'-' {
        return None;
    }
    let mut bytes = [0; 16];
    let mut invalid = 0;
    for (byte, &at) in bytes.iter_mut().zip(&DIGITS_AT) {
        let (high, low) = (
            HEX_DIGITS[usize::from(text[at])],
            HEX_DIGITS[usize::from(text[at + 1])],
        );
        // A non-digit sets the high bits, checked once at the end.
        invalid |= high | low;
        *byte = (high << 4) | low;
    }
    (invalid & 0xF0 == 0).then(|| Uuid::from_bytes(bytes))
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
