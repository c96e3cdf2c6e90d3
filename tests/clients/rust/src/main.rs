//! Drives the `healthchecks` crate (the Rust client of healthchecks.io,
//! unchanged) against a tower-ping server, for the tests in `tests/`:
//!
//! ```text
//! tower-ping-rust-client ping BASE_URL CHECK_UUID RUN_UUID
//! ```
//!
//! `ping` sends, through the crate's ping client: a start and a success with
//! the run id, a start, a failure with a log, a failure and a success. It
//! prints what each call returned and exits with 1 unless every call
//! reported success. The tests check what the server recorded.

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
        _ => Err("usage: tower-ping-rust-client ping BASE_URL CHECK_UUID RUN_UUID".into()),
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
