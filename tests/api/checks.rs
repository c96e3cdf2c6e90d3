//! SPEC 11, checks: how a check is written, listed, filtered, and created.

use axum::http::StatusCode;
use serde_json::{json, Value};
use tower_ping::{CheckSpec, CheckStore, Lookup, ManageStore, Ping, Signal, Target};

use crate::backends::{secs, t0, ManageBackend as Backend};
use crate::{uuid_of, Api, PING_KEY, RO, RW, SITE};

suite!(
    a_check_is_written_with_healthchecks_keys_for_a_read_write_key,
    a_read_only_key_sees_the_unique_key_instead_of_the_uuid_and_urls,
    the_status_is_computed_at_the_request,
    v1_says_started_where_v2_and_v3_do_not,
    cron_and_oncalendar_checks_show_their_schedule_and_zone,
    tags_filter_the_listing_every_one_whole,
    a_slug_filters_the_listing,
    a_large_project_is_listed_whole_a_page_at_a_time,
    a_check_is_found_by_its_unique_key,
    create_answers_201_with_the_defaults,
    unique_updates_a_match_with_200,
    v1_and_v2_make_the_slug_from_the_name,
    past_the_check_limit_create_is_403,
    badges_lists_the_signed_urls_of_every_tag_and_of_all,
);

async fn ping<B: Backend>(
    api: &Api<B>,
    uuid: uuid::Uuid,
    signal: Signal,
    at: std::time::SystemTime,
) {
    let store = api.b.store();
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("no check");
    };
    if store.record(id, Ping::new(signal, at)).await.is_err() {
        panic!("not recorded");
    }
}

async fn a_check_is_written_with_healthchecks_keys_for_a_read_write_key<B: Backend>() {
    let Some(api) = Api::<B>::open_at(Some(t0() + secs(30))).await else {
        return;
    };
    let channel = api.channel("ops").await;
    let created = api
        .create(json!({
            "name": "Backups", "slug": "backups", "tags": "prod db", "desc": "nightly",
            "timeout": 3600, "grace": 120, "channels": "*",
            "manual_resume": true, "success_kw": "OK",
        }))
        .await;
    let uuid = uuid_of(&created);
    ping(&api, uuid, Signal::Start, t0()).await;
    let check = api.get(&format!("/api/v3/checks/{uuid}"), RW).await.body;
    let keys: Vec<&str> = check
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "name",
        "slug",
        "tags",
        "desc",
        "grace",
        "n_pings",
        "status",
        "started",
        "last_ping",
        "next_ping",
        "manual_resume",
        "methods",
        "subject",
        "subject_fail",
        "start_kw",
        "success_kw",
        "failure_kw",
        "filter_subject",
        "filter_body",
        "filter_http_body",
        "filter_default_fail",
        "badge_url",
        "uuid",
        "ping_url",
        "update_url",
        "pause_url",
        "resume_url",
        "channels",
        "timeout",
        // Ours, after healthchecks' keys: the alert policy.
        "down_after_failures",
        "up_after_successes",
        "max_runtime",
        "remind_every",
    ];
    let mut keys = keys;
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(check["name"], "Backups");
    assert_eq!(check["tags"], "prod db");
    assert_eq!(
        (check["grace"].as_u64(), check["timeout"].as_u64()),
        (Some(120), Some(3600))
    );
    assert_eq!(check["n_pings"], 1);
    assert_eq!(check["started"], true);
    assert_eq!(check["status"], "new");
    assert_eq!(check["last_ping"], Value::Null);
    // A new check that started a run is expected at its start.
    assert_eq!(check["next_ping"], "2030-01-01T00:00:00+00:00");
    assert_eq!(check["methods"], "");
    assert_eq!(check["manual_resume"], true);
    assert_eq!(check["filter_http_body"], false);
    assert_eq!(check["success_kw"], "OK");
    assert_eq!(
        (check["subject"].as_str(), check["filter_subject"].as_bool()),
        (Some(""), Some(false))
    );
    assert_eq!(check["channels"], channel.to_string());
    assert_eq!(check["ping_url"], format!("{SITE}/ping/{uuid}"));
    assert_eq!(check["update_url"], format!("{SITE}/api/v3/checks/{uuid}"));
    assert_eq!(
        check["pause_url"],
        format!("{SITE}/api/v3/checks/{uuid}/pause")
    );
    assert!(check["badge_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{SITE}/b/2/")));
    // The version named in the path is the one in update_url.
    let v1 = api.get(&format!("/api/v1/checks/{uuid}"), RW).await.body;
    assert_eq!(v1["update_url"], format!("{SITE}/api/v1/checks/{uuid}"));
}

async fn a_read_only_key_sees_the_unique_key_instead_of_the_uuid_and_urls<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let created = api.create(json!({"name": "job"})).await;
    let listed = api.get("/api/v3/checks/", RO).await.body;
    let check = &listed["checks"][0];
    for hidden in [
        "uuid",
        "ping_url",
        "update_url",
        "pause_url",
        "resume_url",
        "channels",
    ] {
        assert!(
            check.get(hidden).is_none(),
            "{hidden} shown to a read-only key"
        );
    }
    let uuid = uuid_of(&created).simple().to_string();
    let expected = sha1_hex(&uuid[..16]);
    assert_eq!(check["unique_key"], expected);
    assert!(created.get("unique_key").is_none());
}

/// SHA-1 in hexadecimal, by the `sha1` crate the tests share with the API.
fn sha1_hex(text: &str) -> String {
    use sha1::Digest;
    use std::fmt::Write;
    sha1::Sha1::digest(text.as_bytes())
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

async fn the_status_is_computed_at_the_request<B: Backend>() {
    // Pinged at t0, a period of 60 s, 60 s of grace.
    for (at, status, next) in [
        (30, "up", Some("2030-01-01T00:01:00+00:00")),
        (90, "grace", Some("2030-01-01T00:01:00+00:00")),
        (121, "down", None),
    ] {
        let Some(api) = Api::<B>::open_at(Some(t0() + secs(at))).await else {
            return;
        };
        let created = api
            .create(json!({"name": "job", "timeout": 60, "grace": 60}))
            .await;
        ping(&api, uuid_of(&created), Signal::Success, t0()).await;
        let check = api
            .get(&format!("/api/v3/checks/{}", uuid_of(&created)), RW)
            .await
            .body;
        assert_eq!(check["status"], status, "at {at}");
        assert_eq!(check["last_ping"], "2030-01-01T00:00:00+00:00");
        assert_eq!(check["next_ping"].as_str(), next, "at {at}");
    }
}

async fn v1_says_started_where_v2_and_v3_do_not<B: Backend>() {
    let Some(api) = Api::<B>::open_at(Some(t0() + secs(10))).await else {
        return;
    };
    let created = api.create(json!({"name": "job"})).await;
    let uuid = uuid_of(&created);
    ping(&api, uuid, Signal::Success, t0()).await;
    ping(&api, uuid, Signal::Start, t0() + secs(5)).await;
    let status = |v: &'static str| {
        let api = &api;
        async move { api.get(&format!("/api/{v}/checks/{uuid}"), RW).await.body["status"].clone() }
    };
    assert_eq!(status("v1").await, "started");
    assert_eq!(status("v2").await, "up");
    assert_eq!(status("v3").await, "up");
}

async fn cron_and_oncalendar_checks_show_their_schedule_and_zone<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let cron = api
        .create(json!({"name": "nightly", "schedule": "0 3 * * *", "tz": "Europe/Riga"}))
        .await;
    assert_eq!(cron["schedule"], "0 3 * * *");
    assert_eq!(cron["tz"], "Europe/Riga");
    assert!(cron.get("timeout").is_none());
    let calendar = api
        .create(json!({"name": "weekdays", "schedule": "Mon..Fri 09:00\n*-*~1 23:00"}))
        .await;
    assert_eq!(calendar["schedule"], "Mon..Fri 09:00\n*-*~1 23:00");
    assert_eq!(calendar["tz"], "UTC");
    let stored = api
        .b
        .store()
        .check(uuid_of(&calendar))
        .await
        .ok()
        .flatten()
        .unwrap();
    assert_eq!(
        stored.rules.schedule.kind(),
        tower_ping::ScheduleKind::OnCalendar
    );
}

async fn tags_filter_the_listing_every_one_whole<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    api.create(json!({"name": "a", "tags": "prod web"})).await;
    api.create(json!({"name": "b", "tags": "prod db"})).await;
    api.create(json!({"name": "c", "tags": "dev"})).await;
    let names = |answer: Value| -> Vec<String> {
        answer["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(api.get("/api/v3/checks/?tag=prod", RW).await.body),
        ["a", "b"]
    );
    assert_eq!(
        names(api.get("/api/v3/checks/?tag=prod&tag=db", RO).await.body),
        ["b"]
    );
    assert!(names(api.get("/api/v3/checks/?tag=pro", RW).await.body).is_empty());
    assert!(names(api.get("/api/v3/checks/?tag=", RW).await.body).is_empty());
    assert_eq!(
        names(api.get("/api/v3/checks/", RW).await.body),
        ["a", "b", "c"]
    );
}

async fn a_slug_filters_the_listing<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    api.create(json!({"name": "a", "slug": "alpha"})).await;
    api.create(json!({"name": "b", "slug": "beta"})).await;
    let listed = api.get("/api/v3/checks/?slug=beta", RW).await.body;
    assert_eq!(listed["checks"].as_array().unwrap().len(), 1);
    assert_eq!(listed["checks"][0]["name"], "b");
    let all = api.get("/api/v3/checks/?slug=", RW).await.body;
    assert_eq!(
        all["checks"].as_array().unwrap().len(),
        2,
        "an empty slug is no filter"
    );
}

async fn a_large_project_is_listed_whole_a_page_at_a_time<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let store = api.b.store();
    // Past the default page of 500: three pages.
    for i in 0..1_100 {
        let spec =
            CheckSpec::new()
                .name(format!("c{i}"))
                .tags(if i % 2 == 0 { "even" } else { "odd" });
        match store.create_check(api.project.uuid, spec, &[]).await {
            Ok(tower_ping::Created::Created(_)) => {}
            _ => panic!("not created"),
        }
    }
    let listed = api.get("/api/v3/checks/", RW).await;
    assert_eq!(listed.status, StatusCode::OK);
    let checks = listed.body["checks"].as_array().expect("one JSON document");
    assert_eq!(checks.len(), 1_100);
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "c0");
    assert_eq!(names[1_099], "c1099");
    let odd = api.get("/api/v3/checks/?tag=odd", RO).await.body;
    assert_eq!(odd["checks"].as_array().unwrap().len(), 550);
}

async fn a_check_is_found_by_its_unique_key<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    api.create(json!({"name": "other"})).await;
    api.create(json!({"name": "wanted"})).await;
    let listed = api.get("/api/v3/checks/", RO).await.body;
    let key = listed["checks"][1]["unique_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = api.get(&format!("/api/v3/checks/{key}"), RO).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["name"], "wanted");
    let flips = api.get(&format!("/api/v3/checks/{key}/flips/"), RO).await;
    assert_eq!(flips.body, json!({"flips": []}));
    let missing = api
        .get(&format!("/api/v3/checks/{}", "0".repeat(40)), RO)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn create_answers_201_with_the_defaults<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    api.channel("ops").await;
    let created = api.post("/api/v3/checks/", RW, json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let check = created.body;
    assert_eq!(check["name"], "");
    assert_eq!(check["slug"], "");
    assert_eq!(check["timeout"], 86_400);
    assert_eq!(check["grace"], 3_600);
    assert_eq!(check["status"], "new");
    assert_eq!(check["channels"], "", "no channel unless asked");
    // It answers to pings, and belongs to the key's project.
    let stored = api
        .b
        .store()
        .check(uuid_of(&check))
        .await
        .ok()
        .flatten()
        .unwrap();
    assert_eq!(stored.ping_key.as_deref(), Some(PING_KEY));
    assert_eq!(stored.project, Some(api.project.uuid));
}

async fn unique_updates_a_match_with_200<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    let first = api.create(json!({"name": "backup", "timeout": 3600})).await;
    let again = api
        .post(
            "/api/v3/checks/",
            RW,
            json!({"name": "backup", "grace": 600, "unique": ["name"]}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["uuid"], first["uuid"]);
    assert_eq!(again.body["grace"], 600);
    assert_eq!(again.body["timeout"], 3600, "left as it was");
    let other = api
        .post(
            "/api/v3/checks/",
            RW,
            json!({"name": "another", "unique": ["name"]}),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let listed = api.get("/api/v3/checks/", RW).await.body;
    assert_eq!(listed["checks"].as_array().unwrap().len(), 2);
}

async fn v1_and_v2_make_the_slug_from_the_name<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    for (version, slug) in [
        ("v1", "nightly-backup"),
        ("v2", "nightly-backup"),
        ("v3", ""),
    ] {
        let created = api
            .post(
                &format!("/api/{version}/checks/"),
                RW,
                json!({"name": "Nightly Backup!"}),
            )
            .await;
        assert_eq!(created.body["slug"], slug, "{version}");
    }
}

async fn past_the_check_limit_create_is_403<B: Backend>() {
    // The limit is the store's: one with room for two checks a project.
    let Some(api) = limited::<B>().await else {
        return;
    };
    api.create(json!({"name": "one"})).await;
    api.create(json!({"name": "two"})).await;
    let third = api
        .post("/api/v3/checks/", RW, json!({"name": "three"}))
        .await;
    assert_eq!(third.status, StatusCode::FORBIDDEN);
    assert_eq!(third.body, json!({"error": "check limit reached"}));
    // An upsert of an existing check still works.
    let upsert = api
        .post(
            "/api/v3/checks/",
            RW,
            json!({"name": "two", "unique": ["name"]}),
        )
        .await;
    assert_eq!(upsert.status, StatusCode::OK);
}

/// An API over a store that holds each project to two checks.
async fn limited<B: Backend>() -> Option<Api<B>> {
    let b = B::open_with(100, 2).await?;
    let store = b.store();
    let project = store
        .define_project(
            tower_ping::NewProject::new(uuid::Uuid::new_v4(), "Main", PING_KEY)
                .api_key(tower_ping::KeyDigest::of(RW)),
        )
        .await
        .ok()?
        .ok()?;
    let app = axum::Router::new().layer(tower_ping::ApiLayer::new(store, SITE));
    Some(Api {
        b,
        app,
        other: project.clone(),
        project,
    })
}

async fn badges_lists_the_signed_urls_of_every_tag_and_of_all<B: Backend>() {
    let Some(api) = Api::<B>::open().await else {
        return;
    };
    api.create(json!({"name": "a", "tags": "prod db"})).await;
    api.create(json!({"name": "b", "tags": "web prod"})).await;
    // Read-only and read-write keys alike.
    for key in [RO, RW] {
        let answer = api.get("/api/v3/badges/", key).await;
        assert_eq!(answer.status, StatusCode::OK);
        let badges = answer.body["badges"].as_object().expect("an object");
        let tags: Vec<&str> = badges.keys().map(String::as_str).collect();
        assert_eq!(tags, ["*", "db", "prod", "web"]);
        let prod = &badges["prod"];
        let expected = api
            .project
            .badge_urls(SITE, "prod")
            .expect("the project has a badge key");
        assert_eq!(prod["svg"], expected.svg);
        assert_eq!(prod["shields3"], expected.shields3);
        let signature = api.project.badge_signature("prod");
        assert_eq!(
            prod["svg"],
            format!("{SITE}/badge/main-badges/{signature}-2/prod.svg")
        );
        assert_eq!(
            prod["json3"],
            format!("{SITE}/badge/main-badges/{signature}/prod.json")
        );
        for field in ["svg", "svg3", "json", "json3", "shields", "shields3"] {
            assert!(badges["*"][field].is_string(), "{field}");
        }
    }
    // Another project's badges are its own business.
    let other = api.get("/api/v3/badges/", crate::OTHER_RW).await;
    assert_eq!(other.body["badges"], json!({}));
}
