//! The memory store's side of the operator contract: projects, checks as
//! the Management API creates, edits and lists them, pings, flips,
//! channels.

use std::collections::HashSet;
use std::convert::Infallible;

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use super::MemoryStore;
use crate::state::check_state::CheckState;
use crate::state::rules::CheckRules;
use crate::state::status::Status;
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::check_spec::{CheckSpec, UniqueField};
use crate::store::cursor::Cursor;
use crate::store::define_error::DefineError;
use crate::store::logged_ping::LoggedPing;
use crate::store::manage_store::{
    CheckPage, CheckQuery, Created, DefinedSet, FlipQuery, ManageStore, Orphans, Resumed,
};
use crate::store::new_check::NewCheck;
use crate::store::project::{random_secret, NewProject, Project};
use crate::store::recorded_flip::RecordedFlip;

impl MemoryStore {
    fn define_project_now(&self, new: NewProject) -> Result<Project, DefineError> {
        new.validate()?;
        let mut index = self.write();
        let by_uuid = index.project_at(new.uuid);
        let by_key = index.project_with_key(&new.ping_key);
        let at = match (by_uuid, by_key) {
            (Some(a), Some(b)) if a != b => {
                return Err(DefineError::PingKeyTaken {
                    ping_key: new.ping_key,
                })
            }
            (Some(a), _) => Some(a),
            (None, Some(b)) if index.projects[b].is_implicit() => Some(b),
            (None, Some(_)) => {
                return Err(DefineError::PingKeyTaken {
                    ping_key: new.ping_key,
                })
            }
            (None, None) => None,
        };
        if let Some(badge_key) = &new.badge_key {
            let taken =
                index.projects.iter().enumerate().any(|(i, p)| {
                    Some(i) != at && p.badge_key.as_deref() == Some(badge_key.as_str())
                });
            if taken {
                return Err(DefineError::BadgeKeyTaken {
                    badge_key: badge_key.clone(),
                });
            }
        }
        let old = at.map(|at| index.projects[at].clone());
        let secret = old.as_ref().map_or_else(random_secret, |p| p.badge_secret);
        let mut project = Project::new(new.uuid, new.name, new.ping_key, secret);
        project.api_key = new.api_key;
        project.api_key_readonly = new.api_key_readonly;
        project.badge_key = new.badge_key;
        index.put_project(at, project.clone());
        if let Some(old) = old {
            if old.ping_key != project.ping_key || old.uuid != project.uuid {
                index.rekey(&old.ping_key, &project.ping_key, project.uuid);
            }
        }
        Ok(project)
    }

    fn define_set(
        &self,
        ping_key: &str,
        mut checks: Vec<NewCheck>,
        orphans: Orphans,
    ) -> Result<DefinedSet, DefineError> {
        NewCheck::validate_set(ping_key, &mut checks)?;
        let mut index = self.write();
        // The checks the set names, found before any is defined: a
        // definition that fails leaves the store as it was.
        for check in &checks {
            if check.uuid.is_none() && index.named(Some(ping_key), &check.slug).len() > 1 {
                return Err(DefineError::AmbiguousSlug {
                    ping_key: Some(ping_key.to_owned()),
                    slug: check.slug.clone(),
                });
            }
        }
        let mut defined = Vec::with_capacity(checks.len());
        for check in checks {
            defined.push(self.define_locked(&mut index, check)?);
        }
        let named: HashSet<Uuid> = defined.iter().copied().collect();
        let left: Vec<Check> = index
            .project_checks(ping_key)
            .iter()
            .map(|id| id.lock().check.clone())
            .filter(|check| !named.contains(&check.uuid))
            .collect();
        drop(index);
        if orphans == Orphans::Remove {
            for check in &left {
                self.remove_check(check.uuid);
            }
        }
        Ok(DefinedSet::new(defined, left))
    }

    fn create_now(&self, project: Uuid, spec: CheckSpec, unique: &[UniqueField]) -> Created {
        let mut index = self.write();
        let Some(at) = index.project_at(project) else {
            return Created::NoProject;
        };
        let ping_key = index.projects[at].ping_key.clone();
        for id in index.project_checks(&ping_key) {
            let mut entry = id.lock();
            if spec.matches(unique, &entry.check) == Some(true) {
                index.unlink(&entry.check, &id);
                spec.apply(&mut entry.check);
                index.link(&entry.check, &id);
                self.shared.index_deadline(&mut entry, &id);
                return Created::Updated(entry.check.clone());
            }
        }
        if index.count(&ping_key) >= self.shared.check_limit() {
            return Created::LimitReached;
        }
        let mut check = Check::new(
            Uuid::new_v4(),
            String::new(),
            String::new(),
            Some(ping_key),
            CheckRules::default(),
            CheckState::default(),
        );
        // As healthchecks does for checks made by the API: no channel.
        check.channels = Channels::none();
        check.badge_key = Uuid::new_v4();
        spec.apply(&mut check);
        let id = index.insert(check);
        let mut entry = id.lock();
        self.shared.index_deadline(&mut entry, &id);
        Created::Created(entry.check.clone())
    }

    fn update_now(&self, uuid: Uuid, spec: CheckSpec) -> Option<Check> {
        let mut index = self.write();
        let id = index.by_uuid.get(&uuid).cloned()?;
        let mut entry = id.lock();
        index.unlink(&entry.check, &id);
        spec.apply(&mut entry.check);
        index.link(&entry.check, &id);
        self.shared.index_deadline(&mut entry, &id);
        Some(entry.check.clone())
    }

    fn page(&self, query: &CheckQuery) -> CheckPage {
        let index = self.read();
        let after = query.after.map_or(0, |Cursor(serial)| serial);
        let start = index.checks.partition_point(|id| id.serial() <= after);
        let mut checks = Vec::new();
        let mut last = 0;
        for id in &index.checks[start..] {
            let entry = id.lock();
            if !query.admits(&entry.check) {
                continue;
            }
            if checks.len() == query.limit {
                // One more matches: the next page starts after the last kept.
                return CheckPage::new(checks, Some(Cursor(last)));
            }
            checks.push(entry.check.clone());
            last = id.serial();
        }
        CheckPage::new(checks, None)
    }
}

#[async_trait]
impl ManageStore for MemoryStore {
    async fn define_project(
        &self,
        project: NewProject,
    ) -> Result<Result<Project, DefineError>, Infallible> {
        Ok(self.define_project_now(project))
    }

    async fn project(&self, uuid: Uuid) -> Result<Option<Project>, Infallible> {
        let index = self.read();
        Ok(index.project_at(uuid).map(|at| index.projects[at].clone()))
    }

    async fn projects(&self) -> Result<Vec<Project>, Infallible> {
        Ok(self.read().projects.clone())
    }

    async fn projects_by_key(&self, lookup: &str) -> Result<Vec<Project>, Infallible> {
        let starts = |digest: &Option<crate::store::project::KeyDigest>| {
            digest.is_some_and(|d| d.to_hex().starts_with(lookup))
        };
        Ok(self
            .read()
            .projects
            .iter()
            .filter(|p| starts(&p.api_key) || starts(&p.api_key_readonly))
            .cloned()
            .collect())
    }

    async fn project_by_badge_key(&self, badge_key: &str) -> Result<Option<Project>, Infallible> {
        Ok(self
            .read()
            .projects
            .iter()
            .find(|p| p.badge_key.as_deref() == Some(badge_key))
            .cloned())
    }

    async fn define_check(&self, check: NewCheck) -> Result<Result<Uuid, DefineError>, Infallible> {
        Ok(self.add_check(check))
    }

    async fn define_checks(
        &self,
        ping_key: &str,
        checks: Vec<NewCheck>,
        orphans: Orphans,
    ) -> Result<Result<DefinedSet, DefineError>, Infallible> {
        Ok(self.define_set(ping_key, checks, orphans))
    }

    async fn create_check(
        &self,
        project: Uuid,
        spec: CheckSpec,
        unique: &[UniqueField],
    ) -> Result<Created, Infallible> {
        Ok(self.create_now(project, spec, unique))
    }

    async fn update_check(&self, uuid: Uuid, spec: CheckSpec) -> Result<Option<Check>, Infallible> {
        Ok(self.update_now(uuid, spec))
    }

    async fn check(&self, uuid: Uuid) -> Result<Option<Check>, Infallible> {
        Ok(MemoryStore::check(self, uuid))
    }

    async fn check_by_badge_key(&self, badge_key: Uuid) -> Result<Option<Check>, Infallible> {
        let Some(id) = self.read().by_badge_key.get(&badge_key).cloned() else {
            return Ok(None);
        };
        let entry = id.lock();
        Ok((!entry.removed).then(|| entry.check.clone()))
    }

    async fn checks(&self, query: CheckQuery) -> Result<CheckPage, Infallible> {
        Ok(self.page(&query))
    }

    async fn pause(&self, uuid: Uuid) -> Result<Option<Check>, Infallible> {
        Ok(self.change_state(uuid, CheckState::paused))
    }

    async fn resume(&self, uuid: Uuid) -> Result<Resumed, Infallible> {
        let Some(id) = self.read().by_uuid.get(&uuid).cloned() else {
            return Ok(Resumed::NotFound);
        };
        let mut entry = id.lock();
        if entry.removed {
            return Ok(Resumed::NotFound);
        }
        if entry.check.state.status != Status::Paused {
            return Ok(Resumed::NotPaused(entry.check.clone()));
        }
        entry.check.state = entry.check.state.resumed();
        self.shared.index_deadline(&mut entry, &id);
        Ok(Resumed::Resumed(entry.check.clone()))
    }

    async fn remove(&self, uuid: Uuid) -> Result<Option<Check>, Infallible> {
        Ok(self.remove_check(uuid))
    }

    async fn pings(&self, uuid: Uuid, limit: usize) -> Result<Option<Vec<LoggedPing>>, Infallible> {
        let Some(id) = self.read().by_uuid.get(&uuid).cloned() else {
            return Ok(None);
        };
        let entry = id.lock();
        Ok(Some(entry.log.iter().rev().take(limit).cloned().collect()))
    }

    async fn ping_body(&self, uuid: Uuid, n: u64) -> Result<Option<Bytes>, Infallible> {
        let Some(id) = self.read().by_uuid.get(&uuid).cloned() else {
            return Ok(None);
        };
        let entry = id.lock();
        Ok(entry
            .log
            .iter()
            .find(|ping| ping.n == n && !ping.body.is_empty())
            .map(|ping| ping.body.clone()))
    }

    async fn flips(&self, query: FlipQuery) -> Result<Vec<RecordedFlip>, Infallible> {
        Ok(self.shared.lock_flips().list(&query))
    }

    async fn define_channel(&self, channel: Channel) -> Result<(), Infallible> {
        self.add_channel(channel);
        Ok(())
    }

    async fn channels(&self) -> Result<Vec<Channel>, Infallible> {
        Ok(self.shared.lock_flips().outbox.channels.clone())
    }

    /// Memory never fails to take a write.
    async fn health(&self) -> Result<(), Infallible> {
        Ok(())
    }
}
