//! Secrets written into a Dockerfile: `ENV` values and `ARG` defaults, and
//! key or credential files copied into the image.

use palisade_load::dockerfile::{Dockerfile, Variables};
use palisade_model::{ControlMeta, Severity};

use super::args::{assignments, copy_paths, substitute};
use super::at;
use crate::secrets::{IGNORED_NAMES, Names, SENSITIVE_NAMES, credential_in, is_literal, quoted};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-secret-in-env-arg",
        title: "Dockerfile stores a secret (ENV, ARG default, or a copied key file)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[SENSITIVE_NAMES, IGNORED_NAMES],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags, in every stage:
- `ENV` variables and `ARG` defaults whose value contains a well-known credential format, whatever the name: a private key block, an AWS access key ID, a GitHub, GitLab, Slack or Stripe live token, a Slack webhook URL, a Google API key, a JSON Web Token, or a URL with an embedded password;
- `ENV` variables and `ARG` defaults whose name looks like a secret (a `sensitive-names` pattern such as `password`, `secret`, `token` at the end, `api_key`, `credential`, and no `ignored-names` pattern) and whose value is a literal: not empty, not `true`/`false` or another switch value (`0`, `1`, `yes`, `no`, `on`, `off`: `SECRET_KEY_BASE_DUMMY=1` is a setting), not an absolute file path (`DB_PASSWORD_FILE=/run/secrets/db`), and not made only of variable references (`ENV NPM_TOKEN=${NPM_TOKEN}`; a default written into a reference, as in `${ADMIN_PASSWORD:-admin}`, is a literal);
- `COPY` and `ADD` of files that are clearly keys or credentials, by the name of a source or of the destination: private SSH keys (`id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519`, and an `.ssh` folder), private keys (`*.key`, and `*.pem` whose name says `key`; names that say `pub`, `gpg` or `release` are public keys and left alone), `.env` files (not `.env.example`, `.sample`, `.template`, `.dist`, `.default(s)`), `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `credentials` and `credentials.json` (AWS, Google), `kubeconfig` and `.kube/config`, `.docker/config.json`.

The name and value rules, and their parameters, are those of `secret-in-env-literal`. An `ARG` without a default is not flagged: its value comes from `--build-arg`, although it still ends up in the image history of every `RUN` that uses it (prefer `RUN --mount=type=secret`). Findings never repeat the value.

## Why is this bad?
Everything in a Dockerfile ends up in the image or next to it: `ENV` values are in the image configuration that `docker inspect` prints, `ARG` values are recorded in the history of the layers that use them, copied files stay in their layer even when a later `RUN rm` hides them, and the Dockerfile itself sits in version control. Anyone who can pull the image, or read the repository or the build cache, gets the secret, and it cannot be rotated without rebuilding.

## How to fix
Pass build-time secrets with BuildKit secret or SSH mounts (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, `RUN --mount=type=ssh git clone ...`), which never reach a layer, and give run-time secrets to the container when it starts (a mounted Secret, an orchestrator secret store). Rotate the secret that was exposed.

## Example
```dockerfile
FROM node:22-alpine
ENV NPM_TOKEN=npm_0123456789abcdefghijklmnopqrstuvwxyz
COPY .npmrc /root/.npmrc
RUN npm ci
```
Use instead:
```dockerfile
# syntax=docker/dockerfile:1
FROM node:22-alpine
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```

## References
- Docker docs, "Build secrets": https://docs.docker.com/build/building/secrets/
- CWE-798: Use of Hard-coded Credentials
"#;

fn check(dockerfile: &Dockerfile, params: &Params) -> Vec<Violation> {
    let names = Names::of(params);
    let mut violations = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        match instruction.keyword.as_str() {
            "ENV" | "ARG" => {
                let env = instruction.keyword == "ENV";
                for (name, value) in assignments(&instruction.text(), env) {
                    let problem = if let Some(what) = credential_in(&value) {
                        format!("holding {what}")
                    } else if names.is_sensitive(&name)
                        && is_literal(&written_part(&value))
                        && !is_switch(&value)
                    {
                        "and its name looks like a secret".to_owned()
                    } else {
                        continue;
                    };
                    let (keyword, set) = if env {
                        ("ENV", "sets")
                    } else {
                        ("ARG", "defaults")
                    };
                    violations.push(at(
                        index,
                        format!(
                            "{keyword} {} {} to a literal value {problem}; it is stored in the image, so pass it with RUN --mount=type=secret or at run time",
                            set,
                            quoted(&name)
                        ),
                    ));
                }
            }
            "COPY" | "ADD" => {
                let Some(paths) = copy_paths(dockerfile, index) else {
                    continue;
                };
                let mut found: Vec<String> = paths
                    .sources
                    .iter()
                    .flatten()
                    .filter_map(|source| {
                        credential_file(source, true).map(|what| format!("{source:?} ({what})"))
                    })
                    .collect();
                // The destination names the file only when no source does
                // (`COPY config/npmrc /root/.npmrc`).
                if found.is_empty()
                    && let Some(destination) = paths.destination.as_deref()
                    && let Some(what) = credential_file(destination, false)
                {
                    found.push(format!("{destination:?} ({what})"));
                }
                if !found.is_empty() {
                    violations.push(at(
                        index,
                        format!(
                            "{} puts {} into the image; use RUN --mount=type=secret (or type=ssh) instead",
                            instruction.keyword,
                            found.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    violations
}

/// What a value holds once the variables it refers to are left out, as
/// they are filled in elsewhere (`$TOKEN`, `${A}${B}` hold nothing), while
/// defaults are written here (`${PASSWORD:-admin}` holds `admin`).
fn written_part(value: &str) -> String {
    substitute(value, &Variables::default(), "").parsed
}

/// `1`, `0`, `yes`, `no`, `on`, `off`: a setting switched on or off
/// (`SECRET_KEY_BASE_DUMMY=1`), not a secret.
fn is_switch(value: &str) -> bool {
    ["0", "1", "yes", "no", "on", "off"]
        .iter()
        .any(|v| value.trim().eq_ignore_ascii_case(v))
}

/// What a path copied into (or written in) the image is, when its name
/// clearly says key or credentials. `source` enables the `.ssh` folder,
/// which as a destination may only receive `known_hosts`.
fn credential_file(path: &str, source: bool) -> Option<&'static str> {
    let path = path.trim_end_matches('/').to_ascii_lowercase();
    let base = path.rsplit('/').next().unwrap_or(&path);
    let public = ["pub", "gpg", "release"].iter().any(|p| base.contains(p));
    let env_suffix = base.strip_prefix(".env.");
    let found = match base {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            "a private SSH key"
        }
        ".ssh" if source => "a folder of SSH keys",
        ".env" => "an environment file",
        ".npmrc" => "npm registry credentials",
        ".pypirc" => "PyPI upload credentials",
        ".netrc" => "login credentials",
        ".git-credentials" => "Git credentials",
        "credentials" | "credentials.json" => "a credentials file",
        "kubeconfig" => "a kubeconfig",
        _ if path.ends_with(".kube/config") => "a kubeconfig",
        _ if path.ends_with(".docker/config.json") => "registry credentials",
        _ if base.ends_with(".key") && !public => "a private key",
        _ if base.ends_with(".pem") && base.contains("key") && !public => "a private key",
        _ if env_suffix.is_some_and(|s| {
            !matches!(
                s,
                "example" | "sample" | "template" | "dist" | "default" | "defaults"
            )
        }) =>
        {
            "an environment file"
        }
        _ => return None,
    };
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn env_and_arg_values() {
        let text = "FROM node:22\nARG NPM_TOKEN\nARG GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345 VERSION=1\nENV DB_PASSWORD=s3cret GREETING=hello\nENV API_KEY ${API_KEY}\nENV NPM_TOKEN=$NPM_TOKEN PASSWORD_FILE=/run/secrets/pw EMPTY_SECRET=\nENV LEGACY_SECRET some value\nENV DATABASE_URL=\"postgres://app:pw@db/app\"\nENV ADMIN_PASSWORD=${ADMIN_PASSWORD:-admin}\nENV JWT_SECRET=/etc/jwt SECRET_KEY_BASE_DUMMY=1\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"3: ARG defaults "GITHUB_TOKEN" to a literal value holding a GitHub token; it is stored in the image, so pass it with RUN --mount=type=secret or at run time"#,
                r#"4: ENV sets "DB_PASSWORD" to a literal value and its name looks like a secret; it is stored in the image, so pass it with RUN --mount=type=secret or at run time"#,
                r#"7: ENV sets "LEGACY_SECRET" to a literal value and its name looks like a secret; it is stored in the image, so pass it with RUN --mount=type=secret or at run time"#,
                r#"8: ENV sets "DATABASE_URL" to a literal value holding a URL with an embedded password; it is stored in the image, so pass it with RUN --mount=type=secret or at run time"#,
                r#"9: ENV sets "ADMIN_PASSWORD" to a literal value and its name looks like a secret; it is stored in the image, so pass it with RUN --mount=type=secret or at run time"#,
            ]
        );
    }

    #[test]
    fn copied_key_files() {
        let text = "FROM alpine:3.20\nCOPY id_rsa id_rsa.pub /root/.ssh/\nCOPY .env.example .env.local ./\nCOPY config/npmrc /root/.npmrc\nADD [\"certs/server-key.pem\", \"certs/server.pem\", \"/certs/\"]\nCOPY nodesource-repo.gpg.key docker-release.key /etc/apt/keyrings/\nCOPY --from=build /root/.kube/config /tmp/kc\nCOPY .ssh /root/.ssh\nCOPY known_hosts /root/.ssh\nCOPY . .\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"2: COPY puts "id_rsa" (a private SSH key) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
                r#"3: COPY puts ".env.local" (an environment file) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
                r#"4: COPY puts "/root/.npmrc" (npm registry credentials) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
                r#"5: ADD puts "certs/server-key.pem" (a private key) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
                r#"7: COPY puts "/root/.kube/config" (a kubeconfig) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
                r#"8: COPY puts ".ssh" (a folder of SSH keys) into the image; use RUN --mount=type=secret (or type=ssh) instead"#,
            ]
        );
    }
}
