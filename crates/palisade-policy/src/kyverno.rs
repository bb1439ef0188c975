//! Kyverno policies beside the built-in controls and Rego: every
//! `ClusterPolicy` and `Policy` (and `PolicyException`) in the `--policy`
//! paths runs on each object, in scans and at admission.
//!
//! A failing rule is a finding of the policy (its ID is the policy's name,
//! its severity the `policies.kyverno.io/severity` annotation), with
//! Kyverno's own message. Enforcement follows Kyverno's entry points: at
//! admission an `Audit` policy reports and admits and an `Enforce` one
//! denies; in a scan every failure counts, as `kyverno apply` counts it.
//! Rules Palisade cannot run offline are listed once
//! ([`PolicySet::kyverno_not_evaluated`]), never passed silently.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

pub use palisade_kyverno::matching::UserInfo;
use palisade_kyverno::{Exception, FailureAction, Policy, Request, Status};
use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Enforcement, FieldPath, Finding, Location, Node, Severity};

use crate::PolicySet;

/// The Kyverno policies of a run.
#[derive(Debug, Default)]
pub struct KyvernoPolicies {
    policies: Vec<Loaded>,
    exceptions: Vec<Exception>,
    /// `policy/rule: why`, for rules that are not run.
    not_evaluated: Vec<String>,
}

#[derive(Debug)]
struct Loaded {
    policy: Policy,
    meta: &'static ControlMeta,
}

/// Why Kyverno policies could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}: {message}")]
pub struct KyvernoError {
    pub file: String,
    pub message: String,
}

impl KyvernoPolicies {
    /// Reads the Kyverno documents of the YAML and JSON files under
    /// `paths` (other documents are left to the other engines). A policy
    /// that does not load is an error naming its file; the rest still load.
    pub fn load(paths: &[PathBuf]) -> (Self, Vec<KyvernoError>, Vec<(String, String)>) {
        let mut set = Self::default();
        let mut errors = Vec::new();
        let mut fingerprint = Vec::new();
        let mut files = Vec::new();
        for path in paths {
            collect(path, 0, &mut files);
        }
        for file in files {
            let Ok(documents) = palisade_kyverno::testing::files::documents(&file) else {
                // Not YAML the loader reads: the Rego loader reports it.
                continue;
            };
            for document in documents {
                if palisade_kyverno::policy::is_policy(&document) {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    match Policy::from_json(&document) {
                        Ok(policy) => set.add(policy),
                        Err(e) => errors.push(KyvernoError {
                            file: file.display().to_string(),
                            message: e.to_string(),
                        }),
                    }
                } else if let Some(exception) = Exception::from_json(&document) {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    set.exceptions.push(exception);
                }
            }
        }
        (set, errors, fingerprint)
    }

    fn add(&mut self, policy: Policy) {
        for rule in &policy.rules {
            if let Some(why) = not_run(&rule.json) {
                self.not_evaluated
                    .push(format!("{}/{}: {why}", policy.name, rule.name));
            }
        }
        let meta = control_meta(&policy);
        self.policies.push(Loaded { policy, meta });
    }

    /// Whether any policy was loaded.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The policies as controls, for reports.
    pub fn controls(&self) -> Vec<&'static ControlMeta> {
        self.policies.iter().map(|l| l.meta).collect()
    }
}

/// Why a rule is not run: validate rules all go to the engine (which
/// reports itself what it cannot evaluate); other kinds of rule do not.
fn not_run(rule: &serde_json::Value) -> Option<&'static str> {
    if rule.get("validate").is_some() {
        return None;
    }
    Some(if rule.get("mutate").is_some() {
        "mutate rules are not run yet"
    } else if rule.get("generate").is_some() {
        "generate rules are not run yet"
    } else {
        "verifyImages rules need registry access"
    })
}

fn collect(path: &Path, depth: usize, files: &mut Vec<PathBuf>) {
    if depth > 16 {
        return;
    }
    if !path.is_dir() {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(ext.as_str(), "yaml" | "yml" | "json") {
            files.push(path.to_path_buf());
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if !hidden {
            collect(&path, depth + 1, files);
        }
    }
}

/// A policy's control metadata, interned: findings carry `&'static`.
fn control_meta(policy: &Policy) -> &'static ControlMeta {
    static INTERNED: LazyLock<Mutex<HashMap<String, &'static ControlMeta>>> =
        LazyLock::new(Mutex::default);
    let key = format!(
        "{}\u{0}{}",
        policy.name,
        serde_json::Value::Object(policy.annotations.clone())
    );
    let mut interned = match INTERNED.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = interned.get(&key) {
        return found;
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let annotation = |k: &str| policy.annotation(k).unwrap_or("");
    let title = match annotation("policies.kyverno.io/title") {
        "" => policy.name.as_str(),
        t => t,
    };
    let description = annotation("policies.kyverno.io/description").trim();
    let why = if description.is_empty() {
        "A Kyverno policy loaded with --policy."
    } else {
        description
    };
    let docs = format!(
        "## What it does\nRuns the Kyverno policy `{}` ({} rules, autogen included).\n\n## Why is this bad?\n{why}\n\n## How to fix\nChange the resource so that the policy's rules pass; the finding's message is Kyverno's.\n",
        policy.name,
        policy.rules.len()
    );
    let meta: &'static ControlMeta = Box::leak(Box::new(ControlMeta {
        id: leak(&policy.name),
        title: leak(title),
        severity: severity(policy),
        docs: leak(&docs),
    }));
    interned.insert(key, meta);
    meta
}

fn severity(policy: &Policy) -> Severity {
    policy
        .annotation("policies.kyverno.io/severity")
        .and_then(|s| s.to_ascii_lowercase().parse().ok())
        .unwrap_or(Severity::Medium)
}

impl PolicySet {
    /// Adds Kyverno policies.
    pub fn set_kyverno_policies(&mut self, policies: KyvernoPolicies) {
        self.kyverno = (!policies.is_empty()).then(|| Arc::new(policies));
    }

    /// Rules of the loaded Kyverno policies that are not run, with why.
    pub fn kyverno_not_evaluated(&self) -> &[String] {
        self.kyverno
            .as_deref()
            .map_or(&[], |k| k.not_evaluated.as_slice())
    }

    /// Findings of the Kyverno policies on one object. `admission` carries
    /// the request's operation, old object and user when judging one.
    pub(crate) fn evaluate_kyverno(
        &self,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        admission: Option<&KyvernoAdmission<'_>>,
    ) -> Vec<Finding> {
        let Some(kyverno) = &self.kyverno else {
            return Vec::new();
        };
        let json = object.node.to_json();
        let request = Request {
            object: Some(&json),
            old_object: admission.and_then(|a| a.old_object),
            operation: admission.map_or("CREATE", |a| a.operation),
            user: admission.and_then(|a| a.user.as_ref()),
            ..Request::default()
        };
        let resource = Arc::new(object.resource());
        let mut findings = Vec::new();
        let mut reported: HashSet<(&str, String)> = HashSet::new();
        for loaded in &kyverno.policies {
            let responses =
                palisade_kyverno::engine::validate(&loaded.policy, &request, &kyverno.exceptions);
            for response in responses.iter().filter(|r| r.status == Status::Fail) {
                let tuning = self.user_tuning.get(loaded.meta.id);
                if tuning.is_some_and(|t| !t.enabled) {
                    continue;
                }
                // `policies.kyverno.io/scored: "false"`: failures are
                // warnings, as in Kyverno's reports.
                let unscored =
                    loaded.policy.annotation("policies.kyverno.io/scored") == Some("false");
                let enforcement = match (admission, response_action(loaded, &response.rule)) {
                    _ if unscored => Enforcement::Warn,
                    (Some(_), FailureAction::Audit) => Enforcement::Audit,
                    _ => Enforcement::Enforce,
                };
                // One finding per rule and object.
                if !reported.insert((loaded.meta.id, response.rule.clone())) {
                    continue;
                }
                let (field, node) = place(object.node, &response.path);
                findings.push(Finding {
                    enforcement,
                    field,
                    ..crate::evaluate::finding(
                        loaded.meta.id,
                        tuning
                            .and_then(|t| t.severity)
                            .unwrap_or(loaded.meta.severity),
                        response.message.clone(),
                        Arc::clone(&resource),
                        Location::at(file.clone(), node.pos.line, node.pos.column),
                    )
                });
            }
        }
        self.exceptions
            .apply(Some(object), &mut findings, self.annotation_waivers);
        findings
    }
}

/// The deepest node of `object` on a pattern's failure path (anchors
/// removed), and its field path: a finding points at the value at fault,
/// or at the nearest parent that exists.
fn place<'a>(object: &'a Node, path: &str) -> (FieldPath, &'a Node) {
    let mut field = FieldPath::root();
    let mut node = object;
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let key =
            palisade_kyverno::pattern::anchor::Anchor::parse(segment).map_or(segment, |a| a.key);
        let next = match key.parse::<usize>() {
            Ok(index) => node.items().get(index).map(|n| (field.index(index), n)),
            Err(_) => node.get(key).map(|n| (field.key(key), n)),
        };
        match next {
            Some((f, n)) => {
                field = f;
                node = n;
            }
            None => break,
        }
    }
    (field, node)
}

fn response_action(loaded: &Loaded, rule: &str) -> FailureAction {
    loaded
        .policy
        .rules
        .iter()
        .find(|r| r.name == rule)
        .and_then(palisade_kyverno::policy::Rule::failure_action)
        .unwrap_or(loaded.policy.failure_action)
}

/// What an admission request adds for Kyverno rules.
#[derive(Debug, Default)]
pub struct KyvernoAdmission<'a> {
    pub operation: &'a str,
    pub old_object: Option<&'a serde_json::Value>,
    pub user: Option<UserInfo>,
}
