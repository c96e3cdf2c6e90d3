//! What a ping request means: which paths are pings (`grammar`), what the
//! query says (`query`), where the client is (`client`), and the [`Ping`]
//! handed to the store (`ping`).
//!
//! Pure functions and plain data, below the state machine (which reads a
//! [`Ping`]) and everything else. May use: nothing of the crate.

pub(crate) mod client;
pub(crate) mod grammar;
pub(crate) mod ping;
pub(crate) mod query;

pub use client::ForwardedHeaders;
pub use grammar::{classify, InvalidPrefix, PingPath, Prefix, Route, Signal, Target};
pub use ping::{FailedPing, Ping};
pub use query::{InvalidRunId, PingQuery};
