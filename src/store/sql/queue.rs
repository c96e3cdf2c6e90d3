//! Group commit: callers queue their pings, a writer task commits them in
//! batches, and each caller is answered once the batch holding its ping has
//! committed.
//!
//! A store may run several writers (lanes), each owning the checks whose row
//! id falls to it, so their transactions never wait on each other's rows and
//! one can write while another waits for its commit to reach the disk.
//! `?create=1` pings all go to the first lane.
//!
//! The writer takes whatever is queued (up to the batch size), writes it in
//! one transaction and commits; pings that arrive meanwhile wait in the queue
//! and form the next batch. Under no load a batch is a single ping and adds no
//! delay; under load the number of commits per second stays bounded by the
//! database's commit latency while the pings per commit grow.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

use super::check_id::SqlCheckId;
use super::error::SqlStoreError;
use super::options::SqlStoreOptions;
use crate::request::ping::Ping;
use crate::store::check_store::Creation;

/// One caller's request to the writer.
#[derive(Debug)]
pub(crate) enum Work {
    /// Record a ping on a check found by `resolve`.
    Record { check: SqlCheckId, ping: Ping },
    /// Get or create the check of a `?create=1` ping, then record the ping.
    Create {
        ping_key: String,
        slug: String,
        ping: Ping,
    },
}

/// What the writer did with one [`Work`], once committed.
pub(crate) type Outcome = Result<Creation, SqlStoreError>;

/// Writes a batch of work as one transaction.
#[async_trait]
pub(crate) trait Writer: Send + Sync + 'static {
    /// Applies `works` in order and commits. Returns one outcome per work,
    /// only after the commit succeeded; an `Err` means nothing was written.
    async fn write(&self, works: Vec<Work>) -> Result<Vec<Outcome>, SqlStoreError>;
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Outcome>,
}

/// The callers' side of the writer tasks.
#[derive(Debug, Clone)]
pub(crate) struct Queue {
    lanes: Vec<mpsc::Sender<Job>>,
    call_timeout: Duration,
}

impl Queue {
    /// Spawns `lanes` writer tasks on the current tokio runtime. They stop
    /// when every clone of the queue is dropped.
    pub(crate) fn start<W: Writer + Clone>(
        writer: W,
        lanes: usize,
        options: &SqlStoreOptions,
    ) -> Self {
        // A backstop in case a database-side timeout does not fire: a batch
        // never holds a writer much longer than its callers wait.
        let write_timeout = options.call_timeout + options.acquire_timeout;
        let lanes = (0..lanes.max(1))
            .map(|_| {
                let (jobs, queued) = mpsc::channel(options.queue_capacity);
                tokio::spawn(run(
                    writer.clone(),
                    queued,
                    options.max_batch,
                    write_timeout,
                ));
                jobs
            })
            .collect();
        Self {
            lanes,
            call_timeout: options.call_timeout,
        }
    }

    /// Queues `work` and waits for its commit, at most the call timeout.
    pub(crate) async fn submit(&self, work: Work) -> Outcome {
        let lane = match &work {
            Work::Record { check, .. } => check.row.unsigned_abs() as usize % self.lanes.len(),
            Work::Create { .. } => 0,
        };
        let (reply, answer) = oneshot::channel();
        let round_trip = async {
            self.lanes[lane]
                .send(Job { work, reply })
                .await
                .map_err(|_| SqlStoreError::Closed)?;
            answer.await.map_err(|_| SqlStoreError::Closed)?
        };
        tokio::time::timeout(self.call_timeout, round_trip)
            .await
            .unwrap_or(Err(SqlStoreError::Timeout(self.call_timeout)))
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("work", &self.work).finish()
    }
}

async fn run<W: Writer>(
    writer: W,
    mut queued: mpsc::Receiver<Job>,
    max_batch: usize,
    write_timeout: Duration,
) {
    let mut jobs = Vec::with_capacity(max_batch);
    while queued.recv_many(&mut jobs, max_batch).await > 0 {
        // A caller that gave up was answered 503: do not record its ping
        // behind its back. (One whose batch is already being written may
        // still be recorded; see `SqlStoreError::Timeout`.)
        jobs.retain(|job| !job.reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let (works, replies): (Vec<_>, Vec<_>) =
            jobs.drain(..).map(|job| (job.work, job.reply)).unzip();
        let written = tokio::time::timeout(write_timeout, writer.write(works))
            .await
            .unwrap_or(Err(SqlStoreError::Timeout(write_timeout)));
        match written {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
