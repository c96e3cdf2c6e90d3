//! The memory store's outbox: the alerts still to deliver, a queue per
//! (check, channel), each alert with its claim and retry time; and the
//! channels registered, which a flip's alerts fan out to.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::SystemTime;

use uuid::Uuid;

use crate::state::flip::Flip;
use crate::store::alert::DEFAULT_MAX_UNDELIVERED_ALERTS;
use crate::store::channel::{Channel, Channels};
use crate::store::monitor_store::Claim;

/// One (check, channel) pair: the key of a queue.
type QueueKey = (Uuid, Option<Uuid>);

/// An alert waiting in the outbox.
#[derive(Debug, Clone)]
pub(super) struct Queued {
    pub(super) check: Uuid,
    pub(super) channel: Option<Uuid>,
    pub(super) flip_id: u64,
    pub(super) flip: Flip,
    /// The reminder's number; 0 for a flip.
    pub(super) reminder: u32,
    pub(super) folded: u32,
    pub(super) attempts: u32,
    /// Not to be claimed before this, after a failed attempt.
    retry_at: Option<SystemTime>,
    /// Who holds it, and until when.
    claim: Option<(Uuid, SystemTime)>,
}

/// The alerts still to deliver, and the channels they go to.
pub(super) struct Outbox {
    next_id: u64,
    alerts: BTreeMap<u64, Queued>,
    /// Each (check, channel) pair's alerts, oldest first.
    queues: HashMap<QueueKey, VecDeque<u64>>,
    /// The oldest alert of each queue: the only ones a claim may take.
    heads: BTreeSet<u64>,
    /// Undelivered alerts per flip, to tell when a flip is settled.
    per_flip: HashMap<u64, u32>,
    /// The channels registered, in the order registered.
    pub(super) channels: Vec<Channel>,
    pub(super) max_undelivered: usize,
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            next_id: 0,
            alerts: BTreeMap::new(),
            queues: HashMap::new(),
            heads: BTreeSet::new(),
            per_flip: HashMap::new(),
            channels: Vec::new(),
            max_undelivered: DEFAULT_MAX_UNDELIVERED_ALERTS,
        }
    }
}

/// What queuing did: the alerts queued, and the flips whose every alert
/// was folded away (settled).
#[derive(Debug, Default)]
pub(super) struct QueuedReport {
    pub(super) queued: usize,
    pub(super) settled: Vec<u64>,
}

impl Outbox {
    /// Queues the alerts of flip `flip_id` of `check` (a reminder when
    /// `reminder` is not 0): one per channel of `channels` registered, or
    /// one without a channel when none is registered and the check alerts
    /// every channel. Folds each queue back to the bound, at `now`.
    pub(super) fn queue(
        &mut self,
        check: Uuid,
        channels: &Channels,
        flip_id: u64,
        flip: Flip,
        reminder: u32,
        now: SystemTime,
    ) -> QueuedReport {
        let targets: Vec<Option<Uuid>> = if self.channels.is_empty() {
            match channels {
                Channels::All => vec![None],
                Channels::Only(_) => Vec::new(),
            }
        } else {
            self.channels
                .iter()
                .filter(|channel| channels.includes(channel.id))
                .map(|channel| Some(channel.id))
                .collect()
        };
        let mut report = QueuedReport::default();
        for channel in targets {
            self.next_id += 1;
            let id = self.next_id;
            self.alerts.insert(
                id,
                Queued {
                    check,
                    channel,
                    flip_id,
                    flip,
                    reminder,
                    folded: 0,
                    attempts: 0,
                    retry_at: None,
                    claim: None,
                },
            );
            *self.per_flip.entry(flip_id).or_default() += 1;
            let queue = self.queues.entry((check, channel)).or_default();
            if queue.is_empty() {
                self.heads.insert(id);
            }
            queue.push_back(id);
            report.queued += 1;
            report.settled.extend(self.fold((check, channel), now));
        }
        report
    }

    /// Folds the queue `key` back to the bound: its oldest alerts not in
    /// flight fold into the oldest one kept. Returns the flips left with no
    /// alert.
    fn fold(&mut self, key: QueueKey, now: SystemTime) -> Vec<u64> {
        let Some(queue) = self.queues.get_mut(&key) else {
            return Vec::new();
        };
        let max = self.max_undelivered.max(1);
        if queue.len() <= max {
            return Vec::new();
        }
        let excess = queue.len() - max;
        let alerts = &self.alerts;
        let in_flight = queue
            .front()
            .is_some_and(|head| alerts[head].claim.is_some_and(|(_, until)| until > now));
        let start = usize::from(in_flight);
        let into = (start + excess).min(queue.len() - 1);
        if into <= start {
            return Vec::new();
        }
        let dropped: Vec<u64> = queue.drain(start..into).collect();
        let kept = queue[start];
        if start == 0 {
            // The head went: the alert folded into is the head now.
            self.heads.remove(&dropped[0]);
            self.heads.insert(kept);
        }
        let mut stands_for = 0u32;
        let mut settled = Vec::new();
        for id in dropped {
            let alert = self.alerts.remove(&id).expect("queued alerts are kept");
            stands_for = stands_for.saturating_add(alert.folded.saturating_add(1));
            if self.unflip(alert.flip_id) {
                settled.push(alert.flip_id);
            }
        }
        let kept = self.alerts.get_mut(&kept).expect("queued alerts are kept");
        kept.folded = kept.folded.saturating_add(stands_for);
        settled
    }

    /// One alert of `flip_id` fewer; whether it was its last.
    fn unflip(&mut self, flip_id: u64) -> bool {
        match self.per_flip.get_mut(&flip_id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                self.per_flip.remove(&flip_id);
                true
            }
            None => false,
        }
    }

    /// Whether flip `flip_id` has alerts still to deliver.
    pub(super) fn holds_flip(&self, flip_id: u64) -> bool {
        self.per_flip.contains_key(&flip_id)
    }

    /// Drops a removed check's alerts, delivered or not.
    pub(super) fn forget(&mut self, check: Uuid) {
        let keys: Vec<QueueKey> = self
            .queues
            .keys()
            .filter(|(of, _)| *of == check)
            .copied()
            .collect();
        for key in keys {
            for id in self.queues.remove(&key).unwrap_or_default() {
                self.heads.remove(&id);
                if let Some(alert) = self.alerts.remove(&id) {
                    self.unflip(alert.flip_id);
                }
            }
        }
    }

    /// Leases the alerts whose turn has come: each queue's oldest, unless
    /// claimed or waiting to be retried.
    pub(super) fn claim(&mut self, claim: Claim) -> Vec<(u64, Queued)> {
        let mut claimed = Vec::new();
        for id in &self.heads {
            if claimed.len() >= claim.max {
                break;
            }
            let alert = self.alerts.get_mut(id).expect("queue heads are kept");
            let held = alert.claim.is_some_and(|(_, until)| claim.held(until));
            let waiting = alert.retry_at.is_some_and(|at| !claim.retry_due(at));
            if held || waiting {
                continue;
            }
            alert.claim = Some((claim.claimer, claim.until()));
            alert.attempts += 1;
            claimed.push((*id, alert.clone()));
        }
        claimed
    }

    /// Extends `claimer`'s claims on `ids` to `until`.
    pub(super) fn renew(&mut self, ids: &[u64], claimer: Uuid, until: SystemTime) {
        for id in ids {
            if let Some(alert) = self.alerts.get_mut(id) {
                if let Some((who, held_until)) = &mut alert.claim {
                    if *who == claimer {
                        *held_until = until;
                    }
                }
            }
        }
    }

    /// Removes the delivered alerts `ids`; returns the flips they settled
    /// (no alert of theirs left).
    pub(super) fn delivered(&mut self, ids: &[u64]) -> Vec<u64> {
        let mut settled = Vec::new();
        for id in ids {
            let Some(alert) = self.alerts.remove(id) else {
                continue;
            };
            let key = (alert.check, alert.channel);
            if let Some(queue) = self.queues.get_mut(&key) {
                queue.retain(|queued| queued != id);
                self.heads.remove(id);
                match queue.front() {
                    Some(next) => {
                        self.heads.insert(*next);
                    }
                    None => {
                        self.queues.remove(&key);
                    }
                }
            }
            if self.unflip(alert.flip_id) {
                settled.push(alert.flip_id);
            }
        }
        settled
    }

    /// Gives up `claimer`'s claim on `id`, to be retried from `retry_at`.
    pub(super) fn unclaim(&mut self, id: u64, claimer: Uuid, retry_at: Option<SystemTime>) {
        let Some(alert) = self.alerts.get_mut(&id) else {
            return;
        };
        if alert.claim.map(|(who, _)| who) != Some(claimer) {
            return;
        }
        alert.claim = None;
        if retry_at.is_some() {
            alert.retry_at = retry_at;
        }
    }

    /// The undelivered alerts of every queue, oldest first: for tests and
    /// inspection.
    pub(super) fn len(&self) -> usize {
        self.alerts.len()
    }
}
