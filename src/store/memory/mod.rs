//! An in-process store: for tests, demos, and apps whose checks need not
//! survive a restart.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use crate::events;
use crate::request::grammar::Target;
use crate::request::ping::Ping;
use crate::state::apply::apply;
use crate::state::check_state::CheckState;
use crate::state::deadline::expire;
use crate::state::flip::Flip;
use crate::store::alert::Alert;
use crate::store::check::Check;
use crate::store::check_store::{CheckStore, Creation, Lookup};
use crate::store::define_error::DefineError;
use crate::store::logged_ping::{LoggedPing, DEFAULT_PING_LOG_LIMIT};
use crate::store::monitor_signal::MonitorSignal;
use crate::store::monitor_store::{Claim, MonitorStore, Sweep};
use crate::store::new_check::NewCheck;
use crate::store::recorded_flip::RecordedFlip;

/// A [`CheckStore`] in memory: concurrency-safe, cheap to clone (clones share
/// the same checks), and gone when the process ends.
///
/// It is also a [`MonitorStore`]: it keeps every check's deadline in a sorted
/// index, so a sweep reads only the checks that are due, and the monitor
/// sleeps until the earliest deadline.
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
}

impl Default for Shared {
    fn default() -> Self {
        Self::with_log_limit(DEFAULT_PING_LOG_LIMIT)
    }
}

#[derive(Default)]
struct Index {
    /// Every check, in the order added.
    checks: Vec<MemoryCheckId>,
    by_uuid: HashMap<Uuid, MemoryCheckId>,
    /// Ping key, then slug, to the checks sharing them.
    by_slug: HashMap<String, HashMap<String, Vec<MemoryCheckId>>>,
    /// Slugs of the checks without a ping key, which only `add_check` reads.
    unkeyed: HashMap<String, Vec<MemoryCheckId>>,
    /// Ping keys known without a check, from [`MemoryStore::add_ping_key`].
    ping_keys: HashSet<String>,
    next_serial: u64,
}

/// Every flip recorded, by number, and the outbox of alerts.
#[derive(Default)]
struct FlipLog {
    next_id: u64,
    flips: BTreeMap<u64, FlipEntry>,
    /// Alertable flips not yet delivered: the outbox.
    pending: BTreeSet<u64>,
    /// Each check's flips, oldest first, to prune the settled ones.
    by_check: HashMap<Uuid, VecDeque<u64>>,
}

struct FlipEntry {
    check: Uuid,
    flip: Flip,
    delivered: bool,
    /// Delivery attempts so far.
    attempts: u32,
    /// Not to be claimed before this, after a failed attempt.
    retry_at: Option<SystemTime>,
    /// Who holds it, and until when.
    claim: Option<(Uuid, SystemTime)>,
}

impl FlipEntry {
    /// Whether nothing remains to do with it: delivered, or never to be.
    fn settled(&self) -> bool {
        self.delivered || !self.flip.is_alertable()
    }
}

/// A check of a [`MemoryStore`], as resolved by it.
#[derive(Clone)]
pub struct MemoryCheckId(Arc<Mutex<Entry>>);

struct Entry {
    /// Unique in the store: the deadline index's tie-breaker.
    serial: u64,
    /// The check's key in the deadline index: at or before its
    /// `alert_after` while it has one.
    indexed: Option<SystemTime>,
    check: Check,
    log: VecDeque<LoggedPing>,
    /// Removed from the store; a ping resolved before the removal is dropped.
    removed: bool,
}

impl MemoryCheckId {
    fn lock(&self) -> MutexGuard<'_, Entry> {
        // A panic elsewhere never leaves an entry half-written: state and log
        // are replaced together after `apply` returns.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryCheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MemoryCheckId")
            .field(&self.lock().check.uuid)
            .finish()
    }
}

impl MemoryStore {
    /// An empty store keeping the last 100 pings of each check.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store keeping the last `limit` pings of each check.
    pub fn with_ping_log_limit(limit: usize) -> Self {
        Self {
            shared: Arc::new(Shared::with_log_limit(limit)),
        }
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
            let check = Check::new(uuid, new.name, new.slug, new.ping_key, new.rules, state);
            let id = index.insert(check);
            self.shared.index_deadline(&mut id.lock(), &id);
            return Ok(uuid);
        };
        let mut entry = id.lock();
        index.unlink(&entry.check, &id);
        let check = &mut entry.check;
        check.name = new.name;
        check.slug = new.slug;
        check.ping_key = new.ping_key;
        check.state = check.state.rearmed(&new.rules);
        check.rules = new.rules;
        index.link(&entry.check, &id);
        self.shared.index_deadline(&mut entry, &id);
        Ok(entry.check.uuid)
    }

    /// Makes a ping key known, so that `?create=1` can create checks in its
    /// project before it has any.
    pub fn add_ping_key(&self, ping_key: impl Into<String>) {
        self.write().ping_keys.insert(ping_key.into());
    }

    /// Pauses a check: status paused, no run going, no deadline, no alert.
    /// Returns `false` when there is no such check.
    pub fn pause(&self, uuid: Uuid) -> bool {
        self.change_state(uuid, CheckState::paused)
    }

    /// Resumes a paused check: status new, as if never pinged, no alert.
    /// A check that is not paused is left as it is. Returns `false` when
    /// there is no such check.
    pub fn resume(&self, uuid: Uuid) -> bool {
        self.change_state(uuid, CheckState::resumed)
    }

    /// Removes a check with its pings and flips (alerts not yet delivered
    /// included). Its pings are then answered `404 not found`. Returns
    /// `false` when there is no such check.
    pub fn remove(&self, uuid: Uuid) -> bool {
        let mut index = self.write();
        let Some(id) = index.by_uuid.remove(&uuid) else {
            return false;
        };
        let mut entry = id.lock();
        index.unlink(&entry.check, &id);
        index.checks.retain(|other| !Arc::ptr_eq(&other.0, &id.0));
        entry.removed = true;
        self.shared.reindex(&mut entry, None, &id);
        self.shared.lock_flips().forget(uuid);
        true
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
        self.shared
            .lock_flips()
            .flips
            .iter()
            .map(|(id, entry)| RecordedFlip::new(*id, entry.check, entry.flip, entry.delivered))
            .collect()
    }

    /// Flips every check past its deadline at `now` and re-arms the others
    /// that were due: [`MonitorStore::sweep`], without the `async`.
    pub fn sweep_at(&self, now: SystemTime) -> Sweep {
        let due: Vec<MemoryCheckId> = self
            .shared
            .lock_deadlines()
            .range(..=(now, u64::MAX))
            .map(|(_, id)| id.clone())
            .collect();
        let (mut flipped, mut rearmed) = (0, 0);
        for id in due {
            let mut entry = id.lock();
            if entry.removed {
                continue; // its key went with it
            }
            // The key may be early (a ping moved the deadline later since)
            // or stale (no deadline any more): `expire` decides from the
            // state as it is now.
            let expiry = expire(&entry.check.state, &entry.check.rules, now);
            entry.check.state = expiry.state;
            let deadline = entry.check.state.alert_after;
            self.shared.reindex(&mut entry, deadline, &id);
            match expiry.flip {
                Some(flip) => {
                    self.shared.record_flip(entry.check.uuid, flip);
                    flipped += 1;
                }
                None => rearmed += 1,
            }
        }
        let next_deadline = self
            .shared
            .lock_deadlines()
            .first_key_value()
            .map(|((deadline, _), _)| *deadline);
        Sweep::new(flipped, rearmed, next_deadline)
    }

    fn change_state(&self, uuid: Uuid, change: impl FnOnce(&CheckState) -> CheckState) -> bool {
        let Some(id) = self.read().by_uuid.get(&uuid).cloned() else {
            return false;
        };
        let mut entry = id.lock();
        if entry.removed {
            return false;
        }
        entry.check.state = change(&entry.check.state);
        self.shared.index_deadline(&mut entry, &id);
        true
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.shared
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
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
            self.shared.record_flip(entry.check.uuid, *flip);
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
        }
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
            deadlines.remove(&(old, entry.serial));
        }
        if let Some(key) = key {
            deadlines.insert((key, entry.serial), id.clone());
        }
        entry.indexed = key;
    }

    fn record_flip(&self, check: Uuid, flip: Flip) {
        self.lock_flips().record(check, flip, self.log_limit);
        events::flipped(&check, &flip);
        if flip.is_alertable() {
            self.signal.flip();
        }
    }

    /// The alerts of the claimed flips, with their checks as they are now;
    /// a check removed since is left out (its flips went with it).
    fn alerts(&self, claimed: Vec<(u64, u32, Uuid, Flip)>) -> Vec<Alert> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        claimed
            .into_iter()
            .filter_map(|(id, attempt, uuid, flip)| {
                let entry = index.by_uuid.get(&uuid)?.lock();
                let check = &entry.check;
                Some(Alert::new(
                    id,
                    attempt,
                    uuid,
                    check.name.clone(),
                    check.slug.clone(),
                    check.ping_key.clone(),
                    check.state.status,
                    check.state.last_ping,
                    flip,
                ))
            })
            .collect()
    }
}

impl FlipLog {
    /// Records a flip, and prunes the check's settled flips beyond `keep`.
    fn record(&mut self, check: Uuid, flip: Flip, keep: usize) {
        self.next_id += 1;
        let id = self.next_id;
        let entry = FlipEntry {
            check,
            flip,
            delivered: false,
            attempts: 0,
            retry_at: None,
            claim: None,
        };
        if !entry.settled() {
            self.pending.insert(id);
        }
        self.flips.insert(id, entry);
        let ids = self.by_check.entry(check).or_default();
        ids.push_back(id);
        // The check keeps its newest `keep` flips, and older alerts not yet
        // delivered.
        let mut older = ids.len();
        let flips = &mut self.flips;
        ids.retain(|id| {
            older -= 1;
            let prune = older >= keep && flips.get(id).is_none_or(FlipEntry::settled);
            if prune {
                flips.remove(id);
            }
            !prune
        });
    }

    /// Drops a removed check's flips, delivered or not.
    fn forget(&mut self, check: Uuid) {
        for id in self.by_check.remove(&check).unwrap_or_default() {
            self.flips.remove(&id);
            self.pending.remove(&id);
        }
    }

    /// Leases the alerts whose turn has come: each check's oldest pending
    /// flip, unless claimed or waiting to be retried.
    fn claim(&mut self, claim: Claim) -> Vec<(u64, u32, Uuid, Flip)> {
        let mut seen = HashSet::new();
        let mut claimed = Vec::new();
        for id in &self.pending {
            if claimed.len() >= claim.max {
                break;
            }
            let entry = self.flips.get_mut(id).expect("pending flips are kept");
            if !seen.insert(entry.check) {
                continue; // an older flip of the check comes first
            }
            let held = entry.claim.is_some_and(|(_, until)| claim.held(until));
            let waiting = entry.retry_at.is_some_and(|at| !claim.retry_due(at));
            if held || waiting {
                continue;
            }
            entry.claim = Some((claim.claimer, claim.until()));
            entry.attempts += 1;
            claimed.push((*id, entry.attempts, entry.check, entry.flip));
        }
        claimed
    }

    fn delivered(&mut self, ids: &[u64]) {
        for id in ids {
            if let Some(entry) = self.flips.get_mut(id) {
                entry.delivered = true;
                entry.claim = None;
                self.pending.remove(id);
            }
        }
    }

    /// Gives up `claimer`'s claim on `id`, to be retried from `retry_at`.
    fn unclaim(&mut self, id: u64, claimer: Uuid, retry_at: Option<SystemTime>) {
        let Some(entry) = self.flips.get_mut(&id) else {
            return;
        };
        if entry.delivered || entry.claim.map(|(who, _)| who) != Some(claimer) {
            return;
        }
        entry.claim = None;
        if retry_at.is_some() {
            entry.retry_at = retry_at;
        }
    }
}

impl Index {
    fn insert(&mut self, check: Check) -> MemoryCheckId {
        let uuid = check.uuid;
        self.next_serial += 1;
        let id = MemoryCheckId(Arc::new(Mutex::new(Entry {
            serial: self.next_serial,
            indexed: None,
            check,
            log: VecDeque::new(),
            removed: false,
        })));
        self.link(&id.lock().check, &id);
        self.by_uuid.insert(uuid, id.clone());
        self.checks.push(id.clone());
        id
    }

    fn link(&mut self, check: &Check, id: &MemoryCheckId) {
        let slugs = match &check.ping_key {
            Some(key) => self.by_slug.entry(key.clone()).or_default(),
            None => &mut self.unkeyed,
        };
        slugs
            .entry(check.slug.clone())
            .or_default()
            .push(id.clone());
    }

    fn unlink(&mut self, check: &Check, id: &MemoryCheckId) {
        let slugs = match &check.ping_key {
            Some(key) => self.by_slug.get_mut(key),
            None => Some(&mut self.unkeyed),
        };
        if let Some(ids) = slugs.and_then(|s| s.get_mut(&check.slug)) {
            ids.retain(|other| !Arc::ptr_eq(&other.0, &id.0));
        }
    }

    /// The checks with this ping key (or none) and slug.
    fn named(&self, ping_key: Option<&str>, slug: &str) -> &[MemoryCheckId] {
        let slugs = match ping_key {
            Some(key) => self.by_slug.get(key),
            None => Some(&self.unkeyed),
        };
        slugs
            .and_then(|slugs| slugs.get(slug))
            .map_or(&[], Vec::as_slice)
    }

    fn lookup(&self, ping_key: &str, slug: &str) -> Lookup<MemoryCheckId> {
        match self.named(Some(ping_key), slug) {
            [one] => Lookup::Found(one.clone()),
            [_, _, ..] => Lookup::Ambiguous,
            [] => Lookup::NotFound,
        }
    }

    fn knows_key(&self, ping_key: &str) -> bool {
        self.ping_keys.contains(ping_key) || self.by_slug.contains_key(ping_key)
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
            Lookup::NotFound => {
                let new = NewCheck::new(slug).slug(slug).ping_key(ping_key);
                let check = Check::new(
                    Uuid::new_v4(),
                    new.name,
                    new.slug,
                    new.ping_key,
                    new.rules,
                    new.initial,
                );
                (index.insert(check), Creation::Created)
            }
        };
        drop(index);
        self.apply_ping(&id, ping);
        Ok(outcome)
    }
}

#[async_trait]
impl MonitorStore for MemoryStore {
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Infallible> {
        Ok(self.sweep_at(now))
    }

    async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, Infallible> {
        let claimed = self.shared.lock_flips().claim(claim);
        Ok(self.shared.alerts(claimed))
    }

    async fn alerts_delivered(&self, ids: &[u64], _: SystemTime) -> Result<(), Infallible> {
        self.shared.lock_flips().delivered(ids);
        Ok(())
    }

    async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), Infallible> {
        self.shared
            .lock_flips()
            .unclaim(id, claimer, Some(retry_at));
        Ok(())
    }

    async fn release_alerts(&self, ids: &[u64], claimer: Uuid) -> Result<(), Infallible> {
        let mut log = self.shared.lock_flips();
        for id in ids {
            log.unclaim(*id, claimer, None);
        }
        Ok(())
    }

    fn signal(&self) -> Option<&MonitorSignal> {
        Some(&self.shared.signal)
    }

    /// Every deadline is set in this process and reported to the signal.
    fn is_shared(&self) -> bool {
        false
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("checks", &self.read().checks.len())
            .field("ping_log_limit", &self.shared.log_limit)
            .finish()
    }
}
