//! [`Check`]: a check as a store reports it.

use std::time::SystemTime;

use uuid::Uuid;

use crate::state::check_state::CheckState;
use crate::state::deadline::{status_at, StatusAt};
use crate::state::rules::CheckRules;
use crate::store::channel::Channels;

/// A check as a store reports it: its definition and its current state.
///
/// With the `serde` feature it is written flat, as one object: `uuid`,
/// `name`, `slug`, `ping_key` (text or null), `project` (a UUID or null),
/// `tags`, `desc`, `channels` (as [`Channels`] writes them), `badge_key`,
/// `filter_subject` and `filter_email_body`, then the fields of its
/// [`CheckRules`] and of its [`CheckState`]; the fields after `ping_key`
/// may be left out when read (as in earlier versions' JSON). Fields the type does not know
/// are skipped when read, so an object of the example server's `GET /checks`
/// (which adds `started`, `next_ping` and `pings`, and writes the
/// [`LiveStatus`](crate::LiveStatus) as `status`) reads back as a `Check`: its
/// `grace` is read as `up`, the only stored status a check in grace can
/// have, and a `down` it shows is read as `down` even when the monitor had
/// not flipped it yet.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use tower_ping::{Check, Status};
///
/// let check: Check = serde_json::from_value(serde_json::json!({
///     "uuid": "5ca1ab1e-0000-4000-8000-00000000c0de",
///     "name": "Heartbeat",
///     "slug": "heartbeat",
///     "ping_key": null,
///     "timeout": 60,
///     "grace": 30,
///     "status": "grace",
///     "last_ping": "2030-01-01T00:00:00.000000Z",
///     "started": false,
/// }))
/// .unwrap();
/// assert_eq!(check.state.status, Status::Up);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Check {
    /// The check's UUID.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its project's ping key.
    pub ping_key: Option<String>,
    /// Its project's UUID, when it belongs to one.
    #[cfg_attr(feature = "serde", serde(default))]
    pub project: Option<Uuid>,
    /// Its tags, separated by spaces, as given (healthchecks keeps them as
    /// one text): see [`tag_list`](Self::tag_list).
    #[cfg_attr(feature = "serde", serde(default))]
    pub tags: String,
    /// A description.
    #[cfg_attr(feature = "serde", serde(default))]
    pub desc: String,
    /// The channels its alerts go to.
    #[cfg_attr(feature = "serde", serde(default))]
    pub channels: Channels,
    /// The key of its own badge, random, made when it was created.
    #[cfg_attr(feature = "serde", serde(default))]
    pub badge_key: Uuid,
    /// healthchecks' e-mail filters, kept for the Management API's clients
    /// (which set them and read them back). tower-ping takes pings over
    /// HTTP only: they never change what a ping does.
    #[cfg_attr(feature = "serde", serde(default))]
    pub filter_subject: bool,
    /// See [`filter_subject`](Self::filter_subject).
    #[cfg_attr(feature = "serde", serde(default))]
    pub filter_email_body: bool,
    /// How it reads pings, its schedule and grace.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub rules: CheckRules,
    /// Where it stands.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub state: CheckState,
}

impl Check {
    /// A check made of its parts, as a store read them: in no project, with
    /// no tags or description, alerting every channel, with a nil badge key
    /// (a store sets the fields it keeps).
    pub fn new(
        uuid: Uuid,
        name: String,
        slug: String,
        ping_key: Option<String>,
        rules: CheckRules,
        state: CheckState,
    ) -> Self {
        Self {
            uuid,
            name,
            slug,
            ping_key,
            project: None,
            tags: String::new(),
            desc: String::new(),
            channels: Channels::All,
            badge_key: Uuid::nil(),
            filter_subject: false,
            filter_email_body: false,
            rules,
            state,
        }
    }

    /// The key a read-only API key names it by, as healthchecks computes
    /// it: the SHA-1 of the first 16 hexadecimal digits of its UUID, in
    /// hexadecimal (feature `api`).
    ///
    /// ```
    /// use tower_ping::{Check, CheckRules, CheckState};
    /// use tower_ping::uuid::Uuid;
    ///
    /// let uuid: Uuid = "5ca1ab1e-0000-4000-8000-00000000c0de".parse().unwrap();
    /// let check = Check::new(uuid, "n".into(), "n".into(), None, CheckRules::default(), CheckState::default());
    /// // hashlib.sha1(b"5ca1ab1e00004000").hexdigest() in Python:
    /// assert_eq!(check.unique_key(), "f723b1910cb0c9ea8fc508736fe57dbfd167f690");
    /// ```
    #[cfg(feature = "api")]
    #[cfg_attr(docsrs, doc(cfg(feature = "api")))]
    pub fn unique_key(&self) -> String {
        unique_key(self.uuid)
    }

    /// Its tags, one by one: [`tags`](Self::tags) split on spaces.
    pub fn tag_list(&self) -> impl Iterator<Item = &str> {
        self.tags.split(' ').filter(|tag| !tag.is_empty())
    }

    /// Whether it has every one of `tags`.
    pub fn has_tags(&self, tags: &[String]) -> bool {
        tags.iter()
            .all(|wanted| self.tag_list().any(|tag| tag == wanted))
    }

    /// How the check stands at `now`: see [`status_at`](crate::status_at).
    pub fn status_at(&self, now: SystemTime) -> StatusAt {
        status_at(&self.state, &self.rules, now)
    }
}

/// healthchecks' `unique_key` of the check `uuid`: the SHA-1 of the first
/// 16 hexadecimal digits of the UUID, in hexadecimal.
#[cfg(feature = "api")]
pub(crate) fn unique_key(uuid: Uuid) -> String {
    use sha1::Digest;
    let simple = uuid.simple().to_string();
    let digest = sha1::Sha1::digest(&simple.as_bytes()[..16]);
    crate::store::project::hex(&digest)
}
