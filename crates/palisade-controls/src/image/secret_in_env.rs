//! The image's environment holds a secret.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::config_field;
use crate::secrets::{IGNORED_NAMES, Names, SENSITIVE_NAMES, credential_in, is_literal, quoted};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-secret-in-env",
        title: "Image environment holds a secret",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[SENSITIVE_NAMES, IGNORED_NAMES],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags environment variables baked into a container image's config (`Env`, set by `ENV` in its Dockerfile or its base image's, and by `ARG` values that an `ENV` copied) whose value is a secret, with the same detection as `secret-in-env-literal`:
- the value contains a well-known credential format, whatever the variable is called: a private key block, an AWS access key ID, a GitHub, GitLab, Slack or Stripe live token, a Slack webhook URL, a Google API key, a JSON Web Token, or a URL with an embedded password;
- or the name looks like a secret (it matches a `sensitive-names` pattern and no `ignored-names` pattern) and the value is a literal: not empty, not `true`/`false`, not an absolute file path, not only variable references.

Findings name the variable and never repeat its value.

## Why is this bad?
Everything in an image config is public to whoever can pull the image: `docker inspect` and `docker history` show it, every registry mirror and cache stores it, and it cannot be removed without rebuilding and deleting every copy. The secret must be considered leaked.

## How to fix
Rotate the secret. Remove the `ENV` (or `ARG`) from the Dockerfile; pass secrets at run time (a mounted Kubernetes Secret, `docker run --env-file`, a secret manager), and at build time with BuildKit secret mounts (`RUN --mount=type=secret,id=npm ...`), which never reach the image.

## Example
```json
{"config": {"Env": ["PATH=/usr/bin", "DB_PASSWORD=s3cr3t-passw0rd"]}}
```
Use instead:
```json
{"config": {"Env": ["PATH=/usr/bin", "DB_PASSWORD_FILE=/run/secrets/db/password"]}}
```

## References
- Docker docs, "Build secrets": https://docs.docker.com/build/building/secrets/
- CWE-798: Use of Hard-coded Credentials
"#;

fn check(image: &Image, params: &Params) -> Vec<Violation> {
    let names = Names::of(params);
    let mut violations = Vec::new();
    for (i, var) in image.config.env.iter().enumerate() {
        let (name, value) = var.split_once('=').unwrap_or((var.as_str(), ""));
        let problem = if let Some(what) = credential_in(value) {
            format!("holds {what}")
        } else if names.is_sensitive(name) && is_literal(value) {
            "holds a literal value, and its name looks like a secret".to_owned()
        } else {
            continue;
        };
        violations.push(Violation {
            container: None,
            path: config_field("Env").index(i),
            message: format!(
                "the image's environment variable {} {problem}; anyone who can pull the image can read it",
                quoted(name)
            ),
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use palisade_load::image::ImageConfig;

    use super::CONTROL;
    use crate::testing::{image, messages};

    #[test]
    fn flags_secret_names_and_credential_values_without_printing_them() {
        let env = [
            "PATH=/usr/local/bin:/usr/bin",
            "DB_PASSWORD=s3cr3t-passw0rd",
            "DATABASE_URL=postgres://app:hunter2@db:5432/app",
            "AWS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
            "PASSWORD_FILE=/run/secrets/db",
            "API_TOKEN=",
            "TOKEN_URL=https://auth.example.com/token",
            "NO_EQUALS_SECRET",
        ];
        let found = messages(
            &CONTROL,
            &image(ImageConfig {
                env: env.iter().map(|e| (*e).to_owned()).collect(),
                ..ImageConfig::default()
            }),
        );
        assert_eq!(
            found,
            [
                r#"config.Env[1]: the image's environment variable "DB_PASSWORD" holds a literal value, and its name looks like a secret; anyone who can pull the image can read it"#,
                r#"config.Env[2]: the image's environment variable "DATABASE_URL" holds a URL with an embedded password; anyone who can pull the image can read it"#,
                r#"config.Env[3]: the image's environment variable "AWS_KEY_ID" holds an AWS access key ID; anyone who can pull the image can read it"#,
            ]
        );
        for message in &found {
            assert!(
                !message.contains("s3cr3t")
                    && !message.contains("hunter2")
                    && !message.contains("AKIA")
            );
        }
    }
}
