//! What cross-resource controls see: a summary of every scanned object that
//! another object can refer to, gathered while documents are evaluated in
//! parallel and checked once at the end.
//!
//! Only the few fields those controls need are kept (names, labels,
//! selectors), never the documents themselves, so a large scan holds a small
//! inventory.

use std::sync::Arc;

use palisade_load::{KubeObject, PodSpec};
use palisade_model::{FieldPath, Location, Node, ResourceRef};

/// The scanned objects cross-resource controls look at.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Every object with a pod spec (Pods and workload kinds).
    pub workloads: Vec<Workload>,
    /// Every NetworkPolicy.
    pub network_policies: Vec<NetworkPolicy>,
    /// Every ServiceAccount.
    pub service_accounts: Vec<ServiceAccount>,
}

/// A ServiceAccount, reduced to whether it turns token automounting off.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    /// The object.
    pub resource: ResourceRef,
    /// `automountServiceAccountToken`, when set to a boolean.
    pub automount_token: Option<bool>,
}

/// A Pod or workload, with the labels its pods carry.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The object.
    pub resource: ResourceRef,
    /// Its pods' labels (the template's, for workload kinds).
    pub labels: Vec<(String, String)>,
    /// Where the pods' labels are (or would be) written.
    pub labels_path: FieldPath,
    /// Where that field stands in the source.
    pub location: Location,
    /// The service account its pods run as: `serviceAccountName`, else the
    /// deprecated `serviceAccount`, else `default`.
    pub service_account: String,
    /// The pod spec's `automountServiceAccountToken`, when set to a boolean.
    pub automount_token: Option<bool>,
    /// Where that field is (or would be) written.
    pub automount_token_path: FieldPath,
    /// Where it stands in the source (its nearest parent when missing).
    pub automount_token_location: Location,
    /// Where the object's `metadata.namespace` stands (its nearest parent
    /// when missing), for findings about the workload's namespace.
    pub namespace_location: Location,
}

/// Whether a NetworkPolicy governs one direction of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// The policy does not apply to this direction.
    None,
    /// It applies and allows what its rules list.
    Rules,
    /// It applies with no rules: everything in this direction is denied.
    DenyAll,
}

/// A NetworkPolicy, reduced to what selection and isolation need.
#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    /// The object.
    pub resource: ResourceRef,
    /// `spec.podSelector`; `None` when it is malformed (selects nothing).
    pub selector: Option<LabelSelector>,
    /// How it governs ingress.
    pub ingress: Isolation,
    /// How it governs egress.
    pub egress: Isolation,
}

/// A Kubernetes label selector (`matchLabels` and `matchExpressions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A finding of a cross-resource control: the engine adds the control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryViolation {
    /// The object the finding is about.
    pub resource: ResourceRef,
    /// The field to change (or that should exist).
    pub field: FieldPath,
    /// Where it stands.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl Inventory {
    /// Records an object, if cross-resource controls care about its kind.
    pub fn add(&mut self, object: &KubeObject<'_>, file: &Arc<str>) {
        if object.kind() == "NetworkPolicy"
            && object.api_version().starts_with("networking.k8s.io/")
        {
            self.network_policies
                .push(NetworkPolicy::from_object(object));
        } else if object.kind() == "ServiceAccount" && object.api_version() == "v1" {
            self.service_accounts.push(ServiceAccount {
                resource: object.resource(),
                automount_token: object
                    .node
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool),
            });
        } else if let Some(pod) = PodSpec::find(object) {
            let labels_path = pod.metadata_path.key("labels");
            let (start, end) = object.node.locate_range(&labels_path);
            let labels = pod
                .metadata
                .and_then(|m| m.get("labels"))
                .map_or(&[][..], Node::entries)
                .iter()
                .map(|e| (e.key.clone(), e.value.scalar_text()))
                .collect();
            let named = |field: &str| pod.spec.get(field).and_then(Node::as_str);
            let service_account = [named("serviceAccountName"), named("serviceAccount")]
                .into_iter()
                .flatten()
                .find(|n| !n.is_empty())
                .unwrap_or("default")
                .to_owned();
            let automount_token_path = pod.path.key("automountServiceAccountToken");
            let (automount_start, automount_end) = object.node.locate_range(&automount_token_path);
            self.workloads.push(Workload {
                resource: object.resource(),
                labels,
                labels_path,
                location: Location::spanning(file.clone(), start, end),
                service_account,
                automount_token: pod
                    .spec
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool),
                automount_token_path,
                automount_token_location: Location::spanning(
                    file.clone(),
                    automount_start,
                    automount_end,
                ),
                namespace_location: {
                    let (start, end) = object
                        .node
                        .locate_range(&FieldPath::root().keys(&["metadata", "namespace"]));
                    Location::spanning(file.clone(), start, end)
                },
            });
        }
    }

    /// Adds everything another inventory holds.
    pub fn merge(&mut self, other: Inventory) {
        self.workloads.extend(other.workloads);
        self.network_policies.extend(other.network_policies);
        self.service_accounts.extend(other.service_accounts);
    }

    /// The NetworkPolicies in the workload's namespace that select its pods.
    pub fn policies_selecting<'s>(
        &'s self,
        workload: &'s Workload,
    ) -> impl Iterator<Item = &'s NetworkPolicy> + 's {
        self.network_policies.iter().filter(move |p| {
            p.resource.namespace == workload.resource.namespace
                && p.selector
                    .as_ref()
                    .is_some_and(|s| s.matches(&workload.labels))
        })
    }
}

impl NetworkPolicy {
    fn from_object(object: &KubeObject<'_>) -> Self {
        let spec = object.node.get("spec");
        let field = |name: &str| spec.and_then(|s| s.get(name));
        let has_rules = |name: &str| field(name).is_some_and(|r| !r.items().is_empty());
        let types: Option<Vec<String>> =
            field("policyTypes").map(|t| t.items().iter().map(Node::scalar_text).collect());
        // Kubernetes' defaulting: without policyTypes, a policy always
        // governs ingress, and egress only when it has egress rules.
        let (governs_ingress, governs_egress) = match &types {
            Some(types) => (
                types.iter().any(|t| t == "Ingress"),
                types.iter().any(|t| t == "Egress"),
            ),
            None => (true, has_rules("egress")),
        };
        let isolation = |governs: bool, rules: &str| match (governs, has_rules(rules)) {
            (false, _) => Isolation::None,
            (true, true) => Isolation::Rules,
            (true, false) => Isolation::DenyAll,
        };
        NetworkPolicy {
            resource: object.resource(),
            selector: field("podSelector").and_then(LabelSelector::parse),
            ingress: isolation(governs_ingress, "ingress"),
            egress: isolation(governs_egress, "egress"),
        }
    }

    /// Whether it selects every pod of its namespace (`podSelector: {}`).
    pub fn selects_all(&self) -> bool {
        self.selector
            .as_ref()
            .is_some_and(|s| s.requirements.is_empty())
    }
}

impl LabelSelector {
    /// Reads a selector; `None` when it is malformed (an unknown operator,
    /// `In` without values...), which the API server would reject.
    ///
    /// ```
    /// use palisade_controls::inventory::LabelSelector;
    /// use palisade_load::{parse_documents, Limits};
    /// let parsed = parse_documents("s.yaml".into(), "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: NotIn, values: [db]}\n", &Limits::default());
    /// let selector = LabelSelector::parse(&parsed.documents[0].root).unwrap();
    /// assert!(selector.matches(&[("app".into(), "web".into())]));
    /// assert!(!selector.matches(&[("app".into(), "web".into()), ("tier".into(), "db".into())]));
    /// assert!(!selector.matches(&[]));
    /// ```
    pub fn parse(node: &Node) -> Option<LabelSelector> {
        if !node.is_map() {
            return None;
        }
        let mut requirements: Vec<Requirement> = node
            .get("matchLabels")
            .map_or(&[][..], Node::entries)
            .iter()
            .map(|e| Requirement::In(e.key.clone(), vec![e.value.scalar_text()]))
            .collect();
        for expression in node.get("matchExpressions").map_or(&[][..], Node::items) {
            let key = expression.get("key")?.as_str()?.to_owned();
            let values: Vec<String> = expression
                .get("values")
                .map_or(&[][..], Node::items)
                .iter()
                .map(Node::scalar_text)
                .collect();
            let requirement = match expression.get("operator")?.as_str()? {
                "In" if !values.is_empty() => Requirement::In(key, values),
                "NotIn" if !values.is_empty() => Requirement::NotIn(key, values),
                "Exists" if values.is_empty() => Requirement::Exists(key),
                "DoesNotExist" if values.is_empty() => Requirement::DoesNotExist(key),
                _ => return None,
            };
            requirements.push(requirement);
        }
        Some(LabelSelector { requirements })
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = |key: &str| labels.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        self.requirements.iter().all(|r| match r {
            Requirement::In(key, values) => value(key).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(key, values) => value(key).is_none_or(|v| !values.contains(v)),
            Requirement::Exists(key) => value(key).is_some(),
            Requirement::DoesNotExist(key) => value(key).is_none(),
        })
    }
}
