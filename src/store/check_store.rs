//! The storage contract: how the layer finds checks and records pings.

use std::sync::Arc;

use async_trait::async_trait;

use crate::request::grammar::Target;
use crate::request::ping::Ping;

/// Where a ping's target led.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<Id> {
    /// Exactly one check: this one.
    Found(Id),
    /// No check has this UUID, or no project has this ping key, or the
    /// project has no check with this slug.
    NotFound,
    /// Two or more checks of the project share the slug.
    Ambiguous,
}

/// What [`CheckStore::create`] did with a `?create=1` ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// The check did not exist: it was created and the ping recorded on it.
    Created,
    /// The check appeared meanwhile (another request created it): the ping
    /// was recorded on it.
    Recorded,
    /// Checks sharing the slug appeared meanwhile: nothing was recorded.
    Ambiguous,
    /// The ping key is unknown, or the store does not create checks: nothing
    /// was recorded.
    NotFound,
}

/// A place where checks live and pings are recorded.
///
/// The layer calls [`resolve`](CheckStore::resolve) for every well-formed
/// ping, then [`record`](CheckStore::record) on the check it found, or
/// [`create`](CheckStore::create) when the ping asked `?create=1` and no check
/// was found. It answers `200`/`201` only after `record`/`create` returned
/// `Ok`, so a store that returns `Ok` before the ping is durable can lose
/// acknowledged pings.
///
/// `record` must apply the ping with [`apply`](crate::apply), atomically with
/// respect to other pings of the same check: two concurrent pings of one check
/// must get distinct, consecutive numbers.
///
/// Errors become `503 store unavailable`; the error itself goes to the hook
/// set with [`PingLayer::on_store_error`](crate::PingLayer::on_store_error),
/// never to the client.
///
/// # Example
///
/// A store over a user's own data is a `resolve` and a `record`; see
/// `examples/custom_store/` (`jobs.rs`) for a complete one, the monitor and
/// alerts included.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use tower_ping::{apply, async_trait, CheckRules, CheckState, CheckStore, Lookup, Ping, Target};
/// use uuid::Uuid;
///
/// #[derive(Default)]
/// struct Jobs(Mutex<HashMap<Uuid, CheckState>>);
///
/// #[async_trait]
/// impl CheckStore for Jobs {
///     type CheckId = Uuid;
///     type Error = std::convert::Infallible;
///
///     async fn resolve(&self, target: Target<'_>) -> Result<Lookup<Uuid>, Self::Error> {
///         Ok(match target {
///             Target::Uuid(uuid) if self.0.lock().unwrap().contains_key(&uuid) => Lookup::Found(uuid),
///             _ => Lookup::NotFound,
///         })
///     }
///
///     async fn record(&self, check: Uuid, ping: Ping) -> Result<(), Self::Error> {
///         let mut jobs = self.0.lock().unwrap();
///         let state = jobs.get_mut(&check).expect("resolved checks are never removed here");
///         *state = apply(state, &CheckRules::default(), &ping).state;
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait CheckStore: Send + Sync + 'static {
    /// How the store names a check between `resolve` and `record`: a primary
    /// key, a UUID, a handle.
    type CheckId: Send + Sync + 'static;

    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Finds the check a ping is for.
    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<Self::CheckId>, Self::Error>;

    /// Records a ping on a check that `resolve` found, applying it with
    /// [`apply`](crate::apply). Returns once the ping is stored for good.
    async fn record(&self, check: Self::CheckId, ping: Ping) -> Result<(), Self::Error>;

    /// For `/<ping-key>/<slug>?create=1` when `resolve` found no check: creates
    /// the check (named after the slug, in the project of the ping key) and
    /// records `ping` as its first ping, as one step.
    ///
    /// Never creates a check for an unknown ping key. A store that does not
    /// support creation keeps this default, which answers as not found.
    async fn create(
        &self,
        ping_key: &str,
        slug: &str,
        ping: Ping,
    ) -> Result<Creation, Self::Error> {
        let _ = (ping_key, slug, ping);
        Ok(Creation::NotFound)
    }
}

#[async_trait]
impl<S: CheckStore> CheckStore for Arc<S> {
    type CheckId = S::CheckId;
    type Error = S::Error;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<Self::CheckId>, Self::Error> {
        (**self).resolve(target).await
    }

    async fn record(&self, check: Self::CheckId, ping: Ping) -> Result<(), Self::Error> {
        (**self).record(check, ping).await
    }

    async fn create(
        &self,
        ping_key: &str,
        slug: &str,
        ping: Ping,
    ) -> Result<Creation, Self::Error> {
        (**self).create(ping_key, slug, ping).await
    }
}
