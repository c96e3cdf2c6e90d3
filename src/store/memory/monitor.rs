//! The memory store's side of the monitor: sweeping its deadline index, and
//! its outbox of alerts.

use std::convert::Infallible;
use std::sync::PoisonError;
use std::time::SystemTime;

use async_trait::async_trait;
use uuid::Uuid;

use super::{MemoryCheckId, MemoryStore, Shared};
use crate::state::deadline::expire;
use crate::state::flip::Flip;
use crate::store::alert::Alert;
use crate::store::monitor_signal::MonitorSignal;
use crate::store::monitor_store::{Claim, MonitorStore, Sweep};

impl MemoryStore {
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
}

impl Shared {
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
