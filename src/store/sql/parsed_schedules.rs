//! Schedules as rows hold them, parsed once per process. A cron expression
//! costs about 2 µs to parse and an OnCalendar one 11 to 15 µs, and every
//! sweep, listing and scrape reads the same rows again: parsing them each
//! time was a tenth of a listing and most of what 10,000 overdue OnCalendar
//! checks cost a sweep beyond period checks (BENCHMARKS.md sections 6
//! and 10).
//!
//! Parsing is a pure function of the kind, the zone and the expression, so
//! the cache can never disagree with the rows, whichever process or
//! instance wrote them. It holds only schedules that parsed, and at most
//! [`CAPACITY`] of them: past that it starts over.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::state::schedule::Schedule;

/// Distinct schedules kept at most.
const CAPACITY: usize = 4096;

static PARSED: OnceLock<Mutex<HashMap<String, Schedule>>> = OnceLock::new();

/// The schedule of kind `kind` (`cron` or `oncalendar`), `expression` in
/// `tz`: from the cache, or from `parse`, whose success is kept.
pub(crate) fn parsed<E>(
    kind: &str,
    expression: &str,
    tz: &str,
    parse: impl FnOnce() -> Result<Schedule, E>,
) -> Result<Schedule, E> {
    // Lengths first: no kind, zone and expression share a key with another.
    let key = format!("{}:{}:{kind}{tz}{expression}", kind.len(), tz.len());
    let cache = PARSED.get_or_init(Mutex::default);
    if let Some(schedule) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(schedule.clone());
    }
    let schedule = parse()?;
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= CAPACITY {
        cache.clear();
    }
    cache.insert(key, schedule.clone());
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::Duration;

    #[test]
    fn a_schedule_is_parsed_once_and_a_failure_is_not_kept() {
        let calls = Cell::new(0);
        let parse = || {
            calls.set(calls.get() + 1);
            Ok::<_, ()>(Schedule::Period(Duration::from_secs(7)))
        };
        let kind = "test-once";
        let first = parsed(kind, "x", "UTC", parse).unwrap();
        let again = parsed(kind, "x", "UTC", parse).unwrap();
        assert_eq!(
            (first, again, calls.get()),
            (
                Schedule::Period(Duration::from_secs(7)),
                Schedule::Period(Duration::from_secs(7)),
                1
            )
        );

        // Another zone or expression is another schedule; the split between
        // zone and expression is part of the key.
        parsed(kind, "x", "Europe/Riga", parse).unwrap();
        parsed(kind, "Cx", "UT", parse).unwrap();
        assert_eq!(calls.get(), 3);

        let failing = || {
            calls.set(calls.get() + 1);
            Err::<Schedule, _>("bad")
        };
        assert_eq!(parsed(kind, "bad", "UTC", failing), Err("bad"));
        assert_eq!(parsed(kind, "bad", "UTC", failing), Err("bad"));
        assert_eq!(calls.get(), 5, "a failure is parsed again");
    }
}
