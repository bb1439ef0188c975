//! Secrets where they do not belong: literal credentials in container
//! environments and ConfigMaps, and Secrets consumed as environment
//! variables.
//!
//! The detection shared by these controls:
//! - a *name* (of an environment variable, a ConfigMap key, or a setting
//!   inside a ConfigMap value) looks like a secret when it matches one of the
//!   `sensitive-names` patterns and none of the `ignored-names` patterns
//!   (which keep `PASSWORD_FILE` or `TOKEN_URL`, settings that point at a
//!   secret, from being mistaken for one);
//! - a value given to such a name is a *literal* unless it is empty, a
//!   boolean, an absolute file path or only variable references (`$(VAR)`,
//!   `${VAR}`, `{{ .Values.x }}`);
//! - a value *is* a secret, whatever its name, when it contains a well-known
//!   credential format ([`credential_in`]).
//!
//! Regular expressions are compiled once: the credential formats in a
//! static, the name patterns once per distinct pair of parameter lists
//! ([`Names::of`]). Messages never repeat the values they flag.

pub(crate) mod configmap_sensitive_content;
pub(crate) mod secret_as_env_var;
pub(crate) mod secret_in_env_literal;

use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use palisade_model::{Node, Value};
use regex::RegexSet;

use crate::{Param, Params};

/// Patterns of names that look like secrets.
pub(crate) const SENSITIVE_NAMES: Param = Param {
    name: "sensitive-names",
    doc: "Regular expressions (Rust `regex` syntax; `(?i)` for case-insensitive) matched anywhere in a name: a name that matches one, and no `ignored-names` pattern, looks like a secret. A pattern that is not a valid expression is matched as literal text.",
    default: &[
        r"(?i)passw(or)?d",
        r"(?i)passphrase",
        r"(?i)(^|[^a-z])pass$",
        r"(?i)secret",
        r"(?i)token$",
        r"(?i)bearer",
        r"(?i)api[_.-]?key",
        r"(?i)private[_.-]?key",
        r"(?i)(encryption|signing|hmac)[_.-]?key",
        r"(?i)credential",
        r"(?i)^AZURE_.+KEY$",
        r"(?i)^OCI_CLI_KEY_CONTENT$",
    ],
};

/// Patterns of names that are never secrets by name.
pub(crate) const IGNORED_NAMES: Param = Param {
    name: "ignored-names",
    doc: "Regular expressions for names that never look like secrets, even when a `sensitive-names` pattern matches: settings that point at a secret or describe it (`PASSWORD_FILE`, `tokenPath`, `TOKEN_URL`, `SECRET_NAME`, `TOKEN_TTL`). Values are still checked for credential formats.",
    default: &[
        r"(?i)[_.-](file|path|dir|directory|mount|url|uri|endpoint|host|name|ref|ttl|expiry|expiration|lifetime|timeout|length|enabled|type|header|format|algorithm|policy)s?$",
        r"[a-z0-9](File|Path|Dir|Directory|Mount|Url|URL|Uri|URI|Endpoint|Host|Name|Ref|Ttl|TTL|Expiry|Expiration|Lifetime|Timeout|Length|Enabled|Type|Header|Format|Algorithm|Policy)s?$",
    ],
};

/// The compiled name patterns of one pair of parameter lists.
#[derive(Debug)]
pub(crate) struct Names {
    sensitive: RegexSet,
    ignored: RegexSet,
    source: (Vec<String>, Vec<String>),
}

/// Kept builds for non-default parameters: a scan uses one configuration,
/// so this stays tiny; the bound only guards against a caller that varies
/// parameters endlessly.
const MAX_CACHED: usize = 8;

impl Names {
    /// The compiled patterns for `params`, built once per distinct value and
    /// shared by every later call.
    pub(crate) fn of(params: &Params) -> Arc<Names> {
        static DEFAULT: LazyLock<Arc<Names>> = LazyLock::new(|| {
            let owned = |p: &Param| p.default.iter().map(|s| (*s).to_owned()).collect();
            Arc::new(Names::build(owned(&SENSITIVE_NAMES), owned(&IGNORED_NAMES)))
        });
        static OTHERS: Mutex<Vec<Arc<Names>>> = Mutex::new(Vec::new());
        let sensitive = params.list(SENSITIVE_NAMES.name);
        let ignored = params.list(IGNORED_NAMES.name);
        if DEFAULT.is_for(sensitive, ignored) {
            return Arc::clone(&DEFAULT);
        }
        let mut others = OTHERS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = others.iter().find(|n| n.is_for(sensitive, ignored)) {
            return Arc::clone(found);
        }
        let built = Arc::new(Names::build(sensitive.to_vec(), ignored.to_vec()));
        if others.len() >= MAX_CACHED {
            others.remove(0);
        }
        others.push(Arc::clone(&built));
        built
    }

    fn build(sensitive: Vec<String>, ignored: Vec<String>) -> Names {
        Names {
            sensitive: compile(&sensitive),
            ignored: compile(&ignored),
            source: (sensitive, ignored),
        }
    }

    fn is_for(&self, sensitive: &[String], ignored: &[String]) -> bool {
        self.source.0 == sensitive && self.source.1 == ignored
    }

    /// Whether `name` looks like the name of a secret.
    pub(crate) fn is_sensitive(&self, name: &str) -> bool {
        self.sensitive.is_match(name) && !self.ignored.is_match(name)
    }
}

/// A set of user patterns; one that does not compile is matched literally.
fn compile(patterns: &[String]) -> RegexSet {
    let patterns = patterns.iter().map(|p| {
        if regex::Regex::new(p).is_ok() {
            p.clone()
        } else {
            regex::escape(p)
        }
    });
    RegexSet::new(patterns).unwrap_or_else(|_| RegexSet::empty())
}

/// Well-known credential formats, as `(what it is, pattern)`.
const CREDENTIAL_FORMATS: &[(&str, &str)] = &[
    (
        "a private key",
        r"(?i)-BEGIN[ \t]+[A-Z0-9 \t]*PRIVATE[ \t]+KEY([ \t]+BLOCK)?[ \t]*-",
    ),
    (
        "an AWS access key ID",
        r"(?-u:\b)(AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
    ),
    (
        "a GitHub token",
        r"(?-u:\b)(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?-u:\b)",
    ),
    ("a GitLab token", r"(?-u:\b)glpat-[A-Za-z0-9_-]{20}"),
    ("a Slack token", r"(?-u:\b)xox[abposr]-[A-Za-z0-9-]{10,}"),
    (
        "a Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
    ),
    ("a Google API key", r"(?-u:\b)AIza[0-9A-Za-z_-]{35}(?-u:\b)"),
    (
        "a Stripe live key",
        r"(?-u:\b)[rs]k_live_[0-9A-Za-z]{24,}(?-u:\b)",
    ),
    (
        "a JSON Web Token",
        r"(?-u:\b)eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}",
    ),
    (
        "a URL with an embedded password",
        r"(?i)(?-u:\b)[a-z][a-z0-9+.-]*://[^\s/:@]*:([^\s/@$]|\$[^\s/@({])+@",
    ),
];

/// The credential format `value` contains, if any: `Some("a private key")`
/// for a value holding `-----BEGIN RSA PRIVATE KEY-----`.
pub(crate) fn credential_in(value: &str) -> Option<&'static str> {
    static SET: LazyLock<RegexSet> = LazyLock::new(|| {
        RegexSet::new(CREDENTIAL_FORMATS.iter().map(|(_, p)| *p))
            .unwrap_or_else(|_| RegexSet::empty())
    });
    let index = SET.matches(value).into_iter().next()?;
    CREDENTIAL_FORMATS.get(index).map(|(what, _)| *what)
}

/// Whether a value given to a secret-looking name is a literal secret: not
/// empty, not a boolean or null, not an absolute file path, and not made
/// only of variable references.
pub(crate) fn is_literal(value: &str) -> bool {
    let value = value.trim();
    !(value.is_empty()
        || ["true", "false", "null", "~"]
            .iter()
            .any(|v| value.eq_ignore_ascii_case(v))
        || is_file_path(value)
        || only_references(value))
}

/// `/run/secrets/db-password`: one absolute path, no whitespace.
fn is_file_path(value: &str) -> bool {
    value.len() > 1 && value.starts_with('/') && !value.contains(char::is_whitespace)
}

/// `$(DB_PASSWORD)`, `${DB_PASSWORD}`, `{{ .Values.password }}` or several
/// of them side by side: a value filled in elsewhere.
fn only_references(value: &str) -> bool {
    let mut rest = value;
    while !rest.is_empty() {
        let end = if let Some(inner) = rest.strip_prefix("$(") {
            inner.find(')').map(|i| i + 3)
        } else if let Some(inner) = rest.strip_prefix("${") {
            inner.find('}').map(|i| i + 3)
        } else if let Some(inner) = rest.strip_prefix("{{") {
            inner.find("}}").map(|i| i + 4)
        } else {
            None
        };
        match end.and_then(|end| rest.get(end..)) {
            Some(after) => rest = after.trim_start(),
            None => return false,
        }
    }
    true
}

/// The text of a scalar value: strings, and numbers as written (a password
/// may be all digits). Booleans, nulls and collections are never secrets.
pub(crate) fn text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) => Some(node.scalar_text()),
        _ => None,
    }
}

/// A name, quoted and escaped for messages.
pub(crate) fn quoted(name: &str) -> String {
    crate::pod_security::format::go_quote(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::secret_in_env_literal::CONTROL;

    fn default_names() -> Arc<Names> {
        Names::of(&Params::defaults(&CONTROL))
    }

    #[test]
    fn names_follow_the_defaults() {
        let names = default_names();
        for name in [
            "password",
            "my_password",
            "DB_PASSWD",
            "dbPassword",
            "spring.datasource.password",
            "SMTP_PASS",
            "pass",
            "AWS_SECRET_ACCESS_KEY",
            "clientSecret",
            "GITHUB_TOKEN",
            "authToken",
            "BEARER",
            "OPENAI_API_KEY",
            "apiKey",
            "ssh-private-key",
            "ENCRYPTION_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "AZURE_BATCH_KEY",
            "OCI_CLI_KEY_CONTENT",
            "passphrase",
        ] {
            assert!(names.is_sensitive(name), "{name} should look like a secret");
        }
        for name in [
            "user_name",
            "greeting",
            "PASSWORD_FILE",
            "passwordFile",
            "TOKEN_URL",
            "tokenPath",
            "SECRET_NAME",
            "SECRETS_DIR",
            "MAX_TOKENS",
            "TOKENIZERS_PARALLELISM",
            "token_rotation_interval",
            "BYPASS",
            "COMPASS",
            "PASSWORD_MIN_LENGTH",
            "API_KEY_HEADER",
            "AWS_ACCESS_KEY_ID",
            "KEY",
        ] {
            assert!(
                !names.is_sensitive(name),
                "{name} should not look like a secret"
            );
        }
    }

    #[test]
    fn names_are_built_once_per_parameter_value() {
        let a = default_names();
        let b = default_names();
        assert!(Arc::ptr_eq(&a, &b));
        let mut custom = Params::defaults(&CONTROL);
        custom
            .set(
                &CONTROL,
                SENSITIVE_NAMES.name,
                vec!["^PIN$".into(), "((bad".into()],
            )
            .unwrap();
        custom.set(&CONTROL, IGNORED_NAMES.name, vec![]).unwrap();
        let c = Names::of(&custom);
        assert!(Arc::ptr_eq(&c, &Names::of(&custom)));
        assert!(c.is_sensitive("PIN") && !c.is_sensitive("password"));
        assert!(
            c.is_sensitive("x((bady"),
            "an invalid pattern is literal text"
        );
    }

    #[test]
    fn credential_formats() {
        let cases = [
            ("---BEGIN OPENSSH PRIVATE KEY---\nxxxxx\n", "a private key"),
            ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
            ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "a private key"),
            ("id=AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "a GitHub token"),
            ("glpat-0123456789abcdefABCD", "a GitLab token"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            (
                "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX",
                "a Slack webhook URL",
            ),
            (
                "AIzaSyA0123456789abcdefghijklmnopqrstuv",
                "a Google API key",
            ),
            ("sk_live_0123456789abcdefghijklmn", "a Stripe live key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token",
            ),
            (
                "postgres://app:s3cret@db:5432/app",
                "a URL with an embedded password",
            ),
        ];
        for (value, what) in cases {
            assert_eq!(credential_in(value), Some(what), "{value}");
        }
        for value in [
            "",
            "hello",
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            "https://example.com:8443/path@x",
            "redis://:$(REDIS_PASSWORD)@redis:6379",
            "postgres://app:${DB_PASSWORD}@db/app",
            "postgres://app@db/app",
            "AKIAIOSFODNN7EXAMPLEX",
        ] {
            assert_eq!(credential_in(value), None, "{value}");
        }
    }

    #[test]
    fn literals() {
        for value in ["abc123", "xxx", "changeme", "$(A)x", "0", "/"] {
            assert!(is_literal(value), "{value:?} is a literal");
        }
        for value in [
            "",
            "  ",
            "true",
            "False",
            "null",
            "/run/secrets/db-password",
            "$(DB_PASSWORD)",
            "${REDIS_PASSWORD}",
            "{{ .Values.password }}",
            "$(A)$(B) ${C}",
        ] {
            assert!(!is_literal(value), "{value:?} is not a literal");
        }
    }
}
