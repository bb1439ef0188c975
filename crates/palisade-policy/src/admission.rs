//! The `admission:` section of `palisade.yaml`: how `palisade serve` acts on
//! findings. Read with spans like the rest of the file, then validated into
//! [`AdmissionSettings`] so that a mistake names its line and column.
//!
//! ```yaml
//! admission:
//!   listen: 0.0.0.0:8443
//!   tls: {cert: /etc/palisade/tls/tls.crt, key: /etc/palisade/tls/tls.key}
//!   mode: warn                       # the default for every control
//!   frameworks: {pss-restricted: enforce}
//!   controls: {image-tag-latest: audit}
//!   failure-mode: closed             # the default; open: allow when Palisade cannot decide
//!   exempt:
//!     namespaces: [kube-system]
//!     namespace-labels: {palisade.dev/exempt: "true"}
//!     users: ["system:serviceaccount:kube-system:*"]
//!     groups: [system:nodes]
//!   mutate: [missing-seccomp-profile, privilege-escalation-allowed]
//!   max-body-bytes: 6291456
//!   deadline-ms: 2000
//!   max-inflight-bytes: 8388608      # bodies read and judged at once
//!   client-ca: apiserver-client-ca.pem   # the API server proves itself
//!   client-names: [kube-apiserver]   # CN or DNS name; empty: any of that CA
//!   client-auth: optional            # required: refuse callers without it
//!   annotation-waivers:              # off unless enabled: whoever writes an
//!     enabled: true                  # object writes its annotations
//!     namespaces: [legacy-*]
//!     groups: [platform-admins]
//!     controls: [privileged-container]
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use palisade_controls::registry;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::{Config, ConfigError};

/// What a finding does to an admission request. Like cargo-deny's lint
/// levels, the strictest applicable mode wins when frameworks disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Allow the request and record the finding (audit log, metrics).
    Audit,
    /// Allow the request and return the finding as an admission warning,
    /// which `kubectl` prints to the user.
    Warn,
    /// Deny the request, naming the finding in the response's message.
    Enforce,
}

impl Mode {
    /// `enforce`, `warn` or `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Audit => "audit",
            Mode::Warn => "warn",
            Mode::Enforce => "enforce",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "enforce" => Ok(Mode::Enforce),
            "warn" => Ok(Mode::Warn),
            "audit" => Ok(Mode::Audit),
            other => Err(format!(
                "unknown mode `{other}` (expected enforce, warn or audit)"
            )),
        }
    }
}

/// What the webhook answers when it cannot decide (an internal error, a
/// request it cannot evaluate, a missed deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureMode {
    /// Allow the request and record why it was not evaluated
    /// (`failurePolicy: Ignore` in the webhook configuration).
    Open,
    /// Deny the request with a message saying why
    /// (`failurePolicy: Fail` in the webhook configuration).
    Closed,
}

impl FailureMode {
    /// `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureMode::Open => "open",
            FailureMode::Closed => "closed",
        }
    }
}

impl FromStr for FailureMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(FailureMode::Open),
            "closed" => Ok(FailureMode::Closed),
            other => Err(format!(
                "unknown failure mode `{other}` (expected open or closed)"
            )),
        }
    }
}

/// A safe default the mutating webhook can set, each tied to the control
/// whose finding it prevents. A value the user set is never overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SafeDefault {
    /// `securityContext.seccompProfile.type: RuntimeDefault` on the pod.
    SeccompRuntimeDefault,
    /// `allowPrivilegeEscalation: false` on each container.
    NoPrivilegeEscalation,
    /// `runAsNonRoot: true` on the pod.
    RunAsNonRoot,
    /// `capabilities.drop: [ALL]` on each container.
    DropAllCapabilities,
    /// `automountServiceAccountToken: false` on the pod.
    NoServiceAccountToken,
}

impl SafeDefault {
    /// Every safe default, in the order they are applied.
    pub const ALL: [SafeDefault; 5] = [
        SafeDefault::SeccompRuntimeDefault,
        SafeDefault::NoPrivilegeEscalation,
        SafeDefault::RunAsNonRoot,
        SafeDefault::DropAllCapabilities,
        SafeDefault::NoServiceAccountToken,
    ];

    /// The control whose finding it prevents (the ID used in `mutate:`).
    pub fn control(self) -> &'static str {
        match self {
            SafeDefault::SeccompRuntimeDefault => "missing-seccomp-profile",
            SafeDefault::NoPrivilegeEscalation => "privilege-escalation-allowed",
            SafeDefault::RunAsNonRoot => "missing-run-as-non-root",
            SafeDefault::DropAllCapabilities => "capabilities-not-restricted",
            SafeDefault::NoServiceAccountToken => "service-account-token-automount",
        }
    }

    /// The safe default for a control, if it has one.
    pub fn for_control(id: &str) -> Option<SafeDefault> {
        SafeDefault::ALL.into_iter().find(|d| d.control() == id)
    }
}

/// Who and what the webhook never checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Namespace names (exact, or a prefix ending in `*`).
    pub namespaces: Vec<String>,
    /// Namespaces carrying any of these labels are exempt. The request does
    /// not carry its namespace's labels, so these are enforced by the
    /// webhook configuration's `namespaceSelector` (written by
    /// `palisade install`), not by the server.
    pub namespace_labels: BTreeMap<String, String>,
    /// User names (exact, or a prefix ending in `*`).
    pub users: Vec<String>,
    /// Group names (exact, or a prefix ending in `*`).
    pub groups: Vec<String>,
}

impl Exemptions {
    /// Whether a request in `namespace` by `user` in `groups` is exempt, and why.
    ///
    /// ```
    /// use palisade_policy::admission::Exemptions;
    /// let exempt = Exemptions { users: vec!["system:serviceaccount:kube-system:*".into()], ..Exemptions::default() };
    /// assert!(exempt.reason(Some("apps"), "system:serviceaccount:kube-system:replicaset-controller", &[]).is_some());
    /// assert!(exempt.reason(Some("apps"), "alice", &[]).is_none());
    /// ```
    pub fn reason(&self, namespace: Option<&str>, user: &str, groups: &[String]) -> Option<String> {
        if let Some(ns) = namespace
            && self.namespaces.iter().any(|p| matches(p, ns))
        {
            return Some(format!("namespace {ns} is exempt"));
        }
        if self.users.iter().any(|p| matches(p, user)) {
            return Some(format!("user {user} is exempt"));
        }
        groups
            .iter()
            .find(|g| self.groups.iter().any(|p| matches(p, g)))
            .map(|g| format!("group {g} is exempt"))
    }
}

/// Who may waive which controls with a `palisade.dev/waive.<control>`
/// annotation on the object they submit. Off by default: the author of an
/// object would otherwise waive the controls that judge it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationWaiverScope {
    /// Annotations are honoured at all.
    pub enabled: bool,
    /// Namespaces where they are (exact, or a prefix ending in `*`); empty:
    /// every namespace.
    pub namespaces: Vec<String>,
    /// Users who may use them (patterns as above); with `groups` empty
    /// too: every user.
    pub users: Vec<String>,
    /// Groups whose members may use them.
    pub groups: Vec<String>,
    /// Controls they may waive (IDs, or `*`); never empty when enabled.
    pub controls: Vec<String>,
}

impl AnnotationWaiverScope {
    /// Whether a request in `namespace` by `user` in `groups` may waive
    /// anything by annotation.
    ///
    /// ```
    /// use palisade_policy::admission::AnnotationWaiverScope;
    /// let scope = AnnotationWaiverScope { enabled: true, namespaces: vec!["legacy-*".into()],
    ///     groups: vec!["platform".into()], controls: vec!["privileged-container".into()], ..Default::default() };
    /// assert!(scope.permits(Some("legacy-a"), "bob", &["platform".into()]));
    /// assert!(!scope.permits(Some("legacy-a"), "bob", &["devs".into()]));
    /// assert!(!scope.permits(Some("apps"), "bob", &["platform".into()]));
    /// assert!(scope.covers("privileged-container") && !scope.covers("host-namespaces"));
    /// assert!(!AnnotationWaiverScope::default().permits(None, "bob", &[]));
    /// ```
    pub fn permits(&self, namespace: Option<&str>, user: &str, groups: &[String]) -> bool {
        let namespace_ok = self.namespaces.is_empty()
            || namespace.is_some_and(|ns| self.namespaces.iter().any(|p| matches(p, ns)));
        let requester_ok = (self.users.is_empty() && self.groups.is_empty())
            || self.users.iter().any(|p| matches(p, user))
            || groups
                .iter()
                .any(|g| self.groups.iter().any(|p| matches(p, g)));
        self.enabled && namespace_ok && requester_ok
    }

    /// Whether `control` may be waived by annotation.
    pub fn covers(&self, control: &str) -> bool {
        self.controls.iter().any(|c| c == "*" || c == control)
    }
}

fn matches(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// The admission settings, validated.
#[derive(Debug, Clone)]
pub struct AdmissionSettings {
    /// `listen:` (the command line wins).
    pub listen: Option<String>,
    /// `tls.cert:` (the command line wins).
    pub tls_cert: Option<PathBuf>,
    /// `tls.key:` (the command line wins).
    pub tls_key: Option<PathBuf>,
    /// The mode of a control no framework or control setting names.
    pub default_mode: Mode,
    /// Modes by control ID, from `frameworks:` (strictest wins) and
    /// `controls:` (which wins over frameworks).
    pub modes: HashMap<&'static str, Mode>,
    /// What to answer when a request cannot be evaluated.
    pub failure_mode: FailureMode,
    /// Who and what is never checked.
    pub exempt: Exemptions,
    /// The safe defaults the mutating webhook applies.
    pub mutate: Vec<SafeDefault>,
    /// Largest AdmissionReview body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Time allowed to evaluate one request.
    pub deadline: Duration,
    /// Who may waive which controls by annotation (nobody by default).
    pub annotation_waivers: AnnotationWaiverScope,
    /// The bytes of review bodies read and judged at once; more wait
    /// (within the deadline). Read at start-up only.
    pub max_inflight_bytes: usize,
    /// The CA of the API server's client certificate (`client-ca:`,
    /// relative to the configuration's folder).
    pub client_ca: Option<PathBuf>,
    /// Subject CNs or DNS names accepted from `client_ca` (empty: any).
    pub client_names: Vec<String>,
    /// `client-auth: required`: callers without that certificate are
    /// refused (`optional`, the default, records them as unauthenticated).
    pub client_auth_required: bool,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        AdmissionSettings {
            listen: None,
            tls_cert: None,
            tls_key: None,
            default_mode: Mode::Warn,
            modes: HashMap::new(),
            // An enforcing webhook that lets through what it could not
            // judge is a bypass for whoever can make it fail (`palisade
            // install` writes `failurePolicy: Fail` to match, and leaves
            // its own namespace and kube-system out so it can recover).
            failure_mode: FailureMode::Closed,
            exempt: Exemptions::default(),
            mutate: Vec::new(),
            max_body_bytes: AdmissionSettings::DEFAULT_MAX_BODY_BYTES,
            deadline: AdmissionSettings::DEFAULT_DEADLINE,
            annotation_waivers: AnnotationWaiverScope::default(),
            max_inflight_bytes: AdmissionSettings::DEFAULT_MAX_INFLIGHT_BYTES,
            client_ca: None,
            client_names: Vec::new(),
            client_auth_required: false,
        }
    }
}

impl AdmissionSettings {
    /// 6 MiB: an UPDATE carries the object and the old object, each up to
    /// the API server's 3 MiB request limit (etcd stores at most 1.5 MiB).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
    /// 2 s: well under the 5 s `timeoutSeconds` that `palisade install`
    /// writes (the API server's default and maximum are 10 s and 30 s), so
    /// the failure mode, not the API server's timeout, decides.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
    /// 8 MiB: one review at the body limit, or hundreds of ordinary ones,
    /// at once; see `palisade-server`'s `body` module for what a byte costs.
    pub const DEFAULT_MAX_INFLIGHT_BYTES: usize = 8 * 1024 * 1024;

    /// The mode a control's findings take.
    pub fn mode(&self, control: &str) -> Mode {
        self.modes
            .get(control)
            .copied()
            .unwrap_or(self.default_mode)
    }
}

/// `admission:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct AdmissionConfig {
    listen: Option<String>,
    tls: Option<TlsConfig>,
    mode: Option<Spanned<String>>,
    #[serde(default)]
    frameworks: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    controls: BTreeMap<String, Spanned<String>>,
    failure_mode: Option<Spanned<String>>,
    #[serde(default)]
    exempt: ExemptConfig,
    #[serde(default)]
    mutate: Vec<Spanned<String>>,
    max_body_bytes: Option<Spanned<u64>>,
    deadline_ms: Option<Spanned<u64>>,
    max_inflight_bytes: Option<Spanned<u64>>,
    client_ca: Option<PathBuf>,
    #[serde(default)]
    client_names: Vec<String>,
    client_auth: Option<Spanned<String>>,
    annotation_waivers: Option<Spanned<AnnotationWaiversConfig>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnotationWaiversConfig {
    #[serde(default, deserialize_with = "crate::strict_bool::plain")]
    enabled: bool,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    controls: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsConfig {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ExemptConfig {
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    namespace_labels: BTreeMap<String, String>,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
}

impl Config {
    /// The `admission:` settings, validated: every mode, framework, control
    /// and limit is checked, and a mistake names its line and column.
    ///
    /// ```
    /// use palisade_policy::Config;
    /// use palisade_policy::admission::Mode;
    /// let config = Config::parse("p.yaml", "admission:\n  mode: audit\n  controls: {privileged-container: enforce}\n").unwrap();
    /// let settings = config.admission().unwrap();
    /// assert_eq!(settings.mode("privileged-container"), Mode::Enforce);
    /// assert_eq!(settings.mode("image-tag-latest"), Mode::Audit);
    /// let bad = Config::parse("p.yaml", "admission:\n  mode: deny\n").unwrap();
    /// assert!(bad.admission().unwrap_err().to_string().starts_with("p.yaml:2:"));
    /// ```
    pub fn admission(&self) -> Result<AdmissionSettings, ConfigError> {
        let mut settings = AdmissionSettings::default();
        let Some(raw) = &self.admission else {
            return Ok(settings);
        };
        let mode = |s: &Spanned<String>, what: &str| {
            s.value
                .parse::<Mode>()
                .map_err(|e| ConfigError(format!("{}: admission: {what}: {e}", self.at(s))))
        };
        settings.listen = raw.listen.clone();
        if let Some(tls) = &raw.tls {
            settings.tls_cert = tls.cert.clone();
            settings.tls_key = tls.key.clone();
        }
        if let Some(m) = &raw.mode {
            settings.default_mode = mode(m, "mode")?;
        }
        for (name, spanned) in &raw.frameworks {
            let m = mode(spanned, &format!("framework `{name}`"))?;
            let framework = self
                .frameworks(std::slice::from_ref(name))
                .map_err(|e| {
                    ConfigError(format!("{}: admission: frameworks: {e}", self.at(spanned)))
                })?
                .into_iter()
                .next();
            let controls = framework
                .map(|f| f.controls())
                .transpose()
                .map_err(|e| ConfigError(e.to_string()))?
                .unwrap_or_default();
            for control in controls {
                let entry = settings.modes.entry(control.meta.id).or_insert(m);
                *entry = (*entry).max(m);
            }
        }
        for (id, m) in &raw.controls {
            let parsed = mode(m, &format!("control `{id}`"))?;
            let control = registry::find(id).ok_or_else(|| {
                ConfigError(format!(
                    "{}: admission: unknown control `{id}` (see `palisade controls list`)",
                    self.at(m)
                ))
            })?;
            settings.modes.insert(control.meta.id, parsed);
        }
        if let Some(f) = &raw.failure_mode {
            settings.failure_mode = f.value.parse().map_err(|e| {
                ConfigError(format!("{}: admission: failure-mode: {e}", self.at(f)))
            })?;
        }
        settings.exempt = Exemptions {
            namespaces: raw.exempt.namespaces.clone(),
            namespace_labels: raw.exempt.namespace_labels.clone(),
            users: raw.exempt.users.clone(),
            groups: raw.exempt.groups.clone(),
        };
        for id in &raw.mutate {
            let default = SafeDefault::for_control(&id.value).ok_or_else(|| {
                let known: Vec<&str> = SafeDefault::ALL.iter().map(|d| d.control()).collect();
                ConfigError(format!(
                    "{}: admission: mutate: control `{}` has no safe default (those that do: {})",
                    self.at(id),
                    id.value,
                    known.join(", ")
                ))
            })?;
            if !settings.mutate.contains(&default) {
                settings.mutate.push(default);
            }
        }
        if let Some(limit) = &raw.max_body_bytes {
            if limit.value < 1024 {
                return Err(ConfigError(format!(
                    "{}: admission: max-body-bytes must be at least 1024",
                    self.at(limit)
                )));
            }
            settings.max_body_bytes = usize::try_from(limit.value).unwrap_or(usize::MAX);
        }
        if let Some(deadline) = &raw.deadline_ms {
            if !(10..=29_000).contains(&deadline.value) {
                return Err(ConfigError(format!(
                    "{}: admission: deadline-ms must be between 10 and 29000 (the API server waits at most 30 s)",
                    self.at(deadline)
                )));
            }
            settings.deadline = Duration::from_millis(deadline.value);
        }
        if let Some(bytes) = &raw.max_inflight_bytes {
            if bytes.value < 1024 * 1024 {
                return Err(ConfigError(format!(
                    "{}: admission: max-inflight-bytes must be at least 1048576",
                    self.at(bytes)
                )));
            }
            settings.max_inflight_bytes = usize::try_from(bytes.value).unwrap_or(usize::MAX);
        }
        settings.client_ca = raw.client_ca.as_ref().map(|p| self.dir().join(p));
        settings.client_names = raw.client_names.clone();
        if let Some(auth) = &raw.client_auth {
            settings.client_auth_required = match auth.value.as_str() {
                "required" => true,
                "optional" => false,
                other => {
                    return Err(ConfigError(format!(
                        "{}: admission: client-auth: `{other}` (expected optional or required)",
                        self.at(auth)
                    )));
                }
            };
            if settings.client_auth_required && settings.client_ca.is_none() {
                return Err(ConfigError(format!(
                    "{}: admission: client-auth: required needs client-ca (the CA of the API server's client certificate)",
                    self.at(auth)
                )));
            }
        }
        if let Some(waivers) = &raw.annotation_waivers {
            settings.annotation_waivers = self.annotation_waivers(waivers)?;
        }
        Ok(settings)
    }

    /// `admission.annotation-waivers`, checked: enabled needs the controls
    /// it may waive, and each must exist.
    fn annotation_waivers(
        &self,
        raw: &Spanned<AnnotationWaiversConfig>,
    ) -> Result<AnnotationWaiverScope, ConfigError> {
        let w = &raw.value;
        if w.enabled && w.controls.is_empty() {
            return Err(ConfigError(format!(
                "{}: admission: annotation-waivers: name the controls annotations may waive (controls: [...], or [\"*\"] for every control)",
                self.at(raw)
            )));
        }
        if let Some(unknown) = w
            .controls
            .iter()
            .find(|c| *c != "*" && registry::find(c).is_none())
        {
            return Err(ConfigError(format!(
                "{}: admission: annotation-waivers: unknown control `{unknown}` (see `palisade controls list`)",
                self.at(raw)
            )));
        }
        Ok(AnnotationWaiverScope {
            enabled: w.enabled,
            namespaces: w.namespaces.clone(),
            users: w.users.clone(),
            groups: w.groups.clone(),
            controls: w.controls.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match Config::parse("p.yaml", text).and_then(|c| c.admission()) {
            Ok(_) => String::new(),
            Err(e) => e.0,
        }
    }

    #[test]
    fn frameworks_take_the_strictest_mode_and_controls_win() {
        let config = Config::parse(
            "p.yaml",
            "admission:\n  frameworks: {pss-baseline: warn, pss-restricted: audit}\n  controls: {host-namespaces: audit}\n",
        )
        .unwrap();
        let settings = config.admission().unwrap();
        // In both profiles: warn is stricter than audit.
        assert_eq!(settings.mode("privileged-container"), Mode::Warn);
        // Only in restricted.
        assert_eq!(settings.mode("missing-run-as-non-root"), Mode::Audit);
        assert_eq!(settings.mode("host-namespaces"), Mode::Audit);
        assert_eq!(settings.mode("image-tag-latest"), Mode::Warn);
    }

    #[test]
    fn every_mistake_names_its_place() {
        for (text, line, needle) in [
            ("admission:\n  mode: deny\n", 2, "deny"),
            ("admission:\n  frameworks: {pci-9: enforce}\n", 2, "pci-9"),
            ("admission:\n  controls:\n    no-such: warn\n", 3, "no-such"),
            ("admission:\n  failure-mode: maybe\n", 2, "maybe"),
            (
                "admission:\n  mutate: [image-tag-latest]\n",
                2,
                "no safe default",
            ),
            ("admission:\n  deadline-ms: 60000\n", 2, "deadline-ms"),
            ("admission:\n  max-body-bytes: 10\n", 2, "max-body-bytes"),
            (
                "admission:\n  client-auth: required\n",
                2,
                "needs client-ca",
            ),
            (
                "admission:\n  annotation-waivers: {enabled: true}\n",
                2,
                "name the controls",
            ),
            (
                "admission:\n  annotation-waivers:\n    enabled: true\n    controls: [no-such]\n",
                3,
                "no-such",
            ),
        ] {
            let e = error(text);
            assert!(e.starts_with(&format!("p.yaml:{line}:")), "{e}");
            assert!(e.contains(needle), "{e}");
        }
        assert!(error("admission:\n  lissen: x\n").contains("lissen"));
    }

    #[test]
    fn safe_defaults_name_real_controls() {
        for default in SafeDefault::ALL {
            assert!(registry::find(default.control()).is_some(), "{default:?}");
        }
    }
}
