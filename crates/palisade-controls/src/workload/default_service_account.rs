//! Pods that run as their namespace's `default` service account.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "default-service-account",
        title: "Pod runs as the default service account",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags Pods and workload templates whose pods run as the namespace's `default` service account: `serviceAccountName` unset, empty or `default` (the deprecated `serviceAccount` field is read when `serviceAccountName` is unset, as Kubernetes does). Not flagged: a pod that sets `automountServiceAccountToken: false` and requests no token through a projected `serviceAccountToken` volume, since it holds no credentials of the account (`service-account-token-automount` covers the token itself).

## Why is this bad?
Every pod of a namespace that names no service account shares the `default` one. Any permission granted to it, by one team for one workload, is then held by every other pod in the namespace, and audit logs cannot tell the workloads apart.

## How to fix
Create a ServiceAccount for each workload that talks to the Kubernetes API, bind it only the roles it needs, and set `serviceAccountName`. For workloads that do not use the API, set `automountServiceAccountToken: false`. Leave the `default` service account with no role bindings and with `automountServiceAccountToken: false`.

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
  serviceAccountName: app
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- Kubernetes docs, "Service Accounts" and "Configure Service Accounts for Pods"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let named = |field: &'static str| {
        pod.spec
            .get(field)
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
            .map(|n| (field, n))
    };
    let (field, message) = match named("serviceAccountName").or_else(|| named("serviceAccount")) {
        Some((_, name)) if name != "default" => return Vec::new(),
        Some(("serviceAccount", _)) => (
            "serviceAccount",
            "the deprecated serviceAccount is \"default\" and serviceAccountName is not set; give the pods a service account of their own",
        ),
        Some(_) => (
            "serviceAccountName",
            "serviceAccountName is \"default\"; give the pods a service account of their own",
        ),
        None => (
            "serviceAccountName",
            "serviceAccountName is not set, so the pods run as the namespace's \"default\" service account",
        ),
    };
    if holds_no_token(pod) {
        return Vec::new();
    }
    vec![Violation {
        container: None,
        path: pod.path.key(field),
        message: message.to_owned(),
    }]
}

/// Automounting is off and no projected volume asks for a token.
fn holds_no_token(pod: &PodSpec<'_>) -> bool {
    let automount = pod.spec.get("automountServiceAccountToken");
    let projects_token = pod
        .spec
        .get("volumes")
        .map_or(&[][..], Node::items)
        .iter()
        .filter_map(|v| v.get_path(&["projected", "sources"]))
        .flat_map(Node::items)
        .any(|s| s.get("serviceAccountToken").is_some());
    automount.and_then(Node::as_bool) == Some(false) && !projects_token
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const CONTAINERS: &str = "  containers:\n  - {name: a}\n";

    fn check(extra: &str) -> Vec<String> {
        messages(&CONTROL, &format!("{extra}{CONTAINERS}"))
    }

    #[test]
    fn flags_the_default_service_account() {
        assert_eq!(
            check(""),
            [
                r#"spec.serviceAccountName: serviceAccountName is not set, so the pods run as the namespace's "default" service account"#
            ]
        );
        assert_eq!(
            check("  serviceAccountName: ''\n"),
            check("  serviceAccountName: null\n")
        );
        assert_eq!(
            check("  serviceAccountName: default\n"),
            [
                r#"spec.serviceAccountName: serviceAccountName is "default"; give the pods a service account of their own"#
            ]
        );
        assert_eq!(
            check("  serviceAccount: default\n"),
            [
                r#"spec.serviceAccount: the deprecated serviceAccount is "default" and serviceAccountName is not set; give the pods a service account of their own"#
            ]
        );
        assert!(check("  serviceAccountName: web\n").is_empty());
        assert!(check("  serviceAccount: web\n").is_empty());
        assert!(check("  serviceAccountName: web\n  serviceAccount: default\n").is_empty());
    }

    #[test]
    fn a_pod_without_a_token_does_not_use_the_account() {
        assert!(check("  automountServiceAccountToken: false\n").is_empty());
        let projected = "  automountServiceAccountToken: false\n  volumes:\n  - name: token\n    projected:\n      sources:\n      - serviceAccountToken: {path: token}\n";
        assert_eq!(check(projected).len(), 1);
        assert_eq!(check("  automountServiceAccountToken: true\n").len(), 1);
    }
}
