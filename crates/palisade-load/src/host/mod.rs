//! A host as its node components see it: files under a root (the host's
//! `/`, or `/host` when it is mounted into a DaemonSet's pod), processes
//! under a `proc` folder (the host's `/proc`, with hostPID), and each
//! component's effective configuration built from them the way the
//! component builds it. [`collect`] gathers the facts; controls judge them.
//!
//! Without processes (or with none running the component), a component's
//! command line is rebuilt from its systemd unit, and the facts say that it
//! is configured, not proven running.

pub mod container_layers;
pub mod containers;
pub mod control_plane;
pub mod docker;
pub mod file;
pub mod flags;
pub mod images;
pub mod kube_bench;
pub mod kubelet;
pub mod origin;
pub mod process;
pub mod root;
pub mod systemd;
pub mod writable_layer;

use std::path::PathBuf;

use palisade_model::ResourceRef;
use serde::Serialize;

pub use control_plane::{Component, ControlPlaneComponent};
pub use file::{Accounts, FileFacts, FileState};
pub use kube_bench::Reading;
pub use origin::Origin;
pub use root::HostRoot;

use crate::Limits;

/// Where the host is.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// The host's root folder (`/`, or `/host` in a pod).
    pub root: PathBuf,
    /// The host's `/proc` (`None`: processes are not read).
    pub proc: Option<PathBuf>,
    /// Size and nesting limits for the configuration files read.
    pub limits: Limits,
    /// How values are read: as the components do (the default), or as
    /// kube-bench does (`--compat kube-bench`).
    pub reading: Reading,
}

/// Everything the node checks judge.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFacts {
    /// The root folder, as given.
    pub root: String,
    /// The host's name (its `/etc/hostname`; else the root folder): what
    /// node findings and audit events name.
    pub hostname: String,
    /// Every kubelet: each running one, or the one its unit configures.
    pub kubelets: Vec<Kubelet>,
    /// The control plane's components: each running one, else the static
    /// pods of the kubelet's manifest folder.
    pub control_plane: Vec<ControlPlaneComponent>,
    /// The Docker daemon: the running one, else the one its systemd unit
    /// configures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker: Option<docker::DockerDaemon>,
    /// The writable layers of the containers containerd and CRI-O run,
    /// from the host's overlay mounts (read with `--proc`, or the root's
    /// own `/proc`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container_layers: Vec<container_layers::ContainerLayer>,
}

/// How a component was found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Found {
    /// A running process.
    Running { pid: u32 },
    /// From its systemd unit: configured, not proven running.
    Configured {
        /// The unit file and drop-ins applied.
        unit_files: Vec<String>,
    },
    /// From its static pod's manifest: configured, not proven running.
    StaticPod {
        /// The manifest.
        manifest: String,
    },
}

impl Found {
    /// How it was found, when it is not a running process: the words a
    /// finding adds (`configured by the systemd unit, not proven running`).
    pub fn unproven(&self) -> Option<&'static str> {
        match self {
            Found::Running { .. } => None,
            Found::Configured { .. } => Some("configured by the systemd unit, not proven running"),
            Found::StaticPod { .. } => {
                Some("configured by its static-pod manifest, not proven running")
            }
        }
    }
}

/// One kubelet's facts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kubelet {
    pub found: Found,
    /// Where its command line is: `/proc/<pid>/cmdline`, or the unit's
    /// `ExecStart=` line.
    pub command: Origin,
    /// Its arguments, as given.
    pub args: Vec<String>,
    /// The effective configuration.
    pub config: kubelet::Effective,
    /// The files the benchmark asks about.
    pub files: KubeletFiles,
    /// How its values were read.
    pub reading: Reading,
}

/// The kubelet's files, each with its facts.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeletFiles {
    /// The systemd unit file and its drop-ins.
    pub service: Vec<FileFacts>,
    /// `--config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<FileFacts>,
    /// The `--config-dir` drop-ins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_drop_ins: Vec<FileFacts>,
    /// `--kubeconfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<FileFacts>,
    /// The client CA (`authentication.x509.clientCAFile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ca: Option<FileFacts>,
}

/// Gathers the facts of the host at `options.root`.
pub fn collect(options: &HostOptions) -> NodeFacts {
    let root = HostRoot::new(&options.root).with_limits(options.limits);
    let accounts = Accounts::read(&root);
    let unit = systemd::configured(&root, "kubelet.service");
    let running = options
        .proc
        .as_deref()
        .map(|proc| process::find(proc, "kubelet"))
        .unwrap_or_default();
    let service: Vec<FileFacts> = unit
        .iter()
        .flat_map(|u| &u.files)
        .map(|path| file::facts(&root, &accounts, path))
        .collect();
    let mut kubelets: Vec<Kubelet> = running
        .into_iter()
        .map(|p| {
            let command = Origin::at(&p.cmdline, 0, 0, format!("process {}", p.pid));
            kubelet_of(
                &root,
                &accounts,
                Found::Running { pid: p.pid },
                command,
                &p.args,
                service.clone(),
                options.reading,
            )
        })
        .collect();
    if kubelets.is_empty()
        && let Some(unit) = unit
    {
        let found = Found::Configured {
            unit_files: unit.files.clone(),
        };
        let mut kubelet = kubelet_of(
            &root,
            &accounts,
            found,
            unit.exec_start.clone(),
            &unit.args,
            service,
            options.reading,
        );
        kubelet.config.problems.extend(unit.problems);
        kubelets.push(kubelet);
    }
    let control_plane = control_plane_of(&root, &accounts, options, &kubelets);
    let docker = docker::daemon(&root, &accounts, options.proc.as_deref());
    let proc = options
        .proc
        .clone()
        .unwrap_or_else(|| options.root.join("proc"));
    let container_layers = container_layers::read(&root, &proc);
    let root_shown = options.root.display().to_string();
    NodeFacts {
        hostname: hostname(&root).unwrap_or_else(|| root_shown.clone()),
        root: root_shown,
        kubelets,
        control_plane,
        docker,
        container_layers,
    }
}

/// Where the kubelet starts static pods when no kubelet says (kubeadm's).
const DEFAULT_STATIC_POD_PATH: &str = "/etc/kubernetes/manifests";

/// Each control-plane component: its running processes, else the static
/// pod of the kubelets' `staticPodPath` (kubeadm's folder when no kubelet
/// names one); with its manifest's facts and the files its flags name.
fn control_plane_of(
    root: &HostRoot,
    accounts: &Accounts,
    options: &HostOptions,
    kubelets: &[Kubelet],
) -> Vec<ControlPlaneComponent> {
    let mut folders: Vec<String> = kubelets
        .iter()
        .filter_map(|k| k.config.get("staticPodPath").map(|s| s.value.clone()))
        .filter(|p| !p.is_empty())
        .collect();
    if folders.is_empty() {
        folders.push(DEFAULT_STATIC_POD_PATH.to_owned());
    }
    folders.dedup();
    let mut found = Vec::new();
    for component in Component::ALL {
        let manifest = folders.iter().find_map(|folder| {
            let path = format!(
                "{}/{}",
                folder.trim_end_matches('/'),
                component.manifest_name()
            );
            let facts = file::facts(root, accounts, &path);
            (facts.state != FileState::Missing).then_some((path, facts))
        });
        let running: Vec<ControlPlaneComponent> = options
            .proc
            .as_deref()
            .map(|proc| process::find(proc, component.binary()))
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let command = Origin::at(&p.cmdline, 0, 0, format!("process {}", p.pid));
                ControlPlaneComponent::read(
                    component,
                    Found::Running { pid: p.pid },
                    command,
                    &p.args,
                    options.reading,
                )
            })
            .collect();
        let mut instances = if running.is_empty() {
            manifest
                .as_ref()
                .map(|(path, _)| static_pods(root, path, component, options.reading))
                .unwrap_or_default()
        } else {
            running
        };
        for instance in &mut instances {
            instance.manifest = manifest.as_ref().map(|(_, facts)| facts.clone());
            for flag in ["kubeconfig", "data-dir"] {
                if let Some(path) = instance.flag(flag).map(|s| s.value.clone()) {
                    instance
                        .files
                        .insert(flag.to_owned(), file::facts(root, accounts, &path));
                }
            }
            // The cluster-admin kubeconfigs kubeadm writes beside the API
            // server (fixed paths: no flag names them).
            if component == Component::ApiServer {
                for name in ["admin.conf", "super-admin.conf"] {
                    let path = format!("/etc/kubernetes/{name}");
                    instance
                        .files
                        .insert(name.to_owned(), file::facts(root, accounts, &path));
                }
                for path in tree(root, PKI, 4, 1000) {
                    let facts = file::facts(root, accounts, &path);
                    instance.files.insert(format!("pki:{path}"), facts);
                }
            }
        }
        found.extend(instances);
    }
    found
}

/// kubeadm's PKI folder, whose files CIS 1.1.19 to 1.1.21 judge.
const PKI: &str = "/etc/kubernetes/pki";

/// `dir` and everything under it on the host, folders first, in name
/// order; links are listed, not followed (a link to a folder is not
/// descended into), at most `depth` levels and `limit` entries.
fn tree(root: &HostRoot, dir: &str, depth: usize, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(resolved) = root.resolve(dir) else {
        return out;
    };
    if !resolved.local.is_dir() {
        return out;
    }
    let mut pending = vec![(resolved.host_path.clone(), resolved.local, 0)];
    while let Some((host, local, level)) = pending.pop() {
        if out.len() >= limit {
            break;
        }
        out.push(host.clone());
        let Ok(entries) = std::fs::read_dir(&local) else {
            continue;
        };
        let mut names: Vec<(String, std::path::PathBuf, bool)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.path(),
                    is_dir,
                )
            })
            .collect();
        names.sort();
        for (name, path, is_dir) in names.into_iter().rev() {
            let child = format!("{}/{name}", host.trim_end_matches('/'));
            if is_dir && level + 1 < depth {
                pending.push((child, path, level + 1));
            } else if !is_dir && out.len() < limit {
                out.push(child);
            }
        }
    }
    out.sort();
    out
}

/// The instances of `component` a static-pod manifest on the host runs.
fn static_pods(
    root: &HostRoot,
    path: &str,
    component: Component,
    reading: Reading,
) -> Vec<ControlPlaneComponent> {
    let Ok(text) = root.read_text(path) else {
        return Vec::new();
    };
    let file: std::sync::Arc<str> = path.into();
    let parsed = crate::parse_documents(file.clone(), &text, root.limits());
    parsed
        .documents
        .iter()
        .flat_map(|d| crate::objects(&d.root))
        .flat_map(|o| control_plane::from_pod_read(&o, &file, reading))
        .filter(|c| c.component == component)
        .collect()
}

/// The first word of the host's `/etc/hostname`, if it names one.
fn hostname(root: &HostRoot) -> Option<String> {
    let text = root.read_text("/etc/hostname").ok()?;
    let name = text.split_whitespace().next()?;
    Some(name.to_owned())
}

impl NodeFacts {
    /// The resource a kubelet's findings are about: `Kubelet/<host>`, with
    /// its process ID when the host runs more than one.
    pub fn kubelet_resource(&self, kubelet: &Kubelet) -> ResourceRef {
        let name = match (&kubelet.found, self.kubelets.len()) {
            (Found::Running { pid }, 2..) => format!("{} (pid {pid})", self.hostname),
            _ => self.hostname.clone(),
        };
        ResourceRef::outside_kubernetes("Kubelet", &name)
    }

    /// The resource a control-plane component's findings are about:
    /// `kube-apiserver/<host>`, with its process ID when there are several.
    pub fn component_resource(&self, instance: &ControlPlaneComponent) -> ResourceRef {
        let several = self
            .control_plane
            .iter()
            .filter(|c| c.component == instance.component)
            .count()
            > 1;
        let name = match (&instance.found, several) {
            (Found::Running { pid }, true) => format!("{} (pid {pid})", self.hostname),
            _ => self.hostname.clone(),
        };
        ResourceRef::outside_kubernetes(instance.component.binary(), &name)
    }

    /// The resource the Docker daemon's findings are about: `dockerd/<host>`.
    pub fn docker_resource(&self) -> ResourceRef {
        ResourceRef::outside_kubernetes("dockerd", &self.hostname)
    }

    /// The resource a Docker container's findings are about:
    /// `DockerContainer/<host>/<name>`.
    pub fn container_resource(&self, container: &containers::DockerContainer) -> ResourceRef {
        ResourceRef::outside_kubernetes(
            "DockerContainer",
            &format!("{}/{}", self.hostname, container.name),
        )
    }

    /// The resource an image of a Docker host's store is about:
    /// `DockerImage/<host>/<tag or short ID>`.
    pub fn image_resource(&self, image: &images::DockerImage) -> ResourceRef {
        ResourceRef::outside_kubernetes(
            "DockerImage",
            &format!("{}/{}", self.hostname, image.name()),
        )
    }

    /// Every component's resource, in order.
    pub fn resources(&self) -> Vec<ResourceRef> {
        self.kubelets
            .iter()
            .map(|k| self.kubelet_resource(k))
            .chain(
                self.control_plane
                    .iter()
                    .map(|c| self.component_resource(c)),
            )
            .chain(self.docker.iter().map(|_| self.docker_resource()))
            .chain(
                self.docker
                    .iter()
                    .flat_map(|d| d.running_containers())
                    .map(|c| self.container_resource(c)),
            )
            .chain(self.container_layers.iter().map(|l| self.layer_resource(l)))
            .collect()
    }

    /// The resource a containerd or CRI-O container's findings are about:
    /// `Container/<host>/<namespace>/<pod>/<container>` (or its ID).
    pub fn layer_resource(&self, layer: &container_layers::ContainerLayer) -> ResourceRef {
        ResourceRef::outside_kubernetes("Container", &format!("{}/{}", self.hostname, layer.name))
    }
}

fn kubelet_of(
    root: &HostRoot,
    accounts: &Accounts,
    found: Found,
    command: Origin,
    args: &[flags::Arg],
    service: Vec<FileFacts>,
    reading: Reading,
) -> Kubelet {
    let facts_of = |path: Option<&str>| path.map(|p| file::facts(root, accounts, p));
    let (config, service, kubeconfig) = match reading {
        Reading::Palisade => {
            let config = kubelet::effective(root, args, &command);
            let kubeconfig = config.get("--kubeconfig").map(|s| s.value.clone());
            (config, service, kubeconfig)
        }
        // kube-bench judges the first unit and kubeconfig of its lists.
        Reading::KubeBench => {
            let unit = kube_bench::kubelet_service(root);
            let service = if root.exists(&unit) {
                vec![file::facts(root, accounts, &unit)]
            } else {
                Vec::new()
            };
            let kubeconfig = Some(kube_bench::kubelet_kubeconfig(root));
            (
                kubelet::effective_as_kube_bench(root, args),
                service,
                kubeconfig,
            )
        }
    };
    let files = KubeletFiles {
        service,
        config: facts_of(config.config_file.as_deref()),
        config_drop_ins: config
            .config_drop_ins
            .iter()
            .map(|p| file::facts(root, accounts, p))
            .collect(),
        kubeconfig: facts_of(kubeconfig.as_deref()),
        client_ca: facts_of(
            config
                .get("authentication.x509.clientCAFile")
                .map(|s| s.value.as_str())
                .filter(|v| !v.is_empty()),
        ),
    };
    Kubelet {
        found,
        command,
        args: args.iter().map(|a| a.text.clone()).collect(),
        config,
        files,
        reading,
    }
}

/// A host tree of `files` (host path, text) in a fresh temporary folder:
/// what the loaders' unit tests read.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn test_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let local = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        std::fs::write(local, text).unwrap();
    }
    dir
}
