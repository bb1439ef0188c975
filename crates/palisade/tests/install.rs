//! `palisade install` prints manifests that pass Palisade's own checks:
//! the restricted pack exactly, and every built-in control once the image
//! is pinned by digest (as a release would pin it).

// Test helpers fail loudly on purpose.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::Stdio;

mod support;

fn palisade(args: &[&str], stdin: Option<&[u8]>) -> (i32, String) {
    let mut child = support::binary()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn manifests_pass_the_restricted_pack_and_every_control() {
    let digest = "ghcr.io/palisade-dev/palisade:0.1.0@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d";
    for extra in [&[][..], &["--cert-manager"][..]] {
        let mut args = vec!["install", "--image", digest];
        args.extend_from_slice(extra);
        let (code, yaml) = palisade(&args, None);
        assert_eq!(code, 0, "{yaml}");
        for kind in [
            "Namespace",
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "StatefulSet",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ] {
            assert!(
                yaml.contains(&format!("\nkind: {kind}\n")),
                "{kind} missing"
            );
        }
        let (code, report) = palisade(
            &[
                "scan",
                "-",
                "--framework",
                "pss-restricted",
                "--no-progress",
            ],
            Some(yaml.as_bytes()),
        );
        assert_eq!(code, 0, "{report}");
        assert!(report.contains("Restricted v1.37: 100%"), "{report}");
        let (code, report) = palisade(&["scan", "-", "--no-progress"], Some(yaml.as_bytes()));
        assert_eq!(code, 0, "every built-in control: {report}");
        assert!(
            report.starts_with("0 findings") || report.contains("\n0 findings"),
            "{report}"
        );
    }
}

#[test]
fn manifests_alias_and_config_errors() {
    let (code, yaml) = palisade(&["manifests", "--namespace", "guard"], None);
    assert_eq!(code, 0);
    assert!(yaml.contains("namespace: guard"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("palisade.yaml");
    std::fs::write(&config, "admission:\n  failure-mode: sometimes\n").unwrap();
    let (code, out) = palisade(&["install", "--config", config.to_str().unwrap()], None);
    assert_eq!(code, 2);
    assert!(
        out.contains("palisade.yaml:2:") && out.contains("sometimes"),
        "{out}"
    );
}

#[test]
fn serve_explains_what_is_missing() {
    let (code, out) = palisade(&["serve", "--listen", "127.0.0.1:0"], None);
    assert_eq!(code, 2);
    assert!(out.contains("--tls-cert"), "{out}");
    let (code, out) = palisade(
        &[
            "serve",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--policy",
            "deny.rego",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        out.contains("deny.rego") && out.contains("no such file"),
        "a missing policy is named: {out}"
    );
}

/// `palisade install --node`: the node agent needs the host (a read-only
/// hostPath, hostPID, user 0): every built-in control passes it except
/// those, each waived on the object with its reason, and the agent's own
/// scan of the manifests exits 0.
#[test]
fn node_agent_manifests_waive_exactly_what_reading_the_host_needs() {
    let digest = "ghcr.io/palisade-dev/palisade:0.1.0@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d";
    for extra in [
        &[][..],
        &["--job-node", "worker-1"][..],
        &["--job-node", "worker-1", "--schedule", "0 3 * * *"][..],
    ] {
        let mut args = vec!["install", "--node", "--image", digest];
        args.extend_from_slice(extra);
        let (code, yaml) = palisade(&args, None);
        assert_eq!(code, 0, "{yaml}");
        let kind = match extra.len() {
            0 => "DaemonSet",
            2 => "Job",
            _ => "CronJob",
        };
        assert!(yaml.contains(&format!("\nkind: {kind}\n")), "{yaml}");
        assert!(yaml.contains("readOnly: true"), "{yaml}");
        let (code, report) = palisade(
            &["scan", "-", "--format", "json", "--no-progress"],
            Some(yaml.as_bytes()),
        );
        assert_eq!(code, 0, "{report}");
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        let mut waived: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(!f["waiver"].is_null(), "unwaived: {f}");
                f["control"].as_str().unwrap()
            })
            .collect();
        waived.sort_unstable();
        waived.dedup();
        let expected = vec![
            "forbidden-volume",
            "host-namespaces",
            "host-path-volumes",
            "missing-run-as-non-root",
            "restricted-volume-types",
            "run-as-root-user",
        ];
        // The agent answers its probes on /healthz; a Job is not probed.
        assert_eq!(waived, expected);
    }
    let (code, out) = palisade(&["install", "--node", "--node-framework", "nope"], None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nope"), "{out}");
    let (code, out) = palisade(&["install", "--node", "--every", "0s"], None);
    assert_eq!(code, 2, "{out}");
    let (code, out) = palisade(
        &[
            "install",
            "--node",
            "--job-node",
            "n",
            "--schedule",
            "daily",
        ],
        None,
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no cron schedule"), "{out}");
}
