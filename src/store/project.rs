//! [`Project`]: a set of checks under one ping key, with the keys that let
//! tools manage them.

use std::fmt;

use uuid::Uuid;

/// How many checks a project may have unless the store is set otherwise:
/// healthchecks' default. Past it, `?create=1` pings and the Management API
/// create no check; checks defined in code are never refused for it, but
/// count.
pub const DEFAULT_CHECK_LIMIT: usize = 10_000;

/// The SHA-256 digest of an API key: what a store keeps instead of the key.
///
/// A key is 32 random characters (healthchecks' form), so a plain hash is
/// enough to keep it (no salt or slow hash: there is nothing to guess), and
/// the store never holds it in plain text. Stores find a project by the
/// first bytes of the digest ([`lookup`](Self::lookup)); the digests are
/// then compared in constant time ([`matches`](Self::matches)).
///
/// ```
/// # #[cfg(feature = "api")] {
/// use tower_ping::KeyDigest;
///
/// let digest = KeyDigest::of("hcw_0123456789abcdefghijklmnopqr");
/// assert!(digest.matches(&KeyDigest::of("hcw_0123456789abcdefghijklmnopqr")));
/// assert_eq!(digest.lookup().len(), 8);
/// assert_eq!(KeyDigest::from_hex(&digest.to_hex()), Some(digest));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// The digest of `key`, as the Management API computes it for the key a
    /// request presents (feature `api`).
    #[cfg(feature = "api")]
    #[cfg_attr(docsrs, doc(cfg(feature = "api")))]
    pub fn of(key: &str) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(key.as_bytes()).into())
    }

    /// A digest kept as bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lower-case hexadecimal digits, as the SQL stores
    /// keep it.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Reads what [`to_hex`](Self::to_hex) writes.
    pub fn from_hex(text: &str) -> Option<Self> {
        unhex(text).map(Self)
    }

    /// The first 8 hexadecimal digits: what a store looks a key up by. They
    /// say nothing of the key (it would take a preimage of SHA-256), and
    /// leave the full comparison to [`matches`](Self::matches).
    pub fn lookup(&self) -> String {
        self.to_hex()[..8].to_owned()
    }

    /// Whether two digests are equal, in time that does not depend on where
    /// they differ.
    pub fn matches(&self, other: &KeyDigest) -> bool {
        let mut differ = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            differ |= a ^ b;
        }
        // Kept from being turned into an early exit.
        std::hint::black_box(differ) == 0
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}..)", self.lookup())
    }
}

/// A project as a store keeps it: its identity, its ping key, and digests of
/// the keys that open its checks to the Management API.
///
/// Checks belong to the project of their ping key. A project defined only by
/// a ping key (a check's [`NewCheck::ping_key`](crate::NewCheck::ping_key),
/// or `add_ping_key`) has a UUID of its own, no name and no API keys: the
/// API cannot reach it until it is defined with keys.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Project {
    /// Its UUID, as the metrics URL names it.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// The key of its checks' `/<ping-key>/<slug>` pings.
    pub ping_key: String,
    /// The digest of the read-write API key.
    pub api_key: Option<KeyDigest>,
    /// The digest of the read-only API key.
    pub api_key_readonly: Option<KeyDigest>,
    /// The key of its badges and status page, as their URLs show it.
    pub badge_key: Option<String>,
    /// The secret its badge URLs are signed with, so that one badge's URL
    /// does not give away another's: random, made by the store when it
    /// first keeps the project, and kept when it is defined again.
    pub badge_secret: [u8; 32],
}

impl Project {
    /// A project as a store read it, with no API keys and no badge key.
    pub fn new(uuid: Uuid, name: String, ping_key: String, badge_secret: [u8; 32]) -> Self {
        Self {
            uuid,
            name,
            ping_key,
            api_key: None,
            api_key_readonly: None,
            badge_key: None,
            badge_secret,
        }
    }

    /// Whether it was made by a ping key alone (no name, no keys): a
    /// definition with its ping key takes it over.
    pub(crate) fn is_implicit(&self) -> bool {
        self.name.is_empty()
            && self.api_key.is_none()
            && self.api_key_readonly.is_none()
            && self.badge_key.is_none()
    }

    /// What `digest` opens of this project: read-write, read-only, or
    /// nothing. Compared in constant time.
    pub fn access(&self, digest: &KeyDigest) -> Option<Access> {
        // Both compared whatever the first said, so that the time taken
        // does not tell which key matched.
        let rw = self.api_key.is_some_and(|key| key.matches(digest));
        let ro = self.api_key_readonly.is_some_and(|key| key.matches(digest));
        match (rw, ro) {
            (true, _) => Some(Access::ReadWrite),
            (false, true) => Some(Access::ReadOnly),
            (false, false) => None,
        }
    }
}

impl fmt::Debug for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("uuid", &self.uuid)
            .field("name", &self.name)
            .field("ping_key", &self.ping_key)
            .field("api_key", &self.api_key)
            .field("api_key_readonly", &self.api_key_readonly)
            .field("badge_key", &self.badge_key)
            .finish_non_exhaustive()
    }
}

/// What an API key opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// Everything of its project.
    ReadWrite,
    /// What can be read of its project, without UUIDs.
    ReadOnly,
}

/// A project to define in a store: added, or redefined when the store has
/// its UUID (keeping its checks).
///
/// ```
/// # #[cfg(feature = "api")] {
/// use tower_ping::{KeyDigest, NewProject};
/// use tower_ping::uuid::Uuid;
///
/// let project = NewProject::new(Uuid::new_v4(), "Backups", "backups-ping-key")
///     .api_key(KeyDigest::of("hcw_0123456789abcdefghijklmnopqr"))
///     .api_key_readonly(KeyDigest::of("hcr_0123456789abcdefghijklmnopqr"))
///     .badge_key("backups-badges");
/// assert!(project.validate().is_ok());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewProject {
    /// Its UUID: the project it names, if the store has it.
    pub uuid: Uuid,
    /// Its name, at most 100 characters.
    pub name: String,
    /// The key of its checks' slug pings: `[-a-zA-Z0-9_]`, at most 100.
    pub ping_key: String,
    /// The read-write API key's digest.
    pub api_key: Option<KeyDigest>,
    /// The read-only API key's digest.
    pub api_key_readonly: Option<KeyDigest>,
    /// The key of its badges and status page: `[-a-zA-Z0-9_]`.
    pub badge_key: Option<String>,
}

impl NewProject {
    /// The project `uuid`, called `name`, with ping key `ping_key`, and no
    /// API or badge keys yet.
    pub fn new(uuid: Uuid, name: impl Into<String>, ping_key: impl Into<String>) -> Self {
        Self {
            uuid,
            name: name.into(),
            ping_key: ping_key.into(),
            api_key: None,
            api_key_readonly: None,
            badge_key: None,
        }
    }

    /// Sets the read-write API key, by its digest.
    pub fn api_key(mut self, digest: KeyDigest) -> Self {
        self.api_key = Some(digest);
        self
    }

    /// Sets the read-only API key, by its digest.
    pub fn api_key_readonly(mut self, digest: KeyDigest) -> Self {
        self.api_key_readonly = Some(digest);
        self
    }

    /// Sets the badge key.
    pub fn badge_key(mut self, key: impl Into<String>) -> Self {
        self.badge_key = Some(key.into());
        self
    }

    /// Checks what no store can keep: a name over 100 characters, a ping
    /// key or badge key no URL can carry, the same key for both access
    /// levels.
    pub fn validate(&self) -> Result<(), crate::DefineError> {
        use crate::store::define_error::{check_key, DefineError, MAX_NAME};
        if self.name.chars().count() > MAX_NAME {
            return Err(DefineError::NameTooLong {
                name: self.name.clone(),
            });
        }
        check_key(&self.ping_key, "ping key")?;
        if let Some(badge_key) = &self.badge_key {
            check_key(badge_key, "badge key")?;
        }
        if let (Some(rw), Some(ro)) = (self.api_key, self.api_key_readonly) {
            if rw.matches(&ro) {
                return Err(DefineError::SameKeys);
            }
        }
        Ok(())
    }
}

/// Bytes as lower-case hexadecimal digits.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    text
}

/// 32 bytes from 64 hexadecimal digits.
pub(crate) fn unhex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        bytes[i] = u8::try_from(high * 16 + low).ok()?;
    }
    Some(bytes)
}

/// 32 random bytes, for a project's badge secret: the random parts of two
/// v4 UUIDs (244 bits from the operating system; the crate takes no random
/// number crate).
pub(crate) fn random_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    secret[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    secret[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    secret
}
