//! Pod volumes of a forbidden type, or host paths that expose the node.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use crate::pod_security::format::go_quote;
use crate::{Check, Control, Param, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "forbidden-volume",
        title: "Pod mounts a forbidden volume type or a sensitive host path",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[
        Param {
            name: "forbidden-volume-types",
            doc: "Volume types pods must not use, as the field name in the volume (`hostPath`, `nfs`, `gitRepo`...), compared case-insensitively.",
            default: &[],
        },
        Param {
            name: "forbidden-host-paths",
            doc: "Host paths a `hostPath` volume must not mount: a volume is flagged when its path is one of them, lies under one (except under `/`, which only matches itself), or contains one.",
            default: &[
                "/var/run/docker.sock",
                "/run/docker.sock",
                "/var/run/containerd/containerd.sock",
                "/run/containerd/containerd.sock",
                "/var/run/crio/crio.sock",
                "/run/crio/crio.sock",
                "/var/run/cri-dockerd.sock",
                "/",
                "/etc",
                "/proc",
                "/sys",
                "/dev",
                "/boot",
                "/root",
                "/var/lib/kubelet",
                "/var/lib/docker",
                "/var/lib/containerd",
                "/var/log",
            ],
        },
    ],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags pod volumes that:
- use a volume type listed in `forbidden-volume-types` (empty by default; for example `nfs` or `gitRepo`), at the volume's type field;
- or are `hostPath` volumes whose path is an entry of `forbidden-host-paths`, lies under one (`/etc/kubernetes` is under `/etc`), or contains one (`/var/run` contains `/var/run/docker.sock`, so mounting it exposes the socket). The entry `/` matches only the root itself, not every path under it.

Paths are normalised before they are compared: repeated and trailing slashes and `.` segments are dropped, and `..` segments are resolved (the API server rejects `..` in `hostPath.path`, but a manifest that was never applied may hold one). An entry of the parameter is normalised the same way. Comparison is case-sensitive, as on Linux. The default list holds the container runtimes' sockets (Docker, containerd, CRI-O, cri-dockerd, under `/var/run` and `/run`) and the node's sensitive trees (`/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, the kubelet's, Docker's and containerd's state under `/var/lib`, and `/var/log`). Every hostPath volume is also reported, with less detail, by `host-path-volumes`.

## Why is this bad?
A container that can reach the runtime's socket can start a privileged container on the node and so controls it, along with every other pod there. The sensitive trees hold the node's credentials (kubelet client certificates, Secrets of every pod on the node under `/var/lib/kubelet`), its configuration, its devices and kernel interfaces, and the logs of every container. Mounting any of them, even read-only, turns a compromise of one pod into a compromise of the node.

## How to fix
Remove the volume. Use Kubernetes APIs instead of the runtime socket (build images with an unprivileged builder, read logs through a logging agent with a narrow path), and mount only the specific files a node agent needs, read-only, in a reviewed exception.

## Example
```yaml
volumes:
- name: docker
  hostPath:
    path: /var/run/docker.sock
    type: Socket
```
Use instead:
```yaml
volumes:
- name: cache
  emptyDir: {}
```

## References
- Kubernetes docs, "Volumes", hostPath: https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
"#;

fn check(pod: &PodSpec<'_>, params: &Params) -> Vec<Violation> {
    let types = params.list("forbidden-volume-types");
    let forbidden: Vec<String> = params
        .list("forbidden-host-paths")
        .iter()
        .map(|p| normalize(p))
        .collect();
    let volumes_path = pod.path.key("volumes");
    let mut violations = Vec::new();
    for (i, volume) in pod
        .spec
        .get("volumes")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let name = go_quote(
            &volume
                .get("name")
                .map(Node::scalar_text)
                .unwrap_or_default(),
        );
        let path = volumes_path.index(i);
        for entry in volume.entries() {
            let used = entry.key != "name" && volume.get(&entry.key).is_some();
            if used && types.iter().any(|t| t.eq_ignore_ascii_case(&entry.key)) {
                violations.push(Violation {
                    container: None,
                    path: path.key(&entry.key),
                    message: format!("volume {name} uses the forbidden volume type {}", entry.key),
                });
            }
        }
        let Some(host_path) = volume
            .get_path(&["hostPath", "path"])
            .and_then(Node::as_str)
        else {
            continue;
        };
        let Some(problem) = host_path_problem(&normalize(host_path), &forbidden) else {
            continue;
        };
        violations.push(Violation {
            container: None,
            path: path.keys(&["hostPath", "path"]),
            message: format!(
                "volume {name} mounts host path {}, {problem}",
                go_quote(host_path)
            ),
        });
    }
    violations
}

/// Why a normalised host path is forbidden: it is an entry, lies under one,
/// or contains one (checked in that order, over every entry).
fn host_path_problem(path: &str, forbidden: &[String]) -> Option<String> {
    if let Some(entry) = forbidden.iter().find(|e| *e == path) {
        return Some(format!("which is forbidden ({entry})"));
    }
    if let Some(entry) = forbidden.iter().find(|e| *e != "/" && is_under(path, e)) {
        return Some(format!("which is under the forbidden {entry}"));
    }
    forbidden
        .iter()
        .find(|e| is_under(e, path))
        .map(|entry| format!("which contains the forbidden {entry}"))
}

/// Whether `path` lies strictly under directory `dir` (both normalised).
fn is_under(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path.len() > 1 && path.starts_with('/');
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// `/var//run/./docker.sock/` is `/var/run/docker.sock`; `..` goes up
/// (never above `/`). Relative paths stay relative.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.trim().split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if path.trim().starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::{CONTROL, normalize};
    use crate::Params;
    use crate::testing::{messages, messages_with};

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize("/var//run/./docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize("/var/log/../../etc"), "/etc");
        assert_eq!(normalize("/../.."), "/");
        assert_eq!(normalize("///"), "/");
        assert_eq!(normalize("data/x/"), "data/x");
    }

    #[test]
    fn flags_sensitive_host_paths() {
        let spec = r#"  containers: [{name: app}]
  volumes:
  - {name: sock, hostPath: {path: /var/run/docker.sock, type: Socket}}
  - {name: root, hostPath: {path: /}}
  - {name: kube, hostPath: {path: /etc/kubernetes/}}
  - {name: run, hostPath: {path: /run}}
  - {name: escape, hostPath: {path: /data/../var/lib/kubelet/pods}}
  - {name: data, hostPath: {path: /data/app}}
  - {name: logs, hostPath: {path: /var/logs}}
  - {name: modules, hostPath: {path: /lib/modules}}
  - {name: scratch, emptyDir: {}}
  - {name: empty, hostPath: {}}
"#;
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.volumes[0].hostPath.path: volume "sock" mounts host path "/var/run/docker.sock", which is forbidden (/var/run/docker.sock)"#,
                r#"spec.volumes[1].hostPath.path: volume "root" mounts host path "/", which is forbidden (/)"#,
                r#"spec.volumes[2].hostPath.path: volume "kube" mounts host path "/etc/kubernetes/", which is under the forbidden /etc"#,
                r#"spec.volumes[3].hostPath.path: volume "run" mounts host path "/run", which contains the forbidden /run/docker.sock"#,
                r#"spec.volumes[4].hostPath.path: volume "escape" mounts host path "/data/../var/lib/kubelet/pods", which is under the forbidden /var/lib/kubelet"#,
            ]
        );
    }

    #[test]
    fn root_entry_matches_only_the_root() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(
                &CONTROL,
                "forbidden-host-paths",
                vec!["/".into(), "/srv/secrets/".into()],
            )
            .unwrap();
        let spec = "  volumes:\n  - {name: a, hostPath: {path: /data}}\n  - {name: b, hostPath: {path: /srv}}\n  - {name: c, hostPath: {path: //}}\n";
        assert_eq!(
            messages_with(&CONTROL, &params, spec),
            [
                r#"spec.volumes[1].hostPath.path: volume "b" mounts host path "/srv", which contains the forbidden /srv/secrets"#,
                r#"spec.volumes[2].hostPath.path: volume "c" mounts host path "//", which is forbidden (/)"#,
            ]
        );
    }

    #[test]
    fn flags_forbidden_volume_types() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(
                &CONTROL,
                "forbidden-volume-types",
                vec!["NFS".into(), "gitRepo".into()],
            )
            .unwrap();
        let spec = "  volumes:\n  - {name: share, nfs: {server: nfs.example.com, path: /exports}}\n  - {name: repo, gitRepo: null}\n  - {name: cfg, configMap: {name: cfg}}\n";
        assert_eq!(
            messages_with(&CONTROL, &params, spec),
            [r#"spec.volumes[0].nfs: volume "share" uses the forbidden volume type nfs"#]
        );
    }
}
