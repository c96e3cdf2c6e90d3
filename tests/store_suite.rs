//! One behaviour suite, written once and run against every store: the
//! memory store, the SQLite store, the PostgreSQL store and the custom store
//! of `examples/custom_store` must agree.

mod backends;
mod support;

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use futures_util::future::join_all;
use tower_ping::{KeywordFilter, Kind, LoggedPing, NewCheck, Status};
use uuid::Uuid;

use backends::Backend;
use support::{app, get_status, send};

suite!(
    every_store:
    a_uuid_ping_is_recorded_with_its_details,
    start_then_exit_status_measures_the_run,
    log_pings_change_no_state,
    unknown_checks_and_keys_answer_404,
    a_slug_ping_finds_its_check,
    a_shared_slug_answers_409_and_records_nothing,
    the_ping_log_is_pruned_to_its_limit,
    a_burst_beyond_the_log_limit_keeps_the_newest,
    concurrent_pings_get_distinct_gap_free_numbers,
    rules_are_kept_and_applied,
    add_check_upserts_by_uuid;
    // `?create=1` is optional (`CheckStore::create`), and the custom store
    // does without: its app makes its jobs itself, and answers such pings
    // `404` (`unknown_checks_and_keys_answer_404` holds it to that).
    crate_stores_only:
    create_makes_the_check_once,
    concurrent_creates_make_one_check;
);

const KEY: &str = "suite-ping-key";

async fn a_uuid_ping_is_recorded_with_its_details<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Backup").ping_key(KEY)).await;
    let app = app(b.store());
    let rid = Uuid::new_v4();
    let before = SystemTime::now() - Duration::from_secs(1);
    let body = b"backup done \xff\x00 bytes";

    let (status, text) = send(&app, "POST", &format!("/ping/{uuid}?rid={rid}"), body).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "OK"));

    let check = b.check(uuid).await.expect("the check exists");
    assert_eq!(check.state.status, Status::Up);
    assert_eq!(check.state.n_pings, 1);
    assert!(check.state.last_ping.is_some_and(|t| t > before));
    let pings = b.pings(uuid).await;
    assert_eq!(pings.len(), 1);
    let ping = &pings[0];
    assert_eq!(ping.n, 1);
    assert_eq!(ping.kind, Kind::Success);
    assert_eq!(ping.exit_status, None);
    assert_eq!(ping.method, axum::http::Method::POST);
    assert_eq!(ping.scheme.as_str(), "http");
    assert_eq!(ping.remote_addr, Some("192.0.2.7".parse().unwrap()));
    assert_eq!(ping.user_agent.as_deref(), Some("suite/1.0"));
    assert_eq!(ping.rid, Some(rid));
    assert_eq!(&ping.body[..], body);
    assert!(ping.received_at > before && ping.received_at <= SystemTime::now());
    assert_eq!(Some(ping.received_at), check.state.last_ping);
}

async fn start_then_exit_status_measures_the_run<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Job")).await;
    let app = app(b.store());
    let rid = Uuid::new_v4();

    assert_eq!(
        get_status(&app, &format!("/ping/{uuid}/start?rid={rid}")).await,
        StatusCode::OK
    );
    let started = b.check(uuid).await.unwrap().state;
    assert_eq!(started.status, Status::New);
    assert_eq!(started.last_start_rid, Some(rid));
    assert!(started.last_start.is_some());

    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        get_status(&app, &format!("/ping/{uuid}/0?rid={rid}")).await,
        StatusCode::OK
    );
    let done = b.check(uuid).await.unwrap().state;
    assert_eq!(done.status, Status::Up);
    assert_eq!(done.last_start, None);
    assert!(done
        .last_duration
        .is_some_and(|d| d >= Duration::from_millis(20)));

    assert_eq!(
        get_status(&app, &format!("/ping/{uuid}/7")).await,
        StatusCode::OK
    );
    let failed = b.check(uuid).await.unwrap().state;
    assert_eq!(failed.status, Status::Down);
    assert_eq!(failed.last_duration, None);
    let pings = b.pings(uuid).await;
    let kinds: Vec<_> = pings.iter().map(|p| (p.n, p.kind, p.exit_status)).collect();
    assert_eq!(
        kinds,
        [
            (1, Kind::Start, None),
            (2, Kind::Success, Some(0)),
            (3, Kind::Fail, Some(7))
        ]
    );
    // Each ping keeps the run time it measured: only the one that ended the
    // run has one, the same the check showed after it.
    let durations: Vec<_> = pings.iter().map(|p| p.duration).collect();
    assert_eq!(durations, [None, done.last_duration, None]);
}

async fn log_pings_change_no_state<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Job")).await;
    let app = app(b.store());
    assert_eq!(
        get_status(&app, &format!("/ping/{uuid}/log")).await,
        StatusCode::OK
    );
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.state.status, Status::New);
    assert_eq!(check.state.n_pings, 1);
    assert_eq!(check.state.last_ping, None);
    assert_eq!(b.pings(uuid).await[0].kind, Kind::Log);
}

async fn unknown_checks_and_keys_answer_404<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    b.add_check(NewCheck::new("Job").ping_key(KEY)).await;
    let app = app(b.store());
    let (status, text) = send(&app, "GET", &format!("/ping/{}", Uuid::new_v4()), b"").await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "not found")
    );
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/other")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_status(&app, "/ping/no-such-key/job").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_status(&app, "/ping/no-such-key/job?create=1").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.checks().await.len(), 1);
    // The app behind the layer still answers.
    assert_eq!(send(&app, "GET", "/app", b"").await.1, "app");
}

async fn a_slug_ping_finds_its_check<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b
        .add_check(NewCheck::new("Nightly Backup").ping_key(KEY))
        .await;
    b.add_check(NewCheck::new("Nightly backup").ping_key("another-key"))
        .await;
    let app = app(b.store());
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/nightly-backup/fail")).await,
        StatusCode::OK
    );
    let check = b.check(uuid).await.unwrap();
    assert_eq!(check.state.status, Status::Down);
    assert_eq!(check.slug, "nightly-backup");
    assert_eq!(check.ping_key.as_deref(), Some(KEY));
}

async fn a_shared_slug_answers_409_and_records_nothing<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let one = b.add_check(NewCheck::new("Job").ping_key(KEY)).await;
    let two = b
        .add_check(
            NewCheck::new("Other")
                .uuid(Uuid::new_v4())
                .slug("job")
                .ping_key(KEY),
        )
        .await;
    let app = app(b.store());
    for uri in [
        format!("/ping/{KEY}/job"),
        format!("/ping/{KEY}/job?create=1"),
    ] {
        let (status, text) = send(&app, "GET", &uri, b"").await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::CONFLICT, "ambiguous slug")
        );
    }
    for uuid in [one, two] {
        assert_eq!(b.check(uuid).await.unwrap().state.n_pings, 0);
        assert!(b.pings(uuid).await.is_empty());
    }
    assert_eq!(b.checks().await.len(), 2);
}

async fn create_makes_the_check_once<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    b.add_ping_key(KEY).await;
    let app = app(b.store());
    let (status, text) = send(
        &app,
        "GET",
        &format!("/ping/{KEY}/fresh-job/start?create=1"),
        b"",
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::CREATED, "Created"));
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/fresh-job?create=1")).await,
        StatusCode::OK
    );
    // Without create=1 it is found like any check.
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/fresh-job/log")).await,
        StatusCode::OK
    );

    let checks = b.checks().await;
    assert_eq!(checks.len(), 1);
    let check = &checks[0];
    assert_eq!(
        (check.name.as_str(), check.slug.as_str()),
        ("fresh-job", "fresh-job")
    );
    assert_eq!(check.ping_key.as_deref(), Some(KEY));
    assert_eq!(check.state.status, Status::Up);
    let kinds: Vec<_> = b
        .pings(check.uuid)
        .await
        .iter()
        .map(|p| (p.n, p.kind))
        .collect();
    assert_eq!(
        kinds,
        [(1, Kind::Start), (2, Kind::Success), (3, Kind::Log)]
    );
    // The new check answers to its UUID too.
    assert_eq!(
        get_status(&app, &format!("/ping/{}", check.uuid)).await,
        StatusCode::OK
    );
}

async fn concurrent_creates_make_one_check<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    b.add_ping_key(KEY).await;
    let app = app(b.store());
    let uri = format!("/ping/{KEY}/raced?create=1");
    let statuses = join_all((0..20).map(|_| {
        let (app, uri) = (app.clone(), uri.clone());
        tokio::spawn(async move { get_status(&app, &uri).await })
    }))
    .await;
    let statuses: Vec<StatusCode> = statuses.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        19,
        "{statuses:?}"
    );
    let checks = b.checks().await;
    assert_eq!(checks.len(), 1);
    let numbers: Vec<u64> = b.pings(checks[0].uuid).await.iter().map(|p| p.n).collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
}

async fn the_ping_log_is_pruned_to_its_limit<B: Backend>() {
    let Some(b) = B::open(5).await else { return };
    let uuid = b.add_check(NewCheck::new("Job")).await;
    let app = app(b.store());
    for i in 0..8 {
        let (status, _) = send(
            &app,
            "POST",
            &format!("/ping/{uuid}"),
            format!("ping {i}").as_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let pings = b.pings(uuid).await;
    let numbers: Vec<u64> = pings.iter().map(|p| p.n).collect();
    assert_eq!(numbers, [4, 5, 6, 7, 8]);
    assert_eq!(&pings[0].body[..], b"ping 3");
    assert_eq!(b.check(uuid).await.unwrap().state.n_pings, 8);
    assert_eq!(
        b.stored_log_rows(uuid).await,
        5,
        "older rows deleted, not hidden"
    );
}

async fn a_burst_beyond_the_log_limit_keeps_the_newest<B: Backend>() {
    let Some(b) = B::open(5).await else { return };
    let uuid = b.add_check(NewCheck::new("Job")).await;
    let app = app(b.store());
    // Concurrent, so that a SQL store writes several in one batch.
    let results = join_all((0..60).map(|_| {
        let (app, uri) = (app.clone(), format!("/ping/{uuid}"));
        tokio::spawn(async move { get_status(&app, &uri).await })
    }))
    .await;
    assert!(results.into_iter().all(|r| r.unwrap() == StatusCode::OK));
    let numbers: Vec<u64> = b.pings(uuid).await.iter().map(|p| p.n).collect();
    assert_eq!(numbers, [56, 57, 58, 59, 60]);
    assert_eq!(b.check(uuid).await.unwrap().state.n_pings, 60);
    assert_eq!(
        b.stored_log_rows(uuid).await,
        5,
        "older rows deleted, not hidden"
    );
}

async fn concurrent_pings_get_distinct_gap_free_numbers<B: Backend>() {
    let Some(b) = B::open(1000).await else { return };
    let uuids = [
        b.add_check(NewCheck::new("One").ping_key(KEY)).await,
        b.add_check(NewCheck::new("Two").ping_key(KEY)).await,
    ];
    let app = app(b.store());
    let results = join_all((0..400).map(|i| {
        let app = app.clone();
        let uri = if i % 4 == 3 {
            format!("/ping/{KEY}/two")
        } else {
            format!("/ping/{}", uuids[i % 2])
        };
        tokio::spawn(async move { send(&app, "POST", &uri, format!("{i}").as_bytes()).await.0 })
    }))
    .await;
    assert!(results.into_iter().all(|r| r.unwrap() == StatusCode::OK));
    let mut total = 0;
    for uuid in uuids {
        let pings = b.pings(uuid).await;
        let numbers: Vec<u64> = pings.iter().map(|p| p.n).collect();
        assert_eq!(numbers, (1..=pings.len() as u64).collect::<Vec<_>>());
        assert_eq!(
            b.check(uuid).await.unwrap().state.n_pings,
            pings.len() as u64
        );
        total += pings.len();
    }
    assert_eq!(total, 400);
}

async fn rules_are_kept_and_applied<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let post_only = b.add_check(NewCheck::new("Post only").post_only()).await;
    let held = b
        .add_check(NewCheck::new("Held").paused().manual_resume(true))
        .await;
    let resumes = b.add_check(NewCheck::new("Resumes").paused()).await;
    let filtered = b
        .add_check(
            NewCheck::new("Filtered").filter(
                KeywordFilter::on()
                    .failure("ERROR, FATAL")
                    .success("done")
                    .start("begin"),
            ),
        )
        .await;
    let app = app(b.store());
    assert_eq!(
        b.check(filtered).await.unwrap().rules.filter.failure_kw,
        "ERROR, FATAL"
    );
    assert!(b.check(held).await.unwrap().rules.manual_resume);

    assert_eq!(
        get_status(&app, &format!("/ping/{post_only}")).await,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, "POST", &format!("/ping/{post_only}/fail"), b"")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        get_status(&app, &format!("/ping/{held}")).await,
        StatusCode::OK
    );
    assert_eq!(
        get_status(&app, &format!("/ping/{resumes}")).await,
        StatusCode::OK
    );
    for body in ["begin", "done, 1 ERROR", "nothing"] {
        assert_eq!(
            send(&app, "POST", &format!("/ping/{filtered}"), body.as_bytes())
                .await
                .0,
            StatusCode::OK
        );
    }

    let kinds = |pings: Vec<LoggedPing>| pings.iter().map(|p| p.kind).collect::<Vec<_>>();
    assert_eq!(kinds(b.pings(post_only).await), [Kind::Ignored, Kind::Fail]);
    assert_eq!(b.check(post_only).await.unwrap().state.status, Status::Down);
    assert_eq!(kinds(b.pings(held).await), [Kind::Ignored]);
    assert_eq!(b.check(held).await.unwrap().state.status, Status::Paused);
    assert_eq!(b.check(resumes).await.unwrap().state.status, Status::Up);
    assert_eq!(
        kinds(b.pings(filtered).await),
        [Kind::Start, Kind::Fail, Kind::Ignored]
    );
}

async fn add_check_upserts_by_uuid<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let uuid = b.add_check(NewCheck::new("Old name").ping_key(KEY)).await;
    let app = app(b.store());
    assert_eq!(
        get_status(&app, &format!("/ping/{uuid}")).await,
        StatusCode::OK
    );

    b.add_check(NewCheck::new("New name").uuid(uuid).ping_key("other-key"))
        .await;
    let check = b.check(uuid).await.unwrap();
    assert_eq!(
        (check.name.as_str(), check.slug.as_str()),
        ("New name", "new-name")
    );
    assert_eq!(check.ping_key.as_deref(), Some("other-key"));
    assert_eq!((check.state.status, check.state.n_pings), (Status::Up, 1));
    assert_eq!(
        get_status(&app, "/ping/other-key/new-name").await,
        StatusCode::OK
    );
    assert_eq!(
        get_status(&app, &format!("/ping/{KEY}/old-name")).await,
        StatusCode::NOT_FOUND
    );

    // The starting state applies to a check new to the store only.
    b.add_check(NewCheck::new("New name").uuid(uuid).paused())
        .await;
    assert_eq!(b.check(uuid).await.unwrap().state.status, Status::Up);
    assert_eq!(b.checks().await.len(), 1);
    assert_eq!(b.pings(uuid).await.len(), 2);
}
