//! Conformance harness: kube-bench's CIS Kubernetes 1.12 definitions
//! (`kube-bench/cfg/cis-1.12/{master,etcd,node}.yaml`,
//! aquasecurity/kube-bench), compared with the Palisade controls the
//! `cis-kubernetes-1.12` pack maps to each recommendation; and its EKS
//! 1.8.0, GKE 1.9.0 and AKS 1.8 node definitions (`node.yaml`, section 3)
//! with the `cis-eks-1.8`, `cis-gke-1.9` and `cis-aks-1.8` packs, each with
//! the pack's own parameters.
//!
//! Nobody on this project wrote these tests: each kube-bench check names a
//! flag (or a file's permissions or owner) and how its value is compared
//! (`eq`, `noteq`, `gte`, `has`, `nothave`, `valid_elements`, `bitmask`, a
//! flag that must or must not be `set`), joined by `and` or `or`. From
//! them the harness derives cases: every flag of the check absent, given
//! the value kube-bench's test names, and given a value on the other side
//! of it (a flipped boolean, a number below the bound, a list without the
//! item, a weak cipher suite, a mode beyond the mask, another owner), each
//! combination of them. Each case is judged twice:
//!
//! - by kube-bench's reading: a flag found as kube-bench's grep finds it
//!   (`palisade_load::host::kube_bench::find`), compared by
//!   `conformance::kube_bench::compare`, a compared flag that is absent
//!   failing, `set: false` passing when it is absent, `bin_op` joining the
//!   items; both functions are held to kube-bench's own labelled cases by
//!   `conformance_kube_bench_evaluator`;
//! - by Palisade: the case is built as the component runs (a static pod's
//!   `command:` for the control plane, a systemd unit's `ExecStart=` with
//!   an empty `--config` file for the kubelet, a host tree with the file's
//!   mode and owner applied for file checks) and judged by the pack's
//!   controls for the recommendation through the same entry points a scan
//!   uses. The case fails when one of them reports a finding.
//!
//! Where the two differ for a reason (Palisade reads the component's
//! default, kube-bench passes an absent flag), the case is listed in
//! [`KNOWN_DIFFERENCES`] with that reason; any other difference fails the
//! test, and so does a listed case that now agrees. [`FLOOR`] ratchets the
//! number of checks compared. Each flag case is judged a third time, by
//! the controls on a host read with `--compat kube-bench`'s reading, which
//! must give kube-bench's verdict except for [`COMPAT_DIFFERENCES`]. Without the corpus the test says so and
//! passes, unless `PALISADE_REQUIRE_CONFORMANCE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::Path;
use std::sync::Arc;

use palisade_load::host::{HostOptions, Reading};
use palisade_load::{Input, Limits, Loaded, parse_documents};
use palisade_policy::PolicySet;
use serde_json::Value;

mod conformance;

/// Checks compared: raise it when coverage grows, never lower it.
const FLOOR: usize = 84;

/// The managed-node benchmarks' floors (checks compared, compat flag
/// cases) and their differences, each with its reason.
const EKS_FLOOR: usize = 13;
const EKS_COMPAT_FLOOR: usize = 28;
const GKE_FLOOR: usize = 4;
const AKS_FLOOR: usize = 11;
const AKS_COMPAT_FLOOR: usize = 28;
const EKS_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "3.2.1",
        "--anonymous-auth absent",
        "with --config and nothing setting it, the kubelet's default is false; kube-bench fails an absent flag",
    ),
    (
        "3.2.2",
        "--authorization-mode absent",
        "with --config and nothing setting it, the kubelet's default is Webhook; kube-bench fails an absent flag",
    ),
    (
        "3.2.2",
        "--authorization-mode=Other,AlwaysAllow",
        "the kubelet takes one mode: this value is refused at start-up and is no AlwaysAllow; kube-bench looks for the word",
    ),
    (
        "3.2.4",
        "--read-only-port absent",
        "with --config and nothing setting it, the read-only port is 0 (off); kube-bench's EKS check fails an absent flag",
    ),
    (
        "3.2.8",
        "--rotate-certificates absent",
        "not set, rotateCertificates is false; kube-bench passes it because its test is \"not set to false\"",
    ),
    (
        "3.2.9",
        "RotateKubeletServerCertificate absent",
        "the gate is on by default (GA since Kubernetes 1.12); kube-bench fails an absent gate",
    ),
];
const EKS_COMPAT_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "3.2.2",
        "--authorization-mode=Other,AlwaysAllow",
        "the control's test of the value: the kubelet takes one mode, and this one is refused at start-up",
    ),
    (
        "3.2.4",
        "--read-only-port absent",
        "the compat table keeps cis-1.12's verdict on an absent --read-only-port (its 4.2.4 passes it); EKS's 3.2.4 fails it",
    ),
    (
        "3.2.9",
        "RotateKubeletServerCertificate absent",
        "the compat table keeps cis-1.12's verdict on an absent gate (its 4.2.11 passes it); EKS's 3.2.9 fails it",
    ),
];
const GKE_DIFFERENCES: &[(&str, &str, &str)] = &[];
const AKS_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "3.2.1",
        "--anonymous-auth absent",
        "with --config and nothing setting it, the kubelet's default is false; kube-bench fails an absent flag",
    ),
    (
        "3.2.2",
        "--anonymous-auth absent",
        "kube-bench's AKS 3.2.2 reads --anonymous-auth for the authorization mode (its definition's slip); the kubelet's authorization mode defaults to Webhook with --config",
    ),
    (
        "3.2.2",
        "--anonymous-auth=AlwaysAllow",
        "kube-bench's AKS 3.2.2 reads --anonymous-auth for the authorization mode; --anonymous-auth does not set it",
    ),
    (
        "3.2.2",
        "--anonymous-auth=Other,AlwaysAllow",
        "kube-bench's AKS 3.2.2 reads --anonymous-auth for the authorization mode; --anonymous-auth does not set it",
    ),
    (
        "3.2.4",
        "--read-only-port absent",
        "with --config and nothing setting it, the read-only port is 0 (off); kube-bench's AKS check fails an absent flag",
    ),
    (
        "3.2.7",
        "--event-qps absent",
        "not set, eventRecordQPS is 50, within the benchmark's \"0 or a level which ensures appropriate event capture\"; kube-bench's AKS check asks for exactly 0",
    ),
    (
        "3.2.7",
        "--event-qps=10255",
        "a positive rate is within the benchmark's \"0 or a level which ensures appropriate event capture\"; kube-bench's AKS check asks for exactly 0",
    ),
    (
        "3.2.8",
        "--rotate-certificates absent",
        "not set, rotateCertificates is false; kube-bench passes it because its test is \"not set to false\"",
    ),
    (
        "3.2.9",
        "RotateKubeletServerCertificate absent",
        "the gate is on by default (GA since Kubernetes 1.12); kube-bench fails an absent gate",
    ),
];
const AKS_COMPAT_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "3.2.2",
        "--anonymous-auth=Other",
        "kube-bench's AKS 3.2.2 reads --anonymous-auth for the authorization mode; the control judges the authorization mode (absent here, which kube-bench's reading fails)",
    ),
    (
        "3.2.4",
        "--read-only-port absent",
        "the compat table keeps cis-1.12's verdict on an absent --read-only-port (its 4.2.4 passes it); AKS's 3.2.4 fails it",
    ),
    (
        "3.2.7",
        "--event-qps absent",
        "the compat table keeps cis-1.12's verdict on an absent --event-qps (its 4.2.8 passes it); AKS's 3.2.7 fails it",
    ),
    (
        "3.2.7",
        "--event-qps=10255",
        "the control's test of the value (at least the parameter minimum, 0); kube-bench's AKS check asks for exactly 0",
    ),
    (
        "3.2.9",
        "RotateKubeletServerCertificate absent",
        "the compat table keeps cis-1.12's verdict on an absent gate (its 4.2.11 passes it); AKS's 3.2.9 fails it",
    ),
];

/// Cases where `--compat kube-bench` still gives another verdict than
/// kube-bench: `(check, case, reason)`. The compat reading reproduces how
/// kube-bench finds values (first occurrence, no defaults, fixed paths);
/// the test of a value found stays the control's, so these are the value
/// tests of [`KNOWN_DIFFERENCES`] where kube-bench only asks that a flag
/// be written or looks for a word.
const COMPAT_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "1.3.1",
        "--terminated-pod-gc-threshold=0",
        "the control's test of the value: 0 turns the collector off",
    ),
    (
        "4.2.2",
        "--authorization-mode=Other,AlwaysAllow",
        "the control's test of the value: the kubelet takes one mode, and this one is refused at start-up",
    ),
    (
        "4.2.13",
        "--pod-max-pids=-1",
        "the control's test of the value: -1 is no limit",
    ),
    (
        "4.2.14",
        "--seccomp-default=false",
        "the control's test of the value: false leaves containers unconfined",
    ),
];

/// Cases where kube-bench's verdict and Palisade's differ, with why
/// Palisade's is the one it keeps: `(check, case, reason)`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "1.3.1",
        "--terminated-pod-gc-threshold absent",
        "not given, the threshold is 12500 and terminated pods are collected; kube-bench only asks that the flag be written",
    ),
    (
        "1.3.1",
        "--terminated-pod-gc-threshold=0",
        "0 turns the terminated-pod garbage collector off; kube-bench only asks that the flag be written",
    ),
    (
        "1.1.19",
        "owner 1000:1000",
        "kube-bench stats every entry of /etc/kubernetes/pki and passes when any line reads root:root, so one key owned by another user passes; Palisade judges each entry",
    ),
    (
        "1.3.7",
        "--bind-address absent",
        "not given, kube-controller-manager binds 0.0.0.0, every interface; kube-bench passes an absent flag",
    ),
    (
        "1.4.2",
        "--bind-address absent",
        "not given, kube-scheduler binds 0.0.0.0, every interface; kube-bench passes an absent flag",
    ),
    (
        "4.2.1",
        "--anonymous-auth absent",
        "with --config and nothing setting it, the kubelet's default (KubeletConfiguration v1beta1) is false; kube-bench fails an absent flag",
    ),
    (
        "4.2.2",
        "--authorization-mode absent",
        "with --config and nothing setting it, the kubelet's default is Webhook; kube-bench fails an absent flag",
    ),
    (
        "4.2.2",
        "--authorization-mode=Other,AlwaysAllow",
        "the kubelet's --authorization-mode takes one mode, AlwaysAllow or Webhook: this value is refused at start-up and is no AlwaysAllow; kube-bench looks for the word",
    ),
    (
        "4.2.10",
        "--rotate-certificates absent",
        "not set, rotateCertificates is false (the kubelet does not rotate); kube-bench passes it because its test is \"not set to false\"",
    ),
    (
        "4.2.13",
        "--pod-max-pids=-1",
        "-1 (as 0) is no limit; kube-bench only asks that the flag be written",
    ),
    (
        "4.2.14",
        "--seccomp-default=false",
        "false leaves containers unconfined; kube-bench only asks that the flag be written",
    ),
];

/// One of kube-bench's test items.
#[derive(Debug, Clone)]
struct Item {
    flag: String,
    set: Option<bool>,
    op: Option<String>,
    value: String,
}

/// A kube-bench check.
#[derive(Debug)]
struct Check {
    id: String,
    or: bool,
    items: Vec<Item>,
}

fn checks(file: &Path) -> Vec<Check> {
    let docs = conformance::read_yaml(file).unwrap();
    let mut out = Vec::new();
    for group in docs[0]["groups"].as_array().unwrap() {
        for check in group["checks"].as_array().into_iter().flatten() {
            let tests = &check["tests"];
            let items = tests["test_items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| Item {
                    flag: text(&item["flag"]),
                    set: item["set"]
                        .as_bool()
                        .or_else(|| match text(&item["set"]).as_str() {
                            "true" => Some(true),
                            "false" => Some(false),
                            _ => None,
                        }),
                    op: item["compare"]["op"].as_str().map(str::to_owned),
                    value: text(&item["compare"]["value"]),
                })
                .collect();
            out.push(Check {
                id: text(&check["id"]),
                or: tests["bin_op"].as_str() == Some("or"),
                items,
            });
        }
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------
// kube-bench's reading

/// The value of `flag` on a command line, as kube-bench's grep finds it
/// (`palisade_load::host::kube_bench::find`, held to kube-bench's labelled
/// cases by `conformance_kube_bench_evaluator`); `None` when it is absent.
fn kube_bench_value(args: &[String], flag: &str) -> Option<String> {
    palisade_load::host::kube_bench::find(&args.join(" "), flag)
}

fn kube_bench_item(item: &Item, value: Option<&str>) -> bool {
    match (&item.op, value) {
        (None, value) => value.is_some() == item.set.unwrap_or(true),
        (Some(_), None) => false,
        (Some(op), Some(value)) => conformance::kube_bench::compare(op, value, &item.value),
    }
}

fn kube_bench_verdict(check: &Check, value_of: impl Fn(&str) -> Option<String>) -> bool {
    let results = check
        .items
        .iter()
        .map(|item| kube_bench_item(item, value_of(&item.flag).as_deref()));
    if check.or {
        results.into_iter().any(|r| r)
    } else {
        results.into_iter().all(|r| r)
    }
}

// ---------------------------------------------------------------------
// Cases

/// The values a case gives one flag: absent, or a value.
fn candidates(check: &Check, flag: &str) -> Vec<Option<String>> {
    let mut values: Vec<Option<String>> = vec![None];
    let mut push = |v: String| {
        if !values.contains(&Some(v.clone())) {
            values.push(Some(v));
        }
    };
    let compared: Vec<&Item> = check
        .items
        .iter()
        .filter(|i| i.flag == flag && i.op.is_some())
        .collect();
    if compared.is_empty() {
        match flag {
            "--pod-max-pids" => ["4096", "-1"].map(|v| push(v.to_owned())),
            "--terminated-pod-gc-threshold" => ["10", "0"].map(|v| push(v.to_owned())),
            "--seccomp-default" => ["true", "false"].map(|v| push(v.to_owned())),
            _ => [
                "/etc/kubernetes/pki/given.pem",
                "/etc/kubernetes/pki/given.pem",
            ]
            .map(|v| push(v.to_owned())),
        };
    }
    for item in compared {
        let v = item.value.clone();
        let op = item.op.as_deref().unwrap_or("");
        match op {
            "eq" | "noteq" => {
                push(v.clone());
                push(match v.as_str() {
                    "true" => "false".to_owned(),
                    "false" => "true".to_owned(),
                    "0" => "10255".to_owned(),
                    "127.0.0.1" => "0.0.0.0".to_owned(),
                    other => format!("{other}0"),
                });
                if v == "0" && flag.contains("timeout") {
                    push("5m".to_owned());
                }
            }
            "gte" | "gt" | "lte" | "lt" => {
                let n: i64 = v.parse().unwrap();
                push(n.to_string());
                push((n - 1).to_string());
            }
            "has" | "nothave" => {
                push(v.clone());
                if v.contains('=') || !flag.starts_with('-') {
                    // A feature gate: the gate on or off.
                    let gate = v.split('=').next().unwrap_or(&v);
                    push(format!("{gate}=true"));
                    if !flag.starts_with('-') {
                        push("true".to_owned());
                    }
                } else {
                    push(format!("Other,{v}"));
                    push("Other".to_owned());
                }
            }
            "valid_elements" => {
                let first = v.split(',').next().unwrap_or("").to_owned();
                push(first.clone());
                push(format!("{first},TLS_RSA_WITH_AES_128_CBC_SHA"));
            }
            other => panic!("{}: op {other} has no candidates", check.id),
        }
    }
    values
}

/// Every combination of the check's flags' candidates, with a label.
fn cases(check: &Check) -> Vec<(String, Vec<(String, String)>)> {
    let flags: Vec<String> = check
        .items
        .iter()
        .map(|i| i.flag.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut combos: Vec<Vec<(String, Option<String>)>> = vec![Vec::new()];
    for flag in &flags {
        let mut next = Vec::new();
        for combo in &combos {
            for value in candidates(check, flag) {
                let mut combo = combo.clone();
                combo.push((flag.clone(), value));
                next.push(combo);
            }
        }
        combos = next;
    }
    combos
        .into_iter()
        .map(|combo| {
            let label = combo
                .iter()
                .map(|(f, v)| match v {
                    Some(v) => format!("{f}={v}"),
                    None => format!("{f} absent"),
                })
                .collect::<Vec<_>>()
                .join(" ");
            let given = combo
                .into_iter()
                .filter_map(|(f, v)| v.map(|v| (f, v)))
                .collect();
            (label, given)
        })
        .collect()
}

/// The command-line arguments of a case.
fn arguments(given: &[(String, String)]) -> Vec<String> {
    given
        .iter()
        .map(|(flag, value)| {
            if flag.starts_with('-') {
                format!("{flag}={value}")
            } else if value.contains('=') {
                format!("--feature-gates={value}")
            } else {
                format!("--feature-gates={flag}={value}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------
// Palisade's reading

/// Whether the controls find anything in a static pod running `binary`
/// with `args`.
fn palisade_static_pod(policy: &PolicySet, binary: &str, args: &[String]) -> bool {
    let mut text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {binary}, namespace: kube-system}}\nspec:\n  containers:\n  - name: {binary}\n    image: registry.k8s.io/{binary}:v1.33.0\n    command:\n    - {binary}\n"
    );
    for arg in args {
        text.push_str(&format!("    - {}\n", serde_json::to_string(arg).unwrap()));
    }
    let name: Arc<str> = "static-pod.yaml".into();
    let parsed = parse_documents(name.clone(), &text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let loaded = Loaded {
        name,
        text: Some(text.as_str().into()),
        input: Input::Manifests(parsed.documents),
        errors: Vec::new(),
    };
    let evaluated = policy.evaluate(&loaded);
    assert!(evaluated.unjudged.is_empty(), "{:?}", evaluated.unjudged);
    !evaluated.findings.is_empty()
}

/// Rewrites the host's static pod of `binary` to run with `args`.
fn static_pod_with(root: &Path, binary: &str, args: &[String]) {
    let mut text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {binary}}}\nspec:\n  containers:\n  - name: {binary}\n    command:\n    - {binary}\n"
    );
    for arg in args {
        text.push_str(&format!("    - {}\n", serde_json::to_string(arg).unwrap()));
    }
    put(
        root,
        &format!("/etc/kubernetes/manifests/{binary}.yaml"),
        &text,
        0o600,
        (0, 0),
    );
}

/// Writes a host file with a mode and an owner.
fn put(root: &Path, path: &str, text: &str, mode: u32, owner: (u32, u32)) {
    palisade_testkit::host::write(root, path, text, mode);
    let local = root.join(path.trim_start_matches('/'));
    chown(&local, Some(owner.0), Some(owner.1)).unwrap();
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A control-plane node with a kubelet, every file 600 (CA 644, etcd's data
/// directory 700) and owned as the benchmark asks, then `adjust`ed; the
/// kubelet started with `kubelet_args`.
fn host(kubelet_args: &[String], adjust: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    put(
        root,
        "/etc/passwd",
        "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\netcd:x:998:998::/var/lib/etcd:/sbin/nologin\n",
        0o644,
        (0, 0),
    );
    put(
        root,
        "/etc/group",
        "root:x:0:\nalice:x:1000:\netcd:x:998:\n",
        0o644,
        (0, 0),
    );
    let exec = format!(
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf {}\n",
        kubelet_args.join(" ")
    );
    put(
        root,
        "/etc/systemd/system/kubelet.service",
        &exec,
        0o600,
        (0, 0),
    );
    put(
        root,
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
        0o600,
        (0, 0),
    );
    for file in [
        "kubelet.conf",
        "admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ] {
        put(
            root,
            &format!("/etc/kubernetes/{file}"),
            "kind: Config\n",
            0o600,
            (0, 0),
        );
    }
    put(
        root,
        "/etc/kubernetes/pki/ca.crt",
        "-----BEGIN CERTIFICATE-----\n",
        0o644,
        (0, 0),
    );
    put(
        root,
        "/etc/kubernetes/pki/sa.key",
        "-----BEGIN PRIVATE KEY-----\n",
        0o600,
        (0, 0),
    );
    for (binary, extra) in [
        ("kube-apiserver", ""),
        (
            "kube-controller-manager",
            "    - --kubeconfig=/etc/kubernetes/controller-manager.conf\n",
        ),
        (
            "kube-scheduler",
            "    - --kubeconfig=/etc/kubernetes/scheduler.conf\n",
        ),
        ("etcd", "    - --data-dir=/var/lib/etcd\n"),
    ] {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {binary}}}\nspec:\n  containers:\n  - name: {binary}\n    command:\n    - {binary}\n{extra}"
        );
        put(
            root,
            &format!("/etc/kubernetes/manifests/{binary}.yaml"),
            &text,
            0o600,
            (0, 0),
        );
    }
    let data = root.join("var/lib/etcd");
    std::fs::create_dir_all(&data).unwrap();
    chown(&data, Some(998), Some(998)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    adjust(root);
    dir
}

fn palisade_host(policy: &PolicySet, root: &Path) -> bool {
    palisade_host_read(policy, root, Reading::Palisade)
}

/// Whether the controls find anything on the host at `root`, read by
/// `reading`.
fn palisade_host_read(policy: &PolicySet, root: &Path, reading: Reading) -> bool {
    let loaded = palisade_load::input::load_host(&HostOptions {
        root: root.to_path_buf(),
        proc: None,
        limits: Limits::default(),
        reading,
    });
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let evaluated = policy.evaluate(&loaded);
    assert!(evaluated.unjudged.is_empty(), "{:?}", evaluated.unjudged);
    !evaluated.findings.is_empty()
}

/// The host file (or folder) a kube-bench file check reads, in CIS
/// Kubernetes or (`managed`) in the EKS, GKE and AKS benchmarks' numbering.
fn file_of(check: &str, managed: bool) -> Option<&'static str> {
    if managed {
        return Some(match check {
            "3.1.1" | "3.1.2" => "/etc/kubernetes/kubelet.conf",
            "3.1.3" | "3.1.4" => "/var/lib/kubelet/config.yaml",
            _ => return None,
        });
    }
    Some(match check {
        "1.1.1" | "1.1.2" => "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "1.1.3" | "1.1.4" => "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        "1.1.5" | "1.1.6" => "/etc/kubernetes/manifests/kube-scheduler.yaml",
        "1.1.7" | "1.1.8" => "/etc/kubernetes/manifests/etcd.yaml",
        "1.1.11" | "1.1.12" => "/var/lib/etcd",
        "1.1.13" | "1.1.14" => "/etc/kubernetes/admin.conf",
        "1.1.15" | "1.1.16" => "/etc/kubernetes/scheduler.conf",
        "1.1.17" | "1.1.18" => "/etc/kubernetes/controller-manager.conf",
        "1.1.19" | "1.1.21" => "/etc/kubernetes/pki/sa.key",
        "1.1.20" => "/etc/kubernetes/pki/ca.crt",
        "4.1.1" | "4.1.2" => "/etc/systemd/system/kubelet.service",
        "4.1.5" | "4.1.6" => "/etc/kubernetes/kubelet.conf",
        "4.1.7" | "4.1.8" => "/etc/kubernetes/pki/ca.crt",
        "4.1.9" | "4.1.10" => "/var/lib/kubelet/config.yaml",
        _ => return None,
    })
}

/// The component whose flags a check reads.
fn binary_of(check: &str, managed: bool) -> Option<&'static str> {
    let section: Vec<&str> = check.split('.').collect();
    if managed {
        return matches!(section.as_slice(), ["3", "2", _]).then_some("kubelet");
    }
    Some(match section.as_slice() {
        ["1", "2", _] => "kube-apiserver",
        ["1", "3", _] => "kube-controller-manager",
        ["1", "4", _] => "kube-scheduler",
        ["2", _] => "etcd",
        ["4", "2", _] => "kubelet",
        _ => return None,
    })
}

/// File cases: the check's mode mask (and more permissive, and stricter),
/// or its owner (and another).
fn file_cases(check: &Check) -> Vec<(String, u32, (u32, u32))> {
    let item = &check.items[0];
    if item.op.as_deref() == Some("bitmask") {
        let mask = u32::from_str_radix(&item.value, 8).unwrap();
        return vec![
            (format!("mode {mask:o}"), mask, (0, 0)),
            (format!("mode {:o}", mask | 0o044), mask | 0o044, (0, 0)),
            ("mode 400".to_owned(), 0o400, (0, 0)),
        ];
    }
    let wanted = if item.flag == "etcd:etcd" {
        (998, 998)
    } else {
        (0, 0)
    };
    let mode = if check.id == "1.1.11" || check.id == "1.1.12" {
        0o700
    } else {
        0o600
    };
    vec![
        (format!("owner {}:{}", wanted.0, wanted.1), mode, wanted),
        ("owner 1000:1000".to_owned(), mode, (1000, 1000)),
    ]
}

/// kube-bench's verdict on a file case: `stat` prints `permissions=%a` or
/// `%U:%G`, and the items test that output.
fn kube_bench_file(check: &Check, mode: u32, owner: (u32, u32)) -> bool {
    let name = |id: u32| match id {
        0 => "root",
        998 => "etcd",
        _ => "alice",
    };
    // 1.1.19 stats every entry of the PKI folder: the folder itself is
    // root's, so "root:root" is always somewhere in the output.
    let shown = match check.id.as_str() {
        "1.1.19" => "root:root".to_owned(),
        _ => format!("{}:{}", name(owner.0), name(owner.1)),
    };
    kube_bench_verdict(check, |flag| match flag {
        "permissions" => Some(format!("{mode:o}")),
        "ownership" => Some(shown.clone()),
        // `flag: root:root` is found in the output; compared, its value is
        // the output itself.
        owner_flag if owner_flag.contains(':') => (owner_flag == shown).then(|| shown.clone()),
        _ => None,
    })
}

#[test]
fn kube_bench_cis_1_12_agrees_with_the_pack_controls() {
    compare_benchmark(&Benchmark {
        dir: "cis-1.12",
        pack: "cis-kubernetes-1.12",
        files: &["master.yaml", "etcd.yaml", "node.yaml"],
        managed: false,
        known: KNOWN_DIFFERENCES,
        compat_known: COMPAT_DIFFERENCES,
        floor: FLOOR,
        compat_floor: 179,
    });
}

/// The managed-node benchmarks' node checks (section 3), against their
/// own packs (644 thresholds, their numbering).
#[test]
fn kube_bench_managed_node_benchmarks_agree_with_their_packs() {
    for (dir, pack, known, compat_known, floor, compat_floor) in [
        (
            "eks-1.8.0",
            "cis-eks-1.8",
            EKS_DIFFERENCES,
            EKS_COMPAT_DIFFERENCES,
            EKS_FLOOR,
            EKS_COMPAT_FLOOR,
        ),
        (
            "gke-1.9.0",
            "cis-gke-1.9",
            GKE_DIFFERENCES,
            &[][..],
            GKE_FLOOR,
            0,
        ),
        (
            "aks-1.8",
            "cis-aks-1.8",
            AKS_DIFFERENCES,
            AKS_COMPAT_DIFFERENCES,
            AKS_FLOOR,
            AKS_COMPAT_FLOOR,
        ),
    ] {
        compare_benchmark(&Benchmark {
            dir,
            pack,
            files: &["node.yaml"],
            managed: true,
            known,
            compat_known,
            floor,
            compat_floor,
        });
    }
}

/// One of kube-bench's benchmark definitions and the pack that serves it.
struct Benchmark {
    /// The folder under `kube-bench/cfg`.
    dir: &'static str,
    pack: &'static str,
    files: &'static [&'static str],
    /// Numbered as the managed-node benchmarks are (section 3 the node).
    managed: bool,
    /// Where kube-bench's verdict and Palisade's differ, and why.
    known: &'static [(&'static str, &'static str, &'static str)],
    /// Where `--compat kube-bench` still differs from kube-bench, and why.
    compat_known: &'static [(&'static str, &'static str, &'static str)],
    /// Checks compared at least.
    floor: usize,
    /// Flag cases judged with the compat reading at least.
    compat_floor: usize,
}

/// Each difference `(check, case, kube-bench passes, other passes)` must
/// be listed in `known` with its reason, and each listed one still be a
/// difference.
fn require_listed(
    what: &str,
    differences: &[(String, String, bool, bool)],
    known: &[(&str, &str, &str)],
) {
    let verdict = |pass: bool| if pass { "pass" } else { "fail" };
    let unexplained: Vec<String> = differences
        .iter()
        .filter(|d| !known.iter().any(|(id, case, _)| *id == d.0 && *case == d.1))
        .map(|d| {
            format!(
                "{} [{}]: kube-bench {}, Palisade {}",
                d.0,
                d.1,
                verdict(d.2),
                verdict(d.3)
            )
        })
        .collect();
    let stale: Vec<String> = known
        .iter()
        .filter(|(id, case, _)| !differences.iter().any(|d| d.0 == *id && d.1 == *case))
        .map(|(id, case, _)| format!("{id} [{case}]"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{what} differ, unexplained:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "{what}: listed differences that now agree:\n{}",
        stale.join("\n")
    );
}

fn compare_benchmark(benchmark: &Benchmark) {
    let Some(corpus) = conformance::corpus_dir(&format!("kube-bench/cfg/{}", benchmark.dir)) else {
        return;
    };
    let can_chown = {
        let probe = tempfile::NamedTempFile::new().unwrap();
        chown(probe.path(), Some(1000), Some(1000)).is_ok()
    };
    if !can_chown {
        assert!(
            std::env::var_os("CI").is_none(),
            "the kube-bench harness needs root to set owners, and CI must run it"
        );
        println!("not root: file owners cannot be set; skipping");
        return;
    }
    let pack = palisade_frameworks::find(benchmark.pack).unwrap();
    let mut compared = 0;
    let mut differences: Vec<(String, String, bool, bool)> = Vec::new();
    let mut compat_differences: Vec<(String, String, bool, bool)> = Vec::new();
    let mut compat_compared = 0;
    for file in benchmark.files {
        for check in checks(&corpus.join(file)) {
            let Some(requirement) = pack.requirement(&check.id) else {
                continue;
            };
            if requirement.controls.is_empty() || check.items.is_empty() {
                continue;
            }
            let mut policy = PolicySet::select(&[], &requirement.controls).unwrap();
            // The pack's own parameters (the managed packs' 644).
            for selected in policy.selected_mut() {
                let id = selected.control.meta.id;
                for (name, value) in pack.parameters.get(id).into_iter().flatten() {
                    selected
                        .params
                        .set(selected.control, name, value.clone())
                        .unwrap();
                }
            }
            compared += 1;
            if let Some(path) = file_of(&check.id, benchmark.managed) {
                for (label, mode, owner) in file_cases(&check) {
                    let client_ca = ["--client-ca-file=/etc/kubernetes/pki/ca.crt".to_owned()];
                    let tree = host(&client_ca, |root| {
                        let local = root.join(path.trim_start_matches('/'));
                        chown(&local, Some(owner.0), Some(owner.1)).unwrap();
                        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode))
                            .unwrap();
                    });
                    let kube_bench = kube_bench_file(&check, mode, owner);
                    let palisade = !palisade_host(&policy, tree.path());
                    if kube_bench != palisade {
                        differences.push((check.id.clone(), label, kube_bench, palisade));
                    }
                }
                continue;
            }
            let Some(binary) = binary_of(&check.id, benchmark.managed) else {
                panic!("{}: no component for a mapped check", check.id);
            };
            for (label, given) in cases(&check) {
                let args = arguments(&given);
                let kube_bench = kube_bench_verdict(&check, |flag| kube_bench_value(&args, flag));
                let palisade = if binary == "kubelet" {
                    let tree = host(&args, |_| {});
                    !palisade_host(&policy, tree.path())
                } else {
                    !palisade_static_pod(&policy, binary, &args)
                };
                if kube_bench != palisade {
                    differences.push((check.id.clone(), label.clone(), kube_bench, palisade));
                }
                // `--compat kube-bench` must give kube-bench's verdict.
                let tree = if binary == "kubelet" {
                    host(&args, |_| {})
                } else {
                    host(&[], |root| static_pod_with(root, binary, &args))
                };
                let compat = !palisade_host_read(&policy, tree.path(), Reading::KubeBench);
                compat_compared += 1;
                if kube_bench != compat {
                    compat_differences.push((check.id.clone(), label, kube_bench, compat));
                }
            }
        }
    }
    let name = benchmark.dir;
    println!(
        "kube-bench {name}: {compared} checks compared, {} known differences",
        differences.len()
    );
    require_listed(
        &format!("{name}: kube-bench and Palisade"),
        &differences,
        benchmark.known,
    );
    let floor = benchmark.floor;
    assert!(
        compared >= floor,
        "{name}: {compared} checks compared, below the floor of {floor}"
    );
    println!(
        "--compat kube-bench on {name}: {compat_compared} flag cases, {} known differences",
        compat_differences.len()
    );
    require_listed(
        &format!("{name}: kube-bench and --compat kube-bench"),
        &compat_differences,
        benchmark.compat_known,
    );
    let compat_floor = benchmark.compat_floor;
    assert!(
        compat_compared >= compat_floor,
        "{name}: {compat_compared} compat cases, below {compat_floor}"
    );
}
