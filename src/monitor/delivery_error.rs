//! [`DeliveryError`]: why one attempt to deliver an alert failed.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use uuid::Uuid;

use crate::monitor::notifier::NotifyError;

/// Why one attempt to deliver an alert failed (feature `tokio`): what the
/// [`Monitor`](crate::Monitor)'s delivery-failure hook is handed before
/// the alert is scheduled for a retry.
///
/// It keeps the notifier's error whole: [`Error::source`] returns it, and
/// its own sources follow (an HTTP client's "error sending request" and,
/// under it, "connection refused").
///
/// ```
/// use std::error::Error;
/// use tower_ping::DeliveryError;
///
/// let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
/// let error = DeliveryError::Notifier(Box::new(refused));
/// assert_eq!(error.to_string(), "the notifier failed");
/// assert_eq!(error.source().unwrap().to_string(), "connection refused");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The notifier returned this error.
    Notifier(NotifyError),
    /// The notifier did not answer within the call timeout; its call was
    /// dropped.
    TimedOut(Duration),
    /// The notifier panicked.
    Panicked,
    /// The alert's channel has no notifier in this monitor, and the monitor
    /// has no notifier for every channel (see
    /// [`Monitor::channel`](crate::Monitor::channel)). Carries the
    /// channel's id (`None`: an alert without a channel).
    NoNotifier(Option<Uuid>),
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryError::Notifier(_) => f.write_str("the notifier failed"),
            DeliveryError::TimedOut(after) => write!(f, "no answer within {after:?}"),
            DeliveryError::Panicked => f.write_str("the notifier panicked"),
            DeliveryError::NoNotifier(Some(channel)) => {
                write!(f, "no notifier for channel {channel}")
            }
            DeliveryError::NoNotifier(None) => {
                f.write_str("no notifier for alerts without a channel")
            }
        }
    }
}

impl Error for DeliveryError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            DeliveryError::Notifier(error) => Some(&**error),
            _ => None,
        }
    }
}
