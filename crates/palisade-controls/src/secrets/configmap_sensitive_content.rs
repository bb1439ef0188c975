//! ConfigMaps that hold secrets.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use super::{IGNORED_NAMES, Names, SENSITIVE_NAMES, credential_in, is_literal, quoted, text};
use crate::pod_security::format::quote_list;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "configmap-sensitive-content",
        title: "ConfigMap holds a secret",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[SENSITIVE_NAMES, IGNORED_NAMES],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags ConfigMap (`v1`) entries that hold a secret, one finding per key:
- a `data` value that contains a well-known credential format: a private key block (`-----BEGIN ... PRIVATE KEY-----`), an AWS access key ID, a GitHub, GitLab, Slack or Stripe live token, a Slack webhook URL, a Google API key, a JSON Web Token, or a URL with an embedded password;
- a `data` key whose name looks like a secret (the `sensitive-names` and `ignored-names` patterns, as in `secret-in-env-literal`) with a literal value;
- a `data` value that assigns a literal to a secret-looking name on one of its lines, as configuration files do (`REDIS_PASSWORD=abcd1234`, `password: hunter2`, `"apiKey": "..."`, `export TOKEN=...`);
- a `binaryData` key whose name looks like a secret (its content is not decoded).

As for environment variables, empty values, booleans, absolute file paths and pure variable references (`REDIS_PASSWORD=${REDIS_PASSWORD}`, `$(VAR)`, `{{ .Values.x }}`) are not literals, and comment lines (`#`, `;`, `//`) and values that open a nested block (`{`, `[`) are skipped. Findings name the key and the setting, never the value.

## Why is this bad?
ConfigMaps are meant for non-confidential settings: RBAC commonly lets many more people and controllers read them than Secrets, they are not encrypted at rest by the usual `EncryptionConfiguration`, they appear in `kubectl describe` output, and they live in version control next to the manifests. A password or key in one is effectively published.

## How to fix
Move the value into a Secret (or an external secret manager synced into one), rotate it, and mount the Secret as a file. In configuration files, reference the secret instead of writing it (`password_file = /run/secrets/db/password`, or an environment variable fed from the Secret).

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: cache
data:
  redis.env: |
    REDIS_HOST=redis
    REDIS_PASSWORD=abcd1234
```
Use instead:
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: cache
data:
  redis.env: |
    REDIS_HOST=redis
    REDIS_PASSWORD_FILE=/run/secrets/redis/password
```

## References
- Kubernetes docs, "ConfigMaps" ("ConfigMap does not provide secrecy or encryption"): https://kubernetes.io/docs/concepts/configuration/configmap/
- CWE-312: Cleartext Storage of Sensitive Information
"#;

fn check(object: &KubeObject<'_>, params: &Params) -> Vec<Violation> {
    if object.kind() != "ConfigMap" || object.api_version() != "v1" {
        return Vec::new();
    }
    let names = Names::of(params);
    let mut violations = Vec::new();
    let mut push = |field: &str, key: &str, problem: String| {
        violations.push(Violation {
            container: None,
            path: FieldPath::root().key(field).key(key),
            message: format!(
                "{field} key {} {problem}; store it in a Secret",
                quoted(key)
            ),
        });
    };
    for entry in object.node.get("data").map_or(&[][..], Node::entries) {
        let Some(value) = text(&entry.value) else {
            continue;
        };
        let problem = if let Some(what) = credential_in(&value) {
            format!("holds {what}")
        } else if names.is_sensitive(&entry.key) && is_literal(&value) {
            "looks like a secret and holds a literal value".to_owned()
        } else {
            let assigned = assignments(&value, &names);
            if assigned.is_empty() {
                continue;
            }
            format!(
                "sets {} to {}",
                quote_list(&assigned),
                if assigned.len() == 1 {
                    "a literal value"
                } else {
                    "literal values"
                }
            )
        };
        push("data", &entry.key, problem);
    }
    for entry in object.node.get("binaryData").map_or(&[][..], Node::entries) {
        let filled = text(&entry.value).is_some_and(|v| !v.trim().is_empty());
        if filled && names.is_sensitive(&entry.key) {
            push("binaryData", &entry.key, "looks like a secret".to_owned());
        }
    }
    violations
}

/// The secret-looking names a configuration text gives a literal value,
/// one line at a time (`NAME=value`, `name: value`, `"name": "value",`),
/// in order, without repeats.
fn assignments(text: &str, names: &Names) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if ["#", ";", "//"].iter().any(|c| line.starts_with(c)) {
            continue;
        }
        let Some((left, right)) = line.split_once(['=', ':']) else {
            continue;
        };
        let name = unquote(
            left.trim()
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or_default()
                .trim_start_matches(['{', '[', ',']),
        );
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid_name || !names.is_sensitive(name) {
            continue;
        }
        let raw = right.trim();
        let value = if raw.starts_with(['"', '\'']) {
            unquote(raw)
        } else {
            raw.trim_end_matches([',', ';']).trim_end()
        };
        if value.starts_with(['{', '[']) || !is_literal(value) {
            continue;
        }
        if !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
    }
    found
}

/// The text inside a leading quoted string (up to its closing quote), or
/// the text itself.
fn unquote(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote) {
            return inner.split(quote).next().unwrap_or_default();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    fn configmap(data: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n{data}")
    }

    #[test]
    fn flags_keys_values_and_embedded_assignments() {
        let text = configmap(
            r#"data:
  db_username: postgres
  db_password: abc123
  AZURE_BATCH_KEY: xxxxx
  OCI_CLI_KEY_CONTENT: xxxxx
  password: supersecret
  ssh_access: |
    -----BEGIN PRIVATE KEY-----
    xxxxxxxx
    -----END OPENSSH PRIVATE KEY-----
  config: REDIS_PASSWORD=abcd1234
  app.properties: |
    # password=commented
    spring.datasource.url=jdbc:postgresql://db/app
    spring.datasource.password = "hunter2"
    api_key: 'k-123'
    spring.datasource.password=again
  settings.json: |
    {
      "clientSecret": "abc",
      "tokenPath": "/run/token",
      "nested_secret": {"a": 1}
    }
  inline.json: '{"apiKey": "", "user": "x"}'
  empty_password: ""
  ref: REDIS_PASSWORD=${REDIS_PASSWORD}
  blank: REDIS_PASSWORD=
  file: PASSWORD_FILE=/run/secrets/pw
  message: This is a test
binaryData:
  keystore-password: aHVudGVyMg==
  logo.png: iVBORw0KGgo=
"#,
        );
        assert_eq!(
            messages(&CONTROL, &text),
            [
                r#"data.db_password: data key "db_password" looks like a secret and holds a literal value; store it in a Secret"#,
                r#"data.AZURE_BATCH_KEY: data key "AZURE_BATCH_KEY" looks like a secret and holds a literal value; store it in a Secret"#,
                r#"data.OCI_CLI_KEY_CONTENT: data key "OCI_CLI_KEY_CONTENT" looks like a secret and holds a literal value; store it in a Secret"#,
                r#"data.password: data key "password" looks like a secret and holds a literal value; store it in a Secret"#,
                r#"data.ssh_access: data key "ssh_access" holds a private key; store it in a Secret"#,
                r#"data.config: data key "config" sets "REDIS_PASSWORD" to a literal value; store it in a Secret"#,
                r#"data["app.properties"]: data key "app.properties" sets "spring.datasource.password", "api_key" to literal values; store it in a Secret"#,
                r#"data["settings.json"]: data key "settings.json" sets "clientSecret" to a literal value; store it in a Secret"#,
                r#"binaryData.keystore-password: binaryData key "keystore-password" looks like a secret; store it in a Secret"#,
            ]
        );
    }

    #[test]
    fn ignores_other_kinds_and_empty_configmaps() {
        assert!(messages(&CONTROL, &configmap("")).is_empty());
        assert!(messages(&CONTROL, &configmap("data: null\n")).is_empty());
        let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: x}\ndata: {password: eA==}\n";
        assert!(messages(&CONTROL, secret).is_empty());
    }
}
