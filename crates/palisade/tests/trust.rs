//! Ways a careless user (or a hostile repository) could make a scan say
//! something other than what is true, each shut: a closed pipe that turned a
//! failing scan into a pass, configuration that silently replaced a pack or
//! switched a control off, a version pin reported under another version's
//! title, and exceptions that waive everything without a word.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::Read;
use std::process::Stdio;

use support::{json, palisade_in, stderr, stdout, workspace, write};

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d\n      securityContext: {privileged: true}\n";

#[test]
fn a_reader_that_stops_early_does_not_turn_a_failing_scan_into_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    // Enough findings that the report outgrows the pipe's buffer.
    let many: String = (0..200)
        .map(|i| PRIVILEGED_POD.replace("name: p,", &format!("name: p{i},")))
        .collect::<Vec<_>>()
        .join("---\n");
    write(dir.path(), "pods.yaml", &many);
    let mut child = support::binary()
        .args(["scan", "pods.yaml", "--no-progress"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -c 10`: read a little, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "a failing scan must exit 1 however much of its output was read"
    );
}

#[test]
fn exceptions_audit_writes_the_format_and_file_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    write(
        dir.path(),
        "palisade.yaml",
        "exceptions:\n  - controls: [host-path-volumes]\n    justification: node exporter\n    owner: platform\n    expires: 2020-01-31\n",
    );
    let out = palisade_in(
        dir.path(),
        &["exceptions", "audit", "pod.yaml", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        doc["exceptions"][0]["problem"], "exception-expired",
        "{doc}"
    );
    assert_eq!(doc["exceptions"][0]["line"], 2, "{doc}");
    assert_eq!(doc["exceptions"][0]["owner"], "platform", "{doc}");

    let out = palisade_in(
        dir.path(),
        &[
            "exceptions",
            "audit",
            "pod.yaml",
            "--format",
            "sarif",
            "--output",
            "exceptions.sarif",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("exceptions.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "exception-expired"
    );

    let out = palisade_in(
        dir.path(),
        &["exceptions", "audit", "pod.yaml", "--format", "html"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("writes text, json, sarif, junit or github"),
        "{}",
        stderr(&out)
    );
}

fn compliance(dir: &std::path::Path, framework: &str) -> serde_json::Value {
    let out = palisade_in(
        dir,
        &[
            "scan",
            "pod.yaml",
            "--framework",
            framework,
            "--format",
            "json",
        ],
    );
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
    json(&out)["compliance"][0].clone()
}

#[test]
fn a_pinned_pod_security_version_is_the_version_reported_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    let pinned = compliance(dir.path(), "pss-restricted@v1.25");
    let title = pinned["title"].as_str().unwrap();
    assert!(title.ends_with("v1.25"), "{title}");
    let requirement = |id: &str| {
        pinned["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no requirement {id} in {pinned}"))
    };
    // Probe hosts came with v1.34: not run at v1.25 would say a check was
    // skipped; it did not exist.
    assert_eq!(pinned["tally"]["notRun"], 0, "{pinned}");
    assert_eq!(requirement("privileged-containers")["verdict"], "fail");

    // Before v1.22 the Capabilities row is checked by the baseline check.
    let old = compliance(dir.path(), "pss-restricted@v1.18");
    assert_eq!(old["tally"]["notRun"], 0, "{old}");

    let latest = compliance(dir.path(), "pss-restricted");
    assert!(
        latest["title"].as_str().unwrap().ends_with("v1.37"),
        "{latest}"
    );

    let out = palisade_in(
        dir.path(),
        &["scan", "pod.yaml", "--framework", "pss-restricted@v1.99"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("newer than the newest"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn install_output_saved_as_palisade_yaml_is_not_taken_for_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let install = palisade_in(dir.path(), &["install"]);
    assert_eq!(install.status.code(), Some(0), "{}", stderr(&install));
    std::fs::write(dir.path().join("palisade.yaml"), &install.stdout).unwrap();
    write(dir.path(), "app/pod.yaml", PRIVILEGED_POD);

    // Found by name: set aside with a warning; the scan runs.
    let out = palisade_in(dir.path(), &["scan", "app", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a Palisade configuration"),
        "{}",
        stderr(&out)
    );

    // Asked for by name: an error that says what the file is.
    let out = palisade_in(dir.path(), &["scan", "app", "--config", "palisade.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let error = stderr(&out);
    assert!(
        error.contains("palisade.yaml:") && error.contains("Kubernetes manifest"),
        "{error}"
    );
}

/// The error `palisade scan` gives for `config` (exit 2), or a panic.
fn config_error(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "palisade.yaml", config);
    let out = palisade_in(dir.path(), &["scan", "pod.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "accepted:\n{config}\n{}",
        stdout(&out)
    );
    stderr(&out)
}

#[test]
fn configuration_mistakes_are_refused_with_their_place() {
    // A quoted "no" is a string, not `false`.
    let e = config_error("controls:\n  privileged-container:\n    enabled: \"no\"\n");
    assert!(
        e.contains("palisade.yaml:") && e.contains("quoted string \"no\""),
        "{e}"
    );
    // A custom framework cannot take a built-in pack's ID.
    let e =
        config_error("custom-frameworks:\n  - {id: pci-dss-4.0, title: Mine, requirements: []}\n");
    assert!(
        e.contains("palisade.yaml:2:") && e.contains("built-in pack"),
        "{e}"
    );
    // An unknown control in a custom framework, even one not selected.
    let e = config_error(
        "custom-frameworks:\n  - id: acme\n    title: ACME\n    requirements:\n      - {id: A-1, title: T, summary: S, status: automated, controls: [no-such-control]}\n",
    );
    assert!(e.contains("no-such-control"), "{e}");
    // A key given twice, said in the configuration's terms.
    let e = config_error("frameworks: [pss-baseline]\nframeworks: [pss-restricted]\n");
    assert!(e.contains("`frameworks` is given twice"), "{e}");
    // An exception on every control of every resource.
    let e = config_error("exceptions:\n  - controls: [\"*\"]\n    justification: quiet please\n");
    assert!(e.contains("would waive every finding"), "{e}");
}

#[test]
fn read_api_tokens_must_be_well_formed_and_distinct() {
    let hash = format!("sha256:{}", "ab".repeat(32));
    let e =
        config_error("api:\n  tokens:\n    - {name: ci, sha256: \"sha256:xyz\", role: auditor}\n");
    assert!(e.contains("64 lowercase hex"), "{e}");
    let e = config_error(&format!(
        "api:\n  tokens:\n    - {{name: ci, sha256: \"{hash}\", role: auditor}}\n    - {{name: cd, sha256: \"{hash}\", role: admin}}\n"
    ));
    assert!(e.contains("same hash"), "{e}");
}

#[test]
fn the_readme_quick_start_does_not_write_over_the_configuration() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(
        !readme.contains("palisade install > palisade.yaml"),
        "README tells users to save install's manifests as palisade.yaml"
    );
}

#[test]
fn a_central_policy_can_refuse_a_repository_s_own_waiver_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let waived = PRIVILEGED_POD.replace(
        "metadata: {name: p, namespace: apps}",
        "metadata:\n  name: p\n  namespace: apps\n  annotations: {palisade.dev/waive.privileged-container: trust me}",
    );
    write(dir.path(), "pod.yaml", &waived);
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "pod.yaml",
            "--control",
            "privileged-container",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        palisade_in(dir.path(), &args)
    };
    // By default a scan honours the annotation: waived, shown, not failing.
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(json(&out)["findings"][0]["waiver"].is_object());

    let out = scan(&["--no-annotation-waivers"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(json(&out)["findings"][0]["waiver"].is_null());

    write(dir.path(), "central.yaml", "annotation-waivers: false\n");
    let out = scan(&["--config", "central.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_token_for_an_undeclared_role_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = palisade_in(
        dir.path(),
        &["audit", "token", "--name", "ci", "--role", "superuser"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).is_empty(),
        "a token was printed: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("unknown role `superuser`"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        "palisade.yaml",
        "api:\n  roles:\n    reader: [events, summary]\n",
    );
    let out = palisade_in(
        dir.path(),
        &["audit", "token", "--name", "ci", "--role", "reader"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim().len(),
        stdout(&out).trim().chars().count()
    );
    assert!(!stdout(&out).trim().is_empty());
}
