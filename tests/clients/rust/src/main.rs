//! Drives the `healthchecks` crate (the Rust client of healthchecks.io,
//! unchanged) against a tower-ping server, for the tests in `tests/`:
//!
//! ```text
//! tower-ping-rust-client ping BASE_URL CHECK_UUID RUN_UUID
//! tower-ping-rust-client manage API_URL RW_KEY CHECK_UUID
//! ```
//!
//! `ping` sends, through the crate's ping client: a start and a success with
//! the run id, a start, a failure with a log, a failure and a success. It
//! prints what each call returned and exits with 1 unless every call
//! reported success. The tests check what the server recorded.
//!
//! `manage` calls the crate's Management API client (`manage`, v3) at
//! API_URL (`http://HOST/api/v3`): it lists checks, reads one, creates,
//! upserts, updates, pauses and deletes a check, lists channels, and tries
//! the two calls where the crate does not follow healthchecks (it POSTs to
//! `pings` and `flips`, which healthchecks answers `405`). It prints one line
//! per call, `name: what came back`, and exits with 1 when a call that should
//! work did not.

use std::process::ExitCode;

use uuid::Uuid;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["ping", base, check, run] => ping(base, check, run),
        ["manage", api, key, check] => manage(api, key, check),
        _ => Err(
            "usage: tower-ping-rust-client ping BASE_URL CHECK_UUID RUN_UUID | \
                  manage API_URL RW_KEY CHECK_UUID"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tower-ping-rust-client: {error}");
            ExitCode::FAILURE
        }
    }
}

fn ping(base: &str, check: &str, run: &str) -> Result<(), String> {
    let run: Uuid = run.parse().map_err(|e| format!("run id {run}: {e}"))?;
    let client = healthchecks::ping::get_client_with_url(check, base)
        .map_err(|e| format!("ping client for {check} at {base}: {e}"))?;
    let calls = [
        (
            "start_timer_with_run_id",
            client.start_timer_with_run_id(Some(&run)),
        ),
        (
            "report_success_with_run_id",
            client.report_success_with_run_id(Some(&run)),
        ),
        ("start_timer", client.start_timer()),
        (
            "report_failure_with_logs",
            client.report_failure_with_logs("backup failed: disk full"),
        ),
        ("report_failure", client.report_failure()),
        ("report_success", client.report_success()),
    ];
    let mut failed = Vec::new();
    for (name, ok) in calls {
        println!("{name}: {ok}");
        if !ok {
            failed.push(name);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "calls that did not report success: {}",
            failed.join(", ")
        ))
    }
}

fn manage(api: &str, key: &str, check: &str) -> Result<(), String> {
    use healthchecks::manage;
    use healthchecks::model::{NewCheck, UpdatedCheck};

    let client = manage::get_client_with_url(key.to_owned(), None, api.to_owned())
        .map_err(|e| format!("manage client: {e}"))?;
    let fail = |call: &str, e: &dyn std::fmt::Display| format!("{call}: {e}");

    let checks = client.get_checks().map_err(|e| fail("get_checks", &e))?;
    let mut names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    println!("get_checks: {}", names.join(","));

    let one = client.get_check(check).map_err(|e| fail("get_check", &e))?;
    println!("get_check: {} {} {}", one.name, one.status, one.n_pings);

    let new = NewCheck {
        name: Some("made by rust".into()),
        tags: Some("rs".into()),
        timeout: Some(3600),
        grace: Some(60),
        ..NewCheck::default()
    };
    let created = client
        .create_check(new.clone())
        .map_err(|e| fail("create_check", &e))?;
    let created_id = created
        .ping_url
        .as_deref()
        .and_then(|url| url.rsplit('/').next())
        .ok_or("create_check: no ping_url")?
        .to_owned();
    println!("create_check: {} {}", created.name, created.tags);

    let upsert = NewCheck {
        tags: Some("rs again".into()),
        unique: Some(vec!["name".into()]),
        ..new
    };
    let (result, upserted) = client
        .upsert_check(upsert)
        .map_err(|e| fail("upsert_check", &e))?;
    let result = match result {
        manage::UpsertResult::Created => "created",
        manage::UpsertResult::Updated => "updated",
    };
    println!("upsert_check: {result} {}", upserted.tags);

    let update = UpdatedCheck {
        name: Some("renamed by rust".into()),
        grace: Some(120),
        ..UpdatedCheck::default()
    };
    let updated = client
        .update_check(update, &created_id)
        .map_err(|e| fail("update_check", &e))?;
    println!("update_check: {} {}", updated.name, updated.grace);

    let paused = client.pause(&created_id).map_err(|e| fail("pause", &e))?;
    println!("pause: {}", paused.status);

    let channels = client
        .get_channels()
        .map_err(|e| fail("get_channels", &e))?;
    let kinds: Vec<&str> = channels.iter().map(|c| c.kind.as_str()).collect();
    println!("get_channels: {}", kinds.join(","));

    let deleted = client.delete(&created_id).map_err(|e| fail("delete", &e))?;
    println!("delete: {}", deleted.name);

    // Where the crate does not follow healthchecks: it POSTs these.
    match client.list_logged_pings(check) {
        Ok(pings) => println!("list_logged_pings: ok {}", pings.len()),
        Err(e) => println!("list_logged_pings: refused {e}"),
    }
    match client.list_status_changes(check) {
        Ok(flips) => println!("list_status_changes: ok {}", flips.len()),
        Err(e) => println!("list_status_changes: refused {e}"),
    }
    Ok(())
}
