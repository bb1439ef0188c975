//! Private keys and credential files in the image.

use std::sync::LazyLock;

use palisade_load::image::{FileEntry, Image};
use palisade_model::{ControlMeta, Severity};
use regex::Regex;

use super::{capped, file_field, globs};
use crate::{Check, Control, Param, Params, Violation};

const IGNORED_PATHS: Param = Param {
    name: "ignored-paths",
    doc: "Absolute paths (globs: `*` matches any characters, `**` any directories) never reported: by default the test suites and documentation that language runtimes and packages ship, whose keys are published test fixtures.",
    default: &[
        "/usr/lib/python*/test/**",
        "/usr/local/lib/python*/test/**",
        "**/site-packages/**/test/**",
        "**/site-packages/**/tests/**",
        "**/dist-packages/**/test/**",
        "**/dist-packages/**/tests/**",
        "**/node_modules/**/test/**",
        "**/node_modules/**/tests/**",
        "**/node_modules/**/fixtures/**",
        "**/go/src/**/testdata/**",
        "**/go/pkg/mod/**/testdata/**",
        "/usr/share/doc/**",
    ],
};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-secret-files",
        title: "Image holds private keys or credential files",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[IGNORED_PATHS],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags files in a container image's layers whose content is clearly a secret, never a file by its name alone:
- a private key: a PEM block `-----BEGIN ... PRIVATE KEY-----` (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted or not) or a PuTTY key, in `*.pem`, `*.key`, `*.p8`, `*.ppk`, `id_rsa`-style files or anything under `.ssh/` (a `.pem` that holds only certificates is not reported);
- AWS credentials: a `credentials` file with a non-empty `aws_secret_access_key`;
- `.npmrc` with an `_authToken`, `_auth` or `_password` value (not a `${NPM_TOKEN}` reference, which npm reads from the environment);
- `.pypirc` with a `password` value (not a `${...}` reference);
- `.git-credentials` with a URL holding a password, and `.netrc` with a `password`;
- `.docker/config.json` with a registry `auth`;
- `.env` files holding a well-known credential format (a private key, an AWS access key ID, a GitHub, GitLab, Slack or Stripe token, a Google API key, a JSON Web Token, a URL with a password).

Files deleted or overwritten by a later layer are reported too: they are still in the layer that added them. Only small files (up to 64 KiB) with these names are read, and only images whose layers were read are checked (a `docker save` tarball or an OCI layout). Paths matching `ignored-paths` (by default, the test fixtures that Python, Node.js and Go packages ship, and `/usr/share/doc`) are skipped. Findings name the file, never its content.

## Why is this bad?
Every file in every layer is readable by anyone who can pull the image, from any registry mirror or node cache it was copied to, for as long as the image exists. A key or token in an image must be considered leaked: deleting it in a later `RUN` does not remove it from the earlier layer.

## How to fix
Rotate the credential. Keep it out of the build context (`.dockerignore`) and use BuildKit secret mounts for what the build needs (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`), or a multi-stage build whose final stage copies only the built artifacts. Provide run-time secrets from the platform (a mounted Kubernetes Secret).

## Example
```dockerfile
COPY .npmrc /root/.npmrc
RUN npm ci && rm /root/.npmrc
```
Use instead:
```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```

## References
- Docker docs, "Build secrets": https://docs.docker.com/build/building/secrets/
- CWE-798: Use of Hard-coded Credentials
"#;

/// A pattern, compiled once on first use (a unit test checks that each
/// compiles).
struct Pattern {
    compiled: LazyLock<Option<Regex>>,
}

macro_rules! pattern {
    ($source:expr) => {
        Pattern {
            compiled: LazyLock::new(|| Regex::new($source).ok()),
        }
    };
}

impl Pattern {
    fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|r| r.is_match(text))
    }

    /// Whether a capture group `group` of some match is not an environment
    /// reference.
    fn has_literal(&self, text: &str, group: usize) -> bool {
        self.regex().is_some_and(|r| {
            r.captures_iter(text)
                .any(|c| c.get(group).is_some_and(|v| !is_reference(v.as_str())))
        })
    }

    fn regex(&self) -> Option<&Regex> {
        self.compiled.as_ref()
    }
}

static PRIVATE_KEY: Pattern =
    pattern!(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----|PuTTY-User-Key-File-[0-9]+:");
static AWS_SECRET: Pattern = pattern!(r"(?im)^[ \t]*aws_secret_access_key[ \t]*=[ \t]*[^\s#;]");
static NPM_TOKEN: Pattern = pattern!(r"(?m)(_authToken|_auth|_password)[ \t]*=[ \t]*([^\s]+)");
static PYPI_PASSWORD: Pattern = pattern!(r"(?im)^[ \t]*password[ \t]*[=:][ \t]*([^\s]+)");
static URL_PASSWORD: Pattern = pattern!(r"(?i)[a-z][a-z0-9+.-]*://[^\s/:@]+:[^\s/@]+@");
static NETRC_PASSWORD: Pattern = pattern!(r"(?m)(^|\s)password[ \t]+\S");
static DOCKER_AUTH: Pattern = pattern!(r#""(auth|identitytoken)"[ \t]*:[ \t]*"[^"]+""#);

/// A value filled in from the environment: `${NPM_TOKEN}`.
fn is_reference(value: &str) -> bool {
    value
        .trim_matches(|c| c == '"' || c == '\'')
        .starts_with("${")
}

/// What secret the file at `path` holds, if it clearly holds one.
fn secret_in(path: &str, content: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if PRIVATE_KEY.is_match(content) {
        return Some("a private key");
    }
    let found = match name.as_str() {
        "credentials" => AWS_SECRET.is_match(content).then_some("AWS credentials"),
        ".npmrc" => NPM_TOKEN
            .has_literal(content, 2)
            .then_some("an npm registry token"),
        ".pypirc" => PYPI_PASSWORD
            .has_literal(content, 1)
            .then_some("a package index password"),
        ".git-credentials" => URL_PASSWORD
            .is_match(content)
            .then_some("Git credentials with a password"),
        ".netrc" | "_netrc" => NETRC_PASSWORD
            .is_match(content)
            .then_some("a .netrc password"),
        "config.json" if path.ends_with(".docker/config.json") => DOCKER_AUTH
            .is_match(content)
            .then_some("container registry credentials"),
        _ => None,
    };
    if found.is_some() {
        return found;
    }
    if name == ".env" || name.starts_with(".env.") {
        return crate::secrets::credential_in(content);
    }
    None
}

fn check(image: &Image, params: &Params) -> Vec<Violation> {
    let Some(filesystem) = &image.filesystem else {
        return Vec::new();
    };
    let ignored = globs(params.list(IGNORED_PATHS.name));
    let mut violations = Vec::new();
    let mut visit = |path: &str, entry: &FileEntry, buried: bool| {
        let Some(content) = &entry.content else {
            return;
        };
        if ignored.is_match(format!("/{path}")) {
            return;
        }
        let content = String::from_utf8_lossy(content);
        let Some(what) = secret_in(path, &content) else {
            return;
        };
        let place = if buried {
            format!(
                "in layer {} (a later layer deleted or replaced it, but the layer still ships it)",
                entry.layer + 1
            )
        } else {
            format!("from layer {}", entry.layer + 1)
        };
        violations.push(Violation {
            container: None,
            path: file_field(path),
            message: format!("\"/{path}\" holds {what}, {place}"),
        });
    };
    for (path, entry) in filesystem.iter() {
        visit(path, entry, false);
    }
    for (path, entry) in filesystem.buried() {
        visit(path, entry, true);
    }
    capped(violations, "files holding secrets")
}

#[cfg(test)]
mod tests {
    use palisade_load::image::FileEntry;

    use super::CONTROL;
    use crate::Params;
    use crate::testing::{image_with_files, messages, messages_with};

    const KEY: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";
    const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    fn file(content: &[u8]) -> FileEntry {
        FileEntry::file(0o600, content)
    }

    #[test]
    fn flags_clear_secrets_only() {
        let image = image_with_files(vec![vec![
            ("etc/ssl/private/server.key", file(KEY)),
            ("etc/ssl/certs/ca.pem", file(CERT)),
            ("root/.ssh/id_ed25519", file(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n")),
            ("root/.ssh/known_hosts", file(b"github.com ssh-ed25519 AAAA")),
            ("root/.aws/credentials", file(b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n")),
            ("home/app/.aws/credentials", file(b"[default]\naws_secret_access_key =\n")),
            ("app/.npmrc", file(b"//registry.npmjs.org/:_authToken=npm_abcdef\n")),
            ("ci/.npmrc", file(b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")),
            ("app/.pypirc", file(b"[pypi]\nusername = __token__\npassword = pypi-AgEI\n")),
            ("root/.git-credentials", file(b"https://bot:ghp_secret@github.com\n")),
            ("root/.netrc", file(b"machine example.com login bot password hunter2\n")),
            ("root/.docker/config.json", file(br#"{"auths":{"ghcr.io":{"auth":"Ym90OnRva2Vu"}}}"#)),
            ("app/.env", file(b"DATABASE_URL=postgres://app:pw@db/app\n")),
            ("app/.env.example", file(b"DATABASE_PASSWORD=changeme\n")),
            ("app/settings.py", file(b"SECRET_KEY = 'x'\n")),
        ]]);
        assert_eq!(
            messages(&CONTROL, &image),
            [
                r#"files["/app/.env"]: "/app/.env" holds a URL with an embedded password, from layer 1"#,
                r#"files["/app/.npmrc"]: "/app/.npmrc" holds an npm registry token, from layer 1"#,
                r#"files["/app/.pypirc"]: "/app/.pypirc" holds a package index password, from layer 1"#,
                r#"files["/etc/ssl/private/server.key"]: "/etc/ssl/private/server.key" holds a private key, from layer 1"#,
                r#"files["/root/.aws/credentials"]: "/root/.aws/credentials" holds AWS credentials, from layer 1"#,
                r#"files["/root/.docker/config.json"]: "/root/.docker/config.json" holds container registry credentials, from layer 1"#,
                r#"files["/root/.git-credentials"]: "/root/.git-credentials" holds Git credentials with a password, from layer 1"#,
                r#"files["/root/.netrc"]: "/root/.netrc" holds a .netrc password, from layer 1"#,
                r#"files["/root/.ssh/id_ed25519"]: "/root/.ssh/id_ed25519" holds a private key, from layer 1"#,
            ]
        );
    }

    #[test]
    fn deleted_secrets_still_ship_in_their_layer() {
        let image = image_with_files(vec![
            vec![("root/.npmrc", file(b"_authToken=abc\n"))],
            vec![("root/.wh..npmrc", file(b""))],
        ]);
        assert_eq!(
            messages(&CONTROL, &image),
            [
                r#"files["/root/.npmrc"]: "/root/.npmrc" holds an npm registry token, in layer 1 (a later layer deleted or replaced it, but the layer still ships it)"#
            ]
        );
    }

    #[test]
    fn patterns_compile() {
        use super::*;
        for pattern in [
            &PRIVATE_KEY,
            &AWS_SECRET,
            &NPM_TOKEN,
            &PYPI_PASSWORD,
            &URL_PASSWORD,
            &NETRC_PASSWORD,
            &DOCKER_AUTH,
        ] {
            assert!(pattern.regex().is_some());
        }
    }

    #[test]
    fn test_fixtures_are_ignored() {
        let image = image_with_files(vec![vec![
            ("usr/lib/python3.12/test/keycert.pem", file(KEY)),
            (
                "usr/local/go/src/crypto/tls/testdata/example-key.pem",
                file(KEY),
            ),
            ("srv/app/keys/signing.pem", file(KEY)),
        ]]);
        assert_eq!(messages(&CONTROL, &image).len(), 1);
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "ignored-paths", vec!["/srv/app/keys/*".into()])
            .unwrap();
        assert_eq!(messages_with(&CONTROL, &params, &image).len(), 2);
    }
}
