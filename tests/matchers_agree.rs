//! The benchmark's three matchers give the same answer on every input it
//! times, and on the grammar's edge cases, so `benches/path_matching.rs`
//! compares like with like.

#[path = "../benches/support/matchers.rs"]
mod matchers;

use matchers::{classify_matchit, classify_regex, matchit_router, ping_regex, SHAPES};
use tower_ping::{classify, Prefix, Route, Signal, Target};

const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";

/// Edge cases of SPEC section 1 beside the benchmark's shapes.
fn edge_cases() -> Vec<String> {
    let mut paths: Vec<String> = [
        "",
        "/",
        "/ping",
        "/ping/",
        "/ping//",
        "/pingx/key/slug",
        "/ping/key",
        "/ping/key/",
        "/ping/key/slug",
        "/ping/key/slug/",
        "/ping/key/Slug",
        "/ping/Key_1/slug-2/log",
        "/ping/key/slug/007",
        "/ping/key/slug/256",
        "/ping/key/slug/-1",
        "/ping/key/slug/1.5",
        "/ping/key/slug/+1",
        "/ping/key/slug/start/x",
        "/ping/key//start",
        "/ping//slug",
        "/ping/key/sl%75g",
        "/ping/key/slug/99999999999999999999",
    ]
    .iter()
    .map(|path| path.to_string())
    .collect();
    for tail in [
        "",
        "/",
        "/start",
        "/fail",
        "/log",
        "/0",
        "/1",
        "/255",
        "/256",
        "/0000255",
        "/abc",
        "/ABC",
        "/start/",
        "/abc/fail",
        "/abc/256",
        "/a/b/c",
        "//",
    ] {
        paths.push(format!("/ping/{UUID}{tail}"));
        paths.push(format!("/ping/{}{tail}", UUID.to_uppercase()));
        paths.push(format!("/ping/{}{tail}", UUID.replace('-', "")));
        paths.push(format!("/ping/{{{UUID}}}{tail}"));
    }
    paths
}

#[test]
fn the_three_matchers_agree_on_every_input() {
    let prefix = Prefix::default();
    let router = matchit_router();
    let regex = ping_regex();
    let inputs = SHAPES
        .iter()
        .map(|(_, path)| path.to_string())
        .chain(edge_cases());
    for path in inputs {
        let expected = classify(&prefix, &path);
        assert_eq!(
            classify_matchit(&router, &path),
            expected,
            "matchit on {path:?}"
        );
        assert_eq!(classify_regex(&regex, &path), expected, "regex on {path:?}");
    }
}

/// Every path of one to four segments drawn from a pool of segment shapes,
/// with and without a trailing slash: the grammar's corners, combined.
fn combinations() -> Vec<String> {
    let upper = UUID.to_uppercase();
    let pool = [
        UUID,
        &upper,
        "fqOOd6-F4MMNuCEnzTU01w",
        "db-backup",
        "Db",
        "start",
        "fail",
        "log",
        "0",
        "255",
        "256",
        "007",
        "-1",
        "a.b",
        "%61",
        "",
    ];
    let mut level = vec!["/ping".to_string()];
    let mut paths = vec![];
    for _ in 0..4 {
        level = level
            .iter()
            .flat_map(|prefix| {
                pool.iter()
                    .map(move |segment| format!("{prefix}/{segment}"))
            })
            .collect();
        paths.extend(
            level
                .iter()
                .flat_map(|path| [path.clone(), format!("{path}/")]),
        );
    }
    paths
}

#[test]
fn the_three_matchers_agree_on_combinations_of_segments() {
    let prefix = Prefix::default();
    let router = matchit_router();
    let regex = ping_regex();
    let paths = combinations();
    assert!(paths.len() > 50_000, "{} paths", paths.len());
    let mut pings = 0;
    for path in &paths {
        let expected = classify(&prefix, path);
        pings += usize::from(matches!(expected, Route::Ping(_)));
        assert_eq!(
            classify_matchit(&router, path),
            expected,
            "matchit on {path:?}"
        );
        assert_eq!(classify_regex(&regex, path), expected, "regex on {path:?}");
    }
    assert!(pings > 100, "only {pings} pings among the combinations");
}

#[test]
fn the_benchmark_shapes_are_what_they_are_named() {
    let prefix = Prefix::default();
    let route = |shape: &str| {
        let (_, path) = SHAPES.iter().find(|(name, _)| *name == shape).unwrap();
        classify(&prefix, path)
    };
    let signal_of = |shape: &str| match route(shape) {
        Route::Ping(ping) => Some(ping.signal),
        _ => None,
    };
    assert_eq!(signal_of("uuid"), Some(Signal::Success));
    assert_eq!(signal_of("uuid-start"), Some(Signal::Start));
    assert_eq!(signal_of("uuid-255"), Some(Signal::Exit(255)));
    assert_eq!(signal_of("slug"), Some(Signal::Success));
    assert_eq!(signal_of("slug-fail"), Some(Signal::Fail));
    assert!(matches!(route("uuid"), Route::Ping(p) if matches!(p.target, Target::Uuid(_))));
    assert!(matches!(route("slug"), Route::Ping(p) if matches!(p.target, Target::Slug { .. })));
    assert_eq!(route("near-miss"), Route::Pass);
    assert_eq!(route("app-path"), Route::Pass);
}
