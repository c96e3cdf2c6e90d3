//! SPEC 12 through `DashboardLayer`, on every store, with an explicit
//! clock: the metrics' three URL forms and their keys, families, values and
//! escaping; badges of a tag, of every check and of one check, in two and
//! three states, as SVG, JSON and Shields; signatures refused when wrong;
//! the status page; the headers; the app's own paths untouched.

mod backends;
mod support;

use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_ping::{
    BadgeFormat, BadgeStates, Check, CheckState, DashboardLayer, KeyDigest, ManageStore, NewCheck,
    NewProject, Project, Status, ALL_CHECKS,
};
use uuid::Uuid;

use backends::{secs, t0, ManageBackend as Backend};

suite!(
    metrics_answer_at_the_three_url_forms,
    metrics_take_only_the_projects_read_only_key,
    metrics_write_healthchecks_families_values_and_escaping,
    metrics_are_computed_at_the_scrape,
    tag_badges_in_two_and_three_states,
    the_badge_of_every_check,
    wrong_signatures_are_refused,
    tags_are_percent_encoded_in_badge_urls,
    check_badges_by_their_own_key,
    answers_carry_no_cache_and_cors,
    the_status_page_lists_every_check,
    the_apps_paths_pass_untouched,
);

const SITE: &str = "http://checks.test";

fn rw_key(n: u8) -> String {
    format!("hcw_{:0>28}", n)
}

fn ro_key(n: u8) -> String {
    format!("hcr_{:0>28}", n)
}

fn project_uuid(n: u8) -> Uuid {
    Uuid::from_u128(0xdead_0000 + u128::from(n))
}

/// The moment the layer's clock says.
fn now() -> SystemTime {
    t0() + secs(10)
}

/// A check every 60 s with 30 s of grace, in `status`, last pinged at
/// `last_ping` (seconds from t0, negative before).
fn check(name: &str, tags: &str, status: Status, last_ping: Option<i64>) -> NewCheck {
    let mut state = CheckState::with_status(status);
    state.last_ping = last_ping.map(at);
    NewCheck::new(name)
        .ping_key("dash-1")
        .tags(tags)
        .timeout(secs(60))
        .grace(secs(30))
        .initial_state(state)
}

fn at(offset: i64) -> SystemTime {
    if offset >= 0 {
        t0() + secs(offset as u64)
    } else {
        t0() - secs(offset.unsigned_abs())
    }
}

/// Project 1 (ping key `dash-1`, badge key `badges-1`) with eight checks,
/// as they stand at `now()`:
///
/// | check | tags | status at now |
/// |---|---|---|
/// | Up Check | prod web | up |
/// | Grace Check | prod late | grace |
/// | Down Check | prod db | down (stored) |
/// | Paused Check | batch | paused |
/// | Started Check | batch | up, running |
/// | New Check | | new |
/// | `Quote " Back\slash` newline `Newline` | `a"b c\d` | up |
/// | Overdue | db | down (by time, not flipped) |
///
/// and project 2 with one check of its own.
struct Fixture<B: Backend> {
    b: B,
    one: Project,
    two: Project,
}

impl<B: Backend> Fixture<B> {
    async fn open() -> Option<Self> {
        let b = B::open(100).await?;
        let one = define(&b, 1).await;
        let two = define(&b, 2).await;
        b.add_check(check("Up Check", "prod web", Status::Up, Some(0)))
            .await;
        b.add_check(check("Grace Check", "prod late", Status::Up, Some(-55)))
            .await;
        b.add_check(check("Down Check", "prod db", Status::Down, Some(-500)))
            .await;
        b.add_check(check("Paused Check", "batch", Status::Paused, None))
            .await;
        let mut started = check("Started Check", "batch", Status::Up, Some(0));
        started.initial.last_start = Some(at(5));
        b.add_check(started).await;
        b.add_check(check("New Check", "", Status::New, None)).await;
        b.add_check(check(
            "Quote \" Back\\slash\nNewline",
            "a\"b c\\d",
            Status::Up,
            Some(0),
        ))
        .await;
        b.add_check(check("Overdue", "db", Status::Up, Some(-200)))
            .await;
        b.add_check(check("Elsewhere", "prod", Status::Down, Some(0)).ping_key("dash-2"))
            .await;
        Some(Fixture { b, one, two })
    }

    fn app(&self) -> Router {
        app(DashboardLayer::new(self.b.store(), SITE).wall_clock(now))
    }

    async fn check_named(&self, name: &str) -> Check {
        self.b
            .checks()
            .await
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no check {name}"))
    }
}

async fn define<B: Backend>(b: &B, n: u8) -> Project {
    let new = NewProject::new(project_uuid(n), format!("Project {n}"), format!("dash-{n}"))
        .api_key(KeyDigest::of(&rw_key(n)))
        .api_key_readonly(KeyDigest::of(&ro_key(n)))
        .badge_key(format!("badges-{n}"));
    match b.store().define_project(new).await {
        Ok(Ok(project)) => project,
        Ok(Err(refused)) => panic!("refused: {refused}"),
        Err(e) => panic!("store error: {e}"),
    }
}

/// The app: `/app` of its own, a fallback saying `app 404`, the layer.
fn app<S: ManageStore>(layer: DashboardLayer<S>) -> Router {
    Router::new()
        .route("/app", get(|| async { "app" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "app 404") })
        .layer(layer)
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII"))
            .unwrap_or("")
    }

    /// The line of `family` for the check named `name`.
    fn metric(&self, family: &str, name: &str) -> &str {
        let start = format!("{family}{{name=\"{name}\",");
        self.body
            .lines()
            .find(|line| line.starts_with(&start))
            .unwrap_or_else(|| panic!("no {family} line for {name} in\n{}", self.body))
    }

    fn value(&self, family: &str, name: &str) -> u8 {
        let line = self.metric(family, name);
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }
}

async fn request(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    }
}

async fn get_uri(app: &Router, uri: &str) -> Reply {
    request(app, "GET", uri, &[]).await
}

fn metrics_path(n: u8, key: &str) -> String {
    format!("/projects/{}/metrics/{key}", project_uuid(n))
}

/// The URL of a badge of project `p`, as a path on the site.
fn badge_path(p: &Project, tag: &str, format: BadgeFormat, states: BadgeStates) -> String {
    let url = p.badge_url(SITE, tag, format, states).expect("a badge key");
    url.strip_prefix(SITE).unwrap().to_owned()
}

async fn metrics_answer_at_the_three_url_forms<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let key = ro_key(1);
    let first = get_uri(&app, &metrics_path(1, &key)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(
        first.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let checks_form = get_uri(
        &app,
        &format!("/projects/{}/checks/metrics/{key}", project_uuid(1)),
    )
    .await;
    let bearer = request(
        &app,
        "GET",
        &format!("/projects/{}/metrics/", project_uuid(1)),
        &[("authorization", &format!("Bearer {key}"))],
    )
    .await;
    assert_eq!(checks_form.status, StatusCode::OK);
    assert_eq!(bearer.status, StatusCode::OK);
    assert_eq!(checks_form.body, first.body);
    assert_eq!(bearer.body, first.body);
    assert!(first.body.contains("hc_checks_total 8\n"));
    // The URL from the helper the Management API and the banner use.
    let url = f.one.metrics_url(SITE, &key);
    assert_eq!(url, format!("{SITE}{}", metrics_path(1, &key)));
}

async fn metrics_take_only_the_projects_read_only_key<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let header_form = format!("/projects/{}/metrics/", project_uuid(1));
    let cases: Vec<(Reply, StatusCode, &str)> = vec![
        (
            get_uri(&app, &header_form).await,
            StatusCode::UNAUTHORIZED,
            "missing api key",
        ),
        (
            request(&app, "GET", &header_form, &[("authorization", &ro_key(1))]).await,
            StatusCode::UNAUTHORIZED,
            "missing api key",
        ),
        (
            request(
                &app,
                "GET",
                &header_form,
                &[("authorization", "Bearer abc")],
            )
            .await,
            StatusCode::BAD_REQUEST,
            "malformed api key: a key is 32 characters",
        ),
        (
            get_uri(&app, &metrics_path(1, "short")).await,
            StatusCode::BAD_REQUEST,
            "malformed api key: a key is 32 characters",
        ),
        (
            get_uri(&app, &metrics_path(1, &"0".repeat(32))).await,
            StatusCode::FORBIDDEN,
            "wrong api key",
        ),
        (
            get_uri(&app, &metrics_path(1, &rw_key(1))).await,
            StatusCode::FORBIDDEN,
            "wrong api key: metrics take the project's read-only key",
        ),
        // Project 2's read-only key under project 1's UUID: healthchecks
        // would answer with project 2's metrics; we refuse.
        (
            get_uri(&app, &metrics_path(1, &ro_key(2))).await,
            StatusCode::FORBIDDEN,
            "wrong api key",
        ),
    ];
    for (reply, status, text) in cases {
        assert_eq!((reply.status, reply.body.as_str()), (status, text));
    }
    let unauthorized = get_uri(&app, &header_form).await;
    assert_eq!(unauthorized.header("www-authenticate"), "Bearer");
    // Project 2's key opens project 2, with its check only.
    let two = get_uri(&app, &metrics_path(2, &ro_key(2))).await;
    assert_eq!(two.status, StatusCode::OK);
    assert!(two.body.contains("hc_check_up{name=\"Elsewhere\""));
    assert!(two.body.contains("hc_checks_total 1\n"));
    assert!(!two.body.contains("Up Check"));
    assert_eq!(f.two.uuid, project_uuid(2));
}

async fn metrics_write_healthchecks_families_values_and_escaping<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let m = get_uri(&f.app(), &metrics_path(1, &ro_key(1))).await;
    let quote = "Quote \\\" Back\\\\slash\\nNewline";
    let rows = [
        ("Up Check", [1, 0, 0, 0]),
        ("Grace Check", [1, 0, 1, 0]),
        ("Down Check", [0, 0, 0, 0]),
        ("Paused Check", [1, 0, 0, 1]),
        ("Started Check", [1, 1, 0, 0]),
        ("New Check", [1, 0, 0, 0]),
        (quote, [1, 0, 0, 0]),
        ("Overdue", [0, 0, 0, 0]),
    ];
    let families = [
        "hc_check_up",
        "hc_check_started",
        "hc_check_grace",
        "hc_check_paused",
    ];
    for (name, values) in rows {
        for (family, value) in families.iter().zip(values) {
            assert_eq!(m.value(family, name), value, "{family} of {name}");
        }
    }
    // Labels as healthchecks writes them, with the check's unique key.
    let up = f.check_named("Up Check").await;
    assert_eq!(
        m.metric("hc_check_up", "Up Check"),
        format!(
            "hc_check_up{{name=\"Up Check\", tags=\"prod web\", unique_key=\"{}\"}} 1",
            up.unique_key()
        )
    );
    assert!(m.body.contains(&format!(
        "hc_check_up{{name=\"{quote}\", tags=\"a\\\"b c\\\\d\", unique_key=\""
    )));
    // Checks in the order created, each family in order, tags sorted.
    let order: Vec<&str> = m
        .body
        .lines()
        .filter(|l| l.starts_with("hc_check_up{"))
        .map(|l| l.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(order[0], "Up Check");
    assert_eq!(order[7], "Overdue");
    let tags: Vec<&str> = m
        .body
        .lines()
        .filter(|l| l.starts_with("hc_tag_up"))
        .collect();
    assert_eq!(
        tags,
        [
            "hc_tag_up{tag=\"a\\\"b\"} 1",
            "hc_tag_up{tag=\"batch\"} 1",
            "hc_tag_up{tag=\"c\\\\d\"} 1",
            "hc_tag_up{tag=\"db\"} 0",
            "hc_tag_up{tag=\"late\"} 1",
            "hc_tag_up{tag=\"prod\"} 0",
            "hc_tag_up{tag=\"web\"} 1",
        ]
    );
    let headers: Vec<&str> = m.body.lines().filter(|l| l.starts_with("# TYPE")).collect();
    assert_eq!(
        headers,
        [
            "# TYPE hc_check_up gauge",
            "# TYPE hc_check_started gauge",
            "# TYPE hc_check_grace gauge",
            "# TYPE hc_check_paused gauge",
            "# TYPE hc_tag_up gauge",
            "# TYPE hc_checks_total gauge",
            "# TYPE hc_checks_down_total gauge",
        ]
    );
    assert!(m
        .body
        .ends_with("hc_checks_total 8\n\n# HELP hc_checks_down_total The number of checks currently down.\n# TYPE hc_checks_down_total gauge\nhc_checks_down_total 2\n"));
}

async fn metrics_are_computed_at_the_scrape<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let scrape = |at: SystemTime| {
        let app = app(DashboardLayer::new(f.b.store(), SITE).wall_clock(move || at));
        async move { get_uri(&app, &metrics_path(1, &ro_key(1))).await }
    };
    // The same store at three moments: Up Check is due at t0+60 and down
    // at t0+90.
    let early = scrape(t0() + secs(30)).await;
    let late = scrape(t0() + secs(70)).await;
    let gone = scrape(t0() + secs(95)).await;
    assert_eq!(early.value("hc_check_grace", "Up Check"), 0);
    assert_eq!(late.value("hc_check_grace", "Up Check"), 1);
    assert_eq!(late.value("hc_check_up", "Up Check"), 1);
    assert_eq!(gone.value("hc_check_up", "Up Check"), 0);
    assert!(gone.body.contains("hc_tag_up{tag=\"web\"} 0\n"));
}

async fn tag_badges_in_two_and_three_states<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let badge = |tag: &str, format, states| badge_path(&f.one, tag, format, states);
    let cases = [
        (
            "prod",
            BadgeStates::Two,
            r#"{"status": "down", "total": 3, "grace": 1, "down": 1}"#,
        ),
        (
            "prod",
            BadgeStates::Three,
            r#"{"status": "down", "total": 3, "grace": 1, "down": 1}"#,
        ),
        (
            "late",
            BadgeStates::Two,
            r#"{"status": "up", "total": 1, "grace": 1, "down": 0}"#,
        ),
        (
            "late",
            BadgeStates::Three,
            r#"{"status": "late", "total": 1, "grace": 1, "down": 0}"#,
        ),
        (
            "web",
            BadgeStates::Three,
            r#"{"status": "up", "total": 1, "grace": 0, "down": 0}"#,
        ),
        (
            "batch",
            BadgeStates::Three,
            r#"{"status": "up", "total": 2, "grace": 0, "down": 0}"#,
        ),
        (
            "nope",
            BadgeStates::Three,
            r#"{"status": "up", "total": 0, "grace": 0, "down": 0}"#,
        ),
    ];
    for (tag, states, json) in cases {
        let reply = get_uri(&app, &badge(tag, BadgeFormat::Json, states)).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, json),
            "{tag} {states:?}"
        );
        assert_eq!(reply.header("content-type"), "application/json");
    }
    let shields = get_uri(
        &app,
        &badge("late", BadgeFormat::Shields, BadgeStates::Three),
    )
    .await;
    assert_eq!(
        shields.body,
        r#"{"schemaVersion": 1, "label": "late", "message": "late", "color": "important"}"#
    );
    let shields = get_uri(&app, &badge("prod", BadgeFormat::Shields, BadgeStates::Two)).await;
    assert_eq!(
        shields.body,
        r#"{"schemaVersion": 1, "label": "prod", "message": "down", "color": "critical"}"#
    );
    let shields = get_uri(&app, &badge("late", BadgeFormat::Shields, BadgeStates::Two)).await;
    assert_eq!(
        shields.body,
        r#"{"schemaVersion": 1, "label": "late", "message": "up", "color": "success"}"#
    );
    for (tag, states, color, text) in [
        ("late", BadgeStates::Two, "#4c1", ">up</text>"),
        ("late", BadgeStates::Three, "#fe7d37", ">late</text>"),
        ("prod", BadgeStates::Two, "#e05d44", ">down</text>"),
    ] {
        let svg = get_uri(&app, &badge(tag, BadgeFormat::Svg, states)).await;
        assert_eq!(svg.status, StatusCode::OK);
        assert_eq!(svg.header("content-type"), "image/svg+xml");
        assert!(
            svg.body.contains(&format!("fill=\"{color}\"")),
            "{}",
            svg.body
        );
        assert!(svg.body.contains(text) && svg.body.contains(&format!(">{tag}</text>")));
    }
}

async fn the_badge_of_every_check<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let json = get_uri(
        &app,
        &badge_path(&f.one, ALL_CHECKS, BadgeFormat::Json, BadgeStates::Three),
    )
    .await;
    assert_eq!(
        json.body,
        r#"{"status": "down", "total": 8, "grace": 1, "down": 2}"#
    );
    // Labelled with the project's name, or as the layer is told.
    let shields = get_uri(
        &app,
        &badge_path(&f.one, ALL_CHECKS, BadgeFormat::Shields, BadgeStates::Two),
    )
    .await;
    assert_eq!(
        shields.body,
        r#"{"schemaVersion": 1, "label": "Project 1", "message": "down", "color": "critical"}"#
    );
    let labelled = app_with(
        DashboardLayer::new(f.b.store(), SITE)
            .wall_clock(now)
            .all_checks_label("Mychecks"),
    );
    let svg = get_uri(
        &labelled,
        &badge_path(&f.one, ALL_CHECKS, BadgeFormat::Svg, BadgeStates::Two),
    )
    .await;
    assert!(svg.body.contains(">Mychecks</text>"), "{}", svg.body);
    // Project 2's badge counts project 2's checks.
    let two = get_uri(
        &app,
        &badge_path(&f.two, ALL_CHECKS, BadgeFormat::Json, BadgeStates::Two),
    )
    .await;
    assert_eq!(
        two.body,
        r#"{"status": "down", "total": 1, "grace": 0, "down": 1}"#
    );
}

fn app_with<S: ManageStore>(layer: DashboardLayer<S>) -> Router {
    app(layer)
}

async fn wrong_signatures_are_refused<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let prod = f.one.badge_signature("prod");
    let web = f.one.badge_signature("web");
    let all = f.one.badge_signature(ALL_CHECKS);
    let other_project = f.two.badge_signature("prod");
    let refused = [
        format!("/badge/badges-1/{web}/prod.json"),
        format!("/badge/badges-1/{web}-2/prod.svg"),
        format!("/badge/badges-1/{all}/prod.json"),
        format!("/badge/badges-1/{prod}.json"),
        format!("/badge/badges-1/{other_project}/prod.json"),
        format!("/badge/badges-1/{}/prod.json", &prod[..7]),
        format!("/badge/badges-1/{prod}x/prod.json"),
        format!("/badge/badges-1/{prod}-3/prod.json"),
        format!("/badge/badges-1/{prod}-2x/prod.json"),
        "/badge/badges-1/AAAAAAAA/prod.json".to_owned(),
        format!("/badge/no-such-key/{prod}/prod.json"),
        format!("/badge/badges-2/{prod}/prod.json"),
        format!("/badge/badges-1/{prod}/prod%FF.json"),
    ];
    for path in refused {
        let reply = get_uri(&app, &path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::NOT_FOUND, "not found"),
            "{path}"
        );
    }
    let unknown = get_uri(&app, &format!("/badge/badges-1/{prod}/prod.png")).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            "not found: a badge is .svg, .json or .shields"
        )
    );
    // The right ones, to show the refusals were for the signature.
    for path in [
        format!("/badge/badges-1/{prod}/prod.json"),
        format!("/badge/badges-1/{prod}-2/prod.json"),
        format!("/badge/badges-1/{all}.json"),
    ] {
        assert_eq!(get_uri(&app, &path).await.status, StatusCode::OK, "{path}");
    }
}

async fn tags_are_percent_encoded_in_badge_urls<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let urls = f.one.badge_urls(SITE, "a\"b").expect("a badge key");
    assert!(urls.shields.contains("/a%22b.shields"), "{}", urls.shields);
    let path = urls.shields.strip_prefix(SITE).unwrap();
    let reply = get_uri(&app, path).await;
    assert_eq!(
        reply.body,
        r#"{"schemaVersion": 1, "label": "a\"b", "message": "up", "color": "success"}"#
    );
    let back = get_uri(&app, urls.json3.strip_prefix(SITE).unwrap()).await;
    assert_eq!(
        back.body,
        r#"{"status": "up", "total": 1, "grace": 0, "down": 0}"#
    );
    let slashed = f.one.badge_urls(SITE, "c\\d").unwrap();
    assert!(slashed.svg.contains("/c%5Cd.svg"));
    let svg = get_uri(&app, slashed.svg.strip_prefix(SITE).unwrap()).await;
    assert!(svg.body.contains(">c\\d</text>"), "{}", svg.body);
}

async fn check_badges_by_their_own_key<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let grace = f.check_named("Grace Check").await;
    let down = f.check_named("Down Check").await;
    let quote = f.check_named("Quote \" Back\\slash\nNewline").await;
    let path = |check: &Check, format, states| {
        check
            .badge_url(SITE, format, states)
            .strip_prefix(SITE)
            .unwrap()
            .to_owned()
    };
    let cases = [
        (
            path(&grace, BadgeFormat::Json, BadgeStates::Two),
            r#"{"status": "up", "total": 1, "grace": 1, "down": 0}"#,
        ),
        (
            path(&grace, BadgeFormat::Json, BadgeStates::Three),
            r#"{"status": "late", "total": 1, "grace": 1, "down": 0}"#,
        ),
        (
            path(&grace, BadgeFormat::Shields, BadgeStates::Three),
            r#"{"schemaVersion": 1, "label": "Grace Check", "message": "late", "color": "important"}"#,
        ),
        (
            path(&down, BadgeFormat::Json, BadgeStates::Two),
            r#"{"status": "down", "total": 1, "grace": 0, "down": 1}"#,
        ),
        (
            path(&quote, BadgeFormat::Shields, BadgeStates::Two),
            r#"{"schemaVersion": 1, "label": "Quote \" Back\\slash\nNewline", "message": "up", "color": "success"}"#,
        ),
    ];
    for (path, body) in cases {
        let reply = get_uri(&app, &path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, body),
            "{path}"
        );
    }
    let svg = get_uri(&app, &path(&down, BadgeFormat::Svg, BadgeStates::Three)).await;
    assert!(svg.body.contains("fill=\"#e05d44\"") && svg.body.contains(">Down Check</text>"));
    let svg = get_uri(&app, &path(&quote, BadgeFormat::Svg, BadgeStates::Three)).await;
    assert!(
        svg.body
            .contains(">Quote &quot; Back\\slash\nNewline</text>"),
        "{}",
        svg.body
    );
    // The check's UUID is not its badge key.
    let by_uuid = get_uri(&app, &format!("/b/2/{}.json", grace.uuid)).await;
    assert_eq!(
        (by_uuid.status, by_uuid.body.as_str()),
        (StatusCode::NOT_FOUND, "not found")
    );
    let unknown = get_uri(&app, &format!("/b/2/{}.json", Uuid::new_v4())).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let five = get_uri(&app, &format!("/b/5/{}.json", grace.badge_key)).await;
    assert_eq!(
        (five.status, five.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            "not found: a check's badge is /b/2/ or /b/3/"
        )
    );
    let png = get_uri(&app, &format!("/b/2/{}.png", grace.badge_key)).await;
    assert_eq!(
        (png.status, png.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            "not found: a badge is .svg, .json or .shields"
        )
    );
    let not_uuid = get_uri(&app, "/b/2/not-a-key.svg").await;
    assert_eq!(
        (not_uuid.status, not_uuid.body.as_str()),
        (StatusCode::NOT_FOUND, "not found")
    );
}

async fn answers_carry_no_cache_and_cors<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let svg = badge_path(&f.one, "prod", BadgeFormat::Svg, BadgeStates::Two);
    for path in [
        svg.clone(),
        badge_path(&f.one, "prod", BadgeFormat::Json, BadgeStates::Two),
        "/badge/badges-1/AAAAAAAA/prod.svg".to_owned(),
        metrics_path(1, &ro_key(1)),
        metrics_path(1, "short"),
        "/status/badges-1".to_owned(),
        "/status/nobody".to_owned(),
    ] {
        let reply = get_uri(&app, &path).await;
        assert_eq!(
            reply.header("cache-control"),
            "max-age=0, no-cache, no-store, must-revalidate, private",
            "{path}"
        );
        assert_eq!(reply.header("access-control-allow-origin"), "*", "{path}");
    }
    let preflight = request(&app, "OPTIONS", &svg, &[]).await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        "GET, HEAD, OPTIONS"
    );
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        "Authorization"
    );
    let post = request(&app, "POST", &svg, &[]).await;
    assert_eq!(
        (post.status, post.body.as_str(), post.header("allow")),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
            "GET, HEAD, OPTIONS"
        )
    );
    let head = request(&app, "HEAD", &svg, &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-type"), "image/svg+xml");
}

async fn the_status_page_lists_every_check<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let url = f.one.status_page_url(SITE).expect("a badge key");
    assert_eq!(url, format!("{SITE}/status/badges-1"));
    let page = get_uri(&app, "/status/badges-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert!(page
        .header("content-security-policy")
        .starts_with("default-src 'none'"));
    assert!(page
        .body
        .contains("<meta http-equiv=\"refresh\" content=\"60\">"));
    assert!(!page.body.contains("<script"));
    let rows: Vec<(&str, &str)> = page
        .body
        .split("<tr class=\"check\" data-status=\"")
        .skip(1)
        .map(|row| {
            let status = row.split('"').next().unwrap();
            let name = row
                .split("<td class=\"name\">")
                .nth(1)
                .unwrap()
                .split(['<'])
                .next()
                .unwrap();
            (name, status)
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Up Check", "up"),
            ("Grace Check", "grace"),
            ("Down Check", "down"),
            ("Paused Check", "paused"),
            ("Started Check", "up"),
            ("New Check", "new"),
            ("Quote &quot; Back\\slash\nNewline", "up"),
            ("Overdue", "down"),
        ]
    );
    assert!(page.body.contains("<h1>Project 1</h1>"));
    assert!(
        page.body
            .contains("8 checks, 3 up, 1 late, 2 down, 1 new, 1 paused"),
        "{}",
        page.body
    );
    // The all-checks badge, its image and its Markdown.
    let badge = f
        .one
        .badge_url(SITE, ALL_CHECKS, BadgeFormat::Svg, BadgeStates::Three)
        .unwrap();
    assert!(page
        .body
        .contains(&format!("<code>![Project 1]({badge})</code>")));
    // Another project's page shows its own checks only.
    let two = get_uri(&app, "/status/badges-2").await;
    assert!(two.body.contains("Elsewhere") && !two.body.contains("Up Check"));
    let nobody = get_uri(&app, "/status/nobody").await;
    assert_eq!(
        (nobody.status, nobody.body.as_str()),
        (StatusCode::NOT_FOUND, "not found")
    );
    // Turned off, the path is the app's.
    let off = app_with(DashboardLayer::new(f.b.store(), SITE).status_page(false));
    let passed = get_uri(&off, "/status/badges-1").await;
    assert_eq!(
        (passed.status, passed.body.as_str()),
        (StatusCode::NOT_FOUND, "app 404")
    );
}

async fn the_apps_paths_pass_untouched<B: Backend>() {
    let Some(f) = Fixture::<B>::open().await else {
        return;
    };
    let app = f.app();
    let reply = get_uri(&app, "/app").await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "app"));
    assert_eq!(
        reply.header("cache-control"),
        "",
        "the app's answer is not touched"
    );
    assert_eq!(reply.header("access-control-allow-origin"), "");
    for path in [
        format!("/projects/{}/metrics/{}/", project_uuid(1), ro_key(1)),
        format!("/projects/{}", project_uuid(1)),
        "/projects/not-a-uuid/metrics/key".to_owned(),
        "/badge/badges-1".to_owned(),
        "/badges/".to_owned(),
        "/status/".to_owned(),
        "/status/a/b".to_owned(),
        "/b/x/y.svg".to_owned(),
    ] {
        let reply = get_uri(&app, &path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::NOT_FOUND, "app 404"),
            "{path}"
        );
    }
}

/// A store that fails answers `503 store unavailable`, and the app's own
/// routes still answer: a SQLite store whose pool was closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_is_a_503() {
    use backends::Backend as _;
    let Some(b) = backends::Sqlite::open(100).await else {
        return;
    };
    let p = define(&b, 1).await;
    let app = app(DashboardLayer::new(b.store(), SITE).wall_clock(now));
    let badge = badge_path(&p, ALL_CHECKS, BadgeFormat::Svg, BadgeStates::Two);
    assert_eq!(get_uri(&app, &badge).await.status, StatusCode::OK);
    b.store().pool().close().await;
    for path in [
        badge,
        metrics_path(1, &ro_key(1)),
        "/status/badges-1".to_owned(),
        format!("/b/2/{}.svg", Uuid::new_v4()),
    ] {
        let reply = get_uri(&app, &path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
            "{path}"
        );
    }
    assert_eq!(get_uri(&app, "/app").await.body, "app");
}
