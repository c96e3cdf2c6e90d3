//! The operator contract: what the Management API, dashboards and an app's
//! own tools ask of a store, the same on every store.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use crate::store::channel::Channel;
use crate::store::check::Check;
use crate::store::check_spec::{CheckSpec, UniqueField};
use crate::store::check_store::CheckStore;
use crate::store::check_summary::{CheckSummary, SummaryPage};
use crate::store::cursor::Cursor;
use crate::store::define_error::DefineError;
use crate::store::logged_ping::LoggedPing;
use crate::store::new_check::NewCheck;
use crate::store::project::{NewProject, Project};
use crate::store::recorded_flip::RecordedFlip;

/// Which checks to list: [`ManageStore::checks`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckQuery {
    /// Only the checks of this project; every check when `None`.
    pub project: Option<Uuid>,
    /// Only checks that have every one of these tags.
    pub tags: Vec<String>,
    /// Only checks with this slug.
    pub slug: Option<String>,
    /// Only checks after this place, for the next page.
    pub after: Option<Cursor>,
    /// At most this many.
    pub limit: usize,
}

impl CheckQuery {
    /// The first `limit` checks, of every project.
    pub fn new(limit: usize) -> Self {
        Self {
            project: None,
            tags: Vec::new(),
            slug: None,
            after: None,
            limit,
        }
    }

    /// Only the checks of `project`.
    pub fn project(mut self, project: Uuid) -> Self {
        self.project = Some(project);
        self
    }

    /// Only checks with every tag of `tags`.
    pub fn tags(mut self, tags: Vec<String>) -> Self {
        self.tags = tags;
        self
    }

    /// Only checks with this slug.
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// The page after `cursor`.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }

    /// Whether `check` passes the query's filters (its project, tags and
    /// slug; not its place).
    pub fn admits(&self, check: &Check) -> bool {
        self.project
            .is_none_or(|project| check.project == Some(project))
            && self.slug.as_ref().is_none_or(|slug| *slug == check.slug)
            && check.has_tags(&self.tags)
    }
}

/// One page of a listing: checks in the order they were created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckPage {
    /// The checks.
    pub checks: Vec<Check>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<Cursor>,
}

impl CheckPage {
    /// A page of `checks`, followed by the one at `next`.
    pub fn new(checks: Vec<Check>, next: Option<Cursor>) -> Self {
        Self { checks, next }
    }
}

/// Which flips to list: [`ManageStore::flips`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlipQuery {
    /// Only the flips of this check; every check's when `None`.
    pub check: Option<Uuid>,
    /// Only flips at or after this time.
    pub since: Option<SystemTime>,
    /// Only flips before this time.
    pub until: Option<SystemTime>,
    /// Newest first (the API's order) or oldest first.
    pub newest_first: bool,
    /// Only flips past this place, in the listing's order, for the next
    /// page.
    pub after: Option<Cursor>,
    /// At most this many.
    pub limit: usize,
}

impl FlipQuery {
    /// The first `limit` flips of every check, oldest first.
    pub fn new(limit: usize) -> Self {
        Self {
            check: None,
            since: None,
            until: None,
            newest_first: false,
            after: None,
            limit,
        }
    }

    /// Only the flips of `check`.
    pub fn check(mut self, check: Uuid) -> Self {
        self.check = Some(check);
        self
    }

    /// Only flips in `since..until`.
    pub fn between(mut self, since: Option<SystemTime>, until: Option<SystemTime>) -> Self {
        self.since = since;
        self.until = until;
        self
    }

    /// Newest first.
    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// The page after `cursor`.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }

    /// Whether a flip of `check` at `at`, numbered `id`, passes the query.
    pub fn admits(&self, id: u64, check: Uuid, at: SystemTime) -> bool {
        let past = match self.after {
            None => true,
            Some(Cursor(after)) if self.newest_first => id < after,
            Some(Cursor(after)) => id > after,
        };
        past && self.check.is_none_or(|wanted| wanted == check)
            && self.since.is_none_or(|since| at >= since)
            && self.until.is_none_or(|until| at < until)
    }
}

/// What [`ManageStore::create_check`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Created {
    /// A new check, as created.
    Created(Check),
    /// The check `unique` named, as updated.
    Updated(Check),
    /// The project has as many checks as it may: nothing was created.
    LimitReached,
    /// No such project: nothing was created.
    NoProject,
}

/// What [`ManageStore::resume`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resumed {
    /// The check was paused, and is new now.
    Resumed(Check),
    /// The check was not paused: left as it is.
    NotPaused(Check),
    /// No such check.
    NotFound,
}

/// What to do with a project's checks that the set given to
/// [`ManageStore::define_checks`] does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Orphans {
    /// Remove them, with their pings and flips.
    Remove,
    /// Keep them, and report them.
    Keep,
}

/// What [`ManageStore::define_checks`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DefinedSet {
    /// The UUID of each check of the set, in its order.
    pub defined: Vec<Uuid>,
    /// The project's checks the set did not name: removed or kept, as asked.
    pub orphans: Vec<Check>,
}

impl DefinedSet {
    /// The set's checks, and the orphans.
    pub fn new(defined: Vec<Uuid>, orphans: Vec<Check>) -> Self {
        Self { defined, orphans }
    }
}

/// The operator contract: what the Management API, the dashboards and the
/// app's own routes and tools ask of a store, beside [`CheckStore`] (what
/// the ping layer asks) and [`MonitorStore`](crate::MonitorStore) (what the
/// monitor asks). Every store of the crate implements it with the same
/// meaning; a store of your own implements it to be managed the same way.
///
/// Errors of the store itself are `Self::Error`; a request the store
/// refuses (a definition that cannot be kept, a project over its limit) is
/// an `Ok` answer saying so.
///
/// # Implementing it
///
/// - Projects are kept by UUID, their ping keys unique. A check belongs to
///   the project of its ping key: `project` and `ping_key` of a [`Check`]
///   always agree. The store makes a project's badge secret once (random)
///   and keeps it.
/// - Checks are listed in the order they were created, a page at a time;
///   [`Cursor`] is whatever orders them (a row id).
/// - A check's definition changes with [`CheckSpec::apply`], its state with
///   [`CheckState::paused`](crate::CheckState::paused) and
///   [`resumed`](crate::CheckState::resumed), under the same lock or row
///   lock as [`CheckStore::record`], so that a ping in between is never
///   lost and its `n` never reused.
/// - New checks get a random UUID and a random badge key.
///
/// `MemoryStore` is the reference; the crate's tests run one suite over it
/// and the SQL stores (`tests/manage_suite.rs`).
#[async_trait]
pub trait ManageStore: CheckStore {
    /// Defines a project: adds it, or redefines the one with its UUID
    /// (keeping its checks and badge secret). Refused when its fields cannot
    /// be kept ([`NewProject::validate`]) or another project has its ping
    /// key.
    async fn define_project(
        &self,
        project: NewProject,
    ) -> Result<Result<Project, DefineError>, Self::Error>;

    /// The project `uuid`.
    async fn project(&self, uuid: Uuid) -> Result<Option<Project>, Self::Error>;

    /// Every project, in the order defined.
    async fn projects(&self) -> Result<Vec<Project>, Self::Error>;

    /// The projects whose read-write or read-only key digest starts with
    /// `lookup` ([`KeyDigest::lookup`](crate::KeyDigest::lookup)): the
    /// candidates for a key, which the caller compares in constant time.
    async fn projects_by_key(&self, lookup: &str) -> Result<Vec<Project>, Self::Error>;

    /// The project whose badge key is `badge_key`.
    async fn project_by_badge_key(&self, badge_key: &str) -> Result<Option<Project>, Self::Error>;

    /// Defines a check in code: adds it, or redefines the one it names (see
    /// [`NewCheck`]), and returns its UUID.
    async fn define_check(&self, check: NewCheck)
        -> Result<Result<Uuid, DefineError>, Self::Error>;

    /// Defines the whole set of checks of the project with ping key
    /// `ping_key` (each check of `checks` is put in it), as one step, and
    /// removes or keeps the project's checks the set does not name. Refused,
    /// with nothing defined, when a check of the set cannot be kept or two
    /// would share a slug.
    async fn define_checks(
        &self,
        ping_key: &str,
        checks: Vec<NewCheck>,
        orphans: Orphans,
    ) -> Result<Result<DefinedSet, DefineError>, Self::Error>;

    /// Creates a check in `project` from `spec`, or, when `unique` names an
    /// existing check of the project (every field listed is in `spec` and
    /// equals the check's; the oldest such check), updates that one. A new
    /// check starts from the defaults (a period of a day, an hour of grace,
    /// no channels) with the spec applied, a random UUID and badge key.
    async fn create_check(
        &self,
        project: Uuid,
        spec: CheckSpec,
        unique: &[UniqueField],
    ) -> Result<Created, Self::Error>;

    /// Applies `spec` to the check `uuid`; `None` when there is none.
    async fn update_check(&self, uuid: Uuid, spec: CheckSpec)
        -> Result<Option<Check>, Self::Error>;

    /// The check `uuid`.
    async fn check(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error>;

    /// The check whose own badge key ([`Check::badge_key`]) is
    /// `badge_key`: what a check's badge URL (`/b/<2|3>/<badge-key>.svg`)
    /// names.
    ///
    /// The default pages through every check with
    /// [`checks`](Self::checks); the crate's stores find it by an index.
    async fn check_by_badge_key(&self, badge_key: Uuid) -> Result<Option<Check>, Self::Error> {
        let mut after = None;
        loop {
            let page = self.checks(CheckQuery::new(500).after(after)).await?;
            if let Some(check) = page.checks.into_iter().find(|c| c.badge_key == badge_key) {
                return Ok(Some(check));
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(None),
            }
        }
    }

    /// A page of the checks `query` admits, in the order created.
    async fn checks(&self, query: CheckQuery) -> Result<CheckPage, Self::Error>;

    /// A page of the [`CheckSummary`] of each check `query` admits, in the
    /// order created: the same checks and cursors as
    /// [`checks`](Self::checks), with only what a listing of statuses
    /// needs (metrics, badges, status pages over many checks).
    ///
    /// The default summarizes [`checks`](Self::checks); the SQL stores
    /// read only the columns a summary holds.
    async fn check_summaries(&self, query: CheckQuery) -> Result<SummaryPage, Self::Error> {
        let page = self.checks(query).await?;
        let summaries = page.checks.iter().map(CheckSummary::of).collect();
        Ok(SummaryPage::new(summaries, page.next))
    }

    /// Pauses the check `uuid` (pausing a paused check changes nothing);
    /// `None` when there is none.
    async fn pause(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error>;

    /// Resumes the check `uuid` if it is paused.
    async fn resume(&self, uuid: Uuid) -> Result<Resumed, Self::Error>;

    /// Removes the check `uuid` with its pings and flips (alerts not yet
    /// delivered included), and returns it as it was; `None` when there is
    /// none.
    async fn remove(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error>;

    /// The check's logged pings, newest first, at most `limit`; `None` when
    /// there is no such check.
    async fn pings(&self, uuid: Uuid, limit: usize)
        -> Result<Option<Vec<LoggedPing>>, Self::Error>;

    /// The body of ping `n` of the check `uuid`, if the log still has it
    /// and it has one.
    async fn ping_body(&self, uuid: Uuid, n: u64) -> Result<Option<Bytes>, Self::Error>;

    /// The flips `query` admits, in its order.
    async fn flips(&self, query: FlipQuery) -> Result<Vec<RecordedFlip>, Self::Error>;

    /// Registers a channel, or renames the one with its id.
    async fn define_channel(&self, channel: Channel) -> Result<(), Self::Error>;

    /// Every channel, in the order registered.
    async fn channels(&self) -> Result<Vec<Channel>, Self::Error>;

    /// Whether the store can write now (a readiness check, as `/healthz`):
    /// `Ok` while its writes succeed, `Err` from a write that failed for
    /// want of the store (a full disk, a lost connection) until one
    /// succeeds again, which this call may try itself.
    async fn health(&self) -> Result<(), Self::Error>;
}

#[async_trait]
impl<S: ManageStore> ManageStore for Arc<S> {
    async fn define_project(
        &self,
        project: NewProject,
    ) -> Result<Result<Project, DefineError>, Self::Error> {
        (**self).define_project(project).await
    }

    async fn project(&self, uuid: Uuid) -> Result<Option<Project>, Self::Error> {
        (**self).project(uuid).await
    }

    async fn projects(&self) -> Result<Vec<Project>, Self::Error> {
        (**self).projects().await
    }

    async fn projects_by_key(&self, lookup: &str) -> Result<Vec<Project>, Self::Error> {
        (**self).projects_by_key(lookup).await
    }

    async fn project_by_badge_key(&self, badge_key: &str) -> Result<Option<Project>, Self::Error> {
        (**self).project_by_badge_key(badge_key).await
    }

    async fn define_check(
        &self,
        check: NewCheck,
    ) -> Result<Result<Uuid, DefineError>, Self::Error> {
        (**self).define_check(check).await
    }

    async fn define_checks(
        &self,
        ping_key: &str,
        checks: Vec<NewCheck>,
        orphans: Orphans,
    ) -> Result<Result<DefinedSet, DefineError>, Self::Error> {
        (**self).define_checks(ping_key, checks, orphans).await
    }

    async fn create_check(
        &self,
        project: Uuid,
        spec: CheckSpec,
        unique: &[UniqueField],
    ) -> Result<Created, Self::Error> {
        (**self).create_check(project, spec, unique).await
    }

    async fn update_check(
        &self,
        uuid: Uuid,
        spec: CheckSpec,
    ) -> Result<Option<Check>, Self::Error> {
        (**self).update_check(uuid, spec).await
    }

    async fn check(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error> {
        (**self).check(uuid).await
    }

    async fn check_by_badge_key(&self, badge_key: Uuid) -> Result<Option<Check>, Self::Error> {
        (**self).check_by_badge_key(badge_key).await
    }

    async fn checks(&self, query: CheckQuery) -> Result<CheckPage, Self::Error> {
        (**self).checks(query).await
    }

    async fn check_summaries(&self, query: CheckQuery) -> Result<SummaryPage, Self::Error> {
        (**self).check_summaries(query).await
    }

    async fn pause(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error> {
        (**self).pause(uuid).await
    }

    async fn resume(&self, uuid: Uuid) -> Result<Resumed, Self::Error> {
        (**self).resume(uuid).await
    }

    async fn remove(&self, uuid: Uuid) -> Result<Option<Check>, Self::Error> {
        (**self).remove(uuid).await
    }

    async fn pings(
        &self,
        uuid: Uuid,
        limit: usize,
    ) -> Result<Option<Vec<LoggedPing>>, Self::Error> {
        (**self).pings(uuid, limit).await
    }

    async fn ping_body(&self, uuid: Uuid, n: u64) -> Result<Option<Bytes>, Self::Error> {
        (**self).ping_body(uuid, n).await
    }

    async fn flips(&self, query: FlipQuery) -> Result<Vec<RecordedFlip>, Self::Error> {
        (**self).flips(query).await
    }

    async fn define_channel(&self, channel: Channel) -> Result<(), Self::Error> {
        (**self).define_channel(channel).await
    }

    async fn channels(&self) -> Result<Vec<Channel>, Self::Error> {
        (**self).channels().await
    }

    async fn health(&self) -> Result<(), Self::Error> {
        (**self).health().await
    }
}
