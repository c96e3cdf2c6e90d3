//! What every request of the API needs, built by the layer and shared by
//! the requests in flight.

use std::sync::Arc;

use crate::api::settings::{Settings, StoreErrorHook};
use crate::store::manage_store::ManageStore;

/// The store, the settings and the error hook.
pub(crate) struct Shared<S: ManageStore> {
    pub(crate) store: Arc<S>,
    pub(crate) settings: Settings,
    pub(crate) on_store_error: StoreErrorHook<S::Error>,
}
