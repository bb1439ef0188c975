//! `appArmorProfile`: AppArmor profiles that switch confinement off.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, PssLevel, Severity};

use super::format::{go_quote, plural, quote_list, setters, sorted_set};
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "forbidden-apparmor-profile",
        title: "AppArmor profile overridden or disabled",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "appArmorProfile",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

const DOCS: &str = r#"## What it does
Flags an `appArmorProfile` (pod or container) whose `type` is not `RuntimeDefault` or `Localhost`, and any `container.apparmor.security.beta.kubernetes.io/*` annotation whose value is not empty, `runtime/default` or `localhost/*`.

## Why is this bad?
AppArmor confines what a process may do even as root (mount, ptrace, write to `/proc`). `Unconfined` removes that confinement and makes kernel-level escapes easier.

## How to fix
Leave the profile unset (the runtime default applies), or set `type: RuntimeDefault` or a `Localhost` profile loaded on the nodes.

## Example
```yaml
securityContext:
  appArmorProfile:
    type: Unconfined
```
Use instead:
```yaml
securityContext:
  appArmorProfile:
    type: RuntimeDefault
```

## References
- Kubernetes docs, "Restrict a Container's Access to Resources with AppArmor"
- CWE-693: Protection Mechanism Failure
"#;

fn bad_type(profile: Option<&Node>) -> Option<String> {
    let profile = profile?;
    let kind = profile.get("type").map(text).unwrap_or_default();
    (!matches!(kind.as_str(), "RuntimeDefault" | "Localhost")).then_some(kind)
}

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    let mut violations = Vec::new();
    let mut types = Vec::new();
    let pod_bad = match bad_type(pod_field(pod, &["appArmorProfile"])) {
        Some(kind) => {
            violations.push((
                pod_path(pod, &["appArmorProfile", "type"]),
                None,
                kind.clone(),
            ));
            types.push(kind);
            true
        }
        None => false,
    };
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(kind) = bad_type(own(c, &["appArmorProfile"])) {
            names.push(c.name);
            violations.push((
                own_path(c, &["appArmorProfile", "type"]),
                Some(c),
                kind.clone(),
            ));
            types.push(kind);
        }
    }
    let mut annotations = Vec::new();
    for entry in pod.annotations() {
        if !entry.key.starts_with(ANNOTATION_PREFIX) {
            continue;
        }
        let value = text(&entry.value);
        if value.is_empty() || value == "runtime/default" || value.starts_with("localhost/") {
            continue;
        }
        let rendered = format!("{}={}", entry.key, go_quote(&value));
        violations.push((
            pod.metadata_path.key("annotations").key(&entry.key),
            None,
            rendered.clone(),
        ));
        annotations.push(rendered);
    }
    if violations.is_empty() {
        return None;
    }
    let mut bad_values = sorted_set(&types);
    bad_values.extend(sorted_set(&annotations));
    let reason = plural(
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
        bad_values.len(),
    );
    let mut who = setters(pod_bad, &names);
    if !annotations.is_empty() {
        let word = plural("annotation", "annotations", annotations.len());
        who = if who.is_empty() {
            word.to_owned()
        } else {
            format!("{who} and {word}")
        };
    }
    let detail = format!(
        "{who} must not set AppArmor profile type to {}",
        quote_list(&bad_values)
    );
    let violations = violations
        .into_iter()
        .map(|(path, container, value)| {
            let who = match container {
                Some(c) => setters(false, &[c.name]),
                None if value.starts_with(ANNOTATION_PREFIX) => "annotation".to_owned(),
                None => "pod".to_owned(),
            };
            let detail = format!(
                "{who} must not set AppArmor profile type to {}",
                quote_list(&[&value])
            );
            match container {
                Some(c) => container_violation(c, path, "forbidden AppArmor profile", &detail),
                None => pod_violation(path, "forbidden AppArmor profile", &detail),
            }
        })
        .collect();
    Some(CheckResult {
        reason: reason.to_owned(),
        detail,
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  securityContext: {appArmorProfile: {type: Unconfined}}\n  containers:\n  - {name: a, securityContext: {appArmorProfile: {type: Unconfined}}}\n  - {name: b, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"forbidden AppArmor profile (pod and container "a" must not set AppArmor profile type to "Unconfined")"#
        );
        let body = "metadata:\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/app: unconfined\n    container.apparmor.security.beta.kubernetes.io/b: ''\n    container.apparmor.security.beta.kubernetes.io/c: localhost/x\nspec:\n  containers: [{name: app}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")"#
        );
        let body = "spec:\n  containers: [{name: a, securityContext: {appArmorProfile: {type: ''}}}, {name: b, securityContext: {appArmorProfile: {type: runtimedefault}}}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"forbidden AppArmor profiles (containers "a", "b" must not set AppArmor profile type to "", "runtimedefault")"#
        );
    }
}
