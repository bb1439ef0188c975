//! The policy set: which controls run at which Pod Security Standards
//! version, prepared once and shared by every worker (it is `Send + Sync`
//! and cheap to share by reference), and the evaluation that turns a
//! document into located [`Finding`]s.

pub mod admission;
pub mod api;
pub mod audit;
pub mod config;
pub mod digests;
pub mod exceptions;
mod selection;
mod strict_bool;
mod user;
pub mod version;

use std::sync::Arc;

use palisade_controls::{Check, Control, Inventory, Params, PssVersion};
use palisade_load::dockerfile::Dockerfile;
use palisade_load::image::Image;
use palisade_load::{Document, KubeObject, PodSpec, objects};
use palisade_model::{Enforcement, Finding, Location, ResourceRef, Severity};

pub use admission::{AdmissionSettings, FailureMode, Mode, SafeDefault};
pub use api::ApiConfig;
pub use audit::AuditSettings;
pub use config::{Config, ConfigError, PolicySources};
pub use exceptions::{AnnotationWaivers, Exception, Exceptions};
pub use selection::{Framework, SelectionError};
pub use user::Deferred;

/// The controls to run, each with the policy version it runs at.
#[derive(Debug, Clone)]
pub struct PolicySet {
    controls: Vec<Selected>,
    frameworks: Vec<Framework>,
    exceptions: Arc<Exceptions>,
    /// User policies in Rego, when some were loaded.
    user: Option<Arc<palisade_rego::Policies>>,
    /// Conftest policies see every document at once (`--combine`).
    combine: bool,
    /// User policies turned off or given another severity under
    /// `controls:` in the configuration.
    user_tuning: std::collections::BTreeMap<&'static str, UserTuning>,
    /// Whether `palisade.dev/waive.*` annotations waive findings.
    annotation_waivers: AnnotationWaivers,
}

/// What `controls:` says of one user policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserTuning {
    /// `enabled: false` drops its findings.
    pub(crate) enabled: bool,
    /// `severity:` replaces the one in its metadata.
    pub(crate) severity: Option<Severity>,
}

/// One control as it runs: at a policy version, with a severity and
/// parameters (its defaults unless a configuration changed them).
#[derive(Debug, Clone)]
pub struct Selected {
    /// The control.
    pub control: &'static Control,
    /// The Pod Security Standards version its PSS check runs at.
    pub version: PssVersion,
    /// The severity its findings carry.
    pub severity: Severity,
    /// Its parameters.
    pub params: Params,
}

impl Selected {
    /// The control with its own severity and default parameters.
    pub fn new(control: &'static Control, version: PssVersion) -> Self {
        Selected {
            control,
            version,
            severity: control.meta.severity,
            params: Params::defaults(control),
        }
    }
}

/// What one document held, once evaluated.
#[derive(Debug, Default)]
pub struct DocumentOutcome {
    /// Every finding, in check order.
    pub findings: Vec<Finding>,
    /// How many Kubernetes objects it held (a `List` holds several).
    pub objects: usize,
    /// What cross-resource controls need of its objects (empty when none runs).
    pub inventory: Inventory,
    /// Objects that user policies review once the scan's inventory is complete.
    pub deferred: Vec<Deferred>,
    /// User policies that could not be evaluated on it.
    pub errors: Vec<palisade_rego::RegoError>,
}

impl PolicySet {
    /// Every built-in control at the latest policy version. Baseline checks
    /// that the restricted level replaces still run: a hostPath volume is a
    /// high-severity `host-path-volumes` finding, not only a medium
    /// `restricted-volume-types` one, so `--fail-on high` catches it.
    pub fn all() -> Self {
        PolicySet {
            controls: palisade_controls::registry::all()
                .iter()
                .map(|c| Selected::new(c, PssVersion::Latest))
                .collect(),
            frameworks: Vec::new(),
            exceptions: Arc::default(),
            user: None,
            combine: false,
            user_tuning: Default::default(),
            annotation_waivers: AnnotationWaivers::default(),
        }
    }

    /// The union of several frameworks and explicitly named controls.
    /// With neither, [`PolicySet::all`].
    ///
    /// ```
    /// use palisade_policy::PolicySet;
    /// let set = PolicySet::select(&["pss-baseline@v1.30".parse().unwrap()], &[]).unwrap();
    /// assert_eq!(set.len(), 11);
    /// assert!(PolicySet::select(&[], &["no-such-control".into()]).is_err());
    /// ```
    pub fn select(
        frameworks: &[Framework],
        control_ids: &[String],
    ) -> Result<Self, SelectionError> {
        if frameworks.is_empty() && control_ids.is_empty() {
            return Ok(PolicySet::all());
        }
        let mut controls: Vec<Selected> = Vec::new();
        let mut add = |control: &'static Control, version: PssVersion| {
            if !controls
                .iter()
                .any(|s| std::ptr::eq(s.control, control) && s.version == version)
            {
                controls.push(Selected::new(control, version));
            }
        };
        for framework in frameworks {
            for control in framework.controls()? {
                add(control, framework.version());
            }
        }
        for id in control_ids {
            let control = palisade_controls::registry::find(id)
                .ok_or_else(|| SelectionError::UnknownControl(id.clone()))?;
            add(control, PssVersion::Latest);
        }
        Ok(PolicySet {
            controls,
            frameworks: frameworks.to_vec(),
            exceptions: Arc::default(),
            user: None,
            combine: false,
            user_tuning: Default::default(),
            annotation_waivers: AnnotationWaivers::default(),
        })
    }

    /// The frameworks selected, for compliance summaries.
    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    /// How many (control, version) pairs run.
    pub fn len(&self) -> usize {
        self.controls.len()
    }

    /// Whether nothing runs.
    pub fn is_empty(&self) -> bool {
        self.controls.is_empty()
    }

    /// The controls that run (each once, in selection order).
    pub fn controls(&self) -> Vec<&'static Control> {
        let mut out: Vec<&'static Control> = Vec::new();
        for selected in &self.controls {
            if !out.iter().any(|c| std::ptr::eq(*c, selected.control)) {
                out.push(selected.control);
            }
        }
        out
    }

    /// Every (control, version) pair, with its severity and parameters, for
    /// a configuration to adjust.
    pub fn selected_mut(&mut self) -> &mut Vec<Selected> {
        &mut self.controls
    }

    /// Every (control, version) pair as it runs.
    pub fn selected(&self) -> &[Selected] {
        &self.controls
    }

    /// Sets the exceptions that waive findings.
    pub fn set_exceptions(&mut self, exceptions: Exceptions) {
        self.exceptions = Arc::new(exceptions);
    }

    /// Whether `palisade.dev/waive.<control>` annotations waive findings
    /// (honoured unless set otherwise; the webhook ignores them and applies
    /// its own scoped rule with [`exceptions::waive_by_annotation`]).
    pub fn set_annotation_waivers(&mut self, annotations: AnnotationWaivers) {
        self.annotation_waivers = annotations;
    }

    /// The exceptions, with how often each was used so far.
    pub fn exceptions(&self) -> &Exceptions {
        &self.exceptions
    }

    /// Whether a cross-resource control runs, so documents must feed an
    /// [`Inventory`].
    pub fn needs_inventory(&self) -> bool {
        self.controls
            .iter()
            .any(|s| matches!(s.control.check, Check::Inventory(_)))
    }

    /// Evaluates every object in a document.
    pub fn evaluate_document(&self, document: &Document) -> DocumentOutcome {
        let mut outcome = DocumentOutcome::default();
        let inventory = self.needs_inventory();
        let objects = objects(&document.root);
        for object in &objects {
            outcome.objects += 1;
            self.evaluate_object(object, &document.file, &mut outcome.findings);
            if inventory {
                outcome.inventory.add(object, &document.file);
            }
        }
        if self.user.is_some() {
            outcome.errors = self.evaluate_user_document(
                document,
                &objects,
                &mut outcome.findings,
                &mut outcome.deferred,
            );
        }
        outcome
    }

    /// Evaluates a Dockerfile: findings point at the offending instruction.
    pub fn evaluate_dockerfile(&self, dockerfile: &Dockerfile) -> Vec<Finding> {
        let mut findings = Vec::new();
        let resource = ResourceRef {
            api_version: String::new(),
            kind: "Dockerfile".to_owned(),
            namespace: None,
            name: Some(dockerfile.file.to_string()),
        };
        for selected in &self.controls {
            let Check::Dockerfile(check) = selected.control.check else {
                continue;
            };
            for violation in check(dockerfile, &selected.params) {
                let instruction = palisade_controls::dockerfile::instruction_of(&violation)
                    .and_then(|i| dockerfile.instructions.get(i));
                findings.push(Finding {
                    control: selected.control.meta.id,
                    severity: selected.severity,
                    message: violation.message,
                    resource: resource.clone(),
                    container: None,
                    field: violation.path,
                    location: Location {
                        file: dockerfile.file.clone(),
                        line: instruction.map_or(1, |i| i.line),
                        column: instruction.map_or(1, |i| i.column),
                    },
                    waiver: None,
                    enforcement: Enforcement::Enforce,
                });
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
        let resource = ResourceRef {
            api_version: String::new(),
            kind: "Image".to_owned(),
            namespace: None,
            name: Some(image.name()),
        };
        for selected in &self.controls {
            let (Check::Image(check) | Check::ImageAndWorkload { image: check, .. }) =
                selected.control.check
            else {
                continue;
            };
            for violation in check(image, &selected.params) {
                findings.push(Finding {
                    control: selected.control.meta.id,
                    severity: selected.severity,
                    message: violation.message,
                    resource: resource.clone(),
                    container: None,
                    field: violation.path,
                    location: Location {
                        file: image.file.clone(),
                        line: 1,
                        column: 1,
                    },
                    waiver: None,
                    enforcement: Enforcement::Enforce,
                });
            }
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        findings
    }

    /// Runs the cross-resource controls over everything scanned.
    pub fn evaluate_inventory(&self, inventory: &Inventory) -> Vec<Finding> {
        let mut findings = Vec::new();
        for selected in &self.controls {
            let Check::Inventory(check) = selected.control.check else {
                continue;
            };
            findings.extend(check(inventory).into_iter().map(|v| Finding {
                control: selected.control.meta.id,
                severity: selected.severity,
                message: v.message,
                resource: v.resource,
                container: None,
                field: v.field,
                location: v.location,
                waiver: None,
                enforcement: Enforcement::Enforce,
            }));
        }
        self.exceptions
            .apply(None, &mut findings, self.annotation_waivers);
        findings
    }

    /// Evaluates one object, pushing its findings.
    pub fn evaluate_object(
        &self,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        findings: &mut Vec<Finding>,
    ) {
        let pod = PodSpec::find(object);
        let first = findings.len();
        // Built on the first finding: most objects in a clean repository have none.
        let mut resource = None;
        for selected in &self.controls {
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
                let pos = object.node.locate(&violation.path);
                findings.push(Finding {
                    control: selected.control.meta.id,
                    severity: selected.severity,
                    message: violation.message,
                    resource: resource.get_or_insert_with(|| object.resource()).clone(),
                    container: violation.container,
                    field: violation.path,
                    location: Location {
                        file: file.clone(),
                        line: pos.line,
                        column: pos.column,
                    },
                    waiver: None,
                    enforcement: Enforcement::Enforce,
                });
            }
        }
        if let Some(new) = findings.get_mut(first..) {
            self.exceptions
                .apply(Some(object), new, self.annotation_waivers);
        }
    }
}
