//! The example server's command line: every flag, with its default in
//! `--help`.

use std::net::SocketAddr;
use std::time::Duration;

use tower_ping::{Delivery, ForwardedHeaders, Prefix, RateLimit, SqlStoreOptions};

use crate::serve;

/// What the command line asks.
pub struct Options {
    pub listen: SocketAddr,
    pub checks: Option<String>,
    pub prefix: Prefix,
    pub body_limit: Option<usize>,
    pub forwarded: ForwardedHeaders,
    pub database_url: Option<String>,
    pub store: SqlStoreOptions,
    pub sweep_interval: Duration,
    pub rate_limit: Option<RateLimit>,
    /// `(name, URL)` of each webhook channel: `--channel NAME=URL`, and
    /// `--webhook URL` as the channel `webhook`.
    pub channels: Vec<(String, String)>,
    pub delivery: Delivery,
    pub limits: serve::Limits,
    pub body_timeout: Duration,
    pub max_concurrent_pings: Option<usize>,
    pub projects: Option<String>,
    pub site_root: Option<String>,
    pub check_limit: usize,
    pub max_undelivered_alerts: usize,
}

pub fn parse() -> Result<Options, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
        checks: None,
        prefix: Prefix::default(),
        body_limit: Some(tower_ping::DEFAULT_BODY_LIMIT),
        forwarded: ForwardedHeaders::Ignore,
        database_url: None,
        store: SqlStoreOptions::new(),
        sweep_interval: tower_ping::DEFAULT_SWEEP_INTERVAL,
        rate_limit: None,
        channels: Vec::new(),
        delivery: Delivery::new(),
        limits: serve::Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(10),
            max_connections: serve::default_max_connections(),
            shutdown_grace: Duration::from_secs(5),
        },
        body_timeout: Duration::from_secs(10),
        max_concurrent_pings: Some(DEFAULT_MAX_CONCURRENT_PINGS),
        projects: None,
        site_root: None,
        check_limit: tower_ping::DEFAULT_CHECK_LIMIT,
        max_undelivered_alerts: tower_ping::DEFAULT_MAX_UNDELIVERED_ALERTS,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let text = match flag.as_str() {
            "--help" | "-h" => String::new(),
            _ => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--listen" => {
                options.listen = text.parse().map_err(|e| format!("--listen {text}: {e}"))?;
            }
            "--checks" => options.checks = Some(text),
            "--projects" => options.projects = Some(text),
            "--site-root" => {
                let root = text.trim_end_matches('/');
                if !(root.starts_with("http://") || root.starts_with("https://")) {
                    return Err(format!(
                        "--site-root {text}: not an http:// or https:// URL"
                    ));
                }
                options.site_root = Some(root.to_owned());
            }
            "--check-limit" => options.check_limit = number(&flag, &text, "a number")?,
            "--prefix" => {
                options.prefix = Prefix::new(&text).map_err(|e| format!("--prefix {text}: {e}"))?;
            }
            "--body-limit" => {
                options.body_limit = match text.as_str() {
                    "none" => None,
                    _ => Some(number(&flag, &text, "a number or none")?),
                }
            }
            "--forwarded" => {
                options.forwarded = match text.as_str() {
                    "none" => ForwardedHeaders::Ignore,
                    "leftmost" => ForwardedHeaders::Leftmost,
                    _ => ForwardedHeaders::TrustedProxies(number(
                        &flag,
                        &text,
                        "none, leftmost or a count from 1",
                    )?),
                }
            }
            "--database-url" => options.database_url = Some(text),
            "--pool" => {
                options.store = options
                    .store
                    .max_connections(number(&flag, &text, "a number")?)
            }
            "--batch" => options.store = options.store.max_batch(number(&flag, &text, "a number")?),
            "--writers" => options.store = options.store.writers(number(&flag, &text, "a number")?),
            "--store-timeout-ms" => {
                let limit =
                    Duration::from_millis(number(&flag, &text, "a number of milliseconds")?);
                options.store = options.store.call_timeout(limit).acquire_timeout(limit);
            }
            "--sweep-interval-ms" => options.sweep_interval = millis(&flag, &text)?,
            "--rate-limit" => options.rate_limit = Some(rate_limit(&flag, &text)?),
            "--webhook" | "--channel" => {
                let (name, url) = match flag.as_str() {
                    "--webhook" => ("webhook", text.as_str()),
                    _ => text
                        .split_once('=')
                        .filter(|(name, _)| !name.is_empty())
                        .ok_or_else(|| format!("{flag} {text}: not NAME=URL"))?,
                };
                if options.channels.iter().any(|(known, _)| known == name) {
                    return Err(format!("{flag} {text}: channel {name:?} given twice"));
                }
                options.channels.push((name.to_owned(), url.to_owned()));
            }
            "--max-undelivered-alerts" => {
                let max: usize = number(&flag, &text, "a number")?;
                if max == 0 {
                    return Err(format!("{flag} {text}: not a number >= 1"));
                }
                options.max_undelivered_alerts = max;
            }
            "--notify-timeout-ms" => {
                let timeout = millis(&flag, &text)?;
                options.delivery = options.delivery.call_timeout(timeout);
            }
            "--lease-ms" => options.delivery = options.delivery.lease(millis(&flag, &text)?),
            "--retry-ms" => {
                let base = millis(&flag, &text)?;
                let cap = options.delivery.retry_cap;
                options.delivery = options.delivery.retry(base, cap);
            }
            "--header-read-timeout-ms" => {
                options.limits.header_read_timeout = millis(&flag, &text)?
            }
            "--idle-timeout-ms" => options.limits.idle_timeout = millis(&flag, &text)?,
            "--body-timeout-ms" => options.body_timeout = millis(&flag, &text)?,
            "--max-connections" => {
                options.limits.max_connections = number(&flag, &text, "a number")?;
                if options.limits.max_connections == 0 {
                    return Err(format!("{flag} {text}: not a number >= 1"));
                }
            }
            "--max-concurrent-pings" => {
                options.max_concurrent_pings = match text.as_str() {
                    "none" => None,
                    _ => Some(number(&flag, &text, "a number or none")?),
                }
            }
            "--retry-max-ms" => {
                let cap = millis(&flag, &text)?;
                let base = options.delivery.retry_base.min(cap);
                options.delivery = options.delivery.retry(base, cap);
            }
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}; try --help")),
        }
    }
    Ok(options)
}

/// Pings in flight at once, unless `--max-concurrent-pings` says otherwise.
pub const DEFAULT_MAX_CONCURRENT_PINGS: usize = 256;

/// `--help`: every flag, with its default.
pub const HELP: &str = "\
usage: server [OPTIONS]

Where it listens, and what it holds for clients:
  --listen ADDR                 address to listen on (default 127.0.0.1:8000)
  --header-read-timeout-ms MS   a request head must be complete this long after
                                accept, or after the previous response (10000)
  --idle-timeout-ms MS          close a connection without a byte either way
                                for this long (10000)
  --max-connections N           connections at once (default: 1024, or 64 under
                                the open-file limit when lower); at the limit the
                                connection waiting longest for a request is closed
  --body-timeout-ms MS          a ping's body must arrive within this (10000)
  --max-concurrent-pings N|none pings in flight at once; past it 503 (256)

The Pinging API:
  --prefix P                    where pings are mounted (/ping)
  --body-limit N|none           bytes kept of each ping body (10000)
  --forwarded none|leftmost|N   trust X-Forwarded-For/-Proto: not at all (none,
                                the default), the leftmost entry, or N proxies
  --rate-limit N/SECONDS        each check's pings past N a window are answered
                                but not recorded (off)

Projects and the Management API (at /api/v1/, /api/v2/, /api/v3/):
  --projects FILE               define projects from a JSON array of uuid, name,
                                ping_key, api_key, api_key_readonly, badge_key
                                (default: a demo project, keys printed at start)
  --site-root URL               the absolute base of the URLs the API writes
                                (default: http:// and the listen address)
  --check-limit N               checks a project may have; past it ?create=1
                                and the API create none (10000)

Checks and the store:
  --checks FILE                 define checks from a JSON array (default: demo checks)
  --database-url URL            sqlite://PATH or postgres://... (default: in memory)
  --pool N                      database connections (8)
  --batch N                     pings per transaction, at most (256)
  --writers N                   concurrent writer transactions, PostgreSQL (1)
  --store-timeout-ms MS         a store call's time limit, and a connection's (5000)
  --sweep-interval-ms MS        how often the monitor sweeps a shared database,
                                and reads the clock (1000)

Alerts:
  --channel NAME=URL            a webhook channel: post its alerts there as JSON
                                (repeatable; checks name their channels in
                                --checks; default: print every alert)
  --webhook URL                 the same as --channel webhook=URL
  --max-undelivered-alerts N    undelivered alerts kept per check and channel;
                                past it the oldest fold into the next (100)
  --notify-timeout-ms MS        a notifier call's time limit (10000)
  --lease-ms MS                 how long a claim on an alert holds unrenewed (10000)
  --retry-ms MS                 the first retry's wait (1000)
  --retry-max-ms MS             the longest wait between retries (60000)
";

/// A flag's value parsed as a number, or an error naming both.
fn number<T: std::str::FromStr>(flag: &str, text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} {text}: not {what}"))
}

/// A flag's value as a number of milliseconds, at least one.
fn millis(flag: &str, text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(Duration::from_millis(ms)),
        _ => Err(format!("{flag} {text}: not a number of milliseconds >= 1")),
    }
}

/// `N/SECONDS`, both whole numbers from 1, as a rate limit.
fn rate_limit(flag: &str, text: &str) -> Result<RateLimit, String> {
    let bad = || format!("{flag} {text}: not N/SECONDS with both from 1, such as 5/60");
    let (pings, seconds) = text.split_once('/').ok_or_else(bad)?;
    let pings: u32 = pings.parse().map_err(|_| bad())?;
    let seconds: u64 = seconds.parse().map_err(|_| bad())?;
    if pings == 0 || seconds == 0 {
        return Err(bad());
    }
    Ok(RateLimit::new(pings, Duration::from_secs(seconds)))
}
