//! The methods both public stores have, each forwarding to the store's
//! [`Shared`](super::shared::Shared) state.
//!
//! A macro, not generics: [`SqliteStore`](crate::SqliteStore) and
//! [`PostgresStore`](crate::PostgresStore) are two named public types, and
//! these methods, with their documentation, are the same on both. Each
//! database's file writes what differs (the type's documentation, how it
//! connects) and then `forward_to_shared!(Store, PoolType);`.

macro_rules! forward_to_shared {
    ($store:ident, $pool:ty) => {
        impl $store {
            /// Applies the crate's migrations that the database lacks, recording
            /// them in `tower_ping_migrations`. [`connect`](Self::connect) calls it
            /// unless [`SqlStoreOptions::migrate`] turned that off.
            pub async fn migrate(&self) -> Result<(), $crate::SqlStoreError> {
                self.inner.migrate().await
            }

            /// Whether the store can write now: `Ok` while its writes
            /// succeed; after one failed for want of the database (a full
            /// disk, a lost connection, a timeout), `Ok` only once a write
            /// succeeds again, which this call tries itself (a probe write of
            /// one row, bounded by the call timeout). For a readiness check
            /// such as `/healthz`.
            pub async fn health(&self) -> Result<(), $crate::SqlStoreError> {
                self.inner.health().await
            }

            /// The store's connection pool.
            pub fn pool(&self) -> &$pool {
                &self.inner.pool
            }

            /// Defines a check: adds it, or redefines the check it names (see
            /// [`NewCheck`](crate::NewCheck): by UUID when it has one, else by
            /// ping key and slug), and returns its UUID, as
            /// [`MemoryStore::add_check`](crate::MemoryStore::add_check) does.
            /// Instances sharing the database that define the same check at
            /// once make one.
            pub async fn add_check(
                &self,
                new: $crate::NewCheck,
            ) -> Result<::uuid::Uuid, $crate::SqlStoreError> {
                self.inner.add_check(new).await
            }

            /// Makes a ping key known, so that `?create=1` can create checks in its
            /// project before it has any.
            pub async fn add_ping_key(&self, ping_key: &str) -> Result<(), $crate::SqlStoreError> {
                self.inner.add_ping_key(ping_key).await
            }

            /// Pauses a check: status paused, no run going, no deadline, no
            /// alert. `Ok(false)` when there is no such check.
            pub async fn pause(&self, uuid: ::uuid::Uuid) -> Result<bool, $crate::SqlStoreError> {
                self.inner
                    .change_state(uuid, $crate::CheckState::paused)
                    .await
                    .map(|check| check.is_some())
            }

            /// Resumes a paused check: status new, as if never pinged, no
            /// alert. A check that is not paused is left as it is.
            /// `Ok(false)` when there is no such check.
            pub async fn resume(&self, uuid: ::uuid::Uuid) -> Result<bool, $crate::SqlStoreError> {
                self.inner
                    .change_state(uuid, $crate::CheckState::resumed)
                    .await
                    .map(|check| check.is_some())
            }

            /// Removes a check with its pings and flips (alerts not yet
            /// delivered included). Its pings are then answered `404 not
            /// found` (by another instance sharing the database, `503` once
            /// first if it had the check's row id cached). `Ok(false)` when
            /// there is no such check.
            pub async fn remove(&self, uuid: ::uuid::Uuid) -> Result<bool, $crate::SqlStoreError> {
                self.inner.remove(uuid).await
            }

            /// Every flip of every check, oldest first.
            pub async fn flips(&self) -> Result<Vec<$crate::RecordedFlip>, $crate::SqlStoreError> {
                self.inner.flips().await
            }

            /// Every check with its current state, in the order added.
            pub async fn checks(&self) -> Result<Vec<$crate::Check>, $crate::SqlStoreError> {
                self.inner.checks().await
            }

            /// One check with its current state.
            pub async fn check(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner.check(uuid).await
            }

            /// A check's ping log, oldest first: at most the store's log limit.
            pub async fn pings(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<Vec<$crate::LoggedPing>>, $crate::SqlStoreError> {
                self.inner.pings(uuid).await
            }
        }

        #[::async_trait::async_trait]
        impl $crate::CheckStore for $store {
            /// The check's row and UUID.
            type CheckId = $crate::SqlCheckId;
            type Error = $crate::SqlStoreError;

            async fn resolve(
                &self,
                target: $crate::Target<'_>,
            ) -> Result<$crate::Lookup<$crate::SqlCheckId>, $crate::SqlStoreError> {
                self.inner.resolve(target).await
            }

            async fn record(
                &self,
                check: $crate::SqlCheckId,
                ping: $crate::Ping,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.record(check, ping).await
            }

            async fn create(
                &self,
                ping_key: &str,
                slug: &str,
                ping: $crate::Ping,
            ) -> Result<$crate::Creation, $crate::SqlStoreError> {
                self.inner.create(ping_key, slug, ping).await
            }
        }

        #[::async_trait::async_trait]
        impl $crate::MonitorStore for $store {
            async fn sweep(
                &self,
                now: ::std::time::SystemTime,
            ) -> Result<$crate::Sweep, $crate::SqlStoreError> {
                self.inner.sweep(now).await
            }

            async fn claim_alerts(
                &self,
                claim: $crate::Claim,
            ) -> Result<Vec<$crate::Alert>, $crate::SqlStoreError> {
                self.inner.claim_alerts(claim).await
            }

            async fn renew_alerts(
                &self,
                ids: &[u64],
                claimer: ::uuid::Uuid,
                until: ::std::time::SystemTime,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.renew_alerts(ids, claimer, until).await
            }

            async fn alerts_delivered(
                &self,
                ids: &[u64],
                now: ::std::time::SystemTime,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.alerts_delivered(ids, now).await
            }

            async fn alert_failed(
                &self,
                id: u64,
                claimer: ::uuid::Uuid,
                retry_at: ::std::time::SystemTime,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.alert_failed(id, claimer, retry_at).await
            }

            async fn release_alerts(
                &self,
                ids: &[u64],
                claimer: ::uuid::Uuid,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.release_alerts(ids, claimer).await
            }

            fn signal(&self) -> Option<&$crate::MonitorSignal> {
                Some(&self.inner.signal)
            }
        }

        #[::async_trait::async_trait]
        impl $crate::ManageStore for $store {
            async fn define_project(
                &self,
                project: $crate::NewProject,
            ) -> Result<Result<$crate::Project, $crate::DefineError>, $crate::SqlStoreError> {
                self.inner.define_project(project).await
            }

            async fn project(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<$crate::Project>, $crate::SqlStoreError> {
                self.inner.project(uuid).await
            }

            async fn projects(&self) -> Result<Vec<$crate::Project>, $crate::SqlStoreError> {
                self.inner.projects().await
            }

            async fn projects_by_key(
                &self,
                lookup: &str,
            ) -> Result<Vec<$crate::Project>, $crate::SqlStoreError> {
                self.inner.projects_by_key(lookup).await
            }

            async fn project_by_badge_key(
                &self,
                badge_key: &str,
            ) -> Result<Option<$crate::Project>, $crate::SqlStoreError> {
                self.inner.project_by_badge_key(badge_key).await
            }

            async fn define_check(
                &self,
                check: $crate::NewCheck,
            ) -> Result<Result<::uuid::Uuid, $crate::DefineError>, $crate::SqlStoreError> {
                match self.inner.add_check(check).await {
                    Ok(uuid) => Ok(Ok(uuid)),
                    Err($crate::SqlStoreError::Define(refused)) => Ok(Err(refused)),
                    Err(error) => Err(error),
                }
            }

            async fn define_checks(
                &self,
                ping_key: &str,
                checks: Vec<$crate::NewCheck>,
                orphans: $crate::Orphans,
            ) -> Result<Result<$crate::DefinedSet, $crate::DefineError>, $crate::SqlStoreError>
            {
                self.inner.define_set(ping_key, checks, orphans).await
            }

            async fn create_check(
                &self,
                project: ::uuid::Uuid,
                spec: $crate::CheckSpec,
                unique: &[$crate::UniqueField],
            ) -> Result<$crate::Created, $crate::SqlStoreError> {
                self.inner.create_check(project, spec, unique).await
            }

            async fn update_check(
                &self,
                uuid: ::uuid::Uuid,
                spec: $crate::CheckSpec,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner.update_check(uuid, spec).await
            }

            async fn check(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner.check(uuid).await
            }

            async fn check_by_badge_key(
                &self,
                badge_key: ::uuid::Uuid,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner
                    .check_where("c.badge_key", &badge_key.to_string())
                    .await
            }

            async fn checks(
                &self,
                query: $crate::CheckQuery,
            ) -> Result<$crate::CheckPage, $crate::SqlStoreError> {
                self.inner.check_page(query).await
            }

            async fn check_summaries(
                &self,
                query: $crate::CheckQuery,
            ) -> Result<$crate::SummaryPage, $crate::SqlStoreError> {
                self.inner.summary_page(query).await
            }

            async fn pause(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner
                    .change_state(uuid, $crate::CheckState::paused)
                    .await
            }

            async fn resume(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<$crate::Resumed, $crate::SqlStoreError> {
                self.inner.resume_check(uuid).await
            }

            async fn remove(
                &self,
                uuid: ::uuid::Uuid,
            ) -> Result<Option<$crate::Check>, $crate::SqlStoreError> {
                self.inner.remove_check(uuid).await
            }

            async fn pings(
                &self,
                uuid: ::uuid::Uuid,
                limit: usize,
            ) -> Result<Option<Vec<$crate::LoggedPing>>, $crate::SqlStoreError> {
                self.inner.recent_pings(uuid, limit).await
            }

            async fn ping_body(
                &self,
                uuid: ::uuid::Uuid,
                n: u64,
            ) -> Result<Option<::bytes::Bytes>, $crate::SqlStoreError> {
                self.inner.ping_body(uuid, n).await
            }

            async fn flips(
                &self,
                query: $crate::FlipQuery,
            ) -> Result<Vec<$crate::RecordedFlip>, $crate::SqlStoreError> {
                self.inner.flip_list(query).await
            }

            async fn define_channel(
                &self,
                channel: $crate::Channel,
            ) -> Result<(), $crate::SqlStoreError> {
                self.inner.define_channel(channel).await
            }

            async fn channels(&self) -> Result<Vec<$crate::Channel>, $crate::SqlStoreError> {
                self.inner.channels().await
            }

            async fn health(&self) -> Result<(), $crate::SqlStoreError> {
                self.inner.health().await
            }
        }

        impl ::std::fmt::Debug for $store {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($store))
                    .field("options", &self.inner.options)
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use forward_to_shared;
