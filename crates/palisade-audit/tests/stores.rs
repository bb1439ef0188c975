//! One suite, two stores: every case runs against SQLite and against a real
//! PostgreSQL started for the test (see `support/postgres.rs`). Tampering
//! cases edit, delete and reorder rows with plain SQL, as an attacker with
//! database access would, and check that `verify` names the event.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/postgres.rs"]
mod postgres_server;

use std::io::Cursor;

use ed25519_dalek::SigningKey;
use palisade_audit::bundle::{export, verify_bundle};
use palisade_audit::chain::link_hash;
use palisade_audit::retention::{Keep, prune};
use palisade_audit::{
    AnyStore, AuditFinding, AuditLog, AuditWaiver, Checkpoint, Decision, Event, Filter, PinnedKeys,
    Problem, Reader, Resource, Source, SourceKind, Store, Timestamp, VerifyOptions, WriterOptions,
    verify,
};
use palisade_model::Severity;
use postgres_server::TestPostgres;

/// How a case reaches the database behind the store's back.
enum Raw {
    Sqlite(String),
    Postgres(String),
}

impl Raw {
    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(sql).unwrap();
            }
            Raw::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(sql).await.unwrap();
            }
        }
    }
}

const T0: i64 = 1_795_000_000_000;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// `key()` pinned for both roles: these cases sign checkpoints and prunes
/// with one key (the attack cases in `palisade/tests/audit.rs` keep them
/// apart).
fn pinned() -> PinnedKeys {
    PinnedKeys {
        checkpoint: vec![key().verifying_key()],
        retention: vec![key().verifying_key()],
    }
}

/// Event `i`: namespaces, kinds, decisions, users and controls vary with i.
fn event(i: i64) -> Event {
    let namespace = ["payments", "web", "kube-system"][(i % 3) as usize];
    let decision = Decision::ALL[(i % 4) as usize];
    let mut findings = vec![AuditFinding {
        control: "privileged-container".into(),
        severity: Severity::Critical,
        message: format!("container api is privileged ({i})"),
        action: Some(palisade_audit::FindingAction::Denied),
        waiver: None,
    }];
    if i % 2 == 0 {
        findings.push(AuditFinding {
            control: "host-path-volumes".into(),
            severity: Severity::High,
            message: "hostPath volume /var/run".into(),
            action: Some(palisade_audit::FindingAction::Waived),
            waiver: Some(AuditWaiver {
                justification: "node agent".into(),
                owner: Some("platform".into()),
                ticket: None,
                expires: Some("2027-01-31".into()),
                source: "palisade.yaml:12".into(),
            }),
        });
    }
    Event {
        time: Timestamp::from_millis(T0 + i * 60_000),
        source: if i % 5 == 0 {
            Source::Scan {
                file: "deploy/app.yaml".into(),
            }
        } else {
            Source::Admission {
                user: format!("user-{}", i % 2),
                groups: vec!["system:authenticated".into()],
                operation: "CREATE".into(),
                uid: format!("uid-{i}"),
                dry_run: false,
                mutated: vec![],
                endpoint: Some("validate".into()),
                authenticated: true,
                truncated: Vec::new(),
            }
        },
        resource: Resource {
            api_version: "apps/v1".into(),
            kind: if i % 2 == 0 { "Deployment" } else { "Pod" }.into(),
            namespace: Some(namespace.into()),
            name: Some(format!("app-{i}")),
        },
        decision,
        reason: None,
        findings,
        policy_version: "sha256:abc".into(),
        palisade_version: "0.1.0".into(),
    }
}

/// Appends events 1..=n to chain `default`, in a few batches.
async fn fill(store: &AnyStore, n: i64) {
    let events: Vec<Event> = (1..=n).map(event).collect();
    for part in events.chunks(4) {
        store.append("default", part).await.unwrap();
    }
}

async fn problems(store: &AnyStore, public_key: bool) -> Vec<Problem> {
    let options = VerifyOptions {
        keys: if public_key {
            pinned()
        } else {
            PinnedKeys::default()
        },
        ..VerifyOptions::default()
    };
    verify(store, &options).await.unwrap().problems
}

async fn clean_chain_verifies(store: AnyStore, _raw: Raw) {
    fill(&store, 25).await;
    store.append("replica-b", &[event(100)]).await.unwrap();
    let report = verify(&store, &VerifyOptions::default()).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.chains.len(), 2);
    assert_eq!(report.chains[0].chain, "default");
    assert_eq!(report.chains[0].events, 25);
    assert_eq!(report.chains[0].last_seq, Some(25));
}

async fn edited_event_is_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    raw.exec(
        "UPDATE audit_events SET event = replace(event, 'container api is privileged (4)', 'nothing to see') WHERE seq = 4",
    )
    .await;
    let found = problems(&store, false).await;
    assert_eq!(
        found,
        vec![Problem::Altered {
            chain: "default".into(),
            seq: 4
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "default#4: altered: the event's content does not match its hash"
    );
}

async fn edited_column_is_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    raw.exec("UPDATE audit_events SET decision = 'allowed' WHERE seq = 3")
        .await;
    let found = problems(&store, false).await;
    assert_eq!(
        found,
        vec![Problem::ColumnAltered {
            chain: "default".into(),
            seq: 3,
            column: "decision".into(),
            stored: "allowed".into(),
            event: "audited".into()
        }]
    );
}

/// The columns summaries count from are checked as the others are: a
/// denial made to look waived, or a mutation made to look like a decision,
/// is named.
async fn edited_tally_is_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    raw.exec(
        "UPDATE audit_events SET failing = '', waived = ',host-path-volumes,privileged-container,' WHERE seq = 4;
         UPDATE audit_events SET endpoint = 'mutate' WHERE seq = 7",
    )
    .await;
    let found = problems(&store, false).await;
    assert_eq!(
        found,
        vec![
            Problem::ColumnAltered {
                chain: "default".into(),
                seq: 4,
                column: "failing".into(),
                stored: "".into(),
                event: ",privileged-container,".into()
            },
            Problem::ColumnAltered {
                chain: "default".into(),
                seq: 7,
                column: "endpoint".into(),
                stored: "mutate".into(),
                event: "validate".into()
            }
        ]
    );
}

/// A log written with the first schema (no tally columns) is upgraded when
/// it is opened: each row's columns are filled from its JSON, the chain
/// still verifies, and summaries count the old rows as they did.
async fn a_first_schema_log_is_upgraded(url: String, raw: Raw) {
    let store = AnyStore::open(&url).await.unwrap();
    fill(&store, 12).await;
    let before = Reader::new(store)
        .summarise(&Filter::default(), None)
        .await
        .unwrap();
    raw.exec(
        "DROP INDEX audit_events_tally;
         ALTER TABLE audit_events DROP COLUMN failing;
         ALTER TABLE audit_events DROP COLUMN waived;
         ALTER TABLE audit_events DROP COLUMN dry_run;
         ALTER TABLE audit_events DROP COLUMN endpoint;
         CREATE INDEX audit_events_time ON audit_events (time_ms);
         UPDATE palisade_audit_meta SET value = '1' WHERE key = 'schema_version';",
    )
    .await;
    let store = AnyStore::open(&url).await.unwrap();
    let report = verify(&store, &VerifyOptions::default()).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.chains[0].events, 12);
    let after = Reader::new(store)
        .summarise(&Filter::default(), None)
        .await
        .unwrap();
    let sorted = |mut groups: Vec<palisade_audit::SummaryGroup>| {
        groups.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        groups
    };
    let after = sorted(after);
    assert_eq!(after, sorted(before));
    assert!(
        after
            .iter()
            .any(|g| g.waived == ["host-path-volumes"] && g.failing == ["privileged-container"]),
        "{after:?}"
    );
}

async fn deleted_event_is_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    raw.exec("DELETE FROM audit_events WHERE seq = 5").await;
    let found = problems(&store, false).await;
    assert_eq!(
        found,
        vec![Problem::Removed {
            chain: "default".into(),
            from: 5,
            to: 5
        }]
    );
    assert_eq!(
        found[0].to_string(),
        "default#5: removed: the event is missing"
    );
}

async fn reordered_events_are_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    raw.exec(
        "UPDATE audit_events SET seq = -5 WHERE seq = 5;
         UPDATE audit_events SET seq = 5 WHERE seq = 6;
         UPDATE audit_events SET seq = 6 WHERE seq = -5;",
    )
    .await;
    let found = problems(&store, false).await;
    assert_eq!(
        found[0],
        Problem::Moved {
            chain: "default".into(),
            seq: 5,
            written_as: 6
        },
        "{found:?}"
    );
    assert_eq!(
        found[1],
        Problem::Moved {
            chain: "default".into(),
            seq: 6,
            written_as: 5
        }
    );
}

async fn rehashed_event_is_named(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    // The attacker knows the algorithm: alters #4 and recomputes its hash.
    let row = store.rows("default", 3, 1).await.unwrap().remove(0);
    let forged = row
        .event_json
        .replace("container api is privileged (4)", "clean");
    let hash = link_hash("default", 4, &row.prev_hash, &forged);
    raw.exec(&format!(
        "UPDATE audit_events SET event = '{forged}', hash = '{hash}' WHERE seq = 4"
    ))
    .await;
    let found = problems(&store, false).await;
    assert_eq!(
        found,
        vec![Problem::PredecessorReplaced {
            chain: "default".into(),
            seq: 5
        }]
    );
    assert!(found[0].to_string().starts_with("default#4: replaced"));
}

async fn truncation_is_caught_by_a_signed_checkpoint(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    let head = store.chains().await.unwrap().remove(0);
    let checkpoint = Checkpoint::head(&head, Timestamp::from_millis(T0), Some(&key()));
    store.add_checkpoint(&checkpoint).await.unwrap();
    // Cut the tail and fix the head row, so only the checkpoint knows.
    let eight = store.rows("default", 7, 1).await.unwrap().remove(0);
    raw.exec(&format!(
        "DELETE FROM audit_events WHERE seq > 8;
         UPDATE audit_chains SET head_seq = 8, head_hash = '{}'",
        eight.hash
    ))
    .await;
    let found = problems(&store, true).await;
    assert_eq!(
        found,
        vec![Problem::Truncated {
            chain: "default".into(),
            last_seq: 8,
            checkpoint_seq: 10,
            checkpoint_time: Timestamp::from_millis(T0),
        }]
    );
    assert!(found[0].to_string().starts_with("default#9: removed"));

    // The same cut kept outside the database (`checkpoint --out`) is caught
    // even when the attacker also deletes the stored checkpoints.
    raw.exec("DELETE FROM audit_checkpoints").await;
    assert!(problems(&store, true).await.is_empty());
    let options = VerifyOptions {
        keys: pinned(),
        extra_checkpoints: vec![checkpoint],
        ..VerifyOptions::default()
    };
    let report = verify(&store, &options).await.unwrap();
    assert!(matches!(
        report.problems[..],
        [Problem::Truncated { last_seq: 8, .. }]
    ));
}

async fn forged_checkpoint_is_refused(store: AnyStore, raw: Raw) {
    fill(&store, 6).await;
    let head = store.chains().await.unwrap().remove(0);
    store
        .add_checkpoint(&Checkpoint::head(
            &head,
            Timestamp::from_millis(T0),
            Some(&key()),
        ))
        .await
        .unwrap();
    raw.exec("UPDATE audit_checkpoints SET body = replace(body, '\"seq\":6', '\"seq\":4')")
        .await;
    let found = problems(&store, true).await;
    assert!(
        matches!(found[..], [Problem::BadSignature { seq: 4, .. }]),
        "{found:?}"
    );
}

async fn pruning_keeps_the_chain_verifiable(store: AnyStore, raw: Raw) {
    fill(&store, 10).await;
    let now = Timestamp::from_millis(T0 + 20 * 60_000);
    let pruned = prune(&store, Keep::Last(3), &key(), now).await.unwrap();
    assert_eq!(pruned.len(), 1);
    assert_eq!(
        (pruned[0].from_seq, pruned[0].to_seq, pruned[0].deleted),
        (1, 7, 7)
    );
    let report = verify(
        &store,
        &VerifyOptions {
            keys: pinned(),
            ..VerifyOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.chains[0].pruned_through, Some(7));
    assert_eq!(report.chains[0].events, 3);

    // By age: keep events of the last 10 minutes (events 10 and later).
    fill_more(&store, 11, 15).await;
    let now = Timestamp::from_millis(T0 + 15 * 60_000);
    let pruned = prune(&store, Keep::Days(0), &key(), now).await.unwrap();
    assert_eq!((pruned[0].from_seq, pruned[0].to_seq), (8, 14));
    assert!(problems(&store, true).await.is_empty());

    // Without its prune checkpoint the missing prefix is a removal.
    raw.exec("DELETE FROM audit_checkpoints").await;
    let found = problems(&store, true).await;
    assert_eq!(
        found,
        vec![Problem::Removed {
            chain: "default".into(),
            from: 1,
            to: 14
        }]
    );
}

async fn fill_more(store: &AnyStore, from: i64, to: i64) {
    let events: Vec<Event> = (from..=to).map(event).collect();
    store.append("default", &events).await.unwrap();
}

async fn filters_select_events(store: AnyStore, _raw: Raw) {
    fill(&store, 24).await;
    let reader = Reader::new(store);
    let count = |filter: Filter| {
        let reader = &reader;
        async move { reader.query(&filter).await.unwrap().len() }
    };
    assert_eq!(count(Filter::default()).await, 24);
    let ns = |s: &str| Some(s.to_owned());
    assert_eq!(
        count(Filter {
            namespace: ns("payments"),
            ..Filter::default()
        })
        .await,
        8
    );
    assert_eq!(
        count(Filter {
            kind: ns("Pod"),
            ..Filter::default()
        })
        .await,
        12
    );
    assert_eq!(
        count(Filter {
            name: ns("app-7"),
            ..Filter::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(Filter {
            control: ns("host-path-volumes"),
            ..Filter::default()
        })
        .await,
        12
    );
    assert_eq!(
        count(Filter {
            control: ns("host-path"),
            ..Filter::default()
        })
        .await,
        0
    );
    assert_eq!(
        count(Filter {
            decision: Some(Decision::Denied),
            ..Filter::default()
        })
        .await,
        6
    );
    assert_eq!(
        count(Filter {
            user: ns("user-1"),
            ..Filter::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(Filter {
            source: Some(SourceKind::Scan),
            ..Filter::default()
        })
        .await,
        4
    );
    let since = Some(Timestamp::from_millis(T0 + 10 * 60_000));
    let until = Some(Timestamp::from_millis(T0 + 19 * 60_000));
    assert_eq!(
        count(Filter {
            since,
            until,
            ..Filter::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(Filter {
            since,
            namespace: ns("web"),
            decision: Some(Decision::Warned),
            ..Filter::default()
        })
        .await,
        2
    );
    assert_eq!(
        count(Filter {
            limit: Some(5),
            offset: 20,
            ..Filter::default()
        })
        .await,
        4
    );
    // The developer role: scoped to its namespaces, whatever it asks for.
    let scoped = reader
        .query_scoped(
            &Filter {
                namespace: ns("kube-system"),
                ..Filter::default()
            },
            &["web".to_owned()],
        )
        .await
        .unwrap();
    assert!(scoped.is_empty());
    let scoped = reader
        .query_scoped(&Filter::default(), &["web".to_owned()])
        .await
        .unwrap();
    assert_eq!(scoped.len(), 8);
    assert!(
        scoped
            .iter()
            .all(|e| e.event.resource.namespace.as_deref() == Some("web"))
    );
    // Entries come back whole: findings, waivers, source.
    let first = reader
        .query(&Filter {
            name: ns("app-2"),
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(first[0].event, event(2));
    assert_eq!(first[0].seq, 2);
}

async fn bundles_round_trip_and_tampering_shows(store: AnyStore, _raw: Raw) {
    fill(&store, 12).await;
    store
        .append("replica-b", &[event(3), event(9)])
        .await
        .unwrap();
    let mut out = Vec::new();
    let since = Some(Timestamp::from_millis(T0 + 5 * 60_000));
    let summary = export(&store, since, None, &key(), "0.1.0", &mut out)
        .await
        .unwrap();
    assert_eq!(summary.chains.len(), 2);
    assert_eq!(
        (summary.chains[0].first_seq, summary.chains[0].last_seq),
        (5, 12)
    );
    assert_eq!(
        (summary.chains[1].first_seq, summary.chains[1].last_seq),
        (2, 2)
    );
    let public = pinned();
    let report = verify_bundle(Cursor::new(&out), &public).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.events, 9);

    let text = String::from_utf8(out).unwrap();
    // An edited event: named by line, and the signature no longer matches.
    let edited = text.replace("container api is privileged (7)", "fine");
    let report = verify_bundle(Cursor::new(edited), &public).unwrap();
    assert_eq!(
        report.problems[0],
        "line 4: event default#7: altered: its content does not match its hash"
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("changed after signing"))
    );
    // A removed line.
    let lines: Vec<&str> = text.lines().collect();
    let removed: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let report = verify_bundle(Cursor::new(removed), &public).unwrap();
    assert_eq!(
        report.problems[0],
        "line 6: event default#10: follows #8: events removed or reordered"
    );
    // Another key.
    let other = PinnedKeys {
        checkpoint: vec![SigningKey::from_bytes(&[9u8; 32]).verifying_key()],
        retention: vec![],
    };
    let report = verify_bundle(Cursor::new(text.clone()), &other).unwrap();
    assert!(report.problems[0].contains("not by a given key"));
}

/// A range that starts after #1 is anchored by a trusted checkpoint at the
/// event before it, and only when that checkpoint's hash is the first
/// event's predecessor: a signed checkpoint from before the history was
/// rewritten exposes the rewrite.
async fn a_range_s_anchor_must_match_its_first_predecessor(store: AnyStore, _raw: Raw) {
    use palisade_audit::checkpoint::{Checkpoint, CheckpointBody, CheckpointKind};
    fill(&store, 12).await;
    let mut out = Vec::new();
    let since = Some(Timestamp::from_millis(T0 + 5 * 60_000));
    export(&store, since, None, &key(), "0.1.0", &mut out)
        .await
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.contains("\"type\":\"signature\""))
        .map(str::to_owned)
        .collect();
    let first: serde_json::Value = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "event" && v["chain"] == "default")
        .unwrap();
    let first_seq = first["seq"].as_i64().unwrap();
    let predecessor = first["prev_hash"].as_str().unwrap().to_owned();
    let anchored = |hash: &str| {
        let checkpoint = Checkpoint::signed(
            CheckpointBody {
                kind: CheckpointKind::Head,
                chain: "default".into(),
                seq: first_seq - 1,
                hash: hash.to_owned(),
                time: Timestamp::from_millis(T0),
                pruned: None,
                chains: None,
            },
            Some(&key()),
        );
        let mut with = lines.clone();
        let proof = with.pop().unwrap();
        with.push(format!(
            "{{\"type\":\"checkpoint\",\"checkpoint\":{}}}",
            checkpoint.to_json().unwrap()
        ));
        with.push(proof);
        palisade_audit::bundle::signed(&with, &key()).unwrap()
    };
    // The checkpoint that matches: the range is anchored.
    let report = verify_bundle(Cursor::new(anchored(&predecessor)), &pinned()).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // A signed checkpoint of another history at the same place.
    let other = "0".repeat(64);
    let report = verify_bundle(Cursor::new(anchored(&other)), &pinned()).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("events before the range were replaced")),
        "{:?}",
        report.problems
    );
}

async fn concurrent_writers_keep_valid_chains(url: String, store: AnyStore) {
    // Four writers in their own connections: two share chain `shared`, two
    // have their own chain. Every event awaited, all in flight together.
    let mut recorders = Vec::new();
    for chain in ["shared", "shared", "replica-1", "replica-2"] {
        let options = WriterOptions {
            chain: chain.into(),
            max_batch: 16,
            ..WriterOptions::default()
        };
        recorders.push(AuditLog::open(&url, options).await.unwrap());
    }
    let mut tasks = Vec::new();
    for (w, recorder) in recorders.iter().enumerate() {
        for i in 0..150 {
            let recorder = recorder.clone();
            tasks.push(tokio::spawn(async move {
                let receipt = recorder.record(event(w as i64 * 1000 + i)).unwrap();
                receipt.committed().await.unwrap()
            }));
        }
    }
    let mut seqs = std::collections::HashMap::<String, Vec<i64>>::new();
    for task in tasks {
        let at = task.await.unwrap();
        seqs.entry(at.chain).or_default().push(at.seq);
    }
    for recorder in &recorders {
        recorder.shutdown().await.unwrap();
    }
    let mut shared = seqs.remove("shared").unwrap();
    shared.sort();
    assert_eq!(shared, (1..=300).collect::<Vec<_>>());
    let report = verify(&store, &VerifyOptions::default()).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    let counts: Vec<(String, u64)> = report
        .chains
        .iter()
        .map(|c| (c.chain.clone(), c.events))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("replica-1".into(), 150),
            ("replica-2".into(), 150),
            ("shared".into(), 300)
        ]
    );
}

async fn writer_commits_everything_accepted(url: String, store: AnyStore) {
    let options = WriterOptions {
        chain: "webhook-0".into(),
        checkpoint: Some(palisade_audit::CheckpointSchedule {
            key: key(),
            every: std::time::Duration::from_secs(3600),
        }),
        ..WriterOptions::default()
    };
    let recorder = AuditLog::open(&url, options).await.unwrap();
    // Fire-and-forget: receipts dropped at once.
    for i in 0..2_000 {
        drop(recorder.record(event(i)).unwrap());
    }
    let report = recorder.shutdown().await.unwrap();
    assert_eq!((report.committed, report.lost), (2_000, 0));
    assert!(matches!(
        recorder.record(event(1)),
        Err(palisade_audit::RecordError::Closed)
    ));
    let verified = verify(
        &store,
        &VerifyOptions {
            keys: pinned(),
            ..VerifyOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(verified.is_ok(), "{:?}", verified.problems);
    assert_eq!(verified.chains[0].events, 2_000);
    // The checkpoint signed at shutdown covers the last event.
    assert_eq!(verified.chains[0].latest_checkpoint_seq, Some(2_000));
    assert_eq!(verified.chains[0].signed_valid, 1);
}

async fn newer_schema_is_refused(url: String, raw: Raw) {
    raw.exec("UPDATE palisade_audit_meta SET value = '99' WHERE key = 'schema_version'")
        .await;
    match AnyStore::open(&url).await {
        Err(palisade_audit::AuditError::Schema {
            found: 99,
            supported: 2,
        }) => {}
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
}

/// Runs every case against fresh databases made by `new_db`.
async fn run_suite<F, Fut>(backend: &str, mut new_db: F)
where
    F: FnMut(&str) -> Fut,
    Fut: std::future::Future<Output = (String, Raw)>,
{
    macro_rules! case {
        ($name:ident) => {{
            eprintln!("{backend}: {}", stringify!($name));
            let (url, raw) = new_db(stringify!($name)).await;
            let store = AnyStore::open(&url).await.unwrap();
            $name(store, raw).await;
        }};
    }
    macro_rules! url_case {
        ($name:ident, $second:ident) => {{
            eprintln!("{backend}: {}", stringify!($name));
            let (url, raw) = new_db(stringify!($name)).await;
            let store = AnyStore::open(&url).await.unwrap();
            let _ = &raw;
            url_case!(@call $name, url, store, raw, $second);
        }};
        (@call $name:ident, $url:ident, $store:ident, $raw:ident, store) => {
            $name($url, $store).await
        };
        (@call $name:ident, $url:ident, $store:ident, $raw:ident, raw) => {{
            drop($store);
            $name($url, $raw).await
        }};
    }
    case!(clean_chain_verifies);
    case!(edited_event_is_named);
    case!(edited_column_is_named);
    case!(edited_tally_is_named);
    case!(deleted_event_is_named);
    case!(reordered_events_are_named);
    case!(rehashed_event_is_named);
    case!(truncation_is_caught_by_a_signed_checkpoint);
    case!(forged_checkpoint_is_refused);
    case!(pruning_keeps_the_chain_verifiable);
    case!(filters_select_events);
    case!(bundles_round_trip_and_tampering_shows);
    case!(a_range_s_anchor_must_match_its_first_predecessor);
    url_case!(concurrent_writers_keep_valid_chains, store);
    url_case!(writer_commits_everything_accepted, store);
    url_case!(newer_schema_is_refused, raw);
    url_case!(a_first_schema_log_is_upgraded, raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_suite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    run_suite("sqlite", |name| {
        let path = root.join(format!("{name}.db"));
        async move {
            let path = path.display().to_string();
            (format!("sqlite://{path}"), Raw::Sqlite(path))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_suite() {
    let Some(server) = TestPostgres::start(false) else {
        return;
    };
    let server = &server;
    run_suite("postgres", |name| {
        let name = name.to_owned();
        async move {
            let url = server.create_db(&name).await;
            (url.clone(), Raw::Postgres(url))
        }
    })
    .await;
}

/// A real outage: PostgreSQL stops while the webhook's writer is in use.
/// New events are refused at once, the event caught in flight is kept and
/// committed when the server is back, and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_refuses_new_events_and_loses_none() {
    // Durable settings: with the suite's `synchronous_commit=off`, an
    // immediate stop loses commits already acknowledged.
    let Some(server) = TestPostgres::start(true) else {
        return;
    };
    let url = server.create_db("outage").await;
    let options = WriterOptions {
        chain: "webhook-0".into(),
        ..WriterOptions::default()
    };
    let recorder = AuditLog::open(&url, options).await.unwrap();
    for i in 0..10 {
        recorder
            .record(event(i))
            .unwrap()
            .committed()
            .await
            .unwrap();
    }
    server.halt();
    let in_flight = recorder.record(event(10)).unwrap();
    assert!(matches!(
        in_flight.committed().await,
        Err(palisade_audit::RecordError::Unavailable(_))
    ));
    assert!(matches!(
        recorder.record(event(11)),
        Err(palisade_audit::RecordError::Unavailable(_))
    ));
    server.resume();
    let mut back = false;
    for _ in 0..200 {
        if recorder.is_available() {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(back, "the writer did not recover");
    recorder
        .record(event(12))
        .unwrap()
        .committed()
        .await
        .unwrap();
    assert_eq!(recorder.shutdown().await.unwrap().lost, 0);
    let store = AnyStore::open(&url).await.unwrap();
    let report = verify(&store, &VerifyOptions::default()).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    let names: Vec<String> = Reader::new(store)
        .query(&Filter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.resource.name.unwrap())
        .collect();
    let expected: Vec<String> = (0..=10).chain([12]).map(|i| format!("app-{i}")).collect();
    assert_eq!(names, expected);
}
