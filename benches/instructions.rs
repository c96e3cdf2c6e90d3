//! Runs one routine of the other benches `n` times, for instruction counts
//! under callgrind, which repeat on a noisy machine where times do not:
//!
//! ```text
//! cargo bench --no-run
//! B=$(ls target/release/deps/instructions-* | grep -v '\.d$')
//! for n in 1000 11000; do
//!     valgrind --tool=callgrind --callgrind-out-file=cg.$n $B tower-ping uuid $n
//! done
//! # instructions per call = (total(11000) - total(1000)) / 10000
//! callgrind_annotate cg.1000 | grep TOTALS; callgrind_annotate cg.11000 | grep TOTALS
//! ```
//!
//! Routines: `tower-ping|matchit|regex <shape>` as in `benches/path_matching.rs`,
//! `baseline|fallthrough app`, `ping uuid|slug` as in `benches/layer.rs`, and
//! `rate-limit app|uuid`: the layer with a rate limit no ping reaches.
//! Without arguments (as under `cargo bench`) it does nothing.

use std::hint::black_box;

use tower_layer::Layer;
use tower_ping::{classify, MemoryStore, NewCheck, PingLayer, Prefix, RateLimit};
use uuid::Uuid;

#[path = "support/drive.rs"]
mod drive;
#[path = "support/matchers.rs"]
mod matchers;

fn main() {
    // `cargo bench` passes flags such as `--bench`: only plain words count.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [what, shape, n] = &args[..] else {
        return;
    };
    let n: usize = n.parse().expect("a number of calls");
    match what.as_str() {
        "tower-ping" | "matchit" | "regex" => classify_n(what, shape, n),
        "baseline" | "fallthrough" | "ping" | "rate-limit" => layer_n(what, shape, n),
        other => panic!("no routine {other}"),
    }
}

fn classify_n(what: &str, shape: &str, n: usize) {
    let (_, path) = matchers::SHAPES
        .iter()
        .find(|(s, _)| *s == shape)
        .expect("a shape");
    let prefix = Prefix::default();
    let router = matchers::matchit_router();
    let regex = matchers::ping_regex();
    for _ in 0..n {
        match what {
            "tower-ping" => black_box(classify(black_box(&prefix), black_box(path))),
            "matchit" => black_box(matchers::classify_matchit(
                black_box(&router),
                black_box(path),
            )),
            _ => black_box(matchers::classify_regex(black_box(&regex), black_box(path))),
        };
    }
}

fn layer_n(what: &str, shape: &str, n: usize) {
    let waker = drive::noop_waker();
    let store = MemoryStore::new();
    store
        .add_check(
            NewCheck::new("DB backup")
                .uuid(Uuid::parse_str("5ca1ab1e-0000-4000-8000-00000000c0de").unwrap())
                .ping_key("fqOOd6-F4MMNuCEnzTU01w"),
        )
        .unwrap();
    let mut bare = drive::app();
    let mut layer = PingLayer::new(store);
    if what == "rate-limit" {
        layer = layer.rate_limit(RateLimit::new(u32::MAX, std::time::Duration::from_secs(1)));
    }
    let mut layered = layer.layer(drive::app());
    let path = match shape {
        "app" => "/api/users/42/settings",
        "uuid" => "/ping/5ca1ab1e-0000-4000-8000-00000000c0de",
        "slug" => "/ping/fqOOd6-F4MMNuCEnzTU01w/db-backup",
        other => panic!("no path {other}"),
    };
    for _ in 0..n {
        let request = drive::get(path);
        if what == "baseline" {
            black_box(drive::call(&waker, &mut bare, black_box(request)));
        } else {
            black_box(drive::call(&waker, &mut layered, black_box(request)));
        }
    }
}
