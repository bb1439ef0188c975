//! Health probes of long-running containers, shared by the
//! `liveness-probe-missing` and `readiness-probe-missing` controls.

use palisade_load::{ContainerKind, PodSpec};
use palisade_model::Node;

use super::{container_violation, describe};
use crate::Violation;

/// A violation for every regular container without `probe`
/// (`livenessProbe` or `readinessProbe`), unless the pod runs to completion:
/// `restartPolicy` `Never` or `OnFailure`, which every Job and CronJob
/// template must set. Init containers (native sidecars included) and
/// ephemeral containers are not checked.
pub(crate) fn missing(pod: &PodSpec<'_>, probe: &str) -> Vec<Violation> {
    let policy = pod.spec.get("restartPolicy").and_then(Node::as_str);
    if matches!(policy, Some("Never" | "OnFailure")) {
        return Vec::new();
    }
    pod.containers
        .iter()
        .filter(|c| c.kind == ContainerKind::Regular && c.node.get(probe).is_none())
        .map(|c| container_violation(c, &[probe], format!("{} has no {probe}", describe(c))))
        .collect()
}
