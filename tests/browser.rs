//! The dashboard in a real browser: Debian's `chromium`, headless.
//!
//! - A page of the app shows an up, a late and a down badge; Chromium's
//!   screenshot of it has the label's grey on the left of each badge and
//!   the state's colour on the right (`#4c1`, `#fe7d37`, `#e05d44`), where
//!   the SVGs put them.
//! - The status page, loaded and dumped as Chromium built its DOM, lists every check of the store with the status the
//!   store gives it now, names read back as stored (none turned into
//!   markup).
//!
//! Without `chromium` the tests say `skipped: ...`; under `CI=true` they
//! fail instead (`.ci/run` installs the package).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tower_ping::{
    BadgeFormat, BadgeStates, CheckState, DashboardLayer, ManageStore, MemoryStore, NewCheck,
    NewProject, Project, Status,
};
use uuid::Uuid;

/// The project's read-write API key, for the listing the page is
/// compared with.
const API_KEY: &str = "hcw_browsertestreadwritekey00001";

/// A name the page must show as text.
const MARKUP_NAME: &str = "<b>\"Bold\" & co</b>";

/// A project with checks in each state; each stays in it for a day.
async fn store() -> (MemoryStore, Project) {
    let store = MemoryStore::new();
    let new = NewProject::new(Uuid::new_v4(), "Browser <test>", "browser")
        .badge_key("browser-badges")
        .api_key(tower_ping::KeyDigest::of(API_KEY));
    let project = store
        .define_project(new)
        .await
        .expect("infallible")
        .expect("a valid project");
    let now = SystemTime::now();
    let state = |status, ago: u64| {
        let mut state = CheckState::with_status(status);
        state.last_ping = Some(now - Duration::from_secs(ago));
        state
    };
    // (name, tags, state, period): up for a day; late (due a minute after
    // its ping two minutes ago, a day of grace); down; paused; new.
    let checks = [
        ("Up job", "green", state(Status::Up, 10), 86_400),
        ("Late job", "orange", state(Status::Up, 120), 60),
        ("Down job", "red", state(Status::Down, 10), 86_400),
        ("Paused job", "", state(Status::Paused, 10), 86_400),
        ("New job", "", CheckState::with_status(Status::New), 86_400),
        (MARKUP_NAME, "", state(Status::Up, 10), 86_400),
    ];
    for (name, tags, state, period) in checks {
        store
            .add_check(
                NewCheck::new(name)
                    .ping_key("browser")
                    .tags(tags)
                    .timeout(Duration::from_secs(period))
                    .grace(Duration::from_secs(86_400))
                    .initial_state(state),
            )
            .expect("a valid check");
    }
    (store, project)
}

/// Runs Chromium headless with `args` after the usual flags, in a fresh
/// profile; its standard output. Killed after 90 s.
fn chromium(program: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut { stdout }, &mut out);
        out
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("waitable").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("the reader ends")
}

/// The SVG's total width and its left half's width.
fn halves(svg: &str) -> (u32, u32) {
    let number = |after: &str| -> u32 {
        let rest = &svg[svg
            .find(after)
            .unwrap_or_else(|| panic!("{after} in {svg}"))
            + after.len()..];
        rest.split('"').next().unwrap().parse().expect("a width")
    };
    let label = svg
        .split("<rect width=\"")
        .find(|rect| rect.contains("fill=\"#555\""))
        .and_then(|rect| rect.split('"').next())
        .and_then(|width| width.parse().ok())
        .unwrap_or_else(|| panic!("no grey half in {svg}"));
    (
        number("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""),
        label,
    )
}

struct Picture {
    width: u32,
    pixels: Vec<u8>,
    channels: usize,
}

impl Picture {
    fn read(path: &Path) -> Picture {
        let file = std::fs::File::open(path).expect("a screenshot");
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        let channels = info.color_type.samples();
        assert!(channels >= 3, "{:?}", info.color_type);
        pixels.truncate(info.buffer_size());
        Picture {
            width: info.width,
            pixels,
            channels,
        }
    }

    fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let at = (y as usize * self.width as usize + x as usize) * self.channels;
        [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
    }
}

fn close(found: [u8; 3], wanted: [u8; 3]) -> bool {
    found.iter().zip(wanted).all(|(&a, b)| a.abs_diff(b) <= 8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badges_show_their_colours_in_chromium() {
    let Some(program) = support::program("chromium", "chromium") else {
        return;
    };
    let (store, project) = store().await;
    let path = |tag: &str| {
        project
            .badge_url("", tag, BadgeFormat::Svg, BadgeStates::Three)
            .expect("a badge key")
    };
    // (badge, its colour): up, late, down.
    let badges = [
        (path("green"), [0x44, 0xcc, 0x11]),
        (path("orange"), [0xfe, 0x7d, 0x37]),
        (path("red"), [0xe0, 0x5d, 0x44]),
    ];
    let (top, lefts) = (20u32, [20u32, 240, 460]);
    let mut page = String::from(
        "<!DOCTYPE html><html><head><style>body{margin:0;background:#fff}img{position:absolute}</style></head><body>",
    );
    for ((badge, _), left) in badges.iter().zip(lefts) {
        page.push_str(&format!(
            "<img src=\"{badge}\" style=\"left:{left}px;top:{top}px\">"
        ));
    }
    page.push_str("</body></html>");
    let app = Router::new()
        .route("/badges.html", get(move || async move { Html(page) }))
        .layer(DashboardLayer::new(store, "http://127.0.0.1"));
    let addr = support::serve(app).await;
    let client = support::client();
    let mut sizes = Vec::new();
    for (badge, _) in &badges {
        let (status, svg) = support::get_text(&client, &format!("http://{addr}{badge}"))
            .await
            .expect("the badge answers");
        assert_eq!(status, 200);
        sizes.push(halves(&svg));
    }

    let dir = support::TempDb::new();
    let shot: PathBuf = dir.file("badges.png");
    let args = vec![
        format!("--screenshot={}", shot.display()),
        "--window-size=700,80".to_owned(),
        format!("http://{addr}/badges.html"),
    ];
    let profile = dir.file("profile");
    let program_ = program.clone();
    tokio::task::spawn_blocking(move || chromium(&program_, &profile, &args))
        .await
        .expect("no panic");
    let picture = Picture::read(&shot);

    let middle = top + 10;
    for (((_, color), (width, left_half)), left) in badges.iter().zip(&sizes).zip(lefts) {
        let grey = picture.rgb(left + 3, middle);
        assert!(
            close(grey, [0x55, 0x55, 0x55]),
            "label at x={}: {grey:?}",
            left + 3
        );
        let state = picture.rgb(left + width - 3, middle);
        assert!(
            close(state, *color),
            "state at x={}: {state:?}, wanted {color:?}",
            left + width - 3
        );
        // Where the label ends and the state begins, as the SVG says.
        let inside_label = picture.rgb(left + left_half - 2, top + 2);
        let inside_state = picture.rgb(left + left_half + 2, top + 2);
        assert!(close(inside_label, [0x55, 0x55, 0x55]), "{inside_label:?}");
        assert!(close(inside_state, *color), "{inside_state:?}");
        // And nothing past the badge.
        let after = picture.rgb(left + width + 4, middle);
        assert!(close(after, [0xff, 0xff, 0xff]), "{after:?}");
    }
    assert!(program.exists());
}

/// `&lt;` and friends as the characters they stand for.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_what_the_api_lists() {
    let Some(program) = support::program("chromium", "chromium") else {
        return;
    };
    let (store, project) = store().await;
    let app = Router::new()
        .layer(DashboardLayer::new(store.clone(), "http://127.0.0.1"))
        .layer(tower_ping::ApiLayer::new(store.clone(), "http://127.0.0.1"));
    let addr = support::serve(app).await;
    let url = project
        .status_page_url(&format!("http://{addr}"))
        .expect("a badge key");
    // What the Management API lists, at about the same moment.
    let client = support::client();
    let listing = support::get_json_with(
        &client,
        &format!("http://{addr}/api/v3/checks/"),
        &[("x-api-key", API_KEY)],
    )
    .await;

    let dir = support::TempDb::new();
    let profile = dir.file("profile");
    // (Scripts stay on: Chromium's --dump-dom needs them, and with
    // `--blink-settings=scriptEnabled=false` dumps nothing. The page has
    // no script, and its Content-Security-Policy would run none.)
    let args = vec!["--dump-dom".to_owned(), url];
    let dom = tokio::task::spawn_blocking(move || chromium(&program, &profile, &args))
        .await
        .expect("no panic");
    assert!(dom.contains("<h1>Browser &lt;test&gt;</h1>"), "{dom}");
    assert!(!dom.contains("<b>"), "a name became markup: {dom}");
    assert!(!dom.contains("<script"), "{dom}");

    let shown: Vec<(String, String)> = dom
        .split("<tr class=\"check\" data-status=\"")
        .skip(1)
        .map(|row| {
            let status = row.split('"').next().unwrap().to_owned();
            let name = row
                .split("<td class=\"name\">")
                .nth(1)
                .and_then(|cell| cell.split("<span").next())
                .and_then(|cell| cell.split("</td>").next())
                .unwrap();
            (unescape(name), status)
        })
        .collect();
    let expected: Vec<(String, String)> = listing["checks"]
        .as_array()
        .expect("a listing")
        .iter()
        .map(|check| {
            let name = check["name"].as_str().unwrap().to_owned();
            (name, check["status"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(shown, expected);
    let statuses: Vec<&str> = expected.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(statuses, ["up", "grace", "down", "paused", "new", "up"]);
    // Each row's bar, and the summary.
    assert_eq!(dom.matches("aria-label=\"the last 7 days\"").count(), 6);
    assert!(
        dom.contains("6 checks, 2 up, 1 late, 1 down, 1 new, 1 paused"),
        "{dom}"
    );
}
