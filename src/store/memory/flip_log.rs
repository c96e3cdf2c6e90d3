//! The memory store's flips: every flip recorded, by number, and the outbox
//! of alerts, with each alert's claim and retry time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::time::SystemTime;

use uuid::Uuid;

use crate::state::flip::Flip;
use crate::store::manage_store::FlipQuery;
use crate::store::monitor_store::Claim;
use crate::store::recorded_flip::RecordedFlip;

/// Every flip recorded, by number, and the outbox of alerts.
#[derive(Default)]
pub(super) struct FlipLog {
    next_id: u64,
    pub(super) flips: BTreeMap<u64, FlipEntry>,
    /// Alertable flips not yet delivered: the outbox.
    pending: BTreeSet<u64>,
    /// Each check's flips, oldest first, to prune the settled ones.
    by_check: HashMap<Uuid, VecDeque<u64>>,
}

pub(super) struct FlipEntry {
    pub(super) check: Uuid,
    pub(super) flip: Flip,
    pub(super) delivered: bool,
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

impl FlipLog {
    /// Records a flip, and prunes the check's settled flips beyond `keep`.
    pub(super) fn record(&mut self, check: Uuid, flip: Flip, keep: usize) {
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
    pub(super) fn forget(&mut self, check: Uuid) {
        for id in self.by_check.remove(&check).unwrap_or_default() {
            self.flips.remove(&id);
            self.pending.remove(&id);
        }
    }

    /// Leases the alerts whose turn has come: each check's oldest pending
    /// flip, unless claimed or waiting to be retried.
    pub(super) fn claim(&mut self, claim: Claim) -> Vec<(u64, u32, Uuid, Flip)> {
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

    pub(super) fn delivered(&mut self, ids: &[u64]) {
        for id in ids {
            if let Some(entry) = self.flips.get_mut(id) {
                entry.delivered = true;
                entry.claim = None;
                self.pending.remove(id);
            }
        }
    }

    /// Gives up `claimer`'s claim on `id`, to be retried from `retry_at`.
    pub(super) fn unclaim(&mut self, id: u64, claimer: Uuid, retry_at: Option<SystemTime>) {
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

impl FlipLog {
    /// The flips `query` admits, in its order.
    pub(super) fn list(&self, query: &FlipQuery) -> Vec<RecordedFlip> {
        let recorded = |id: &u64, entry: &FlipEntry| {
            RecordedFlip::new(*id, entry.check, entry.flip, entry.delivered)
        };
        let admits = |id: &u64, entry: &FlipEntry| query.admits(*id, entry.check, entry.flip.at);
        let ids: Box<dyn Iterator<Item = &u64>> = match query.check {
            // One check's flips, through its own list.
            Some(check) => {
                let ids = self.by_check.get(&check).into_iter().flatten();
                if query.newest_first {
                    Box::new(ids.rev())
                } else {
                    Box::new(ids)
                }
            }
            None if query.newest_first => Box::new(self.flips.keys().rev()),
            None => Box::new(self.flips.keys()),
        };
        ids.filter_map(|id| self.flips.get_key_value(id))
            .filter(|(id, entry)| admits(id, entry))
            .take(query.limit)
            .map(|(id, entry)| recorded(id, entry))
            .collect()
    }
}
