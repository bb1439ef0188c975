//! `palisade fim` end to end: a baseline anchored in a real SQLite audit
//! log, compares that exit 0 or 1 with every change a finding (JSON and
//! SARIF), approvals into the baseline and until a date, a baseline file
//! edited behind Palisade's back refused, events rewritten caught by
//! `palisade audit verify`, and the inotify watcher's compare on a change.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{binary, json, sarif_uris, stderr};

/// A node's tree, its baseline file and audit log.
struct Node {
    dir: tempfile::TempDir,
}

impl Node {
    fn new() -> Node {
        let dir = tempfile::tempdir().unwrap();
        let node = Node { dir };
        node.write("/etc/hostname", "node-a\n", 0o644);
        node.write(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "apiVersion: v1\nkind: Pod\n",
            0o600,
        );
        node.write("/etc/sudoers", "root ALL=(ALL) ALL\n", 0o440);
        std::fs::create_dir_all(node.root().join("etc/sudoers.d")).unwrap();
        node.write("/usr/bin/kubelet", "kubelet v1.31\n", 0o755);
        node
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn baseline(&self) -> PathBuf {
        self.dir.path().join("state/fim-baseline.json")
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("audit.db").display())
    }

    fn write(&self, path: &str, text: &str, mode: u32) {
        palisade_testkit::host::write(&self.root(), path, text, mode);
    }

    fn chmod(&self, path: &str, mode: u32) {
        let local = self.root().join(path.trim_start_matches('/'));
        std::fs::set_permissions(local, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// `palisade fim COMMAND --root --baseline --audit-db ARGS...`.
    fn fim(&self, command: &str, args: &[&str]) -> Output {
        self.fim_in(&self.db(), command, args)
    }

    /// The same with another audit log.
    fn fim_in(&self, db: &str, command: &str, args: &[&str]) -> Output {
        let root = self.root();
        let baseline = self.baseline();
        binary()
            .current_dir(self.dir.path())
            .env("USER", "alice")
            .args(["fim", command, "--root"])
            .arg(&root)
            .arg("--baseline")
            .arg(&baseline)
            .args(["--audit-db", db])
            .args(args)
            .output()
            .unwrap()
    }

    fn compare(&self, format: &str) -> Output {
        self.fim("compare", &["--format", format])
    }

    /// `palisade fim status` of the log.
    fn status(&self) -> Output {
        binary()
            .args(["fim", "status", "--audit-db", &self.db()])
            .output()
            .unwrap()
    }

    /// The log's node events, oldest first.
    fn events(&self) -> Vec<Value> {
        let out = binary()
            .args([
                "audit",
                "query",
                "--source",
                "node",
                "--format",
                "json",
                "--audit-db",
                &self.db(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].clone())
            .collect()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// (control, changed path, waiver owner) of each finding.
fn findings(report: &Value) -> Vec<(String, String, Option<String>)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["control"].as_str().unwrap().to_owned(),
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["waiver"]["owner"].as_str().map(str::to_owned),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn baseline_compare_accept_and_tampering() {
    let node = Node::new();
    let out = node.fim("baseline", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("anchored as fim#1"),
        "{}",
        stderr(&out)
    );
    // A second baseline would hide what changed since the first.
    let again = node.fim("baseline", &[]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("fim accept"), "{}", stderr(&again));

    let clean = node.compare("json");
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
    assert!(findings(&json(&clean)).is_empty());

    node.write(
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nspec: {}\n",
        0o600,
    );
    node.chmod("/etc/sudoers", 0o666);
    node.write(
        "/etc/sudoers.d/zz",
        "alice ALL=(ALL) NOPASSWD: ALL\n",
        0o440,
    );
    let changed = node.compare("json");
    assert_eq!(code(&changed), 1, "{}", stderr(&changed));
    let status = node.status();
    assert_eq!(code(&status), 1);
    assert!(
        support::stdout(&status).starts_with("changed  node-a  "),
        "{}",
        support::stdout(&status)
    );
    let report = json(&changed);
    let s = |t: &str| t.to_owned();
    assert_eq!(
        findings(&report),
        vec![
            (
                s("file-integrity-content-changed"),
                s("/etc/kubernetes/manifests/kube-apiserver.yaml"),
                None
            ),
            (s("file-integrity-file-added"), s("/etc/sudoers.d/zz"), None),
            (
                s("file-integrity-permissions-changed"),
                s("/etc/sudoers"),
                None
            ),
        ]
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"modified: mode: 0440 -> 0666"),
        "{messages:?}"
    );
    let sarif = json(&node.compare("sarif"));
    let mut uris = sarif_uris(&sarif);
    uris.sort();
    assert_eq!(
        uris,
        [
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "/etc/sudoers",
            "/etc/sudoers.d/zz"
        ]
    );

    // The manifest into the baseline; the mode accepted for a while.
    let accept = node.fim(
        "accept",
        &[
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            "--reason",
            "CHG-1: audit flags",
            "--ticket",
            "CHG-1",
        ],
    );
    assert_eq!(code(&accept), 0, "{}", stderr(&accept));
    let until = node.fim(
        "accept",
        &[
            "/etc/sudoers",
            "--reason",
            "debugging",
            "--until",
            "2099-12-31",
            "--owner",
            "security",
        ],
    );
    assert_eq!(code(&until), 0, "{}", stderr(&until));
    let unknown = node.fim("accept", &["/etc/passwd", "--reason", "x"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("no change to approve"),
        "{}",
        stderr(&unknown)
    );

    let after = node.compare("json");
    assert_eq!(
        code(&after),
        1,
        "the new sudoers drop-in is still unapproved"
    );
    assert_eq!(
        findings(&json(&after)),
        vec![
            (s("file-integrity-file-added"), s("/etc/sudoers.d/zz"), None),
            (
                s("file-integrity-permissions-changed"),
                s("/etc/sudoers"),
                Some(s("security"))
            ),
        ]
    );
    let all = node.fim("accept", &["--all", "--reason", "reviewed"]);
    assert_eq!(code(&all), 0, "{}", stderr(&all));
    assert_eq!(code(&node.compare("json")), 0);

    // The baseline edited behind Palisade's back: refused until restored.
    let kept = std::fs::read_to_string(node.baseline()).unwrap();
    let edited = kept.replace("\"mode\": 438", "\"mode\": 420");
    assert_ne!(edited, kept);
    std::fs::write(node.baseline(), &edited).unwrap();
    let swapped = binary()
        .args([
            "audit",
            "verify",
            "--audit-db",
            &node.db(),
            "--fim-baseline",
        ])
        .arg(node.baseline())
        .output()
        .unwrap();
    assert_eq!(code(&swapped), 1, "{}", support::stdout(&swapped));
    assert!(
        support::stdout(&swapped).contains("replaced or edited outside Palisade"),
        "{}",
        support::stdout(&swapped)
    );
    let refused = node.compare("json");
    assert_eq!(code(&refused), 2);
    assert!(
        stderr(&refused).contains("not the one the audit log anchored last"),
        "{}",
        stderr(&refused)
    );
    std::fs::write(node.baseline(), &kept).unwrap();
    assert_eq!(code(&node.compare("json")), 0);
    let status = node.status();
    assert_eq!(code(&status), 0, "{}", support::stdout(&status));
    assert!(support::stdout(&status).contains("1 of 1 hosts compared within 7d"));

    // Every command is an event naming who and why.
    let events = node.events();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["source"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "fim-baseline",
            "fim-compare",
            "fim-compare",
            "fim-compare",
            "fim-accept",
            "fim-accept",
            "fim-compare",
            "fim-accept",
            "fim-compare",
            "fim-compare",
            "fim-compare",
        ]
    );
    assert_eq!(events[9]["decision"], "denied", "the refused compare");
    assert!(
        events[9]["reason"]
            .as_str()
            .unwrap()
            .contains("not the one the audit log anchored last")
    );
    let approval = &events[5];
    assert_eq!(approval["source"]["user"], "alice");
    assert_eq!(approval["decision"], "waived");
    assert!(
        approval["reason"]
            .as_str()
            .unwrap()
            .contains("until 2099-12-31")
    );
    assert_eq!(approval["findings"][0]["waiver"]["owner"], "security");
    assert_eq!(
        approval["source"]["previous"], events[4]["source"]["baseline"],
        "each approval names the baseline it replaces"
    );
    let verify = binary()
        .args([
            "audit",
            "verify",
            "--audit-db",
            &node.db(),
            "--fim-baseline",
        ])
        .arg(node.baseline())
        .output()
        .unwrap();
    assert_eq!(code(&verify), 0, "{}", stderr(&verify));
    assert!(
        support::stdout(&verify).contains("ok: fim baseline"),
        "{}",
        support::stdout(&verify)
    );

    // An approval rewritten in the database: caught.
    let path = node.dir.path().join("audit.db");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE audit_events SET event = replace(event, 'debugging', 'approved by the CISO') WHERE seq = 6",
            [],
        )
        .unwrap();
    drop(connection);
    let verify = binary()
        .args(["audit", "verify", "--audit-db", &node.db()])
        .output()
        .unwrap();
    assert_eq!(code(&verify), 1, "{}", support::stdout(&verify));
    assert!(
        support::stdout(&verify).contains("fim#6"),
        "{}",
        support::stdout(&verify)
    );
}

#[test]
fn a_baseline_the_log_does_not_vouch_for_is_refused() {
    let node = Node::new();
    assert_eq!(code(&node.fim("baseline", &[])), 0);
    // Another audit log, which anchors another node's baseline only.
    let other_node = Node::new();
    other_node.write("/etc/hostname", "node-z\n", 0o644);
    let other = node.dir.path().join("other.db");
    let other = format!("sqlite://{}", other.display());
    assert_eq!(code(&other_node.fim_in(&other, "baseline", &[])), 0);
    let out = node.fim_in(&other, "compare", &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no baseline of node-a is anchored"),
        "{}",
        stderr(&out)
    );
    // Another host's tree.
    node.write("/etc/hostname", "node-b\n", 0o644);
    let out = node.compare("json");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("a baseline of node-a, not of this host (node-b)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_watcher_compares_when_a_watched_file_changes() {
    let node = Node::new();
    assert_eq!(code(&node.fim("baseline", &[])), 0);
    let root = node.root();
    let baseline = node.baseline();
    let mut child = binary()
        .current_dir(node.dir.path())
        .args([
            "fim",
            "watch",
            "--every",
            "1h",
            "--settle-ms",
            "100",
            "--root",
        ])
        .arg(&root)
        .arg("--baseline")
        .arg(&baseline)
        .args(["--audit-db", &node.db(), "--format", "json", "--output"])
        .arg(node.dir.path().join("watch.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let compares = |node: &Node| {
        node.events()
            .into_iter()
            .filter(|e| e["source"]["action"] == "fim-compare")
            .collect::<Vec<_>>()
    };
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("the first compare", &|| compares(&node).len() == 1);
    node.write(
        "/etc/sudoers.d/zz",
        "alice ALL=(ALL) NOPASSWD: ALL\n",
        0o440,
    );
    wait_for("a compare after the change", &|| compares(&node).len() >= 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let latest = compares(&node).pop().unwrap();
    assert_eq!(latest["decision"], "denied", "{latest}");
    assert_eq!(
        latest["findings"][0]["control"],
        "file-integrity-file-added"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(node.dir.path().join("watch.json")).unwrap())
            .unwrap();
    assert_eq!(findings(&report).len(), 1);
}

/// `GET path` on the agent's endpoint: status line and body.
fn http_get(addr: &str, path: &str) -> Option<(String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: agent\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_owned(), body.to_owned()))
}

#[test]
fn the_node_agent_compares_on_schedule_and_says_so_on_its_endpoint() {
    let node = Node::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let root = node.root();
    let baseline = node.baseline();
    let mut agent = binary()
        .current_dir(node.dir.path())
        .env("USER", "agent")
        .args([
            "node",
            "agent",
            "--every",
            "1h",
            "--fim-every",
            "1s",
            "--take-baseline",
            "-q",
            "--root",
        ])
        .arg(&root)
        .arg("--baseline")
        .arg(&baseline)
        .args(["--audit-db", &node.db(), "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let metric = |line: &str| {
        http_get(&addr, "/metrics").is_some_and(|(_, body)| body.lines().any(|l| l == line))
    };
    wait_for("a first compare", &|| {
        metric(r#"palisade_node_agent_runs_total{check="fim-compare",outcome="ok"} 1"#)
    });
    let (status, body) = http_get(&addr, "/healthz").unwrap();
    assert!(status.contains("200"), "{status} {body}");
    assert!(baseline.exists(), "the agent took the baseline");
    node.write(
        "/etc/sudoers.d/zz",
        "alice ALL=(ALL) NOPASSWD: ALL\n",
        0o440,
    );
    wait_for("the change on /metrics", &|| {
        metric(r#"palisade_node_agent_fim_changes{kind="added"} 1"#)
            && metric(
                r#"palisade_node_agent_findings{check="fim-compare",control="file-integrity-file-added"} 1"#,
            )
    });
    agent.kill().unwrap();
    agent.wait().unwrap();
    // Each run is evidence: the baseline the agent took, its compares, and
    // the node scan's event in its own chain.
    let events = node.events();
    assert_eq!(events[0]["source"]["action"], "fim-baseline");
    assert_eq!(events[0]["source"]["user"], "agent");
    assert!(events.iter().any(|e| e["source"]["action"] == "fim-compare"
        && e["findings"][0]["control"] == "file-integrity-file-added"));
}

#[test]
fn a_missing_baseline_file_is_not_silently_replaced() {
    let node = Node::new();
    assert_eq!(code(&node.fim("baseline", &[])), 0);
    let first = node.events()[0]["source"]["baseline"].clone();
    // Someone changes a watched file and deletes the baseline.
    node.write("/usr/bin/kubelet", "kubelet (patched)\n", 0o755);
    std::fs::remove_file(node.baseline()).unwrap();
    let again = node.fim("baseline", &[]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("anchors one for this host"),
        "{}",
        stderr(&again)
    );
    // A deliberate new baseline names the one it replaces.
    assert_eq!(code(&node.fim("baseline", &["--replace"])), 0);
    let events = node.events();
    assert_eq!(events.len(), 2, "the refusal wrote no baseline");
    assert_eq!(events[1]["source"]["previous"], first);
}
