//! The stores: the contracts the layer and the monitor speak to, what a
//! check is as a store keeps it, and the stores the crate ships.
//!
//! - `check_store`: [`CheckStore`](crate::CheckStore), what the layer needs
//!   (resolve a target, record a ping, create a check);
//! - `monitor_store`, `monitor_signal`, `alert`: what the monitor needs
//!   (sweep overdue checks, the outbox of alerts, waking the monitor);
//! - `manage_store`, `check_spec`, `project`, `channel`: the operator
//!   contract, what the Management API and the app's own tools need
//!   (projects and their keys, listing and editing checks, channels),
//!   `check_summary` what a listing of statuses needs of each check;
//!   `badge_url` (feature `api`): the signed badge URLs of a project, which
//!   the Management API hands out and the dashboard answers;
//! - `new_check`, `define_error`, `check`, `logged_ping`, `recorded_flip`,
//!   `slug`: checks as the app defines them and stores keep and report them;
//! - `memory`: [`MemoryStore`](crate::MemoryStore), the reference store;
//! - `sql`: the SQLite and PostgreSQL stores (features `sqlite`,
//!   `postgres`).
//!
//! May use: the state machine (`state`), what a request means (`request`),
//! time helpers (`time`), the reports (`events`). Never a face (`ping`,
//! `monitor`): the faces use the stores through the contracts.

pub(crate) mod alert;
#[cfg(feature = "api")]
pub(crate) mod badge_url;
pub(crate) mod channel;
pub(crate) mod check;
pub(crate) mod check_spec;
pub(crate) mod check_store;
pub(crate) mod check_summary;
pub(crate) mod cursor;
pub(crate) mod define_error;
pub(crate) mod logged_ping;
pub(crate) mod manage_store;
pub(crate) mod memory;
pub(crate) mod monitor_signal;
pub(crate) mod monitor_store;
pub(crate) mod new_check;
pub(crate) mod project;
pub(crate) mod recorded_flip;
pub(crate) mod slug;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
