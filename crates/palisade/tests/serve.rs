//! `palisade serve` end to end, as a child process: where its audit log
//! goes by default, and that it records the same policy version as
//! `palisade scan --record` for one configuration.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/serve.rs"]
mod serve;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use palisade_audit::{Filter, Reader};
use serde_json::{Value, json};

use serve::{HOST, client, free_port, serve_command, wait_ready, write_certs};

fn review(uid: &str) -> Value {
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
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": POD.clone(),
        }
    })
}

static POD: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "apps"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
});

/// Starts `command` (serving on `port` with a certificate of `ca`),
/// admits one pod, and stops the server.
async fn admit_once(ca: &str, port: u16, mut command: Command) {
    let http = client(ca, port);
    let mut server = command.spawn().unwrap();
    wait_ready(&http, port).await;
    let response = http
        .post(format!("https://{HOST}:{port}/validate"))
        .json(&review("uid-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // The response left after its event was committed.
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_record_and_serve_record_one_policy_version_for_one_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("audit.db").display());
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "frameworks: [pss-restricted]\nadmission:\n  mode: warn\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        serde_json::to_string(&*POD).unwrap(),
    )
    .unwrap();
    let scan = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["scan", "pod.yaml", "--record", "--format", "json"])
        .args(["--audit-db", &db, "--audit-chain", "scan"])
        .arg("--config")
        .arg(dir.path().join("palisade.yaml"))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        scan.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );

    let ca = write_certs(dir.path());
    let port = free_port();
    let mut command = serve_command(dir.path(), port);
    command.args(["--audit-db", &db, "--audit-chain", "webhook"]);
    admit_once(&ca, port, command).await;

    let reader = Reader::open(&db).await.unwrap();
    let entries = reader.query(&Filter::default()).await.unwrap();
    let versions: BTreeSet<(String, String)> = entries
        .iter()
        .map(|e| (e.chain.clone(), e.event.policy_version.clone()))
        .collect();
    let chains: BTreeSet<&str> = versions.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(chains, BTreeSet::from(["scan", "webhook"]), "{versions:?}");
    let distinct: BTreeSet<&str> = versions.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(distinct.len(), 1, "{versions:?}");
}

/// Without `--audit-db` or `audit.db`, the log goes to the user's state
/// folder, never the working directory, and start-up says where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_audit_log_is_in_the_state_folder_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repo");
    let state = dir.path().join("state");
    std::fs::create_dir_all(work.join(".git")).unwrap();
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "admission:\n  mode: warn\n",
    )
    .unwrap();
    let ca = write_certs(dir.path());
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut command = serve_command(dir.path(), port);
    command
        .current_dir(&work)
        .env_remove("PALISADE_AUDIT_DB")
        .env("XDG_STATE_HOME", &state)
        .env("PALISADE_LOG", "info")
        .stderr(log);
    admit_once(&ca, port, command).await;

    let expected = state.join("palisade").join("audit.db");
    assert!(expected.is_file(), "no {}", expected.display());
    let in_work: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != ".git")
        .collect();
    assert!(in_work.is_empty(), "{in_work:?}");
    let said = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(said.contains(&expected.display().to_string()), "{said}");
    let reader = Reader::open(&format!("sqlite://{}", expected.display()))
        .await
        .unwrap();
    assert_eq!(reader.query(&Filter::default()).await.unwrap().len(), 1);

    // A state folder inside a repository is refused, not written into.
    let inside = work.join("state");
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["audit", "verify"])
        .current_dir(&work)
        .env_remove("PALISADE_AUDIT_DB")
        .env_remove("PALISADE_CONFIG")
        .env("XDG_STATE_HOME", &inside)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("inside the repository"), "{stderr}");
}
