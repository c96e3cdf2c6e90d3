//! The memory store's index: its checks by UUID, by ping key and slug, in
//! the order created; its projects by ping key.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use uuid::Uuid;

use crate::store::check::Check;
use crate::store::check_store::Lookup;
use crate::store::logged_ping::LoggedPing;
use crate::store::project::{random_secret, Project};

/// A check of a [`MemoryStore`](crate::MemoryStore), as resolved by it.
#[derive(Clone)]
pub struct MemoryCheckId(pub(super) Arc<Slot>);

/// A check's place in the store: its serial (the order created, unique,
/// never reused) and its entry.
pub(super) struct Slot {
    pub(super) serial: u64,
    entry: Mutex<Entry>,
}

pub(super) struct Entry {
    /// The check's key in the deadline index: at or before its
    /// `alert_after` while it has one.
    pub(super) indexed: Option<SystemTime>,
    pub(super) check: Check,
    pub(super) log: VecDeque<LoggedPing>,
    /// Removed from the store; a ping resolved before the removal is dropped.
    pub(super) removed: bool,
}

impl MemoryCheckId {
    pub(super) fn lock(&self) -> MutexGuard<'_, Entry> {
        // A panic elsewhere never leaves an entry half-written: state and log
        // are replaced together after `apply` returns.
        self.0.entry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn serial(&self) -> u64 {
        self.0.serial
    }

    pub(super) fn is(&self, other: &MemoryCheckId) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for MemoryCheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MemoryCheckId")
            .field(&self.lock().check.uuid)
            .finish()
    }
}

/// Every check, project and channel of the store.
#[derive(Default)]
pub(super) struct Index {
    /// Every check, in the order created (ascending serials).
    pub(super) checks: Vec<MemoryCheckId>,
    pub(super) by_uuid: HashMap<Uuid, MemoryCheckId>,
    /// Every check by its own badge key (random, never changed).
    pub(super) by_badge_key: HashMap<Uuid, MemoryCheckId>,
    /// Ping key, then slug, to the checks sharing them.
    by_slug: HashMap<String, HashMap<String, Vec<MemoryCheckId>>>,
    /// Slugs of the checks without a ping key, which only `add_check` reads.
    unkeyed: HashMap<String, Vec<MemoryCheckId>>,
    /// How many checks each ping key has.
    counts: HashMap<String, usize>,
    /// Every project, in the order defined.
    pub(super) projects: Vec<Project>,
    /// Ping key to its project's place in `projects`.
    by_key: HashMap<String, usize>,
    next_serial: u64,
}

impl Index {
    /// Adds a check (its `project` set from its ping key, the project made
    /// when the key has none).
    pub(super) fn insert(&mut self, mut check: Check) -> MemoryCheckId {
        let uuid = check.uuid;
        check.project = check
            .ping_key
            .as_deref()
            .map(|key| self.project_for(key).uuid);
        self.next_serial += 1;
        let id = MemoryCheckId(Arc::new(Slot {
            serial: self.next_serial,
            entry: Mutex::new(Entry {
                indexed: None,
                check,
                log: VecDeque::new(),
                removed: false,
            }),
        }));
        let badge_key = id.lock().check.badge_key;
        self.link(&id.lock().check, &id);
        self.by_uuid.insert(uuid, id.clone());
        self.by_badge_key.insert(badge_key, id.clone());
        self.checks.push(id.clone());
        id
    }

    /// Takes a check out of the index.
    pub(super) fn delete(&mut self, id: &MemoryCheckId, check: &Check) {
        self.by_uuid.remove(&check.uuid);
        if self
            .by_badge_key
            .get(&check.badge_key)
            .is_some_and(|found| found.is(id))
        {
            self.by_badge_key.remove(&check.badge_key);
        }
        self.unlink(check, id);
        if let Ok(at) = self
            .checks
            .binary_search_by_key(&id.serial(), MemoryCheckId::serial)
        {
            self.checks.remove(at);
        }
    }

    /// Files a check under its ping key and slug.
    pub(super) fn link(&mut self, check: &Check, id: &MemoryCheckId) {
        let slugs = match &check.ping_key {
            Some(key) => {
                *self.counts.entry(key.clone()).or_default() += 1;
                self.by_slug.entry(key.clone()).or_default()
            }
            None => &mut self.unkeyed,
        };
        slugs
            .entry(check.slug.clone())
            .or_default()
            .push(id.clone());
    }

    /// Takes a check out from under its ping key and slug.
    pub(super) fn unlink(&mut self, check: &Check, id: &MemoryCheckId) {
        let slugs = match &check.ping_key {
            Some(key) => {
                if let Some(count) = self.counts.get_mut(key) {
                    *count = count.saturating_sub(1);
                }
                self.by_slug.get_mut(key)
            }
            None => Some(&mut self.unkeyed),
        };
        if let Some(ids) = slugs.and_then(|s| s.get_mut(&check.slug)) {
            ids.retain(|other| !other.is(id));
        }
    }

    /// The checks with this ping key (or none) and slug.
    pub(super) fn named(&self, ping_key: Option<&str>, slug: &str) -> &[MemoryCheckId] {
        let slugs = match ping_key {
            Some(key) => self.by_slug.get(key),
            None => Some(&self.unkeyed),
        };
        slugs
            .and_then(|slugs| slugs.get(slug))
            .map_or(&[], Vec::as_slice)
    }

    pub(super) fn lookup(&self, ping_key: &str, slug: &str) -> Lookup<MemoryCheckId> {
        match self.named(Some(ping_key), slug) {
            [one] => Lookup::Found(one.clone()),
            [_, _, ..] => Lookup::Ambiguous,
            [] => Lookup::NotFound,
        }
    }

    /// How many checks the project of `ping_key` has.
    pub(super) fn count(&self, ping_key: &str) -> usize {
        self.counts.get(ping_key).copied().unwrap_or(0)
    }

    /// The place in `projects` of the project with `ping_key`, if any.
    pub(super) fn project_with_key(&self, ping_key: &str) -> Option<usize> {
        self.by_key.get(ping_key).copied()
    }

    /// The project with `ping_key`, made (nameless, keyless) if missing.
    pub(super) fn project_for(&mut self, ping_key: &str) -> &Project {
        let at = match self.by_key.get(ping_key) {
            Some(&at) => at,
            None => {
                let project = Project::new(
                    Uuid::new_v4(),
                    String::new(),
                    ping_key.to_owned(),
                    random_secret(),
                );
                self.projects.push(project);
                self.by_key
                    .insert(ping_key.to_owned(), self.projects.len() - 1);
                self.projects.len() - 1
            }
        };
        &self.projects[at]
    }

    /// The place of project `uuid` in `projects`.
    pub(super) fn project_at(&self, uuid: Uuid) -> Option<usize> {
        self.projects.iter().position(|p| p.uuid == uuid)
    }

    /// Puts project `project` at `at` (or at the end), refiling it under
    /// its ping key.
    pub(super) fn put_project(&mut self, at: Option<usize>, project: Project) {
        let at = match at {
            Some(at) => {
                self.by_key.remove(&self.projects[at].ping_key);
                self.projects[at] = project;
                at
            }
            None => {
                self.projects.push(project);
                self.projects.len() - 1
            }
        };
        self.by_key.insert(self.projects[at].ping_key.clone(), at);
    }

    /// Whether `ping_key` names a project (a known ping key).
    pub(super) fn knows_key(&self, ping_key: &str) -> bool {
        self.by_key.contains_key(ping_key)
    }

    /// The UUIDs of the checks of the project with `ping_key`.
    pub(super) fn project_checks(&self, ping_key: &str) -> Vec<MemoryCheckId> {
        let mut ids: Vec<MemoryCheckId> = self
            .by_slug
            .get(ping_key)
            .into_iter()
            .flat_map(|slugs| slugs.values().flatten().cloned())
            .collect();
        ids.sort_by_key(MemoryCheckId::serial);
        ids
    }

    /// Takes the checks of ping key `old` under `new` (a project's ping
    /// key changed).
    pub(super) fn rekey(&mut self, old: &str, new: &str, project: Uuid) {
        let ids = self.project_checks(old);
        for id in &ids {
            let mut entry = id.lock();
            self.unlink(&entry.check, id);
            entry.check.ping_key = Some(new.to_owned());
            entry.check.project = Some(project);
            self.link(&entry.check, id);
        }
    }
}
