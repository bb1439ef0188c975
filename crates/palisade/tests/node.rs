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
