//! Docker host controls (CIS Docker 1.6 sections 1 to 3): the host's audit
//! rules for Docker's files (1.1), the daemon's effective settings (2: its
//! flags and `daemon.json`, merged as dockerd merges them, each value at
//! its origin) and the modes and owners of its files and sockets (3).
//! Generated controls share these helpers; `palisade_load::host::docker`
//! gathers the facts.

pub(crate) mod audit_containerd;
pub(crate) mod audit_containerd_config;
pub(crate) mod audit_containerd_shim;
pub(crate) mod audit_containerd_shim_runc_v1;
pub(crate) mod audit_containerd_shim_runc_v2;
pub(crate) mod audit_containerd_sock;
pub(crate) mod audit_daemon;
pub(crate) mod audit_daemon_json;
pub(crate) mod audit_docker_service;
pub(crate) mod audit_docker_socket;
pub(crate) mod audit_etc_default_docker;
pub(crate) mod audit_etc_docker;
pub(crate) mod audit_etc_sysconfig_docker;
pub(crate) mod audit_run_containerd;
pub(crate) mod audit_runc;
pub(crate) mod audit_var_lib_docker;
pub(crate) mod aufs_storage_driver;
pub(crate) mod authorization_plugin_missing;
pub(crate) mod base_device_size_changed;
pub(crate) mod cgroup_parent_changed;
pub(crate) mod config_dir_ownership;
pub(crate) mod config_dir_permissions;
pub(crate) mod containerd_socket_ownership;
pub(crate) mod containerd_socket_permissions;
pub(crate) mod daemon_json_ownership;
pub(crate) mod daemon_json_permissions;
pub(crate) mod data_root_not_separate;
pub(crate) mod default_file_ownership;
pub(crate) mod default_file_permissions;
pub(crate) mod experimental_enabled;
pub(crate) mod icc_enabled;
pub(crate) mod insecure_registries;
pub(crate) mod iptables_disabled;
pub(crate) mod live_restore_disabled;
pub(crate) mod local_logging;
pub(crate) mod log_level;
pub(crate) mod new_privileges_allowed;
pub(crate) mod registry_certs_ownership;
pub(crate) mod registry_certs_permissions;
pub(crate) mod seccomp_unconfined;
pub(crate) mod service_file_ownership;
pub(crate) mod service_file_permissions;
pub(crate) mod socket_file_ownership;
pub(crate) mod socket_file_permissions;
pub(crate) mod socket_ownership;
pub(crate) mod socket_permissions;
pub(crate) mod sysconfig_file_ownership;
pub(crate) mod sysconfig_file_permissions;
pub(crate) mod tls_ca_ownership;
pub(crate) mod tls_ca_permissions;
pub(crate) mod tls_cert_ownership;
pub(crate) mod tls_cert_permissions;
pub(crate) mod tls_key_ownership;
pub(crate) mod tls_key_permissions;
pub(crate) mod tls_not_configured;
pub(crate) mod untrusted_users;
pub(crate) mod userland_proxy_enabled;
pub(crate) mod userns_remap_disabled;
use palisade_load::host::docker::DockerDaemon;
use palisade_load::host::{FileFacts, FileState, Origin};

use super::{NodeJudgement, NodeViolation, mode_at_most, owned_by_root, setting_fails};

/// Judges one daemon setting: `fails` says what is wrong with its value;
/// an unset one without a default is `when_unset`'s answer, at the command
/// line.
pub(crate) fn judge(
    daemon: &DockerDaemon,
    key: &str,
    fails: impl FnOnce(&str) -> Option<String>,
    when_unset: impl FnOnce() -> Option<String>,
) -> Vec<NodeJudgement> {
    let judgement = match daemon.get(key) {
        Some(setting) => fails(&setting.value).map(|m| setting_fails(key, setting, m)),
        None => when_unset().map(|message| {
            NodeJudgement::Fail(NodeViolation {
                subject: key.to_owned(),
                message,
                origin: daemon.command.clone(),
            })
        }),
    };
    judgement.into_iter().collect()
}

/// Whether a setting reads as Go's `true`.
pub(crate) fn is_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// The files of `role` (`docker.sock`, or every `registry-cert:` file for
/// `registry-cert`), not applicable when the host has none.
fn files<'a>(daemon: &'a DockerDaemon, role: &str) -> Vec<&'a FileFacts> {
    daemon
        .files
        .iter()
        .filter(|(r, _)| {
            *r == role
                || r.strip_prefix(role)
                    .is_some_and(|rest| rest.starts_with(':'))
        })
        .map(|(_, f)| f)
        .collect()
}

/// The files of `role` within the mode mask `max`.
pub(crate) fn mode(daemon: &DockerDaemon, role: &str, max: u32, what: &str) -> Vec<NodeJudgement> {
    let found = files(daemon, role);
    if found.is_empty() {
        return vec![absent(what)];
    }
    found
        .into_iter()
        .filter_map(|f| mode_at_most(f, max, what, || None))
        .collect()
}

/// The files of `role` owned by root:root.
pub(crate) fn owner(daemon: &DockerDaemon, role: &str, what: &str) -> Vec<NodeJudgement> {
    let found = files(daemon, role);
    if found.is_empty() {
        return vec![absent(what)];
    }
    found
        .into_iter()
        .filter_map(|f| owned_by_root(f, what, || None))
        .collect()
}

/// The Docker socket owned by user root and the group the host names
/// `docker`.
pub(crate) fn owned_by_root_and_docker(
    daemon: &DockerDaemon,
    role: &str,
    what: &str,
) -> Vec<NodeJudgement> {
    let found = files(daemon, role);
    if found.is_empty() {
        return vec![absent(what)];
    }
    let mut out = Vec::new();
    for file in found {
        match &file.state {
            FileState::Present {
                uid,
                gid,
                owner,
                group,
                ..
            } => {
                if *uid == 0 && group.as_deref() == Some("docker") {
                    continue;
                }
                let shown: std::sync::Arc<str> = file.path.as_str().into();
                out.push(NodeJudgement::Fail(NodeViolation {
                    subject: file.path.clone(),
                    message: format!(
                        "{what} {} is owned by {}:{}, not root:docker",
                        file.path,
                        owner.clone().unwrap_or_else(|| uid.to_string()),
                        group.clone().unwrap_or_else(|| gid.to_string()),
                    ),
                    origin: Origin::at(&shown, 0, 0, what),
                }));
            }
            FileState::Missing => out.push(absent(what)),
            FileState::Unreadable { reason } => out.push(NodeJudgement::Unknown {
                subject: file.path.clone(),
                reason: reason.clone(),
            }),
        }
    }
    out
}

fn absent(what: &str) -> NodeJudgement {
    NodeJudgement::NotApplicable(format!("this host has no {what}"))
}

/// The audit target `role` is watched by an audit rule, when it is on the
/// host.
pub(crate) fn audited(daemon: &DockerDaemon, role: &str) -> Vec<NodeJudgement> {
    let Some(target) = daemon.audit_targets.get(role) else {
        return vec![NodeJudgement::NotApplicable(format!(
            "{role} is not audited here"
        ))];
    };
    if !target.exists {
        return vec![NodeJudgement::NotApplicable(format!(
            "{} is not on this host",
            target.path
        ))];
    }
    if target.watched_by.is_some() {
        return Vec::new();
    }
    let shown: std::sync::Arc<str> = "/etc/audit/rules.d".into();
    vec![NodeJudgement::Fail(NodeViolation {
        subject: target.path.clone(),
        message: format!(
            "no audit rule watches {}: changes to it leave no trace (add `-w {} -k docker` to /etc/audit/rules.d/docker.rules)",
            target.path, target.path
        ),
        origin: Origin::at(&shown, 0, 0, "the host's audit rules"),
    })]
}
