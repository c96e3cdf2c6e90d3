//! The memory store's side of the monitor: sweeping its deadline index, and
//! its outbox of alerts.

use std::convert::Infallible;
use std::sync::PoisonError;
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use super::outbox::Queued;
use super::{MemoryCheckId, MemoryStore, Shared};
use crate::events;
use crate::state::deadline::expire;
use crate::store::alert::Alert;
use crate::store::monitor_signal::MonitorSignal;
use crate::store::monitor_store::{Claim, MonitorStore, Sweep};

impl MemoryStore {
    /// Flips every check past its deadline at `now`, queues the reminders
    /// that came, and re-arms the others that were due:
    /// [`MonitorStore::sweep`], without the `async`.
    pub fn sweep_at(&self, now: SystemTime) -> Sweep {
        let due: Vec<MemoryCheckId> = self
            .shared
            .lock_deadlines()
            .range(..=(now, u64::MAX))
            .map(|(_, id)| id.clone())
            .collect();
        let (mut flipped, mut reminded, mut rearmed) = (0, 0, 0);
        let mut queued = 0;
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
            let check = &entry.check;
            if let Some(flip) = expiry.flip {
                self.shared.record_flip(check, flip, now);
                flipped += 1;
            } else if let Some(reminder) = expiry.reminder {
                queued += self.shared.lock_flips().remind(
                    check.uuid,
                    &check.channels,
                    reminder.number,
                    now,
                );
                events::reminded(&check.uuid, &reminder);
                reminded += 1;
            } else {
                rearmed += 1;
            }
        }
        if queued > 0 {
            self.shared.signal.flip();
        }
        let next_deadline = self
            .shared
            .lock_deadlines()
            .first_key_value()
            .map(|((deadline, _), _)| *deadline);
        Sweep::new(flipped, rearmed, next_deadline).reminded(reminded)
    }

    /// How many alerts wait in the outbox, claimed or not.
    pub fn undelivered_alerts(&self) -> usize {
        self.shared.lock_flips().outbox.len()
    }
}

impl Shared {
    /// The claimed alerts, with their checks and channels as they are now;
    /// a check removed since is left out (its alerts went with it).
    fn alerts(&self, claimed: Vec<(u64, Queued)>) -> Vec<Alert> {
        let channels = self.lock_flips().outbox.channels.clone();
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        claimed
            .into_iter()
            .filter_map(|(id, queued)| {
                let check = index.by_uuid.get(&queued.check)?.lock().check.clone();
                let channel = queued
                    .channel
                    .and_then(|id| channels.iter().find(|c| c.id == id).cloned());
                Some(
                    Alert::new(id, check, queued.flip)
                        .flip_id(queued.flip_id)
                        .attempt(queued.attempts)
                        .reminder(queued.reminder)
                        .folded(queued.folded)
                        .channel(channel),
                )
            })
            .collect()
    }
}

#[async_trait]
impl MonitorStore for MemoryStore {
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, Infallible> {
        Ok(self.sweep_at(now))
    }

    async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, Infallible> {
        let claimed = self.shared.lock_flips().outbox.claim(claim);
        Ok(self.shared.alerts(claimed))
    }

    async fn renew_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
        until: SystemTime,
    ) -> Result<(), Infallible> {
        self.shared.lock_flips().outbox.renew(ids, claimer, until);
        Ok(())
    }

    async fn alerts_delivered(&self, ids: &[u64], _: SystemTime) -> Result<(), Infallible> {
        let mut log = self.shared.lock_flips();
        let settled = log.outbox.delivered(ids);
        log.settle(&settled);
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
            .outbox
            .unclaim(id, claimer, Some(retry_at));
        Ok(())
    }

    async fn release_alerts(&self, ids: &[u64], claimer: Uuid) -> Result<(), Infallible> {
        let mut log = self.shared.lock_flips();
        for id in ids {
            log.outbox.unclaim(*id, claimer, None);
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
