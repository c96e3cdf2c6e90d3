//! [`Notifier`]: how the app hears of checks that go down and come back.

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::alert::Alert;

/// Why a notifier could not deliver an alert: any error, boxed.
pub type NotifyError = Box<dyn std::error::Error + Send + Sync>;

/// The app's side of alerting: send one [`Alert`] (an email, a chat message,
/// a webhook) and return `Ok` once it is sent.
///
/// The [`Monitor`] hands each alert (an alertable flip, to down or from
/// down to up, or a reminder that a check is still down) to `notify`, one
/// call per alert and channel, the alerts of one check and channel in the
/// order they happened. A call that fails, or outlasts the monitor's call
/// timeout, is retried later with exponential backoff; the alert is marked
/// delivered only after `Ok`.
///
/// # At least once
///
/// An alert is delivered at least once: an alert whose flip is recorded is
/// never lost, whatever crashes. In normal operation it is delivered exactly
/// once, with several app instances too. But if the app stops between the
/// moment `notify` sent the alert and the moment the store recorded it as
/// delivered (a crash, a kill, a call that sent the alert and then timed
/// out), it is sent again later. Make `notify` idempotent where the channel
/// allows (use [`Alert::id`] as a deduplication key), or accept a rare
/// duplicate.
///
/// ```
/// use tower_ping::{async_trait, Alert, Notifier, NotifyError};
///
/// struct LogLine;
///
/// #[async_trait]
/// impl Notifier for LogLine {
///     async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
///         println!(
///             "{} is {} ({}, {})",
///             alert.check.name, alert.flip.new_status, alert.flip.reason, alert.kind
///         );
///         Ok(())
///     }
/// }
/// ```
///
#[cfg_attr(feature = "tokio", doc = "[`Monitor`]: crate::Monitor")]
#[cfg_attr(
    not(feature = "tokio"),
    doc = "[`Monitor`]: https://docs.rs/tower-ping/latest/tower_ping/struct.Monitor.html"
)]
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Sends one alert; `Ok` once it is sent.
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError>;
}

#[async_trait]
impl<N: Notifier + ?Sized> Notifier for Arc<N> {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        (**self).notify(alert).await
    }
}

#[async_trait]
impl<N: Notifier + ?Sized> Notifier for Box<N> {
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        (**self).notify(alert).await
    }
}
