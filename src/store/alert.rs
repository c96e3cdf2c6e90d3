//! [`Alert`]: what the app's notifier is handed: a flip or a reminder, for
//! one channel, with the check it concerns.

use std::fmt;

use crate::state::flip::Flip;
use crate::state::status::Status;
use crate::store::channel::Channel;
use crate::store::check::Check;

/// How many undelivered alerts a store keeps per check and channel unless
/// told otherwise: past it, the oldest ones not in flight fold into the
/// oldest one kept (see [`Alert::folded`]).
pub const DEFAULT_MAX_UNDELIVERED_ALERTS: usize = 100;

/// What an [`Alert`] tells of.
///
/// With the `serde` feature: `flip` or `reminder`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum AlertKind {
    /// The check's status changed: [`Alert::flip`] says how.
    #[default]
    Flip,
    /// The check is still down, [`Alert::reminder`] reminders after its down
    /// flip (see [`CheckRules::remind_every`](crate::CheckRules::remind_every)).
    Reminder,
}

impl AlertKind {
    /// `flip` or `reminder`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Flip => "flip",
            AlertKind::Reminder => "reminder",
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An alert handed to a [`Notifier`](crate::Notifier): an alertable flip,
/// or a reminder that a check is still down, for one of the check's
/// channels, with the check as the store read it when it claimed the alert.
///
/// Each alertable flip becomes one alert per channel the check alerts (see
/// [`Channels`](crate::Channels)), or a single alert without a channel when
/// the app registered none. A store builds one with [`Alert::new`] and the
/// setters:
///
/// ```
/// use std::time::SystemTime;
/// use tower_ping::{Alert, AlertKind, Channel, Check, CheckRules, CheckState, Flip, FlipReason, Status};
/// use tower_ping::uuid::Uuid;
///
/// let check = Check::new(Uuid::new_v4(), "backup".into(), "backup".into(), None,
///     CheckRules::default(), CheckState::with_status(Status::Down));
/// let flip = Flip::new(Status::Up, Status::Down, FlipReason::Timeout, SystemTime::UNIX_EPOCH);
/// let ops = Channel::new(Uuid::new_v4(), "ops", "webhook");
/// let alert = Alert::new(7, check, flip).flip_id(3).reminder(2).channel(ops).attempt(1);
/// assert_eq!((alert.kind, alert.reminder), (AlertKind::Reminder, 2));
/// assert_eq!(alert.check.name, "backup");
/// ```
///
/// With the `serde` feature, written flat as one object (the example
/// server posts and prints it so): `id`, `attempt`, `kind` (`flip` or
/// `reminder`), `reminder` (its number, 0 for a flip), `folded`, `channel`
/// (an object of `id`, `name` and `kind`, or null) and `flip_id`; the
/// flip's `old_status`, `new_status`, `reason` and `at` (see [`Flip`]); then
/// the check's fields (see [`Check`]): `uuid`, `name`, `slug`, `tags`,
/// `desc`, `timeout` or `schedule` and `tz`, `grace`, `status`,
/// `last_ping` and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Alert {
    /// The alert's number in its store's outbox. The same on every attempt
    /// to deliver it, so a notifier can use it to drop a duplicate (see
    /// [`Notifier`](crate::Notifier) on at-least-once delivery).
    pub id: u64,
    /// Which attempt this is: 1 for the first.
    pub attempt: u32,
    /// A flip, or a reminder.
    #[cfg_attr(feature = "serde", serde(default))]
    pub kind: AlertKind,
    /// For a reminder, its number: reminder `k` comes `k` times
    /// `remind_every` after the down flip. 0 for a flip.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reminder: u32,
    /// How many older undelivered alerts of the check and channel this one
    /// stands for besides itself: they were folded into it when the check
    /// had more undelivered alerts than its store keeps (every flip is still
    /// recorded). 0 normally.
    #[cfg_attr(feature = "serde", serde(default))]
    pub folded: u32,
    /// The channel it goes to; `None` when the app registered no channel
    /// (the monitor's `notifier` takes it).
    #[cfg_attr(feature = "serde", serde(default))]
    pub channel: Option<Channel>,
    /// The store's number of the flip (for a reminder, the down flip it
    /// reminds of): see [`RecordedFlip::id`](crate::RecordedFlip::id).
    #[cfg_attr(feature = "serde", serde(default))]
    pub flip_id: u64,
    /// The status change: old and new status, reason and when. For a
    /// reminder, the down flip.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub flip: Flip,
    /// The check, as it is now (its status may have changed again since the
    /// flip): name, slug, tags, description, schedule, grace, status, last
    /// ping and the rest.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub check: Check,
}

impl Alert {
    /// Alert `id` of `flip` on `check`: a flip alert, first attempt, no
    /// channel, folding nothing, its flip numbered as the alert. Set the
    /// rest with the methods below.
    pub fn new(id: u64, check: Check, flip: Flip) -> Self {
        Self {
            id,
            attempt: 1,
            kind: AlertKind::Flip,
            reminder: 0,
            folded: 0,
            channel: None,
            flip_id: id,
            flip,
            check,
        }
    }

    /// Sets which attempt this is.
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }

    /// Makes it reminder number `number` (a flip alert when 0).
    pub fn reminder(mut self, number: u32) -> Self {
        self.reminder = number;
        self.kind = if number == 0 {
            AlertKind::Flip
        } else {
            AlertKind::Reminder
        };
        self
    }

    /// Sets the channel it goes to.
    pub fn channel(mut self, channel: impl Into<Option<Channel>>) -> Self {
        self.channel = channel.into();
        self
    }

    /// Sets how many older alerts it stands for.
    pub fn folded(mut self, folded: u32) -> Self {
        self.folded = folded;
        self
    }

    /// Sets the store's number of its flip.
    pub fn flip_id(mut self, flip_id: u64) -> Self {
        self.flip_id = flip_id;
        self
    }

    /// Whether it is a reminder of a down spell that is over: the check came
    /// up, was paused, or went down again since. The monitor drops such a
    /// reminder instead of sending it.
    pub fn is_stale_reminder(&self) -> bool {
        self.kind == AlertKind::Reminder
            && (self.check.state.status != Status::Down
                || self.check.state.down_at != Some(self.flip.at))
    }
}
