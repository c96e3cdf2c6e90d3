//! The ping layer: [`PingLayer`](crate::PingLayer) and what it is made of.
//!
//! A face of the crate. `layer.rs` is the configuration the app builds
//! (`settings.rs` what of it the service reads), `service.rs` the route of a request (read it top-down), `future.rs` and
//! `body.rs` what the service returns, `answer.rs` the answers the layer
//! writes itself. The bound on pings in flight, the per-check rate limit,
//! the body capture and the time limits are the layer's own and live here.
//!
//! May use: what a request means (`request`), the store contract
//! (`store::check_store`), the reports (`events`). Nothing below imports
//! this part.

pub(crate) mod answer;
pub(crate) mod body;
pub(crate) mod body_capture;
pub(crate) mod concurrency;
pub(crate) mod future;
pub(crate) mod layer;
pub(crate) mod rate_limit;
pub(crate) mod service;
pub(crate) mod settings;
pub(crate) mod time_limit;

pub use body::ResponseBody;
pub use future::ResponseFuture;
pub use layer::PingLayer;
pub use rate_limit::{RateDecision, RateLimit, RateLimiter};
pub use service::PingService;
pub use settings::DEFAULT_BODY_LIMIT;
