//! [`DefineError`]: why a store refused to define a check or a project,
//! and the rules on names, slugs and keys every store applies.

use std::fmt;

/// The most characters of a name, a slug or a key (healthchecks' limit).
pub(crate) const MAX_NAME: usize = 100;

/// Whether `key` (a ping key or badge key) can be carried by a ping or badge
/// URL: one or more of `[-a-zA-Z0-9_]`, at most 100.
pub(crate) fn check_key(key: &str, what: &'static str) -> Result<(), DefineError> {
    let fits = !key.is_empty()
        && key.len() <= MAX_NAME
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        Ok(())
    } else {
        Err(DefineError::InvalidKey {
            what,
            key: key.to_owned(),
        })
    }
}

/// Whether `slug` can be pinged: one or more of `[-a-z0-9_]`, at most 100.
pub(crate) fn check_slug(slug: &str, name: &str) -> Result<(), DefineError> {
    if slug.is_empty() {
        return Err(DefineError::EmptySlug {
            name: name.to_owned(),
        });
    }
    let fits = slug.len() <= MAX_NAME
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if fits {
        Ok(())
    } else {
        Err(DefineError::InvalidSlug {
            slug: slug.to_owned(),
        })
    }
}

/// Why a store refused to define a check or a project.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefineError {
    /// The period of a period schedule is zero.
    ZeroTimeout,
    /// The grace time is zero.
    ZeroGrace,
    /// The check has no UUID, and several checks of its project share its
    /// slug: which one it names is not known. Give it the UUID of the one
    /// it is.
    AmbiguousSlug {
        /// The project's ping key, if any.
        ping_key: Option<String>,
        /// The shared slug.
        slug: String,
    },
    /// The name is longer than 100 characters.
    NameTooLong {
        /// The name.
        name: String,
    },
    /// A ping key or badge key has a character no URL of the API carries,
    /// is empty, or is longer than 100 characters.
    InvalidKey {
        /// Which key: `ping key` or `badge key`.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// The slug has a character other than `[-a-z0-9_]`, or is longer than
    /// 100 characters: no ping can reach it.
    InvalidSlug {
        /// The slug.
        slug: String,
    },
    /// The check has no slug (its name gives none, as `"!!!"`): set one, or
    /// define it without a ping key.
    EmptySlug {
        /// The check's name.
        name: String,
    },
    /// Two definitions of one set would share a slug under one ping key.
    DuplicateSlug {
        /// The ping key.
        ping_key: String,
        /// The slug.
        slug: String,
        /// The first definition's name.
        first: String,
        /// The second definition's name.
        second: String,
    },
    /// Another project has this ping key.
    PingKeyTaken {
        /// The ping key.
        ping_key: String,
    },
    /// Another project has this badge key.
    BadgeKeyTaken {
        /// The badge key.
        badge_key: String,
    },
    /// The read-write and read-only API keys are the same key.
    SameKeys,
}

impl fmt::Display for DefineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefineError::ZeroTimeout => f.write_str("timeout must be longer than zero"),
            DefineError::ZeroGrace => f.write_str("grace must be longer than zero"),
            DefineError::AmbiguousSlug { ping_key, slug } => {
                write!(f, "several checks have slug {slug:?}")?;
                if let Some(key) = ping_key {
                    write!(f, " under ping key {key:?}")?;
                }
                f.write_str("; give the check's uuid to say which")
            }
            DefineError::NameTooLong { name } => write!(
                f,
                "name {name:?} is longer than {MAX_NAME} characters"
            ),
            DefineError::InvalidKey { what, key } if key.is_empty() => {
                write!(f, "{what} is empty")
            }
            DefineError::InvalidKey { what, key } if key.len() > MAX_NAME => {
                write!(f, "{what} {key:?} is longer than {MAX_NAME} characters")
            }
            DefineError::InvalidKey { what, key } => write!(
                f,
                "{what} {key:?} may hold only letters, digits, '-' and '_' (no URL carries it)"
            ),
            DefineError::InvalidSlug { slug } if slug.len() > MAX_NAME => {
                write!(f, "slug {slug:?} is longer than {MAX_NAME} characters")
            }
            DefineError::InvalidSlug { slug } => write!(
                f,
                "slug {slug:?} may hold only lower-case letters, digits, '-' and '_' \
                 (no ping reaches it)"
            ),
            DefineError::EmptySlug { name } => write!(
                f,
                "check {name:?} has no slug (its name gives none): set one, or leave out its ping key"
            ),
            DefineError::DuplicateSlug {
                ping_key,
                slug,
                first,
                second,
            } => write!(
                f,
                "checks {first:?} and {second:?} would share slug {slug:?} under ping key \
                 {ping_key:?}"
            ),
            DefineError::PingKeyTaken { ping_key } => {
                write!(f, "ping key {ping_key:?} is another project's")
            }
            DefineError::BadgeKeyTaken { badge_key } => {
                write!(f, "badge key {badge_key:?} is another project's")
            }
            DefineError::SameKeys => {
                f.write_str("the read-write and read-only API keys are the same key")
            }
        }
    }
}

impl std::error::Error for DefineError {}
