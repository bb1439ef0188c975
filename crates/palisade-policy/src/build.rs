//! One configured run: where the configuration is found ([`Config::discover`])
//! and how a policy set and its version are built from it and the command
//! line ([`Config::build`]). `scan`, `scan --record`, `serve` and its
//! reloads, and `palisade audit` all come through here, so they find the
//! same file and record the same policy version for the same policies.

use std::path::{Path, PathBuf};

use crate::version::PolicyVersion;
use crate::{AnnotationWaivers, Config, ConfigError, PolicySet, PolicySources};

/// The environment variable that names the configuration when no flag does.
pub const CONFIG_ENV: &str = "PALISADE_CONFIG";

/// A configuration, and where it came from.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The configuration (the defaults when none was found).
    pub config: Config,
    /// The file it was read from: what a server watches for changes.
    pub path: Option<PathBuf>,
    /// Why a file found by name was not read (for the caller to show).
    pub warning: Option<String>,
}

/// What the command line asks of the policy set, beside the configuration.
#[derive(Debug, Clone, Default)]
pub struct PolicyRequest {
    /// `--framework` (empty: the configuration's `frameworks:`).
    pub frameworks: Vec<String>,
    /// `--control`.
    pub controls: Vec<String>,
    /// `--policy`, `--data`, `--namespace`, `--all-namespaces`.
    pub policies: PolicySources,
    /// `--allowed-digests FILE`.
    pub allowed_digests: Option<PathBuf>,
    /// `--no-annotation-waivers` (the webhook asks it always: it applies
    /// annotations itself, within `admission.annotation-waivers`).
    pub no_annotation_waivers: bool,
    /// `--no-builtins`: user policies only.
    pub no_builtins: bool,
    /// `--combine`: Conftest policies see every document at once.
    pub combine: bool,
    /// `--baseline FILE`: a file of exceptions (`--write-baseline`'s)
    /// added to the configuration's.
    pub baseline: Option<PathBuf>,
}

/// Why a policy set could not be built: the configuration (or a flag's
/// file) is wrong, or the user policies do not load.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The configuration, or a file a flag names, cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// User policies that do not parse or compile, every one reported.
    #[error("cannot load the policies:\n  {}", lines(.0))]
    Policies(Vec<palisade_rego::RegoError>),
}

fn lines(errors: &[palisade_rego::RegoError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.join("\n  ")
}

/// A policy set and the version recorded with its decisions.
#[derive(Debug)]
pub struct Built {
    /// The controls and user policies, configured.
    pub policy: PolicySet,
    /// The content hash of everything that decides (see [`crate::version`]).
    pub version: String,
}

impl Config {
    /// The configuration: the file given (by flag or [`CONFIG_ENV`]), else
    /// [`Config::FILE_NAME`] in the working directory when there is one,
    /// else the defaults. A file found by name that holds Kubernetes
    /// manifests (`palisade install > palisade.yaml`) is input, not
    /// configuration: it is set aside with a warning. A file given is
    /// always read, and its errors are errors.
    pub fn discover(given: Option<&Path>) -> Result<Discovered, ConfigError> {
        let from_env = std::env::var_os(CONFIG_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(path) = given.map(Path::to_path_buf).or(from_env) {
            return Ok(Discovered {
                config: Config::load(&path)?,
                path: Some(path),
                warning: None,
            });
        }
        let default = Path::new(Config::FILE_NAME);
        if !default.is_file() {
            return Ok(Discovered::default());
        }
        let text = std::fs::read_to_string(default)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", default.display())))?;
        if Config::is_kubernetes_manifest(Config::FILE_NAME, &text) {
            return Ok(Discovered {
                warning: Some(format!(
                    "{} holds Kubernetes manifests, not a Palisade configuration; it is not read as configuration (pass one with --config)",
                    Config::FILE_NAME
                )),
                ..Discovered::default()
            });
        }
        Ok(Discovered {
            config: Config::parse(Config::FILE_NAME, &text)?,
            path: Some(default.to_path_buf()),
            warning: None,
        })
    }

    /// The policy set the configuration and `request` select, and its
    /// version. User policies are read once: what is compiled is what is
    /// hashed, so a file edited during the build cannot be recorded under
    /// a version it did not decide.
    pub fn build(&self, request: &PolicyRequest) -> Result<Built, BuildError> {
        let frameworks = self.frameworks(&request.frameworks)?;
        let (user, kyverno, fingerprint) = match self.user_policy_options(&request.policies) {
            Some((paths, keys, options)) => {
                let paths = crate::bundles::resolve(paths, &keys)?;
                let (kyverno, errors, kyverno_parts) =
                    crate::kyverno::KyvernoPolicies::load(&paths);
                if !errors.is_empty() {
                    return Err(BuildError::Policies(
                        errors
                            .into_iter()
                            .map(|e| palisade_rego::RegoError {
                                file: e.file,
                                line: None,
                                message: e.message,
                            })
                            .collect(),
                    ));
                }
                let sources = palisade_rego::collect_sources(&paths, &options.data)
                    .map_err(BuildError::Policies)?;
                let compiled = palisade_rego::Policies::compile(&sources, &options)
                    .map_err(BuildError::Policies)?;
                let mut fingerprint = sources.fingerprint();
                fingerprint.extend(kyverno_parts);
                (Some(compiled), Some(kyverno), fingerprint)
            }
            None => (None, None, Vec::new()),
        };
        let mut policy = self.policy_with(&frameworks, &request.controls, user)?;
        if let Some(kyverno) = kyverno {
            policy.set_kyverno_policies(kyverno);
        }
        if let Some(path) = &request.allowed_digests {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
            let digests = crate::digests::parse_list(&path.display().to_string(), &text)?;
            policy.allow_digests(&digests);
        }
        if request.no_annotation_waivers {
            policy.set_annotation_waivers(AnnotationWaivers::Ignored);
        }
        if request.no_builtins {
            policy.selected_mut().clear();
        }
        policy.set_combine(request.combine);
        let mut version = self.version_of(&policy, &fingerprint);
        if let Some(path) = &request.baseline {
            let baseline = Config::load(path)?;
            if !baseline.only_exceptions() {
                return Err(ConfigError(format!(
                    "{}: a baseline holds exceptions only; its other settings belong in the configuration",
                    path.display()
                ))
                .into());
            }
            let user_ids: Vec<&'static str> = policy
                .user_policies()
                .map(|u| u.controls().iter().map(|c| c.id).collect())
                .unwrap_or_default();
            let exceptions = baseline.compile_exceptions(&user_ids)?;
            if !policy.add_exceptions(exceptions) {
                return Err(ConfigError(format!(
                    "{}: the baseline came after the exceptions were shared",
                    path.display()
                ))
                .into());
            }
            // What waives decides too.
            let mut v = PolicyVersion::new();
            v.part("policy", version.as_bytes());
            v.part("baseline", baseline.text.as_bytes());
            version = v.finish();
        }
        Ok(Built { policy, version })
    }

    /// The policy version: the Palisade version, the configuration's text,
    /// each control as it runs, and every user policy and data document.
    fn version_of(&self, policy: &PolicySet, fingerprint: &[(String, String)]) -> String {
        let mut v = PolicyVersion::new();
        v.part("palisade", env!("CARGO_PKG_VERSION").as_bytes());
        if !self.text.is_empty() {
            v.part("config", self.text.as_bytes());
        }
        for selected in policy.selected() {
            let control = format!(
                "{} {:?} {:?} {:?}",
                selected.control.meta.id, selected.version, selected.severity, selected.params
            );
            v.part("control", control.as_bytes());
        }
        for (label, content) in fingerprint {
            v.part(label, content.as_bytes());
        }
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str, request: &PolicyRequest) -> String {
        let config = Config::parse("p.yaml", text).unwrap();
        config.build(request).unwrap().version
    }

    #[test]
    fn what_decides_changes_the_version_and_nothing_else_does() {
        let plain = PolicyRequest::default();
        let base = version("frameworks: [pss-baseline]\n", &plain);
        assert!(base.starts_with("sha256:"), "{base}");
        assert_eq!(base, version("frameworks: [pss-baseline]\n", &plain));
        // Another configuration, another selection, another digest list.
        assert_ne!(base, version("frameworks: [pss-restricted]\n", &plain));
        let restricted = PolicyRequest {
            frameworks: vec!["pss-restricted".into()],
            ..PolicyRequest::default()
        };
        assert_ne!(base, version("frameworks: [pss-baseline]\n", &restricted));
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_ne!(
            base,
            version(
                &format!("frameworks: [pss-baseline]\nallowed-digests: [{digest}]\n"),
                &plain
            )
        );
        assert_ne!(
            base,
            version(
                "frameworks: [pss-baseline]\ncontrols:\n  privileged-container: {severity: low}\n",
                &plain
            )
        );
        // Asked for on the command line or in the file, the same controls
        // hash alike apart from the file's own text.
        let from_cli = PolicyRequest {
            frameworks: vec!["pss-baseline".into()],
            ..PolicyRequest::default()
        };
        assert_eq!(
            Config::default().build(&from_cli).unwrap().version,
            Config::default().build(&from_cli).unwrap().version
        );
    }

    #[test]
    fn user_policies_are_hashed_as_compiled() {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("policy.rego");
        let rego = |message: &str| {
            format!(
                "package main\nimport rego.v1\ndeny contains msg if {{ input.kind == \"Pod\"; msg := \"{message}\" }}\n"
            )
        };
        std::fs::write(&policy, rego("one")).unwrap();
        let request = PolicyRequest {
            policies: PolicySources {
                paths: vec![policy.clone()],
                ..PolicySources::default()
            },
            ..PolicyRequest::default()
        };
        let first = Config::default().build(&request).unwrap();
        assert!(first.policy.user_policies().is_some());
        std::fs::write(&policy, rego("two")).unwrap();
        let second = Config::default().build(&request).unwrap();
        assert_ne!(first.version, second.version);
        std::fs::write(&policy, "package main\ndeny contains msg if {").unwrap();
        let error = Config::default().build(&request).unwrap_err();
        assert!(matches!(error, BuildError::Policies(_)), "{error:?}");
        assert!(error.to_string().contains("policy.rego"), "{error}");
    }
}
