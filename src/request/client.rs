//! Who sent a ping: the remote address, scheme and user agent recorded with it,
//! and how far forwarded headers are trusted to say so.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;

use http::header::{HeaderMap, HeaderName, USER_AGENT};
use http::uri::Scheme;
use http::{Extensions, Uri};

/// The most characters of a `User-Agent` that are kept.
const USER_AGENT_CHARS: usize = 200;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// How far `X-Forwarded-For` and `X-Forwarded-Proto` are trusted.
///
/// Both headers are written by the client unless a proxy replaces them, so by
/// default they are ignored and a client cannot choose the address or scheme
/// recorded with its ping. Entries are read from the combined list of all the
/// header's lines; when the list is too short or the chosen entry is not valid,
/// the connection's own address or scheme is recorded instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeaders {
    /// Ignore both headers: record the connection's peer and the request's
    /// scheme. Right for an app that clients reach directly.
    #[default]
    Ignore,
    /// Trust the leftmost entry, as healthchecks does. Right only when the one
    /// proxy in front of the app *overwrites* the headers; behind a proxy that
    /// appends, a client can put any address first.
    Leftmost,
    /// The app sits behind this many proxies, each appending the address it
    /// received the request from: trust the entry that many places from the
    /// right, which the nearest untrusted hop could not forge.
    TrustedProxies(NonZeroUsize),
}

impl ForwardedHeaders {
    /// Picks the trusted entry of a forwarded header, trimmed, if there is one.
    fn pick<'h>(self, headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
        let lines = headers.get_all(name);
        match self {
            ForwardedHeaders::Ignore => None,
            ForwardedHeaders::Leftmost => {
                let first = lines.iter().next()?.to_str().ok()?;
                first.split(',').next().map(str::trim)
            }
            ForwardedHeaders::TrustedProxies(hops) => {
                let mut remaining = hops.get();
                for line in lines.iter().rev() {
                    // An unreadable line makes every position past it unknowable.
                    for entry in line.to_str().ok()?.rsplit(',') {
                        remaining -= 1;
                        if remaining == 0 {
                            return Some(entry.trim());
                        }
                    }
                }
                None
            }
        }
    }
}

/// The client's address: the trusted forwarded entry, else the peer address the
/// server put in the request's extensions.
pub(crate) fn remote_addr(
    extensions: &Extensions,
    headers: &HeaderMap,
    trust: ForwardedHeaders,
) -> Option<IpAddr> {
    trust
        .pick(headers, &X_FORWARDED_FOR)
        .and_then(parse_forwarded_addr)
        .or_else(|| peer_addr(extensions))
}

/// The request's scheme: the trusted `X-Forwarded-Proto` entry when it is
/// `http` or `https`, else the URI's, else `http`.
pub(crate) fn scheme(uri: &Uri, headers: &HeaderMap, trust: ForwardedHeaders) -> Scheme {
    match trust.pick(headers, &X_FORWARDED_PROTO) {
        Some(proto) if proto.eq_ignore_ascii_case("https") => Scheme::HTTPS,
        Some(proto) if proto.eq_ignore_ascii_case("http") => Scheme::HTTP,
        _ => uri.scheme().cloned().unwrap_or(Scheme::HTTP),
    }
}

/// The `User-Agent` header, decoded leniently and cut to 200 characters on a
/// character boundary.
pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(USER_AGENT)?.as_bytes();
    let text = String::from_utf8_lossy(raw);
    Some(match text.char_indices().nth(USER_AGENT_CHARS) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.into_owned(),
    })
}

/// The peer address a server inserted: axum's `ConnectInfo<SocketAddr>` (with
/// the `axum` feature) or a plain `SocketAddr` extension.
fn peer_addr(extensions: &Extensions) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(info) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(info.0.ip());
    }
    extensions.get::<SocketAddr>().map(SocketAddr::ip)
}

/// An `X-Forwarded-For` entry: an IP address, or `a.b.c.d:port` / `[v6]:port`
/// with the port dropped.
fn parse_forwarded_addr(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(&X_FORWARDED_FOR, HeaderValue::from_str(line).unwrap());
        }
        map
    }

    fn peer() -> Extensions {
        let mut ext = Extensions::new();
        ext.insert(SocketAddr::from(([10, 0, 0, 9], 5555)));
        ext
    }

    fn hops(n: usize) -> ForwardedHeaders {
        ForwardedHeaders::TrustedProxies(NonZeroUsize::new(n).unwrap())
    }

    #[test]
    fn forwarded_for_is_ignored_by_default() {
        let addr = remote_addr(&peer(), &headers(&["1.2.3.4"]), ForwardedHeaders::default());
        assert_eq!(addr, Some([10, 0, 0, 9].into()));
    }

    #[test]
    fn leftmost_entry_is_trimmed_and_loses_its_port() {
        let got = remote_addr(
            &peer(),
            &headers(&[" 1.2.3.4:8080 , 5.6.7.8"]),
            ForwardedHeaders::Leftmost,
        );
        assert_eq!(got, Some([1, 2, 3, 4].into()));
    }

    #[test]
    fn trusted_proxies_count_from_the_right_across_lines() {
        let h = headers(&["6.6.6.6, 1.1.1.1", "2.2.2.2,3.3.3.3"]);
        assert_eq!(remote_addr(&peer(), &h, hops(1)), Some([3, 3, 3, 3].into()));
        assert_eq!(remote_addr(&peer(), &h, hops(3)), Some([1, 1, 1, 1].into()));
        assert_eq!(remote_addr(&peer(), &h, hops(4)), Some([6, 6, 6, 6].into()));
        // Shorter than the trusted hops: the connection's own address.
        assert_eq!(
            remote_addr(&peer(), &h, hops(5)),
            Some([10, 0, 0, 9].into())
        );
    }

    #[test]
    fn ipv6_entries_are_kept() {
        let got = remote_addr(
            &peer(),
            &headers(&["2001:db8::1"]),
            ForwardedHeaders::Leftmost,
        );
        assert_eq!(got, "2001:db8::1".parse().ok());
        let got = remote_addr(&peer(), &headers(&["[2001:db8::2]:443"]), hops(1));
        assert_eq!(got, "2001:db8::2".parse().ok());
    }

    #[test]
    fn invalid_entry_falls_back_to_the_peer() {
        for line in ["unknown", "", "1.2.3.4.5", "1.2.3.4, junk"] {
            let got = remote_addr(&peer(), &headers(&[line]), hops(1));
            assert_eq!(got, Some([10, 0, 0, 9].into()), "{line:?}");
        }
    }

    #[test]
    fn scheme_comes_from_the_uri_unless_a_trusted_proxy_says_otherwise() {
        let uri: Uri = "/ping/x".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(&X_FORWARDED_PROTO, HeaderValue::from_static("https"));
        assert_eq!(scheme(&uri, &h, ForwardedHeaders::Ignore), Scheme::HTTP);
        assert_eq!(scheme(&uri, &h, ForwardedHeaders::Leftmost), Scheme::HTTPS);
        h.insert(&X_FORWARDED_PROTO, HeaderValue::from_static("gopher"));
        assert_eq!(scheme(&uri, &h, ForwardedHeaders::Leftmost), Scheme::HTTP);
        let absolute: Uri = "https://example.com/ping/x".parse().unwrap();
        assert_eq!(
            scheme(&absolute, &HeaderMap::new(), ForwardedHeaders::Ignore),
            Scheme::HTTPS
        );
    }

    #[test]
    fn user_agent_is_cut_on_a_character_boundary() {
        let mut h = HeaderMap::new();
        assert_eq!(user_agent(&h), None);
        let long = "é".repeat(150) + &"a".repeat(100);
        h.insert(USER_AGENT, HeaderValue::from_str(&long).unwrap());
        let got = user_agent(&h).unwrap();
        assert_eq!(got.chars().count(), 200);
        assert_eq!(got, "é".repeat(150) + &"a".repeat(50));
    }
}
