//! Pod specs, wherever Kubernetes puts them, and each container's effective
//! security context.
//!
//! This is the one place that knows that a Deployment's pods live at
//! `spec.template.spec` and a CronJob's at `spec.jobTemplate.spec.template.spec`,
//! and that a container inherits `runAsNonRoot` from the pod. Controls never
//! re-implement it: missing the merge is the most common source of false
//! positives in peer tools.

use palisade_model::{FieldPath, Node};

use crate::KubeObject;

/// The kind of container list a container sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers`
    Init,
    /// `containers`
    Regular,
    /// `ephemeralContainers`
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding this kind, in the order Kubernetes visits them.
    pub const ORDER: [ContainerKind; 3] = [
        ContainerKind::Init,
        ContainerKind::Regular,
        ContainerKind::Ephemeral,
    ];

    /// The field name in the pod spec.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A security setting and where it was set.
#[derive(Debug, Clone)]
pub struct Setting<'a> {
    /// The value.
    pub node: &'a Node,
    /// Its path from the object's root.
    pub path: FieldPath,
    /// Whether it was inherited from the pod's security context.
    pub from_pod: bool,
}

/// The security context a container runs with: its own values, falling back
/// to the pod's for the fields `PodSecurityContext` also has.
#[derive(Debug, Clone, Default)]
pub struct SecurityContext<'a> {
    /// `runAsUser` (container, else pod)
    pub run_as_user: Option<Setting<'a>>,
    /// `runAsGroup` (container, else pod)
    pub run_as_group: Option<Setting<'a>>,
    /// `runAsNonRoot` (container, else pod)
    pub run_as_non_root: Option<Setting<'a>>,
    /// `seLinuxOptions` (container, else pod)
    pub se_linux_options: Option<Setting<'a>>,
    /// `seccompProfile` (container, else pod)
    pub seccomp_profile: Option<Setting<'a>>,
    /// `appArmorProfile` (container, else pod)
    pub app_armor_profile: Option<Setting<'a>>,
    /// `windowsOptions.hostProcess` (container, else pod)
    pub host_process: Option<Setting<'a>>,
    /// `privileged` (container only)
    pub privileged: Option<Setting<'a>>,
    /// `allowPrivilegeEscalation` (container only)
    pub allow_privilege_escalation: Option<Setting<'a>>,
    /// `capabilities` (container only)
    pub capabilities: Option<Setting<'a>>,
    /// `procMount` (container only)
    pub proc_mount: Option<Setting<'a>>,
    /// `readOnlyRootFilesystem` (container only)
    pub read_only_root_filesystem: Option<Setting<'a>>,
}

/// One container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its index in that list.
    pub index: usize,
    /// `name` (empty when missing).
    pub name: &'a str,
    /// The container's mapping.
    pub node: &'a Node,
    /// Its path from the object's root.
    pub path: FieldPath,
    /// The container's own `securityContext`, when set.
    pub own_security_context: Option<&'a Node>,
    /// The effective security context.
    pub security_context: SecurityContext<'a>,
}

/// A pod spec found in an object.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    /// The pod's (or pod template's) metadata, when present.
    pub metadata: Option<&'a Node>,
    /// Path of that metadata from the object's root.
    pub metadata_path: FieldPath,
    /// The pod spec.
    pub spec: &'a Node,
    /// Path of the pod spec from the object's root.
    pub path: FieldPath,
    /// `spec.securityContext`, when set.
    pub security_context: Option<&'a Node>,
    /// Every container, in Kubernetes' visiting order: init, regular, ephemeral.
    pub containers: Vec<Container<'a>>,
}

impl<'a> PodSpec<'a> {
    /// Finds the pod spec of a Pod or of any workload kind that templates pods.
    ///
    /// ```
    /// use palisade_load::{objects, parse_documents, Limits, PodSpec};
    /// let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          securityContext: {runAsNonRoot: true}\n          containers: [{name: app, image: nginx}]\n";
    /// let parsed = parse_documents("c.yaml".into(), text, &Limits::default());
    /// let object = objects(&parsed.documents[0].root)[0];
    /// let pod = PodSpec::find(&object).unwrap();
    /// assert_eq!(pod.path.to_string(), "spec.jobTemplate.spec.template.spec");
    /// let app = &pod.containers[0];
    /// assert_eq!(app.name, "app");
    /// assert!(app.security_context.run_as_non_root.as_ref().unwrap().from_pod);
    /// ```
    pub fn find(object: &KubeObject<'a>) -> Option<PodSpec<'a>> {
        let template: &[&str] = match object.kind() {
            "Pod" => &[],
            "Deployment"
            | "ReplicaSet"
            | "StatefulSet"
            | "DaemonSet"
            | "Job"
            | "ReplicationController" => &["spec", "template"],
            "PodTemplate" => &["template"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template"],
            _ => return None,
        };
        let base = FieldPath::root().keys(template);
        let holder = object.node.get_path(template)?;
        let spec = holder.get("spec")?;
        Some(PodSpec::new(
            holder.get("metadata"),
            base.key("metadata"),
            spec,
            base.key("spec"),
        ))
    }

    fn new(
        metadata: Option<&'a Node>,
        metadata_path: FieldPath,
        spec: &'a Node,
        path: FieldPath,
    ) -> Self {
        let security_context = spec.get("securityContext").filter(|n| n.is_map());
        let pod_sc_path = path.key("securityContext");
        let mut containers = Vec::new();
        for kind in ContainerKind::ORDER {
            let list_path = path.key(kind.field());
            let Some(list) = spec.get(kind.field()) else {
                continue;
            };
            for (index, node) in list.items().iter().enumerate() {
                let container_path = list_path.index(index);
                let own = node.get("securityContext").filter(|n| n.is_map());
                let sc = resolve(
                    own,
                    &container_path.key("securityContext"),
                    security_context,
                    &pod_sc_path,
                );
                containers.push(Container {
                    kind,
                    index,
                    name: node.get("name").and_then(Node::as_str).unwrap_or(""),
                    node,
                    path: container_path,
                    own_security_context: own,
                    security_context: sc,
                });
            }
        }
        PodSpec {
            metadata,
            metadata_path,
            spec,
            path,
            security_context,
            containers,
        }
    }

    /// An annotation of the pod (template), when set.
    pub fn annotations(&self) -> &'a [palisade_model::Entry] {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .map_or(&[], Node::entries)
    }

    /// `spec.os.name == "windows"`.
    pub fn is_windows(&self) -> bool {
        self.spec.get_path(&["os", "name"]).and_then(Node::as_str) == Some("windows")
    }

    /// `spec.hostUsers` explicitly `false` (the pod runs in a user namespace).
    pub fn host_users_false(&self) -> bool {
        self.spec.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }
}

fn resolve<'a>(
    own: Option<&'a Node>,
    own_path: &FieldPath,
    pod: Option<&'a Node>,
    pod_path: &FieldPath,
) -> SecurityContext<'a> {
    let from_container = |keys: &[&str]| {
        own.and_then(|sc| sc.get_path(keys)).map(|node| Setting {
            node,
            path: own_path.keys(keys),
            from_pod: false,
        })
    };
    let inherited = |keys: &[&str]| {
        from_container(keys).or_else(|| {
            pod.and_then(|sc| sc.get_path(keys)).map(|node| Setting {
                node,
                path: pod_path.keys(keys),
                from_pod: true,
            })
        })
    };
    SecurityContext {
        run_as_user: inherited(&["runAsUser"]),
        run_as_group: inherited(&["runAsGroup"]),
        run_as_non_root: inherited(&["runAsNonRoot"]),
        se_linux_options: inherited(&["seLinuxOptions"]),
        seccomp_profile: inherited(&["seccompProfile"]),
        app_armor_profile: inherited(&["appArmorProfile"]),
        host_process: inherited(&["windowsOptions", "hostProcess"]),
        privileged: from_container(&["privileged"]),
        allow_privilege_escalation: from_container(&["allowPrivilegeEscalation"]),
        capabilities: from_container(&["capabilities"]),
        proc_mount: from_container(&["procMount"]),
        read_only_root_filesystem: from_container(&["readOnlyRootFilesystem"]),
    }
}
