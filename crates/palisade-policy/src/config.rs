//! `palisade.yaml`: which frameworks run, per-control settings (enabled,
//! severity, parameters), custom frameworks composed from existing controls,
//! and exceptions. Every mistake is an error that names the file, line and
//! column: an unknown key, control, parameter, framework or severity.
//!
//! ```yaml
//! frameworks: [pci-dss-4.0]
//! controls:
//!   image-registry-not-allowed:
//!     severity: critical
//!     params:
//!       allowed-registries: [registry.example.com]
//!   liveness-probe-missing:
//!     enabled: false
//! custom-frameworks:
//!   - id: acme-baseline
//!     title: ACME platform baseline
//!     requirements:
//!       - {id: ACME-1, title: No privileged pods, summary: ..., status: automated, controls: [privileged-container]}
//! annotation-waivers: false     # palisade.dev/waive.* annotations waive nothing
//! allowed-digests:
//!   - sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d
//! policies:                      # user policies in Rego (paths from this file's folder)
//!   paths: [policy/]
//!   namespaces: [main]
//! admission:                  # `palisade serve` (see crate::admission)
//!   mode: warn
//!   frameworks: {pss-restricted: enforce}
//! exceptions:
//!   - controls: [host-path-volumes]
//!     namespaces: [monitoring]
//!     kinds: [DaemonSet]
//!     names: ["node-exporter*"]
//!     justification: node-exporter reads the node's /proc and /sys
//!     owner: platform-team
//!     ticket: SEC-123
//!     expires: 2027-06-30
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use palisade_controls::{PssVersion, registry};
use palisade_frameworks::Pack;
use palisade_model::Severity;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::admission::AdmissionConfig;
use crate::api::ApiConfig;
use crate::exceptions::{Exception, ExceptionSpec, Exceptions};
use crate::{Framework, PolicySet, Selected, SelectionError};

/// The configuration file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Frameworks to run when `--framework` is not given.
    #[serde(default)]
    frameworks: Vec<Spanned<String>>,
    /// Per-control settings.
    #[serde(default)]
    controls: BTreeMap<String, Spanned<ControlSettings>>,
    /// Frameworks of the team's own, composed from existing controls.
    #[serde(default)]
    custom_frameworks: Vec<Spanned<Pack>>,
    /// Accepted risks.
    #[serde(default)]
    exceptions: Vec<Spanned<ExceptionConfig>>,
    /// `false`: `palisade.dev/waive.<control>` annotations waive nothing in
    /// scans (a central CI policy that a repository's own manifests must not
    /// waive). At admission they are off unless `admission.annotation-waivers`
    /// enables them.
    #[serde(default, deserialize_with = "crate::strict_bool::optional")]
    annotation_waivers: Option<bool>,
    /// Approved image digests (see [`crate::digests`]).
    #[serde(default)]
    allowed_digests: Vec<Spanned<String>>,
    /// User policies in Rego.
    #[serde(default)]
    policies: PoliciesConfig,
    /// How `palisade serve` acts on findings (see [`crate::admission`]).
    #[serde(default)]
    pub(crate) admission: Option<AdmissionConfig>,
    /// Who may use `palisade serve`'s read API (see [`crate::api`]).
    #[serde(default)]
    api: Option<ApiConfig>,
    /// Where the audit log is (see [`crate::audit`]).
    #[serde(default)]
    pub(crate) audit: Option<crate::audit::AuditConfig>,
    /// Where it was read from (set by [`Config::load`]).
    #[serde(skip)]
    file: String,
    /// The folder relative paths start from.
    #[serde(skip)]
    dir: std::path::PathBuf,
    /// The text it was parsed from (hashed into the policy version).
    #[serde(skip)]
    pub(crate) text: String,
}

/// `policies:`: where user policies are, as `--policy`, `--data` and
/// `--namespace` give them on the command line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PoliciesConfig {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    data: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default, deserialize_with = "crate::strict_bool::plain")]
    all_namespaces: bool,
    #[serde(default)]
    keys: Vec<String>,
}

/// Where user policies come from: the configuration's `policies:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySources {
    /// Policy files and folders.
    pub paths: Vec<std::path::PathBuf>,
    /// Data documents.
    pub data: Vec<std::path::PathBuf>,
    /// Conftest namespaces (empty: the default, `main`).
    pub namespaces: Vec<String>,
    /// Every namespace.
    pub all_namespaces: bool,
    /// Public keys one of which must have signed each policy bundle
    /// (`--policy-key`, `policies.keys`).
    pub keys: Vec<std::path::PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlSettings {
    #[serde(default, deserialize_with = "crate::strict_bool::optional")]
    enabled: Option<bool>,
    severity: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, Vec<String>>,
}

impl ControlSettings {
    /// The `severity:` given, checked; `at` and `id` name it in an error.
    fn severity(&self, at: &str, id: &str) -> Result<Option<Severity>, ConfigError> {
        self.severity
            .as_deref()
            .map(|s| {
                s.parse::<Severity>()
                    .map_err(|e| ConfigError(format!("{at}: control `{id}`: severity: {e}")))
            })
            .transpose()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExceptionConfig {
    pub(crate) controls: Vec<String>,
    #[serde(default)]
    pub(crate) namespaces: Vec<String>,
    #[serde(default)]
    pub(crate) kinds: Vec<String>,
    #[serde(default)]
    pub(crate) names: Vec<String>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) containers: Vec<String>,
    #[serde(default)]
    pub(crate) images: Vec<String>,
    #[serde(default)]
    pub(crate) justification: String,
    pub(crate) owner: Option<String>,
    pub(crate) ticket: Option<String>,
    pub(crate) expires: Option<String>,
    /// The day it was written (`palisade scan --write-baseline` sets it).
    pub(crate) created: Option<String>,
}

/// A configuration that cannot be used: `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// The default file name, looked up in the working directory.
    pub const FILE_NAME: &'static str = "palisade.yaml";

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
        let mut config = Config::parse(&path.display().to_string(), &text)?;
        config.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// Where the user policies come from: the configuration's `policies:`
    /// and `extra` (the command line's `--policy`, `--data`, `--namespace`,
    /// `--all-namespaces`). Paths add up; namespaces from `extra` replace
    /// the configuration's. `None` when no policy path is given.
    pub(crate) fn user_policy_options(
        &self,
        extra: &PolicySources,
    ) -> Option<(
        Vec<std::path::PathBuf>,
        Vec<std::path::PathBuf>,
        palisade_rego::LoadOptions,
    )> {
        let from_config = self.policy_sources();
        let mut paths = from_config.paths;
        paths.extend(extra.paths.iter().cloned());
        if paths.is_empty() {
            return None;
        }
        let mut keys = from_config.keys;
        keys.extend(extra.keys.iter().cloned());
        let namespaces = if extra.all_namespaces
            || (extra.namespaces.is_empty() && from_config.all_namespaces)
        {
            palisade_rego::Namespaces::All
        } else if !extra.namespaces.is_empty() {
            palisade_rego::Namespaces::Only(extra.namespaces.clone())
        } else if !from_config.namespaces.is_empty() {
            palisade_rego::Namespaces::Only(from_config.namespaces)
        } else {
            palisade_rego::Namespaces::default()
        };
        let mut data = from_config.data;
        data.extend(extra.data.iter().cloned());
        Some((paths, keys, palisade_rego::LoadOptions { namespaces, data }))
    }

    /// Every file and data document the user policies come from (the
    /// configuration's and `extra`'s), folders expanded: what a server
    /// watches for changes.
    pub fn user_policy_files(&self, extra: &PolicySources) -> Vec<std::path::PathBuf> {
        let from_config = self.policy_sources();
        let roots = from_config
            .paths
            .into_iter()
            .chain(from_config.data)
            .chain(extra.paths.iter().cloned())
            .chain(extra.data.iter().cloned());
        let mut files = Vec::new();
        // A bundle is pinned content in the cache: nothing to watch.
        for root in roots.filter(|r| !r.to_str().is_some_and(palisade_bundle::is_reference)) {
            // Unreadable folders are the loader's to report.
            palisade_rego::files_under(&root, &mut files, &mut Vec::new());
        }
        files
    }

    /// The user policies the configuration names, paths resolved from its
    /// folder (bundle references kept as they are).
    pub fn policy_sources(&self) -> PolicySources {
        let resolve = |p: &String| self.dir.join(p);
        let path_or_bundle = |p: &String| {
            if palisade_bundle::is_reference(p) {
                std::path::PathBuf::from(p)
            } else {
                self.dir.join(p)
            }
        };
        PolicySources {
            paths: self.policies.paths.iter().map(path_or_bundle).collect(),
            data: self.policies.data.iter().map(resolve).collect(),
            namespaces: self.policies.namespaces.clone(),
            all_namespaces: self.policies.all_namespaces,
            keys: self.policies.keys.iter().map(resolve).collect(),
        }
    }

    /// The `api:` section, its `client-ca` resolved from the
    /// configuration's folder; every role must be predefined or declared.
    pub fn api(&self) -> Result<ApiConfig, ConfigError> {
        let mut api = self.api.clone().unwrap_or_default();
        api.client_ca = api.client_ca.map(|p| self.dir.join(p));
        const PREDEFINED: [&str; 3] = ["admin", "auditor", "developer"];
        let roles = api
            .tokens
            .iter()
            .map(|t| (&t.name, &t.role))
            .chain(api.users.iter().map(|u| (&u.subject, &u.role)));
        for (who, role) in roles {
            if !PREDEFINED.contains(&role.as_str()) && !api.roles.contains_key(role) {
                return Err(ConfigError(format!(
                    "{}: api: `{who}` has the unknown role `{role}` (admin, auditor, developer, or one under api.roles)",
                    self.file
                )));
            }
        }
        for (i, token) in api.tokens.iter().enumerate() {
            let well_formed = token.sha256.strip_prefix("sha256:").is_some_and(|hex| {
                hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
            if !well_formed {
                return Err(ConfigError(format!(
                    "{}: api: token `{}`: sha256 must be `sha256:` and 64 lowercase hex digits, as `palisade audit token` prints it",
                    self.file, token.name
                )));
            }
            if let Some(other) = api.tokens.iter().take(i).find(|t| t.sha256 == token.sha256) {
                return Err(ConfigError(format!(
                    "{}: api: tokens `{}` and `{}` have the same hash: one secret would act as two holders",
                    self.file, other.name, token.name
                )));
            }
            if api.tokens.iter().take(i).any(|t| t.name == token.name) {
                return Err(ConfigError(format!(
                    "{}: api: two tokens are named `{}`: audit events would not tell their holders apart",
                    self.file, token.name
                )));
            }
        }
        Ok(api)
    }

    /// Parses configuration text; `file` names it in errors.
    ///
    /// ```
    /// use palisade_policy::Config;
    /// let error = Config::parse("palisade.yaml", "controls:\n  privileged-container:\n    severty: low\n").unwrap_err();
    /// assert!(error.to_string().starts_with("palisade.yaml:"), "{error}");
    /// assert!(error.to_string().contains("severty"), "{error}");
    /// ```
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        if let Some(line) = kubernetes_manifest_line(file, text) {
            return Err(ConfigError(format!(
                "{file}:{line}: this is not a Palisade configuration but a Kubernetes manifest (apiVersion and kind); `palisade install` prints manifests to apply, write them to another file (palisade install > palisade-install.yaml)"
            )));
        }
        let mut config: Config =
            serde_saphyr::from_str(text).map_err(|e| ConfigError(readable(file, &e)))?;
        config.file = file.to_owned();
        config.text = text.to_owned();
        config.validate()?;
        Ok(config)
    }

    /// Whether `text` is Kubernetes manifests rather than a configuration:
    /// a configuration found by name in the working directory that is no
    /// configuration (say, `palisade install`'s output saved as
    /// `palisade.yaml`) is set aside with a warning instead of failing every
    /// scan of the folder.
    pub fn is_kubernetes_manifest(file: &str, text: &str) -> bool {
        kubernetes_manifest_line(file, text).is_some()
    }

    /// What can be checked without the command line: custom frameworks
    /// (their IDs and controls, whether selected or not) and the read API's
    /// tokens and roles.
    fn validate(&self) -> Result<(), ConfigError> {
        for (i, custom) in self.custom_frameworks.iter().enumerate() {
            let at = self.at(custom);
            let id = &custom.value.id;
            if palisade_frameworks::find(id).is_some() {
                return Err(ConfigError(format!(
                    "{at}: custom framework `{id}` takes the ID of a built-in pack; a custom framework cannot replace a built-in one, choose another ID"
                )));
            }
            if self
                .custom_frameworks
                .iter()
                .take(i)
                .any(|other| &other.value.id == id)
            {
                return Err(ConfigError(format!(
                    "{at}: custom framework `{id}` is declared twice"
                )));
            }
            if let Some(problem) = custom.value.validate().into_iter().next() {
                return Err(ConfigError(format!("{at}: custom framework: {problem}")));
            }
        }
        if self.api.is_some() {
            self.api()?;
        }
        Ok(())
    }

    /// The folder relative paths start from.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// What `controls:` says of a user policy: on or off, and a severity;
    /// parameters belong to the policy's own data or constraint.
    fn user_tuning(
        &self,
        id: &str,
        settings: &Spanned<ControlSettings>,
    ) -> Result<crate::UserTuning, ConfigError> {
        let at = self.at(settings);
        let settings = &settings.value;
        if !settings.params.is_empty() {
            return Err(ConfigError(format!(
                "{at}: `{id}` is a user policy: its parameters come from its data files or constraint, not from `controls:`"
            )));
        }
        Ok(crate::UserTuning {
            enabled: settings.enabled.unwrap_or(true),
            severity: settings.severity(&at, id)?,
        })
    }

    pub(crate) fn at<T>(&self, spanned: &Spanned<T>) -> String {
        format!(
            "{}:{}:{}",
            self.file,
            spanned.referenced.line(),
            spanned.referenced.column()
        )
    }

    /// The frameworks to run: those named on the command line, else the
    /// configuration's; custom frameworks are found by ID.
    pub fn frameworks(&self, from_cli: &[String]) -> Result<Vec<Framework>, ConfigError> {
        let named: Vec<(String, String)> = if from_cli.is_empty() {
            self.frameworks
                .iter()
                .map(|f| (f.value.clone(), format!("{}: ", self.at(f))))
                .collect()
        } else {
            from_cli
                .iter()
                .map(|f| (f.clone(), String::new()))
                .collect()
        };
        named
            .into_iter()
            .map(|(name, at)| {
                if let Some(custom) = self.custom_frameworks.iter().find(|c| c.value.id == name) {
                    return Framework::custom(custom.value.clone()).map_err(|e| {
                        ConfigError(format!(
                            "{}: custom framework `{name}`: {e}",
                            self.at(custom)
                        ))
                    });
                }
                name.parse::<Framework>()
                    .map_err(|e| ConfigError(format!("{at}{e}")))
            })
            .collect()
    }

    /// The policy set for a scan: the frameworks and controls selected, with
    /// this configuration's settings and exceptions applied.
    pub fn policy(
        &self,
        frameworks: &[Framework],
        control_ids: &[String],
    ) -> Result<PolicySet, ConfigError> {
        self.policy_with(frameworks, control_ids, None)
    }

    /// [`Config::policy`] with user policies beside the built-in controls:
    /// exceptions may then name them too.
    pub fn policy_with(
        &self,
        frameworks: &[Framework],
        control_ids: &[String],
        user: Option<palisade_rego::Policies>,
    ) -> Result<PolicySet, ConfigError> {
        let mut policy = PolicySet::select(frameworks, control_ids)
            .map_err(|e: SelectionError| ConfigError(e.to_string()))?;
        let user_ids: Vec<&'static str> = user
            .as_ref()
            .map(|u| u.controls().iter().map(|c| c.id).collect())
            .unwrap_or_default();
        if let Some(user) = user {
            policy.set_user_policies(user)?;
        }
        let digests = self
            .allowed_digests
            .iter()
            .map(|d| {
                crate::digests::parse_digest(&d.value)
                    .map_err(|e| ConfigError(format!("{}: allowed-digests: {e}", self.at(d))))
            })
            .collect::<Result<Vec<String>, ConfigError>>()?;
        // Before the per-control settings, so that `enabled: false` wins.
        policy.allow_digests(&digests);
        if self.annotation_waivers == Some(false) {
            policy.set_annotation_waivers(crate::exceptions::AnnotationWaivers::Ignored);
        }
        for (id, settings) in &self.controls {
            let at = self.at(settings);
            let Some(control) = registry::find(id) else {
                let Some(&user_id) = user_ids.iter().find(|u| **u == id.as_str()) else {
                    return Err(ConfigError(format!(
                        "{at}: unknown control `{id}` (see `palisade controls list`)"
                    )));
                };
                policy.tune_user_policy(user_id, self.user_tuning(id, settings)?);
                continue;
            };
            let settings = &settings.value;
            let selected = policy.selected_mut();
            match settings.enabled {
                Some(false) => selected.retain(|s| !std::ptr::eq(s.control, control)),
                Some(true) if !selected.iter().any(|s| std::ptr::eq(s.control, control)) => {
                    selected.push(Selected::new(control, PssVersion::Latest));
                }
                _ => {}
            }
            let severity = settings.severity(&at, id)?;
            for s in selected
                .iter_mut()
                .filter(|s| std::ptr::eq(s.control, control))
            {
                if let Some(severity) = severity {
                    s.severity = severity;
                }
                for (name, value) in &settings.params {
                    s.params
                        .set(control, name, value.clone())
                        .map_err(|e| ConfigError(format!("{at}: {e}")))?;
                }
            }
        }
        let list = self.compile_exceptions(&user_ids)?;
        policy.set_exceptions(Exceptions {
            list,
            today: Some(jiff::ZonedDateTime::now().date()),
        });
        Ok(policy)
    }

    /// Its exceptions as written.
    pub(crate) fn exception_configs(&self) -> impl Iterator<Item = &ExceptionConfig> {
        self.exceptions.iter().map(|e| &e.value)
    }

    /// Whether it holds exceptions and nothing else (a baseline file).
    pub fn only_exceptions(&self) -> bool {
        self.frameworks.is_empty()
            && self.controls.is_empty()
            && self.custom_frameworks.is_empty()
            && self.annotation_waivers.is_none()
            && self.allowed_digests.is_empty()
            && self.policies.paths.is_empty()
            && self.policies.data.is_empty()
            && self.policies.namespaces.is_empty()
            && !self.policies.all_namespaces
            && self.policies.keys.is_empty()
            && self.admission.is_none()
            && self.api.is_none()
            && self.audit.is_none()
    }

    /// Its exceptions, compiled; `user_ids` are the user policies' IDs an
    /// exception may name besides the built-in controls.
    pub(crate) fn compile_exceptions(
        &self,
        user_ids: &[&str],
    ) -> Result<Vec<Exception>, ConfigError> {
        let mut list = Vec::new();
        for exception in &self.exceptions {
            let at = self.at(exception);
            let e = &exception.value;
            for id in &e.controls {
                if id != "*" && registry::find(id).is_none() && !user_ids.contains(&id.as_str()) {
                    return Err(ConfigError(format!(
                        "{at}: exception names unknown control `{id}`"
                    )));
                }
            }
            let spec = ExceptionSpec {
                source: at.clone(),
                controls: e.controls.clone(),
                namespaces: e.namespaces.clone(),
                kinds: e.kinds.clone(),
                names: e.names.clone(),
                labels: e
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                containers: e.containers.clone(),
                images: e.images.clone(),
                justification: e.justification.clone(),
                owner: e.owner.clone(),
                ticket: e.ticket.clone(),
                expires: e.expires.clone(),
            };
            if let Some(created) = &e.created
                && created.parse::<jiff::civil::Date>().is_err()
            {
                return Err(ConfigError(format!(
                    "{at}: exception: created: `{created}` is not a YYYY-MM-DD date"
                )));
            }
            list.push(
                Exception::compile(spec)
                    .map_err(|message| ConfigError(format!("{at}: exception: {message}")))?,
            );
        }
        Ok(list)
    }
}

/// The line of the first document that has both `apiVersion` and `kind`
/// at its top level, if any.
fn kubernetes_manifest_line(file: &str, text: &str) -> Option<u32> {
    let parsed =
        palisade_load::parse_documents(file.into(), text, &palisade_load::Limits::default());
    parsed.documents.iter().find_map(|d| {
        let api_version = d.root.get("apiVersion")?;
        d.root.get("kind")?;
        Some(api_version.pos.line)
    })
}

/// serde-saphyr's messages, with the ones that read as library internals
/// said in the configuration's terms.
fn readable(file: &str, error: &serde_saphyr::Error) -> String {
    if let serde_saphyr::Error::DuplicateMappingKey { key, location } = error.without_snippet() {
        let key = key.as_deref().unwrap_or("a key");
        return format!(
            "{file}:{}:{}: `{key}` is given twice in the same mapping; only one can count, so remove or merge the other",
            location.line(),
            location.column()
        );
    }
    format!("{file}: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let config = match Config::parse("p.yaml", text) {
            Ok(config) => config,
            Err(e) => return e.0,
        };
        let frameworks = match config.frameworks(&[]) {
            Ok(f) => f,
            Err(e) => return e.0,
        };
        config
            .policy(&frameworks, &[])
            .map(|_| String::new())
            .unwrap_or_else(|e| e.0)
    }

    #[test]
    fn every_mistake_names_its_place() {
        assert!(
            error("frameworks: [pci-dss-9]\n").starts_with("p.yaml:1:"),
            "{}",
            error("frameworks: [pci-dss-9]\n")
        );
        let unknown_control = error("controls:\n  no-such:\n    enabled: true\n");
        assert!(
            unknown_control.starts_with("p.yaml:3:") && unknown_control.contains("`no-such`"),
            "{unknown_control}"
        );
        let param = error("controls:\n  image-tag-latest:\n    params: {registries: [x]}\n");
        assert!(param.contains("has no parameter `registries`"), "{param}");
        let severity = error("controls:\n  image-tag-latest:\n    severity: urgent\n");
        assert!(severity.contains("severity"), "{severity}");
        let expires = error(
            "exceptions:\n  - controls: [image-tag-latest]\n    justification: x\n    expires: tomorrow\n",
        );
        assert!(
            expires.starts_with("p.yaml:2:") && expires.contains("tomorrow"),
            "{expires}"
        );
        let unjustified = error("exceptions:\n  - controls: [image-tag-latest]\n");
        assert!(unjustified.contains("justification"), "{unjustified}");
        let key = error("exeptions: []\n");
        assert!(key.contains("exeptions"), "{key}");
    }

    #[test]
    fn settings_change_the_policy_set() {
        let config = Config::parse(
            "p.yaml",
            "controls:\n  image-tag-latest:\n    enabled: false\n  image-registry-not-allowed:\n    severity: critical\n    params:\n      allowed-registries: [ghcr.io/acme]\n",
        )
        .unwrap();
        let policy = config.policy(&[], &[]).unwrap();
        let ids: Vec<&str> = policy.controls().iter().map(|c| c.meta.id).collect();
        assert!(!ids.contains(&"image-tag-latest"));
        let registry = policy
            .selected()
            .iter()
            .find(|s| s.control.meta.id == "image-registry-not-allowed")
            .unwrap();
        assert_eq!(registry.severity, Severity::Critical);
        assert_eq!(registry.params.list("allowed-registries"), ["ghcr.io/acme"]);
    }

    #[test]
    fn allowed_digests_feed_their_control() {
        let hex = "c".repeat(64);
        let config =
            Config::parse("p.yaml", &format!("allowed-digests: [\"sha256:{hex}\"]\n")).unwrap();
        let frameworks = config.frameworks(&["pss-baseline".into()]).unwrap();
        let policy = config.policy(&frameworks, &[]).unwrap();
        let control = policy
            .selected()
            .iter()
            .find(|s| s.control.meta.id == "image-digest-not-allowed")
            .expect("added to the selection");
        assert_eq!(
            control.params.list("allowed-digests"),
            [format!("sha256:{hex}")]
        );
        let bad = error("controls: {}\nallowed-digests:\n  - nginx:latest\n");
        assert!(
            bad.starts_with("p.yaml:3:") && bad.contains("nginx:latest"),
            "{bad}"
        );
    }

    #[test]
    fn custom_frameworks_compose_existing_controls() {
        let text = "custom-frameworks:\n  - id: acme\n    title: ACME baseline\n    requirements:\n      - {id: A-1, title: T, summary: S, status: automated, controls: [privileged-container]}\nframeworks: [acme]\n";
        let config = Config::parse("p.yaml", text).unwrap();
        let frameworks = config.frameworks(&[]).unwrap();
        let policy = config.policy(&frameworks, &[]).unwrap();
        assert_eq!(policy.len(), 1);
        let bad = text.replace("privileged-container", "no-such-control");
        assert!(error(&bad).contains("no-such-control"), "{}", error(&bad));
    }
}
