//! What a control is: metadata plus one check function.

use palisade_load::InputKind;
use palisade_load::dockerfile::Dockerfile;
use palisade_load::host::container_layers::ContainerLayer;
use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_load::host::{Component, ControlPlaneComponent, Kubelet};
use palisade_load::image::{HistoryStep, Image};
use palisade_load::integrity::IntegrityCheck;
use palisade_load::{KubeObject, PodSpec};
use palisade_model::{ControlMeta, FieldPath, PssLevel};

use crate::PssVersion;
use crate::inventory::{Inventory, InventoryViolation};
use crate::node::NodeJudgement;
use crate::params::{Param, Params};

/// One offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The container, for container-level violations.
    pub container: Option<String>,
    /// The offending field, from the object's root. For a missing field,
    /// the field that should be set (findings point at its nearest parent).
    pub path: FieldPath,
    /// What is wrong with this one field, e.g.
    /// `privileged (container "app" must not set securityContext.privileged=true)`.
    pub message: String,
}

/// A failed check: upstream's summary for the whole pod, and one violation per
/// offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Upstream's short reason, e.g. `privileged`.
    pub reason: String,
    /// Upstream's detail for the whole pod, e.g.
    /// `containers "a", "b" must not set securityContext.privileged=true`.
    pub detail: String,
    /// Every offending field.
    pub violations: Vec<Violation>,
}

/// How a control checks.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// A Pod Security Standards check of a pod spec (of a Pod or any workload
    /// template) at a policy version, with upstream's verdict.
    Pod(fn(&PodSpec<'_>, PssVersion) -> Option<CheckResult>),
    /// Checks a pod spec, with the control's parameters.
    Workload(fn(&PodSpec<'_>, &Params) -> Vec<Violation>),
    /// Checks any object on its own (it picks the kinds it cares about).
    Object(fn(&KubeObject<'_>, &Params) -> Vec<Violation>),
    /// Checks the whole set of scanned objects at once (e.g. that every
    /// workload is selected by some NetworkPolicy).
    Inventory(fn(&Inventory) -> Vec<InventoryViolation>),
    /// Checks a Dockerfile. Violations name the instruction by its index:
    /// `instructions[i]` (see [`crate::dockerfile::at`]).
    Dockerfile(fn(&Dockerfile, &Params) -> Vec<Violation>),
    /// Checks a container image: its config, and its merged filesystem when
    /// the input holds the layers. Violations name a config field
    /// (`config.User`) or a file (`files./usr/bin/su`).
    Image(fn(&Image, &Params) -> Vec<Violation>),
    /// Checks how a container image was built, on its history (oldest
    /// step first), wherever the image is: loaded by a scan, or in a Docker
    /// host's image store. Violations name a step:
    /// `history[i].created_by` (see [`crate::image::history_step_of`]).
    ImageHistory(fn(&[HistoryStep], &Params) -> Vec<Violation>),
    /// Checks container images both where they are loaded and where pod
    /// specs reference them (the allowed-digests list applies to either).
    ImageAndWorkload {
        /// The check of a loaded image.
        image: fn(&Image, &Params) -> Vec<Violation>,
        /// The check of a pod spec's container images.
        workload: fn(&PodSpec<'_>, &Params) -> Vec<Violation>,
    },
    /// Checks one kubelet of a host (`palisade node scan`): its effective
    /// configuration, each value with where it came from, and its files.
    /// Each kubelet the host runs is judged on its own.
    Kubelet(fn(&Kubelet, &Params) -> Vec<NodeJudgement>),
    /// Checks one instance of a control-plane component: a process or
    /// static pod on a host (`palisade node scan`), or a static-pod
    /// manifest in a repository (`palisade scan`), on its effective flags.
    ControlPlane {
        /// The component it judges.
        component: Component,
        /// The check.
        check: fn(&ControlPlaneComponent, &Params) -> Vec<NodeJudgement>,
    },
    /// Checks a host's Docker daemon: its effective settings (flags and
    /// `daemon.json`), its files and sockets, and the host's audit rules.
    Docker(fn(&DockerDaemon, &Params) -> Vec<NodeJudgement>),
    /// Checks each running container of a host's Docker daemon, on the
    /// state dockerd keeps of it (`config.v2.json`, `hostconfig.json`),
    /// with the daemon for the defaults it gave the container.
    DockerContainer(fn(&DockerContainer, &DockerDaemon, &Params) -> Vec<NodeJudgement>),
    /// Checks the writable layer of each container containerd or CRI-O
    /// runs on a host (from the host's overlay mounts).
    ContainerLayer(fn(&ContainerLayer, &Params) -> Vec<NodeJudgement>),
    /// Checks what changed on a host since its file-integrity baseline
    /// (`palisade fim compare`): each judgement names a changed path.
    Integrity(fn(&IntegrityCheck, &Params) -> Vec<NodeJudgement>),
}

impl Check {
    /// Whether it judges each instance of a component (a kubelet, an API
    /// server), which an input may not have: then it is not applicable.
    pub fn per_component(&self) -> bool {
        matches!(
            self,
            Check::Kubelet(_)
                | Check::ControlPlane { .. }
                | Check::Docker(_)
                | Check::DockerContainer(_)
                | Check::ContainerLayer(_)
                | Check::ImageHistory(_)
        )
    }

    /// The kinds of input it judges: a scan that read none of them did not
    /// run it, whatever was selected.
    pub fn inputs(&self) -> &'static [InputKind] {
        match self {
            Check::Pod(_) | Check::Workload(_) | Check::Object(_) | Check::Inventory(_) => {
                &[InputKind::Manifests]
            }
            Check::Dockerfile(_) => &[InputKind::Dockerfile],
            Check::Image(_) => &[InputKind::Images],
            Check::ImageHistory(_) => &[InputKind::Images, InputKind::Host],
            Check::ImageAndWorkload { .. } => &[InputKind::Images, InputKind::Manifests],
            Check::Kubelet(_)
            | Check::Docker(_)
            | Check::DockerContainer(_)
            | Check::ContainerLayer(_) => &[InputKind::Host],
            Check::ControlPlane { .. } => &[InputKind::Host, InputKind::Manifests],
            Check::Integrity(_) => &[InputKind::Integrity],
        }
    }
}

/// Where a control sits in the Pod Security Standards.
#[derive(Debug, Clone, Copy)]
pub struct PssCheck {
    /// Upstream's check ID (`k8s.io/pod-security-admission/policy`), which
    /// also fixes the order of messages.
    pub upstream_id: &'static str,
    /// The level that introduces it.
    pub level: PssLevel,
    /// The first policy version (minor of `v1.N`) at which it applies.
    pub since: u32,
    /// The baseline check it replaces at the restricted level.
    pub overrides: Option<&'static str>,
}

/// A built-in control.
#[derive(Debug)]
pub struct Control {
    /// Documentation and metadata.
    pub meta: ControlMeta,
    /// Its place in the Pod Security Standards, if it is a PSS check.
    pub pss: Option<PssCheck>,
    /// The parameters a configuration may set, with their defaults.
    pub params: &'static [Param],
    /// The check.
    pub check: Check,
}

impl Control {
    /// The control's reference page: a header with its metadata and the
    /// framework requirements it serves (`pci-dss-4.0.1 2.2.6`, from the
    /// packs), then its documentation, whose `## References` list starts
    /// with `citations`, one line per requirement, also from the packs
    /// (`PCI DSS v4.0.1, 2.2.6 "..."`). The documentation itself names no
    /// framework requirement, so the page cannot cite one the packs do not
    /// map. `palisade controls explain` prints it and
    /// `docs/controls/<id>.md` is generated from it.
    pub fn markdown(&self, requirements: &[String], citations: &[String]) -> String {
        let meta = &self.meta;
        let mut out = format!("# {}: {}\n\n", meta.id, meta.title);
        out.push_str(&format!("- **Severity:** {}\n", meta.severity));
        out.push_str(&format!(
            "- **Framework requirements:** {}\n",
            if requirements.is_empty() {
                "none yet".to_owned()
            } else {
                requirements.join(", ")
            }
        ));
        for param in self.params {
            out.push_str(&format!(
                "- **Parameter `{}`:** {} Default: {}.\n",
                param.name,
                param.doc,
                if param.default.is_empty() {
                    "empty".to_owned()
                } else {
                    param
                        .default
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        }
        if let Some(pss) = &self.pss {
            out.push_str(&format!(
                "- **Pod Security Standards:** {} level, upstream check `{}`, policy versions v1.{} and later",
                pss.level.as_str(),
                pss.upstream_id,
                pss.since
            ));
            if let Some(replaced) = pss.overrides {
                out.push_str(&format!(" (replaces `{replaced}` at the restricted level)"));
            }
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&with_citations(meta.docs.trim_end(), citations));
        out.push('\n');
        out
    }
}

/// `docs` with `citations` as the first items of its `## References` list
/// (a References section is added when the docs have none): a control's
/// documentation as every output shows it, framework citations included.
pub fn with_citations(docs: &str, citations: &[String]) -> String {
    const HEADING: &str = "## References\n";
    let lines: String = citations.iter().map(|c| format!("- {c}\n")).collect();
    if lines.is_empty() {
        return docs.to_owned();
    }
    match docs.find(HEADING) {
        Some(at) => {
            let (before, after) = docs.split_at(at + HEADING.len());
            format!("{before}{lines}{after}")
        }
        None => format!("{docs}\n\n{HEADING}{}", lines.trim_end()),
    }
}

impl CheckResult {
    /// `None` (allowed) when nothing was violated; otherwise the result with
    /// upstream's reason and the detail, which is only built then, so a clean
    /// pod costs no allocation.
    pub(crate) fn from_violations(
        reason: &str,
        violations: Vec<Violation>,
        detail: impl FnOnce() -> String,
    ) -> Option<CheckResult> {
        if violations.is_empty() {
            return None;
        }
        Some(CheckResult {
            reason: reason.to_owned(),
            detail: detail(),
            violations,
        })
    }
}
