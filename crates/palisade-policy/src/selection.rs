//! `--framework` values: a built-in pack's ID (`pci-dss-4.0`,
//! `cis-kubernetes-1.12`...), the Pod Security Standards levels optionally
//! pinned to a policy version (`pss-restricted@v1.30`), or a custom
//! framework from the configuration.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use palisade_controls::{Control, ParseVersionError, PssVersion, registry};
use palisade_frameworks::Framework as Pack;
use palisade_model::PssLevel;

/// A framework selected for a scan: its pack (requirements and their
/// controls) and, for the Pod Security Standards, the level and version
/// whose checks run.
#[derive(Debug, Clone)]
pub struct Framework {
    /// The requirements and the controls that check them.
    pub pack: Arc<Pack>,
    pss: Option<(PssLevel, PssVersion)>,
}

impl Framework {
    /// A framework defined outside the built-in packs (a configuration's
    /// custom framework); its controls must exist.
    pub fn custom(pack: Pack) -> Result<Self, SelectionError> {
        let framework = Framework {
            pack: Arc::new(pack),
            pss: None,
        };
        framework.controls()?;
        Ok(framework)
    }

    /// Its ID, e.g. `pci-dss-4.0`.
    pub fn id(&self) -> &str {
        &self.pack.id
    }

    /// The controls it runs: a PSS profile's checks in force at its version,
    /// or every control its requirements name.
    pub fn controls(&self) -> Result<Vec<&'static Control>, SelectionError> {
        if let Some((level, version)) = self.pss {
            return Ok(registry::pss_profile(level, version));
        }
        self.pack
            .controls()
            .into_iter()
            .map(|id| {
                registry::find(id).ok_or_else(|| SelectionError::UnknownControl(id.to_owned()))
            })
            .collect()
    }

    /// The policy version its PSS checks run at.
    pub fn version(&self) -> PssVersion {
        self.pss.map_or(PssVersion::Latest, |(_, version)| version)
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pss {
            Some((_, version)) => write!(f, "{}@{version}", self.pack.id),
            None => f.write_str(&self.pack.id),
        }
    }
}

/// A selection that names something unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Not a framework Palisade ships.
    #[error("unknown framework `{0}` (known: {known}; see `palisade frameworks list`)", known = known())]
    UnknownFramework(String),
    /// `@version` on a framework that has no policy versions.
    #[error(
        "`{0}` takes no @version: only pss-baseline and pss-restricted are pinned to a policy version"
    )]
    Unversioned(String),
    /// A bad `@version`.
    #[error(transparent)]
    Version(#[from] ParseVersionError),
    /// Not a control ID.
    #[error("unknown control `{0}` (see `palisade controls list`)")]
    UnknownControl(String),
}

fn known() -> String {
    palisade_frameworks::all()
        .iter()
        .map(|f| f.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Framework {
    type Err = SelectionError;

    /// ```
    /// use palisade_policy::Framework;
    /// assert_eq!("pss-restricted@v1.30".parse::<Framework>().unwrap().to_string(), "pss-restricted@v1.30");
    /// assert_eq!("pss-baseline".parse::<Framework>().unwrap().to_string(), "pss-baseline@latest");
    /// assert_eq!("pci-dss-4.0".parse::<Framework>().unwrap().to_string(), "pci-dss-4.0.1");
    /// assert!("pss-baseline@1.30".parse::<Framework>().is_err());
    /// assert!("pci-dss-4.0@v1.30".parse::<Framework>().is_err());
    /// assert!("cis".parse::<Framework>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, version) = match s.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (s, None),
        };
        let level = match name {
            "pss-baseline" => Some(PssLevel::Baseline),
            "pss-restricted" => Some(PssLevel::Restricted),
            _ => None,
        };
        let pack = palisade_frameworks::find(name)
            .ok_or_else(|| SelectionError::UnknownFramework(name.to_owned()))?;
        let pss = match (level, version) {
            (Some(level), Some(version)) => Some((level, version.parse()?)),
            (Some(level), None) => Some((level, PssVersion::Latest)),
            (None, Some(_)) => return Err(SelectionError::Unversioned(name.to_owned())),
            (None, None) => None,
        };
        Ok(Framework {
            pack: Arc::new(pack.clone()),
            pss,
        })
    }
}
