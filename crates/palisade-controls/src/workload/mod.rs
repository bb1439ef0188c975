//! Workload controls: how each container of a pod spec is built and run
//! (images, resources, probes, service accounts...), beyond the Pod
//! Security Standards.

pub(crate) mod capability;
pub(crate) mod cpu_limits_missing;
pub(crate) mod cpu_requests_missing;
pub(crate) mod dangerous_capabilities;
pub(crate) mod default_namespace;
pub(crate) mod default_service_account;
pub(crate) mod forbidden_volume;
pub(crate) mod image;
pub(crate) mod image_not_pinned_by_digest;
pub(crate) mod image_pull_policy_not_always;
pub(crate) mod image_registry_not_allowed;
pub(crate) mod image_tag_latest;
pub(crate) mod liveness_probe_missing;
pub(crate) mod memory_limits_missing;
pub(crate) mod memory_requests_missing;
pub(crate) mod net_raw_not_dropped;
pub(crate) mod privileged_port;
pub(crate) mod probes;
pub(crate) mod readiness_probe_missing;
pub(crate) mod resources;
pub(crate) mod run_as_root_group;
pub(crate) mod service_account_token_automount;
pub(crate) mod writable_root_filesystem;

use palisade_load::Container;

use crate::Violation;

/// A violation at `field` of a container (e.g. `["resources", "limits"]`).
pub(crate) fn container_violation(
    container: &Container<'_>,
    field: &[&str],
    message: String,
) -> Violation {
    Violation {
        container: Some(container.name.to_owned()),
        path: container.path.keys(field),
        message,
    }
}

/// `container "app"` or `init container "setup"`, for messages.
pub(crate) fn describe(container: &Container<'_>) -> String {
    use palisade_load::ContainerKind;
    let kind = match container.kind {
        ContainerKind::Init => "init container",
        ContainerKind::Regular => "container",
        ContainerKind::Ephemeral => "ephemeral container",
    };
    format!("{kind} \"{}\"", container.name)
}
