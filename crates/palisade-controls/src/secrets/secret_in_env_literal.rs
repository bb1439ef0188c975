//! Container environment variables that hold a secret written into the manifest.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use super::{IGNORED_NAMES, Names, SENSITIVE_NAMES, credential_in, is_literal, quoted, text};
use crate::workload::describe;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "secret-in-env-literal",
        title: "Environment variable holds a literal secret",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[SENSITIVE_NAMES, IGNORED_NAMES],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags container environment variables (`env[].value`, in init, regular and ephemeral containers) whose literal value is a secret:
- the value contains a well-known credential format, whatever the variable is called: a private key block (`-----BEGIN ... PRIVATE KEY-----`, also with fewer dashes), an AWS access key ID (`AKIA...`, `ASIA...`), a GitHub, GitLab, Slack or Stripe live token, a Slack webhook URL, a Google API key, a JSON Web Token, or a URL with an embedded password (`postgres://app:pw@db`);
- or the name looks like a secret (it matches a `sensitive-names` pattern, such as `password`, `secret`, `token` at the end, `api_key`, `credential`, `AZURE_*KEY`, and no `ignored-names` pattern) and the value is a literal.

A value is not a literal when it is empty, `true`/`false`, an absolute file path (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json` points at a mounted Secret, which is the recommended practice), or made only of variable references (`$(DB_PASSWORD)`, which Kubernetes expands from another variable, `${VAR}`, `{{ .Values.password }}`). Names that point at or describe a secret (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`, `TOKEN_TTL`...) are left out by the `ignored-names` patterns. Variables set through `valueFrom` are not flagged here (see `secret-as-env-var`). Secrets in `command` or `args` are not checked. Findings never repeat the value.

## Why is this bad?
A secret written into a manifest is stored in version control, in CI logs, in every rendered Helm release and in the object itself, which anyone allowed to read the Deployment (not only the Secret) can see. It cannot be rotated without a new release and is rarely rotated at all.

## How to fix
Move the value into a Secret (or an external secret manager synced into one), rotate it since it has been exposed, and mount the Secret as a file, pointing the application at it (`DB_PASSWORD_FILE=/run/secrets/db/password`). If the application only reads environment variables, use `valueFrom.secretKeyRef`.

## Example
```yaml
containers:
- name: api
  image: registry.example.com/api:1.4.2
  env:
  - name: DB_PASSWORD
    value: s3cr3t-passw0rd
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
- CWE-798: Use of Hard-coded Credentials
"#;

fn check(pod: &PodSpec<'_>, params: &Params) -> Vec<Violation> {
    let names = Names::of(params);
    let mut violations = Vec::new();
    for container in &pod.containers {
        let env = container.node.get("env").map_or(&[][..], Node::items);
        for (i, var) in env.iter().enumerate() {
            let Some(value) = var.get("value").and_then(text) else {
                continue;
            };
            let name = var.get("name").map(Node::scalar_text).unwrap_or_default();
            let problem = if let Some(what) = credential_in(&value) {
                format!("to a literal value holding {what}")
            } else if names.is_sensitive(&name) && is_literal(&value) {
                "to a literal value, and its name looks like a secret".to_owned()
            } else {
                continue;
            };
            violations.push(Violation {
                container: Some(container.name.to_owned()),
                path: container.path.key("env").index(i).key("value"),
                message: format!(
                    "{} sets env {} {problem}; read it from a Secret",
                    describe(container),
                    quoted(&name)
                ),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::Params;
    use crate::testing::{messages, messages_with};

    #[test]
    fn flags_secret_names_and_credential_values() {
        let spec = r#"  initContainers:
  - name: init
    env:
    - {name: my_password, value: abc123}
  containers:
  - name: app
    env:
    - {name: user_name, value: postgres}
    - {name: AWS_SECRET_ACCESS_KEY, value: xxx}
    - {name: AZURE_BATCH_KEY, value: xxx}
    - {name: the_good_stuff, value: "---BEGIN OPENSSH PRIVATE KEY---\nxxxxx\n"}
    - {name: DATABASE_URL, value: "postgres://app:pw@db:5432/app"}
    - {name: PIN_PASSWORD, value: 1234}
    - {name: token, valueFrom: {secretKeyRef: {name: a-secret, key: token}}}
    - {name: PASSWORD_FILE, value: /run/secrets/db/password}
    - {name: GOOGLE_APPLICATION_CREDENTIALS, value: /var/secrets/google/key.json}
    - {name: TOKEN_URL, value: "https://auth.example.com/token"}
    - {name: DB_PASSWORD, value: "$(RAW_PASSWORD)"}
    - {name: EMPTY_SECRET, value: ""}
    - {name: NULL_SECRET, value: null}
    - {name: MAX_TOKENS, value: "4096"}
    - {name: SECRET_ENABLED, value: "true"}
"#;
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].env[0].value: init container "init" sets env "my_password" to a literal value, and its name looks like a secret; read it from a Secret"#,
                r#"spec.containers[0].env[1].value: container "app" sets env "AWS_SECRET_ACCESS_KEY" to a literal value, and its name looks like a secret; read it from a Secret"#,
                r#"spec.containers[0].env[2].value: container "app" sets env "AZURE_BATCH_KEY" to a literal value, and its name looks like a secret; read it from a Secret"#,
                r#"spec.containers[0].env[3].value: container "app" sets env "the_good_stuff" to a literal value holding a private key; read it from a Secret"#,
                r#"spec.containers[0].env[4].value: container "app" sets env "DATABASE_URL" to a literal value holding a URL with an embedded password; read it from a Secret"#,
                r#"spec.containers[0].env[5].value: container "app" sets env "PIN_PASSWORD" to a literal value, and its name looks like a secret; read it from a Secret"#,
            ]
        );
    }

    #[test]
    fn names_are_a_parameter() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "sensitive-names", vec!["(?i)^pin$".into()])
            .unwrap();
        let spec = "  containers:\n  - name: app\n    env:\n    - {name: PIN, value: '0000'}\n    - {name: PASSWORD, value: hunter2}\n";
        assert_eq!(
            messages_with(&CONTROL, &params, spec),
            [
                r#"spec.containers[0].env[0].value: container "app" sets env "PIN" to a literal value, and its name looks like a secret; read it from a Secret"#
            ]
        );
    }

    #[test]
    fn nothing_to_flag_without_env() {
        assert!(messages(&CONTROL, "  containers:\n  - {name: app, image: nginx}\n").is_empty());
    }
}
