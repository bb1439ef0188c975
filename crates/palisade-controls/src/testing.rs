//! The one harness of the controls' unit tests. A test writes a sample the
//! way the control's input is written (a pod spec body, an object, several
//! objects, a Dockerfile, an [`Image`]); the harness parses it as the
//! scan would, runs the control's check, and renders each violation as one
//! line to compare:
//!
//! - pod spec, object, image and build-history checks: `path: message`;
//! - Dockerfile checks: `line: message` (violations name an instruction);
//! - cross-resource checks: `Kind/name field @line: message`;
//! - kubelet and control-plane checks (a static pod's text for the
//!   latter): `file:line: message` at the value's origin (see
//!   `node::kubelet::testing::kubelet` for a kubelet from a unit and a file);
//! - Pod Security Standards checks: [`verdict`], upstream's reason and
//!   detail at a policy version.

use std::sync::Arc;

use palisade_load::dockerfile::parse_dockerfile;
use palisade_load::image::{FileEntry, Filesystem, HistoryStep, Image, ImageConfig};
use palisade_load::{Document, Limits, PodSpec, objects, parse_documents};

use palisade_load::host::Kubelet;

use crate::node::NodeJudgement;
use crate::{Check, CheckResult, Control, Inventory, Params, PssVersion, Violation};

/// What a check can be run on.
pub(crate) trait Sample {
    /// Every violation of `control` with `params` on this sample, rendered.
    fn violations(self, control: &Control, params: &Params) -> Vec<String>;
}

/// Text is read as the control's kind of input: the `spec:` body of a Pod
/// for pod spec checks, one YAML object for object checks, a
/// multi-document YAML text for cross-resource checks, a Dockerfile for
/// Dockerfile checks.
impl Sample for &str {
    fn violations(self, control: &Control, params: &Params) -> Vec<String> {
        match control.check {
            Check::Workload(check)
            | Check::ImageAndWorkload {
                workload: check, ..
            } => {
                let text =
                    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{self}");
                let documents = yaml(&text);
                let object = objects(&documents[0].root)[0];
                let pod = PodSpec::find(&object).expect("a pod spec");
                paths(check(&pod, params))
            }
            Check::Object(check) => {
                let documents = yaml(self);
                paths(check(&objects(&documents[0].root)[0], params))
            }
            Check::Inventory(check) => {
                let file: Arc<str> = "t.yaml".into();
                let mut inventory = Inventory::default();
                for document in &yaml(self) {
                    for object in objects(&document.root) {
                        inventory.add(&object, &file);
                    }
                }
                check(&inventory)
                    .into_iter()
                    .map(|v| {
                        let resource = v.resource.display_name();
                        format!("{resource} {} @{}: {}", v.field, v.location.line, v.message)
                    })
                    .collect()
            }
            Check::Dockerfile(check) => {
                let parsed = parse_dockerfile("Dockerfile".into(), self);
                assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
                let dockerfile = parsed.dockerfile;
                check(&dockerfile, params)
                    .into_iter()
                    .map(|v| {
                        let line = crate::dockerfile::instruction_of(&v)
                            .and_then(|i| dockerfile.instructions.get(i))
                            .map_or(0, |i| i.line);
                        format!("{line}: {}", v.message)
                    })
                    .collect()
            }
            Check::Pod(_) => panic!("{}: use `verdict` for PSS checks", control.meta.id),
            Check::Image(_) | Check::ImageHistory(_) => {
                panic!("{}: give an Image, not text", control.meta.id)
            }
            Check::Kubelet(_) => panic!("{}: give a Kubelet, not text", control.meta.id),
            Check::Docker(_) | Check::DockerContainer(_) | Check::ContainerLayer(_) => {
                panic!("{}: use a host fixture", control.meta.id)
            }
            Check::Integrity(_) => {
                panic!("{}: use `integrity::testing`", control.meta.id)
            }
            Check::ControlPlane { check, .. } => {
                let file: Arc<str> = "t.yaml".into();
                let documents = yaml(self);
                let object = objects(&documents[0].root)[0];
                palisade_load::host::control_plane::from_pod(&object, &file)
                    .iter()
                    .flat_map(|c| check(c, params))
                    .map(judged)
                    .collect()
            }
        }
    }
}

impl Sample for &String {
    fn violations(self, control: &Control, params: &Params) -> Vec<String> {
        self.as_str().violations(control, params)
    }
}

impl Sample for &Image {
    fn violations(self, control: &Control, params: &Params) -> Vec<String> {
        match control.check {
            Check::Image(check) | Check::ImageAndWorkload { image: check, .. } => {
                paths(check(self, params))
            }
            Check::ImageHistory(check) => paths(check(&self.history, params)),
            _ => panic!("{} is not an image check", control.meta.id),
        }
    }
}

/// A build history (oldest step first): `path: message`.
impl Sample for &[HistoryStep] {
    fn violations(self, control: &Control, params: &Params) -> Vec<String> {
        let Check::ImageHistory(check) = control.check else {
            panic!("{} is not an image history check", control.meta.id);
        };
        paths(check(self, params))
    }
}

/// A history of `(created_by, empty_layer)` steps, oldest first.
pub(crate) fn history(steps: &[(&str, bool)]) -> Vec<HistoryStep> {
    steps
        .iter()
        .map(|(created_by, empty_layer)| HistoryStep {
            created_by: (*created_by).to_owned(),
            empty_layer: *empty_layer,
        })
        .collect()
}

/// A kubelet's judgements: `file:line: message` for a violation at its
/// origin, `could not judge SUBJECT: reason`, `not applicable: reason`.
impl Sample for &Kubelet {
    fn violations(self, control: &Control, params: &Params) -> Vec<String> {
        let Check::Kubelet(check) = control.check else {
            panic!("{} is not a kubelet check", control.meta.id);
        };
        check(self, params).into_iter().map(judged).collect()
    }
}

/// A node judgement as one line.
fn judged(judgement: NodeJudgement) -> String {
    match judgement {
        NodeJudgement::Fail(v) => format!("{}:{}: {}", v.origin.file, v.origin.line, v.message),
        NodeJudgement::Unknown { subject, reason } => {
            format!("could not judge {subject}: {reason}")
        }
        NodeJudgement::NotApplicable(reason) => format!("not applicable: {reason}"),
    }
}

/// Every violation of `control` (default parameters) on `sample`.
pub(crate) fn messages(control: &Control, sample: impl Sample) -> Vec<String> {
    sample.violations(control, &Params::defaults(control))
}

/// The same, with explicit parameters.
pub(crate) fn messages_with(
    control: &Control,
    params: &Params,
    sample: impl Sample,
) -> Vec<String> {
    sample.violations(control, params)
}

/// A Pod Security Standards check on `apiVersion: v1, kind: Pod` plus
/// `body` (which holds `metadata:` and/or `spec:`) at policy `version`.
fn run(control: &Control, body: &str, version: &str) -> Option<CheckResult> {
    let documents = yaml(&format!("apiVersion: v1\nkind: Pod\n{body}"));
    let object = objects(&documents[0].root)[0];
    let pod = PodSpec::find(&object).expect("a pod spec");
    let version: PssVersion = version.parse().expect("a policy version");
    match control.check {
        Check::Pod(check) => check(&pod, version),
        _ => panic!("{} is not a pod check", control.meta.id),
    }
}

/// `reason (detail)` of a failed Pod Security Standards check, or `allowed`.
pub(crate) fn verdict(control: &Control, body: &str, version: &str) -> String {
    match run(control, body, version) {
        Some(r) => format!("{} ({})", r.reason, r.detail),
        None => "allowed".to_owned(),
    }
}

/// An image read from `image.tar` with this config.
pub(crate) fn image(config: ImageConfig) -> Image {
    Image {
        file: "image.tar".into(),
        reference: Some("acme/api:1.0".into()),
        config,
        ..Image::default()
    }
}

/// An image read from `image.tar` whose layers hold these files.
pub(crate) fn image_with_files(layers: Vec<Vec<(&str, FileEntry)>>) -> Image {
    let mut filesystem = Filesystem::default();
    for layer in layers {
        filesystem.apply_layer(layer.into_iter().map(|(p, e)| (p.to_owned(), e)).collect());
    }
    Image {
        filesystem: Some(filesystem),
        ..image(ImageConfig::default())
    }
}

fn yaml(text: &str) -> Vec<Document> {
    let parsed = parse_documents("t.yaml".into(), text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.documents
}

fn paths(violations: Vec<Violation>) -> Vec<String> {
    violations
        .into_iter()
        .map(|v| format!("{}: {}", v.path, v.message))
        .collect()
}
