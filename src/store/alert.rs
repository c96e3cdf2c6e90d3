//! [`Alert`]: an alertable flip, with what the app's notifier needs of its
//! check.

use std::time::SystemTime;

use uuid::Uuid;

use crate::state::flip::Flip;

use crate::state::status::Status;

/// An alertable flip handed to a [`Notifier`](crate::Notifier): the flip and
/// the check it belongs to, as the store read them when it claimed the alert.
///
/// With the `serde` feature, as the example server posts and prints it:
/// `id` and `attempt` (numbers), `uuid`, `name`, `slug`, `ping_key` (text or
/// null), `status` (as [`Status`] writes it), `last_ping` (RFC 3339 text, or
/// null), and the flip's `old_status`, `new_status`, `reason` and `at`,
/// written flat (see [`Flip`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Alert {
    /// The flip's number in its store. The same on every attempt to deliver
    /// it, so a notifier can use it to drop a duplicate (see
    /// [`Notifier`](crate::Notifier) on at-least-once delivery).
    pub id: u64,
    /// Which attempt this is: 1 for the first.
    pub attempt: u32,
    /// The check's UUID.
    pub uuid: Uuid,
    /// The check's name.
    pub name: String,
    /// The check's slug.
    pub slug: String,
    /// The check's project's ping key.
    pub ping_key: Option<String>,
    /// The check's status now (it may have changed again since the flip).
    pub status: Status,
    /// When the check's last success or failure arrived.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_fields::opt_time"))]
    pub last_ping: Option<SystemTime>,
    /// The status change: old and new status, reason and when.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub flip: Flip,
}

impl Alert {
    /// An alert as a store read it: flip `id` of the check `uuid`, on its
    /// `attempt`-th delivery.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: u64,
        attempt: u32,
        uuid: Uuid,
        name: String,
        slug: String,
        ping_key: Option<String>,
        status: Status,
        last_ping: Option<SystemTime>,
        flip: Flip,
    ) -> Self {
        Self {
            id,
            attempt,
            uuid,
            name,
            slug,
            ping_key,
            status,
            last_ping,
            flip,
        }
    }
}
