//! `--framework` values: `pss-baseline`, `pss-restricted`, optionally pinned
//! to a policy version as `pss-restricted@v1.30`.

use std::fmt;
use std::str::FromStr;

use palisade_controls::{Control, ParseVersionError, PssVersion, registry};
use palisade_model::PssLevel;

/// A framework selected on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    /// A Pod Security Standards level at a version.
    Pss(PssLevel, PssVersion),
}

impl Framework {
    /// The frameworks `--framework` knows, for help and errors.
    pub const NAMES: [&'static str; 2] = ["pss-baseline", "pss-restricted"];

    /// The controls it runs.
    pub fn controls(self) -> Vec<&'static Control> {
        match self {
            Framework::Pss(level, version) => registry::pss_profile(level, version),
        }
    }

    /// The policy version its controls run at.
    pub fn version(self) -> PssVersion {
        match self {
            Framework::Pss(_, version) => version,
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Framework::Pss(level, version) => write!(f, "pss-{}@{version}", level.as_str()),
        }
    }
}

/// A selection that names something unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Not a framework Palisade ships.
    #[error(
        "unknown framework `{0}` (known: pss-baseline, pss-restricted; pin a version with @v1.N)"
    )]
    UnknownFramework(String),
    /// A bad `@version`.
    #[error(transparent)]
    Version(#[from] ParseVersionError),
    /// Not a control ID.
    #[error("unknown control `{0}` (see `palisade controls list`)")]
    UnknownControl(String),
}

impl FromStr for Framework {
    type Err = SelectionError;

    /// ```
    /// use palisade_policy::Framework;
    /// assert_eq!("pss-restricted@v1.30".parse::<Framework>().unwrap().to_string(), "pss-restricted@v1.30");
    /// assert_eq!("pss-baseline".parse::<Framework>().unwrap().to_string(), "pss-baseline@latest");
    /// assert!("pss-baseline@1.30".parse::<Framework>().is_err());
    /// assert!("cis".parse::<Framework>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, version) = match s.split_once('@') {
            Some((name, version)) => (name, version.parse()?),
            None => (s, PssVersion::Latest),
        };
        match name {
            "pss-baseline" => Ok(Framework::Pss(PssLevel::Baseline, version)),
            "pss-restricted" => Ok(Framework::Pss(PssLevel::Restricted, version)),
            _ => Err(SelectionError::UnknownFramework(name.to_owned())),
        }
    }
}
