//! [`Channel`]: a way the app sends alerts, and [`Channels`]: which of them
//! a check alerts.

use std::fmt;

use uuid::Uuid;

/// A channel the app sends alerts through (an email address, a chat room, a
/// webhook): registered by the app with its store, listed by the Management
/// API's `GET channels/`, and named by checks in [`Channels`].
///
/// Channels belong to the app, not to one project: every project's checks
/// may use every channel.
///
/// ```
/// use tower_ping::Channel;
/// use tower_ping::uuid::Uuid;
///
/// let ops = Channel::new(Uuid::new_v4(), "ops webhook", "webhook");
/// assert_eq!(ops.kind, "webhook");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Channel {
    /// Its id: how checks and the API name it.
    pub id: Uuid,
    /// A name people know it by; the API also takes a check's channels by
    /// name.
    pub name: String,
    /// What it is, in healthchecks' words: `webhook`, `email`, `slack`, ...
    pub kind: String,
}

impl Channel {
    /// The channel `id`, called `name`, of kind `kind`.
    pub fn new(id: Uuid, name: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            kind: kind.into(),
        }
    }
}

/// Which channels a check alerts.
///
/// With the `serde` feature: `"*"` for all, else the channel ids,
/// comma-separated (`""` for none), as the Management API writes them.
///
/// ```
/// use tower_ping::Channels;
/// use tower_ping::uuid::Uuid;
///
/// let a = Uuid::new_v4();
/// assert!(Channels::All.includes(a));
/// assert!(Channels::only([a]).includes(a));
/// assert!(!Channels::none().includes(a));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channels {
    /// Every channel of the app, those registered later too: the default of
    /// checks defined in code.
    #[default]
    All,
    /// These channels, sorted, each once.
    Only(Vec<Uuid>),
}

impl Channels {
    /// These channels (sorted, duplicates dropped).
    pub fn only(ids: impl IntoIterator<Item = Uuid>) -> Self {
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        Channels::Only(ids)
    }

    /// No channel: the check alerts nobody.
    pub fn none() -> Self {
        Channels::Only(Vec::new())
    }

    /// Whether the check alerts channel `id`.
    pub fn includes(&self, id: Uuid) -> bool {
        match self {
            Channels::All => true,
            Channels::Only(ids) => ids.binary_search(&id).is_ok(),
        }
    }

    /// Parses what [`Display`](fmt::Display) writes: `*`, or ids separated by
    /// commas (none for an empty text).
    pub fn parse(text: &str) -> Option<Self> {
        if text == "*" {
            return Some(Channels::All);
        }
        if text.is_empty() {
            return Some(Channels::none());
        }
        text.split(',')
            .map(|id| Uuid::parse_str(id).ok())
            .collect::<Option<Vec<Uuid>>>()
            .map(Channels::only)
    }
}

impl fmt::Display for Channels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channels::All => f.write_str("*"),
            Channels::Only(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{id}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Channels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Channels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Channels::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("channels {text:?}: not *, nor channel ids"))
        })
    }
}
