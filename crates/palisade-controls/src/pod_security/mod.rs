//! The Kubernetes Pod Security Standards, every check at every policy version,
//! as upstream's Pod Security Admission implements them
//! (`k8s.io/pod-security-admission/policy`; see
//! `../shared/specs/pod-security-standards.md`).
//!
//! Each check returns upstream's own reason and detail for the whole pod
//! (so the webhook can answer exactly as the API server would) and one
//! violation per offending field (so a scan can point at each line).
//! Version differences are comparisons against the named constants in
//! [`version`].

pub(crate) mod format;
pub mod version;

pub(crate) mod allow_privilege_escalation;
pub(crate) mod apparmor_profile;
pub(crate) mod capabilities_baseline;
pub(crate) mod capabilities_restricted;
pub(crate) mod host_namespaces;
pub(crate) mod host_path_volumes;
pub(crate) mod host_ports;
pub(crate) mod host_probes;
pub(crate) mod privileged;
pub(crate) mod proc_mount;
pub(crate) mod proc_mount_restricted;
pub(crate) mod restricted_volumes;
pub(crate) mod run_as_non_root;
pub(crate) mod run_as_user;
pub(crate) mod seccomp_baseline;
pub(crate) mod seccomp_restricted;
pub(crate) mod selinux_options;
pub(crate) mod sysctls;
pub(crate) mod windows_host_process;

use palisade_load::{Container, PodSpec};
use palisade_model::{FieldPath, Node};

use crate::Violation;

/// A field of the container's own `securityContext` (never the pod's).
pub(crate) fn own<'a>(container: &Container<'a>, keys: &[&str]) -> Option<&'a Node> {
    container
        .own_security_context
        .and_then(|sc| sc.get_path(keys))
}

/// Path of a field of the container's own `securityContext`.
pub(crate) fn own_path(container: &Container<'_>, keys: &[&str]) -> FieldPath {
    container.path.key("securityContext").keys(keys)
}

/// A field of the pod's `securityContext`.
pub(crate) fn pod_field<'a>(pod: &PodSpec<'a>, keys: &[&str]) -> Option<&'a Node> {
    pod.security_context.and_then(|sc| sc.get_path(keys))
}

/// Path of a field of the pod's `securityContext`.
pub(crate) fn pod_path(pod: &PodSpec<'_>, keys: &[&str]) -> FieldPath {
    pod.path.key("securityContext").keys(keys)
}

/// A violation by one container, worded `reason (detail)`.
pub(crate) fn container_violation(
    container: &Container<'_>,
    path: FieldPath,
    reason: &str,
    detail: &str,
) -> Violation {
    Violation {
        container: Some(container.name.to_owned()),
        path,
        message: format::reason_detail(reason, detail),
    }
}

/// A violation of the pod as a whole, worded `reason (detail)`.
pub(crate) fn pod_violation(path: FieldPath, reason: &str, detail: &str) -> Violation {
    Violation {
        container: None,
        path,
        message: format::reason_detail(reason, detail),
    }
}

/// The capabilities a container adds that `allowed` rejects, each with its
/// violation (`<reason> (container "c" must not include "X" in
/// securityContext.capabilities.add)`), in list order. Shared by the
/// baseline and restricted capability checks, which differ only in the
/// allowed set.
pub(crate) fn forbidden_added_capabilities(
    container: &Container<'_>,
    reason: &str,
    allowed: impl Fn(&str) -> bool,
) -> Vec<(String, Violation)> {
    let Some(added) = own(container, &["capabilities", "add"]) else {
        return Vec::new();
    };
    let path = own_path(container, &["capabilities", "add"]);
    added
        .items()
        .iter()
        .enumerate()
        .map(|(i, cap)| (i, text(cap)))
        .filter(|(_, cap)| !allowed(cap))
        .map(|(i, cap)| {
            let detail = format!(
                "{} must not include {} in securityContext.capabilities.add",
                format::containers_phrase(&[container.name]),
                format::quote_list(&[&cap])
            );
            let violation = container_violation(container, path.index(i), reason, &detail);
            (cap, violation)
        })
        .collect()
}

/// The text of a scalar as Go would have decoded it into a string field.
pub(crate) fn text(node: &Node) -> String {
    node.scalar_text()
}
