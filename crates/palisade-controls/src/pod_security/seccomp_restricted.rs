//! `seccompProfile_restricted`: containers without a seccomp profile.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{containers_phrase, quote_list, setters, sorted_set};
use super::seccomp_baseline::bad_type;
use super::version::{V1_19_SECCOMP_FIELDS, V1_25_WINDOWS_EXEMPT};
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "missing-seccomp-profile",
        title: "Container runs without a RuntimeDefault or Localhost seccomp profile",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "seccompProfile_restricted",
        level: PssLevel::Restricted,
        since: V1_19_SECCOMP_FIELDS,
        overrides: Some("seccompProfile_baseline"),
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers that neither set `seccompProfile.type` to `RuntimeDefault` or `Localhost` themselves nor inherit such a profile from the pod's `securityContext`, and any profile (pod or container) set to another type (policy version v1.19 and later). From v1.25, Windows pods (`spec.os.name: windows`) are exempt.

## Why is this bad?
Without a profile, many runtimes run containers `Unconfined`: every system call of the kernel is reachable, including those used by known container escapes.

## How to fix
Set `seccompProfile.type: RuntimeDefault` in the pod's `securityContext`; it applies to every container.

## Example
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```
Use instead:
```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- CWE-693: Protection Mechanism Failure
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "seccompProfile";
    if !version.at_least(V1_19_SECCOMP_FIELDS)
        || (version.at_least(V1_25_WINDOWS_EXEMPT) && pod.is_windows())
    {
        return None;
    }
    let pod_profile = pod_field(pod, &["seccompProfile"]);
    let pod_bad = bad_type(pod_profile);
    let pod_valid = pod_profile.is_some() && pod_bad.is_none();
    let mut bad_types = Vec::new();
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut explicit_violations = Vec::new();
    let mut implicit_violations = Vec::new();
    let must_not = |who: &str, kind: &str| {
        format!(
            "{who} must not set securityContext.seccompProfile.type to {}",
            quote_list(&[kind])
        )
    };
    if let Some(kind) = &pod_bad {
        explicit_violations.push(pod_violation(
            pod_path(pod, &["seccompProfile", "type"]),
            REASON,
            &must_not("pod", kind),
        ));
        bad_types.push(kind.clone());
    }
    for c in &pod.containers {
        match own(c, &["seccompProfile"]) {
            Some(profile) => {
                if let Some(kind) = bad_type(Some(profile)) {
                    let detail = must_not(&containers_phrase(&[c.name]), &kind);
                    explicit_violations.push(container_violation(
                        c,
                        own_path(c, &["seccompProfile", "type"]),
                        REASON,
                        &detail,
                    ));
                    explicit.push(c.name);
                    bad_types.push(kind);
                }
            }
            None if pod_valid => {}
            None => {
                let detail = format!(
                    "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                    containers_phrase(&[c.name])
                );
                implicit_violations.push(container_violation(
                    c,
                    own_path(c, &["seccompProfile"]),
                    REASON,
                    &detail,
                ));
                implicit.push(c.name);
            }
        }
    }
    // An explicitly bad profile takes precedence over a missing one, as upstream.
    CheckResult::from_violations(REASON, explicit_violations, || {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad.is_some(), &explicit),
            quote_list(&sorted_set(&bad_types))
        )
    })
    .or_else(|| {
        CheckResult::from_violations(REASON, implicit_violations, || {
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicit)
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let missing = "spec:\n  containers: [{name: app}]\n";
        assert_eq!(
            verdict(&CONTROL, missing, "latest"),
            r#"seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        );
        assert_eq!(verdict(&CONTROL, missing, "v1.18"), "allowed");
        let inherited = "spec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: Unconfined}}}]\n";
        assert_eq!(
            verdict(&CONTROL, inherited, "latest"),
            r#"seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined")"#
        );
        let pod_bad = "spec:\n  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: Localhost}}}]\n";
        assert_eq!(
            verdict(&CONTROL, pod_bad, "latest"),
            r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  os: {name: windows}\n  containers: [{name: a}]\n",
                "v1.25"
            ),
            "allowed"
        );
    }
}
