//! User policies in Rego, run on Microsoft's regorus interpreter beside the
//! built-in controls: Conftest policies (`deny`, `violation` and `warn`
//! rules over each document or Dockerfile) and Gatekeeper
//! ConstraintTemplates with their Constraints, unchanged.
//!
//! Policies are loaded and compiled once ([`Policies::load`]); evaluation
//! borrows a worker (cloned engines, regorus' "prepare once, clone per
//! worker") from a pool, so one `Policies` serves every scan thread or
//! request at once.
//!
//! - `load.rs`: finding policy files, data documents, templates, constraints;
//! - `module.rs`: parsing a module to know its package, rules and functions;
//! - `rewrite/`: module text rewritten where regorus reads Rego differently
//!   from OPA (a line opening with `(`, chained bodies, `not f(input.missing)`);
//! - `metadata.rs`: a policy's ID, severity, remediation and frameworks;
//! - `conftest/`: Conftest's rule conventions and Dockerfile input shape;
//! - `gatekeeper/`: templates, constraints, matching, reviews, inventory;
//! - `testing/`: `test_*` rules and Gatekeeper `suite.yaml` files.

pub mod conftest;
mod error;
pub mod gatekeeper;
mod load;
mod metadata;
mod module;
mod rewrite;
pub mod testing;
pub mod value;

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_model::{ControlMeta, Enforcement, Severity, Waiver};
use regorus::Engine;
use regorus::utils::limits::ExecutionTimerConfig;

pub use conftest::Namespaces;
pub use error::RegoError;
pub use gatekeeper::review::Review;
pub use load::{Sources, collect_sources, documents, files_under};
pub use metadata::PolicyMeta;
pub use module::{ParsedModule, Syntax};
pub use regorus::Value;

/// How policies are found and which of them run.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Conftest namespaces to check (`main` by default).
    pub namespaces: Namespaces,
    /// JSON or YAML documents merged into `data` (Conftest's `--data`).
    pub data: Vec<PathBuf>,
}

/// One message of a user policy about one input.
#[derive(Debug, Clone)]
pub struct RegoFinding {
    /// The policy, as a control.
    pub control: &'static ControlMeta,
    /// Its severity.
    pub severity: Severity,
    /// Failure, warning or audit-only.
    pub enforcement: Enforcement,
    /// The policy's message.
    pub message: String,
    /// Set when a Conftest `exception` rule excepts it.
    pub waiver: Option<Arc<Waiver>>,
}

/// Every user policy, compiled.
pub struct Policies {
    prepared: Arc<Prepared>,
    pool: Mutex<Vec<Worker>>,
}

#[derive(Clone)]
struct Prepared {
    conftest: Option<(Engine, Vec<conftest::CheckRule>)>,
    templates: Vec<gatekeeper::Template>,
    constraints: Vec<gatekeeper::Constraint>,
}

/// Engines of one evaluating thread.
struct Worker {
    conftest: Option<Engine>,
    templates: Vec<Engine>,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies")
            .field(
                "controls",
                &self.controls().iter().map(|c| c.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// How long one policy may evaluate one input: a policy that loops, or an
/// input built to make it slow, must not hold a scan or a request.
const EVALUATION_LIMIT: Duration = Duration::from_secs(2);

/// A regorus engine as Palisade uses it.
pub(crate) fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit: EVALUATION_LIMIT,
        check_interval: NonZeroU32::MIN.saturating_add(999),
    });
    engine
}

/// Adds parsed modules to an engine, each in its own syntax and with
/// `not f(input.missing)` meaning what it means in OPA.
pub(crate) fn add_modules(engine: &mut Engine, modules: &[ParsedModule]) -> Result<(), RegoError> {
    let functions: BTreeSet<String> = modules
        .iter()
        .flat_map(|m| m.functions.iter().cloned())
        .collect();
    for module in modules {
        let text = rewrite::negation::lift_negated_call_arguments(module, &functions);
        engine.set_rego_v0(!module.rego_v1);
        engine
            .add_policy(module.file.clone(), text)
            .map_err(|e| RegoError::from_engine(&module.file, &e))?;
    }
    Ok(())
}

/// The members of a set or array value.
pub(crate) fn members(value: &Value) -> Vec<&Value> {
    if let Ok(set) = value.as_set() {
        set.iter().collect()
    } else if let Ok(array) = value.as_array() {
        array.iter().collect()
    } else {
        Vec::new()
    }
}

impl Policies {
    /// Loads every policy under `paths` (`.rego` files, and YAML files with
    /// ConstraintTemplates and Constraints) and compiles it. Every error is
    /// reported, each with its file.
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Policies, Vec<RegoError>> {
        let sources = collect_sources(paths, &options.data)?;
        Policies::compile(&sources, options)
    }

    /// Compiles sources already read.
    pub fn compile(sources: &Sources, options: &LoadOptions) -> Result<Policies, Vec<RegoError>> {
        let mut errors = Vec::new();
        let conftest = match compile_conftest(sources, &options.namespaces) {
            Ok(c) => c,
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        let mut templates = Vec::new();
        for (file, doc) in &sources.templates {
            match gatekeeper::Template::compile(doc, file) {
                Ok(t) => {
                    if templates
                        .iter()
                        .any(|x: &gatekeeper::Template| x.kind == t.kind)
                    {
                        errors.push(RegoError::file(
                            file,
                            format!("a second ConstraintTemplate defines kind {}", t.kind),
                        ));
                    } else {
                        templates.push(t);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        let mut constraints: Vec<gatekeeper::Constraint> = Vec::new();
        for (file, doc) in &sources.constraints {
            match gatekeeper::Constraint::read(doc, file, &templates) {
                Ok(c) if constraints.iter().any(|x| x.meta.id == c.meta.id) => {
                    errors.push(RegoError::file(
                        file,
                        format!(
                            "a second constraint is named {} (names are policy IDs: rename one)",
                            c.name
                        ),
                    ))
                }
                Ok(c) => constraints.push(c),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Policies::from_prepared(Prepared {
            conftest,
            templates,
            constraints,
        }))
    }

    fn from_prepared(prepared: Prepared) -> Policies {
        Policies {
            prepared: Arc::new(prepared),
            pool: Mutex::new(Vec::new()),
        }
    }

    /// Every policy as a control (Conftest rules, then constraints).
    pub fn controls(&self) -> Vec<&'static ControlMeta> {
        let mut out: Vec<&'static ControlMeta> = Vec::new();
        let conftest = self
            .prepared
            .conftest
            .iter()
            .flat_map(|(_, rules)| rules.iter().map(|r| r.meta));
        let constraints = self.prepared.constraints.iter().map(|c| c.meta);
        for meta in conftest.chain(constraints) {
            if !out.iter().any(|m| m.id == meta.id) {
                out.push(meta);
            }
        }
        out
    }

    /// The framework requirements each policy declares it serves:
    /// (policy ID, framework ID, requirement IDs).
    pub fn framework_claims(&self) -> Vec<(&'static str, String, Vec<String>)> {
        let conftest = self
            .prepared
            .conftest
            .iter()
            .flat_map(|(_, rules)| rules.iter().map(|r| (r.meta.id, &r.frameworks)));
        let constraints = self
            .prepared
            .constraints
            .iter()
            .map(|c| (c.meta.id, &c.frameworks));
        let mut out: Vec<(&'static str, String, Vec<String>)> = Vec::new();
        for (id, frameworks) in conftest.chain(constraints) {
            for (framework, requirements) in frameworks {
                if !out.iter().any(|(i, f, _)| *i == id && f == framework) {
                    out.push((id, framework.clone(), requirements.clone()));
                }
            }
        }
        out
    }

    /// Whether nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.prepared.conftest.is_none() && self.prepared.constraints.is_empty()
    }

    /// Whether documents are checked Conftest-style.
    pub fn has_conftest(&self) -> bool {
        self.prepared.conftest.is_some()
    }

    /// Whether some constraint reads `data.inventory`, or matches by
    /// `namespaceSelector` (which needs the scan's Namespace objects):
    /// objects then wait for the whole scan, see [`Policies::with_inventory`].
    pub fn needs_inventory(&self) -> bool {
        self.prepared.constraints.iter().any(|c| {
            c.matcher.needs_namespace()
                || self
                    .prepared
                    .templates
                    .get(c.template)
                    .is_some_and(|t| t.uses_inventory)
        })
    }

    /// The same policies with `data.inventory` built from `objects`.
    pub fn with_inventory(&self, objects: &[Value]) -> Policies {
        let inventory = gatekeeper::inventory::inventory(objects);
        let mut prepared = (*self.prepared).clone();
        for template in prepared.templates.iter_mut().filter(|t| t.uses_inventory) {
            // A template's engine holds no other data (Gatekeeper templates
            // read only data.inventory), so adding it cannot conflict.
            let _ = template
                .engine
                .add_data(value::object([("inventory", inventory.clone())]));
        }
        Policies::from_prepared(prepared)
    }

    /// Checks one document Conftest-style (every check rule of the selected
    /// namespaces, with the document as `input`).
    pub fn check_document(&self, input: Value) -> Result<Vec<RegoFinding>, RegoError> {
        let mut out = Vec::new();
        let Some((_, rules)) = &self.prepared.conftest else {
            return Ok(out);
        };
        self.with_worker(|worker| match worker.conftest.as_mut() {
            Some(engine) => conftest::check(engine, rules, input, &mut out),
            None => Ok(()),
        })?;
        Ok(out)
    }

    /// Whether some constraint's `match` selects the target: when none
    /// does, the object need not be converted and reviewed at all.
    pub fn matches_any(&self, target: &gatekeeper::matching::Target) -> bool {
        self.prepared
            .constraints
            .iter()
            .any(|c| c.matcher.matches(target))
    }

    /// Reviews one object or request against every constraint.
    pub fn review(&self, review: &Review) -> Result<Vec<RegoFinding>, RegoError> {
        let mut out = Vec::new();
        if self.prepared.constraints.is_empty() {
            return Ok(out);
        }
        self.with_worker(|worker| {
            for constraint in &self.prepared.constraints {
                let (Some(engine), Some(template)) = (
                    worker.templates.get_mut(constraint.template),
                    self.prepared.templates.get(constraint.template),
                ) else {
                    continue;
                };
                constraint.review(engine, template.query(), review, &mut out)?;
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn with_worker<R>(&self, f: impl FnOnce(&mut Worker) -> R) -> R {
        let pooled = match self.pool.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        let mut worker = pooled.unwrap_or_else(|| Worker {
            conftest: self.prepared.conftest.as_ref().map(|(e, _)| e.clone()),
            templates: self
                .prepared
                .templates
                .iter()
                .map(|t| t.engine.clone())
                .collect(),
        });
        let result = f(&mut worker);
        match self.pool.lock() {
            Ok(mut pool) => pool.push(worker),
            Err(poisoned) => poisoned.into_inner().push(worker),
        }
        result
    }
}

/// One engine for every `.rego` file (they may import each other), with the
/// data documents, and the check rules of the selected namespaces.
fn compile_conftest(
    sources: &Sources,
    namespaces: &Namespaces,
) -> Result<Option<(Engine, Vec<conftest::CheckRule>)>, Vec<RegoError>> {
    if sources.rego.is_empty() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut modules = Vec::new();
    for (file, text) in &sources.rego {
        match ParsedModule::parse(file, text, Syntax::Detect) {
            Ok(m) => modules.push(m),
            Err(e) => errors.push(e),
        }
    }
    let mut engine = new_engine();
    if let Err(e) = add_modules(&mut engine, &modules) {
        errors.push(e);
    }
    for (file, data) in &sources.data {
        if let Err(e) = engine.add_data(data.clone()) {
            errors.push(RegoError::from_engine(file, &e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rules = conftest::check_rules(&modules, namespaces, &mut engine);
    if rules.is_empty() {
        let found: BTreeSet<&str> = modules.iter().map(|m| m.package.as_str()).collect();
        let wanted = match namespaces {
            Namespaces::Only(list) => list.join(", "),
            Namespaces::All => "any namespace".to_string(),
        };
        // Modules that only hold tests or libraries are fine when templates
        // do the checking; a policy directory without checks is not.
        if sources.templates.is_empty() && !modules.iter().all(is_test_or_library) {
            return Err(vec![RegoError::file(
                sources.rego.first().map_or("-", |(f, _)| f.as_str()),
                format!(
                    "no deny, violation or warn rule in {wanted} (packages found: {}); \
                     choose with --namespace or --all-namespaces",
                    found.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )]);
        }
        return Ok(None);
    }
    Ok(Some((engine, rules)))
}

fn is_test_or_library(module: &ParsedModule) -> bool {
    module
        .rules
        .iter()
        .all(|(name, _)| name.starts_with("test_"))
}
