//! The paths the dashboard answers: a pure function over the path that
//! allocates nothing. Any other path is `None`, and goes to the app.
//!
//! | path | what |
//! |---|---|
//! | `/projects/<uuid>/metrics/<ro-key>` | Prometheus metrics |
//! | `/projects/<uuid>/checks/metrics/<ro-key>` | the same |
//! | `/projects/<uuid>/metrics/` | the same, the key in `Authorization: Bearer` |
//! | `/badge/<badge-key>/<sig>/<tag>.<fmt>` | a tag's badge |
//! | `/badge/<badge-key>/<sig>.<fmt>` | the badge of every check |
//! | `/b/<states>/<check-badge-key>.<fmt>` | a check's badge |
//! | `/status/<badge-key>` | the status page |
//!
//! A path of one of these shapes with a part that cannot be right (an
//! unknown format, `/b/5/...`, a check badge key that is no UUID) is still
//! the dashboard's, answered `404` with a line saying why, rather than
//! handed to the app.

use uuid::Uuid;

use crate::store::badge_url::{BadgeFormat, BadgeStates};

/// A path the dashboard answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DashboardRoute<'a> {
    /// A project's metrics, the key in the path or (`None`) in the
    /// `Authorization` header.
    Metrics { project: Uuid, key: Option<&'a str> },
    /// A badge of a project's checks: of `tag` (still percent-encoded), or
    /// of every check when `None`.
    TagBadge {
        badge_key: &'a str,
        signature: &'a str,
        tag: Option<&'a str>,
        format: Option<BadgeFormat>,
    },
    /// A check's own badge.
    CheckBadge {
        states: Option<BadgeStates>,
        badge_key: Option<Uuid>,
        format: Option<BadgeFormat>,
    },
    /// A project's status page.
    StatusPage { badge_key: &'a str },
}

/// The dashboard route of `path`, or `None` for the app's paths.
#[inline]
pub(crate) fn route(path: &str) -> Option<DashboardRoute<'_>> {
    // A first look at one byte keeps the app's paths cheap.
    match path.as_bytes().get(1)? {
        b'p' => metrics(path.strip_prefix("/projects/")?),
        b'b' => {
            if let Some(rest) = path.strip_prefix("/badge/") {
                tag_badge(rest)
            } else {
                check_badge(path.strip_prefix("/b/")?)
            }
        }
        b's' => status_page(path.strip_prefix("/status/")?),
        _ => None,
    }
}

fn metrics(rest: &str) -> Option<DashboardRoute<'_>> {
    let (project, rest) = rest.split_once('/')?;
    let project = canonical_uuid(project)?;
    let (checks_form, rest) = match rest.strip_prefix("checks/") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let key = rest.strip_prefix("metrics/")?;
    if key.contains('/') {
        return None;
    }
    // The header form is `/projects/<uuid>/metrics/` only, as in
    // healthchecks.
    let key = (!key.is_empty()).then_some(key);
    if key.is_none() && checks_form {
        return None;
    }
    Some(DashboardRoute::Metrics { project, key })
}

fn tag_badge(rest: &str) -> Option<DashboardRoute<'_>> {
    let (badge_key, rest) = rest.split_once('/')?;
    let (stem, extension) = rest.rsplit_once('.')?;
    let (signature, tag) = match stem.split_once('/') {
        Some((signature, tag)) => (signature, Some(tag)),
        None => (stem, None),
    };
    if badge_key.is_empty()
        || signature.is_empty()
        || signature.contains('.')
        || tag.is_some_and(|tag| tag.contains('/'))
    {
        return None;
    }
    Some(DashboardRoute::TagBadge {
        badge_key,
        signature,
        tag,
        format: BadgeFormat::parse(extension),
    })
}

fn check_badge(rest: &str) -> Option<DashboardRoute<'_>> {
    let (states, rest) = rest.split_once('/')?;
    let (key, extension) = rest.rsplit_once('.')?;
    if states.is_empty() || !states.bytes().all(|b| b.is_ascii_digit()) || key.contains('/') {
        return None;
    }
    let states = match states {
        "2" => Some(BadgeStates::Two),
        "3" => Some(BadgeStates::Three),
        _ => None,
    };
    Some(DashboardRoute::CheckBadge {
        states,
        badge_key: canonical_uuid(key),
        format: BadgeFormat::parse(extension),
    })
}

fn status_page(badge_key: &str) -> Option<DashboardRoute<'_>> {
    let valid = !badge_key.is_empty()
        && badge_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(DashboardRoute::StatusPage { badge_key })
}

/// A UUID written as 36 characters with hyphens (either case).
fn canonical_uuid(text: &str) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    Uuid::try_parse(text).ok()
}

/// `text` with its `%XX` escapes decoded: `None` when an escape is broken
/// or the bytes are not UTF-8 (no tag could be named so).
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let high = char::from(hex[0]).to_digit(16)?;
            let low = char::from(hex[1]).to_digit(16)?;
            decoded.push(u8::try_from(high * 16 + low).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "c0ffee00-0000-4000-8000-000000000001";

    fn project() -> Uuid {
        UUID.parse().unwrap()
    }

    #[test]
    fn the_three_metrics_forms() {
        let key = "hcr_0123456789abcdefghijklmnopqr";
        for path in [
            format!("/projects/{UUID}/metrics/{key}"),
            format!("/projects/{UUID}/checks/metrics/{key}"),
        ] {
            assert_eq!(
                route(&path),
                Some(DashboardRoute::Metrics {
                    project: project(),
                    key: Some(key)
                })
            );
        }
        assert_eq!(
            route(&format!("/projects/{UUID}/metrics/")),
            Some(DashboardRoute::Metrics {
                project: project(),
                key: None
            })
        );
        // Any key length is the dashboard's (to be told it is wrong).
        assert!(route(&format!("/projects/{UUID}/metrics/short")).is_some());
    }

    #[test]
    fn other_project_paths_are_the_apps() {
        for path in [
            "/projects".to_owned(),
            "/projects/".to_owned(),
            "/projects/not-a-uuid/metrics/key".to_owned(),
            format!("/projects/{UUID}"),
            format!("/projects/{UUID}/metrics"),
            format!("/projects/{UUID}/metrics/key/"),
            format!("/projects/{UUID}/checks/metrics/"),
            format!("/projects/{UUID}/checks/"),
            "/projects/c0ffee00000040008000000000000001/metrics/key".to_owned(),
        ] {
            assert_eq!(route(&path), None, "{path}");
        }
    }

    #[test]
    fn tag_and_all_badges() {
        assert_eq!(
            route("/badge/k3y/abcdefgh-2/prod.svg"),
            Some(DashboardRoute::TagBadge {
                badge_key: "k3y",
                signature: "abcdefgh-2",
                tag: Some("prod"),
                format: Some(BadgeFormat::Svg),
            })
        );
        assert_eq!(
            route("/badge/k3y/abcdefgh.shields"),
            Some(DashboardRoute::TagBadge {
                badge_key: "k3y",
                signature: "abcdefgh",
                tag: None,
                format: Some(BadgeFormat::Shields),
            })
        );
        // The tag may hold dots: the format is after the last one.
        assert!(matches!(
            route("/badge/k/s/v1.2%2Fx.json"),
            Some(DashboardRoute::TagBadge {
                tag: Some("v1.2%2Fx"),
                format: Some(BadgeFormat::Json),
                ..
            })
        ));
        assert!(matches!(
            route("/badge/k/s/prod.png"),
            Some(DashboardRoute::TagBadge { format: None, .. })
        ));
        for path in [
            "/badge/k/s",
            "/badge/k/s/a/b.svg",
            "/badge//s.svg",
            "/badge/k/.svg",
            "/badge/k",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn check_badges() {
        let key: Uuid = "5f761c49-41bf-4e21-84da-4a39c4b29776".parse().unwrap();
        assert_eq!(
            route("/b/3/5f761c49-41bf-4e21-84da-4a39c4b29776.json"),
            Some(DashboardRoute::CheckBadge {
                states: Some(BadgeStates::Three),
                badge_key: Some(key),
                format: Some(BadgeFormat::Json),
            })
        );
        assert!(matches!(
            route("/b/5/5f761c49-41bf-4e21-84da-4a39c4b29776.svg"),
            Some(DashboardRoute::CheckBadge { states: None, .. })
        ));
        assert!(matches!(
            route("/b/2/nope.svg"),
            Some(DashboardRoute::CheckBadge {
                badge_key: None,
                ..
            })
        ));
        for path in [
            "/b/x/5f761c49-41bf-4e21-84da-4a39c4b29776.svg",
            "/b/2/a/b.svg",
            "/b/2/nodot",
            "/b/",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn status_pages() {
        assert_eq!(
            route("/status/backups-badges_1"),
            Some(DashboardRoute::StatusPage {
                badge_key: "backups-badges_1"
            })
        );
        for path in [
            "/status/",
            "/status",
            "/status/a/b",
            "/status/a.b",
            "/statusx/a",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn the_apps_paths_pass() {
        for path in [
            "/",
            "",
            "/ping/x",
            "/api/v3/checks/",
            "/bad",
            "/s",
            "/p",
            "/b",
            "/badges/x.svg",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("a%22b%20c%2Fd%C3%A9").as_deref(),
            Some("a\"b c/dé")
        );
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}
