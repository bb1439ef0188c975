//! The writer's promises, against a store that can be stalled or taken down:
//! a full queue and a down store are refused at once (so the webhook
//! applies its failure mode), and nothing accepted is lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_audit::chain::{Appended, ChainHead, Row};
use palisade_audit::{
    AuditError, Checkpoint, Decision, Event, Filter, RecordError, Recorder, Resource, Source,
    Store, Timestamp, WriterOptions,
};
use tokio::sync::Semaphore;

/// Remembers appended events; `down` makes appends fail, and `gate`
/// holds each append until a permit is added.
#[derive(Clone, Default)]
struct FakeStore {
    events: Arc<Mutex<Vec<Event>>>,
    batches: Arc<Mutex<Vec<usize>>>,
    checkpoints: Arc<Mutex<Vec<Checkpoint>>>,
    down: Arc<AtomicBool>,
    gate: Option<Arc<Semaphore>>,
}

impl Store for FakeStore {
    async fn append(&self, chain: &str, events: &[Event]) -> Result<Vec<Appended>, AuditError> {
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(AuditError::Store("connection refused".into()));
        }
        let mut stored = self.events.lock().unwrap();
        self.batches.lock().unwrap().push(events.len());
        let mut out = Vec::new();
        for e in events {
            stored.push(e.clone());
            out.push(Appended {
                chain: chain.into(),
                seq: stored.len() as i64,
                hash: String::new(),
            });
        }
        Ok(out)
    }
    async fn chains(&self) -> Result<Vec<ChainHead>, AuditError> {
        Ok(vec![])
    }
    async fn rows(&self, _: &str, _: i64, _: u32) -> Result<Vec<Row>, AuditError> {
        Ok(vec![])
    }
    async fn query(&self, _: &Filter) -> Result<Vec<Row>, AuditError> {
        Ok(vec![])
    }
    async fn summarise(&self, _: &Filter) -> Result<Vec<palisade_audit::SummaryGroup>, AuditError> {
        Ok(vec![])
    }
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        self.checkpoints.lock().unwrap().push(checkpoint.clone());
        Ok(())
    }
    async fn checkpoints(&self, _: Option<&str>) -> Result<Vec<Checkpoint>, AuditError> {
        Ok(vec![])
    }
    async fn chain_names(&self) -> Result<Vec<String>, AuditError> {
        Ok(self.chains().await?.into_iter().map(|h| h.chain).collect())
    }
    async fn prune(&self, _: &Checkpoint) -> Result<u64, AuditError> {
        Ok(0)
    }
}

fn event(i: usize) -> Event {
    Event {
        time: Timestamp::from_millis(i as i64),
        source: Source::Scan {
            file: format!("f{i}"),
        },
        resource: Resource {
            kind: "Pod".into(),
            ..Resource::default()
        },
        decision: Decision::Allowed,
        reason: None,
        findings: vec![],
        policy_version: String::new(),
        palisade_version: String::new(),
    }
}

fn files(store: &FakeStore) -> Vec<String> {
    store
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|e| match &e.source {
            Source::Scan { file } => file.clone(),
            _ => unreachable!(),
        })
        .collect()
}

#[tokio::test]
async fn a_full_queue_is_refused_at_once() {
    let gate = Arc::new(Semaphore::new(0));
    let store = FakeStore {
        gate: Some(gate.clone()),
        ..FakeStore::default()
    };
    let options = WriterOptions {
        queue_capacity: 2,
        max_batch: 1,
        ..WriterOptions::default()
    };
    let recorder = Recorder::start(store.clone(), options).unwrap();
    // The first event is taken by the writer (stalled in its append); two
    // more fill the queue; the fourth is refused.
    let first = recorder.record(event(0)).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = recorder.record(event(1)).unwrap();
    let third = recorder.record(event(2)).unwrap();
    assert!(matches!(
        recorder.record(event(3)),
        Err(RecordError::QueueFull)
    ));
    gate.add_permits(100);
    for receipt in [first, second, third] {
        receipt.committed().await.unwrap();
    }
    recorder.shutdown().await.unwrap();
    assert_eq!(files(&store), ["f0", "f1", "f2"]);
}

#[tokio::test]
async fn a_down_store_is_refused_and_accepted_events_survive() {
    let store = FakeStore::default();
    let recorder = Recorder::start(store.clone(), WriterOptions::default()).unwrap();
    recorder
        .record(event(0))
        .unwrap()
        .committed()
        .await
        .unwrap();

    store.down.store(true, Ordering::SeqCst);
    let receipt = recorder.record(event(1)).unwrap();
    // The waiter learns at once that its commit cannot be promised...
    assert!(
        matches!(receipt.committed().await, Err(RecordError::Unavailable(m)) if m.contains("connection refused"))
    );
    // ...and new events are refused while the store is down.
    assert!(matches!(
        recorder.record(event(2)),
        Err(RecordError::Unavailable(_))
    ));
    assert!(!recorder.is_available());

    // Back up: the accepted event is committed by the retry, in order.
    store.down.store(false, Ordering::SeqCst);
    for _ in 0..100 {
        if recorder.is_available() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recorder.is_available());
    recorder
        .record(event(3))
        .unwrap()
        .committed()
        .await
        .unwrap();
    let report = recorder.shutdown().await.unwrap();
    assert_eq!(report.lost, 0);
    assert_eq!(files(&store), ["f0", "f1", "f3"]);
}

#[tokio::test]
async fn shutdown_gives_up_on_a_dead_store_after_its_timeout_and_says_so() {
    let store = FakeStore::default();
    store.down.store(true, Ordering::SeqCst);
    let options = WriterOptions {
        shutdown_timeout: Duration::from_millis(300),
        ..WriterOptions::default()
    };
    let recorder = Recorder::start(store.clone(), options).unwrap();
    drop(recorder.record(event(0)).unwrap());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let report = tokio::time::timeout(Duration::from_secs(5), recorder.shutdown())
        .await
        .expect("shutdown hangs")
        .unwrap();
    assert_eq!((report.committed, report.lost), (0, 1));
}

#[tokio::test]
async fn events_are_committed_in_groups() {
    let gate = Arc::new(Semaphore::new(0));
    let store = FakeStore {
        gate: Some(gate.clone()),
        ..FakeStore::default()
    };
    let recorder = Recorder::start(store.clone(), WriterOptions::default()).unwrap();
    let receipts: Vec<_> = (0..500)
        .map(|i| recorder.record(event(i)).unwrap())
        .collect();
    gate.add_permits(1_000);
    for receipt in receipts {
        receipt.committed().await.unwrap();
    }
    recorder.shutdown().await.unwrap();
    let batches = store.batches.lock().unwrap().clone();
    assert_eq!(batches.iter().sum::<usize>(), 500);
    // All 500 were queued while the first append was held: at most the
    // first event alone, then everything else in one transaction.
    assert!(batches.len() <= 2, "{batches:?}");
}

#[tokio::test]
async fn an_idle_writer_still_signs_its_head_on_schedule() {
    let store = FakeStore::default();
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let options = WriterOptions {
        checkpoint: Some(palisade_audit::CheckpointSchedule {
            key: key.clone(),
            every: Duration::from_millis(100),
        }),
        ..WriterOptions::default()
    };
    let recorder = Recorder::start(store.clone(), options).unwrap();
    for i in 0..3 {
        recorder
            .record(event(i))
            .unwrap()
            .committed()
            .await
            .unwrap();
    }
    // No more traffic: the checkpoint comes from the timer.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taken = store.checkpoints.lock().unwrap().clone();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0].body.seq, 3);
    assert_eq!(
        taken[0].trust(&palisade_audit::PinnedKeys {
            checkpoint: vec![key.verifying_key()],
            retention: vec![],
        }),
        palisade_audit::checkpoint::Trust::Signed(palisade_audit::keys::Signer::Checkpoint(
            palisade_audit::keys::key_id(&key.verifying_key())
        ))
    );
    // The writer lists the chains it knows, for `verify` to find others.
    assert!(taken[0].body.chains.is_some());
    recorder.shutdown().await.unwrap();
    // Nothing new since: shutdown signs nothing more.
    assert_eq!(store.checkpoints.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_thread_can_record_and_wait() {
    let store = FakeStore::default();
    let recorder = Recorder::start(store.clone(), WriterOptions::default()).unwrap();
    let worker = recorder.clone();
    let at =
        tokio::task::spawn_blocking(move || worker.record(event(7)).unwrap().committed_blocking())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(at.seq, 1);
    recorder.shutdown().await.unwrap();
    assert_eq!(files(&store), ["f7"]);
}
