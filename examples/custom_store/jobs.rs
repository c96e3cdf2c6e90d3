//! The app's own data (teams, jobs) as tower-ping's store: the pings, the
//! monitor and the alerts, all of it.
//!
//! A store is what tower-ping reads and writes, implemented over your data.
//! `JobStore` implements both contracts:
//!
//! - `CheckStore`, for the `PingLayer`: `resolve` finds the job a ping URL
//!   names, `record` applies the ping with `tower_ping::apply` and keeps
//!   what it returns. `create` (for `?create=1`) keeps its default, which
//!   answers 404: this app makes its jobs itself.
//! - `MonitorStore`, for the `Monitor`: `sweep` finds the jobs whose time
//!   came through a deadline index and passes each through
//!   `tower_ping::expire`; an outbox keeps every alert until a notifier took
//!   it, in a queue per (job, channel); `signal` wakes the monitor of this
//!   process early.
//!
//! Everything sits behind one mutex, and each method holds it from its first
//! read to its last write. That makes each method atomic, which is what the
//! contracts ask: a ping is applied to the state as it is, a sweep never
//! flips a job that a ping just brought back, an alert is never claimed
//! twice. A store on a database gets the same from a transaction and row
//! locks. Clarity over speed: lookups scan, the outbox is searched queue by
//! queue; that is plenty for an app's jobs, and an index fixes what you have
//! many of.
//!
//! docs/stores.md ("Writing your own store") says what each part is for;
//! the shared test suites run against this file (tests/backends/mod.rs).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tower_ping::uuid::Uuid;
use tower_ping::{
    apply, async_trait, expire, Alert, Channel, Channels, Check, CheckRules, CheckState,
    CheckStore, Claim, DefineError, Flip, LoggedPing, Lookup, MonitorSignal, MonitorStore,
    NewCheck, Ping, RecordedFlip, Sweep, Target,
};

/// How much of each job's past the store keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Pings kept per job, and flips: a flip with an alert still to deliver
    /// is kept however old it is.
    pub history: usize,
    /// Undelivered alerts kept per (job, channel): past it, the oldest ones
    /// not in flight fold into the next, whose `Alert::folded` counts them.
    /// This bounds the outbox while a channel is down for days.
    pub undelivered: usize,
}

impl Default for Limits {
    /// The crate's own stores' defaults: 100 of each.
    fn default() -> Self {
        Limits {
            history: tower_ping::DEFAULT_PING_LOG_LIMIT,
            undelivered: tower_ping::DEFAULT_MAX_UNDELIVERED_ALERTS,
        }
    }
}

/// The store: a handle on the app's data. Clones share it, so one goes to
/// the `PingLayer`, one to the `Monitor` and one to the app's own routes.
#[derive(Clone)]
pub struct JobStore {
    shared: Arc<Shared>,
}

struct Shared {
    data: Mutex<Data>,
    /// Where the store reports what the monitor of this process should wake
    /// for: an early deadline, alerts to deliver.
    signal: MonitorSignal,
}

/// A job as the app shows it (`GET /jobs`).
pub struct JobReport {
    /// The name of the team whose ping key the job has.
    pub team: Option<String>,
    /// The job as tower-ping's `Check`: name, slug, rules, state.
    pub check: Check,
    /// Its last pings, oldest first.
    pub pings: Vec<LoggedPing>,
    /// Its flips kept, oldest first.
    pub flips: Vec<RecordedFlip>,
}

/// The only way a call fails: the job was removed between `resolve` and
/// `record`. The layer answers `503` (and hands this to its error hook); a
/// client that retries gets `404`.
#[derive(Debug)]
pub struct JobGone(u64);

impl fmt::Display for JobGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job {} was removed while a ping for it was on its way",
            self.0
        )
    }
}

impl std::error::Error for JobGone {}

/// Everything the store keeps, behind the one mutex.
struct Data {
    limits: Limits,
    /// The last number given to a job, a flip or an alert. One counter for
    /// all three: each number is unique and later ones are larger, which is
    /// all the store needs of them.
    last_id: u64,
    /// The app's teams, by ping key: a job with a team's ping key is the
    /// team's.
    teams: BTreeMap<String, String>,
    /// The jobs, by the app's own id (what `resolve` hands `record`).
    jobs: BTreeMap<u64, Job>,
    /// The deadline index: `(alert_after, job)` for every job whose
    /// `alert_after` is set, changed with it (`set_state`), so that a sweep
    /// reads the jobs whose time came and no other. In a database, an index
    /// on the column.
    deadlines: BTreeSet<(SystemTime, u64)>,
    /// The flips kept, by number.
    flips: BTreeMap<u64, FlipEntry>,
    /// The app's channels, in the order added.
    channels: Vec<Channel>,
    /// The outbox: each (job, channel) pair's undelivered alerts, oldest
    /// first. The channel is `None` for the alerts of an app without
    /// channels.
    outbox: BTreeMap<QueueKey, VecDeque<Queued>>,
}

/// A queue of the outbox: a job and one of its channels.
type QueueKey = (u64, Option<Uuid>);

/// A job of the app: what the app defines, and what tower-ping keeps.
struct Job {
    /// `/ping/<uuid>` pings it.
    uuid: Uuid,
    name: String,
    /// `/ping/<ping key>/<slug>` pings it.
    slug: String,
    /// Its team's ping key; `None` for a job pinged by UUID only.
    ping_key: Option<String>,
    tags: String,
    desc: String,
    /// Which of the app's channels hear of it.
    channels: Channels,
    /// Its schedule, grace and alert policy.
    rules: CheckRules,
    /// Where it stands. Computed by tower-ping's functions only (`apply`,
    /// `expire`, `CheckState::paused`, `resumed`, `rearmed`): the store
    /// keeps every field, and changes it through `Data::set_state`.
    state: CheckState,
    /// Its last pings, oldest first.
    pings: VecDeque<LoggedPing>,
    /// The numbers of its flips kept, oldest first.
    flips: VecDeque<u64>,
}

/// A flip, as kept.
struct FlipEntry {
    flip: Flip,
    /// How many of its alerts (reminders of it included) are in the outbox.
    undelivered: usize,
    /// Every alert it queued left the outbox, delivered or folded into a
    /// later one. (A flip that queued none, such as new to up, stays
    /// undelivered.)
    delivered: bool,
}

/// An alert in the outbox.
#[derive(Clone)]
struct Queued {
    id: u64,
    /// The flip it tells of; for a reminder, the down flip.
    flip: u64,
    /// The reminder's number; 0 for the flip itself.
    reminder: u32,
    /// How many older alerts of its queue were folded into it.
    folded: u32,
    /// How many times it was claimed.
    attempts: u32,
    /// After a failed attempt: not to be claimed before this.
    retry_at: Option<SystemTime>,
    /// Who holds it, and until when.
    claim: Option<(Uuid, SystemTime)>,
}

/// What a change means for the monitor of this process, told to the signal
/// once the change is made (`JobStore::wake`).
#[must_use]
struct Wake {
    /// The job's `alert_after`, as the change left it.
    deadline: Option<SystemTime>,
    /// Alerts were queued.
    alerts: bool,
}

impl JobStore {
    /// An empty store, keeping `limits` of each job's past.
    pub fn new(limits: Limits) -> Self {
        let data = Data {
            limits,
            last_id: 0,
            teams: BTreeMap::new(),
            jobs: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            flips: BTreeMap::new(),
            channels: Vec::new(),
            outbox: BTreeMap::new(),
        };
        JobStore {
            shared: Arc::new(Shared {
                data: Mutex::new(data),
                signal: MonitorSignal::new(),
            }),
        }
    }

    /// Adds a team, or renames the team of `ping_key`.
    pub fn add_team(&self, name: &str, ping_key: &str) {
        self.data().teams.insert(ping_key.into(), name.into());
    }

    /// Adds a channel, or renames the one with its id. From now on the
    /// alerts of every job that alerts it go to it too: the jobs alerting
    /// every channel (`Channels::All`), and those naming it. The monitor
    /// hands its alerts to the notifier given for it (`Monitor::channel`),
    /// else to its `notifier`.
    pub fn add_channel(&self, channel: Channel) {
        let channels = &mut self.data().channels;
        match channels.iter_mut().find(|known| known.id == channel.id) {
            Some(known) => *known = channel,
            None => channels.push(channel),
        }
    }

    /// Defines a job from tower-ping's `NewCheck` (name, slug, ping key,
    /// schedule, grace, alert policy, channels), or redefines the job it
    /// names: the one with its UUID, else the one with its ping key and
    /// slug, so that an app declaring its jobs on every start keeps them.
    /// Returns the job's UUID. `NewCheck::validate` says what is refused;
    /// so is a definition without a UUID that names two jobs.
    pub fn define_job(&self, job: NewCheck) -> Result<Uuid, DefineError> {
        let (uuid, wake) = self.data().define(job)?;
        self.wake(wake);
        Ok(uuid)
    }

    /// Pauses a job: no deadline, no alert until it is pinged or resumed.
    /// Returns `false` when there is no such job.
    pub fn pause(&self, uuid: Uuid) -> bool {
        self.act(uuid, CheckState::paused)
    }

    /// Resumes a paused job: new, as if never pinged. Returns `false` when
    /// there is no such job.
    pub fn resume(&self, uuid: Uuid) -> bool {
        self.act(uuid, CheckState::resumed)
    }

    /// Removes a job with its pings, its flips and its alerts not yet
    /// delivered (nobody is to hear of a job that is gone). Returns `false`
    /// when there is no such job.
    pub fn remove(&self, uuid: Uuid) -> bool {
        self.data().remove(uuid)
    }

    /// Every job, in the order defined.
    pub fn jobs(&self) -> Vec<JobReport> {
        self.data().report()
    }

    /// One of the user's own acts on a job's state, which changes it
    /// without a flip and without an alert.
    fn act(&self, uuid: Uuid, act: fn(&CheckState) -> CheckState) -> bool {
        let Some(wake) = self.data().act(uuid, act) else {
            return false;
        };
        self.wake(wake);
        true
    }

    /// The data, locked until the guard is dropped. A panic while it was
    /// locked (a bug) poisons the mutex; the data is as the panic left it,
    /// and the store goes on rather than failing every ping after it.
    fn data(&self) -> MutexGuard<'_, Data> {
        self.shared
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the monitor of this process what a change just made means,
    /// once the lock is released (a database store: once committed), so
    /// that when it looks, it finds the change. A deadline wakes it if it
    /// is earlier than it planned to wake (a job with a short period, a job
    /// just defined); reporting every deadline is cheap. Alerts queued make
    /// it claim at once, rather than at its next poll.
    fn wake(&self, wake: Wake) {
        if let Some(deadline) = wake.deadline {
            self.shared.signal.deadline(deadline);
        }
        if wake.alerts {
            self.shared.signal.flip();
        }
    }
}

#[async_trait]
impl CheckStore for JobStore {
    /// The app's own primary key.
    type CheckId = u64;
    type Error = JobGone;

    /// The job a ping URL names: by its UUID, or by its team's ping key and
    /// its slug. Two jobs of a team sharing a slug answer `409`.
    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<u64>, JobGone> {
        let data = self.data();
        let mut found = data.jobs.iter().filter(|(_, job)| match target {
            Target::Uuid(uuid) => job.uuid == uuid,
            Target::Slug { ping_key, slug } => {
                job.ping_key.as_deref() == Some(ping_key) && job.slug == slug
            }
        });
        Ok(match (found.next(), found.next()) {
            (Some((id, _)), None) => Lookup::Found(*id),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            (None, _) => Lookup::NotFound,
        })
    }

    /// Applies the ping to the job and keeps the result: the new state, the
    /// ping in its log, its flips with their alerts. All of it under the one
    /// lock, so concurrent pings of a job are numbered one after the other,
    /// and a sweep sees the job before the ping or after it, never between.
    /// The layer answers `200` once this returns: in memory, that is at once.
    async fn record(&self, id: u64, ping: Ping) -> Result<(), JobGone> {
        let wake = self.data().record(id, ping)?;
        self.wake(wake);
        Ok(())
    }

    // `create` keeps its default (`Creation::NotFound`, so `404`): this app
    // makes jobs itself, never from a `?create=1` ping.
}

#[async_trait]
impl MonitorStore for JobStore {
    /// Passes every job whose `alert_after` came through `expire`: down
    /// (dated at its deadline), or reminded of, or re-armed. The monitor
    /// calls it at the deadlines the store reports.
    async fn sweep(&self, now: SystemTime) -> Result<Sweep, JobGone> {
        let (sweep, wake) = self.data().sweep(now);
        self.wake(wake);
        Ok(sweep)
    }

    /// Leases the alerts whose turn came, oldest first.
    async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, JobGone> {
        Ok(self.data().claim(claim))
    }

    /// The monitor's calls for these alerts are still running: their claims
    /// hold to `until`, so no other claimer takes them meanwhile.
    async fn renew_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
        until: SystemTime,
    ) -> Result<(), JobGone> {
        self.data().renew(ids, claimer, until);
        Ok(())
    }

    /// The notifier took these: out of the outbox, so the next alert of
    /// each queue can go.
    async fn alerts_delivered(&self, ids: &[u64], _now: SystemTime) -> Result<(), JobGone> {
        self.data().delivered(ids);
        Ok(())
    }

    /// The notifier failed on alert `id`: it waits until `retry_at`, and
    /// the rest of its queue waits behind it (in order).
    async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), JobGone> {
        self.data().failed(id, claimer, retry_at);
        Ok(())
    }

    /// The monitor is stopping with these calls still running: the alerts
    /// are claimable again at once (by the app once restarted), not at the
    /// end of their lease.
    async fn release_alerts(&self, ids: &[u64], claimer: Uuid) -> Result<(), JobGone> {
        self.data().release(ids, claimer);
        Ok(())
    }

    /// The signal `wake` reports to.
    fn signal(&self) -> Option<&MonitorSignal> {
        Some(&self.shared.signal)
    }

    /// Every change goes through this process, which reports each deadline
    /// to the signal: the monitor sleeps until the next deadline or signal,
    /// and never polls. (A store other processes write to, a shared
    /// database, returns `true`.)
    fn is_shared(&self) -> bool {
        false
    }
}

impl Data {
    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// The id of the job with ping UUID `uuid`.
    fn job_of(&self, uuid: Uuid) -> Option<u64> {
        self.jobs
            .iter()
            .find(|(_, job)| job.uuid == uuid)
            .map(|(id, _)| *id)
    }

    /// Replaces job `id`'s state, and its entry in the deadline index with
    /// it: the index always holds exactly each job's `alert_after`. Returns
    /// the new `alert_after`.
    fn set_state(&mut self, id: u64, state: CheckState) -> Option<SystemTime> {
        let job = self.jobs.get_mut(&id).expect("a job set_state is given");
        if let Some(old) = job.state.alert_after {
            self.deadlines.remove(&(old, id));
        }
        if let Some(new) = state.alert_after {
            self.deadlines.insert((new, id));
        }
        job.state = state;
        job.state.alert_after
    }

    /// `JobStore::define_job` under the lock.
    fn define(&mut self, new: NewCheck) -> Result<(Uuid, Wake), DefineError> {
        new.validate()?;
        let existing = match new.uuid {
            Some(uuid) => self.job_of(uuid),
            None => {
                let mut named = self
                    .jobs
                    .iter()
                    .filter(|(_, job)| job.ping_key == new.ping_key && job.slug == new.slug);
                match (named.next(), named.next()) {
                    (Some(_), Some(_)) => {
                        return Err(DefineError::AmbiguousSlug {
                            ping_key: new.ping_key,
                            slug: new.slug,
                        })
                    }
                    (found, _) => found.map(|(id, _)| *id),
                }
            }
        };
        let id = match existing {
            Some(id) => id,
            None => {
                // A new job: blank, in its starting state (new, unless the
                // definition says otherwise), and filled in below as a
                // redefined one is.
                let id = self.next_id();
                let uuid = new.uuid.unwrap_or_else(Uuid::new_v4);
                self.jobs.insert(id, Job::blank(uuid));
                self.set_state(id, new.initial);
                id
            }
        };
        let job = self.jobs.get_mut(&id).expect("found or added above");
        job.name = new.name;
        job.slug = new.slug;
        job.ping_key = new.ping_key;
        job.tags = new.tags;
        job.desc = new.desc;
        job.channels = new.channels;
        job.rules = new.rules;
        // Its deadline for the rules it has now. No flip: a job the new
        // rules make overdue goes down at the next sweep, dated at its
        // deadline. (A redefined job keeps its state, pings and flips.)
        let state = job.state.rearmed(&job.rules);
        let uuid = job.uuid;
        let deadline = self.set_state(id, state);
        Ok((
            uuid,
            Wake {
                deadline,
                alerts: false,
            },
        ))
    }

    /// Replaces the state of the job with ping UUID `uuid` with `act` of
    /// it; `None` when there is no such job.
    fn act(&mut self, uuid: Uuid, act: fn(&CheckState) -> CheckState) -> Option<Wake> {
        let id = self.job_of(uuid)?;
        let state = act(&self.jobs[&id].state);
        let deadline = self.set_state(id, state);
        Some(Wake {
            deadline,
            alerts: false,
        })
    }

    /// `JobStore::remove` under the lock.
    fn remove(&mut self, uuid: Uuid) -> bool {
        let Some(id) = self.job_of(uuid) else {
            return false;
        };
        let job = self.jobs.remove(&id).expect("found above");
        if let Some(deadline) = job.state.alert_after {
            self.deadlines.remove(&(deadline, id));
        }
        for flip in &job.flips {
            self.flips.remove(flip);
        }
        self.outbox.retain(|(of, _), _| *of != id);
        true
    }

    /// `CheckStore::record` under the lock.
    fn record(&mut self, id: u64, ping: Ping) -> Result<Wake, JobGone> {
        let job = self.jobs.get(&id).ok_or(JobGone(id))?;
        // The one state machine: what the ping means for this job now. It
        // returns the state to keep, the ping's number and kind, and its
        // flips: a timeout the sweep had not recorded yet (the job was past
        // its deadline when the ping came), then the ping's own.
        let transition = apply(&job.state, &job.rules, &ping);
        let now = ping.received_at;
        let mut alerts = false;
        for flip in transition.flips() {
            alerts |= self.record_flip(id, *flip, now);
        }
        let logged = LoggedPing::new(&transition, ping);
        let deadline = self.set_state(id, transition.state);
        let job = self.jobs.get_mut(&id).expect("found above");
        job.pings.push_back(logged);
        while job.pings.len() > self.limits.history {
            job.pings.pop_front();
        }
        Ok(Wake { deadline, alerts })
    }

    /// `MonitorStore::sweep` under the lock.
    fn sweep(&mut self, now: SystemTime) -> (Sweep, Wake) {
        // The jobs whose time came, from the index: nothing else is read.
        let due: Vec<u64> = self
            .deadlines
            .range(..=(now, u64::MAX))
            .map(|(_, id)| *id)
            .collect();
        let (mut flipped, mut reminded, mut rearmed) = (0, 0, 0);
        let mut alerts = false;
        for id in due {
            let job = &self.jobs[&id];
            // Decided from the state as it is now, under the lock `record`
            // takes: a job a ping brought back since it was due is
            // re-armed, never flipped.
            let expiry = expire(&job.state, &job.rules, now);
            self.set_state(id, expiry.state);
            if let Some(flip) = expiry.flip {
                // Down, dated at the deadline that passed, not at `now`.
                alerts |= self.record_flip(id, flip, now);
                flipped += 1;
            } else if let Some(reminder) = expiry.reminder {
                // Still down: the reminder goes to the job's channels with
                // its latest flip, the one that made it down.
                if let Some(&down) = self.jobs[&id].flips.back() {
                    alerts |= self.queue(id, down, reminder.number, now);
                }
                reminded += 1;
            } else {
                rearmed += 1;
            }
        }
        // What the monitor sleeps until: the index holds every job's
        // `alert_after`, so its first is the earliest left. (A sweep's
        // `next_deadline` must cover every one later than `now`.)
        let next_deadline = self.deadlines.first().map(|(at, _)| *at);
        let sweep = Sweep::new(flipped, rearmed, next_deadline).reminded(reminded);
        // The deadlines the sweep set need no report: the monitor has them
        // from `next_deadline`.
        let wake = Wake {
            deadline: None,
            alerts,
        };
        (sweep, wake)
    }

    /// Records a flip of job `id` noticed at `now`, and queues its alerts
    /// if it is one to alert on (to down, or from down to up). Returns
    /// whether it queued any.
    fn record_flip(&mut self, id: u64, flip: Flip, now: SystemTime) -> bool {
        let number = self.next_id();
        let entry = FlipEntry {
            flip,
            undelivered: 0,
            delivered: false,
        };
        self.flips.insert(number, entry);
        let job = self.jobs.get_mut(&id).expect("a job record_flip is given");
        job.flips.push_back(number);
        let queued = if flip.is_alertable() {
            self.queue(id, number, 0, now)
        } else {
            false
        };
        self.prune_flips(id);
        queued
    }

    /// Queues the alerts of flip `flip` of job `id` (reminder `reminder` of
    /// it, or the flip itself when 0): one for each of the app's channels
    /// the job alerts, each at the end of its own (job, channel) queue, so
    /// a channel that fails holds back no other. An app without channels
    /// gets one alert without a channel (the monitor's `notifier` takes
    /// it) for a job alerting every channel. Returns whether it queued any.
    fn queue(&mut self, id: u64, flip: u64, reminder: u32, now: SystemTime) -> bool {
        let alerts = &self.jobs[&id].channels;
        let targets: Vec<Option<Uuid>> = if self.channels.is_empty() {
            match alerts {
                Channels::All => vec![None],
                _ => Vec::new(),
            }
        } else {
            self.channels
                .iter()
                .filter(|channel| alerts.includes(channel.id))
                .map(|channel| Some(channel.id))
                .collect()
        };
        for channel in &targets {
            let alert = Queued {
                id: self.next_id(),
                flip,
                reminder,
                folded: 0,
                attempts: 0,
                retry_at: None,
                claim: None,
            };
            self.outbox
                .entry((id, *channel))
                .or_default()
                .push_back(alert);
            self.flips
                .get_mut(&flip)
                .expect("an alert's flip is kept")
                .undelivered += 1;
            self.fold((id, *channel), now);
        }
        !targets.is_empty()
    }

    /// Folds queue `key` back to its bound: while it is too long, its
    /// oldest alert not in flight leaves, and the alert after it stands for
    /// it (`folded`). The one in flight, if any, is left alone: a call is
    /// delivering it. Optional for a store; without it, a queue grows while
    /// its channel is down.
    fn fold(&mut self, key: QueueKey, now: SystemTime) {
        let max = self.limits.undelivered.max(1);
        let Some(queue) = self.outbox.get_mut(&key) else {
            return;
        };
        let mut left = Vec::new();
        while queue.len() > max {
            let in_flight = queue
                .front()
                .and_then(|head| head.claim)
                .is_some_and(|(_, until)| until > now);
            let oldest = usize::from(in_flight);
            if oldest + 1 >= queue.len() {
                break; // nothing after it to fold into
            }
            let gone = queue.remove(oldest).expect("within the queue");
            let next = &mut queue[oldest];
            next.folded = next.folded.saturating_add(gone.folded).saturating_add(1);
            left.push(gone.flip);
        }
        for flip in left {
            self.settle(flip);
        }
    }

    /// One alert of flip `flip` left the outbox, delivered or folded into a
    /// later one: once none is left, the flip is delivered.
    fn settle(&mut self, flip: u64) {
        if let Some(entry) = self.flips.get_mut(&flip) {
            entry.undelivered = entry.undelivered.saturating_sub(1);
            if entry.undelivered == 0 {
                entry.delivered = true;
            }
        }
    }

    /// Job `id` keeps its newest flips, as many as it keeps pings (at
    /// least one: a reminder carries the latest), and every older one with
    /// an alert still to deliver.
    fn prune_flips(&mut self, id: u64) {
        let keep = self.limits.history.max(1);
        let job = self.jobs.get_mut(&id).expect("a job prune_flips is given");
        let mut older = job.flips.len().saturating_sub(keep);
        let flips = &mut self.flips;
        job.flips.retain(|number| {
            if older == 0 {
                return true;
            }
            older -= 1;
            let prune = flips[number].undelivered == 0;
            if prune {
                flips.remove(number);
            }
            !prune
        });
    }

    /// `MonitorStore::claim_alerts` under the lock.
    fn claim(&mut self, claim: Claim) -> Vec<Alert> {
        // Only the oldest alert of each queue can have its turn: the next
        // waits until it is delivered, so a job's alerts to a channel go
        // out in order. Across queues, in the order queued.
        let mut heads: Vec<(u64, QueueKey)> = self
            .outbox
            .iter()
            .filter_map(|(key, queue)| queue.front().map(|head| (head.id, *key)))
            .collect();
        heads.sort_unstable();
        let mut claimed = Vec::new();
        for (_, key) in heads {
            if claimed.len() >= claim.max {
                break;
            }
            let head = self
                .outbox
                .get_mut(&key)
                .and_then(VecDeque::front_mut)
                .expect("a head listed above");
            // Held by a live claim: a call is delivering it. `Claim::held`
            // also lets go of a lease that lies too far ahead, taken before
            // the wall clock went back.
            let held = head.claim.is_some_and(|(_, until)| claim.held(until));
            // Failed, and its retry time has not come. `Claim::retry_due`
            // bounds that wait too, whatever the wall clock did.
            let waiting = head.retry_at.is_some_and(|at| !claim.retry_due(at));
            if held || waiting {
                continue;
            }
            head.claim = Some((claim.claimer, claim.until()));
            head.attempts += 1;
            claimed.push((key, head.clone()));
        }
        claimed
            .iter()
            .map(|(key, queued)| self.alert(*key, queued))
            .collect()
    }

    /// What the notifier is handed for `queued`, of queue `key`: the job and
    /// channel as they are now, the flip it tells of.
    fn alert(&self, (id, channel): QueueKey, queued: &Queued) -> Alert {
        let job = &self.jobs[&id];
        let channel = channel.and_then(|channel| {
            self.channels
                .iter()
                .find(|known| known.id == channel)
                .cloned()
        });
        Alert::new(queued.id, job.check(), self.flips[&queued.flip].flip)
            .flip_id(queued.flip)
            .attempt(queued.attempts)
            .reminder(queued.reminder)
            .folded(queued.folded)
            .channel(channel)
    }

    /// Alert `id`, if `claimer` holds it. A claimer whose lease ran out and
    /// was taken over has no say on the alert any more.
    fn held_by(&mut self, id: u64, claimer: Uuid) -> Option<&mut Queued> {
        self.outbox
            .values_mut()
            .flat_map(|queue| queue.iter_mut())
            .find(|alert| alert.id == id && alert.claim.is_some_and(|(who, _)| who == claimer))
    }

    /// `MonitorStore::renew_alerts` under the lock.
    fn renew(&mut self, ids: &[u64], claimer: Uuid, until: SystemTime) {
        for id in ids {
            if let Some(alert) = self.held_by(*id, claimer) {
                alert.claim = Some((claimer, until));
            }
        }
    }

    /// `MonitorStore::alerts_delivered` under the lock: whoever claimed
    /// them, and once only (an alert already gone is skipped).
    fn delivered(&mut self, ids: &[u64]) {
        for id in ids {
            let found = self.outbox.iter().find_map(|(key, queue)| {
                let at = queue.iter().position(|alert| alert.id == *id)?;
                Some((*key, at))
            });
            let Some((key, at)) = found else {
                continue;
            };
            let queue = self.outbox.get_mut(&key).expect("found above");
            let alert = queue.remove(at).expect("found above");
            if queue.is_empty() {
                self.outbox.remove(&key);
            }
            self.settle(alert.flip);
        }
    }

    /// `MonitorStore::alert_failed` under the lock.
    fn failed(&mut self, id: u64, claimer: Uuid, retry_at: SystemTime) {
        if let Some(alert) = self.held_by(id, claimer) {
            alert.claim = None;
            alert.retry_at = Some(retry_at);
        }
    }

    /// `MonitorStore::release_alerts` under the lock.
    fn release(&mut self, ids: &[u64], claimer: Uuid) {
        for id in ids {
            if let Some(alert) = self.held_by(*id, claimer) {
                alert.claim = None;
            }
        }
    }

    /// `JobStore::jobs` under the lock.
    fn report(&self) -> Vec<JobReport> {
        self.jobs
            .values()
            .map(|job| JobReport {
                team: job
                    .ping_key
                    .as_ref()
                    .and_then(|key| self.teams.get(key))
                    .cloned(),
                check: job.check(),
                pings: job.pings.iter().cloned().collect(),
                flips: job
                    .flips
                    .iter()
                    .map(|number| {
                        let entry = &self.flips[number];
                        RecordedFlip::new(*number, job.uuid, entry.flip, entry.delivered)
                    })
                    .collect(),
            })
            .collect()
    }
}

impl Job {
    /// A job with ping UUID `uuid` and nothing else yet.
    fn blank(uuid: Uuid) -> Self {
        Job {
            uuid,
            name: String::new(),
            slug: String::new(),
            ping_key: None,
            tags: String::new(),
            desc: String::new(),
            channels: Channels::All,
            rules: CheckRules::default(),
            state: CheckState::default(),
            pings: VecDeque::new(),
            flips: VecDeque::new(),
        }
    }

    /// The job as tower-ping's `Check`, which an alert carries: the
    /// notifier reads the job's name, tags, schedule and state from it.
    fn check(&self) -> Check {
        let mut check = Check::new(
            self.uuid,
            self.name.clone(),
            self.slug.clone(),
            self.ping_key.clone(),
            self.rules.clone(),
            self.state.clone(),
        );
        check.tags = self.tags.clone();
        check.desc = self.desc.clone();
        check.channels = self.channels.clone();
        check
    }
}
