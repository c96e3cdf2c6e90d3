//! SPEC 11, strict validation: a wrong field is `400 {"error": ...}` with
//! healthchecks' text, and nothing is created.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::backends::ManageBackend as Backend;
use crate::{Api, RW};

suite!(each_bad_field_is_refused_with_healthchecks_text_and_nothing_created,);

async fn each_bad_field_is_refused_with_healthchecks_text_and_nothing_created<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let rows: Vec<(Value, &str)> = vec![
        (
            json!({"name": "x".repeat(101)}),
            "json validation error: name is too long",
        ),
        (
            json!({"name": 5}),
            "json validation error: name is not a string",
        ),
        (
            json!({"name": null}),
            "json validation error: name is not a string",
        ),
        (
            json!({"slug": "a b"}),
            "json validation error: slug does not match pattern",
        ),
        (
            json!({"slug": "x".repeat(101)}),
            "json validation error: slug is too long",
        ),
        (
            json!({"timeout": 59}),
            "json validation error: timeout is too small",
        ),
        (
            json!({"timeout": 31_536_001}),
            "json validation error: timeout is too large",
        ),
        (
            json!({"timeout": "3600"}),
            "json validation error: timeout is not a number",
        ),
        (
            json!({"grace": null}),
            "json validation error: grace is not a number",
        ),
        (
            json!({"tags": []}),
            "json validation error: tags is not a string",
        ),
        (
            json!({"manual_resume": "true"}),
            "json validation error: manual_resume is not a boolean",
        ),
        (
            json!({"methods": "post"}),
            "json validation error: methods has unexpected value",
        ),
        (
            json!({"schedule": "0 3 * * * *"}),
            "json validation error: schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"schedule": "61 * * * *"}),
            "json validation error: schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"schedule": "Mox 09:00"}),
            "json validation error: schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"tz": "Mars/Olympus"}),
            "json validation error: tz is not a valid timezone",
        ),
        (
            json!({"unique": ["uuid"]}),
            "json validation error: an item in 'unique' has unexpected value",
        ),
        (json!({"channels": ",b"}), "empty channel identifier"),
        (
            json!({"channels": "nope"}),
            "invalid channel identifier: nope",
        ),
        (
            json!({"success_kw": "k".repeat(201)}),
            "json validation error: success_kw is too long",
        ),
    ];
    for (body, error) in rows {
        let answer = api.post("/api/v3/checks/", RW, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.body, json!({"error": error}), "{body}");
    }
    let listed = api.get("/api/v3/checks/", RW).await;
    assert_eq!(listed.body, json!({"checks": []}), "nothing half-created");
    // Unknown keys are ignored, as healthchecks does.
    let fine = api
        .post(
            "/api/v3/checks/",
            RW,
            json!({"name": "ok", "colour": "blue"}),
        )
        .await;
    assert_eq!(fine.status, StatusCode::CREATED);
}
