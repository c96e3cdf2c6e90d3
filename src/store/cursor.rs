//! [`Cursor`]: where the next page of a listing starts.

/// A place in a listing: where the next page starts. Opaque to callers; a
/// store makes it from whatever orders its checks or flips (a row id, a
/// serial number), which must not change while the store runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor(pub u64);
