//! RBAC controls: what Roles and ClusterRoles grant, and to whom bindings
//! grant it.
//!
//! A rule grants a verb on a resource when its `apiGroups`, `resources` and
//! `verbs` each contain the value or `*` (Kubernetes' own matching;
//! `pods/*` also matches every pod subresource). `resourceNames` narrows a
//! rule to named objects but still grants the access, so it is not an excuse.

pub(crate) mod anonymous_binding;
pub(crate) mod cluster_admin_binding;
pub(crate) mod escalation_verbs;
pub(crate) mod pod_create;
pub(crate) mod pod_exec_attach;
pub(crate) mod secret_read;
pub(crate) mod wildcard;

use palisade_load::KubeObject;
use palisade_model::{FieldPath, Node};

use crate::Violation;

/// One rule of a Role or ClusterRole.
pub(crate) struct Rule<'a> {
    node: &'a Node,
    /// `rules[i]`.
    pub(crate) path: FieldPath,
}

impl<'a> Rule<'a> {
    /// The strings of a list field (`verbs`, `resources`, `apiGroups`), with indexes.
    pub(crate) fn list(&self, field: &str) -> impl Iterator<Item = (usize, &'a str)> + use<'a> {
        self.node
            .get(field)
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.as_str().map(|s| (i, s)))
    }

    /// The verbs of `wanted` this rule grants (all of them under `*`).
    pub(crate) fn granted_verbs(&self, wanted: &[&str]) -> Vec<String> {
        let verbs: Vec<&str> = self.list("verbs").map(|(_, v)| v).collect();
        if verbs.contains(&"*") {
            return wanted.iter().map(|v| (*v).to_owned()).collect();
        }
        wanted
            .iter()
            .filter(|w| verbs.contains(w))
            .map(|w| (*w).to_owned())
            .collect()
    }

    /// Whether the rule covers API group `group`.
    pub(crate) fn covers_group(&self, group: &str) -> bool {
        self.list("apiGroups").any(|(_, g)| g == group || g == "*")
    }

    /// The index of the `resources` entry that covers `resource`
    /// (`pods/exec` is covered by `pods/exec`, `pods/*` and `*`).
    pub(crate) fn covering_resource(&self, resource: &str) -> Option<usize> {
        let parent_wildcard = resource
            .split_once('/')
            .map(|(parent, _)| format!("{parent}/*"));
        self.list("resources")
            .find(|(_, r)| *r == resource || *r == "*" || parent_wildcard.as_deref() == Some(*r))
            .map(|(i, _)| i)
    }

    /// A violation at `resources[index]` of this rule.
    pub(crate) fn resource_violation(&self, index: usize, message: String) -> Violation {
        Violation {
            container: None,
            path: self.path.key("resources").index(index),
            message,
        }
    }
}

/// The rules of a Role or ClusterRole; none for other kinds.
pub(crate) fn rules<'a>(object: &KubeObject<'a>) -> Vec<Rule<'a>> {
    if !matches!(object.kind(), "Role" | "ClusterRole") {
        return Vec::new();
    }
    let path = FieldPath::root().key("rules");
    object
        .node
        .get("rules")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
        .map(|(i, node)| Rule {
            node,
            path: path.index(i),
        })
        .collect()
}

/// Whether the object is a RoleBinding or ClusterRoleBinding.
pub(crate) fn is_binding(object: &KubeObject<'_>) -> bool {
    matches!(object.kind(), "RoleBinding" | "ClusterRoleBinding")
}

/// `User "alice", Group "ops"`: a binding's subjects, for messages.
pub(crate) fn subjects(object: &KubeObject<'_>) -> String {
    object
        .node
        .get("subjects")
        .map_or(&[][..], Node::items)
        .iter()
        .map(|s| {
            let text = |k: &str| s.get(k).map(Node::scalar_text).unwrap_or_default();
            format!("{} \"{}\"", text("kind"), text("name"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
