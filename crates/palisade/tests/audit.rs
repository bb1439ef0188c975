//! End-to-end tests of `palisade scan --record` and `palisade audit ...`:
//! the commands a person runs, on a SQLite log in a temporary directory
//! (the store suite in `palisade-audit` covers PostgreSQL).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::process::{Command, Output};

use serde_json::Value;
use support::{stderr, stdout, workspace};

struct Log {
    dir: tempfile::TempDir,
}

impl Log {
    fn new() -> Log {
        let log = Log {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = log.run(&["audit", "keygen", "--out", "key"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        log
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("audit.db").display())
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs palisade in the temporary directory with the log's database.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args(args)
            .current_dir(self.dir.path())
            .env("PALISADE_AUDIT_DB", self.db())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn record_examples(&self) {
        let examples = workspace().join("examples").display().to_string();
        let out = self.run(&["scan", &examples, "--record", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("recorded"), "{}", stderr(&out));
    }

    fn sql(&self, sql: &str) {
        let c = rusqlite::Connection::open(self.dir.path().join("audit.db")).unwrap();
        c.execute_batch(sql).unwrap();
    }
}

#[test]
fn scan_record_writes_one_event_per_resource_with_findings_and_waivers() {
    let log = Log::new();
    log.record_examples();
    let out = log.run(&["audit", "query", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries = entries.as_array().unwrap();
    // examples/: a Dockerfile, a good and a bad Deployment, a multi-document file.
    let names: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["event"]["resource"]["kind"].as_str().unwrap(),
                e["event"]["resource"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        names.contains(&"Deployment/payments-api".to_owned()),
        "{names:?}"
    );
    for e in entries {
        assert_eq!(e["event"]["source"]["kind"], "scan");
        assert!(
            e["event"]["policy_version"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(e["chain"], "scan");
    }
    let bad = entries
        .iter()
        .find(|e| e["event"]["resource"]["name"] == "payments-api")
        .unwrap();
    assert_eq!(bad["event"]["decision"], "denied");
    let controls: Vec<&str> = bad["event"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert!(controls.contains(&"privileged-container"));
}

#[test]
fn query_filters_and_formats() {
    let log = Log::new();
    log.record_examples();
    let all = stdout(&log.run(&["audit", "query", "--format", "csv"]));
    let rows = all.lines().count() - 1;
    assert!(rows >= 4, "{all}");
    assert!(all.starts_with(
        "time,chain,seq,source,user,operation,api_version,kind,namespace,name,decision,"
    ));

    let payments = stdout(&log.run(&["audit", "query", "-n", "payments", "--format", "csv"]));
    assert!(
        payments.lines().skip(1).all(|l| l.contains(",payments,")),
        "{payments}"
    );
    let privileged = stdout(&log.run(&[
        "audit",
        "query",
        "--control",
        "privileged-container",
        "--format",
        "csv",
    ]));
    assert_eq!(privileged.lines().count(), 2, "{privileged}");
    let none = stdout(&log.run(&["audit", "query", "--since", "2h", "--until", "1h"]));
    assert!(none.ends_with("0 events\n"), "{none}");
    let text = stdout(&log.run(&[
        "audit",
        "query",
        "--kind",
        "Deployment",
        "--decision",
        "denied",
    ]));
    assert!(
        text.contains("denied   Deployment/payments/payments-api  scan of"),
        "{text}"
    );
    assert!(text.contains("privileged-container"), "{text}");

    let bad = log.run(&["audit", "query", "--decision", "maybe"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown decision `maybe`"));
}

#[test]
fn verify_names_the_tampered_event_and_truncation() {
    let log = Log::new();
    log.record_examples();
    let ok = log.run(&["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("no tampering found"));
    assert!(stdout(&ok).contains("note: no checkpoint"));

    let cp = log.run(&[
        "audit",
        "checkpoint",
        "--sign",
        "key.key",
        "--out",
        "checkpoints.jsonl",
    ]);
    assert_eq!(cp.status.code(), Some(0), "{}", stderr(&cp));
    let ok = log.run(&["audit", "verify", "--public-key", "key.pub"]);
    assert!(
        stdout(&ok).contains("1 signed and valid"),
        "{}",
        stdout(&ok)
    );

    log.sql("UPDATE audit_events SET event = replace(event, 'privileged', 'fine') WHERE seq = 2");
    let bad = log.run(&["audit", "verify", "--public-key", "key.pub"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad).contains("scan#2: altered: the event's content does not match its hash"),
        "{}",
        stdout(&bad)
    );

    // Cut the tail and the stored checkpoints; the file still proves it.
    let log = Log::new();
    log.record_examples();
    log.run(&[
        "audit",
        "checkpoint",
        "--sign",
        "key.key",
        "--out",
        "checkpoints.jsonl",
    ]);
    log.sql(
        "DELETE FROM audit_events WHERE seq > 2;
         DELETE FROM audit_checkpoints;
         UPDATE audit_chains SET head_seq = 2, head_hash = (SELECT hash FROM audit_events WHERE seq = 2);",
    );
    let fooled = log.run(&["audit", "verify", "--public-key", "key.pub"]);
    assert_eq!(fooled.status.code(), Some(0));
    let caught = log.run(&[
        "audit",
        "verify",
        "--public-key",
        "key.pub",
        "--checkpoint",
        "checkpoints.jsonl",
    ]);
    assert_eq!(caught.status.code(), Some(1));
    assert!(
        stdout(&caught).contains("scan#3: removed: the log ends at #2"),
        "{}",
        stdout(&caught)
    );
}

#[test]
fn export_and_verify_bundle_round_trip() {
    let log = Log::new();
    log.record_examples();
    let out = log.run(&[
        "audit",
        "export",
        "--since",
        "1d",
        "--sign",
        "key.key",
        "-o",
        "bundle.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ok = log.run(&[
        "audit",
        "verify-bundle",
        "bundle.jsonl",
        "--public-key",
        "key.pub",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("ok: "));

    let text = std::fs::read_to_string(log.path("bundle.jsonl")).unwrap();
    std::fs::write(
        log.path("tampered.jsonl"),
        text.replacen("\"denied\"", "\"allowed\"", 1),
    )
    .unwrap();
    let bad = log.run(&[
        "audit",
        "verify-bundle",
        "tampered.jsonl",
        "--public-key",
        "key.pub",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout(&bad).contains("altered: its content does not match its hash"),
        "{}",
        stdout(&bad)
    );
}

#[test]
fn prune_keeps_the_log_verifiable() {
    let log = Log::new();
    log.record_examples();
    log.record_examples();
    let out = log.run(&["audit", "prune", "--keep", "2", "--sign", "key.key"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("summarised by a signed prune checkpoint"));
    let ok = log.run(&["audit", "verify", "--public-key", "key.pub"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("pruned"), "{}", stdout(&ok));
    let unsigned = log.run(&["audit", "prune", "--keep", "1"]);
    assert_eq!(unsigned.status.code(), Some(2));
}

#[test]
fn the_configuration_names_the_log_for_scan_record_and_audit_commands() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "audit:\n  db: sqlite://from-config.db\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("PALISADE_AUDIT_DB")
            .env_remove("PALISADE_CONFIG")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let examples = workspace().join("examples").display().to_string();
    let out = run(&["scan", &examples, "--record", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Next to the configuration, not the default file.
    assert!(dir.path().join("from-config.db").is_file());
    assert!(!dir.path().join("palisade-audit.db").exists());
    let out = run(&["audit", "verify", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        report["chains"][0]["events"].as_u64().unwrap() > 0,
        "{report}"
    );
    // The flag wins over the file.
    let elsewhere = format!("sqlite://{}", dir.path().join("flag.db").display());
    let out = run(&["audit", "verify", "--audit-db", &elsewhere]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("flag.db"), "{}", stderr(&out));
    // A mistake in the section names its line.
    std::fs::write(
        dir.path().join("palisade.yaml"),
        "audit:\n  db: mysql://x\n",
    )
    .unwrap();
    let out = run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("palisade.yaml:2:"),
        "{}",
        stderr(&out)
    );
}
