//! Summaries counted in the database (`Store::summarise`), on SQLite and
//! on a real PostgreSQL: API accesses and non-admission decisions are left
//! out, waived findings are told from unwaived ones, dry runs are marked,
//! and the window and the namespace scope apply.
//!
//! Events are written from JSON, as the log stores them, so that the cases
//! read the same whatever fields later versions add to `Event`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/postgres.rs"]
mod postgres_server;

use palisade_audit::{AnyStore, Event, Filter, Reader, Store, SummaryGroup, Timestamp};
use postgres_server::TestPostgres;
use serde_json::{Value, json};

const T0: i64 = 1_795_000_000_000;

/// A finding: control, action, waived by an exception or not.
type F<'a> = (&'a str, Option<&'a str>, bool);

fn finding((control, action, waiver): F<'_>) -> Value {
    json!({
        "control": control,
        "severity": "high",
        "message": format!("{control} found"),
        "action": action,
        "waiver": waiver.then(|| json!({
            "justification": "accepted", "owner": null, "ticket": null,
            "expires": null, "source": "palisade.yaml:3",
        })),
    })
}

fn event(at: i64, source: Value, namespace: &str, decision: &str, findings: &[F<'_>]) -> Event {
    serde_json::from_value(json!({
        "time": Timestamp::from_millis(T0 + at),
        "source": source,
        "resource": {"api_version": "v1", "kind": "Pod", "namespace": namespace, "name": "p"},
        "decision": decision,
        "reason": null,
        "findings": findings.iter().copied().map(finding).collect::<Vec<_>>(),
        "policy_version": "sha256:x",
        "palisade_version": "0.1.0",
    }))
    .unwrap()
}

/// An admission event as versions before `source.endpoint` wrote it.
fn admission(dry_run: bool) -> Value {
    json!({"kind": "admission", "user": "u", "groups": [], "operation": "CREATE",
           "uid": "1", "dry_run": dry_run, "mutated": []})
}

/// An admission event of the webhook `endpoint` (`validate` or `mutate`).
fn admission_to(dry_run: bool, endpoint: Option<&str>) -> Value {
    let mut source = admission(dry_run);
    source["endpoint"] = json!(endpoint);
    source
}

fn api() -> Value {
    json!({"kind": "api", "user": "x", "role": "admin", "request": "GET /api/v1/events"})
}

fn scan() -> Value {
    json!({"kind": "scan", "file": "a.yaml"})
}

/// The groups with the same key merged, sorted: the stores may split or
/// order them differently.
fn normalised(groups: Vec<SummaryGroup>) -> Vec<(String, String, bool, String, String, u64)> {
    let mut merged: std::collections::BTreeMap<_, u64> = Default::default();
    for g in groups {
        *merged
            .entry((
                g.namespace.unwrap_or_default(),
                g.decision,
                g.dry_run,
                g.failing.join(","),
                g.waived.join(","),
            ))
            .or_default() += g.events;
    }
    merged
        .into_iter()
        .map(|((ns, d, dry, f, w), n)| (ns, d, dry, f, w, n))
        .collect()
}

async fn summaries_count_admissions_in_the_database(store: AnyStore) {
    let events = vec![
        // Before the window.
        event(
            0,
            admission(false),
            "a",
            "denied",
            &[("privileged-container", Some("denied"), false)],
        ),
        // Accesses to the log: never counted, however many.
        event(10, api(), "", "denied", &[]),
        event(11, api(), "", "allowed", &[]),
        // Counted.
        event(
            20,
            admission_to(false, Some("validate")),
            "a",
            "denied",
            &[
                ("privileged-container", Some("denied"), false),
                ("privileged-container", Some("denied"), false),
            ],
        ),
        event(
            21,
            admission(false),
            "a",
            "warned",
            &[
                ("latest-tag", Some("warned"), false),
                ("host-path-volumes", Some("waived"), true),
            ],
        ),
        // Waived by its action alone, and a finding both ways.
        event(
            22,
            admission(false),
            "a",
            "allowed",
            &[
                ("host-path-volumes", Some("waived"), false),
                ("latest-tag", Some("warned"), false),
                ("latest-tag", Some("waived"), true),
            ],
        ),
        event(
            23,
            admission(true),
            "b",
            "denied",
            &[("privileged-container", Some("denied"), false)],
        ),
        event(24, scan(), "b", "allowed", &[]),
        event(25, scan(), "b", "allowed", &[]),
        // The mutating webhook's events: not counted.
        event(
            26,
            admission_to(false, Some("mutate")),
            "b",
            "allowed",
            &[("privileged-container", None, false)],
        ),
        event(
            27,
            admission(false),
            "b",
            "mutated",
            &[("privileged-container", None, false)],
        ),
    ];
    store.append("c1", &events).await.unwrap();
    let reader = Reader::new(store);
    let window = Filter {
        since: Some(Timestamp::from_millis(T0 + 5)),
        ..Filter::default()
    };
    let groups = normalised(reader.summarise(&window, None).await.unwrap());
    let s = |t: &str| t.to_owned();
    assert_eq!(
        groups,
        vec![
            (
                s("a"),
                s("allowed"),
                false,
                s("latest-tag"),
                s("host-path-volumes,latest-tag"),
                1
            ),
            (
                s("a"),
                s("denied"),
                false,
                s("privileged-container"),
                s(""),
                1
            ),
            (
                s("a"),
                s("warned"),
                false,
                s("latest-tag"),
                s("host-path-volumes"),
                1
            ),
            (s("b"), s("allowed"), false, s(""), s(""), 2),
            (
                s("b"),
                s("denied"),
                true,
                s("privileged-container"),
                s(""),
                1
            ),
        ]
    );
    // The scope restricts, on top of the namespace asked for.
    let scoped = normalised(
        reader
            .summarise(&window, Some(&["b".to_owned()]))
            .await
            .unwrap(),
    );
    assert_eq!(scoped.iter().map(|g| g.5).sum::<u64>(), 3);
    assert!(scoped.iter().all(|g| g.0 == "b"));
    let none = reader.summarise(&window, Some(&[])).await.unwrap();
    assert!(none.is_empty());
}

/// A window full of API accesses still shows its admissions: the count is
/// not of the first N events read.
async fn api_floods_do_not_hide_admissions(store: AnyStore) {
    let flood: Vec<Event> = (0..5_000)
        .map(|i| event(i, api(), "", "denied", &[]))
        .collect();
    for batch in flood.chunks(1_000) {
        store.append("flood", batch).await.unwrap();
    }
    store
        .append(
            "c1",
            &[event(10_000, admission(false), "a", "allowed", &[])],
        )
        .await
        .unwrap();
    let groups = Reader::new(store)
        .summarise(&Filter::default(), None)
        .await
        .unwrap();
    assert_eq!(normalised(groups).iter().map(|g| g.5).sum::<u64>(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_summaries() {
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in ["count", "flood"].iter().enumerate() {
        let path = dir.path().join(format!("{case}.db")).display().to_string();
        let store = AnyStore::open(&format!("sqlite://{path}")).await.unwrap();
        match i {
            0 => summaries_count_admissions_in_the_database(store).await,
            _ => api_floods_do_not_hide_admissions(store).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_summaries() {
    let Some(server) = TestPostgres::start(false) else {
        return;
    };
    let url = server.create_db("count").await;
    summaries_count_admissions_in_the_database(AnyStore::open(&url).await.unwrap()).await;
    let url = server.create_db("flood").await;
    api_floods_do_not_hide_admissions(AnyStore::open(&url).await.unwrap()).await;
}
