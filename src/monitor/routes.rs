//! Which notifier takes which alert: one per channel the app registered
//! with the monitor, and one for every other alert.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::monitor::notifier::Notifier;
use crate::store::alert::Alert;

/// The monitor's notifiers, by channel.
#[derive(Clone, Default)]
pub(crate) struct Routes {
    /// Takes the alerts of channels without a notifier of their own, and
    /// those without a channel.
    pub(crate) fallback: Option<Arc<dyn Notifier>>,
    pub(crate) by_channel: HashMap<Uuid, Arc<dyn Notifier>>,
}

impl Routes {
    /// Whether any notifier is set: without one, alerts wait in the outbox.
    pub(crate) fn any(&self) -> bool {
        self.fallback.is_some() || !self.by_channel.is_empty()
    }

    /// The notifier of `alert`'s channel, else the fallback.
    pub(crate) fn notifier_for(&self, alert: &Alert) -> Option<Arc<dyn Notifier>> {
        alert
            .channel
            .as_ref()
            .and_then(|channel| self.by_channel.get(&channel.id))
            .or(self.fallback.as_ref())
            .cloned()
    }
}
