//! Which channels a flip's alerts go to, as SQL: the check's channels
//! resolved against `tower_ping_channels`, in the statements that queue
//! alerts (each backend's `write_applied`).

/// Joins the registered channels `ch` that check `c` alerts (every one for
/// `*`, else those its list names); a check that alerts none gets one row
/// without a channel.
macro_rules! channels_join {
    () => {
        " LEFT JOIN tower_ping_channels ch ON (c.channels = '*' \
         OR c.channels LIKE '%' || ch.uuid || '%')"
    };
}
pub(crate) use channels_join;

/// Keeps the rows of [`channels_join!`] that are alerts: a channel of the
/// check, or no channel when the store has none and the check alerts every
/// channel.
macro_rules! channels_where {
    () => {
        "(ch.uuid IS NOT NULL OR (c.channels = '*' \
         AND NOT EXISTS (SELECT 1 FROM tower_ping_channels)))"
    };
}
pub(crate) use channels_where;
