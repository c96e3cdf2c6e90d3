//! Time helpers: the proleptic Gregorian calendar (`calendar`), RFC 3339
//! text (`rfc3339`), wall-clock times (`civil`) and IANA time zones as
//! Python's `zoneinfo` reads them (`zone`), Python's whitespace (`text`),
//! cron schedules (`cron`) and systemd OnCalendar schedules (`oncalendar`).
//!
//! Pure functions over explicit times: nothing here reads the clock. Below
//! the state machine, whose schedules use them. May use: nothing of the
//! crate but each other.

pub(crate) mod calendar;
#[cfg(any(feature = "cron", feature = "oncalendar"))]
pub(crate) mod civil;
#[cfg(feature = "cron")]
pub(crate) mod cron;
#[cfg(feature = "oncalendar")]
pub(crate) mod oncalendar;
pub(crate) mod rfc3339;
pub(crate) mod text;
#[cfg(any(feature = "cron", feature = "oncalendar"))]
pub(crate) mod zone;
