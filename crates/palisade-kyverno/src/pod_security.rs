//! `validate.podSecurity` (`pkg/pss`, `validate_pss.go`): a whole Pod
//! Security Standards level in one rule, with per-control exemptions.
//!
//! The checks themselves are Palisade's own PSS controls
//! (`palisade-controls`); this module only reproduces what Kyverno adds
//! around them, because that is what a Kyverno policy's verdict depends on:
//! - which checks run: Kyverno's fork of pod-security-admission
//!   (release-1.34) runs every check of the level, including those a
//!   restricted check overrides, each at its own first version when the
//!   policy's version predates it;
//! - the field errors of that fork (a field path from the pod, a bad value),
//!   rebuilt from each control's violations, on which exclusions match;
//! - exclusions (`exclude`, and a PolicyException's `podSecurity`):
//!   `controlName` names checks, `images` narrows them to the containers
//!   whose image matches, `restrictedField`/`values` to one field and bad
//!   values;
//! - the messages (`Validation rule 'r' failed. It violates PodSecurity ...`).

use palisade_controls::{Check, Control, PssVersion, Violation, registry};
use palisade_load::json::node_from_json;
use palisade_load::{KubeObject, PodSpec};
use palisade_model::{FieldPath, PssLevel, Segment};
use serde_json::{Map, Value as Json, json};

use crate::conditions::any_all::{self, ConditionError};
use crate::context::{Context, QueryError};
use crate::exception::Exception;
use crate::validate::{RuleResponse, Status, load_context};

/// Kyverno's checks in the order it runs and reports them
/// (`policy.DefaultChecks()`: one check per file of its fork, registered in
/// file-name order). `procMount_restricted` (v1.35) is not among them: the
/// fork is release-1.34.
const KYVERNO_CHECKS: [&str; 18] = [
    "allowPrivilegeEscalation",
    "appArmorProfile",
    "capabilities_baseline",
    "capabilities_restricted",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "hostProbesAndHostLifecycle",
    "privileged",
    "procMount",
    "restrictedVolumes",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile_baseline",
    "seccompProfile_restricted",
    "sysctls",
    "windowsHostProcess",
];

/// The newest version Kyverno's fork knows: `latest`, and any newer
/// version, evaluate as it (not as Palisade's newer `latest`).
const KYVERNO_LATEST_MINOR: u32 = 34;

/// The kinds whose pods Kyverno reads at `spec.template`.
const TEMPLATE_KINDS: [&str; 6] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

/// The check IDs a `controlName` exempts (`PSS_control_name_to_ids`).
fn control_ids(name: &str) -> &'static [&'static str] {
    match name {
        "Capabilities" => &["capabilities_baseline", "capabilities_restricted"],
        "Seccomp" => &["seccompProfile_baseline", "seccompProfile_restricted"],
        "Privileged Containers" => &["privileged"],
        "Host Ports" => &["hostPorts"],
        "/proc Mount Type" => &["procMount"],
        "HostProcess" => &["windowsHostProcess"],
        "SELinux" => &["seLinuxOptions"],
        "Host Namespaces" => &["hostNamespaces"],
        "HostPath Volumes" => &["hostPathVolumes"],
        "Sysctls" => &["sysctls"],
        "AppArmor" => &["appArmorProfile"],
        "Privilege Escalation" => &["allowPrivilegeEscalation"],
        "Running as Non-root" => &["runAsNonRoot"],
        "Running as Non-root user" => &["runAsUser"],
        "Volume Types" => &["restrictedVolumes"],
        _ => &[],
    }
}

/// One exemption: an `exclude` item of the rule, or a `podSecurity` item
/// of a PolicyException.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exclusion {
    pub control_name: String,
    /// Image wildcards: when set, only violations of matching containers
    /// are exempt.
    pub images: Vec<String>,
    /// The field (`spec.containers[*].securityContext.capabilities.add`);
    /// empty for every field of the control.
    pub restricted_field: String,
    /// Wildcards every bad value must match; empty for any value.
    pub values: Vec<String>,
}

impl Exclusion {
    /// The exclusions of a list (`exclude`, `spec.podSecurity`).
    pub fn list(value: Option<&Json>) -> Vec<Self> {
        value
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(Self::from_json)
            .collect()
    }

    fn from_json(item: &Json) -> Self {
        let text = |key: &str| {
            item.get(key)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        let texts = |key: &str| {
            item.get(key)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(String::from)
                .collect()
        };
        Self {
            control_name: text("controlName"),
            images: texts("images"),
            restricted_field: text("restrictedField"),
            values: texts("values"),
        }
    }
}

/// A field error's bad value, as the fork records it (`field.Error.BadValue`).
#[derive(Debug, Clone, PartialEq)]
enum BadValue {
    /// No value (an empty string in Go): printed as `: Forbidden`.
    Empty,
    Text(String),
    Bool(bool),
    Int(i64),
    List(Vec<String>),
}

impl BadValue {
    fn of(value: Option<&Json>) -> Self {
        match value {
            Some(Json::Bool(b)) => Self::Bool(*b),
            Some(Json::Number(n)) => n.as_i64().map_or(Self::Empty, Self::Int),
            Some(Json::String(s)) => Self::text(s),
            _ => Self::Empty,
        }
    }

    fn text(s: &str) -> Self {
        if s.is_empty() {
            Self::Empty
        } else {
            Self::Text(s.to_string())
        }
    }

    /// `extractBadValues`: what `values` wildcards are matched against.
    fn strings(&self) -> Vec<String> {
        match self {
            Self::Empty => Vec::new(),
            Self::Text(s) => vec![s.clone()],
            Self::Bool(b) => vec![b.to_string()],
            Self::Int(i) => vec![i.to_string()],
            Self::List(items) => items.clone(),
        }
    }

    /// Go's `%+v`.
    fn render(&self) -> String {
        match self {
            Self::List(items) => format!("[{}]", items.join(" ")),
            other => other.strings().join(""),
        }
    }
}

/// One field error: a pod-relative path (`spec.containers[0].securityContext.privileged`).
#[derive(Debug, Clone, PartialEq)]
struct FieldError {
    field: String,
    required: bool,
    bad: BadValue,
}

/// A check that forbade the pod.
#[derive(Debug, Clone)]
struct Failed {
    id: &'static str,
    reason: String,
    errors: Vec<FieldError>,
}

/// Which checks run, at which version.
#[derive(Debug, Clone, Copy)]
struct Profile {
    /// Only baseline checks (any other level runs every check, as Kyverno does).
    baseline_only: bool,
    /// The policy's minor version, clamped to Kyverno's newest.
    minor: u32,
}

impl Profile {
    /// Kyverno's `ParseVersion`: empty and `latest` are the newest version.
    fn parse(spec: &Json) -> Result<Self, String> {
        let level = spec.get("level").and_then(Json::as_str).unwrap_or("");
        let version = spec.get("version").and_then(Json::as_str).unwrap_or("");
        let minor = match version {
            "" | "latest" => KYVERNO_LATEST_MINOR,
            v => v
                .parse::<PssVersion>()
                .map_err(|e| e.to_string())?
                .minor()
                .min(KYVERNO_LATEST_MINOR),
        };
        Ok(Self {
            baseline_only: level == PssLevel::Baseline.as_str(),
            minor,
        })
    }
}

/// Palisade's control for an upstream check ID.
fn control(id: &str) -> Option<&'static Control> {
    registry::all()
        .iter()
        .copied()
        .find(|c| c.pss.is_some_and(|p| p.upstream_id == id))
}

/// Runs the profile's checks on a pod (`{metadata, spec}`), each with its
/// field errors, in Kyverno's order. A check newer than the policy's
/// version runs at its first version: Kyverno selects the oldest version of
/// a check rather than skipping it.
fn evaluate(profile: Profile, pod: &Json) -> Vec<Failed> {
    let object = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "spec": pod.get("spec").filter(|s| s.is_object()).cloned().unwrap_or_else(|| json!({})),
    });
    let node = node_from_json(&object);
    let Some(spec) = PodSpec::find(&KubeObject { node: &node }) else {
        return Vec::new();
    };
    KYVERNO_CHECKS
        .iter()
        .filter_map(|id| {
            let control = control(id)?;
            let pss = control.pss?;
            if profile.baseline_only && pss.level != PssLevel::Baseline {
                return None;
            }
            let Check::Pod(check) = control.check else {
                return None;
            };
            let version = PssVersion::V1(profile.minor.max(pss.since));
            let result = check(&spec, version)?;
            let violations = match *id {
                "runAsNonRoot" => {
                    with_implicit_non_root(check, version, &object, result.violations)
                }
                _ => result.violations,
            };
            Some(Failed {
                id,
                reason: result.reason,
                errors: field_errors(id, &violations, &object),
            })
        })
        .collect()
}

/// The check of a pod spec at a version, as a control holds it.
type PodCheck = fn(&PodSpec<'_>, PssVersion) -> Option<palisade_controls::CheckResult>;

/// `runAsNonRoot` with the containers that leave it unset even when others
/// set it to `false`: upstream (and so the control) then reports only the
/// explicit `false`, Kyverno's fork reports both. The unset ones are the
/// control's own verdict on the pod with every `false` removed.
fn with_implicit_non_root(
    check: PodCheck,
    version: PssVersion,
    object: &Json,
    mut violations: Vec<Violation>,
) -> Vec<Violation> {
    if violations.iter().all(|v| at(object, &v.path).is_none()) {
        return violations;
    }
    let mut relaxed = object.clone();
    let mut contexts: Vec<&mut Json> = Vec::new();
    if let Some(spec) = relaxed.get_mut("spec").and_then(Json::as_object_mut) {
        for (key, value) in spec.iter_mut() {
            match key.as_str() {
                "securityContext" => contexts.push(value),
                "containers" | "initContainers" | "ephemeralContainers" => contexts.extend(
                    value
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.get_mut("securityContext")),
                ),
                _ => {}
            }
        }
    }
    for context in contexts.into_iter().filter_map(Json::as_object_mut) {
        if context.get("runAsNonRoot") == Some(&Json::Bool(false)) {
            context.remove("runAsNonRoot");
        }
    }
    let node = node_from_json(&relaxed);
    let Some(spec) = PodSpec::find(&KubeObject { node: &node }) else {
        return violations;
    };
    let unset: Vec<Violation> = check(&spec, version)
        .map(|r| r.violations)
        .unwrap_or_default()
        .into_iter()
        .filter(|v| at(object, &v.path).is_none())
        .collect();
    violations.extend(unset);
    violations
}

/// The value at a path of the pod; `null` is unset, as Go decodes it.
fn at<'a>(pod: &'a Json, path: &FieldPath) -> Option<&'a Json> {
    pod.pointer(&path.json_pointer()).filter(|v| !v.is_null())
}

fn parent(path: &FieldPath) -> FieldPath {
    let segments = path.segments();
    let keep = segments.len().saturating_sub(1);
    segments
        .iter()
        .take(keep)
        .fold(FieldPath::root(), |p, s| match s {
            Segment::Key(k) => p.key(k),
            Segment::Index(i) => p.index(*i),
        })
}

fn last_key(path: &FieldPath) -> Option<&str> {
    match path.segments().last() {
        Some(Segment::Key(k)) => Some(k),
        _ => None,
    }
}

/// A path as `field.Path` prints it: children dotted, indexes and
/// annotation keys in brackets.
fn render(path: &FieldPath) -> String {
    let mut out = String::new();
    let mut in_map = false;
    for segment in path.segments() {
        match segment {
            Segment::Key(k) if in_map => out.push_str(&format!("[{k}]")),
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
        in_map = matches!(segment, Segment::Key(k) if k == "annotations") && !in_map;
    }
    out
}

fn forbidden(path: &FieldPath, bad: BadValue) -> FieldError {
    FieldError {
        field: render(path),
        required: false,
        bad,
    }
}

fn required(path: &FieldPath) -> FieldError {
    FieldError {
        field: render(path),
        required: true,
        bad: BadValue::Empty,
    }
}

/// The fork's field errors for one check, from the control's violations.
/// Where the two differ in grain (one violation per capability, one field
/// error per container) the violations are regrouped.
fn field_errors(id: &str, violations: &[Violation], pod: &Json) -> Vec<FieldError> {
    match id {
        // The fork records no field errors for probes and hooks.
        "hostProbesAndHostLifecycle" => Vec::new(),
        "capabilities_baseline" => added_capabilities(violations.iter(), pod),
        "capabilities_restricted" => {
            let (drop, add): (Vec<&Violation>, Vec<&Violation>) = violations
                .iter()
                .partition(|v| last_key(&v.path) == Some("drop"));
            let mut errors: Vec<FieldError> = drop.iter().map(|v| dropped(&v.path, pod)).collect();
            errors.extend(added_capabilities(add.into_iter(), pod));
            errors
        }
        "seLinuxOptions" => violations
            .iter()
            .flat_map(|v| selinux(&v.path, pod))
            .collect(),
        _ => violations
            .iter()
            .map(|v| single(id, &v.path, pod))
            .collect(),
    }
}

/// One forbidden `capabilities.add` per container, with the sorted set of
/// the capabilities it may not add.
fn added_capabilities<'a>(
    violations: impl Iterator<Item = &'a Violation>,
    pod: &Json,
) -> Vec<FieldError> {
    let mut groups: Vec<(FieldPath, Vec<String>)> = Vec::new();
    for v in violations {
        let list = parent(&v.path);
        let cap = at(pod, &v.path)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        match groups.iter_mut().find(|(p, _)| *p == list) {
            Some((_, caps)) => caps.push(cap),
            None => groups.push((list, vec![cap])),
        }
    }
    groups
        .into_iter()
        .map(|(path, mut caps)| {
            caps.sort();
            caps.dedup();
            forbidden(&path, BadValue::List(caps))
        })
        .collect()
}

/// `capabilities.drop` without `ALL`: required when empty, else forbidden
/// with the sorted set of what it drops.
fn dropped(path: &FieldPath, pod: &Json) -> FieldError {
    let mut drops: Vec<String> = at(pod, path)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|d| d.as_str().map_or_else(|| d.to_string(), String::from))
        .collect();
    if drops.is_empty() {
        return required(path);
    }
    drops.sort();
    drops.dedup();
    forbidden(path, BadValue::List(drops))
}

/// The control names the first bad field of a setter's `seLinuxOptions`
/// (`type`, else `user`, else `role`); the fork has one error per bad field.
fn selinux(path: &FieldPath, pod: &Json) -> Vec<FieldError> {
    let options = parent(path);
    let keys: &[&str] = match last_key(path) {
        Some("type") => &["type", "user", "role"],
        Some("user") => &["user", "role"],
        _ => &["role"],
    };
    keys.iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let field = options.key(key);
            let value = at(pod, &field).and_then(Json::as_str).unwrap_or("");
            (i == 0 || !value.is_empty()).then(|| forbidden(&field, BadValue::text(value)))
        })
        .collect()
}

/// The field error of one violation that is one field error.
fn single(id: &str, path: &FieldPath, pod: &Json) -> FieldError {
    let value = at(pod, path);
    match id {
        "restrictedVolumes" if last_key(path).is_none() => {
            forbidden(&path.key("unknown"), BadValue::Empty)
        }
        "restrictedVolumes" => forbidden(path, BadValue::Empty),
        "hostPathVolumes" => forbidden(path, BadValue::of(value.and_then(|v| v.get("path")))),
        "seccompProfile_restricted" if last_key(path) == Some("seccompProfile") => {
            required(&path.key("type"))
        }
        "runAsNonRoot" if value.is_none() => required(path),
        "allowPrivilegeEscalation" => match value {
            None if at(pod, &parent(path)).is_none() => required(path),
            None => forbidden(path, BadValue::Text("nil".into())),
            Some(v) => forbidden(path, BadValue::of(Some(v))),
        },
        _ => forbidden(path, BadValue::of(value)),
    }
}

/// The pod Kyverno judges (`getSpec`): `{metadata, spec}` of a Pod, of a
/// workload's template, or of a CronJob (whose metadata is the job
/// template's, as Kyverno reads it).
fn kyverno_pod(resource: &Json) -> Option<Json> {
    let kind = resource.get("kind").and_then(Json::as_str).unwrap_or("");
    let (metadata, spec) = match kind {
        "Pod" => ("/metadata", "/spec"),
        "CronJob" => (
            "/spec/jobTemplate/metadata",
            "/spec/jobTemplate/spec/template/spec",
        ),
        k if TEMPLATE_KINDS.contains(&k) => ("/spec/template/metadata", "/spec/template/spec"),
        _ => return None,
    };
    let part = |p: &str| resource.pointer(p).cloned().unwrap_or_else(|| json!({}));
    Some(json!({"metadata": part(metadata), "spec": part(spec)}))
}

/// The pod an exclusion without images is judged on: the pod with one
/// bare container, so only pod-level fields fail (`GetPodWithMatchingContainers`).
fn pod_level_probe(pod: &Json) -> Json {
    let mut probe = pod.clone();
    if let Some(spec) = probe.get_mut("spec").and_then(Json::as_object_mut) {
        spec.insert("containers".into(), json!([{"name": "fake"}]));
        spec.remove("initContainers");
        spec.remove("ephemeralContainers");
    }
    probe
}

/// The pod an exclusion with images is judged on: only the containers whose
/// image matches, with nothing of the pod but its name and namespace.
fn matching_probe(pod: &Json, images: &[String]) -> Json {
    let mut metadata = Map::new();
    for key in ["name", "namespace"] {
        if let Some(v) = pod.get("metadata").and_then(|m| m.get(key)) {
            metadata.insert(key.into(), v.clone());
        }
    }
    let mut spec = Map::new();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let matching: Vec<Json> = pod
            .get("spec")
            .and_then(|s| s.get(list))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|c| {
                let image = c.get("image").and_then(Json::as_str).unwrap_or("");
                images.iter().any(|p| crate::wildcards::matches(p, image))
            })
            .cloned()
            .collect();
        if !matching.is_empty() {
            spec.insert(list.into(), Json::Array(matching));
        }
    }
    json!({"metadata": metadata, "spec": spec})
}

/// A field error's field with every number starred, and, for a container's
/// field when containers are compared, the container's name in `pod`.
#[derive(Debug)]
struct Located {
    field: String,
    container: Option<String>,
}

/// `parseField` (or the bare starring of a pod-level exclusion).
fn locate(error: &FieldError, pod: Option<&Json>) -> Located {
    let field = star_numbers(&error.field);
    let Some(pod) = pod else {
        return Located {
            field,
            container: None,
        };
    };
    let words: Vec<&str> = error
        .field
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let list = words.get(1).copied().unwrap_or("");
    if !matches!(
        list,
        "containers" | "initContainers" | "ephemeralContainers"
    ) {
        return Located {
            field,
            container: None,
        };
    }
    let index: usize = error
        .field
        .split(|c: char| !c.is_ascii_digit())
        .find(|n| !n.is_empty())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let name = pod
        .get("spec")
        .and_then(|s| s.get(list))
        .and_then(|l| l.get(index))
        .and_then(|c| c.get("name"))
        .and_then(Json::as_str)
        .unwrap_or("");
    Located {
        field,
        container: Some(name.to_string()),
    }
}

/// Go's `regexp.MustCompile(`\d+`).ReplaceAllString(field, "*")`.
fn star_numbers(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut in_number = false;
    for c in field.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('*');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// `ApplyPodSecurityExclusion`: each exclusion judges its probe pod, and
/// every field error of it that the exclusion covers removes one matching
/// field error of the pod's (a check left without errors no longer fails).
fn apply_exclusions(
    profile: Profile,
    exclusions: &[Exclusion],
    mut failed: Vec<Failed>,
    pod: &Json,
) -> Vec<Failed> {
    for exclusion in exclusions {
        if exclusion.images.is_empty() {
            let found = evaluate(profile, &pod_level_probe(pod));
            exempt(&mut failed, &found, exclusion, None);
        } else {
            let matching = matching_probe(pod, &exclusion.images);
            let found = evaluate(profile, &matching);
            exempt(&mut failed, &found, exclusion, Some((pod, &matching)));
        }
    }
    failed
}

/// `exemptExclusions`; `containers` is `(pod, probe)` for an exclusion by
/// images, whose container fields also compare container names.
fn exempt(
    failed: &mut Vec<Failed>,
    found: &[Failed],
    exclusion: &Exclusion,
    containers: Option<(&Json, &Json)>,
) {
    let ids = control_ids(&exclusion.control_name);
    for result in found.iter().filter(|r| ids.contains(&r.id)) {
        for error in &result.errors {
            let excluded = locate(error, containers.map(|(_, probe)| probe));
            if !exclusion.restricted_field.is_empty()
                && excluded.field != exclusion.restricted_field
            {
                continue;
            }
            let covered = error.bad.strings().iter().all(|bad| {
                exclusion.values.is_empty()
                    || exclusion
                        .values
                        .iter()
                        .any(|p| crate::wildcards::matches(p, bad))
            });
            if covered {
                remove_one(failed, result.id, &excluded, containers.map(|(pod, _)| pod));
            }
        }
    }
}

/// Removes the first field error of check `id` that `excluded` names (Go's
/// swap-remove), and the check once it has none.
fn remove_one(failed: &mut Vec<Failed>, id: &str, excluded: &Located, pod: Option<&Json>) {
    let Some(position) = failed.iter().position(|f| f.id == id) else {
        return;
    };
    let Some(check) = failed.get_mut(position) else {
        return;
    };
    let hit = check.errors.iter().position(|e| {
        let own = locate(e, pod);
        own.field == excluded.field
            && own
                .container
                .as_deref()
                .is_none_or(|name| excluded.container.as_deref().unwrap_or("") == name)
    });
    if let Some(index) = hit {
        check.errors.swap_remove(index);
    }
    if check.errors.is_empty() {
        failed.remove(position);
    }
}

/// `convertChecks`: fields as paths of the resource, not of its pod.
fn resource_field(field: &str, kind: &str) -> String {
    let field = if TEMPLATE_KINDS.contains(&kind) {
        field.replace("spec", "spec.template.spec")
    } else if kind == "CronJob" {
        field.replace("spec", "spec.jobTemplate.spec.template.spec")
    } else {
        field.to_string()
    };
    field.replace("metadata", "spec.template.metadata")
}

/// `FormatChecksPrint`.
fn format_checks(failed: &[Failed], kind: &str) -> String {
    failed
        .iter()
        .map(|check| {
            let errors: Vec<String> = check
                .errors
                .iter()
                .map(|e| {
                    let field = resource_field(&e.field, kind);
                    match (&e.bad, e.required) {
                        (_, true) => format!("{field}: Required value"),
                        (BadValue::Empty, false) => format!("{field}: Forbidden"),
                        (bad, false) => format!(
                            "{field} is forbidden, forbidden values found: {}",
                            bad.render()
                        ),
                    }
                })
                .collect();
            format!(
                "(Forbidden reason: {}, field error list: [{}])",
                check.reason,
                errors.join(", ")
            )
        })
        .collect()
}

fn respond(rule: &str, status: Status, message: impl Into<String>) -> Option<RuleResponse> {
    Some(RuleResponse {
        rule: rule.to_string(),
        status,
        message: message.into(),
        path: String::new(),
    })
}

/// A `validate.podSecurity` rule on the request in `ctx`, after its
/// `context` and preconditions (as any validate rule). `exceptions` are the
/// PolicyExceptions that matched, all with `podSecurity` exemptions (one
/// without skips the rule before this). `None` on DELETE, which Kyverno
/// does not judge.
pub(crate) fn validate(
    name: &str,
    rule: &Json,
    ctx: &mut Context,
    exceptions: &[&Exception],
) -> Option<RuleResponse> {
    if ctx.operation() == "DELETE" {
        return None;
    }
    if let Some(entries) = rule.get("context").and_then(Json::as_array) {
        load_context(ctx, entries);
    }
    match rule.get("preconditions").map(|p| any_all::evaluate(ctx, p)) {
        Some(Err(e)) => return condition_error(name, &e),
        Some(Ok((false, message))) => {
            let text = if message.is_empty() {
                "preconditions not met".to_string()
            } else {
                format!("preconditions not met; {message}")
            };
            return respond(name, Status::Skip, text);
        }
        _ => {}
    }
    let spec = rule.pointer("/validate/podSecurity").unwrap_or(&Json::Null);
    let object = ctx.query("request.object").unwrap_or(Json::Null);
    judge(name, spec, &object, exceptions)
}

fn condition_error(name: &str, error: &ConditionError) -> Option<RuleResponse> {
    let unavailable = matches!(
        error,
        ConditionError::Substitution { source, .. } if matches!(source.source, QueryError::Unavailable(_))
    );
    let status = if unavailable {
        Status::NotEvaluated
    } else {
        Status::Error
    };
    respond(
        name,
        status,
        format!("failed to evaluate preconditions: {error}"),
    )
}

/// The verdict of the rule's `podSecurity` block on the resource.
fn judge(
    name: &str,
    spec: &Json,
    resource: &Json,
    exceptions: &[&Exception],
) -> Option<RuleResponse> {
    let Some(pod) = kyverno_pod(resource) else {
        return respond(
            name,
            Status::Error,
            "Error while getting new resource: could not find correct resource type",
        );
    };
    let profile = match Profile::parse(spec) {
        Ok(p) => p,
        Err(e) => {
            return respond(
                name,
                Status::Error,
                format!("failed to parse pod security api version: {e}"),
            );
        }
    };
    let failed = evaluate(profile, &pod);
    let failed = apply_exclusions(profile, &Exclusion::list(spec.get("exclude")), failed, &pod);
    if failed.is_empty() {
        return respond(
            name,
            Status::Pass,
            format!("Validation rule '{name}' passed."),
        );
    }
    let excepted: Vec<Exclusion> = exceptions
        .iter()
        .flat_map(|e| e.pod_security.iter().cloned())
        .collect();
    let failed = apply_exclusions(profile, &excepted, failed, &pod);
    if failed.is_empty() {
        let keys: Vec<String> = exceptions.iter().map(|e| e.key()).collect();
        return respond(
            name,
            Status::Skip,
            format!(
                "rule is skipped due to policy exceptions {}",
                keys.join(", ")
            ),
        );
    }
    let text = |key: &str| spec.get(key).and_then(Json::as_str).unwrap_or("");
    let kind = resource.get("kind").and_then(Json::as_str).unwrap_or("");
    respond(
        name,
        Status::Fail,
        format!(
            "Validation rule '{name}' failed. It violates PodSecurity \"{}:{}\": {}",
            text("level"),
            text("version"),
            format_checks(&failed, kind)
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use serde_json::{Value as Json, json};

    use crate::engine::{self, Request};
    use crate::exception::Exception;
    use crate::policy::Policy;
    use crate::validate::{RuleResponse, Status};

    fn policy(pod_security: Json) -> Policy {
        Policy::from_json(&json!({
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {"name": "psa"},
            "spec": {"rules": [{
                "name": "r",
                "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                "validate": {"podSecurity": pod_security}
            }]}
        }))
        .unwrap()
    }

    fn run(policy: &Policy, object: &Json, exceptions: &[Exception]) -> Vec<RuleResponse> {
        let request = Request {
            object: Some(object),
            ..Request::default()
        };
        engine::validate(policy, &request, exceptions)
    }

    fn one(pod_security: Json, object: &Json) -> RuleResponse {
        let mut responses = run(&policy(pod_security), object, &[]);
        assert_eq!(responses.len(), 1, "{responses:?}");
        responses.remove(0)
    }

    fn pod(spec: Json) -> Json {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
    }

    const RESTRICTED: &str = r#"{"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}"#;

    fn restricted_context() -> Json {
        serde_json::from_str(RESTRICTED).unwrap()
    }

    #[test]
    fn a_hardened_pod_passes() {
        let object = pod(
            json!({"containers": [{"name": "app", "image": "nginx", "securityContext": restricted_context()}]}),
        );
        let response = one(json!({"level": "restricted", "version": "latest"}), &object);
        assert_eq!(response.status, Status::Pass);
        assert_eq!(response.message, "Validation rule 'r' passed.");
        assert_eq!(response.path, "");
    }

    /// The message of Kyverno's own conformance test
    /// (`test-report-background-mode`), extended to every failing check.
    #[test]
    fn a_bare_pod_fails_with_kyvernos_message() {
        let object = pod(json!({"containers": [{"name": "app", "image": "nginx"}]}));
        let response = one(json!({"level": "restricted", "version": "latest"}), &object);
        assert_eq!(response.status, Status::Fail);
        assert_eq!(
            response.message,
            "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": \
             (Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation: Required value])\
             (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])\
             (Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot: Required value])\
             (Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])"
        );
    }

    #[test]
    fn baseline_reports_bad_values() {
        let object = pod(json!({
            "hostNetwork": true,
            "containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_TIME", "NET_ADMIN", "CHOWN"]}}}],
            "volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]
        }));
        let response = one(json!({"level": "baseline", "version": "latest"}), &object);
        assert_eq!(response.status, Status::Fail);
        assert_eq!(
            response.message,
            "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": \
             (Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN SYS_TIME]])\
             (Forbidden reason: host namespaces, field error list: [spec.hostNetwork is forbidden, forbidden values found: true])\
             (Forbidden reason: hostPath volumes, field error list: [spec.volumes[0].hostPath is forbidden, forbidden values found: /etc])\
             (Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"
        );
    }

    fn two_containers() -> Json {
        pod(json!({"containers": [
            {"name": "web", "image": "nginx:1.27", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}},
            {"name": "tool", "image": "busybox", "securityContext": {"capabilities": {"add": ["SYS_TIME"]}}}
        ]}))
    }

    #[test]
    fn exclusion_by_control_and_images() {
        let exclude = |images: Json| json!({"level": "baseline", "version": "latest", "exclude": [{"controlName": "Capabilities", "images": images}]});
        let response = one(exclude(json!(["nginx*"])), &two_containers());
        assert_eq!(response.status, Status::Fail);
        assert!(
            response.message.ends_with("[spec.containers[1].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_TIME]])"),
            "{}",
            response.message
        );
        assert!(!response.message.contains("NET_ADMIN"));
        let response = one(exclude(json!(["nginx*", "busy*"])), &two_containers());
        assert_eq!(response.status, Status::Pass);
        // Another control's name exempts nothing.
        let other = json!({"level": "baseline", "exclude": [{"controlName": "Host Ports", "images": ["*"]}]});
        assert_eq!(one(other, &two_containers()).status, Status::Fail);
    }

    #[test]
    fn exclusion_by_restricted_field_and_values() {
        let object = pod(json!({
            "containers": [{"name": "app", "image": "nginx"}],
            "volumes": [{"name": "h", "hostPath": {"path": "/var/lib1"}}]
        }));
        let exclude = |field: &str, value: &str| {
            json!({"level": "baseline", "version": "latest", "exclude": [
                {"controlName": "HostPath Volumes", "restrictedField": field, "values": [value]}
            ]})
        };
        assert_eq!(
            one(exclude("spec.volumes[*].hostPath", "/var/lib*"), &object).status,
            Status::Pass
        );
        assert_eq!(
            one(exclude("spec.volumes[*].hostPath", "/etc"), &object).status,
            Status::Fail
        );
        assert_eq!(
            one(exclude("spec.volumes[*].nfs", "/var/lib1"), &object).status,
            Status::Fail
        );
        // Container fields, narrowed by images too.
        let caps = json!({"level": "baseline", "exclude": [{
            "controlName": "Capabilities", "images": ["*"],
            "restrictedField": "spec.containers[*].securityContext.capabilities.add",
            "values": ["NET_*", "SYS_TIME"]
        }]});
        assert_eq!(one(caps, &two_containers()).status, Status::Pass);
        let caps = json!({"level": "baseline", "exclude": [{
            "controlName": "Capabilities", "images": ["*"],
            "restrictedField": "spec.containers[*].securityContext.capabilities.add",
            "values": ["NET_*"]
        }]});
        let response = one(caps, &two_containers());
        assert_eq!(response.status, Status::Fail);
        assert!(
            response.message.contains("[SYS_TIME]"),
            "{}",
            response.message
        );
    }

    #[test]
    fn version_pinning() {
        let object = pod(json!({
            "securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_reserved_ports", "value": "30000"}]},
            "containers": [{"name": "app", "image": "nginx"}]
        }));
        let at = |version: &str| one(json!({"level": "baseline", "version": version}), &object);
        let old = at("v1.26");
        assert_eq!(old.status, Status::Fail);
        assert!(old.message.starts_with("Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.26\": (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.ip_local_reserved_ports])"), "{}", old.message);
        assert_eq!(at("v1.27").status, Status::Pass);
        assert_eq!(at("latest").status, Status::Pass);
        let bad = at("v2.0");
        assert_eq!(bad.status, Status::Error);
        assert!(
            bad.message
                .starts_with("failed to parse pod security api version")
        );
        // A check newer than the policy's version still runs, at its first
        // version, as Kyverno selects it: `runAsUser` (v1.23) at v1.0.
        let root = pod(json!({"securityContext": {"runAsUser": 0},
            "containers": [{"name": "app", "image": "nginx", "securityContext": restricted_context()}]}));
        let response = one(json!({"level": "restricted", "version": "v1.0"}), &root);
        assert_eq!(response.status, Status::Fail);
        assert!(response.message.ends_with("(Forbidden reason: runAsUser=0, field error list: [spec.securityContext.runAsUser is forbidden, forbidden values found: 0])"), "{}", response.message);
    }

    #[test]
    fn a_deployment_is_judged_by_its_template() {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {"template": {"metadata": {"labels": {"app": "d"}}, "spec": {
                "containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": true}}]
            }}}
        });
        let responses = run(
            &policy(json!({"level": "baseline", "version": "latest"})),
            &deployment,
            &[],
        );
        assert_eq!(responses.len(), 1, "{responses:?}");
        assert_eq!(responses[0].rule, "autogen-r");
        assert_eq!(responses[0].status, Status::Fail);
        assert!(responses[0].message.ends_with(": (Forbidden reason: privileged, field error list: [spec.template.spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"), "{}", responses[0].message);
        let fixed = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}
        });
        let responses = run(
            &policy(json!({"level": "baseline", "version": "latest"})),
            &fixed,
            &[],
        );
        assert_eq!(responses[0].status, Status::Pass);
    }

    fn exception(name: &str, pod_security: Option<Json>) -> Exception {
        let mut spec = json!({
            "exceptions": [{"policyName": "psa", "ruleNames": ["r"]}],
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}
        });
        if let Some(p) = pod_security {
            spec["podSecurity"] = p;
        }
        Exception::from_json(&json!({
            "apiVersion": "kyverno.io/v2", "kind": "PolicyException",
            "metadata": {"name": name, "namespace": "kyverno"}, "spec": spec
        }))
        .unwrap()
    }

    /// Kyverno's `Test_PSS_PolicyExceptions_Skip`: two exceptions, each
    /// exempting one init container's capabilities.
    #[test]
    fn exceptions_with_pod_security_exempt_controls() {
        let object = pod(json!({
            "containers": [{"name": "primary", "image": "alpine:latest"}],
            "initContainers": [
                {"name": "init1", "image": "alpine:latest", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}}},
                {"name": "init2", "image": "busybox:latest", "securityContext": {"capabilities": {"add": ["SYS_TIME"], "drop": ["ALL"]}}}
            ]
        }));
        let p = policy(json!({"level": "baseline", "version": "v1.29"}));
        let exempting = |image: &str, values: Json| {
            Some(json!([{"controlName": "Capabilities", "images": [image],
                "restrictedField": "spec.initContainers[*].securityContext.capabilities.add", "values": values}]))
        };
        let first = exception(
            "init1",
            exempting("alpine:latest", json!(["NET_ADMIN", "NET_RAW"])),
        );
        let second = exception("init2", exempting("busybox:latest", json!(["SYS_TIME"])));
        let responses = run(&p, &object, &[first.clone(), second]);
        assert_eq!(responses[0].status, Status::Skip);
        assert_eq!(
            responses[0].message,
            "rule is skipped due to policy exceptions kyverno/init1, kyverno/init2"
        );
        let responses = run(&p, &object, std::slice::from_ref(&first));
        assert_eq!(responses[0].status, Status::Fail);
        assert_eq!(
            responses[0].message,
            "Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.29\": (Forbidden reason: non-default capabilities, field error list: [spec.initContainers[1].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_TIME]])"
        );
        // An exception without podSecurity skips the whole rule.
        let responses = run(&p, &object, &[first, exception("all", None)]);
        assert_eq!(responses[0].status, Status::Skip);
        assert_eq!(
            responses[0].message,
            "rule is skipped due to policy exception kyverno/all"
        );
    }

    #[test]
    fn preconditions_and_other_kinds() {
        let p = Policy::from_json(&json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "psa"},
            "spec": {"rules": [{
                "name": "r",
                "match": {"any": [{"resources": {"kinds": ["Pod", "ConfigMap"]}}]},
                "preconditions": {"all": [{"key": "{{ request.object.metadata.name }}", "operator": "NotEquals", "value": "skipped"}]},
                "validate": {"podSecurity": {"level": "baseline"}}
            }]}
        }))
        .unwrap();
        let mut skipped = pod(
            json!({"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": true}}]}),
        );
        skipped["metadata"]["name"] = json!("skipped");
        let responses = run(&p, &skipped, &[]);
        assert_eq!(responses[0].status, Status::Skip);
        assert!(responses[0].message.starts_with("preconditions not met"));
        let config_map =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let responses = run(&p, &config_map, &[]);
        assert_eq!(responses[0].status, Status::Error);
    }

    /// Kyverno's `restricted_runAsNonRoot_defines_all_violate_multiple_container`:
    /// the fork reports unset `runAsNonRoot` beside an explicit `false`, so
    /// one pod-level exemption (one error, the first that matches) leaves the
    /// others failing.
    #[test]
    fn run_as_non_root_reports_explicit_and_unset() {
        let object = pod(json!({"securityContext": null, "containers": [
            {"name": "a", "image": "nginx", "securityContext": null},
            {"name": "b", "image": "nginx", "securityContext": {"runAsNonRoot": false}}
        ]}));
        let response = one(json!({"level": "restricted", "version": "v1.24"}), &object);
        assert!(response.message.contains("(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[1].securityContext.runAsNonRoot is forbidden, forbidden values found: false, spec.containers[0].securityContext.runAsNonRoot: Required value])"), "{}", response.message);
        assert!(response.message.contains("[spec.containers[0].securityContext.allowPrivilegeEscalation: Required value, spec.containers[1].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil]"), "{}", response.message);
        let exempt = json!({"level": "restricted", "version": "v1.24", "exclude": [
            {"controlName": "Running as Non-root"},
            {"controlName": "Privilege Escalation", "images": ["nginx"]},
            {"controlName": "Capabilities", "images": ["nginx"]},
            {"controlName": "Seccomp", "images": ["nginx"]}
        ]});
        let response = one(exempt, &object);
        assert_eq!(response.status, Status::Fail);
        assert!(response.message.ends_with("(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot: Required value])"), "{}", response.message);
    }

    #[test]
    fn field_helpers_follow_go() {
        assert_eq!(
            super::star_numbers("spec.containers[10].ports[2].hostPort"),
            "spec.containers[*].ports[*].hostPort"
        );
        let path = palisade_model::FieldPath::root().keys(&[
            "metadata",
            "annotations",
            "container.apparmor.security.beta.kubernetes.io/app",
        ]);
        assert_eq!(
            super::render(&path),
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
        );
    }
}
