//! [`RecordedFlip`]: a flip as a store keeps it.

use uuid::Uuid;

use crate::state::flip::Flip;

/// A flip as a store keeps it: the [`Flip`], the check it belongs to, and
/// whether its alert was delivered.
///
/// With the `serde` feature: `id` (a number), `uuid` (the check's), the
/// flip's `old_status`, `new_status`, `reason` and `at` written flat (see
/// [`Flip`]), and `delivered` (a boolean).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RecordedFlip {
    /// The store's number for the flip: flips are numbered in the order
    /// they were recorded.
    pub id: u64,
    /// The check's UUID.
    #[cfg_attr(feature = "serde", serde(rename = "uuid"))]
    pub check: Uuid,
    /// The status change.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub flip: Flip,
    /// Whether the app's notifier took its alert. Always `false` for flips
    /// that are not alertable.
    pub delivered: bool,
}

impl RecordedFlip {
    /// A flip as a store read it.
    pub fn new(id: u64, check: Uuid, flip: Flip, delivered: bool) -> Self {
        Self {
            id,
            check,
            flip,
            delivered,
        }
    }
}
