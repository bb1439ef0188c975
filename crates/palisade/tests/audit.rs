//! End-to-end tests of `palisade scan --record` and `palisade audit ...`:
//! the commands a person runs, on a SQLite log in a temporary directory.
//! The attack suite at the end runs against SQLite and a real PostgreSQL
//! (started as in `palisade-audit`'s store suite): an attacker who can
//! write to the database but holds no private key edits rows with SQL, and
//! the binary must fail closed, naming the problem.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "../../palisade-audit/tests/support/postgres.rs"]
mod postgres_server;

use std::process::Output;

use palisade_audit::chain::{GENESIS, Row, link_hash};
use palisade_audit::{AnyStore, Store};
use postgres_server::TestPostgres;
use serde_json::Value;
use support::{stderr, stdout, workspace};

struct Log {
    dir: tempfile::TempDir,
    /// The PostgreSQL URL, when the log lives there rather than in SQLite.
    postgres: Option<String>,
}

impl Log {
    fn new() -> Log {
        Log::with(None)
    }

    /// A log in a new database of `server`.
    fn postgres(server: &TestPostgres, name: &str) -> Log {
        let url = runtime().block_on(server.create_db(name));
        Log::with(Some(url))
    }

    /// Three key pairs: `key` (checkpoints, as `serve` holds it),
    /// `retention` (prunes, kept offline) and `attacker`.
    fn with(postgres: Option<String>) -> Log {
        let log = Log {
            dir: tempfile::tempdir().unwrap(),
            postgres,
        };
        for name in ["key", "retention", "attacker"] {
            let out = log.run(&["audit", "keygen", "--out", name]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        log
    }

    fn db(&self) -> String {
        match &self.postgres {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.dir.path().join("audit.db").display()),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs palisade in the temporary directory with the log's database.
    fn run(&self, args: &[&str]) -> Output {
        support::binary()
            .args(args)
            .current_dir(self.dir.path())
            .env("PALISADE_AUDIT_DB", self.db())
            .output()
            .unwrap()
    }

    fn record_examples(&self) {
        let examples = workspace().join("examples").display().to_string();
        let out = self.run(&["scan", &examples, "--record", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("recorded"), "{}", stderr(&out));
    }

    /// Runs SQL behind palisade's back, as the attacker does.
    fn sql(&self, sql: &str) {
        match &self.postgres {
            None => {
                let c = rusqlite::Connection::open(self.dir.path().join("audit.db")).unwrap();
                c.execute_batch(sql).unwrap();
            }
            Some(url) => runtime().block_on(async {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(sql).await.unwrap();
            }),
        }
    }

    /// The stored rows of `chain`, read with the library (reading is all
    /// the attacker needs it for; writes go through [`Log::sql`]).
    fn rows(&self, chain: &str) -> Vec<Row> {
        runtime().block_on(async {
            let store = AnyStore::open(&self.db()).await.unwrap();
            store.rows(chain, 0, 10_000).await.unwrap()
        })
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
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
    let out = log.run(&["audit", "prune", "--keep", "2", "--sign", "retention.key"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("summarised by a signed prune checkpoint"));
    let ok = log.run(&PINNED);
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
        support::binary()
            .args(args)
            .current_dir(dir.path())
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

// ---------------------------------------------------------------------
// Attacks by someone who can write to the database but holds no private
// key, against SQLite and PostgreSQL.
// ---------------------------------------------------------------------

/// A SQL string literal.
fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn opt(text: &Option<String>) -> String {
    text.as_deref().map_or("NULL".to_owned(), lit)
}

/// The INSERT that puts `row` in the events table.
fn insert(row: &Row) -> String {
    format!(
        "INSERT INTO audit_events (chain, seq, time_ms, source, user_name, operation, kind, namespace, name, decision, controls, event, prev_hash, hash) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});\n",
        lit(&row.chain),
        row.seq,
        row.time_ms,
        lit(&row.source),
        opt(&row.user),
        opt(&row.operation),
        lit(&row.kind),
        opt(&row.namespace),
        opt(&row.name),
        lit(&row.decision),
        lit(&row.controls),
        lit(&row.event_json),
        lit(&row.prev_hash),
        lit(&row.hash)
    )
}

/// `rows` turned into a valid chain `chain` from `seq` after `prev`, every
/// decision made `allowed`: what an attacker who knows the hashing writes. Returns the SQL and the new head (seq, hash).
fn forge(rows: &[Row], chain: &str, mut seq: i64, prev: &str) -> (String, i64, String) {
    let mut sql = String::new();
    let mut prev = prev.to_owned();
    for row in rows {
        let mut row = row.clone();
        row.chain = chain.to_owned();
        let mut event: Value = serde_json::from_str(&row.event_json).unwrap();
        event["decision"] = "allowed".into();
        event["reason"] = "forged".into();
        row.event_json = event.to_string();
        row.decision = "allowed".to_owned();
        row.seq = seq;
        row.prev_hash.clone_from(&prev);
        row.hash = link_hash(chain, seq, &prev, &row.event_json);
        prev.clone_from(&row.hash);
        sql.push_str(&insert(&row));
        seq += 1;
    }
    (sql, seq - 1, prev)
}

/// The checkpoint JSON an attacker writes: unsigned.
fn unsigned_prune(chain: &str, seq: i64, hash: &str) -> String {
    format!(
        r#"{{"kind":"prune","chain":"{chain}","seq":{seq},"hash":"{hash}","time":"2020-01-01T00:00:00.000Z","pruned":{{"from_seq":1,"to_seq":{seq},"count":{seq},"last_time":"2019-01-01T00:00:00.000Z"}},"key_id":null,"signature":null}}"#
    )
}

/// Runs `palisade` and expects exit code 1 with every `needle` in stdout.
fn fails_naming(log: &Log, args: &[&str], needles: &[&str]) {
    let out = log.run(args);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}\n{text}\n{}",
        stderr(&out)
    );
    for needle in needles {
        assert!(text.contains(needle), "{args:?}: no `{needle}` in\n{text}");
    }
}

const PINNED: [&str; 6] = [
    "audit",
    "verify",
    "--public-key",
    "key.pub",
    "--retention-public-key",
    "retention.pub",
];

fn pinned_with(extra: &[&'static str]) -> Vec<&'static str> {
    PINNED
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

/// Item 1: a prune checkpoint anchors only when a pinned retention key
/// signed it; unsigned ones, other keys' and the checkpoint key's are
/// problems, and the events they would excuse are reported removed.
fn forged_prune_checkpoints_anchor_nothing(log: &Log) {
    log.record_examples();
    let out = log.run(&[
        "audit",
        "checkpoint",
        "--sign",
        "key.key",
        "--out",
        "offsite.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = log.rows("scan");
    let last = rows.last().unwrap().clone();
    let n = last.seq;
    // Delete every row, excuse them with an unsigned prune checkpoint at the
    // old head, and re-insert every event after it with `denied` made
    // `allowed`: the off-site checkpoint at #n falls inside the "pruned"
    // range, so before the fix it proved nothing and this verified as ok.
    let (events, head, head_hash) = forge(&rows, "scan", n + 1, &last.hash);
    log.sql(&format!(
        "DELETE FROM audit_events; DELETE FROM audit_checkpoints;
         INSERT INTO audit_checkpoints (chain, seq, body) VALUES ('scan', {n}, {});
         {events}
         UPDATE audit_chains SET head_seq = {head}, head_hash = '{head_hash}' WHERE chain = 'scan';",
        lit(&unsigned_prune("scan", n, &last.hash))
    ));
    fails_naming(
        log,
        &pinned_with(&["--checkpoint", "offsite.jsonl"]),
        &[
            &format!("scan#{n}: untrusted prune checkpoint"),
            "it is unsigned; it anchors nothing",
            &format!("scan#1..#{n}: removed"),
        ],
    );
    // Unpinned, the log is only consistent with itself, and says so.
    let unpinned = log.run(&["audit", "verify"]);
    assert!(
        stdout(&unpinned).contains("proves: only that the log is consistent with itself"),
        "{}",
        stdout(&unpinned)
    );
}

/// Item 1 and 4: `prune` signed by an attacker's key, or by the checkpoint
/// key a compromised webhook pod holds, is refused; the retention key's
/// prune is accepted, within the minimum retention only.
fn prunes_need_the_retention_key(log: &Log) {
    log.record_examples();
    log.record_examples();
    for (key, why) in [
        ("attacker.key", "which is not pinned"),
        ("key.key", "not by a pinned retention key"),
    ] {
        let before = log.rows("scan");
        let out = log.run(&["audit", "prune", "--keep", "1", "--sign", key]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        fails_naming(
            log,
            &PINNED,
            &["untrusted prune checkpoint", why, "removed"],
        );
        // Put the log back as it was for the next key.
        let mut sql = String::from("DELETE FROM audit_events; DELETE FROM audit_checkpoints;\n");
        for row in &before {
            sql.push_str(&insert(row));
        }
        log.sql(&sql);
    }
    let zero = log.run(&["audit", "prune", "--keep", "0", "--sign", "retention.key"]);
    assert_eq!(zero.status.code(), Some(2), "{}", stderr(&zero));
    let out = log.run(&["audit", "prune", "--keep", "2", "--sign", "retention.key"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ok = log.run(&PINNED);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("pruned"), "{}", stdout(&ok));
    // The events pruned were recorded seconds ago: a 30-day floor fails.
    fails_naming(
        log,
        &pinned_with(&["--min-retention", "30d"]),
        &["pruned too early", "minimum retention of 30d"],
    );
}

/// Item 2: every chain in the database is walked, and a chain missing from
/// a signed chain list but holding events dated before it is reported,
/// also by export, which then refuses to sign.
fn chains_nobody_named_are_found(log: &Log) {
    log.record_examples();
    let out = log.run(&["audit", "checkpoint", "--sign", "key.key"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = log.rows("scan");
    // A self-consistent chain with the same (so older) dates, with a head
    // row, and another one without.
    let (ghost, head, hash) = forge(&rows, "ghost", 1, GENESIS);
    let (headless, _, _) = forge(&rows, "headless", 1, GENESIS);
    log.sql(&format!(
        "{ghost}{headless}
         INSERT INTO audit_chains (chain, head_seq, head_hash) VALUES ('ghost', {head}, '{hash}');"
    ));
    fails_naming(
        log,
        &PINNED,
        &[
            "ghost: inserted: this chain is not in the signed chain list",
            "headless: inserted: events up to",
        ],
    );
    let export = log.run(&[
        "audit",
        "export",
        "--sign",
        "key.key",
        "--retention-public-key",
        "retention.pub",
        "-o",
        "bundle.jsonl",
    ]);
    assert_eq!(export.status.code(), Some(2), "{}", stderr(&export));
    assert!(
        stderr(&export).contains("does not verify") && stderr(&export).contains("ghost: inserted"),
        "{}",
        stderr(&export)
    );
    assert!(!log.dir.path().join("bundle.jsonl").exists());
}

/// Item 3: export refuses a log with #1-#5 deleted; verify-bundle refuses
/// a whole-log bundle that starts unanchored, and unsigned checkpoints.
fn export_refuses_a_broken_log(log: &Log) {
    log.record_examples();
    log.record_examples();
    let export =
        |log: &Log| log.run(&["audit", "export", "--sign", "key.key", "-o", "bundle.jsonl"]);
    let good = export(log);
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    let bundle = std::fs::read_to_string(log.path("bundle.jsonl")).unwrap();
    std::fs::remove_file(log.path("bundle.jsonl")).unwrap();

    log.sql("DELETE FROM audit_events WHERE seq <= 5");
    fails_naming(log, &PINNED, &["scan#1..#5: removed"]);
    let refused = export(log);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("does not verify") && stderr(&refused).contains("removed"),
        "{}",
        stderr(&refused)
    );
    assert!(!log.dir.path().join("bundle.jsonl").exists());

    // What the old export wrote: the good bundle without #1-#5, proof
    // adjusted, signed again with the real key.
    let key = palisade_audit::keys::read_signing_key(&log.dir.path().join("key.key")).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for line in bundle.lines() {
        let mut value: Value = serde_json::from_str(line).unwrap();
        match value["type"].as_str().unwrap() {
            "event" if value["seq"].as_i64().unwrap() <= 5 => continue,
            "proof" => {
                let chain = &mut value["chains"][0];
                let prev = bundle
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap())
                    .find(|v| v["type"] == "event" && v["seq"] == 6)
                    .unwrap()["prev_hash"]
                    .clone();
                chain["first_seq"] = 6.into();
                chain["first_prev_hash"] = prev;
                chain["events"] = (chain["events"].as_u64().unwrap() - 5).into();
                lines.push(value.to_string());
            }
            "signature" => {}
            _ => lines.push(line.to_owned()),
        }
    }
    std::fs::write(
        log.path("cut.jsonl"),
        palisade_audit::bundle::signed(&lines, &key).unwrap(),
    )
    .unwrap();
    fails_naming(
        log,
        &[
            "audit",
            "verify-bundle",
            "cut.jsonl",
            "--public-key",
            "key.pub",
        ],
        &[
            "claims every event (no --since) but starts at #6",
            "#1..#5 are missing",
        ],
    );

    // An unsigned checkpoint inside a bundle signed by the right key.
    let mut with_unsigned: Vec<String> = bundle
        .lines()
        .filter(|l| !l.contains("\"type\":\"signature\""))
        .map(str::to_owned)
        .collect();
    let proof = with_unsigned.pop().unwrap();
    let first = serde_json::from_str::<Value>(&with_unsigned[1]).unwrap();
    with_unsigned.push(format!(
        r#"{{"type":"checkpoint","checkpoint":{{"kind":"head","chain":"scan","seq":1,"hash":{},"time":"2026-01-01T00:00:00.000Z","pruned":null,"key_id":null,"signature":null}}}}"#,
        first["hash"]
    ));
    with_unsigned.push(proof);
    std::fs::write(
        log.path("unsigned.jsonl"),
        palisade_audit::bundle::signed(&with_unsigned, &key).unwrap(),
    )
    .unwrap();
    fails_naming(
        log,
        &[
            "audit",
            "verify-bundle",
            "unsigned.jsonl",
            "--public-key",
            "key.pub",
        ],
        &[
            "head checkpoint scan#1: unsigned, so it proves nothing",
            "0 signed and valid, 1 unsigned, 0 other key",
        ],
    );
}

/// Item 5 (issue #13 item 13): re-hashing the newest events and deleting
/// the stored checkpoints fools a verification that trusts the database
/// alone (it says so), not one given a checkpoint kept outside it.
fn rehashed_tail_is_caught_by_an_offsite_checkpoint(log: &Log) {
    log.record_examples();
    let out = log.run(&[
        "audit",
        "checkpoint",
        "--sign",
        "key.key",
        "--out",
        "offsite.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let export = log.run(&["audit", "export", "--sign", "key.key", "-o", "bundle.jsonl"]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let rows = log.rows("scan");
    let n = rows.len();
    let from = rows[n - 2].clone();
    let (sql, head, hash) = forge(&rows[n - 2..], "scan", from.seq, &from.prev_hash);
    log.sql(&format!(
        "DELETE FROM audit_events WHERE seq >= {}; DELETE FROM audit_checkpoints;
         {sql}
         UPDATE audit_chains SET head_seq = {head}, head_hash = '{hash}' WHERE chain = 'scan';",
        from.seq
    ));
    let fooled = log.run(&PINNED);
    assert_eq!(fooled.status.code(), Some(0), "{}", stdout(&fooled));
    assert!(
        stdout(&fooled).contains("as long as the database's checkpoints were not deleted"),
        "{}",
        stdout(&fooled)
    );
    let altered = format!("scan#{head}: altered: the checkpoint of");
    for source in ["offsite.jsonl", "bundle.jsonl"] {
        fails_naming(log, &pinned_with(&["--checkpoint", source]), &[&altered]);
    }
    std::fs::write(log.path("empty.jsonl"), "").unwrap();
    fails_naming(
        log,
        &pinned_with(&["--checkpoint", "empty.jsonl", "--require-checkpoint"]),
        &["scan: no trusted checkpoint from outside the database"],
    );
}

/// Item 6: text output escapes control characters from requests and shows
/// dry runs; CSV says which events were dry runs.
fn query_output_is_safe_and_shows_dry_runs(log: &Log) {
    use palisade_audit::{Decision, Event, Resource, Source, Timestamp};
    let event = Event {
        time: Timestamp::now(),
        source: Source::Admission {
            user: "eve\n2026-01-01T00:00:00.000Z  allowed  Pod/x/y  admission CREATE by admin"
                .into(),
            groups: vec![],
            operation: "CREATE".into(),
            uid: "u1".into(),
            dry_run: true,
            mutated: vec![],
            endpoint: Some("validate".into()),
            authenticated: false,
            truncated: Vec::new(),
        },
        resource: Resource {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("web".into()),
            name: Some("hidden\u{1b}[8mtext\u{202e}".into()),
        },
        decision: Decision::Denied,
        reason: None,
        findings: vec![],
        policy_version: "sha256:x".into(),
        palisade_version: "0".into(),
    };
    runtime().block_on(async {
        let store = AnyStore::open(&log.db()).await.unwrap();
        store.append("webhook", &[event]).await.unwrap();
    });
    let text = stdout(&log.run(&["audit", "query"]));
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("denied (dry run)"), "{text}");
    assert!(text.contains("eve\\n2026"), "{text}");
    assert!(
        text.contains("hidden\\u{1b}[8mtext\\u{202e}") && !text.contains('\u{1b}'),
        "{text}"
    );
    let csv = stdout(&log.run(&["audit", "query", "--format", "csv"]));
    assert!(
        csv.lines().next().unwrap().ends_with(",hash,dry_run"),
        "{csv}"
    );
    assert!(csv.trim_end().ends_with(",true"), "{csv}");
}

/// Runs every attack against fresh logs made by `new_log`.
/// Item 1, key rotation: checkpoints signed before and after a rotation
/// both anchor when both keys are pinned; with only the new key pinned,
/// the old key's checkpoints are named as signed by a key not pinned and
/// the verification fails.
fn checkpoints_across_a_key_rotation_verify_with_both_keys_pinned(log: &Log) {
    let out = log.run(&["audit", "keygen", "--out", "rotated"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for key in ["key.key", "rotated.key"] {
        log.record_examples();
        let out = log.run(&["audit", "checkpoint", "--sign", key]);
        assert_eq!(out.status.code(), Some(0), "{key}: {}", stderr(&out));
    }
    let both = log.run(&[
        "audit",
        "verify",
        "--public-key",
        "key.pub",
        "--public-key",
        "rotated.pub",
    ]);
    assert_eq!(
        both.status.code(),
        Some(0),
        "{}{}",
        stdout(&both),
        stderr(&both)
    );
    fails_naming(
        log,
        &["audit", "verify", "--public-key", "rotated.pub"],
        &["which is not pinned"],
    );
}

fn attack_suite(new_log: &dyn Fn(&str) -> Log) {
    macro_rules! case {
        ($name:ident) => {{
            eprintln!("case {}", stringify!($name));
            $name(&new_log(stringify!($name)));
        }};
    }
    case!(forged_prune_checkpoints_anchor_nothing);
    case!(prunes_need_the_retention_key);
    case!(chains_nobody_named_are_found);
    case!(export_refuses_a_broken_log);
    case!(rehashed_tail_is_caught_by_an_offsite_checkpoint);
    case!(query_output_is_safe_and_shows_dry_runs);
    case!(checkpoints_across_a_key_rotation_verify_with_both_keys_pinned);
}

#[test]
fn attacks_fail_closed_on_sqlite() {
    attack_suite(&|_| Log::new());
}

#[test]
fn attacks_fail_closed_on_postgres() {
    let Some(server) = TestPostgres::start(false) else {
        return;
    };
    attack_suite(&|name| Log::postgres(&server, name));
}

/// Item 6: passwords in PostgreSQL URLs never reach the output, whatever
/// the command, and `--help` hides the environment variable's value.
#[test]
fn postgres_passwords_are_redacted_everywhere() {
    let log = Log::new();
    // Nothing listens on port 1: every command fails to connect.
    let url = "postgres://palisade:hunter2@127.0.0.1:1/audit";
    let examples = workspace().join("examples").display().to_string();
    let commands: [&[&str]; 5] = [
        &["audit", "verify", "--audit-db", url],
        &["audit", "export", "--sign", "key.key", "--audit-db", url],
        &[
            "audit",
            "checkpoint",
            "--sign",
            "key.key",
            "--audit-db",
            url,
        ],
        &["scan", &examples, "--record", "--audit-db", url],
        &["audit", "query", "--audit-db", url],
    ];
    for args in commands {
        let out = log.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("hunter2"), "{args:?}: {all}");
        assert!(all.contains("palisade:***@127.0.0.1:1"), "{args:?}: {all}");
    }
    let help = support::binary()
        .args(["audit", "verify", "--help"])
        .env("PALISADE_AUDIT_DB", url)
        .output()
        .unwrap();
    assert!(!stdout(&help).contains("hunter2"), "{}", stdout(&help));
}

/// Item 6: the SQLite log (and its -wal and -shm) is private to its
/// owner, and a private key others may read is refused.
#[cfg(unix)]
#[test]
fn files_are_private_and_loose_keys_refused() {
    use std::os::unix::fs::PermissionsExt;
    let log = Log::new();
    log.record_examples();
    let mode = |name: &str| {
        std::fs::metadata(log.dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // An open connection keeps the -wal and -shm files; SQLite gives
    // them the database file's mode.
    let c = rusqlite::Connection::open(log.dir.path().join("audit.db")).unwrap();
    c.query_row("SELECT count(*) FROM audit_events", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap();
    for name in ["audit.db", "audit.db-wal", "audit.db-shm"] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
    drop(c);
    std::fs::set_permissions(
        log.dir.path().join("key.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = log.run(&["audit", "checkpoint", "--sign", "key.key"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}
