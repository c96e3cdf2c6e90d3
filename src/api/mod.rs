//! The Management API: [`ApiLayer`](crate::ApiLayer), healthchecks'
//! `/api/v1/`, `/api/v2/` and `/api/v3/` over any
//! [`ManageStore`](crate::ManageStore) (feature `api`).
//!
//! A face of the crate, in the shape of the ping layer: `layer.rs` (the
//! configuration, `settings.rs` what the service reads of it), `service.rs`
//! (a request either is an endpoint, `route.rs`, or goes to the app
//! untouched), `handle.rs` (one request, top-down: method, body, key,
//! endpoint), `future.rs` and `body.rs` (what the service returns; a
//! listing is written a page at a time). What a request carries is read in
//! `auth.rs` (the key), `read_body.rs`, `spec.rs` (a check definition, as
//! strictly as healthchecks reads it) and `query.rs`; what the API writes,
//! in `json.rs` and `answer.rs`.
//!
//! May use: the operator contract and the data it speaks in (`store`), the
//! state machine's `status_at` (`state`), RFC 3339 (`time`), the ping
//! layer's time limit, the reports (`events`). Nothing below imports this
//! part.

mod answer;
mod auth;
mod body;
mod future;
mod handle;
mod json;
mod layer;
mod query;
mod read_body;
mod route;
mod service;
mod settings;
mod shared;
mod spec;

pub use body::{ApiBody, BoxError};
pub use future::ApiFuture;
pub use layer::ApiLayer;
pub use service::ApiService;
pub use settings::DEFAULT_API_BODY_LIMIT;
