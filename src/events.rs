//! What the crate reports on its own: store errors, flips, deliveries.
//!
//! With the `tracing` feature each is a structured event under the target
//! `tower_ping` (the convention of the Tower ecosystem: the app's
//! subscriber decides what is kept). Without it, errors and failed
//! deliveries are a line on standard error and the rest is silent. Bodies
//! are never reported.

use std::fmt::Display;

#[cfg(feature = "tokio")]
use uuid::Uuid;

#[cfg(feature = "tokio")]
use crate::monitor::delivery_error::DeliveryError;
use crate::request::grammar::{Signal, Target};
use crate::state::flip::Flip;
use crate::state::reminder::Reminder;
#[cfg(feature = "tokio")]
use crate::store::alert::Alert;
#[cfg(feature = "tracing")]
use crate::time::rfc3339::Rfc3339;

/// A store call of a ping failed; the client was answered `503`.
pub(crate) fn ping_store_error(error: &dyn Display, target: Target<'_>, signal: Signal) {
    #[cfg(feature = "tracing")]
    match target {
        Target::Uuid(uuid) => tracing::error!(
            target: "tower_ping",
            check = %uuid, signal = %SignalName(signal), %error,
            "store error: the ping was answered 503"
        ),
        Target::Slug { ping_key, slug } => tracing::error!(
            target: "tower_ping",
            ping_key, slug, signal = %SignalName(signal), %error,
            "store error: the ping was answered 503"
        ),
    }
    #[cfg(not(feature = "tracing"))]
    eprintln!(
        "tower-ping: store error on a {} ping of {}: {error}",
        SignalName(signal),
        TargetName(target)
    );
}

/// A store call of the Management API failed; the client was answered
/// `503`.
#[cfg(feature = "api")]
pub(crate) fn api_store_error(error: &dyn Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(target: "tower_ping", %error, "api: store error: answered 503");
    #[cfg(not(feature = "tracing"))]
    eprintln!("tower-ping: api: store error, answered 503: {error}");
}

/// A store call of the dashboard failed; the client was answered `503`.
#[cfg(feature = "dashboard")]
pub(crate) fn dashboard_store_error(error: &dyn Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(target: "tower_ping", %error, "dashboard: store error: answered 503");
    #[cfg(not(feature = "tracing"))]
    eprintln!("tower-ping: dashboard: store error: {error}");
}

/// A store call of the monitor failed; the step is tried again later.
#[cfg(feature = "tokio")]
pub(crate) fn monitor_store_error(error: &dyn Display) {
    #[cfg(feature = "tracing")]
    tracing::error!(target: "tower_ping", %error, "monitor: store error");
    #[cfg(not(feature = "tracing"))]
    eprintln!("tower-ping: monitor: store error: {error}");
}

/// A notifier call failed; the alert will be retried.
#[cfg(feature = "tokio")]
pub(crate) fn delivery_failed(alert: &Alert, error: &DeliveryError) {
    // The notifier's own error and its causes; the other failures say
    // themselves what happened.
    let error = match error {
        DeliveryError::Notifier(error) => ErrorChain(&**error),
        other => ErrorChain(other),
    };
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "tower_ping",
        check = %alert.check.uuid, alert = alert.id, flip = alert.flip_id,
        kind = %alert.kind, reminder = alert.reminder, channel = %ChannelName(alert),
        attempt = alert.attempt, new_status = %alert.flip.new_status, %error,
        "alert not delivered; it will be retried"
    );
    #[cfg(not(feature = "tracing"))]
    eprintln!(
        "tower-ping: alert {} ({} {} {}, channel {}) not delivered, attempt {}: {error}",
        alert.id,
        alert.check.name,
        alert.kind,
        alert.flip.new_status,
        ChannelName(alert),
        alert.attempt
    );
}

/// A claimed reminder was dropped: its check is no longer down.
#[cfg(feature = "tokio")]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn reminder_dropped(alert: &Alert) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "tower_ping",
        check = %alert.check.uuid, alert = alert.id, reminder = alert.reminder,
        status = %alert.check.state.status,
        "reminder dropped: the check is no longer down"
    );
}

/// A notifier call is about to be made.
#[cfg(feature = "tokio")]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn delivering(alert: &Alert) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        target: "tower_ping",
        check = %alert.check.uuid, alert = alert.id, flip = alert.flip_id,
        kind = %alert.kind, channel = %ChannelName(alert), attempt = alert.attempt,
        "delivering an alert"
    );
}

/// A notifier took an alert.
#[cfg(feature = "tokio")]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn delivered(alert: &Alert) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "tower_ping",
        check = %alert.check.uuid, alert = alert.id, flip = alert.flip_id,
        kind = %alert.kind, reminder = alert.reminder, channel = %ChannelName(alert),
        attempt = alert.attempt, new_status = %alert.flip.new_status, "alert delivered"
    );
}

/// A down check's reminder came and was queued.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn reminded(check: &dyn Display, reminder: &Reminder) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "tower_ping",
        %check, reminder = reminder.number, due = %Rfc3339::new(reminder.due),
        "check still down: reminder queued"
    );
}

/// A flip was recorded (committed, for a database).
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn flipped(check: &dyn Display, flip: &Flip) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "tower_ping",
        %check, old_status = %flip.old_status, new_status = %flip.new_status,
        reason = %flip.reason, at = %Rfc3339::new(flip.at), alertable = flip.is_alertable(),
        "check flipped"
    );
}

/// Alerts given back at shutdown, for another monitor to deliver.
#[cfg(feature = "tokio")]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn released(claimer: Uuid, count: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "tower_ping",
        %claimer, count, "shutdown: alerts in flight given back"
    );
}

/// How a signal reads in a report: `success`, `start`, `fail`, `log`, or
/// the exit status.
struct SignalName(Signal);

impl Display for SignalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Signal::Exit(code) => write!(f, "exit {code}"),
            Signal::Success => f.write_str("success"),
            other => f.write_str(other.word().unwrap_or("?")),
        }
    }
}

/// How a ping's target reads in a line: the UUID, or `key/slug`.
#[cfg(not(feature = "tracing"))]
struct TargetName<'a>(Target<'a>);

#[cfg(not(feature = "tracing"))]
impl Display for TargetName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Target::Uuid(uuid) => write!(f, "{uuid}"),
            Target::Slug { ping_key, slug } => write!(f, "{ping_key}/{slug}"),
        }
    }
}

/// An error and its sources, `outer: inner: innermost`, each written once
/// (a source its parent's text already ends with is left out).
#[cfg(feature = "tokio")]
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

#[cfg(feature = "tokio")]
impl Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut written = self.0.to_string();
        f.write_str(&written)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            let text = error.to_string();
            if !written.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            written = text;
            source = error.source();
        }
        Ok(())
    }
}

/// An alert's channel in a report: its name, or `-` for none.
#[cfg(feature = "tokio")]
struct ChannelName<'a>(&'a Alert);

#[cfg(feature = "tokio")]
impl Display for ChannelName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.channel {
            Some(channel) => f.write_str(&channel.name),
            None => f.write_str("-"),
        }
    }
}
