//! The rule one target is held to: the generic cell rate algorithm (GCRA),
//! which needs one timestamp per target and refills smoothly.

use std::time::Duration;

/// The longest window honoured, about 146 years: past it the window is
/// shortened, so that no sum of nanoseconds below can overflow.
const MAX_WINDOW_NANOS: u64 = 1 << 62;

/// `N` pings per window as GCRA.
///
/// A target's state is one instant, `spent_until`: the moment its budget of
/// `N` pings will be whole again (0, or anything up to now, for a target
/// with its whole budget). Each ping let through moves it one interval
/// (window / `N`) later; a ping is let through only if, counting it, the
/// budget spent ahead of now is at most `N` intervals. A ping turned away
/// spends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gcra {
    /// Nanoseconds of budget one ping spends: the window over `N`.
    interval: u64,
    /// Nanoseconds of budget a target holds: `N` intervals, which is the
    /// window rounded down to a whole number of nanoseconds per ping.
    burst: u64,
}

impl Gcra {
    /// `pings` (at least 1) per `window` (not zero).
    pub(crate) fn new(pings: u32, window: Duration) -> Self {
        let window = u64::try_from(window.as_nanos())
            .unwrap_or(u64::MAX)
            .min(MAX_WINDOW_NANOS);
        let pings = u64::from(pings.max(1));
        // At least a nanosecond a ping, so that a budget is always spent.
        let interval = (window / pings).max(1);
        Self {
            interval,
            burst: interval * pings,
        }
    }

    /// Whether a target whose budget is spent until `spent_until` may ping
    /// at `now` (both in nanoseconds from one origin): `Ok` with its new
    /// `spent_until`, or `Err` with the nanoseconds until it may.
    pub(crate) fn admit(self, spent_until: u64, now: u64) -> Result<u64, u64> {
        let after = spent_until.max(now).saturating_add(self.interval);
        let ahead = after - now;
        if ahead <= self.burst {
            Ok(after)
        } else {
            Err(ahead - self.burst)
        }
    }

    /// Whether a target whose budget is spent until `spent_until` has had
    /// its whole budget back for at least a window by `now`: it has sent
    /// nothing for that long.
    pub(crate) fn rested(self, spent_until: u64, now: u64) -> bool {
        spent_until.saturating_add(self.burst) <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn five_a_minute() -> Gcra {
        Gcra::new(5, Duration::from_secs(60))
    }

    /// Pings at each of `times` (nanoseconds), threading the state
    /// through; returns which were let through.
    fn run(rule: Gcra, times: impl IntoIterator<Item = u64>) -> Vec<bool> {
        let mut spent_until = 0;
        times
            .into_iter()
            .map(|t| rule.admit(spent_until, t).map(|s| spent_until = s).is_ok())
            .collect()
    }

    fn seconds(times: &[u64]) -> impl Iterator<Item = u64> + '_ {
        times.iter().map(|t| t * SECOND)
    }

    #[test]
    fn a_whole_budget_is_n_pings_at_once_and_no_more() {
        let admitted = run(five_a_minute(), seconds(&[100; 7]));
        assert_eq!(admitted, [true, true, true, true, true, false, false]);
    }

    #[test]
    fn one_ping_comes_back_every_window_over_n() {
        // After a burst of 5 at t=100, one more every 12 s, not before.
        let admitted = run(
            five_a_minute(),
            seconds(&[100, 100, 100, 100, 100, 111, 112, 123, 124]),
        );
        assert_eq!(
            admitted,
            [true, true, true, true, true, false, true, false, true]
        );
    }

    #[test]
    fn a_target_pinging_at_the_rate_is_never_limited() {
        let times = (0..1_000).map(|i| (50 + i * 12) * SECOND);
        assert!(run(five_a_minute(), times).iter().all(|&ok| ok));
    }

    #[test]
    fn a_quiet_window_restores_the_whole_budget_and_no_more() {
        let mut times = vec![0; 5];
        times.extend([1_000; 6]);
        let admitted = run(five_a_minute(), seconds(&times));
        assert_eq!(admitted.iter().filter(|&&ok| ok).count(), 10);
        assert!(!admitted[10]);
    }

    #[test]
    fn turned_away_pings_spend_nothing() {
        let rule = five_a_minute();
        let full = rule.admit(0, 0).unwrap();
        let full = (1..5).fold(full, |s, _| rule.admit(s, 0).unwrap());
        for _ in 0..100 {
            assert!(rule.admit(full, SECOND).is_err());
        }
        assert_eq!(rule.admit(full, 12 * SECOND), Ok(full + 12 * SECOND));
    }

    #[test]
    fn the_wait_is_until_the_next_ping_is_let_through() {
        let rule = five_a_minute();
        let spent = (0..5).fold(0, |s, _| rule.admit(s, 0).unwrap());
        assert_eq!(rule.admit(spent, 0), Err(12 * SECOND));
        assert_eq!(rule.admit(spent, 3 * SECOND), Err(9 * SECOND));
        assert_eq!(rule.admit(spent, 12 * SECOND - 1), Err(1));
        assert!(rule.admit(spent, 12 * SECOND).is_ok());
    }

    #[test]
    fn the_burst_is_exactly_n_when_the_window_does_not_divide() {
        // 7 pings per 10 ns: 1 ns a ping, 7 at once, the 8th turned away.
        let admitted = run(Gcra::new(7, Duration::from_nanos(10)), [0; 8]);
        assert_eq!(admitted.iter().filter(|&&ok| ok).count(), 7);
        assert!(!admitted[7]);
        // More pings than nanoseconds in the window: still N at once.
        let admitted = run(Gcra::new(1_000, Duration::from_nanos(10)), [0; 1_001]);
        assert_eq!(admitted.iter().filter(|&&ok| ok).count(), 1_000);
    }

    #[test]
    fn a_target_is_rested_a_whole_window_after_its_budget_is_whole() {
        let rule = five_a_minute();
        let spent = (0..5).fold(0, |s, _| rule.admit(s, 0).unwrap());
        assert_eq!(spent, 60 * SECOND);
        assert!(!rule.rested(spent, 60 * SECOND));
        assert!(!rule.rested(spent, 120 * SECOND - 1));
        assert!(rule.rested(spent, 120 * SECOND));
        // An entry never used is rested from the start.
        assert!(rule.rested(0, 60 * SECOND));
        // No overflow near the end of time.
        assert!(!rule.rested(u64::MAX, 0));
    }

    #[test]
    fn a_window_of_centuries_does_not_overflow() {
        let rule = Gcra::new(1, Duration::MAX);
        let spent = rule.admit(0, u64::MAX / 2).unwrap();
        assert!(rule.admit(spent, u64::MAX / 2).is_err());
    }
}
