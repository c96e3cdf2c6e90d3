//! The status page: one HTML page for a project, every check with its
//! status, last ping, next ping and a bar of its last seven days drawn to
//! scale. Written on the server, readable without JavaScript (the page
//! has none, and its `Content-Security-Policy` allows none), refreshed by
//! the browser with `<meta http-equiv="refresh">`. Every name, tag and
//! time goes through [`Markup::text`].
//!
//! Pure: [`render`] takes the moment the page shows.

use std::time::{Duration, SystemTime};

use crate::dashboard::flip_bar::{Span, WINDOW};
use crate::dashboard::markup::{Markup, Tenths};
use crate::state::deadline::StatusAt;
use crate::state::status::LiveStatus;
use crate::time::rfc3339;

/// A check as the page shows it.
#[derive(Debug)]
pub(crate) struct PageCheck {
    /// Its name (or slug, when it has no name).
    pub(crate) name: String,
    /// Its tags, space separated.
    pub(crate) tags: String,
    /// How it stands at the page's moment.
    pub(crate) at: StatusAt,
    /// Its last ping, if any.
    pub(crate) last_ping: Option<SystemTime>,
    /// Its last seven days, oldest first.
    pub(crate) spans: Vec<Span>,
}

/// What the page shows.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    /// The project's name.
    pub(crate) project: &'a str,
    /// Its checks, in the order created.
    pub(crate) checks: &'a [PageCheck],
    /// The page's moment.
    pub(crate) now: SystemTime,
    /// How often the browser reloads it.
    pub(crate) refresh: Duration,
    /// The project's all-checks badge: its path on this site (for the
    /// image) and its absolute URL (for the Markdown to copy).
    pub(crate) badge: Option<(String, String)>,
}

/// The bar's width in its own units: tenths of a unit of a thousand.
const BAR_UNITS: u64 = 10_000;

const STYLE: &str = "body{font:15px/1.4 \"DejaVu Sans\",Verdana,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222;background:#fff}\
h1{font-size:1.6em;margin:0 0 .2em}\
.summary{color:#555;margin:0 0 1em}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.45em .6em;border-bottom:1px solid #ddd;vertical-align:middle}\
th{font-size:.85em;color:#666;font-weight:normal}\
.name{font-weight:bold}\
.tags{display:block;font-weight:normal;font-size:.8em;color:#777}\
.status{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;padding:.1em .4em;font-size:.85em}\
.s-up{background:#4c1}.s-grace{background:#fe7d37}.s-down{background:#e05d44}.s-new{background:#9f9f9f}.s-paused{background:#6c7a89}\
.when{white-space:nowrap;font-size:.9em}.when small{display:block;color:#777}\
.bar{width:24em}.bar svg{display:block;width:100%;height:14px;border-radius:2px}\
.legend{font-size:.8em;color:#666;margin-top:1em}.legend span{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin:0 .3em 0 1em;border-radius:2px}\
.badge{margin-top:1.5em;font-size:.85em;color:#555}.badge code{background:#f4f4f4;padding:.1em .3em;word-break:break-all}\
@media (prefers-color-scheme:dark){body{background:#181a1b;color:#ddd}th,td{border-color:#333}.badge code{background:#222}}";

/// The page.
pub(crate) fn render(page: &Page<'_>) -> String {
    let mut html = Markup::with_capacity(4096 + page.checks.len() * 1024);
    let title = if page.project.is_empty() {
        "Status"
    } else {
        page.project
    };
    html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"")
        .num(page.refresh.as_secs().max(1))
        .raw("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n<title>")
        .text(title)
        .raw(" · status</title>\n<style>")
        .raw(STYLE)
        .raw("</style>\n</head>\n<body>\n<h1>")
        .text(title)
        .raw("</h1>\n");
    summary(&mut html, page);
    if page.checks.is_empty() {
        html.raw("<p class=\"empty\">No checks yet.</p>\n");
    } else {
        html.raw("<table>\n<thead><tr><th>Check</th><th>Status</th><th>Last ping</th><th>Next ping</th><th>Last 7 days</th></tr></thead>\n<tbody>\n");
        for check in page.checks {
            row(&mut html, check, page.now);
        }
        html.raw("</tbody>\n</table>\n");
        legend(&mut html);
    }
    if let Some((path, url)) = &page.badge {
        html.raw("<p class=\"badge\"><img src=\"")
            .text(path)
            .raw("\" alt=\"")
            .text(title)
            .raw(" status\"> In Markdown: <code>![")
            .text(title)
            .raw("](")
            .text(url)
            .raw(")</code></p>\n");
    }
    html.raw("</body>\n</html>\n");
    html.finish()
}

fn summary(html: &mut Markup, page: &Page<'_>) {
    let count = |status| page.checks.iter().filter(|c| c.at.status == status).count();
    html.raw("<p class=\"summary\">")
        .num(page.checks.len())
        .raw(if page.checks.len() == 1 {
            " check"
        } else {
            " checks"
        });
    for (status, word) in [
        (LiveStatus::Up, " up"),
        (LiveStatus::Grace, " late"),
        (LiveStatus::Down, " down"),
        (LiveStatus::New, " new"),
        (LiveStatus::Paused, " paused"),
    ] {
        let n = count(status);
        if n > 0 {
            html.raw(", ").num(n).raw(word);
        }
    }
    html.raw(" · as of <time datetime=\"")
        .text(&rfc3339::format(page.now))
        .raw("\">")
        .text(&short_time(page.now))
        .raw("</time></p>\n");
}

fn row(html: &mut Markup, check: &PageCheck, now: SystemTime) {
    let status = check.at.status;
    html.raw("<tr class=\"check\" data-status=\"")
        .raw(status.as_str())
        .raw("\"><td class=\"name\">")
        .text(&check.name);
    if !check.tags.is_empty() {
        html.raw("<span class=\"tags\">")
            .text(&check.tags)
            .raw("</span>");
    }
    html.raw("</td><td><span class=\"status s-")
        .raw(status.as_str())
        .raw("\">")
        .raw(status_word(status))
        .raw("</span></td><td class=\"when last-ping\">");
    match check.last_ping {
        Some(at) => time(html, at, now),
        None => {
            html.raw("never");
        }
    }
    html.raw("</td><td class=\"when next-ping\">");
    match check.at.next_ping {
        Some(at) => time(html, at, now),
        None => {
            html.raw("—");
        }
    }
    html.raw("</td><td class=\"bar\">");
    bar(html, &check.spans, now);
    html.raw("</td></tr>\n");
}

/// What a status is called on the page: `grace` is `late`, as on badges.
fn status_word(status: LiveStatus) -> &'static str {
    match status {
        LiveStatus::Grace => "late",
        other => other.as_str(),
    }
}

fn color(status: LiveStatus) -> &'static str {
    match status {
        LiveStatus::Up => "#4c1",
        LiveStatus::Grace => "#fe7d37",
        LiveStatus::Down => "#e05d44",
        LiveStatus::New => "#9f9f9f",
        LiveStatus::Paused => "#6c7a89",
    }
}

/// The seven days as an SVG bar, each span a rectangle as wide as its
/// share of the week.
fn bar(html: &mut Markup, spans: &[Span], now: SystemTime) {
    let since = now.checked_sub(WINDOW).unwrap_or(SystemTime::UNIX_EPOCH);
    let window = now.duration_since(since).unwrap_or_default().as_secs_f64();
    let place = |at: SystemTime| -> u64 {
        let offset = at.duration_since(since).unwrap_or_default().as_secs_f64();
        if window <= 0.0 {
            return 0;
        }
        ((offset / window) * BAR_UNITS as f64)
            .round()
            .clamp(0.0, BAR_UNITS as f64) as u64
    };
    html.raw("<svg viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"the last 7 days\">");
    html.raw("<rect width=\"1000\" height=\"10\" fill=\"#eee\"/>");
    for span in spans {
        let (from, to) = (place(span.from), place(span.to));
        if to <= from {
            continue;
        }
        html.raw("<rect x=\"")
            .num(Tenths(from))
            .raw("\" width=\"")
            .num(Tenths(to - from))
            .raw("\" height=\"10\" fill=\"")
            .raw(color(span.status))
            .raw("\" data-status=\"")
            .raw(span.status.as_str())
            .raw("\"><title>")
            .raw(status_word(span.status))
            .raw(" from ")
            .text(&short_time(span.from))
            .raw(" to ")
            .text(&short_time(span.to))
            .raw("</title></rect>");
    }
    html.raw("</svg>");
}

fn legend(html: &mut Markup) {
    html.raw("<p class=\"legend\">");
    for status in [
        LiveStatus::Up,
        LiveStatus::Grace,
        LiveStatus::Down,
        LiveStatus::New,
        LiveStatus::Paused,
    ] {
        html.raw("<span class=\"s-")
            .raw(status.as_str())
            .raw("\"></span>")
            .raw(status_word(status));
    }
    html.raw("</p>\n");
}

/// A `<time>` element: the time in UTC to the minute, and how long ago or
/// ahead of `now` it is.
fn time(html: &mut Markup, at: SystemTime, now: SystemTime) {
    html.raw("<time datetime=\"")
        .text(&rfc3339::format(at))
        .raw("\">")
        .text(&short_time(at))
        .raw("</time><small>")
        .text(&relative(at, now))
        .raw("</small>");
}

/// `2030-01-01 12:34 UTC`.
fn short_time(at: SystemTime) -> String {
    let full = rfc3339::format(at);
    match (full.get(..10), full.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => full,
    }
}

/// `5 min ago`, `in 2 h`, `just now`.
fn relative(at: SystemTime, now: SystemTime) -> String {
    let (secs, ahead) = match at.duration_since(now) {
        Ok(ahead) => (ahead.as_secs(), true),
        Err(behind) => (behind.duration().as_secs(), false),
    };
    let amount = match secs {
        0..=59 => return "just now".into(),
        60..=3_599 => format!("{} min", secs / 60),
        3_600..=172_799 => format!("{} h", secs / 3_600),
        _ => format!("{} days", secs / 86_400),
    };
    if ahead {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000 + secs)
    }

    fn at(status: LiveStatus, next_ping: Option<SystemTime>) -> StatusAt {
        StatusAt {
            status,
            started: false,
            next_ping,
            alert_after: None,
        }
    }

    fn page_with<'a>(checks: &'a [PageCheck], now: SystemTime) -> Page<'a> {
        Page {
            project: "Backups <prod>",
            checks,
            now,
            refresh: Duration::from_secs(60),
            badge: Some(("/badge/k/s.svg".into(), "https://x/badge/k/s.svg".into())),
        }
    }

    #[test]
    fn every_name_is_escaped() {
        let checks = [PageCheck {
            name: "<script>alert(1)</script>".into(),
            tags: "a\"b <i>".into(),
            at: at(LiveStatus::Up, None),
            last_ping: None,
            spans: Vec::new(),
        }];
        let html = render(&page_with(&checks, t(0)));
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<i>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a&quot;b &lt;i&gt;"));
        assert!(html.contains("<title>Backups &lt;prod&gt; · status</title>"));
    }

    #[test]
    fn it_refreshes_itself_and_has_no_script() {
        let html = render(&page_with(&[], t(0)));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"60\">"));
        assert!(!html.contains("<script"));
        assert!(html.contains("No checks yet."));
    }

    #[test]
    fn a_row_shows_status_last_and_next_ping() {
        let now = t(7 * 86_400);
        let checks = [PageCheck {
            name: "Nightly".into(),
            tags: String::new(),
            at: at(LiveStatus::Grace, Some(now - Duration::from_secs(120))),
            last_ping: Some(now - Duration::from_secs(2 * 3600)),
            spans: Vec::new(),
        }];
        let html = render(&page_with(&checks, now));
        assert!(html
            .contains("<tr class=\"check\" data-status=\"grace\"><td class=\"name\">Nightly</td>"));
        assert!(html.contains("<span class=\"status s-grace\">late</span>"));
        assert!(html.contains("2030-01-07 22:00 UTC</time><small>2 h ago</small>"));
        assert!(html.contains("2030-01-07 23:58 UTC</time><small>2 min ago</small>"));
        assert!(html.contains("1 check, 1 late"));
    }

    #[test]
    fn the_bar_is_drawn_to_scale() {
        let now = t(7 * 86_400);
        let since = t(0);
        let day = Duration::from_secs(86_400);
        let spans = vec![
            Span {
                from: since,
                to: since + day,
                status: LiveStatus::Down,
            },
            Span {
                from: since + day,
                to: now,
                status: LiveStatus::Up,
            },
        ];
        let checks = [PageCheck {
            name: "c".into(),
            tags: String::new(),
            at: at(LiveStatus::Up, None),
            last_ping: None,
            spans,
        }];
        let html = render(&page_with(&checks, now));
        // One day of seven: 1000/7 = 142.9 units.
        assert!(html.contains("<rect x=\"0.0\" width=\"142.9\" height=\"10\" fill=\"#e05d44\" data-status=\"down\">"), "{html}");
        assert!(html.contains(
            "<rect x=\"142.9\" width=\"857.1\" height=\"10\" fill=\"#4c1\" data-status=\"up\">"
        ));
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative(t(100), t(130)), "just now");
        assert_eq!(relative(t(0), t(600)), "10 min ago");
        assert_eq!(relative(t(7200), t(0)), "in 2 h");
        assert_eq!(relative(t(0), t(3 * 86_400)), "3 days ago");
    }
}
