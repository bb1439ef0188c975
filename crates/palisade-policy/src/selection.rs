//! `--framework` values: a built-in pack's ID (`pci-dss-4.0`,
//! `cis-kubernetes-1.12`...), the Pod Security Standards levels optionally
//! pinned to a policy version (`pss-restricted@v1.30`), or a custom
//! framework from the configuration.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use palisade_controls::pod_security::version::LATEST_MINOR;
use palisade_controls::{Control, ParseVersionError, PssVersion, registry};
use palisade_frameworks::{Coverage, Pack};
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
    /// A `@v1.N` newer than any this build knows.
    #[error(
        "`{0}` is newer than the newest Pod Security Standards version this build knows ({1}); pin {1} or use `latest`"
    )]
    FutureVersion(String, PssVersion),
    /// Not a control ID.
    #[error("unknown control `{0}` (see `palisade controls list`)")]
    UnknownControl(String),
    /// A pack's `parameters:` names a parameter its control does not take.
    #[error("framework `{0}`: {1}")]
    Parameter(String, palisade_controls::ParamError),
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
    /// assert!("pss-baseline@v1.99".parse::<Framework>().is_err());
    /// // A pin is the version reports are titled with.
    /// assert_eq!("pss-restricted@v1.25".parse::<Framework>().unwrap().pack.version, "v1.25");
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
            (Some(level), Some(version)) => Some((level, known_version(version)?)),
            (Some(level), None) => Some((level, PssVersion::Latest)),
            (None, Some(_)) => return Err(SelectionError::Unversioned(name.to_owned())),
            (None, None) => None,
        };
        let pack = match pss {
            Some((level, version @ PssVersion::V1(_))) => pinned(pack, level, version),
            _ => pack.clone(),
        };
        Ok(Framework {
            pack: Arc::new(pack),
            pss,
        })
    }
}

/// A `@v1.N` the build knows: a pin past the newest version would silently
/// run the newest checks under a title that claims another version.
fn known_version(text: &str) -> Result<PssVersion, SelectionError> {
    let version: PssVersion = text.parse()?;
    match version {
        PssVersion::V1(minor) if minor > LATEST_MINOR => Err(SelectionError::FutureVersion(
            text.to_owned(),
            PssVersion::V1(LATEST_MINOR),
        )),
        _ => Ok(version),
    }
}

/// The pack as the Pod Security Standards stood at `version`: titled with
/// that version, each requirement checked by the controls in force then
/// (a restricted check not yet in force is replaced by the baseline check
/// it later overrode, as upstream does), and requirements that did not exist
/// yet marked not applicable instead of "not run".
fn pinned(pack: &Pack, level: PssLevel, version: PssVersion) -> Pack {
    let profile = registry::pss_profile(level, version);
    let in_force = |id: &str| profile.iter().any(|c| c.meta.id == id);
    // A restricted control not yet in force stands for the baseline check
    // it overrides, when that one runs at this version.
    let stand_in = |id: &str| -> Option<&'static str> {
        let pss = registry::find(id)?.pss?;
        let baseline = pss.overrides?;
        profile
            .iter()
            .find(|c| c.pss.is_some_and(|p| p.upstream_id == baseline))
            .map(|c| c.meta.id)
    };
    let mut pack = pack.clone();
    pack.version = version.to_string();
    for requirement in &mut pack.requirements {
        if !matches!(requirement.status, Coverage::Automated | Coverage::Partial) {
            continue;
        }
        let mut controls: Vec<String> = Vec::new();
        for id in &requirement.controls {
            let now = if in_force(id) {
                Some(id.as_str())
            } else {
                stand_in(id)
            };
            if let Some(now) = now
                && !controls.iter().any(|c| c == now)
            {
                controls.push(now.to_owned());
            }
        }
        if controls.is_empty() {
            let since = requirement
                .controls
                .iter()
                .filter_map(|id| registry::find(id)?.pss.map(|p| p.since))
                .min();
            requirement.status = Coverage::NotApplicable;
            requirement.reason = Some(match since {
                Some(since) => format!(
                    "not part of the Pod Security Standards at {version} (added in v1.{since})"
                ),
                None => format!("not part of the Pod Security Standards at {version}"),
            });
        }
        requirement.controls = controls;
    }
    pack
}
