//! The query parameters a ping understands: `rid` and `create`.
//!
//! Values are percent-decoded (and `+` read as a space, as in a form) before
//! they are judged; when a parameter repeats, the last one wins. Decoding
//! happens in small stack buffers: nothing here allocates.

use uuid::Uuid;

use crate::request::grammar::parse_hyphenated;

/// The parameters of a ping's query string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingQuery {
    /// The run id from `rid`, if given.
    pub rid: Option<Uuid>,
    /// Whether `create=1` asked for a missing check to be created.
    pub create: bool,
}

/// The error for a `rid` that is empty or not a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRunId;

impl std::fmt::Display for InvalidRunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid uuid format")
    }
}

impl std::error::Error for InvalidRunId {}

impl PingQuery {
    /// Reads `rid` and `create` from a raw query string (without the `?`).
    ///
    /// ```
    /// use tower_ping::PingQuery;
    ///
    /// let q = PingQuery::parse(Some("rid=5CA1AB1E-0000-4000-8000-00000000C0DE&create=%31")).unwrap();
    /// assert_eq!(q.rid.unwrap().to_string(), "5ca1ab1e-0000-4000-8000-00000000c0de");
    /// assert!(q.create);
    /// assert!(PingQuery::parse(Some("rid=")).is_err());
    /// ```
    pub fn parse(query: Option<&str>) -> Result<Self, InvalidRunId> {
        let Some(query) = query else {
            return Ok(Self::default());
        };
        let mut rid = None;
        let mut create = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut buf = [0u8; 6];
            match decode_into(key, &mut buf) {
                Some(b"rid") => rid = Some(value),
                Some(b"create") => create = Some(value),
                _ => {}
            }
        }
        let rid = match rid {
            None => None,
            Some(raw) => {
                let mut buf = [0u8; 36];
                let decoded = decode_into(raw, &mut buf).ok_or(InvalidRunId)?;
                Some(parse_hyphenated(decoded, true).ok_or(InvalidRunId)?)
            }
        };
        let create = create.is_some_and(|raw| {
            let mut buf = [0u8; 1];
            decode_into(raw, &mut buf) == Some(b"1")
        });
        Ok(Self { rid, create })
    }
}

/// Percent-decodes `raw` into `buf`, `None` when the result does not fit.
///
/// A `%` not followed by two hex digits stays as it is, as browsers and most
/// servers do; whatever it spells is then judged by the caller.
fn decode_into<'b>(raw: &str, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let raw = raw.as_bytes();
    let (mut read, mut written) = (0, 0);
    while read < raw.len() {
        let byte = match raw[read] {
            b'+' => b' ',
            b'%' => match (raw.get(read + 1), raw.get(read + 2)) {
                (Some(&hi), Some(&lo)) if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => {
                    read += 2;
                    hex_value(hi) << 4 | hex_value(lo)
                }
                _ => b'%',
            },
            other => other,
        };
        *buf.get_mut(written)? = byte;
        written += 1;
        read += 1;
    }
    Some(&buf[..written])
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RID: &str = "5ca1ab1e-0000-4000-8000-00000000c0de";

    #[test]
    fn absent_query_means_no_rid_and_no_create() {
        assert_eq!(PingQuery::parse(None), Ok(PingQuery::default()));
        assert_eq!(PingQuery::parse(Some("")), Ok(PingQuery::default()));
    }

    #[test]
    fn last_repeated_parameter_wins() {
        let q = PingQuery::parse(Some(&format!("rid=bogus&rid={RID}&create=1&create=0"))).unwrap();
        assert_eq!(q.rid.unwrap().to_string(), RID);
        assert!(!q.create);
        assert!(PingQuery::parse(Some(&format!("rid={RID}&rid=bogus"))).is_err());
    }

    #[test]
    fn keys_and_values_are_percent_decoded() {
        let encoded = RID.replace('-', "%2D");
        let q = PingQuery::parse(Some(&format!("r%69d={encoded}&cr%65ate=%31"))).unwrap();
        assert_eq!(q.rid.unwrap().to_string(), RID);
        assert!(q.create);
    }

    #[test]
    fn rid_with_anything_around_it_is_invalid() {
        for bad in [
            "",
            "x",
            "{5ca1ab1e-0000-4000-8000-00000000c0de}",
            "5ca1ab1e-0000-4000-8000-00000000c0de%0A",
            "+5ca1ab1e-0000-4000-8000-00000000c0de",
            "5ca1ab1e000040008000000000000c0de",
            "urn:uuid:5ca1ab1e-0000-4000-8000-00000000c0de",
        ] {
            assert_eq!(
                PingQuery::parse(Some(&format!("rid={bad}"))),
                Err(InvalidRunId),
                "{bad}"
            );
        }
        assert_eq!(PingQuery::parse(Some("rid")), Err(InvalidRunId));
    }

    #[test]
    fn create_is_exactly_one() {
        for (raw, expected) in [
            ("1", true),
            ("%31", true),
            ("true", false),
            ("01", false),
            ("", false),
            ("1+", false),
        ] {
            assert_eq!(
                PingQuery::parse(Some(&format!("create={raw}")))
                    .unwrap()
                    .create,
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn other_parameters_are_ignored() {
        assert_eq!(
            PingQuery::parse(Some("foo=bar&%zz&=&&ridx=1")),
            Ok(PingQuery::default())
        );
    }
}
