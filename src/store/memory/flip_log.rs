//! The memory store's flips: every flip recorded, by number, each check's
//! newest kept, with the outbox of the alerts they queued.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::SystemTime;

use uuid::Uuid;

use super::outbox::Outbox;
use crate::state::flip::Flip;
use crate::store::channel::Channels;
use crate::store::manage_store::FlipQuery;
use crate::store::recorded_flip::RecordedFlip;

/// Every flip recorded, by number, and the outbox of alerts.
#[derive(Default)]
pub(super) struct FlipLog {
    next_id: u64,
    pub(super) flips: BTreeMap<u64, FlipEntry>,
    /// Each check's flips, oldest first, to prune the settled ones.
    by_check: HashMap<Uuid, VecDeque<u64>>,
    pub(super) outbox: Outbox,
}

pub(super) struct FlipEntry {
    pub(super) check: Uuid,
    pub(super) flip: Flip,
    /// Every alert it queued was delivered, or folded into a later one.
    pub(super) delivered: bool,
}

impl FlipLog {
    /// Records a flip of `check` at `now`, queues its alerts to `channels`
    /// when it is alertable, and prunes the check's settled flips beyond
    /// `keep`. Returns the flip's number and how many alerts it queued.
    pub(super) fn record(
        &mut self,
        check: Uuid,
        channels: &Channels,
        flip: Flip,
        keep: usize,
        now: SystemTime,
    ) -> (u64, usize) {
        self.next_id += 1;
        let id = self.next_id;
        self.flips.insert(
            id,
            FlipEntry {
                check,
                flip,
                delivered: false,
            },
        );
        self.by_check.entry(check).or_default().push_back(id);
        let queued = if flip.is_alertable() {
            self.queue(check, channels, id, 0, now)
        } else {
            0
        };
        self.prune(check, keep);
        (id, queued)
    }

    /// Queues reminder `number` of `check`'s latest flip (its down flip);
    /// how many alerts it queued.
    pub(super) fn remind(
        &mut self,
        check: Uuid,
        channels: &Channels,
        number: u32,
        now: SystemTime,
    ) -> usize {
        let Some(latest) = self.by_check.get(&check).and_then(|ids| ids.back()) else {
            return 0;
        };
        self.queue(check, channels, *latest, number, now)
    }

    fn queue(
        &mut self,
        check: Uuid,
        channels: &Channels,
        flip_id: u64,
        reminder: u32,
        now: SystemTime,
    ) -> usize {
        let flip = self.flips[&flip_id].flip;
        let report = self
            .outbox
            .queue(check, channels, flip_id, flip, reminder, now);
        self.settle(&report.settled);
        report.queued
    }

    /// Marks the flips `ids` delivered: no alert of theirs is left.
    pub(super) fn settle(&mut self, ids: &[u64]) {
        for id in ids {
            if let Some(entry) = self.flips.get_mut(id) {
                entry.delivered = true;
            }
        }
    }

    /// The check keeps its newest `keep` flips (at least one: a reminder
    /// carries the latest), and older ones with alerts
    /// still to deliver.
    fn prune(&mut self, check: Uuid, keep: usize) {
        let Some(ids) = self.by_check.get_mut(&check) else {
            return;
        };
        let mut older = ids.len();
        let (flips, outbox) = (&mut self.flips, &self.outbox);
        ids.retain(|id| {
            older -= 1;
            let prune = older >= keep.max(1) && !outbox.holds_flip(*id);
            if prune {
                flips.remove(id);
            }
            !prune
        });
    }

    /// Drops a removed check's flips and alerts, delivered or not.
    pub(super) fn forget(&mut self, check: Uuid) {
        for id in self.by_check.remove(&check).unwrap_or_default() {
            self.flips.remove(&id);
        }
        self.outbox.forget(check);
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
