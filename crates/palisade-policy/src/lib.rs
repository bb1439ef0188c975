//! The policy set: which controls run at which Pod Security Standards
//! version, prepared once and shared by every worker (it is `Send + Sync`
//! and cheap to share by reference), and the evaluation that turns a
//! document into located [`Finding`]s.

pub mod admission;
pub mod api;
pub mod audit;
pub mod baseline;
mod build;
mod bundles;
pub mod config;
pub mod digests;
mod evaluate;
pub mod exceptions;
pub mod kyverno;
mod selection;
mod strict_bool;
mod user;
pub mod version;

use std::sync::Arc;

use palisade_controls::{Control, Params, PssVersion};
use palisade_model::Severity;

pub use admission::{AdmissionSettings, FailureMode, Mode, SafeDefault};
pub use api::ApiConfig;
pub use audit::AuditSettings;
pub use build::{BuildError, Built, CONFIG_ENV, Discovered, PolicyRequest};
pub use config::{Config, ConfigError, PolicySources};
pub use evaluate::{Evaluated, Gathered};
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
    /// Kyverno policies, when some were loaded.
    kyverno: Option<Arc<kyverno::KyvernoPolicies>>,
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
            kyverno: None,
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
        // The packs' own parameters; of two packs that set the same one,
        // the first named wins.
        for framework in frameworks.iter().rev() {
            for (id, params) in &framework.pack.parameters {
                for selected in controls
                    .iter_mut()
                    .filter(|s| s.control.meta.id == id.as_str())
                {
                    for (name, value) in params {
                        selected
                            .params
                            .set(selected.control, name, value.clone())
                            .map_err(|e| SelectionError::Parameter(framework.pack.id.clone(), e))?;
                    }
                }
            }
        }
        Ok(PolicySet {
            controls,
            frameworks: frameworks.to_vec(),
            exceptions: Arc::default(),
            user: None,
            combine: false,
            user_tuning: Default::default(),
            kyverno: None,
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

    /// Adds exceptions (a baseline's) to those configured; `false` when the
    /// exceptions are already shared with a running evaluation.
    pub fn add_exceptions(&mut self, more: Vec<exceptions::Exception>) -> bool {
        match Arc::get_mut(&mut self.exceptions) {
            Some(exceptions) => {
                exceptions.list.extend(more);
                true
            }
            None => false,
        }
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
}
