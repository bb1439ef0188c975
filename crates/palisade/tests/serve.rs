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

use serve::{HOST, client, client_waiting, free_port, serve_command, wait_ready, write_certs};

mod support;

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
    let scan = support::binary()
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
    let out = support::binary()
        .args(["audit", "verify"])
        .current_dir(&work)
        .env("XDG_STATE_HOME", &inside)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("inside the repository"), "{stderr}");
}

/// A Pod review for `/validate` with `containers` privileged containers,
/// each with `env_per_container` variables: at 256 and 300, about 5.9 MB
/// and 390,000 JSON values (keys count), the largest review Palisade evaluates under
/// its default body limit.
fn padded_review(uid: &str, containers: usize, env_per_container: usize) -> Vec<u8> {
    let env: Vec<Value> = (0..env_per_container)
        .map(|i| json!({"name": format!("VAR_{i}"), "value": "x".repeat(50)}))
        .collect();
    let containers: Vec<Value> = (0..containers)
        .map(|i| {
            json!({"name": format!("c{i}"), "image": "nginx:latest",
                   "securityContext": {"privileged": true}, "env": env})
        })
        .collect();
    let mut review = review(uid);
    review["request"]["object"]["spec"]["containers"] = Value::Array(containers);
    serde_json::to_vec(&review).unwrap()
}

/// The peak resident memory of process `pid`, in bytes (Linux `VmHWM`).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// The 256Mi memory limit `palisade install` gives the webhook, less the
/// headroom it needs to stay up: a replica killed for memory lets every
/// request through under `failurePolicy: Ignore`.
const PEAK_RSS_CEILING: u64 = 200 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_reviews_are_bounded_and_memory_stays_under_the_install_limit() {
    let dir = tempfile::tempdir().unwrap();
    // The default body limit and in-flight budget; a deadline long enough
    // for a debug build to judge the largest review, so that every answer
    // below is a decision and not the failure mode.
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "admission:\n  mode: enforce\n  deadline-ms: 25000\n",
    )
    .unwrap();
    let ca = write_certs(dir.path());
    let port = free_port();
    let mut command = serve_command(dir.path(), port);
    command.env(
        "PALISADE_AUDIT_DB",
        format!("sqlite://{}", dir.path().join("audit.db").display()),
    );
    let mut server = command.spawn().unwrap();
    let http = client_waiting(&ca, port, std::time::Duration::from_secs(120));
    wait_ready(&http, port).await;
    let url = format!("https://{HOST}:{port}/validate");
    let post = |body: Vec<u8>| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };

    // More values than Palisade parses: refused before the tree is built.
    let mut values = review("values");
    values["request"]["object"]["spec"]["x"] = Value::Array(vec![json!(0); 450_000]);
    let (status, body) = post(serde_json::to_vec(&values).unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("more than the 400000"), "{body}");

    // The 9,000-container review of the report: denied, not evaluated.
    let (status, body) = post(padded_review("many", 9_000, 1)).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response"]["allowed"], false, "{body}");
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("9000 containers, more than the 256"),
        "{message}"
    );

    // The largest evaluable review, four at a time, three times over:
    // each is judged (denied for its privileged containers, its findings
    // capped), none is answered by the failure mode, and the server's
    // peak memory stays well under the install limit.
    let largest = padded_review("largest", 256, 300);
    assert!(largest.len() > 5_800_000 && largest.len() < 6 * 1024 * 1024);
    for round in 0..3 {
        let sent: Vec<_> = (0..4)
            .map(|_| tokio::spawn(post(largest.clone())))
            .collect();
        let started = std::time::Instant::now();
        for answer in sent {
            let (status, body) = answer.await.unwrap();
            eprintln!("round {round}: {status} after {:?}", started.elapsed());
            assert_eq!(status, 200, "round {round}: {body}");
            let answer: Value = serde_json::from_str(&body).unwrap();
            let response = &answer["response"];
            assert_eq!(response["allowed"], false, "round {round}");
            assert!(
                response["auditAnnotations"]["failure"].is_null(),
                "round {round}: answered by the failure mode: {}",
                response["status"]
            );
            let message = response["status"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("privileged"), "{message}");
            assert!(
                message.len() < 16 * 1024,
                "a message of {} bytes",
                message.len()
            );
        }
    }
    let peak = peak_rss(server.id());
    server.kill().unwrap();
    server.wait().unwrap();
    eprintln!("peak RSS of palisade serve: {} MiB", peak / (1024 * 1024));
    assert!(
        peak < PEAK_RSS_CEILING,
        "peak RSS {} MiB, ceiling {} MiB",
        peak / (1024 * 1024),
        PEAK_RSS_CEILING / (1024 * 1024)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_reviews_wait_for_their_share_and_small_ones_pass_them() {
    use futures_util::StreamExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "admission:\n  mode: enforce\n  deadline-ms: 8000\n",
    )
    .unwrap();
    let ca = write_certs(dir.path());
    let port = free_port();
    let mut command = serve_command(dir.path(), port);
    command.arg("--no-audit");
    let mut server = command.spawn().unwrap();
    let http = client_waiting(&ca, port, std::time::Duration::from_secs(30));
    wait_ready(&http, port).await;
    let url = format!("https://{HOST}:{port}/validate");

    // A 6 MB review whose body stops after its first bytes holds six of
    // the eight MiB of the default in-flight budget until its deadline.
    let first = serde_json::to_vec(&review("holder")).unwrap();
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) })
        .chain(futures_util::stream::pending());
    let holder = tokio::spawn(
        http.post(&url)
            .header("content-type", "application/json")
            .header("content-length", "6000000")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    let started = std::time::Instant::now();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // A small review fits beside it and is judged at once.
    let small = http.post(&url).json(&review("small")).send().await.unwrap();
    assert_eq!(small.status().as_u16(), 200);
    let answer: Value = small.json().await.unwrap();
    assert_eq!(answer["response"]["uid"], "small");
    assert!(
        answer["response"]["auditAnnotations"]["failure"].is_null(),
        "{answer}"
    );
    assert!(
        started.elapsed().as_millis() < 4000,
        "the small review waited"
    );

    // Another large review waits for the holder's share (backpressure on
    // the same HTTP/2 connection) and is then judged within its own
    // deadline, not parsed beside it and not given up.
    // Half the deadline later, so it has half a deadline to be judged in
    // once the holder lets go, even on a loaded machine.
    tokio::time::sleep(std::time::Duration::from_millis(3700)).await;
    let waiter = http
        .post(&url)
        .header("content-type", "application/json")
        .body(padded_review("waiter", 256, 300))
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed().as_millis() >= 8000,
        "judged before the holder let go: {:?}",
        started.elapsed()
    );
    assert_eq!(waiter.status().as_u16(), 200);
    let answer: Value = waiter.json().await.unwrap();
    assert_eq!(answer["response"]["allowed"], false);
    assert!(
        answer["response"]["auditAnnotations"]["failure"].is_null(),
        "{}",
        answer["response"]["status"]
    );
    // The holder's body never came: its deadline ended it.
    let held = holder.await.unwrap().unwrap();
    assert_eq!(held.status().as_u16(), 408);
    server.kill().unwrap();
    server.wait().unwrap();
}
