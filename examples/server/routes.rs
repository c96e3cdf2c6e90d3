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

/// A check as `GET /checks` shows it: its definition, its state, how it
/// stands now, and its ping log.
fn check_json(check: &Check, pings: &[LoggedPing], now: SystemTime) -> Value {
    let state = &check.state;
    let rules = &check.rules;
    let at = check.status_at(now);
    let cron = rules.schedule.cron();
    json!({
        "uuid": check.uuid,
        "name": check.name,
        "slug": check.slug,
        "ping_key": check.ping_key,
        "status": at.status.as_str(),
        "started": at.started,
        "next_ping": at.next_ping.map(rfc3339),
        "alert_after": state.alert_after.map(rfc3339),
        "timeout": rules.schedule.period().map(|p| p.as_secs()),
        "grace": rules.grace.as_secs(),
        "schedule": cron.map(|c| c.expression()),
        "tz": cron.map_or("UTC", |c| c.time_zone()),
        "n_pings": state.n_pings,
        "last_ping": state.last_ping.map(rfc3339),
        "last_start": state.last_start.map(rfc3339),
        "last_start_rid": state.last_start_rid,
        "last_duration": state.last_duration.map(|d| d.as_secs_f64()),
        "pings": pings.iter().map(ping_json).collect::<Vec<_>>(),
    })
}

fn ping_json(ping: &LoggedPing) -> Value {
    json!({
        "n": ping.n,
        "kind": ping.kind.as_str(),
        "exit_status": ping.exit_status,
        "method": ping.method.as_str(),
        "scheme": ping.scheme.as_str(),
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
        "rid": ping.rid,
        "body": String::from_utf8_lossy(&ping.body),
        "body_len": ping.body.len(),
        "received_at": rfc3339(ping.received_at),
        "duration": ping.duration.map(|d| d.as_secs_f64()),
    })
}

fn flip_json(flip: &RecordedFlip) -> Value {
    json!({
        "uuid": flip.check,
        "old_status": flip.flip.old_status.as_str(),
        "new_status": flip.flip.new_status.as_str(),
        "reason": flip.flip.reason.as_str(),
        "at": rfc3339(flip.flip.at),
        "delivered": flip.delivered,
    })
}

/// UTC, to the microsecond, with a `Z`.
pub fn rfc3339(time: SystemTime) -> String {
    match jiff::Timestamp::try_from(time) {
        Ok(time) => format!("{time:.6}"),
        Err(_) => "out of range".to_owned(),
    }
}
