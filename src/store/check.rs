//! [`Check`]: a check as a store reports it.

use std::time::SystemTime;

use uuid::Uuid;

use crate::state::check_state::CheckState;
use crate::state::deadline::{status_at, StatusAt};
use crate::state::rules::CheckRules;

/// A check as a store reports it: its definition and its current state.
///
/// With the `serde` feature it is written flat, as one object: `uuid`,
/// `name`, `slug`, `ping_key` (text or null), then the fields of its
/// [`CheckRules`] and of its [`CheckState`]. Fields the type does not know
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
    /// How it reads pings, its schedule and grace.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub rules: CheckRules,
    /// Where it stands.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub state: CheckState,
}

impl Check {
    /// A check made of its parts, as a store read them.
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
            rules,
            state,
        }
    }

    /// How the check stands at `now`: see [`status_at`](crate::status_at).
    pub fn status_at(&self, now: SystemTime) -> StatusAt {
        status_at(&self.state, &self.rules, now)
    }
}
