//! The bound on pings in flight: past it, a ping is turned away at once
//! instead of queueing for the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How many pings may be in flight at once, and how many are.
///
/// One per layer, shared by every service the layer makes, so the bound holds
/// for the whole app however often the layer is applied.
#[derive(Debug)]
pub(crate) struct ConcurrencyLimit {
    max: usize,
    in_flight: AtomicUsize,
}

/// A ping's place under the bound, given back when it is dropped: when the
/// ping is answered, when its future is dropped, or when a panic unwinds it.
#[derive(Debug)]
pub(crate) struct Permit(Arc<ConcurrencyLimit>);

impl ConcurrencyLimit {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            in_flight: AtomicUsize::new(0),
        }
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// A permit, or `None` when `max` pings are already in flight.
    pub(crate) fn try_acquire(self: &Arc<Self>) -> Option<Permit> {
        // Counting first and taking it back when over keeps this one atomic
        // operation in the common case; a brief overshoot only turns away a
        // ping that raced another to the last place.
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        if before >= self.max {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Permit(self.clone()))
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_bounded_and_given_back_on_drop() {
        let limit = Arc::new(ConcurrencyLimit::new(2));
        let a = limit.try_acquire().expect("first");
        let b = limit.try_acquire().expect("second");
        assert!(limit.try_acquire().is_none(), "a third is over the bound");
        drop(a);
        let c = limit.try_acquire().expect("a place was given back");
        assert!(limit.try_acquire().is_none());
        drop((b, c));
        assert_eq!(limit.in_flight.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_bound_of_zero_turns_every_ping_away() {
        let limit = Arc::new(ConcurrencyLimit::new(0));
        assert!(limit.try_acquire().is_none());
        assert_eq!(limit.in_flight.load(Ordering::Acquire), 0);
    }
}
