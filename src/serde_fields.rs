//! How the data types' fields are written with the `serde` feature: times
//! as RFC 3339 text, durations as seconds, methods and schemes as text, a
//! ping body as text. The field names are those the example server's JSON
//! uses; each type's documentation lists them, and the crate docs' "The
//! `serde` format" says what holds across them (keep both in step with the
//! code here).

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serializer};

use crate::time::rfc3339;

/// A time as RFC 3339 text, UTC, to the microsecond.
pub(crate) mod time {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339::format(*time))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        rfc3339::parse(&text).map_err(de::Error::custom)
    }
}

/// An optional time: RFC 3339 text or null.
pub(crate) mod opt_time {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => s.serialize_str(&rfc3339::format(*time)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => rfc3339::parse(&text).map(Some).map_err(de::Error::custom),
            None => Ok(None),
        }
    }
}

/// A duration as a number of seconds: a whole number when it is whole.
pub(crate) mod secs {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        if duration.subsec_nanos() == 0 {
            s.serialize_u64(duration.as_secs())
        } else {
            s.serialize_f64(duration.as_secs_f64())
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_any(Seconds)
    }
}

/// An optional duration: seconds or null.
pub(crate) mod opt_secs {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => super::secs::serialize(duration, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::secs")] Duration);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(duration)| duration))
    }
}

/// A check's stored status, read also from the live status `grace` (as
/// `up`): `GET /checks` in the example server writes the live status in its
/// place, and only an up check is ever in grace.
pub(crate) mod stored_status {
    use super::*;
    use crate::state::status::Status;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "grace" => Ok(Status::Up),
            other => Status::parse(other).ok_or_else(|| {
                de::Error::unknown_variant(other, &["new", "up", "grace", "down", "paused"])
            }),
        }
    }
}

/// Reads a non-negative number of seconds, whole or not.
struct Seconds;

impl Visitor<'_> for Seconds {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of seconds, at least 0")
    }

    fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(seconds))
    }

    fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Duration, E> {
        u64::try_from(seconds)
            .map(Duration::from_secs)
            .map_err(|_| E::custom(format!("{seconds} seconds is negative")))
    }

    fn visit_f64<E: de::Error>(self, seconds: f64) -> Result<Duration, E> {
        Duration::try_from_secs_f64(seconds)
            .map_err(|_| E::custom(format!("{seconds} is not a number of seconds")))
    }
}

/// A request method, or a scheme, as its text.
pub(crate) mod text {
    use super::*;

    pub(crate) fn serialize<T: AsRef<str>, S: Serializer>(
        value: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_ref())
    }

    pub(crate) fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|e| de::Error::custom(format!("{text:?}: {e}")))
    }
}
