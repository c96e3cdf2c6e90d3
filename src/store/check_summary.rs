//! [`CheckSummary`]: a check as a listing of how checks stand needs it.

use std::time::{Duration, SystemTime};

use uuid::Uuid;

use crate::state::check_state::CheckState;
use crate::state::deadline::{status_at, StatusAt};
use crate::state::rules::CheckRules;
use crate::state::schedule::Schedule;
use crate::state::status::Status;
use crate::store::check::Check;
use crate::store::cursor::Cursor;

/// A check as a listing of how checks stand needs it: its names and tags,
/// and what [`status_at`] reads (its schedule, grace, stored status, last
/// ping and start). What [`ManageStore::check_summaries`](crate::ManageStore::check_summaries)
/// lists, for metrics, badges and status pages over many checks: a store
/// may read far less of each than for a whole [`Check`].
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tower_ping::{Check, CheckRules, CheckState, CheckSummary, LiveStatus, Schedule, Status};
/// use tower_ping::uuid::Uuid;
///
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rules = CheckRules::default().schedule(Schedule::Period(Duration::from_secs(60)));
/// let mut state = CheckState::with_status(Status::Up);
/// state.last_ping = Some(t0);
/// let check = Check::new(Uuid::nil(), "Backup".into(), "backup".into(), None, rules, state);
/// let summary = CheckSummary::of(&check);
/// assert_eq!(summary.status_at(t0 + Duration::from_secs(61)), check.status_at(t0 + Duration::from_secs(61)));
/// assert_eq!(summary.status_at(t0 + Duration::from_secs(61)).status, LiveStatus::Grace);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckSummary {
    /// The check's UUID.
    pub uuid: Uuid,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its tags, separated by spaces.
    pub tags: String,
    /// When its pings are due.
    pub schedule: Schedule,
    /// How late a ping may be before the check goes down.
    pub grace: Duration,
    /// The longest a run may go on
    /// ([`CheckRules::max_runtime`](crate::CheckRules::max_runtime)).
    pub max_runtime: Option<Duration>,
    /// Its stored status.
    pub status: Status,
    /// Its last ping, if any.
    pub last_ping: Option<SystemTime>,
    /// The start of its running run, if any.
    pub last_start: Option<SystemTime>,
}

impl CheckSummary {
    /// The summary of `check`.
    pub fn of(check: &Check) -> Self {
        Self {
            uuid: check.uuid,
            name: check.name.clone(),
            slug: check.slug.clone(),
            tags: check.tags.clone(),
            schedule: check.rules.schedule.clone(),
            grace: check.rules.grace,
            max_runtime: check.rules.max_runtime,
            status: check.state.status,
            last_ping: check.state.last_ping,
            last_start: check.state.last_start,
        }
    }

    /// How the check stands at `now`: [`status_at`] of its state and rules.
    pub fn status_at(&self, now: SystemTime) -> StatusAt {
        let rules = CheckRules::default()
            .schedule(self.schedule.clone())
            .grace(self.grace)
            .max_runtime(self.max_runtime);
        let mut state = CheckState::with_status(self.status);
        state.last_ping = self.last_ping;
        state.last_start = self.last_start;
        status_at(&state, &rules, now)
    }

    /// Its tags, one by one: [`tags`](Self::tags) split on spaces.
    pub fn tag_list(&self) -> impl Iterator<Item = &str> {
        self.tags.split(' ').filter(|tag| !tag.is_empty())
    }

    /// Whether it has every one of `tags`.
    pub fn has_tags(&self, tags: &[String]) -> bool {
        tags.iter()
            .all(|wanted| self.tag_list().any(|tag| tag == wanted))
    }

    /// healthchecks' key for the check with a read-only API key (feature
    /// `api`): see [`Check::unique_key`].
    #[cfg(feature = "api")]
    #[cfg_attr(docsrs, doc(cfg(feature = "api")))]
    pub fn unique_key(&self) -> String {
        crate::store::check::unique_key(self.uuid)
    }
}

/// One page of [`CheckSummary`]s, in the order the checks were created.
///
/// ```
/// use tower_ping::{CheckQuery, ManageStore, MemoryStore, NewCheck};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = MemoryStore::new();
/// store.add_check(NewCheck::new("Backup").ping_key("backups")).unwrap();
/// let page = store.check_summaries(CheckQuery::new(100)).await.unwrap();
/// assert_eq!(page.summaries[0].name, "Backup");
/// assert_eq!(page.next, None);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SummaryPage {
    /// The summaries.
    pub summaries: Vec<CheckSummary>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<Cursor>,
}

impl SummaryPage {
    /// A page of `summaries`, followed by the one at `next`.
    pub fn new(summaries: Vec<CheckSummary>, next: Option<Cursor>) -> Self {
        Self { summaries, next }
    }
}
