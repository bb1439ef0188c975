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
use palisade_kyverno::validating_policy::{CelException, ValidatingPolicy};
use palisade_kyverno::{Exception, FailureAction, Policy, Request, Status};
use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Enforcement, FieldPath, Finding, Location, Node, Severity};

use crate::PolicySet;

/// The Kyverno policies of a run.
#[derive(Debug, Default)]
pub struct KyvernoPolicies {
    policies: Vec<Loaded>,
    validating: Vec<(ValidatingPolicy, &'static ControlMeta)>,
    exceptions: Vec<Exception>,
    cel_exceptions: Vec<CelException>,
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
        let mut bindings = Vec::new();
        for path in paths {
            collect(path, &mut files);
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
                } else if kind_of(&document) == "ValidatingAdmissionPolicyBinding" {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    bindings.push(document);
                } else if kind_of(&document) == "ValidatingAdmissionPolicy"
                    || palisade_kyverno::validating_policy::is_validating_policy(&document)
                {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    let loaded = if kind_of(&document) == "ValidatingAdmissionPolicy" {
                        ValidatingPolicy::from_admission_policy(&document)
                    } else {
                        ValidatingPolicy::from_json(&document)
                    };
                    match loaded {
                        Ok(policy) => {
                            if let Some(why) = policy.offline_gap() {
                                set.not_evaluated.push(format!("{}: {why}", policy.name));
                            }
                            let meta =
                                control_meta(&policy.name, &policy.annotations, "ValidatingPolicy");
                            set.validating.push((policy, meta));
                        }
                        Err(message) => errors.push(KyvernoError {
                            file: file.display().to_string(),
                            message,
                        }),
                    }
                } else if let Some(exception) = CelException::from_json(&document) {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    set.cel_exceptions.push(exception);
                } else if let Some(exception) = Exception::from_json(&document) {
                    fingerprint.push((format!("kyverno:{}", file.display()), document.to_string()));
                    set.exceptions.push(exception);
                }
            }
        }
        for binding in &bindings {
            let name = binding
                .pointer("/spec/policyName")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            if let Some((policy, _)) = set
                .validating
                .iter_mut()
                .find(|(p, _)| p.name == name && p.bindings.is_some())
            {
                policy.bind(binding);
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
        let what = format!(
            "{} ({} rules, autogen included)",
            policy.kind,
            policy.rules.len()
        );
        let meta = control_meta(&policy.name, &policy.annotations, &what);
        self.policies.push(Loaded { policy, meta });
    }

    /// Whether any policy was loaded.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty() && self.validating.is_empty()
    }

    /// The policies as controls, for reports.
    pub fn controls(&self) -> Vec<&'static ControlMeta> {
        self.policies
            .iter()
            .map(|l| l.meta)
            .chain(self.validating.iter().map(|(_, meta)| *meta))
            .collect()
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

fn kind_of(document: &serde_json::Value) -> &str {
    document
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

/// The YAML and JSON files under `path`, walked as the Rego loader walks
/// policy paths (hidden entries skipped; unreadable folders are the Rego
/// loader's to report).
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    let mut found = Vec::new();
    palisade_rego::files_under(path, &mut found, &mut Vec::new());
    files.extend(found.into_iter().filter(|f| {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        matches!(ext.as_str(), "yaml" | "yml" | "json")
    }));
}

/// A policy's control metadata, interned: findings carry `&'static`.
fn control_meta(
    name: &str,
    annotations: &serde_json::Map<String, serde_json::Value>,
    what: &str,
) -> &'static ControlMeta {
    static INTERNED: LazyLock<Mutex<HashMap<String, &'static ControlMeta>>> =
        LazyLock::new(Mutex::default);
    let key = format!(
        "{}\u{0}{}",
        name,
        serde_json::Value::Object(annotations.clone())
    );
    let mut interned = match INTERNED.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = interned.get(&key) {
        return found;
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let annotation = |k: &str| {
        annotations
            .get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    };
    let title = match annotation("policies.kyverno.io/title") {
        "" => name,
        t => t,
    };
    let description = annotation("policies.kyverno.io/description").trim();
    let why = if description.is_empty() {
        "A Kyverno policy loaded with --policy."
    } else {
        description
    };
    let docs = format!(
        "## What it does\nRuns the Kyverno {what} `{name}`.\n\n## Why is this bad?\n{why}\n\n## How to fix\nChange the resource so that the policy passes; the finding's message is Kyverno's.\n"
    );
    let meta: &'static ControlMeta = Box::leak(Box::new(ControlMeta {
        id: leak(name),
        title: leak(title),
        severity: annotation("policies.kyverno.io/severity")
            .to_ascii_lowercase()
            .parse()
            .unwrap_or(Severity::Medium),
        docs: leak(&docs),
    }));
    interned.insert(key, meta);
    meta
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
        // One copy of the object, shared by every policy.
        let shared = Arc::new(object.node.to_json());
        let json: &serde_json::Value = &shared;
        let request = Request {
            object: Some(json),
            shared_object: Some(Arc::clone(&shared)),
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
        findings
            .extend(self.evaluate_validating(kyverno, json, object, file, admission, &resource));
        self.exceptions
            .apply(Some(object), &mut findings, self.annotation_waivers);
        findings
    }

    /// Findings of the ValidatingPolicies on one object. At admission their
    /// `validationActions` decide: `Deny` enforces, `Warn` warns, `Audit`
    /// only records; a scan counts every failure.
    fn evaluate_validating(
        &self,
        kyverno: &KyvernoPolicies,
        json: &serde_json::Value,
        object: &KubeObject<'_>,
        file: &Arc<str>,
        admission: Option<&KyvernoAdmission<'_>>,
        resource: &Arc<palisade_model::ResourceRef>,
    ) -> Vec<Finding> {
        let (username, groups) = admission
            .and_then(|a| a.user.as_ref())
            .map_or((String::new(), Vec::new()), |u| {
                (u.username.clone(), u.groups.clone())
            });
        let inputs = palisade_kyverno::cel_validation::Inputs {
            object: Some(json),
            old_object: admission.and_then(|a| a.old_object),
            operation: admission.map_or("CREATE", |a| a.operation),
            username: &username,
            groups: &groups,
            namespace_labels: None,
        };
        let mut findings = Vec::new();
        for (policy, meta) in &kyverno.validating {
            let Some(response) = policy.validate(
                &inputs,
                &std::collections::BTreeMap::new(),
                &kyverno.cel_exceptions,
            ) else {
                continue;
            };
            if response.status != Status::Fail {
                continue;
            }
            let tuning = self.user_tuning.get(meta.id);
            if tuning.is_some_and(|t| !t.enabled) {
                continue;
            }
            let has = |action: &str| policy.actions.iter().any(|a| a == action);
            let enforcement = match admission {
                _ if policy.annotation("policies.kyverno.io/scored") == Some("false") => {
                    Enforcement::Warn
                }
                Some(_) if has("Deny") => Enforcement::Enforce,
                Some(_) if has("Warn") => Enforcement::Warn,
                Some(_) => Enforcement::Audit,
                None => Enforcement::Enforce,
            };
            findings.push(Finding {
                enforcement,
                ..crate::evaluate::finding(
                    meta.id,
                    tuning.and_then(|t| t.severity).unwrap_or(meta.severity),
                    response.message,
                    Arc::clone(resource),
                    Location::at(file.clone(), object.node.pos.line, object.node.pos.column),
                )
            });
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use palisade_load::json::node_from_json;
    use serde_json::json;

    const CLUSTER_POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: no-host-pid\nspec:\n  validationFailureAction: ACTION\n  rules:\n  - name: host-pid\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: no host PID\n      pattern:\n        spec:\n          =(hostPID): false\n";

    const VALIDATING_POLICY: &str = "apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata:\n  name: no-host-ipc\nspec:\n  validationActions: [ACTION]\n  matchConstraints:\n    resourceRules:\n    - apiGroups: ['']\n      apiVersions: [v1]\n      operations: [CREATE, UPDATE]\n      resources: [pods]\n  validations:\n  - expression: object.spec.?hostIPC.orValue(false) == false\n    message: no host IPC\n";

    fn policy_set(text: &str) -> PolicySet {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.yaml");
        std::fs::write(&path, text).unwrap();
        let (policies, errors, _) = KyvernoPolicies::load(&[path]);
        assert!(errors.is_empty(), "{errors:?}");
        let mut set = PolicySet::select(&[], &[]).unwrap();
        set.selected_mut().clear();
        set.set_kyverno_policies(policies);
        set
    }

    fn enforcement(
        set: &PolicySet,
        admission: Option<&KyvernoAdmission<'_>>,
    ) -> Vec<(&'static str, Enforcement)> {
        let node = node_from_json(&json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"hostPID": true, "hostIPC": true, "containers": [{"name": "a", "image": "nginx"}]}
        }));
        let object = KubeObject { node: &node };
        set.evaluate_kyverno(&object, &Arc::from("request"), admission)
            .into_iter()
            .map(|f| (f.control, f.enforcement))
            .collect()
    }

    #[test]
    fn admission_follows_the_failure_action_and_scans_count_every_failure() {
        let create = KyvernoAdmission {
            operation: "CREATE",
            ..KyvernoAdmission::default()
        };
        let audit = policy_set(&CLUSTER_POLICY.replace("ACTION", "Audit"));
        assert_eq!(
            enforcement(&audit, Some(&create)),
            [("no-host-pid", Enforcement::Audit)]
        );
        assert_eq!(
            enforcement(&audit, None),
            [("no-host-pid", Enforcement::Enforce)]
        );
        let enforce = policy_set(&CLUSTER_POLICY.replace("ACTION", "Enforce"));
        assert_eq!(
            enforcement(&enforce, Some(&create)),
            [("no-host-pid", Enforcement::Enforce)]
        );
    }

    #[test]
    fn validating_policies_follow_their_actions() {
        let create = KyvernoAdmission {
            operation: "CREATE",
            ..KyvernoAdmission::default()
        };
        for (action, want) in [
            ("Deny", Enforcement::Enforce),
            ("Warn", Enforcement::Warn),
            ("Audit", Enforcement::Audit),
        ] {
            let set = policy_set(&VALIDATING_POLICY.replace("ACTION", action));
            assert_eq!(
                enforcement(&set, Some(&create)),
                [("no-host-ipc", want)],
                "{action}"
            );
            assert_eq!(
                enforcement(&set, None),
                [("no-host-ipc", Enforcement::Enforce)]
            );
        }
    }

    #[test]
    fn policies_without_offline_answers_are_listed() {
        let set = policy_set(&VALIDATING_POLICY.replace("ACTION", "Deny").replace(
            "object.spec.?hostIPC.orValue(false) == false",
            "http.Get('https://example.com').allowed",
        ));
        assert_eq!(set.kyverno_not_evaluated().len(), 1);
        assert!(set.kyverno_not_evaluated()[0].contains("`http`"));
    }
}
