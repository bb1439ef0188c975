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

#[cfg(test)]
pub(crate) mod testing {
    use palisade_load::{Limits, PodSpec, objects, parse_documents};

    use crate::{Check, Control, Params};

    /// `path: message` of every violation of `control` (default parameters)
    /// on a Pod with this `spec:` body.
    pub(crate) fn messages(control: &Control, spec: &str) -> Vec<String> {
        messages_with(control, &Params::defaults(control), spec)
    }

    /// The same, with explicit parameters.
    pub(crate) fn messages_with(control: &Control, params: &Params, spec: &str) -> Vec<String> {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        let parsed = parse_documents("t.yaml".into(), &text, &Limits::default());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let object = objects(&parsed.documents[0].root)[0];
        let pod = PodSpec::find(&object).unwrap();
        match control.check {
            Check::Workload(check) => check(&pod, params)
                .into_iter()
                .map(|v| format!("{}: {}", v.path, v.message))
                .collect(),
            _ => panic!("not a workload check"),
        }
    }
}
