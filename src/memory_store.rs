//! An in-process store: for tests, demos, and apps whose checks need not
//! survive a restart.

use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use async_trait::async_trait;
use uuid::Uuid;

use crate::check::{Check, LoggedPing, NewCheck, DEFAULT_PING_LOG_LIMIT};
use crate::grammar::Target;
use crate::ping::Ping;
use crate::state::{apply, Status};
use crate::store::{CheckStore, Creation, Lookup};

/// A [`CheckStore`] in memory: concurrency-safe, cheap to clone (clones share
/// the same checks), and gone when the process ends.
///
/// ```
/// use tower_ping::{MemoryStore, NewCheck, PingLayer};
///
/// let store = MemoryStore::new();
/// let uuid = store.add_check(NewCheck::new("Nightly backup").ping_key("my-ping-key"));
/// let layer = PingLayer::new(store.clone());
/// assert_eq!(store.check(uuid).unwrap().slug, "nightly-backup");
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

struct Shared {
    index: RwLock<Index>,
    log_limit: usize,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            index: RwLock::default(),
            log_limit: DEFAULT_PING_LOG_LIMIT,
        }
    }
}

#[derive(Default)]
struct Index {
    /// Every check, in the order added.
    checks: Vec<MemoryCheckId>,
    by_uuid: HashMap<Uuid, MemoryCheckId>,
    /// Ping key, then slug, to the checks sharing them.
    by_slug: HashMap<String, HashMap<String, Vec<MemoryCheckId>>>,
    /// Ping keys known without a check, from [`MemoryStore::add_ping_key`].
    ping_keys: HashSet<String>,
}

/// A check of a [`MemoryStore`], as resolved by it.
#[derive(Clone)]
pub struct MemoryCheckId(Arc<Mutex<Entry>>);

struct Entry {
    check: Check,
    log: VecDeque<LoggedPing>,
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
            shared: Arc::new(Shared {
                index: RwLock::default(),
                log_limit: limit,
            }),
        }
    }

    /// Adds a check and returns its UUID. A check with the same UUID is
    /// redefined (name, slug, ping key, rules, and status when it was given as
    /// paused), keeping its pings and state.
    pub fn add_check(&self, new: NewCheck) -> Uuid {
        let uuid = new.uuid;
        let mut index = self.write();
        if let Some(existing) = index.by_uuid.get(&uuid).cloned() {
            let mut entry = existing.lock();
            index.unlink_slug(&entry.check, &existing);
            let mut state = std::mem::take(&mut entry.check.state);
            if new.status == Status::Paused {
                state.status = Status::Paused;
            }
            entry.check = Check::from_new(new);
            entry.check.state = state;
            index.link_slug(&entry.check, &existing);
        } else {
            index.insert(Check::from_new(new));
        }
        uuid
    }

    /// Makes a ping key known, so that `?create=1` can create checks in its
    /// project before it has any.
    pub fn add_ping_key(&self, ping_key: impl Into<String>) {
        self.write().ping_keys.insert(ping_key.into());
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

    /// Applies a ping to a check and logs it, under the check's lock.
    fn apply_ping(&self, id: &MemoryCheckId, ping: Ping) {
        let mut entry = id.lock();
        let entry = &mut *entry;
        let transition = apply(&entry.check.state, &entry.check.rules, &ping);
        entry.log.push_back(LoggedPing::new(&transition, ping));
        while entry.log.len() > self.shared.log_limit {
            entry.log.pop_front();
        }
        entry.check.state = transition.state;
    }
}

impl Index {
    fn insert(&mut self, check: Check) -> MemoryCheckId {
        let uuid = check.uuid;
        let id = MemoryCheckId(Arc::new(Mutex::new(Entry {
            check,
            log: VecDeque::new(),
        })));
        self.link_slug(&id.lock().check, &id);
        self.by_uuid.insert(uuid, id.clone());
        self.checks.push(id.clone());
        id
    }

    fn link_slug(&mut self, check: &Check, id: &MemoryCheckId) {
        if let Some(key) = &check.ping_key {
            let slugs = self.by_slug.entry(key.clone()).or_default();
            slugs
                .entry(check.slug.clone())
                .or_default()
                .push(id.clone());
        }
    }

    fn unlink_slug(&mut self, check: &Check, id: &MemoryCheckId) {
        let Some(key) = &check.ping_key else { return };
        if let Some(ids) = self
            .by_slug
            .get_mut(key)
            .and_then(|s| s.get_mut(&check.slug))
        {
            ids.retain(|other| !Arc::ptr_eq(&other.0, &id.0));
        }
    }

    fn lookup(&self, ping_key: &str, slug: &str) -> Lookup<MemoryCheckId> {
        match self
            .by_slug
            .get(ping_key)
            .and_then(|slugs| slugs.get(slug))
            .map(Vec::as_slice)
        {
            Some([one]) => Lookup::Found(one.clone()),
            Some([_, _, ..]) => Lookup::Ambiguous,
            _ => Lookup::NotFound,
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
                (index.insert(Check::from_new(new)), Creation::Created)
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
            .finish()
    }
}
