//! The policy set: which controls run at which Pod Security Standards
//! version, prepared once and shared by every worker (it is `Send + Sync`
//! and cheap to share by reference), and the evaluation that turns a
//! document into located [`Finding`]s.

mod selection;

use std::sync::Arc;

use palisade_controls::{Check, Control, PssVersion};
use palisade_load::{Document, KubeObject, PodSpec, objects};
use palisade_model::{Finding, Location};

pub use selection::{Framework, SelectionError};

/// The controls to run, each with the policy version it runs at.
#[derive(Debug, Clone)]
pub struct PolicySet {
    controls: Vec<(&'static Control, PssVersion)>,
}

/// What one document held, once evaluated.
#[derive(Debug, Default)]
pub struct DocumentOutcome {
    /// Every finding, in check order.
    pub findings: Vec<Finding>,
    /// How many Kubernetes objects it held (a `List` holds several).
    pub objects: usize,
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
                .map(|c| (*c, PssVersion::Latest))
                .collect(),
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
        let mut controls: Vec<(&'static Control, PssVersion)> = Vec::new();
        let mut add = |control: &'static Control, version: PssVersion| {
            if !controls
                .iter()
                .any(|(c, v)| std::ptr::eq(*c, control) && *v == version)
            {
                controls.push((control, version));
            }
        };
        for framework in frameworks {
            for control in framework.controls() {
                add(control, framework.version());
            }
        }
        for id in control_ids {
            let control = palisade_controls::registry::find(id)
                .ok_or_else(|| SelectionError::UnknownControl(id.clone()))?;
            add(control, PssVersion::Latest);
        }
        Ok(PolicySet { controls })
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
        for (control, _) in &self.controls {
            if !out.iter().any(|c| std::ptr::eq(*c, *control)) {
                out.push(control);
            }
        }
        out
    }

    /// Evaluates every object in a document.
    pub fn evaluate_document(&self, document: &Document) -> DocumentOutcome {
        let mut outcome = DocumentOutcome::default();
        for object in objects(&document.root) {
            outcome.objects += 1;
            self.evaluate_object(&object, &document.file, &mut outcome.findings);
        }
        outcome
    }

    /// Evaluates one object, pushing its findings.
    pub fn evaluate_object(
        &self,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        findings: &mut Vec<Finding>,
    ) {
        let pod = PodSpec::find(object);
        // Built on the first finding: most objects in a clean repository have none.
        let mut resource = None;
        for (control, version) in &self.controls {
            let violations = match control.check {
                Check::Pod(check) => match &pod {
                    Some(pod) => check(pod, *version)
                        .map(|r| r.violations)
                        .unwrap_or_default(),
                    None => continue,
                },
                Check::Object(check) => check(object),
            };
            for violation in violations {
                let pos = object.node.locate(&violation.path);
                findings.push(Finding {
                    control: control.meta.id,
                    severity: control.meta.severity,
                    message: violation.message,
                    resource: resource.get_or_insert_with(|| object.resource()).clone(),
                    container: violation.container,
                    field: violation.path,
                    location: Location {
                        file: file.clone(),
                        line: pos.line,
                        column: pos.column,
                    },
                });
            }
        }
    }
}
