//! The policy version: one content hash of everything that decides, the
//! same for `palisade scan --record` and `palisade serve` when they run one
//! configuration, recorded in every audit event.
//!
//! What is hashed is what the policy set *is*, not how it was asked for:
//! the Palisade version (which fixes the embedded controls and packs), the
//! configuration's text, each control as it runs (ID, PSS version,
//! severity, parameters: allowed digests land there whether they came from
//! `--allowed-digests` or `allowed-digests:`), and every user policy and
//! data document. `--framework pss-baseline` and a configuration naming
//! the same framework select the same controls, so they hash alike.

use crate::{Config, ConfigError, PolicySet, PolicySources};

/// A labelled SHA-256: each part's label and bytes are hashed with their
/// lengths, so parts cannot run into each other.
#[derive(Default)]
pub struct PolicyVersion(sha2::Sha256);

impl PolicyVersion {
    /// An empty hash.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one labelled input.
    pub fn part(&mut self, label: &str, bytes: &[u8]) -> &mut Self {
        use sha2::Digest;
        self.0.update((label.len() as u64).to_le_bytes());
        self.0.update(label.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// `sha256:<hex>`.
    pub fn finish(self) -> String {
        use sha2::Digest;
        let digest = self.0.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

impl Config {
    /// The version of `policy`, built from this configuration and the
    /// command line's user policies `extra` (the configuration's
    /// `policies:` are added as [`Config::load_user_policies`] adds them).
    ///
    /// ```
    /// use palisade_policy::{Config, PolicySources};
    /// let config = Config::parse("p.yaml", "frameworks: [pss-baseline]\n").unwrap();
    /// let policy = config.policy_with(&config.frameworks(&[]).unwrap(), &[], None).unwrap();
    /// let v = config.policy_version(&policy, &PolicySources::default()).unwrap();
    /// assert!(v.starts_with("sha256:"));
    /// assert_eq!(v, config.policy_version(&policy, &PolicySources::default()).unwrap());
    /// ```
    pub fn policy_version(
        &self,
        policy: &PolicySet,
        extra: &PolicySources,
    ) -> Result<String, ConfigError> {
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
        let from_config = self.policy_sources();
        let paths: Vec<_> = from_config
            .paths
            .into_iter()
            .chain(extra.paths.iter().cloned())
            .collect();
        let data: Vec<_> = from_config
            .data
            .into_iter()
            .chain(extra.data.iter().cloned())
            .collect();
        if !paths.is_empty() {
            let sources = palisade_rego::collect_sources(&paths, &data).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                ConfigError(lines.join("\n"))
            })?;
            for (label, content) in sources.fingerprint() {
                v.part(&label, content.as_bytes());
            }
        }
        Ok(v.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str, cli_frameworks: &[String], digests: &[String]) -> String {
        let config = Config::parse("p.yaml", text).unwrap();
        let frameworks = config.frameworks(cli_frameworks).unwrap();
        let mut policy = config.policy_with(&frameworks, &[], None).unwrap();
        policy.allow_digests(digests);
        config
            .policy_version(&policy, &PolicySources::default())
            .unwrap()
    }

    #[test]
    fn what_decides_changes_the_version_and_nothing_else_does() {
        let base = version("frameworks: [pss-baseline]\n", &[], &[]);
        assert_eq!(base, version("frameworks: [pss-baseline]\n", &[], &[]));
        // Another configuration, another selection, another digest list.
        assert_ne!(base, version("frameworks: [pss-restricted]\n", &[], &[]));
        assert_ne!(
            base,
            version(
                "frameworks: [pss-baseline]\n",
                &["pss-restricted".into()],
                &[]
            )
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_ne!(
            base,
            version("frameworks: [pss-baseline]\n", &[], &[digest])
        );
        assert_ne!(
            base,
            version(
                "frameworks: [pss-baseline]\ncontrols:\n  privileged-container: {severity: low}\n",
                &[],
                &[]
            )
        );
    }
}
