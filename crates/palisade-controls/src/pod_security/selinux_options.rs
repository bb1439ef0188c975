//! `seLinuxOptions`: SELinux types, users and roles outside the container domains.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, FieldPath, Node, PssLevel, Severity};

use super::format::{plural, quote_list, setters, sorted_set};
use super::version::V1_31_SELINUX_ENGINE_TYPE;
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "forbidden-selinux-options",
        title: "SELinux type, user or role set outside the container domains",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "seLinuxOptions",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags `seLinuxOptions` (pod or container) whose `type` is not empty, `container_t`, `container_init_t` or `container_kvm_t` (plus `container_engine_t` from policy version v1.31), or that set `user` or `role`.

## Why is this bad?
SELinux confines containers through the `container_t` family of types. A type such as `spc_t` ("super privileged container") or a custom user or role lifts that confinement and gives the process the node's access.

## How to fix
Remove `type`, `user` and `role`; set only `level` when you need multi-category separation.

## Example
```yaml
securityContext:
  seLinuxOptions:
    type: spc_t
```
Use instead:
```yaml
securityContext:
  seLinuxOptions:
    level: "s0:c123,c456"
```

## References
- CWE-693: Protection Mechanism Failure
"#;

/// The problems of one `seLinuxOptions` object: a bad type, user set, role set.
fn problems(options: &Node, version: PssVersion) -> (Option<String>, bool, bool) {
    let kind = options.get("type").map(text).unwrap_or_default();
    let allowed = matches!(
        kind.as_str(),
        "" | "container_t" | "container_init_t" | "container_kvm_t"
    ) || (version.at_least(V1_31_SELINUX_ENGINE_TYPE)
        && kind == "container_engine_t");
    let set = |key: &str| options.get(key).is_some_and(|v| !text(v).is_empty());
    ((!allowed).then_some(kind), set("user"), set("role"))
}

fn describe(bad_types: &[String], user: bool, role: bool) -> String {
    let mut items = Vec::new();
    if !bad_types.is_empty() {
        items.push(format!(
            "{} {}",
            plural("type", "types", bad_types.len()),
            quote_list(bad_types)
        ));
    }
    if user {
        items.push("user may not be set".to_owned());
    }
    if role {
        items.push("role may not be set".to_owned());
    }
    items.join("; ")
}

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "seLinuxOptions";
    let mut bad_types = Vec::new();
    let (mut any_user, mut any_role) = (false, false);
    let mut pod_bad = false;
    let mut names = Vec::new();
    let mut violations = Vec::new();
    let mut inspect = |options: &Node,
                       path: FieldPath,
                       container: Option<&palisade_load::Container<'_>>|
     -> bool {
        let (kind, user, role) = problems(options, version);
        if kind.is_none() && !user && !role {
            return false;
        }
        let types: Vec<String> = kind.iter().cloned().collect();
        let who = container.map_or_else(|| "pod".to_owned(), |c| setters(false, &[c.name]));
        let detail = format!(
            "{who} set forbidden securityContext.seLinuxOptions: {}",
            describe(&types, user, role)
        );
        let field = match (&kind, user) {
            (Some(_), _) => path.key("type"),
            (None, true) => path.key("user"),
            (None, false) => path.key("role"),
        };
        violations.push(match container {
            Some(c) => container_violation(c, field, REASON, &detail),
            None => pod_violation(field, REASON, &detail),
        });
        bad_types.extend(kind);
        any_user |= user;
        any_role |= role;
        true
    };
    if let Some(options) = pod_field(pod, &["seLinuxOptions"]) {
        pod_bad = inspect(options, pod_path(pod, &["seLinuxOptions"]), None);
    }
    for c in &pod.containers {
        if let Some(options) = own(c, &["seLinuxOptions"])
            && inspect(options, own_path(c, &["seLinuxOptions"]), Some(c))
        {
            names.push(c.name);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &names),
            describe(&sorted_set(&bad_types), any_user, any_role)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  securityContext: {seLinuxOptions: {type: spc_t, user: sysadm_u}}\n  containers:\n  - {name: c, securityContext: {seLinuxOptions: {type: spc_t}}}\n  - {name: d, securityContext: {seLinuxOptions: {type: container_t, level: 's0:c1'}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"seLinuxOptions (pod and container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)"#
        );
        let engine = "spec:\n  containers: [{name: e, securityContext: {seLinuxOptions: {type: container_engine_t}}}]\n";
        assert_eq!(verdict(&CONTROL, engine, "v1.31"), "allowed");
        assert_eq!(
            verdict(&CONTROL, engine, "v1.30"),
            r#"seLinuxOptions (container "e" set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
        );
    }
}
