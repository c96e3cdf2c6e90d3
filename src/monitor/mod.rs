//! The monitor: the task that sweeps a store at its checks' deadlines
//! (`task`), delivers their alerts to the app's [`Notifier`](crate::Notifier)
//! (`delivery`, `notifier`; `routes` picks the notifier of an alert's
//! channel, `delivery_error` says why a call failed), and sleeps in between
//! (`wake`).
//!
//! A face of the crate: the app spawns [`Monitor`](crate::Monitor) (feature
//! `tokio`) and owns its shutdown. May use: the monitoring contract
//! (`store::monitor_store`, `store::monitor_signal`, `store::alert`), the
//! reports (`events`). Nothing below imports this part.

#[cfg(feature = "tokio")]
pub(crate) mod delivery;
#[cfg(feature = "tokio")]
pub(crate) mod delivery_error;
pub(crate) mod notifier;
#[cfg(feature = "tokio")]
pub(crate) mod routes;
#[cfg(feature = "tokio")]
pub(crate) mod task;
#[cfg(feature = "tokio")]
pub(crate) mod wake;
