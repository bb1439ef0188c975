//! Gatekeeper's ConstraintTemplates and Constraints, run as Gatekeeper runs
//! them: each template compiled on its own (its libraries cannot clash with
//! another template's), each constraint matched against the object, then
//! the template's `violation` rule evaluated with `input.review` and
//! `input.parameters`, and `data.inventory` laid out as Gatekeeper's sync
//! lays it out.

pub mod inventory;
pub mod matching;
pub mod review;

use std::collections::BTreeMap;

use palisade_model::{ControlMeta, Enforcement, Severity};
use regorus::{Engine, Value};

use crate::error::RegoError;
use crate::metadata::{PolicyMeta, control_meta};
use crate::module::{ParsedModule, Syntax};
use crate::{RegoFinding, value};
use matching::Match;
use review::Review;

/// The target every template of the admission library uses.
const ADMISSION_TARGET: &str = "admission.k8s.gatekeeper.sh";

/// Whether a document is a ConstraintTemplate.
pub fn is_template(doc: &Value) -> bool {
    value::get_str(doc, "kind") == Some("ConstraintTemplate")
        && value::get_str(doc, "apiVersion")
            .is_some_and(|v| v.starts_with("templates.gatekeeper.sh/"))
}

/// Whether a document is a Constraint.
pub fn is_constraint(doc: &Value) -> bool {
    value::get_str(doc, "apiVersion").is_some_and(|v| v.starts_with("constraints.gatekeeper.sh/"))
}

/// A compiled ConstraintTemplate.
#[derive(Clone)]
pub struct Template {
    /// The constraint kind it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// Where it was read.
    pub file: String,
    /// `violation` of its package.
    query: String,
    /// Its Rego and libraries, compiled.
    pub engine: Engine,
    /// Whether it reads `data.inventory` (then objects wait for the whole
    /// scan before they are reviewed).
    pub uses_inventory: bool,
    title: Option<String>,
    description: Option<String>,
}

impl Template {
    /// Compiles a ConstraintTemplate document.
    pub fn compile(doc: &Value, file: &str) -> Result<Template, RegoError> {
        let spec = value::get(doc, "spec");
        let kind = spec
            .and_then(|s| value::get(s, "crd"))
            .and_then(|c| value::get(c, "spec"))
            .and_then(|s| value::get(s, "names"))
            .and_then(|n| value::get_str(n, "kind"))
            .ok_or_else(|| {
                RegoError::file(file, "ConstraintTemplate without spec.crd.spec.names.kind")
            })?
            .to_string();
        let targets = spec
            .and_then(|s| value::get(s, "targets"))
            .and_then(|t| t.as_array().ok())
            .map(|a| a.to_vec())
            .unwrap_or_default();
        let target = targets
            .iter()
            .find(|t| value::get_str(t, "target") == Some(ADMISSION_TARGET))
            .ok_or_else(|| {
                RegoError::file(
                    file,
                    format!("template {kind} has no `{ADMISSION_TARGET}` target"),
                )
            })?;
        let (rego, libs, syntax) = rego_source(target).ok_or_else(|| {
            RegoError::file(
                file,
                format!("template {kind} has no Rego (templates with only CEL code are not supported yet)"),
            )
        })?;
        let mut modules = vec![ParsedModule::parse(
            &format!("{file} ({kind})"),
            &rego,
            syntax,
        )?];
        for (index, lib) in libs.iter().enumerate() {
            modules.push(ParsedModule::parse(
                &format!("{file} ({kind} lib {})", index + 1),
                lib,
                syntax,
            )?);
        }
        let package = modules
            .first()
            .map(|m| m.package.clone())
            .unwrap_or_default();
        let mut engine = crate::new_engine();
        crate::add_modules(&mut engine, &modules)?;
        let annotations = value::get(doc, "metadata").and_then(|m| value::get(m, "annotations"));
        let annotation = |key: &str| {
            annotations
                .and_then(|a| value::get_str(a, key))
                .map(str::to_string)
        };
        Ok(Template {
            kind,
            file: file.to_string(),
            query: format!("data.{package}.violation"),
            engine,
            uses_inventory: rego.contains("data.inventory")
                || libs.iter().any(|l| l.contains("data.inventory")),
            title: annotation("metadata.gatekeeper.sh/title"),
            description: annotation("description"),
        })
    }
}

/// The Rego of a target: `rego` and `libs` (Rego v0), or a `code` entry of
/// engine `Rego` with `source.rego`, `source.libs` and `source.version`.
fn rego_source(target: &Value) -> Option<(String, Vec<String>, Syntax)> {
    let libs_of = |v: &Value| -> Vec<String> {
        value::get(v, "libs")
            .and_then(|l| l.as_array().ok())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_string().ok().map(|s| s.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(rego) = value::get_str(target, "rego") {
        return Some((rego.to_string(), libs_of(target), Syntax::V0));
    }
    let code = value::get(target, "code")?.as_array().ok()?;
    let entry = code
        .iter()
        .find(|c| value::get_str(c, "engine") == Some("Rego"))?;
    let source = value::get(entry, "source")?;
    let rego = value::get_str(source, "rego")?;
    let syntax = match value::get_str(source, "version") {
        Some("v1") => Syntax::V1,
        _ => Syntax::V0,
    };
    Some((rego.to_string(), libs_of(source), syntax))
}

/// A Constraint, bound to its template.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// Its kind (the template's constraint kind).
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `spec.match`.
    pub matcher: Match,
    /// `spec.parameters` (`{}` when absent).
    pub parameters: Value,
    /// `spec.enforcementAction`.
    pub enforcement: Enforcement,
    /// What it is in reports.
    pub meta: &'static ControlMeta,
    /// Index of its template.
    pub template: usize,
    /// Framework ID -> requirement IDs (annotation `palisade.dev/frameworks`).
    pub frameworks: BTreeMap<String, Vec<String>>,
}

impl Constraint {
    /// Reads a Constraint document and binds it to its template.
    pub fn read(doc: &Value, file: &str, templates: &[Template]) -> Result<Constraint, RegoError> {
        let kind = value::get_str(doc, "kind").unwrap_or_default().to_string();
        let metadata = value::get(doc, "metadata");
        let name = metadata
            .and_then(|m| value::get_str(m, "name"))
            .ok_or_else(|| {
                RegoError::file(file, format!("{kind} constraint without metadata.name"))
            })?
            .to_string();
        let template = templates
            .iter()
            .position(|t| t.kind == kind)
            .ok_or_else(|| {
                RegoError::file(
                    file,
                    format!("constraint {name}: no ConstraintTemplate defines kind {kind}"),
                )
            })?;
        let spec = value::get(doc, "spec");
        let matcher = Match::from_value(spec.and_then(|s| value::get(s, "match")))
            .map_err(|e| RegoError::file(file, format!("constraint {name}: spec.match: {e}")))?;
        let parameters = spec
            .and_then(|s| value::get(s, "parameters"))
            .cloned()
            .unwrap_or_else(Value::new_object);
        let enforcement = enforcement_action(spec)
            .map_err(|e| RegoError::file(file, format!("constraint {name}: {e}")))?;
        let annotations = metadata.and_then(|m| value::get(m, "annotations"));
        let annotation = |key: &str| annotations.and_then(|a| value::get_str(a, key));
        let frameworks = annotation("palisade.dev/frameworks")
            .map(|text| {
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
                    RegoError::file(
                        file,
                        format!(
                            "constraint {name}: annotation palisade.dev/frameworks is not JSON: {e}"
                        ),
                    )
                })
            })
            .transpose()?;
        let fields = serde_json::json!({
            "id": name,
            "frameworks": frameworks.unwrap_or(serde_json::Value::Null),
        });
        let mut meta = PolicyMeta::from_json(&fields, file.to_string());
        let owner = templates.get(template);
        meta.title = Some(match owner.and_then(|t| t.title.as_deref()) {
            Some(title) => format!("{title} ({name})"),
            None => format!("{kind} {name}"),
        });
        meta.description = owner.and_then(|t| t.description.clone());
        meta.remediation = annotation("palisade.dev/remediation").map(str::to_string);
        meta.severity = annotation("palisade.dev/severity").and_then(|s| s.parse().ok());
        let default = match enforcement {
            Enforcement::Enforce => Severity::High,
            Enforcement::Warn => Severity::Low,
            Enforcement::Audit => Severity::Info,
        };
        Ok(Constraint {
            kind,
            name,
            matcher,
            parameters,
            enforcement,
            meta: control_meta(&meta, default),
            template,
            frameworks: meta.frameworks.clone(),
        })
    }

    /// Reviews one object: nothing when it does not match, else one finding
    /// per violation.
    pub fn review(
        &self,
        engine: &mut Engine,
        query: &str,
        review: &Review,
        out: &mut Vec<RegoFinding>,
    ) -> Result<(), RegoError> {
        if !self.matcher.matches(&review.target) {
            return Ok(());
        }
        engine.set_input(value::object([
            ("review", review.value.clone()),
            ("parameters", self.parameters.clone()),
        ]));
        let result = engine
            .eval_rule(query.to_string())
            .map_err(|e| RegoError::from_engine(&format!("constraint {}", self.name), &e))?;
        for violation in crate::members(&result) {
            let message = value::get_str(violation, "msg")
                .map(str::to_string)
                .unwrap_or_else(|| violation.to_string());
            out.push(RegoFinding {
                control: self.meta,
                severity: self.meta.severity,
                enforcement: self.enforcement,
                message,
                waiver: None,
            });
        }
        Ok(())
    }
}

impl Template {
    /// The rule that lists violations.
    pub fn query(&self) -> &str {
        &self.query
    }
}

/// `deny` (default), `warn`, `dryrun`; `scoped` takes the strictest of its
/// `scopedEnforcementActions`.
fn enforcement_action(spec: Option<&Value>) -> Result<Enforcement, String> {
    let parse = |action: &str| match action.to_ascii_lowercase().as_str() {
        "deny" => Ok(Enforcement::Enforce),
        "warn" => Ok(Enforcement::Warn),
        "dryrun" => Ok(Enforcement::Audit),
        other => Err(format!(
            "unknown enforcementAction `{other}` (deny, warn, dryrun or scoped)"
        )),
    };
    match spec.and_then(|s| value::get_str(s, "enforcementAction")) {
        None => Ok(Enforcement::Enforce),
        Some("scoped") => {
            let scoped = spec
                .and_then(|s| value::get(s, "scopedEnforcementActions"))
                .map(crate::members)
                .unwrap_or_default();
            let mut strictest = Enforcement::Audit;
            for entry in scoped {
                let action = parse(value::get_str(entry, "action").unwrap_or("deny"))?;
                strictest = strictest.min(action);
            }
            Ok(strictest)
        }
        Some(action) => parse(action),
    }
}
