//! User policies in Rego beside the built-in controls: their findings are
//! located, waived by the same exceptions and annotations, and counted in
//! the same compliance reports as the built-in controls'.
//!
//! Conftest policies see each document (or each Dockerfile, or with
//! `--combine` every document at once); Gatekeeper constraints review each
//! object. Constraints that read `data.inventory` need every object of the
//! scan first: their objects are kept as [`Deferred`] and reviewed once the
//! scan is over ([`PolicySet::evaluate_gathered`]).

use std::sync::Arc;

use palisade_frameworks::Coverage;
use palisade_load::dockerfile::Dockerfile;
use palisade_load::{Document, KubeObject};
use palisade_model::{ControlMeta, Finding, Location, Node, Position, ResourceRef};
use palisade_rego::gatekeeper::matching::Target;
use palisade_rego::{Policies, RegoError, RegoFinding, Review, Value};

use crate::{ConfigError, PolicySet};

/// An object kept for review once the scan's inventory is complete.
#[derive(Debug, Clone)]
pub struct Deferred {
    /// The object.
    pub node: Node,
    /// Its file.
    pub file: Arc<str>,
}

impl PolicySet {
    /// Adds user policies. The framework requirements they declare they
    /// serve are added to the selected frameworks (a requirement left to a
    /// person becomes partly checked); a requirement that does not exist is
    /// an error.
    pub fn set_user_policies(&mut self, policies: Policies) -> Result<(), ConfigError> {
        for (policy, framework_id, requirements) in policies.framework_claims() {
            let Some(framework) = self
                .frameworks
                .iter_mut()
                .find(|f| f.pack.answers_to(&framework_id))
            else {
                continue;
            };
            let pack = Arc::make_mut(&mut framework.pack);
            for requirement_id in &requirements {
                let Some(requirement) = pack
                    .requirements
                    .iter_mut()
                    .find(|r| r.id == *requirement_id)
                else {
                    return Err(ConfigError(format!(
                        "policy {policy} claims requirement {requirement_id} of {framework_id}, which has no such requirement"
                    )));
                };
                if !requirement.controls.iter().any(|c| c == policy) {
                    requirement.controls.push(policy.to_string());
                }
                if matches!(
                    requirement.status,
                    Coverage::Manual | Coverage::NotApplicable
                ) {
                    requirement.partial = Some(format!(
                        "User policy {policy} checks part of it; the rest needs evidence: {}",
                        requirement
                            .evidence
                            .as_deref()
                            .unwrap_or("see the requirement")
                    ));
                    requirement.status = Coverage::Partial;
                }
            }
        }
        self.user = Some(Arc::new(policies));
        Ok(())
    }

    /// The user policies, when some were loaded.
    pub fn user_policies(&self) -> Option<&Policies> {
        self.user.as_deref()
    }

    /// Every control that runs, built-in and user, for reports.
    pub fn control_metas(&self) -> Vec<&'static ControlMeta> {
        let mut metas: Vec<&'static ControlMeta> =
            self.controls().iter().map(|c| &c.meta).collect();
        if let Some(user) = &self.user {
            metas.extend(user.controls());
        }
        metas
    }

    /// Evaluates user policies on a document and its objects (called by
    /// [`PolicySet::evaluate_document`]). Errors become findings of nothing
    /// and are returned, so one failing policy does not hide the others.
    pub(crate) fn evaluate_user_document(
        &self,
        document: &Document,
        objects: &[KubeObject<'_>],
        findings: &mut Vec<Finding>,
        deferred: &mut Vec<Deferred>,
    ) -> Vec<RegoError> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut errors = Vec::new();
        if user.has_conftest() && !self.combine {
            let input = palisade_rego::value::from_node(&document.root);
            match user.check_document(input) {
                Ok(found) => {
                    let resource = objects
                        .first()
                        .map(KubeObject::resource)
                        .unwrap_or_else(|| ResourceRef::outside_kubernetes("Document", ""));
                    let resource = Arc::new(resource);
                    let start = findings.len();
                    self.push_user(
                        findings,
                        found,
                        &resource,
                        &document.file,
                        document.root.pos,
                    );
                    if let (Some(object), Some(new)) = (objects.first(), findings.get_mut(start..))
                    {
                        self.exceptions
                            .apply(Some(object), new, self.annotation_waivers);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        for object in objects {
            if user.needs_inventory() {
                deferred.push(Deferred {
                    node: object.node.clone(),
                    file: document.file.clone(),
                });
                continue;
            }
            if let Err(e) = self.review_object(user, object, &document.file, None, findings) {
                errors.push(e);
            }
        }
        errors
    }

    fn review_object(
        &self,
        user: &Policies,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        namespace: Option<&Value>,
        findings: &mut Vec<Finding>,
    ) -> Result<(), RegoError> {
        let namespace_labels = namespace.map(palisade_rego::gatekeeper::matching::labels);
        let target = Target::of_node(object.node, namespace_labels);
        if !user.matches_any(&target) {
            return Ok(());
        }
        let review = Review::of_object(palisade_rego::value::from_node(object.node), namespace);
        let found = user.review(&review)?;
        if found.is_empty() {
            return Ok(());
        }
        let start = findings.len();
        self.push_user(
            findings,
            found,
            &Arc::new(object.resource()),
            file,
            object.node.pos,
        );
        if let Some(new) = findings.get_mut(start..) {
            self.exceptions
                .apply(Some(object), new, self.annotation_waivers);
        }
        Ok(())
    }

    /// Evaluates user policies on an object under admission: Conftest
    /// policies see the object, Gatekeeper constraints the AdmissionRequest
    /// itself as `input.review` (its operation, user and dry run). There is
    /// no inventory at admission: templates that read `data.inventory` see
    /// it empty.
    pub(crate) fn evaluate_user_admission(
        &self,
        object: &KubeObject<'_>,
        request: Value,
        file: &Arc<str>,
    ) -> Result<Vec<Finding>, RegoError> {
        let mut findings = Vec::new();
        let Some(user) = &self.user else {
            return Ok(findings);
        };
        let mut found = Vec::new();
        if user.has_conftest() {
            found.extend(user.check_document(palisade_rego::value::from_node(object.node))?);
        }
        let review = Review::of_request(request, None).map_err(|message| RegoError {
            file: file.to_string(),
            line: None,
            message,
        })?;
        found.extend(user.review(&review)?);
        self.push_user(
            &mut findings,
            found,
            &Arc::new(object.resource()),
            file,
            object.node.pos,
        );
        self.exceptions
            .apply(Some(object), &mut findings, self.annotation_waivers);
        Ok(findings)
    }

    /// Reviews the objects kept for the inventory, with every object of the
    /// scan as `data.inventory` (and each object's Namespace, when scanned,
    /// for `namespaceSelector`).
    pub(crate) fn evaluate_deferred(
        &self,
        deferred: &[Deferred],
    ) -> (Vec<Finding>, Vec<RegoError>) {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let Some(user) = &self.user else {
            return (findings, errors);
        };
        let values: Vec<Value> = deferred
            .iter()
            .map(|d| palisade_rego::value::from_node(&d.node))
            .collect();
        let with_inventory = user.with_inventory(&values);
        for item in deferred {
            let object = KubeObject { node: &item.node };
            let namespace = object
                .resource()
                .namespace
                .and_then(|ns| palisade_rego::gatekeeper::inventory::namespace_named(&values, &ns));
            if let Err(e) = self.review_object(
                &with_inventory,
                &object,
                &item.file,
                namespace,
                &mut findings,
            ) {
                errors.push(e);
            }
        }
        (findings, errors)
    }

    /// Checks a Dockerfile against Conftest policies, in the shape
    /// Conftest gives Dockerfiles.
    pub(crate) fn evaluate_user_dockerfile(
        &self,
        dockerfile: &Dockerfile,
        text: &str,
    ) -> Result<Vec<Finding>, RegoError> {
        let mut findings = Vec::new();
        let Some(user) = self.user.as_ref().filter(|u| u.has_conftest()) else {
            return Ok(findings);
        };
        let input = palisade_rego::conftest::dockerfile::input(dockerfile, text);
        let found = user.check_document(input)?;
        let resource = Arc::new(ResourceRef::dockerfile(&dockerfile.file));
        // Conftest gives policies no positions and reports against the
        // file: a finding points at the instruction its message quotes, else
        // at the whole file (line 0), never at an instruction not at fault.
        for finding in found {
            let at = palisade_rego::conftest::dockerfile::instruction_named_by(
                &finding.message,
                dockerfile,
            )
            .and_then(|index| dockerfile.instructions.get(index));
            let pos = Position {
                line: at.map_or(0, |i| i.line),
                column: at.map_or(0, |i| i.column),
            };
            self.push_user(
                &mut findings,
                vec![finding],
                &resource,
                &dockerfile.file,
                pos,
            );
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        Ok(findings)
    }

    /// With `--combine`: every document of the scan in one input, an array
    /// of `{"path", "contents"}` as Conftest combines them (a file with
    /// several documents gives an array of them as its contents).
    pub(crate) fn evaluate_combined(
        &self,
        files: &[(Arc<str>, Vec<Value>)],
    ) -> Result<Vec<Finding>, RegoError> {
        let mut findings = Vec::new();
        let Some(user) = self.user.as_ref().filter(|u| u.has_conftest()) else {
            return Ok(findings);
        };
        let input = Value::from(
            files
                .iter()
                .map(|(path, documents)| {
                    let contents = match documents.as_slice() {
                        [one] => one.clone(),
                        many => Value::from(many.to_vec()),
                    };
                    palisade_rego::value::object([
                        ("path", Value::from(path.as_ref())),
                        ("contents", contents),
                    ])
                })
                .collect::<Vec<_>>(),
        );
        let found = user.check_document(input)?;
        let resource = Arc::new(ResourceRef::outside_kubernetes("Combined", ""));
        let file = files
            .first()
            .map_or_else(|| Arc::from("-"), |(f, _)| f.clone());
        self.push_user(
            &mut findings,
            found,
            &resource,
            &file,
            Position { line: 1, column: 1 },
        );
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        Ok(findings)
    }

    /// Turns a user policy off, or gives it another severity, as
    /// `controls:` in the configuration says.
    pub(crate) fn tune_user_policy(&mut self, id: &'static str, tuning: crate::UserTuning) {
        self.user_tuning.insert(id, tuning);
    }

    /// Findings of user policies, as [`Finding`]s, tuned by `controls:`.
    /// They point at the start of what they are about: user policies name
    /// no field.
    fn push_user(
        &self,
        findings: &mut Vec<Finding>,
        found: Vec<RegoFinding>,
        resource: &Arc<ResourceRef>,
        file: &Arc<str>,
        pos: Position,
    ) {
        for f in found {
            let tuning = self.user_tuning.get(f.control.id);
            if tuning.is_some_and(|t| !t.enabled) {
                continue;
            }
            let location = Location::at(file.clone(), pos.line, pos.column);
            findings.push(Finding {
                waiver: f.waiver,
                enforcement: f.enforcement,
                ..crate::evaluate::finding(
                    f.control.id,
                    tuning.and_then(|t| t.severity).unwrap_or(f.severity),
                    f.message,
                    Arc::clone(resource),
                    location,
                )
            });
        }
    }

    /// Checks documents one input at a time with `--combine` off; with it on,
    /// [`PolicySet::evaluate_combined`] sees them all at once.
    pub fn set_combine(&mut self, combine: bool) {
        self.combine = combine;
    }
}
