//! [`DefineError`]: why a store refused to define a check.

use std::fmt;

/// Why a store refused to define a check.
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
        }
    }
}

impl std::error::Error for DefineError {}
