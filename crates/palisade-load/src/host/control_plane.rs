//! The control plane's components as they run: kube-apiserver,
//! kube-controller-manager, kube-scheduler and etcd, each found as a
//! running process (its argv in `/proc`) or as the static pod the kubelet
//! starts from its manifest folder (`staticPodPath`, kubeadm's
//! `/etc/kubernetes/manifests`), and the same static pods in a repository
//! (`palisade scan` judges their flags too).
//!
//! Flags are read with pflag's rules (etcd's Go flags accept the same
//! spellings the manifests use), the last occurrence wins, list flags
//! (`--enable-admission-plugins`, `--authorization-mode`) take the first
//! occurrence and append the later ones, feature gates merge per gate; a
//! flag that is not given has the component's default, reported as such.

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_model::Node;
use serde::Serialize;

use super::flags::{Arg, parse};
use super::kube_bench::{self, Reading};
use super::kubelet::Setting;
use super::origin::Origin;
use super::{FileFacts, Found};
use crate::KubeObject;

/// A control-plane component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
}

impl Component {
    /// Every component, in the benchmark's order.
    pub const ALL: [Component; 4] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
    ];

    /// Its program's name.
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }

    /// Its static pod's manifest in the kubelet's manifest folder.
    pub fn manifest_name(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver.yaml",
            Component::ControllerManager => "kube-controller-manager.yaml",
            Component::Scheduler => "kube-scheduler.yaml",
            Component::Etcd => "etcd.yaml",
        }
    }

    /// The component that runs `argv`, and how many leading words name it.
    pub fn of_argv(argv: &[String]) -> Option<(Component, usize)> {
        Component::ALL
            .into_iter()
            .find_map(|c| super::process::program_words(argv, c.binary()).map(|skip| (c, skip)))
    }

    /// Boolean flags (a bare one is `true`) among those read.
    fn booleans(self) -> &'static [&'static str] {
        match self {
            Component::ApiServer => &[
                "anonymous-auth",
                "profiling",
                "service-account-lookup",
                "service-account-extend-token-expiration",
            ],
            Component::ControllerManager => &["profiling", "use-service-account-credentials"],
            Component::Scheduler => &["profiling"],
            Component::Etcd => &[
                "client-cert-auth",
                "auto-tls",
                "peer-client-cert-auth",
                "peer-auto-tls",
            ],
        }
    }

    /// List flags: the first occurrence replaces the default, later ones
    /// append (pflag's string slices).
    fn lists(self) -> &'static [&'static str] {
        match self {
            Component::ApiServer => &[
                "enable-admission-plugins",
                "disable-admission-plugins",
                "authorization-mode",
                "tls-cipher-suites",
            ],
            Component::ControllerManager | Component::Scheduler => &["tls-cipher-suites"],
            Component::Etcd => &["cipher-suites"],
        }
    }

    /// The defaults the benchmark's flags have when not given (Kubernetes
    /// 1.33 `--help`; etcd 3.5).
    fn defaults(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Component::ApiServer => &[
                ("anonymous-auth", "true"),
                ("authorization-mode", "AlwaysAllow"),
                ("profiling", "true"),
                ("service-account-lookup", "true"),
                ("service-account-extend-token-expiration", "true"),
                ("request-timeout", "1m0s"),
            ],
            Component::ControllerManager => &[
                ("profiling", "true"),
                ("use-service-account-credentials", "false"),
                ("bind-address", "0.0.0.0"),
                ("terminated-pod-gc-threshold", "12500"),
            ],
            Component::Scheduler => &[("profiling", "true"), ("bind-address", "0.0.0.0")],
            Component::Etcd => &[
                ("client-cert-auth", "false"),
                ("auto-tls", "false"),
                ("peer-client-cert-auth", "false"),
                ("peer-auto-tls", "false"),
            ],
        }
    }
}

/// One instance of a control-plane component.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlaneComponent {
    pub component: Component,
    pub found: Found,
    /// Where its command line is: `/proc/<pid>/cmdline`, or the static
    /// pod's `command:`.
    pub command: Origin,
    /// Its arguments, as given.
    pub args: Vec<String>,
    /// The effective flags by name (`authorization-mode`), defaults
    /// included; feature gates as `feature-gates.<Gate>`.
    pub flags: BTreeMap<String, Setting>,
    /// Its static pod's manifest on the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<FileFacts>,
    /// The files its flags name that the benchmark asks about
    /// (`--kubeconfig`, etcd's `--data-dir`), by flag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileFacts>,
    /// How its values were read.
    pub reading: Reading,
}

impl ControlPlaneComponent {
    /// The effective value of `flag`, if it has one.
    pub fn flag(&self, flag: &str) -> Option<&Setting> {
        self.flags.get(flag).filter(|s| !s.value.is_empty())
    }

    /// The component of `args` (after the program), its flags merged with
    /// its defaults; `command` is where defaults are reported.
    pub fn from_args(component: Component, found: Found, command: Origin, args: &[Arg]) -> Self {
        Self::read(component, found, command, args, Reading::Palisade)
    }

    /// The component of `args`, its values read by `reading`.
    pub fn read(
        component: Component,
        found: Found,
        command: Origin,
        args: &[Arg],
        reading: Reading,
    ) -> Self {
        let flags = match reading {
            Reading::Palisade => Self::flags(component, &command, args),
            Reading::KubeBench => Self::flags_as_kube_bench(args),
        };
        ControlPlaneComponent {
            component,
            found,
            command,
            args: args.iter().map(|a| a.text.clone()).collect(),
            flags,
            manifest: None,
            files: BTreeMap::new(),
            reading,
        }
    }

    /// The flags as kube-bench reads them: no defaults, each flag written
    /// where kube-bench's grep finds it (the first occurrence, anywhere in
    /// the command line; etcd's `ETCD_*` variables only for flags not on
    /// it, as kube-bench's `env` items).
    fn flags_as_kube_bench(args: &[Arg]) -> BTreeMap<String, Setting> {
        let (environment, command): (Vec<Arg>, Vec<Arg>) = args
            .iter()
            .cloned()
            .partition(|a| a.origin.what.starts_with("env "));
        let mut flags = BTreeMap::new();
        for source in [&environment, &command] {
            for name in kube_bench::names(source) {
                let Some((value, origin)) = kube_bench::flag(source, &name) else {
                    continue;
                };
                if name == "feature-gates" {
                    for gate in value.split(',').filter(|g| !g.trim().is_empty()) {
                        let (gate, value) = gate.split_once('=').unwrap_or((gate, ""));
                        flags.insert(
                            format!("feature-gates.{}", gate.trim()),
                            Setting {
                                value: value.trim().to_owned(),
                                origin: origin.clone(),
                            },
                        );
                    }
                    continue;
                }
                flags.insert(name, Setting { value, origin });
            }
        }
        flags
    }

    /// The flags as the component reads them, with its defaults.
    fn flags(component: Component, command: &Origin, args: &[Arg]) -> BTreeMap<String, Setting> {
        let mut flags = BTreeMap::new();
        let default_origin = Origin {
            what: format!("the default of {}", component.binary()),
            ..command.clone()
        };
        for (name, value) in component.defaults() {
            flags.insert(
                (*name).to_owned(),
                Setting {
                    value: (*value).to_owned(),
                    origin: default_origin.clone(),
                },
            );
        }
        let mut lists_given: Vec<String> = Vec::new();
        for flag in parse(args, component.booleans()) {
            let origin = Origin {
                what: format!("--{}={} ({})", flag.name, flag.value, flag.origin.what),
                ..flag.origin.clone()
            };
            if flag.name == "feature-gates" {
                for gate in flag.value.split(',').filter(|g| !g.trim().is_empty()) {
                    let (name, value) = gate.split_once('=').unwrap_or((gate, ""));
                    flags.insert(
                        format!("feature-gates.{}", name.trim()),
                        Setting {
                            value: value.trim().to_owned(),
                            origin: origin.clone(),
                        },
                    );
                }
                continue;
            }
            let value = match flags.get(&flag.name) {
                Some(previous)
                    if component.lists().contains(&flag.name.as_str())
                        && lists_given.contains(&flag.name) =>
                {
                    format!("{},{}", previous.value, flag.value)
                }
                _ => flag.value.clone(),
            };
            lists_given.push(flag.name.clone());
            flags.insert(flag.name, Setting { value, origin });
        }
        flags
    }
}

/// The control-plane components a Pod runs (a static pod's containers
/// whose program is a component), each argument located in `file`.
pub fn from_pod(object: &KubeObject<'_>, file: &Arc<str>) -> Vec<ControlPlaneComponent> {
    from_pod_read(object, file, Reading::Palisade)
}

/// [`from_pod`], its values read by `reading`.
pub fn from_pod_read(
    object: &KubeObject<'_>,
    file: &Arc<str>,
    reading: Reading,
) -> Vec<ControlPlaneComponent> {
    if object.kind() != "Pod" {
        return Vec::new();
    }
    let Some(containers) = object.node.get_path(&["spec", "containers"]) else {
        return Vec::new();
    };
    containers
        .items()
        .iter()
        .filter_map(|container| container_component(container, file, reading))
        .collect()
}

fn container_component(
    container: &Node,
    file: &Arc<str>,
    reading: Reading,
) -> Option<ControlPlaneComponent> {
    let command = container.get("command");
    let words: Vec<&Node> = command
        .map(|c| c.items().iter().collect())
        .unwrap_or_default();
    let argv: Vec<String> = words.iter().map(|w| w.scalar_text()).collect();
    let (component, skip) = Component::of_argv(&argv)?;
    let name = container
        .get("name")
        .map(|n| n.scalar_text())
        .unwrap_or_default();
    let at = |node: &Node, what: String| Origin::at(file, node.pos.line, node.pos.column, what);
    // etcd reads `ETCD_<FLAG>` variables for flags not given: they come
    // first, so that a flag, read later, wins.
    let environment: Vec<Arg> = match component {
        Component::Etcd => container
            .get("env")
            .map(|e| e.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|variable| {
                let key = variable.get("name")?.scalar_text();
                let flag = key
                    .strip_prefix("ETCD_")?
                    .to_ascii_lowercase()
                    .replace('_', "-");
                let value = variable.get("value")?;
                Some(Arg {
                    text: format!("--{flag}={}", value.scalar_text()),
                    origin: at(value, format!("env {key} of container {name:?}")),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let args: Vec<Arg> = environment
        .into_iter()
        .chain(words.iter().skip(skip).map(|w| Arg {
            text: w.scalar_text(),
            origin: at(w, format!("command of container {name:?}")),
        }))
        .chain(
            container
                .get("args")
                .map(|a| a.items())
                .unwrap_or_default()
                .iter()
                .map(|a| Arg {
                    text: a.scalar_text(),
                    origin: at(a, format!("args of container {name:?}")),
                }),
        )
        .collect();
    let command_at = container.entry("command").map(|e| {
        Origin::at(
            file,
            e.key_pos.line,
            e.key_pos.column,
            format!("command of container {name:?}"),
        )
    })?;
    Some(ControlPlaneComponent::read(
        component,
        Found::StaticPod {
            manifest: file.to_string(),
        },
        command_at,
        &args,
        reading,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::{Limits, objects, parse_documents};

    const APISERVER: &str = "apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    command:
    - kube-apiserver
    - --authorization-mode=Node,RBAC
    - --enable-admission-plugins=NodeRestriction
    - --profiling=false
    - --enable-admission-plugins
    - EventRateLimit
    args: [\"--feature-gates=A=true,B=false\"]
    image: registry.k8s.io/kube-apiserver:v1.33.0
";

    fn components(text: &str) -> Vec<ControlPlaneComponent> {
        let file: Arc<str> = "kube-apiserver.yaml".into();
        let parsed = parse_documents(file.clone(), text, &Limits::default());
        objects(&parsed.documents[0].root)
            .iter()
            .flat_map(|o| from_pod(o, &file))
            .collect()
    }

    #[test]
    fn a_static_pod_is_read_as_its_component_reads_its_flags() {
        let found = components(APISERVER);
        assert_eq!(found.len(), 1);
        let api = &found[0];
        assert_eq!(api.component, Component::ApiServer);
        let value = |f: &str| api.flag(f).map(|s| s.value.as_str());
        assert_eq!(value("authorization-mode"), Some("Node,RBAC"));
        // A list flag given twice: the second appends.
        assert_eq!(
            value("enable-admission-plugins"),
            Some("NodeRestriction,EventRateLimit")
        );
        let plugins = api.flag("enable-admission-plugins").unwrap();
        assert_eq!((plugins.origin.line, plugins.origin.column), (14, 7));
        assert_eq!(value("profiling"), Some("false"));
        // Not given: the default, located at `command:`.
        let anonymous = api.flag("anonymous-auth").unwrap();
        assert_eq!(anonymous.value, "true");
        assert_eq!(anonymous.origin.line, 9);
        assert_eq!(anonymous.origin.what, "the default of kube-apiserver");
        assert_eq!(value("feature-gates.B"), Some("false"));
        assert!(api.flag("audit-log-path").is_none());
    }

    #[test]
    fn etcd_reads_its_environment_below_its_flags() {
        let etcd = "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n  containers:\n  - name: etcd\n    command: [etcd, --client-cert-auth=false]\n    env:\n    - {name: ETCD_CLIENT_CERT_AUTH, value: \"true\"}\n    - {name: ETCD_PEER_AUTO_TLS, value: \"true\"}\n";
        let found = components(etcd);
        let value = |f: &str| found[0].flag(f).map(|s| s.value.as_str());
        assert_eq!(value("client-cert-auth"), Some("false"));
        assert_eq!(value("peer-auto-tls"), Some("true"));
        assert!(
            found[0]
                .flag("peer-auto-tls")
                .unwrap()
                .origin
                .what
                .contains("env ETCD_PEER_AUTO_TLS")
        );
    }

    #[test]
    fn other_pods_and_programs_are_no_component() {
        assert!(components(&APISERVER.replace("- kube-apiserver\n", "- nginx\n")).is_empty());
        assert!(components(&APISERVER.replace("kind: Pod", "kind: ConfigMap")).is_empty());
        let hyperkube = APISERVER.replace(
            "- kube-apiserver\n    - --auth",
            "- /hyperkube\n    - kube-apiserver\n    - --auth",
        );
        assert_eq!(components(&hyperkube).len(), 1);
    }
}
