//! End-to-end tests of the `palisade` binary: exit codes, inputs (files,
//! directories, stdin), selection, and hostile files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{json, palisade, palisade_stdin, stderr, stdout, workspace, write};

fn controls_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap().to_owned())
        .collect()
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n";
/// A pod that passes every built-in control, with the default-deny
/// NetworkPolicy its namespace needs.
const HARDENED_POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: ok
  namespace: shop
  labels: {app: ok}
spec:
  serviceAccountName: ok
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.example.com/app:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    imagePullPolicy: Always
    ports: [{containerPort: 8080}]
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 500m, memory: 256Mi}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}}
    readinessProbe: {httpGet: {path: /ready, port: 8080}}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"#;

#[test]
fn examples_fail_with_exit_1_and_json_findings_are_complete() {
    let out = palisade(&["scan", "examples", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["schemaVersion"], 1);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for key in ["control", "severity", "message", "field", "pointer"] {
            assert!(f[key].is_string(), "{key} missing in {f}");
        }
        // Every example manifest names its namespace; a Dockerfile has none.
        let keys: &[&str] = if f["resource"]["kind"] == "Dockerfile" {
            &["kind", "name"]
        } else {
            &["apiVersion", "kind", "namespace", "name"]
        };
        for key in keys {
            assert!(
                f["resource"][key].is_string(),
                "resource.{key} missing in {f}"
            );
        }
        assert!(
            f["location"]["file"]
                .as_str()
                .unwrap()
                .starts_with("examples")
        );
        assert!(f["location"]["line"].as_u64().unwrap() > 1);
        assert!(f["location"]["column"].as_u64().unwrap() >= 1);
    }
    let privileged = findings
        .iter()
        .find(|f| f["control"] == "privileged-container")
        .unwrap();
    assert_eq!(
        privileged["location"]["file"],
        "examples/bad-deployment.yaml"
    );
    assert_eq!(privileged["location"]["line"], 27);
    assert_eq!(privileged["location"]["column"], 11);
    assert_eq!(privileged["container"], "api");
    assert_eq!(
        privileged["field"],
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    // `hostNetwork: yes` is YAML 1.1 for true.
    assert!(controls_of(&report).contains(&"host-namespaces".to_owned()));
    assert_eq!(
        report["summary"]["files"], 6,
        "four manifests, a Dockerfile, and the Gatekeeper policy example (its template and constraint are objects too)"
    );
    assert_eq!(report["summary"]["resources"], 9);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn clean_input_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "ok.yaml", HARDENED_POD);
    let out = palisade(&["scan", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 findings in 2 resources from 1 file"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    // Only a low finding (no seccomp profile) at the restricted level.
    let low = HARDENED_POD.replace("    seccompProfile: {type: RuntimeDefault}\n", "");
    let file = write(dir.path(), "low.yaml", &low);
    let path = file.to_str().unwrap();
    assert_eq!(palisade(&["scan", path]).status.code(), Some(1));
    assert_eq!(
        palisade(&["scan", path, "--fail-on", "medium"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        palisade(&["scan", path, "--fail-on", "LOW"]).status.code(),
        Some(1)
    );
    assert_eq!(
        palisade(&["scan", path, "--fail-on", "severe"])
            .status
            .code(),
        Some(2)
    );
}

/// `--severity` filters what is shown, never what fails: a scan whose
/// only shown findings are critical still fails on its medium ones, and
/// `--fail-on never` passes whatever is found.
#[test]
fn severity_filters_the_display_and_fail_on_never_passes() {
    let example = workspace().join("examples/bad-deployment.yaml");
    let path = example.to_str().unwrap();
    let all = json(&palisade(&["scan", path, "--format", "json"]));
    let total = all["findings"].as_array().unwrap().len();
    let critical = palisade(&["scan", path, "--format", "json", "--severity", "critical"]);
    assert_eq!(
        critical.status.code(),
        Some(1),
        "the gate sees every finding"
    );
    let shown = json(&critical);
    let severities: Vec<&str> = shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(!severities.is_empty() && severities.iter().all(|s| *s == "critical"));
    assert_eq!(
        shown["summary"]["findings"], total,
        "the summary counts them all"
    );
    let two = json(&palisade(&[
        "scan",
        path,
        "--format",
        "json",
        "--severity",
        "critical,high",
    ]));
    assert!(two["findings"].as_array().unwrap().len() > severities.len());
    // Only low findings shown, yet the scan fails on the others.
    let text = palisade(&["scan", path, "--severity", "low", "--fail-on", "high"]);
    assert_eq!(text.status.code(), Some(1));
    let out = stdout(&text);
    assert!(!out.contains(" critical "), "{out}");
    assert!(out.contains("not shown (--severity)"), "{out}");
    // Report-only.
    let never = palisade(&["scan", path, "--fail-on", "never"]);
    assert_eq!(never.status.code(), Some(0), "{}", stderr(&never));
    assert!(stdout(&never).contains("privileged"));
    // The summary only.
    let quiet = palisade(&["scan", path, "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    let quiet = stdout(&quiet);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(quiet.contains(&format!("{total} findings")), "{quiet}");
    let bad = palisade(&["scan", path, "--severity", "severe"]);
    assert_eq!(bad.status.code(), Some(2));
    // Controls at one field are shown once, with the requirements broken.
    let grouped = stdout(&palisade(&[
        "scan",
        path,
        "--framework",
        "cis-kubernetes-1.12",
    ]));
    assert!(grouped.contains("(2 controls)"), "{grouped}");
    assert!(
        grouped.contains("requirements: cis-kubernetes-1.12 5.1.5, cis-kubernetes-1.12 5.1.6"),
        "{grouped}"
    );
    assert!(
        grouped.contains("fix (default-service-account):"),
        "{grouped}"
    );
    // JSON keeps one finding per control.
    let report = json(&palisade(&[
        "scan",
        path,
        "--format",
        "json",
        "--framework",
        "cis-kubernetes-1.12",
    ]));
    let at_spec = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["control"] == "default-service-account"
                || f["control"] == "service-account-token-automount"
        })
        .count();
    assert_eq!(at_spec, 2);
}

/// `helm template` output on stdin: findings name the chart's template
/// files (their `# Source:` lines), at the line in the rendered document,
/// in text, JSON and SARIF; `kustomize build`'s origin annotations alike.
#[test]
fn rendered_charts_name_their_template_files() {
    let rendered = std::fs::read(workspace().join("tests/rendered/helm-web.yaml")).unwrap();
    let scan = |format: &str| {
        palisade_stdin(
            &[
                "scan",
                "-",
                "--format",
                format,
                "--control",
                "privileged-container",
                "--control",
                "image-tag-latest",
            ],
            &rendered,
        )
    };
    let report = json(&scan("json"));
    let places: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("web/templates/deployment.yaml".to_owned(), 32),
            ("web/templates/tests/test-connection.yaml".to_owned(), 16),
        ]
    );
    let text = stdout(&scan("text"));
    assert!(
        text.starts_with("web/templates/deployment.yaml\n"),
        "{text}"
    );
    assert!(text.contains("32 |             privileged: true"), "{text}");
    let sarif = json(&scan("sarif"));
    let uris = support::sarif_uris(&sarif);
    assert_eq!(
        uris,
        [
            "web/templates/deployment.yaml",
            "web/templates/tests/test-connection.yaml"
        ]
    );
    let kustomized =
        std::fs::read(workspace().join("tests/rendered/kustomize-origins.yaml")).unwrap();
    let report = json(&palisade_stdin(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--control",
            "host-namespaces",
        ],
        &kustomized,
    ));
    let finding = &report["findings"][0];
    assert_eq!(finding["location"]["file"], "base/deployment.yaml");
    assert_eq!(finding["location"]["line"], 19);
}

/// Adopting on a repository with findings: the baseline waives exactly
/// today's, a new violation fails on its own, a rewritten baseline keeps
/// what people filled in, and an expired baseline fails again.
#[test]
fn a_baseline_waives_todays_findings_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("k8s");
    std::fs::create_dir(&repo).unwrap();
    for entry in std::fs::read_dir(workspace().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, repo.join(path.file_name().unwrap())).unwrap();
        }
    }
    let repo = repo.to_str().unwrap();
    let baseline = dir.path().join("baseline.yaml");
    let baseline = baseline.to_str().unwrap();
    let before = palisade(&["scan", repo, "--format", "json"]);
    assert_eq!(before.status.code(), Some(1));
    let total = json(&before)["findings"].as_array().unwrap().len();

    let written = palisade(&[
        "scan",
        repo,
        "--write-baseline",
        baseline,
        "--baseline-expiry",
        "90d",
    ]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(
        stderr(&written).contains("exceptions to"),
        "{}",
        stderr(&written)
    );
    let after = palisade(&["scan", repo, "--baseline", baseline, "--format", "json"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert_eq!(json(&after)["summary"]["waived"], total);

    // A new violation fails, and only it.
    write(
        &std::path::PathBuf::from(repo),
        "new.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: payments}\nspec:\n  hostPID: true\n  containers:\n  - name: sh\n    image: busybox@sha256:4f47c01fa91355af2865ac10fef5bf6ec9c7f42ad2321377c21e844427972977\n",
    );
    let fresh = palisade(&["scan", repo, "--baseline", baseline, "--format", "json"]);
    assert_eq!(fresh.status.code(), Some(1));
    let unwaived: Vec<String> = json(&fresh)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waiver"].is_null())
        .map(|f| f["resource"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(!unwaived.is_empty());
    assert!(unwaived.iter().all(|n| n == "debug"), "{unwaived:?}");
    std::fs::remove_file(std::path::Path::new(repo).join("new.yaml")).unwrap();

    // An owner filled in survives a rewrite; an expiry in the past fails.
    let text = std::fs::read_to_string(baseline).unwrap();
    let edited = text
        .replacen("owner: \"TODO\"", "owner: \"payments-team\"", 1)
        .replacen(
            "justification: \"baseline\"",
            "justification: \"fixed in Q1\"",
            1,
        );
    std::fs::write(baseline, &edited).unwrap();
    let rewritten = palisade(&[
        "scan",
        repo,
        "--baseline",
        baseline,
        "--write-baseline",
        baseline,
        "--baseline-expiry",
        "30d",
    ]);
    assert_eq!(rewritten.status.code(), Some(0), "{}", stderr(&rewritten));
    let again = std::fs::read_to_string(baseline).unwrap();
    assert_eq!(
        again, edited,
        "a rewrite of the same findings changes nothing"
    );
    let expired = again.replace("expires: \"", "expires: \"2020-01-01\" # was \"");
    std::fs::write(baseline, expired).unwrap();
    let lapsed = palisade(&["scan", repo, "--baseline", baseline]);
    assert_eq!(lapsed.status.code(), Some(1), "{}", stdout(&lapsed));
    assert!(stdout(&lapsed).contains("expired"), "{}", stdout(&lapsed));

    // Not a baseline: refused, nothing written.
    let settings = write(dir.path(), "palisade.yaml", "frameworks: [pss-baseline]\n");
    let refused = palisade(&[
        "scan",
        repo,
        "--write-baseline",
        settings.to_str().unwrap(),
        "--baseline-expiry",
        "90d",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("besides exceptions"),
        "{}",
        stderr(&refused)
    );
    let missing = palisade(&["scan", repo, "--write-baseline", baseline]);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "--baseline-expiry is required"
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let out = palisade_stdin(
        &["scan", "-", "--format", "json"],
        PRIVILEGED_POD.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "privileged-container")
        .unwrap();
    assert_eq!(f["location"]["file"], "-");
    assert_eq!(f["location"]["line"], 11);
}

#[test]
fn lists_are_unpacked_and_non_kubernetes_documents_are_counted() {
    let list = r#"{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"hostPID": true, "containers": [{"name": "c"}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}
    ]}"#;
    let text = format!("{list}\n---\nfoo: bar\n---\n# only a comment\n");
    let out = palisade_stdin(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--control",
            "host-namespaces",
        ],
        text.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["summary"]["resources"], 2);
    assert_eq!(report["summary"]["skippedDocuments"], 1);
    assert_eq!(report["findings"][0]["resource"]["name"], "a");
    assert_eq!(report["findings"][0]["location"]["line"], 2);
}

#[test]
fn broken_files_are_reported_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a-broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
    );
    write(dir.path(), "b-bad.yaml", PRIVILEGED_POD);
    std::fs::write(dir.path().join("c-binary.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = palisade(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert!(controls_of(&report).contains(&"privileged-container".to_owned()));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("a-broken.yaml")
    );
    assert!(errors[0]["line"].as_u64().unwrap() >= 4);
    assert!(errors[1]["message"].as_str().unwrap().contains("not UTF-8"));

    let text = palisade(&["scan", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("a-broken.yaml:"), "{stdout}");
    assert!(stdout.contains("error:"), "{stdout}");
}

#[test]
fn missing_paths_and_bad_selections_are_usage_errors() {
    let out = palisade(&["scan", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no such file or directory"));
    let out = palisade(&["scan", "examples", "--framework", "pss-strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown framework `pss-strict`"));
    let out = palisade(&["scan", "examples", "--framework", "pss-baseline@1.30"]);
    assert_eq!(out.status.code(), Some(2));
    let out = palisade(&["scan", "examples", "--control", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown control `nope`"));
}

#[test]
fn frameworks_select_controls_by_level_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n      runAsUser: 0\n";
    let file = write(dir.path(), "root.yaml", pod);
    let path = file.to_str().unwrap();
    let controls = |framework: &str| {
        controls_of(&json(&palisade(&[
            "scan",
            path,
            "--format",
            "json",
            "--framework",
            framework,
        ])))
    };
    assert!(controls("pss-baseline").is_empty());
    let latest = controls("pss-restricted");
    assert!(
        latest.contains(&"run-as-root-user".to_owned()),
        "{latest:?}"
    );
    // runAsUser=0 is forbidden from v1.23, drop ALL from v1.22, a seccomp profile from v1.19.
    let v1_22 = controls("pss-restricted@v1.22");
    assert!(
        !v1_22.contains(&"run-as-root-user".to_owned())
            && v1_22.contains(&"capabilities-not-restricted".to_owned())
    );
    let v1_18 = controls("pss-restricted@v1.18");
    assert!(!v1_18.contains(&"missing-seccomp-profile".to_owned()));
    assert!(!v1_18.contains(&"capabilities-not-restricted".to_owned()));
}

#[test]
fn a_control_selected_by_two_frameworks_reports_each_violation_once() {
    let out = palisade_stdin(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--framework",
            "pss-baseline@v1.20",
            "--framework",
            "pss-restricted",
        ],
        PRIVILEGED_POD.as_bytes(),
    );
    let controls = controls_of(&json(&out));
    let privileged = controls
        .iter()
        .filter(|c| *c == "privileged-container")
        .count();
    assert_eq!(privileged, 1, "{controls:?}");
}

#[test]
fn directories_honour_gitignore_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "ignored/\n");
    write(dir.path(), "ignored/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "vendor/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), ".hidden/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "notes.txt", PRIVILEGED_POD);
    write(dir.path(), "app/pod.yml", PRIVILEGED_POD);
    // Trivy silently skips folders named dev, proc and sys (aquasecurity/trivy#6651); we must not.
    write(dir.path(), "dev/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "proc/pod.yaml", PRIVILEGED_POD);
    write(
        dir.path(),
        "app/pod.json",
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","securityContext":{"privileged":true}}]}}"#,
    );
    let root = dir.path().to_str().unwrap();
    let files = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "scan",
            root,
            "--format",
            "json",
            "--control",
            "privileged-container",
        ];
        args.extend_from_slice(extra);
        let report = json(&palisade(&args));
        let mut files: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f["location"]["file"]
                    .as_str()
                    .unwrap()
                    .strip_prefix(root)
                    .unwrap()
                    .to_owned()
            })
            .collect();
        files.dedup();
        files
    };
    assert_eq!(
        files(&[]),
        [
            "/app/pod.json",
            "/app/pod.yml",
            "/dev/pod.yaml",
            "/proc/pod.yaml",
            "/vendor/pod.yaml"
        ]
    );
    assert_eq!(
        files(&["--exclude", "vendor", "--exclude", "proc"]),
        ["/app/pod.json", "/app/pod.yml", "/dev/pod.yaml"]
    );
    assert_eq!(
        files(&[
            "--exclude",
            "*.json",
            "--exclude",
            "vendor/**",
            "--exclude",
            "dev",
            "--exclude",
            "proc"
        ]),
        ["/app/pod.yml"]
    );
    // A file named explicitly is read whatever its extension.
    let txt = dir.path().join("notes.txt");
    assert_eq!(
        palisade(&["scan", txt.to_str().unwrap()]).status.code(),
        Some(1)
    );
}

#[test]
fn alias_bombs_are_refused_quickly() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = "a".to_owned();
    for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
        bomb.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = name.to_owned();
    }
    let start = Instant::now();
    let out = palisade_stdin(&["scan", "-", "--format", "json"], bomb.as_bytes());
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("excessive aliasing")
    );
}

#[test]
fn deep_nesting_and_oversized_files_are_errors_not_crashes() {
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let out = palisade_stdin(&["scan", "-", "--format", "json"], deep.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let out = palisade_stdin(
        &["scan", "-", "--max-file-size", "100"],
        PRIVILEGED_POD.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("byte limit"));
}

#[test]
fn a_50_mb_document_is_scanned() {
    let mut doc = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n");
    let mut i = 0;
    while doc.len() < 50 * 1024 * 1024 {
        doc.push_str(&format!("  key-{i:08}: \"{}\"\n", "x".repeat(90)));
        i += 1;
    }
    doc.push_str("---\n");
    doc.push_str(PRIVILEGED_POD);
    let out = palisade_stdin(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--control",
            "privileged-container",
        ],
        doc.as_bytes(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["summary"]["resources"], 2);
    // 5 header lines, i data lines, the `---`, then line 11 of the pod.
    assert_eq!(report["findings"][0]["location"]["line"], 5 + i + 1 + 11);
}

#[test]
fn garbage_never_panics() {
    let inputs: [&[u8]; 8] = [
        b"",
        b"---\n---\n",
        b"\t\t: : :\n",
        b"apiVersion: v1\nkind: Pod\nspec: 12\n",
        b"apiVersion: v1\nkind: Pod\nspec:\n  containers: {name: x}\n  volumes: 3\n  securityContext: [1]\n",
        b"apiVersion: v1\nkind: Deployment\nspec:\n  template: []\n",
        b"? [complex, key]\n: value\n",
        b"*unknown_alias\n",
    ];
    for input in inputs {
        let out = palisade_stdin(&["scan", "-", "--format", "json"], input);
        assert!(
            // 3: nothing was scanned (empty input).
            matches!(out.status.code(), Some(0..=3)),
            "{:?}: {}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        json(&out);
    }
}

#[test]
fn output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    let out = palisade(&[
        "scan",
        "examples",
        "--format",
        "sarif",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(target).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn controls_list_and_explain() {
    let out = palisade(&["controls", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        listing.lines().count(),
        palisade_controls::registry::all().len()
    );
    assert!(listing.contains("privileged-container"));
    let out = palisade(&["controls", "explain", "host-path-volumes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in [
        "## What it does",
        "## Why is this bad?",
        "## How to fix",
        "## Example",
        "## References",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    assert_eq!(
        palisade(&["controls", "explain", "nope"]).status.code(),
        Some(2)
    );
    let list: Value =
        serde_json::from_slice(&palisade(&["controls", "list", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        palisade_controls::registry::all().len()
    );
}

/// `docs/controls/<id>.md` and `docs/controls.md` are generated by
/// `scripts/gen-docs.sh`; this fails when they drift from the code.
#[test]
fn generated_docs_are_current() {
    let docs = workspace().join("docs");
    let list: Value =
        serde_json::from_slice(&palisade(&["controls", "list", "--format", "json"]).stdout)
            .unwrap();
    for control in list.as_array().unwrap() {
        let id = control["id"].as_str().unwrap();
        let expected = palisade(&["controls", "explain", id]).stdout;
        let path = docs.join("controls").join(format!("{id}.md"));
        let actual = std::fs::read(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} is stale: run scripts/gen-docs.sh",
            path.display()
        );
    }
    let index = palisade(&["controls", "list", "--format", "markdown"]).stdout;
    let actual = std::fs::read_to_string(docs.join("controls.md")).unwrap_or_default();
    assert!(
        actual.contains(&String::from_utf8_lossy(&index).to_string()),
        "docs/controls.md is stale: run scripts/gen-docs.sh"
    );
    for framework in palisade_frameworks::all() {
        let expected =
            palisade(&["frameworks", "show", &framework.id, "--format", "markdown"]).stdout;
        let path = docs.join("frameworks").join(format!("{}.md", framework.id));
        let actual = std::fs::read(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} is stale: run scripts/gen-docs.sh",
            path.display()
        );
    }
    let index = palisade(&["frameworks", "list", "--format", "markdown"]).stdout;
    let actual = std::fs::read_to_string(docs.join("frameworks.md")).unwrap_or_default();
    assert!(
        actual.contains(&String::from_utf8_lossy(&index).to_string()),
        "docs/frameworks.md is stale: run scripts/gen-docs.sh"
    );
}

/// Dockerfiles are found by name in directories and checked; a line that
/// does not parse is an error naming it, and the rest is still checked.
#[test]
fn dockerfiles_are_found_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM debian:12\nRUN sudo make install\n",
    );
    write(
        dir.path(),
        "api.Dockerfile",
        "FROM debian:12\nFROBNICATE now\nUSER 10001\n",
    );
    write(dir.path(), "notes.txt", "FROM nothing\n");
    let out = palisade(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "a parse error exits 2");
    let report = json(&out);
    let controls = controls_of(&report);
    assert!(
        controls.contains(&"dockerfile-sudo".to_owned()),
        "{controls:?}"
    );
    assert!(
        controls.contains(&"dockerfile-root-user".to_owned()),
        "{controls:?}"
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 2);
    assert!(
        errors[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("api.Dockerfile")
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("FROBNICATE")
    );
    assert_eq!(report["summary"]["files"], 2, "notes.txt is not scanned");
    let sudo = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "dockerfile-sudo")
        .unwrap();
    assert_eq!(sudo["location"]["line"], 2);
    assert_eq!(sudo["resource"]["kind"], "Dockerfile");
}

/// A ConfigMap mounted as a volume: `deploy.yaml -> ..data/deploy.yaml`,
/// `..data -> ..<timestamp>` (both hidden). The manifest behind the links is
/// scanned under the link's name; a link out of the tree is an error naming
/// it, not a silent skip.
#[test]
fn manifests_behind_symbolic_links_are_scanned() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "..2026_12_03_19_00_00.1/deploy.yaml", PRIVILEGED_POD);
    symlink("..2026_12_03_19_00_00.1", root.join("..data")).unwrap();
    symlink("..data/deploy.yaml", root.join("deploy.yaml")).unwrap();
    let out = support::palisade_in(root, &["scan", ".", "--format", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["summary"]["files"], 1);
    assert!(controls_of(&report).contains(&"privileged-container".to_owned()));
    assert_eq!(report["findings"][0]["location"]["file"], "./deploy.yaml");

    let outside = tempfile::tempdir().unwrap();
    let target = write(outside.path(), "other.yaml", PRIVILEGED_POD);
    symlink(&target, root.join("escape.yaml")).unwrap();
    let out = support::palisade_in(root, &["scan", ".", "--format", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert_eq!(report["errors"][0]["file"], "./escape.yaml");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("outside the scanned directory")
    );
    assert_eq!(
        report["summary"]["files"], 1,
        "deploy.yaml is still scanned"
    );
}

/// A scan that read nothing says so on stderr and exits 3, unless
/// `--allow-empty`: an empty folder, or `helm template` printing nothing,
/// must not pass as a clean scan.
#[test]
fn an_empty_scan_is_visible() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "no manifests here\n");
    let out = support::palisade_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", support::stderr(&out));
    assert!(
        support::stderr(&out).contains("warning: nothing was scanned"),
        "{}",
        support::stderr(&out)
    );
    assert_eq!(
        json(&out)["summary"]["files"],
        0,
        "the report is still written"
    );

    let out = support::palisade_in(dir.path(), &["scan", ".", "--allow-empty"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(support::stderr(&out).contains("warning: nothing was scanned"));

    let out = palisade_stdin(
        &["scan", "-", "--format", "json"],
        b"# helm printed nothing\n",
    );
    assert_eq!(out.status.code(), Some(3), "{}", support::stderr(&out));

    // A YAML document that is no Kubernetes object was still read (user
    // policies may check it): not empty.
    let out = palisade_stdin(&["scan", "-", "--format", "json"], b"replicas: 3\n");
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
}
