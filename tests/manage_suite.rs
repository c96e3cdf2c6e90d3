//! The operator contract (`ManageStore`), run against every store with
//! explicit times: projects and their keys, checks created, upserted,
//! edited, listed, paused, resumed and removed as the Management API does,
//! pings newest first and their bodies, flips by check and time, channels,
//! whole sets of checks defined at start, and the check limit.

mod backends;
mod support;

use std::time::Duration;

use tower_ping::{
    Channel, Channels, CheckQuery, CheckSpec, CheckStore, Created, Creation, DefineError,
    FlipQuery, KeyDigest, Lookup, ManageStore, NewCheck, NewProject, Orphans, Ping, Resumed,
    Schedule, Signal, Status, Target, UniqueField,
};
use uuid::Uuid;

// The crate's stores: the custom store has no Management API.
use backends::{secs, t0, ManageBackend as Backend};

suite!(
    a_project_is_defined_by_uuid_and_keeps_its_secret,
    a_project_takes_over_a_ping_key_its_checks_made,
    another_projects_ping_key_or_badge_key_is_refused,
    keys_are_found_by_their_lookup,
    a_check_created_through_the_api_starts_from_the_defaults,
    unique_updates_the_oldest_match_instead_of_creating,
    the_check_limit_stops_creation_but_not_upserts,
    the_check_limit_and_slug_length_bound_create_pings,
    an_update_changes_only_what_it_names,
    checks_are_listed_a_page_at_a_time_by_project_tag_and_slug,
    a_check_is_found_by_its_own_badge_key,
    tags_match_whole_exactly_whatever_they_hold,
    summaries_list_the_same_checks_as_checks,
    pause_resume_and_remove_answer_with_the_check,
    pings_are_listed_newest_first_with_their_bodies,
    flips_are_listed_by_check_and_time,
    channels_are_registered_and_listed,
    a_set_of_checks_is_defined_whole_and_orphans_removed_or_kept,
    a_set_sharing_a_slug_is_refused_naming_both,
);

const KEY: &str = "manage-ping-key";

fn rw(n: u8) -> String {
    format!("hcw_{:0>28}", n)
}

fn project(n: u8) -> NewProject {
    NewProject::new(
        Uuid::from_u128(0x0b1ec7 + u128::from(n)),
        format!("Project {n}"),
        format!("project-{n}"),
    )
    .api_key(KeyDigest::of(&rw(n)))
    .api_key_readonly(KeyDigest::of(&format!("hcr_{:0>28}", n)))
    .badge_key(format!("badges-{n}"))
}

async fn define<B: Backend>(b: &B, new: NewProject) -> tower_ping::Project {
    match b.store().define_project(new).await {
        Ok(Ok(project)) => project,
        Ok(Err(refused)) => panic!("refused: {refused}"),
        Err(e) => panic!("store error: {e}"),
    }
}

async fn create<B: Backend>(b: &B, project: Uuid, spec: CheckSpec) -> tower_ping::Check {
    match b.store().create_check(project, spec, &[]).await {
        Ok(Created::Created(check)) => check,
        Ok(other) => panic!("not created: {other:?}"),
        Err(e) => panic!("store error: {e}"),
    }
}

async fn ping<B: Backend>(
    b: &B,
    uuid: Uuid,
    signal: Signal,
    at: std::time::SystemTime,
    body: &str,
) {
    let store = b.store();
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("no check {uuid}");
    };
    let mut ping = Ping::new(signal, at);
    ping.body = body.as_bytes().to_vec().into();
    if store.record(id, ping).await.is_err() {
        panic!("not recorded");
    }
}

macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(e) => panic!("store error: {e}"),
        }
    };
}

async fn a_project_is_defined_by_uuid_and_keeps_its_secret<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let first = define(&b, project(1)).await;
    let check = create(&b, first.uuid, CheckSpec::new().name("job").slug("job")).await;
    assert_eq!(check.project, Some(first.uuid));
    assert_eq!(check.ping_key.as_deref(), Some("project-1"));

    // Defined again: new name and ping key, same secret, same checks.
    let mut again = project(1);
    again.name = "Renamed".into();
    again.ping_key = "project-1-new".into();
    let second = define(&b, again).await;
    assert_eq!(second.badge_secret, first.badge_secret);
    assert_eq!(second.name, "Renamed");
    let moved = ok!(b.store().check(check.uuid).await).unwrap();
    assert_eq!(moved.ping_key.as_deref(), Some("project-1-new"));
    let store = b.store();
    assert!(matches!(
        store
            .resolve(Target::Slug {
                ping_key: "project-1-new",
                slug: "job"
            })
            .await,
        Ok(Lookup::Found(_))
    ));
    let projects = ok!(store.projects().await);
    assert_eq!(projects.len(), 1);
    assert_eq!(
        ok!(store.project(first.uuid).await).unwrap().name,
        "Renamed"
    );
    assert_eq!(
        ok!(store.project_by_badge_key("badges-1").await).map(|p| p.uuid),
        Some(first.uuid)
    );
}

async fn a_project_takes_over_a_ping_key_its_checks_made<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let old = b
        .add_check(NewCheck::new("Backup").ping_key("project-1"))
        .await;
    let project = define(&b, project(1)).await;
    let check = ok!(b.store().check(old).await).unwrap();
    assert_eq!(check.project, Some(project.uuid));
    let listed = ok!(b
        .store()
        .checks(CheckQuery::new(10).project(project.uuid))
        .await);
    assert_eq!(listed.checks.len(), 1);
}

async fn another_projects_ping_key_or_badge_key_is_refused<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    define(&b, project(1)).await;
    let mut thief = project(2);
    thief.ping_key = "project-1".into();
    assert!(matches!(
        ok!(b.store().define_project(thief).await),
        Err(DefineError::PingKeyTaken { .. })
    ));
    let mut thief = project(2);
    thief.badge_key = Some("badges-1".into());
    assert!(matches!(
        ok!(b.store().define_project(thief).await),
        Err(DefineError::BadgeKeyTaken { .. })
    ));
    let bad = NewProject::new(Uuid::new_v4(), "x", "has space");
    let refused = ok!(b.store().define_project(bad).await).unwrap_err();
    assert!(refused.to_string().contains("\"has space\""), "{refused}");
    assert_eq!(ok!(b.store().projects().await).len(), 1);
}

async fn keys_are_found_by_their_lookup<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let one = define(&b, project(1)).await;
    define(&b, project(2)).await;
    let digest = KeyDigest::of(&rw(1));
    let found = ok!(b.store().projects_by_key(&digest.lookup()).await);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].uuid, one.uuid);
    assert_eq!(
        found[0].access(&digest),
        Some(tower_ping::Access::ReadWrite)
    );
    let ro = KeyDigest::of(&format!("hcr_{:0>28}", 1));
    let found = ok!(b.store().projects_by_key(&ro.lookup()).await);
    assert_eq!(found[0].access(&ro), Some(tower_ping::Access::ReadOnly));
    let none = KeyDigest::of("hcw_nobody000000000000000000000");
    assert!(ok!(b.store().projects_by_key(&none.lookup()).await).is_empty());
}

async fn a_check_created_through_the_api_starts_from_the_defaults<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let check = create(&b, p.uuid, CheckSpec::new().name("Backups").tags("prod db")).await;
    assert_eq!(check.name, "Backups");
    assert_eq!(check.slug, "", "the API derives no slug by itself");
    assert_eq!(check.tags, "prod db");
    assert_eq!(check.channels, Channels::none());
    assert_ne!(check.badge_key, Uuid::nil());
    assert_eq!(
        check.rules.schedule.period(),
        Some(Duration::from_secs(86_400))
    );
    assert_eq!(check.rules.grace, Duration::from_secs(3600));
    assert_eq!(check.state.status, Status::New);
    let stored = ok!(b.store().check(check.uuid).await).unwrap();
    assert_eq!(stored, check);
    assert!(matches!(
        ok!(b
            .store()
            .create_check(Uuid::new_v4(), CheckSpec::new(), &[])
            .await),
        Created::NoProject
    ));
}

async fn unique_updates_the_oldest_match_instead_of_creating<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let first = create(&b, p.uuid, CheckSpec::new().name("dup").tags("a")).await;
    create(&b, p.uuid, CheckSpec::new().name("dup").tags("b")).await;
    let store = b.store();
    let spec = CheckSpec::new().name("dup").grace(secs(120));
    match ok!(store
        .create_check(p.uuid, spec.clone(), &[UniqueField::Name])
        .await)
    {
        Created::Updated(check) => {
            assert_eq!(check.uuid, first.uuid);
            assert_eq!(check.rules.grace, secs(120));
        }
        other => panic!("{other:?}"),
    }
    // A field `unique` lists but the request lacks: no lookup, a new check.
    match ok!(store.create_check(p.uuid, spec, &[UniqueField::Tags]).await) {
        Created::Created(check) => assert_ne!(check.uuid, first.uuid),
        other => panic!("{other:?}"),
    }
    // Another project's twin is never matched.
    let other = define(&b, project(2)).await;
    match ok!(store
        .create_check(
            other.uuid,
            CheckSpec::new().name("dup"),
            &[UniqueField::Name]
        )
        .await)
    {
        Created::Created(check) => assert_eq!(check.project, Some(other.uuid)),
        other => panic!("{other:?}"),
    }
}

async fn the_check_limit_stops_creation_but_not_upserts<B: Backend>() {
    let Some(b) = B::open_with(100, 2).await else {
        return;
    };
    let p = define(&b, project(1)).await;
    create(&b, p.uuid, CheckSpec::new().name("one")).await;
    // A check defined in code counts.
    b.add_check(NewCheck::new("two").ping_key("project-1"))
        .await;
    let store = b.store();
    assert!(matches!(
        ok!(store
            .create_check(p.uuid, CheckSpec::new().name("three"), &[])
            .await),
        Created::LimitReached
    ));
    assert!(matches!(
        ok!(store
            .create_check(p.uuid, CheckSpec::new().name("one"), &[UniqueField::Name])
            .await),
        Created::Updated(_)
    ));
    // Code may still define past it.
    b.add_check(NewCheck::new("three").ping_key("project-1"))
        .await;
    let all = ok!(store.checks(CheckQuery::new(10).project(p.uuid)).await);
    assert_eq!(all.checks.len(), 3);
}

async fn the_check_limit_and_slug_length_bound_create_pings<B: Backend>() {
    let Some(b) = B::open_with(100, 1).await else {
        return;
    };
    b.add_ping_key("limited").await;
    let store = b.store();
    let long = "a".repeat(101);
    let at = t0();
    assert_eq!(
        store
            .create("limited", &long, Ping::new(Signal::Success, at))
            .await
            .ok(),
        Some(Creation::NotFound),
        "a slug over 100 characters creates nothing"
    );
    assert_eq!(
        store
            .create("limited", "first", Ping::new(Signal::Success, at))
            .await
            .ok(),
        Some(Creation::Created)
    );
    assert_eq!(
        store
            .create("limited", "second", Ping::new(Signal::Success, at))
            .await
            .ok(),
        Some(Creation::NotFound),
        "past the limit"
    );
    assert_eq!(
        store
            .create("limited", "first", Ping::new(Signal::Success, at))
            .await
            .ok(),
        Some(Creation::Recorded),
        "an existing check is still pinged"
    );
}

async fn an_update_changes_only_what_it_names<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let check = create(
        &b,
        p.uuid,
        CheckSpec::new().name("job").slug("job").tags("x"),
    )
    .await;
    ping(&b, check.uuid, Signal::Success, t0(), "").await;
    let spec = CheckSpec::new()
        .slug("renamed")
        .schedule(Schedule::Period(secs(60)))
        .grace(secs(60));
    let updated = ok!(b.store().update_check(check.uuid, spec).await).unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.slug.as_str()),
        ("job", "renamed")
    );
    assert_eq!(updated.tags, "x");
    assert_eq!(updated.state.status, Status::Up, "editing is no flip");
    assert_eq!(updated.state.alert_after, Some(t0() + secs(120)));
    let store = b.store();
    assert!(matches!(
        store
            .resolve(Target::Slug {
                ping_key: "project-1",
                slug: "renamed"
            })
            .await,
        Ok(Lookup::Found(_))
    ));
    assert!(ok!(store.update_check(Uuid::new_v4(), CheckSpec::new()).await).is_none());
}

async fn checks_are_listed_a_page_at_a_time_by_project_tag_and_slug<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let other = define(&b, project(2)).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let tags = if i % 2 == 0 { "prod web" } else { "dev" };
        let spec = CheckSpec::new()
            .name(format!("c{i}"))
            .slug(format!("c{i}"))
            .tags(tags);
        made.push(create(&b, p.uuid, spec).await.uuid);
    }
    create(
        &b,
        other.uuid,
        CheckSpec::new().name("elsewhere").tags("prod"),
    )
    .await;
    let store = b.store();
    // Pages of 3, in the order created.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let query = CheckQuery::new(3).project(p.uuid).after(after);
        let page = ok!(store.checks(query).await);
        assert!(page.checks.len() <= 3);
        seen.extend(page.checks.iter().map(|c| c.uuid));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, made);
    let prod = ok!(store
        .checks(
            CheckQuery::new(100)
                .project(p.uuid)
                .tags(vec!["prod".into(), "web".into()])
        )
        .await);
    assert_eq!(prod.checks.len(), 4);
    // Whole tags only.
    let pro = ok!(store
        .checks(
            CheckQuery::new(100)
                .project(p.uuid)
                .tags(vec!["pro".into()])
        )
        .await);
    assert!(pro.checks.is_empty());
    let one = ok!(store
        .checks(CheckQuery::new(100).project(p.uuid).slug("c3"))
        .await);
    assert_eq!(one.checks.len(), 1);
    assert_eq!(one.checks[0].uuid, made[3]);
    let everything = ok!(store.checks(CheckQuery::new(100)).await);
    assert_eq!(everything.checks.len(), 8);
}

async fn tags_match_whole_exactly_whatever_they_hold<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let tags = [
        "a_b",
        "axb",
        "50%",
        "500",
        "Prod",
        "prod",
        "back\\slash",
        "x  y",
    ];
    let mut made = Vec::new();
    for (i, tags) in tags.iter().enumerate() {
        let spec = CheckSpec::new().name(format!("c{i}")).tags(*tags);
        made.push(create(&b, p.uuid, spec).await.uuid);
    }
    let store = b.store();
    let with = |tag: &str| {
        let store = store.clone();
        let query = CheckQuery::new(100)
            .project(p.uuid)
            .tags(vec![tag.to_owned()]);
        async move {
            let page = ok!(store.checks(query).await);
            page.checks
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(with("a_b").await, ["c0"]);
    assert_eq!(with("50%").await, ["c2"]);
    assert_eq!(with("prod").await, ["c5"]);
    assert_eq!(with("Prod").await, ["c4"]);
    assert_eq!(with("back\\slash").await, ["c6"]);
    assert_eq!(with("y").await, ["c7"]);
    assert!(with("a").await.is_empty());
    assert!(with("%").await.is_empty());
    assert!(with("").await.is_empty());
    // A page of one, then the next: the cursor skips what the tag does not
    // hold.
    let first = ok!(store
        .checks(CheckQuery::new(1).project(p.uuid).tags(vec!["x".into()]))
        .await);
    assert_eq!(first.checks.len(), 1);
    assert_eq!(first.next, None);
    assert_eq!(made.len(), tags.len());
}

async fn summaries_list_the_same_checks_as_checks<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let other = define(&b, project(2)).await;
    for i in 0..9 {
        let tags = if i % 3 == 0 { "prod web" } else { "dev" };
        let mut spec = CheckSpec::new()
            .name(format!("c{i}"))
            .slug(format!("c{i}"))
            .tags(tags)
            .grace(secs(60 + i));
        if i == 4 {
            spec =
                spec.schedule(tower_ping::CronSchedule::new("0 3 * * *", "Europe/Riga").unwrap());
        }
        let check = create(&b, p.uuid, spec).await;
        if i % 2 == 0 {
            ping(&b, check.uuid, Signal::Start, t0(), "").await;
            ping(&b, check.uuid, Signal::Success, t0() + secs(i), "").await;
        }
    }
    create(
        &b,
        other.uuid,
        CheckSpec::new().name("elsewhere").tags("prod"),
    )
    .await;
    let store = b.store();
    for query in [
        CheckQuery::new(4).project(p.uuid),
        CheckQuery::new(100)
            .project(p.uuid)
            .tags(vec!["prod".into()]),
        CheckQuery::new(100).project(p.uuid).slug("c4"),
        CheckQuery::new(3),
    ] {
        let mut after = None;
        loop {
            let checks = ok!(store.checks(query.clone().after(after)).await);
            let summaries = ok!(store.check_summaries(query.clone().after(after)).await);
            let expected: Vec<_> = checks
                .checks
                .iter()
                .map(tower_ping::CheckSummary::of)
                .collect();
            assert_eq!(summaries.summaries, expected, "{query:?}");
            assert_eq!(summaries.next, checks.next);
            for (summary, check) in summaries.summaries.iter().zip(&checks.checks) {
                let at = t0() + secs(3 * 24 * 3600);
                assert_eq!(summary.status_at(at), check.status_at(at));
            }
            match checks.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
}

async fn a_check_is_found_by_its_own_badge_key<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let api = create(&b, p.uuid, CheckSpec::new().name("made by the api")).await;
    let coded = b
        .add_check(NewCheck::new("defined in code").ping_key("project-1"))
        .await;
    let coded = ok!(b.store().check(coded).await).unwrap();
    let store = b.store();
    assert_ne!(api.badge_key, coded.badge_key);
    for check in [&api, &coded] {
        assert!(!check.badge_key.is_nil(), "every check gets a badge key");
        let found = ok!(store.check_by_badge_key(check.badge_key).await);
        assert_eq!(found.map(|c| c.uuid), Some(check.uuid));
    }
    // Not the check's UUID, not another key, not after removal.
    assert!(ok!(store.check_by_badge_key(api.uuid).await).is_none());
    assert!(ok!(store.check_by_badge_key(Uuid::new_v4()).await).is_none());
    ok!(store.remove(api.uuid).await);
    assert!(ok!(store.check_by_badge_key(api.badge_key).await).is_none());
    assert!(ok!(store.check_by_badge_key(coded.badge_key).await).is_some());
}

async fn pause_resume_and_remove_answer_with_the_check<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let p = define(&b, project(1)).await;
    let check = create(&b, p.uuid, CheckSpec::new().name("job")).await;
    ping(&b, check.uuid, Signal::Success, t0(), "").await;
    let store = b.store();
    assert!(matches!(
        ok!(store.resume(check.uuid).await),
        Resumed::NotPaused(c) if c.state.status == Status::Up
    ));
    let paused = ok!(store.pause(check.uuid).await).unwrap();
    assert_eq!(paused.state.status, Status::Paused);
    let again = ok!(store.pause(check.uuid).await).unwrap();
    assert_eq!(again.state.status, Status::Paused);
    match ok!(store.resume(check.uuid).await) {
        Resumed::Resumed(c) => {
            assert_eq!(c.state.status, Status::New);
            assert_eq!(c.state.last_ping, None);
        }
        other => panic!("{other:?}"),
    }
    // No flip for the user's own acts.
    assert!(ok!(store.flips(FlipQuery::new(10).check(check.uuid)).await)
        .iter()
        .all(|f| f.flip.new_status != Status::Paused));
    let removed = ok!(store.remove(check.uuid).await).unwrap();
    assert_eq!(removed.uuid, check.uuid);
    assert!(ok!(store.check(check.uuid).await).is_none());
    assert!(ok!(store.remove(check.uuid).await).is_none());
    assert!(ok!(store.pause(check.uuid).await).is_none());
    assert!(matches!(
        ok!(store.resume(check.uuid).await),
        Resumed::NotFound
    ));
}

async fn pings_are_listed_newest_first_with_their_bodies<B: Backend>() {
    let Some(b) = B::open(3).await else { return };
    let uuid = b.add_check(NewCheck::new("job")).await;
    for i in 1..=5u64 {
        let body = if i == 4 { "" } else { "log line" };
        ping(&b, uuid, Signal::Success, t0() + secs(i), body).await;
    }
    let store = b.store();
    let pings = ok!(store.pings(uuid, 100).await).unwrap();
    let numbers: Vec<u64> = pings.iter().map(|p| p.n).collect();
    assert_eq!(numbers, [5, 4, 3], "the log keeps 3");
    let two = ok!(store.pings(uuid, 2).await).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(
        ok!(store.ping_body(uuid, 5).await).as_deref(),
        Some(&b"log line"[..])
    );
    assert_eq!(ok!(store.ping_body(uuid, 4).await), None, "an empty body");
    assert_eq!(ok!(store.ping_body(uuid, 1).await), None, "pruned");
    assert_eq!(ok!(store.ping_body(uuid, 9).await), None);
    assert!(ok!(store.pings(Uuid::new_v4(), 10).await).is_none());
}

async fn flips_are_listed_by_check_and_time<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let one = b.add_check(NewCheck::new("one")).await;
    let two = b.add_check(NewCheck::new("two")).await;
    ping(&b, one, Signal::Success, t0(), "").await;
    ping(&b, one, Signal::Fail, t0() + secs(10), "").await;
    ping(&b, two, Signal::Success, t0() + secs(15), "").await;
    ping(&b, one, Signal::Success, t0() + secs(20), "").await;
    let store = b.store();
    let newest = ok!(store
        .flips(FlipQuery::new(10).check(one).newest_first())
        .await);
    let at: Vec<_> = newest.iter().map(|f| f.flip.at).collect();
    assert_eq!(at, [t0() + secs(20), t0() + secs(10), t0()]);
    let window = ok!(store
        .flips(
            FlipQuery::new(10)
                .check(one)
                .between(Some(t0() + secs(10)), Some(t0() + secs(20)))
        )
        .await);
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].flip.new_status, Status::Down);
    let all = ok!(store.flips(FlipQuery::new(10)).await);
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    let page = ok!(store.flips(FlipQuery::new(2)).await);
    let rest = ok!(store
        .flips(FlipQuery::new(10).after(Some(tower_ping::Cursor(page[1].id))))
        .await);
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[0].id, all[2].id);
}

async fn channels_are_registered_and_listed<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let store = b.store();
    let (a, c) = (Uuid::new_v4(), Uuid::new_v4());
    ok!(store
        .define_channel(Channel::new(a, "ops", "webhook"))
        .await);
    ok!(store.define_channel(Channel::new(c, "", "email")).await);
    ok!(store
        .define_channel(Channel::new(a, "ops room", "webhook"))
        .await);
    let channels = ok!(store.channels().await);
    assert_eq!(
        channels,
        [
            Channel::new(a, "ops room", "webhook"),
            Channel::new(c, "", "email")
        ]
    );
}

async fn a_set_of_checks_is_defined_whole_and_orphans_removed_or_kept<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let old = b.add_check(NewCheck::new("Old name").ping_key(KEY)).await;
    let kept = b.add_check(NewCheck::new("Kept").ping_key(KEY)).await;
    let elsewhere = b
        .add_check(NewCheck::new("Old name").ping_key("other"))
        .await;
    let store = b.store();
    let set = vec![NewCheck::new("Kept"), NewCheck::new("New name")];
    let defined = ok!(store.define_checks(KEY, set.clone(), Orphans::Keep).await).unwrap();
    assert_eq!(defined.defined[0], kept);
    assert_eq!(
        defined.orphans.iter().map(|c| c.uuid).collect::<Vec<_>>(),
        [old]
    );
    assert!(ok!(store.check(old).await).is_some(), "kept, as asked");
    let defined = ok!(store.define_checks(KEY, set, Orphans::Remove).await).unwrap();
    assert_eq!(defined.orphans.len(), 1);
    assert!(
        ok!(store.check(old).await).is_none(),
        "the renamed check's old self is gone"
    );
    assert!(
        ok!(store.check(elsewhere).await).is_some(),
        "another project is untouched"
    );
    let names: Vec<String> = ok!(store.checks(CheckQuery::new(10)).await)
        .checks
        .into_iter()
        .filter(|c| c.ping_key.as_deref() == Some(KEY))
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Kept", "New name"]);
}

async fn a_set_sharing_a_slug_is_refused_naming_both<B: Backend>() {
    let Some(b) = B::open(100).await else { return };
    let store = b.store();
    let set = vec![
        NewCheck::new("Dup"),
        NewCheck::new("Other"),
        NewCheck::new("dup"),
    ];
    let refused = ok!(store.define_checks(KEY, set, Orphans::Keep).await).unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("\"Dup\"") && text.contains("\"dup\""),
        "{text}"
    );
    assert!(
        ok!(store.checks(CheckQuery::new(10)).await)
            .checks
            .is_empty(),
        "nothing defined"
    );
    let bad = vec![NewCheck::new("ok"), NewCheck::new("bad").slug("a/b")];
    let refused = ok!(store.define_checks(KEY, bad, Orphans::Keep).await).unwrap_err();
    assert!(refused.to_string().contains("\"a/b\""), "{refused}");
    assert!(ok!(store.checks(CheckQuery::new(10)).await)
        .checks
        .is_empty());
}
