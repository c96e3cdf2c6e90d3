//! The app's own routes: the checks and flips as JSON, and pausing,
//! resuming and removing checks.

use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_ping::{Check, LoggedPing, RecordedFlip, SqlStoreError};
use uuid::Uuid;

use crate::backend::{Act, Backend};

/// `/checks`, `/flips`, and the acts on one check.
pub fn routes(backend: Backend) -> Router {
    Router::new()
        .route("/checks", get(list_checks))
        .route("/flips", get(list_flips))
        .route("/checks/{uuid}/pause", post(pause))
        .route("/checks/{uuid}/resume", post(resume))
        .route("/checks/{uuid}", delete(remove))
        .with_state(backend)
}

type Failure = (StatusCode, String);

fn unavailable(error: SqlStoreError) -> Failure {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("store unavailable: {error}\n"),
    )
}

async fn list_checks(State(store): State<Backend>) -> Result<Json<Value>, Failure> {
    let now = SystemTime::now();
    let mut checks = Vec::new();
    for check in store.checks().await.map_err(unavailable)? {
        let pings = store.pings(check.uuid).await.map_err(unavailable)?;
        checks.push(check_json(&check, &pings, now));
    }
    Ok(Json(Value::Array(checks)))
}

async fn list_flips(State(store): State<Backend>) -> Result<Json<Value>, Failure> {
    let flips = store.flips().await.map_err(unavailable)?;
    Ok(Json(flips.iter().map(flip_json).collect()))
}

async fn pause(state: State<Backend>, uuid: Path<String>) -> Result<StatusCode, Failure> {
    act(state, uuid, Act::Pause).await
}

async fn resume(state: State<Backend>, uuid: Path<String>) -> Result<StatusCode, Failure> {
    act(state, uuid, Act::Resume).await
}

async fn remove(state: State<Backend>, uuid: Path<String>) -> Result<StatusCode, Failure> {
    act(state, uuid, Act::Remove).await
}

/// `204` when done, `404` for an unknown (or malformed) UUID.
async fn act(
    State(store): State<Backend>,
    Path(uuid): Path<String>,
    act: Act,
) -> Result<StatusCode, Failure> {
    let not_found = (StatusCode::NOT_FOUND, "no such check\n".to_owned());
    let uuid = Uuid::parse_str(&uuid).map_err(|_| not_found.clone())?;
    match store.act(act, uuid).await.map_err(unavailable)? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(not_found),
    }
}

/// A check as `GET /checks` shows it: the check as its type writes it
/// (definition and state), how it stands now (`status`, `started`,
/// `next_ping`, `alert_after`), and its ping log.
fn check_json(check: &Check, pings: &[LoggedPing], now: SystemTime) -> Value {
    let mut json = serde_json::to_value(check).expect("a check is JSON");
    let Value::Object(fields) = &mut json else {
        unreachable!("a check is written as an object");
    };
    if let Ok(Value::Object(now)) = serde_json::to_value(check.status_at(now)) {
        fields.extend(now);
    }
    fields.insert("pings".into(), json!(pings));
    json
}

fn flip_json(flip: &RecordedFlip) -> Value {
    serde_json::to_value(flip).expect("a flip is JSON")
}
