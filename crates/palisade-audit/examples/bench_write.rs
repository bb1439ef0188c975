//! Write throughput of the audit log with group commit, on SQLite and on a
//! throwaway PostgreSQL (durable settings: fsync on), the way the webhook
//! writes: many requests in flight, each waiting for its own event to be
//! committed. For comparison, the same load with one transaction per event
//! (`max_batch = 1`).
//!
//! ```sh
//! cargo run -p palisade-audit --example bench_write            # 20,000 events per run
//! EVENTS=100000 CONCURRENCY=256 cargo run -p palisade-audit --example bench_write
//! ```

// A benchmark harness: a failed setup step may stop it with a message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/postgres.rs"]
mod postgres_server;

use std::time::Instant;

use palisade_audit::{
    AuditFinding, AuditLog, Decision, Event, Resource, Source, Timestamp, WriterOptions,
};
use palisade_model::Severity;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An admission event of realistic size: two findings, one waived.
fn event(i: usize) -> Event {
    Event {
        time: Timestamp::now(),
        source: Source::Admission {
            user: "system:serviceaccount:argocd:argocd-application-controller".into(),
            groups: vec![
                "system:serviceaccounts".into(),
                "system:authenticated".into(),
            ],
            operation: "CREATE".into(),
            uid: format!("705ab4f5-6393-11e8-b7cc-42010a800{i:03}"),
            dry_run: false,
            mutated: vec![],
            endpoint: Some("validate".into()),
            authenticated: true,
            truncated: Vec::new(),
        },
        resource: Resource {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some(format!("team-{}", i % 20)),
            name: Some(format!("service-{i}")),
        },
        reason: None,
        decision: if i.is_multiple_of(10) {
            Decision::Denied
        } else {
            Decision::Allowed
        },
        findings: vec![
            AuditFinding {
                control: "privileged-container".into(),
                severity: Severity::Critical,
                message:
                    "privileged (container \"api\" must not set securityContext.privileged=true)"
                        .into(),
                action: Some(palisade_audit::FindingAction::Denied),
                waiver: None,
            },
            AuditFinding {
                control: "cpu-limits-missing".into(),
                severity: Severity::Medium,
                action: Some(palisade_audit::FindingAction::Waived),
                message: "container \"api\" has no resources.limits.cpu".into(),
                waiver: Some(palisade_audit::AuditWaiver {
                    justification: "batch job, bursts by design".into(),
                    owner: Some("team-data".into()),
                    ticket: Some("OPS-1234".into()),
                    expires: Some("2027-03-31".into()),
                    source: "palisade.yaml:40".into(),
                }),
            },
        ],
        policy_version: "sha256:6b2aa8d470d85994f44a84d8be9c1f9ed51e4c80543bf0ffc8a4ad5b9ec74ef4"
            .into(),
        palisade_version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// `concurrency` tasks record and await `events` events in total; returns
/// events per second.
async fn run(url: &str, chain: &str, events: usize, concurrency: usize, max_batch: usize) -> f64 {
    let options = WriterOptions {
        chain: chain.into(),
        max_batch,
        queue_capacity: concurrency * 2,
        ..WriterOptions::default()
    };
    let recorder = AuditLog::open(url, options).await.expect("open");
    let per_task = events / concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let recorder = recorder.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_task {
                let receipt = recorder.record(event(t * per_task + i)).expect("record");
                receipt.committed().await.expect("commit");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    recorder.shutdown().await.expect("shutdown");
    (per_task * concurrency) as f64 / elapsed
}

async fn report(name: &str, url: &str, events: usize, concurrency: usize) {
    let grouped = run(url, "grouped", events, concurrency, 1_000).await;
    // One transaction per event: what group commit saves. Fewer events, it is slow.
    let single = run(
        url,
        "single",
        (events / 10).max(concurrency),
        concurrency,
        1,
    )
    .await;
    println!(
        "{name:<10} {concurrency:>4} in flight: group commit {grouped:>9.0} events/s; one transaction per event {single:>7.0} events/s ({:.1}x)",
        grouped / single
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = env_or("EVENTS", 20_000);
    let concurrency = env_or("CONCURRENCY", 64);
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    report("sqlite", &sqlite, events, concurrency).await;
    match postgres_server::TestPostgres::start(true) {
        Some(server) => {
            let url = server.create_db("bench").await;
            report("postgres", &url, events, concurrency).await;
        }
        None => println!("postgres   skipped (no initdb/pg_ctl)"),
    }
}
