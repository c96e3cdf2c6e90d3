//! SPEC section 10: the per-target rate limit.
//!
//! Through the layer, every window is an hour, so that no test depends on
//! how fast it runs; how the budget comes back over time is shown on the
//! limiter itself, with the time handed in.

use std::time::{Duration, Instant};

use http::Method;
use tower_ping::{
    CheckStore, MemoryStore, PingLayer, RateDecision, RateLimit, RateLimiter, Target,
};

use crate::common::*;

const HOUR: Duration = Duration::from_secs(3_600);

/// `n` pings an hour per target. Each request below is sent through a
/// service of its own, so every test also shows that the limit is shared by
/// every service the layer makes.
fn limited<S: CheckStore>(store: S, n: u32) -> PingLayer<S> {
    PingLayer::new(store).rate_limit(RateLimit::new(n, HOUR))
}

fn status_and_body(answer: &Answer) -> (u16, &str) {
    (answer.status.as_u16(), answer.body.as_str())
}

fn assert_plain_headers(answer: &Answer) {
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        answer.header("cache-control"),
        Some("max-age=0, no-cache, no-store, must-revalidate, private")
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn uuid_form_over_the_limit_is_200_ok_rate_limited_and_records_nothing() {
    let store = Counting::new(seeded_store());
    let layer = limited(store.clone(), 3);
    let uri = format!("/ping/{UUID}");
    for _ in 0..3 {
        assert_eq!(status_and_body(&get_via(&layer, &uri).await), (200, "OK"));
    }
    let calls = store.calls();
    for _ in 0..10 {
        let answer = get_via(&layer, &uri).await;
        assert_eq!(status_and_body(&answer), (200, "OK (rate-limited)"));
        assert_plain_headers(&answer);
        // Nothing of the body was kept, so no limit on it is announced.
        assert_eq!(answer.header("ping-body-limit"), None);
        assert_eq!(answer.header("retry-after"), None);
    }
    assert_eq!(store.calls(), calls, "the store is not called");
    assert_eq!(pings(&store.store, UUID).len(), 3);
}

#[tokio::test]
async fn slug_form_over_the_limit_is_429_rate_limited_with_retry_after_and_records_nothing() {
    let store = Counting::new(seeded_store());
    let layer = limited(store.clone(), 5);
    let uri = format!("/ping/{KEY}/backup");
    let burst = Instant::now();
    for _ in 0..5 {
        assert_eq!(status_and_body(&get_via(&layer, &uri).await), (200, "OK"));
    }
    let calls = store.calls();
    let answer = get_via(&layer, &uri).await;
    assert_eq!(status_and_body(&answer), (429, "rate limited"));
    assert_plain_headers(&answer);
    assert_eq!(answer.header("ping-body-limit"), None);
    // Five an hour: the next one comes back 12 minutes after the burst.
    assert_retry_after(&answer, 720, burst);
    assert_eq!(store.calls(), calls, "the store is not called");
    assert_eq!(pings(&store.store, UUID).len(), 5);
}

#[tokio::test]
async fn retry_after_is_whole_seconds_rounded_up() {
    let layer = limited(seeded_store(), 1);
    let uri = format!("/ping/{KEY}/backup");
    let first = Instant::now();
    assert_eq!(get_via(&layer, &uri).await.status, 200);
    // One an hour: a moment after the first ping, the wait is a little
    // under an hour, rounded up to the whole hour. (That a wait under a
    // second is one second, never zero, is shown in src/ping/answer.rs, with
    // the wait handed in.)
    let answer = get_via(&layer, &uri).await;
    assert_eq!(status_and_body(&answer), (429, "rate limited"));
    assert_retry_after(&answer, 3_600, first);
}

/// `Retry-After` is the whole wait from `since`, `full` seconds, less the
/// time gone since, rounded up: exactly `full` when the requests took less
/// than a second (as they do unless the machine stalled).
fn assert_retry_after(answer: &Answer, full: u64, since: Instant) {
    let gone = since.elapsed().as_secs();
    let told: u64 = answer
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("whole seconds");
    if gone == 0 {
        assert_eq!(told, full);
    } else {
        assert!(
            (full - gone..=full).contains(&told),
            "{told} after {gone} s"
        );
    }
}

#[tokio::test]
async fn every_signal_of_a_target_shares_its_budget() {
    let store = seeded_store();
    let layer = limited(store.clone(), 5);
    for signal in ["", "/start", "/fail", "/log", "/0"] {
        let answer = get_via(&layer, &format!("/ping/{UUID}{signal}")).await;
        assert_eq!(status_and_body(&answer), (200, "OK"), "{signal}");
    }
    for signal in ["", "/start", "/fail", "/log", "/3"] {
        let answer = get_via(&layer, &format!("/ping/{UUID}{signal}")).await;
        assert_eq!(
            status_and_body(&answer),
            (200, "OK (rate-limited)"),
            "{signal}"
        );
    }
    assert_eq!(pings(&store, UUID).len(), 5);
}

#[tokio::test]
async fn create_pings_spend_the_budget_of_their_slug() {
    let store = seeded_store();
    let layer = limited(store.clone(), 1);
    let answer = get_via(&layer, &format!("/ping/{KEY}/fresh?create=1")).await;
    assert_eq!(status_and_body(&answer), (201, "Created"));
    let answer = get_via(&layer, &format!("/ping/{KEY}/fresh?create=1")).await;
    assert_eq!(status_and_body(&answer), (429, "rate limited"));
}

#[tokio::test]
async fn the_uuid_and_slug_forms_of_one_check_count_apart() {
    let store = seeded_store();
    let layer = limited(store.clone(), 1);
    let by_uuid = format!("/ping/{UUID}");
    let by_slug = format!("/ping/{KEY}/backup");
    assert_eq!(
        status_and_body(&get_via(&layer, &by_uuid).await),
        (200, "OK")
    );
    assert_eq!(
        status_and_body(&get_via(&layer, &by_slug).await),
        (200, "OK")
    );
    assert_eq!(get_via(&layer, &by_uuid).await.body, "OK (rate-limited)");
    assert_eq!(get_via(&layer, &by_slug).await.status.as_u16(), 429);
    assert_eq!(pings(&store, UUID).len(), 2);
}

#[tokio::test]
async fn separate_checks_have_separate_budgets() {
    let store = seeded_store();
    store
        .add_check(tower_ping::NewCheck::new("Other").uuid(uuid(OTHER_UUID)))
        .unwrap();
    let layer = limited(store.clone(), 2);
    for _ in 0..5 {
        get_via(&layer, &format!("/ping/{UUID}")).await;
        get_via(&layer, &format!("/ping/{KEY}/backup")).await;
    }
    for _ in 0..2 {
        let answer = get_via(&layer, &format!("/ping/{OTHER_UUID}")).await;
        assert_eq!(status_and_body(&answer), (200, "OK"));
    }
    // The same slug under another ping key is another target: it reaches
    // the store, which knows no such key.
    let answer = get_via(&layer, "/ping/otherkey/backup").await;
    assert_eq!(status_and_body(&answer), (404, "not found"));
    assert_eq!(pings(&store, UUID).len(), 4);
    assert_eq!(pings(&store, OTHER_UUID).len(), 2);
}

#[tokio::test]
async fn requests_answered_405_or_400_first_are_not_counted() {
    let store = seeded_store();
    let layer = limited(store.clone(), 1);
    let inner = Inner::default();
    for _ in 0..5 {
        for (method, uri, status) in [
            (Method::DELETE, format!("/ping/{UUID}"), 405),
            (Method::GET, format!("/ping/{UUID}/256"), 400),
            (Method::GET, format!("/ping/{UUID}?rid=nope"), 400),
            (Method::GET, format!("/ping/{KEY}/Backup"), 400),
            (Method::OPTIONS, format!("/ping/{UUID}"), 204),
        ] {
            let answer = send(&layer, &inner, request(method.clone(), &uri, "")).await;
            assert_eq!(answer.status.as_u16(), status, "{method} {uri}");
        }
    }
    let answer = get_via(&layer, &format!("/ping/{UUID}")).await;
    assert_eq!(status_and_body(&answer), (200, "OK"));
    assert_eq!(pings(&store, UUID).len(), 1);
}

#[tokio::test]
async fn pings_of_unknown_checks_count_so_a_flood_of_one_stops_reaching_the_store() {
    let store = Counting::new(MemoryStore::new());
    let layer = limited(store.clone(), 2);
    for expected in [404, 404, 200, 200] {
        let answer = get_via(&layer, &format!("/ping/{UNKNOWN_UUID}")).await;
        assert_eq!(answer.status.as_u16(), expected);
    }
    assert_eq!(store.calls(), 2);
}

#[tokio::test]
async fn requests_that_are_not_pings_never_reach_the_limiter() {
    let store = seeded_store();
    let layer = limited(store.clone(), 1);
    let inner = Inner::default();
    for path in ["/", "/api/users/42", "/ping", "/ping/", "/ping/a/b/c/d"] {
        for _ in 0..3 {
            assert_eq!(send(&layer, &inner, get(path)).await.body, "inner");
        }
    }
    assert_eq!(inner.reached().len(), 15);
    let answer = get_via(&layer, &format!("/ping/{UUID}")).await;
    assert_eq!(status_and_body(&answer), (200, "OK"));
}

#[tokio::test]
async fn a_limited_ping_is_answered_before_the_bound_on_pings_in_flight() {
    let store = seeded_store();
    // No place for any ping: whatever is let through the limit is 503.
    let layer = limited(store.clone(), 1).max_concurrent_pings(0);
    let uri = format!("/ping/{UUID}");
    let answer = get_via(&layer, &uri).await;
    assert_eq!(status_and_body(&answer), (503, "too many pings"));
    // A ping counts once it passes the limit, whatever it is answered next.
    let answer = get_via(&layer, &uri).await;
    assert_eq!(status_and_body(&answer), (200, "OK (rate-limited)"));
}

#[tokio::test]
async fn without_a_rate_limit_every_ping_is_recorded() {
    let store = seeded_store();
    let layer = PingLayer::new(store.clone());
    for _ in 0..50 {
        let answer = get_via(&layer, &format!("/ping/{UUID}")).await;
        assert_eq!(status_and_body(&answer), (200, "OK"));
    }
    assert_eq!(pings(&store, UUID).len(), 50);
}

// How the budget comes back: N at once, then one every window / N, on the
// limiter the layer uses, with the time handed in.

fn backup() -> Target<'static> {
    Target::Uuid(uuid(UUID))
}

fn at(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

fn limited_for(seconds: u64) -> RateDecision {
    RateDecision::Limited {
        retry_after: at(seconds),
    }
}

#[test]
fn the_window_slides_one_ping_comes_back_every_window_over_n() {
    let limiter = RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)));
    for _ in 0..5 {
        assert_eq!(limiter.check(backup(), at(100)), RateDecision::Allowed);
    }
    assert_eq!(limiter.check(backup(), at(100)), limited_for(12));
    assert_eq!(limiter.check(backup(), at(111)), limited_for(1));
    assert_eq!(limiter.check(backup(), at(112)), RateDecision::Allowed);
    assert_eq!(limiter.check(backup(), at(112)), limited_for(12));
    assert_eq!(limiter.check(backup(), at(124)), RateDecision::Allowed);
}

#[test]
fn a_check_pinging_n_times_a_window_evenly_is_never_limited() {
    let limiter = RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)));
    for minute in 0..1_000 {
        for second in [0, 12, 24, 36, 48] {
            assert_eq!(
                limiter.check(backup(), at(minute * 60 + second)),
                RateDecision::Allowed
            );
        }
    }
}

#[test]
fn after_a_quiet_window_the_whole_budget_is_back_and_no_more() {
    let limiter = RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)));
    for _ in 0..5 {
        limiter.check(backup(), at(0));
    }
    for _ in 0..5 {
        assert_eq!(limiter.check(backup(), at(3_600)), RateDecision::Allowed);
    }
    assert_eq!(limiter.check(backup(), at(3_600)), limited_for(12));
}

#[test]
fn limited_pings_spend_nothing_so_a_retry_loop_gets_through_on_time() {
    let limiter = RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)));
    for _ in 0..5 {
        limiter.check(backup(), at(0));
    }
    // A loop retrying every 100 ms for 12 s: all limited, none counted.
    for tenth in 0..120 {
        let now = Duration::from_millis(tenth * 100);
        assert!(matches!(
            limiter.check(backup(), now),
            RateDecision::Limited { .. }
        ));
    }
    assert_eq!(limiter.check(backup(), at(12)), RateDecision::Allowed);
}

#[test]
fn at_most_2n_in_any_one_window_and_n_a_window_in_the_long_run() {
    let limiter = RateLimiter::new(RateLimit::new(5, Duration::from_secs(60)));
    // A client trying every second for an hour.
    let allowed: Vec<u64> = (0..3_600)
        .filter(|&second| limiter.check(backup(), at(second)) == RateDecision::Allowed)
        .collect();
    for (i, &start) in allowed.iter().enumerate() {
        let in_window = allowed[i..].iter().take_while(|&&t| t < start + 60).count();
        assert!(in_window <= 10, "{in_window} from {start} s");
    }
    // 5 at once, then one every 12 s: 5 + 3599 / 12.
    assert_eq!(allowed.len(), 5 + 299);
}
