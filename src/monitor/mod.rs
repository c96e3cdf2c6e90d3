//! The monitor: the task that sweeps a store at its checks' deadlines
//! (`task`), delivers their alerts to the app's [`Notifier`](crate::Notifier)
//! (`delivery`, `notifier`), and sleeps in between (`wake`).
//!
//! A face of the crate: the app spawns [`Monitor`](crate::Monitor) (feature
//! `tokio`) and owns its shutdown. May use: the monitoring contract
//! (`store::monitor_store`, `store::monitor_signal`, `store::alert`), the
//! reports (`events`). Nothing below imports this part.

#[cfg(feature = "tokio")]
pub(crate) mod delivery;
pub(crate) mod notifier;
#[cfg(feature = "tokio")]
pub(crate) mod task;
#[cfg(feature = "tokio")]
pub(crate) mod wake;
