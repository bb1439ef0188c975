//! Evaluation: the one place an input meets the policy set. [`PolicySet::evaluate`]
//! takes any loaded input and runs the built-in controls and the user
//! policies on it alike; [`PolicySet::evaluate_admitted`] does the same
//! for an object under admission; [`PolicySet::evaluate_gathered`] runs what
//! needs the whole scan (cross-resource controls, user policies that read
//! the inventory, `--combine`). Every finding is built by [`finding`].

use std::sync::Arc;

use palisade_controls::node::{NodeJudgement, NodeViolation};
use palisade_controls::{Check, Inventory, Violation};
use palisade_load::dockerfile::Dockerfile;
use palisade_load::host::images::{DockerImage, ImageStore};
use palisade_load::host::{NodeFacts, control_plane};
use palisade_load::image::Image;
use palisade_load::integrity::IntegrityCheck;
use palisade_load::{Document, Input, KubeObject, LoadError, Loaded, PodSpec, objects};
use palisade_model::{Enforcement, FieldPath, Finding, Location, ResourceRef, Severity, Waiver};
use palisade_rego::{RegoError, Value};
use rayon::prelude::*;

use crate::user::Deferred;
use crate::{PolicySet, Selected};

/// What one input gave, once evaluated.
#[derive(Debug, Default)]
pub struct Evaluated {
    /// Every finding, in check order, exceptions applied.
    pub findings: Vec<Finding>,
    /// What the end of the scan needs of it.
    pub gathered: Gathered,
    /// User policies that could not be evaluated on it (the scan goes on).
    pub errors: Vec<RegoError>,
    /// What a control could not judge (a host file it cannot read): errors
    /// of the scan, naming the file.
    pub unjudged: Vec<LoadError>,
    /// The per-component controls (kubelet, control plane, Docker) that found
    /// something to judge in this input: one that never does in a scan is
    /// not applicable to it (a kubelet control on a host without a
    /// kubelet, an API server control in a repository without its static
    /// pod).
    pub judged: Vec<&'static str>,
}

/// What controls that see the whole scan need, gathered input by input and
/// merged in any order.
#[derive(Debug, Default)]
pub struct Gathered {
    /// What cross-resource controls see of each object (empty when none runs).
    pub inventory: Inventory,
    /// Objects that user policies review once the inventory is complete.
    pub deferred: Vec<Deferred>,
    /// With `--combine`: each file's documents, for one combined input.
    pub combined: Vec<(Arc<str>, Vec<Value>)>,
}

impl Gathered {
    /// Adds another input's share.
    pub fn merge(&mut self, other: Gathered) {
        self.inventory.merge(other.inventory);
        self.deferred.extend(other.deferred);
        self.combined.extend(other.combined);
    }

    /// Whether a finding made at the end of the scan may point into this
    /// input's file (so its text must be kept for the report).
    pub fn may_be_pointed_at(&self) -> bool {
        !self.inventory.workloads.is_empty() || !self.deferred.is_empty()
    }
}

impl Evaluated {
    /// Marks per-component controls as having found something to judge.
    fn mark_judged(&mut self, ids: impl IntoIterator<Item = &'static str>) {
        for id in ids {
            if !self.judged.contains(&id) {
                self.judged.push(id);
            }
        }
    }

    fn push_errors(&mut self, result: Result<Vec<Finding>, RegoError>) {
        match result {
            Ok(findings) => self.findings.extend(findings),
            Err(error) => self.errors.push(error),
        }
    }
}

/// Judges each image of a Docker host's store on its history: the
/// violations of one image at the places of their steps in its config. A
/// daemon whose images are in containerd's store (not read) gets one
/// judgement saying so, about the daemon (`None`).
fn store_images<'a>(
    daemon: &'a palisade_load::host::docker::DockerDaemon,
    check: fn(&[palisade_load::image::HistoryStep], &palisade_controls::Params) -> Vec<Violation>,
    params: &palisade_controls::Params,
) -> Vec<(Option<&'a DockerImage>, Vec<NodeJudgement>)> {
    if daemon.image_store == ImageStore::Containerd {
        let unknown = NodeJudgement::Unknown {
            subject: "/var/lib/containerd/io.containerd.content.v1.content".to_owned(),
            reason: "dockerd keeps containers but no classic image store, so its images are in containerd's image store, which Palisade does not read yet; run `docker history --no-trunc` on each image".to_owned(),
        };
        return vec![(None, vec![unknown])];
    }
    daemon
        .images
        .iter()
        .filter(|image| !image.history.is_empty())
        .map(|image| {
            let judged = check(&image.history, params)
                .into_iter()
                .map(|violation| {
                    let step = palisade_controls::image::history_step_of(&violation).unwrap_or(0);
                    NodeJudgement::Fail(NodeViolation {
                        subject: violation.path.to_string(),
                        message: violation.message,
                        origin: image.step_origin(step),
                    })
                })
                .collect();
            (Some(image), judged)
        })
        .collect()
}

/// A finding of a control at a place: the one constructor every check kind
/// and user policy goes through (the control's severity as configured, no
/// waiver until exceptions are applied).
pub(crate) fn finding(
    control: &'static str,
    severity: Severity,
    message: String,
    resource: Arc<ResourceRef>,
    location: Location,
) -> Finding {
    Finding {
        control,
        severity,
        message,
        resource,
        container: None,
        field: FieldPath::default(),
        location,
        waiver: None,
        enforcement: Enforcement::Enforce,
    }
}

/// A node control's violation as a finding at the value's origin (a file
/// judged as a whole points at its first line).
fn node_finding(
    selected: &Selected,
    violation: NodeViolation,
    resource: &Arc<ResourceRef>,
    unproven: Option<&str>,
) -> Finding {
    let origin = violation.origin;
    let location = Location::at(origin.file, origin.line.max(1), origin.column.max(1));
    let mut message = violation.message;
    if let Some(unproven) = unproven {
        message.push_str("; ");
        message.push_str(unproven);
    }
    let field = if violation.subject.starts_with(['/', '-']) {
        FieldPath::root().key(&violation.subject)
    } else {
        FieldPath::root().keys(&violation.subject.split('.').collect::<Vec<_>>())
    };
    Finding {
        field,
        ..finding(
            selected.control.meta.id,
            selected.severity,
            message,
            resource.clone(),
            location,
        )
    }
}

impl Selected {
    /// A violation of this control as a finding at `location`.
    fn finding(
        &self,
        violation: Violation,
        resource: Arc<ResourceRef>,
        location: Location,
    ) -> Finding {
        Finding {
            container: violation.container,
            field: violation.path,
            ..finding(
                self.control.meta.id,
                self.severity,
                violation.message,
                resource,
                location,
            )
        }
    }
}

impl PolicySet {
    /// The selected controls that judge an image's build history.
    fn history_controls(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.selected()
            .iter()
            .filter(|s| matches!(s.control.check, Check::ImageHistory(_)))
            .map(|s| s.control.meta.id)
    }

    /// Evaluates one loaded input with every built-in control and user
    /// policy that applies to its kind. Documents of one file are evaluated
    /// in parallel.
    pub fn evaluate(&self, loaded: &Loaded) -> Evaluated {
        let mut out = Evaluated::default();
        match &loaded.input {
            Input::Manifests(documents) => self.evaluate_documents(loaded, documents, &mut out),
            Input::Dockerfile(dockerfile) => {
                out.findings = self.evaluate_dockerfile(dockerfile);
                let text = loaded.text.as_deref().unwrap_or_default();
                out.push_errors(self.evaluate_user_dockerfile(dockerfile, text));
            }
            Input::Images { images, documents } => {
                // JSON that describes images is still a JSON file to the
                // user policies that read every document.
                self.evaluate_documents(loaded, documents, &mut out);
                for image in images {
                    out.findings.extend(self.evaluate_image(image));
                    if !image.history.is_empty() {
                        out.mark_judged(self.history_controls());
                    }
                }
            }
            Input::Host(facts) => self.evaluate_host(facts, &mut out),
            Input::Integrity(check) => self.evaluate_integrity(check, &mut out),
        }
        out
    }

    /// Evaluates what changed since a file-integrity baseline: findings
    /// point at the changed path; a change the baseline's approvals accept
    /// is waived by that approval (owner, reason, expiry), and the
    /// configuration's exceptions apply as to any host.
    fn evaluate_integrity(&self, check: &IntegrityCheck, out: &mut Evaluated) {
        let resource = Arc::new(check.resource());
        let first = out.findings.len();
        for selected in self.selected() {
            let Check::Integrity(judge) = selected.control.check else {
                continue;
            };
            let judgements = judge(check, &selected.params);
            self.record_judgements(selected, judgements, &resource, None, out);
        }
        let Some(new) = out.findings.get_mut(first..) else {
            return;
        };
        for finding in new.iter_mut() {
            let approval = check
                .change(&finding.location.file)
                .and_then(|c| c.approval.as_ref());
            if let Some(approval) = approval {
                finding.waiver = Some(Arc::new(Waiver {
                    justification: approval.reason.clone(),
                    owner: Some(approval.owner.clone()),
                    ticket: approval.ticket.clone(),
                    expires: Some(approval.expires.clone()),
                    source: format!(
                        "baseline approval by {} at {}",
                        approval.approved_by, approval.approved_at
                    ),
                }));
            }
        }
        // Exceptions leave the approved findings as they are.
        self.exceptions.apply(None, new, self.annotation_waivers);
    }

    /// Evaluates a host's node controls, each on every instance of its
    /// component (each kubelet, each control-plane process or static pod):
    /// findings point where the value came from (a line of a configuration
    /// file, unit or manifest, a process's command line, a file whose mode
    /// or owner is judged). A control that found nothing to judge on any
    /// instance is not applicable on this host.
    fn evaluate_host(&self, facts: &NodeFacts, out: &mut Evaluated) {
        let first = out.findings.len();
        for selected in self.selected() {
            let instances: Vec<(ResourceRef, Option<&str>, Vec<NodeJudgement>)> =
                match selected.control.check {
                    Check::Kubelet(check) => facts
                        .kubelets
                        .iter()
                        .map(|k| {
                            let judged = check(k, &selected.params);
                            (facts.kubelet_resource(k), k.found.unproven(), judged)
                        })
                        .collect(),
                    Check::ControlPlane { component, check } => facts
                        .control_plane
                        .iter()
                        .filter(|c| c.component == component)
                        .map(|c| {
                            let judged = check(c, &selected.params);
                            (facts.component_resource(c), c.found.unproven(), judged)
                        })
                        .collect(),
                    Check::Docker(check) => facts
                        .docker
                        .iter()
                        .map(|d| {
                            let judged = check(d, &selected.params);
                            (facts.docker_resource(), d.found.unproven(), judged)
                        })
                        .collect(),
                    Check::DockerContainer(check) => facts
                        .docker
                        .iter()
                        .flat_map(|d| d.running_containers().map(move |c| (d, c)))
                        .map(|(d, c)| {
                            let judged = check(c, d, &selected.params);
                            // dockerd's own record says the container runs;
                            // without its process, that is not proven.
                            let unproven = d
                                .found
                                .unproven()
                                .map(|_| "recorded running in dockerd's state, not proven running");
                            (facts.container_resource(c), unproven, judged)
                        })
                        .collect(),
                    Check::ContainerLayer(check) => facts
                        .container_layers
                        .iter()
                        .map(|layer| {
                            let judged = check(layer, &selected.params);
                            (facts.layer_resource(layer), None, judged)
                        })
                        .collect(),
                    Check::ImageHistory(check) => facts
                        .docker
                        .iter()
                        .flat_map(|d| store_images(d, check, &selected.params))
                        .map(|(image, judged)| {
                            let resource = image.map_or_else(
                                || facts.docker_resource(),
                                |image| facts.image_resource(image),
                            );
                            (resource, None, judged)
                        })
                        .collect(),
                    _ => continue,
                };
            for (resource, unproven, judgements) in instances {
                let resource = Arc::new(resource);
                self.record_judgements(selected, judgements, &resource, unproven, out);
            }
        }
        if let Some(new) = out.findings.get_mut(first..) {
            self.exceptions.apply(None, new, self.annotation_waivers);
        }
    }

    /// One instance's judgements: violations become findings, what could
    /// not be judged an error, and anything but "not applicable" marks the
    /// control as having judged this input.
    fn record_judgements(
        &self,
        selected: &Selected,
        judgements: Vec<NodeJudgement>,
        resource: &Arc<ResourceRef>,
        unproven: Option<&str>,
        out: &mut Evaluated,
    ) {
        let id = selected.control.meta.id;
        let applies = judgements.is_empty()
            || judgements
                .iter()
                .any(|j| !matches!(j, NodeJudgement::NotApplicable(_)));
        if applies {
            out.mark_judged([id]);
        }
        for judgement in judgements {
            match judgement {
                NodeJudgement::Fail(violation) => {
                    out.findings
                        .push(node_finding(selected, violation, resource, unproven));
                }
                NodeJudgement::Unknown { subject, reason } => {
                    out.unjudged.push(LoadError::file(
                        Arc::from(subject.as_str()),
                        format!("{id} could not judge it: {reason}"),
                    ));
                }
                NodeJudgement::NotApplicable(_) => {}
            }
        }
    }

    /// The documents of one file, in parallel, and with `--combine` their
    /// values for the combined input.
    fn evaluate_documents(&self, loaded: &Loaded, documents: &[Document], out: &mut Evaluated) {
        let per_document: Vec<Evaluated> = documents
            .par_iter()
            .map(|d| self.evaluate_document(d))
            .collect();
        for document in per_document {
            out.findings.extend(document.findings);
            out.gathered.merge(document.gathered);
            out.errors.extend(document.errors);
            for id in document.judged {
                if !out.judged.contains(&id) {
                    out.judged.push(id);
                }
            }
        }
        if self.combine
            && !documents.is_empty()
            && self.user_policies().is_some_and(|u| u.has_conftest())
        {
            let values = documents
                .iter()
                .map(|d| palisade_rego::value::from_node(&d.root))
                .collect();
            out.gathered.combined.push((loaded.name.clone(), values));
        }
    }

    /// Runs what needs every input first: cross-resource controls over the
    /// inventory, then user policies on the deferred objects with the whole
    /// inventory as `data.inventory`, then `--combine`'s one input.
    pub fn evaluate_gathered(&self, gathered: &Gathered) -> Evaluated {
        let mut out = Evaluated {
            findings: self.evaluate_inventory(&gathered.inventory),
            ..Evaluated::default()
        };
        if !gathered.deferred.is_empty() {
            let (findings, errors) = self.evaluate_deferred(&gathered.deferred);
            out.findings.extend(findings);
            out.errors.extend(errors);
        }
        if self.combine && !gathered.combined.is_empty() {
            out.push_errors(self.evaluate_combined(&gathered.combined));
        }
        out
    }

    /// Evaluates an object under admission: the built-in controls, and the
    /// user policies with `request` (the AdmissionRequest as Gatekeeper's
    /// `input.review`, built only when a user policy runs). Cross-resource
    /// controls do not run: one request holds one object.
    pub fn evaluate_admitted(
        &self,
        object: &KubeObject<'_>,
        request: impl FnOnce() -> Result<Value, RegoError>,
        admission: &crate::kyverno::KyvernoAdmission<'_>,
        file: &Arc<str>,
    ) -> Result<Vec<Finding>, RegoError> {
        let mut findings = Vec::new();
        self.evaluate_object(object, file, &mut findings);
        if self.user_policies().is_some() {
            findings.extend(self.evaluate_user_admission(object, request()?, file)?);
        }
        findings.extend(self.evaluate_kyverno(object, file, Some(admission)));
        Ok(findings)
    }

    /// Whether a cross-resource control runs, so documents must feed an
    /// [`Inventory`].
    pub fn needs_inventory(&self) -> bool {
        self.selected()
            .iter()
            .any(|s| matches!(s.control.check, Check::Inventory(_)))
    }

    /// Evaluates every object in one document of a manifests input.
    pub fn evaluate_document(&self, document: &Document) -> Evaluated {
        let mut out = Evaluated::default();
        let inventory = self.needs_inventory();
        let objects = objects(&document.root);
        for object in &objects {
            self.evaluate_object(object, &document.file, &mut out.findings);
            out.findings
                .extend(self.evaluate_kyverno(object, &document.file, None));
            self.evaluate_static_pods(object, &document.file, &mut out);
            if inventory {
                out.gathered.inventory.add(object, &document.file);
            }
        }
        if self.user_policies().is_some() {
            out.errors = self.evaluate_user_document(
                document,
                &objects,
                &mut out.findings,
                &mut out.gathered.deferred,
            );
        }
        out
    }

    /// Judges the control-plane components a static pod in a manifest runs
    /// (`palisade scan` on `/etc/kubernetes/manifests`, or a repository that
    /// keeps them): findings point at the argument of `command:` that set
    /// the value, or at `command:` for a default.
    fn evaluate_static_pods(&self, object: &KubeObject<'_>, file: &Arc<str>, out: &mut Evaluated) {
        if object.kind() != "Pod" || !self.judges_control_planes() {
            return;
        }
        let components = control_plane::from_pod(object, file);
        if components.is_empty() {
            return;
        }
        let resource = Arc::new(object.resource());
        let first = out.findings.len();
        for selected in self.selected() {
            let Check::ControlPlane { component, check } = selected.control.check else {
                continue;
            };
            for instance in components.iter().filter(|c| c.component == component) {
                let judgements = check(instance, &selected.params);
                self.record_judgements(selected, judgements, &resource, None, out);
            }
        }
        if let Some(new) = out.findings.get_mut(first..) {
            self.exceptions
                .apply(Some(object), new, self.annotation_waivers);
        }
    }

    /// Whether a control-plane control is selected.
    fn judges_control_planes(&self) -> bool {
        self.selected()
            .iter()
            .any(|s| matches!(s.control.check, Check::ControlPlane { .. }))
    }

    /// Evaluates a Dockerfile's built-in controls: findings point at the
    /// offending instruction.
    fn evaluate_dockerfile(&self, dockerfile: &Dockerfile) -> Vec<Finding> {
        let mut findings = Vec::new();
        let resource = Arc::new(ResourceRef::dockerfile(&dockerfile.file));
        for selected in self.selected() {
            let Check::Dockerfile(check) = selected.control.check else {
                continue;
            };
            for violation in check(dockerfile, &selected.params) {
                let instruction = palisade_controls::dockerfile::instruction_of(&violation)
                    .and_then(|i| dockerfile.instructions.get(i));
                let location = Location::at(
                    dockerfile.file.clone(),
                    instruction.map_or(1, |i| i.line),
                    instruction.map_or(1, |i| i.column),
                );
                findings.push(selected.finding(violation, resource.clone(), location));
            }
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        findings
    }

    /// Evaluates a container image. Findings point at the image's file
    /// (line 1: an image has no lines); the resource is the `Image` named by
    /// its reference, else by its file.
    pub fn evaluate_image(&self, image: &Image) -> Vec<Finding> {
        let mut findings = Vec::new();
        let resource = Arc::new(ResourceRef::image(&image.name()));
        for selected in self.selected() {
            let violations = match selected.control.check {
                Check::Image(check) | Check::ImageAndWorkload { image: check, .. } => {
                    check(image, &selected.params)
                }
                Check::ImageHistory(check) => check(&image.history, &selected.params),
                _ => continue,
            };
            for violation in violations {
                let location = Location::at(image.file.clone(), 1, 1);
                findings.push(selected.finding(violation, resource.clone(), location));
            }
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        findings
    }

    /// Runs the cross-resource controls over everything scanned.
    fn evaluate_inventory(&self, inventory: &Inventory) -> Vec<Finding> {
        let mut findings = Vec::new();
        for selected in self.selected() {
            let Check::Inventory(check) = selected.control.check else {
                continue;
            };
            findings.extend(check(inventory).into_iter().map(|v| Finding {
                field: v.field,
                ..finding(
                    selected.control.meta.id,
                    selected.severity,
                    v.message,
                    Arc::new(v.resource),
                    v.location,
                )
            }));
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        findings
    }

    /// Evaluates one object's built-in controls, pushing its findings.
    fn evaluate_object(
        &self,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        findings: &mut Vec<Finding>,
    ) {
        let pod = PodSpec::find(object);
        let first = findings.len();
        // Built on the first finding: most objects in a clean repository have none.
        let mut resource = None;
        for selected in self.selected() {
            let violations = match (selected.control.check, &pod) {
                (Check::Pod(check), Some(pod)) => check(pod, selected.version)
                    .map(|r| r.violations)
                    .unwrap_or_default(),
                (Check::Workload(check), Some(pod))
                | (
                    Check::ImageAndWorkload {
                        workload: check, ..
                    },
                    Some(pod),
                ) => check(pod, &selected.params),
                (Check::Object(check), _) => check(object, &selected.params),
                _ => continue,
            };
            for violation in violations {
                let (start, end) = object.node.locate_range(&violation.path);
                let location = Location::spanning(file.clone(), start, end);
                let resource = resource
                    .get_or_insert_with(|| Arc::new(object.resource()))
                    .clone();
                findings.push(selected.finding(violation, resource, location));
            }
        }
        if let Some(new) = findings.get_mut(first..) {
            self.exceptions
                .apply(Some(object), new, self.annotation_waivers);
        }
    }
}
