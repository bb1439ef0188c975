//! kube-bench's reading of a host, for `--compat kube-bench`: what its
//! checks see, not what the components run with. kube-bench greps the
//! output of `ps -ef | grep <component>` for a flag and, when the flag is
//! not there, reads a field of the first configuration file of a fixed
//! list that exists (`cfg/config.yaml`), whatever `--config` says. So:
//!
//! - a flag is found anywhere its name appears in the command line (also
//!   inside a longer flag's name), and its value is what follows `=` (or
//!   `: `) up to the next space: the first occurrence wins, and in
//!   `--flag value` the value is not seen (the flag reads `true`);
//! - nothing has a default: a flag or field not written is absent;
//! - the kubelet's configuration, kubeconfig and unit are the first of
//!   kube-bench's candidate paths that exist, and `--config-dir` drop-ins
//!   are not read.
//!
//! Palisade's own reading (`flags.rs`, `kubelet.rs`, `control_plane.rs`)
//! is the one the components behave by; this one exists so that a team
//! moving from kube-bench can see where, and why, the verdicts differ.

use serde::Serialize;

use super::flags::Arg;
use super::origin::Origin;
use super::root::HostRoot;

/// How a host's values are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// As the components read them: pflag's rules, the kubelet's merge,
    /// the components' defaults, the files their flags name.
    #[default]
    Palisade,
    /// As kube-bench's checks read them (see the module's documentation).
    KubeBench,
}

/// The kubelet configuration files kube-bench tries, in its order
/// (`node.kubelet.confs` of kube-bench's `cfg/config.yaml`), and the one it
/// falls back to (`defaultconf`).
const KUBELET_CONFIGS: &[&str] = &[
    "/etc/kubernetes/kubelet-config.yaml",
    "/etc/kubernetes/kubelet/kubelet-config.json",
    "/var/lib/rancher/rke2/agent/etc/kubelet.conf.d",
    "/var/lib/kubelet/config.yaml",
    "/etc/kubernetes/azure.json",
    "/var/lib/kubelet/config.yml",
    "/etc/kubernetes/kubelet/config.json",
    "/etc/kubernetes/kubelet/config",
    "/home/kubernetes/kubelet-config.yaml",
    "/home/kubernetes/kubelet-config.yml",
    "/etc/default/kubeletconfig.json",
    "/etc/default/kubelet",
    "/var/lib/kubelet/kubeconfig",
    "/var/snap/kubelet/current/args",
    "/var/snap/microk8s/current/args/kubelet",
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service",
    "/etc/systemd/system/snap.kubelet.daemon.service",
    "/etc/systemd/system/snap.microk8s.daemon-kubelet.service",
    "/etc/kubernetes/kubelet.yaml",
];
const KUBELET_CONFIG_DEFAULT: &str = "/var/lib/kubelet/config.yaml";

/// The kubelet kubeconfigs kube-bench tries (`node.kubelet.kubeconfig`).
const KUBELET_KUBECONFIGS: &[&str] = &[
    "/etc/kubernetes/kubelet.conf",
    "/etc/kubernetes/kubelet-kubeconfig.conf",
    "/var/lib/kubelet/kubeconfig",
    "/etc/kubernetes/kubelet-kubeconfig",
    "/etc/kubernetes/kubelet/kubeconfig",
    "/etc/kubernetes/ssl/kubecfg-kube-node.yaml",
    "/var/snap/microk8s/current/credentials/kubelet.config",
    "/etc/kubernetes/kubeconfig-kubelet",
    "/var/lib/rancher/rke2/agent/kubelet.kubeconfig",
    "/var/lib/rancher/k3s/agent/kubelet.kubeconfig",
];
const KUBELET_KUBECONFIG_DEFAULT: &str = "/etc/kubernetes/kubelet.conf";

/// The kubelet units kube-bench tries (`node.kubelet.svc`).
const KUBELET_SERVICES: &[&str] = &[
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service",
    "/etc/systemd/system/snap.kubelet.daemon.service",
    "/etc/systemd/system/snap.microk8s.daemon-kubelet.service",
    "/etc/systemd/system/atomic-openshift-node.service",
    "/etc/systemd/system/origin-node.service",
];
const KUBELET_SERVICE_DEFAULT: &str = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf";

/// The first of `candidates` on the host, else `fallback` (kube-bench's
/// `findConfigFile`, then its default).
fn first_existing(root: &HostRoot, candidates: &[&str], fallback: &str) -> String {
    candidates
        .iter()
        .find(|path| root.exists(path))
        .copied()
        .unwrap_or(fallback)
        .to_owned()
}

/// The kubelet configuration file kube-bench reads.
pub fn kubelet_config(root: &HostRoot) -> String {
    first_existing(root, KUBELET_CONFIGS, KUBELET_CONFIG_DEFAULT)
}

/// The kubelet kubeconfig kube-bench judges.
pub fn kubelet_kubeconfig(root: &HostRoot) -> String {
    first_existing(root, KUBELET_KUBECONFIGS, KUBELET_KUBECONFIG_DEFAULT)
}

/// The kubelet unit kube-bench judges.
pub fn kubelet_service(root: &HostRoot) -> String {
    first_existing(root, KUBELET_SERVICES, KUBELET_SERVICE_DEFAULT)
}

/// A flag as kube-bench finds it in `args` (the command line joined by
/// spaces, see [`find`]), with the argument that holds its occurrence.
pub fn flag(args: &[Arg], name: &str) -> Option<(String, Origin)> {
    let wanted = format!("--{name}");
    let line: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
    let (at, value) = find_at(&line.join(" "), &wanted)?;
    // The argument the occurrence starts in: arguments are joined by one
    // space each.
    let mut start = 0;
    let mut holder = args.first()?;
    for arg in args {
        if start > at {
            break;
        }
        holder = arg;
        start += arg.text.len() + 1;
    }
    let origin = Origin {
        what: format!("{wanted} as kube-bench reads it ({})", holder.origin.what),
        ..holder.origin.clone()
    };
    Some((value, origin))
}

/// kube-bench's `flagTestItem.findValue` on an audit's output: `flag` (as
/// written in the check, `--anonymous-auth` or `permissions`) is found
/// wherever it appears; its value is what follows its first occurrence
/// and any run of `=` and `: `, up to the next white space. With nothing
/// there, a `--` flag reads `true` and any other reads as its own name.
pub fn find(output: &str, flag: &str) -> Option<String> {
    find_at(output, flag).map(|(_, value)| value)
}

/// [`find`], with where the occurrence starts.
fn find_at(output: &str, flag: &str) -> Option<(usize, String)> {
    if flag.is_empty() {
        return None;
    }
    let at = output.find(flag)?;
    let mut rest = output.get(at + flag.len()..).unwrap_or_default();
    // `(=|: *)*`
    loop {
        if let Some(after) = rest.strip_prefix('=') {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(':') {
            rest = after.trim_start_matches(' ');
        } else {
            break;
        }
    }
    let value: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let value = if !value.is_empty() {
        value
    } else if flag.starts_with("--") {
        "true".to_owned()
    } else {
        flag.to_owned()
    };
    Some((at, value))
}

/// The flag names written on the command line (`--name=...`, `--name`).
pub fn names(args: &[Arg]) -> Vec<String> {
    let mut names: Vec<String> = args
        .iter()
        .filter_map(|a| a.text.strip_prefix("--"))
        .map(|body| body.split('=').next().unwrap_or(body).to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;

    fn args(words: &[&str]) -> Vec<Arg> {
        let file: Arc<str> = Arc::from("/proc/1/cmdline");
        words
            .iter()
            .enumerate()
            .map(|(i, w)| Arg {
                text: (*w).to_owned(),
                origin: Origin::at(&file, 0, 0, format!("argument {}", i + 1)),
            })
            .collect()
    }

    #[test]
    fn flags_are_found_as_kube_bench_greps_them() {
        let line = args(&[
            "--read-only-port",
            "10255",
            "--anonymous-auth=true",
            "--anonymous-auth=false",
            "--profiling-x=1",
            "--authorization-mode=Node,RBAC",
        ]);
        let value = |name: &str| flag(&line, name).map(|(v, _)| v);
        // `--flag value`: the value is not seen.
        assert_eq!(value("read-only-port").as_deref(), Some("true"));
        // The first occurrence wins (pflag: the last).
        assert_eq!(value("anonymous-auth").as_deref(), Some("true"));
        // Inside a longer name.
        assert_eq!(value("profiling").as_deref(), Some("-x=1"));
        assert_eq!(value("authorization-mode").as_deref(), Some("Node,RBAC"));
        assert_eq!(value("client-ca-file"), None);
        assert_eq!(
            find("permissions=600", "permissions").as_deref(),
            Some("600")
        );
        assert_eq!(find("root:root", "root:root").as_deref(), Some("root:root"));
        assert_eq!(find("x", ""), None);
        let (_, origin) = flag(&line, "anonymous-auth").unwrap();
        assert_eq!(
            origin.what,
            "--anonymous-auth as kube-bench reads it (argument 3)"
        );
        assert_eq!(
            names(&line),
            [
                "anonymous-auth",
                "authorization-mode",
                "profiling-x",
                "read-only-port"
            ]
        );
    }
}
