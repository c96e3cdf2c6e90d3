//! Time helpers: the proleptic Gregorian calendar (`calendar`), RFC 3339
//! text (`rfc3339`), wall-clock times (`civil`) and IANA time zones as
//! Python's `zoneinfo` reads them (`zone`), and cron schedules (`cron`).
//!
//! Pure functions over explicit times: nothing here reads the clock. Below
//! the state machine, whose schedules use them. May use: nothing of the
//! crate but each other.

#[cfg(any(feature = "cron", feature = "serde"))]
pub(crate) mod calendar;
#[cfg(feature = "cron")]
pub(crate) mod civil;
#[cfg(feature = "cron")]
pub(crate) mod cron;
#[cfg(feature = "serde")]
pub(crate) mod rfc3339;
#[cfg(feature = "cron")]
pub(crate) mod zone;
