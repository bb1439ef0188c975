//! The writer the webhook uses: events leave the request path through a
//! bounded queue, a background task commits them in batches (group
//! commit), and each caller may await the durable commit of its own event.
//!
//! ```no_run
//! # async fn demo(event: palisade_audit::Event) -> Result<(), Box<dyn std::error::Error>> {
//! use palisade_audit::{AuditLog, WriterOptions};
//! let recorder = AuditLog::open("sqlite:///var/lib/palisade/audit.db", WriterOptions::default()).await?;
//! // In the handler: enqueue (never blocks), then wait for the commit.
//! let receipt = recorder.record(event)?;          // Err: queue full, store down, closed
//! let stored = receipt.committed().await?;        // the event is on disk
//! println!("stored as {}#{}", stored.chain, stored.seq);
//! // At shutdown: commit everything accepted.
//! recorder.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Guarantees: an event for which `record` returned `Ok` is committed unless
//! the process dies or the store stays down past `shutdown_timeout` at
//! shutdown (then `shutdown` says how many were lost). Batches are retried
//! with backoff while the store is down; meanwhile `record` refuses new
//! events with [`RecordError::Unavailable`] so the caller applies its
//! failure mode at once instead of queueing blindly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::chain::{Appended, ChainHead, valid_chain_name};
use crate::checkpoint::Checkpoint;
use crate::event::Event;
use crate::store::{AnyStore, Store};
use crate::{AuditError, Timestamp};

/// How the writer behaves.
#[derive(Clone)]
pub struct WriterOptions {
    /// This writer's chain: give each replica its own (the pod name, or a
    /// StatefulSet ordinal) so they never wait for each other; writers that
    /// share a name still keep one valid chain. Default `default`.
    pub chain: String,
    /// Events waiting to be committed before `record` answers `QueueFull`.
    pub queue_capacity: usize,
    /// Most events committed in one transaction.
    pub max_batch: usize,
    /// How long `shutdown` keeps retrying a store that is down.
    pub shutdown_timeout: Duration,
    /// Sign a head checkpoint at most this often (and at shutdown).
    pub checkpoint: Option<CheckpointSchedule>,
}

/// Periodic signed checkpoints.
#[derive(Clone)]
pub struct CheckpointSchedule {
    pub key: SigningKey,
    pub every: Duration,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            chain: "default".to_owned(),
            queue_capacity: 10_000,
            max_batch: 1_000,
            shutdown_timeout: Duration::from_secs(10),
            checkpoint: None,
        }
    }
}

/// Why an event was not accepted, or not committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The queue is full: the store is slower than the traffic.
    #[error("audit queue full")]
    QueueFull,
    /// The store failed its last commit and has not recovered. For a
    /// receipt: this event's batch failed; it stays queued and is retried,
    /// but its commit cannot be promised now.
    #[error("audit store unavailable: {0}")]
    Unavailable(String),
    /// The recorder was shut down.
    #[error("audit recorder closed")]
    Closed,
}

/// Where a committed event landed.
pub type Committed = Appended;

/// A handle on one accepted event. Await [`Receipt::committed`] to learn
/// that it is durable; drop it for fire-and-forget.
#[must_use = "await `committed()` or drop the receipt explicitly for fire-and-forget"]
pub struct Receipt {
    reply: oneshot::Receiver<Result<Committed, RecordError>>,
}

impl Receipt {
    /// Resolves once the event's transaction committed.
    pub async fn committed(self) -> Result<Committed, RecordError> {
        self.reply.await.unwrap_or(Err(RecordError::Closed))
    }

    /// [`Receipt::committed`] for a caller on a blocking thread (such as
    /// a `spawn_blocking` worker evaluating an admission request). Must not
    /// be called from async code: tokio panics there.
    pub fn committed_blocking(self) -> Result<Committed, RecordError> {
        self.reply
            .blocking_recv()
            .unwrap_or(Err(RecordError::Closed))
    }
}

/// The events of one group and their receipts, side by side so that a
/// retry hands the store the same slice without copying events.
#[derive(Default)]
struct Batch {
    events: Vec<Event>,
    replies: Vec<Option<oneshot::Sender<Result<Committed, RecordError>>>>,
}

impl Batch {
    fn push(&mut self, pending: Pending) {
        self.events.push(pending.event);
        self.replies.push(pending.reply);
    }
    fn len(&self) -> usize {
        self.events.len()
    }
    fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

struct Pending {
    event: Event,
    reply: Option<oneshot::Sender<Result<Committed, RecordError>>>,
}

// Nearly every message is an event: boxing it to shrink the two rare
// control messages would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
enum Message {
    Event(Pending),
    /// Answered once everything sent before it is committed.
    Flush(oneshot::Sender<()>),
    Shutdown(oneshot::Sender<ShutdownReport>),
}

/// What `shutdown` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    pub committed: u64,
    /// Accepted events that could not be committed before the timeout.
    pub lost: u64,
}

struct Shared {
    available: AtomicBool,
    last_error: std::sync::Mutex<String>,
    closed: AtomicBool,
    committed: AtomicU64,
}

/// Opens stores and writers.
pub struct AuditLog;

impl AuditLog {
    /// Opens the store at `url` (creating its schema on first use) and
    /// starts the background writer on the current tokio runtime.
    pub async fn open(url: &str, options: WriterOptions) -> Result<Recorder, AuditError> {
        let store = AnyStore::open(url).await?;
        Recorder::start(store, options)
    }
}

/// The webhook's side of the log. Cheap to clone; every clone feeds the
/// same queue.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Message>,
    shared: Arc<Shared>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
    chain: Arc<str>,
}

impl Recorder {
    /// Starts a writer over an opened store.
    pub fn start<S: Store + 'static>(
        store: S,
        options: WriterOptions,
    ) -> Result<Recorder, AuditError> {
        if !valid_chain_name(&options.chain) {
            return Err(AuditError::Chain(options.chain));
        }
        let (queue, inbox) = mpsc::channel(options.queue_capacity.max(1));
        let shared = Arc::new(Shared {
            available: AtomicBool::new(true),
            last_error: std::sync::Mutex::new(String::new()),
            closed: AtomicBool::new(false),
            committed: AtomicU64::new(0),
        });
        let chain: Arc<str> = options.chain.clone().into();
        let task = tokio::spawn(run(store, options, inbox, shared.clone()));
        Ok(Recorder {
            queue,
            shared,
            task: Arc::new(Mutex::new(Some(task))),
            chain,
        })
    }

    /// Enqueues `event` without waiting. Fails at once when the queue is
    /// full, the store is down or the recorder is closed: the caller maps
    /// that to its failure mode (fail closed: deny; fail open: allow).
    pub fn record(&self, event: Event) -> Result<Receipt, RecordError> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(RecordError::Closed);
        }
        if !self.shared.available.load(Ordering::Acquire) {
            let reason = self
                .shared
                .last_error
                .lock()
                .map(|e| e.clone())
                .unwrap_or_default();
            return Err(RecordError::Unavailable(reason));
        }
        let (reply, receiver) = oneshot::channel();
        let pending = Pending {
            event,
            reply: Some(reply),
        };
        match self.queue.try_send(Message::Event(pending)) {
            Ok(()) => Ok(Receipt { reply: receiver }),
            Err(mpsc::error::TrySendError::Full(_)) => Err(RecordError::QueueFull),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(RecordError::Closed),
        }
    }

    /// Enqueues `event`, waiting for room in the queue instead of failing
    /// (for `palisade scan --record`, which has no deadline).
    pub async fn record_waiting(&self, event: Event) -> Result<Receipt, RecordError> {
        let (reply, receiver) = oneshot::channel();
        let pending = Pending {
            event,
            reply: Some(reply),
        };
        self.queue
            .send(Message::Event(pending))
            .await
            .map_err(|_| RecordError::Closed)?;
        Ok(Receipt { reply: receiver })
    }

    /// Waits until everything enqueued so far is committed (or failed).
    pub async fn flush(&self) -> Result<(), RecordError> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send(Message::Flush(done))
            .await
            .map_err(|_| RecordError::Closed)?;
        wait.await.map_err(|_| RecordError::Closed)
    }

    /// Whether the last commit succeeded (for a readiness probe).
    pub fn is_available(&self) -> bool {
        self.shared.available.load(Ordering::Acquire)
    }

    /// Events committed since start (for metrics).
    pub fn committed_count(&self) -> u64 {
        self.shared.committed.load(Ordering::Relaxed)
    }

    /// This writer's chain name.
    pub fn chain(&self) -> &str {
        &self.chain
    }

    /// Stops accepting events, commits every accepted one (retrying up to
    /// `shutdown_timeout`), signs a last checkpoint when scheduled, and
    /// stops the task. Later calls (from clones) return at once.
    pub async fn shutdown(&self) -> Result<ShutdownReport, RecordError> {
        self.shared.closed.store(true, Ordering::Release);
        let Some(task) = self.task.lock().await.take() else {
            return Ok(ShutdownReport {
                committed: self.committed_count(),
                lost: 0,
            });
        };
        let (done, wait) = oneshot::channel();
        self.queue
            .send(Message::Shutdown(done))
            .await
            .map_err(|_| RecordError::Closed)?;
        let report = wait.await.map_err(|_| RecordError::Closed)?;
        task.await.map_err(|_| RecordError::Closed)?;
        Ok(report)
    }
}

/// The background task: take what is queued (up to a batch), commit it in
/// one transaction, answer the receipts, repeat.
async fn run<S: Store>(
    store: S,
    options: WriterOptions,
    mut inbox: mpsc::Receiver<Message>,
    shared: Arc<Shared>,
) {
    let mut batch = Batch::default();
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    let mut shutdown: Option<oneshot::Sender<ShutdownReport>> = None;
    let mut last_checkpoint = Instant::now();
    let mut head: Option<ChainHead> = None;
    let mut head_checkpointed = true;

    loop {
        // With a checkpoint due, wait for events only until it is: an idle
        // writer still signs its last events' head on time.
        let due = options
            .checkpoint
            .as_ref()
            .filter(|_| !head_checkpointed)
            .map(|s| tokio::time::Instant::from_std(last_checkpoint + s.every));
        let received = match due {
            Some(at) => match tokio::time::timeout_at(at, inbox.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    if let (Some(schedule), Some(h)) = (&options.checkpoint, &head)
                        && sign_head(&store, schedule, h).await
                    {
                        head_checkpointed = true;
                    }
                    // Failed: try again after another period.
                    last_checkpoint = Instant::now();
                    continue;
                }
            },
            None => inbox.recv().await,
        };
        let Some(first) = received else { break };
        // Let the requests woken by the previous commit enqueue their next
        // events first, so they join this group instead of the next one.
        tokio::task::yield_now().await;
        let mut next = Some(first);
        // Drain what is already queued, without waiting: that is the group.
        while let Some(message) = next.take() {
            match message {
                Message::Event(p) => batch.push(p),
                Message::Flush(done) => flushes.push(done),
                Message::Shutdown(done) => {
                    shutdown = Some(done);
                    inbox.close();
                }
            }
            if batch.len() >= options.max_batch {
                break;
            }
            next = inbox.try_recv().ok();
        }
        if !batch.is_empty() {
            let appended = commit(&store, &options, &mut batch, &shared).await;
            if !batch.is_empty() {
                // Shutting down and the store stayed down: count what is
                // left as lost below.
                while let Ok(message) = inbox.try_recv() {
                    match message {
                        Message::Event(p) => batch.push(p),
                        Message::Flush(done) => flushes.push(done),
                        Message::Shutdown(done) => shutdown = Some(done),
                    }
                }
                break;
            }
            if let Some(last) = appended {
                head = Some(ChainHead {
                    chain: last.chain,
                    seq: last.seq,
                    hash: last.hash,
                });
                head_checkpointed = false;
            }
        }
        if let Some(schedule) = &options.checkpoint
            && !head_checkpointed
            && (last_checkpoint.elapsed() >= schedule.every || shutdown.is_some())
            && let Some(h) = &head
            && sign_head(&store, schedule, h).await
        {
            last_checkpoint = Instant::now();
            head_checkpointed = true;
        }
        if batch.is_empty() || shutdown.is_some() {
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
        }
        if shutdown.is_some() && inbox.is_empty() {
            break;
        }
    }
    for done in flushes.drain(..) {
        let _ = done.send(());
    }
    // Anything left failed to commit before the shutdown deadline.
    let lost = batch.len() as u64;
    for reply in batch.replies.drain(..).flatten() {
        let _ = reply.send(Err(RecordError::Unavailable(
            "not committed before shutdown".to_owned(),
        )));
    }
    if let Some(done) = shutdown {
        let _ = done.send(ShutdownReport {
            committed: shared.committed.load(Ordering::Relaxed),
            lost,
        });
    }
}

/// Stores a signed checkpoint of `head` listing the chains that writers
/// recorded (their heads), so a chain inserted later with back-dated events
/// stands out; false when the store failed (the next period tries again).
async fn sign_head<S: Store>(store: &S, schedule: &CheckpointSchedule, head: &ChainHead) -> bool {
    let Ok(heads) = store.chains().await else {
        return false;
    };
    let chains = heads.into_iter().map(|h| h.chain).collect();
    let checkpoint =
        Checkpoint::head_listing(head, Some(chains), Timestamp::now(), Some(&schedule.key));
    store.add_checkpoint(&checkpoint).await.is_ok()
}

/// Commits `batch`, retrying with backoff while the store fails (for at
/// most `shutdown_timeout` once shutdown was asked for). On success the
/// batch is emptied and the last appended position returned; after the
/// deadline it keeps the events so the caller can count them as lost.
async fn commit<S: Store>(
    store: &S,
    options: &WriterOptions,
    batch: &mut Batch,
    shared: &Shared,
) -> Option<Appended> {
    let chain = options.chain.as_str();
    let mut backoff = Duration::from_millis(50);
    let mut told_waiters = false;
    let mut deadline: Option<Instant> = None;
    loop {
        match store.append(chain, &batch.events).await {
            Ok(appended) => {
                shared.available.store(true, Ordering::Release);
                shared
                    .committed
                    .fetch_add(appended.len() as u64, Ordering::Relaxed);
                let last = appended.last().cloned();
                batch.events.clear();
                for (reply, position) in batch.replies.drain(..).zip(appended) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(position));
                    }
                }
                return last;
            }
            Err(error) => {
                let message = error.to_string();
                if let Ok(mut last) = shared.last_error.lock() {
                    last.clone_from(&message);
                }
                shared.available.store(false, Ordering::Release);
                // Waiters learn now that their commit is not assured; the
                // events stay in the batch and are retried.
                if !told_waiters {
                    for reply in batch.replies.iter_mut() {
                        if let Some(reply) = reply.take() {
                            let _ = reply.send(Err(RecordError::Unavailable(message.clone())));
                        }
                    }
                    told_waiters = true;
                }
                if deadline.is_none() && shared.closed.load(Ordering::Acquire) {
                    deadline = Some(Instant::now() + options.shutdown_timeout);
                }
                if deadline.is_some_and(|d| Instant::now() + backoff > d) {
                    return None;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
