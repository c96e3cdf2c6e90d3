//! How checks and pings map to columns: plain integers and text, the same
//! for every backend.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::uri::Scheme;
use http::Method;
use uuid::Uuid;

use super::error::SqlStoreError;
use super::parsed_schedules::parsed;
use crate::state::check_state::CheckState;
use crate::state::flip::{Flip, FlipReason};
use crate::state::kind::Kind;
use crate::state::rules::{AllowedMethods, CheckRules, KeywordFilter};
use crate::state::schedule::{Schedule, ScheduleKind};
use crate::state::status::Status;
use crate::store::alert::Alert;
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::check_summary::CheckSummary;
use crate::store::logged_ping::LoggedPing;
use crate::store::recorded_flip::RecordedFlip;
use crate::time::cron::CronSchedule;
use crate::time::oncalendar::OnCalendarSchedule;

/// A `SELECT` of the columns [`CheckRow`] reads, in its order. The
/// arguments are what to select in the places of the columns that only
/// describe the check (its names, project, tags, channels), and what to
/// select from: [`CHECK_SELECT`] reads them, [`STATE_SELECT`] leaves them
/// empty. One list, so the two cannot come apart.
macro_rules! check_select {
    ($name:literal, $slug:literal, $ping_key:literal, $project:literal, $tags:literal,
     $description:literal, $channels:literal, $badge_key:literal, $from:literal) => {
        concat!(
            "SELECT c.id, c.uuid, ",
            $name,
            ", ",
            $slug,
            ", ",
            $ping_key,
            ", ",
            "c.manual_resume, c.post_only, c.filter_body, c.success_kw, c.failure_kw, \
             c.start_kw, c.default_fail, c.status, c.n_pings, c.last_ping, c.last_start, \
             c.last_start_rid, c.last_duration, c.timeout, c.schedule, c.tz, c.grace, \
             c.alert_after, ",
            $project,
            ", ",
            $tags,
            ", ",
            $description,
            ", ",
            $channels,
            ", ",
            $badge_key,
            ", ",
            "c.filter_subject, c.filter_email_body, c.schedule_kind, c.down_after_failures, \
             c.up_after_successes, c.max_runtime, c.remind_every, c.failures, c.successes, \
             c.down_at, c.reminders FROM ",
            $from
        )
    };
}

/// Every column [`CheckRow`] reads, for `{CHECK_SELECT} WHERE ...`.
pub(crate) const CHECK_SELECT: &str = check_select!(
    "c.name",
    "c.slug",
    "p.ping_key",
    "p.uuid",
    "c.tags",
    "c.description",
    "c.channels",
    "c.badge_key",
    "tower_ping_checks c LEFT JOIN tower_ping_projects p ON p.id = c.project_id"
);

/// [`CHECK_SELECT`] as the state machine needs it, for a batch of pings and
/// a sweep: the check's state and rules, its id and UUID, with the columns
/// that only describe it left empty (so [`CheckRow`] reads it, and
/// `CheckRow::decoded` gives the state and rules) and the project not
/// joined. Reading the whole row cost a batch of pings a tenth of its
/// throughput.
pub(crate) const STATE_SELECT: &str = check_select!(
    "''",
    "''",
    "CAST(NULL AS TEXT)",
    "CAST(NULL AS TEXT)",
    "''",
    "''",
    "''",
    "CAST(NULL AS TEXT)",
    "tower_ping_checks c"
);

/// The columns [`PingRow`] reads.
pub(crate) const PING_COLUMNS: &str = "n, kind, exit_status, method, scheme, remote_addr, \
     user_agent, rid, body, received_at, duration";

pub(crate) fn micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

pub(crate) fn time(micros: i64) -> SystemTime {
    let magnitude = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

pub(crate) fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// A period or grace in whole microseconds, rounded up: a rule under a
/// microsecond (which a store in memory would keep) is kept as one, not
/// as the zero that no check may have.
fn rule_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos().div_ceil(1_000)).unwrap_or(i64::MAX)
}

pub(crate) fn uuid(text: &str) -> Result<Uuid, SqlStoreError> {
    Uuid::parse_str(text).map_err(|_| SqlStoreError::Corrupt(format!("uuid {text:?}")))
}

/// A stored duration that must be longer than zero.
fn positive(micros: i64, what: &str) -> Result<Duration, SqlStoreError> {
    u64::try_from(micros)
        .ok()
        .filter(|m| *m > 0)
        .map(Duration::from_micros)
        .ok_or_else(|| SqlStoreError::Corrupt(format!("{what} {micros}")))
}

/// A stored run time: zero or more microseconds.
fn elapsed(micros: i64, what: &str) -> Result<Duration, SqlStoreError> {
    u64::try_from(micros)
        .map(Duration::from_micros)
        .map_err(|_| SqlStoreError::Corrupt(format!("{what} {micros}")))
}

/// A stored count that fits 32 bits: zero or more.
fn small(value: i64, what: &str) -> Result<u32, SqlStoreError> {
    u32::try_from(value).map_err(|_| SqlStoreError::Corrupt(format!("{what} {value}")))
}

/// A 32-bit count as its column holds it.
pub(crate) fn small_column(value: u32) -> i64 {
    i64::from(value)
}

fn count(value: i64, what: &str) -> Result<u64, SqlStoreError> {
    u64::try_from(value).map_err(|_| SqlStoreError::Corrupt(format!("{what} {value}")))
}

/// A check row as read: the row with its state and rules, or its id and
/// why it could not be read (a row edited by hand, or written by a newer
/// version of the crate).
pub(crate) type ReadCheck = Result<(CheckRow, CheckState, CheckRules), (i64, SqlStoreError)>;

/// A check as its row holds it.
#[derive(Debug)]
pub(crate) struct CheckRow {
    pub(crate) id: i64,
    pub(crate) uuid: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) ping_key: Option<String>,
    pub(crate) manual_resume: bool,
    pub(crate) post_only: bool,
    pub(crate) filter_body: bool,
    pub(crate) success_kw: String,
    pub(crate) failure_kw: String,
    pub(crate) start_kw: String,
    pub(crate) default_fail: bool,
    pub(crate) status: String,
    pub(crate) n_pings: i64,
    pub(crate) last_ping: Option<i64>,
    pub(crate) last_start: Option<i64>,
    pub(crate) last_start_rid: Option<String>,
    pub(crate) last_duration: Option<i64>,
    pub(crate) timeout: i64,
    pub(crate) schedule: Option<String>,
    pub(crate) tz: String,
    pub(crate) grace: i64,
    pub(crate) alert_after: Option<i64>,
    pub(crate) project: Option<String>,
    pub(crate) tags: String,
    pub(crate) description: String,
    pub(crate) channels: String,
    pub(crate) badge_key: Option<String>,
    pub(crate) filter_subject: bool,
    pub(crate) filter_email_body: bool,
    pub(crate) schedule_kind: String,
    pub(crate) down_after_failures: i64,
    pub(crate) up_after_successes: i64,
    pub(crate) max_runtime: Option<i64>,
    pub(crate) remind_every: Option<i64>,
    pub(crate) failures: i64,
    pub(crate) successes: i64,
    pub(crate) down_at: Option<i64>,
    pub(crate) reminders: i64,
}

/// Reads a [`CheckRow`] from a row of [`CHECK_SELECT`]; a macro so that each
/// backend's `Row` type checks its own column types.
macro_rules! check_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        $crate::store::sql::codec::CheckRow {
            id: row.try_get(0)?,
            uuid: row.try_get(1)?,
            name: row.try_get(2)?,
            slug: row.try_get(3)?,
            ping_key: row.try_get(4)?,
            manual_resume: row.try_get(5)?,
            post_only: row.try_get(6)?,
            filter_body: row.try_get(7)?,
            success_kw: row.try_get(8)?,
            failure_kw: row.try_get(9)?,
            start_kw: row.try_get(10)?,
            default_fail: row.try_get(11)?,
            status: row.try_get(12)?,
            n_pings: row.try_get(13)?,
            last_ping: row.try_get(14)?,
            last_start: row.try_get(15)?,
            last_start_rid: row.try_get(16)?,
            last_duration: row.try_get(17)?,
            timeout: row.try_get(18)?,
            schedule: row.try_get(19)?,
            tz: row.try_get(20)?,
            grace: row.try_get(21)?,
            alert_after: row.try_get(22)?,
            project: row.try_get(23)?,
            tags: row.try_get(24)?,
            description: row.try_get(25)?,
            channels: row.try_get(26)?,
            badge_key: row.try_get(27)?,
            filter_subject: row.try_get(28)?,
            filter_email_body: row.try_get(29)?,
            schedule_kind: row.try_get(30)?,
            down_after_failures: row.try_get(31)?,
            up_after_successes: row.try_get(32)?,
            max_runtime: row.try_get(33)?,
            remind_every: row.try_get(34)?,
            failures: row.try_get(35)?,
            successes: row.try_get(36)?,
            down_at: row.try_get(37)?,
            reminders: row.try_get(38)?,
        }
    }};
}
pub(crate) use check_row;

/// Reads a [`PingRow`] from a row of [`PING_COLUMNS`].
macro_rules! ping_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        $crate::store::sql::codec::PingRow {
            n: row.try_get(0)?,
            kind: row.try_get(1)?,
            exit_status: row.try_get(2)?,
            method: row.try_get(3)?,
            scheme: row.try_get(4)?,
            remote_addr: row.try_get(5)?,
            user_agent: row.try_get(6)?,
            rid: row.try_get(7)?,
            body: row.try_get(8)?,
            received_at: row.try_get(9)?,
            duration: row.try_get(10)?,
        }
    }};
}
pub(crate) use ping_row;

/// Reads a [`StoredFlipRow`] from a row of [`FLIP_SELECT`].
macro_rules! flip_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        $crate::store::sql::codec::StoredFlipRow {
            id: row.try_get(0)?,
            uuid: row.try_get(1)?,
            old_status: row.try_get(2)?,
            new_status: row.try_get(3)?,
            reason: row.try_get(4)?,
            at: row.try_get(5)?,
            delivered_at: row.try_get(6)?,
        }
    }};
}
pub(crate) use flip_row;

/// Reads an [`AlertRow`] from a row of
/// [`ALERT_SELECT`](super::outbox::ALERT_SELECT).
macro_rules! alert_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        $crate::store::sql::codec::AlertRow {
            id: row.try_get(0)?,
            check: row.try_get(1)?,
            attempts: row.try_get(2)?,
            reminder: row.try_get(3)?,
            folded: row.try_get(4)?,
            channel: row.try_get(5)?,
            channel_name: row.try_get(6)?,
            channel_kind: row.try_get(7)?,
            flip_id: row.try_get(8)?,
            old_status: row.try_get(9)?,
            new_status: row.try_get(10)?,
            reason: row.try_get(11)?,
            at: row.try_get(12)?,
        }
    }};
}
pub(crate) use alert_row;

impl CheckRow {
    pub(crate) fn rules(&self) -> Result<CheckRules, SqlStoreError> {
        let filter = KeywordFilter::on()
            .success(self.success_kw.as_str())
            .failure(self.failure_kw.as_str())
            .start(self.start_kw.as_str())
            .default_fail(self.default_fail);
        Ok(CheckRules::default()
            .manual_resume(self.manual_resume)
            .methods(if self.post_only {
                AllowedMethods::PostOnly
            } else {
                AllowedMethods::Any
            })
            .filter(KeywordFilter {
                filter_body: self.filter_body,
                ..filter
            })
            .schedule(self.schedule()?)
            .grace(positive(self.grace, "grace")?)
            .down_after_failures(small(self.down_after_failures, "down_after_failures")?)
            .up_after_successes(small(self.up_after_successes, "up_after_successes")?)
            .max_runtime(
                self.max_runtime
                    .map(|m| positive(m, "max_runtime"))
                    .transpose()?,
            )
            .remind_every(
                self.remind_every
                    .map(|m| positive(m, "remind_every"))
                    .transpose()?,
            ))
    }

    fn schedule(&self) -> Result<Schedule, SqlStoreError> {
        schedule(
            self.timeout,
            self.schedule.as_deref(),
            &self.schedule_kind,
            &self.tz,
        )
    }

    /// The row with its state and rules decoded, or its id and why they
    /// cannot be.
    pub(crate) fn decoded(self) -> ReadCheck {
        match self.state().and_then(|state| Ok((state, self.rules()?))) {
            Ok((state, rules)) => Ok((self, state, rules)),
            Err(error) => Err((self.id, error)),
        }
    }

    pub(crate) fn state(&self) -> Result<CheckState, SqlStoreError> {
        Ok(CheckState {
            status: Status::parse(&self.status)
                .ok_or_else(|| SqlStoreError::Corrupt(format!("status {:?}", self.status)))?,
            n_pings: count(self.n_pings, "n_pings")?,
            last_ping: self.last_ping.map(time),
            last_start: self.last_start.map(time),
            last_start_rid: self.last_start_rid.as_deref().map(uuid).transpose()?,
            last_duration: self
                .last_duration
                .map(|d| elapsed(d, "last_duration"))
                .transpose()?,
            alert_after: self.alert_after.map(time),
            failures: small(self.failures, "failures")?,
            successes: small(self.successes, "successes")?,
            down_at: self.down_at.map(time),
            reminders: small(self.reminders, "reminders")?,
        })
    }

    /// The check as the store reports it. Its `alert_after` is computed
    /// from its state and rules: the column may hold an earlier value (see
    /// `Batch`), which only tells the sweep where to look.
    pub(crate) fn into_check(self) -> Result<Check, SqlStoreError> {
        let rules = self.rules()?;
        let state = self.state()?.rearmed(&rules);
        let mut check = Check::new(
            uuid(&self.uuid)?,
            self.name,
            self.slug,
            self.ping_key,
            rules,
            state,
        );
        check.project = self.project.as_deref().map(uuid).transpose()?;
        check.tags = self.tags;
        check.desc = self.description;
        check.channels = Channels::parse(&self.channels)
            .ok_or_else(|| SqlStoreError::Corrupt(format!("channels {:?}", self.channels)))?;
        check.badge_key = match &self.badge_key {
            Some(key) => uuid(key)?,
            None => Uuid::nil(),
        };
        check.filter_subject = self.filter_subject;
        check.filter_email_body = self.filter_email_body;
        Ok(check)
    }
}

/// The schedule of a check's `timeout`, `cron` and `tz` columns.
/// A check's schedule from its columns: a period of `timeout`
/// microseconds, or the `kind` (`cron` or `oncalendar`) of `expression` in
/// the zone `tz`.
pub(crate) fn schedule(
    timeout: i64,
    expression: Option<&str>,
    kind: &str,
    tz: &str,
) -> Result<Schedule, SqlStoreError> {
    let Some(expression) = expression else {
        return Ok(Schedule::Period(positive(timeout, "timeout")?));
    };
    let corrupt = |e: &dyn std::fmt::Display| {
        SqlStoreError::Corrupt(format!("{kind} schedule {expression:?}: {e}"))
    };
    match kind {
        "cron" => parsed(kind, expression, tz, || {
            CronSchedule::new(expression, tz)
                .map(Schedule::Cron)
                .map_err(|e| corrupt(&e))
        }),
        "oncalendar" => parsed(kind, expression, tz, || {
            OnCalendarSchedule::new(expression, tz)
                .map(Schedule::OnCalendar)
                .map_err(|e| corrupt(&e))
        }),
        other => Err(corrupt(&format!("unknown kind {other:?}"))),
    }
}

/// The columns of a [`CheckSummary`](crate::CheckSummary), as
/// [`SummaryRow`] reads them.
pub(crate) const SUMMARY_SELECT: &str = "SELECT c.id, c.uuid, c.name, c.slug, c.tags, \
     c.status, c.last_ping, c.last_start, c.timeout, c.schedule, c.tz, c.grace, \
     c.schedule_kind, c.max_runtime \
     FROM tower_ping_checks c";

/// A row of [`SUMMARY_SELECT`].
pub(crate) type SummaryRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    Option<String>,
    String,
    i64,
    String,
    Option<i64>,
);

/// The summary a row of [`SUMMARY_SELECT`] holds.
pub(crate) fn summary(row: SummaryRow) -> Result<CheckSummary, SqlStoreError> {
    let (
        _,
        uuid_text,
        name,
        slug,
        tags,
        status,
        last_ping,
        last_start,
        timeout,
        expression,
        tz,
        grace,
        kind,
        max_runtime,
    ) = row;
    Ok(CheckSummary {
        uuid: uuid(&uuid_text)?,
        name,
        slug,
        tags,
        schedule: schedule(timeout, expression.as_deref(), &kind, &tz)?,
        grace: positive(grace, "grace")?,
        max_runtime: max_runtime
            .map(|m| positive(m, "max_runtime"))
            .transpose()?,
        status: Status::parse(&status)
            .ok_or_else(|| SqlStoreError::Corrupt(format!("status {status:?}")))?,
        last_ping: last_ping.map(time),
        last_start: last_start.map(time),
    })
}

/// A check's state as written back after a batch.
#[derive(Debug)]
pub(crate) struct StateRow {
    pub(crate) status: &'static str,
    pub(crate) n_pings: i64,
    pub(crate) last_ping: Option<i64>,
    pub(crate) last_start: Option<i64>,
    pub(crate) last_start_rid: Option<String>,
    pub(crate) last_duration: Option<i64>,
    pub(crate) alert_after: Option<i64>,
    pub(crate) failures: i64,
    pub(crate) successes: i64,
    pub(crate) down_at: Option<i64>,
    pub(crate) reminders: i64,
}

impl StateRow {
    pub(crate) fn new(state: &CheckState) -> Self {
        Self {
            status: state.status.as_str(),
            n_pings: i64::try_from(state.n_pings).unwrap_or(i64::MAX),
            last_ping: state.last_ping.map(micros),
            last_start: state.last_start.map(micros),
            last_start_rid: state.last_start_rid.map(|rid| rid.to_string()),
            last_duration: state.last_duration.map(duration_micros),
            alert_after: state.alert_after.map(micros),
            failures: small_column(state.failures),
            successes: small_column(state.successes),
            down_at: state.down_at.map(micros),
            reminders: small_column(state.reminders),
        }
    }
}

/// How a check's rules map to its columns.
#[derive(Debug)]
pub(crate) struct RulesRow<'a> {
    pub(crate) manual_resume: bool,
    pub(crate) post_only: bool,
    pub(crate) filter: &'a KeywordFilter,
    pub(crate) timeout: i64,
    pub(crate) schedule: Option<&'a str>,
    pub(crate) schedule_kind: &'static str,
    pub(crate) tz: &'a str,
    pub(crate) grace: i64,
    pub(crate) down_after_failures: i64,
    pub(crate) up_after_successes: i64,
    pub(crate) max_runtime: Option<i64>,
    pub(crate) remind_every: Option<i64>,
}

impl<'a> RulesRow<'a> {
    pub(crate) fn new(rules: &'a CheckRules) -> Self {
        let timeout = match &rules.schedule {
            Schedule::Period(period) => rule_micros(*period),
            _ => duration_micros(crate::state::schedule::DEFAULT_TIMEOUT),
        };
        let schedule_kind = match rules.schedule.kind() {
            ScheduleKind::OnCalendar => "oncalendar",
            _ => "cron",
        };
        Self {
            manual_resume: rules.manual_resume,
            post_only: rules.methods == AllowedMethods::PostOnly,
            filter: &rules.filter,
            timeout,
            schedule: rules.schedule.expression(),
            schedule_kind,
            tz: rules.schedule.time_zone().unwrap_or("UTC"),
            grace: rule_micros(rules.grace),
            down_after_failures: small_column(rules.failures_to_go_down()),
            up_after_successes: small_column(rules.successes_to_come_up()),
            max_runtime: rules.max_runtime.map(rule_micros),
            remind_every: rules.reminder_interval().map(rule_micros),
        }
    }
}

/// A flip as written, with its check's row id and UUID.
#[derive(Debug)]
pub(crate) struct FlipRow {
    pub(crate) check: i64,
    /// For the report of the flip once committed.
    pub(crate) uuid: String,
    pub(crate) flip: Flip,
    pub(crate) old_status: &'static str,
    pub(crate) new_status: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) at: i64,
    pub(crate) alertable: bool,
}

impl FlipRow {
    pub(crate) fn new(check: i64, uuid: &str, flip: &Flip) -> Self {
        Self {
            check,
            uuid: uuid.to_owned(),
            flip: *flip,
            old_status: flip.old_status.as_str(),
            new_status: flip.new_status.as_str(),
            reason: flip.reason.as_str(),
            at: micros(flip.at),
            alertable: flip.is_alertable(),
        }
    }
}

/// The columns [`StoredFlipRow`] reads: the flip, its delivery and its
/// check's UUID.
pub(crate) const FLIP_SELECT: &str = "SELECT f.id, c.uuid, f.old_status, f.new_status, \
     f.reason, f.at, f.delivered_at FROM tower_ping_flips f \
     JOIN tower_ping_checks c ON c.id = f.check_id";

/// A flip as read back, with its check.
#[derive(Debug)]
pub(crate) struct StoredFlipRow {
    pub(crate) id: i64,
    pub(crate) uuid: String,
    pub(crate) old_status: String,
    pub(crate) new_status: String,
    pub(crate) reason: String,
    pub(crate) at: i64,
    pub(crate) delivered_at: Option<i64>,
}

fn status(text: &str) -> Result<Status, SqlStoreError> {
    Status::parse(text).ok_or_else(|| SqlStoreError::Corrupt(format!("status {text:?}")))
}

impl StoredFlipRow {
    fn flip(&self) -> Result<Flip, SqlStoreError> {
        let reason = FlipReason::parse(&self.reason)
            .ok_or_else(|| SqlStoreError::Corrupt(format!("flip reason {:?}", self.reason)))?;
        Ok(Flip::new(
            status(&self.old_status)?,
            status(&self.new_status)?,
            reason,
            time(self.at),
        ))
    }

    pub(crate) fn into_recorded(self) -> Result<RecordedFlip, SqlStoreError> {
        Ok(RecordedFlip::new(
            count(self.id, "flip id")?,
            uuid(&self.uuid)?,
            self.flip()?,
            self.delivered_at.is_some(),
        ))
    }
}

/// An alert as read back, with its flip and channel.
#[derive(Debug)]
pub(crate) struct AlertRow {
    pub(crate) id: i64,
    pub(crate) check: i64,
    pub(crate) attempts: i64,
    pub(crate) reminder: i64,
    pub(crate) folded: i64,
    pub(crate) channel: String,
    pub(crate) channel_name: Option<String>,
    pub(crate) channel_kind: Option<String>,
    pub(crate) flip_id: i64,
    pub(crate) old_status: String,
    pub(crate) new_status: String,
    pub(crate) reason: String,
    pub(crate) at: i64,
}

impl AlertRow {
    /// The alert, of `check` as it is now.
    pub(crate) fn into_alert(self, check: Check) -> Result<Alert, SqlStoreError> {
        let reason = FlipReason::parse(&self.reason)
            .ok_or_else(|| SqlStoreError::Corrupt(format!("flip reason {:?}", self.reason)))?;
        let flip = Flip::new(
            status(&self.old_status)?,
            status(&self.new_status)?,
            reason,
            time(self.at),
        );
        let channel = match self.channel.as_str() {
            "" => None,
            id => Some(Channel::new(
                uuid(id)?,
                self.channel_name.unwrap_or_default(),
                self.channel_kind.unwrap_or_default(),
            )),
        };
        Ok(Alert::new(count(self.id, "alert id")?, check, flip)
            .flip_id(count(self.flip_id, "flip id")?)
            .attempt(small(self.attempts, "attempts")?)
            .reminder(small(self.reminder, "reminder")?)
            .folded(small(self.folded, "folded")?)
            .channel(channel))
    }
}

/// A ping log entry as its row holds it.
#[derive(Debug)]
pub(crate) struct PingRow {
    pub(crate) n: i64,
    pub(crate) kind: String,
    pub(crate) exit_status: Option<i64>,
    pub(crate) method: String,
    pub(crate) scheme: String,
    pub(crate) remote_addr: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) rid: Option<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) received_at: i64,
    pub(crate) duration: Option<i64>,
}

impl PingRow {
    pub(crate) fn new(ping: &LoggedPing) -> Self {
        Self {
            n: i64::try_from(ping.n).unwrap_or(i64::MAX),
            kind: ping.kind.as_str().to_owned(),
            exit_status: ping.exit_status.map(i64::from),
            method: ping.method.as_str().to_owned(),
            scheme: ping.scheme.as_str().to_owned(),
            remote_addr: ping.remote_addr.map(|ip| ip.to_string()),
            user_agent: ping.user_agent.clone(),
            rid: ping.rid.map(|rid| rid.to_string()),
            body: ping.body.to_vec(),
            received_at: micros(ping.received_at),
            duration: ping.duration.map(duration_micros),
        }
    }

    pub(crate) fn into_logged(self) -> Result<LoggedPing, SqlStoreError> {
        let corrupt = |what: &str, value: &dyn std::fmt::Debug| {
            SqlStoreError::Corrupt(format!("{what} {value:?}"))
        };
        Ok(LoggedPing {
            n: count(self.n, "n")?,
            kind: Kind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            exit_status: self
                .exit_status
                .map(|s| u8::try_from(s).map_err(|_| corrupt("exit status", &s)))
                .transpose()?,
            method: Method::from_bytes(self.method.as_bytes())
                .map_err(|_| corrupt("method", &self.method))?,
            scheme: self
                .scheme
                .parse::<Scheme>()
                .map_err(|_| corrupt("scheme", &self.scheme))?,
            remote_addr: self
                .remote_addr
                .as_deref()
                .map(|a| a.parse::<IpAddr>().map_err(|_| corrupt("address", &a)))
                .transpose()?,
            user_agent: self.user_agent,
            rid: self.rid.as_deref().map(uuid).transpose()?,
            body: Bytes::from(self.body),
            received_at: time(self.received_at),
            duration: self.duration.map(|d| elapsed(d, "duration")).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::grammar::Signal;
    use crate::request::ping::Ping;
    use crate::state::apply::apply;
    use crate::state::check_state::CheckState;

    #[test]
    fn times_round_trip_to_the_microsecond_both_sides_of_the_epoch() {
        for micros_value in [0, 1, -1, 1_700_000_000_123_456, -86_400_000_001] {
            assert_eq!(micros(time(micros_value)), micros_value);
        }
    }

    #[test]
    fn a_logged_ping_round_trips_through_its_row() {
        let mut ping = Ping::new(Signal::Exit(3), time(1_700_000_000_123_456));
        ping.method = Method::POST;
        ping.scheme = Scheme::HTTPS;
        ping.remote_addr = Some("2001:db8::1".parse().unwrap());
        ping.user_agent = Some("cron/1".into());
        ping.rid = Some(Uuid::new_v4());
        ping.body = Bytes::from_static(b"\xff\x00 not utf-8");
        let transition = apply(&CheckState::default(), &CheckRules::default(), &ping);
        let logged = LoggedPing::new(&transition, ping);
        assert_eq!(PingRow::new(&logged).into_logged().unwrap(), logged);
    }

    #[test]
    fn unreadable_values_are_errors_not_panics() {
        let row = PingRow {
            n: 1,
            kind: "bogus".into(),
            exit_status: None,
            method: "GET".into(),
            scheme: "http".into(),
            remote_addr: None,
            user_agent: None,
            rid: None,
            body: Vec::new(),
            received_at: 0,
            duration: None,
        };
        assert!(matches!(row.into_logged(), Err(SqlStoreError::Corrupt(_))));
    }
}
