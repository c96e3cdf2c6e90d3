//! The check state machine: what a ping, the passing of time and the user's
//! own acts do to a check.
//!
//! This is the one place where check semantics live. Every store, the ones
//! in this crate and yours, loads a check's [`CheckState`] and
//! [`CheckRules`], asks this module what happens, and persists the answer:
//!
//! - a ping: [`apply`] returns a [`Transition`] (the new state, the ping's
//!   number and kind, and the [`Flip`]s it caused);
//! - time: [`expire`] returns an [`Expiry`] (a check past its deadline goes
//!   down, dated at the deadline; a down check whose reminder came is due a
//!   [`Reminder`]; any other is re-armed);
//! - the user: [`CheckState::paused`], [`CheckState::resumed`] and
//!   [`CheckState::rearmed`] (after the rules changed) change the state
//!   without a flip;
//! - a moment: [`status_at`] says how the check stands at `now`, with the
//!   `grace` status and the next ping expected.
//!
//! Nothing here reads the clock: every function takes its `now` (for a ping,
//! the moment the layer took the request).

pub(crate) mod acts;
pub(crate) mod apply;
pub(crate) mod check_state;
pub(crate) mod deadline;
pub(crate) mod flip;
pub(crate) mod kind;
pub(crate) mod reminder;
pub(crate) mod rules;
pub(crate) mod schedule;
pub(crate) mod status;
pub(crate) mod turn;

pub use apply::{apply, Transition, MAX_DURATION};
pub use check_state::CheckState;
pub use deadline::{expire, status_at, Expiry, StatusAt};
pub use flip::{Flip, FlipReason};
pub use kind::Kind;
pub use reminder::Reminder;
pub use rules::{AllowedMethods, CheckRules, KeywordFilter, DEFAULT_GRACE};
pub use schedule::{Schedule, ScheduleError, ScheduleKind, DEFAULT_TIMEOUT};
pub use status::{LiveStatus, Status};
