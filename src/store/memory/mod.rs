//! An in-process store: for tests, demos, and apps whose checks need not
//! survive a restart. The reference for every store: what it does is what
//! the contracts mean.
//!
//! `index.rs` keeps the checks and projects; `flip_log.rs` the flips, with
//! `outbox.rs` the alerts they queue and the channels these go to;
//! `manage.rs` and `monitor.rs` implement the operator and monitoring
//! contracts over them.

mod flip_log;
mod index;
mod manage;
mod monitor;
mod outbox;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use crate::events;
use crate::request::grammar::Target;
use crate::request::ping::Ping;
use crate::state::apply::apply;
use crate::state::check_state::CheckState;
use crate::state::flip::Flip;
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::check_store::{CheckStore, Creation, Lookup};
use crate::store::define_error::{DefineError, MAX_NAME};
use crate::store::logged_ping::{LoggedPing, DEFAULT_PING_LOG_LIMIT};
use crate::store::monitor_signal::MonitorSignal;
use crate::store::new_check::NewCheck;
use crate::store::project::DEFAULT_CHECK_LIMIT;
use crate::store::recorded_flip::RecordedFlip;

use flip_log::FlipLog;
pub use index::MemoryCheckId;
use index::{Entry, Index};

/// A [`CheckStore`] in memory: concurrency-safe, cheap to clone (clones share
/// the same checks), and gone when the process ends.
///
/// It is also a [`MonitorStore`](crate::MonitorStore): it keeps every
/// check's deadline in a sorted index, so a sweep reads only the checks that
/// are due, and the monitor sleeps until the earliest deadline. And a
/// [`ManageStore`](crate::ManageStore), the contract the Management API
/// speaks to.
///
/// ```
/// use tower_ping::{MemoryStore, NewCheck, PingLayer};
///
/// let store = MemoryStore::new();
/// let uuid = store.add_check(NewCheck::new("Nightly backup").ping_key("my-ping-key")).unwrap();
/// let layer = PingLayer::new(store.clone());
/// assert_eq!(store.check(uuid).unwrap().slug, "nightly-backup");
/// // Declaring it again (on the next start, say) redefines the same check.
/// assert_eq!(store.add_check(NewCheck::new("Nightly backup").ping_key("my-ping-key")).unwrap(), uuid);
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

/// Locks are taken in this order, never the other way: `index`, a check's
/// entry, `deadlines`, `flips`.
struct Shared {
    index: RwLock<Index>,
    /// The deadline index the monitor sweeps: for every check with a
    /// deadline, one key at or before it (with the check's serial to make
    /// keys unique). A ping that pushes a deadline later leaves the key
    /// where it is, so most pings never touch the index; the sweep that
    /// reaches an early key moves it to the deadline.
    deadlines: Mutex<BTreeMap<(SystemTime, u64), MemoryCheckId>>,
    flips: Mutex<FlipLog>,
    signal: MonitorSignal,
    log_limit: usize,
    check_limit: AtomicUsize,
}

impl Default for Shared {
    fn default() -> Self {
        Self::with_log_limit(DEFAULT_PING_LOG_LIMIT)
    }
}

impl MemoryStore {
    /// An empty store keeping the last 100 pings of each check, and at most
    /// 10,000 checks a project.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store keeping the last `limit` pings of each check.
    pub fn with_ping_log_limit(limit: usize) -> Self {
        Self {
            shared: Arc::new(Shared::with_log_limit(limit)),
        }
    }

    /// Keeps at most `max` undelivered alerts per check and channel (100
    /// by default, at least 1): past it, the oldest ones not in flight fold
    /// into the oldest one kept, whose [`Alert::folded`](crate::Alert::folded)
    /// counts them. Every flip is still recorded. Applies to every clone of
    /// the store.
    pub fn max_undelivered_alerts(self, max: usize) -> Self {
        self.shared.lock_flips().outbox.max_undelivered = max.max(1);
        self
    }

    /// Holds each project to `limit` checks (10,000 by default), those
    /// defined in code included: past it, `?create=1` pings and the
    /// Management API create none. Checks defined in code are never refused
    /// for it. Applies to every clone of the store.
    pub fn check_limit(self, limit: usize) -> Self {
        self.shared.check_limit.store(limit, Ordering::Relaxed);
        self
    }

    /// Defines a check: adds it, or redefines the check it names (see
    /// [`NewCheck`]: by UUID when it has one, else by ping key and slug),
    /// and returns its UUID.
    ///
    /// A redefined check keeps its state and pings; its deadline is
    /// recomputed for the new schedule and grace. A new check starts in
    /// [`NewCheck::initial`]; one that starts overdue goes down at the next
    /// sweep, dated when its deadline passed.
    pub fn add_check(&self, new: NewCheck) -> Result<Uuid, DefineError> {
        new.validate()?;
        let mut index = self.write();
        self.define_locked(&mut index, new)
    }

    /// [`add_check`](Self::add_check) under the index's write lock.
    fn define_locked(&self, index: &mut Index, new: NewCheck) -> Result<Uuid, DefineError> {
        let existing = match new.uuid {
            Some(uuid) => index.by_uuid.get(&uuid).cloned(),
            None => match index.named(new.ping_key.as_deref(), &new.slug) {
                [] => None,
                [one] => Some(one.clone()),
                _ => {
                    return Err(DefineError::AmbiguousSlug {
                        ping_key: new.ping_key,
                        slug: new.slug,
                    })
                }
            },
        };
        let Some(id) = existing else {
            let uuid = new.uuid.unwrap_or_else(Uuid::new_v4);
            let state = new.initial.rearmed(&new.rules);
            let mut check = Check::new(uuid, new.name, new.slug, new.ping_key, new.rules, state);
            check.tags = new.tags;
            check.desc = new.desc;
            check.channels = new.channels;
            check.badge_key = Uuid::new_v4();
            let id = index.insert(check);
            self.shared.index_deadline(&mut id.lock(), &id);
            return Ok(uuid);
        };
        let mut entry = id.lock();
        index.unlink(&entry.check, &id);
        let project = new
            .ping_key
            .as_deref()
            .map(|key| index.project_for(key).uuid);
        let check = &mut entry.check;
        check.name = new.name;
        check.slug = new.slug;
        check.ping_key = new.ping_key;
        check.project = project;
        check.tags = new.tags;
        check.desc = new.desc;
        check.channels = new.channels;
        check.state = check.state.rearmed(&new.rules);
        check.rules = new.rules;
        index.link(&entry.check, &id);
        self.shared.index_deadline(&mut entry, &id);
        Ok(entry.check.uuid)
    }

    /// Registers a channel, or renames the one of its id: from now on, the
    /// alerts of every check that alerts it (every check with
    /// [`Channels::All`]) go to it too. [`ManageStore::define_channel`](crate::ManageStore::define_channel),
    /// without the `async`.
    pub fn add_channel(&self, channel: Channel) {
        let channels = &mut self.shared.lock_flips().outbox.channels;
        match channels.iter_mut().find(|known| known.id == channel.id) {
            Some(known) => *known = channel,
            None => channels.push(channel),
        }
    }

    /// Makes a ping key known (a project of its own, without a name or API
    /// keys), so that `?create=1` can create checks in it before it has
    /// any.
    pub fn add_ping_key(&self, ping_key: impl Into<String>) {
        self.write().project_for(&ping_key.into());
    }

    /// Pauses a check: status paused, no run going, no deadline, no alert.
    /// Returns `false` when there is no such check.
    pub fn pause(&self, uuid: Uuid) -> bool {
        self.change_state(uuid, CheckState::paused).is_some()
    }

    /// Resumes a paused check: status new, as if never pinged, no alert.
    /// A check that is not paused is left as it is. Returns `false` when
    /// there is no such check.
    pub fn resume(&self, uuid: Uuid) -> bool {
        self.change_state(uuid, CheckState::resumed).is_some()
    }

    /// Removes a check with its pings and flips (alerts not yet delivered
    /// included). Its pings are then answered `404 not found`. Returns
    /// `false` when there is no such check.
    pub fn remove(&self, uuid: Uuid) -> bool {
        self.remove_check(uuid).is_some()
    }

    /// Every check with its current state, in the order added.
    pub fn checks(&self) -> Vec<Check> {
        let index = self.read();
        index
            .checks
            .iter()
            .map(|id| id.lock().check.clone())
            .collect()
    }

    /// One check with its current state.
    pub fn check(&self, uuid: Uuid) -> Option<Check> {
        let id = self.read().by_uuid.get(&uuid).cloned()?;
        let check = id.lock().check.clone();
        Some(check)
    }

    /// A check's ping log, oldest first: at most the store's log limit.
    pub fn pings(&self, uuid: Uuid) -> Option<Vec<LoggedPing>> {
        let id = self.read().by_uuid.get(&uuid).cloned()?;
        let log = id.lock().log.iter().cloned().collect();
        Some(log)
    }

    /// Every flip of every check, oldest first.
    pub fn flips(&self) -> Vec<RecordedFlip> {
        use crate::store::manage_store::FlipQuery;
        self.shared.lock_flips().list(&FlipQuery::new(usize::MAX))
    }

    /// Replaces a check's state with `change` of it, under its lock; the
    /// check as changed, or `None` when there is none.
    fn change_state(
        &self,
        uuid: Uuid,
        change: impl FnOnce(&CheckState) -> CheckState,
    ) -> Option<Check> {
        let id = self.read().by_uuid.get(&uuid).cloned()?;
        let mut entry = id.lock();
        if entry.removed {
            return None;
        }
        entry.check.state = change(&entry.check.state);
        self.shared.index_deadline(&mut entry, &id);
        Some(entry.check.clone())
    }

    /// Removes a check, its pings and flips; the check as it was.
    fn remove_check(&self, uuid: Uuid) -> Option<Check> {
        let mut index = self.write();
        let id = index.by_uuid.get(&uuid).cloned()?;
        let mut entry = id.lock();
        index.delete(&id, &entry.check);
        entry.removed = true;
        self.shared.reindex(&mut entry, None, &id);
        self.shared.lock_flips().forget(uuid);
        Some(entry.check.clone())
    }

    fn read(&self) -> RwLockReadGuard<'_, Index> {
        self.shared
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Index> {
        self.shared
            .index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a ping to a check, logs it and records its flips, under the
    /// check's lock.
    fn apply_ping(&self, id: &MemoryCheckId, ping: Ping) {
        let mut entry = id.lock();
        if entry.removed {
            // Removed while the ping was on its way: as if it had arrived just
            // before the removal, which would have deleted it with the check.
            return;
        }
        let entry = &mut *entry;
        let transition = apply(&entry.check.state, &entry.check.rules, &ping);
        for flip in transition.flips() {
            self.shared
                .record_flip(&entry.check, *flip, ping.received_at);
        }
        entry.log.push_back(LoggedPing::new(&transition, ping));
        while entry.log.len() > self.shared.log_limit {
            entry.log.pop_front();
        }
        entry.check.state = transition.state;
        self.shared.index_deadline(entry, id);
    }
}

impl Shared {
    fn with_log_limit(log_limit: usize) -> Self {
        Self {
            index: RwLock::default(),
            deadlines: Mutex::default(),
            flips: Mutex::default(),
            signal: MonitorSignal::new(),
            log_limit,
            check_limit: AtomicUsize::new(DEFAULT_CHECK_LIMIT),
        }
    }

    fn check_limit(&self) -> usize {
        self.check_limit.load(Ordering::Relaxed)
    }

    fn lock_deadlines(&self) -> MutexGuard<'_, BTreeMap<(SystemTime, u64), MemoryCheckId>> {
        self.deadlines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_flips(&self) -> MutexGuard<'_, FlipLog> {
        self.flips.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the deadline index in step with an entry's `alert_after`,
    /// under the entry's lock: a key at or before the deadline is left as
    /// it is (the sweep moves it when it comes); one after it, or none, is
    /// replaced by the deadline.
    fn index_deadline(&self, entry: &mut Entry, id: &MemoryCheckId) {
        let Some(deadline) = entry.check.state.alert_after else {
            return; // a key left behind is dropped by the sweep that reaches it
        };
        if entry.indexed.is_some_and(|key| key <= deadline) {
            return;
        }
        self.reindex(entry, Some(deadline), id);
        self.signal.deadline(deadline);
    }

    /// Replaces the entry's key in the deadline index with `key`.
    fn reindex(&self, entry: &mut Entry, key: Option<SystemTime>, id: &MemoryCheckId) {
        let mut deadlines = self.lock_deadlines();
        if let Some(old) = entry.indexed {
            deadlines.remove(&(old, id.serial()));
        }
        if let Some(key) = key {
            deadlines.insert((key, id.serial()), id.clone());
        }
        entry.indexed = key;
    }

    /// Records a flip of `check`, noticed at `now`, and queues its alerts.
    fn record_flip(&self, check: &Check, flip: Flip, now: SystemTime) {
        let (_, queued) =
            self.lock_flips()
                .record(check.uuid, &check.channels, flip, self.log_limit, now);
        events::flipped(&check.uuid, &flip);
        if queued > 0 {
            self.signal.flip();
        }
    }
}

#[async_trait]
impl CheckStore for MemoryStore {
    type CheckId = MemoryCheckId;
    type Error = Infallible;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<MemoryCheckId>, Infallible> {
        let index = self.read();
        Ok(match target {
            Target::Uuid(uuid) => index
                .by_uuid
                .get(&uuid)
                .map_or(Lookup::NotFound, |id| Lookup::Found(id.clone())),
            Target::Slug { ping_key, slug } => index.lookup(ping_key, slug),
        })
    }

    async fn record(&self, check: MemoryCheckId, ping: Ping) -> Result<(), Infallible> {
        self.apply_ping(&check, ping);
        Ok(())
    }

    async fn create(&self, ping_key: &str, slug: &str, ping: Ping) -> Result<Creation, Infallible> {
        // Under the write lock, so two creations of one slug make one check.
        let mut index = self.write();
        let (id, outcome) = match index.lookup(ping_key, slug) {
            Lookup::Found(id) => (id, Creation::Recorded),
            Lookup::Ambiguous => return Ok(Creation::Ambiguous),
            Lookup::NotFound if !index.knows_key(ping_key) => return Ok(Creation::NotFound),
            // Bounded: no slug longer than a check may have, no check past
            // the project's limit.
            Lookup::NotFound
                if slug.len() > MAX_NAME || index.count(ping_key) >= self.shared.check_limit() =>
            {
                return Ok(Creation::NotFound)
            }
            Lookup::NotFound => {
                let new = NewCheck::new(slug).slug(slug).ping_key(ping_key);
                let mut check = Check::new(
                    Uuid::new_v4(),
                    new.name,
                    new.slug,
                    new.ping_key,
                    new.rules,
                    new.initial,
                );
                // As healthchecks does for checks made by a ping: every channel.
                check.channels = Channels::All;
                check.badge_key = Uuid::new_v4();
                (index.insert(check), Creation::Created)
            }
        };
        drop(index);
        self.apply_ping(&id, ping);
        Ok(outcome)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("checks", &self.read().checks.len())
            .field("ping_log_limit", &self.shared.log_limit)
            .field("check_limit", &self.shared.check_limit())
            .finish()
    }
}
