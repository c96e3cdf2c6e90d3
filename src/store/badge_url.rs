//! Badge URLs (feature `api`): the signature that keeps a project's badge
//! URLs from being guessed, and the shapes of the URLs, so that the
//! Management API (which hands them out) and the dashboard (which answers
//! them) agree.
//!
//! A project's badge URL names its badge key, a signature and a tag:
//! `/badge/<badge-key>/<sig>/<tag>.<fmt>`, or `/badge/<badge-key>/<sig>.<fmt>`
//! for all its checks. The badge key alone is not enough: `<sig>` is the
//! first 8 characters of the unpadded base64url HMAC-SHA256 of the tag under
//! the project's random [`badge_secret`](Project::badge_secret), so seeing
//! the badge of one tag tells nothing of another's URL. Eight characters
//! are 48 bits, healthchecks' length: a guess per request at a server
//! cannot find one, and the URLs keep the shape healthchecks users know.
//! `<sig>-2` asks for the two-state badge (up or down, never late).
//!
//! A check's own badge is `/b/<2|3>/<check-badge-key>.<fmt>`: its key is a
//! random UUID of its own ([`Check::badge_key`]), unsigned, as in
//! healthchecks.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::store::check::Check;
use crate::store::project::Project;

/// The tag that names every check of a project in a badge URL and in the
/// Management API's `badges/` listing, as in healthchecks.
///
/// ```
/// use tower_ping::uuid::Uuid;
/// use tower_ping::{Project, ALL_CHECKS};
///
/// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
/// project.badge_key = Some("backups-badges".into());
/// let every_check = project.badge_urls("https://example.com", ALL_CHECKS).unwrap();
/// // No tag in the path: `/badge/<badge-key>/<sig>-2.svg`.
/// assert_eq!(every_check.svg.matches('/').count(), 5);
/// ```
pub const ALL_CHECKS: &str = "*";

/// How many characters of the HMAC's base64url text a signature keeps.
const SIGNATURE_LEN: usize = 8;

/// The suffix of a signature that asks for the two-state badge.
pub(crate) const TWO_STATE_SUFFIX: &str = "-2";

/// What a badge is written as: the extension of its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BadgeFormat {
    /// `.svg`: a flat badge, label left, state right.
    Svg,
    /// `.json`: `{"status", "total", "grace", "down"}`.
    Json,
    /// `.shields`: a Shields.io endpoint badge,
    /// `{"schemaVersion": 1, "label", "message", "color"}`.
    Shields,
}

impl BadgeFormat {
    /// `svg`, `json` or `shields`: the URL's extension.
    pub fn extension(self) -> &'static str {
        match self {
            BadgeFormat::Svg => "svg",
            BadgeFormat::Json => "json",
            BadgeFormat::Shields => "shields",
        }
    }

    /// Reads what [`extension`](Self::extension) writes.
    ///
    /// ```
    /// use tower_ping::BadgeFormat;
    /// assert_eq!(BadgeFormat::parse("shields"), Some(BadgeFormat::Shields));
    /// assert_eq!(BadgeFormat::parse("png"), None);
    /// ```
    pub fn parse(extension: &str) -> Option<Self> {
        Some(match extension {
            "svg" => BadgeFormat::Svg,
            "json" => BadgeFormat::Json,
            "shields" => BadgeFormat::Shields,
            _ => return None,
        })
    }
}

impl fmt::Display for BadgeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Which states a badge shows.
///
/// ```
/// use tower_ping::uuid::Uuid;
/// use tower_ping::{BadgeFormat, BadgeStates, Project};
///
/// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
/// project.badge_key = Some("backups-badges".into());
/// let two = project.badge_url("https://example.com", "prod", BadgeFormat::Svg, BadgeStates::Two).unwrap();
/// let three = project.badge_url("https://example.com", "prod", BadgeFormat::Svg, BadgeStates::Three).unwrap();
/// assert_eq!(two, three.replace("/prod.svg", "-2/prod.svg"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BadgeStates {
    /// Up or down: a check in its grace time counts as up.
    Two,
    /// Up, late (a check in its grace time, none down) or down.
    Three,
}

/// The six URLs of one badge of a project, as the Management API's
/// `GET badges/` lists them for each tag (and for [`ALL_CHECKS`]): the
/// two-state forms without a suffix in their name, the three-state forms
/// with `3`, as in healthchecks.
///
/// ```
/// use tower_ping::uuid::Uuid;
/// use tower_ping::Project;
///
/// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
/// project.badge_key = Some("backups-badges".into());
/// let urls = project.badge_urls("https://example.com", "prod").unwrap();
/// println!("![prod]({})", urls.svg);
/// assert!(urls.json3.ends_with("/prod.json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct BadgeUrls {
    /// The two-state SVG badge.
    pub svg: String,
    /// The three-state SVG badge.
    pub svg3: String,
    /// The two-state JSON badge.
    pub json: String,
    /// The three-state JSON badge.
    pub json3: String,
    /// The two-state Shields endpoint badge.
    pub shields: String,
    /// The three-state Shields endpoint badge.
    pub shields3: String,
}

impl Project {
    /// The signature of the badge URLs of `tag` ([`ALL_CHECKS`] for the
    /// badge of every check): the first 8 characters of the unpadded
    /// base64url HMAC-SHA256 of the tag under the project's badge secret.
    /// A URL of the two-state badge appends `-2` to it.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::{Project, ALL_CHECKS};
    ///
    /// let project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
    /// let signature = project.badge_signature("prod");
    /// assert_eq!(signature.len(), 8);
    /// assert_ne!(signature, project.badge_signature(ALL_CHECKS));
    /// assert!(project.verify_badge_signature("prod", &signature));
    /// ```
    pub fn badge_signature(&self, tag: &str) -> String {
        let digest = self.badge_mac(tag).finalize().into_bytes();
        // Six bytes are exactly eight base64 characters.
        base64url(&digest[..SIGNATURE_LEN / 4 * 3])
    }

    /// Whether `signature` (without its `-2`) is the signature of `tag`'s
    /// badge URLs: exactly 8 characters, compared in constant time.
    pub fn verify_badge_signature(&self, tag: &str, signature: &str) -> bool {
        let Some(bytes) = unbase64url_six(signature) else {
            return false;
        };
        self.badge_mac(tag).verify_truncated_left(&bytes).is_ok()
    }

    /// The URL of `tag`'s badge (of every check for [`ALL_CHECKS`]) under
    /// `site_root` (such as `https://example.com`, a trailing `/` or none),
    /// with the tag percent-encoded; `None` when the project has no badge
    /// key.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::{BadgeFormat, BadgeStates, Project, ALL_CHECKS};
    ///
    /// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
    /// project.badge_key = Some("backups-badges".into());
    /// let sig = project.badge_signature("db/main");
    /// assert_eq!(
    ///     project.badge_url("https://example.com/", "db/main", BadgeFormat::Svg, BadgeStates::Two),
    ///     Some(format!("https://example.com/badge/backups-badges/{sig}-2/db%2Fmain.svg")),
    /// );
    /// let all = project.badge_url("https://example.com", ALL_CHECKS, BadgeFormat::Json, BadgeStates::Three);
    /// assert!(all.unwrap().ends_with(&format!("/badge/backups-badges/{}.json", project.badge_signature(ALL_CHECKS))));
    /// ```
    pub fn badge_url(
        &self,
        site_root: &str,
        tag: &str,
        format: BadgeFormat,
        states: BadgeStates,
    ) -> Option<String> {
        let badge_key = self.badge_key.as_deref()?;
        let signature = self.badge_signature(tag);
        Some(tag_badge_url(
            site_root, badge_key, &signature, tag, format, states,
        ))
    }

    /// The six URLs of `tag`'s badge (see [`badge_url`](Self::badge_url)),
    /// the signature computed once; `None` when the project has no badge
    /// key.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::Project;
    ///
    /// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
    /// project.badge_key = Some("backups-badges".into());
    /// let urls = project.badge_urls("https://example.com", "prod").unwrap();
    /// assert!(urls.svg.ends_with("-2/prod.svg"));
    /// assert!(urls.shields3.ends_with(&format!("/{}/prod.shields", project.badge_signature("prod"))));
    /// ```
    pub fn badge_urls(&self, site_root: &str, tag: &str) -> Option<BadgeUrls> {
        let badge_key = self.badge_key.as_deref()?;
        let signature = self.badge_signature(tag);
        let url =
            |format, states| tag_badge_url(site_root, badge_key, &signature, tag, format, states);
        Some(BadgeUrls {
            svg: url(BadgeFormat::Svg, BadgeStates::Two),
            svg3: url(BadgeFormat::Svg, BadgeStates::Three),
            json: url(BadgeFormat::Json, BadgeStates::Two),
            json3: url(BadgeFormat::Json, BadgeStates::Three),
            shields: url(BadgeFormat::Shields, BadgeStates::Two),
            shields3: url(BadgeFormat::Shields, BadgeStates::Three),
        })
    }

    /// The URL of the project's status page under `site_root`,
    /// `<site_root>/status/<badge-key>`; `None` when the project has no
    /// badge key.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::Project;
    ///
    /// let mut project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
    /// project.badge_key = Some("backups-badges".into());
    /// assert_eq!(
    ///     project.status_page_url("https://example.com/").as_deref(),
    ///     Some("https://example.com/status/backups-badges"),
    /// );
    /// ```
    pub fn status_page_url(&self, site_root: &str) -> Option<String> {
        let badge_key = self.badge_key.as_deref()?;
        Some(format!(
            "{}/status/{}",
            trim_root(site_root),
            percent_encode(badge_key)
        ))
    }

    /// The URL of the project's Prometheus metrics under `site_root`, with
    /// the read-only API key in it:
    /// `<site_root>/projects/<uuid>/metrics/<ro-key>`. The store keeps only
    /// the key's digest, so the caller passes the key.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::Project;
    ///
    /// let project = Project::new(Uuid::nil(), "Backups".into(), "backups".into(), [7; 32]);
    /// assert_eq!(
    ///     project.metrics_url("http://127.0.0.1:8000", "hcr_0123456789abcdefghijklmnopqr"),
    ///     "http://127.0.0.1:8000/projects/00000000-0000-0000-0000-000000000000/metrics/hcr_0123456789abcdefghijklmnopqr",
    /// );
    /// ```
    pub fn metrics_url(&self, site_root: &str, readonly_key: &str) -> String {
        format!(
            "{}/projects/{}/metrics/{}",
            trim_root(site_root),
            self.uuid,
            percent_encode(readonly_key)
        )
    }

    /// The HMAC of `tag` under the badge secret, ready to finalize or verify.
    fn badge_mac(&self, tag: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length: 32 bytes cannot be refused.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.badge_secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(tag.as_bytes());
        mac
    }
}

impl Check {
    /// The URL of the check's own badge under `site_root`:
    /// `<site_root>/b/<2|3>/<badge-key>.<fmt>`. The Management API's
    /// `badge_url` is the two-state SVG, as in healthchecks.
    ///
    /// ```
    /// use tower_ping::uuid::Uuid;
    /// use tower_ping::{BadgeFormat, BadgeStates, Check, CheckRules, CheckState};
    ///
    /// let mut check = Check::new(Uuid::nil(), "n".into(), "n".into(), None, CheckRules::default(), CheckState::default());
    /// check.badge_key = "b0b0badf-0000-4000-8000-000000000001".parse().unwrap();
    /// assert_eq!(
    ///     check.badge_url("https://example.com", BadgeFormat::Svg, BadgeStates::Two),
    ///     "https://example.com/b/2/b0b0badf-0000-4000-8000-000000000001.svg",
    /// );
    /// ```
    pub fn badge_url(&self, site_root: &str, format: BadgeFormat, states: BadgeStates) -> String {
        let states = match states {
            BadgeStates::Two => 2,
            BadgeStates::Three => 3,
        };
        format!(
            "{}/b/{states}/{}.{format}",
            trim_root(site_root),
            self.badge_key
        )
    }
}

/// `site_root` without its trailing slashes.
fn trim_root(site_root: &str) -> &str {
    site_root.trim_end_matches('/')
}

fn tag_badge_url(
    site_root: &str,
    badge_key: &str,
    signature: &str,
    tag: &str,
    format: BadgeFormat,
    states: BadgeStates,
) -> String {
    let suffix = match states {
        BadgeStates::Two => TWO_STATE_SUFFIX,
        BadgeStates::Three => "",
    };
    let root = trim_root(site_root);
    let badge_key = percent_encode(badge_key);
    if tag == ALL_CHECKS {
        format!("{root}/badge/{badge_key}/{signature}{suffix}.{format}")
    } else {
        let tag = percent_encode(tag);
        format!("{root}/badge/{badge_key}/{signature}{suffix}/{tag}.{format}")
    }
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` (a multiple of three) as base64url text without padding.
fn base64url(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() / 3 * 4);
    for group in bytes.chunks(3) {
        let word = group
            .iter()
            .fold(0u32, |word, &byte| (word << 8) | u32::from(byte));
        for shift in [18, 12, 6, 0] {
            text.push(char::from(BASE64URL[((word >> shift) & 63) as usize]));
        }
    }
    text
}

/// The six bytes of eight base64url characters; `None` for any other text.
fn unbase64url_six(text: &str) -> Option<[u8; 6]> {
    let digits = text.as_bytes();
    if digits.len() != SIGNATURE_LEN {
        return None;
    }
    let mut bytes = [0u8; 6];
    for (group, out) in digits.chunks(4).zip(bytes.chunks_mut(3)) {
        let mut word = 0u32;
        for &digit in group {
            let value = BASE64URL.iter().position(|&d| d == digit)?;
            word = (word << 6) | value as u32;
        }
        out.copy_from_slice(&word.to_be_bytes()[1..]);
    }
    Some(bytes)
}

/// `text` with every byte outside RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) percent-encoded: safe as one path segment.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            encoded.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn project(secret: [u8; 32]) -> Project {
        let mut project = Project::new(Uuid::nil(), "p".into(), "p".into(), secret);
        project.badge_key = Some("k".into());
        project
    }

    fn counting_secret() -> [u8; 32] {
        let mut secret = [0u8; 32];
        for (i, byte) in secret.iter_mut().enumerate() {
            *byte = i as u8;
        }
        secret
    }

    #[test]
    fn base64url_is_the_rfc_4648_url_alphabet_without_padding() {
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"\xfb\xff\xbf"), "-_-_");
        assert_eq!(unbase64url_six("Zm9vYmFy"), Some(*b"foobar"));
        assert_eq!(
            unbase64url_six("-_-_-_-_"),
            Some(*b"\xfb\xff\xbf\xfb\xff\xbf")
        );
    }

    #[test]
    fn a_signature_matches_pythons_hmac() {
        // base64.urlsafe_b64encode(hmac.new(bytes(range(32)), TAG,
        // hashlib.sha256).digest()[:6]) in Python.
        let project = project(counting_secret());
        assert_eq!(project.badge_signature("prod"), "q1ZRJ9bV");
        assert_eq!(project.badge_signature(ALL_CHECKS), "imDz8sho");
        assert!(project.verify_badge_signature("prod", "q1ZRJ9bV"));
        assert!(project.verify_badge_signature(ALL_CHECKS, "imDz8sho"));
    }

    #[test]
    fn wrong_signatures_are_refused() {
        let project = project([1; 32]);
        let right = project.badge_signature("prod");
        assert!(!project.verify_badge_signature("prod", &right[..7]));
        assert!(!project.verify_badge_signature("prod", &format!("{right}x")));
        assert!(!project.verify_badge_signature("web", &right));
        assert!(!project.verify_badge_signature("prod", "!!!!!!!!"));
        assert!(!project.verify_badge_signature("prod", "é1234567"));
        let mut wrong = right.clone().into_bytes();
        wrong[7] = if wrong[7] == b'A' { b'B' } else { b'A' };
        assert!(!project.verify_badge_signature("prod", std::str::from_utf8(&wrong).unwrap()));
        // Another project's secret signs differently.
        assert!(!super::Project::verify_badge_signature(
            &self::project([2; 32]),
            "prod",
            &right
        ));
    }

    #[test]
    fn tags_are_percent_encoded_once_in_urls() {
        let project = project([1; 32]);
        let url = project
            .badge_url(
                "http://h/",
                "a\"b c/d%é",
                BadgeFormat::Json,
                BadgeStates::Three,
            )
            .unwrap();
        let sig = project.badge_signature("a\"b c/d%é");
        assert_eq!(
            url,
            format!("http://h/badge/k/{sig}/a%22b%20c%2Fd%25%C3%A9.json")
        );
    }

    #[test]
    fn without_a_badge_key_there_is_no_url() {
        let project = Project::new(Uuid::nil(), "p".into(), "p".into(), [1; 32]);
        assert_eq!(project.badge_urls("http://h", "prod"), None);
        assert_eq!(project.status_page_url("http://h"), None);
    }
}
