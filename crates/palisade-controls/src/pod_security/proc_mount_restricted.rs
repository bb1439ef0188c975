//! `procMount_restricted`: the restricted level keeps forbidding unmasked `/proc`
//! in user namespaces (from v1.35, where baseline relaxes).

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::version::V1_35_USER_NAMESPACES;
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "unmasked-proc-mount-restricted",
        title: "Container unmasks /proc, even in a user namespace",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "procMount_restricted",
        level: PssLevel::Restricted,
        since: V1_35_USER_NAMESPACES,
        overrides: Some("procMount"),
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers that set `securityContext.procMount` to anything but `Default`, whether or not the pod runs in a user namespace. This is the restricted level's version of `unmasked-proc-mount` (policy version v1.35 and later; before that the baseline check applies at both levels).

## Why is this bad?
The masked paths of `/proc` protect kernel interfaces. A user namespace limits the damage, but the restricted level does not rely on it: defence in depth.

## How to fix
Remove `procMount` or set it to `Default`.

## Example
```yaml
spec:
  hostUsers: false
  containers:
  - name: builder
    image: registry.example.com/builder:3
    securityContext:
      procMount: Unmasked
```
Use instead:
```yaml
spec:
  hostUsers: false
  containers:
  - name: builder
    image: registry.example.com/builder:3
```

## References
- KEP-4265: Add ProcMount option
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    if !version.at_least(V1_35_USER_NAMESPACES) {
        return None;
    }
    super::proc_mount::unmasked(pod)
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn ignores_user_namespaces() {
        let body = "spec:\n  hostUsers: false\n  containers: [{name: a, securityContext: {procMount: Unmasked}}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
        );
        assert_eq!(verdict(&CONTROL, body, "v1.34"), "allowed");
    }
}
