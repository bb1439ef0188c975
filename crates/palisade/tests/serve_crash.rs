//! Crash safety of the webhook's audit log: the real `palisade serve`
//! binary records to SQLite (and, in a second test, to a real PostgreSQL
//! started for it), a burst of admissions runs concurrently, the process is
//! killed with SIGKILL mid-burst, and a restart on the same database must
//! show an event for every request that got a response (matched by request
//! uid), with a chain that verifies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use palisade_audit::{Filter, Reader, SourceKind, VerifyOptions};
use serde_json::{Value, json};

#[path = "../../palisade-audit/tests/support/postgres.rs"]
mod postgres;

#[path = "support/serve.rs"]
mod serve;

use serve::{HOST, client, free_port, serve_command, wait_ready, write_certs};

fn serve(dir: &Path, db: &str, port: u16) -> Child {
    serve_command(dir, port)
        .args(["--audit-db", db])
        .args(["--audit-chain", "crash-test"])
        .spawn()
        .unwrap()
}

fn review(uid: &str, privileged: bool) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "web",
            "namespace": "apps",
            "operation": "CREATE",
            "userInfo": {"username": "burst", "groups": ["system:authenticated"]},
            "object": {
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                    "securityContext": {"privileged": privileged}}]},
            },
        }
    })
}

/// Sends admissions from `workers` tasks until told to stop; returns the
/// uids that got an AdmissionReview response.
async fn burst(
    client: reqwest::Client,
    port: u16,
    workers: usize,
    answered: Arc<Mutex<BTreeSet<String>>>,
) {
    let mut tasks = Vec::new();
    for w in 0..workers {
        let client = client.clone();
        let answered = answered.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let uid = format!("uid-{w}-{i}");
                let url = format!("https://{HOST}:{port}/validate");
                let Ok(response) = client
                    .post(url)
                    .json(&review(&uid, i % 2 == 0))
                    .send()
                    .await
                else {
                    return;
                };
                let Ok(body) = response.json::<Value>().await else {
                    return;
                };
                if body["response"]["uid"] == uid.as_str() {
                    answered.lock().unwrap().insert(uid);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_burst_loses_no_answered_event_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("audit.db").display());
    kill_9_mid_burst(dir.path(), &db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_burst_loses_no_answered_event_postgres() {
    // PostgreSQL's own durability is not what is tested (it keeps
    // running): the webhook's answer-after-commit is.
    let Some(server) = postgres::TestPostgres::start(false) else {
        return;
    };
    let db = server.create_db("crash").await;
    let dir = tempfile::tempdir().unwrap();
    kill_9_mid_burst(dir.path(), &db).await;
}

async fn kill_9_mid_burst(dir: &Path, db: &str) {
    let ca = write_certs(dir);
    std::fs::write(
        dir.join("palisade.yaml"),
        "admission:\n  mode: enforce\n  failure-mode: closed\n",
    )
    .unwrap();
    let port = free_port();
    let http = client(&ca, port);
    let mut server = serve(dir, db, port);
    wait_ready(&http, port).await;

    let answered = Arc::new(Mutex::new(BTreeSet::new()));
    let sending = tokio::spawn(burst(http.clone(), port, 8, answered.clone()));
    // Kill once a good number of responses went out, while more are in
    // flight.
    let start = Instant::now();
    while answered.lock().unwrap().len() < 300 && start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL, to this child's PID only
    server.wait().unwrap();
    sending.await.unwrap();
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 300, "only {} answered", answered.len());

    // Restart on the same file: it opens the log and goes on appending.
    let port = free_port();
    let http = client(&ca, port);
    let mut server = serve(dir, db, port);
    wait_ready(&http, port).await;
    let after = http
        .post(format!("https://{HOST}:{port}/validate"))
        .json(&review("uid-after-restart", false))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200);
    server.kill().unwrap();
    server.wait().unwrap();

    let reader = Reader::open(db).await.unwrap();
    let entries = reader
        .query(&Filter {
            source: Some(SourceKind::Admission),
            ..Filter::default()
        })
        .await
        .unwrap();
    let recorded: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match &e.event.source {
            palisade_audit::Source::Admission { uid, .. } => Some(uid.clone()),
            _ => None,
        })
        .collect();
    let missing: Vec<&String> = answered.difference(&recorded).collect();
    assert!(missing.is_empty(), "answered but not recorded: {missing:?}");
    assert!(recorded.contains("uid-after-restart"));
    let report = palisade_audit::verify(reader.store(), &VerifyOptions::default())
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
}
