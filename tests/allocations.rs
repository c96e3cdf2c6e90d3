//! Allocation counts of the layer, with a counting global allocator: a
//! request that is not a ping allocates nothing in the layer, and a ping
//! costs a known number of allocations, asserted so a regression fails; a
//! rate limit changes neither.
//!
//! Only allocations made on the measuring thread while a measurement is on
//! are counted, so the test harness's other threads do not disturb them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use tower_layer::Layer;
use tower_ping::{MemoryStore, NewCheck, PingLayer, RateLimit};
use uuid::Uuid;

#[path = "../benches/support/drive.rs"]
mod drive;

use drive::{app, call, get, noop_waker};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|count| count.set(count.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counting touches only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations (and reallocations) `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> usize {
    COUNT.with(|count| count.set(0));
    COUNTING.with(|on| on.set(true));
    let output = f();
    COUNTING.with(|on| on.set(false));
    drop(output);
    COUNT.with(Cell::get)
}

const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";
const APP_PATH: &str = "/api/users/42/settings";
const UUID_PING: &str = "/ping/5ca1ab1e-0000-4000-8000-00000000c0de";
const SLUG_PING: &str = "/ping/fqOOd6-F4MMNuCEnzTU01w/db-backup";

fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store
        .add_check(
            NewCheck::new("DB backup")
                .uuid(Uuid::parse_str(UUID).unwrap())
                .ping_key("fqOOd6-F4MMNuCEnzTU01w"),
        )
        .unwrap();
    store
}

#[test]
fn the_counter_counts() {
    assert_eq!(allocations(|| Box::new(1_u64)), 1);
    assert_eq!(allocations(|| ()), 0);
}

/// The layer with nothing but its defaults.
fn plain(store: &MemoryStore) -> PingLayer<MemoryStore> {
    PingLayer::new(store.clone())
}

/// The layer with a rate limit that none of the pings here reach.
fn limited(store: &MemoryStore) -> PingLayer<MemoryStore> {
    plain(store).rate_limit(RateLimit::new(1_000_000, Duration::from_secs(1)))
}

#[test]
fn a_request_that_is_not_a_ping_allocates_nothing_in_the_layer() {
    let waker = noop_waker();
    let mut bare = app();
    for layer in [plain, limited] {
        let mut layered = layer(&store()).layer(app());
        for _ in 0..10 {
            call(&waker, &mut layered, get(APP_PATH));
        }

        let request = get(APP_PATH);
        let by_app = allocations(|| call(&waker, &mut bare, request));
        let request = get(APP_PATH);
        let through_layer = allocations(|| call(&waker, &mut layered, request));
        assert_eq!(
            by_app, 0,
            "the app alone allocates nothing, so any count is the layer's"
        );
        assert_eq!(through_layer, by_app);
    }
}

/// Runs `path` through `layer` over a fresh store until the check's ping
/// log is full, then counts the allocations of one more ping, from the call
/// to the response.
fn allocations_of_a_ping(
    layer: fn(&MemoryStore) -> PingLayer<MemoryStore>,
    path: &'static str,
) -> usize {
    let waker = noop_waker();
    let store = store();
    let mut layered = layer(&store).layer(app());
    for _ in 0..=tower_ping::DEFAULT_PING_LOG_LIMIT {
        assert_eq!(call(&waker, &mut layered, get(path)).status(), 200);
    }
    let request = get(path);
    let count = allocations(|| call(&waker, &mut layered, request));
    let uuid = Uuid::parse_str(UUID).unwrap();
    assert_eq!(store.check(uuid).unwrap().state.n_pings, 102);
    count
}

// Where a ping's allocations go (callgrind, at the time of writing): the boxed
// ping future, the boxed `resolve` and `record` futures (async-trait), the
// answer's header map (indices and entries). The `Ping-Body-Limit` value is
// made once with the layer and cloned. A slug ping also owns its ping key and
// slug. The rate limit's table is made with the layer: a ping within it
// costs nothing more.
#[test]
fn a_uuid_ping_on_the_memory_store_costs_a_known_number_of_allocations() {
    for layer in [plain, limited] {
        assert_eq!(allocations_of_a_ping(layer, UUID_PING), 5);
    }
}

#[test]
fn a_slug_ping_on_the_memory_store_costs_a_known_number_of_allocations() {
    for layer in [plain, limited] {
        assert_eq!(allocations_of_a_ping(layer, SLUG_PING), 7);
    }
}

// A ping over its limit costs its answer alone: the header map (indices and
// entries), and for a slug ping the `Retry-After` value (its bytes, and the
// shared handle `Bytes` makes of them).
#[test]
fn a_ping_over_its_rate_limit_costs_only_its_answer() {
    let waker = noop_waker();
    let layer = plain(&store()).rate_limit(RateLimit::new(1, Duration::from_secs(3_600)));
    let mut layered = layer.layer(app());
    for (path, expected, status) in [(UUID_PING, 2, 200), (SLUG_PING, 4, 429)] {
        call(&waker, &mut layered, get(path));
        let request = get(path);
        let mut response = None;
        let count = allocations(|| response = Some(call(&waker, &mut layered, request)));
        assert_eq!(response.unwrap().status(), status);
        assert_eq!(count, expected, "{path}");
    }
}

/// `CronSchedule::next_after` runs per check on every status query: it must
/// not allocate, in any of its paths (fixed offset, wall clock through a gap,
/// real time away from and at a transition, cronsim going round in circles).
#[test]
fn cron_next_after_allocates_nothing() {
    use std::time::{Duration, UNIX_EPOCH};
    use tower_ping::CronSchedule;

    let at = |seconds: u64| UNIX_EPOCH + Duration::from_secs(seconds);
    for (expression, zone, after) in [
        ("*/5 * * * *", "UTC", at(1_623_758_400)),
        ("0 3 * * *", "Europe/Riga", at(1_616_846_400)),
        ("*/15 * * * *", "Europe/Riga", at(1_623_758_400)),
        ("*/15 * * * *", "Europe/Riga", at(1_635_640_200)),
        ("0 0 */3 2 MON#5", "Europe/Riga", at(1_609_459_200)),
        ("*/7 3/3 * * *", "Pacific/Chatham", at(1_743_861_599)),
    ] {
        let schedule = CronSchedule::new(expression, zone).unwrap();
        schedule.next_after(after);
        let count = allocations(|| schedule.next_after(after));
        assert_eq!(count, 0, "{expression} in {zone}");
    }
}
