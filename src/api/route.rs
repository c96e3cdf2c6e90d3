//! Which Management API endpoint a path names: a pure function over the
//! path, as [`classify`](crate::classify) is for pings. Only the paths of
//! the API are taken; every other path, under the prefix too, goes to the
//! app.

use http::Method;
use uuid::Uuid;

use crate::request::grammar::parse_hyphenated;

/// The API version a path names: `v1`, `v2` or `v3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Version(pub(crate) u8);

/// How a path names one check: by UUID, or (a read-only key's way) by its
/// unique key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckRef {
    Uuid(Uuid),
    UniqueKey(String),
}

/// An endpoint of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `checks/`: list (GET), create (POST).
    Checks,
    /// `checks/<uuid>` or `checks/<unique_key>`: get (GET), update (POST),
    /// delete (DELETE).
    Check(CheckRef),
    /// `checks/<uuid>/pause`.
    Pause(Uuid),
    /// `checks/<uuid>/resume`.
    Resume(Uuid),
    /// `checks/<uuid>/pings/`.
    Pings(Uuid),
    /// `checks/<uuid>/pings/<n>/body`.
    PingBody(Uuid, u64),
    /// `checks/<ref>/flips/`.
    Flips(CheckRef),
    /// `channels/`.
    Channels,
    /// `badges/`.
    Badges,
    /// `status/`.
    Status,
}

/// A request the API takes: its version and endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiPath {
    pub(crate) version: Version,
    pub(crate) endpoint: Endpoint,
}

impl Endpoint {
    /// The methods the endpoint takes, `OPTIONS` aside.
    pub(crate) fn methods(&self) -> &'static [Method] {
        const GET: &[Method] = &[Method::GET];
        const POST: &[Method] = &[Method::POST];
        const GET_POST: &[Method] = &[Method::GET, Method::POST];
        const GET_POST_DELETE: &[Method] = &[Method::GET, Method::POST, Method::DELETE];
        match self {
            Endpoint::Checks => GET_POST,
            Endpoint::Check(CheckRef::Uuid(_)) => GET_POST_DELETE,
            Endpoint::Check(CheckRef::UniqueKey(_)) => GET,
            Endpoint::Pause(_) | Endpoint::Resume(_) => POST,
            Endpoint::Pings(_)
            | Endpoint::PingBody(..)
            | Endpoint::Flips(_)
            | Endpoint::Channels
            | Endpoint::Badges
            | Endpoint::Status => GET,
        }
    }

    /// The `Allow` and `Access-Control-Allow-Methods` value.
    pub(crate) fn allow(&self) -> &'static str {
        match self.methods() {
            [Method::GET] => "GET, OPTIONS",
            [Method::POST] => "POST, OPTIONS",
            [_, _] => "GET, POST, OPTIONS",
            _ => "GET, POST, DELETE, OPTIONS",
        }
    }
}

/// The endpoint `path` names under `prefix` (such as `/api`), or `None`
/// when it is no path of the API.
pub(crate) fn route(prefix: &str, path: &str) -> Option<ApiPath> {
    let rest = path.strip_prefix(prefix)?;
    let rest = rest.strip_prefix("/v")?;
    let (version, rest) = match rest.as_bytes() {
        [b'1', b'/', ..] => (1, &rest[2..]),
        [b'2', b'/', ..] => (2, &rest[2..]),
        [b'3', b'/', ..] => (3, &rest[2..]),
        _ => return None,
    };
    // At most five segments, without allocating: a longer path is no
    // endpoint.
    let mut segments = [""; 5];
    let mut count = 0;
    for segment in rest.split('/') {
        *segments.get_mut(count)? = segment;
        count += 1;
    }
    let segments = &segments[..count];
    let endpoint = match segments {
        // With or without the trailing slash (healthchecks redirects the
        // latter, which turns a POST into a GET).
        ["checks"] | ["checks", ""] => Endpoint::Checks,
        ["checks", check] => Endpoint::Check(check_ref(check)?),
        ["checks", uuid, "pause"] => Endpoint::Pause(uuid_of(uuid)?),
        ["checks", uuid, "resume"] => Endpoint::Resume(uuid_of(uuid)?),
        ["checks", uuid, "pings", ""] | ["checks", uuid, "pings"] => {
            Endpoint::Pings(uuid_of(uuid)?)
        }
        ["checks", uuid, "pings", n, "body"] => Endpoint::PingBody(uuid_of(uuid)?, number(n)?),
        ["checks", check, "flips", ""] | ["checks", check, "flips"] => {
            Endpoint::Flips(check_ref(check)?)
        }
        ["channels", ""] | ["channels"] => Endpoint::Channels,
        ["badges", ""] | ["badges"] => Endpoint::Badges,
        ["status", ""] | ["status"] => Endpoint::Status,
        _ => return None,
    };
    Some(ApiPath {
        version: Version(version),
        endpoint,
    })
}

/// A canonical lower-case hyphenated UUID.
fn uuid_of(text: &str) -> Option<Uuid> {
    parse_hyphenated(text.as_bytes(), false)
}

/// A UUID, or a unique key: 40 lower-case hexadecimal digits.
fn check_ref(text: &str) -> Option<CheckRef> {
    if let Some(uuid) = uuid_of(text) {
        return Some(CheckRef::Uuid(uuid));
    }
    let hex = text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then(|| CheckRef::UniqueKey(text.to_owned()))
}

/// A ping number: ASCII digits, from 1.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";

    fn endpoint(path: &str) -> Option<Endpoint> {
        route("/api", path).map(|p| p.endpoint)
    }

    #[test]
    fn each_endpoint_with_and_without_its_trailing_slash() {
        let uuid: Uuid = UUID.parse().unwrap();
        assert_eq!(endpoint("/api/v3/checks/"), Some(Endpoint::Checks));
        assert_eq!(endpoint("/api/v3/checks"), Some(Endpoint::Checks));
        assert_eq!(
            endpoint(&format!("/api/v1/checks/{UUID}")),
            Some(Endpoint::Check(CheckRef::Uuid(uuid)))
        );
        assert_eq!(
            endpoint(&format!("/api/v2/checks/{UUID}/pause")),
            Some(Endpoint::Pause(uuid))
        );
        assert_eq!(
            endpoint(&format!("/api/v3/checks/{UUID}/pings/")),
            Some(Endpoint::Pings(uuid))
        );
        assert_eq!(
            endpoint(&format!("/api/v3/checks/{UUID}/pings/007/body")),
            Some(Endpoint::PingBody(uuid, 7))
        );
        let key = "f723b1910cb0c9ea8fc508736fe57dbfd167f690";
        assert_eq!(
            endpoint(&format!("/api/v3/checks/{key}/flips/")),
            Some(Endpoint::Flips(CheckRef::UniqueKey(key.into())))
        );
        assert_eq!(endpoint("/api/v3/channels/"), Some(Endpoint::Channels));
        assert_eq!(endpoint("/api/v3/badges/"), Some(Endpoint::Badges));
        assert_eq!(endpoint("/api/v3/status/"), Some(Endpoint::Status));
        assert_eq!(
            route("/api", "/api/v2/checks/").unwrap().version,
            Version(2)
        );
    }

    #[test]
    fn other_paths_are_the_apps() {
        for path in [
            "/api/v4/checks/",
            "/api/v3/",
            "/api/v3/checks/not-a-uuid",
            &format!("/api/v3/checks/{}", UUID.to_uppercase()),
            &format!("/api/v3/checks/{UUID}/"),
            &format!("/api/v3/checks/{UUID}/pings/0/body"),
            &format!("/api/v3/checks/{UUID}/pings/-1/body"),
            "/api/v3/checkz/",
            "/apiv3/checks/",
            "/api/v3/users/",
        ] {
            assert_eq!(endpoint(path), None, "{path}");
        }
    }
}
