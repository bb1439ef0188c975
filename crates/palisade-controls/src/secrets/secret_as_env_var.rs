//! Secrets consumed as environment variables instead of mounted files.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use super::quoted;
use crate::workload::describe;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "secret-as-env-var",
        title: "Secret is consumed as an environment variable",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags containers (init, regular and ephemeral) that read a Secret into their environment: each `env[].valueFrom.secretKeyRef` and each `envFrom[].secretRef`. Secrets mounted as volumes (`volumes[].secret`, projected volumes) are not flagged, nor are ConfigMaps read into the environment.

## Why is this bad?
Environment variables are easy to leak: applications print them in crash reports and debug pages, child processes inherit them, and they are visible to anyone who can read `/proc/<pid>/environ` or run `kubectl describe`-style tooling inside the pod. A value read into the environment is also fixed at start-up, so a rotated Secret needs a restart. A Secret mounted as a file has none of these problems, can be given restrictive file permissions, and is updated in place. `envFrom` is worse still: it loads every key of the Secret, including keys added later.

## How to fix
Mount the Secret as a read-only volume and have the application read the file (many images accept a `*_FILE` variable for this). Where an application can only read its environment, accept the finding as a reviewed exception.

## Example
```yaml
containers:
- name: api
  image: registry.example.com/api:1.4.2
  env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: api-db
        key: password
```
Use instead:
```yaml
containers:
- name: api
  image: registry.example.com/api:1.4.2
  env:
  - name: DB_PASSWORD_FILE
    value: /run/secrets/db/password
  volumeMounts:
  - name: db
    mountPath: /run/secrets/db
    readOnly: true
volumes:
- name: db
  secret:
    secretName: api-db
```

## References
- Kubernetes docs, "Good practices for Kubernetes Secrets": https://kubernetes.io/docs/concepts/security/secrets-good-practices/
- CWE-526: Cleartext Storage of Sensitive Information in an Environment Variable
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for container in &pod.containers {
        let mut push = |path, message| {
            violations.push(Violation {
                container: Some(container.name.to_owned()),
                path,
                message,
            });
        };
        let env = container.node.get("env").map_or(&[][..], Node::items);
        for (i, var) in env.iter().enumerate() {
            let Some(reference) = var.get_path(&["valueFrom", "secretKeyRef"]) else {
                continue;
            };
            let name = var.get("name").map(Node::scalar_text).unwrap_or_default();
            let key = reference.get("key").map_or_else(String::new, |k| {
                format!("key {} of ", quoted(&k.scalar_text()))
            });
            push(
                container
                    .path
                    .keys(&["env"])
                    .index(i)
                    .keys(&["valueFrom", "secretKeyRef"]),
                format!(
                    "{} reads {key}{} into env {}; mount the Secret as a file instead",
                    describe(container),
                    secret(reference),
                    quoted(&name)
                ),
            );
        }
        let env_from = container.node.get("envFrom").map_or(&[][..], Node::items);
        for (i, source) in env_from.iter().enumerate() {
            let Some(reference) = source.get("secretRef") else {
                continue;
            };
            push(
                container.path.key("envFrom").index(i).key("secretRef"),
                format!(
                    "{} loads every key of {} into its environment; mount the Secret as a file instead",
                    describe(container),
                    secret(reference)
                ),
            );
        }
    }
    violations
}

/// `Secret "db"`, or `a Secret` when the reference names none.
fn secret(reference: &Node) -> String {
    match reference.get("name") {
        Some(name) => format!("Secret {}", quoted(&name.scalar_text())),
        None => "a Secret".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_secret_key_refs_and_env_from_secrets() {
        let spec = r#"  initContainers:
  - name: migrate
    envFrom:
    - configMapRef: {name: settings}
    - secretRef: {name: db}
      prefix: DB_
  containers:
  - name: app
    env:
    - {name: PLAIN, value: x}
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
    - name: MODE
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
    - name: ODD
      valueFrom: {secretKeyRef: {}}
    - name: NOTHING
      valueFrom: {secretKeyRef: null}
    envFrom:
    - secretRef: {}
    volumeMounts: [{name: tls, mountPath: /tls}]
  volumes:
  - {name: tls, secret: {secretName: tls}}
"#;
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].envFrom[1].secretRef: init container "migrate" loads every key of Secret "db" into its environment; mount the Secret as a file instead"#,
                r#"spec.containers[0].env[1].valueFrom.secretKeyRef: container "app" reads key "password" of Secret "db" into env "DB_PASSWORD"; mount the Secret as a file instead"#,
                r#"spec.containers[0].env[3].valueFrom.secretKeyRef: container "app" reads a Secret into env "ODD"; mount the Secret as a file instead"#,
                r#"spec.containers[0].envFrom[0].secretRef: container "app" loads every key of a Secret into its environment; mount the Secret as a file instead"#,
            ]
        );
    }
}
