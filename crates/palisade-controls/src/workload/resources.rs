//! Container resource requests and limits, shared by the four
//! `*-requests-missing` / `*-limits-missing` controls.

use palisade_load::{Container, ContainerKind, PodSpec};
use palisade_model::Node;

use super::{container_violation, describe};
use crate::Violation;

/// Which half of `resources` a control wants set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// `resources.requests`
    Requests,
    /// `resources.limits`
    Limits,
}

impl Bound {
    fn field(self) -> &'static str {
        match self {
            Bound::Requests => "requests",
            Bound::Limits => "limits",
        }
    }
}

/// A violation for every regular and init container that does not set
/// `resources.<bound>.<resource>`. Ephemeral containers cannot set resources.
/// A missing request is covered by a limit for the same resource, which
/// Kubernetes copies into the request; either is also covered by the
/// pod-level `spec.resources` (Kubernetes 1.34+ beta).
pub(crate) fn missing(pod: &PodSpec<'_>, bound: Bound, resource: &str) -> Vec<Violation> {
    if covers(pod.spec.get("resources"), bound, resource) {
        return Vec::new();
    }
    pod.containers
        .iter()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
        .filter_map(|c| violation(c, bound, resource))
        .collect()
}

fn violation(container: &Container<'_>, bound: Bound, resource: &str) -> Option<Violation> {
    let resources = container.node.get("resources");
    if covers(resources, bound, resource) {
        return None;
    }
    let field = format!("resources.{}.{resource}", bound.field());
    let empty = resources
        .and_then(|r| r.get_path(&[bound.field(), resource]))
        .is_some();
    let message = if empty {
        format!("{} sets {field} to \"\"", describe(container))
    } else {
        format!("{} has no {field}", describe(container))
    };
    Some(container_violation(
        container,
        &["resources", bound.field(), resource],
        message,
    ))
}

/// Whether a `resources` mapping sets the value (a limit also sets the request).
fn covers(resources: Option<&Node>, bound: Bound, resource: &str) -> bool {
    let set = |half: Bound| {
        resources
            .and_then(|r| r.get_path(&[half.field(), resource]))
            .is_some_and(|v| v.as_str() != Some(""))
    };
    set(bound) || (bound == Bound::Requests && set(Bound::Limits))
}

#[cfg(test)]
mod tests {
    use super::{Bound, missing};
    use palisade_load::{Limits, PodSpec, objects, parse_documents};

    fn paths(spec: &str, bound: Bound, resource: &str) -> Vec<String> {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        let parsed = parse_documents("t.yaml".into(), &text, &Limits::default());
        let object = objects(&parsed.documents[0].root)[0];
        let pod = PodSpec::find(&object).unwrap();
        missing(&pod, bound, resource)
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn a_limit_covers_the_request_and_pod_resources_cover_all() {
        let spec = "  containers:\n  - {name: a, resources: {limits: {cpu: 1}}}\n  - {name: b, resources: {requests: {cpu: ''}}}\n  ephemeralContainers:\n  - {name: debug}\n";
        assert_eq!(
            paths(spec, Bound::Requests, "cpu"),
            [
                r#"spec.containers[1].resources.requests.cpu: container "b" sets resources.requests.cpu to """#
            ]
        );
        assert_eq!(
            paths(spec, Bound::Limits, "cpu"),
            [
                r#"spec.containers[1].resources.limits.cpu: container "b" has no resources.limits.cpu"#
            ]
        );
        let pod_level = format!("  resources: {{limits: {{cpu: 2}}}}\n{spec}");
        assert!(paths(&pod_level, Bound::Requests, "cpu").is_empty());
        assert!(paths(&pod_level, Bound::Limits, "cpu").is_empty());
        assert_eq!(paths(&pod_level, Bound::Limits, "memory").len(), 2);
    }
}
