//! The prepared state every request reads: the evaluator and the admission
//! settings, built from the configuration and policy files and swapped
//! whole when they change (readers never see half a reload).

use std::path::PathBuf;
use std::time::SystemTime;

use palisade_policy::{
    AdmissionSettings, BuildError, Config, ConfigError, PolicyRequest, PolicySources,
};

use crate::evaluate::Evaluator;

/// The files the state is built from.
#[derive(Debug, Clone, Default)]
pub struct PolicyFiles {
    /// `palisade.yaml` (none: the defaults).
    pub config: Option<PathBuf>,
    /// Rego policies and data from the command line (`--policy`, `--data`,
    /// `--namespace`); the configuration's `policies:` add to them.
    pub policies: PolicySources,
}

impl PolicyFiles {
    /// Every file whose change means a rebuild: the configuration, and every
    /// policy and data file (folders expanded, so an edit inside one counts,
    /// and the configuration's `policies:` read afresh).
    pub fn files(&self) -> Vec<PathBuf> {
        let config = match &self.config {
            Some(path) => Config::load(path).unwrap_or_default(),
            None => Config::default(),
        };
        let mut files: Vec<PathBuf> = self.config.iter().cloned().collect();
        files.extend(config.user_policy_files(&self.policies));
        files
    }
}

/// Why the state could not be built (the last good state stays in use).
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The user policies do not load.
    #[error(transparent)]
    Policies(BuildError),
    /// `admission.client-ca` cannot be read.
    #[error("{0}")]
    ClientAuth(String),
}

impl From<BuildError> for PrepareError {
    fn from(error: BuildError) -> Self {
        match error {
            BuildError::Config(error) => PrepareError::Config(error),
            policies @ BuildError::Policies(_) => PrepareError::Policies(policies),
        }
    }
}

/// Policies and settings, ready to judge requests.
#[derive(Debug)]
pub struct Prepared {
    /// Runs the policies.
    pub evaluator: Evaluator,
    /// Modes, exemptions, failure mode, mutation, limits.
    pub settings: AdmissionSettings,
    /// Counts successful loads from 1.
    pub generation: u64,
    /// When it was built.
    pub loaded_at: SystemTime,
    /// The content hash recorded in audit events ([`Config::build`], as
    /// `scan --record` computes it).
    pub policy_version: String,
    /// Who may use the read API (tokens, certificate users, roles).
    pub api: palisade_policy::ApiConfig,
    /// How the API server proves it is the caller (`admission.client-ca`).
    pub client_auth: Option<crate::caller::ClientAuth>,
}

impl Prepared {
    /// Reads the configuration, selects and configures the controls as
    /// `palisade scan` does (the configuration's `frameworks:`, else every
    /// control), and prepares the policies. Errors name file, line and column.
    pub fn load(sources: &PolicyFiles, generation: u64) -> Result<Prepared, PrepareError> {
        let config = match &sources.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        // Whoever submits an object writes its annotations: the decision
        // applies them itself, within `admission.annotation-waivers`.
        let built = config.build(&PolicyRequest {
            policies: sources.policies.clone(),
            no_annotation_waivers: true,
            ..PolicyRequest::default()
        })?;
        let (policy, policy_version) = (built.policy, built.version);
        let settings = config.admission()?;
        let api = config.api()?;
        let client_auth =
            crate::caller::ClientAuth::load(&settings).map_err(PrepareError::ClientAuth)?;
        let evaluator = Evaluator::new(policy);
        Ok(Prepared {
            evaluator,
            settings,
            generation,
            loaded_at: SystemTime::now(),
            policy_version,
            api,
            client_auth,
        })
    }
}
