//! The query strings of the API's listings: `?tag=` (repeatable), `?slug=`,
//! and the flips' `?seconds=`, `?start=`, `?end=`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The pairs of a query string, percent-decoded (`+` read as a space), in
/// order.
pub(crate) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// Percent-decodes `raw`; bytes that are not UTF-8 become U+FFFD.
fn decode(raw: &str) -> String {
    let raw = raw.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() && hex(raw[i + 1]).is_some() && hex(raw[i + 2]).is_some() => {
                out.push(hex(raw[i + 1]).unwrap_or(0) << 4 | hex(raw[i + 2]).unwrap_or(0));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The time window of `GET checks/<ref>/flips/`: `seconds` (the last so
/// many seconds, 0 to 31,536,000; 0 or empty for no bound), `start` and
/// `end` (Unix times, 0 to 10,000,000,000; `end` excluded).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FlipWindow {
    pub(crate) since: Option<SystemTime>,
    pub(crate) until: Option<SystemTime>,
}

impl FlipWindow {
    /// Reads the window from the query's pairs at `now`; `Err` names the
    /// bad filter.
    pub(crate) fn read(pairs: &[(String, String)], now: SystemTime) -> Result<Self, String> {
        let mut window = FlipWindow::default();
        for (key, value) in pairs {
            let bound = |max: u64| -> Result<Option<u64>, String> {
                if value.is_empty() {
                    return Ok(None);
                }
                match value.parse::<u64>() {
                    Ok(n) if n <= max && value.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
                    _ => Err(format!("{key} {value:?} is not a number in 0..{max}")),
                }
            };
            let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
            match key.as_str() {
                "seconds" => {
                    if let Some(secs) = bound(31_536_000)?.filter(|s| *s > 0) {
                        let since = now.checked_sub(Duration::from_secs(secs));
                        window.since = window.since.max(since);
                    }
                }
                "start" => {
                    if let Some(start) = bound(10_000_000_000)? {
                        window.since = window.since.max(Some(at(start)));
                    }
                }
                "end" => {
                    if let Some(end) = bound(10_000_000_000)? {
                        window.until = Some(at(end));
                    }
                }
                _ => {}
            }
        }
        Ok(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_in_order() {
        assert_eq!(
            pairs(Some("tag=prod&tag=a%20b&slug=x+y&empty&bad=%zz")),
            [
                ("tag".into(), "prod".into()),
                ("tag".into(), "a b".into()),
                ("slug".into(), "x y".into()),
                ("empty".into(), String::new()),
                ("bad".into(), "%zz".into()),
            ]
        );
        assert!(pairs(None).is_empty());
    }

    #[test]
    fn the_flip_window_from_seconds_start_and_end() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let read = |q: &str| FlipWindow::read(&pairs(Some(q)), now);
        assert_eq!(
            read("seconds=60").unwrap().since,
            Some(now - Duration::from_secs(60))
        );
        assert_eq!(read("seconds=0").unwrap(), FlipWindow::default());
        let window = read("start=10&end=20").unwrap();
        assert_eq!(window.since, Some(UNIX_EPOCH + Duration::from_secs(10)));
        assert_eq!(window.until, Some(UNIX_EPOCH + Duration::from_secs(20)));
        assert!(read("seconds=31536001").is_err());
        assert!(read("start=-1").is_err());
        assert!(read("end=1.5").is_err());
        assert!(read("start=10000000001").is_err());
    }
}
