//! The writable layers of the containers a Kubernetes node runs, whatever
//! the runtime: every overlay mount of the host (`/proc/1/mountinfo`, the
//! host's init, seen with hostPID) names its `upperdir=`, the folder that
//! holds what the container wrote. Mounts are matched to containers by
//! where they are mounted:
//!
//! - containerd: `/run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/rootfs`,
//!   named from the task's OCI `config.json` (the CRI's
//!   `io.kubernetes.cri.*` annotations: namespace, pod, container; the
//!   pause container of each pod, `container-type: sandbox`, is left out);
//! - CRI-O: `/var/lib/containers/storage/overlay/<layer>/merged`, named
//!   by its layer.
//!
//! Docker's containers are read from dockerd's own state instead
//! (`writable_layer.rs`). Without a `/proc`, none are read.

use std::path::Path;

use serde::Serialize;

use super::root::HostRoot;
use super::writable_layer::{Found, WrittenExecutable, executables_in};

/// containerd's task folders.
const CONTAINERD_TASKS: &str = "/run/containerd/io.containerd.runtime.v2.task/";
/// CRI-O's (containers/storage) overlay layers.
const CRIO_LAYERS: &str = "/var/lib/containers/storage/overlay/";

/// Most overlay mounts read.
const MAX_MOUNTS: usize = 2_000;

/// One running container's writable layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerLayer {
    /// `containerd` or `cri-o`.
    pub runtime: &'static str,
    /// The runtime's container (or layer) ID.
    pub id: String,
    /// `namespace/pod/container` when the runtime says, else the ID.
    pub name: String,
    /// The overlay's upper directory on the host.
    pub upper: String,
    /// Executables in it, or why it could not be read.
    pub executables: Vec<WrittenExecutable>,
    pub truncated: bool,
    /// Entries of the layer that could not be read.
    pub unreadable: usize,
    pub problem: Option<String>,
}

/// The containers' layers of the host whose processes are under `proc`.
pub fn read(root: &HostRoot, proc: &Path) -> Vec<ContainerLayer> {
    let Ok(text) = std::fs::read_to_string(proc.join("1/mountinfo")) else {
        return Vec::new();
    };
    let mut layers: Vec<ContainerLayer> = text
        .lines()
        .filter_map(overlay)
        .filter_map(|(mount_point, upper)| layer(root, &mount_point, upper))
        .take(MAX_MOUNTS)
        .collect();
    layers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    layers.dedup_by(|a, b| a.upper == b.upper);
    layers
}

/// An overlay mount's mount point and upper directory, from one line of
/// `mountinfo` (`36 35 0:31 / /mnt rw - overlay overlay rw,lowerdir=...`).
fn overlay(line: &str) -> Option<(String, String)> {
    let (mount, fs) = line.split_once(" - ")?;
    let mut fs = fs.split(' ');
    if fs.next()? != "overlay" {
        return None;
    }
    let _source = fs.next()?;
    let options = fs.next()?;
    let mount_point = unescape(mount.split(' ').nth(4)?);
    let upper = options
        .split(',')
        .find_map(|o| o.strip_prefix("upperdir="))
        .map(unescape)?;
    Some((mount_point, upper))
}

/// `mountinfo`'s octal escapes (`\040` for a space) decoded.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let code = bytes
            .get(i + 1..i + 4)
            .filter(|_| b == b'\\')
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        match code {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn layer(root: &HostRoot, mount_point: &str, upper: String) -> Option<ContainerLayer> {
    let (runtime, id, name) = if let Some(rest) = mount_point.strip_prefix(CONTAINERD_TASKS) {
        let (ns, rest) = rest.split_once('/')?;
        let id = rest.strip_suffix("/rootfs")?;
        match containerd_name(root, &format!("{CONTAINERD_TASKS}{ns}/{id}/config.json")) {
            Named::Sandbox => return None,
            Named::As(name) => ("containerd", id.to_owned(), name),
            Named::Unknown => ("containerd", id.to_owned(), format!("{ns}/{id}")),
        }
    } else if let Some(rest) = mount_point.strip_prefix(CRIO_LAYERS) {
        let id = rest.strip_suffix("/merged")?;
        ("cri-o", id.to_owned(), id.to_owned())
    } else {
        return None;
    };
    let (found, problem) = match executables_in(root, &upper) {
        Ok(found) => (found, None),
        Err(e) => (Found::default(), Some(e)),
    };
    Some(ContainerLayer {
        runtime,
        id,
        name,
        upper,
        executables: found.executables,
        truncated: found.truncated,
        unreadable: found.unreadable,
        problem,
    })
}

enum Named {
    /// A pod's pause container: nothing of the workload runs in it.
    Sandbox,
    As(String),
    Unknown,
}

/// `namespace/pod/container` from a containerd task's OCI config.
fn containerd_name(root: &HostRoot, config: &str) -> Named {
    let Ok(text) = root.read_text(config) else {
        return Named::Unknown;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Named::Unknown;
    };
    let annotation = |key: &str| {
        json.get("annotations")
            .and_then(|a| a.get(key))
            .and_then(serde_json::Value::as_str)
    };
    if annotation("io.kubernetes.cri.container-type") == Some("sandbox") {
        return Named::Sandbox;
    }
    match (
        annotation("io.kubernetes.cri.sandbox-namespace"),
        annotation("io.kubernetes.cri.sandbox-name"),
        annotation("io.kubernetes.cri.container-name"),
    ) {
        (Some(ns), Some(pod), Some(container)) => Named::As(format!("{ns}/{pod}/{container}")),
        _ => Named::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_mounts_are_read_with_their_escapes() {
        let line = r"1204 1150 0:312 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw,relatime - overlay overlay rw,lowerdir=/var/lib/a:/var/lib/b,upperdir=/var/lib/containerd/snap\040shots/12/fs,workdir=/w";
        assert_eq!(
            overlay(line),
            Some((
                "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs".to_owned(),
                "/var/lib/containerd/snap shots/12/fs".to_owned()
            ))
        );
        assert_eq!(overlay("25 1 8:1 / / rw - ext4 /dev/sda1 rw"), None);
    }
}
