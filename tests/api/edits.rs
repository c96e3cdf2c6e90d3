//! SPEC 11, changing checks: update, delete, pause, resume; channels.

use axum::http::StatusCode;
use serde_json::json;
use tower_ping::{FlipQuery, ManageStore};

use crate::backends::ManageBackend as Backend;
use crate::{uuid_of, Api, RW};

suite!(
    an_update_changes_the_fields_given_and_nothing_else,
    an_update_with_a_bad_field_changes_nothing,
    a_new_zone_alone_moves_a_cron_schedule,
    delete_answers_with_the_check_it_removed,
    pause_and_resume_answer_with_the_check_and_record_no_flip,
    resuming_a_check_that_is_not_paused_is_409,
    channels_are_listed_and_assigned_by_id_or_name,
    an_unknown_check_is_a_json_404,
    every_filter_flag_reads_back_as_written,
    the_alert_policy_is_set_read_and_cleared,
);

async fn an_update_changes_the_fields_given_and_nothing_else<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api
        .create(json!({"name": "job", "tags": "a", "timeout": 3600, "desc": "kept"}))
        .await;
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    let updated = api
        .post(&path, RW, json!({"tags": "b c", "grace": 300}))
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["tags"], "b c");
    assert_eq!(updated.body["grace"], 300);
    assert_eq!(updated.body["desc"], "kept");
    assert_eq!(updated.body["timeout"], 3600);
    assert_eq!(updated.body["name"], "job");
    // An empty body changes nothing.
    let same = api.call("POST", &path, Some(RW), "").await;
    assert_eq!(same.body, updated.body);
    // v1 and v2 make the slug from a new name.
    let renamed = api
        .post(
            &path.replace("/v3/", "/v2/"),
            RW,
            json!({"name": "Nightly Job"}),
        )
        .await;
    assert_eq!(renamed.body["slug"], "nightly-job");
}

async fn an_update_with_a_bad_field_changes_nothing<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api.create(json!({"name": "job", "tags": "a"})).await;
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    let refused = api.post(&path, RW, json!({"tags": "b", "grace": 10})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        json!({"error": "json validation error: grace is too small"})
    );
    let refused = api
        .post(
            &path,
            RW,
            json!({"tags": "b", "channels": "no-such-channel"}),
        )
        .await;
    assert_eq!(
        refused.body,
        json!({"error": "invalid channel identifier: no-such-channel"})
    );
    assert_eq!(api.get(&path, RW).await.body["tags"], "a");
}

async fn a_new_zone_alone_moves_a_cron_schedule<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api
        .create(json!({"name": "nightly", "schedule": "0 3 * * *"}))
        .await;
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    let moved = api.post(&path, RW, json!({"tz": "Asia/Tokyo"})).await;
    assert_eq!(
        (moved.body["schedule"].as_str(), moved.body["tz"].as_str()),
        (Some("0 3 * * *"), Some("Asia/Tokyo"))
    );
    // A new expression keeps the zone.
    let changed = api.post(&path, RW, json!({"schedule": "30 4 * * *"})).await;
    assert_eq!(changed.body["tz"], "Asia/Tokyo");
    // A timeout makes it a period check again.
    let simple = api.post(&path, RW, json!({"timeout": 600})).await;
    assert_eq!(simple.body["timeout"], 600);
    assert!(simple.body.get("schedule").is_none());
}

async fn delete_answers_with_the_check_it_removed<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api.create(json!({"name": "job"})).await;
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    let deleted = api.call("DELETE", &path, Some(RW), "").await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["uuid"], created["uuid"]);
    assert_eq!(api.get(&path, RW).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.call("DELETE", &path, Some(RW), "").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn pause_and_resume_answer_with_the_check_and_record_no_flip<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api.create(json!({"name": "job"})).await;
    let uuid = uuid_of(&created);
    let paused = api
        .call(
            "POST",
            &format!("/api/v3/checks/{uuid}/pause"),
            Some(RW),
            "",
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK);
    assert_eq!(paused.body["status"], "paused");
    let again = api
        .call(
            "POST",
            &format!("/api/v3/checks/{uuid}/pause"),
            Some(RW),
            "",
        )
        .await;
    assert_eq!(
        (again.status, again.body["status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    let resumed = api
        .call(
            "POST",
            &format!("/api/v3/checks/{uuid}/resume"),
            Some(RW),
            "",
        )
        .await;
    assert_eq!(resumed.status, StatusCode::OK);
    assert_eq!(resumed.body["status"], "new");
    let flips = api
        .b
        .store()
        .flips(FlipQuery::new(10).check(uuid))
        .await
        .ok()
        .unwrap();
    assert!(
        flips.is_empty(),
        "pausing and resuming are the user's own acts: {flips:?}"
    );
    let listed = api.get(&format!("/api/v3/checks/{uuid}/flips/"), RW).await;
    assert_eq!(listed.body, json!({"flips": []}));
}

async fn resuming_a_check_that_is_not_paused_is_409<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api.create(json!({"name": "job"})).await;
    let answer = api
        .call(
            "POST",
            &format!("/api/v3/checks/{}/resume", uuid_of(&created)),
            Some(RW),
            "",
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.body, json!({"error": "check is not paused"}));
}

async fn channels_are_listed_and_assigned_by_id_or_name<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let ops = api.channel("ops").await;
    let dev = api.channel("dev").await;
    let listed = api.get("/api/v3/channels/", RW).await.body;
    assert_eq!(
        listed,
        json!({"channels": [
            {"id": ops.to_string(), "name": "ops", "kind": "webhook"},
            {"id": dev.to_string(), "name": "dev", "kind": "webhook"},
        ]})
    );
    let by_name = api.create(json!({"name": "a", "channels": "dev"})).await;
    assert_eq!(by_name["channels"], dev.to_string());
    let both = api
        .create(json!({"name": "b", "channels": format!("{ops},dev")}))
        .await;
    let mut expected = [ops.to_string(), dev.to_string()];
    expected.sort();
    assert_eq!(both["channels"], expected.join(","));
    let all = api.create(json!({"name": "c", "channels": "*"})).await;
    assert_eq!(all["channels"], expected.join(","));
    let none = api.create(json!({"name": "d", "channels": ""})).await;
    assert_eq!(none["channels"], "");
}

async fn an_unknown_check_is_a_json_404<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let uuid = uuid::Uuid::new_v4();
    for (method, path) in [
        ("GET", format!("/api/v3/checks/{uuid}")),
        ("POST", format!("/api/v3/checks/{uuid}/pause")),
        ("GET", format!("/api/v3/checks/{uuid}/pings/")),
    ] {
        let answer = api.call(method, &path, Some(RW), "").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.body, json!({"error": "not found"}));
        assert_eq!(answer.headers["content-type"], "application/json");
    }
}

async fn every_filter_flag_reads_back_as_written<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api
        .create(json!({
            "name": "job", "filter_http_body": true, "filter_body": true,
            "filter_default_fail": true, "start_kw": "go", "success_kw": "OK", "failure_kw": "ERR",
        }))
        .await;
    assert_eq!(created["filter_http_body"], true);
    assert_eq!(created["filter_body"], true);
    assert_eq!(created["filter_subject"], false);
    assert_eq!(created["filter_default_fail"], true);
    assert_eq!(
        (
            created["start_kw"].as_str(),
            created["success_kw"].as_str(),
            created["failure_kw"].as_str()
        ),
        (Some("go"), Some("OK"), Some("ERR"))
    );
    // The HTTP body filter is the one pings meet.
    let stored = api
        .b
        .store()
        .check(uuid_of(&created))
        .await
        .ok()
        .flatten()
        .unwrap();
    assert!(stored.rules.filter.filter_body);
    assert!(stored.filter_email_body);
    // subject and subject_fail are the keywords under their old names.
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    let updated = api
        .post(&path, RW, json!({"subject": "DONE", "subject_fail": ""}))
        .await
        .body;
    assert_eq!(updated["success_kw"], "DONE");
    assert_eq!(updated["failure_kw"], "");
    assert_eq!(updated["filter_subject"], true);
    assert_eq!(
        (
            updated["subject"].as_str(),
            updated["subject_fail"].as_str()
        ),
        (Some("DONE"), Some(""))
    );
}

async fn the_alert_policy_is_set_read_and_cleared<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api
        .create(
            json!({"name": "job", "remind_every": 3600, "down_after_failures": 3,
            "up_after_successes": 2, "max_runtime": 600}),
        )
        .await;
    assert_eq!(
        (
            &created["remind_every"],
            &created["down_after_failures"],
            &created["up_after_successes"],
            &created["max_runtime"]
        ),
        (&json!(3600), &json!(3), &json!(2), &json!(600))
    );
    let path = format!("/api/v3/checks/{}", uuid_of(&created));
    // 0 or null turns reminders and the run limit off.
    let cleared = api
        .post(&path, RW, json!({"remind_every": 0, "max_runtime": null}))
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(
        (&cleared.body["remind_every"], &cleared.body["max_runtime"]),
        (&json!(null), &json!(null))
    );
    assert_eq!(cleared.body["down_after_failures"], 3);
    // A new check keeps healthchecks' behaviour.
    let plain = api.create(json!({"name": "plain"})).await;
    assert_eq!(
        (&plain["down_after_failures"], &plain["remind_every"]),
        (&json!(1), &json!(null))
    );
    for (body, error) in [
        (
            json!({"down_after_failures": 0}),
            "down_after_failures is too small",
        ),
        (
            json!({"up_after_successes": 1001}),
            "up_after_successes is too large",
        ),
        (
            json!({"down_after_failures": "2"}),
            "down_after_failures is not a number",
        ),
        (json!({"remind_every": 30}), "remind_every is too small"),
        (json!({"max_runtime": true}), "max_runtime is too small"),
    ] {
        let refused = api.post(&path, RW, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            refused.body,
            json!({ "error": format!("json validation error: {error}") }),
            "{body}"
        );
    }
}
