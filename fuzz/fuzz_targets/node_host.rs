//! Any bytes as a host's node configuration: the input is cut at NUL bytes
//! into a kubelet unit, its drop-in, its configuration file, a static-pod
//! manifest and dockerd's `daemon.json`, written under a temporary root,
//! read as `palisade node scan` reads a host and judged by every control.
//! Nothing may panic, hang or read outside the root.
//!
//! Run with `cargo +nightly fuzz run node_host` from the repository root.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use palisade_load::host::HostOptions;
use palisade_load::{Limits, input};
use palisade_policy::PolicySet;

const FILES: [&str; 6] = [
    "etc/systemd/system/kubelet.service",
    "etc/systemd/system/kubelet.service.d/10-fuzz.conf",
    "var/lib/kubelet/config.yaml",
    "etc/kubernetes/manifests/kube-apiserver.yaml",
    "etc/docker/daemon.json",
    "lib/systemd/system/docker.service",
];

fn root() -> &'static std::path::Path {
    static ROOT: OnceLock<std::path::PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("palisade-fuzz-node-{}", std::process::id()));
        for file in FILES {
            if let Some(parent) = dir.join(file).parent() {
                let _ = std::fs::create_dir_all(parent);
            }
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let root = root();
    let mut parts = data.split(|b| *b == 0);
    for file in FILES {
        let _ = std::fs::write(root.join(file), parts.next().unwrap_or_default());
    }
    let loaded = input::load_host(&HostOptions {
        root: root.to_path_buf(),
        proc: None,
        limits: Limits::default(),
    });
    let _ = PolicySet::all().evaluate(&loaded);
});
