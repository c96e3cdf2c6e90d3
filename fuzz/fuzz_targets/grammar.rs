//! The path grammar on arbitrary text: it never panics, and whatever it reads
//! as a ping formats back to the same path (the bare-UUID form may have had a
//! trailing slash) and parses again to the same ping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_ping::{classify, PingQuery, Prefix, Route, Signal, Target};

fuzz_target!(|input: (u8, &str)| {
    let (which, path) = input;
    let prefix = match which % 3 {
        0 => Prefix::default(),
        1 => Prefix::root(),
        _ => Prefix::new("/hc/ping").unwrap(),
    };
    // Queries are parsed on the same attacker-controlled text.
    let _ = PingQuery::parse(Some(path));

    let Route::Ping(ping) = classify(&prefix, path) else {
        return;
    };
    let rest = path
        .strip_prefix(prefix.as_str().trim_end_matches('/'))
        .expect("under the prefix");
    let formatted = ping.to_string();
    let same = match ping.signal {
        // The trailing slash is allowed on the bare UUID form only.
        Signal::Success if matches!(ping.target, Target::Uuid(_)) => {
            rest == formatted || rest == format!("{formatted}/")
        }
        // Leading zeros are allowed: compare the status, not its spelling.
        Signal::Exit(code) => {
            let (head, digits) = rest.rsplit_once('/').expect("a last segment");
            let (formatted_head, _) = formatted.rsplit_once('/').expect("a last segment");
            let significant = digits.trim_start_matches('0');
            head == formatted_head
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (significant.is_empty() && code == 0 || significant == code.to_string())
        }
        _ => rest == formatted,
    };
    assert!(same, "{path:?} read as {ping:?}");
    if let Target::Slug { slug, .. } = ping.target {
        assert!(!slug.bytes().any(|b| b.is_ascii_uppercase()), "{path:?}");
    }
    assert_eq!(classify(&prefix, path), Route::Ping(ping));
});
