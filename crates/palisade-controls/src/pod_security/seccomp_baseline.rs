//! `seccompProfile_baseline`: seccomp explicitly disabled (annotations before
//! v1.19, fields from v1.19).

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, PssLevel, Severity};

use super::format::{go_quote, plural, quote_list, setters, sorted_set};
use super::version::V1_19_SECCOMP_FIELDS;
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "forbidden-seccomp-profile",
        title: "Seccomp profile set to Unconfined",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "seccompProfile_baseline",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

const DOCS: &str = r#"## What it does
Flags a `seccompProfile` (pod or container) whose `type` is not `RuntimeDefault` or `Localhost`. Before policy version v1.19, checks the `seccomp.security.alpha.kubernetes.io/pod` and `container.seccomp.security.alpha.kubernetes.io/<name>` annotations instead, which must be `runtime/default`, `docker/default` or `localhost/*`.

## Why is this bad?
Seccomp filters the system calls a container may make; the runtime's default profile blocks the calls used by most kernel exploits. `Unconfined` exposes the whole kernel attack surface.

## How to fix
Set `seccompProfile.type: RuntimeDefault` (or a `Localhost` profile), or leave it unset.

## Example
```yaml
securityContext:
  seccompProfile:
    type: Unconfined
```
Use instead:
```yaml
securityContext:
  seccompProfile:
    type: RuntimeDefault
```

## References
- CWE-693: Protection Mechanism Failure
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    if version.at_least(V1_19_SECCOMP_FIELDS) {
        fields(pod)
    } else {
        annotations(pod)
    }
}

fn annotations(pod: &PodSpec<'_>) -> Option<CheckResult> {
    const REASON: &str = "seccompProfile";
    let allowed =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let annotation = |key: &str| pod.annotations().iter().rev().find(|e| e.key == key);
    let mut keys = vec![POD_ANNOTATION.to_owned()];
    keys.extend(
        pod.containers
            .iter()
            .map(|c| format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name)),
    );
    let mut items = Vec::new();
    let mut violations = Vec::new();
    for key in keys {
        let Some(entry) = annotation(&key) else {
            continue;
        };
        let value = text(&entry.value);
        if allowed(&value) {
            continue;
        }
        let item = format!("{key}={}", go_quote(&value));
        violations.push(Violation {
            container: key
                .strip_prefix(CONTAINER_ANNOTATION_PREFIX)
                .map(str::to_owned),
            path: pod.metadata_path.key("annotations").key(&key),
            message: format!("{REASON} (forbidden annotation {item})"),
        });
        items.push(item);
    }
    CheckResult::from_violations(REASON, violations, || {
        let items = sorted_set(&items);
        format!(
            "{} {}",
            plural("forbidden annotation", "forbidden annotations", items.len()),
            items.join(", ")
        )
    })
}

/// A profile set with a type other than `RuntimeDefault` or `Localhost`.
pub(crate) fn bad_type(profile: Option<&Node>) -> Option<String> {
    let kind = profile?.get("type").map(text).unwrap_or_default();
    (!matches!(kind.as_str(), "RuntimeDefault" | "Localhost")).then_some(kind)
}

fn fields(pod: &PodSpec<'_>) -> Option<CheckResult> {
    const REASON: &str = "seccompProfile";
    let mut types = Vec::new();
    let mut violations = Vec::new();
    let detail_for = |who: &str, kind: &str| {
        format!(
            "{who} must not set securityContext.seccompProfile.type to {}",
            quote_list(&[kind])
        )
    };
    let pod_bad = match bad_type(pod_field(pod, &["seccompProfile"])) {
        Some(kind) => {
            violations.push(pod_violation(
                pod_path(pod, &["seccompProfile", "type"]),
                REASON,
                &detail_for("pod", &kind),
            ));
            types.push(kind);
            true
        }
        None => false,
    };
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(kind) = bad_type(own(c, &["seccompProfile"])) {
            let who = setters(false, &[c.name]);
            violations.push(container_violation(
                c,
                own_path(c, &["seccompProfile", "type"]),
                REASON,
                &detail_for(&who, &kind),
            ));
            names.push(c.name);
            types.push(kind);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &names),
            quote_list(&sorted_set(&types))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn fields_from_v1_19() {
        let body = "metadata:\n  annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}\nspec:\n  securityContext: {seccompProfile: {type: Unconfined}}\n  containers:\n  - {name: a, securityContext: {seccompProfile: {type: ''}}}\n  - {name: b}\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.19"),
            r#"seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "", "Unconfined")"#
        );
        assert_eq!(
            verdict(&CONTROL, body, "v1.18"),
            r#"seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
        );
    }

    #[test]
    fn annotations_before_v1_19() {
        let body = "metadata:\n  annotations:\n    container.seccomp.security.alpha.kubernetes.io/a: ''\n    container.seccomp.security.alpha.kubernetes.io/b: docker/default\n    container.seccomp.security.alpha.kubernetes.io/zz: unconfined\n    container.seccomp.security.alpha.kubernetes.io/c: unconfined\nspec:\n  containers: [{name: a}, {name: b}, {name: c}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.0"),
            r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="", container.seccomp.security.alpha.kubernetes.io/c="unconfined")"#
        );
    }
}
