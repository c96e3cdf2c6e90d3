//! Two stores on one database, as two app processes: a check removed
//! through one while the other holds its row in its cache. The ping to the
//! removed check must not land on another check (SQLite gives a deleted
//! row's id to the next check defined), answers `503` once, then `404`.

mod support;

use tower_ping::async_trait;
use tower_ping::{CheckStore, NewCheck, PostgresStore, SqlStoreOptions, SqliteStore};
use uuid::Uuid;

use support::{app, get_status};

/// The calls the test makes on either SQL store.
#[async_trait]
trait Instance: CheckStore + Clone {
    async fn define(&self, check: NewCheck) -> Uuid;
    async fn remove_check(&self, uuid: Uuid) -> bool;
    async fn logged(&self, uuid: Uuid) -> Option<usize>;
}

macro_rules! instance {
    ($store:ty) => {
        #[async_trait]
        impl Instance for $store {
            async fn define(&self, check: NewCheck) -> Uuid {
                self.add_check(check).await.expect("defined")
            }
            async fn remove_check(&self, uuid: Uuid) -> bool {
                self.remove(uuid).await.expect("removed")
            }
            async fn logged(&self, uuid: Uuid) -> Option<usize> {
                self.pings(uuid).await.expect("listed").map(|p| p.len())
            }
        }
    };
}
instance!(SqliteStore);
instance!(PostgresStore);

async fn a_check_removed_by_another_process<S: Instance>(one: S, two: S) {
    let removed = one.define(NewCheck::new("Old job")).await;
    let one_app = app(one.clone());
    let ping = format!("/ping/{removed}");
    assert_eq!(get_status(&one_app, &ping).await, 200); // now in one's cache

    assert!(two.remove_check(removed).await);
    let new = two.define(NewCheck::new("New job")).await;

    // The cached row is not the check's any more: nothing is recorded.
    assert_eq!(get_status(&one_app, &ping).await, 503);
    assert_eq!(two.logged(new).await, Some(0), "the new check got no ping");
    // The cache forgot it: the check is looked up again, and is gone.
    assert_eq!(get_status(&one_app, &ping).await, 404);
    assert_eq!(get_status(&one_app, &format!("/ping/{new}")).await, 200);
    assert_eq!(one.logged(new).await, Some(1));
}

#[tokio::test]
async fn sqlite_a_check_removed_by_another_process_is_gone_not_another() {
    let dir = support::TempDb::new();
    let options = SqlStoreOptions::new;
    let one = SqliteStore::connect_with(&dir.url(), options())
        .await
        .unwrap();
    let two = SqliteStore::connect_with(&dir.url(), options())
        .await
        .unwrap();
    a_check_removed_by_another_process(one, two).await;
}

#[tokio::test]
async fn postgres_a_check_removed_by_another_process_is_gone() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    let options = SqlStoreOptions::new;
    let one = PostgresStore::connect_with_options(connect.clone(), options());
    let two = PostgresStore::connect_with_options(connect, options());
    a_check_removed_by_another_process(one.await.unwrap(), two.await.unwrap()).await;
}
