//! Which project a request's API key opens, and how far: the key from
//! `X-Api-Key` (or a POST body's `api_key`), found by its digest's first
//! digits and compared in constant time.

use std::sync::Arc;

use http::HeaderMap;
use serde_json::{Map, Value};

use crate::api::answer::ApiError;
use crate::api::shared::Shared;
use crate::store::manage_store::ManageStore;
use crate::store::project::{Access, KeyDigest, Project};

/// The length of every API key, as healthchecks makes them.
const KEY_LENGTH: usize = 32;

/// The key a request presents.
#[derive(Debug)]
pub(crate) struct Key(String);

impl Key {
    /// From `X-Api-Key` when the header is there (even empty), else from a
    /// POST body's `api_key` (a string, or a number as written).
    pub(crate) fn of(headers: &HeaderMap, body: Option<&Map<String, Value>>) -> Key {
        if let Some(header) = headers.get("x-api-key") {
            return Key(String::from_utf8_lossy(header.as_bytes()).into_owned());
        }
        let from_body = match body.and_then(|body| body.get("api_key")) {
            Some(Value::String(key)) => key.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => String::new(),
        };
        Key(from_body)
    }
}

/// The project `key` opens and how far; `writes` when the endpoint needs a
/// read-write key. `401 missing api key` for a key that is not 32
/// characters, `401 wrong api key` for one no project has (or a read-only
/// key where the endpoint writes).
pub(crate) async fn authenticate<S: ManageStore>(
    shared: &Arc<Shared<S>>,
    key: Key,
    writes: bool,
) -> Result<(Project, Access), ApiError> {
    if key.0.chars().count() != KEY_LENGTH {
        return Err(ApiError::MissingKey);
    }
    let digest = KeyDigest::of(&key.0);
    let candidates = shared
        .store
        .projects_by_key(&digest.lookup())
        .await
        .map_err(|error| {
            (shared.on_store_error)(&error);
            ApiError::StoreUnavailable
        })?;
    // Every candidate compared, whichever matches.
    let mut found = None;
    for project in candidates {
        if let Some(access) = project.access(&digest) {
            found.get_or_insert((project, access));
        }
    }
    match found {
        Some((_, Access::ReadOnly)) if writes => Err(ApiError::WrongKey),
        Some(found) => Ok(found),
        None => Err(ApiError::WrongKey),
    }
}
