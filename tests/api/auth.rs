//! SPEC 11, projects and keys; methods, CORS, and what is not the API's.

use axum::http::StatusCode;
use serde_json::json;

use crate::backends::ManageBackend as Backend;
use crate::{Api, OTHER_RW, RO, RW};

suite!(
    a_missing_or_short_key_is_a_missing_key,
    an_unknown_key_is_a_wrong_key,
    a_read_only_key_where_the_endpoint_writes_is_a_wrong_key,
    a_post_may_carry_its_key_in_the_body_unless_the_header_is_there,
    a_bad_body_is_refused_before_the_key_is_looked_at,
    each_key_sees_only_its_project,
    every_answer_carries_cors_and_options_is_a_preflight,
    a_method_the_endpoint_does_not_take_is_405_with_allow,
    status_needs_no_key,
    paths_that_are_not_the_apis_go_to_the_app,
    checks_without_the_trailing_slash_are_served_as_checks,
);

async fn a_missing_or_short_key_is_a_missing_key<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    for key in [
        None,
        Some(""),
        Some("short"),
        Some(&RW[..31]),
        Some("x".repeat(33).as_str()),
    ] {
        let answer = api.call("GET", "/api/v3/checks/", key, "").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(answer.body, json!({"error": "missing api key"}), "{key:?}");
    }
}

async fn an_unknown_key_is_a_wrong_key<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let answer = api
        .get("/api/v3/checks/", "hcw_9999999999999999999999999999")
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, json!({"error": "wrong api key"}));
}

async fn a_read_only_key_where_the_endpoint_writes_is_a_wrong_key<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let check = api.create(json!({"name": "job"})).await;
    let uuid = check["uuid"].as_str().unwrap();
    for (method, path) in [
        ("POST", "/api/v3/checks/".to_owned()),
        ("POST", format!("/api/v3/checks/{uuid}")),
        ("DELETE", format!("/api/v3/checks/{uuid}")),
        ("POST", format!("/api/v3/checks/{uuid}/pause")),
        ("GET", format!("/api/v3/checks/{uuid}/pings/")),
        ("GET", "/api/v3/channels/".to_owned()),
    ] {
        let answer = api.call(method, &path, Some(RO), "{}").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(answer.body, json!({"error": "wrong api key"}));
    }
    // Reading is open to it.
    assert_eq!(api.get("/api/v3/checks/", RO).await.status, StatusCode::OK);
}

async fn a_post_may_carry_its_key_in_the_body_unless_the_header_is_there<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let body = json!({"api_key": RW, "name": "from the body"}).to_string();
    let answer = api.call("POST", "/api/v3/checks/", None, &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    // A header, even empty, is the key.
    let answer = api.call("POST", "/api/v3/checks/", Some(""), &body).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, json!({"error": "missing api key"}));
    // A GET never reads its body.
    let answer = api.call("GET", "/api/v3/checks/", None, &body).await;
    assert_eq!(answer.body, json!({"error": "missing api key"}));
}

async fn a_bad_body_is_refused_before_the_key_is_looked_at<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let answer = api.call("POST", "/api/v3/checks/", None, "{not json").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        json!({"error": "could not parse request body"})
    );
    let answer = api.call("POST", "/api/v3/checks/", None, "[1, 2]").await;
    assert_eq!(
        answer.body,
        json!({"error": "json validation error: value is not an object"})
    );
    let answer = api
        .call("POST", "/api/v3/checks/", Some(RW), "\u{ff}")
        .await;
    assert_eq!(
        answer.body,
        json!({"error": "could not parse request body"})
    );
    // Too big to read: refused, nothing created.
    let huge = json!({"name": "x", "desc": "y".repeat(100_000)}).to_string();
    let answer = api.call("POST", "/api/v3/checks/", Some(RW), &huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let listed = api.get("/api/v3/checks/", RW).await;
    assert_eq!(listed.body, json!({"checks": []}));
}

async fn each_key_sees_only_its_project<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let mine = api.create(json!({"name": "mine"})).await;
    let uuid = mine["uuid"].as_str().unwrap();
    let listed = api.get("/api/v3/checks/", OTHER_RW).await;
    assert_eq!(listed.body, json!({"checks": []}));
    for (method, path) in [
        ("GET", format!("/api/v3/checks/{uuid}")),
        ("POST", format!("/api/v3/checks/{uuid}")),
        ("DELETE", format!("/api/v3/checks/{uuid}")),
        ("POST", format!("/api/v3/checks/{uuid}/pause")),
        ("POST", format!("/api/v3/checks/{uuid}/resume")),
        ("GET", format!("/api/v3/checks/{uuid}/pings/")),
        ("GET", format!("/api/v3/checks/{uuid}/pings/1/body")),
        ("GET", format!("/api/v3/checks/{uuid}/flips/")),
    ] {
        let answer = api.call(method, &path, Some(OTHER_RW), "{}").await;
        // As if it did not exist: healthchecks says 403, which tells that
        // the UUID is someone's.
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(answer.body, json!({"error": "not found"}));
    }
    let still = api.get(&format!("/api/v3/checks/{uuid}"), RW).await;
    assert_eq!(still.body["status"], "new", "untouched");
}

async fn every_answer_carries_cors_and_options_is_a_preflight<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    for answer in [
        api.get("/api/v3/checks/", RW).await,
        api.call("GET", "/api/v3/checks/", None, "").await,
        api.get(&format!("/api/v3/checks/{}", uuid::Uuid::new_v4()), RW)
            .await,
        api.call("GET", "/api/v3/status/", None, "").await,
    ] {
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
        assert_eq!(answer.headers["access-control-allow-headers"], "X-Api-Key");
        assert_eq!(answer.headers["access-control-max-age"], "600");
    }
    let preflight = api.call("OPTIONS", "/api/v3/checks/", None, "").await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert!(preflight.bytes.is_empty());
    assert_eq!(
        preflight.headers["access-control-allow-methods"],
        "GET, POST, OPTIONS"
    );
}

async fn a_method_the_endpoint_does_not_take_is_405_with_allow<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let answer = api.call("PUT", "/api/v3/checks/", Some(RW), "{}").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers["allow"], "GET, POST, OPTIONS");
    assert_eq!(answer.body, json!({"error": "method not allowed"}));
    let uuid = uuid::Uuid::new_v4();
    let answer = api
        .call("GET", &format!("/api/v3/checks/{uuid}/pause"), Some(RW), "")
        .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers["allow"], "POST, OPTIONS");
}

async fn status_needs_no_key<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    for version in ["v1", "v2", "v3"] {
        let answer = api
            .call("GET", &format!("/api/{version}/status/"), None, "")
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.bytes, b"OK");
    }
}

async fn paths_that_are_not_the_apis_go_to_the_app<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let answer = api.call("GET", "/api/v3/mine", None, "").await;
    assert_eq!(answer.bytes, b"the app's own");
    for path in [
        "/api/v4/checks/",
        "/api/v3/checks/not-a-uuid",
        "/api/v3/users/",
    ] {
        let answer = api.call("GET", path, Some(RW), "").await;
        assert_eq!(answer.bytes, b"app 404", "{path}");
    }
}

async fn checks_without_the_trailing_slash_are_served_as_checks<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    // healthchecks redirects, and the redirected POST arrives as a GET.
    let created = api.post("/api/v3/checks", RW, json!({"name": "job"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let listed = api.get("/api/v3/checks", RW).await;
    assert_eq!(listed.body["checks"].as_array().unwrap().len(), 1);
}
