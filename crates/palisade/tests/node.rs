//! `palisade node collect` on host trees built here: kubeadm's kubelet unit
//! and drop-in as its packages ship them, its KubeletConfiguration, and a
//! live process started with the kubelet's exact argv.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use palisade_testkit::host::write;
use serde_json::Value;

mod support;

/// A kubeadm worker: unit, drop-in, flags file, configuration, kubeconfig,
/// CA, and the host's account tables.
fn kubeadm_worker(root: &Path) {
    write(
        root,
        "/lib/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n",
        0o644,
    );
    write(
        root,
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n\
         Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n\
         Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n\
         EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
         EnvironmentFile=-/etc/default/kubelet\n\
         ExecStart=\n\
         ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n",
        0o644,
    );
    write(
        root,
        "/var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock\"\n",
        0o644,
    );
    write(
        root,
        "/etc/default/kubelet",
        "KUBELET_EXTRA_ARGS=--read-only-port=10255\n",
        0o644,
    );
    write(
        root,
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nrotateCertificates: true\n",
        0o644,
    );
    write(
        root,
        "/etc/kubernetes/kubelet.conf",
        "apiVersion: v1\nkind: Config\n",
        0o600,
    );
    write(
        root,
        "/etc/kubernetes/pki/ca.crt",
        "-----BEGIN CERTIFICATE-----\n",
        0o644,
    );
    let uid = std::fs::metadata(root)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    write(
        root,
        "/etc/passwd",
        &format!("hostadmin:x:{uid}:{uid}::/root:/bin/sh\n"),
        0o644,
    );
    write(root, "/etc/group", &format!("hostadmins:x:{uid}:\n"), 0o644);
}

fn collect(args: &[&str]) -> Value {
    let output = support::binary()
        .args(["node", "collect"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_configured_kubelet_is_rebuilt_from_its_unit() {
    let dir = tempfile::tempdir().unwrap();
    kubeadm_worker(dir.path());
    let facts = collect(&["--root", dir.path().to_str().unwrap()]);
    let kubelet = &facts["kubelets"][0];
    assert_eq!(kubelet["found"]["kind"], "configured", "{kubelet:#}");
    assert_eq!(
        kubelet["command"]["file"],
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
    );
    assert_eq!(kubelet["command"]["line"], 7);
    let settings = &kubelet["config"]["settings"];
    // The file's value, with its line and column.
    assert_eq!(
        settings["authentication.anonymous.enabled"]["value"],
        "false"
    );
    assert_eq!(
        settings["authentication.anonymous.enabled"]["origin"]["file"],
        "/var/lib/kubelet/config.yaml"
    );
    assert_eq!(
        settings["authentication.anonymous.enabled"]["origin"]["line"],
        5
    );
    // /etc/default/kubelet's flag beats the file's default.
    assert_eq!(settings["readOnlyPort"]["value"], "10255");
    assert_eq!(
        settings["readOnlyPort"]["origin"]["file"],
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
    );
    // What nothing sets is the v1beta1 default, and says so.
    assert_eq!(
        settings["streamingConnectionIdleTimeout"]["value"],
        "4h0m0s"
    );
    assert!(
        settings["streamingConnectionIdleTimeout"]["origin"]["what"]
            .as_str()
            .unwrap()
            .contains("default with --config")
    );
    // Files, with modes and the host's own names for their owners.
    let files = &kubelet["files"];
    assert_eq!(files["config"]["state"]["mode"], 0o644);
    assert_eq!(files["kubeconfig"]["state"]["mode"], 0o600);
    assert_eq!(files["kubeconfig"]["state"]["owner"], "hostadmin");
    assert_eq!(files["clientCa"]["path"], "/etc/kubernetes/pki/ca.crt");
    assert_eq!(files["service"].as_array().unwrap().len(), 2);
}

#[test]
fn a_running_kubelet_is_read_from_its_argv() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    kubeadm_worker(dir.path());
    // A process whose argv is the kubelet's: bash runs the wait and keeps
    // its argv (`; true` stops it from exec'ing sleep in its place).
    let mut child = std::process::Command::new("bash")
        .arg0("/usr/bin/kubelet")
        .args([
            "-c",
            "sleep 30; true",
            "--config=/var/lib/kubelet/config.yaml",
            "--anonymous-auth",
            "--kubeconfig",
            "/etc/kubernetes/kubelet.conf",
        ])
        .spawn()
        .unwrap();
    let pid = child.id();
    let facts = collect(&["--root", dir.path().to_str().unwrap(), "--proc", "/proc"]);
    child.kill().unwrap();
    child.wait().unwrap();
    let kubelets = facts["kubelets"].as_array().unwrap();
    let kubelet = kubelets
        .iter()
        .find(|k| k["found"]["pid"] == pid)
        .unwrap_or_else(|| panic!("pid {pid} not among {kubelets:#?}"));
    assert_eq!(kubelet["command"]["file"], format!("/proc/{pid}/cmdline"));
    let settings = &kubelet["config"]["settings"];
    // The bare boolean flag beats the file's `false`.
    assert_eq!(
        settings["authentication.anonymous.enabled"]["value"],
        "true"
    );
    assert!(
        settings["authentication.anonymous.enabled"]["origin"]["what"]
            .as_str()
            .unwrap()
            .contains("--anonymous-auth=true")
    );
    // The unit's /etc/default/kubelet is not what runs: no --read-only-port.
    assert_eq!(settings["readOnlyPort"]["value"], "0");
}

#[test]
fn a_host_without_a_kubelet_and_a_bad_root() {
    let dir = tempfile::tempdir().unwrap();
    let facts = collect(&["--root", dir.path().to_str().unwrap()]);
    assert_eq!(facts["kubelets"], serde_json::json!([]));
    let missing = dir.path().join("missing");
    let output = support::binary()
        .args(["node", "collect", "--root", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a folder"));
}

fn node_scan(root: &Path, args: &[&str]) -> std::process::Output {
    support::binary()
        .args(["node", "scan", "--root", root.to_str().unwrap()])
        .args(args)
        .env_remove("PALISADE_CONFIG")
        .output()
        .unwrap()
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The first finding of `control` in a JSON report.
fn finding_of<'a>(report: &'a Value, control: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == control)
        .unwrap_or_else(|| panic!("no {control} finding in {report:#}"))
}

/// The verdict on requirement `id` of the report's only framework.
fn verdict<'a>(report: &'a Value, id: &str) -> &'a Value {
    let requirements = report["compliance"][0]["requirements"].as_array().unwrap();
    &requirements
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id}"))["verdict"]
}

#[test]
fn node_scan_judges_the_kubeadm_worker_as_its_kubelet_runs() {
    let dir = tempfile::tempdir().unwrap();
    kubeadm_worker(dir.path());
    let out = node_scan(
        dir.path(),
        &["--framework", "cis-kubernetes-1.12", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    let at = |control: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["control"] == control)
            .map(|f| {
                format!(
                    "{}:{}",
                    f["location"]["file"].as_str().unwrap(),
                    f["location"]["line"]
                )
            })
            .collect()
    };
    // /etc/default/kubelet's --read-only-port=10255 is expanded on the
    // drop-in's ExecStart= line (7), which wins over the file's default.
    assert_eq!(
        at("kubelet-read-only-port"),
        ["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:7"]
    );
    assert_eq!(
        at("kubelet-config-file-permissions"),
        ["/var/lib/kubelet/config.yaml:1"]
    );
    // The owner is the test user, named by the host's own /etc/passwd.
    let owned = findings
        .iter()
        .find(|f| f["control"] == "kubelet-config-file-ownership");
    if let Some(owned) = owned {
        assert!(
            owned["message"].as_str().unwrap().contains("hostadmin"),
            "{owned}"
        );
    }
    assert!(at("kubelet-anonymous-auth").is_empty());
    for f in findings {
        assert_eq!(f["resource"]["kind"], "Kubelet", "{f}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("not proven running"),
            "{f}"
        );
    }
    assert_eq!(verdict(&report, "4.2.1"), "pass");
    assert_eq!(verdict(&report, "4.2.4"), "fail");
    assert_eq!(verdict(&report, "4.1.9"), "fail");
    assert_eq!(verdict(&report, "4.1.3"), "manual");
    // Manifests were not scanned: section 5 did not run.
    assert_eq!(verdict(&report, "5.2.2"), "not-run");

    // Every format; SARIF results land on the host files.
    for format in ["text", "sarif", "junit", "github", "html"] {
        let out = node_scan(dir.path(), &["--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("kubelet-read-only-port"), "{format}: {text}");
    }
    let sarif = json_of(&node_scan(dir.path(), &["--format", "sarif"]));
    let uris = support::sarif_uris(&sarif);
    assert!(
        uris.iter().any(|u| u.ends_with("10-kubeadm.conf")),
        "{uris:?}"
    );
    // --fail-on above every finding's severity: exit 0.
    assert_eq!(
        node_scan(dir.path(), &["--fail-on", "critical"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_kubelet_without_a_config_file_has_nothing_to_protect() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf\n",
        0o600,
    );
    let out = node_scan(
        dir.path(),
        &["--framework", "cis-kubernetes-1.12", "--format", "json"],
    );
    let report = json_of(&out);
    assert_eq!(verdict(&report, "4.1.9"), "not-applicable");
    assert_eq!(verdict(&report, "4.1.10"), "not-applicable");
    // Without --config the legacy defaults apply: anonymous requests and
    // AlwaysAllow, each pointing at the unit's ExecStart= line.
    assert_eq!(verdict(&report, "4.2.1"), "fail");
    assert_eq!(verdict(&report, "4.2.2"), "fail");
    let anonymous = finding_of(&report, "kubelet-anonymous-auth");
    assert_eq!(
        anonymous["location"]["file"],
        "/etc/systemd/system/kubelet.service"
    );
    assert_eq!(anonymous["location"]["line"], 2);
    assert!(
        anonymous["message"]
            .as_str()
            .unwrap()
            .contains("default without --config"),
        "{anonymous}"
    );
}

#[test]
fn a_host_without_a_kubelet_scans_to_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let out = node_scan(
        dir.path(),
        &["--framework", "cis-kubernetes-1.12", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node component"));
    let report = json_of(&out);
    assert_eq!(verdict(&report, "4.2.1"), "not-applicable");
    let out = node_scan(dir.path(), &["--allow-empty"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn node_scan_records_one_event_per_kubelet_in_a_log_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    kubeadm_worker(&host);
    write(&host, "/etc/hostname", "worker-7\n", 0o644);
    let db = format!("sqlite://{}", dir.path().join("audit.db").display());
    let out = node_scan(&host, &["--record", "--audit-db", &db, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded 1 audit events"));
    let audit = |args: &[&str]| {
        support::binary()
            .args(["audit"])
            .args(args)
            .args(["--audit-db", &db, "--format", "json"])
            .env_remove("PALISADE_CONFIG")
            .output()
            .unwrap()
    };
    let events = json_of(&audit(&["query"]));
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0]["event"];
    assert_eq!(event["resource"]["kind"], "Kubelet");
    assert_eq!(event["resource"]["name"], "worker-7");
    assert_eq!(event["decision"], "denied");
    assert!(
        event["findings"].as_array().unwrap().len() >= 3,
        "{event:#}"
    );
    assert_eq!(audit(&["verify"]).status.code(), Some(0));
}

/// kubeadm's kube-apiserver static pod, with two flags the benchmark
/// refuses (profiling left at its default, anonymous requests allowed).
const APISERVER_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.33.0
    command:
    - kube-apiserver
    - --anonymous-auth=true
    - --authorization-mode=Node,RBAC
    - --enable-admission-plugins=NodeRestriction
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
";

#[test]
fn a_control_plane_node_is_judged_from_its_static_pods_and_processes() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    kubeadm_worker(dir.path());
    // The kubelet's configuration names the manifest folder.
    write(
        dir.path(),
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/static\n",
        0o600,
    );
    write(
        dir.path(),
        "/etc/kubernetes/static/kube-apiserver.yaml",
        APISERVER_POD,
        0o644,
    );
    write(
        dir.path(),
        "/etc/kubernetes/admin.conf",
        "kind: Config\n",
        0o600,
    );
    let out = node_scan(
        dir.path(),
        &["--framework", "cis-kubernetes-1.12", "--format", "json"],
    );
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    let anonymous = findings
        .iter()
        .find(|f| f["control"] == "apiserver-anonymous-auth")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(
        anonymous["location"]["file"],
        "/etc/kubernetes/static/kube-apiserver.yaml"
    );
    assert_eq!(anonymous["location"]["line"], 12);
    assert_eq!(anonymous["resource"]["kind"], "kube-apiserver");
    assert!(
        anonymous["message"]
            .as_str()
            .unwrap()
            .contains("static-pod manifest, not proven running")
    );
    assert_eq!(verdict(&report, "1.1.1"), "fail"); // mode 644
    assert_eq!(verdict(&report, "1.1.13"), "pass"); // admin.conf 600
    assert_eq!(verdict(&report, "1.2.1"), "fail");
    assert_eq!(verdict(&report, "1.2.7"), "pass");
    assert_eq!(verdict(&report, "1.2.15"), "fail"); // profiling's default
    // No etcd, scheduler or controller manager here.
    assert_eq!(verdict(&report, "2.2"), "not-applicable");
    assert_eq!(verdict(&report, "1.4.1"), "not-applicable");
    assert_eq!(verdict(&report, "3.2.1"), "manual");

    // A running kube-apiserver wins over its manifest: its own argv.
    let mut child = std::process::Command::new("bash")
        .arg0("/usr/local/bin/kube-apiserver")
        .args([
            "-c",
            "sleep 30; true",
            "--anonymous-auth=false",
            "--profiling=false",
        ])
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = node_scan(
        dir.path(),
        &[
            "--proc",
            "/proc",
            "--control",
            "apiserver-anonymous-auth",
            "--control",
            "apiserver-profiling",
            "--control",
            "apiserver-manifest-permissions",
            "--format",
            "json",
        ],
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let report = json_of(&out);
    let mine: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["resource"]["kind"] == "kube-apiserver"
                && f["location"]["file"] == format!("/proc/{pid}/cmdline")
        })
        .collect();
    assert!(
        mine.is_empty(),
        "the running one sets both flags: {mine:#?}"
    );
    let manifest = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "apiserver-manifest-permissions");
    assert!(manifest.is_some(), "its manifest is still judged");
}

#[test]
fn palisade_scan_judges_static_pod_manifests_in_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kube-apiserver.yaml"), APISERVER_POD).unwrap();
    let out = support::binary()
        .args(["scan", dir.path().to_str().unwrap()])
        .args(["--framework", "cis-kubernetes-1.12", "--format", "json"])
        .env_remove("PALISADE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    let lines: Vec<(String, u64)> = findings
        .iter()
        .filter(|f| f["control"].as_str().unwrap().starts_with("apiserver-"))
        .map(|f| {
            (
                f["control"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        lines.contains(&("apiserver-anonymous-auth".to_owned(), 12)),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("apiserver-profiling".to_owned(), 10)),
        "{lines:?}"
    );
    // The manifest's mode is a question for its host, not the repository.
    assert_eq!(verdict(&report, "1.1.1"), "not-applicable");
    assert_eq!(verdict(&report, "1.2.7"), "pass");
    // No etcd in the repository, and no host: not applicable, not run.
    assert_eq!(verdict(&report, "2.2"), "not-applicable");
    assert_eq!(verdict(&report, "4.2.1"), "not-run");
}

#[test]
fn a_managed_node_pack_judges_with_its_own_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    // An EKS node: the kubelet's configuration in JSON, mode 644.
    write(
        dir.path(),
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config /etc/kubernetes/kubelet/kubelet-config.json --kubeconfig /var/lib/kubelet/kubeconfig\n",
        0o644,
    );
    write(
        dir.path(),
        "/etc/kubernetes/kubelet/kubelet-config.json",
        r#"{"kind": "KubeletConfiguration", "apiVersion": "kubelet.config.k8s.io/v1beta1",
  "authentication": {"anonymous": {"enabled": false}, "webhook": {"enabled": true}, "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
  "authorization": {"mode": "Webhook"}, "readOnlyPort": 10255}
"#,
        0o644,
    );
    write(
        dir.path(),
        "/var/lib/kubelet/kubeconfig",
        "kind: Config\n",
        0o644,
    );
    let eks = json_of(&node_scan(
        dir.path(),
        &["--framework", "cis-eks-1.8", "--format", "json"],
    ));
    assert_eq!(verdict(&eks, "3.1.1"), "pass", "644 is within EKS's 644");
    assert_eq!(verdict(&eks, "3.1.3"), "pass");
    assert_eq!(verdict(&eks, "3.2.1"), "pass");
    assert_eq!(verdict(&eks, "3.2.4"), "fail");
    assert_eq!(verdict(&eks, "5.1.1"), "manual");
    let readonly = finding_of(&eks, "kubelet-read-only-port");
    assert_eq!(
        readonly["location"]["file"],
        "/etc/kubernetes/kubelet/kubelet-config.json"
    );
    assert_eq!(readonly["location"]["line"], 3);
    let cis = json_of(&node_scan(
        dir.path(),
        &["--framework", "cis-kubernetes-1.12", "--format", "json"],
    ));
    assert_eq!(
        verdict(&cis, "4.1.5"),
        "fail",
        "CIS Kubernetes asks for 600"
    );
    assert_eq!(verdict(&cis, "4.1.9"), "fail");
}

#[test]
fn a_docker_host_is_judged_from_dockerd_and_daemon_json() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "/lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375\n",
        0o644,
    );
    write(
        dir.path(),
        "/etc/docker/daemon.json",
        "{\n  \"icc\": false,\n  \"live-restore\": true\n}\n",
        0o644,
    );
    write(
        dir.path(),
        "/etc/group",
        "root:x:0:\ndocker:x:999:\n",
        0o644,
    );
    write(
        dir.path(),
        "/etc/fstab",
        "/dev/sda1 / ext4 defaults 0 1\n/dev/sdb1 /var/lib/docker xfs defaults 0 2\n",
        0o644,
    );
    write(dir.path(), "/etc/hostname", "fixture-node\n", 0o644);
    // dockerd's classic image store, with nothing tagged.
    write(
        dir.path(),
        "/var/lib/docker/image/overlay2/repositories.json",
        r#"{"Repositories":{}}"#,
        0o600,
    );
    std::fs::create_dir_all(
        dir.path()
            .join("var/lib/docker/image/overlay2/imagedb/content/sha256"),
    )
    .unwrap();
    // A running container, privileged, as dockerd stores it (one line).
    write(
        dir.path(),
        "/var/lib/docker/containers/abc123/config.v2.json",
        r#"{"Name":"/web","Config":{"Image":"nginx","User":"101"},"State":{"Running":true},"MountPoints":{}}"#,
        0o600,
    );
    write(
        dir.path(),
        "/var/lib/docker/containers/abc123/hostconfig.json",
        r#"{"Privileged":true,"NetworkMode":"web"}"#,
        0o600,
    );
    let out = node_scan(
        dir.path(),
        &["--framework", "cis-docker-1.6", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    assert_eq!(verdict(&report, "2.2"), "pass"); // icc false in daemon.json
    assert_eq!(verdict(&report, "2.15"), "pass");
    assert_eq!(verdict(&report, "2.7"), "fail"); // TCP without TLS
    assert_eq!(verdict(&report, "2.9"), "fail"); // userns-remap's default
    assert_eq!(verdict(&report, "3.18"), "pass"); // daemon.json 644
    assert_eq!(verdict(&report, "3.16"), "not-applicable"); // no socket here
    assert_eq!(verdict(&report, "1.1.18"), "not-applicable"); // no runc here
    assert_eq!(verdict(&report, "1.1.1"), "pass"); // its own file system
    assert_eq!(verdict(&report, "5.5"), "fail"); // the privileged container
    let privileged = finding_of(&report, "docker-container-privileged");
    assert_eq!(privileged["resource"]["kind"], "DockerContainer");
    assert_eq!(privileged["resource"]["name"], "fixture-node/web");
    assert_eq!(
        privileged["location"]["file"],
        "/var/lib/docker/containers/abc123/hostconfig.json"
    );
    assert_eq!(privileged["location"]["column"], 2);
    let tls = finding_of(&report, "docker-tls-not-configured");
    assert_eq!(tls["resource"]["kind"], "dockerd");
    assert_eq!(
        tls["location"]["file"],
        "/lib/systemd/system/docker.service"
    );

    // A setting both as a flag and in daemon.json: dockerd would not start.
    write(
        dir.path(),
        "/lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd --icc=true\n",
        0o644,
    );
    let out = node_scan(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("icc is set both as a flag"),
        "{report:#}"
    );
}

#[test]
fn a_configured_exception_waives_a_node_finding_for_its_host_only() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    kubeadm_worker(&host);
    write(&host, "/etc/hostname", "worker-7\n", 0o644);
    let config = dir.path().join("palisade.yaml");
    let exception = |name: &str| {
        format!(
            "exceptions:\n  - controls: [kubelet-read-only-port]\n    kinds: [Kubelet]\n    names: [\"{name}\"]\n    justification: the metrics agent still reads 10255 until SEC-42 lands\n    owner: platform-team\n    expires: 2099-01-01\n"
        )
    };
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--control",
        "kubelet-read-only-port",
        "--format",
        "json",
    ];
    std::fs::write(&config, exception("worker-*")).unwrap();
    let out = node_scan(&host, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let waived = finding_of(&report, "kubelet-read-only-port");
    assert_eq!(waived["waiver"]["owner"], "platform-team", "{waived:#}");
    // Another host's exception waives nothing here.
    std::fs::write(&config, exception("worker-8")).unwrap();
    let out = node_scan(&host, &args);
    assert_eq!(out.status.code(), Some(1));
    assert!(finding_of(&json_of(&out), "kubelet-read-only-port")["waiver"].is_null());
}

/// `--compat kube-bench` gives kube-bench's verdicts (the first of two
/// `--anonymous-auth` flags, no look at the `--config` file kube-bench's
/// list does not name) and lists where Palisade's own reading differs.
#[test]
fn compat_kube_bench_reports_its_verdicts_beside_palisades() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/srv/kubelet/custom.yaml --anonymous-auth=true --anonymous-auth=false --kubeconfig=/etc/kubernetes/kubelet.conf\n",
        0o644,
    );
    write(
        dir.path(),
        "/srv/kubelet/custom.yaml",
        "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\n",
        0o600,
    );
    write(
        dir.path(),
        "/etc/kubernetes/kubelet.conf",
        "kind: Config\n",
        0o600,
    );
    let controls = [
        "--control",
        "kubelet-anonymous-auth",
        "--control",
        "kubelet-authorization-always-allow",
        "--control",
        "kubelet-read-only-port",
    ];
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = controls.to_vec();
        args.extend_from_slice(extra);
        args
    };
    let ours = json_of(&node_scan(dir.path(), &args(&["--format", "json"])));
    assert_eq!(ours["findings"].as_array().unwrap().len(), 0, "{ours:#}");
    assert!(ours.get("compared").is_none());

    let out = node_scan(
        dir.path(),
        &args(&["--compat", "kube-bench", "--format", "json"]),
    );
    assert_eq!(out.status.code(), Some(1));
    let theirs = json_of(&out);
    let failed: Vec<&str> = theirs["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "kubelet-anonymous-auth",
            "kubelet-authorization-always-allow"
        ],
        "{theirs:#}"
    );
    let anonymous = finding_of(&theirs, "kubelet-anonymous-auth");
    assert!(
        anonymous["message"]
            .as_str()
            .unwrap()
            .contains("--anonymous-auth as kube-bench reads it"),
        "{anonymous:#}"
    );
    let compared = &theirs["compared"];
    assert_eq!(compared["reading"], "kube-bench");
    let differences: Vec<(String, bool, bool)> = compared["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["control"].as_str().unwrap().to_owned(),
                d["reportedFails"].as_bool().unwrap(),
                d["palisadeFails"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        differences,
        [
            ("kubelet-anonymous-auth".to_owned(), true, false),
            ("kubelet-authorization-always-allow".to_owned(), true, false),
        ]
    );
    let text = node_scan(dir.path(), &args(&["--compat", "kube-bench"]));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Palisade's own reading differs on 2:"),
        "{text}"
    );
    assert!(
        text.contains("kubelet-authorization-always-allow  Kubelet/"),
        "{text}"
    );
    // SARIF carries the differences in the run's property bag, JUnit as
    // skipped (visible, not failing) cases of a suite of their own.
    let sarif = json_of(&node_scan(
        dir.path(),
        &args(&["--compat", "kube-bench", "--format", "sarif"]),
    ));
    let in_sarif = &sarif["runs"][0]["properties"]["compared"];
    assert_eq!(in_sarif["reading"], "kube-bench", "{sarif:#}");
    assert_eq!(in_sarif["differences"].as_array().unwrap().len(), 2);
    let junit = node_scan(
        dir.path(),
        &args(&["--compat", "kube-bench", "--format", "junit"]),
    );
    let junit = String::from_utf8_lossy(&junit.stdout);
    assert!(
        junit.contains("kube-bench&apos;s reading compared with Palisade&apos;s")
            || junit.contains("kube-bench's reading compared with Palisade's"),
        "{junit}"
    );
    assert!(
        junit.contains("kube-bench fails, Palisade passes"),
        "{junit}"
    );
    // kube-bench's verdicts are not evidence.
    let db = format!("sqlite://{}", dir.path().join("audit.db").display());
    let refused = node_scan(
        dir.path(),
        &["--compat", "kube-bench", "--record", "--audit-db", &db],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not recorded as evidence"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!dir.path().join("audit.db").exists());
}

/// A Docker host running `web` from an image pulled by a digest nobody
/// approved, with a binary written into its writable layer.
#[test]
fn node_scan_finds_drift_on_a_docker_host() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let id = "a".repeat(64);
    write(
        root,
        "/lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n",
        0o644,
    );
    write(
        root,
        &format!("/var/lib/docker/containers/{id}/config.v2.json"),
        &format!(
            r#"{{"ID": "{id}", "Name": "/web", "Driver": "overlay2", "Image": "sha256:{id}", "Config": {{"Image": "web:1"}}, "State": {{"Running": true, "Pid": 1}}}}"#
        ),
        0o600,
    );
    write(
        root,
        &format!("/var/lib/docker/containers/{id}/hostconfig.json"),
        "{}",
        0o600,
    );
    write(
        root,
        "/var/lib/docker/image/overlay2/repositories.json",
        &format!(
            r#"{{"Repositories": {{"web": {{"web:1": "sha256:{id}", "web@sha256:{}": "sha256:{id}"}}}}}}"#,
            "9".repeat(64)
        ),
        0o600,
    );
    write(
        root,
        &format!("/var/lib/docker/image/overlay2/imagedb/content/sha256/{id}"),
        r#"{"history": []}"#,
        0o600,
    );
    write(
        root,
        &format!("/var/lib/docker/image/overlay2/layerdb/mounts/{id}/mount-id"),
        "m0unt",
        0o600,
    );
    write(
        root,
        "/var/lib/docker/overlay2/m0unt/diff/tmp/miner",
        "\u{7f}ELF binary",
        0o600,
    );
    let approved = support::write(
        root,
        "approved.txt",
        &format!("sha256:{}\n", "2".repeat(64)),
    );
    let out = node_scan(
        root,
        &[
            "--allowed-digests",
            approved.to_str().unwrap(),
            "--control",
            "docker-container-image-digest-not-allowed",
            "--control",
            "docker-container-executable-written",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", support::stderr(&out));
    let report = json_of(&out);
    let digest = finding_of(&report, "docker-container-image-digest-not-allowed");
    assert!(
        digest["message"]
            .as_str()
            .unwrap()
            .contains(&format!("pulled as web@sha256:{}", "9".repeat(64))),
        "{digest}"
    );
    let written = finding_of(&report, "docker-container-executable-written");
    assert_eq!(
        written["location"]["file"],
        "/var/lib/docker/overlay2/m0unt/diff/tmp/miner"
    );
    assert!(
        written["message"]
            .as_str()
            .unwrap()
            .contains("an ELF binary at /tmp/miner")
    );
}
