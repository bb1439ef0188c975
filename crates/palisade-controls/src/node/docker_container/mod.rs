//! Docker container controls (CIS Docker 1.6 section 5, and 4.1 and 4.6
//! at run time): each running container of a Docker host, judged on the
//! state dockerd keeps of it (`palisade_load::host::containers`), each
//! finding at the value's place in `hostconfig.json` or `config.v2.json`.
//! One file per recommendation; these helpers read what several share:
//! security options, mounts and published ports.

pub(crate) mod apparmor_unconfined;
pub(crate) mod capabilities_added;
pub(crate) mod cgroup_parent_set;
pub(crate) mod cpu_shares_unset;
pub(crate) mod default_bridge;
pub(crate) mod docker_socket_mounted;
pub(crate) mod executable_written;
pub(crate) mod healthcheck_missing;
pub(crate) mod host_devices;
pub(crate) mod host_namespaces;
pub(crate) mod image_digest_not_allowed;
pub(crate) mod memory_unlimited;
pub(crate) mod new_privileges_allowed;
pub(crate) mod pids_unlimited;
pub(crate) mod port_all_interfaces;
pub(crate) mod privileged;
pub(crate) mod privileged_port;
pub(crate) mod restart_policy;
pub(crate) mod root_user;
pub(crate) mod seccomp_unconfined;
pub(crate) mod selinux_disabled;
pub(crate) mod sensitive_mount;
pub(crate) mod shared_propagation;
pub(crate) mod writable_root;

use palisade_load::host::Origin;
use palisade_load::host::containers::DockerContainer;
use palisade_model::Node;

pub(crate) use super::normalized;
use super::{NodeJudgement, NodeViolation};

/// A violation about `subject` of the container, at `origin`.
pub(crate) fn fail(subject: &str, message: String, origin: Origin) -> NodeJudgement {
    NodeJudgement::Fail(NodeViolation {
        subject: subject.to_owned(),
        message,
        origin,
    })
}

/// Judges one member of `hostconfig.json`: `fails` says what is wrong with
/// its value; an absent member is judged as `absent` says.
pub(crate) fn host_value(
    container: &DockerContainer,
    key: &str,
    fails: impl FnOnce(&Node) -> Option<String>,
    absent: impl FnOnce() -> Option<String>,
) -> Vec<NodeJudgement> {
    let judgement = match container.host(key) {
        Some(field) => fails(field.node).map(|m| fail(key, m, field.origin())),
        None => absent().map(|m| fail(key, m, container.host_config_origin(key))),
    };
    judgement.into_iter().collect()
}

/// A security option (`--security-opt`) and where it is.
pub(crate) struct SecurityOpt {
    /// As given: `seccomp=unconfined`, `no-new-privileges`.
    pub(crate) text: String,
    pub(crate) origin: Origin,
}

impl SecurityOpt {
    /// The option's name and value: Docker takes `=` and the older `:`
    /// (`seccomp:unconfined`); a bare name has no value.
    pub(crate) fn split(&self) -> (&str, Option<&str>) {
        match self.text.find(['=', ':']) {
            Some(at) => (&self.text[..at], Some(&self.text[at + 1..])),
            None => (self.text.as_str(), None),
        }
    }
}

/// The container's security options, `HostConfig.SecurityOpt`.
pub(crate) fn security_opts(container: &DockerContainer) -> Vec<SecurityOpt> {
    let Some(field) = container.host("SecurityOpt") else {
        return Vec::new();
    };
    field
        .node
        .items()
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            Some(SecurityOpt {
                text: item.as_str()?.to_owned(),
                origin: field.origin_of(item, &format!("SecurityOpt[{i}]")),
            })
        })
        .collect()
}

/// A mount of the container, as dockerd resolved it (`MountPoints` of
/// `config.v2.json`: binds, `--mount`s and volumes alike).
pub(crate) struct Mount {
    /// The host path (a volume's folder for volumes).
    pub(crate) source: String,
    /// The path in the container.
    pub(crate) destination: String,
    /// Whether the container can write it.
    pub(crate) writable: bool,
    /// `bind`, `volume`, `tmpfs`, ...
    pub(crate) kind: String,
    /// `rprivate`, `shared`, ... (empty: the default).
    pub(crate) propagation: String,
    /// The mount point's entry.
    pub(crate) origin: Origin,
}

/// The container's mounts, by destination.
pub(crate) fn mounts(container: &DockerContainer) -> Vec<Mount> {
    let Some(field) = container.state(&["MountPoints"], "MountPoints") else {
        return Vec::new();
    };
    field
        .node
        .entries()
        .iter()
        .map(|entry| {
            let text = |key: &str| {
                entry
                    .value
                    .get(key)
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let destination = match text("Destination") {
                d if d.is_empty() => entry.key.clone(),
                d => d,
            };
            Mount {
                source: text("Source"),
                writable: entry
                    .value
                    .get("RW")
                    .and_then(Node::as_bool)
                    .unwrap_or(true),
                kind: text("Type"),
                propagation: text("Propagation"),
                origin: Origin::at(
                    &container.config_file,
                    entry.key_pos.line,
                    entry.key_pos.column,
                    format!("MountPoints.{destination}"),
                ),
                destination,
            }
        })
        .collect()
}

/// A published port: `-p [ip:]hostPort:containerPort`.
pub(crate) struct Port {
    /// `80/tcp`.
    pub(crate) container_port: String,
    /// The host address it listens on (empty: every address).
    pub(crate) host_ip: String,
    /// The host port (empty: one Docker picks).
    pub(crate) host_port: String,
    pub(crate) origin: Origin,
}

/// The container's published ports, `HostConfig.PortBindings`.
pub(crate) fn ports(container: &DockerContainer) -> Vec<Port> {
    let Some(field) = container.host("PortBindings") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in field.node.entries() {
        for binding in entry.value.items() {
            let text = |key: &str| {
                binding
                    .get(key)
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            out.push(Port {
                container_port: entry.key.clone(),
                host_ip: text("HostIp"),
                host_port: text("HostPort"),
                origin: field.origin_of(binding, &format!("PortBindings.{}", entry.key)),
            });
        }
    }
    out
}

/// Whether a namespace mode shares the host's (`host`, any case, as
/// Docker compares it).
pub(crate) fn is_host(mode: &str) -> bool {
    mode.eq_ignore_ascii_case("host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_options_take_both_separators() {
        let origin = Origin::at(&"f".into(), 1, 1, "x");
        let opt = |text: &str| SecurityOpt {
            text: text.to_owned(),
            origin: origin.clone(),
        };
        assert_eq!(
            opt("seccomp=unconfined").split(),
            ("seccomp", Some("unconfined"))
        );
        assert_eq!(
            opt("seccomp:unconfined").split(),
            ("seccomp", Some("unconfined"))
        );
        assert_eq!(
            opt("no-new-privileges").split(),
            ("no-new-privileges", None)
        );
        assert_eq!(
            opt("label=type:svirt_t").split(),
            ("label", Some("type:svirt_t"))
        );
    }
}
