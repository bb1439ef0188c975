//! Kyverno policies through the binary: `palisade test` on a Kyverno CLI
//! test folder, and `palisade scan --policy` with a ClusterPolicy beside
//! (or instead of) the built-in controls.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::{json, palisade_in, stderr, stdout, write};

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-host-network
  annotations:
    policies.kyverno.io/title: Disallow host network
    policies.kyverno.io/severity: high
spec:
  validationFailureAction: Audit
  rules:
  - name: host-network
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "A {{ request.object.kind }} must not use the host network."
      pattern:
        spec:
          =(hostNetwork): false
"#;

const RESOURCES: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  containers:
  - name: web
    image: nginx:1.25
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: nginx:1.25
"#;

fn test_file(bad_result: &str) -> String {
    format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: host-network
policies: [policy.yaml]
resources: [resources.yaml]
results:
- policy: disallow-host-network
  rule: host-network
  kind: Pod
  resources: [good]
  result: pass
- policy: disallow-host-network
  rule: host-network
  kind: Deployment
  resources: [bad]
  result: {bad_result}
"#
    )
}

fn folder(bad_result: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policy.yaml", POLICY);
    write(dir.path(), "resources.yaml", RESOURCES);
    write(
        dir.path(),
        ".kyverno-test/kyverno-test.yaml",
        &test_file(bad_result)
            .replace("[policy.yaml]", "[../policy.yaml]")
            .replace("[resources.yaml]", "[../resources.yaml]"),
    );
    dir
}

#[test]
fn kyverno_test_files_run_as_kyverno_test_runs_them() {
    let dir = folder("fail");
    let out = palisade_in(dir.path(), &["test", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    // The Deployment is judged by the autogen rule, found by the rule's
    // own name as the Kyverno CLI finds it.
    assert!(
        text.contains("PASS  disallow-host-network/host-network Pod//good (pass)"),
        "{text}"
    );
    assert!(
        text.contains("PASS  disallow-host-network/autogen-host-network Deployment//bad (fail)"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("2 passed, 0 failed, 0 skipped, 0 could not run"),
        "{text}"
    );
}

#[test]
fn a_wrong_expectation_fails_with_why() {
    let dir = folder("pass");
    let out = palisade_in(dir.path(), &["test", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let tests = doc["groups"][0]["tests"].as_array().unwrap();
    let failed: Vec<&str> = tests
        .iter()
        .filter(|t| t["outcome"] == "fail")
        .map(|t| t["message"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].contains("want pass, got fail"), "{failed:?}");
    assert!(
        failed[0].contains("A Deployment must not use the host network"),
        "{failed:?}"
    );
}

#[test]
fn a_rule_palisade_cannot_run_fails_never_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.yaml",
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: add-label
spec:
  rules:
  - name: add
    match:
      any:
      - resources:
          kinds: [Pod]
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            team: x
"#,
    );
    write(dir.path(), "resources.yaml", RESOURCES);
    write(
        dir.path(),
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\npolicies: [policy.yaml]\nresources: [resources.yaml]\nresults:\n- policy: add-label\n  rule: add\n  resources: [good]\n  kind: Pod\n  result: pass\n",
    );
    let out = palisade_in(dir.path(), &["test", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not evaluated: mutate rules are not run yet"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn scans_report_kyverno_failures_at_the_line_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policy.yaml", POLICY);
    write(dir.path(), "k8s/app.yaml", RESOURCES);
    let out = palisade_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--policy",
            "policy.yaml",
            "--no-builtins",
            "--format",
            "json",
        ],
    );
    // An Audit policy's failures count in a scan, as `kyverno apply`
    // counts them.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f["control"], "disallow-host-network");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["resource"]["name"], "bad");
    assert_eq!(f["location"]["line"], 17);
    assert_eq!(f["pointer"], "/spec/template/spec/hostNetwork");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("A Deployment must not use the host network.")
    );
}

#[test]
fn unscored_policies_warn_and_broken_policies_name_their_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.yaml",
        &POLICY.replace(
            "    policies.kyverno.io/severity: high\n",
            "    policies.kyverno.io/severity: high\n    policies.kyverno.io/scored: \"false\"\n",
        ),
    );
    write(dir.path(), "app.yaml", RESOURCES);
    let out = palisade_in(
        dir.path(),
        &[
            "scan",
            "app.yaml",
            "--policy",
            "policy.yaml",
            "--no-builtins",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["findings"][0]["enforcement"], "warn");

    write(
        dir.path(),
        "broken.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: broken\nspec:\n  rules:\n  - match: {}\n",
    );
    let out = palisade_in(dir.path(), &["scan", "app.yaml", "--policy", "broken.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("broken.yaml") && err.contains("spec.rules[0].name is missing"),
        "{err}"
    );
}
