//! How the API writes checks, pings and flips: healthchecks' keys and
//! value forms (`Check.to_dict`, `Ping.to_dict`, `Flip.to_dict`).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use uuid::Uuid;

use crate::api::route::Version;
use crate::state::deadline::StatusAt;
use crate::state::rules::AllowedMethods;
use crate::state::status::LiveStatus;
use crate::store::badge_url::{BadgeFormat, BadgeStates};
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::logged_ping::LoggedPing;
use crate::store::project::Access;
use crate::store::recorded_flip::RecordedFlip;
use crate::time::rfc3339::Rfc3339;

/// Where the URLs the API writes point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Urls<'a> {
    pub(crate) site_root: &'a str,
    pub(crate) ping_prefix: &'a str,
    pub(crate) api_prefix: &'a str,
    pub(crate) version: Version,
}

impl Urls<'_> {
    fn check(&self, uuid: Uuid) -> String {
        format!(
            "{}{}/v{}/checks/{uuid}",
            self.site_root, self.api_prefix, self.version.0
        )
    }
}

/// A time as the API writes a check's: to the second, with `+00:00`.
fn seconds(time: SystemTime) -> String {
    Rfc3339::new(time)
        .whole_seconds()
        .numeric_offset()
        .to_string()
}

/// A check, as healthchecks' `to_dict` writes it.
#[derive(Serialize)]
pub(crate) struct CheckJson<'a> {
    name: &'a str,
    slug: &'a str,
    tags: &'a str,
    desc: &'a str,
    grace: u64,
    n_pings: u64,
    status: &'static str,
    started: bool,
    last_ping: Option<String>,
    next_ping: Option<String>,
    manual_resume: bool,
    methods: &'static str,
    subject: &'a str,
    subject_fail: &'a str,
    start_kw: &'a str,
    success_kw: &'a str,
    failure_kw: &'a str,
    filter_subject: bool,
    filter_body: bool,
    filter_http_body: bool,
    filter_default_fail: bool,
    badge_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_duration: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ping_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pause_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tz: Option<&'a str>,
    // Ours, after healthchecks' keys: the alert policy.
    down_after_failures: u32,
    up_after_successes: u32,
    max_runtime: Option<u64>,
    remind_every: Option<u64>,
}

/// The status word a check shows at `at`: v1 also says `started`.
pub(crate) fn status_word(at: &StatusAt, version: Version) -> &'static str {
    if version.0 == 1 && at.started && at.status != LiveStatus::Down {
        return "started";
    }
    at.status.as_str()
}

impl<'a> CheckJson<'a> {
    /// `check` as it stands at `now`, for a key with `access`; `channels`
    /// are the app's, for a check that alerts them all.
    pub(crate) fn new(
        check: &'a Check,
        now: SystemTime,
        access: Access,
        urls: &Urls<'_>,
        channels: &[Channel],
    ) -> Self {
        let at = check.status_at(now);
        let rules = &check.rules;
        let filter = &rules.filter;
        let read_write = access == Access::ReadWrite;
        let update_url = read_write.then(|| urls.check(check.uuid));
        Self {
            name: &check.name,
            slug: &check.slug,
            tags: &check.tags,
            desc: &check.desc,
            grace: rules.grace.as_secs(),
            n_pings: check.state.n_pings,
            status: status_word(&at, urls.version),
            started: at.started,
            last_ping: check.state.last_ping.map(seconds),
            next_ping: at.next_ping.map(seconds),
            manual_resume: rules.manual_resume,
            methods: match rules.methods {
                AllowedMethods::PostOnly => "POST",
                _ => "",
            },
            subject: if check.filter_subject {
                &filter.success_kw
            } else {
                ""
            },
            subject_fail: if check.filter_subject {
                &filter.failure_kw
            } else {
                ""
            },
            start_kw: &filter.start_kw,
            success_kw: &filter.success_kw,
            failure_kw: &filter.failure_kw,
            filter_subject: check.filter_subject,
            filter_body: check.filter_email_body,
            filter_http_body: filter.filter_body,
            filter_default_fail: filter.default_fail,
            badge_url: check.badge_url(urls.site_root, BadgeFormat::Svg, BadgeStates::Two),
            last_duration: check
                .state
                .last_duration
                .map(|d| d.as_secs())
                .filter(|secs| *secs > 0),
            unique_key: (!read_write).then(|| check.unique_key()),
            uuid: read_write.then_some(check.uuid),
            ping_url: read_write
                .then(|| format!("{}{}/{}", urls.site_root, urls.ping_prefix, check.uuid)),
            pause_url: update_url.as_ref().map(|url| format!("{url}/pause")),
            resume_url: update_url.as_ref().map(|url| format!("{url}/resume")),
            update_url,
            channels: read_write.then(|| channel_list(&check.channels, channels)),
            timeout: rules.schedule.period().map(|p| p.as_secs()),
            schedule: rules.schedule.expression(),
            tz: rules.schedule.time_zone(),
            down_after_failures: rules.down_after_failures,
            up_after_successes: rules.up_after_successes,
            max_runtime: rules.max_runtime.map(|d| d.as_secs()),
            remind_every: rules.remind_every.map(|d| d.as_secs()),
        }
    }
}

/// The ids of the channels `assigned` names among the app's `channels`,
/// sorted, comma-separated.
fn channel_list(assigned: &Channels, channels: &[Channel]) -> String {
    let mut ids: Vec<String> = channels
        .iter()
        .filter(|channel| assigned.includes(channel.id))
        .map(|channel| channel.id.to_string())
        .collect();
    ids.sort_unstable();
    ids.join(",")
}

/// A logged ping, as healthchecks' `Ping.to_dict` writes it.
#[derive(Serialize)]
pub(crate) struct PingJson {
    #[serde(rename = "type")]
    kind: &'static str,
    date: String,
    n: u64,
    scheme: String,
    remote_addr: Option<String>,
    method: String,
    ua: String,
    rid: Option<Uuid>,
    body_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
}

impl PingJson {
    pub(crate) fn new(ping: &LoggedPing, check: Uuid, urls: &Urls<'_>) -> Self {
        Self {
            kind: ping.kind.as_str(),
            date: Rfc3339::new(ping.received_at).numeric_offset().to_string(),
            n: ping.n,
            scheme: ping.scheme.to_string(),
            remote_addr: ping.remote_addr.map(|ip| ip.to_string()),
            method: ping.method.to_string(),
            ua: ping.user_agent.clone().unwrap_or_default(),
            rid: ping.rid,
            body_url: (!ping.body.is_empty())
                .then(|| format!("{}/pings/{}/body", urls.check(check), ping.n)),
            duration: ping.duration.map(two_decimals),
        }
    }
}

/// Seconds, rounded to two decimals.
fn two_decimals(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100.0).round() / 100.0
}

/// A flip, as healthchecks' `Flip.to_dict` writes it.
#[derive(Serialize)]
pub(crate) struct FlipJson {
    timestamp: String,
    up: u8,
}

impl FlipJson {
    pub(crate) fn new(flip: &RecordedFlip) -> Self {
        Self {
            timestamp: seconds(flip.flip.at),
            up: u8::from(flip.flip.new_status == crate::state::status::Status::Up),
        }
    }
}

/// A channel, as `GET channels/` lists it.
#[derive(Serialize)]
pub(crate) struct ChannelJson<'a> {
    id: Uuid,
    name: &'a str,
    kind: &'a str,
}

impl<'a> ChannelJson<'a> {
    pub(crate) fn new(channel: &'a Channel) -> Self {
        Self {
            id: channel.id,
            name: &channel.name,
            kind: &channel.kind,
        }
    }
}
